//! flow keyword, flowbits, IP-only rules, pass rules and evaluation order,
//! over real flows from the flow table.

mod common;
use common::*;
use warden_detect::AppLayer;

#[test]
fn established_only_after_the_handshake_completing_ack() {
    let mut h = Harness::new("alert tcp any any -> any any (flow:established; sid:1;)");
    let mut s = Session::new(40000, 80);
    assert!(h.run(&s.syn()).is_empty());
    assert!(h.run(&s.syn_ack()).is_empty());
    // the ACK completing the handshake is not yet established (Suricata)
    assert!(h.run(&s.ack()).is_empty());
    s.cseq += 1;
    s.sseq += 1;
    assert_eq!(h.run(&s.client_data(b"hello")), [1]);
    assert_eq!(h.run(&s.server_data(b"hi")), [1]);
}

#[test]
fn not_established() {
    let mut h = Harness::new("alert tcp any any -> any any (flow:not_established; sid:1;)");
    let mut s = Session::new(40000, 80);
    assert_eq!(s.handshake(&mut h), [1, 1, 1]);
    assert!(h.run(&s.client_data(b"hello")).is_empty());
}

#[test]
fn no_handshake_is_never_established() {
    let mut h = Harness::new(
        "alert tcp any any -> any any (flow:established; sid:1;)\n\
         alert tcp any any -> any any (flow:not_established; content:\"x\"; sid:2;)",
    );
    assert_eq!(h.run(&tcp(b"x")), [2]);
    assert_eq!(h.run(&tcp(b"x")), [2]);
}

#[test]
fn to_server_and_to_client() {
    let mut h = Harness::new(
        "alert tcp any any -> any any (flow:established,to_server; content:\"d\"; sid:1;)\n\
         alert tcp any any -> any any (flow:established,to_client; content:\"d\"; sid:2;)\n\
         alert tcp any any -> any any (flow:from_server; content:\"d\"; sid:3;)",
    );
    let mut s = Session::new(40000, 80);
    assert!(s.handshake(&mut h).is_empty());
    assert_eq!(h.run(&s.client_data(b"d")), [1]);
    let mut got = h.run(&s.server_data(b"d"));
    got.sort();
    assert_eq!(got, [2, 3]);
}

#[test]
fn syn_ack_goes_to_client() {
    let mut h = Harness::new(
        "alert tcp any any -> any any (flow:to_client; flags:SA; sid:1;)\n\
         alert tcp any any -> any any (flow:to_server; flags:S; sid:2;)",
    );
    let s = Session::new(40000, 80);
    assert_eq!(h.run(&s.syn()), [2]);
    assert_eq!(h.run(&s.syn_ack()), [1]);
}

#[test]
fn udp_established_after_a_reply() {
    let mut h = Harness::new("alert udp any any -> any any (flow:established; sid:1;)");
    assert!(h
        .run(&udp_between(CLIENT, 5000, SERVER, 53, b"q"))
        .is_empty());
    assert_eq!(h.run(&udp_between(SERVER, 53, CLIENT, 5000, b"a")), [1]);
    assert_eq!(h.run(&udp_between(CLIENT, 5000, SERVER, 53, b"q")), [1]);
}

#[test]
fn flow_keyword_needs_a_flow() {
    let mut h = Harness::new("alert udp any any -> any any (flow:to_server; sid:1;)");
    assert!(h.run_no_flow(&udp(b"x")).is_empty());
    assert_eq!(h.run(&udp(b"x")), [1]);
}

const BITS: &str = r#"
alert udp any any -> any any (content:"login"; flowbits:set,auth; flowbits:noalert; sid:1;)
alert udp any any -> any any (content:"cmd"; flowbits:isset,auth; sid:2;)
alert udp any any -> any any (content:"cmd"; flowbits:isnotset,auth; sid:3;)
alert udp any any -> any any (content:"logout"; flowbits:unset,auth; sid:4;)
"#;

#[test]
fn flowbits_set_isset_isnotset_unset_noalert() {
    let mut h = Harness::new(BITS);
    assert_eq!(h.run(&udp(b"cmd")), [3]);
    assert!(h.run(&udp(b"login")).is_empty(), "noalert");
    assert_eq!(h.run(&udp(b"cmd")), [2]);
    assert_eq!(h.run(&udp(b"logout")), [4]);
    assert_eq!(h.run(&udp(b"cmd")), [3]);
}

#[test]
fn flowbits_are_per_flow() {
    let mut h = Harness::new(BITS);
    assert!(h.run(&udp(b"login")).is_empty());
    // same bits seen from the other direction of the same flow
    assert_eq!(h.run(&udp_between(SERVER, 53, CLIENT, 1234, b"cmd")), [2]);
    // another flow does not see them
    assert_eq!(h.run(&udp_between(OTHER, 1, SERVER, 53, b"cmd")), [3]);
}

#[test]
fn flowbits_toggle() {
    let mut h = Harness::new(
        r#"alert udp any any -> any any (content:"t"; flowbits:toggle,x; flowbits:noalert; sid:1;)
alert udp any any -> any any (content:"?"; flowbits:isset,x; sid:2;)"#,
    );
    assert!(h.run(&udp(b"?")).is_empty());
    h.run(&udp(b"t"));
    assert_eq!(h.run(&udp(b"?")), [2]);
    h.run(&udp(b"t"));
    assert!(h.run(&udp(b"?")).is_empty());
}

#[test]
fn flowbits_and_or() {
    let rules = r#"alert udp any any -> any any (content:"a"; flowbits:set,a; flowbits:noalert; sid:1;)
alert udp any any -> any any (content:"b"; flowbits:set,b; flowbits:noalert; sid:2;)
alert udp any any -> any any (content:"?"; flowbits:isset,a&b; sid:10;)
alert udp any any -> any any (content:"?"; flowbits:isset,a|b; sid:11;)
alert udp any any -> any any (content:"?"; flowbits:isnotset,a&b; sid:12;)
"#;
    let mut h = Harness::new(rules);
    let q = |h: &mut Harness| {
        let mut v = h.run(&udp(b"?"));
        v.sort();
        v
    };
    assert_eq!(q(&mut h), [12]);
    h.run(&udp(b"a"));
    assert_eq!(q(&mut h), [11]);
    h.run(&udp(b"b"));
    assert_eq!(q(&mut h), [10, 11]);
}

#[test]
fn flowbit_setter_runs_before_reader_on_the_same_packet() {
    // the reader comes first in the file; the setter still runs first
    let mut h = Harness::new(
        r#"alert udp any any -> any any (content:"go"; flowbits:isset,seen; sid:2;)
alert udp any any -> any any (content:"go"; flowbits:set,seen; sid:1;)"#,
    );
    assert_eq!(h.run(&udp(b"go")), [1, 2]);
}

#[test]
fn flowbits_need_a_flow() {
    let mut h = Harness::new(BITS);
    assert!(h.run_no_flow(&udp(b"cmd")).is_empty());
}

#[test]
fn ip_only_rule_fires_once_per_flow_direction() {
    let mut h = Harness::new("alert ip any any -> any any (msg:\"ip only\"; sid:1;)");
    let c2s = udp_between(CLIENT, 1, SERVER, 2, b"x");
    let s2c = udp_between(SERVER, 2, CLIENT, 1, b"y");
    assert_eq!(h.run(&c2s), [1]);
    assert!(h.run(&c2s).is_empty());
    assert_eq!(h.run(&s2c), [1]);
    assert!(h.run(&s2c).is_empty());
    // a new flow is evaluated again
    assert_eq!(h.run(&udp_between(CLIENT, 3, SERVER, 2, b"x")), [1]);
}

#[test]
fn ip_only_rule_respects_addresses() {
    let mut h = Harness::new("alert ip 10.0.0.1 any -> 10.0.0.2 any (sid:1;)");
    assert!(h.run(&udp_between(SERVER, 2, CLIENT, 1, b"y")).is_empty());
    assert_eq!(h.run(&udp_between(CLIENT, 1, SERVER, 2, b"x")), [1]);
}

#[test]
fn rule_with_content_is_not_ip_only() {
    let mut h = Harness::new("alert ip any any -> any any (content:\"x\"; sid:1;)");
    assert_eq!(h.run(&udp(b"x")), [1]);
    assert_eq!(h.run(&udp(b"x")), [1]);
}

#[test]
fn app_protocol_rule_without_options_is_not_ip_only() {
    // `alert http ...` with nothing else checks every packet of HTTP flows
    // (Suricata: a rule with an app protocol is never IP-only)
    let mut h = Harness::new("alert http any any -> any any (sid:1;)");
    let mut s = Session::new(40000, 80);
    assert!(h.run(&s.client_data(b"GET")).is_empty());
    h.app = Some(AppLayer::Http);
    assert_eq!(h.run(&s.client_data(b"GET")), [1]);
    assert_eq!(h.run(&s.server_data(b"HTTP")), [1]);
    assert_eq!(h.run(&s.client_data(b"x")), [1]);
}

#[test]
fn pass_rule_stops_inspection_for_the_rest_of_the_flow() {
    let mut h = Harness::new(
        r#"alert udp any any -> any any (content:"bad"; sid:2;)
pass udp any any -> any any (content:"trusted"; sid:1;)"#,
    );
    assert_eq!(h.run(&udp(b"bad")), [2]);
    // pass wins over the alert on its own packet (and is not reported)
    assert!(h.run(&udp(b"trusted bad")).is_empty());
    assert!(h.run(&udp(b"bad")).is_empty());
    assert!(h
        .run(&udp_between(SERVER, 53, CLIENT, 1234, b"bad"))
        .is_empty());
    // other flows are still inspected
    assert_eq!(h.run(&udp_between(OTHER, 1, SERVER, 53, b"bad")), [2]);
}

#[test]
fn pass_without_flow_only_covers_the_packet() {
    let mut h = Harness::new(
        r#"alert udp any any -> any any (content:"bad"; sid:2;)
pass udp any any -> any any (content:"trusted"; sid:1;)"#,
    );
    assert!(h.run_no_flow(&udp(b"trusted bad")).is_empty());
    assert_eq!(h.run_no_flow(&udp(b"bad")), [2]);
}

#[test]
fn actions_are_evaluated_drop_before_alert() {
    let mut h = Harness::new(
        r#"alert udp any any -> any any (content:"x"; sid:3;)
reject udp any any -> any any (content:"x"; sid:2;)
drop udp any any -> any any (content:"x"; sid:1;)"#,
    );
    let fired = h.fire(&udp(b"x"), true, None);
    let sids: Vec<u32> = fired
        .iter()
        .map(|f| h.engine.sig(f.rule).meta.sid)
        .collect();
    assert_eq!(sids, [1, 2, 3]);
}

#[test]
fn packet_alert_max_caps_alerts() {
    let rules: String = (1..=20)
        .map(|i| format!("alert udp any any -> any any (content:\"x\"; sid:{i};)\n"))
        .collect();
    let mut h = Harness::new(&rules);
    assert_eq!(h.run(&udp(b"x")).len(), 15);
    assert_eq!(h.state.overflow, 5);
}

#[test]
fn flowint_counts_across_packets_and_compares() {
    let mut h = Harness::new(
        "alert udp any any -> any any (content:\"hit\"; flowint:hits,+,1; noalert; sid:1;)\n\
         alert udp any any -> any any (content:\"check\"; flowint:hits,>=,2; sid:2;)\n\
         alert udp any any -> any any (content:\"check\"; flowint:hits,notset; sid:3;)\n\
         alert udp any any -> any any (content:\"reset\"; flowint:hits,=,0; noalert; sid:4;)\n\
         alert udp any any -> any any (content:\"check\"; flowint:hits,==,0; sid:5;)",
    );
    assert_eq!(h.run(&udp(b"check")), [3]);
    assert!(h.run(&udp(b"hit")).is_empty());
    assert!(h.run(&udp(b"check")).is_empty());
    assert!(h.run(&udp(b"hit")).is_empty());
    assert_eq!(h.run(&udp(b"check")), [2]);
    assert!(h.run(&udp(b"reset")).is_empty());
    assert_eq!(h.run(&udp(b"check")), [5]);
    // another flow has its own variables
    assert_eq!(h.run(&udp_between(OTHER, 1, SERVER, 53, b"check")), [3]);
}

#[test]
fn flowint_compares_two_variables() {
    let mut h = Harness::new(
        "alert udp any any -> any any (content:\"a\"; flowint:a,+,1; noalert; sid:1;)\n\
         alert udp any any -> any any (content:\"b\"; flowint:b,+,1; noalert; sid:2;)\n\
         alert udp any any -> any any (content:\"?\"; flowint:a,>,b; sid:3;)",
    );
    assert!(h.run(&udp(b"a")).is_empty());
    // b unset: comparison is false
    assert!(h.run(&udp(b"?")).is_empty());
    assert!(h.run(&udp(b"b")).is_empty());
    assert!(h.run(&udp(b"?")).is_empty());
    assert!(h.run(&udp(b"a")).is_empty());
    assert_eq!(h.run(&udp(b"?")), [3]);
}
