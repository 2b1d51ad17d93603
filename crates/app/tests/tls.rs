//! TLS tests: a hand-built ClientHello (JA3 and JA4 computed by hand from
//! its fields), ServerHello (JA3S, TLS 1.2 and 1.3 versions), a Certificate
//! message carrying a self-signed certificate generated with openssl
//! (tests/data/tls-test-cert.der), records split at every byte boundary,
//! handshake messages spanning records, anomalies and random input.

use warden_app::tls::{self, ssl_state, version_string, TlsEvent, TlsState};

const CERT: &[u8] = include_bytes!("data/tls-test-cert.der");

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

/// ClientHello: version 0x0303, ciphers GREASE,1301,1302,c02b,002f;
/// extensions GREASE, SNI example.com, groups (GREASE,x25519,secp256r1),
/// point formats (0), sig algs (0403,0804,0401), ALPN (h2, http/1.1),
/// supported versions (GREASE, 1.3, 1.2), extended master secret.
fn client_hello_body(session_id: &[u8]) -> Vec<u8> {
    let mut b = u16b(0x0303).to_vec();
    b.extend([0x11; 32]);
    b.push(session_id.len() as u8);
    b.extend(session_id);
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
    b
}

fn server_hello_body(version13: bool, session_id: &[u8]) -> Vec<u8> {
    let mut b = u16b(0x0303).to_vec();
    b.extend([0x22; 32]);
    b.push(session_id.len() as u8);
    b.extend(session_id);
    let exts = if version13 {
        b.extend(u16b(0x1301));
        b.push(0);
        let mut e = ext(0x002b, &u16b(0x0304));
        e.extend(ext(0x0033, &[0, 0x1d, 0, 0]));
        e
    } else {
        b.extend(u16b(0xc02f));
        b.push(0);
        let mut e = ext(0xff01, &[0]);
        e.extend(ext(0x000b, &[1, 0]));
        e
    };
    b.extend(u16b(exts.len() as u16));
    b.extend(exts);
    b
}

fn certificate_body(certs: &[&[u8]]) -> Vec<u8> {
    let mut chain = Vec::new();
    for c in certs {
        let l = c.len() as u32;
        chain.extend([(l >> 16) as u8, (l >> 8) as u8, l as u8]);
        chain.extend(*c);
    }
    let l = chain.len() as u32;
    let mut b = vec![(l >> 16) as u8, (l >> 8) as u8, l as u8];
    b.extend(chain);
    b
}

fn client_flight() -> Vec<u8> {
    record(22, &handshake(1, &client_hello_body(&[])))
}

/// TLS 1.2 server flight: ServerHello + Certificate + ServerKeyExchange +
/// ServerHelloDone in one record, then CCS.
fn server_flight_12() -> Vec<u8> {
    let mut hs = handshake(2, &server_hello_body(false, &[]));
    hs.extend(handshake(11, &certificate_body(&[CERT, CERT])));
    hs.extend(handshake(12, &[0; 8]));
    hs.extend(handshake(14, &[]));
    let mut v = record(22, &hs);
    v.extend(record(20, &[1]));
    v
}

const JA3: &str = "771,4865-4866-49195-47,0-10-11-13-16-43-23,29-23,0";

#[test]
fn client_hello_fields_ja3_ja4() {
    let mut st = TlsState::new();
    let p = st.parse(true, &client_flight());
    assert!(p.client_hello);
    assert_eq!(p.records, 1);
    let ch = st.client_hello().unwrap();
    assert_eq!(ch.version, 0x0303);
    assert_eq!(ch.ciphers, [0x0a0a, 0x1301, 0x1302, 0xc02b, 0x002f]);
    assert_eq!(ch.extensions, [0x1a1a, 0, 10, 11, 13, 16, 43, 23]);
    assert_eq!(ch.alpn, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert_eq!(ch.supported_versions, [0x3a3a, 0x0304, 0x0303]);
    assert_eq!(ch.groups, [0x2a2a, 0x001d, 0x0017]);
    assert_eq!(ch.sig_algs, [0x0403, 0x0804, 0x0401]);
    assert_eq!(ch.point_formats, [0]);
    assert_eq!(st.sni(), Some(&b"example.com"[..]));
    assert_eq!(st.ja3_string(), Some(JA3.as_bytes()));
    // md5 of the string above.
    assert_eq!(
        st.ja3_hash(),
        Some(&b"45b820e6a97de67eb7e92dde7d24edb4"[..])
    );
    // a: t, 13 (highest supported version), d (SNI), 04 ciphers, 07 exts, h2.
    // b: sha256("002f,1301,1302,c02b")[..12]
    // c: sha256("000a,000b,000d,0017,002b_0403,0804,0401")[..12]
    assert_eq!(
        st.ja4_hash(),
        Some(&b"t13d0407h2_52f89ac5ce33_1fdf4de06b7e"[..])
    );
    assert_eq!(st.ssl_state(), ssl_state::CLIENT_HELLO);
    assert!(st.events().is_empty());
}

#[test]
fn ja4_matches_suricata_reference_parts() {
    // From ndpi-tls443.eve.json: JA3 "769,53-255,35-15,," with no SNI/ALPN
    // gives JA4 "t10i020200_f2d8273d9564_98f780df59b3".
    let mut b = u16b(0x0301).to_vec();
    b.extend([0; 32]);
    b.push(0);
    b.extend(list16(&[53, 255]));
    b.extend([1, 0]);
    let mut exts = ext(35, &[]);
    exts.extend(ext(15, &[1]));
    b.extend(u16b(exts.len() as u16));
    b.extend(exts);
    let ch = tls::hello::parse_client_hello(&b).unwrap();
    assert_eq!(ch.ja3_string(), "769,53-255,35-15,,");
    assert_eq!(
        tls::hello::md5_hex(&ch.ja3_string()),
        "7cb93b2404a98399e9f84c74fef1fb8f"
    );
    assert_eq!(ch.ja4(), "t10i020200_f2d8273d9564_98f780df59b3");
}

#[test]
fn server_hello_12_with_certificate() {
    let mut st = TlsState::new();
    st.parse(true, &client_flight());
    let p = st.parse(false, &server_flight_12());
    assert!(p.server_hello && p.certificate);
    assert_eq!(st.version(), Some(0x0303));
    assert_eq!(version_string(st.version().unwrap()), "TLS 1.2");
    assert_eq!(st.ja3s_string(), Some(&b"771,49199,65281-11"[..]));
    assert_eq!(
        st.ja3s_hash(),
        Some(&b"303951d4c50efb2e991652225a6f02b1"[..])
    );
    assert_eq!(
        st.ssl_state(),
        ssl_state::CLIENT_HELLO | ssl_state::SERVER_HELLO | ssl_state::SERVER_KEYX
    );
    assert_eq!(
        st.cert_subject(),
        Some(&b"C=US, O=Warden Test, CN=test.example"[..])
    );
    assert_eq!(
        st.cert_issuer(),
        Some(&b"C=US, O=Warden Test, CN=test.example"[..])
    );
    assert_eq!(st.cert_serial(), Some(&b"0A:F0:6C:DA:37"[..]));
    assert_eq!(
        st.cert_fingerprint(),
        Some(&b"a8:2d:d7:f9:bf:42:a5:4b:89:9a:c1:d5:94:00:1c:7a:cf:7d:44:28"[..])
    );
    assert_eq!(st.certs().collect::<Vec<_>>(), [CERT, CERT]);
    let c = st.cert0().unwrap();
    assert_eq!((c.not_before, c.not_after), (1_796_319_150, 1_827_941_550));
    assert_eq!(c.subject_alt_names, ["test.example", "www.test.example"]);
    assert_eq!(st.cert_expired(1_827_941_551), Some(true));
    assert_eq!(st.cert_expired(1_800_000_000), Some(false));
    assert_eq!(st.cert_valid(1_800_000_000), Some(true));
    assert_eq!(st.cert_valid(1_700_000_000), Some(false));
    assert!(!st.handshake_done());
    let p = st.parse(true, &record(20, &[1]));
    assert!(p.handshake_done);
    let eve = st.eve();
    assert_eq!(eve.version, "TLS 1.2");
    assert_eq!(eve.notbefore.as_deref(), Some("2026-12-03T17:32:30"));
    assert_eq!(eve.notafter.as_deref(), Some("2027-12-04T17:32:30"));
    assert_eq!(eve.sni, Some(&b"example.com"[..]));
    assert_eq!(eve.ja3.unwrap().1, JA3);
    assert_eq!(eve.client_alpns.len(), 2);
    assert!(!eve.session_resumed);
    assert!(st.events().is_empty(), "{:?}", st.events());
}

#[test]
fn server_hello_13_uses_supported_versions() {
    let mut st = TlsState::new();
    st.parse(true, &client_flight());
    let mut flight = record(22, &handshake(2, &server_hello_body(true, &[7; 32])));
    flight.extend(record(20, &[1]));
    // Encrypted handshake: an application_data record of noise.
    flight.extend(record(23, &[0xab; 40]));
    st.parse(false, &flight);
    assert_eq!(st.version(), Some(0x0304));
    assert_eq!(st.eve().version, "TLS 1.3");
    assert_eq!(st.ja3s_string(), Some(&b"771,4865,43-51"[..]));
    assert_eq!(
        st.ja3s_hash(),
        Some(&b"f4febc55ea12b31ae17cfb7e614afda8"[..])
    );
    assert!(st.certs().next().is_none());
    assert!(st.events().is_empty());
}

#[test]
fn session_resumption() {
    let mut st = TlsState::new();
    st.parse(
        true,
        &record(22, &handshake(1, &client_hello_body(&[9; 32]))),
    );
    let mut f = record(22, &handshake(2, &server_hello_body(false, &[9; 32])));
    f.extend(record(20, &[1]));
    st.parse(false, &f);
    assert!(st.session_resumed());
}

/// Feeds `stream` cut at `cuts` and returns the resulting state.
fn feed(to_server: bool, stream: &[u8], cuts: &[usize], st: &mut TlsState) {
    let mut last = 0;
    for &c in cuts {
        st.parse(to_server, &stream[last..c]);
        last = c;
    }
    st.parse(to_server, &stream[last..]);
}

#[test]
fn records_split_at_every_byte_boundary() {
    let client = client_flight();
    let server = server_flight_12();
    let reference = {
        let mut st = TlsState::new();
        st.parse(true, &client);
        st.parse(false, &server);
        st
    };
    for cut in 0..=client.len() {
        let mut st = TlsState::new();
        feed(true, &client, &[cut], &mut st);
        assert_eq!(st.ja4_hash(), reference.ja4_hash(), "client cut {cut}");
        assert_eq!(st.sni(), reference.sni());
    }
    for cut in 0..=server.len() {
        let mut st = TlsState::new();
        st.parse(true, &client);
        feed(false, &server, &[cut], &mut st);
        assert_eq!(st.cert0(), reference.cert0(), "server cut {cut}");
        assert_eq!(st.ja3s_hash(), reference.ja3s_hash());
        assert_eq!(st.ssl_state(), reference.ssl_state());
        assert!(st.events().is_empty());
    }
    // Byte at a time.
    let mut st = TlsState::new();
    let cuts: Vec<usize> = (1..server.len()).collect();
    st.parse(true, &client);
    feed(false, &server, &cuts, &mut st);
    assert_eq!(st.cert0(), reference.cert0());
}

#[test]
fn handshake_message_spanning_records() {
    // The Certificate message cut into 100-byte records.
    let mut hs = handshake(2, &server_hello_body(false, &[]));
    hs.extend(handshake(11, &certificate_body(&[CERT])));
    let mut stream = Vec::new();
    for chunk in hs.chunks(100) {
        stream.extend(record(22, chunk));
    }
    let mut st = TlsState::new();
    let p = st.parse(false, &stream);
    assert!(p.server_hello && p.certificate);
    assert_eq!(p.records, hs.len().div_ceil(100));
    assert_eq!(st.cert_serial(), Some(&b"0A:F0:6C:DA:37"[..]));
}

#[test]
fn anomalies() {
    let mut st = TlsState::new();
    st.parse(true, b"\x19\x03\x01\x00\x05hello");
    assert_eq!(st.events(), [TlsEvent::InvalidRecordType]);
    // Direction is given up: further data is ignored, no panic.
    st.parse(true, &client_flight());
    assert!(st.client_hello().is_none());

    let mut st = TlsState::new();
    st.parse(true, &[22, 5, 1, 0, 1, 0]);
    assert_eq!(st.events(), [TlsEvent::InvalidRecordVersion]);

    let mut st = TlsState::new();
    st.parse(
        false,
        &record(22, &handshake(11, &[0, 0, 8, 0, 0, 5, 1, 2, 3, 4, 5])),
    );
    assert!(
        st.events().contains(&TlsEvent::CertificateInvalidDer),
        "{:?}",
        st.events()
    );
    // the certificate as a whole is invalid too (Suricata's
    // tls.invalid_certificate)
    assert!(st.events().contains(&TlsEvent::InvalidCertificate));

    let mut st = TlsState::new();
    st.parse(false, &record(22, &handshake(11, &[0, 0, 9, 0])));
    assert_eq!(st.events(), [TlsEvent::InvalidCertificate]);

    let mut st = TlsState::new();
    st.parse(true, &record(24, &[1, 0x40, 0, 1, 2]));
    assert!(st.events().contains(&TlsEvent::HeartbeatMessage));
    assert!(st.events().contains(&TlsEvent::OverflowHeartbeatMessage));

    let mut st = TlsState::new();
    st.parse(true, &record(22, &handshake(99, &[1, 2, 3])));
    assert!(st.ssl_state() & ssl_state::UNKNOWN != 0);
    assert_eq!(st.events(), [TlsEvent::InvalidHandshakeMessage]);

    let mut st = TlsState::new();
    st.parse(true, &record(22, &handshake(1, &[3, 3, 0])));
    assert_eq!(st.events(), [TlsEvent::InvalidHandshakeMessage]);
    assert_eq!(
        TlsEvent::MultipleSniExtensions.name(),
        "multiple_sni_extensions"
    );

    // an unknown handshake type with an impossible length: the framing is
    // lost, reported as an invalid handshake message (not a length issue)
    let mut st = TlsState::new();
    let mut body = vec![132, 0xff, 0xff, 0xff];
    body.extend_from_slice(&[0; 16]);
    st.parse(false, &record(22, &body));
    assert_eq!(st.events(), [TlsEvent::InvalidHandshakeMessage]);
}

#[test]
fn event_names_round_trip_as_rules_write_them() {
    for e in TlsEvent::ALL {
        assert_eq!(TlsEvent::from_name(e.name()), Some(*e));
        assert_eq!(TlsEvent::from_name(&format!("tls.{}", e.name())), Some(*e));
    }
    assert_eq!(
        TlsEvent::from_name("invalid_sslv2_header"),
        Some(TlsEvent::InvalidSslv)
    );
    assert_eq!(TlsEvent::from_name("no_such_event"), None);
}

#[test]
fn gap_stops_the_direction() {
    let mut st = TlsState::new();
    let c = client_flight();
    st.parse(true, &c[..10]);
    st.on_gap(true);
    st.parse(true, &c);
    assert!(st.client_hello().is_none());
    st.parse(false, &server_flight_12());
    assert!(st.server_hello().is_some());
}

#[test]
fn versions() {
    assert_eq!(version_string(0x0301), "TLSv1");
    assert_eq!(version_string(0x0302), "TLS 1.1");
    assert_eq!(version_string(0x0300), "SSLv3");
    assert_eq!(version_string(0), "UNDETERMINED");
    assert_eq!(version_string(0x3230), "12848");
    // No ServerHello: the server's record version is reported.
    let mut st = TlsState::new();
    st.parse(false, &record(21, &[2, 40]));
    assert_eq!(st.version(), Some(0x0301));
}

#[test]
fn random_bytes_never_panic() {
    let mut x: u32 = 0x1234_5678;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for len in 0..400 {
        let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Half of the inputs get a plausible record header.
        if len > 5 && len % 2 == 0 {
            buf[0] = 22;
            buf[1] = 3;
            buf[2] = 1;
            buf[3] = 0;
            buf[4] = (len - 5) as u8;
        }
        let mut st = TlsState::new();
        st.parse(true, &buf);
        st.parse(false, &buf);
        let _ = st.eve();
    }
    // Mutations of a valid server flight.
    let good = server_flight_12();
    for i in 0..good.len() {
        let mut m = good.clone();
        m[i] ^= next() as u8 | 1;
        let mut st = TlsState::new();
        st.parse(false, &m);
    }
}

#[test]
fn randoms_alpns_and_certificates_per_side() {
    let mut st = TlsState::new();
    st.parse(true, &client_flight());
    assert_eq!(st.random(true), Some(&[0x11; 32][..]));
    assert_eq!(st.random_time(true), Some(&[0x11; 4][..]));
    assert_eq!(st.random_bytes(true), Some(&[0x11; 28][..]));
    assert_eq!(st.random(false), None);
    assert_eq!(st.alpns(true), [b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert!(st.alpns(false).is_empty());
    assert!(!st.ready_to_log());
    st.parse(false, &server_flight_12());
    assert_eq!(st.random_time(false), Some(&[0x22; 4][..]));
    // the server's certificate is in: the record can be written before
    // the handshake completes
    assert!(st.ready_to_log() && !st.handshake_done());
    let (chain, cert) = st.chain(false);
    assert_eq!(chain.len(), 2);
    assert_eq!(
        cert.unwrap().subject,
        "C=US, O=Warden Test, CN=test.example"
    );
    assert!(st.chain(true).0.is_empty() && st.chain(true).1.is_none());
    // client authentication: the client's chain is kept apart, the EVE
    // record stays the server's
    st.parse(
        true,
        &record(22, &handshake(11, &certificate_body(&[CERT]))),
    );
    let (chain, cert) = st.chain(true);
    assert_eq!(chain, [CERT.to_vec()]);
    assert_eq!(cert.unwrap().serial, "0A:F0:6C:DA:37");
    assert_eq!(st.certs().count(), 2);
}
