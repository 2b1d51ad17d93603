//! Network Service Header (RFC 8300, ethertype 0x894F): the base header
//! (version, O bit, TTL, length in 4-byte words, MD type, next protocol),
//! the service path header (SPI, SI) and context headers, which are
//! skipped. The inner IPv4, IPv6 or Ethernet frame is decoded as the
//! packet's L3 (so addresses, ports and payload are the inner ones), as
//! Suricata does. Other next protocols (NSH, MPLS, unknown) and malformed
//! headers leave the rest as the payload.

use crate::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::{be16, be32, decode_ethertype, DecodeOptions, Packet};

/// Ethertype of NSH.
pub const ETHERTYPE_NSH: u16 = 0x894f;

/// Base + service path header length.
const NSH_BASE_LEN: usize = 8;

/// A decoded NSH header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nsh {
    /// Version (0 is the only one defined).
    pub version: u8,
    /// Header length in bytes (length field × 4).
    pub len: u16,
    /// Metadata type (1: fixed 16 bytes of context, 2: variable).
    pub md_type: u8,
    /// Next protocol: 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS.
    pub next_proto: u8,
    /// Service path identifier (24 bits).
    pub spi: u32,
    /// Service index.
    pub si: u8,
}

/// Why an NSH header could not be followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NshError {
    /// Fewer bytes than the header says.
    TooSmall,
    /// Version other than 0.
    UnsupportedVersion,
    /// MD type 1 with a length other than 6 words, or type 2 below 2.
    BadHeaderLength,
    /// MD type 0 or 0xf.
    ReservedType,
    /// MD type other than 1 or 2.
    UnsupportedType,
}

/// Parses the NSH header at the start of `d`.
pub(crate) fn parse(d: &[u8]) -> Result<Nsh, NshError> {
    if d.len() < NSH_BASE_LEN {
        return Err(NshError::TooSmall);
    }
    let ver_len = be16(d, 0);
    let version = (ver_len >> 14) as u8;
    if version != 0 {
        return Err(NshError::UnsupportedVersion);
    }
    let words = ver_len & 0x3f;
    let md_type = d[2] & 0x0f;
    match md_type {
        0 | 0x0f => return Err(NshError::ReservedType),
        1 if words != 6 => return Err(NshError::BadHeaderLength),
        2 if words < 2 => return Err(NshError::BadHeaderLength),
        1 | 2 => {}
        _ => return Err(NshError::UnsupportedType),
    }
    let len = words * 4;
    if d.len() < usize::from(len) {
        return Err(NshError::TooSmall);
    }
    let sp = be32(d, 4);
    Ok(Nsh {
        version,
        len,
        md_type,
        next_proto: d[3],
        spi: sp >> 8,
        si: (sp & 0xff) as u8,
    })
}

pub(crate) fn decode<'a>(p: &mut Packet<'a>, data: &'a [u8], opts: &DecodeOptions) {
    // One NSH layer is followed; a nested one (directly or through an
    // inner Ethernet frame) is left as payload, bounding the work.
    if p.nsh.is_some() {
        p.payload = data;
        return;
    }
    let Ok(h) = parse(data) else {
        p.payload = data;
        return;
    };
    p.nsh = Some(h);
    let inner = &data[usize::from(h.len)..];
    match h.next_proto {
        1 => decode_ethertype(p, ETHERTYPE_IPV4, inner, opts),
        2 => decode_ethertype(p, ETHERTYPE_IPV6, inner, opts),
        3 => crate::link::ethernet(p, inner, opts),
        _ => p.payload = inner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks() {
        // MD type 1, 6 words, next IPv4, SPI 1, SI 2, 16 bytes of context
        let mut h = vec![0x00, 0x06, 0x01, 0x01, 0x00, 0x00, 0x01, 0x02];
        h.extend_from_slice(&[0u8; 16]);
        let n = parse(&h).unwrap();
        assert_eq!(
            (n.len, n.md_type, n.next_proto, n.spi, n.si),
            (24, 1, 1, 1, 2)
        );
        assert_eq!(parse(&h[..20]), Err(NshError::TooSmall));
        let mut bad = h.clone();
        bad[0] = 0x40;
        assert_eq!(parse(&bad), Err(NshError::UnsupportedVersion));
        let mut bad = h.clone();
        bad[1] = 0x05;
        assert_eq!(parse(&bad), Err(NshError::BadHeaderLength));
        let mut bad = h.clone();
        bad[2] = 0x00;
        assert_eq!(parse(&bad), Err(NshError::ReservedType));
        let mut bad = h.clone();
        bad[2] = 0x03;
        assert_eq!(parse(&bad), Err(NshError::UnsupportedType));
        // MD type 2 with only the base header
        let t2 = [0x00, 0x02, 0x02, 0x01, 0x00, 0x00, 0x01, 0x02];
        assert_eq!(parse(&t2).unwrap().len, 8);
    }
}
