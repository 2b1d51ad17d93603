//! PPP framing (pcap DLT 9, RFC 1661/1662): an optional HDLC-like
//! address/control pair (`ff 03`), then the protocol field, which senders
//! may compress to one byte (an odd first byte, RFC 1661 section 6.5).
//! IPv4 and IPv6 go on to L3; anything else stays as the payload with a
//! `ppp.*` event.

use crate::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::{be16, decode_ethertype, DecodeEvent, DecodeOptions, Packet};

/// PPP protocol number of IPv4.
pub const PPP_IPV4: u16 = 0x0021;
/// PPP protocol number of IPv6.
pub const PPP_IPV6: u16 = 0x0057;

/// The PPP protocol and the bytes after the PPP header, or `None` when the
/// frame is too short to hold a protocol field.
pub fn split(frame: &[u8]) -> Option<(u16, &[u8])> {
    let rest = match frame {
        [0xff, 0x03, rest @ ..] => rest,
        _ => frame,
    };
    match rest {
        [b, tail @ ..] if b & 1 == 1 => Some((u16::from(*b), tail)),
        [_, _, ..] => Some((be16(rest, 0), &rest[2..])),
        _ => None,
    }
}

/// Whether `proto` is a protocol PPP links carry that the decoder knows
/// but does not decode (control protocols, compressed or tunnelled data):
/// `ppp.unsup_proto` rather than `ppp.wrong_type`.
fn is_known_unsupported(proto: u16) -> bool {
    matches!(
        proto,
        0x002d // Van Jacobson compressed TCP/IP
            | 0x002f // Van Jacobson uncompressed TCP/IP
            | 0x0023 // OSI
            | 0x0029 // AppleTalk
            | 0x002b // Novell IPX
            | 0x003d // multilink
            | 0x00fd // compressed datagram
            | 0x0281 // MPLS unicast
            | 0x0283 // MPLS multicast
            | 0x8021 // IPCP
            | 0x8057 // IPV6CP
            | 0x80fd // CCP
            | 0xc021 // LCP
            | 0xc023 // PAP
            | 0xc025 // link quality report
            | 0xc223 // CHAP
    )
}

/// Decodes a PPP frame.
pub(crate) fn decode<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    let Some((proto, data)) = split(frame) else {
        p.set_event(DecodeEvent::PppPktTooSmall);
        return;
    };
    match proto {
        PPP_IPV4 => {
            if data.len() < 20 {
                p.set_event(DecodeEvent::PppIp4PktTooSmall);
                p.payload = data;
                return;
            }
            decode_ethertype(p, ETHERTYPE_IPV4, data, opts);
        }
        PPP_IPV6 => {
            if data.len() < 40 {
                p.set_event(DecodeEvent::PppIp6PktTooSmall);
                p.payload = data;
                return;
            }
            decode_ethertype(p, ETHERTYPE_IPV6, data, opts);
        }
        _ => {
            p.set_event(if is_known_unsupported(proto) {
                DecodeEvent::PppUnsupProto
            } else {
                DecodeEvent::PppWrongType
            });
            p.payload = data;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_field_forms() {
        assert_eq!(
            split(&[0xff, 0x03, 0x00, 0x21, 9]),
            Some((0x21, &[9u8][..]))
        );
        assert_eq!(split(&[0x00, 0x57, 9]), Some((0x57, &[9u8][..])));
        assert_eq!(split(&[0x21, 9]), Some((0x21, &[9u8][..])));
        assert_eq!(split(&[0xff, 0x03, 0x57]), Some((0x57, &[][..])));
        assert_eq!(split(&[]), None);
        assert_eq!(split(&[0x00]), None);
        assert_eq!(split(&[0xff, 0x03]), None);
    }
}
