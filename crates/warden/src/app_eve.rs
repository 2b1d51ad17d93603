//! From app-layer state (warden-app) to EVE records (warden-output).
//!
//! The output crate knows nothing of parsers; the app crate knows nothing of
//! output. These functions are the bridge: each borrows the parser's data
//! and the envelope the pipeline knows (time, flow id, endpoints, packet
//! number) and returns a record ready for `EveWriter::{http, tls, dns}`.
//!
//! The envelope orientation follows Suricata: `http` and `tls` records show
//! the flow's client → server endpoints whichever packet completed the
//! transaction; `dns` records show the message's direction (a response goes
//! server → client). `pkt_src` defaults to `"wire/pcap"`; VLANs, `in_iface`
//! and flowbit names are left empty: set them on `record.header` when known
//! (e.g. `pkt_src = "stream (flow timeout)"` and `pcap_cnt = None` for
//! records written at flow end).

use std::borrow::Cow;
use std::net::SocketAddr;

use warden_app::dns::{names, DnsEvent, DnsRecord as AppDnsRecord, DnsTransaction, RData};
use warden_app::http::{HttpFile, HttpTx};
use warden_app::tls::TlsState;
use warden_output::{
    AppHeader, ContentRange, DnsAnswerEntry, DnsCode, DnsFields, DnsQueryEntry, DnsRData,
    DnsRecord, FileFields, FileinfoRecord, HttpFields, HttpRecord, Timestamp, TlsFields, TlsRecord,
};

fn header<'a>(
    ts: Timestamp,
    flow_id: u64,
    src: SocketAddr,
    dest: SocketAddr,
    proto: u8,
    pcap_cnt: Option<u64>,
) -> AppHeader<'a> {
    let mut h = AppHeader::new(
        ts,
        flow_id,
        (src.ip(), Some(src.port())),
        (dest.ip(), Some(dest.port())),
        proto,
    );
    h.pcap_cnt = pcap_cnt;
    h
}

/// The EVE `http` record of one transaction.
///
/// `client`/`server` are the flow's endpoints (the record always shows
/// client → server); `tx_id` is the transaction's number on the flow
/// (normally `tx.id()`); `pcap_cnt` the number of the packet that completed
/// (or flushed) the transaction, `None` when written at flow end.
#[allow(clippy::too_many_arguments)]
pub fn http_record<'a>(
    tx: &'a HttpTx,
    ts: Timestamp,
    flow_id: u64,
    client: SocketAddr,
    server: SocketAddr,
    proto: u8,
    pcap_cnt: Option<u64>,
    tx_id: u64,
) -> HttpRecord<'a> {
    let f = tx.eve_fields();
    HttpRecord {
        header: header(ts, flow_id, client, server, proto, pcap_cnt),
        tx_id,
        http: HttpFields {
            hostname: f.hostname,
            http_port: f.http_port,
            url: f.url,
            http_user_agent: f.http_user_agent,
            http_content_type: f.http_content_type,
            content_range: tx
                .header_value(false, b"content-range")
                .map(ContentRange::parse),
            http_refer: f.http_refer,
            http_method: f.http_method,
            protocol: f.protocol,
            status: f.status,
            redirect: f.redirect,
            length: Some(f.length),
        },
    }
}

/// The EVE `fileinfo` record of one file of an HTTP transaction. The
/// envelope follows the file: `server → client` for a response body,
/// `client → server` for a request body; the `http` object is the
/// transaction's, as in [`http_record`].
#[allow(clippy::too_many_arguments)]
pub fn fileinfo_record<'a>(
    tx: &'a HttpTx,
    file: &'a HttpFile,
    ts: Timestamp,
    flow_id: u64,
    client: SocketAddr,
    server: SocketAddr,
    proto: u8,
    pcap_cnt: Option<u64>,
) -> FileinfoRecord<'a> {
    let (src, dest) = if file.to_server() {
        (client, server)
    } else {
        (server, client)
    };
    let http = http_record(tx, ts, flow_id, client, server, proto, pcap_cnt, tx.id()).http;
    FileinfoRecord {
        header: header(ts, flow_id, src, dest, proto, pcap_cnt),
        http: Some(http),
        app_proto: "http",
        file: FileFields {
            filename: file.name(),
            sids: &[],
            gaps: file.has_gaps(),
            state: file.state().name(),
            md5: None,
            sha1: None,
            sha256: None,
            stored: false,
            size: file.size(),
            tx_id: tx.id(),
        },
    }
}

/// Keeps only the basic fields of an `http` object (hostname, port, url,
/// user agent), as Suricata logs `http` records without `extended: yes`.
/// Alerts' `http` objects always carry every field.
pub fn http_basic_only(h: &mut HttpFields<'_>) {
    *h = HttpFields {
        hostname: h.hostname,
        http_port: h.http_port,
        url: h.url,
        http_user_agent: h.http_user_agent,
        ..HttpFields::default()
    };
}

/// The EVE `tls` record of a flow's TLS session (TLS records carry no
/// `tx_id`). Endpoints as for [`http_record`].
pub fn tls_record<'a>(
    st: &'a TlsState,
    ts: Timestamp,
    flow_id: u64,
    client: SocketAddr,
    server: SocketAddr,
    proto: u8,
    pcap_cnt: Option<u64>,
) -> TlsRecord<'a> {
    let e = st.eve();
    TlsRecord {
        header: header(ts, flow_id, client, server, proto, pcap_cnt),
        tls: TlsFields {
            subject: e.subject,
            issuerdn: e.issuerdn,
            subjectaltname: e.subjectaltname,
            session_resumed: e.session_resumed,
            serial: e.serial,
            fingerprint: e.fingerprint,
            sni: e.sni,
            version: Cow::Owned(e.version),
            notbefore: e.notbefore.map(Cow::Owned),
            notafter: e.notafter.map(Cow::Owned),
            ja3: e.ja3,
            ja3s: e.ja3s,
            ja4: e.ja4,
            client_alpns: e.client_alpns,
            server_alpns: e.server_alpns,
            client: None,
            from_proto: None,
        },
    }
}

/// The EVE `dns` record of one DNS message (Suricata 8 logs requests and
/// responses as separate transactions). The envelope follows the message:
/// `client → server` for a request, `server → client` for a response. The
/// record's `tx_id` is `tx.tx_id`.
pub fn dns_record<'a>(
    tx: &'a DnsTransaction,
    ts: Timestamp,
    flow_id: u64,
    client: SocketAddr,
    server: SocketAddr,
    proto: u8,
    pcap_cnt: Option<u64>,
) -> DnsRecord<'a> {
    let (src, dest) = if tx.to_server {
        (client, server)
    } else {
        (server, client)
    };
    let m = &tx.message;
    let long = tx.has_event(DnsEvent::NameTooLong) || m.events.contains(&DnsEvent::NameTooLong);
    let truncated = |name: &[u8]| long && name.len() > TRUNCATED_MIN_LEN;
    let section = |rrs: &'a [AppDnsRecord]| -> Vec<DnsAnswerEntry<'a>> {
        rrs.iter()
            .map(|r| {
                let (rdata, rdata_name) = rdata(r);
                DnsAnswerEntry {
                    rrname: &r.name,
                    rrtype: rrtype_code(r.rrtype),
                    rrname_truncated: truncated(&r.name),
                    ttl: r.ttl,
                    rdata,
                    rdata_truncated: rdata_name.is_some_and(truncated),
                }
            })
            .collect()
    };
    DnsRecord {
        header: header(ts, flow_id, src, dest, proto, pcap_cnt),
        dns: DnsFields {
            is_request: tx.to_server,
            tx_id: tx.tx_id,
            id: tx.id(),
            flags: m.header.flags,
            opcode: tx.opcode(),
            rcode: DnsCode {
                code: u16::from(tx.rcode()),
                name: names::rcode_name(u16::from(tx.rcode())),
            },
            queries: m
                .queries
                .iter()
                .map(|q| DnsQueryEntry {
                    rrname: &q.name,
                    rrtype: rrtype_code(q.rrtype),
                    rrname_truncated: truncated(&q.name),
                })
                .collect(),
            answers: section(&m.answers),
            authorities: section(&m.authorities),
            additionals: section(&m.additionals),
        },
    }
}

/// The parser keeps at most `MAX_NAME_LEN` bytes of a name and drops whole
/// labels past it, so a cut name is longer than this; it does not say which
/// name of a message was cut, only that one was (`name_too_long`), so a name
/// of a flagged message that is this long counts as cut.
const TRUNCATED_MIN_LEN: usize = warden_app::dns::parser::MAX_NAME_LEN - 64;

/// A record type as Suricata 8 names it in EVE: the app crate's name,
/// except for the types Suricata's table lacks (IXFR, AXFR, MAILB, SVCB,
/// TA, DLV), which it prints as numbers (the reference output shows
/// `"rrtype":"252"` for AXFR).
fn rrtype_code(t: u16) -> DnsCode {
    let name = match t {
        64 | 251 | 252 | 253 | 32768 | 32769 => None,
        _ => names::rrtype_name(t),
    };
    DnsCode { code: t, name }
}

/// The data of a record as EVE logs it, and the domain name in it that can
/// carry `rdata_truncated` (CNAME, NS, PTR, MX).
fn rdata(r: &AppDnsRecord) -> (DnsRData<'_>, Option<&[u8]>) {
    match &r.data {
        RData::A(a) => (DnsRData::A(*a), None),
        RData::Aaaa(a) => (DnsRData::Aaaa(*a), None),
        // DNAME is decoded as a name too, but Suricata logs no data for it.
        RData::Name(n) if matches!(r.rrtype, 2 | 5 | 12) => (DnsRData::Bytes(n), Some(n)),
        RData::Name(_) => (DnsRData::None, None),
        RData::Mx { exchange, .. } => (DnsRData::Bytes(exchange), Some(exchange)),
        RData::Txt(parts) => (DnsRData::Txt(parts), None),
        RData::Soa(s) => (
            DnsRData::Soa {
                mname: &s.mname,
                rname: &s.rname,
                serial: s.serial,
                refresh: s.refresh,
                retry: s.retry,
                expire: s.expire,
                minimum: s.minimum,
            },
            None,
        ),
        RData::Srv {
            priority,
            weight,
            port,
            name,
        } => (
            DnsRData::Srv {
                priority: *priority,
                weight: *weight,
                port: *port,
                name,
            },
            None,
        ),
        RData::Opt(o) => (DnsRData::Opt(o), None),
        RData::Raw(raw) if r.rrtype == 10 => (DnsRData::Bytes(raw), None),
        RData::Raw(_) => (DnsRData::None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use warden_app::dns::DnsState;
    use warden_app::http::{HttpConfig, HttpParser};
    use warden_output::{render_dns, render_http, render_tls};

    const TS: Timestamp = Timestamp {
        secs: 1_700_000_000,
        nanos: 123_456_000,
    };

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn json(render: impl FnOnce(&mut Vec<u8>)) -> (String, Value) {
        let mut v = Vec::new();
        render(&mut v);
        let s = String::from_utf8(v).unwrap();
        let j = serde_json::from_str(&s).unwrap();
        (s, j)
    }

    #[test]
    fn http_exchange() {
        let mut p = HttpParser::new(HttpConfig::default());
        p.parse(
            true,
            b"GET /video.mp4?x=1 HTTP/1.1\r\nHost: Media.Example.com:8080\r\n\
              User-Agent: curl/8.4.0\r\nReferer: http://a.example/\r\n\r\n",
            1,
        );
        p.parse(
            false,
            b"HTTP/1.1 206 Partial Content\r\nContent-Type: video/mp4; q=1\r\n\
              Content-Range: bytes 0-4/100\r\nLocation: /elsewhere\r\n\
              Content-Length: 5\r\n\r\nhello",
            2,
        );
        let tx = p.txs().next().unwrap();
        let r = http_record(
            tx,
            TS,
            77,
            sa("10.0.0.1:40000"),
            sa("10.0.0.2:8080"),
            6,
            Some(4),
            tx.id(),
        );
        let (line, _) = json(|o| render_http(o, &r));
        assert_eq!(
            line,
            concat!(
                r#"{"timestamp":"2023-11-14T22:13:20.123456+0000","flow_id":77,"pcap_cnt":4,"#,
                r#""event_type":"http","src_ip":"10.0.0.1","src_port":40000,"dest_ip":"10.0.0.2","#,
                r#""dest_port":8080,"proto":"TCP","ip_v":4,"pkt_src":"wire/pcap","tx_id":0,"#,
                r#""http":{"hostname":"media.example.com","http_port":8080,"url":"/video.mp4?x=1","#,
                r#""http_user_agent":"curl/8.4.0","http_content_type":"video/mp4","#,
                r#""content_range":{"raw":"bytes 0-4/100","start":0,"end":4,"size":100},"#,
                r#""http_refer":"http://a.example/","http_method":"GET","protocol":"HTTP/1.1","#,
                r#""status":206,"redirect":"/elsewhere","length":5}}"#
            )
        );
    }

    // --- TLS: the same hand-built messages as crates/app/tests/tls.rs.

    const CERT: &[u8] = include_bytes!("../../app/tests/data/tls-test-cert.der");

    fn u16b(v: u16) -> [u8; 2] {
        v.to_be_bytes()
    }

    fn ext(t: u16, body: &[u8]) -> Vec<u8> {
        let mut v = u16b(t).to_vec();
        v.extend(u16b(body.len() as u16));
        v.extend(body);
        v
    }

    fn list16(items: &[u16]) -> Vec<u8> {
        let mut v = u16b((items.len() * 2) as u16).to_vec();
        for i in items {
            v.extend(u16b(*i));
        }
        v
    }

    fn handshake(t: u8, body: &[u8]) -> Vec<u8> {
        let l = body.len() as u32;
        let mut v = vec![t, (l >> 16) as u8, (l >> 8) as u8, l as u8];
        v.extend(body);
        v
    }

    fn record(t: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![t, 3, 1];
        v.extend(u16b(body.len() as u16));
        v.extend(body);
        v
    }

    fn client_hello() -> Vec<u8> {
        let mut b = u16b(0x0303).to_vec();
        b.extend([0x11; 32]);
        b.push(0);
        b.extend(list16(&[0x0a0a, 0x1301, 0x1302, 0xc02b, 0x002f]));
        b.extend([1, 0]);
        let mut exts = ext(0x1a1a, &[]);
        let host = b"example.com";
        let mut sni = u16b((host.len() + 3) as u16).to_vec();
        sni.push(0);
        sni.extend(u16b(host.len() as u16));
        sni.extend(host);
        exts.extend(ext(0x0000, &sni));
        exts.extend(ext(0x000a, &list16(&[0x2a2a, 0x001d, 0x0017])));
        exts.extend(ext(0x000b, &[1, 0]));
        exts.extend(ext(0x000d, &list16(&[0x0403, 0x0804, 0x0401])));
        let mut alpn = Vec::new();
        for p in [&b"h2"[..], b"http/1.1"] {
            alpn.push(p.len() as u8);
            alpn.extend(p);
        }
        let mut alpn_body = u16b(alpn.len() as u16).to_vec();
        alpn_body.extend(alpn);
        exts.extend(ext(0x0010, &alpn_body));
        exts.extend(ext(0x002b, &[6, 0x3a, 0x3a, 3, 4, 3, 3]));
        exts.extend(ext(0x0017, &[]));
        b.extend(u16b(exts.len() as u16));
        b.extend(exts);
        record(22, &handshake(1, &b))
    }

    /// TLS 1.2 ServerHello (c02f, renegotiation info + point formats),
    /// Certificate, ServerHelloDone, then ChangeCipherSpec.
    fn server_flight() -> Vec<u8> {
        let mut sh = u16b(0x0303).to_vec();
        sh.extend([0x22; 32]);
        sh.push(0);
        sh.extend(u16b(0xc02f));
        sh.push(0);
        let mut e = ext(0xff01, &[0]);
        e.extend(ext(0x000b, &[1, 0]));
        sh.extend(u16b(e.len() as u16));
        sh.extend(e);
        let l = CERT.len() as u32;
        let mut chain = vec![(l >> 16) as u8, (l >> 8) as u8, l as u8];
        chain.extend(CERT);
        let cl = chain.len() as u32;
        let mut cert = vec![(cl >> 16) as u8, (cl >> 8) as u8, cl as u8];
        cert.extend(chain);
        let mut hs = handshake(2, &sh);
        hs.extend(handshake(11, &cert));
        hs.extend(handshake(14, &[]));
        let mut v = record(22, &hs);
        v.extend(record(20, &[1]));
        v
    }

    #[test]
    fn tls_client_and_server_hello() {
        let mut st = TlsState::new();
        st.parse(true, &client_hello());
        st.parse(false, &server_flight());
        let r = tls_record(
            &st,
            TS,
            9,
            sa("[2001:db8::1]:50000"),
            sa("[2001:db8::2]:443"),
            6,
            Some(6),
        );
        let (line, v) = json(|o| render_tls(o, &r));
        assert!(
            line.contains(concat!(
                r#""src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","src_port":50000,"#,
                r#""dest_ip":"2001:0db8:0000:0000:0000:0000:0000:0002","dest_port":443,"#,
                r#""proto":"TCP","ip_v":6,"pkt_src":"wire/pcap","tls":{"#
            )),
            "{line}"
        );
        assert!(!line.contains("tx_id"));
        let t = &v["tls"];
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = [
            "subject",
            "issuerdn",
            "subjectaltname",
            "serial",
            "fingerprint",
            "sni",
            "version",
            "notbefore",
            "notafter",
            "ja3",
            "ja3s",
            "ja4",
            "client_alpns",
        ];
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{line}");
        assert_eq!(t["subject"], "C=US, O=Warden Test, CN=test.example");
        assert_eq!(t["subjectaltname"][1], "www.test.example");
        assert_eq!(t["serial"], "0A:F0:6C:DA:37");
        assert_eq!(t["sni"], "example.com");
        assert_eq!(t["version"], "TLS 1.2");
        assert_eq!(t["notbefore"], "2026-12-03T17:32:30");
        assert_eq!(t["ja3"]["hash"], "45b820e6a97de67eb7e92dde7d24edb4");
        assert_eq!(t["ja3s"]["string"], "771,49199,65281-11");
        assert_eq!(t["ja4"], "t13d0407h2_52f89ac5ce33_1fdf4de06b7e");
        assert_eq!(t["client_alpns"], serde_json::json!(["h2", "http/1.1"]));
        // Suricata's key order inside "tls".
        let order = [
            "\"subject\"",
            "\"issuerdn\"",
            "\"subjectaltname\"",
            "\"serial\"",
            "\"fingerprint\"",
            "\"sni\"",
            "\"version\"",
            "\"notbefore\"",
            "\"notafter\"",
            "\"ja3\"",
            "\"ja3s\"",
            "\"ja4\"",
            "\"client_alpns\"",
        ];
        let pos: Vec<usize> = order.iter().map(|k| line.find(k).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{line}");
    }

    // --- DNS

    fn name(n: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for l in n.split('.').filter(|l| !l.is_empty()) {
            v.push(l.len() as u8);
            v.extend_from_slice(l.as_bytes());
        }
        v.push(0);
        v
    }

    fn dns_header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [id, flags, counts[0], counts[1], counts[2], counts[3]] {
            v.extend(w.to_be_bytes());
        }
        v
    }

    #[test]
    fn dns_query_and_answer() {
        // Query www.example.com A with an EDNS OPT (cookie); response with
        // a CNAME (compressed), an A, a two-string TXT and an OPT without
        // options.
        let mut q = dns_header(0x1234, 0x0120, [1, 0, 0, 1]);
        q.extend(name("www.example.com"));
        q.extend([0, 1, 0, 1]);
        q.extend([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8]);
        q.extend([0x3f, 0x7a, 0xda, 0x4e, 0xbb, 0x6b, 0x98, 0x96]);

        let mut a = dns_header(0x1234, 0x8180, [1, 3, 0, 1]);
        a.extend(name("www.example.com"));
        a.extend([0, 1, 0, 1]);
        a.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44]);
        let rdata = [3, b'w', b'e', b'b', 0xc0, 16];
        a.extend((rdata.len() as u16).to_be_bytes());
        let web_at = a.len() as u8;
        a.extend(rdata);
        a.extend([
            0xc0, web_at, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34,
        ]);
        a.extend([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 8]);
        a.extend([3, b'a', b'b', b'c', 3, b'd', 0xe9, b'f']);
        a.extend([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);

        let mut st = DnsState::new();
        assert_eq!(st.parse_udp(true, &q).new_txs, 1);
        assert_eq!(st.parse_udp(false, &a).new_txs, 1);
        let (client, server) = (sa("192.168.1.2:5353"), sa("192.168.1.1:53"));
        let txs = st.transactions();

        let req = dns_record(&txs[0], TS, 5, client, server, 17, Some(1));
        let (line, _) = json(|o| render_dns(o, &req));
        assert!(
            line.ends_with(concat!(
                r#""src_ip":"192.168.1.2","src_port":5353,"dest_ip":"192.168.1.1","dest_port":53,"#,
                r#""proto":"UDP","ip_v":4,"pkt_src":"wire/pcap","#,
                r#""dns":{"version":3,"type":"request","tx_id":0,"id":4660,"flags":"120","rd":true,"#,
                r#""opcode":0,"rcode":"NOERROR","queries":[{"rrname":"www.example.com","rrtype":"A"}],"#,
                r#""additionals":[{"rrname":"","rrtype":"OPT","ttl":0,"#,
                r#""opt":[{"code":10,"data":"3f7ada4ebb6b9896"}]}]}}"#
            )),
            "{line}"
        );

        let resp = dns_record(&txs[1], TS, 5, client, server, 17, Some(2));
        let (line, _) = json(|o| render_dns(o, &resp));
        assert!(
            line.ends_with(concat!(
                r#""src_ip":"192.168.1.1","src_port":53,"dest_ip":"192.168.1.2","dest_port":5353,"#,
                r#""proto":"UDP","ip_v":4,"pkt_src":"wire/pcap","#,
                r#""dns":{"version":3,"type":"response","tx_id":1,"id":4660,"flags":"8180","#,
                r#""qr":true,"rd":true,"ra":true,"opcode":0,"rcode":"NOERROR","#,
                r#""queries":[{"rrname":"www.example.com","rrtype":"A"}],"#,
                r#""answers":[{"rrname":"www.example.com","rrtype":"CNAME","ttl":300,"#,
                r#""rdata":"web.example.com"},"#,
                r#"{"rrname":"web.example.com","rrtype":"A","ttl":60,"rdata":"93.184.216.34"},"#,
                r#"{"rrname":"www.example.com","rrtype":"TXT","ttl":5,"rdata":"abc"},"#,
                r#"{"rrname":"www.example.com","rrtype":"TXT","ttl":5,"rdata":"d\\xe9f"}],"#,
                r#""grouped":{"CNAME":["web.example.com"],"A":["93.184.216.34"],"#,
                r#""TXT":["abc","d\\xe9f"]}}}"#
            )),
            "{line}"
        );
    }

    #[test]
    fn dns_type_names_follow_suricata() {
        assert_eq!(rrtype_code(252).name, None);
        assert_eq!(rrtype_code(1).name, Some("A"));
        assert_eq!(rrtype_code(65).name, Some("HTTPS"));
        assert_eq!(rrtype_code(38).name, Some("A6"));
        assert_eq!(rrtype_code(116).name, None);
    }
}
