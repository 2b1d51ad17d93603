//! `pcre:[!]"/pattern/flags[, capture vars]"`: split, validate flags, keep
//! the regex text for the engine to compile.

use crate::ast::{Pcre, PcreFlags};
use crate::error::{perr, PResult};

const CAPTURE_PREFIXES: [&str; 4] = ["flow:", "pkt:", "alert:", "tx:"];

/// Parse the value of a `pcre` option; `at` is its offset in the rule.
pub(crate) fn parse_pcre(v: Option<&str>, at: usize) -> PResult<Pcre> {
    let v = v.ok_or_else(|| perr(at, "pcre: expected \"/pattern/flags\", found no value"))?;
    let (negated, rest, at) = match v.strip_prefix('!') {
        Some(r) => {
            let t = r.trim_start();
            (true, t, at + 1 + (r.len() - t.len()))
        }
        None => (false, v, at),
    };
    let (body, at) = match rest.strip_prefix('"') {
        Some(r) => match r.strip_suffix('"') {
            Some(b) => (b, at + 1),
            None => {
                return Err(perr(
                    at,
                    format!("pcre: expected a closing '\"', found {rest}"),
                ))
            }
        },
        None => (rest, at),
    };
    if !body.starts_with('/') {
        return Err(perr(
            at,
            format!("pcre: expected '/' opening the pattern, found {body}"),
        ));
    }
    // Capture variables follow the flags after a comma.
    let mut end = body.len();
    let mut capture_vars = Vec::new();
    if let Some(pos) = find_capture_start(body) {
        end = pos;
        capture_vars = body[pos + 1..]
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
    }
    let main = &body[..end].trim_end();
    let close = main.rfind('/').filter(|&c| c > 0).ok_or_else(|| {
        perr(
            at,
            format!("pcre: expected '/' closing the pattern, found {main}"),
        )
    })?;
    let pattern = &main[1..close];
    if pattern.is_empty() {
        return Err(perr(at, "pcre: empty pattern"));
    }
    let mut flags = PcreFlags::default();
    for (i, ch) in main[close + 1..].char_indices() {
        let bit = PcreFlags::bit(ch).ok_or_else(|| {
            perr(
                at + close + 1 + i,
                format!(
                    "pcre: unknown flag '{ch}', expected one of {}",
                    PcreFlags::LETTERS
                ),
            )
        })?;
        if flags.0 & bit != 0 {
            return Err(perr(
                at + close + 1 + i,
                format!("pcre: duplicate flag '{ch}'"),
            ));
        }
        flags.0 |= bit;
    }
    let http = main[close + 1..]
        .chars()
        .filter(|c| "UIPQHDMCKSYVWZ".contains(*c))
        .count();
    if http > 1 {
        return Err(perr(
            at + close + 1,
            format!(
                "pcre: flags '{}' select more than one HTTP buffer, expected at most one",
                &main[close + 1..]
            ),
        ));
    }
    if flags.has('B') && http > 0 {
        return Err(perr(
            at + close + 1,
            "pcre: flag 'B' (rawbytes) cannot be combined with an HTTP buffer flag",
        ));
    }
    Ok(Pcre {
        pattern: pattern.to_string(),
        negated,
        flags,
        capture_vars,
    })
}

/// Offset of the comma that starts the capture-variable list, if any.
fn find_capture_start(body: &str) -> Option<usize> {
    let last_slash = body.rfind('/')?;
    let mut best = None;
    for (i, _) in body.match_indices(',') {
        let after = body[i + 1..].trim_start();
        if CAPTURE_PREFIXES.iter().any(|p| after.starts_with(p))
            && body[..i].rfind('/').is_some_and(|s| s > 0)
        {
            best = Some(i);
            break;
        }
    }
    best.filter(|&b| b < last_slash || body[b..].contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn splits() {
        let p = parse_pcre(Some(r#""/a\/b\;c/Ri""#), 0).unwrap();
        assert_eq!(p.pattern, r"a\/b\;c");
        assert!(p.flags.has('R') && p.flags.has('i'));
        let p = parse_pcre(Some(r#""/(.+)\/x/U, flow:ua/ubuntu, pkt:y""#), 0).unwrap();
        assert_eq!(p.pattern, r"(.+)\/x");
        assert_eq!(p.capture_vars, vec!["flow:ua/ubuntu", "pkt:y"]);
        assert_eq!(
            parse_pcre(Some(r#""/a/X""#), 0).unwrap_err().msg,
            "pcre: unknown flag 'X', expected one of ismxAEGROBUIPQHDMCKSYVWZ"
        );
    }
}
