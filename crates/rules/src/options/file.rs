//! File keywords: `filename`, `fileext`, `filesize`.
//!
//! `filename` and `fileext` take a quoted pattern (`filename:"a.exe";`,
//! hex and escapes as in `content`) or a bare word (`fileext:pdf;`), either
//! negated with `!`. `filesize` takes an integer comparison
//! (`filesize:>100000;`, `filesize:1<>100;`) over the file's size in
//! bytes.

use super::cmp;
use crate::ast::{FilePattern, RuleOption};
use crate::content::decode_pattern;
use crate::error::{perr, PResult};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "filename" => pattern(kw, v, at).map(RuleOption::Filename),
        "fileext" => pattern(kw, v, at).map(RuleOption::Fileext),
        "filesize" => cmp(kw, v, at, u64::MAX).map(RuleOption::Filesize),
        _ => return None,
    })
}

fn pattern(kw: &str, v: Option<&str>, at: usize) -> PResult<FilePattern> {
    let raw = v.ok_or_else(|| perr(at, format!("{kw}: expected a name, found no value")))?;
    let quoted = raw.trim_start_matches('!').trim_start().starts_with('"');
    let (negated, pattern) = if quoted {
        decode_pattern(kw, Some(raw), at)?
    } else {
        let (negated, word) = match raw.strip_prefix('!') {
            Some(w) => (true, w.trim()),
            None => (false, raw),
        };
        (negated, word.as_bytes().to_vec())
    };
    if pattern.is_empty() {
        return Err(perr(at, format!("{kw}: empty name")));
    }
    Ok(FilePattern { pattern, negated })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::IntCmp;

    fn p(kw: &str, v: &str) -> RuleOption {
        parse(kw, Some(v), 0).unwrap().unwrap()
    }

    #[test]
    fn names_quoted_bare_and_negated() {
        assert_eq!(
            p("filename", "\"eicar.txt\""),
            RuleOption::Filename(FilePattern {
                pattern: b"eicar.txt".to_vec(),
                negated: false
            })
        );
        assert_eq!(
            p("fileext", "pdf"),
            RuleOption::Fileext(FilePattern {
                pattern: b"pdf".to_vec(),
                negated: false
            })
        );
        assert_eq!(
            p("fileext", "!\"e|78|e\""),
            RuleOption::Fileext(FilePattern {
                pattern: b"exe".to_vec(),
                negated: true
            })
        );
        assert!(parse("filename", None, 0).unwrap().is_err());
        assert!(parse("filename", Some("\"\""), 0).unwrap().is_err());
        assert!(parse("content", Some("x"), 0).is_none());
    }

    #[test]
    fn sizes() {
        assert!(matches!(
            p("filesize", ">100"),
            RuleOption::Filesize(IntCmp { .. })
        ));
        assert!(parse("filesize", Some("big"), 0).unwrap().is_err());
    }
}
