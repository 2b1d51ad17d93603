//! Parsing one rule: header, options, content-modifier folding and the
//! meta summary.

use crate::ast::{Buffer, Content, Dialect, RuleMeta, RuleOption, SourceLoc, Spanned};
use crate::content::{apply_modifier, decode_pattern, is_modifier};
use crate::error::{perr, PErr, PResult};
use crate::header::parse_header;
use crate::lexer::split_rule;
use crate::pcre::parse_pcre;
use crate::{Diagnostic, Rule};
use std::sync::Arc;

/// Parse one rule from a string (location `<input>:1`).
pub fn parse_rule(text: &str, dialect: Dialect) -> Result<Rule, Diagnostic> {
    parse_rule_at(
        text,
        dialect,
        SourceLoc {
            file: Arc::from("<input>"),
            line: 1,
            column: 1,
        },
    )
}

/// Parse one rule whose first line is at `loc`.
pub fn parse_rule_at(text: &str, dialect: Dialect, loc: SourceLoc) -> Result<Rule, Diagnostic> {
    let Dialect::Suricata = dialect;
    parse_inner(text, &loc).map_err(|e| Diagnostic {
        file: loc.file.clone(),
        line: loc.line,
        column: loc.column - 1 + column(text, e.at),
        sid: sniff_sid(text),
        message: e.msg,
    })
}

/// 1-based column of byte offset `at` (counted in characters).
fn column(text: &str, at: usize) -> u32 {
    let at = at.min(text.len());
    let mut a = at;
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    text[..a].chars().count() as u32 + 1
}

/// Best-effort sid for diagnostics of rules that fail to parse.
pub(crate) fn sniff_sid(text: &str) -> Option<u32> {
    let mut from = 0;
    while let Some(p) = text[from..].find("sid") {
        let i = from + p;
        from = i + 3;
        let before = text[..i].trim_end().chars().last();
        if !matches!(before, Some(';') | Some('(')) {
            continue;
        }
        let rest = text[i + 3..].trim_start();
        if let Some(r) = rest.strip_prefix(':') {
            let r = r.trim_start();
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            return r[..end].parse().ok();
        }
    }
    None
}

fn parse_inner(text: &str, loc: &SourceLoc) -> PResult<Rule> {
    let (header, raw) = split_rule(text)?;
    let h = parse_header(header)?;
    let mut options: Vec<Spanned<RuleOption>> = Vec::with_capacity(raw.len());
    let mut meta = RuleMeta {
        gid: 1,
        ..RuleMeta::default()
    };
    let mut seen_sid = false;
    let mut seen = [false; 6]; // rev gid msg classtype priority target
    let mut last_content: Option<usize> = None;
    let mut fp_seen = false;
    for o in &raw {
        let kw_owned;
        let kw = if o.keyword.bytes().any(|b| b.is_ascii_uppercase()) {
            kw_owned = o.keyword.to_ascii_lowercase();
            kw_owned.as_str()
        } else {
            o.keyword
        };
        let at = if o.value.is_some() {
            o.value_at
        } else {
            o.kw_at
        };
        if is_modifier(kw) {
            let idx = last_content.ok_or_else(|| {
                perr(
                    o.kw_at,
                    format!(
                        "{kw}: expected a preceding content option in the same buffer, found none"
                    ),
                )
            })?;
            let entry = &mut options[idx];
            if let RuleOption::Content(c) = &mut entry.node {
                apply_modifier(c, kw, o.value, at, &mut fp_seen)?;
            }
            entry.span.end = o.span.end;
            continue;
        }
        let node = match kw {
            "content" | "uricontent" => {
                let (negated, pattern) = decode_pattern(kw, o.value, at)?;
                let legacy_buffer = (kw == "uricontent").then_some(Buffer::HttpUri);
                RuleOption::Content(Content {
                    pattern,
                    negated,
                    legacy_buffer,
                    ..Content::default()
                })
            }
            "pcre" => RuleOption::Pcre(parse_pcre(o.value, at)?),
            _ => crate::options::parse_option(kw, o.value, o.kw_at, at)?,
        };
        let dup = |name: &str| {
            perr(
                o.kw_at,
                format!("{name}: given more than once, expected at most one"),
            )
        };
        match &node {
            RuleOption::Sid(s) => {
                if seen_sid {
                    return Err(dup("sid"));
                }
                seen_sid = true;
                meta.sid = *s;
            }
            RuleOption::Rev(r) => {
                if std::mem::replace(&mut seen[0], true) {
                    return Err(dup("rev"));
                }
                meta.rev = *r;
            }
            RuleOption::Gid(g) => {
                if std::mem::replace(&mut seen[1], true) {
                    return Err(dup("gid"));
                }
                meta.gid = *g;
            }
            RuleOption::Msg(m) => {
                if std::mem::replace(&mut seen[2], true) {
                    return Err(dup("msg"));
                }
                meta.msg = m.clone();
            }
            RuleOption::Classtype(c) => {
                if std::mem::replace(&mut seen[3], true) {
                    return Err(dup("classtype"));
                }
                meta.classtype = Some(c.clone());
            }
            RuleOption::Priority(p) => {
                if std::mem::replace(&mut seen[4], true) {
                    return Err(dup("priority"));
                }
                meta.priority = Some(*p);
            }
            RuleOption::Target(t) => {
                if std::mem::replace(&mut seen[5], true) {
                    return Err(dup("target"));
                }
                meta.target = Some(*t);
            }
            RuleOption::Reference(r) => meta.references.push(r.clone()),
            RuleOption::Metadata(m) => meta.metadata.extend(m.iter().cloned()),
            RuleOption::Content(_) => last_content = Some(options.len()),
            RuleOption::Buffer(_) | RuleOption::DirectedBuffer { .. } => last_content = None,
            _ => {}
        }
        options.push(Spanned {
            span: o.span.clone(),
            node,
        });
    }
    if !seen_sid {
        let at = header.len();
        return Err(missing_sid(at));
    }
    Ok(Rule {
        action: h.action,
        protocol: h.protocol,
        src_addr: h.src_addr,
        src_port: h.src_port,
        direction: h.direction,
        dst_addr: h.dst_addr,
        dst_port: h.dst_port,
        options,
        meta,
        text: text.to_string(),
        loc: loc.clone(),
    })
}

fn missing_sid(at: usize) -> PErr {
    perr(at, "missing required option 'sid'")
}
