//! Decoder tests on hand-built frames: every layer, malformed and truncated
//! input (events, no panic), checksums right and wrong.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use warden_packet::build::{self, Builder};
use warden_packet::{
    decode, tcp_flags, DecodeEvent as E, DecodeOptions, Ipv4Options, LinkType, Packet,
};

const A4: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const B4: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 3);
const A6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const CHECK: DecodeOptions = DecodeOptions {
    checksum_validation: true,
};

fn dec(frame: &[u8]) -> Packet<'_> {
    decode(LinkType::Ethernet, frame, &CHECK)
}

fn events(p: &Packet<'_>) -> Vec<&'static str> {
    p.event_names().collect()
}

#[test]
fn tcp_v4_all_fields() {
    let b = Builder::new()
        .ttl(33)
        .ip_id(0x1234)
        .window(512)
        // MSS 1460, SACK perm, TS, NOP, WS 7, TFO cookie
        .tcp_options(&[
            2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7, 34, 6, 1, 2, 3, 4,
        ]);
    let f = b.tcp(
        A4.into(),
        B4.into(),
        40000,
        443,
        1000,
        2000,
        tcp_flags::SYN | tcp_flags::ECE | tcp_flags::CWR,
        b"hello",
    );
    let p = dec(&f);
    assert!(p.events.is_empty(), "{:?}", p.events);
    let ip = p.ipv4.as_ref().unwrap();
    assert_eq!(
        (ip.version, ip.hlen, ip.ttl, ip.id, ip.protocol),
        (4, 20, 33, 0x1234, 6)
    );
    assert_eq!(ip.total_len as usize, f.len() - 14);
    assert_eq!(ip.checksum_valid, Some(true));
    assert_eq!(ip.src, IpAddr::V4(A4));
    assert_eq!(ip.header.len(), 20);
    assert!(!p.is_fragment());
    let t = p.tcp.as_ref().unwrap();
    assert_eq!(
        (t.src_port, t.dst_port, t.seq, t.ack, t.window),
        (40000, 443, 1000, 2000, 512)
    );
    assert!(t.has_flags(tcp_flags::SYN | tcp_flags::CWR | tcp_flags::ECE));
    assert_eq!(t.checksum_valid, Some(true));
    assert_eq!(t.hlen(), 48);
    assert_eq!(t.options.mss, Some(1460));
    assert_eq!(t.options.wscale, Some(7));
    assert!(t.options.sack_permitted);
    assert_eq!(t.options.timestamp, Some((1, 2)));
    assert_eq!(t.options.tfo, Some(&[1u8, 2, 3, 4][..]));
    assert_eq!(t.options.sack_blocks(), 0);
    assert_eq!(p.payload, b"hello");
    assert_eq!(p.ip_proto, Some(6));
    assert_eq!((p.src_port(), p.dst_port()), (Some(40000), Some(443)));
    assert_eq!(p.dst_ip(), Some(IpAddr::V4(B4)));
}

#[test]
fn checksum_validation_off_leaves_none() {
    let f = build::tcp_v4(A4, B4, 1, 2, 3, 4, tcp_flags::ACK, b"x");
    let p = decode(LinkType::Ethernet, &f, &DecodeOptions::default());
    assert_eq!(p.ipv4.as_ref().unwrap().checksum_valid, None);
    assert_eq!(p.tcp.as_ref().unwrap().checksum_valid, None);
}

#[test]
fn bad_checksums_detected() {
    let mut f = build::tcp_v4(A4, B4, 1, 2, 3, 4, tcp_flags::ACK, b"data");
    let last = f.len() - 1;
    f[last] ^= 0xff; // payload byte: TCP checksum now wrong
    let p = dec(&f);
    assert_eq!(p.ipv4.as_ref().unwrap().checksum_valid, Some(true));
    assert_eq!(p.tcp.as_ref().unwrap().checksum_valid, Some(false));
    assert!(p.has_bad_checksum());
    f[14 + 8] ^= 1; // TTL: IPv4 header checksum now wrong
    let p = dec(&f);
    assert_eq!(p.ipv4.as_ref().unwrap().checksum_valid, Some(false));

    let mut u = build::udp_v4(A4, B4, 53, 53, b"q");
    let l = u.len() - 1;
    u[l] ^= 1;
    assert_eq!(dec(&u).udp.as_ref().unwrap().checksum_valid, Some(false));
    let mut i = build::icmp_v4_echo(A4, B4, 7, 9, b"ping");
    let l = i.len() - 1;
    i[l] ^= 1;
    assert_eq!(dec(&i).icmpv4.as_ref().unwrap().checksum_valid, Some(false));
    let mut i6 = build::icmp_v6_echo(A6, B6, 7, 9, b"ping");
    let l = i6.len() - 1;
    i6[l] ^= 1;
    assert_eq!(
        dec(&i6).icmpv6.as_ref().unwrap().checksum_valid,
        Some(false)
    );
}

#[test]
fn udp_zero_checksum_over_ipv4_is_not_checked() {
    let mut f = build::udp_v4(A4, B4, 1000, 53, b"abc");
    let at = 14 + 20 + 6;
    f[at] = 0;
    f[at + 1] = 0;
    assert_eq!(dec(&f).udp.as_ref().unwrap().checksum_valid, None);
}

#[test]
fn udp_v4_and_ethernet_padding_excluded() {
    let mut f = build::udp_v4(A4, B4, 5353, 53, b"ab");
    f.extend_from_slice(&[0u8; 12]); // Ethernet padding to 60 bytes
    let p = dec(&f);
    assert!(p.events.is_empty(), "{:?}", p.events);
    let u = p.udp.as_ref().unwrap();
    assert_eq!((u.src_port, u.dst_port, u.length), (5353, 53, 10));
    assert_eq!(u.checksum_valid, Some(true));
    assert_eq!(p.payload, b"ab");
}

#[test]
fn ipv6_tcp_udp_icmp() {
    let f = build::tcp_v6(
        A6,
        B6,
        1,
        80,
        5,
        6,
        tcp_flags::PSH | tcp_flags::ACK,
        b"GET /",
    );
    let p = dec(&f);
    assert!(p.events.is_empty(), "{:?}", p.events);
    let h = p.ipv6.as_ref().unwrap();
    assert_eq!(
        (h.version, h.next_header, h.upper_proto, h.hop_limit),
        (6, 6, 6, 64)
    );
    assert_eq!(h.src, IpAddr::V6(A6));
    assert_eq!(h.payload_len as usize, 20 + 5);
    assert_eq!(h.header.len(), 40); // no extension headers
    assert_eq!(p.tcp.as_ref().unwrap().checksum_valid, Some(true));
    assert_eq!(p.payload, b"GET /");

    let f = build::udp_v6(A6, B6, 546, 547, b"dhcp");
    let p = dec(&f);
    assert_eq!(p.udp.as_ref().unwrap().checksum_valid, Some(true));
    assert_eq!(p.payload, b"dhcp");

    let f = build::icmp_v6_echo(A6, B6, 0x10, 0x20, b"hi");
    let p = dec(&f);
    let i = p.icmpv6.as_ref().unwrap();
    assert_eq!(
        (i.icmp_type, i.code, i.id, i.seq),
        (128, 0, Some(0x10), Some(0x20))
    );
    assert_eq!(i.checksum_valid, Some(true));
    assert_eq!(p.payload, b"hi");
    assert!(p.events.is_empty());
}

#[test]
fn icmp_v4_echo_fields() {
    let f = build::icmp_v4_echo(A4, B4, 0xbeef, 3, b"abcd");
    let p = dec(&f);
    let i = p.icmpv4.as_ref().unwrap();
    assert_eq!(
        (i.icmp_type, i.code, i.id, i.seq),
        (8, 0, Some(0xbeef), Some(3))
    );
    assert_eq!(i.checksum_valid, Some(true));
    assert_eq!(i.header.len(), 8);
    assert_eq!(p.payload, b"abcd");
    assert_eq!(p.src_port(), None);
}

#[test]
fn icmp_unknown_type_and_code() {
    let b = Builder::new();
    let f = b.icmp(A4.into(), B4.into(), 99, 0, [0; 4], b"");
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv4.unknown_type"]);
    let f = b.icmp(A4.into(), B4.into(), 3, 77, [0; 4], &[0x45; 28]);
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv4.unknown_code"]);
    let f = b.icmp(A4.into(), B4.into(), 3, 1, [0; 4], &[0x45; 8]);
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv4.ipv4_trunc_pkt"]);
    let f = b.icmp(A6.into(), B6.into(), 255, 0, [0; 4], b"");
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv6.unknown_type"]);
    let f = b.icmp(A6.into(), B6.into(), 50, 0, [0; 4], b"");
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv6.unassigned_type"]);
    let f = b.icmp(A6.into(), B6.into(), 200, 0, [0; 4], b"");
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv6.experimentation_type"]);
    let f = b.icmp(A6.into(), B6.into(), 130, 0, [0; 4], &[0; 16]);
    let p = dec(&f);
    assert_eq!(events(&p), ["icmpv6.mld_message_with_invalid_hl"]);
}

#[test]
fn vlan_qinq_and_three_layers() {
    let f = Builder::new()
        .vlan(100)
        .tcp(A4.into(), B4.into(), 1, 2, 0, 0, tcp_flags::SYN, b"");
    let p = dec(&f);
    assert_eq!(p.vlans(), [100]);
    assert!(p.tcp.is_some());

    let f = Builder::new()
        .vlan(10)
        .vlan(20)
        .vlan(30)
        .udp(A6.into(), B6.into(), 1, 2, b"z");
    let p = dec(&f);
    assert_eq!((p.vlan_count, p.vlans()), (3, &[10u16, 20, 30][..]));
    assert_eq!(p.payload, b"z");
    assert!(p.events.is_empty());

    let f = Builder::new()
        .vlan(1)
        .vlan(2)
        .vlan(3)
        .vlan(4)
        .udp(A4.into(), B4.into(), 1, 2, b"");
    let p = dec(&f);
    assert_eq!(p.vlans(), [1, 2, 3]);
    assert!(p.has_event(E::VlanTooManyLayers));
    assert!(p.udp.is_some());

    // tag cut short
    let f = Builder::new().vlan(5).udp(A4.into(), B4.into(), 1, 2, b"");
    let p = dec(&f[..16]);
    assert_eq!(events(&p), ["vlan.header_too_small"]);
}

#[test]
fn ethernet_too_small_and_unknown_ethertype() {
    assert_eq!(events(&dec(&[0u8; 10])), ["ethernet.pkt_too_small"]);
    let mut f = vec![0u8; 14];
    f[12] = 0x12;
    f[13] = 0x34;
    f.extend_from_slice(b"xyz");
    let p = dec(&f);
    assert_eq!(events(&p), ["ethernet.unknown_ethertype"]);
    assert_eq!(p.ethertype, Some(0x1234));
    // ARP: known, not decoded, no event
    f[12] = 0x08;
    f[13] = 0x06;
    assert!(dec(&f).events.is_empty());
}

#[test]
fn ipv4_length_anomalies() {
    let f = build::tcp_v4(A4, B4, 1, 2, 3, 4, tcp_flags::ACK, b"payload");
    // fewer than 20 bytes of IP
    assert_eq!(events(&dec(&f[..14 + 19])), ["ipv4.pkt_too_small"]);
    // wrong version
    let mut g = f.clone();
    g[14] = 0x55;
    assert_eq!(events(&dec(&g)), ["ipv4.wrong_ip_version"]);
    // IHL 4
    let mut g = f.clone();
    g[14] = 0x44;
    let p = dec(&g);
    assert!(p.has_event(E::Ipv4HlenTooSmall));
    assert!(p.tcp.is_none());
    // total length below header length
    let mut g = f.clone();
    g[16] = 0;
    g[17] = 10;
    assert!(dec(&g).has_event(E::Ipv4IplenSmallerThanHlen));
    // truncated capture: IP says more than we have
    let p = dec(&f[..f.len() - 3]);
    assert!(p.has_event(E::Ipv4TruncPkt));
    assert_eq!(p.tcp.as_ref().unwrap().checksum_valid, None);
    assert_eq!(p.payload, b"payl");
}

#[test]
fn ipv4_options_bitset_and_events() {
    // NOP, RR with one slot, TS (len 8), EOL
    let b = Builder::new().ipv4_options(&[1, 7, 7, 4, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 0]);
    let f = b.udp(A4.into(), B4.into(), 1, 2, b"u");
    let p = dec(&f);
    assert!(p.events.is_empty(), "{:?}", p.events);
    let o = p.ipv4.as_ref().unwrap().options;
    for k in ["rr", "nop", "ts", "eol", "any"] {
        assert!(o.contains(Ipv4Options::from_name(k).unwrap()), "{k}");
    }
    assert!(!o.contains(Ipv4Options::LSRR));
    assert_eq!(p.ipv4.as_ref().unwrap().hlen, 40);
    assert_eq!(p.payload, b"u");

    let bad_len = Builder::new().ipv4_options(&[7, 40, 4, 0]);
    assert!(dec(&bad_len.udp(A4.into(), B4.into(), 1, 2, b"")).has_event(E::Ipv4OptInvalidLen));
    let dup = Builder::new().ipv4_options(&[136, 4, 0, 1, 136, 4, 0, 2]);
    let f = dup.udp(A4.into(), B4.into(), 1, 2, b"");
    let p = dec(&f);
    assert!(p.has_event(E::Ipv4OptDuplicate));
    assert!(p
        .ipv4
        .as_ref()
        .unwrap()
        .options
        .contains(Ipv4Options::SATID));
    let unknown = Builder::new().ipv4_options(&[99, 4, 0, 0]);
    assert!(dec(&unknown.udp(A4.into(), B4.into(), 1, 2, b"")).has_event(E::Ipv4OptUnknown));
    let malformed = Builder::new().ipv4_options(&[7, 4, 1, 0]);
    assert!(dec(&malformed.udp(A4.into(), B4.into(), 1, 2, b"")).has_event(E::Ipv4OptMalformed));
    let cut = Builder::new().ipv4_options(&[1, 1, 1, 7]);
    assert!(dec(&cut.udp(A4.into(), B4.into(), 1, 2, b"")).has_event(E::Ipv4OptInvalid));
}

#[test]
fn ipv4_fragments_not_decoded_as_l4() {
    let b = Builder::new().ip_id(77);
    let first = b.fragment(A4.into(), B4.into(), 17, 0, true, &[0u8; 16]);
    let p = dec(&first);
    assert!(p.is_fragment());
    assert!(p.udp.is_none());
    assert_eq!(p.ip_proto, Some(17));
    assert_eq!(p.payload.len(), 16);
    assert!(p.ipv4.as_ref().unwrap().mf);

    let last = b.fragment(A4.into(), B4.into(), 17, 2, false, b"tail");
    let p = dec(&last);
    assert!(p.is_fragment());
    assert_eq!(p.ipv4.as_ref().unwrap().frag_offset_bytes(), 16);
    assert_eq!(p.payload, b"tail");

    let huge = b.fragment(A4.into(), B4.into(), 17, 8191, false, &[0u8; 100]);
    assert!(dec(&huge).has_event(E::Ipv4FragPktTooLarge));
}

#[test]
fn ipv6_extension_chain_and_fragment() {
    // hop-by-hop (router alert) -> dst opts (PadN 4) -> UDP
    let udp = Builder::new().udp_datagram(A6.into(), B6.into(), 7, 8, b"x");
    let mut l4 = vec![60, 0, 5, 2, 0, 0, 0, 0];
    l4.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
    l4.extend_from_slice(&udp);
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 0, &l4));
    let p = dec(&f);
    let h = p.ipv6.as_ref().unwrap();
    assert!(h.ext.hop_by_hop);
    assert_eq!(h.ext.dst_opts, 1);
    assert_eq!((h.ext.count, h.ext.len, h.upper_proto), (2, 16, 17));
    assert_eq!(events(&p), ["ipv6.dstopts_only_padding"]);
    assert_eq!(p.udp.as_ref().unwrap().checksum_valid, Some(true));
    assert_eq!(p.payload, b"x");

    let b = Builder::new().ip_id(0xabcd);
    let frag = b.fragment(A6.into(), B6.into(), 6, 0, true, &[0u8; 24]);
    let p = dec(&frag);
    let fh = p.ipv6.as_ref().unwrap().ext.fragment.unwrap();
    assert_eq!((fh.offset, fh.more, fh.id), (0, true, 0xabcd));
    assert!(p.is_fragment());
    assert!(p.tcp.is_none());
    assert_eq!(p.ip_proto, Some(6));

    // two fragment headers
    let mut l4 = vec![44, 0, 0, 1, 0, 0, 0, 1];
    l4.extend_from_slice(&[17, 0, 0, 1, 0, 0, 0, 1]);
    l4.extend_from_slice(&[0u8; 8]);
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 44, &l4));
    assert!(dec(&f).has_event(E::Ipv6ExthdrDuplFh));

    // routing header type 0, then truncated ext header
    let l4 = [43u8, 0, 0, 0, 0, 0, 0, 0, 6, 9];
    let f = Builder::new().link(0x86dd, &Builder::new().ip(A6.into(), B6.into(), 43, &l4));
    let p = dec(&f);
    assert!(p.has_event(E::Ipv6RhType0));
    assert!(p.has_event(E::Ipv6TruncExthdr));
}

#[test]
fn ipv6_anomalies() {
    let f = build::udp_v6(A6, B6, 1, 2, b"abc");
    assert_eq!(events(&dec(&f[..14 + 39])), ["ipv6.pkt_too_small"]);
    let p = dec(&f[..f.len() - 1]);
    assert!(p.has_event(E::Ipv6TruncPkt));
    let mut g = f.clone();
    g[14] = 0x40;
    assert_eq!(events(&dec(&g)), ["ipv6.wrong_ip_version"]);
}

#[test]
fn tcp_anomalies() {
    let f = build::tcp_v4(A4, B4, 1, 2, 3, 4, tcp_flags::SYN, b"");
    // 19 bytes of TCP in a consistent IP packet
    let mut short = Builder::new().ip(A4.into(), B4.into(), 6, &[0u8; 19]);
    let p = decode(LinkType::RawIp, &short, &CHECK);
    assert_eq!(events(&p), ["tcp.pkt_too_small"]);
    assert!(p.tcp.is_none());
    short[0] = 0x45;
    // data offset 3
    let mut g = f.clone();
    g[14 + 20 + 12] = 0x30;
    assert!(dec(&g).has_event(E::TcpHlenTooSmall));
    // data offset beyond the segment
    let mut g = f.clone();
    g[14 + 20 + 12] = 0xf0;
    assert!(dec(&g).has_event(E::TcpHlenTooSmall));

    let b = Builder::new();
    let opt = |o: &[u8]| {
        b.clone()
            .tcp_options(o)
            .tcp(A4.into(), B4.into(), 1, 2, 0, 0, tcp_flags::SYN, b"")
    };
    assert!(dec(&opt(&[2, 3, 5, 0])).has_event(E::TcpOptInvalidLen));
    assert!(dec(&opt(&[2, 4, 5, 0xb4, 2, 4, 5, 0xb4])).has_event(E::TcpOptDuplicate));
    assert!(dec(&opt(&[8, 40, 0, 0])).has_event(E::TcpInvalidOptlen));
    assert!(dec(&opt(&[1, 1, 1, 3])).has_event(E::TcpInvalidOptlen));
    let f = opt(&[1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
    let sack = dec(&f);
    assert_eq!(sack.tcp.as_ref().unwrap().options.sack_blocks(), 1);
    assert!(sack.events.is_empty());
    // an empty SACK option (length 2) is tolerated, a length-3 one is not
    let f = opt(&[1, 1, 5, 2]);
    let empty = dec(&f);
    assert!(empty.events.is_empty(), "{:?}", events(&empty));
    assert_eq!(empty.tcp.as_ref().unwrap().options.sack_blocks(), 0);
    assert!(dec(&opt(&[5, 3, 0, 1])).has_event(E::TcpOptInvalidLen));
}

#[test]
fn udp_anomalies() {
    let ip = |l4: &[u8]| Builder::new().ip(A4.into(), B4.into(), 17, l4);
    let f = ip(&[0, 1, 0, 2, 0]);
    let p = decode(LinkType::RawIp, &f, &CHECK);
    assert_eq!(events(&p), ["udp.hlen_too_small"]);
    // length field larger than the datagram
    let f = ip(&[0, 1, 0, 2, 0, 30, 0, 0, 1]);
    let p = decode(LinkType::RawIp, &f, &CHECK);
    assert_eq!(events(&p), ["udp.pkt_too_small"]);
    // length field smaller than the datagram
    let f = ip(&[0, 1, 0, 2, 0, 8, 0, 0, 1, 2]);
    let p = decode(LinkType::RawIp, &f, &CHECK);
    assert_eq!(events(&p), ["udp.len_invalid"]);
    assert_eq!(p.payload, b"");
}

#[test]
fn other_link_types() {
    let ip4 = Builder::new()
        .raw_ip()
        .udp(A4.into(), B4.into(), 1, 2, b"r");
    let ip6 = Builder::new()
        .raw_ip()
        .udp(A6.into(), B6.into(), 1, 2, b"r");
    for (link, frame) in [
        (LinkType::RawIp, ip4.clone()),
        (LinkType::RawIp, ip6.clone()),
        (LinkType::Ipv4, ip4.clone()),
        (LinkType::Ipv6, ip6.clone()),
    ] {
        let p = decode(link, &frame, &CHECK);
        assert_eq!(p.payload, b"r", "{link:?}");
        assert!(p.events.is_empty());
    }
    assert_eq!(
        events(&decode(LinkType::RawIp, &[0x20; 30], &CHECK)),
        ["ipraw.invalid_ip_version"]
    );

    // Linux SLL: 16-byte header, protocol at 14
    let mut sll = vec![0u8; 14];
    sll.extend_from_slice(&0x0800u16.to_be_bytes());
    sll.extend_from_slice(&ip4);
    assert_eq!(decode(LinkType::LinuxSll, &sll, &CHECK).payload, b"r");
    assert_eq!(
        events(&decode(LinkType::LinuxSll, &sll[..10], &CHECK)),
        ["sll.pkt_too_small"]
    );
    // SLL2: 20-byte header, protocol at 0
    let mut sll2 = 0x86ddu16.to_be_bytes().to_vec();
    sll2.extend_from_slice(&[0u8; 18]);
    sll2.extend_from_slice(&ip6);
    assert_eq!(decode(LinkType::LinuxSll2, &sll2, &CHECK).payload, b"r");

    // NULL in both byte orders, LOOP in network order
    for hdr in [[2u8, 0, 0, 0], [0, 0, 0, 2]] {
        let mut f = hdr.to_vec();
        f.extend_from_slice(&ip4);
        assert_eq!(decode(LinkType::Null, &f, &CHECK).payload, b"r");
    }
    for fam in [24u32, 28, 30] {
        let mut f = fam.to_le_bytes().to_vec();
        f.extend_from_slice(&ip6);
        assert_eq!(decode(LinkType::Null, &f, &CHECK).payload, b"r");
    }
    let mut f = 2u32.to_be_bytes().to_vec();
    f.extend_from_slice(&ip4);
    assert_eq!(decode(LinkType::Loop, &f, &CHECK).payload, b"r");
    let mut f = 99u32.to_be_bytes().to_vec();
    f.extend_from_slice(&ip4);
    assert_eq!(
        events(&decode(LinkType::Loop, &f, &CHECK)),
        ["ltnull.unsupported_type"]
    );
    assert_eq!(
        events(&decode(LinkType::Null, &[2], &CHECK)),
        ["ltnull.pkt_too_small"]
    );
}

#[test]
fn ppp_links() {
    let ip4 = Builder::new()
        .raw_ip()
        .udp(A4.into(), B4.into(), 1, 2, b"r");
    let ip6 = Builder::new()
        .raw_ip()
        .udp(A6.into(), B6.into(), 1, 2, b"r");
    // address/control and a 2-byte protocol
    let f = build::ppp(&ip4);
    let p = decode(LinkType::Ppp, &f, &CHECK);
    assert_eq!((p.payload, p.src_ip()), (&b"r"[..], Some(IpAddr::V4(A4))));
    assert!(p.events.is_empty());
    let f = build::ppp(&ip6);
    let p = decode(LinkType::Ppp, &f, &CHECK);
    assert_eq!((p.payload, p.dst_ip()), (&b"r"[..], Some(IpAddr::V6(B6))));
    // protocol field compressed to one byte, no address/control
    for (proto, ip) in [(0x21u8, &ip4), (0x57, &ip6)] {
        let mut f = vec![proto];
        f.extend_from_slice(ip);
        let p = decode(LinkType::Ppp, &f, &CHECK);
        assert_eq!(p.payload, b"r");
        assert!(p.events.is_empty());
    }
    // 2-byte protocol without address/control
    let mut f = vec![0x00, 0x21];
    f.extend_from_slice(&ip4);
    assert_eq!(decode(LinkType::Ppp, &f, &CHECK).payload, b"r");
    // anomalies
    assert_eq!(
        events(&decode(LinkType::Ppp, &[0xff, 0x03], &CHECK)),
        ["ppp.pkt_too_small"]
    );
    assert_eq!(
        events(&decode(
            LinkType::Ppp,
            &[0xff, 0x03, 0x00, 0x21, 0x45],
            &CHECK
        )),
        ["ppp.ip4_pkt_too_small"]
    );
    assert_eq!(
        events(&decode(LinkType::Ppp, &[0x57, 0x60, 0, 0], &CHECK)),
        ["ppp.ip6_pkt_too_small"]
    );
    let lcp = decode(LinkType::Ppp, &[0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4], &CHECK);
    assert_eq!(events(&lcp), ["ppp.unsup_proto"]);
    assert!(lcp.ipv4.is_none());
    assert_eq!(
        events(&decode(LinkType::Ppp, &[0xff, 0x03, 0x12, 0x34, 0], &CHECK)),
        ["ppp.wrong_type"]
    );
}

#[test]
fn cisco_hdlc_link() {
    let ip4 = Builder::new()
        .raw_ip()
        .tcp(A4.into(), B4.into(), 1, 80, 7, 0, tcp_flags::SYN, b"x");
    let ip6 = Builder::new()
        .raw_ip()
        .udp(A6.into(), B6.into(), 1, 2, b"r");
    let f = build::chdlc(&ip4);
    let p = decode(LinkType::CiscoHdlc, &f, &CHECK);
    assert_eq!(p.dst_port(), Some(80));
    assert_eq!(p.ethertype, Some(0x0800));
    assert!(p.events.is_empty());
    let f = build::chdlc(&ip6);
    let p = decode(LinkType::CiscoHdlc, &f, &CHECK);
    assert_eq!(p.payload, b"r");
    // broadcast address, unknown ethertype, too short
    let mut f = build::chdlc(&ip4);
    f[0] = 0x8f;
    assert_eq!(decode(LinkType::CiscoHdlc, &f, &CHECK).dst_port(), Some(80));
    f[2..4].copy_from_slice(&0x1234u16.to_be_bytes());
    assert_eq!(
        events(&decode(LinkType::CiscoHdlc, &f, &CHECK)),
        ["ethernet.unknown_ethertype"]
    );
    assert_eq!(
        events(&decode(LinkType::CiscoHdlc, &[0x0f, 0], &CHECK)),
        ["chdlc.pkt_too_small"]
    );
}

#[test]
fn dlt_mapping() {
    for (dlt, l) in [
        (0, LinkType::Null),
        (1, LinkType::Ethernet),
        (12, LinkType::RawIp),
        (101, LinkType::RawIp),
        (108, LinkType::Loop),
        (113, LinkType::LinuxSll),
        (228, LinkType::Ipv4),
        (229, LinkType::Ipv6),
        (276, LinkType::LinuxSll2),
        (9, LinkType::Ppp),
        (104, LinkType::CiscoHdlc),
    ] {
        assert_eq!(LinkType::from_dlt(dlt), Some(l));
        assert_eq!(LinkType::from_dlt(l.dlt()), Some(l));
    }
    assert_eq!(LinkType::from_dlt(105), None);
}

#[test]
fn every_prefix_of_every_frame_decodes_without_panic() {
    let b = Builder::new()
        .vlan(3)
        .ipv4_options(&[1, 7, 7, 4, 0, 0, 0, 0])
        .tcp_options(&[
            2, 4, 5, 0xb4, 1, 3, 3, 2, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
        ]);
    let frames = [
        b.tcp(A4.into(), B4.into(), 1, 2, 3, 4, tcp_flags::SYN, b"abc"),
        b.tcp(A6.into(), B6.into(), 1, 2, 3, 4, tcp_flags::SYN, b"abc"),
        b.udp(A4.into(), B4.into(), 1, 2, b"abc"),
        b.icmp_echo(A4.into(), B4.into(), 1, 2, b"abc"),
        b.icmp_echo(A6.into(), B6.into(), 1, 2, b"abc"),
        b.fragment(A6.into(), B6.into(), 17, 1, true, b"abcdefgh"),
    ];
    let links = [
        LinkType::Ethernet,
        LinkType::RawIp,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Null,
        LinkType::Loop,
    ];
    for f in &frames {
        for n in 0..=f.len() {
            for start in [0, 4, 14, 18] {
                let Some(slice) = f.get(start..n) else {
                    continue;
                };
                for link in links {
                    let p = decode(link, slice, &CHECK);
                    let _ = p.event_names().count();
                    let _ = (
                        p.src_ip(),
                        p.dst_port(),
                        p.is_fragment(),
                        p.has_bad_checksum(),
                    );
                }
            }
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    let f = Builder::new()
        .vlan(9)
        .tcp(A6.into(), B6.into(), 1, 2, 3, 4, tcp_flags::ACK, b"x");
    let mut seed = 0x1234_5678u32;
    for _ in 0..20_000 {
        let mut g = f.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let i = seed as usize % g.len();
            g[i] = (seed >> 8) as u8;
        }
        let p = dec(&g);
        let _ = p.events.len();
    }
}

#[test]
fn snaplen_cut_udp_raises_only_the_ip_event() {
    let f = build::udp_v4(A4, B4, 1, 53, &[7u8; 40]);
    let p = dec(&f[..f.len() - 10]);
    assert_eq!(events(&p), ["ipv4.trunc_pkt"]);
    assert_eq!(p.udp.as_ref().unwrap().checksum_valid, None);
    assert_eq!(p.payload.len(), 30);
}
