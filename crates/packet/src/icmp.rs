//! ICMPv4 (RFC 792) and ICMPv6 (RFC 4443): type, code, echo id/seq,
//! checksum (ICMPv6 over the IPv6 pseudo-header), the `icmpv4.*` /
//! `icmpv6.*` type and code checks, and a sanity check of the IP header
//! quoted inside error messages.

use crate::{be16, checksum, proto, DecodeEvent, Packet, Pseudo};

/// A decoded ICMPv4 or ICMPv6 header.
#[derive(Clone, Debug)]
pub struct Icmp<'a> {
    /// Type.
    pub icmp_type: u8,
    /// Code.
    pub code: u8,
    /// Checksum field.
    pub checksum: u16,
    /// Checksum check (`None` when validation is off or truncated).
    pub checksum_valid: Option<bool>,
    /// Identifier, for echo-like messages.
    pub id: Option<u16>,
    /// Sequence number, for echo-like messages.
    pub seq: Option<u16>,
    /// The 8 header bytes (type, code, checksum, rest of header).
    pub header: &'a [u8],
}

impl Icmp<'_> {
    /// The MTU an ICMPv6 Packet Too Big message (type 2, code 0) reports.
    pub fn packet_too_big_mtu(&self) -> Option<u32> {
        if self.icmp_type != 2 || self.code != 0 {
            return None;
        }
        let b = self.header.get(4..8)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// ICMPv4 types with an id/sequence pair: echo, timestamp, information
/// and address-mask requests and replies.
fn v4_has_id_seq(t: u8) -> bool {
    matches!(t, 0 | 8 | 13..=18)
}

/// Highest valid code per known ICMPv4 type, `None` for unknown types.
fn v4_max_code(t: u8) -> Option<u8> {
    Some(match t {
        0 | 4 | 8 | 10 | 13..=18 => 0,
        3 => 15,
        5 => 3,
        9 => 16,
        11 => 1,
        12 => 2,
        _ => return None,
    })
}

pub(crate) fn decode_v4<'a>(p: &mut Packet<'a>, d: &'a [u8], check: bool) {
    if d.len() < 8 {
        p.set_event(DecodeEvent::Icmpv4PktTooSmall);
        return;
    }
    let (t, code) = (d[0], d[1]);
    match v4_max_code(t) {
        None => p.set_event(DecodeEvent::Icmpv4UnknownType),
        Some(max) if code > max && !(t == 9 && code == 16) => {
            p.set_event(DecodeEvent::Icmpv4UnknownCode)
        }
        Some(_) => {}
    }
    if matches!(t, 3 | 4 | 5 | 11 | 12) {
        let quoted = &d[8..];
        if quoted.len() < 20 {
            p.set_event(DecodeEvent::Icmpv4Ipv4TruncPkt);
        } else if quoted[0] >> 4 != 4 {
            p.set_event(DecodeEvent::Icmpv4Ipv4UnknownVer);
        }
    }
    let echo = v4_has_id_seq(t);
    let hlen = v4_header_len(p, d);
    p.icmpv4 = Some(Icmp {
        icmp_type: t,
        code,
        checksum: be16(d, 2),
        checksum_valid: check.then(|| checksum::checksum(d) == 0),
        id: echo.then(|| be16(d, 4)),
        seq: echo.then(|| be16(d, 6)),
        header: &d[..hlen],
    });
    p.payload = &d[hlen..];
}

/// Length of the ICMPv4 header as Suricata counts it (the extent of the
/// `icmpv4.hdr` buffer; the payload starts after it): 8 bytes, plus the
/// three timestamps of timestamp request/reply (12 bytes) and the address
/// entries of a router advertisement (count × entry size × 4 bytes) when
/// they are all there. When they are not, `icmpv4.ipv4_trunc_pkt` is
/// raised and the header stays 8 bytes. `d` is at least 8 bytes.
fn v4_header_len(p: &mut Packet<'_>, d: &[u8]) -> usize {
    let extra = match d[0] {
        13 | 14 => 12,
        9 => usize::from(d[4]) * usize::from(d[5]) * 4,
        _ => 0,
    };
    if d.len() < 8 + extra {
        p.set_event(DecodeEvent::Icmpv4Ipv4TruncPkt);
        8
    } else {
        8 + extra
    }
}

/// Highest valid code per known ICMPv6 type, `None` for unknown types.
fn v6_max_code(t: u8) -> Option<u8> {
    Some(match t {
        1 => 8,
        2 => 0,
        3 => 1,
        4 => 3,
        128..=137 => 0,
        138 => 255,
        139 | 140 => 2,
        141..=161 => 255,
        _ => return None,
    })
}

pub(crate) fn decode_v6<'a>(p: &mut Packet<'a>, d: &'a [u8], pseudo: Pseudo, check: bool) {
    if d.len() < 8 {
        p.set_event(DecodeEvent::Icmpv6PktTooSmall);
        return;
    }
    let (t, code) = (d[0], d[1]);
    match v6_max_code(t) {
        Some(max) => {
            if code > max {
                p.set_event(DecodeEvent::Icmpv6UnknownCode);
            }
        }
        None => p.set_event(match t {
            100 | 101 | 200 | 201 => DecodeEvent::Icmpv6ExperimentationType,
            5..=99 | 102..=127 | 162..=199 | 202..=254 => DecodeEvent::Icmpv6UnassignedType,
            _ => DecodeEvent::Icmpv6UnknownType,
        }),
    }
    if matches!(t, 130..=132 | 143) && p.ipv6.as_ref().is_some_and(|h| h.hop_limit != 1) {
        p.set_event(DecodeEvent::Icmpv6MldMessageWithInvalidHl);
    }
    if matches!(t, 1..=4) {
        let quoted = &d[8..];
        if quoted.len() < 40 {
            p.set_event(DecodeEvent::Icmpv6Ipv6TruncPkt);
        } else if quoted[0] >> 4 != 6 {
            p.set_event(DecodeEvent::Icmpv6Ipv6UnknownVersion);
        }
    }
    let echo = matches!(t, 128 | 129);
    let checksum_valid =
        check.then(|| checksum::finish(checksum::sum(pseudo.sum(proto::ICMPV6, d.len()), d)) == 0);
    p.icmpv6 = Some(Icmp {
        icmp_type: t,
        code,
        checksum: be16(d, 2),
        checksum_valid,
        id: echo.then(|| be16(d, 4)),
        seq: echo.then(|| be16(d, 6)),
        header: &d[..8],
    });
    p.payload = &d[8..];
}
