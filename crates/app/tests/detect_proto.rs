//! Protocol detection tests: real byte shapes of each protocol, in either
//! direction and on any port, plus negative cases (random bytes,
//! HTTP-looking garbage) and the give-up rule.

use warden_app::detect_proto::{
    probe_tcp, probe_udp, AppProtoKind, Detection, TcpDetector, PROBE_DEPTH,
};

use AppProtoKind::*;
use Detection::*;

fn dns_query() -> Vec<u8> {
    let mut m = vec![0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    m.extend(b"\x07example\x03com\x00\x00\x01\x00\x01");
    m
}

const CLIENT_HELLO_START: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
];
const SERVER_HELLO_START: &[u8] = &[
    0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03,
];

#[test]
fn positives() {
    assert_eq!(
        probe_tcp(true, b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"),
        Found(Http1)
    );
    assert_eq!(probe_tcp(true, b"POST /x HTTP/1.0\r\n"), Found(Http1));
    assert_eq!(probe_tcp(true, b"GET /\r\n"), Found(Http1));
    assert_eq!(probe_tcp(false, b"HTTP/1.1 200 OK\r\n"), Found(Http1));
    assert_eq!(probe_tcp(true, CLIENT_HELLO_START), Found(Tls));
    assert_eq!(probe_tcp(false, SERVER_HELLO_START), Found(Tls));
    // SSLv2-framed ClientHello.
    assert_eq!(
        probe_tcp(true, &[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]),
        Found(Tls)
    );
    assert_eq!(probe_tcp(true, b"SSH-2.0-OpenSSH_9.6\r\n"), Found(Ssh));
    assert_eq!(
        probe_tcp(false, b"SSH-2.0-OpenSSH_8.9p1 Ubuntu\r\n"),
        Found(Ssh)
    );
    assert_eq!(
        probe_tcp(false, b"220 mail.example.com ESMTP Postfix\r\n"),
        Found(Smtp)
    );
    assert_eq!(probe_tcp(true, b"EHLO client.example.com\r\n"), Found(Smtp));
    assert_eq!(probe_tcp(false, b"220 (vsFTPd 3.0.5)\r\n"), Found(Ftp));
    assert_eq!(probe_tcp(true, b"USER anonymous\r\n"), Found(Ftp));
    let q = dns_query();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend(&q);
    assert_eq!(probe_tcp(true, &framed), Found(Dns));
    assert_eq!(probe_udp(53, 40000, &q), Found(Dns));
    assert_eq!(probe_udp(40000, 5353, &q), Found(Dns));
    // A clean DNS message on an unusual port counts too.
    assert_eq!(probe_udp(9999, 40000, &q), Found(Dns));
}

#[test]
fn need_more_on_short_prefixes() {
    assert_eq!(probe_tcp(true, b"GE"), NeedMore);
    assert_eq!(probe_tcp(true, b"GET /index.html HT"), NeedMore);
    assert_eq!(probe_tcp(false, b"HTTP/"), NeedMore);
    assert_eq!(probe_tcp(true, &CLIENT_HELLO_START[..3]), NeedMore);
    assert_eq!(probe_tcp(true, b"SS"), NeedMore);
    assert_eq!(probe_tcp(false, b"220 mail.example"), NeedMore);
    assert_eq!(probe_tcp(true, b""), NeedMore);
    let q = dns_query();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend(&q);
    assert_eq!(probe_tcp(true, &framed[..20]), NeedMore);
}

#[test]
fn negatives() {
    // HTTP-looking garbage.
    assert_eq!(probe_tcp(true, b"GETTING STARTED WITH THIS\r\n"), NotThis);
    assert_eq!(probe_tcp(true, b"GET some random words here\r\n"), NotThis);
    assert_eq!(probe_tcp(false, b"HTTPS is great\r\n"), NotThis);
    assert_eq!(probe_tcp(false, b"220 hello there\r\n"), NotThis);
    // TLS-looking garbage: bad version, bad handshake type, huge length.
    assert_eq!(
        probe_tcp(true, &[0x16, 0x05, 0x01, 0x00, 0x10, 0x01, 0xff, 0xff]),
        NotThis
    );
    assert_eq!(
        probe_tcp(true, &[0x16, 0x03, 0x01, 0x00, 0x10, 0x0b, 0xff, 0xff]),
        NotThis
    );
    assert_eq!(
        probe_tcp(true, &[0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0xff, 0xff]),
        NotThis
    );
    // Not DNS on UDP: random bytes, zero questions.
    assert_eq!(
        probe_udp(53, 1234, b"\x00\x01\x02\x03hello world!"),
        NotThis
    );
    let mut q = dns_query();
    q[5] = 0;
    assert_eq!(probe_udp(53, 1234, &q), NotThis);
}

#[test]
fn random_bytes_are_not_detected() {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut found = 0;
    for _ in 0..2000 {
        let buf: Vec<u8> = (0..64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for dir in [true, false] {
            if matches!(probe_tcp(dir, &buf), Found(_)) {
                found += 1;
            }
        }
        if matches!(probe_udp(40000, 40001, &buf), Found(_)) {
            found += 1;
        }
    }
    // Only the SSLv2 shape could match by chance; it needs 3 fixed bytes.
    assert!(found <= 2, "{found} random buffers detected");
}

#[test]
fn detector_decides_and_gives_up() {
    let mut d = TcpDetector::new();
    assert_eq!(d.feed(true, b"GET /a"), None);
    assert_eq!(d.feed(true, b" HTTP/1.1\r\n"), Some(Http1));
    assert_eq!(d.feed(false, b"whatever"), Some(Http1));

    // Server banner first, then the client decides.
    let mut d = TcpDetector::new();
    assert_eq!(d.feed(false, b"220 welcome\r\n"), None);
    assert_eq!(d.feed(true, b"USER bob\r\n"), Some(Ftp));

    // Both directions ruled out: failed.
    let mut d = TcpDetector::new();
    assert_eq!(d.feed(true, b"\x00\x00\x00\x00hello"), None);
    assert_eq!(
        d.feed(false, b"\x01\x02\x03 nothing at all, really"),
        Some(Failed)
    );

    // A direction that never decides within the probe depth counts as
    // ruled out.
    let mut d = TcpDetector::new();
    d.feed(true, b"GET /");
    d.feed(true, &vec![b'a'; PROBE_DEPTH]);
    assert_eq!(d.feed(false, b"zzzzzzzzzz"), Some(Failed));

    // One-sided flow ends undecided.
    let mut d = TcpDetector::new();
    d.feed(true, b"SS");
    assert_eq!(d.finish(), Failed);
    assert_eq!(TcpDetector::new().finish(), Unknown);
    assert_eq!(Failed.name(), "failed");
    assert_eq!(Http1.name(), "http");
}
