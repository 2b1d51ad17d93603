//! Sticky buffers (with and without a direction), transforms and the
//! buffer size keywords bsize and urilen.

mod common;
use common::*;
use warden_rules::*;

#[test]
fn sticky_buffers_and_aliases() {
    for b in Buffer::ALL {
        assert_eq!(opt(&format!("{};", b.name())), RuleOption::Buffer(*b));
    }
    for (alias, b) in [
        ("file_data", Buffer::FileData),
        ("http_request_line", Buffer::HttpRequestLine),
        ("tls_cert_subject", Buffer::TlsCertSubject),
        ("ja3s_string", Buffer::Ja3sString),
        ("ssh_software", Buffer::SshSoftware),
        ("krb5_cname", Buffer::Krb5Cname),
        ("dnp3_data", Buffer::Dnp3Data),
    ] {
        assert_eq!(opt(&format!("{alias};")), RuleOption::Buffer(b));
    }
    // Content after a sticky buffer is a plain content (no legacy buffer).
    let o = opts(r#"http.uri; content:"/x"; nocase;"#);
    let RuleOption::Content(c) = &o[1] else {
        panic!()
    };
    assert!(c.nocase && c.legacy_buffer.is_none());
    assert_eq!(
        diag("http.urii;"),
        "t.rules:7:31: sid 1: unknown rule option 'http.urii' (did you mean 'http.uri'?)"
    );
}

/// Regression: Suricata 8 accepts a direction on sticky buffers
/// (`file.data:to_server;`); it used to be rejected as a value.
#[test]
fn sticky_buffer_with_direction() {
    assert_eq!(
        opt("file.data:to_client;"),
        RuleOption::DirectedBuffer {
            buffer: Buffer::FileData,
            dir: FlowDir::ToClient
        }
    );
    assert_eq!(
        opt("file_data: to_server;"),
        RuleOption::DirectedBuffer {
            buffer: Buffer::FileData,
            dir: FlowDir::ToServer
        }
    );
    assert_eq!(
        opt("http.header:to_server;"),
        RuleOption::DirectedBuffer {
            buffer: Buffer::HttpHeader,
            dir: FlowDir::ToServer
        }
    );
    let o = opts(r#"file.data:to_server; content:"x"; depth:4;"#);
    assert!(matches!(&o[1], RuleOption::Content(c) if c.depth == Some(IntOrVar::Int(4))));
    assert_eq!(
        diag("file.data:both;"),
        "t.rules:7:41: sid 1: file.data: invalid direction 'both', expected to_server or to_client"
    );
    // Packet buffers have no direction.
    assert_eq!(
        err("pkt_data:to_client;"),
        "pkt_data: takes no value, found 'to_client'"
    );
    assert_eq!(
        err("tcp.hdr:to_server;"),
        "tcp.hdr: takes no value, found 'to_server'"
    );
}

#[test]
fn transforms() {
    for (kw, t) in [
        ("dotprefix", Transform::Dotprefix),
        ("strip_whitespace", Transform::StripWhitespace),
        ("compress_whitespace", Transform::CompressWhitespace),
        ("to_lowercase", Transform::ToLowercase),
        ("to_uppercase", Transform::ToUppercase),
        ("url_decode", Transform::UrlDecode),
        ("to_md5", Transform::ToMd5),
        ("to_sha1", Transform::ToSha1),
        ("to_sha256", Transform::ToSha256),
        ("header_lowercase", Transform::HeaderLowercase),
        ("strip_pseudo_headers", Transform::StripPseudoHeaders),
        ("gunzip", Transform::Gunzip),
        ("zlib_deflate", Transform::ZlibDeflate),
        ("domain", Transform::Domain),
        ("tld", Transform::Tld),
    ] {
        assert_eq!(opt(&format!("{kw};")), RuleOption::Transform(t.clone()));
        assert_eq!(
            err(&format!("{kw}:x;")),
            format!("{kw}: takes no value, found 'x'")
        );
    }
    assert_eq!(
        opt("xor:0aFF;"),
        RuleOption::Transform(Transform::Xor(vec![0x0a, 0xff]))
    );
    assert_eq!(
        diag(r#"xor:"zz";"#),
        "t.rules:7:35: sid 1: xor: invalid key 'zz', expected an even number of hex digits"
    );
    assert_eq!(
        err(r#"pcrexform:"";"#),
        "pcrexform: empty regular expression"
    );
    assert_eq!(
        opt("luaxform:script.lua, arg;"),
        RuleOption::Transform(Transform::Luaxform("script.lua, arg".into()))
    );
    assert_eq!(err("luaxform;"), "luaxform: expected a value, found none");
    assert_eq!(
        opt("from_base64;"),
        RuleOption::Transform(Transform::FromBase64(Base64Decode::default()))
    );
    assert_eq!(
        opt("from_base64: offset 2, bytes 8, mode rfc2045;"),
        RuleOption::Transform(Transform::FromBase64(Base64Decode {
            bytes: Some(8),
            offset: Some(2),
            relative: false,
            mode: Some("rfc2045".into())
        }))
    );
    assert_eq!(
        err("from_base64:mode lax;"),
        "from_base64: unknown option 'mode lax', expected bytes N, offset N, mode rfc4648|rfc2045|strict"
    );
}

#[test]
fn bsize_and_urilen() {
    assert_eq!(
        opt("bsize:10<>20;"),
        RuleOption::Bsize(IntCmp {
            op: CmpOp::Range,
            a: 10,
            b: 20
        })
    );
    assert_eq!(
        diag("bsize:big;"),
        "t.rules:7:37: sid 1: bsize: invalid comparison 'big', expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M"
    );
    assert_eq!(
        opt("urilen:5<>10, norm;"),
        RuleOption::Urilen(Urilen {
            cmp: IntCmp {
                op: CmpOp::Range,
                a: 5,
                b: 10
            },
            raw: false
        })
    );
    assert_eq!(
        err("urilen:65536;"),
        "urilen: value 65536 is out of range, expected 0 to 65535"
    );
}

#[test]
fn absent_keyword() {
    assert_eq!(opt("absent;"), RuleOption::Absent { or_else: false });
    assert_eq!(
        opt("absent: or_else;"),
        RuleOption::Absent { or_else: true }
    );
    assert!(err("absent: maybe;").contains("expected none or 'or_else'"));
}
