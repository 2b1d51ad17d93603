//! warden-packet: zero-copy decoding of one captured frame into a borrowed
//! [`Packet`] view (link layer, VLAN, IPv4/IPv6 with extension headers, TCP,
//! UDP, ICMPv4/ICMPv6), with optional checksum validation.
//!
//! The decoder allocates nothing and never panics on malformed input: it
//! records [`DecodeEvent`]s (named as Suricata's `decode-event:` keywords) and
//! decodes as far as the bytes allow. IP fragments are not reassembled here:
//! a fragment keeps its L3 header and `payload` is the fragment data; the
//! reassembled datagram can be decoded again with [`LinkType::RawIp`].
//!
//! [`build`] constructs well-formed test frames with correct checksums.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use warden_packet::{build, decode, DecodeOptions, LinkType, tcp_flags};
//!
//! let a = Ipv4Addr::new(10, 0, 0, 1);
//! let b = Ipv4Addr::new(10, 0, 0, 2);
//! let frame = build::tcp_v4(a, b, 1234, 80, 1, 0, tcp_flags::SYN, b"hi");
//! let p = decode(LinkType::Ethernet, &frame, &DecodeOptions { checksum_validation: true });
//! assert_eq!(p.dst_port(), Some(80));
//! assert_eq!(p.tcp.as_ref().unwrap().checksum_valid, Some(true));
//! assert_eq!(p.payload, b"hi");
//! assert!(p.events.is_empty());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod build;
pub mod chdlc;
pub mod checksum;
pub mod events;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod link;
pub mod nsh;
pub mod ppp;
pub mod tcp;
pub mod udp;
pub mod vlan;

use std::net::IpAddr;

pub use events::{DecodeEvent, DecodeEvents};
pub use icmp::Icmp;
pub use ipv4::{Ipv4, Ipv4Options};
pub use ipv6::{Ipv6, Ipv6ExtHeaders, Ipv6Fragment};
pub use link::LinkType;
pub use nsh::Nsh;
pub use tcp::{flags as tcp_flags, Tcp, TcpOptions};
pub use udp::Udp;

/// IP protocol numbers used by the decoder.
pub mod proto {
    /// IPv6 hop-by-hop options.
    pub const HOPOPT: u8 = 0;
    /// ICMP for IPv4.
    pub const ICMP: u8 = 1;
    /// IP-in-IP.
    pub const IPIP: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulation.
    pub const IPV6: u8 = 41;
    /// IPv6 routing header.
    pub const IPV6_ROUTE: u8 = 43;
    /// IPv6 fragment header.
    pub const IPV6_FRAG: u8 = 44;
    /// GRE.
    pub const GRE: u8 = 47;
    /// ESP.
    pub const ESP: u8 = 50;
    /// Authentication header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const IPV6_NONXT: u8 = 59;
    /// IPv6 destination options.
    pub const IPV6_OPTS: u8 = 60;
    /// SCTP.
    pub const SCTP: u8 = 132;
}

/// A capture timestamp (seconds since the Unix epoch plus nanoseconds).
/// Packet time drives every timeout downstream, never the wall clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds within the second (< 1_000_000_000).
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp from seconds and microseconds.
    pub const fn from_micros(secs: i64, micros: u32) -> Self {
        Timestamp {
            secs,
            nanos: micros.saturating_mul(1000),
        }
    }
}

/// Decoder settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Validate IPv4, TCP, UDP, ICMP and ICMPv6 checksums (`-k all`);
    /// when false (`-k none`) every `checksum_valid` is `None`.
    pub checksum_validation: bool,
}

/// One decoded frame: borrowed views of each layer found.
///
/// Layers that are absent or too broken to read are `None`; what went wrong
/// is in [`Packet::events`].
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    /// The whole captured frame.
    pub frame: &'a [u8],
    /// Link type the frame was decoded as.
    pub link: LinkType,
    /// Decoder anomalies raised while decoding.
    pub events: DecodeEvents,
    /// VLAN ids, outermost first; only the first `vlan_count` are set.
    pub vlan_ids: [u16; 3],
    /// Number of VLAN tags read (at most 3).
    pub vlan_count: u8,
    /// Ethertype of the L3 payload (after VLAN tags), when the link has one.
    /// Behind NSH this is the inner frame's (IPv4/IPv6 for next protocol
    /// 1/2), as Suricata sees it.
    pub ethertype: Option<u16>,
    /// Network Service Header the L3 was carried in, if any.
    pub nsh: Option<Nsh>,
    /// IPv4 header, when the L3 is IPv4.
    pub ipv4: Option<Ipv4<'a>>,
    /// IPv6 header and extension-header chain, when the L3 is IPv6.
    pub ipv6: Option<Ipv6<'a>>,
    /// Final upper-layer protocol number (after IPv6 extension headers).
    pub ip_proto: Option<u8>,
    /// TCP header (not set for IP fragments).
    pub tcp: Option<Tcp<'a>>,
    /// UDP header (not set for IP fragments).
    pub udp: Option<Udp<'a>>,
    /// ICMPv4 header.
    pub icmpv4: Option<Icmp<'a>>,
    /// ICMPv6 header.
    pub icmpv6: Option<Icmp<'a>>,
    /// IP-in-IP tunnel (IPv4 or IPv6 carried directly in IPv4 or IPv6,
    /// protocol 4 or 41) whose inner header looked right: the inner packet
    /// is decoded separately, as Suricata's tunnel packet, by decoding
    /// `data` with [`LinkType::RawIp`].
    pub tunnel: Option<Tunnel<'a>>,
    /// L4 payload: for TCP/UDP/ICMP the bytes after their header, otherwise
    /// the L3 payload; bounded by the IP length (never link padding).
    pub payload: &'a [u8],
}

impl<'a> Packet<'a> {
    fn empty(link: LinkType, frame: &'a [u8]) -> Self {
        Packet {
            frame,
            link,
            events: DecodeEvents::new(),
            vlan_ids: [0; 3],
            vlan_count: 0,
            ethertype: None,
            nsh: None,
            ipv4: None,
            ipv6: None,
            ip_proto: None,
            tcp: None,
            udp: None,
            icmpv4: None,
            icmpv6: None,
            tunnel: None,
            payload: &[],
        }
    }

    /// Records a decoder event.
    pub fn set_event(&mut self, event: DecodeEvent) {
        self.events.set(event);
    }

    /// Whether `event` was raised for this packet.
    pub fn has_event(&self, event: DecodeEvent) -> bool {
        self.events.contains(event)
    }

    /// Names of the raised events (e.g. `"ipv4.trunc_pkt"`).
    pub fn event_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.events.iter().map(DecodeEvent::name)
    }

    /// VLAN ids read, outermost first.
    pub fn vlans(&self) -> &[u16] {
        &self.vlan_ids[..usize::from(self.vlan_count.min(3))]
    }

    /// Source address of the (outer) IP header.
    pub fn src_ip(&self) -> Option<IpAddr> {
        self.ipv4
            .as_ref()
            .map(|h| h.src)
            .or_else(|| self.ipv6.as_ref().map(|h| h.src))
    }

    /// Destination address of the (outer) IP header.
    pub fn dst_ip(&self) -> Option<IpAddr> {
        self.ipv4
            .as_ref()
            .map(|h| h.dst)
            .or_else(|| self.ipv6.as_ref().map(|h| h.dst))
    }

    /// TCP or UDP source port; `None` for other protocols and fragments.
    pub fn src_port(&self) -> Option<u16> {
        self.tcp
            .as_ref()
            .map(|t| t.src_port)
            .or_else(|| self.udp.as_ref().map(|u| u.src_port))
    }

    /// TCP or UDP destination port; `None` for other protocols and fragments.
    pub fn dst_port(&self) -> Option<u16> {
        self.tcp
            .as_ref()
            .map(|t| t.dst_port)
            .or_else(|| self.udp.as_ref().map(|u| u.dst_port))
    }

    /// The ICMPv4 or ICMPv6 header, whichever is present.
    pub fn icmp(&self) -> Option<&Icmp<'a>> {
        self.icmpv4.as_ref().or(self.icmpv6.as_ref())
    }

    /// True for an IPv4 fragment (MF set or offset non-zero) or an IPv6
    /// packet with a fragment header.
    pub fn is_fragment(&self) -> bool {
        self.ipv4
            .as_ref()
            .is_some_and(|h| h.mf || h.frag_offset != 0)
            || self.ipv6.as_ref().is_some_and(|h| h.ext.fragment.is_some())
    }

    /// Whether any checksum that was checked turned out wrong.
    pub fn has_bad_checksum(&self) -> bool {
        let bad = |v: Option<bool>| v == Some(false);
        self.ipv4.as_ref().is_some_and(|h| bad(h.checksum_valid))
            || self.tcp.as_ref().is_some_and(|h| bad(h.checksum_valid))
            || self.udp.as_ref().is_some_and(|h| bad(h.checksum_valid))
            || self.icmp().is_some_and(|h| bad(h.checksum_valid))
    }
}

/// An IP packet carried directly in IP (see [`Packet::tunnel`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunnel<'a> {
    /// Inner IP version (4 or 6).
    pub version: u8,
    /// The inner IP packet.
    pub data: &'a [u8],
}

/// Decodes one frame captured on a link of type `link`.
pub fn decode<'a>(link: LinkType, frame: &'a [u8], opts: &DecodeOptions) -> Packet<'a> {
    let mut p = Packet::empty(link, frame);
    link::decode(&mut p, frame, opts);
    p
}

/// The addresses an upper-layer checksum covers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pseudo {
    V4(std::net::Ipv4Addr, std::net::Ipv4Addr),
    V6(std::net::Ipv6Addr, std::net::Ipv6Addr),
}

impl Pseudo {
    /// Pseudo-header sum for `proto` and upper-layer length `len`.
    pub(crate) fn sum(self, proto: u8, len: usize) -> u64 {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        match self {
            Pseudo::V4(s, d) => checksum::pseudo_v4(s, d, proto, len),
            Pseudo::V6(s, d) => checksum::pseudo_v6(s, d, proto, len),
        }
    }
}

/// Dispatches an L3 payload by ethertype (after link and VLAN headers).
pub(crate) fn decode_ethertype<'a>(
    p: &mut Packet<'a>,
    ethertype: u16,
    data: &'a [u8],
    opts: &DecodeOptions,
) {
    p.ethertype = Some(ethertype);
    match ethertype {
        link::ETHERTYPE_IPV4 => ipv4::decode(p, data, opts),
        link::ETHERTYPE_IPV6 => ipv6::decode(p, data, opts),
        nsh::ETHERTYPE_NSH => nsh::decode(p, data, opts),
        _ => {
            if !link::is_known_ethertype(ethertype) {
                p.set_event(DecodeEvent::EthernetUnknownEthertype);
            }
            p.payload = data;
        }
    }
}

/// Decodes an upper layer. `complete` is false when the IP datagram was
/// cut short by the capture, so length checks and checksums cannot hold.
pub(crate) fn decode_l4<'a>(
    p: &mut Packet<'a>,
    proto: u8,
    data: &'a [u8],
    pseudo: Pseudo,
    complete: bool,
    opts: &DecodeOptions,
) {
    p.ip_proto = Some(proto);
    p.payload = data;
    let check = opts.checksum_validation && complete;
    match proto {
        proto::TCP => tcp::decode(p, data, pseudo, check),
        proto::UDP => udp::decode(p, data, pseudo, check, complete),
        proto::ICMP => {
            if matches!(pseudo, Pseudo::V6(..)) {
                p.set_event(DecodeEvent::Ipv6Icmpv4);
            }
            icmp::decode_v4(p, data, check)
        }
        proto::ICMPV6 => {
            if matches!(pseudo, Pseudo::V4(..)) {
                p.set_event(DecodeEvent::Ipv4Icmpv6);
            }
            icmp::decode_v6(p, data, pseudo, check)
        }
        proto::IPIP | proto::IPV6 => ip_in_ip(p, proto, data, matches!(pseudo, Pseudo::V6(..))),
        _ => {}
    }
}

/// IPv4 (protocol 4) or IPv6 (41) carried in IP. Over IPv6, an inner
/// packet too short for its header or of the wrong version raises
/// Suricata's `ipv6.ipv4_in_ipv6_*` / `ipv6.ipv6_in_ipv6_*` events on the
/// outer packet; otherwise the inner packet is offered as
/// [`Packet::tunnel`] (over IPv4 the inner packet's own decoding reports
/// what is wrong with it, so it is always offered).
fn ip_in_ip<'a>(p: &mut Packet<'a>, proto: u8, data: &'a [u8], over_v6: bool) {
    let (version, min, too_small, wrong) = if proto == proto::IPIP {
        (
            4,
            20,
            DecodeEvent::Ipv6Ipv4InIpv6TooSmall,
            DecodeEvent::Ipv6Ipv4InIpv6WrongVersion,
        )
    } else {
        (
            6,
            40,
            DecodeEvent::Ipv6Ipv6InIpv6TooSmall,
            DecodeEvent::Ipv6Ipv6InIpv6WrongVersion,
        )
    };
    if over_v6 {
        if data.len() < min {
            p.set_event(too_small);
            return;
        }
        if data[0] >> 4 != version {
            p.set_event(wrong);
            return;
        }
    } else if data.is_empty() {
        return;
    }
    p.tunnel = Some(Tunnel { version, data });
}

#[inline]
pub(crate) fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

#[inline]
pub(crate) fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}
