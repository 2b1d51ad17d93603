//! Transaction rules through `Engine::inspect_tx` with a hand-made
//! transaction, and raw stream windows through `PacketContext.stream`.

mod common;
use common::*;

use warden_detect::{AppLayer, StreamWindow};
use warden_rules::Buffer;

const HTTP: &str = r#"
alert http any any -> any any (msg:"admin"; http.uri; content:"/admin"; sid:1;)
alert http any any -> any any (msg:"post admin"; http.method; content:"POST"; http.uri; content:"/admin"; sid:2;)
alert http any any -> any any (msg:"legacy"; content:"evil"; http_user_agent; nocase; sid:3;)
alert http any any -> any any (msg:"urilen"; urilen:>20; sid:4;)
alert http any any -> any any (msg:"not php"; http.uri; content:"/x"; content:!".php"; sid:5;)
"#;

fn req(method: &str, uri: &str) -> MapTx {
    MapTx::default()
        .with(Buffer::HttpMethod, method.as_bytes())
        .with(Buffer::HttpUri, uri.as_bytes())
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort();
    v
}

fn setup() -> (Harness, Session) {
    let mut h = Harness::new(HTTP);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    (h, s)
}

#[test]
fn sticky_buffer_content() {
    let (mut h, mut s) = setup();
    let mut done = Vec::new();
    let p = s.client_data(b"GET /admin HTTP/1.1\r\n\r\n");
    assert_eq!(
        h.run_tx(&p, AppLayer::Http, &req("GET", "/admin"), &mut done),
        [1]
    );
    let mut done = Vec::new();
    assert!(h
        .run_tx(&p, AppLayer::Http, &req("GET", "/index"), &mut done)
        .is_empty());
}

#[test]
fn two_buffers_must_both_match() {
    let (mut h, mut s) = setup();
    let p = s.client_data(b"x");
    let mut done = Vec::new();
    assert_eq!(
        sorted(h.run_tx(&p, AppLayer::Http, &req("POST", "/admin"), &mut done)),
        [1, 2]
    );
    let mut done = Vec::new();
    assert_eq!(
        h.run_tx(&p, AppLayer::Http, &req("PUT", "/admin"), &mut done),
        [1]
    );
}

#[test]
fn legacy_modifier_buffer_and_nocase() {
    let (mut h, mut s) = setup();
    let p = s.client_data(b"x");
    let tx = req("GET", "/").with(Buffer::HttpUserAgent, b"EvilBot/1.0");
    let mut done = Vec::new();
    assert_eq!(h.run_tx(&p, AppLayer::Http, &tx, &mut done), [3]);
    let tx = req("GET", "/").with(Buffer::HttpUserAgent, b"curl/8");
    let mut done = Vec::new();
    assert!(h.run_tx(&p, AppLayer::Http, &tx, &mut done).is_empty());
}

#[test]
fn urilen() {
    let (mut h, mut s) = setup();
    let p = s.client_data(b"x");
    let mut done = Vec::new();
    assert_eq!(
        h.run_tx(
            &p,
            AppLayer::Http,
            &req("GET", "/aaaaaaaaaaaaaaaaaaaaaaaa"),
            &mut done
        ),
        [4]
    );
    let mut done = Vec::new();
    assert!(h
        .run_tx(&p, AppLayer::Http, &req("GET", "/short"), &mut done)
        .is_empty());
}

#[test]
fn negated_content_in_a_sticky_buffer() {
    let (mut h, mut s) = setup();
    let p = s.client_data(b"x");
    let mut done = Vec::new();
    assert_eq!(
        h.run_tx(&p, AppLayer::Http, &req("GET", "/x.html"), &mut done),
        [5]
    );
    let mut done = Vec::new();
    assert!(h
        .run_tx(&p, AppLayer::Http, &req("GET", "/x.php"), &mut done)
        .is_empty());
}

#[test]
fn each_rule_fires_once_per_transaction() {
    let (mut h, mut s) = setup();
    let tx = req("GET", "/admin");
    let mut done = Vec::new();
    let p = s.client_data(b"x");
    assert_eq!(h.run_tx(&p, AppLayer::Http, &tx, &mut done), [1]);
    let p = s.client_data(b"y");
    assert!(h.run_tx(&p, AppLayer::Http, &tx, &mut done).is_empty());
    // a new transaction fires again
    let mut done2 = Vec::new();
    assert_eq!(h.run_tx(&p, AppLayer::Http, &tx, &mut done2), [1]);
}

#[test]
fn wrong_protocol_or_packet_path_does_not_fire() {
    let (mut h, mut s) = setup();
    let p = s.client_data(b"GET /admin HTTP/1.1\r\n\r\n");
    let mut done = Vec::new();
    assert!(h
        .run_tx(&p, AppLayer::Tls, &req("GET", "/admin"), &mut done)
        .is_empty());
    // transaction rules never fire on plain packet inspection
    assert!(h
        .run(&s.client_data(b"GET /admin HTTP/1.1\r\n\r\n"))
        .is_empty());
}

#[test]
fn multi_instance_buffer_any_instance_matches() {
    let mut h = Harness::new(
        r#"alert dns any any -> any any (dns.query; content:"evil.example"; endswith; sid:1;)"#,
    );
    let p = udp(b"dns");
    let tx = MapTx::default()
        .with(Buffer::DnsQuery, b"good.example")
        .with(Buffer::DnsQuery, b"www.evil.example");
    let mut done = Vec::new();
    assert_eq!(h.run_tx(&p, AppLayer::Dns, &tx, &mut done), [1]);
    let tx = MapTx::default().with(Buffer::DnsQuery, b"evil.example.org");
    let mut done = Vec::new();
    assert!(h.run_tx(&p, AppLayer::Dns, &tx, &mut done).is_empty());
}

#[test]
fn tls_sni_with_flowbits_from_packet_rule() {
    let mut h = Harness::new(
        r#"alert tcp any any -> any any (content:"|16 03|"; depth:2; flowbits:set,tls; flowbits:noalert; sid:1;)
alert tls any any -> any any (tls.sni; content:"bad.example"; flowbits:isset,tls; sid:2;)"#,
    );
    let mut s = Session::new(40000, 443);
    s.handshake(&mut h);
    let tx = MapTx::default().with(Buffer::TlsSni, b"bad.example");
    let p = s.client_data(b"\x00\x00");
    let mut done = Vec::new();
    assert!(h.run_tx(&p, AppLayer::Tls, &tx, &mut done).is_empty());
    assert!(h.run(&s.client_data(b"\x16\x03\x01")).is_empty());
    let p = s.client_data(b"\x00");
    let mut done = Vec::new();
    assert_eq!(h.run_tx(&p, AppLayer::Tls, &tx, &mut done), [2]);
}

const STREAM_RULE: &str = r#"alert tcp any any -> any any (content:"attack"; sid:1;)"#;

fn stream_setup(rule: &str) -> (Harness, Session) {
    let mut h = Harness::new(rule);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    (h, s)
}

#[test]
fn stream_match_before_new_bytes_is_not_reported_again() {
    let (mut h, mut s) = stream_setup(STREAM_RULE);
    let data = b"xxattackyy";
    let p = s.client_data(b"yy");
    let w = StreamWindow {
        data,
        base: 0,
        new_from: 8,
    };
    assert!(h.run_stream(&p, w).is_empty());
}

#[test]
fn stream_match_spanning_new_bytes_is_reported() {
    let (mut h, mut s) = stream_setup(STREAM_RULE);
    let data = b"xxattackyy";
    // "att" was seen before, "ack" is new: the match spans segments
    let p = s.client_data(b"ackyy");
    let w = StreamWindow {
        data,
        base: 0,
        new_from: 5,
    };
    assert_eq!(h.run_stream(&p, w), [1]);
    // the match ending exactly where new bytes begin is old
    let p = s.client_data(b"yy");
    let w = StreamWindow {
        data,
        base: 0,
        new_from: 8,
    };
    assert!(h.run_stream(&p, w).is_empty());
    // a match ending on the first new byte is new
    let w = StreamWindow {
        data,
        base: 0,
        new_from: 7,
    };
    assert_eq!(h.run_stream(&p, w), [1]);
}

#[test]
fn stream_match_wholly_in_new_bytes() {
    let (mut h, mut s) = stream_setup(STREAM_RULE);
    let data = b"old.....attack";
    let p = s.client_data(b"attack");
    let w = StreamWindow {
        data,
        base: 100,
        new_from: 8,
    };
    assert_eq!(h.run_stream(&p, w), [1]);
}

#[test]
fn tcp_pkt_rules_ignore_the_stream() {
    let rule = r#"alert tcp-pkt any any -> any any (content:"attack"; sid:1;)"#;
    let (mut h, mut s) = stream_setup(rule);
    let p = s.client_data(b"ackyy");
    let w = StreamWindow {
        data: b"xxattackyy",
        base: 0,
        new_from: 5,
    };
    assert!(h.run_stream(&p, w).is_empty());
    let p = s.client_data(b"attack");
    let w = StreamWindow {
        data: b"attack",
        base: 10,
        new_from: 0,
    };
    assert_eq!(h.run_stream(&p, w), [1]);
}

#[test]
fn transactional_rule_needs_both_sides_and_keeps_client_server_orientation() {
    // `=>`: source is the client, destination the server, whichever side's
    // packet completes the transaction
    let mut h = Harness::new(
        "alert http 10.0.0.1 any => 10.0.0.2 80 (http.uri; content:\"/admin\"; \
         http.stat_code; content:\"500\"; sid:9;)\n\
         alert http 10.0.0.2 any => 10.0.0.1 any (http.uri; content:\"/admin\"; \
         http.stat_code; content:\"500\"; sid:10;)",
    );
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let mut done = Vec::new();
    let request = req("GET", "/admin");
    let p = s.client_data(b"GET /admin HTTP/1.1\r\n\r\n");
    assert!(h.run_tx(&p, AppLayer::Http, &request, &mut done).is_empty());
    let answered = request.with(Buffer::HttpStatCode, b"500");
    let p = s.server_data(b"HTTP/1.1 500 Oops\r\n\r\n");
    assert_eq!(h.run_tx(&p, AppLayer::Http, &answered, &mut done), [9]);
}

#[test]
fn transactional_direction_needs_an_application_rule() {
    let (_, report) = try_engine("alert tcp any any => any any (content:\"x\"; sid:1;)");
    assert_eq!(report.rejected.len(), 1);
    let why = report.rejected[0].to_string();
    assert!(why.contains("transactional"), "{why}");
}

#[test]
fn app_layer_event_fires_on_the_transaction_that_raised_it() {
    let mut h = Harness::new(
        "alert http any any -> any any (app-layer-event:http.request_line_invalid; sid:1;)",
    );
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let p = s.client_data(b"GET");
    let mut done = Vec::new();
    assert!(h
        .run_tx(&p, AppLayer::Http, &req("GET", "/"), &mut done)
        .is_empty());
    let bad = req("GET", "/").with_event("request_line_invalid");
    assert_eq!(h.run_tx(&p, AppLayer::Http, &bad, &mut done), [1]);
    // once per transaction
    assert!(h.run_tx(&p, AppLayer::Http, &bad, &mut done).is_empty());
}

#[test]
fn app_layer_event_unknown_to_the_parsers_is_reported_not_loaded() {
    let src = warden_rules::load_rule_str(
        "alert http any any -> any any (app-layer-event:http.no_such_event; sid:1;)\n\
         alert tls any any -> any any (app-layer-event:tls.invalid_record_type; sid:2;)\n\
         alert smb any any -> any any (app-layer-event:smb.internal_error; sid:3;)",
        "t.rules",
    );
    let known = |app: AppLayer, name: &str| {
        matches!(
            (app, name),
            (AppLayer::Tls, "invalid_record_type") | (AppLayer::Http, "request_line_invalid")
        )
    };
    let (_, report) = warden_detect::Engine::build_with_events(
        &src.rules,
        &warden_rules::Vars::suricata_defaults(),
        &warden_rules::Classifications::suricata_defaults(),
        &known,
    );
    assert_eq!(report.loaded, 1);
    let why: Vec<String> = report.rejected.iter().map(|r| r.to_string()).collect();
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[0].contains("http.no_such_event"), "{why:?}");
}

#[test]
fn relative_byte_extract_follows_the_uricontent_before_it() {
    // UriTestSig28: no sticky buffer, so the relative byte_extract reads
    // the URI after "this", and the second uricontent uses its value
    let rules = r#"alert tcp any any -> any any (uricontent:"this"; byte_extract:1,2,one,string,dec,relative; uricontent:"ring"; distance:one; sid:1;)"#;
    let mut h = Harness::new(rules);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let p = s.client_data(b"x");
    let mut done = Vec::new();
    let tx = req("POST", "/this_b5ig_string_now_in_http");
    assert_eq!(h.run_tx(&p, AppLayer::Http, &tx, &mut done), [1]);
    // value 9: "ring" is not 9 bytes past the digit
    let mut done = Vec::new();
    let tx = req("POST", "/this_b9ig_string_now_in_http");
    assert!(h.run_tx(&p, AppLayer::Http, &tx, &mut done).is_empty());
}

#[test]
fn request_rules_inspect_from_the_client_response_rules_from_the_server() {
    // bug-814: a rule on request buffers fires on the client's packet, not
    // on the server's ACK that made the request parsed; a rule mixing both
    // sides fires once the response side is inspected
    let rules = r#"
alert http any any -> any any (http.method; content:"GET"; sid:1;)
alert http any any -> any any (http.stat_code; content:"200"; sid:2;)
alert http any any -> any any (http.method; content:"GET"; http.stat_code; content:"200"; sid:3;)
alert http any any -> any any (http.header; content:"x"; sid:4;)
"#;
    let mut h = Harness::new(rules);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let tx = req("GET", "/")
        .with(Buffer::HttpStatCode, b"200")
        .with(Buffer::HttpHeader, b"x");
    let from_server = s.server_data(b"y");
    let mut done = Vec::new();
    assert_eq!(
        sorted(h.run_tx(&from_server, AppLayer::Http, &tx, &mut done)),
        [2, 3, 4]
    );
    let from_client = s.client_data(b"x");
    let mut done = Vec::new();
    assert_eq!(
        sorted(h.run_tx(&from_client, AppLayer::Http, &tx, &mut done)),
        [1, 4]
    );
}
