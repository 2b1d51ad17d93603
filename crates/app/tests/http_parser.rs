//! HTTP parser tests over real-world conversation shapes, each replayed
//! under several segmentations (whole, and cut at every chunk size).

use std::io::Write;

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use warden_app::http::replay::{replay, replay_streams, Step};
use warden_app::http::{HttpConfig, HttpEvent, HttpParser, HttpTx, ParseResult, Progress};

fn cfg() -> HttpConfig {
    HttpConfig::default()
}

fn txs(p: &HttpParser) -> Vec<&HttpTx> {
    p.txs().collect()
}

fn s(v: Option<&[u8]>) -> Option<&str> {
    v.map(|b| std::str::from_utf8(b).unwrap())
}

/// Runs `check` on the parser after replaying with chunk sizes 0 (whole),
/// 1, 2, 3, 5, 7, 13 and 64.
fn each_split(req: &[u8], resp: &[u8], check: impl Fn(&HttpParser)) {
    for chunk in [0, 1, 2, 3, 5, 7, 13, 64] {
        let p = replay_streams(cfg(), req, resp, chunk);
        check(&p);
    }
}

#[test]
fn simple_get() {
    let req = b"GET /index.html HTTP/1.1\r\nHost: www.Example.com:8080\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\nCookie: a=1\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\nSet-Cookie: s=2\r\n\r\nhello";
    each_split(req, resp, |p| {
        let t = txs(p);
        assert_eq!(t.len(), 1);
        let tx = t[0];
        assert!(tx.is_complete());
        assert_eq!(s(tx.method()), Some("GET"));
        assert_eq!(s(tx.uri()), Some("/index.html"));
        assert_eq!(s(tx.uri_raw()), Some("/index.html"));
        assert_eq!(s(tx.protocol(true)), Some("HTTP/1.1"));
        assert_eq!(s(tx.request_line()), Some("GET /index.html HTTP/1.1"));
        assert_eq!(s(tx.host()), Some("www.example.com"));
        assert_eq!(s(tx.host_raw()), Some("www.Example.com:8080"));
        assert_eq!(tx.host_port(), Some(8080));
        assert_eq!(s(tx.user_agent()), Some("curl/8.4.0"));
        assert_eq!(s(tx.accept()), Some("*/*"));
        assert_eq!(s(tx.cookie(true)), Some("a=1"));
        assert_eq!(
            s(tx.header(true)),
            Some("Host: www.Example.com:8080\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n\r\n")
        );
        assert_eq!(
            s(tx.header_names(true)),
            Some("\r\nHost\r\nUser-Agent\r\nAccept\r\nCookie\r\n\r\n")
        );
        assert_eq!(
            s(tx.header_raw(true)),
            Some(std::str::from_utf8(&req[26..]).unwrap())
        );
        assert!(s(tx.start(true))
            .unwrap()
            .starts_with("GET /index.html HTTP/1.1\r\nHost: "));
        assert!(s(tx.start(true)).unwrap().ends_with("Cookie: a=1\r\n\r\n"));
        assert_eq!(tx.request_body(), Some(&b""[..]));
        assert_eq!(s(tx.stat_code()), Some("200"));
        assert_eq!(s(tx.stat_msg()), Some("OK"));
        assert_eq!(s(tx.response_line()), Some("HTTP/1.1 200 OK"));
        assert_eq!(s(tx.protocol(false)), Some("HTTP/1.1"));
        assert_eq!(s(tx.server()), Some("nginx"));
        assert_eq!(s(tx.cookie(false)), Some("s=2"));
        assert!(!s(tx.header(false)).unwrap().contains("Set-Cookie"));
        assert_eq!(s(tx.content_len(false)), Some("5"));
        assert_eq!(s(tx.response_body()), Some("hello"));
        assert!(tx.events().is_empty(), "{:?}", tx.events());
        let eve = tx.eve_fields();
        assert_eq!(s(eve.hostname), Some("www.example.com"));
        assert_eq!(eve.http_port, Some(8080));
        assert_eq!(s(eve.url), Some("/index.html"));
        assert_eq!(s(eve.http_content_type), Some("text/html"));
        assert_eq!(s(eve.http_method), Some("GET"));
        assert_eq!(eve.status, Some(200));
        assert_eq!(eve.length, 5);
    });
}

#[test]
fn post_with_content_length() {
    let req = b"POST /submit HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nhello=world";
    let resp = b"HTTP/1.1 204 No Content\r\n\r\n";
    each_split(req, resp, |p| {
        let tx = txs(p)[0];
        assert_eq!(s(tx.request_body()), Some("hello=world"));
        assert_eq!(
            s(tx.content_type(true)),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(tx.request_progress(), Progress::Complete);
        assert_eq!(tx.response_progress(), Progress::Complete);
        assert_eq!(tx.status(), Some(204));
    });
}

#[test]
fn chunked_request_and_response_every_split() {
    let req = b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    for chunk in 1..=req.len().max(resp.len()) {
        let p = replay_streams(cfg(), req, resp, chunk);
        let t = txs(&p);
        assert_eq!(t.len(), 2, "chunk {chunk}");
        assert_eq!(s(t[0].request_body()), Some("hello world"), "chunk {chunk}");
        assert!(t[0].has_event(HttpEvent::RequestChunkExtension));
        assert_eq!(
            s(t[0].response_body()),
            Some("0123456789!"),
            "chunk {chunk}"
        );
        assert_eq!(t[0].response_body_len(), 11);
        assert_eq!(s(t[1].uri()), Some("/next"));
        assert_eq!(t[1].status(), Some(404));
        assert!(t[1].is_complete());
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_and_deflate_bodies() {
    let plain = b"<html><body>compressed body text, compressed body text</body></html>".repeat(20);
    let gz = gzip(&plain);
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    resp.extend_from_slice(&gz);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&plain).unwrap();
    let z = z.finish().unwrap();
    // Deflate, chunked, until the second request.
    resp.extend_from_slice(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            z.len()
        )
        .as_bytes(),
    );
    resp.extend_from_slice(&z);
    resp.extend_from_slice(b"\r\n0\r\n\r\n");
    let req = b"GET /a HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    each_split(req, &resp, |p| {
        let t = txs(p);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].response_body(), Some(&plain[..]));
        assert_eq!(t[0].response_body_len(), gz.len() as u64);
        assert_eq!(s(t[0].accept_enc()), Some("gzip, deflate"));
        assert_eq!(t[1].response_body(), Some(&plain[..]));
        assert!(t[0].events().is_empty() && t[1].events().is_empty());
    });
}

#[test]
fn corrupt_gzip_raises_event() {
    let req = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n\x1f\x8b\x08\x00not-a-gzip-stream";
    let p = replay_streams(cfg(), req, resp, 0);
    assert!(txs(&p)[0].has_event(HttpEvent::GzipDecompressionFailed));
}

#[test]
fn too_many_content_codings_are_flagged_and_not_read() {
    let req = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let plain = b"plain text";
    let gz = gzip(plain);
    let resp = |ce: &str| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: {ce}\r\nContent-Length: {}\r\n\r\n",
            gz.len()
        )
        .into_bytes();
        r.extend_from_slice(&gz);
        r
    };
    // two layers are read (identity, then gzip)
    let p = replay_streams(cfg(), req, &resp("identity, gzip"), 0);
    assert_eq!(txs(&p)[0].response_body(), Some(&plain[..]));
    assert!(!txs(&p)[0].has_event(HttpEvent::TooManyEncodingLayers));
    // a third is past the limit: the body stays as sent
    let p = replay_streams(cfg(), req, &resp("identity, identity, gzip"), 0);
    assert_eq!(txs(&p)[0].response_body(), Some(&gz[..]));
    assert!(txs(&p)[0].has_event(HttpEvent::TooManyEncodingLayers));
}

#[test]
fn unrecognized_authorization_scheme_is_flagged() {
    let auth = |v: &str| {
        let req = format!("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: {v}\r\n\r\n");
        let p = replay_streams(cfg(), req.as_bytes(), b"", 0);
        txs(&p)[0].has_event(HttpEvent::RequestAuthUnrecognized)
    };
    assert!(auth("Turbo customAuthDataHere"));
    assert!(!auth("Basic dXNlcjpwYXNz"));
    assert!(!auth("digest username=\"u\""));
    assert!(!auth("Bearer abc"));
}

#[test]
fn pipelined_requests_pair_in_order() {
    let req = b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nBBHTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    each_split(req, resp, |p| {
        let t = txs(p);
        assert_eq!(t.len(), 3);
        assert_eq!(t.iter().map(|t| t.id()).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(s(t[0].response_body()), Some("A"));
        assert_eq!(s(t[1].response_body()), Some("BB"));
        assert_eq!(s(t[1].location()), Some("/x"));
        assert_eq!(s(t[1].eve_fields().redirect), Some("/x"));
        assert_eq!(s(t[2].method()), Some("HEAD"));
        assert_eq!(t[2].status(), Some(200));
        assert_eq!(s(t[2].response_body()), Some(""));
        assert!(t.iter().all(|t| t.is_complete()));
    });
}

#[test]
fn interleaved_request_response() {
    let steps = [
        Step::ToServer(b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"),
        Step::ToClient(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
        Step::ToServer(b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
        Step::ToClient(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
    ];
    let p = replay(cfg(), &steps, 4);
    let t = txs(&p);
    assert_eq!(s(t[1].uri()), Some("/2"));
    assert_eq!(s(t[1].response_body()), Some("two"));
}

#[test]
fn http10_body_until_close() {
    let req = b"GET /old HTTP/1.0\r\n\r\n";
    let resp = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline one\nline two\n";
    each_split(req, resp, |p| {
        let tx = txs(p)[0];
        assert_eq!(s(tx.response_body()), Some("line one\nline two\n"));
        assert_eq!(tx.response_progress(), Progress::Complete);
        // No Host header is fine in HTTP/1.0.
        assert!(!tx.has_event(HttpEvent::MissingHostHeader));
        assert_eq!(tx.host(), None);
    });
    // Before the close the body is still open.
    let mut p = HttpParser::new(cfg());
    p.parse(true, req, 1);
    p.parse(false, resp, 2);
    assert_eq!(txs(&p)[0].response_progress(), Progress::Headers);
    p.on_close();
    assert_eq!(txs(&p)[0].response_progress(), Progress::Complete);
}

#[test]
fn hundred_continue() {
    let steps = [
        Step::ToServer(
            b"POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
        ),
        Step::ToClient(b"HTTP/1.1 100 Continue\r\n\r\n"),
        Step::ToServer(b"data"),
        Step::ToClient(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
    ];
    for chunk in [0, 1, 3] {
        let p = replay(cfg(), &steps, chunk);
        let t = txs(&p);
        assert_eq!(t.len(), 1);
        assert_eq!(s(t[0].request_body()), Some("data"));
        assert_eq!(t[0].status(), Some(201));
        assert_eq!(s(t[0].response_line()), Some("HTTP/1.1 201 Created"));
        assert_eq!(s(t[0].response_body()), Some("ok"));
        assert!(!t[0].has_event(HttpEvent::ContinueAlreadySeen));
    }
}

#[test]
fn head_and_304_have_no_body() {
    let req = b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: x\r\n\r\nGET /z HTTP/1.1\r\nHost: h\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nZ";
    each_split(req, resp, |p| {
        let t = txs(p);
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].status(), Some(304));
        assert_eq!(s(t[2].response_body()), Some("Z"));
        assert!(t.iter().all(|t| t.is_complete()));
    });
}

#[test]
fn header_folding_and_repetition() {
    let req = b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: part one\r\n\tpart two\r\n  part three\r\nUser-Agent: A\r\nUser-Agent: B\r\n\r\n";
    each_split(req, b"", |p| {
        let tx = txs(p)[0];
        assert_eq!(
            s(tx.header_value(true, b"x-long")),
            Some("part one part two part three")
        );
        assert_eq!(s(tx.user_agent()), Some("A, B"));
        assert!(tx.has_event(HttpEvent::RequestHeaderRepetition));
        assert_eq!(
            s(tx.header_names(true)),
            Some("\r\nHost\r\nX-Long\r\nUser-Agent\r\n\r\n")
        );
    });
}

#[test]
fn uri_normalised_vs_raw() {
    let req = b"GET /a/./b/../c//d/%70%68p%2Fx.php?q=%41/../ HTTP/1.1\r\nHost: h\r\n\r\n";
    each_split(req, b"", |p| {
        let tx = txs(p)[0];
        assert_eq!(
            s(tx.uri_raw()),
            Some("/a/./b/../c//d/%70%68p%2Fx.php?q=%41/../")
        );
        // the query is percent-decoded but keeps its dot segments
        assert_eq!(s(tx.uri()), Some("/a/c/d/php%2Fx.php?q=A/../"));
        assert_eq!(tx.urilen(false), Some(26));
        assert_eq!(tx.urilen(true), Some(40));
    });
}

#[test]
fn absolute_uri_host_wins() {
    let req = b"GET http://Proxy.Example.NET:3128/x?y HTTP/1.1\r\nHost: other\r\n\r\n";
    let p = replay_streams(cfg(), req, b"", 0);
    let tx = txs(&p)[0];
    assert_eq!(s(tx.uri()), Some("/x?y"));
    assert_eq!(s(tx.host()), Some("proxy.example.net"));
    assert_eq!(tx.host_port(), Some(3128));
    assert!(tx.has_event(HttpEvent::HostHeaderAmbiguous));
}

#[test]
fn invalid_chunk_len_event() {
    let req = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nmore";
    each_split(req, b"", |p| {
        let tx = txs(p)[0];
        assert!(tx.has_event(HttpEvent::InvalidRequestChunkLen));
        assert_eq!(s(tx.request_body()), Some("zz\r\nmore"));
    });
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n";
    let p = replay_streams(cfg(), b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", resp, 0);
    assert!(txs(&p)[0].has_event(HttpEvent::InvalidResponseChunkLen));
}

#[test]
fn bodies_over_the_limit_are_truncated() {
    let config = HttpConfig {
        request_body_limit: 10,
        response_body_limit: 8,
        ..HttpConfig::default()
    };
    let body = vec![b'x'; 1000];
    let mut req = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n".to_vec();
    req.extend_from_slice(&body);
    req.extend_from_slice(b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    let gz = gzip(&body);
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    resp.extend_from_slice(&gz);
    for chunk in [0, 1, 7] {
        let p = replay_streams(config.clone(), &req, &resp, chunk);
        let t = txs(&p);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].request_body().unwrap().len(), 10);
        assert_eq!(t[0].request_body_len(), 1000);
        assert_eq!(t[0].response_body().unwrap().len(), 8);
        assert_eq!(s(t[1].uri()), Some("/after"));
    }
    // Default limit is 100 KiB.
    let big = vec![b'y'; 200 * 1024];
    let mut resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", big.len()).into_bytes();
    resp.extend_from_slice(&big);
    let p = replay_streams(cfg(), b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", &resp, 1460);
    assert_eq!(txs(&p)[0].response_body().unwrap().len(), 100 * 1024);
    assert_eq!(txs(&p)[0].eve_fields().length, 200 * 1024);
}

#[test]
fn anomalies() {
    let req = b" GET /x HTTP/1.1\r\nBad Name: v\r\nNoColon\r\n\r\n";
    let p = replay_streams(cfg(), req, b"", 0);
    let tx = txs(&p)[0];
    assert!(tx.has_event(HttpEvent::RequestLineLeadingWhitespace));
    assert!(tx.has_event(HttpEvent::RequestHeaderInvalid));
    assert!(tx.has_event(HttpEvent::RequestFieldMissingColon));
    assert!(tx.has_event(HttpEvent::MissingHostHeader));
    assert_eq!(s(tx.method()), Some("GET"));

    let p = replay_streams(
        cfg(),
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        0,
    );
    assert!(txs(&p)[0].has_event(HttpEvent::UnableToMatchResponseToRequest));

    let req = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n";
    let p = replay_streams(cfg(), req, b"", 0);
    assert!(txs(&p)[0].has_event(HttpEvent::InvalidContentLengthFieldInRequest));
}

#[test]
fn connect_tunnel() {
    let steps = [
        Step::ToServer(b"CONNECT apache.org:443 HTTP/1.1\r\nHost: apache.org:443\r\n\r\n"),
        Step::ToClient(b"HTTP/1.1 200 Connection established\r\n\r\n"),
    ];
    let mut p = HttpParser::new(cfg());
    warden_app::http::replay::feed(&mut p, &steps, 0);
    assert_eq!(
        p.parse(true, b"\x16\x03\x01\x02\x00", 5),
        ParseResult::Tunnel
    );
    assert_eq!(p.parse(false, b"\x16\x03\x03", 6), ParseResult::Tunnel);
    let tx = txs(&p)[0];
    assert_eq!(s(tx.uri()), Some("apache.org:443"));
    assert_eq!(s(tx.host()), Some("apache.org"));
    assert_eq!(tx.eve_fields().http_port, Some(443));
    assert!(tx.is_complete());
    assert_eq!(p.tx_count(), 1);
}

#[test]
fn gap_resyncs_on_next_request() {
    let mut p = HttpParser::new(cfg());
    p.parse(
        true,
        b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc",
        1,
    );
    p.on_gap(true);
    p.parse(
        true,
        b"tail of lost body\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        2,
    );
    let t = txs(&p);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].request_progress(), Progress::Complete);
    assert_eq!(s(t[1].uri()), Some("/b"));
}

#[test]
fn byte_at_a_time_is_linear_and_bounded() {
    // A 1 MiB header line fed byte by byte: truncated, event, no blow-up.
    let mut p = HttpParser::new(cfg());
    p.parse(true, b"GET / HTTP/1.1\r\nX: ", 0);
    for _ in 0..(1 << 20) {
        p.parse(true, b"a", 0);
    }
    p.parse(true, b"\r\nHost: h\r\n\r\n", 0);
    let tx = txs(&p)[0];
    assert!(tx.has_event(HttpEvent::RequestFieldTooLong));
    assert!(tx.header_value(true, b"x").unwrap().len() <= cfg().max_line_len);
    assert_eq!(s(tx.host()), Some("h"));
}

#[test]
fn free_and_max_tx() {
    let one = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    let req: Vec<u8> = one.iter().copied().cycle().take(one.len() * 20).collect();
    let config = HttpConfig {
        max_tx: 5,
        ..HttpConfig::default()
    };
    let mut p = replay_streams(config, &req, b"", 0);
    assert_eq!(p.tx_count(), 5);
    assert_eq!(p.dropped_tx(), 15);
    assert_eq!(p.next_tx_id(), 20);
    p.free_txs_before(18);
    assert_eq!(p.txs().map(|t| t.id()).collect::<Vec<_>>(), [18, 19]);
    assert!(p.tx(19).is_some() && p.tx(3).is_none());
}

#[test]
fn http09_request() {
    let p = replay_streams(cfg(), b"GET /\r\n", b"<html>raw</html>", 0);
    let tx = txs(&p)[0];
    assert!(tx.has_event(HttpEvent::RequestLineMissingProtocol));
    assert_eq!(tx.protocol(true), None);
    assert_eq!(s(tx.response_body()), Some("<html>raw</html>"));
}

/// xorshift, enough to vary inputs reproducibly without a dependency.
fn rng(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// A summary of every buffer, to compare parses of the same streams.
fn summary(p: &HttpParser) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for tx in p.txs() {
        for dir in [true, false] {
            for b in [
                tx.header(dir),
                tx.header_raw(dir),
                tx.header_names(dir),
                tx.start(dir),
                tx.protocol(dir),
            ] {
                out.push(b.map(<[u8]>::to_vec).unwrap_or_default());
            }
        }
        for b in [
            tx.method(),
            tx.uri(),
            tx.uri_raw(),
            tx.host(),
            tx.request_body(),
            tx.stat_code(),
            tx.response_body(),
        ] {
            out.push(b.map(<[u8]>::to_vec).unwrap_or_default());
        }
        out.push(format!("{:?}", tx.events()).into_bytes());
    }
    out
}

#[test]
fn any_segmentation_gives_the_same_transactions() {
    let pieces: &[&[u8]] = &[
        b"GET /a%41/../b HTTP/1.1\r\n",
        b"Host: X\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"\r\n",
        b"3\r\nabc\r\n",
        b"0\r\n\r\n",
        b"Content-Length: 2\r\n",
        b"POST / HTTP/1.0\r\n",
        b" folded\r\n",
        b"\n",
        b"zz\r\n",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 100 Continue\r\n",
        b"\x1f\x8b\x08\x00",
        b"Content-Encoding: gzip\r\n",
        b"\xff\x00\r",
        b"HEAD / HTTP/1.1\r\n",
    ];
    let mut st = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..300 {
        let mut req = Vec::new();
        let mut resp = Vec::new();
        for _ in 0..(rng(&mut st) % 24) {
            let p = pieces[(rng(&mut st) % pieces.len() as u64) as usize];
            if rng(&mut st) % 2 == 0 {
                req.extend_from_slice(p)
            } else {
                resp.extend_from_slice(p)
            }
        }
        let whole = summary(&replay_streams(cfg(), &req, &resp, 0));
        for _ in 0..4 {
            let chunk = 1 + (rng(&mut st) % 9) as usize;
            assert_eq!(
                summary(&replay_streams(cfg(), &req, &resp, chunk)),
                whole,
                "{req:?} / {resp:?} chunk {chunk}"
            );
        }
        // Random bytes never panic.
        let noise: Vec<u8> = (0..(rng(&mut st) % 300))
            .map(|_| rng(&mut st) as u8)
            .collect();
        let _ = replay_streams(cfg(), &noise, &noise, 1 + (rng(&mut st) % 5) as usize);
    }
}
