//! Meta options: msg, sid, rev, gid, classtype, priority, reference,
//! metadata, target.

use super::{items, req, unquote};
use crate::ast::{Reference, RuleOption, Target};
use crate::error::{perr, PResult};
use crate::num::parse_bounded;

/// Decode the rule-language escapes of a quoted string (`\"`, `\;`, `\\`, `\:`).
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(n @ ('"' | ';' | '\\' | ':')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    let num = |max: u64| -> PResult<u64> {
        parse_bounded(req(kw, v, at)?, max, "a number").map_err(|m| perr(at, format!("{kw}: {m}")))
    };
    Some(match kw {
        "msg" => req(kw, v, at).map(|x| RuleOption::Msg(unescape(unquote(x)))),
        "sid" => num(u64::from(u32::MAX)).and_then(|n| {
            if n == 0 {
                Err(perr(
                    at,
                    "sid: value 0 is out of range, expected 1 to 4294967295",
                ))
            } else {
                Ok(RuleOption::Sid(n as u32))
            }
        }),
        "rev" => num(u64::from(u32::MAX)).map(|n| RuleOption::Rev(n as u32)),
        "gid" => num(u64::from(u32::MAX)).map(|n| RuleOption::Gid(n as u32)),
        "priority" => num(255).and_then(|n| {
            if n == 0 {
                Err(perr(
                    at,
                    "priority: value 0 is out of range, expected 1 to 255",
                ))
            } else {
                Ok(RuleOption::Priority(n as u8))
            }
        }),
        "classtype" => req(kw, v, at).and_then(|x| {
            if x.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                Ok(RuleOption::Classtype(x.to_string()))
            } else {
                Err(perr(
                    at,
                    format!(
                        "classtype: invalid class name '{x}', expected letters, digits, '-' or '_'"
                    ),
                ))
            }
        }),
        "reference" => req(kw, v, at).and_then(|x| match x.split_once(',') {
            Some((s, i)) if !s.trim().is_empty() && !i.trim().is_empty() => {
                Ok(RuleOption::Reference(Reference {
                    system: s.trim().to_string(),
                    id: unquote(i.trim()).to_string(),
                }))
            }
            _ => Err(perr(
                at,
                format!("reference: invalid value '{x}', expected 'system,id'"),
            )),
        }),
        "metadata" => req(kw, v, at).map(|x| {
            RuleOption::Metadata(
                items(x)
                    .filter(|i| !i.is_empty())
                    .map(|i| match i.split_once(char::is_whitespace) {
                        Some((k, val)) => (k.to_string(), val.trim().to_string()),
                        None => (i.to_string(), String::new()),
                    })
                    .collect(),
            )
        }),
        "target" => req(kw, v, at).and_then(|x| match x {
            "src_ip" => Ok(RuleOption::Target(Target::Src)),
            "dest_ip" => Ok(RuleOption::Target(Target::Dst)),
            _ => Err(perr(
                at,
                format!("target: invalid value '{x}', expected src_ip or dest_ip"),
            )),
        }),
        _ => return None,
    })
}
