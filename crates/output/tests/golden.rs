//! Golden tests: exact EVE and fast.log lines for representative records,
//! plus a structural check of an alert line parsed back with serde_json.

use std::net::IpAddr;

use warden_output::{
    AlertRecord, CaptureStats, DecoderStats, DetectStats, DropAlert, DropIp, DropL4, DropRecord,
    EngineStats, EveWriter, FastLogWriter, FlowStats, FlowSummary, RulesetTag, SourceTarget,
    StatsSnapshot, Timestamp,
};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const TS: Timestamp = Timestamp {
    secs: 1_700_000_001,
    nanos: 899_448_123,
};

fn eve_line(f: impl FnOnce(&mut EveWriter<Vec<u8>>)) -> String {
    let mut w = EveWriter::new(Vec::new());
    f(&mut w);
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(
        out.ends_with('\n') && out.matches('\n').count() == 1,
        "{out:?}"
    );
    out.trim_end_matches('\n').to_string()
}

fn alert_line(r: &AlertRecord<'_>) -> String {
    eve_line(|w| w.alert(r).unwrap())
}

fn fast_line(r: &AlertRecord<'_>) -> String {
    let mut w = FastLogWriter::new(Vec::new());
    w.alert(r).unwrap();
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    out.trim_end_matches('\n').to_string()
}

fn tcp_alert<'a>(meta: &'a [(String, Vec<String>)]) -> AlertRecord<'a> {
    let mut r = AlertRecord::new(
        TS,
        ip("10.0.0.1"),
        ip("10.0.0.2"),
        6,
        1,
        2100498,
        7,
        "GPL ATTACK_RESPONSE id check returned root",
    );
    r.flow_id = Some(1601208607063484);
    r.pcap_cnt = Some(9);
    r.src_port = Some(80);
    r.dest_port = Some(1234);
    r.category = "Potentially Bad Traffic";
    r.severity = 2;
    r.metadata = meta;
    r.app_proto = Some("http");
    r.direction = Some("to_client");
    r.tx_id = Some(0);
    r.flow = Some(FlowSummary {
        pkts_toserver: 4,
        pkts_toclient: 3,
        bytes_toserver: 382,
        bytes_toclient: 393,
        start: Timestamp {
            secs: 1_700_000_001,
            nanos: 438_346_000,
        },
        src_ip: ip("10.0.0.2"),
        dest_ip: ip("10.0.0.1"),
        src_port: Some(1234),
        dest_port: Some(80),
    });
    r
}

fn meta() -> Vec<(String, Vec<String>)> {
    vec![
        ("created_at".into(), vec!["2010_09_23".into()]),
        ("tag".into(), vec!["a".into(), "b".into()]),
    ]
}

#[test]
fn alert_tcp_with_ports_flow_metadata() {
    let m = meta();
    let r = tcp_alert(&m);
    assert_eq!(
        alert_line(&r),
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","flow_id":1601208607063484,"pcap_cnt":9,"#,
            r#""event_type":"alert","src_ip":"10.0.0.1","src_port":80,"dest_ip":"10.0.0.2","dest_port":1234,"#,
            r#""proto":"TCP","ip_v":4,"pkt_src":"wire/pcap","tx_id":0,"#,
            r#""alert":{"action":"allowed","gid":1,"signature_id":2100498,"rev":7,"#,
            r#""signature":"GPL ATTACK_RESPONSE id check returned root","category":"Potentially Bad Traffic","#,
            r#""severity":2,"metadata":{"created_at":["2010_09_23"],"tag":["a","b"]}},"#,
            r#""app_proto":"http","direction":"to_client","#,
            r#""flow":{"pkts_toserver":4,"pkts_toclient":3,"bytes_toserver":382,"bytes_toclient":393,"#,
            r#""start":"2023-11-14T22:13:21.438346+0000","src_ip":"10.0.0.2","dest_ip":"10.0.0.1","#,
            r#""src_port":1234,"dest_port":80}}"#
        )
    );
    assert_eq!(
        fast_line(&r),
        "11/14/2023-22:13:21.899448  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root \
         [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:80 -> 10.0.0.2:1234"
    );
}

#[test]
fn alert_without_ports_or_flow() {
    // Protocol 41 (6in4) alert: no ports, no flow, no metadata, live iface.
    let mut r = AlertRecord::new(
        TS,
        ip("174.3.73.24"),
        ip("184.105.255.26"),
        41,
        1,
        2012141,
        2,
        "ET POLICY Protocol 41 IPv6 encapsulation",
    );
    r.in_iface = Some("eth0");
    r.pkt_src = "wire/pcap";
    r.vlan = &[1624, 505];
    assert_eq!(
        alert_line(&r),
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","in_iface":"eth0","event_type":"alert","#,
            r#""vlan":[1624,505],"src_ip":"174.3.73.24","dest_ip":"184.105.255.26","proto":"IPv6","ip_v":4,"#,
            r#""pkt_src":"wire/pcap","alert":{"action":"allowed","gid":1,"signature_id":2012141,"rev":2,"#,
            r#""signature":"ET POLICY Protocol 41 IPv6 encapsulation","category":"","severity":3}}"#
        )
    );
    assert_eq!(
        fast_line(&r),
        "11/14/2023-22:13:21.899448  [**] [1:2012141:2] ET POLICY Protocol 41 IPv6 encapsulation \
         [**] [Classification: (null)] [Priority: 3] {IPv6} 174.3.73.24:0 -> 184.105.255.26:0"
    );
    // A protocol with no name.
    r.proto = 200;
    assert!(alert_line(&r).contains(r#""proto":"200","#));
    assert!(fast_line(&r).contains("{PROTO:200} "));
}

#[test]
fn alert_ipv6_blocked() {
    let mut r = AlertRecord::new(
        TS,
        ip("2001:db8:1:2::1002"),
        ip("2001:db8:1:2::1000"),
        6,
        1,
        2013028,
        7,
        "ET POLICY curl User-Agent Outbound",
    );
    r.src_port = Some(35023);
    r.dest_port = Some(80);
    r.action = "blocked";
    r.category = "Attempted Information Leak";
    r.severity = 2;
    assert_eq!(
        alert_line(&r),
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","event_type":"alert","#,
            r#""src_ip":"2001:0db8:0001:0002:0000:0000:0000:1002","src_port":35023,"#,
            r#""dest_ip":"2001:0db8:0001:0002:0000:0000:0000:1000","dest_port":80,"proto":"TCP","ip_v":6,"#,
            r#""pkt_src":"wire/pcap","alert":{"action":"blocked","gid":1,"signature_id":2013028,"rev":7,"#,
            r#""signature":"ET POLICY curl User-Agent Outbound","category":"Attempted Information Leak","#,
            r#""severity":2}}"#
        )
    );
    assert_eq!(
        fast_line(&r),
        "11/14/2023-22:13:21.899448  [Drop] [**] [1:2013028:7] ET POLICY curl User-Agent Outbound \
         [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} \
         2001:0db8:0001:0002:0000:0000:0000:1002:35023 -> 2001:0db8:0001:0002:0000:0000:0000:1000:80"
    );
    r.action = "would_drop";
    assert!(fast_line(&r).starts_with("11/14/2023-22:13:21.899448  [wDrop] [**] [1:2013028:7] "));
}

#[test]
fn alert_icmp_and_icmpv6() {
    let mut r = AlertRecord::new(
        TS,
        ip("192.168.1.159"),
        ip("8.8.8.8"),
        1,
        1,
        2100366,
        8,
        "GPL ICMP_INFO PING *NIX",
    );
    r.flow_id = Some(1363003326301115);
    r.pcap_cnt = Some(27150);
    r.icmp_type = Some(8);
    r.icmp_code = Some(0);
    r.category = "Misc activity";
    r.direction = Some("to_server");
    r.flow = Some(FlowSummary {
        pkts_toserver: 1,
        pkts_toclient: 0,
        bytes_toserver: 98,
        bytes_toclient: 0,
        start: TS,
        src_ip: ip("192.168.1.159"),
        dest_ip: ip("8.8.8.8"),
        src_port: None,
        dest_port: None,
    });
    assert_eq!(
        alert_line(&r),
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","flow_id":1363003326301115,"pcap_cnt":27150,"#,
            r#""event_type":"alert","src_ip":"192.168.1.159","dest_ip":"8.8.8.8","proto":"ICMP","ip_v":4,"#,
            r#""icmp_type":8,"icmp_code":0,"pkt_src":"wire/pcap","alert":{"action":"allowed","gid":1,"#,
            r#""signature_id":2100366,"rev":8,"signature":"GPL ICMP_INFO PING *NIX","category":"Misc activity","#,
            r#""severity":3},"direction":"to_server","flow":{"pkts_toserver":1,"pkts_toclient":0,"#,
            r#""bytes_toserver":98,"bytes_toclient":0,"start":"2023-11-14T22:13:21.899448+0000","#,
            r#""src_ip":"192.168.1.159","dest_ip":"8.8.8.8"}}"#
        )
    );
    assert_eq!(
        fast_line(&r),
        "11/14/2023-22:13:21.899448  [**] [1:2100366:8] GPL ICMP_INFO PING *NIX [**] \
         [Classification: Misc activity] [Priority: 3] {ICMP} 192.168.1.159:8 -> 8.8.8.8:0"
    );

    let mut r6 = AlertRecord::new(TS, ip("fe80::1"), ip("ff02::1"), 58, 1, 5, 1, "v6 ping");
    r6.icmp_type = Some(128);
    r6.icmp_code = Some(0);
    let line = alert_line(&r6);
    assert!(line.contains(
        r#""src_ip":"fe80:0000:0000:0000:0000:0000:0000:0001","dest_ip":"ff02:0000:0000:0000:0000:0000:0000:0001","proto":"IPv6-ICMP","ip_v":6,"icmp_type":128,"icmp_code":0,"#
    ), "{line}");
    assert!(fast_line(&r6).ends_with(
        "{IPv6-ICMP} fe80:0000:0000:0000:0000:0000:0000:0001:128 -> ff02:0000:0000:0000:0000:0000:0000:0001:0"
    ));
}

#[test]
fn alert_payload_packet_source_target_ruleset() {
    let m = meta();
    let mut r = tcp_alert(&m);
    r.metadata = &[];
    r.tx_id = None;
    r.app_proto = None;
    r.direction = None;
    r.flow = None;
    r.payload = Some(b"GET /\r\n\t\"x\\\x00\xff");
    r.payload_printable = true;
    r.stream = 1;
    r.packet = Some(b"\x00\x01\x02");
    r.source_target = Some(SourceTarget {
        source: warden_output::Endpoint {
            ip: ip("10.0.0.1"),
            port: Some(80),
        },
        target: warden_output::Endpoint {
            ip: ip("10.0.0.2"),
            port: Some(1234),
        },
    });
    r.ruleset = Some(RulesetTag {
        generation: 3,
        hash: "ab12",
    });
    let line = alert_line(&r);
    assert!(line.ends_with(concat!(
        r#""severity":2,"source":{"ip":"10.0.0.1","port":80},"target":{"ip":"10.0.0.2","port":1234}},"#,
        r#""payload":"R0VUIC8NCgkieFwA/w==","payload_printable":"GET /\r\n.\"x\\..","stream":1,"#,
        r#""packet":"AAEC","packet_info":{"linktype":1,"linktype_name":"EN10MB"},"warden":{"ruleset":{"generation":3,"hash":"ab12"}}}"#
    )), "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["payload_printable"], "GET /\r\n.\"x\\..");
}

#[test]
fn alert_escaping_in_msg_and_metadata() {
    let m = vec![(
        "k\"ey".to_string(),
        vec!["v\\1".to_string(), "\u{1}".to_string()],
    )];
    let mut r = AlertRecord::new(
        TS,
        ip("1.2.3.4"),
        ip("5.6.7.8"),
        17,
        1,
        1,
        1,
        "quote \" backslash \\ nl \n tab \t ctl \u{1b} del \u{7f} utf8 é",
    );
    r.src_port = Some(53);
    r.dest_port = Some(5353);
    r.category = "cat \"x\"";
    r.metadata = &m;
    let line = alert_line(&r);
    assert!(
        line.contains(r#""signature":"quote \" backslash \\ nl \n tab \t ctl \u001b del "#),
        "{line}"
    );
    assert!(line.contains(r#""category":"cat \"x\"""#));
    assert!(line.contains(r#""metadata":{"k\"ey":["v\\1","\u0001"]}"#));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["alert"]["signature"], r.signature);
    assert_eq!(v["proto"], "UDP");
    // fast.log keeps the message on one line.
    let f = fast_line(&r);
    assert!(!f.contains('\n'));
    assert!(f.contains("] quote \" backslash \\ nl   tab \t ctl \u{1b} del \u{7f} utf8 é [**]"));
    assert!(f.ends_with("{UDP} 1.2.3.4:53 -> 5.6.7.8:5353"));
}

#[test]
fn non_utf8_message_bytes_are_replaced() {
    // Rule text may carry invalid UTF-8; the byte-string writer replaces it.
    let mut out = Vec::new();
    let mut j = warden_output::json::JsonBuf::new(&mut out);
    j.begin_object();
    j.str_bytes("signature", b"bad \xff\xfe msg \"q\"");
    j.end_object();
    let s = String::from_utf8(out).unwrap();
    assert_eq!(s, "{\"signature\":\"bad \u{FFFD}\u{FFFD} msg \\\"q\\\"\"}");
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["signature"], "bad \u{FFFD}\u{FFFD} msg \"q\"");
}

/// Every key of an alert event, checked through a JSON parser.
#[test]
fn alert_parses_with_all_keys() {
    let m = meta();
    let mut r = tcp_alert(&m);
    r.in_iface = Some("eth0");
    r.vlan = &[77];
    r.payload = Some(b"abc");
    r.payload_printable = true;
    let line = alert_line(&r);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    // serde_json's map is sorted; read key order with an ordered visitor.
    let keys = ordered_keys(&line);
    assert_eq!(
        keys,
        [
            "timestamp",
            "flow_id",
            "in_iface",
            "pcap_cnt",
            "event_type",
            "vlan",
            "src_ip",
            "src_port",
            "dest_ip",
            "dest_port",
            "proto",
            "ip_v",
            "pkt_src",
            "tx_id",
            "alert",
            "app_proto",
            "direction",
            "flow",
            "payload",
            "payload_printable",
            "stream"
        ]
    );
    assert_eq!(v["timestamp"], "2023-11-14T22:13:21.899448+0000");
    assert_eq!(v["flow_id"], 1601208607063484u64);
    assert!(v["flow_id"].is_u64());
    assert_eq!(v["pcap_cnt"], 9);
    assert_eq!(v["event_type"], "alert");
    assert_eq!(v["vlan"], serde_json::json!([77]));
    assert_eq!(v["src_ip"], "10.0.0.1");
    assert_eq!(v["src_port"], 80);
    assert_eq!(v["dest_ip"], "10.0.0.2");
    assert_eq!(v["dest_port"], 1234);
    assert_eq!(v["proto"], "TCP");
    assert_eq!(v["ip_v"], 4);
    assert_eq!(v["pkt_src"], "wire/pcap");
    let a = v["alert"].as_object().unwrap();
    let at = line.find(r#""alert":{"#).unwrap() + 8;
    let akeys = ordered_keys(&line[at..line.find(r#","app_proto""#).unwrap()]);
    assert_eq!(
        akeys,
        [
            "action",
            "gid",
            "signature_id",
            "rev",
            "signature",
            "category",
            "severity",
            "metadata"
        ]
    );
    assert_eq!(a["action"], "allowed");
    assert_eq!(a["gid"], 1);
    assert_eq!(a["signature_id"], 2100498);
    assert_eq!(a["rev"], 7);
    assert_eq!(a["signature"], "GPL ATTACK_RESPONSE id check returned root");
    assert_eq!(a["category"], "Potentially Bad Traffic");
    assert_eq!(a["severity"], 2);
    assert_eq!(a["metadata"]["tag"], serde_json::json!(["a", "b"]));
    assert_eq!(v["app_proto"], "http");
    assert_eq!(v["direction"], "to_client");
    let fs = line.find(r#""flow":{"#).unwrap() + 7;
    let fkeys = ordered_keys(&line[fs..fs + line[fs..].find('}').unwrap() + 1]);
    assert_eq!(
        fkeys,
        [
            "pkts_toserver",
            "pkts_toclient",
            "bytes_toserver",
            "bytes_toclient",
            "start",
            "src_ip",
            "dest_ip",
            "src_port",
            "dest_port"
        ]
    );
    assert_eq!(v["payload"], "YWJj");
    assert_eq!(v["payload_printable"], "abc");
    assert_eq!(v["stream"], 0);
}

fn drop_record<'a>() -> DropRecord<'a> {
    let r = tcp_alert(&[]);
    DropRecord {
        header: r.header(),
        ip: DropIp::V4 {
            len: 60,
            tos: 0,
            ttl: 64,
            ipid: 4321,
        },
        l4: DropL4::Tcp {
            seq: 1000,
            ack: 0,
            win: 64240,
            flags: 0x02,
            res: 0,
            urgp: 0,
        },
        reason: Some("rules"),
        alert: Some(DropAlert {
            action: "blocked",
            gid: 1,
            sid: 1,
            rev: 1,
            signature: "drop it",
            category: "",
            severity: 3,
            owners: &[],
        }),
        ruleset: None,
    }
}

#[test]
fn drop_event_tcp() {
    let d = drop_record();
    assert_eq!(
        eve_line(|w| w.drop_event(&d).unwrap()),
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","flow_id":1601208607063484,"pcap_cnt":9,"#,
            r#""event_type":"drop","src_ip":"10.0.0.1","src_port":80,"dest_ip":"10.0.0.2","dest_port":1234,"#,
            r#""proto":"TCP","ip_v":4,"pkt_src":"wire/pcap","drop":{"len":60,"tos":0,"ttl":64,"ipid":4321,"#,
            r#""tcpseq":1000,"tcpack":0,"tcpwin":64240,"syn":true,"ack":false,"psh":false,"rst":false,"#,
            r#""urg":false,"fin":false,"tcpres":0,"tcpurgp":0,"reason":"rules"},"#,
            r#""alert":{"action":"blocked","gid":1,"signature_id":1,"rev":1,"signature":"drop it","#,
            r#""category":"","severity":3}}"#
        )
    );
}

#[test]
fn drop_event_names_the_rule_owners() {
    let owners = ["netsec".to_string(), "web-team".to_string()];
    let mut d = drop_record();
    if let Some(a) = &mut d.alert {
        a.owners = &owners;
    }
    let line = eve_line(|w| w.drop_event(&d).unwrap());
    assert!(
        line.ends_with(
            r#""category":"","severity":3,"metadata":{"owner":["netsec","web-team"]}}}"#
        ),
        "{line}"
    );
}

#[test]
fn drop_event_ipv6_udp_and_icmp() {
    let mut d = drop_record();
    d.ip = DropIp::V6 {
        len: 20,
        tc: 0,
        hoplimit: 64,
        flowlbl: 12345,
    };
    d.l4 = DropL4::Udp { len: 20 };
    d.reason = None;
    d.alert = None;
    let line = eve_line(|w| w.drop_event(&d).unwrap());
    assert!(
        line.ends_with(r#""drop":{"len":20,"tc":0,"hoplimit":64,"flowlbl":12345,"udplen":20}}"#),
        "{line}"
    );
    d.l4 = DropL4::Icmp { id: 7, seq: 9 };
    let line = eve_line(|w| w.drop_event(&d).unwrap());
    assert!(
        line.contains(r#""flowlbl":12345,"icmp_id":7,"icmp_seq":9}"#),
        "{line}"
    );
}

pub fn stats_snapshot() -> StatsSnapshot {
    StatsSnapshot {
        uptime: 9,
        capture: Some(CaptureStats {
            kernel_packets: 100,
            kernel_drops: 2,
            errors: 0,
        }),
        decoder: DecoderStats {
            pkts: 85043,
            bytes: 26735643,
            invalid: 211,
            ipv4: 79683,
            ipv6: 4806,
            ethernet: 85055,
            tcp: 57056,
            udp: 23281,
            icmpv4: 1067,
            icmpv6: 148,
            vlan: 1184,
            vlan_qinq: 133,
            events: vec![
                ("ipv4.trunc_pkt", 135),
                ("ipv4.opt_pad_required", 53),
                ("tcp.pkt_too_small", 1),
                ("ipv4.wrong_ip_version", 19),
            ],
        },
        flow: FlowStats {
            total: 7759,
            tcp: 4515,
            udp: 3190,
            icmpv4: 5,
            icmpv6: 36,
            memuse: Some(7497072),
        },
        detect: DetectStats {
            engines: vec![EngineStats {
                id: 0,
                last_reload: Timestamp {
                    secs: 1_700_000_000,
                    nanos: 442_664_000,
                },
                rules_loaded: 24824,
                rules_failed: 3,
                rules_skipped: 0,
            }],
            alert: 1062,
            alert_queue_overflow: 0,
            alerts_suppressed: 368,
        },
        counters: vec![
            ("app_layer.flow.http", 158),
            ("tcp.syn", 3487),
            ("flow.active", 0),
            ("app_layer.flow.failed_tcp", 228),
            ("decoder.arp", 526),
        ],
        texts: vec![],
    }
}

#[test]
fn stats_nesting_and_order() {
    let s = stats_snapshot();
    let line = eve_line(|w| w.stats(TS, &s).unwrap());
    assert_eq!(
        line,
        concat!(
            r#"{"timestamp":"2023-11-14T22:13:21.899448+0000","event_type":"stats","stats":{"uptime":9,"#,
            r#""capture":{"kernel_packets":100,"kernel_drops":2,"errors":0},"#,
            r#""decoder":{"pkts":85043,"bytes":26735643,"invalid":211,"ipv4":79683,"ipv6":4806,"#,
            r#""ethernet":85055,"tcp":57056,"udp":23281,"icmpv4":1067,"icmpv6":148,"vlan":1184,"#,
            r#""vlan_qinq":133,"event":{"ipv4":{"trunc_pkt":135,"opt_pad_required":53,"wrong_ip_version":19},"#,
            r#""tcp":{"pkt_too_small":1}},"arp":526},"#,
            r#""tcp":{"syn":3487},"#,
            r#""flow":{"total":7759,"tcp":4515,"udp":3190,"icmpv4":5,"icmpv6":36,"active":0,"memuse":7497072},"#,
            r#""detect":{"engines":[{"id":0,"last_reload":"2023-11-14T22:13:20.442664+0000","#,
            r#""rules_loaded":24824,"rules_failed":3,"rules_skipped":0}],"alert":1062,"#,
            r#""alert_queue_overflow":0,"alerts_suppressed":368},"#,
            r#""app_layer":{"flow":{"http":158,"failed_tcp":228}}}}"#
        )
    );
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["stats"]["decoder"]["event"]["ipv4"]["trunc_pkt"], 135);
}

#[test]
fn stats_minimal_and_conflicting_paths() {
    // A path through an existing leaf is ignored; a duplicate keeps the
    // first value; unknown sections follow the known ones.
    let s = StatsSnapshot {
        counters: vec![
            ("zzz.a", 1),
            ("uptime.x", 5),
            ("zzz.a", 2),
            ("flow.total", 99),
        ],
        ..Default::default()
    };
    let line = eve_line(|w| w.stats(Timestamp::default(), &s).unwrap());
    assert_eq!(
        line,
        concat!(
            r#"{"timestamp":"1970-01-01T00:00:00.000000+0000","event_type":"stats","stats":{"uptime":0,"#,
            r#""decoder":{"pkts":0,"bytes":0,"invalid":0,"ipv4":0,"ipv6":0,"ethernet":0,"tcp":0,"udp":0,"#,
            r#""icmpv4":0,"icmpv6":0,"vlan":0,"vlan_qinq":0},"#,
            r#""flow":{"total":0,"tcp":0,"udp":0,"icmpv4":0,"icmpv6":0},"#,
            r#""detect":{"engines":[],"alert":0,"alert_queue_overflow":0,"alerts_suppressed":0},"#,
            r#""zzz":{"a":1}}}"#
        )
    );
}

#[test]
fn writer_reuses_buffer_and_writes_lines() {
    let m = meta();
    let r = tcp_alert(&m);
    let mut w = EveWriter::new(Vec::new());
    for _ in 0..3 {
        w.alert(&r).unwrap();
    }
    w.flush().unwrap();
    let out = String::from_utf8(w.get_ref().clone()).unwrap();
    assert_eq!(out.lines().count(), 3);
    for l in out.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }
}

/// Top-level keys of a JSON object in document order.
fn ordered_keys(json: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut m: A,
                ) -> Result<Keys, A::Error> {
                    let mut k = Vec::new();
                    while let Some((key, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                        k.push(key);
                    }
                    Ok(Keys(k))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Keys>(json).unwrap().0
}

#[test]
fn drop_events_and_stats_name_the_ruleset() {
    let mut d = drop_record();
    d.ruleset = Some(RulesetTag {
        generation: 7,
        hash: "0123456789abcdef",
    });
    let line = eve_line(|w| w.drop_event(&d).unwrap());
    assert!(
        line.ends_with(
            r#""severity":3},"warden":{"ruleset":{"generation":7,"hash":"0123456789abcdef"}}}"#
        ),
        "{line}"
    );
    let s = StatsSnapshot {
        counters: vec![("warden.ruleset.generation", 7)],
        texts: vec![("warden.ruleset.hash", "0123456789abcdef".into())],
        ..Default::default()
    };
    let line = eve_line(|w| w.stats(Timestamp::default(), &s).unwrap());
    assert!(
        line.contains(r#""warden":{"ruleset":{"generation":7,"hash":"0123456789abcdef"}}"#),
        "{line}"
    );
}
