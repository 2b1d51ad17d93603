//! Number parsing shared by option parsers: plain integers, `IntOrVar`
//! and the Suricata integer comparison syntax (`IntCmp`).
//!
//! Functions return a message fragment on error; callers prefix the keyword
//! and position.

use crate::ast::{CmpOp, IntCmp, IntOrVar};

/// Parse an unsigned decimal or `0x` hex integer.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a signed integer (decimal or hex).
pub(crate) fn parse_i64(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.strip_prefix('-') {
        Some(rest) => parse_u64(rest)
            .and_then(|v| i64::try_from(v).ok())
            .map(|v| -v),
        None => parse_u64(s.strip_prefix('+').unwrap_or(s)).and_then(|v| i64::try_from(v).ok()),
    }
}

/// Parse an integer bounded by `max`, with an error naming the range.
pub(crate) fn parse_bounded(s: &str, max: u64, what: &str) -> Result<u64, String> {
    match parse_u64(s) {
        Some(v) if v <= max => Ok(v),
        Some(v) => Err(format!("{what} {v} is out of range, expected 0 to {max}")),
        None => Err(format!(
            "expected {what} as an unsigned integer, found '{}'",
            s.trim()
        )),
    }
}

/// Whether `s` is a valid variable name (byte_extract/byte_math result).
pub(crate) fn is_var_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
}

/// A signed integer or a variable name.
pub(crate) fn parse_int_or_var(s: &str, what: &str) -> Result<IntOrVar, String> {
    let s = s.trim();
    if let Some(v) = parse_i64(s) {
        return Ok(IntOrVar::Int(v));
    }
    if is_var_name(s) {
        return Ok(IntOrVar::Var(s.to_string()));
    }
    Err(format!(
        "expected {what} as an integer or a byte_extract/byte_math variable name, found '{s}'"
    ))
}

const CMP_SYNTAX: &str = "expected N, =N, !N, <N, >N, <=N, >=N, N-M or N<>M";

/// Parse the shared integer comparison syntax, bounded by `max`.
pub(crate) fn parse_int_cmp(s: &str, max: u64) -> Result<IntCmp, String> {
    let t = s.trim();
    let bad = || format!("invalid comparison '{t}', {CMP_SYNTAX}");
    let num = |x: &str| -> Result<u64, String> {
        let v = parse_u64(x).ok_or_else(bad)?;
        if v > max {
            return Err(format!("value {v} is out of range, expected 0 to {max}"));
        }
        Ok(v)
    };
    if t.is_empty() {
        return Err(format!("missing value, {CMP_SYNTAX}"));
    }
    if let Some(rest) = t.strip_prefix('&') {
        let (mask, op, val) = if let Some((m, v)) = rest.split_once("!=") {
            (m, CmpOp::NotBitAnd, v)
        } else if let Some((m, v)) = rest.split_once('=') {
            (m, CmpOp::BitAnd, v)
        } else {
            return Err(bad());
        };
        return Ok(IntCmp {
            op,
            a: num(mask)?,
            b: num(val)?,
        });
    }
    for (p, op) in [
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
        ("!=", CmpOp::Ne),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
        ("=", CmpOp::Eq),
    ] {
        if let Some(rest) = t.strip_prefix(p) {
            if rest.trim().contains(['<', '>', '=', '!']) {
                return Err(bad());
            }
            return Ok(IntCmp {
                op,
                a: num(rest)?,
                b: 0,
            });
        }
    }
    let (neg, body) = match t.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, t),
    };
    let range = body.split_once("<>").or_else(|| body.split_once('-'));
    if let Some((lo, hi)) = range {
        let (a, b) = (num(lo)?, num(hi)?);
        if a >= b {
            return Err(format!(
                "invalid range '{t}', the lower bound must be smaller than the upper bound"
            ));
        }
        return Ok(IntCmp {
            op: if neg { CmpOp::NotRange } else { CmpOp::Range },
            a,
            b,
        });
    }
    Ok(IntCmp {
        op: if neg { CmpOp::Ne } else { CmpOp::Eq },
        a: num(body)?,
        b: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cmp_forms() {
        assert_eq!(
            parse_int_cmp("> 128", 65535).unwrap(),
            IntCmp {
                op: CmpOp::Gt,
                a: 128,
                b: 0
            }
        );
        assert_eq!(
            parse_int_cmp("1<>5", 255).unwrap(),
            IntCmp {
                op: CmpOp::Range,
                a: 1,
                b: 5
            }
        );
        assert_eq!(parse_int_cmp("1-5", 255).unwrap().op, CmpOp::Range);
        assert_eq!(parse_int_cmp("!1-5", 255).unwrap().op, CmpOp::NotRange);
        assert_eq!(
            parse_int_cmp("!8", 255).unwrap(),
            IntCmp {
                op: CmpOp::Ne,
                a: 8,
                b: 0
            }
        );
        assert_eq!(
            parse_int_cmp("300", 255).unwrap_err(),
            "value 300 is out of range, expected 0 to 255"
        );
        assert_eq!(
            parse_int_cmp("5<>1", 255).unwrap_err(),
            "invalid range '5<>1', the lower bound must be smaller than the upper bound"
        );
        assert!(parse_int_cmp("x", 255).is_err());
    }
}
