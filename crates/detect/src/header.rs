//! Header keyword checks: IP (ttl, tos, id, ipopts, fragbits, ...), TCP
//! (flags, seq, ack, window, mss), ICMP (itype, icode, id, seq), dsize,
//! VLAN, decoder events and flow counters.

use warden_flow::{Direction, Flow};
use warden_packet::Packet;
use warden_rules::{FlagModifier, FlowCount, FlowDir, Fragbits, IntCmp, TcpFlagsMatch};

use crate::sig::HeaderCheck;

/// True when every check holds for this packet.
pub fn check_all(checks: &[HeaderCheck], p: &Packet<'_>, flow: Option<(&Flow, Direction)>) -> bool {
    checks.iter().all(|c| check(c, p, flow))
}

fn cmp(c: &IntCmp, v: Option<u64>) -> bool {
    v.is_some_and(|v| c.matches(v))
}

fn check(c: &HeaderCheck, p: &Packet<'_>, flow: Option<(&Flow, Direction)>) -> bool {
    let v4 = p.ipv4.as_ref();
    let tcp = p.tcp.as_ref();
    let icmp = p.icmp();
    match c {
        HeaderCheck::Ttl(c) => cmp(
            c,
            v4.map(|h| u64::from(h.ttl))
                .or_else(|| p.ipv6.as_ref().map(|h| u64::from(h.hop_limit))),
        ),
        HeaderCheck::Tos(c) => cmp(c, v4.map(|h| u64::from(h.tos))),
        HeaderCheck::IpId(c) => cmp(c, v4.map(|h| u64::from(h.id))),
        HeaderCheck::IpProto(c) => cmp(c, p.ip_proto.map(u64::from)),
        HeaderCheck::IpOpts(o) => v4.is_some_and(|h| h.options.contains(*o)),
        HeaderCheck::SameIp => p.src_ip().is_some() && p.src_ip() == p.dst_ip(),
        HeaderCheck::Fragbits(f) => v4.is_some_and(|h| {
            let mut bits = 0u8;
            if h.mf {
                bits |= Fragbits::M;
            }
            if h.df {
                bits |= Fragbits::D;
            }
            if h.rf {
                bits |= Fragbits::R;
            }
            flag_match(bits, f.flags, f.modifier, 0)
        }),
        HeaderCheck::Fragoffset(c) => cmp(c, v4.map(|h| u64::from(h.frag_offset))),
        HeaderCheck::TcpFlags(f) => tcp.is_some_and(|t| tcp_flags(t.flags, f)),
        HeaderCheck::Seq(c) => cmp(c, tcp.map(|t| u64::from(t.seq))),
        HeaderCheck::Ack(c) => cmp(c, tcp.map(|t| u64::from(t.ack))),
        HeaderCheck::Window(c) => cmp(c, tcp.map(|t| u64::from(t.window))),
        HeaderCheck::TcpMss(c) => cmp(c, tcp.and_then(|t| t.options.mss).map(u64::from)),
        HeaderCheck::Itype(c) => cmp(c, icmp.map(|i| u64::from(i.icmp_type))),
        HeaderCheck::Icode(c) => cmp(c, icmp.map(|i| u64::from(i.code))),
        HeaderCheck::IcmpId(c) => cmp(c, icmp.and_then(|i| i.id).map(u64::from)),
        HeaderCheck::IcmpSeq(c) => cmp(c, icmp.and_then(|i| i.seq).map(u64::from)),
        HeaderCheck::Dsize(c) => dsize(c, p.payload.len()),
        HeaderCheck::VlanId { cmp: c, layer } => {
            let ids = p.vlans();
            match layer {
                None => ids.iter().any(|id| c.matches(u64::from(*id))),
                Some(l) => {
                    let idx = if *l < 0 {
                        ids.len() as i64 + i64::from(*l)
                    } else {
                        i64::from(*l)
                    };
                    usize::try_from(idx)
                        .ok()
                        .and_then(|i| ids.get(i))
                        .is_some_and(|id| c.matches(u64::from(*id)))
                }
            }
        }
        HeaderCheck::VlanLayers(c) => c.matches(u64::from(p.vlan_count)),
        HeaderCheck::DecodeEvent(e) => p.has_event(*e),
        HeaderCheck::FlowAge(c) => flow.is_some_and(|(f, _)| c.matches(f.age_secs().max(0) as u64)),
        HeaderCheck::FlowPkts(fc) => flow.is_some_and(|(f, d)| flow_count(fc, &f.pkts, d)),
        HeaderCheck::FlowBytes(fc) => flow.is_some_and(|(f, d)| flow_count(fc, &f.bytes, d)),
        HeaderCheck::StreamSize(s) => flow.is_some_and(|(f, _)| stream_size(s, &f.tcp)),
    }
}

/// `stream_size`: how far the server's and the client's sequence numbers
/// advanced since their initial ones; a side that sent nothing (or a flow
/// that is not TCP) never matches.
fn stream_size(s: &warden_rules::StreamSize, tcp: &warden_flow::TcpTracker) -> bool {
    use warden_rules::StreamDir;
    let m = |server: bool| tcp.stream_size(server).is_some_and(|v| s.cmp.matches(v));
    match s.dir {
        StreamDir::Server => m(true),
        StreamDir::Client => m(false),
        StreamDir::Both => m(true) && m(false),
        StreamDir::Either => m(true) || m(false),
    }
}

/// `dsize`, with Suricata's payload requirement: ranges, `>`, `>=` and `!N`
/// only apply to packets that carry a payload (an empty packet never
/// matches them, not even `dsize:!9`), `dsize:N` with N > 0 likewise, and
/// `dsize:0` only to packets without one. `<` and `<=` admit both.
fn dsize(c: &IntCmp, len: usize) -> bool {
    use warden_rules::CmpOp;
    let needs_payload = match c.op {
        CmpOp::Range | CmpOp::Gt | CmpOp::Ge | CmpOp::Ne => true,
        CmpOp::Eq => c.a > 0,
        _ => false,
    };
    if needs_payload && len == 0 {
        return false;
    }
    c.matches(len as u64)
}

fn flow_count(fc: &FlowCount, counts: &[u64; 2], _dir: Direction) -> bool {
    match fc.dir {
        None => fc.cmp.matches(counts[0] + counts[1]),
        Some(FlowDir::ToServer) => fc.cmp.matches(counts[0]),
        Some(FlowDir::ToClient) => fc.cmp.matches(counts[1]),
        Some(FlowDir::Either) => fc.cmp.matches(counts[0]) || fc.cmp.matches(counts[1]),
    }
}

/// `flags`: the packet's flags (minus ignored ones) against the rule's.
pub fn tcp_flags(actual: u8, f: &TcpFlagsMatch) -> bool {
    flag_match(actual, f.flags, f.modifier, f.ignore)
}

fn flag_match(actual: u8, want: u8, modifier: Option<FlagModifier>, ignore: u8) -> bool {
    let actual = actual & !ignore;
    match modifier {
        None => actual == want,
        Some(FlagModifier::Plus) => actual & want == want,
        Some(FlagModifier::Any) => want == 0 || actual & want != 0,
        Some(FlagModifier::Not) => actual & want == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsize_payload_requirement_as_suricata() {
        use warden_rules::CmpOp;
        let c = |op, a, b| IntCmp { op, a, b };
        // dsize:!9 does not match an empty packet (Suricata requires a payload)
        assert!(!dsize(&c(CmpOp::Ne, 9, 0), 0));
        assert!(dsize(&c(CmpOp::Ne, 9, 0), 10));
        assert!(!dsize(&c(CmpOp::Ne, 9, 0), 9));
        // >=, > and ranges need a payload too; < and <= do not
        assert!(!dsize(&c(CmpOp::Ge, 0, 0), 0));
        assert!(!dsize(&c(CmpOp::Range, 0, 20), 0));
        assert!(dsize(&c(CmpOp::Lt, 10, 0), 0));
        assert!(dsize(&c(CmpOp::Le, 10, 0), 0));
        // dsize:0 only matches empty packets, dsize:10 only 10-byte ones
        assert!(dsize(&c(CmpOp::Eq, 0, 0), 0));
        assert!(!dsize(&c(CmpOp::Eq, 0, 0), 1));
        assert!(dsize(&c(CmpOp::Eq, 10, 0), 10));
    }

    #[test]
    fn flag_modifiers() {
        let f = |flags, modifier, ignore| TcpFlagsMatch {
            flags,
            modifier,
            ignore,
        };
        // exact SYN
        assert!(tcp_flags(0x02, &f(0x02, None, 0)));
        assert!(!tcp_flags(0x12, &f(0x02, None, 0)));
        // SYN plus anything
        assert!(tcp_flags(0x12, &f(0x02, Some(FlagModifier::Plus), 0)));
        // any of FIN/SYN
        assert!(tcp_flags(0x01, &f(0x03, Some(FlagModifier::Any), 0)));
        // not RST
        assert!(!tcp_flags(0x14, &f(0x04, Some(FlagModifier::Not), 0)));
        // exact SYN ignoring CWR/ECE
        assert!(tcp_flags(0xc2, &f(0x02, None, 0xc0)));
    }
}
