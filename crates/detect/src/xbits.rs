//! `xbits`: named bits kept per host or host pair instead of per flow
//! (`track ip_src`, `ip_dst`, `ip_pair`), each with an expiry in packet
//! time. The [`XbitStore`] lives in the detection state; rules compile
//! their `xbits` options into [`XbitsCond`] (checked before the rule
//! matches) and [`XbitsAction`] (applied when it does).
//!
//! Keys hold whole addresses, so an IPv4 host and an IPv6 host whose
//! address bytes look alike never share bits. A pair is unordered: bits set
//! for A→B are seen on B→A packets.

use std::collections::HashMap;
use std::net::IpAddr;

use warden_packet::Packet;

/// Seconds a bit lives when the rule gives no `expire`.
pub const DEFAULT_EXPIRE_SECS: u32 = 30;

/// Bits kept beyond this are refused until expired ones are swept.
const MAX_BITS: usize = 1 << 16;

const NS: i64 = 1_000_000_000;

/// What an xbit is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XbitTrack {
    /// The packet's source address.
    IpSrc,
    /// The packet's destination address.
    IpDst,
    /// The packet's two addresses, in either order.
    IpPair,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Host(IpAddr),
    Pair(IpAddr, IpAddr),
}

impl XbitTrack {
    fn owner(self, p: &Packet<'_>) -> Option<Owner> {
        let (src, dst) = (p.src_ip()?, p.dst_ip()?);
        Some(match self {
            XbitTrack::IpSrc => Owner::Host(src),
            XbitTrack::IpDst => Owner::Host(dst),
            XbitTrack::IpPair => {
                if src <= dst {
                    Owner::Pair(src, dst)
                } else {
                    Owner::Pair(dst, src)
                }
            }
        })
    }
}

/// A condition a rule puts on xbits (`isset`, `isnotset`).
#[derive(Clone, Debug)]
pub struct XbitsCond {
    pub track: XbitTrack,
    pub ids: Vec<u32>,
    /// `|` between names: one is enough; otherwise all must hold.
    pub any: bool,
    /// `isset` (true) or `isnotset`.
    pub set: bool,
}

/// What a matching rule does to an xbit.
#[derive(Clone, Copy, Debug)]
pub struct XbitsAction {
    pub track: XbitTrack,
    pub id: u32,
    pub op: XbitOp,
    pub expire_secs: u32,
}

/// `set`, `unset` or `toggle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XbitOp {
    Set,
    Unset,
    Toggle,
}

/// The xbits currently set, with their expiry (packet time, ns).
#[derive(Debug, Default)]
pub struct XbitStore {
    bits: HashMap<(u32, Owner), i64>,
}

impl XbitStore {
    fn is_set(&self, id: u32, owner: Owner, now_ns: i64) -> bool {
        self.bits
            .get(&(id, owner))
            .is_some_and(|&until| until > now_ns)
    }

    /// Whether the packet satisfies `c` at `now_ns`.
    pub fn check(&self, c: &XbitsCond, p: &Packet<'_>, now_ns: i64) -> bool {
        let Some(owner) = c.track.owner(p) else {
            return false;
        };
        let holds = |id: &u32| self.is_set(*id, owner, now_ns) == c.set;
        if c.any {
            c.ids.iter().any(holds)
        } else {
            c.ids.iter().all(holds)
        }
    }

    /// Applies `a` for the packet at `now_ns`.
    pub fn apply(&mut self, a: &XbitsAction, p: &Packet<'_>, now_ns: i64) {
        let Some(owner) = a.track.owner(p) else {
            return;
        };
        let until = now_ns.saturating_add(i64::from(a.expire_secs).saturating_mul(NS));
        let set = match a.op {
            XbitOp::Set => true,
            XbitOp::Unset => false,
            XbitOp::Toggle => !self.is_set(a.id, owner, now_ns),
        };
        if !set {
            self.bits.remove(&(a.id, owner));
            return;
        }
        if self.bits.len() >= MAX_BITS {
            self.bits.retain(|_, until| *until > now_ns);
            if self.bits.len() >= MAX_BITS {
                return;
            }
        }
        self.bits.insert((a.id, owner), until);
    }

    /// Bits held (expired ones included until swept).
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether no bit is held.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use warden_packet::{build, decode, DecodeOptions, LinkType};

    fn udp(src: IpAddr, dst: IpAddr) -> Vec<u8> {
        build::Builder::default().udp(src, dst, 1, 2, b"x")
    }

    fn act(track: XbitTrack, op: XbitOp, expire_secs: u32) -> XbitsAction {
        XbitsAction {
            track,
            id: 7,
            op,
            expire_secs,
        }
    }

    fn cond(track: XbitTrack, set: bool) -> XbitsCond {
        XbitsCond {
            track,
            ids: vec![7],
            any: false,
            set,
        }
    }

    #[test]
    fn pair_is_unordered_and_family_aware() {
        let a: IpAddr = Ipv4Addr::new(1, 2, 3, 4).into();
        let b: IpAddr = Ipv4Addr::new(5, 6, 7, 8).into();
        let a6: IpAddr = "102:304::".parse::<Ipv6Addr>().unwrap().into();
        let b6: IpAddr = "506:708::".parse::<Ipv6Addr>().unwrap().into();
        let o = DecodeOptions::default();
        let (ab, ba, ab6) = (udp(a, b), udp(b, a), udp(a6, b6));
        let (ab, ba, ab6) = (
            decode(LinkType::Ethernet, &ab, &o),
            decode(LinkType::Ethernet, &ba, &o),
            decode(LinkType::Ethernet, &ab6, &o),
        );
        let mut s = XbitStore::default();
        s.apply(&act(XbitTrack::IpPair, XbitOp::Set, 30), &ab, 0);
        assert!(s.check(&cond(XbitTrack::IpPair, true), &ab, 1));
        assert!(s.check(&cond(XbitTrack::IpPair, true), &ba, 1));
        assert!(!s.check(&cond(XbitTrack::IpPair, true), &ab6, 1));
        assert!(s.check(&cond(XbitTrack::IpPair, false), &ab6, 1));
        // ip_src of A→B is ip_dst of B→A
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Set, 30), &ab, 0);
        assert!(s.check(&cond(XbitTrack::IpDst, true), &ba, 1));
        assert!(!s.check(&cond(XbitTrack::IpSrc, true), &ba, 1));
    }

    #[test]
    fn expiry_unset_and_toggle() {
        let a: IpAddr = Ipv4Addr::new(1, 2, 3, 4).into();
        let b: IpAddr = Ipv4Addr::new(5, 6, 7, 8).into();
        let f = udp(a, b);
        let p = decode(LinkType::Ethernet, &f, &DecodeOptions::default());
        let mut s = XbitStore::default();
        let c = cond(XbitTrack::IpSrc, true);
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Set, 10), &p, 0);
        assert!(s.check(&c, &p, 9 * NS));
        assert!(!s.check(&c, &p, 10 * NS));
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Toggle, 10), &p, 11 * NS);
        assert!(s.check(&c, &p, 12 * NS));
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Toggle, 10), &p, 12 * NS);
        assert!(!s.check(&c, &p, 12 * NS));
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Set, 10), &p, 12 * NS);
        s.apply(&act(XbitTrack::IpSrc, XbitOp::Unset, 10), &p, 13 * NS);
        assert!(!s.check(&c, &p, 13 * NS));
        assert!(s.is_empty());
    }
}
