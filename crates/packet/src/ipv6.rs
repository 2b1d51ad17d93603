//! IPv6 fixed header (RFC 8200) and the extension-header chain: hop-by-hop,
//! routing, fragment, destination options and AH are walked (with
//! Suricata's `ipv6.*` anomaly events) to reach the upper-layer protocol.
//! ESP and "no next header" end the walk.

use std::net::{IpAddr, Ipv6Addr};

use crate::{be16, be32, decode_l4, proto, DecodeEvent, DecodeOptions, Packet, Pseudo};

/// Extension headers walked before the upper layer.
const MAX_EXT_HEADERS: usize = 16;

/// The fragment extension header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Fragment {
    /// Fragment offset in 8-byte units.
    pub offset: u16,
    /// More-fragments flag.
    pub more: bool,
    /// Identification.
    pub id: u32,
}

/// What the extension-header chain held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipv6ExtHeaders {
    /// Number of extension headers walked.
    pub count: u8,
    /// Hop-by-hop options present.
    pub hop_by_hop: bool,
    /// Routing header type, if present.
    pub routing_type: Option<u8>,
    /// Fragment header, if present.
    pub fragment: Option<Ipv6Fragment>,
    /// Destination options headers seen (there can be two).
    pub dst_opts: u8,
    /// Authentication header present.
    pub ah: bool,
    /// ESP header reached (the rest is encrypted).
    pub esp: bool,
    /// Total bytes of extension headers.
    pub len: u16,
}

/// A decoded IPv6 header.
#[derive(Clone, Debug)]
pub struct Ipv6<'a> {
    /// Version nibble (6).
    pub version: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length field.
    pub payload_len: u16,
    /// Next header field of the fixed header.
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The 40-byte fixed header followed by the extension headers walked
    /// (`ext.len` bytes), as Suricata's `ipv6.hdr` buffer.
    pub header: &'a [u8],
    /// Extension-header chain summary.
    pub ext: Ipv6ExtHeaders,
    /// Upper-layer protocol after the extension headers.
    pub upper_proto: u8,
}

fn addr(d: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&d[..16]);
    Ipv6Addr::from(a)
}

pub(crate) fn decode<'a>(p: &mut Packet<'a>, data: &'a [u8], opts: &DecodeOptions) {
    if data.len() < 40 {
        p.set_event(DecodeEvent::Ipv6PktTooSmall);
        p.payload = data;
        return;
    }
    let version = data[0] >> 4;
    if version != 6 {
        p.set_event(DecodeEvent::Ipv6WrongIpVersion);
        p.payload = data;
        return;
    }
    let vtf = be32(data, 0);
    let payload_len = be16(data, 4);
    let src = addr(&data[8..24]);
    let dst = addr(&data[24..40]);
    let complete = data.len() >= 40 + usize::from(payload_len);
    if !complete {
        p.set_event(DecodeEvent::Ipv6TruncPkt);
    }
    let end = (40 + usize::from(payload_len)).min(data.len());
    let mut h = Ipv6 {
        version,
        traffic_class: ((vtf >> 20) & 0xff) as u8,
        flow_label: vtf & 0x000f_ffff,
        payload_len,
        next_header: data[6],
        hop_limit: data[7],
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        header: &data[..40],
        ext: Ipv6ExtHeaders::default(),
        upper_proto: data[6],
    };
    let (nh, body) = walk_ext(p, &mut h.ext, data[6], &data[40..end]);
    h.upper_proto = nh;
    // As Suricata's `ipv6.hdr`: the fixed header plus the extension
    // headers walked.
    h.header = &data[..40 + usize::from(h.ext.len)];
    if let Some(f) = h.ext.fragment {
        let frag_end = u32::from(f.offset) * 8 + body.len() as u32;
        if frag_end > 65535 {
            p.set_event(DecodeEvent::Ipv6FragPktTooLarge);
        }
    }
    let fragment = h.ext.fragment.is_some_and(|f| f.more || f.offset != 0);
    // a truncated header chain is not decoded further
    let stop = h.ext.esp || nh == proto::IPV6_NONXT || p.has_event(DecodeEvent::Ipv6TruncExthdr);
    p.ipv6 = Some(h);
    p.ip_proto = Some(nh);
    if fragment || stop {
        p.payload = body;
        return;
    }
    decode_l4(p, nh, body, Pseudo::V6(src, dst), complete, opts);
}

/// Walks extension headers starting at `nh`; returns the upper-layer
/// protocol and the bytes after the last extension header.
fn walk_ext<'a>(
    p: &mut Packet<'a>,
    ext: &mut Ipv6ExtHeaders,
    mut nh: u8,
    mut d: &'a [u8],
) -> (u8, &'a [u8]) {
    let mut dh_since_rh = 0u8;
    for _ in 0..MAX_EXT_HEADERS {
        // After an extension header, whatever follows (an upper layer
        // included) needs at least two bytes; an unfragmented packet
        // ending sooner has a truncated header chain (Suricata's rule).
        let in_fragment = ext.fragment.is_some_and(|f| f.more || f.offset != 0);
        if ext.count > 0 && nh != proto::IPV6_NONXT && !in_fragment && d.len() < 2 {
            p.set_event(DecodeEvent::Ipv6TruncExthdr);
            return (nh, d);
        }
        match nh {
            proto::HOPOPT | proto::IPV6_ROUTE | proto::IPV6_OPTS => {
                if d.len() < 8 {
                    p.set_event(DecodeEvent::Ipv6TruncExthdr);
                    return (nh, d);
                }
                let len = (usize::from(d[1]) + 1) * 8;
                if len > d.len() {
                    p.set_event(DecodeEvent::Ipv6TruncExthdr);
                    return (nh, d);
                }
                let hdr = &d[..len];
                match nh {
                    proto::HOPOPT => {
                        if ext.hop_by_hop {
                            p.set_event(DecodeEvent::Ipv6ExthdrDuplHh);
                        }
                        ext.hop_by_hop = true;
                        options(p, &hdr[2..], true);
                    }
                    proto::IPV6_ROUTE => {
                        if ext.routing_type.is_some() {
                            p.set_event(DecodeEvent::Ipv6ExthdrDuplRh);
                        }
                        if hdr[2] == 0 {
                            p.set_event(DecodeEvent::Ipv6RhType0);
                        }
                        ext.routing_type = Some(hdr[2]);
                        dh_since_rh = 0;
                    }
                    _ => {
                        dh_since_rh += 1;
                        if dh_since_rh > 1 {
                            p.set_event(DecodeEvent::Ipv6ExthdrDuplDh);
                        }
                        ext.dst_opts = ext.dst_opts.saturating_add(1);
                        options(p, &hdr[2..], false);
                    }
                }
                nh = hdr[0];
                d = &d[len..];
                ext.len = ext.len.saturating_add(len as u16);
            }
            proto::IPV6_FRAG => {
                if d.len() < 8 {
                    p.set_event(DecodeEvent::Ipv6TruncExthdr);
                    return (nh, d);
                }
                if ext.fragment.is_some() {
                    p.set_event(DecodeEvent::Ipv6ExthdrDuplFh);
                }
                if d[1] != 0 || be16(d, 2) & 0x0006 != 0 {
                    p.set_event(DecodeEvent::Ipv6FhNonZeroReservedField);
                }
                let off_m = be16(d, 2);
                let f = Ipv6Fragment {
                    offset: off_m >> 3,
                    more: off_m & 1 != 0,
                    id: be32(d, 4),
                };
                if f.offset == 0 && !f.more {
                    p.set_event(DecodeEvent::Ipv6ExthdrUselessFh);
                }
                let data_len = d.len() - 8;
                if f.more && data_len % 8 != 0 {
                    p.set_event(DecodeEvent::Ipv6FragInvalidLength);
                }
                ext.fragment = Some(f);
                nh = d[0];
                d = &d[8..];
                ext.len = ext.len.saturating_add(8);
                // A non-first fragment carries no further headers.
                if f.offset != 0 {
                    ext.count = ext.count.saturating_add(1);
                    return (nh, d);
                }
            }
            proto::AH => {
                if d.len() < 12 {
                    p.set_event(DecodeEvent::Ipv6TruncExthdr);
                    return (nh, d);
                }
                let len = (usize::from(d[1]) + 2) * 4;
                if len > d.len() {
                    p.set_event(DecodeEvent::Ipv6TruncExthdr);
                    return (nh, d);
                }
                if ext.ah {
                    p.set_event(DecodeEvent::Ipv6ExthdrDuplAh);
                }
                if be16(d, 2) != 0 {
                    p.set_event(DecodeEvent::Ipv6ExthdrAhResNotNull);
                }
                ext.ah = true;
                nh = d[0];
                d = &d[len..];
                ext.len = ext.len.saturating_add(len as u16);
            }
            proto::ESP => {
                ext.esp = true;
                return (nh, d);
            }
            proto::IPV6_NONXT => {
                if !d.is_empty() {
                    p.set_event(DecodeEvent::Ipv6DataAfterNoneHeader);
                }
                return (nh, d);
            }
            _ => return (nh, d),
        }
        ext.count = ext.count.saturating_add(1);
    }
    (nh, d)
}

/// Checks the TLV options of a hop-by-hop or destination-options header.
fn options(p: &mut Packet<'_>, mut o: &[u8], hop_by_hop: bool) {
    let mut only_padding = true;
    while let Some(&kind) = o.first() {
        if kind == 0 {
            // Pad1
            o = &o[1..];
            continue;
        }
        let Some(&len) = o.get(1) else {
            p.set_event(DecodeEvent::Ipv6ExthdrInvalidOptlen);
            return;
        };
        let len = usize::from(len);
        if 2 + len > o.len() {
            p.set_event(DecodeEvent::Ipv6ExthdrInvalidOptlen);
            return;
        }
        match kind {
            1 => {
                // PadN
                if len == 0 {
                    p.set_event(DecodeEvent::Ipv6ZeroLenPadn);
                }
            }
            // Router alert, jumbo payload, RPL, home address, tunnel limit,
            // quick-start, CALIPSO, SMF, PDM, MPL, IOAM, ILNP nonce, line id.
            5 | 0xc2 | 0x63 | 0x23 | 0xc9 | 0x04 | 0x26 | 0x07 | 0x08 | 0x0f | 0x6d | 0x31
            | 0x11 | 0x8b | 0x8c => only_padding = false,
            _ => {
                only_padding = false;
                p.set_event(if hop_by_hop {
                    DecodeEvent::Ipv6HopoptsUnknownOpt
                } else {
                    DecodeEvent::Ipv6DstoptsUnknownOpt
                });
            }
        }
        o = &o[2 + len..];
    }
    if only_padding {
        p.set_event(if hop_by_hop {
            DecodeEvent::Ipv6HopoptsOnlyPadding
        } else {
            DecodeEvent::Ipv6DstoptsOnlyPadding
        });
    }
}
