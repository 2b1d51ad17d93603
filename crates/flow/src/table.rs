//! The flow table: a slab of flows indexed by a hash map from normalised
//! key to slot, with timeouts in packet time and a memory cap.
//!
//! A flow's client is the endpoint that opened it (the sender of the first
//! packet, or the receiver of a first SYN/ACK), so `to_server` means what
//! rule writers expect.

use std::net::IpAddr;

use foldhash::fast::RandomState;
use hashbrown::HashMap;

use crate::key::{FlowKey, KeyInput};
use crate::tcp::{TcpSessionState, TcpTracker, TcpUpdate, ACK, SYN};

const NS: i64 = 1_000_000_000;

/// Which way a packet travels within its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ToServer,
    ToClient,
}

impl Direction {
    /// 0 for to-server, 1 for to-client: index into per-direction arrays.
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }
}

/// Idle timeouts in seconds, by protocol and state (Suricata's defaults).
#[derive(Clone, Copy, Debug)]
pub struct FlowTimeouts {
    pub tcp_new: i64,
    pub tcp_established: i64,
    pub tcp_closed: i64,
    pub udp_new: i64,
    pub udp_established: i64,
    pub other_new: i64,
    pub other_established: i64,
}

impl Default for FlowTimeouts {
    fn default() -> Self {
        FlowTimeouts {
            tcp_new: 60,
            tcp_established: 600,
            tcp_closed: 60,
            udp_new: 30,
            udp_established: 300,
            other_new: 30,
            other_established: 300,
        }
    }
}

/// Flow-table settings.
#[derive(Clone, Copy, Debug)]
pub struct FlowConfig {
    pub timeouts: FlowTimeouts,
    /// Memory the table may use, in bytes (Suricata's `flow.memcap`).
    pub memcap: usize,
    /// Pick up TCP sessions whose handshake was not seen (`stream.midstream`).
    pub midstream: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            timeouts: FlowTimeouts::default(),
            memcap: 128 * 1024 * 1024,
            midstream: false,
        }
    }
}

/// One tracked conversation.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Stable id shown as `flow_id` in every event of this flow.
    pub id: u64,
    pub key: FlowKey,
    pub proto: u8,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub first_ns: i64,
    pub last_ns: i64,
    /// Packets and bytes, indexed by [`Direction::index`].
    pub pkts: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: TcpTracker,
    /// Opaque per-flow bit ids owned by the detection engine (flowbits).
    pub bits: Vec<u32>,
    /// Per-flow integer variables owned by the detection engine
    /// (flowint), by opaque id.
    pub ints: Vec<(u32, u64)>,
    /// Opaque per-flow flags owned by later stages (verdicts, pass, ...).
    pub flags: u32,
    /// TCP flags seen, OR-ed, indexed by [`Direction::index`].
    pub tcp_flags: [u8; 2],
    /// ICMP type and code of the first ICMP packet each way.
    pub icmp: [Option<(u8, u8)>; 2],
    /// Some rule alerted on this flow.
    pub alerted: bool,
    /// Whether the packet last tracked counts as `established`: for TCP
    /// the session state *before* that packet (the ACK completing the
    /// handshake is not yet established, as in Suricata, whose flow flags
    /// are set before the stream engine runs); for other protocols,
    /// traffic seen both ways including that packet.
    pub pkt_established: bool,
}

impl Flow {
    /// `flow:established` for this flow's current packet: a completed
    /// handshake for TCP, traffic seen both ways for other protocols.
    pub fn is_established(&self) -> bool {
        if self.proto == 6 {
            self.tcp.state.is_established()
        } else {
            self.pkts[0] > 0 && self.pkts[1] > 0
        }
    }

    pub fn age_secs(&self) -> i64 {
        (self.last_ns - self.first_ns) / NS
    }

    pub fn has_bit(&self, bit: u32) -> bool {
        self.bits.contains(&bit)
    }

    pub fn set_bit(&mut self, bit: u32) {
        if !self.bits.contains(&bit) {
            self.bits.push(bit);
        }
    }

    pub fn unset_bit(&mut self, bit: u32) {
        self.bits.retain(|b| *b != bit);
    }

    /// The flowint variable `id`, when set.
    pub fn int(&self, id: u32) -> Option<u64> {
        self.ints.iter().find(|(i, _)| *i == id).map(|(_, v)| *v)
    }

    /// Sets the flowint variable `id` to `value`.
    pub fn set_int(&mut self, id: u32, value: u64) {
        match self.ints.iter_mut().find(|(i, _)| *i == id) {
            Some((_, v)) => *v = value,
            None => self.ints.push((id, value)),
        }
    }

    /// Suricata's flow state name: `new`, `established` or `closed`.
    pub fn state_name(&self) -> &'static str {
        if self.proto == 6 && self.tcp.state == TcpSessionState::Closed {
            "closed"
        } else if self.is_established() {
            "established"
        } else {
            "new"
        }
    }

    fn timeout_secs(&self, t: &FlowTimeouts) -> i64 {
        match self.proto {
            6 => match self.tcp.state {
                TcpSessionState::Closed => t.tcp_closed,
                s if s.is_established() => t.tcp_established,
                _ if self.pkts[1] > 0 => t.tcp_established,
                _ => t.tcp_new,
            },
            17 => {
                if self.is_established() {
                    t.udp_established
                } else {
                    t.udp_new
                }
            }
            _ => {
                if self.is_established() {
                    t.other_established
                } else {
                    t.other_new
                }
            }
        }
    }
}

/// A handle to a flow in the table, valid until the flow is expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowRef(u32);

/// Counters the table keeps for stats events.
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowCounters {
    pub total: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmpv4: u64,
    pub icmpv6: u64,
    pub other: u64,
    pub timed_out: u64,
    /// Packets that could not get a flow because the table was full.
    pub memcap_refused: u64,
    pub active: u64,
}

/// The result of tracking one packet.
#[derive(Clone, Copy, Debug)]
pub struct Tracked {
    pub flow: FlowRef,
    pub direction: Direction,
    /// The flow was created by this packet.
    pub new: bool,
}

/// The flow table.
pub struct FlowTable {
    config: FlowConfig,
    index: HashMap<FlowKey, u32, RandomState>,
    slots: Vec<Option<Flow>>,
    free: Vec<u32>,
    max_flows: usize,
    next_sweep_ns: i64,
    counters: FlowCounters,
}

/// Rough memory one flow costs: the slot, its map entry, and a few flowbits.
const FLOW_COST: usize = std::mem::size_of::<Option<Flow>>()
    + std::mem::size_of::<(FlowKey, u32)>() * 2
    + 4 * std::mem::size_of::<u32>();

impl FlowTable {
    pub fn new(config: FlowConfig) -> FlowTable {
        let max_flows = (config.memcap / FLOW_COST).max(1);
        FlowTable {
            config,
            index: HashMap::with_capacity_and_hasher(max_flows.min(65_536), RandomState::default()),
            slots: Vec::new(),
            free: Vec::new(),
            max_flows,
            next_sweep_ns: i64::MIN,
            counters: FlowCounters::default(),
        }
    }

    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    pub fn counters(&self) -> FlowCounters {
        FlowCounters {
            active: self.index.len() as u64,
            ..self.counters
        }
    }

    /// Approximate bytes in use by tracked flows.
    pub fn memuse(&self) -> usize {
        self.index.len() * FLOW_COST
    }

    pub fn get(&self, r: FlowRef) -> &Flow {
        self.slots[r.0 as usize]
            .as_ref()
            .expect("FlowRef outlived its flow")
    }

    pub fn get_mut(&mut self, r: FlowRef) -> &mut Flow {
        self.slots[r.0 as usize]
            .as_mut()
            .expect("FlowRef outlived its flow")
    }

    /// Finds or creates the flow of a packet and updates its counters and
    /// TCP state. `tcp_flags` is `Some` for TCP packets; `len` is the
    /// packet's length on the wire. Returns `None` only when the table is
    /// full even after expiring idle flows.
    pub fn track(
        &mut self,
        input: &KeyInput,
        tcp_flags: Option<u8>,
        len: usize,
        now_ns: i64,
    ) -> Option<Tracked> {
        let (key, src_is_lo) = FlowKey::from_input(input);
        let (slot, new) = match self.index.get(&key) {
            Some(&slot) => (slot, false),
            None => {
                if self.index.len() >= self.max_flows {
                    self.expire(now_ns, |_| {});
                    if self.index.len() >= self.max_flows {
                        self.counters.memcap_refused += 1;
                        return None;
                    }
                }
                let slot = self.insert(key, input, tcp_flags, now_ns);
                (slot, true)
            }
        };
        let midstream = self.config.midstream;
        let flow = self.slots[slot as usize].as_mut().expect("indexed slot");
        let from_client = {
            let (ckey, c_is_lo) = FlowKey::from_input(&KeyInput {
                src: flow.client.0,
                dst: flow.server.0,
                src_port: flow.client.1,
                dst_port: flow.server.1,
                ..*input
            });
            debug_assert_eq!(ckey, key);
            c_is_lo == src_is_lo
        };
        let direction = if from_client {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let d = direction.index();
        flow.pkts[d] += 1;
        flow.bytes[d] += len as u64;
        flow.last_ns = flow.last_ns.max(now_ns);
        flow.pkt_established = if flow.proto == 6 {
            !new && flow.tcp.state.is_established()
        } else {
            flow.pkts[0] > 0 && flow.pkts[1] > 0
        };
        if let Some(flags) = tcp_flags {
            flow.tcp_flags[d] |= flags;
            if new {
                flow.tcp = TcpTracker::start(flags, midstream);
            } else {
                flow.tcp.update(TcpUpdate {
                    flags,
                    to_server: from_client,
                });
            }
        }
        Some(Tracked {
            flow: FlowRef(slot),
            direction,
            new,
        })
    }

    fn insert(
        &mut self,
        key: FlowKey,
        input: &KeyInput,
        tcp_flags: Option<u8>,
        now_ns: i64,
    ) -> u32 {
        // A first packet that is a SYN/ACK was sent by the server.
        let reversed = matches!(tcp_flags, Some(f) if f & (SYN | ACK) == SYN | ACK);
        let (client, server) = if reversed {
            ((input.dst, input.dst_port), (input.src, input.src_port))
        } else {
            ((input.src, input.src_port), (input.dst, input.dst_port))
        };
        self.counters.total += 1;
        match input.proto {
            6 => self.counters.tcp += 1,
            17 => self.counters.udp += 1,
            1 => self.counters.icmpv4 += 1,
            58 => self.counters.icmpv6 += 1,
            _ => self.counters.other += 1,
        }
        // Suricata's flow ids are positive and below 2^53 so JSON readers
        // keep them exact; mix in the creation count so a key reused later
        // gets a new id.
        let id = (key.stable_hash() ^ self.counters.total.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            & ((1u64 << 51) - 1);
        let flow = Flow {
            id: id.max(1),
            key,
            proto: input.proto,
            client,
            server,
            first_ns: now_ns,
            last_ns: now_ns,
            pkts: [0; 2],
            bytes: [0; 2],
            tcp: TcpTracker::default(),
            bits: Vec::new(),
            ints: Vec::new(),
            flags: 0,
            tcp_flags: [0; 2],
            icmp: [None; 2],
            alerted: false,
            pkt_established: false,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(flow);
                s
            }
            None => {
                self.slots.push(Some(flow));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        slot
    }

    /// Removes flows idle past their timeout at packet time `now_ns`,
    /// handing each to `on_expired` first. Cheap to call per packet: it
    /// only sweeps once per second of packet time.
    pub fn maybe_expire(&mut self, now_ns: i64, on_expired: impl FnMut(&Flow)) {
        if now_ns >= self.next_sweep_ns {
            self.next_sweep_ns = now_ns.saturating_add(NS);
            self.expire(now_ns, on_expired);
        }
    }

    fn expire(&mut self, now_ns: i64, mut on_expired: impl FnMut(&Flow)) {
        let timeouts = self.config.timeouts;
        let slots = &mut self.slots;
        let free = &mut self.free;
        let mut timed_out = 0;
        self.index.retain(|_, slot| {
            let flow = slots[*slot as usize].as_ref().expect("indexed slot");
            let idle = now_ns.saturating_sub(flow.last_ns);
            if idle > flow.timeout_secs(&timeouts) * NS {
                on_expired(flow);
                slots[*slot as usize] = None;
                free.push(*slot);
                timed_out += 1;
                false
            } else {
                true
            }
        });
        self.counters.timed_out += timed_out;
    }

    /// Removes every flow (end of input), handing each to `on_flow`.
    pub fn drain(&mut self, mut on_flow: impl FnMut(&Flow)) {
        for (_, slot) in self.index.drain() {
            if let Some(flow) = self.slots[slot as usize].take() {
                on_flow(&flow);
            }
        }
        self.slots.clear();
        self.free.clear();
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::FIN;

    fn input(src: &str, sp: u16, dst: &str, dp: u16, proto: u8) -> KeyInput {
        KeyInput {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            src_port: sp,
            dst_port: dp,
            proto,
            vlan: [0, 0],
        }
    }

    #[test]
    fn tcp_handshake_direction_and_state() {
        let mut t = FlowTable::new(FlowConfig::default());
        let c2s = input("10.0.0.1", 40000, "10.0.0.2", 80, 6);
        let s2c = input("10.0.0.2", 80, "10.0.0.1", 40000, 6);
        let a = t.track(&c2s, Some(SYN), 60, 0).unwrap();
        assert!(a.new);
        assert_eq!(a.direction, Direction::ToServer);
        assert!(!t.get(a.flow).is_established());
        let b = t.track(&s2c, Some(SYN | ACK), 60, 1).unwrap();
        assert_eq!(b.flow, a.flow);
        assert_eq!(b.direction, Direction::ToClient);
        assert!(!t.get(a.flow).is_established());
        t.track(&c2s, Some(ACK), 60, 2).unwrap();
        assert!(t.get(a.flow).is_established());
        // the handshake-completing ACK itself is not an established packet
        assert!(!t.get(a.flow).pkt_established);
        t.track(&c2s, Some(ACK), 60, 2).unwrap();
        assert!(t.get(a.flow).pkt_established);
        let f = t.get(a.flow);
        assert_eq!(f.pkts, [3, 1]);
        assert_eq!(f.bytes, [180, 60]);
        t.track(&c2s, Some(FIN | ACK), 60, 3).unwrap();
        assert_eq!(t.counters().total, 1);
    }

    #[test]
    fn first_syn_ack_makes_its_receiver_the_client() {
        let mut t = FlowTable::new(FlowConfig::default());
        let s2c = input("10.0.0.2", 80, "10.0.0.1", 40000, 6);
        let a = t.track(&s2c, Some(SYN | ACK), 60, 0).unwrap();
        assert_eq!(a.direction, Direction::ToClient);
        assert_eq!(t.get(a.flow).server.1, 80);
    }

    #[test]
    fn udp_established_after_reply() {
        let mut t = FlowTable::new(FlowConfig::default());
        let q = input("10.0.0.1", 5353, "10.0.0.2", 53, 17);
        let r = input("10.0.0.2", 53, "10.0.0.1", 5353, 17);
        let a = t.track(&q, None, 80, 0).unwrap();
        assert!(!t.get(a.flow).is_established());
        t.track(&r, None, 80, 0).unwrap();
        assert!(t.get(a.flow).is_established());
    }

    #[test]
    fn idle_flows_expire_in_packet_time() {
        let mut t = FlowTable::new(FlowConfig::default());
        let q = input("10.0.0.1", 5353, "10.0.0.2", 53, 17);
        t.track(&q, None, 80, 0).unwrap();
        let mut expired = 0;
        t.maybe_expire(10 * NS, |_| expired += 1);
        assert_eq!((expired, t.len()), (0, 1));
        t.maybe_expire(31 * NS, |_| expired += 1);
        assert_eq!((expired, t.len()), (1, 0));
        // a new flow on the same key gets a fresh id
        let b = t.track(&q, None, 80, 32 * NS).unwrap();
        assert!(b.new);
    }

    #[test]
    fn memcap_bounds_the_table() {
        let mut t = FlowTable::new(FlowConfig {
            memcap: FLOW_COST * 2,
            ..FlowConfig::default()
        });
        for port in 0..5u16 {
            t.track(&input("10.0.0.1", port, "10.0.0.2", 53, 17), None, 80, 0);
        }
        assert_eq!(t.len(), 2);
        assert_eq!(t.counters().memcap_refused, 3);
    }
}
