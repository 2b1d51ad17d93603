//! UDP header (RFC 768): ports, length checks (`udp.*` events) and the
//! checksum over the pseudo-header (zero means "none" over IPv4).

use crate::{be16, checksum, proto, DecodeEvent, Packet, Pseudo};

/// A decoded UDP header.
#[derive(Clone, Debug)]
pub struct Udp<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Length field (header plus data).
    pub length: u16,
    /// Checksum field.
    pub checksum: u16,
    /// Checksum check (`None` when validation is off, the datagram is
    /// truncated, or an IPv4 sender left it zero).
    pub checksum_valid: Option<bool>,
    /// The 8 header bytes.
    pub header: &'a [u8],
}

/// `complete` is false when the capture cut the IP datagram short: length
/// mismatches are then the capture's doing and raise no UDP event.
pub(crate) fn decode<'a>(
    p: &mut Packet<'a>,
    d: &'a [u8],
    pseudo: Pseudo,
    check: bool,
    complete: bool,
) {
    if d.len() < 8 {
        p.set_event(DecodeEvent::UdpHlenTooSmall);
        return;
    }
    let length = be16(d, 4);
    let ulen = usize::from(length);
    let mut check = check;
    if ulen < 8 {
        p.set_event(DecodeEvent::UdpLenInvalid);
        check = false;
    } else if d.len() < ulen {
        if complete {
            p.set_event(DecodeEvent::UdpPktTooSmall);
        }
        check = false;
    } else if d.len() != ulen && complete {
        p.set_event(DecodeEvent::UdpLenInvalid);
    }
    let end = if ulen >= 8 {
        ulen.min(d.len())
    } else {
        d.len()
    };
    let cs = be16(d, 6);
    let checksum_valid = if check && !(cs == 0 && matches!(pseudo, Pseudo::V4(..))) {
        let seg = &d[..end];
        Some(checksum::finish(checksum::sum(pseudo.sum(proto::UDP, seg.len()), seg)) == 0)
    } else {
        None
    };
    p.udp = Some(Udp {
        src_port: be16(d, 0),
        dst_port: be16(d, 2),
        length,
        checksum: cs,
        checksum_valid,
        header: &d[..8],
    });
    p.payload = &d[8..end];
}
