//! IP, TCP, ICMP and VLAN header keywords and dsize: ttl, id, tos,
//! ip_proto, ipopts, sameip, fragbits, fragoffset, flags, seq, ack, window,
//! tcp.mss, itype, icode, icmp_id, icmp_seq, dsize, vlan.id, vlan.layers.

mod common;
use common::*;
use warden_rules::*;

fn c(op: CmpOp, a: u64, b: u64) -> IntCmp {
    IntCmp { op, a, b }
}

/// Every integer keyword: a valid form with its value, and its range limit.
#[test]
fn integer_keywords() {
    let cases: &[(&str, &str, RuleOption, u64)] = &[
        ("ttl", "<10", RuleOption::Ttl(c(CmpOp::Lt, 10, 0)), 255),
        ("id", "31337", RuleOption::Id(c(CmpOp::Eq, 31337, 0)), 65535),
        ("tos", "!0x10", RuleOption::Tos(c(CmpOp::Ne, 16, 0)), 255),
        (
            "fragoffset",
            ">=8",
            RuleOption::Fragoffset(c(CmpOp::Ge, 8, 0)),
            8191,
        ),
        ("seq", "0", RuleOption::Seq(c(CmpOp::Eq, 0, 0)), 4294967295),
        (
            "ack",
            "!=1",
            RuleOption::Ack(c(CmpOp::Ne, 1, 0)),
            4294967295,
        ),
        (
            "window",
            "55808",
            RuleOption::Window(c(CmpOp::Eq, 55808, 0)),
            65535,
        ),
        (
            "tcp.mss",
            "<=536",
            RuleOption::TcpMss(c(CmpOp::Le, 536, 0)),
            65535,
        ),
        (
            "itype",
            "3<>6",
            RuleOption::Itype(c(CmpOp::Range, 3, 6)),
            255,
        ),
        ("icode", ">0", RuleOption::Icode(c(CmpOp::Gt, 0, 0)), 255),
        (
            "icmp_id",
            "0",
            RuleOption::IcmpId(c(CmpOp::Eq, 0, 0)),
            65535,
        ),
        (
            "icmp_seq",
            "=7",
            RuleOption::IcmpSeq(c(CmpOp::Eq, 7, 0)),
            65535,
        ),
        (
            "icmpv6.mtu",
            "<1280",
            RuleOption::Icmpv6Mtu(c(CmpOp::Lt, 1280, 0)),
            u64::from(u32::MAX),
        ),
        (
            "dsize",
            "!100-200",
            RuleOption::Dsize(c(CmpOp::NotRange, 100, 200)),
            65535,
        ),
        (
            "vlan.layers",
            ">1",
            RuleOption::VlanLayers(c(CmpOp::Gt, 1, 0)),
            3,
        ),
    ];
    for (kw, val, want, max) in cases {
        assert_eq!(&opt(&format!("{kw}:{val};")), want, "{kw}:{val}");
        assert_eq!(
            err(&format!("{kw}:{};", max + 1)),
            format!(
                "{kw}: value {} is out of range, expected 0 to {max}",
                max + 1
            )
        );
        assert_eq!(
            err(&format!("{kw};")),
            format!("{kw}: expected a value, found none")
        );
    }
    assert_eq!(
        diag("dsize:>=<5;"),
        "t.rules:7:37: sid 1: dsize: invalid comparison '>=<5', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
    assert_eq!(
        err("dsize:9<>3;"),
        "dsize: invalid range '9<>3', the lower bound must be smaller than the upper bound"
    );
    assert_eq!(
        opt("dsize:&0xf0=0x10;"),
        RuleOption::Dsize(c(CmpOp::BitAnd, 0xf0, 0x10))
    );
    assert_eq!(
        err("ttl:-1;"),
        "ttl: invalid comparison '-1', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
}

#[test]
fn ip_proto() {
    assert_eq!(
        opt("ip_proto:47;"),
        RuleOption::IpProto(c(CmpOp::Eq, 47, 0))
    );
    assert_eq!(
        opt("ip_proto:!udp;"),
        RuleOption::IpProto(c(CmpOp::Ne, 17, 0))
    );
    assert_eq!(
        opt("ip_proto:>icmp;"),
        RuleOption::IpProto(c(CmpOp::Gt, 1, 0))
    );
    assert_eq!(
        diag("ip_proto:tpc;"),
        "t.rules:7:40: sid 1: ip_proto: invalid comparison 'tpc', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M or a protocol name such as tcp, udp, icmp"
    );
    assert_eq!(
        err("ip_proto:256;"),
        "ip_proto: value 256 is out of range, expected 0 to 255 or a protocol name such as tcp, udp, icmp"
    );
}

#[test]
fn ipopts_and_sameip() {
    for (s, o) in [
        ("rr", IpOpt::Rr),
        ("eol", IpOpt::Eol),
        ("nop", IpOpt::Nop),
        ("ts", IpOpt::Ts),
        ("sec", IpOpt::Sec),
        ("esec", IpOpt::Esec),
        ("lsrre", IpOpt::Lsrre),
        ("ssrr", IpOpt::Ssrr),
        ("satid", IpOpt::Satid),
        ("any", IpOpt::Any),
    ] {
        assert_eq!(opt(&format!("ipopts:{s};")), RuleOption::IpOpts(o));
    }
    assert_eq!(
        diag("ipopts:RR;"),
        "t.rules:7:38: sid 1: ipopts: unknown option 'RR', expected rr, eol, nop, ts, sec, esec, lsrr, lsrre, ssrr, satid or any"
    );
    assert_eq!(opt("sameip;"), RuleOption::SameIp);
    assert_eq!(err("sameip:1;"), "sameip: takes no value, found '1'");
}

#[test]
fn tcp_flags() {
    assert_eq!(
        opt("flags:*SA;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0x12,
            modifier: Some(FlagModifier::Any),
            ignore: 0
        })
    );
    assert_eq!(
        opt("tcp.flags:FPU+,12;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0x29,
            modifier: Some(FlagModifier::Plus),
            ignore: 0xc0
        })
    );
    assert_eq!(
        opt("flags:0;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0,
            modifier: None,
            ignore: 0
        })
    );
    assert_eq!(
        opt("flags:sr;"),
        RuleOption::Flags(TcpFlagsMatch {
            flags: 0x06,
            modifier: None,
            ignore: 0
        })
    );
    assert_eq!(
        diag("flags:+S*;"),
        "t.rules:7:37: sid 1: flags: more than one modifier in '+S*', expected one of + * !"
    );
    assert_eq!(err("flags:!;"), "flags: expected flag letters, found '!'");
    assert_eq!(
        err("flags:S,X;"),
        "flags: unknown flag 'X', expected letters of FSRPAUCE, 1, 2 or 0"
    );
    assert_eq!(
        err("tcp.flags:Q;"),
        "tcp.flags: unknown flag 'Q', expected letters of FSRPAUCE, 1, 2 or 0"
    );
}

#[test]
fn fragbits() {
    assert_eq!(
        opt("fragbits:!D;"),
        RuleOption::Fragbits(Fragbits {
            flags: Fragbits::D,
            modifier: Some(FlagModifier::Not)
        })
    );
    assert_eq!(
        opt("fragbits:MDR;"),
        RuleOption::Fragbits(Fragbits {
            flags: Fragbits::M | Fragbits::D | Fragbits::R,
            modifier: None
        })
    );
    assert_eq!(
        opt("fragbits:*MD;"),
        RuleOption::Fragbits(Fragbits {
            flags: Fragbits::M | Fragbits::D,
            modifier: Some(FlagModifier::Any)
        })
    );
    assert_eq!(
        diag("fragbits:+;"),
        "t.rules:7:40: sid 1: fragbits: expected letters of MDR, found '+'"
    );
    assert_eq!(
        err("fragbits:!M+;"),
        "fragbits: more than one modifier in '!M+', expected one of + * !"
    );
}

#[test]
fn vlan_id() {
    assert_eq!(
        opt("vlan.id:200;"),
        RuleOption::VlanId {
            cmp: c(CmpOp::Eq, 200, 0),
            layer: None
        }
    );
    assert_eq!(
        opt("vlan.id:>10,-1;"),
        RuleOption::VlanId {
            cmp: c(CmpOp::Gt, 10, 0),
            layer: Some(-1)
        }
    );
    assert_eq!(
        opt("vlan.id:10,all;"),
        RuleOption::VlanId {
            cmp: c(CmpOp::Eq, 10, 0),
            layer: None
        }
    );
    assert_eq!(
        diag("vlan.id:4096;"),
        "t.rules:7:39: sid 1: vlan.id: value 4096 is out of range, expected 0 to 4095"
    );
    assert_eq!(
        err("vlan.id:1,top;"),
        "vlan.id: invalid layer 'top', expected an integer or 'all'"
    );
}
