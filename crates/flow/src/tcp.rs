//! TCP session state, as far as rules need it: has the three-way handshake
//! completed (`flow:established`), who is the client (`to_server`), is
//! the session closing or reset, and how far each side's sequence numbers
//! have advanced since its initial one (`stream_size`).
//!
//! Reassembly of the byte stream belongs to the stream layer (a later
//! part); this module only follows the handshake and teardown flags.

/// TCP flag bits as they appear in the header's flags byte.
pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const ACK: u8 = 0x10;

/// Session states, ordered: everything after `SynRecv` counts as
/// established for rule matching, as in Suricata.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum TcpSessionState {
    /// No session tracked (first packet was not a SYN and midstream pick-up
    /// is off): packets of such a flow are never `established`, and they
    /// are not reassembled or parsed, until a SYN starts a session.
    #[default]
    None,
    SynSent,
    SynRecv,
    Established,
    /// A FIN has been seen in either direction.
    Closing,
    /// Both FINs, or a RST.
    Closed,
}

impl TcpSessionState {
    /// Suricata's name for the state in EVE flow records.
    pub fn name(self) -> &'static str {
        match self {
            TcpSessionState::None => "none",
            TcpSessionState::SynSent => "syn_sent",
            TcpSessionState::SynRecv => "syn_recv",
            TcpSessionState::Established => "established",
            TcpSessionState::Closing => "fin_wait1",
            TcpSessionState::Closed => "closed",
        }
    }

    pub fn is_established(self) -> bool {
        self >= TcpSessionState::Established
    }
}

/// What one packet does to the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpUpdate {
    pub flags: u8,
    /// The packet travels client → server.
    pub to_server: bool,
}

/// One side's sequence space: its initial sequence number and the
/// sequence number after the last byte (or SYN/FIN) it sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SideSeq {
    isn: u32,
    next: u32,
}

/// Per-flow TCP tracking state.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpTracker {
    pub state: TcpSessionState,
    /// A packet came while no session was tracked and midstream pick-up
    /// was off, and was left out of the session (Suricata's
    /// `stream_midstream` exception policy `ignore`).
    pub midstream_ignored: bool,
    /// Midstream pick-up is on: a packet without a session starts one.
    pickup: bool,
    fin_seen: [bool; 2],
    /// The client sent the first FIN (Suricata then names the state from
    /// the server's side: `close_wait`, not `fin_wait1`).
    client_closed_first: bool,
    /// Client side, server side.
    seq: [Option<SideSeq>; 2],
    /// The timestamp value of the client's SYN (`None`: no timestamp
    /// option), which the server's answers must echo.
    syn_tsval: Option<u32>,
}

impl TcpTracker {
    /// The state for a flow whose first packet has `flags`.
    pub fn start(flags: u8, midstream: bool) -> TcpTracker {
        TcpTracker::start_with(flags, midstream, false)
    }

    /// [`TcpTracker::start`], where `async_oneside` also lets a SYN/ACK
    /// without its SYN start the session (only the server side is seen).
    pub fn start_with(flags: u8, midstream: bool, async_oneside: bool) -> TcpTracker {
        let state = if flags & (SYN | ACK) == SYN {
            TcpSessionState::SynSent
        } else if async_oneside && flags & (SYN | ACK | RST) == SYN | ACK {
            TcpSessionState::Established
        } else if flags & RST != 0 {
            TcpSessionState::None
        } else if midstream {
            TcpSessionState::Established
        } else {
            TcpSessionState::None
        };
        TcpTracker {
            state,
            midstream_ignored: state == TcpSessionState::None && !midstream,
            pickup: midstream,
            fin_seen: [false; 2],
            client_closed_first: false,
            seq: [None; 2],
            syn_tsval: None,
        }
    }

    /// Suricata's name for the session state in EVE flow records. Suricata
    /// names the closing states from the server's side: a FIN from the
    /// client first is `close_wait`, from the server first `fin_wait1`.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            TcpSessionState::Closing if self.client_closed_first => "close_wait",
            s => s.name(),
        }
    }

    /// Records the timestamp option (value, echo) of the client's SYN.
    pub fn note_syn_timestamp(&mut self, ts: Option<(u32, u32)>) {
        self.syn_tsval = ts.map(|t| t.0);
    }

    /// Whether a packet with timestamp option `ts` must be refused for its
    /// timestamp, as Suricata's stream engine does in SYN_SENT: a server
    /// packet carrying a timestamp whose echo is neither 0 nor the client
    /// SYN's value (or is not 0 when the SYN had no timestamp) is an
    /// evasion attempt (`stream-event:pkt_invalid_timestamp`); the session
    /// ignores it.
    pub fn invalid_timestamp(&self, to_server: bool, ts: Option<(u32, u32)>) -> bool {
        if self.state != TcpSessionState::SynSent || to_server {
            return false;
        }
        let Some((_, echo)) = ts else {
            return false;
        };
        match self.syn_tsval {
            Some(v) => v != 0 && echo != 0 && echo != v,
            None => echo != 0,
        }
    }

    /// Follows one side's sequence numbers: a segment from the client
    /// (`from_client`) or the server with sequence number `seq`, `flags`
    /// and `payload_len` bytes of data. A side first seen without a SYN
    /// (picked up midstream) counts as if its SYN came just before.
    pub fn observe(&mut self, from_client: bool, seq: u32, flags: u8, payload_len: usize) {
        if flags & RST != 0 {
            return;
        }
        let len = payload_len as u32;
        let end = seq
            .wrapping_add(len)
            .wrapping_add(u32::from(flags & SYN != 0))
            .wrapping_add(u32::from(flags & FIN != 0));
        let side = &mut self.seq[usize::from(!from_client)];
        match side {
            None => {
                let isn = if flags & SYN != 0 {
                    seq
                } else {
                    seq.wrapping_sub(1)
                };
                *side = Some(SideSeq { isn, next: end });
            }
            Some(s) => {
                // later in sequence space (wrapping), by less than 2^31
                if (end.wrapping_sub(s.next) as i32) > 0 {
                    s.next = end;
                }
            }
        }
    }

    /// How far the server's (`server`) or the client's sequence numbers
    /// advanced past its initial one: the bytes it sent plus its SYN (and
    /// FIN), as `stream_size` compares. `None` before that side sent
    /// anything.
    pub fn stream_size(&self, server: bool) -> Option<u64> {
        self.seq[usize::from(server)].map(|s| u64::from(s.next.wrapping_sub(s.isn)))
    }

    /// Advances the state for a packet after the first one.
    pub fn update(&mut self, u: TcpUpdate) {
        use TcpSessionState::*;
        let syn = u.flags & SYN != 0;
        let ack = u.flags & ACK != 0;
        if u.flags & RST != 0 {
            if self.state != None {
                self.state = Closed;
            } else if !self.pickup {
                self.midstream_ignored = true;
            }
            return;
        }
        match self.state {
            None => {
                // without a session, a client's SYN starts one
                if syn && !ack {
                    self.state = SynSent;
                } else if self.pickup {
                    self.state = Established;
                } else {
                    self.midstream_ignored = true;
                }
            }
            SynSent => {
                if syn && ack && !u.to_server {
                    self.state = SynRecv;
                }
            }
            SynRecv => {
                if ack && !syn && u.to_server {
                    self.state = Established;
                }
            }
            Established | Closing => {
                if u.flags & FIN != 0 {
                    if self.state == Established {
                        self.client_closed_first = u.to_server;
                    }
                    self.fin_seen[usize::from(!u.to_server)] = true;
                    self.state = if self.fin_seen[0] && self.fin_seen[1] {
                        Closed
                    } else {
                        Closing
                    };
                }
            }
            Closed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(t: &mut TcpTracker, flags: u8, to_server: bool) -> TcpSessionState {
        t.update(TcpUpdate { flags, to_server });
        t.state
    }

    #[test]
    fn handshake_reaches_established_on_third_packet() {
        let mut t = TcpTracker::start(SYN, false);
        assert_eq!(t.state, TcpSessionState::SynSent);
        assert!(!up(&mut t, SYN | ACK, false).is_established());
        assert!(up(&mut t, ACK, true).is_established());
        assert_eq!(up(&mut t, FIN | ACK, true), TcpSessionState::Closing);
        assert_eq!(t.state_name(), "close_wait");
        assert!(t.state.is_established());
        assert_eq!(up(&mut t, FIN | ACK, false), TcpSessionState::Closed);
    }

    #[test]
    fn midstream_pickup_is_policy() {
        assert_eq!(TcpTracker::start(ACK, false).state, TcpSessionState::None);
        // in SYN_SENT a server packet must echo the SYN's timestamp
        let mut t = TcpTracker::start(SYN, false);
        t.note_syn_timestamp(Some((777, 0)));
        assert!(t.invalid_timestamp(false, Some((100, 100))));
        assert!(!t.invalid_timestamp(false, Some((100, 777))));
        assert!(!t.invalid_timestamp(false, Some((100, 0))));
        assert!(!t.invalid_timestamp(false, None));
        assert!(!t.invalid_timestamp(true, Some((100, 100))));
        t.note_syn_timestamp(None);
        assert!(t.invalid_timestamp(false, Some((100, 5))));
        t.update(TcpUpdate {
            flags: SYN | ACK,
            to_server: false,
        });
        assert!(!t.invalid_timestamp(false, Some((100, 5))));
        assert_eq!(
            TcpTracker::start(ACK, true).state,
            TcpSessionState::Established
        );
    }

    #[test]
    fn a_syn_after_ignored_packets_starts_the_session() {
        let mut t = TcpTracker::start(ACK, false);
        assert!(t.midstream_ignored);
        assert_eq!(up(&mut t, ACK, true), TcpSessionState::None);
        assert_eq!(up(&mut t, SYN, true), TcpSessionState::SynSent);
        assert_eq!(up(&mut t, SYN | ACK, false), TcpSessionState::SynRecv);
        assert!(up(&mut t, ACK, true).is_established());
        // the earlier packets stay on record
        assert!(t.midstream_ignored);
        // a session picked up midstream ignores nothing
        let t = TcpTracker::start(ACK, true);
        assert!(!t.midstream_ignored);
        // nor one of which only the server side is followed
        let t = TcpTracker::start_with(SYN | ACK, false, true);
        assert!(t.state.is_established() && !t.midstream_ignored);
        assert!(TcpTracker::start_with(SYN | ACK, false, false).midstream_ignored);
        assert!(!TcpTracker::start(SYN, false).midstream_ignored);
    }

    #[test]
    fn syn_ack_from_the_client_side_does_not_advance() {
        let mut t = TcpTracker::start(SYN, false);
        assert_eq!(up(&mut t, SYN | ACK, true), TcpSessionState::SynSent);
    }

    #[test]
    fn stream_size_follows_each_side() {
        let mut t = TcpTracker::start(SYN, false);
        assert_eq!(t.stream_size(false), None);
        t.observe(true, 100, SYN, 0);
        t.observe(false, 0xffff_fff0, SYN | ACK, 0);
        t.observe(true, 101, ACK, 0);
        assert_eq!(
            (t.stream_size(false), t.stream_size(true)),
            (Some(1), Some(1))
        );
        t.observe(true, 101, ACK, 500);
        // the server's sequence numbers wrap past 2^32
        t.observe(false, 0xffff_fff1, ACK, 1300);
        assert_eq!(t.stream_size(false), Some(501));
        assert_eq!(t.stream_size(true), Some(1301));
        // a retransmission does not grow it, a FIN counts one
        t.observe(true, 101, ACK, 500);
        t.observe(true, 601, ACK | FIN, 0);
        assert_eq!(t.stream_size(false), Some(502));
        // a RST is ignored
        t.observe(false, 0x1000_0000, RST, 0);
        assert_eq!(t.stream_size(true), Some(1301));
    }

    #[test]
    fn stream_size_midstream_counts_from_the_first_segment() {
        let mut t = TcpTracker::start(ACK, true);
        t.observe(false, 5000, ACK, 10);
        assert_eq!(t.stream_size(true), Some(11));
        assert_eq!(t.stream_size(false), None);
    }

    #[test]
    fn rst_closes() {
        let mut t = TcpTracker::start(SYN, false);
        assert_eq!(up(&mut t, RST, false), TcpSessionState::Closed);
    }
}
