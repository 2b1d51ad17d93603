//! App-layer state and buffer-size keywords: ssl_state, ssl_version,
//! tls.version, tls_cert_expired/valid, dns.opcode, urilen, bsize, absent
//! and the event keywords.

use super::{cmp, none, req};
use crate::ast::{RuleOption, SslStateFlag, SslVersionName, Urilen};
use crate::error::{perr, PResult};
use crate::num::{parse_int_cmp, parse_u64};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "ssl_state" => ssl_state(v, at),
        "ssl_version" => ssl_version(v, at),
        "tls.version" => tls_version(v, at),
        "tls_cert_expired" | "tls.cert_expired" => {
            none(kw, v, at).map(|_| RuleOption::TlsCertExpired)
        }
        "tls_cert_valid" | "tls.cert_valid" => none(kw, v, at).map(|_| RuleOption::TlsCertValid),
        "dns.opcode" => cmp(kw, v, at, 15).map(RuleOption::DnsOpcode),
        "bsize" => cmp(kw, v, at, u64::MAX >> 1).map(RuleOption::Bsize),
        "absent" => absent(v, at),
        "urilen" => urilen(v, at),
        "decode-event" | "stream-event" | "app-layer-event" => event(kw, v, at),
        _ => return None,
    })
}

fn absent(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    match v.map(str::trim) {
        None => Ok(RuleOption::Absent { or_else: false }),
        Some("or_else") => Ok(RuleOption::Absent { or_else: true }),
        Some(x) => Err(perr(
            at,
            format!("absent: invalid value '{x}', expected none or 'or_else'"),
        )),
    }
}

fn event(kw: &str, v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req(kw, v, at)?;
    let (neg, name) = match x.strip_prefix('!') {
        Some(n) => ("!", n),
        None => ("", x),
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        return Err(perr(
            at,
            format!("{kw}: invalid event name '{x}', expected a name such as 'ipv4.trunc_pkt'"),
        ));
    }
    let s = format!("{neg}{name}");
    Ok(match kw {
        "decode-event" => RuleOption::DecodeEvent(s),
        "stream-event" => RuleOption::StreamEvent(s),
        _ => RuleOption::AppLayerEvent(s),
    })
}

fn urilen(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("urilen", v, at)?;
    let (c, raw) = match x.split_once(',') {
        Some((a, "raw" | " raw")) => (a, true),
        Some((a, m)) => match m.trim() {
            "raw" => (a, true),
            "norm" => (a, false),
            o => {
                return Err(perr(
                    at,
                    format!("urilen: unknown mode '{o}', expected raw or norm"),
                ))
            }
        },
        None => (x, false),
    };
    let cmp = parse_int_cmp(c, 65535).map_err(|m| perr(at, format!("urilen: {m}")))?;
    Ok(RuleOption::Urilen(Urilen { cmp, raw }))
}

fn ssl_state(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("ssl_state", v, at)?;
    let mut out = Vec::new();
    for it in x.split([',', '|']).map(str::trim) {
        let (neg, n) = match it.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, it),
        };
        let s = match n {
            "client_hello" => SslStateFlag::ClientHello,
            "server_hello" => SslStateFlag::ServerHello,
            "client_keyx" => SslStateFlag::ClientKeyx,
            "server_keyx" => SslStateFlag::ServerKeyx,
            "unknown" => SslStateFlag::Unknown,
            _ => {
                return Err(perr(at, format!("ssl_state: unknown state '{n}', expected client_hello, server_hello, client_keyx, server_keyx or unknown")))
            }
        };
        out.push((neg, s));
    }
    Ok(RuleOption::SslState(out))
}

fn ssl_version(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("ssl_version", v, at)?;
    let mut out = Vec::new();
    for it in x.split(',').map(str::trim) {
        let (neg, n) = match it.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, it),
        };
        let s = match n {
            "sslv2" => SslVersionName::Sslv2,
            "sslv3" => SslVersionName::Sslv3,
            "tls1.0" => SslVersionName::Tls10,
            "tls1.1" => SslVersionName::Tls11,
            "tls1.2" => SslVersionName::Tls12,
            "tls1.3" => SslVersionName::Tls13,
            _ => return Err(perr(at, format!("ssl_version: unknown version '{n}', expected sslv2, sslv3, tls1.0, tls1.1, tls1.2 or tls1.3"))),
        };
        out.push((neg, s));
    }
    Ok(RuleOption::SslVersion(out))
}

fn tls_version(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("tls.version", v, at)?;
    let n = match x {
        "1.0" => 0x0301,
        "1.1" => 0x0302,
        "1.2" => 0x0303,
        "1.3" => 0x0304,
        _ => match parse_u64(x).filter(|n| *n <= 0xffff) {
            Some(n) if x.starts_with("0x") => n as u16,
            _ => return Err(perr(at, format!("tls.version: invalid version '{x}', expected 1.0, 1.1, 1.2, 1.3 or a hex value like 0x0303"))),
        },
    };
    Ok(RuleOption::TlsVersion(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_forms() {
        let p = |v| parse("absent", v, 0).unwrap();
        assert_eq!(p(None).unwrap(), RuleOption::Absent { or_else: false });
        assert_eq!(
            p(Some(" or_else")).unwrap(),
            RuleOption::Absent { or_else: true }
        );
        assert!(p(Some("maybe")).is_err());
    }
}
