//! File keywords: `filename`, `fileext`, `filesize`.
//!
//! `filename` and `fileext` take a quoted pattern (`filename:"a.exe";`,
//! hex and escapes as in `content`) or a bare word (`fileext:pdf;`), either
//! negated with `!`. `filesize` takes an integer comparison
//! (`filesize:>100000;`, `filesize:1<>100;`, `filesize:<2MB;`) over the
//! file's size in bytes; a number may carry a unit (`KB`, `MB`, `GB`, any
//! case, powers of 1024).

use super::cmp;
use crate::ast::{FilePattern, RuleOption};
use crate::content::decode_pattern;
use crate::error::{perr, PResult};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "filename" => pattern(kw, v, at).map(RuleOption::Filename),
        "fileext" => pattern(kw, v, at).map(RuleOption::Fileext),
        "filesize" => match v.map(with_units) {
            Some(Ok(bytes)) => cmp(kw, Some(&bytes), at, u64::MAX).map(RuleOption::Filesize),
            Some(Err(m)) => Err(perr(at, format!("{kw}: {m}"))),
            None => cmp(kw, None, at, u64::MAX).map(RuleOption::Filesize),
        },
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

/// `v` with every number that carries a size unit replaced by its value
/// in bytes (`>2KB` becomes `>2048`); other text is kept as it is.
fn with_units(v: &str) -> Result<String, String> {
    let b = v.as_bytes();
    let mut out = String::with_capacity(v.len());
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            out.push(char::from(b[i]));
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
            // hexadecimal: no unit
            i += 2;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                i += 1;
            }
            out.push_str(&v[start..i]);
            continue;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &v[start..i];
        let unit_start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &v[unit_start..i];
        if unit.is_empty() {
            out.push_str(digits);
            continue;
        }
        let scale: u64 = match unit.to_ascii_lowercase().as_str() {
            "b" => 1,
            "kb" => 1 << 10,
            "mb" => 1 << 20,
            "gb" => 1 << 30,
            _ => return Err(format!("unknown size unit '{unit}', expected KB, MB or GB")),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("size '{digits}' is too large"))?;
        let bytes = n
            .checked_mul(scale)
            .ok_or_else(|| format!("size '{digits}{unit}' is too large"))?;
        out.push_str(&bytes.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{CmpOp, IntCmp};

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
        assert_eq!(
            p("filesize", ">2KB"),
            RuleOption::Filesize(IntCmp {
                op: CmpOp::Gt,
                a: 2048,
                b: 0
            })
        );
        assert_eq!(
            p("filesize", "1mb<>1GB"),
            RuleOption::Filesize(IntCmp {
                op: CmpOp::Range,
                a: 1 << 20,
                b: 1 << 30
            })
        );
        assert_eq!(
            p("filesize", "0x10"),
            RuleOption::Filesize(IntCmp {
                op: CmpOp::Eq,
                a: 16,
                b: 0
            })
        );
        assert!(parse("filesize", Some("3TB"), 0).unwrap().is_err());
        assert!(parse("filesize", Some("99999999999999999999GB"), 0)
            .unwrap()
            .is_err());
        assert!(parse("filesize", None, 0).unwrap().is_err());
    }
}
