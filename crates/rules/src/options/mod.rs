//! Option dispatch: keyword → typed [`RuleOption`], plus the table of known
//! keywords used for "unknown rule option" suggestions.

mod bytes;
mod flow;
mod meta;
mod other;
mod packet;
mod post;
mod state;
mod transform;

use crate::ast::{Buffer, IntCmp, RuleOption};
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

/// Parse a non-content-modifier option. `kw` is lower-cased.
pub(crate) fn parse_option(kw: &str, v: Option<&str>, at: usize) -> PResult<RuleOption> {
    if let Some(r) = meta::parse(kw, v, at) {
        return r;
    }
    if let Some(b) = Buffer::from_sticky_name(kw) {
        none(kw, v, at)?;
        return Ok(RuleOption::Buffer(b));
    }
    for f in [
        transform::parse,
        flow::parse,
        bytes::parse,
        packet::parse,
        state::parse,
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
        at,
        format!(
            "unknown rule option '{kw}'{}",
            crate::suggest::did_you_mean(kw, all_keywords(), "'")
        ),
    ))
}
