//! Checks that every key the writers emit for `alert`, `drop` and `stats`
//! events exists in Suricata's EVE JSON schema, when the schema is present
//! at `/work/shared/corpus/suricata-verify/_defaults/eve-schema.json` (or at
//! `$WARDEN_EVE_SCHEMA`). Skips with a message otherwise.
//!
//! The warden-only `warden` object (ruleset tag) is not in Suricata's
//! schema by design and is not emitted here.

use std::net::IpAddr;

use serde_json::Value;
use warden_output::{
    AlertRecord, CaptureStats, DecoderStats, DetectStats, DropAlert, DropIp, DropL4, DropRecord,
    EngineStats, EveWriter, FlowStats, FlowSummary, SourceTarget, StatsSnapshot, Timestamp,
};

fn load_schema() -> Option<Value> {
    let path = std::env::var("WARDEN_EVE_SCHEMA").unwrap_or_else(|_| {
        "/work/shared/corpus/suricata-verify/_defaults/eve-schema.json".to_string()
    });
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(serde_json::from_str(&s).expect("schema is JSON")),
        Err(e) => {
            println!("skipping schema check: cannot read {path}: {e}");
            None
        }
    }
}

/// Resolves a local `$ref` (`#/$defs/...`).
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let mut cur = root;
        for part in r.trim_start_matches("#/").split('/') {
            cur = &cur[part];
        }
        node = cur;
    }
    node
}

/// Walks `value` against `schema`, collecting paths of keys the schema does
/// not declare (objects with `additionalProperties: true` or no
/// `properties` accept anything).
fn check(root: &Value, schema: &Value, value: &Value, path: &str, missing: &mut Vec<String>) {
    let schema = resolve(root, schema);
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let open = schema.get("additionalProperties") == Some(&Value::Bool(true));
            let Some(props) = props else { return };
            for (k, v) in map {
                match props.get(k) {
                    Some(sub) => check(root, sub, v, &format!("{path}.{k}"), missing),
                    None if open => {}
                    None => missing.push(format!("{path}.{k}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(root, item_schema, v, &format!("{path}[{i}]"), missing);
                }
            }
        }
        _ => {}
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn lines() -> Vec<String> {
    let ts = Timestamp {
        secs: 1_700_000_000,
        nanos: 0,
    };
    let meta = vec![("created_at".to_string(), vec!["2020_01_01".to_string()])];
    let mut a = AlertRecord::new(ts, ip("10.0.0.1"), ip("10.0.0.2"), 6, 1, 1, 1, "m");
    a.flow_id = Some(1);
    a.pcap_cnt = Some(1);
    a.in_iface = Some("eth0");
    a.vlan = &[1, 2];
    a.src_port = Some(1);
    a.dest_port = Some(2);
    a.tx_id = Some(0);
    a.app_proto = Some("http");
    a.direction = Some("to_server");
    a.metadata = &meta;
    a.source_target = Some(SourceTarget {
        source: warden_output::Endpoint {
            ip: ip("10.0.0.1"),
            port: Some(1),
        },
        target: warden_output::Endpoint {
            ip: ip("10.0.0.2"),
            port: Some(2),
        },
    });
    a.flow = Some(FlowSummary {
        pkts_toserver: 1,
        pkts_toclient: 1,
        bytes_toserver: 1,
        bytes_toclient: 1,
        start: ts,
        src_ip: ip("10.0.0.1"),
        dest_ip: ip("10.0.0.2"),
        src_port: Some(1),
        dest_port: Some(2),
    });
    a.payload = Some(b"x");
    a.payload_printable = true;
    a.packet = Some(b"y");
    let mut icmp = AlertRecord::new(ts, ip("::1"), ip("::2"), 58, 1, 2, 1, "i");
    icmp.icmp_type = Some(128);
    icmp.icmp_code = Some(0);

    let owners = ["netsec".to_string()];
    let mut d = DropRecord {
        header: a.header(),
        ip: DropIp::V4 {
            len: 1,
            tos: 1,
            ttl: 1,
            ipid: 1,
        },
        l4: DropL4::Tcp {
            seq: 1,
            ack: 1,
            win: 1,
            flags: 0x3f,
            res: 0,
            urgp: 0,
        },
        reason: Some("rules"),
        alert: Some(DropAlert {
            action: "blocked",
            gid: 1,
            sid: 1,
            rev: 1,
            signature: "m",
            category: "c",
            severity: 1,
            owners: &owners,
        }),
        ruleset: None,
    };
    let s = StatsSnapshot {
        uptime: 1,
        capture: Some(CaptureStats::default()),
        decoder: DecoderStats {
            events: vec![
                ("ipv4.trunc_pkt", 1),
                ("ipv6.trunc_pkt", 1),
                ("tcp.pkt_too_small", 1),
            ],
            ..Default::default()
        },
        flow: FlowStats {
            memuse: Some(1),
            ..Default::default()
        },
        detect: DetectStats {
            engines: vec![EngineStats::default()],
            ..Default::default()
        },
        counters: vec![],
        texts: vec![],
    };

    let mut w = EveWriter::new(Vec::new());
    w.alert(&a).unwrap();
    w.alert(&icmp).unwrap();
    w.drop_event(&d).unwrap();
    d.ip = DropIp::V6 {
        len: 1,
        tc: 1,
        hoplimit: 1,
        flowlbl: 1,
    };
    d.l4 = DropL4::Udp { len: 1 };
    w.drop_event(&d).unwrap();
    d.l4 = DropL4::Icmp { id: 1, seq: 1 };
    w.drop_event(&d).unwrap();
    w.stats(ts, &s).unwrap();
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    out.lines().map(str::to_string).collect()
}

#[test]
fn emitted_keys_exist_in_eve_schema() {
    let Some(schema) = load_schema() else { return };
    let mut missing = Vec::new();
    let mut types = Vec::new();
    for l in lines() {
        let v: Value = serde_json::from_str(&l).unwrap();
        types.push(v["event_type"].as_str().unwrap().to_string());
        check(&schema, &schema, &v, "", &mut missing);
    }
    assert_eq!(types, ["alert", "alert", "drop", "drop", "drop", "stats"]);
    assert!(
        missing.is_empty(),
        "keys not in the EVE schema: {missing:?}"
    );
}

#[test]
fn checker_reports_unknown_keys() {
    let Some(schema) = load_schema() else { return };
    let v: Value =
        serde_json::from_str(r#"{"alert":{"nope":1},"stats":{"decoder":{"zz":1}}}"#).unwrap();
    let mut missing = Vec::new();
    check(&schema, &schema, &v, "", &mut missing);
    assert_eq!(missing, [".alert.nope", ".stats.decoder.zz"]);
}

/// Every key of maximal `http`, `tls` and `dns` events (every optional
/// field set) is declared in the schema.
#[test]
fn app_event_keys_exist_in_eve_schema() {
    use std::borrow::Cow;
    use warden_output::{
        AppHeader, ContentRange, DnsAnswerEntry, DnsCode, DnsFields, DnsQueryEntry, DnsRData,
        DnsRecord, HttpFields, HttpRecord, TlsClientCert, TlsFields, TlsRecord,
    };
    let Some(schema) = load_schema() else { return };
    let ts = Timestamp {
        secs: 1_700_000_000,
        nanos: 0,
    };
    let flowbits = ["a"];
    let mut h = AppHeader::new(
        ts,
        1,
        (ip("10.0.0.1"), Some(1)),
        (ip("10.0.0.2"), Some(2)),
        6,
    );
    h.pcap_cnt = Some(1);
    h.in_iface = Some("eth0");
    h.vlan = &[1];
    h.flowbits = &flowbits;
    let b: &[u8] = b"x";
    let http = HttpRecord {
        header: h,
        tx_id: 0,
        http: HttpFields {
            hostname: Some(b),
            http_port: Some(1),
            url: Some(b),
            http_user_agent: Some(b),
            http_content_type: Some(b),
            content_range: Some(ContentRange::parse(b"bytes 0-1/2")),
            http_refer: Some(b),
            http_method: Some(b),
            protocol: Some(b),
            status: Some(200),
            redirect: Some(b),
            length: Some(1),
        },
    };
    let san = vec!["x".to_string()];
    let alpn = vec![b"h2".to_vec()];
    let tls = TlsRecord {
        header: h,
        tls: TlsFields {
            subject: Some("x"),
            issuerdn: Some("x"),
            subjectaltname: &san,
            session_resumed: true,
            serial: Some("x"),
            fingerprint: Some("x"),
            sni: Some(b),
            version: Cow::Borrowed("TLS 1.2"),
            notbefore: Some(Cow::Borrowed("x")),
            notafter: Some(Cow::Borrowed("x")),
            ja3: Some(("x", "x")),
            ja3s: Some(("x", "x")),
            ja4: Some("x"),
            client_alpns: &alpn,
            server_alpns: &alpn,
            client: Some(TlsClientCert {
                subject: Some("x"),
                issuerdn: Some("x"),
                fingerprint: Some("x"),
                serial: Some("x"),
                notbefore: Some(Cow::Borrowed("x")),
                notafter: Some(Cow::Borrowed("x")),
            }),
            from_proto: Some("http"),
        },
    };
    let code = |c, n| DnsCode {
        code: c,
        name: Some(n),
    };
    let opts = vec![(10u16, vec![1u8])];
    let txt = vec![b"t".to_vec()];
    // `rrname_truncated` / `rdata_truncated` of answers are written by
    // Suricata 8 (the reference output has them) but are not in its schema.
    let rr = |rrtype, rdata| DnsAnswerEntry {
        rrname: b,
        rrtype,
        rrname_truncated: false,
        ttl: 1,
        rdata,
        rdata_truncated: false,
    };
    let dns = DnsRecord {
        header: h,
        dns: DnsFields {
            is_request: false,
            tx_id: 0,
            id: 1,
            flags: 0xffff,
            opcode: 0,
            rcode: code(0, "NOERROR"),
            queries: vec![DnsQueryEntry {
                rrname: b,
                rrtype: code(1, "A"),
                rrname_truncated: true,
            }],
            answers: vec![
                rr(code(1, "A"), DnsRData::A([1, 2, 3, 4])),
                rr(code(28, "AAAA"), DnsRData::Aaaa([0; 16])),
                rr(code(5, "CNAME"), DnsRData::Bytes(b)),
                rr(code(16, "TXT"), DnsRData::Txt(&txt)),
                rr(
                    code(33, "SRV"),
                    DnsRData::Srv {
                        priority: 1,
                        weight: 1,
                        port: 1,
                        name: b,
                    },
                ),
            ],
            authorities: vec![rr(
                code(6, "SOA"),
                DnsRData::Soa {
                    mname: b,
                    rname: b,
                    serial: 1,
                    refresh: 1,
                    retry: 1,
                    expire: 1,
                    minimum: 1,
                },
            )],
            additionals: vec![rr(code(41, "OPT"), DnsRData::Opt(&opts))],
        },
    };
    let mut w = EveWriter::new(Vec::new());
    w.http(&http).unwrap();
    w.tls(&tls).unwrap();
    w.dns(&dns).unwrap();
    let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let mut missing = Vec::new();
    for l in out.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        check(&schema, &schema, &v, "", &mut missing);
    }
    assert!(
        missing.is_empty(),
        "keys not in the EVE schema: {missing:?}"
    );
}
