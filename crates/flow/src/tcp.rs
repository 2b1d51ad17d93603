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
    /// is off): packets of such a flow are never `established`.
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
    fin_seen: [bool; 2],
    /// Client side, server side.
    seq: [Option<SideSeq>; 2],
}

impl TcpTracker {
    /// The state for a flow whose first packet has `flags`.
    pub fn start(flags: u8, midstream: bool) -> TcpTracker {
        let state = if flags & (SYN | ACK) == SYN {
            TcpSessionState::SynSent
        } else if flags & RST != 0 {
            TcpSessionState::None
        } else if midstream {
            TcpSessionState::Established
        } else {
            TcpSessionState::None
        };
        TcpTracker {
            state,
            fin_seen: [false; 2],
            seq: [None; 2],
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
            }
            return;
        }
        match self.state {
            None => {}
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
        assert!(t.state.is_established());
        assert_eq!(up(&mut t, FIN | ACK, false), TcpSessionState::Closed);
    }

    #[test]
    fn midstream_pickup_is_policy() {
        assert_eq!(TcpTracker::start(ACK, false).state, TcpSessionState::None);
        assert_eq!(
            TcpTracker::start(ACK, true).state,
            TcpSessionState::Established
        );
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
