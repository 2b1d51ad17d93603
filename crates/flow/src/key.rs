//! Flow keys: the normalised 5-tuple (plus VLAN ids) under which both
//! directions of a conversation meet.

use std::hash::{Hash, Hasher};
use std::net::IpAddr;

/// What a packet contributes to its flow's key, as seen on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyInput {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub proto: u8,
    pub vlan: [u16; 2],
}

/// A direction-free key: the lower (address, port) endpoint comes first, so
/// a packet and its reply map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    lo_addr: [u8; 16],
    hi_addr: [u8; 16],
    lo_port: u16,
    hi_port: u16,
    proto: u8,
    vlan: [u16; 2],
}

fn addr_bytes(a: IpAddr) -> [u8; 16] {
    match a {
        // Map v4 into the v4-mapped v6 space so v4 and v6 keys never collide.
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

impl FlowKey {
    /// The VLAN ids the flow was keyed on, outermost first (none when the
    /// flow is untagged).
    pub fn vlans(&self) -> &[u16] {
        let n = if self.vlan[1] != 0 {
            2
        } else {
            usize::from(self.vlan[0] != 0)
        };
        &self.vlan[..n]
    }

    /// Builds the normalised key; the boolean is true when the packet's
    /// source is the key's `lo` endpoint.
    pub fn from_input(k: &KeyInput) -> (FlowKey, bool) {
        let s = (addr_bytes(k.src), k.src_port);
        let d = (addr_bytes(k.dst), k.dst_port);
        let src_is_lo = s <= d;
        let (lo, hi) = if src_is_lo { (s, d) } else { (d, s) };
        (
            FlowKey {
                lo_addr: lo.0,
                hi_addr: hi.0,
                lo_port: lo.1,
                hi_port: hi.1,
                proto: k.proto,
                vlan: k.vlan,
            },
            src_is_lo,
        )
    }

    /// A stable 64-bit hash of the key, the same whatever the packet's
    /// direction and whatever the process: used for `flow_id` and for
    /// spreading flows across workers.
    pub fn stable_hash(&self) -> u64 {
        let mut h = Fnv1a(0xcbf2_9ce4_8422_2325);
        self.hash(&mut h);
        // final avalanche (splitmix64) so nearby keys spread well
        let mut z = h.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn proto(&self) -> u8 {
        self.proto
    }
}

/// FNV-1a: small, deterministic across runs (unlike std's RandomState), only
/// used where a stable value is needed, not for the table itself.
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key() {
        let a = KeyInput {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            src_port: 1234,
            dst_port: 80,
            proto: 6,
            vlan: [0, 0],
        };
        let b = KeyInput {
            src: a.dst,
            dst: a.src,
            src_port: a.dst_port,
            dst_port: a.src_port,
            ..a
        };
        let (ka, a_lo) = FlowKey::from_input(&a);
        let (kb, b_lo) = FlowKey::from_input(&b);
        assert_eq!(ka, kb);
        assert_ne!(a_lo, b_lo);
        assert_eq!(ka.stable_hash(), kb.stable_hash());
    }

    #[test]
    fn vlan_and_proto_separate_flows() {
        let a = KeyInput {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            src_port: 1,
            dst_port: 2,
            proto: 6,
            vlan: [0, 0],
        };
        let b = KeyInput { vlan: [5, 0], ..a };
        let c = KeyInput { proto: 17, ..a };
        assert_ne!(FlowKey::from_input(&a).0, FlowKey::from_input(&b).0);
        assert_ne!(FlowKey::from_input(&a).0, FlowKey::from_input(&c).0);
    }
}
