//! Splits a rule into header text and raw `keyword[:value];` options.
//!
//! Follows Suricata: an option ends at the first `;` not preceded by a
//! backslash (quotes do not protect `;`). Spans are byte offsets into the
//! rule text.

use crate::error::{perr, PResult};
use std::ops::Range;

/// One option before keyword-specific parsing.
#[derive(Debug, Clone)]
pub(crate) struct RawOption<'a> {
    /// Keyword as written (trimmed).
    pub keyword: &'a str,
    /// Offset of the keyword.
    pub kw_at: usize,
    /// Trimmed value after `:`, if any.
    pub value: Option<&'a str>,
    /// Offset of the first byte of `value` (or just after the keyword).
    pub value_at: usize,
    /// Whole option, keyword to value end (without `;`).
    pub span: Range<usize>,
}

/// Header text (up to the `(`) and options.
pub(crate) fn split_rule(text: &str) -> PResult<(&str, Vec<RawOption<'_>>)> {
    let open = text.find('(').ok_or_else(|| {
        perr(
            text.len(),
            "expected '(' starting the rule options, found end of rule",
        )
    })?;
    let close = text.rfind(')').filter(|&c| c > open).ok_or_else(|| {
        perr(
            text.len(),
            "expected ')' closing the rule options, found end of rule",
        )
    })?;
    let trailing = &text[close + 1..];
    if let Some(off) = trailing.find(|c: char| !c.is_whitespace()) {
        return Err(perr(
            close + 1 + off,
            format!(
                "unexpected text after the closing ')': '{}'",
                trailing.trim()
            ),
        ));
    }
    let bytes = text.as_bytes();
    let mut opts = Vec::new();
    let mut i = open + 1;
    while i < close {
        // skip whitespace
        while i < close && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= close {
            break;
        }
        let start = i;
        let mut colon = None;
        let mut end = None;
        while i < close {
            match bytes[i] {
                b'\\' => i += 2,
                b':' if colon.is_none() => {
                    colon = Some(i);
                    i += 1;
                }
                b';' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let end = match end {
            Some(e) => e,
            None => {
                return Err(perr(
                    start,
                    format!(
                        "expected ';' after option '{}', found ')'",
                        text[start..close.min(i)].trim()
                    ),
                ))
            }
        };
        i = end + 1;
        let kw_end = colon.unwrap_or(end);
        let keyword = text[start..kw_end].trim_end();
        if keyword.is_empty() {
            return Err(perr(start, "expected a keyword, found ':' or ';'"));
        }
        let (value, value_at) = match colon {
            Some(c) => {
                let raw = &text[c + 1..end];
                let lead = raw.len() - raw.trim_start().len();
                (Some(raw.trim()), c + 1 + lead)
            }
            None => (None, kw_end),
        };
        let span_end = match value {
            Some(v) => value_at + v.len(),
            None => start + keyword.len(),
        };
        opts.push(RawOption {
            keyword,
            kw_at: start,
            value,
            value_at,
            span: start..span_end,
        });
    }
    Ok((&text[..open], opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn splits_escaped_semicolons() {
        let t = r#"alert tcp any any -> any any (msg:"a\;b"; nocase; sid:1;)"#;
        let (h, o) = split_rule(t).unwrap();
        assert_eq!(h.trim(), "alert tcp any any -> any any");
        assert_eq!(o.len(), 3);
        assert_eq!(o[0].keyword, "msg");
        assert_eq!(o[0].value, Some(r#""a\;b""#));
        assert_eq!(&t[o[0].span.clone()], r#"msg:"a\;b""#);
        assert_eq!(o[1].value, None);
    }
    #[test]
    fn missing_semicolon() {
        let e = split_rule("alert tcp any any -> any any (sid:1)").unwrap_err();
        assert_eq!(e.msg, "expected ';' after option 'sid:1', found ')'");
    }
}
