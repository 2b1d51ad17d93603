//! DNS parser and state tests: queries and responses with compression,
//! compression loops, truncated messages, TCP framing split across chunks.

use warden_app::dns::{names, parse_message, DnsError, DnsEvent, DnsState, RData};

/// Encodes a dotted name without compression.
fn name(n: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for l in n.split('.').filter(|l| !l.is_empty()) {
        v.push(l.len() as u8);
        v.extend_from_slice(l.as_bytes());
    }
    v.push(0);
    v
}

fn header(id: u16, flags: u16, qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
    [id, flags, qd, an, ns, ar]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect()
}

/// Query for www.example.com A, id 0x1234, RD.
fn query() -> Vec<u8> {
    let mut m = header(0x1234, 0x0100, 1, 0, 0, 0);
    m.extend(name("www.example.com"));
    m.extend([0, 1, 0, 1]);
    m
}

/// Response: CNAME www.example.com -> web.example.com, A web.example.com,
/// using compression pointers into the question and the CNAME rdata.
fn response() -> Vec<u8> {
    let mut m = header(0x1234, 0x8180, 1, 2, 0, 0);
    m.extend(name("www.example.com")); // at offset 12; "example.com" at 16
    m.extend([0, 1, 0, 1]);
    // answer 1: name = ptr to 12, CNAME, IN, ttl 300
    m.extend([0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44]);
    // rdata: "web" + ptr to 16 (example.com)
    let rdata = [3, b'w', b'e', b'b', 0xc0, 16];
    m.extend((rdata.len() as u16).to_be_bytes());
    let web_at = m.len() as u8;
    m.extend(rdata);
    // answer 2: name = ptr to web.example.com, A, IN, ttl 60, 93.184.216.34
    m.extend([
        0xc0, web_at, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 93, 184, 216, 34,
    ]);
    m
}

#[test]
fn query_fields() {
    let m = parse_message(&query()).unwrap();
    assert_eq!(m.header.id, 0x1234);
    assert!(!m.header.is_response());
    assert_eq!(m.queries.len(), 1);
    assert_eq!(m.queries[0].name, b"www.example.com");
    assert_eq!(m.queries[0].rrtype, 1);
    assert!(m.events.is_empty());
}

#[test]
fn response_with_compression() {
    let m = parse_message(&response()).unwrap();
    assert!(m.header.is_response());
    assert_eq!(m.header.rcode(), 0);
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answers[0].name, b"www.example.com");
    assert_eq!(m.answers[0].ttl, 300);
    assert_eq!(m.answers[0].data, RData::Name(b"web.example.com".to_vec()));
    assert_eq!(m.answers[1].name, b"web.example.com");
    assert_eq!(m.answers[1].data, RData::A([93, 184, 216, 34]));
    assert_eq!(
        names::rdata_text(1, &m.answers[1].data).unwrap(),
        b"93.184.216.34"
    );
    assert_eq!(names::flags_hex(m.header.flags), "8180");
    assert_eq!(
        names::flag_names(m.header.flags).collect::<Vec<_>>(),
        ["qr", "rd", "ra"]
    );
    assert!(m.events.is_empty());
}

#[test]
fn compression_loop_is_an_event_not_a_hang() {
    // Answer name points to itself.
    let mut m = header(1, 0x8180, 1, 1, 0, 0);
    m.extend(name("a.b"));
    m.extend([0, 1, 0, 1]);
    let at = m.len() as u8;
    m.extend([0xc0, at, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
    let msg = parse_message(&m).unwrap();
    assert!(msg.events.contains(&DnsEvent::InfiniteLoop));
    assert!(msg.answers.is_empty());
    assert_eq!(msg.queries[0].name, b"a.b");

    // Two pointers pointing at each other inside the question.
    let mut m = header(2, 0x0100, 1, 0, 0, 0);
    m.extend([0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(parse_message(&m), Err(DnsError::BadQuestion));
}

#[test]
fn truncated_messages() {
    let full = response();
    for cut in 0..full.len() {
        let r = parse_message(&full[..cut]);
        if cut < 12 {
            assert_eq!(r, Err(DnsError::TooShort), "cut {cut}");
        } else if cut < 12 + 17 + 4 {
            assert_eq!(r, Err(DnsError::BadQuestion), "cut {cut}");
        } else {
            let m = r.unwrap();
            assert_eq!(m.queries.len(), 1);
            assert!(m.events.contains(&DnsEvent::MalformedData), "cut {cut}");
        }
    }
}

#[test]
fn long_names_and_many_labels() {
    // 200 labels of 10 bytes: over the kept length, under the label cap.
    let mut m = header(3, 0x0100, 1, 0, 0, 0);
    for _ in 0..200 {
        m.push(10);
        m.extend(b"abcdefghij");
    }
    m.extend([0, 0, 1, 0, 1]);
    let msg = parse_message(&m).unwrap();
    assert!(msg.events.contains(&DnsEvent::NameTooLong));
    assert!(msg.queries[0].name.len() <= 1025);
}

#[test]
fn header_anomalies() {
    let mut m = query();
    m[2] |= 0x78; // opcode 15
    m[3] |= 0x40; // Z
    let msg = parse_message(&m).unwrap();
    assert!(msg.events.contains(&DnsEvent::InvalidOpcode));
    assert!(msg.events.contains(&DnsEvent::ZFlagSet));
}

#[test]
fn udp_transactions_pair_by_id() {
    let mut st = DnsState::new();
    assert_eq!(st.parse_udp(true, &query()).new_txs, 1);
    assert_eq!(st.parse_udp(false, &response()).new_txs, 1);
    assert_eq!(st.parse_udp(true, b"\x00\x01garbage").invalid, 1);
    let txs = st.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].tx_id, 0);
    assert_eq!(txs[1].tx_id, 1);
    assert_eq!(txs[1].paired_with, Some(0));
    assert_eq!(
        txs[0].queries().collect::<Vec<_>>(),
        [b"www.example.com".as_slice()]
    );
    assert_eq!(
        txs[1].answer_names().collect::<Vec<_>>(),
        [b"www.example.com".as_slice(), b"web.example.com".as_slice()]
    );
    assert_eq!(txs[1].rrtypes().collect::<Vec<_>>(), [1]);
    assert_eq!(txs[1].opcode(), 0);
    assert_eq!(txs[1].rcode(), 0);
    st.retire(1);
    assert_eq!(st.transactions().len(), 1);
}

#[test]
fn direction_anomalies() {
    let mut st = DnsState::new();
    st.parse_udp(false, &query());
    st.parse_udp(true, &response());
    assert!(st.transactions()[0].has_event(DnsEvent::NotResponse));
    assert!(st.transactions()[1].has_event(DnsEvent::NotRequest));
    assert_eq!(
        DnsEvent::from_name("dns.not_request"),
        Some(DnsEvent::NotRequest)
    );
}

#[test]
fn tcp_framing_split_at_every_boundary() {
    let mut stream = Vec::new();
    for m in [query(), query(), response()] {
        stream.extend((m.len() as u16).to_be_bytes());
        stream.extend(m);
    }
    let whole = {
        let mut st = DnsState::new();
        st.parse_tcp(true, &stream);
        st.transactions().to_vec()
    };
    assert_eq!(whole.len(), 3);
    for a in 0..stream.len() {
        for b in a..stream.len() {
            let mut st = DnsState::new();
            st.parse_tcp(true, &stream[..a]);
            st.parse_tcp(true, &stream[a..b]);
            st.parse_tcp(true, &stream[b..]);
            assert_eq!(st.transactions(), whole.as_slice(), "split {a}/{b}");
        }
    }
    // Byte at a time.
    let mut st = DnsState::new();
    for b in &stream {
        st.parse_tcp(true, std::slice::from_ref(b));
    }
    assert_eq!(st.transactions(), whole.as_slice());
}

#[test]
fn tcp_gap_stops_the_direction() {
    let mut st = DnsState::new();
    let q = query();
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend(&q);
    st.parse_tcp(true, &framed[..5]);
    st.on_gap(true);
    st.parse_tcp(true, &framed);
    assert!(st.transactions().is_empty());
    // The other direction still works.
    let r = response();
    let mut framed = (r.len() as u16).to_be_bytes().to_vec();
    framed.extend(&r);
    st.parse_tcp(false, &framed);
    assert_eq!(st.transactions().len(), 1);
}

#[test]
fn record_types_and_names() {
    assert_eq!(names::rrtype_string(28), "AAAA");
    assert_eq!(names::rrtype_string(65280), "65280");
    assert_eq!(names::rcode_string(3), "NXDOMAIN");
    assert_eq!(
        names::ipv6_string(&[
            0x2a, 0x03, 0x28, 0x80, 0xf1, 0x65, 0x00, 0x81, 0xfa, 0xce, 0xb0, 0x0c, 0, 0, 0x25,
            0xde
        ]),
        "2a03:2880:f165:0081:face:b00c:0000:25de"
    );
}

#[test]
fn soa_srv_txt_opt_records() {
    let mut m = header(9, 0x8180, 1, 3, 0, 1);
    m.extend(name("example.com"));
    m.extend([0, 6, 0, 1]);
    // SOA
    let mut soa = name("ns.example.com");
    soa.extend(name("hostmaster.example.com"));
    for v in [71u32, 900, 600, 86400, 3600] {
        soa.extend(v.to_be_bytes());
    }
    m.extend([0xc0, 12, 0, 6, 0, 1, 0, 0, 14, 16]);
    m.extend((soa.len() as u16).to_be_bytes());
    m.extend(soa);
    // SRV
    let mut srv = vec![0, 0, 0, 100, 0x0c, 0xc4];
    srv.extend(name("dc.example.com"));
    m.extend([0xc0, 12, 0, 33, 0, 1, 0, 0, 2, 88]);
    m.extend((srv.len() as u16).to_be_bytes());
    m.extend(srv);
    // TXT
    m.extend([
        0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 2, b'h', b'i', 2, b'y', b'o',
    ]);
    // OPT in additionals
    m.extend([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 8, 0, 10, 0, 4, 1, 2, 3, 4]);
    let msg = parse_message(&m).unwrap();
    assert!(msg.events.is_empty(), "{:?}", msg.events);
    match &msg.answers[0].data {
        RData::Soa(s) => {
            assert_eq!(s.mname, b"ns.example.com");
            assert_eq!(s.rname, b"hostmaster.example.com");
            assert_eq!((s.serial, s.minimum), (71, 3600));
        }
        d => panic!("{d:?}"),
    }
    assert_eq!(
        msg.answers[1].data,
        RData::Srv {
            priority: 0,
            weight: 100,
            port: 3268,
            name: b"dc.example.com".to_vec()
        }
    );
    assert_eq!(
        msg.answers[2].data,
        RData::Txt(vec![b"hi".to_vec(), b"yo".to_vec()])
    );
    assert_eq!(msg.additionals[0].name, b"");
    assert_eq!(
        msg.additionals[0].data,
        RData::Opt(vec![(10, vec![1, 2, 3, 4])])
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut x: u32 = 0x9e37_79b9;
    for len in 0..300 {
        let buf: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = parse_message(&buf);
        let mut st = DnsState::new();
        st.parse_tcp(true, &buf);
        st.parse_udp(false, &buf);
    }
}

/// Response with an MX answer, an SOA authority and an A additional record.
fn response_with_sections() -> Vec<u8> {
    let mut m = header(0x4242, 0x8180, 1, 1, 1, 1);
    m.extend(name("example.org"));
    m.extend([0, 15, 0, 1]);
    // answer: example.org MX 10 mail.example.org
    m.extend(name("example.org"));
    m.extend([0, 15, 0, 1, 0, 0, 0, 60]);
    let mx: Vec<u8> = [0u8, 10]
        .into_iter()
        .chain(name("mail.example.org"))
        .collect();
    m.extend((mx.len() as u16).to_be_bytes());
    m.extend(mx);
    // authority: org SOA ns.org hostmaster.org + 5 numbers
    m.extend(name("org"));
    m.extend([0, 6, 0, 1, 0, 0, 0, 60]);
    let mut soa = name("ns.org");
    soa.extend(name("hostmaster.org"));
    soa.extend([0u8; 20]);
    m.extend((soa.len() as u16).to_be_bytes());
    m.extend(soa);
    // additional: mail.example.org A 192.0.2.1
    m.extend(name("mail.example.org"));
    m.extend([0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    m
}

#[test]
fn section_names_and_every_name_of_a_response() {
    let mut st = DnsState::new();
    st.parse_udp(false, &response_with_sections());
    let tx = &st.transactions()[0];
    assert_eq!(tx.answer_names().collect::<Vec<_>>(), [b"example.org"]);
    assert_eq!(tx.authority_names().collect::<Vec<_>>(), [b"org"]);
    assert_eq!(
        tx.additional_names().collect::<Vec<_>>(),
        [b"mail.example.org"]
    );
    let mut all = Vec::new();
    tx.each_name(&mut |n| {
        all.push(String::from_utf8_lossy(n).into_owned());
        false
    });
    assert_eq!(
        all,
        [
            "example.org",
            "example.org",
            "mail.example.org",
            "org",
            "ns.org",
            "hostmaster.org",
            "mail.example.org"
        ]
    );
    // stops at the first name the callback accepts
    let mut seen = 0;
    assert!(tx.each_name(&mut |n| {
        seen += 1;
        n == b"ns.org"
    }));
    assert_eq!(seen, 5);
}
