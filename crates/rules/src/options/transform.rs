//! Transforms applied to the current sticky buffer.

use super::{items, none, req, unquote};
use crate::ast::{Base64Decode, RuleOption, Transform};
use crate::error::{perr, PResult};

/// Parse `bytes N, offset N, relative[, mode M]` style options (shared with
/// `base64_decode`).
pub(crate) fn base64_opts(
    kw: &str,
    v: Option<&str>,
    at: usize,
    allow_mode: bool,
) -> PResult<Base64Decode> {
    let mut o = Base64Decode::default();
    let Some(v) = v else { return Ok(o) };
    for it in items(v).filter(|s| !s.is_empty()) {
        let (k, val) = it
            .split_once(char::is_whitespace)
            .map_or((it, ""), |(a, b)| (a, b.trim()));
        let n = || -> PResult<u32> {
            val.parse().map_err(|_| {
                perr(
                    at,
                    format!("{kw}: expected a number after '{k}', found '{val}'"),
                )
            })
        };
        match k {
            "bytes" => o.bytes = Some(n()?),
            "offset" => o.offset = Some(n()?),
            "relative" if val.is_empty() => o.relative = true,
            "mode" if allow_mode && matches!(val, "rfc4648" | "rfc2045" | "strict") => {
                o.mode = Some(val.to_string())
            }
            _ => {
                let expected = if allow_mode {
                    "bytes N, offset N, mode rfc4648|rfc2045|strict"
                } else {
                    "bytes N, offset N or relative"
                };
                return Err(perr(
                    at,
                    format!("{kw}: unknown option '{it}', expected {expected}"),
                ));
            }
        }
    }
    Ok(o)
}

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    let simple = match kw {
        "dotprefix" => Transform::Dotprefix,
        "strip_whitespace" => Transform::StripWhitespace,
        "compress_whitespace" => Transform::CompressWhitespace,
        "to_lowercase" => Transform::ToLowercase,
        "to_uppercase" => Transform::ToUppercase,
        "url_decode" => Transform::UrlDecode,
        "to_md5" => Transform::ToMd5,
        "to_sha1" => Transform::ToSha1,
        "to_sha256" => Transform::ToSha256,
        "header_lowercase" => Transform::HeaderLowercase,
        "strip_pseudo_headers" => Transform::StripPseudoHeaders,
        "gunzip" => Transform::Gunzip,
        "zlib_deflate" => Transform::ZlibDeflate,
        "domain" => Transform::Domain,
        "tld" => Transform::Tld,
        "xor" => return Some(xor(v, at)),
        "pcrexform" => {
            return Some(req(kw, v, at).and_then(|x| {
                let x = unquote(x);
                if x.is_empty() {
                    Err(perr(at, "pcrexform: empty regular expression"))
                } else {
                    Ok(RuleOption::Transform(Transform::Pcrexform(x.to_string())))
                }
            }))
        }
        "luaxform" => {
            return Some(
                req(kw, v, at).map(|x| RuleOption::Transform(Transform::Luaxform(x.to_string()))),
            )
        }
        "from_base64" => {
            return Some(
                base64_opts(kw, v, at, true)
                    .map(|o| RuleOption::Transform(Transform::FromBase64(o))),
            )
        }
        _ => return None,
    };
    Some(none(kw, v, at).map(|_| RuleOption::Transform(simple)))
}

fn xor(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = unquote(req("xor", v, at)?);
    if x.is_empty() || x.len() % 2 != 0 || !x.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(perr(
            at,
            format!("xor: invalid key '{x}', expected an even number of hex digits"),
        ));
    }
    let key = (0..x.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&x[i..i + 2], 16).unwrap_or(0))
        .collect();
    Ok(RuleOption::Transform(Transform::Xor(key)))
}
