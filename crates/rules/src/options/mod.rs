//! Option dispatch: keyword → typed [`RuleOption`], plus the table of known
//! keywords used for "unknown rule option" suggestions.

mod app_values;
mod bytes;
mod file;
mod flow;
mod meta;
mod other;
mod packet;
mod post;
mod state;
mod transform;

use crate::ast::{Buffer, FlowDir, IntCmp, RuleOption};
use crate::error::{perr, PResult};
use crate::num::parse_int_cmp;

pub(crate) use other::all_keywords;

/// Required value.
pub(crate) fn req<'a>(kw: &str, v: Option<&'a str>, at: usize) -> PResult<&'a str> {
    match v {
        Some(x) if !x.is_empty() => Ok(x),
        _ => Err(perr(at, format!("{kw}: expected a value, found none"))),
    }
}

/// Keyword that takes no value.
pub(crate) fn none(kw: &str, v: Option<&str>, at: usize) -> PResult<()> {
    match v {
        Some(x) => Err(perr(at, format!("{kw}: takes no value, found '{x}'"))),
        None => Ok(()),
    }
}

/// Integer comparison value bounded by `max`.
pub(crate) fn cmp(kw: &str, v: Option<&str>, at: usize, max: u64) -> PResult<IntCmp> {
    parse_int_cmp(req(kw, v, at)?, max).map_err(|m| perr(at, format!("{kw}: {m}")))
}

/// Strip one pair of surrounding double quotes, if present.
pub(crate) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

/// Comma separated items, trimmed.
pub(crate) fn items(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim)
}

/// Buffers of the packet itself, which have no direction.
fn packet_buffer(b: Buffer) -> bool {
    matches!(
        b,
        Buffer::PktData
            | Buffer::Base64Data
            | Buffer::TcpHdr
            | Buffer::UdpHdr
            | Buffer::Ipv4Hdr
            | Buffer::Ipv6Hdr
            | Buffer::Icmpv4Hdr
            | Buffer::Icmpv6Hdr
    )
}

/// A sticky buffer keyword, optionally with a direction
/// (`file.data:to_client`).
fn sticky(kw: &str, b: Buffer, v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let Some(x) = v else {
        return Ok(RuleOption::Buffer(b));
    };
    if packet_buffer(b) {
        none(kw, v, at)?;
    }
    let dir = match x {
        "to_server" => FlowDir::ToServer,
        "to_client" => FlowDir::ToClient,
        _ => {
            return Err(perr(
                at,
                format!("{kw}: invalid direction '{x}', expected to_server or to_client"),
            ))
        }
    };
    Ok(RuleOption::DirectedBuffer { buffer: b, dir })
}

/// Parse a non-content-modifier option. `kw` is lower-cased; `kw_at` is
/// the offset of the keyword (unknown keywords are reported there), `at`
/// the offset of the value.
pub(crate) fn parse_option(
    kw: &str,
    v: Option<&str>,
    kw_at: usize,
    at: usize,
) -> PResult<RuleOption> {
    if let Some(r) = meta::parse(kw, v, at) {
        return r;
    }
    if let Some(b) = Buffer::from_sticky_name(kw) {
        return sticky(kw, b, v, at);
    }
    for f in [
        file::parse,
        transform::parse,
        flow::parse,
        bytes::parse,
        packet::parse,
        state::parse,
        app_values::parse,
        post::parse,
    ] {
        if let Some(r) = f(kw, v, at) {
            return r;
        }
    }
    if let Some(k) = other::lookup(kw) {
        return Ok(RuleOption::Other {
            keyword: k,
            value: v.map(str::to_string),
        });
    }
    Err(perr(
        kw_at,
        format!(
            "unknown rule option '{kw}'{}",
            crate::suggest::did_you_mean(kw, all_keywords(), "'")
        ),
    ))
}
