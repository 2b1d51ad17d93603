//! TCP header (RFC 9293): fields, flag bits, the option list (MSS, window
//! scale, SACK, timestamps, TFO) and checksum over the pseudo-header.

use crate::{be16, be32, checksum, proto, DecodeEvent, Packet, Pseudo};

/// TCP flag bits of the flags byte.
pub mod flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// Option kinds.
pub mod opt {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No operation.
    pub const NOP: u8 = 1;
    /// Maximum segment size.
    pub const MSS: u8 = 2;
    /// Window scale.
    pub const WSCALE: u8 = 3;
    /// SACK permitted.
    pub const SACK_PERM: u8 = 4;
    /// SACK blocks.
    pub const SACK: u8 = 5;
    /// Timestamps.
    pub const TS: u8 = 8;
    /// TCP Fast Open cookie.
    pub const TFO: u8 = 34;
}

/// Parsed TCP options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions<'a> {
    /// Maximum segment size.
    pub mss: Option<u16>,
    /// Window scale shift.
    pub wscale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// SACK blocks (pairs of 32-bit edges, raw bytes) when present.
    pub sack: Option<&'a [u8]>,
    /// Timestamps (value, echo reply).
    pub timestamp: Option<(u32, u32)>,
    /// TCP Fast Open option: the cookie bytes (empty for a cookie request).
    pub tfo: Option<&'a [u8]>,
}

impl TcpOptions<'_> {
    /// Number of SACK blocks present.
    pub fn sack_blocks(&self) -> usize {
        self.sack.map_or(0, |s| s.len() / 8)
    }
}

/// A decoded TCP header.
#[derive(Clone, Debug)]
pub struct Tcp<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Data offset in 32-bit words.
    pub data_offset: u8,
    /// The 4 reserved bits after the data offset (includes the old NS bit).
    pub reserved: u8,
    /// Flag byte (see [`flags`]).
    pub flags: u8,
    /// Window.
    pub window: u16,
    /// Checksum field.
    pub checksum: u16,
    /// Checksum check (`None` when validation is off or the segment is
    /// truncated).
    pub checksum_valid: Option<bool>,
    /// Urgent pointer.
    pub urgent: u16,
    /// Header bytes including options.
    pub header: &'a [u8],
    /// Parsed options.
    pub options: TcpOptions<'a>,
}

impl Tcp<'_> {
    /// Header length in bytes.
    pub fn hlen(&self) -> usize {
        usize::from(self.data_offset) * 4
    }

    /// Whether all bits in `mask` are set.
    pub fn has_flags(&self, mask: u8) -> bool {
        self.flags & mask == mask
    }

    /// The raw option bytes.
    pub fn option_bytes(&self) -> &[u8] {
        self.header.get(20..).unwrap_or(&[])
    }
}

pub(crate) fn decode<'a>(p: &mut Packet<'a>, d: &'a [u8], pseudo: Pseudo, check: bool) {
    if d.len() < 20 {
        p.set_event(DecodeEvent::TcpPktTooSmall);
        return;
    }
    let data_offset = d[12] >> 4;
    let hlen = usize::from(data_offset) * 4;
    if hlen < 20 || hlen > d.len() {
        p.set_event(DecodeEvent::TcpHlenTooSmall);
        return;
    }
    let checksum_valid =
        check.then(|| checksum::finish(checksum::sum(pseudo.sum(proto::TCP, d.len()), d)) == 0);
    p.tcp = Some(Tcp {
        src_port: be16(d, 0),
        dst_port: be16(d, 2),
        seq: be32(d, 4),
        ack: be32(d, 8),
        data_offset,
        reserved: d[12] & 0x0f,
        flags: d[13],
        window: be16(d, 14),
        checksum: be16(d, 16),
        checksum_valid,
        urgent: be16(d, 18),
        header: &d[..hlen],
        options: parse_options(p, &d[20..hlen]),
    });
    p.payload = &d[hlen..];
}

fn parse_options<'a>(p: &mut Packet<'_>, mut o: &'a [u8]) -> TcpOptions<'a> {
    let mut out = TcpOptions::default();
    let mut seen = 0u64;
    while let Some(&kind) = o.first() {
        match kind {
            opt::EOL => break,
            opt::NOP => {
                o = &o[1..];
                continue;
            }
            _ => {}
        }
        let Some(&len) = o.get(1) else {
            p.set_event(DecodeEvent::TcpInvalidOptlen);
            break;
        };
        let len = usize::from(len);
        if len < 2 || len > o.len() {
            p.set_event(DecodeEvent::TcpInvalidOptlen);
            break;
        }
        let body = &o[2..len];
        if kind < 64 {
            if seen & (1 << kind) != 0 {
                p.set_event(DecodeEvent::TcpOptDuplicate);
            }
            seen |= 1 << kind;
        }
        let ok = match kind {
            opt::MSS => {
                let ok = len == 4;
                if ok {
                    out.mss = Some(be16(body, 0));
                }
                ok
            }
            opt::WSCALE => {
                let ok = len == 3;
                if ok {
                    out.wscale = Some(body[0]);
                }
                ok
            }
            opt::SACK_PERM => {
                out.sack_permitted = len == 2;
                len == 2
            }
            opt::SACK => {
                // an empty SACK (length 2) carries no blocks but is
                // accepted, as Suricata does
                let blocks = (10..=34).contains(&len) && (len - 2) % 8 == 0;
                if blocks {
                    out.sack = Some(body);
                }
                blocks || len == 2
            }
            opt::TS => {
                let ok = len == 10;
                if ok {
                    out.timestamp = Some((be32(body, 0), be32(body, 4)));
                }
                ok
            }
            opt::TFO => {
                let ok = len == 2 || (6..=18).contains(&len) && len % 2 == 0;
                if ok {
                    out.tfo = Some(body);
                }
                ok
            }
            _ => true,
        };
        if !ok {
            p.set_event(DecodeEvent::TcpOptInvalidLen);
        }
        o = &o[len..];
    }
    out
}
