//! Header keywords (IP, TCP, ICMP, VLAN, decoder events), dsize, and the
//! rule header itself: addresses, port lists, negation, `<>`.

mod common;
use common::*;

use std::net::IpAddr;

fn b() -> build::Builder {
    build::Builder::new()
}

fn udp_with(builder: &build::Builder, payload: &[u8]) -> Vec<u8> {
    builder.udp(ip(CLIENT), ip(SERVER), 1234, 53, payload)
}

fn tcp_flags(f: u8) -> Vec<u8> {
    build::tcp_v4(CLIENT, SERVER, 1234, 80, 100, 200, f, b"")
}

fn fires(rule: &str, frame: &[u8]) -> bool {
    !Harness::new(rule).run(frame).is_empty()
}

#[test]
fn ttl() {
    let r = "alert ip any any -> any any (ttl:<10; sid:1;)";
    assert!(fires(r, &udp_with(&b().ttl(5), b"x")));
    assert!(!fires(r, &udp_with(&b().ttl(64), b"x")));
    let r = "alert ip any any -> any any (ttl:64; sid:1;)";
    assert!(fires(r, &udp_with(&b(), b"x")));
    assert!(!fires(r, &udp_with(&b().ttl(63), b"x")));
    let r = "alert ip any any -> any any (ttl:10-20; sid:1;)";
    assert!(fires(r, &udp_with(&b().ttl(15), b"x")));
    assert!(!fires(r, &udp_with(&b().ttl(25), b"x")));
}

#[test]
fn tos() {
    let r = "alert ip any any -> any any (tos:16; sid:1;)";
    let mut bb = b();
    bb.tos = 16;
    assert!(fires(r, &udp_with(&bb, b"x")));
    assert!(!fires(r, &udp_with(&b(), b"x")));
    let r = "alert ip any any -> any any (tos:!16; sid:1;)";
    assert!(!fires(r, &udp_with(&bb, b"x")));
    assert!(fires(r, &udp_with(&b(), b"x")));
}

#[test]
fn ip_id() {
    let r = "alert ip any any -> any any (id:31337; sid:1;)";
    assert!(fires(r, &udp_with(&b().ip_id(31337), b"x")));
    assert!(!fires(r, &udp_with(&b().ip_id(31338), b"x")));
}

#[test]
fn ipopts() {
    // record route: type 7, length 7, pointer 4, one empty slot
    let rr = [7u8, 7, 4, 0, 0, 0, 0];
    let r = "alert ip any any -> any any (ipopts:rr; sid:1;)";
    assert!(fires(r, &udp_with(&b().ipv4_options(&rr), b"x")));
    assert!(!fires(r, &udp_with(&b(), b"x")));
    let r = "alert ip any any -> any any (ipopts:ts; sid:1;)";
    assert!(!fires(r, &udp_with(&b().ipv4_options(&rr), b"x")));
    let r = "alert ip any any -> any any (ipopts:any; sid:1;)";
    assert!(fires(r, &udp_with(&b().ipv4_options(&rr), b"x")));
    assert!(!fires(r, &udp_with(&b(), b"x")));
}

#[test]
fn sameip() {
    let r = "alert ip any any -> any any (sameip; sid:1;)";
    assert!(fires(r, &udp_between(CLIENT, 1, CLIENT, 2, b"x")));
    assert!(!fires(r, &udp_between(CLIENT, 1, SERVER, 2, b"x")));
}

#[test]
fn fragbits() {
    let mut df = b();
    df.dont_fragment = true;
    let plain = udp_with(&b(), b"x");
    let dfp = udp_with(&df, b"x");
    let mf = b().fragment(ip(CLIENT), ip(SERVER), 17, 0, true, b"12345678");
    let r = "alert ip any any -> any any (fragbits:D; sid:1;)";
    assert!(fires(r, &dfp));
    assert!(!fires(r, &plain));
    assert!(!fires(r, &mf));
    let r = "alert ip any any -> any any (fragbits:M; sid:1;)";
    assert!(fires(r, &mf));
    assert!(!fires(r, &dfp));
    let r = "alert ip any any -> any any (fragbits:!D; sid:1;)";
    assert!(fires(r, &plain));
    assert!(!fires(r, &dfp));
    let r = "alert ip any any -> any any (fragbits:*MD; sid:1;)";
    assert!(fires(r, &dfp));
    assert!(fires(r, &mf));
    assert!(!fires(r, &plain));
}

#[test]
fn tcp_flags_exact_plus_any_not() {
    use flags::*;
    let r = "alert tcp any any -> any any (flags:S; sid:1;)";
    assert!(fires(r, &tcp_flags(SYN)));
    assert!(!fires(r, &tcp_flags(SYN | ACK)));
    let r = "alert tcp any any -> any any (flags:S+; sid:1;)";
    assert!(fires(r, &tcp_flags(SYN | ACK)));
    assert!(fires(r, &tcp_flags(SYN)));
    assert!(!fires(r, &tcp_flags(ACK)));
    let r = "alert tcp any any -> any any (flags:*FR; sid:1;)";
    assert!(fires(r, &tcp_flags(FIN | ACK)));
    assert!(fires(r, &tcp_flags(RST)));
    assert!(!fires(r, &tcp_flags(SYN)));
    let r = "alert tcp any any -> any any (flags:!R; sid:1;)";
    assert!(fires(r, &tcp_flags(SYN)));
    assert!(!fires(r, &tcp_flags(RST | ACK)));
    let r = "alert tcp any any -> any any (flags:SA; sid:1;)";
    assert!(fires(r, &tcp_flags(SYN | ACK)));
    assert!(!fires(r, &tcp_flags(SYN | ACK | PSH)));
    let r = "alert tcp any any -> any any (flags:0; sid:1;)";
    assert!(fires(r, &tcp_flags(0)));
    assert!(!fires(r, &tcp_flags(ACK)));
}

#[test]
fn tcp_flags_ignore_mask() {
    use flags::*;
    let r = "alert tcp any any -> any any (flags:S,CE; sid:1;)";
    assert!(fires(r, &tcp_flags(SYN | CWR | ECE)));
    assert!(fires(r, &tcp_flags(SYN)));
    assert!(!fires(r, &tcp_flags(SYN | ACK)));
    let r = "alert tcp any any -> any any (flags:S; sid:1;)";
    assert!(!fires(r, &tcp_flags(SYN | CWR | ECE)));
}

#[test]
fn seq_ack_window() {
    let p = build::Builder::new().window(1024).tcp(
        ip(CLIENT),
        ip(SERVER),
        1234,
        80,
        0xdeadbeef,
        42,
        flags::ACK,
        b"",
    );
    assert!(fires(
        "alert tcp any any -> any any (seq:3735928559; sid:1;)",
        &p
    ));
    assert!(!fires("alert tcp any any -> any any (seq:1; sid:1;)", &p));
    assert!(fires("alert tcp any any -> any any (ack:42; sid:1;)", &p));
    assert!(!fires("alert tcp any any -> any any (ack:43; sid:1;)", &p));
    assert!(fires(
        "alert tcp any any -> any any (window:1024; sid:1;)",
        &p
    ));
    assert!(!fires(
        "alert tcp any any -> any any (window:65535; sid:1;)",
        &p
    ));
    assert!(fires(
        "alert tcp any any -> any any (window:!65535; sid:1;)",
        &p
    ));
}

#[test]
fn icmp_keywords() {
    let echo = build::icmp_v4_echo(CLIENT, SERVER, 77, 5, b"ping");
    let r = |opts: &str| format!("alert icmp any any -> any any ({opts} sid:1;)");
    assert!(fires(&r("itype:8;"), &echo));
    assert!(!fires(&r("itype:0;"), &echo));
    assert!(fires(&r("itype:>5;"), &echo));
    assert!(fires(&r("icode:0;"), &echo));
    assert!(!fires(&r("icode:1;"), &echo));
    assert!(fires(&r("icmp_id:77;"), &echo));
    assert!(!fires(&r("icmp_id:78;"), &echo));
    assert!(fires(&r("icmp_seq:5;"), &echo));
    assert!(!fires(&r("icmp_seq:6;"), &echo));
    // ICMP keywords never match other protocols
    assert!(!fires(
        "alert ip any any -> any any (itype:8; sid:1;)",
        &udp(b"x")
    ));
    // destination unreachable has no id/seq
    let unreach = b().icmp(ip(CLIENT), ip(SERVER), 3, 1, [0; 4], b"");
    assert!(fires(&r("itype:3; icode:1;"), &unreach));
    assert!(!fires(&r("icmp_id:0;"), &unreach));
}

#[test]
fn vlan_id() {
    let r = "alert ip any any -> any any (vlan.id:100; sid:1;)";
    assert!(fires(r, &udp_with(&b().vlan(100), b"x")));
    assert!(!fires(r, &udp_with(&b().vlan(200), b"x")));
    assert!(!fires(r, &udp_with(&b(), b"x")));
    // any layer by default; a layer index picks one
    assert!(fires(r, &udp_with(&b().vlan(200).vlan(100), b"x")));
    let r = "alert ip any any -> any any (vlan.id:200,0; sid:1;)";
    assert!(fires(r, &udp_with(&b().vlan(200).vlan(100), b"x")));
    assert!(!fires(r, &udp_with(&b().vlan(100).vlan(200), b"x")));
}

#[test]
fn decode_event() {
    // an option length below 2
    let bad = udp_with(&b().ipv4_options(&[7, 1, 0, 0]), b"x");
    let r = "alert pkthdr any any -> any any (decode-event:ipv4.opt_invalid_len; sid:1;)";
    assert!(fires(r, &bad));
    assert!(!fires(r, &udp_with(&b(), b"x")));
}

#[test]
fn dsize_forms() {
    let r = |o: &str| udp_rule(o);
    assert!(udp_fires(&r("dsize:>5;"), b"123456"));
    assert!(!udp_fires(&r("dsize:>5;"), b"12345"));
    assert!(udp_fires(&r("dsize:<5;"), b"1234"));
    assert!(!udp_fires(&r("dsize:<5;"), b"12345"));
    // `<N` matches packets without payload, `>`/`!N`/ranges do not
    assert!(udp_fires(&r("dsize:<5;"), b""));
    assert!(!udp_fires(&r("dsize:!5;"), b""));
    assert!(udp_fires(&r("dsize:!5;"), b"1234"));
    assert!(!udp_fires(&r("dsize:!5;"), b"12345"));
    assert!(!udp_fires(&r("dsize:>=0;"), b""));
    // ranges are exclusive
    assert!(udp_fires(&r("dsize:2<>6;"), b"123"));
    assert!(udp_fires(&r("dsize:2<>6;"), b"12345"));
    assert!(!udp_fires(&r("dsize:2<>6;"), b"12"));
    assert!(!udp_fires(&r("dsize:2<>6;"), b"123456"));
    assert!(!udp_fires(&r("dsize:0<>6;"), b""));
    assert!(udp_fires(&r("dsize:0;"), b""));
    assert!(!udp_fires(&r("dsize:0;"), b"1"));
    assert!(udp_fires(&r("dsize:3;"), b"123"));
    // on a TCP handshake packet (no payload)
    let syn = tcp_flags(flags::SYN);
    assert!(fires(
        "alert tcp any any -> any any (dsize:0; sid:1;)",
        &syn
    ));
    assert!(!fires(
        "alert tcp any any -> any any (dsize:!1; sid:1;)",
        &syn
    ));
}

#[test]
fn ip_proto() {
    let r = "alert ip any any -> any any (ip_proto:17; sid:1;)";
    assert!(fires(r, &udp(b"x")));
    assert!(!fires(r, &tcp(b"x")));
    let r = "alert ip any any -> any any (ip_proto:!6; sid:1;)";
    assert!(fires(r, &udp(b"x")));
    assert!(!fires(r, &tcp(b"x")));
}

#[test]
fn bidirectional_rule_matches_both_ways() {
    let r = r#"alert udp 10.0.0.1 any <> 10.0.0.2 53 (content:"q"; sid:1;)"#;
    assert!(fires(r, &udp_between(CLIENT, 1234, SERVER, 53, b"q")));
    assert!(fires(r, &udp_between(SERVER, 53, CLIENT, 1234, b"q")));
    assert!(!fires(r, &udp_between(SERVER, 54, CLIENT, 1234, b"q")));
    assert!(!fires(r, &udp_between(OTHER, 53, CLIENT, 1234, b"q")));
    let r = r#"alert udp 10.0.0.1 any -> 10.0.0.2 53 (content:"q"; sid:1;)"#;
    assert!(fires(r, &udp_between(CLIENT, 1234, SERVER, 53, b"q")));
    assert!(!fires(r, &udp_between(SERVER, 53, CLIENT, 1234, b"q")));
}

#[test]
fn port_lists_ranges_and_negation() {
    let at = |dp: u16| udp_between(CLIENT, 40000, SERVER, dp, b"x");
    let r = "alert udp any any -> any [53,123] (content:\"x\"; sid:1;)";
    assert!(fires(r, &at(53)));
    assert!(fires(r, &at(123)));
    assert!(!fires(r, &at(54)));
    let r = "alert udp any any -> any !53 (content:\"x\"; sid:1;)";
    assert!(!fires(r, &at(53)));
    assert!(fires(r, &at(54)));
    let r = "alert udp any any -> any 1000:2000 (content:\"x\"; sid:1;)";
    assert!(fires(r, &at(1000)));
    assert!(fires(r, &at(2000)));
    assert!(!fires(r, &at(999)));
    assert!(!fires(r, &at(2001)));
    let r = "alert udp any any -> any [1000:2000,!1500] (content:\"x\"; sid:1;)";
    assert!(fires(r, &at(1499)));
    assert!(!fires(r, &at(1500)));
    let r = "alert udp any any -> any 60000: (content:\"x\"; sid:1;)";
    assert!(fires(r, &at(65535)));
    assert!(!fires(r, &at(59999)));
    // source port
    let r = "alert udp any !40000 -> any any (content:\"x\"; sid:1;)";
    assert!(!fires(r, &at(53)));
}

#[test]
fn address_sets_and_variables() {
    let p = udp_between(CLIENT, 1, SERVER, 2, b"x");
    let with = |hdr: &str| format!("alert udp {hdr} (content:\"x\"; sid:1;)");
    assert!(fires(&with("10.0.0.0/24 any -> 10.0.0.2 any"), &p));
    assert!(!fires(&with("10.0.1.0/24 any -> any any"), &p));
    assert!(fires(&with("!10.0.0.3 any -> any any"), &p));
    assert!(!fires(&with("!10.0.0.1 any -> any any"), &p));
    assert!(fires(&with("[10.0.0.0/8,!10.0.0.3] any -> any any"), &p));
    assert!(!fires(&with("[10.0.0.0/8,!10.0.0.1] any -> any any"), &p));
    // $HOME_NET covers 10/8 by default, $EXTERNAL_NET is its negation
    assert!(fires(&with("$HOME_NET any -> $HOME_NET any"), &p));
    assert!(!fires(&with("$EXTERNAL_NET any -> any any"), &p));
    let _ = IpAddr::from(CLIENT);
}

#[test]
fn ipv6_rules() {
    let a: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
    let z: std::net::Ipv6Addr = "2001:db8::2".parse().unwrap();
    let p = build::udp_v6(a, z, 1, 2, b"six");
    assert!(fires(
        r#"alert udp any any -> any any (content:"six"; sid:1;)"#,
        &p
    ));
    assert!(fires(
        r#"alert ipv6 any any -> any any (content:"six"; sid:1;)"#,
        &p
    ));
    assert!(!fires(
        r#"alert ipv4 any any -> any any (content:"six"; sid:1;)"#,
        &p
    ));
    assert!(fires(
        r#"alert udp 2001:db8::/64 any -> any any (content:"six"; sid:1;)"#,
        &p
    ));
    assert!(fires("alert ip any any -> any any (ttl:64; sid:1;)", &p));
}

#[test]
fn stream_size_compares_each_sides_sequence_advance() {
    let rules = "alert tcp any any -> any any (stream_size:server,>,100; sid:1;)
alert tcp any any -> any any (stream_size:client,<,50; sid:2;)
alert tcp any any -> any any (stream_size:both,>,10; sid:3;)
alert tcp any any -> any any (stream_size:either,=,1; sid:4;)
alert udp any any -> any any (stream_size:either,>=,0; sid:5;)";
    let mut h = Harness::new(rules);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let sorted = |mut v: Vec<u32>| {
        v.sort();
        v
    };
    // client 1 + 30, server 1 (the SYNs)
    let f = s.client_data(&[b'a'; 30]);
    assert_eq!(sorted(h.run(&f)), [2, 4]);
    // server 1 + 200
    let f = s.server_data(&[b'b'; 200]);
    assert_eq!(sorted(h.run(&f)), [1, 2, 3]);
    // not TCP: never
    assert!(h.run(&udp(b"x")).is_empty());
}
