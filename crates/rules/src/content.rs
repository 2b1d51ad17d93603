//! `content` values (quoted text with `|hex|` and escapes) and the content
//! modifiers that the parser folds into the preceding [`Content`].

use crate::ast::{Buffer, Content, FastPattern, IntOrVar};
use crate::error::{perr, PResult};
use crate::num::{parse_int_or_var, parse_u64};

/// Decode a quoted pattern: `[!]"text|41 42|text"`. Returns
/// `(negated, bytes)`. `at` is the offset of `v` in the rule text.
pub(crate) fn decode_pattern(kw: &str, v: Option<&str>, at: usize) -> PResult<(bool, Vec<u8>)> {
    let v = v.ok_or_else(|| {
        perr(
            at,
            format!("{kw}: expected a quoted pattern, found no value"),
        )
    })?;
    let (negated, rest, at) = match v.strip_prefix('!') {
        Some(r) => {
            let t = r.trim_start();
            (true, t, at + 1 + (r.len() - t.len()))
        }
        None => (false, v, at),
    };
    let b = rest.as_bytes();
    if b.len() < 2
        || b[0] != b'"'
        || b[b.len() - 1] != b'"'
        || (b.len() >= 3 && b[b.len() - 2] == b'\\' && !escaped_backslash_end(&b[1..b.len() - 1]))
    {
        return Err(perr(
            at,
            format!("{kw}: expected a pattern in double quotes, found {rest}"),
        ));
    }
    let inner = &b[1..b.len() - 1];
    let base = at + 1;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    let mut hex = false;
    let mut nib: Option<(u8, usize)> = None;
    while i < inner.len() {
        let c = inner[i];
        if hex {
            match c {
                b'|' => {
                    if let Some((_, p)) = nib {
                        return Err(perr(
                            base + p,
                            format!("{kw}: odd number of hex digits in |...| block"),
                        ));
                    }
                    hex = false;
                }
                c if c.is_ascii_whitespace() => {}
                c if c.is_ascii_hexdigit() => {
                    let d = (c as char).to_digit(16).unwrap_or(0) as u8;
                    match nib.take() {
                        Some((h, _)) => out.push(h << 4 | d),
                        None => nib = Some((d, i)),
                    }
                }
                _ => {
                    return Err(perr(
                        base + i,
                        format!(
                        "{kw}: invalid character '{}' in hex block, expected hex digits or spaces",
                        c as char
                    ),
                    ))
                }
            }
            i += 1;
            continue;
        }
        match c {
            b'|' => hex = true,
            b'\\' => {
                let n = inner.get(i + 1).copied();
                match n {
                    Some(e @ (b'"' | b';' | b'\\' | b':')) => {
                        out.push(e);
                        i += 1;
                    }
                    _ => {
                        let shown = n.map(|x| (x as char).to_string()).unwrap_or_default();
                        return Err(perr(
                            base + i,
                            format!(
                                "{kw}: invalid escape '\\{shown}', expected \\\", \\;, \\: or \\\\"
                            ),
                        ));
                    }
                }
            }
            b'"' => {
                return Err(perr(
                    base + i,
                    format!("{kw}: unescaped '\"' inside the pattern, expected \\\""),
                ))
            }
            b';' => {
                return Err(perr(
                    base + i,
                    format!("{kw}: unescaped ';' inside the pattern, expected \\;"),
                ))
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if hex {
        return Err(perr(
            base + inner.len(),
            format!("{kw}: unterminated hex block, expected a closing '|'"),
        ));
    }
    if out.is_empty() {
        return Err(perr(at, format!("{kw}: empty pattern")));
    }
    Ok((negated, out))
}

/// Whether a byte string ends with an even run of backslashes (so a
/// following quote is not escaped).
fn escaped_backslash_end(b: &[u8]) -> bool {
    b.iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
}

/// Keywords folded into the preceding content.
pub(crate) fn is_modifier(kw: &str) -> bool {
    matches!(
        kw,
        "nocase"
            | "rawbytes"
            | "offset"
            | "depth"
            | "distance"
            | "within"
            | "startswith"
            | "endswith"
            | "fast_pattern"
            | "replace"
    ) || Buffer::from_content_modifier(kw).is_some()
}

fn no_value(kw: &str, v: Option<&str>, at: usize) -> PResult<()> {
    match v {
        Some(x) => Err(perr(at, format!("{kw}: takes no value, found '{x}'"))),
        None => Ok(()),
    }
}

fn set_flag(kw: &str, flag: &mut bool, at: usize) -> PResult<()> {
    if *flag {
        return Err(perr(at, format!("{kw}: already set for this content")));
    }
    *flag = true;
    Ok(())
}

fn int_value(kw: &str, v: Option<&str>, at: usize, min: i64) -> PResult<IntOrVar> {
    let v = v
        .filter(|x| !x.is_empty())
        .ok_or_else(|| perr(at, format!("{kw}: expected a value, found none")))?;
    let r = parse_int_or_var(v, "the value").map_err(|m| perr(at, format!("{kw}: {m}")))?;
    if let IntOrVar::Int(n) = r {
        if n < min {
            return Err(perr(
                at,
                format!("{kw}: value {n} is out of range, expected at least {min}"),
            ));
        }
        if n > i64::from(u16::MAX) * 16 {
            return Err(perr(
                at,
                format!(
                    "{kw}: value {n} is out of range, expected at most {}",
                    i64::from(u16::MAX) * 16
                ),
            ));
        }
    }
    Ok(r)
}

/// Apply modifier `kw` to content `c`. `fp_seen` tracks whether any content
/// of the rule already has `fast_pattern`.
pub(crate) fn apply_modifier(
    c: &mut Content,
    kw: &str,
    v: Option<&str>,
    at: usize,
    fp_seen: &mut bool,
) -> PResult<()> {
    let relative_set = c.distance.is_some() || c.within.is_some();
    let absolute_set = c.offset.is_some() || c.depth.is_some();
    match kw {
        "nocase" => {
            no_value(kw, v, at)?;
            set_flag(kw, &mut c.nocase, at)
        }
        "rawbytes" => {
            no_value(kw, v, at)?;
            set_flag(kw, &mut c.rawbytes, at)
        }
        "startswith" => {
            no_value(kw, v, at)?;
            if absolute_set || relative_set {
                return Err(perr(at, "startswith: cannot be combined with offset, depth, distance or within on the same content"));
            }
            set_flag(kw, &mut c.startswith, at)
        }
        "endswith" => {
            no_value(kw, v, at)?;
            set_flag(kw, &mut c.endswith, at)
        }
        "offset" | "depth" => {
            if relative_set {
                return Err(perr(at, format!("{kw}: cannot be combined with the relative modifiers distance/within on the same content")));
            }
            if c.startswith {
                return Err(perr(
                    at,
                    format!("{kw}: cannot be combined with startswith on the same content"),
                ));
            }
            let min = if kw == "depth" { 1 } else { 0 };
            let val = int_value(kw, v, at, min)?;
            if let IntOrVar::Int(n) = val {
                if kw == "depth" && (n as usize) < c.pattern.len() {
                    return Err(perr(
                        at,
                        format!(
                            "depth: value {n} is smaller than the content length {}",
                            c.pattern.len()
                        ),
                    ));
                }
            }
            let slot = if kw == "offset" {
                &mut c.offset
            } else {
                &mut c.depth
            };
            if slot.is_some() {
                return Err(perr(at, format!("{kw}: already set for this content")));
            }
            *slot = Some(val);
            Ok(())
        }
        "distance" | "within" => {
            if absolute_set {
                return Err(perr(at, format!("{kw}: cannot be combined with the absolute modifiers offset/depth on the same content")));
            }
            if c.startswith {
                return Err(perr(
                    at,
                    format!("{kw}: cannot be combined with startswith on the same content"),
                ));
            }
            let min = if kw == "within" {
                1
            } else {
                -(i64::from(u16::MAX) * 16)
            };
            let val = int_value(kw, v, at, min)?;
            if let IntOrVar::Int(n) = val {
                if kw == "within" && (n as usize) < c.pattern.len() {
                    return Err(perr(
                        at,
                        format!(
                            "within: value {n} is smaller than the content length {}",
                            c.pattern.len()
                        ),
                    ));
                }
            }
            let slot = if kw == "distance" {
                &mut c.distance
            } else {
                &mut c.within
            };
            if slot.is_some() {
                return Err(perr(at, format!("{kw}: already set for this content")));
            }
            *slot = Some(val);
            Ok(())
        }
        "fast_pattern" => {
            if c.fast_pattern.is_some() {
                return Err(perr(at, "fast_pattern: already set for this content"));
            }
            if *fp_seen {
                return Err(perr(at, "fast_pattern: already set on another content of this rule, expected at most one"));
            }
            let fp = match v {
                None => FastPattern::default(),
                Some("only") => {
                    if c.negated {
                        return Err(perr(
                            at,
                            "fast_pattern: 'only' cannot be used on a negated content",
                        ));
                    }
                    FastPattern {
                        only: true,
                        chop: None,
                    }
                }
                Some(x) => {
                    let bad = || {
                        perr(at, format!("fast_pattern: invalid value '{x}', expected nothing, 'only' or 'offset,length'"))
                    };
                    let (o, l) = x.split_once(',').ok_or_else(bad)?;
                    let o = parse_u64(o)
                        .and_then(|n| u16::try_from(n).ok())
                        .ok_or_else(bad)?;
                    let l = parse_u64(l)
                        .and_then(|n| u16::try_from(n).ok())
                        .ok_or_else(bad)?;
                    if l == 0 {
                        return Err(perr(
                            at,
                            "fast_pattern: length 0 is invalid, expected at least 1",
                        ));
                    }
                    if usize::from(o) + usize::from(l) > c.pattern.len() {
                        return Err(perr(at, format!("fast_pattern: offset {o} plus length {l} exceeds the content length {}", c.pattern.len())));
                    }
                    FastPattern {
                        only: false,
                        chop: Some((o, l)),
                    }
                }
            };
            *fp_seen = true;
            c.fast_pattern = Some(fp);
            Ok(())
        }
        "replace" => {
            if c.replace.is_some() {
                return Err(perr(at, "replace: already set for this content"));
            }
            let (neg, bytes) = decode_pattern(kw, v, at)?;
            if neg {
                return Err(perr(
                    at,
                    "replace: expected a quoted pattern, found a negated one",
                ));
            }
            c.replace = Some(bytes);
            Ok(())
        }
        _ => {
            let b = Buffer::from_content_modifier(kw)
                .ok_or_else(|| perr(at, format!("unknown content modifier '{kw}'")))?;
            no_value(kw, v, at)?;
            if let Some(old) = c.legacy_buffer {
                return Err(perr(
                    at,
                    format!("{kw}: content already has the buffer {}", old.name()),
                ));
            }
            c.legacy_buffer = Some(b);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn decodes() {
        assert_eq!(
            decode_pattern("content", Some(r#""a|41 42|b\"\;\\\:""#), 0).unwrap(),
            (false, b"aABb\";\\:".to_vec())
        );
        assert_eq!(
            decode_pattern("content", Some(r#"!"x""#), 0).unwrap(),
            (true, b"x".to_vec())
        );
        assert_eq!(
            decode_pattern("content", Some(r#""|4|""#), 0)
                .unwrap_err()
                .msg,
            "content: odd number of hex digits in |...| block"
        );
        assert_eq!(
            decode_pattern("content", Some(r#""|41""#), 0)
                .unwrap_err()
                .msg,
            "content: unterminated hex block, expected a closing '|'"
        );
        assert_eq!(
            decode_pattern("content", Some("abc"), 0).unwrap_err().msg,
            "content: expected a pattern in double quotes, found abc"
        );
    }
}
