//! Packet header keywords: IP (ttl, id, tos, ip_proto, ipopts, sameip,
//! fragbits, fragoffset), TCP (flags, seq, ack, window, tcp.mss), ICMP
//! (itype, icode, icmp_id, icmp_seq, icmpv6.mtu), dsize and VLAN.

use super::{cmp, none, req};
use crate::ast::{FlagModifier, Fragbits, IpOpt, RuleOption, TcpFlagsMatch};
use crate::error::{perr, PResult};
use crate::num::parse_int_cmp;

const U8: u64 = 255;
const U16: u64 = 65535;
const U32: u64 = u32::MAX as u64;

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "ttl" => cmp(kw, v, at, U8).map(RuleOption::Ttl),
        "id" => cmp(kw, v, at, U16).map(RuleOption::Id),
        "tos" => cmp(kw, v, at, U8).map(RuleOption::Tos),
        "ip_proto" => ip_proto(v, at),
        "ipopts" => ipopts(v, at),
        "sameip" => none(kw, v, at).map(|_| RuleOption::SameIp),
        "fragbits" => fragbits(v, at),
        "fragoffset" => cmp(kw, v, at, 8191).map(RuleOption::Fragoffset),
        "flags" | "tcp.flags" => flags(kw, v, at),
        "seq" | "tcp.seq" => cmp(kw, v, at, U32).map(RuleOption::Seq),
        "ack" | "tcp.ack" => cmp(kw, v, at, U32).map(RuleOption::Ack),
        "window" | "tcp.window" => cmp(kw, v, at, U16).map(RuleOption::Window),
        "tcp.mss" => cmp(kw, v, at, U16).map(RuleOption::TcpMss),
        "itype" => cmp(kw, v, at, U8).map(RuleOption::Itype),
        "icode" => cmp(kw, v, at, U8).map(RuleOption::Icode),
        "icmp_id" => cmp(kw, v, at, U16).map(RuleOption::IcmpId),
        "icmp_seq" => cmp(kw, v, at, U16).map(RuleOption::IcmpSeq),
        "icmpv6.mtu" => cmp(kw, v, at, U32).map(RuleOption::Icmpv6Mtu),
        "dsize" => cmp(kw, v, at, U16).map(RuleOption::Dsize),
        "vlan.layers" => cmp(kw, v, at, 3).map(RuleOption::VlanLayers),
        "vlan.id" => vlan_id(v, at),
        _ => return None,
    })
}

const PROTO_NAMES: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
];

fn ip_proto(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let raw = req("ip_proto", v, at)?;
    let ops = raw.trim_start_matches(['!', '<', '>', '=']);
    let op = &raw[..raw.len() - ops.len()];
    let name = ops.trim().to_ascii_lowercase();
    let text = match PROTO_NAMES.iter().find(|(n, _)| *n == name) {
        Some((_, num)) => format!("{op}{num}"),
        None => raw.to_string(),
    };
    parse_int_cmp(&text, U8)
        .map(RuleOption::IpProto)
        .map_err(|m| {
            perr(
                at,
                format!("ip_proto: {m} or a protocol name such as tcp, udp, icmp"),
            )
        })
}

fn ipopts(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("ipopts", v, at)?;
    Ok(RuleOption::IpOpts(match x {
        "rr" => IpOpt::Rr,
        "eol" => IpOpt::Eol,
        "nop" => IpOpt::Nop,
        "ts" => IpOpt::Ts,
        "sec" => IpOpt::Sec,
        "esec" => IpOpt::Esec,
        "lsrr" => IpOpt::Lsrr,
        "lsrre" => IpOpt::Lsrre,
        "ssrr" => IpOpt::Ssrr,
        "satid" => IpOpt::Satid,
        "any" => IpOpt::Any,
        _ => return Err(perr(at, format!("ipopts: unknown option '{x}', expected rr, eol, nop, ts, sec, esec, lsrr, lsrre, ssrr, satid or any"))),
    }))
}

/// Split a `[+*!]LETTERS[+*!]` field into modifier and letters.
fn modifier_and_letters<'a>(
    kw: &str,
    s: &'a str,
    at: usize,
) -> PResult<(Option<FlagModifier>, &'a str)> {
    let m = |c: char| match c {
        '+' => Some(FlagModifier::Plus),
        '*' => Some(FlagModifier::Any),
        '!' => Some(FlagModifier::Not),
        _ => None,
    };
    let mut modifier = None;
    let mut letters = s;
    if let Some(c) = s.chars().next().and_then(m) {
        modifier = Some(c);
        letters = &s[1..];
    }
    if let Some(c) = letters.chars().last().and_then(m) {
        if modifier.is_some() {
            return Err(perr(
                at,
                format!("{kw}: more than one modifier in '{s}', expected one of + * !"),
            ));
        }
        modifier = Some(c);
        letters = &letters[..letters.len() - 1];
    }
    Ok((modifier, letters.trim()))
}

fn tcp_bits(kw: &str, s: &str, at: usize) -> PResult<u8> {
    let mut bits = 0u8;
    for c in s.chars() {
        bits |= match c.to_ascii_uppercase() {
            'F' => 0x01,
            'S' => 0x02,
            'R' => 0x04,
            'P' => 0x08,
            'A' => 0x10,
            'U' => 0x20,
            'E' | '2' => 0x40,
            'C' | '1' => 0x80,
            '0' => 0,
            _ => {
                return Err(perr(
                    at,
                    format!("{kw}: unknown flag '{c}', expected letters of FSRPAUCE, 1, 2 or 0"),
                ))
            }
        };
    }
    Ok(bits)
}

fn flags(kw: &str, v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req(kw, v, at)?;
    let (main, ignore) = match x.split_once(',') {
        Some((a, b)) => (a.trim(), Some(b.trim())),
        None => (x, None),
    };
    let (modifier, letters) = modifier_and_letters(kw, main, at)?;
    if letters.is_empty() {
        return Err(perr(
            at,
            format!("{kw}: expected flag letters, found '{x}'"),
        ));
    }
    let flags = tcp_bits(kw, letters, at)?;
    let ignore = match ignore {
        Some(i) => tcp_bits(kw, i, at)?,
        None => 0,
    };
    Ok(RuleOption::Flags(TcpFlagsMatch {
        flags,
        modifier,
        ignore,
    }))
}

fn fragbits(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("fragbits", v, at)?;
    let (modifier, letters) = modifier_and_letters("fragbits", x, at)?;
    if letters.is_empty() {
        return Err(perr(
            at,
            format!("fragbits: expected letters of MDR, found '{x}'"),
        ));
    }
    let mut flags = 0;
    for c in letters.chars() {
        flags |= match c.to_ascii_uppercase() {
            'M' => Fragbits::M,
            'D' => Fragbits::D,
            'R' => Fragbits::R,
            _ => {
                return Err(perr(
                    at,
                    format!("fragbits: unknown bit '{c}', expected M, D or R"),
                ))
            }
        };
    }
    Ok(RuleOption::Fragbits(Fragbits { flags, modifier }))
}

fn vlan_id(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("vlan.id", v, at)?;
    let (c, layer) = match x.split_once(',') {
        Some((a, b)) => {
            let l = b.trim();
            let layer = if l == "all" || l == "any" {
                None
            } else {
                Some(l.parse::<i32>().map_err(|_| {
                    perr(
                        at,
                        format!("vlan.id: invalid layer '{l}', expected an integer or 'all'"),
                    )
                })?)
            };
            (a, layer)
        }
        None => (x, None),
    };
    let cmp = parse_int_cmp(c, 4095).map_err(|m| perr(at, format!("vlan.id: {m}")))?;
    Ok(RuleOption::VlanId { cmp, layer })
}
