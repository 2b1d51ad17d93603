//! Value keywords of DNS and TLS transactions that are not sticky buffers:
//! `dns.rcode` and `dns.rrtype` (numbers, or the protocol's names for
//! them) and the legacy certificate tests `tls.subject` / `tls.issuerdn`.

use super::{cmp, req, unquote};
use crate::ast::{Buffer, CmpOp, IntCmp, RuleOption};
use crate::error::{perr, PResult};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "dns.rcode" => named_cmp(kw, v, at, 255, rcode_value).map(RuleOption::DnsRcode),
        "dns.rrtype" => named_cmp(kw, v, at, 65535, rrtype_value).map(RuleOption::DnsRrtype),
        "tls.subject" => cert_field(kw, Buffer::TlsCertSubject, v, at),
        "tls.issuerdn" => cert_field(kw, Buffer::TlsCertIssuer, v, at),
        _ => return None,
    })
}

/// An integer comparison, or `[!]NAME` where `name` maps NAME to its value.
fn named_cmp(
    kw: &str,
    v: Option<&str>,
    at: usize,
    max: u64,
    name: fn(&str) -> Option<u16>,
) -> PResult<IntCmp> {
    let x = req(kw, v, at)?.trim();
    let (negated, word) = match x.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, x),
    };
    if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let value = name(&word.to_ascii_uppercase())
            .ok_or_else(|| perr(at, format!("{kw}: unknown name '{word}'")))?;
        return Ok(IntCmp {
            op: if negated { CmpOp::Ne } else { CmpOp::Eq },
            a: u64::from(value),
            b: 0,
        });
    }
    cmp(kw, v, at, max)
}

fn cert_field(kw: &str, buffer: Buffer, v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req(kw, v, at)?.trim();
    let (negated, rest) = match x.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, x),
    };
    let value = unquote(rest);
    if value.is_empty() {
        return Err(perr(at, format!("{kw}: expected a non-empty value")));
    }
    Ok(RuleOption::TlsCertField {
        buffer,
        negated,
        value: value.as_bytes().to_vec(),
    })
}

/// DNS response code names (RFC 6895 registry).
fn rcode_value(name: &str) -> Option<u16> {
    Some(match name {
        "NOERROR" => 0,
        "FORMERR" => 1,
        "SERVFAIL" => 2,
        "NXDOMAIN" => 3,
        "NOTIMP" => 4,
        "REFUSED" => 5,
        "YXDOMAIN" => 6,
        "YXRRSET" => 7,
        "NXRRSET" => 8,
        "NOTAUTH" => 9,
        "NOTZONE" => 10,
        "BADVERS" => 16,
        "BADSIG" => 16,
        "BADKEY" => 17,
        "BADTIME" => 18,
        "BADMODE" => 19,
        "BADNAME" => 20,
        "BADALG" => 21,
        "BADTRUNC" => 22,
        "BADCOOKIE" => 23,
        _ => return None,
    })
}

/// DNS record type names (IANA registry, the commonly used part).
fn rrtype_value(name: &str) -> Option<u16> {
    Some(match name {
        "A" => 1,
        "NS" => 2,
        "MD" => 3,
        "MF" => 4,
        "CNAME" => 5,
        "SOA" => 6,
        "MB" => 7,
        "MG" => 8,
        "MR" => 9,
        "NULL" => 10,
        "WKS" => 11,
        "PTR" => 12,
        "HINFO" => 13,
        "MINFO" => 14,
        "MX" => 15,
        "TXT" => 16,
        "RP" => 17,
        "AFSDB" => 18,
        "X25" => 19,
        "ISDN" => 20,
        "RT" => 21,
        "NSAP" => 22,
        "NSAPPTR" => 23,
        "SIG" => 24,
        "KEY" => 25,
        "PX" => 26,
        "GPOS" => 27,
        "AAAA" => 28,
        "LOC" => 29,
        "NXT" => 30,
        "SRV" => 33,
        "ATMA" => 34,
        "NAPTR" => 35,
        "KX" => 36,
        "CERT" => 37,
        "A6" => 38,
        "DNAME" => 39,
        "OPT" => 41,
        "APL" => 42,
        "DS" => 43,
        "SSHFP" => 44,
        "IPSECKEY" => 45,
        "RRSIG" => 46,
        "NSEC" => 47,
        "DNSKEY" => 48,
        "DHCID" => 49,
        "NSEC3" => 50,
        "NSEC3PARAM" => 51,
        "TLSA" => 52,
        "HIP" => 55,
        "CDS" => 59,
        "CDNSKEY" => 60,
        "SVCB" => 64,
        "HTTPS" => 65,
        "SPF" => 99,
        "TKEY" => 249,
        "TSIG" => 250,
        "IXFR" => 251,
        "AXFR" => 252,
        "MAILB" => 253,
        "MAILA" => 254,
        "ANY" => 255,
        "URI" => 256,
        "CAA" => 257,
        "TA" => 32768,
        "DLV" => 32769,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::ast::{Buffer, CmpOp, RuleOption};
    use crate::{parse_rule, Dialect};

    fn opts(body: &str) -> Vec<RuleOption> {
        let r = parse_rule(
            &format!("alert dns any any -> any any ({body} sid:1;)"),
            Dialect::Suricata,
        )
        .expect("rule parses");
        r.options.into_iter().map(|o| o.node).collect()
    }

    #[test]
    fn rcode_takes_numbers_and_names() {
        match &opts("dns.rcode:3;")[0] {
            RuleOption::DnsRcode(c) => assert!(c.matches(3) && !c.matches(2)),
            o => panic!("{o:?}"),
        }
        match &opts("dns.rcode:!nxdomain;")[0] {
            RuleOption::DnsRcode(c) => {
                assert_eq!(c.op, CmpOp::Ne);
                assert!(!c.matches(3) && c.matches(0));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn rrtype_takes_numbers_and_names() {
        match &opts("dns.rrtype:MX;")[0] {
            RuleOption::DnsRrtype(c) => assert!(c.matches(15)),
            o => panic!("{o:?}"),
        }
        match &opts("dns.rrtype:!2;")[0] {
            RuleOption::DnsRrtype(c) => assert!(c.matches(1) && !c.matches(2)),
            o => panic!("{o:?}"),
        }
        assert!(parse_rule(
            "alert dns any any -> any any (dns.rrtype:BOGUS; sid:1;)",
            Dialect::Suricata
        )
        .is_err());
    }

    #[test]
    fn legacy_cert_fields_are_substring_tests() {
        match &opts(r#"tls.issuerdn:"C=FR, O=Stamus";"#)[0] {
            RuleOption::TlsCertField {
                buffer,
                negated,
                value,
            } => {
                assert_eq!(*buffer, Buffer::TlsCertIssuer);
                assert!(!negated);
                assert_eq!(value, b"C=FR, O=Stamus");
            }
            o => panic!("{o:?}"),
        }
        match &opts(r#"tls.subject:!"CN=x";"#)[0] {
            RuleOption::TlsCertField {
                buffer, negated, ..
            } => {
                assert_eq!(*buffer, Buffer::TlsCertSubject);
                assert!(negated);
            }
            o => panic!("{o:?}"),
        }
    }
}
