//! IPv4 header (RFC 791): fields, header checksum, options as a bitset of
//! kinds (for the `ipopts` keyword) and the length checks behind Suricata's
//! `ipv4.*` events. Fragments are reported, not reassembled.

use std::net::{IpAddr, Ipv4Addr};

use crate::{be16, checksum, decode_l4, DecodeEvent, DecodeOptions, Packet, Pseudo};

/// Option kinds as found in the IPv4 header (copy/class/number octet).
pub mod opt {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No operation.
    pub const NOP: u8 = 1;
    /// Record route.
    pub const RR: u8 = 7;
    /// Timestamp.
    pub const TS: u8 = 68;
    /// Security (RFC 1108).
    pub const SEC: u8 = 130;
    /// Loose source and record route.
    pub const LSRR: u8 = 131;
    /// Extended security.
    pub const ESEC: u8 = 133;
    /// Commercial IP security option.
    pub const CIPSO: u8 = 134;
    /// Stream identifier.
    pub const SATID: u8 = 136;
    /// Strict source and record route.
    pub const SSRR: u8 = 137;
    /// Router alert.
    pub const RTRALT: u8 = 148;
    /// Quick-start.
    pub const QS: u8 = 25;
}

/// The set of IPv4 option kinds present, as Suricata's `ipopts` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ipv4Options(u16);

impl Ipv4Options {
    /// Record route.
    pub const RR: Ipv4Options = Ipv4Options(1 << 0);
    /// End of list.
    pub const EOL: Ipv4Options = Ipv4Options(1 << 1);
    /// No-op.
    pub const NOP: Ipv4Options = Ipv4Options(1 << 2);
    /// Timestamp.
    pub const TS: Ipv4Options = Ipv4Options(1 << 3);
    /// Security.
    pub const SEC: Ipv4Options = Ipv4Options(1 << 4);
    /// Extended security.
    pub const ESEC: Ipv4Options = Ipv4Options(1 << 5);
    /// Loose source routing.
    pub const LSRR: Ipv4Options = Ipv4Options(1 << 6);
    /// Strict source routing.
    pub const SSRR: Ipv4Options = Ipv4Options(1 << 7);
    /// Stream identifier.
    pub const SATID: Ipv4Options = Ipv4Options(1 << 8);
    /// Any option at all (set whenever the header has options).
    pub const ANY: Ipv4Options = Ipv4Options(1 << 9);

    /// Whether every kind in `other` is present.
    pub const fn contains(self, other: Ipv4Options) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when the header carried no options.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bit for an `ipopts` keyword value (`rr`, `eol`, `nop`, `ts`,
    /// `sec`, `esec`, `lsrr`, `ssrr`, `satid`, `any`).
    pub fn from_name(name: &str) -> Option<Ipv4Options> {
        Some(match name {
            "rr" => Self::RR,
            "eol" => Self::EOL,
            "nop" => Self::NOP,
            "ts" => Self::TS,
            "sec" => Self::SEC,
            "esec" => Self::ESEC,
            "lsrr" => Self::LSRR,
            "ssrr" => Self::SSRR,
            "satid" => Self::SATID,
            "any" => Self::ANY,
            _ => return None,
        })
    }

    fn insert(&mut self, other: Ipv4Options) {
        self.0 |= other.0;
    }
}

/// A decoded IPv4 header.
#[derive(Clone, Debug)]
pub struct Ipv4<'a> {
    /// Version nibble (4).
    pub version: u8,
    /// Header length in bytes (IHL × 4).
    pub hlen: u8,
    /// Type of service / DSCP+ECN byte.
    pub tos: u8,
    /// Total length field.
    pub total_len: u16,
    /// Identification.
    pub id: u16,
    /// Reserved ("evil") flag bit.
    pub rf: bool,
    /// Don't fragment.
    pub df: bool,
    /// More fragments.
    pub mf: bool,
    /// Fragment offset field, in 8-byte units.
    pub frag_offset: u16,
    /// Time to live.
    pub ttl: u8,
    /// Protocol field.
    pub protocol: u8,
    /// Header checksum field.
    pub checksum: u16,
    /// Header checksum check (`None` when validation is off or the header
    /// is incomplete).
    pub checksum_valid: Option<bool>,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Header bytes (fixed part plus options, as far as captured).
    pub header: &'a [u8],
    /// Option kinds present.
    pub options: Ipv4Options,
}

impl Ipv4<'_> {
    /// Fragment offset in bytes.
    pub fn frag_offset_bytes(&self) -> u32 {
        u32::from(self.frag_offset) * 8
    }

    /// The raw option bytes.
    pub fn option_bytes(&self) -> &[u8] {
        self.header.get(20..).unwrap_or(&[])
    }
}

pub(crate) fn decode<'a>(p: &mut Packet<'a>, data: &'a [u8], opts: &DecodeOptions) {
    if data.len() < 20 {
        p.set_event(DecodeEvent::Ipv4PktTooSmall);
        p.payload = data;
        return;
    }
    let version = data[0] >> 4;
    if version != 4 {
        p.set_event(DecodeEvent::Ipv4WrongIpVersion);
        p.payload = data;
        return;
    }
    let hlen = usize::from(data[0] & 0x0f) * 4;
    let total_len = be16(data, 2);
    let flags_frag = be16(data, 6);
    let src = Ipv4Addr::new(data[12], data[13], data[14], data[15]);
    let dst = Ipv4Addr::new(data[16], data[17], data[18], data[19]);
    let header_end = hlen.clamp(20, data.len());
    let mut h = Ipv4 {
        version,
        hlen: hlen as u8,
        tos: data[1],
        total_len,
        id: be16(data, 4),
        rf: flags_frag & 0x8000 != 0,
        df: flags_frag & 0x4000 != 0,
        mf: flags_frag & 0x2000 != 0,
        frag_offset: flags_frag & 0x1fff,
        ttl: data[8],
        protocol: data[9],
        checksum: be16(data, 10),
        checksum_valid: None,
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        header: &data[..header_end],
        options: Ipv4Options::default(),
    };
    p.ip_proto = Some(h.protocol);

    let usable = if hlen < 20 {
        p.set_event(DecodeEvent::Ipv4HlenTooSmall);
        false
    } else if usize::from(total_len) < hlen {
        p.set_event(DecodeEvent::Ipv4IplenSmallerThanHlen);
        false
    } else if data.len() < hlen {
        p.set_event(DecodeEvent::Ipv4HlenTooSmall);
        false
    } else {
        true
    };
    if !usable {
        if opts.checksum_validation && hlen >= 20 && data.len() >= hlen {
            h.checksum_valid = Some(checksum::checksum(&data[..hlen]) == 0);
        }
        p.ipv4 = Some(h);
        return;
    }

    let complete = data.len() >= usize::from(total_len);
    if !complete {
        p.set_event(DecodeEvent::Ipv4TruncPkt);
    }
    if opts.checksum_validation {
        h.checksum_valid = Some(checksum::checksum(&data[..hlen]) == 0);
    }
    if hlen > 20 {
        h.options = parse_options(p, &data[20..hlen]);
    }
    let end = usize::from(total_len).min(data.len());
    let body = &data[hlen..end];
    let frag_end = u32::from(h.frag_offset) * 8 + u32::from(total_len) - hlen as u32;
    if frag_end > 65535 {
        p.set_event(DecodeEvent::Ipv4FragPktTooLarge);
    }
    let fragment = h.mf || h.frag_offset != 0;
    let proto = h.protocol;
    p.ipv4 = Some(h);
    if fragment {
        p.payload = body;
        return;
    }
    decode_l4(p, proto, body, Pseudo::V4(src, dst), complete, opts);
}

/// Walks the option list, returning the kinds seen and raising events for
/// bad lengths, malformed contents, duplicates and unknown kinds.
fn parse_options(p: &mut Packet<'_>, mut o: &[u8]) -> Ipv4Options {
    let mut set = Ipv4Options::ANY;
    let mut seen = [false; 256];
    while let Some(&kind) = o.first() {
        match kind {
            opt::EOL => {
                set.insert(Ipv4Options::EOL);
                break;
            }
            opt::NOP => {
                set.insert(Ipv4Options::NOP);
                o = &o[1..];
                continue;
            }
            _ => {}
        }
        let Some(&len) = o.get(1) else {
            p.set_event(DecodeEvent::Ipv4OptInvalid);
            break;
        };
        let len = usize::from(len);
        if len < 2 || len > o.len() {
            p.set_event(DecodeEvent::Ipv4OptInvalidLen);
            break;
        }
        let body = &o[..len];
        if seen[usize::from(kind)] {
            p.set_event(DecodeEvent::Ipv4OptDuplicate);
        }
        seen[usize::from(kind)] = true;
        let malformed = match kind {
            opt::RR | opt::LSRR | opt::SSRR => {
                // pointer >= 4, room for at least one address, whole addresses
                len < 7 || (len - 3) % 4 != 0 || body[2] < 4
            }
            opt::TS => len < 4 || body[2] < 5,
            opt::SEC => len != 11,
            opt::SATID => len != 4,
            opt::ESEC | opt::CIPSO => len < 3,
            _ => false,
        };
        if malformed {
            p.set_event(DecodeEvent::Ipv4OptMalformed);
        }
        match kind {
            opt::RR => set.insert(Ipv4Options::RR),
            opt::TS => set.insert(Ipv4Options::TS),
            opt::SEC => set.insert(Ipv4Options::SEC),
            opt::ESEC => set.insert(Ipv4Options::ESEC),
            opt::LSRR => set.insert(Ipv4Options::LSRR),
            opt::SSRR => set.insert(Ipv4Options::SSRR),
            opt::SATID => set.insert(Ipv4Options::SATID),
            opt::CIPSO | opt::RTRALT | opt::QS => {}
            _ => p.set_event(DecodeEvent::Ipv4OptUnknown),
        }
        o = &o[len..];
    }
    set
}
