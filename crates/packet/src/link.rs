//! Link layers: [`LinkType`] (from pcap DLT numbers) and the decoders for
//! Ethernet, Linux cooked capture v1/v2, BSD loopback (NULL and LOOP) and
//! raw IP. Each finds the ethertype and hands the rest to VLAN or L3.
//! PPP and Cisco HDLC have their own modules ([`crate::ppp`],
//! [`crate::chdlc`]).

use crate::{be16, decode_ethertype, vlan, DecodeEvent, DecodeOptions, Packet};

/// Ethertype IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// Ethertype ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// Ethertype IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// Ethertype 802.1Q VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// Ethertype 802.1ad QinQ service tag.
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
/// Ethertype of the pre-standard QinQ tag.
pub const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

/// Data-link type of a capture, i.e. what a frame starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Ethernet II (DLT 1).
    Ethernet,
    /// Raw IP, v4 or v6 sniffed from the version nibble (DLT 12, 14, 101).
    RawIp,
    /// Raw IPv4 (DLT 228).
    Ipv4,
    /// Raw IPv6 (DLT 229).
    Ipv6,
    /// Linux cooked capture v1 (DLT 113).
    LinuxSll,
    /// Linux cooked capture v2 (DLT 276).
    LinuxSll2,
    /// BSD loopback, address family in the capturing host's byte order (DLT 0).
    Null,
    /// OpenBSD loopback, address family in network byte order (DLT 108).
    Loop,
    /// PPP (DLT 9).
    Ppp,
    /// Cisco HDLC (DLT 104).
    CiscoHdlc,
}

impl LinkType {
    /// Maps a pcap/pcapng link-type number to a supported link type.
    pub fn from_dlt(dlt: u32) -> Option<LinkType> {
        Some(match dlt {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            9 => LinkType::Ppp,
            104 => LinkType::CiscoHdlc,
            12 | 14 | 101 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            _ => return None,
        })
    }

    /// The canonical pcap link-type number (the one written to files).
    pub fn dlt(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Ppp => 9,
            LinkType::RawIp => 101,
            LinkType::CiscoHdlc => 104,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
        }
    }
}

/// Ethertypes the engine knows but does not decode further (no
/// `ethernet.unknown_ethertype` event for them).
pub(crate) fn is_known_ethertype(t: u16) -> bool {
    t < 0x0600 // 802.3 length field (LLC/SNAP frames)
        || matches!(
            t,
            ETHERTYPE_ARP
                | 0x8035 // RARP
                | 0x8847 | 0x8848 // MPLS
                | 0x8863 | 0x8864 // PPPoE
                | 0x88cc // LLDP
                | 0x888e // EAPOL
                | 0x88e7 // 802.1ah
                | 0x88f7 // PTP
                | 0x8809 // slow protocols (LACP)
                | 0x88e5 // MACsec
                | 0x6558 // transparent Ethernet bridging
                | 0x0842 // Wake-on-LAN
                | 0x893a // IEEE 1905
                | 0x8899 // Realtek
                | 0x9000 // loopback test
        )
}

pub(crate) fn decode<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    match p.link {
        LinkType::Ethernet => ethernet(p, frame, opts),
        LinkType::RawIp => raw_ip(p, frame, opts),
        LinkType::Ipv4 => decode_ethertype(p, ETHERTYPE_IPV4, frame, opts),
        LinkType::Ipv6 => decode_ethertype(p, ETHERTYPE_IPV6, frame, opts),
        LinkType::LinuxSll => {
            if frame.len() < 16 {
                p.set_event(DecodeEvent::SllPktTooSmall);
                return;
            }
            vlan::dispatch(p, be16(frame, 14), &frame[16..], opts);
        }
        LinkType::LinuxSll2 => {
            if frame.len() < 20 {
                p.set_event(DecodeEvent::SllPktTooSmall);
                return;
            }
            vlan::dispatch(p, be16(frame, 0), &frame[20..], opts);
        }
        LinkType::Null | LinkType::Loop => loopback(p, frame, opts),
        LinkType::Ppp => crate::ppp::decode(p, frame, opts),
        LinkType::CiscoHdlc => crate::chdlc::decode(p, frame, opts),
    }
}

pub(crate) fn ethernet<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    if frame.len() < 14 {
        p.set_event(DecodeEvent::EthernetPktTooSmall);
        return;
    }
    vlan::dispatch(p, be16(frame, 12), &frame[14..], opts);
}

fn raw_ip<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    match frame.first().map(|b| b >> 4) {
        Some(4) => decode_ethertype(p, ETHERTYPE_IPV4, frame, opts),
        Some(6) => decode_ethertype(p, ETHERTYPE_IPV6, frame, opts),
        _ => {
            p.set_event(DecodeEvent::IprawInvalidIpVersion);
            p.payload = frame;
        }
    }
}

fn loopback<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    if frame.len() < 4 {
        p.set_event(DecodeEvent::LtnullPktTooSmall);
        return;
    }
    let raw = [frame[0], frame[1], frame[2], frame[3]];
    let family = match p.link {
        LinkType::Loop => u32::from_be_bytes(raw),
        // DLT_NULL is in the writer's byte order: families are small, so
        // a value above 0xffff means the other order.
        _ => {
            let le = u32::from_le_bytes(raw);
            if le > 0xffff {
                u32::from_be_bytes(raw)
            } else {
                le
            }
        }
    };
    let rest = &frame[4..];
    match family {
        2 => decode_ethertype(p, ETHERTYPE_IPV4, rest, opts),
        // AF_INET6 on Linux (10), NetBSD/OpenBSD (24), FreeBSD (28), Darwin (30).
        10 | 24 | 28 | 30 => decode_ethertype(p, ETHERTYPE_IPV6, rest, opts),
        _ => {
            p.set_event(DecodeEvent::LtnullUnsupportedType);
            p.payload = rest;
        }
    }
}
