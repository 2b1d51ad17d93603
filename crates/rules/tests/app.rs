//! App-layer state keywords, events and table-only keywords: ssl_state,
//! ssl_version, tls.version, tls_cert_expired, tls_cert_valid, dns.opcode,
//! decode-event, stream-event, app-layer-event, RuleOption::Other.

mod common;
use common::*;
use warden_rules::*;

#[test]
fn tls_keywords() {
    assert_eq!(
        opt("ssl_state:client_keyx,server_keyx,unknown;"),
        RuleOption::SslState(vec![
            (false, SslStateFlag::ClientKeyx),
            (false, SslStateFlag::ServerKeyx),
            (false, SslStateFlag::Unknown)
        ])
    );
    assert_eq!(
        diag("ssl_state:hello;"),
        "t.rules:7:41: sid 1: ssl_state: unknown state 'hello', expected client_hello, server_hello, client_keyx, server_keyx or unknown"
    );
    assert_eq!(
        opt("ssl_version:sslv2,sslv3,tls1.0, tls1.1,!tls1.2;"),
        RuleOption::SslVersion(vec![
            (false, SslVersionName::Sslv2),
            (false, SslVersionName::Sslv3),
            (false, SslVersionName::Tls10),
            (false, SslVersionName::Tls11),
            (true, SslVersionName::Tls12)
        ])
    );
    assert_eq!(
        err("ssl_version:tls2;"),
        "ssl_version: unknown version 'tls2', expected sslv2, sslv3, tls1.0, tls1.1, tls1.2 or tls1.3"
    );
    assert_eq!(opt("tls.version:1.0;"), RuleOption::TlsVersion(0x0301));
    assert_eq!(opt("tls.version:0x7f1c;"), RuleOption::TlsVersion(0x7f1c));
    assert_eq!(
        err("tls.version:0x10000;"),
        "tls.version: invalid version '0x10000', expected 1.0, 1.1, 1.2, 1.3 or a hex value like 0x0303"
    );
    assert_eq!(opt("tls.cert_expired;"), RuleOption::TlsCertExpired);
    assert_eq!(opt("tls_cert_valid;"), RuleOption::TlsCertValid);
    assert_eq!(
        err("tls_cert_expired:1;"),
        "tls_cert_expired: takes no value, found '1'"
    );
    assert_eq!(
        err("tls.cert_valid:no;"),
        "tls.cert_valid: takes no value, found 'no'"
    );
}

#[test]
fn dns_opcode() {
    assert_eq!(
        opt("dns.opcode:!4;"),
        RuleOption::DnsOpcode(IntCmp {
            op: CmpOp::Ne,
            a: 4,
            b: 0
        })
    );
    assert_eq!(
        diag("dns.opcode:16;"),
        "t.rules:7:42: sid 1: dns.opcode: value 16 is out of range, expected 0 to 15"
    );
}

#[test]
fn events() {
    assert_eq!(
        opt("stream-event:3whs_wrong_seq_wrong_ack;"),
        RuleOption::StreamEvent("3whs_wrong_seq_wrong_ack".into())
    );
    assert_eq!(
        opt("decode-event:!ipv6.zero_len_padding;"),
        RuleOption::DecodeEvent("!ipv6.zero_len_padding".into())
    );
    assert_eq!(
        diag("decode-event:;"),
        "t.rules:7:44: sid 1: decode-event: expected a value, found none"
    );
    assert_eq!(
        err("app-layer-event:http/x;"),
        "app-layer-event: invalid event name 'http/x', expected a name such as 'ipv4.trunc_pkt'"
    );
    assert_eq!(
        err("decode-event:!;"),
        "decode-event: invalid event name '!', expected a name such as 'ipv4.trunc_pkt'"
    );
}

#[test]
fn table_keywords_keep_their_value() {
    assert_eq!(
        opt("dataset:isset,ua-seen,type string;"),
        RuleOption::Other {
            keyword: "dataset",
            value: Some("isset,ua-seen,type string".into())
        }
    );
    assert_eq!(
        opt("FileStore;"),
        RuleOption::Other {
            keyword: "filestore",
            value: None
        }
    );
    assert_eq!(
        diag("datasett:isset,x;"),
        "t.rules:7:31: sid 1: unknown rule option 'datasett' (did you mean 'dataset'?)"
    );
}
