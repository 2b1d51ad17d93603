//! Test-frame builder: Ethernet (optionally VLAN-tagged) or raw-IP frames
//! (and PPP or Cisco HDLC framing around a bare IP packet: [`ppp`], [`chdlc`])
//! carrying IPv4/IPv6 with TCP, UDP or ICMP, with correct lengths and
//! checksums. Used by tests across the workspace and the demo capture
//! generator; not on any hot path (it allocates).
//!
//! The free functions cover the common cases; [`Builder`] sets VLANs, TTL,
//! IP id, DF, TCP window and options, IPv4 options, or raw-IP output.
//! Mixing an IPv4 source with an IPv6 destination is a caller bug and
//! panics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::checksum;
use crate::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN};
use crate::proto;

/// Frame builder settings. `Builder::default()` gives untagged Ethernet,
/// TTL 64, IP id 1, no DF, window 65535, no options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Builder {
    /// Source MAC.
    pub src_mac: [u8; 6],
    /// Destination MAC.
    pub dst_mac: [u8; 6],
    /// VLAN ids, outermost first (two or more: the outer tags use 0x88a8).
    pub vlans: Vec<u16>,
    /// Emit bare IP packets (link type raw IP) instead of Ethernet frames.
    pub raw_ip: bool,
    /// IPv4 TTL / IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification.
    pub ip_id: u16,
    /// IPv4 don't-fragment flag.
    pub dont_fragment: bool,
    /// IPv4 TOS / IPv6 traffic class.
    pub tos: u8,
    /// IPv4 option bytes (padded with EOL to a multiple of 4).
    pub ipv4_options: Vec<u8>,
    /// TCP window.
    pub window: u16,
    /// TCP option bytes (padded with EOL to a multiple of 4).
    pub tcp_options: Vec<u8>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            src_mac: [0x02, 0, 0, 0, 0, 0x01],
            dst_mac: [0x02, 0, 0, 0, 0, 0x02],
            vlans: Vec::new(),
            raw_ip: false,
            ttl: 64,
            ip_id: 1,
            dont_fragment: false,
            tos: 0,
            ipv4_options: Vec::new(),
            window: 65535,
            tcp_options: Vec::new(),
        }
    }
}

fn pad4(mut v: Vec<u8>) -> Vec<u8> {
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

fn pseudo_sum(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u64 {
    let len = len as u32;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => checksum::pseudo_v4(s, d, proto, len),
        (IpAddr::V6(s), IpAddr::V6(d)) => checksum::pseudo_v6(s, d, proto, len),
        _ => panic!("build: source and destination address families differ"),
    }
}

impl Builder {
    /// Same as `Builder::default()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a VLAN tag (call in outer-to-inner order).
    pub fn vlan(mut self, id: u16) -> Self {
        self.vlans.push(id);
        self
    }

    /// Emits raw IP packets instead of Ethernet frames.
    pub fn raw_ip(mut self) -> Self {
        self.raw_ip = true;
        self
    }

    /// Sets TTL / hop limit.
    pub fn ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the IPv4 identification.
    pub fn ip_id(mut self, id: u16) -> Self {
        self.ip_id = id;
        self
    }

    /// Sets TCP option bytes.
    pub fn tcp_options(mut self, opts: &[u8]) -> Self {
        self.tcp_options = opts.to_vec();
        self
    }

    /// Sets IPv4 option bytes.
    pub fn ipv4_options(mut self, opts: &[u8]) -> Self {
        self.ipv4_options = opts.to_vec();
        self
    }

    /// Sets the TCP window.
    pub fn window(mut self, window: u16) -> Self {
        self.window = window;
        self
    }

    /// Wraps an L3 packet in Ethernet (and VLAN tags), or returns it as is
    /// in raw-IP mode.
    pub fn link(&self, ethertype: u16, l3: &[u8]) -> Vec<u8> {
        if self.raw_ip {
            return l3.to_vec();
        }
        let mut f = Vec::with_capacity(14 + 4 * self.vlans.len() + l3.len());
        f.extend_from_slice(&self.dst_mac);
        f.extend_from_slice(&self.src_mac);
        let n = self.vlans.len();
        for (i, id) in self.vlans.iter().enumerate() {
            let tpid = if i + 1 < n {
                ETHERTYPE_QINQ
            } else {
                ETHERTYPE_VLAN
            };
            f.extend_from_slice(&tpid.to_be_bytes());
            f.extend_from_slice(&(id & 0x0fff).to_be_bytes());
        }
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(l3);
        f
    }

    /// An IPv4 or IPv6 packet around `l4` (bytes used as given).
    pub fn ip(&self, src: IpAddr, dst: IpAddr, protocol: u8, l4: &[u8]) -> Vec<u8> {
        self.ip_frag(src, dst, protocol, 0, false, l4)
    }

    /// An IPv4 packet with fragment offset `offset` (8-byte units) and MF
    /// flag `more`; for IPv6 a fragment header is added when `offset != 0`
    /// or `more`.
    pub fn ip_frag(
        &self,
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
        offset: u16,
        more: bool,
        l4: &[u8],
    ) -> Vec<u8> {
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let opts = pad4(self.ipv4_options.clone());
                let hlen = 20 + opts.len();
                let total = (hlen + l4.len()) as u16;
                let mut h = Vec::with_capacity(hlen + l4.len());
                h.push(0x40 | (hlen / 4) as u8);
                h.push(self.tos);
                h.extend_from_slice(&total.to_be_bytes());
                h.extend_from_slice(&self.ip_id.to_be_bytes());
                let flags = (u16::from(self.dont_fragment) << 14)
                    | (u16::from(more) << 13)
                    | (offset & 0x1fff);
                h.extend_from_slice(&flags.to_be_bytes());
                h.push(self.ttl);
                h.push(protocol);
                h.extend_from_slice(&[0, 0]);
                h.extend_from_slice(&s.octets());
                h.extend_from_slice(&d.octets());
                h.extend_from_slice(&opts);
                let c = checksum::checksum(&h);
                h[10..12].copy_from_slice(&c.to_be_bytes());
                h.extend_from_slice(l4);
                h
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let frag = offset != 0 || more;
                let plen = l4.len() + if frag { 8 } else { 0 };
                let mut h = Vec::with_capacity(40 + plen);
                let vtf = (6u32 << 28) | (u32::from(self.tos) << 20);
                h.extend_from_slice(&vtf.to_be_bytes());
                h.extend_from_slice(&(plen as u16).to_be_bytes());
                h.push(if frag { proto::IPV6_FRAG } else { protocol });
                h.push(self.ttl);
                h.extend_from_slice(&s.octets());
                h.extend_from_slice(&d.octets());
                if frag {
                    h.push(protocol);
                    h.push(0);
                    h.extend_from_slice(&((offset << 3) | u16::from(more)).to_be_bytes());
                    h.extend_from_slice(&u32::from(self.ip_id).to_be_bytes());
                }
                h.extend_from_slice(l4);
                h
            }
            _ => panic!("build: source and destination address families differ"),
        }
    }

    fn frame(&self, src: IpAddr, dst: IpAddr, protocol: u8, l4: &[u8]) -> Vec<u8> {
        let ethertype = if src.is_ipv4() {
            ETHERTYPE_IPV4
        } else {
            ETHERTYPE_IPV6
        };
        self.link(ethertype, &self.ip(src, dst, protocol, l4))
    }

    /// A TCP segment (header, options, payload) with its checksum.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_segment(
        &self,
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> Vec<u8> {
        let opts = pad4(self.tcp_options.clone());
        let hlen = 20 + opts.len();
        let mut t = Vec::with_capacity(hlen + payload.len());
        t.extend_from_slice(&sport.to_be_bytes());
        t.extend_from_slice(&dport.to_be_bytes());
        t.extend_from_slice(&seq.to_be_bytes());
        t.extend_from_slice(&ack.to_be_bytes());
        t.push(((hlen / 4) as u8) << 4);
        t.push(flags);
        t.extend_from_slice(&self.window.to_be_bytes());
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(&opts);
        t.extend_from_slice(payload);
        let c = checksum::finish(checksum::sum(pseudo_sum(src, dst, proto::TCP, t.len()), &t));
        t[16..18].copy_from_slice(&c.to_be_bytes());
        t
    }

    /// A complete TCP frame.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &self,
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> Vec<u8> {
        let seg = self.tcp_segment(src, dst, sport, dport, seq, ack, flags, payload);
        self.frame(src, dst, proto::TCP, &seg)
    }

    /// A UDP datagram (header and payload) with its checksum.
    pub fn udp_datagram(
        &self,
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let len = (8 + payload.len()) as u16;
        let mut u = Vec::with_capacity(usize::from(len));
        u.extend_from_slice(&sport.to_be_bytes());
        u.extend_from_slice(&dport.to_be_bytes());
        u.extend_from_slice(&len.to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(payload);
        let mut c = checksum::finish(checksum::sum(pseudo_sum(src, dst, proto::UDP, u.len()), &u));
        if c == 0 {
            c = 0xffff;
        }
        u[6..8].copy_from_slice(&c.to_be_bytes());
        u
    }

    /// A complete UDP frame.
    pub fn udp(&self, src: IpAddr, dst: IpAddr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let dgram = self.udp_datagram(src, dst, sport, dport, payload);
        self.frame(src, dst, proto::UDP, &dgram)
    }

    /// An ICMP message (ICMPv4 for IPv4 addresses, ICMPv6 for IPv6) with
    /// `rest` as the 4 bytes after the checksum.
    pub fn icmp_message(
        &self,
        src: IpAddr,
        dst: IpAddr,
        icmp_type: u8,
        code: u8,
        rest: [u8; 4],
        payload: &[u8],
    ) -> Vec<u8> {
        let mut m = Vec::with_capacity(8 + payload.len());
        m.extend_from_slice(&[icmp_type, code, 0, 0]);
        m.extend_from_slice(&rest);
        m.extend_from_slice(payload);
        let c = if src.is_ipv4() {
            checksum::checksum(&m)
        } else {
            checksum::finish(checksum::sum(
                pseudo_sum(src, dst, proto::ICMPV6, m.len()),
                &m,
            ))
        };
        m[2..4].copy_from_slice(&c.to_be_bytes());
        m
    }

    /// A complete ICMP/ICMPv6 frame.
    pub fn icmp(
        &self,
        src: IpAddr,
        dst: IpAddr,
        icmp_type: u8,
        code: u8,
        rest: [u8; 4],
        payload: &[u8],
    ) -> Vec<u8> {
        let m = self.icmp_message(src, dst, icmp_type, code, rest, payload);
        let p = if src.is_ipv4() {
            proto::ICMP
        } else {
            proto::ICMPV6
        };
        self.frame(src, dst, p, &m)
    }

    /// An echo request (ICMPv4 type 8 / ICMPv6 type 128).
    pub fn icmp_echo(
        &self,
        src: IpAddr,
        dst: IpAddr,
        id: u16,
        seq: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let t = if src.is_ipv4() { 8 } else { 128 };
        let [a, b] = id.to_be_bytes();
        let [c, d] = seq.to_be_bytes();
        self.icmp(src, dst, t, 0, [a, b, c, d], payload)
    }

    /// One IP fragment frame carrying `data` at `offset` (8-byte units).
    pub fn fragment(
        &self,
        src: IpAddr,
        dst: IpAddr,
        protocol: u8,
        offset: u16,
        more: bool,
        data: &[u8],
    ) -> Vec<u8> {
        let ethertype = if src.is_ipv4() {
            ETHERTYPE_IPV4
        } else {
            ETHERTYPE_IPV6
        };
        self.link(
            ethertype,
            &self.ip_frag(src, dst, protocol, offset, more, data),
        )
    }
}

/// Ethernet/IPv4/TCP frame.
#[allow(clippy::too_many_arguments)]
pub fn tcp_v4(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    Builder::default().tcp(
        src.into(),
        dst.into(),
        sport,
        dport,
        seq,
        ack,
        flags,
        payload,
    )
}

/// Ethernet/IPv6/TCP frame.
#[allow(clippy::too_many_arguments)]
pub fn tcp_v6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    Builder::default().tcp(
        src.into(),
        dst.into(),
        sport,
        dport,
        seq,
        ack,
        flags,
        payload,
    )
}

/// Ethernet/IPv4/UDP frame.
pub fn udp_v4(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    Builder::default().udp(src.into(), dst.into(), sport, dport, payload)
}

/// Ethernet/IPv6/UDP frame.
pub fn udp_v6(src: Ipv6Addr, dst: Ipv6Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    Builder::default().udp(src.into(), dst.into(), sport, dport, payload)
}

/// Ethernet/IPv4/ICMP echo request.
pub fn icmp_v4_echo(src: Ipv4Addr, dst: Ipv4Addr, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    Builder::default().icmp_echo(src.into(), dst.into(), id, seq, payload)
}

/// Ethernet/IPv6/ICMPv6 echo request.
pub fn icmp_v6_echo(src: Ipv6Addr, dst: Ipv6Addr, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    Builder::default().icmp_echo(src.into(), dst.into(), id, seq, payload)
}

/// A PPP frame (DLT 9) around a bare IPv4 or IPv6 packet: address and
/// control bytes `ff 03`, then the 2-byte protocol field.
pub fn ppp(ip: &[u8]) -> Vec<u8> {
    let proto = if ip.first().is_some_and(|b| b >> 4 == 6) {
        crate::ppp::PPP_IPV6
    } else {
        crate::ppp::PPP_IPV4
    };
    let mut f = vec![0xff, 0x03];
    f.extend_from_slice(&proto.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// A Cisco HDLC frame (DLT 104, unicast address) around a bare IPv4 or
/// IPv6 packet.
pub fn chdlc(ip: &[u8]) -> Vec<u8> {
    let ethertype = if ip.first().is_some_and(|b| b >> 4 == 6) {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    };
    let mut f = vec![0x0f, 0x00];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(ip);
    f
}
