//! Decoder behaviour pinned to Suricata's (suricata-verify cases named).

use std::net::Ipv6Addr;

use warden_packet::build::Builder;
use warden_packet::{decode, DecodeEvent as E, DecodeOptions, LinkType, Packet};

const A6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

fn dec(frame: &[u8]) -> Packet<'_> {
    decode(
        LinkType::Ethernet,
        frame,
        &DecodeOptions {
            checksum_validation: true,
        },
    )
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// icmp-hdr-01: a router advertisement's address entries belong to the
/// ICMPv4 header (`icmpv4.hdr`), the payload starts after them.
#[test]
fn icmpv4_router_advert_header_includes_entries() {
    let f = hex(
        "ffffffffffff000b45b3f7fc0800 4500 0024 a1dd 0000 0101 b56a 0e505442 ffffffff
         0900 9361 0102 000a 0e505442 00000000 000000000000000000000000",
    );
    let p = dec(&f);
    let i = p.icmpv4.as_ref().unwrap();
    assert_eq!(i.header.len(), 16);
    assert_eq!(&i.header[7..12], &[0x0a, 0x0e, 0x50, 0x54, 0x42]);
    assert_eq!(p.payload.len(), 0);
    assert!(p.events.is_empty(), "{:?}", p.events);

    // timestamp request: 8 + 12 bytes of header; too short raises the event
    let b = Builder::new();
    let a4 = std::net::Ipv4Addr::new(10, 0, 0, 1);
    let ts = b.icmp(a4.into(), a4.into(), 13, 0, [0, 1, 0, 2], &[0u8; 12]);
    let p = dec(&ts);
    assert_eq!(p.icmpv4.as_ref().unwrap().header.len(), 20);
    assert!(p.payload.is_empty());
    let ts = b.icmp(a4.into(), a4.into(), 13, 0, [0, 1, 0, 2], &[0u8; 4]);
    let p = dec(&ts);
    assert_eq!(p.icmpv4.as_ref().unwrap().header.len(), 8);
    assert!(p.has_event(E::Icmpv4Ipv4TruncPkt));
}

/// ipv6-hdr-keyword-02: `ipv6.hdr` covers the extension headers.
#[test]
fn ipv6_header_includes_extension_headers() {
    let udp = Builder::new().udp_datagram(A6.into(), B6.into(), 53, 80, b"");
    let mut l4 = vec![60, 0, 1, 4, 0, 0, 0, 0]; // hop-by-hop
    l4.extend_from_slice(&[43, 0, 1, 4, 0, 0, 0, 0]); // dst opts
    l4.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 0]); // routing
    l4.extend_from_slice(&udp);
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 0, &l4));
    let p = dec(&f);
    let h = p.ipv6.as_ref().unwrap();
    assert_eq!(h.header.len(), 64);
    assert!(h.header.ends_with(&[17, 0, 0, 0, 0, 0, 0, 0]));
    assert!(p.udp.is_some());
}

/// decode-nsh-type1/2: IPv4 behind NSH (MD type 1 and 2) is decoded.
#[test]
fn nsh_md_types_1_and_2() {
    let t1 = hex(
        "525400000001525400000002894f 0006 0101 00000102 00000001000000020000000300000004
         4500 0022 2844 4000 4011 e96a 0a000001 0a000002 cc99 ccf0 000e 0000 646174610a0a",
    );
    let t2 = hex("525400000001525400000002894f 0002 0201 00000102
         4500 0022 2844 4000 4011 e96a 0a000001 0a000002 cc99 ccf0 000e 0000 646174610a0a");
    for f in [t1, t2] {
        let p = dec(&f);
        let n = p.nsh.unwrap();
        assert_eq!((n.next_proto, n.spi, n.si), (1, 1, 2));
        assert_eq!(p.src_port(), Some(52377));
        assert_eq!(p.dst_port(), Some(52464));
        assert_eq!(p.payload, b"data\n\n");
    }
}

/// bug-7964-01: IPv4-in-IPv6 whose inner version is not 4.
#[test]
fn ipv4_in_ipv6_wrong_version_and_too_small() {
    let mut inner = vec![0x56, 0x80, 0x00, 0x34];
    inner.extend_from_slice(&[0u8; 48]);
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 4, &inner));
    let p = dec(&f);
    assert_eq!(p.ip_proto, Some(4));
    assert!(p.has_event(E::Ipv6Ipv4InIpv6WrongVersion));
    assert!(p.tunnel.is_none());

    let f = Builder::new().link(
        0x86dd,
        &Builder::new().ip(A6.into(), B6.into(), 4, &[0x45; 10]),
    );
    assert!(dec(&f).has_event(E::Ipv6Ipv4InIpv6TooSmall));

    let v4 = Builder::new().raw_ip().udp(
        std::net::Ipv4Addr::new(10, 0, 0, 1).into(),
        std::net::Ipv4Addr::new(10, 0, 0, 2).into(),
        1,
        2,
        b"x",
    );
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 4, &v4));
    let p = dec(&f);
    assert!(p.events.is_empty(), "{:?}", p.events);
    let t = p.tunnel.unwrap();
    assert_eq!(t.version, 4);
    let inner = decode(LinkType::RawIp, t.data, &DecodeOptions::default());
    assert_eq!(inner.dst_port(), Some(2));

    let v6 = Builder::new()
        .raw_ip()
        .udp(A6.into(), B6.into(), 1, 2, b"x");
    let mut bad = v6.clone();
    bad[0] = 0x45;
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 41, &bad));
    assert!(dec(&f).has_event(E::Ipv6Ipv6InIpv6WrongVersion));
    let f = Builder::new().link(
        0x86dd,
        &Builder::new().ip(A6.into(), B6.into(), 41, &v6[..30]),
    );
    assert!(dec(&f).has_event(E::Ipv6Ipv6InIpv6TooSmall));
}

/// GRE (bug-2576-04): the header and its optional words are skipped and
/// the payload is offered as the tunnelled packet, with its link type.
#[test]
fn gre_payload_is_offered_as_a_tunnel() {
    let inner = Builder::new().raw_ip().udp(
        std::net::Ipv4Addr::new(10, 0, 0, 1).into(),
        std::net::Ipv4Addr::new(10, 0, 0, 2).into(),
        1,
        2,
        b"x",
    );
    let a: std::net::IpAddr = std::net::Ipv4Addr::new(192, 0, 2, 1).into();
    let b: std::net::IpAddr = std::net::Ipv4Addr::new(192, 0, 2, 2).into();
    // key present (K bit): 4 more header bytes
    let mut gre = vec![0x20, 0x00, 0x08, 0x00, 0, 0, 0, 7];
    gre.extend_from_slice(&inner);
    let f = Builder::new().link(0x0800, &Builder::new().ip(a, b, 47, &gre));
    let p = dec(&f);
    let t = p.tunnel.expect("GRE over IPv4 carrying IPv4");
    assert_eq!((t.version, t.link), (4, LinkType::RawIp));
    let q = decode(t.link, t.data, &DecodeOptions::default());
    assert_eq!(q.dst_port(), Some(2));

    // transparent Ethernet bridging
    let mut gre = vec![0x00, 0x00, 0x65, 0x58];
    gre.extend_from_slice(&Builder::new().link(0x0800, &inner));
    let f = Builder::new().link(0x0800, &Builder::new().ip(a, b, 47, &gre));
    let p = dec(&f);
    let t = p.tunnel.expect("GRE carrying Ethernet");
    assert_eq!(t.link, LinkType::Ethernet);
    assert_eq!(
        decode(t.link, t.data, &DecodeOptions::default()).dst_port(),
        Some(2)
    );

    // version 1 (PPTP) and truncated headers are left alone
    for gre in [vec![0x30, 0x01, 0x88, 0x0b], vec![0x80, 0x00, 0x08]] {
        let f = Builder::new().link(0x0800, &Builder::new().ip(a, b, 47, &gre));
        assert!(dec(&f).tunnel.is_none());
    }
}
