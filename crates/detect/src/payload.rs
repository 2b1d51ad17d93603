//! Verification of a rule's payload chain over one buffer: content, pcre,
//! isdataat, byte_test/jump/extract/math, with Suricata's semantics:
//!
//! - absolute content: the match lies in `[offset, offset + depth)`;
//! - relative content (distance/within): the match starts at or after
//!   `prev_end + distance` and ends at or before `prev_end + distance +
//!   within`, where `prev_end` is where the previous step left the cursor;
//! - when a later relative step fails, an earlier content is retried at
//!   its next occurrence (bounded by a recursion budget);
//! - a negated content succeeds when the pattern is absent from its window
//!   and leaves the cursor where it was.

use memchr::memmem;
use warden_rules::{ByteMathOp, ByteTestOp, Endian, NumBase};

use crate::sig::*;

/// Steps a single chain may take before giving up (as Suricata's
/// inspection recursion limit).
const RECURSION_BUDGET: u32 = 3000;

/// Mutable state while running one chain.
pub struct ChainRun<'v> {
    pub vars: &'v mut [i64; 16],
    budget: u32,
    /// Index where absolute offset 0 lies (the first new byte of a stream
    /// window; 0 for a packet or buffer).
    base: u64,
    /// A stream window holds already-inspected bytes before this index; a
    /// match must end past it so each match is reported once.
    min_end: usize,
}

impl<'v> ChainRun<'v> {
    pub fn new(vars: &'v mut [i64; 16]) -> Self {
        ChainRun {
            vars,
            budget: RECURSION_BUDGET,
            base: 0,
            min_end: 0,
        }
    }

    /// A run over a window of a reassembled stream: `base` is the stream
    /// offset of the window's first byte, `new_from` the index where bytes
    /// not inspected before begin.
    pub fn stream(vars: &'v mut [i64; 16], _base: u64, new_from: usize) -> Self {
        ChainRun {
            vars,
            budget: RECURSION_BUDGET,
            base: new_from as u64,
            min_end: new_from,
        }
    }
}

/// Runs `elems` over `buf`. True when every step matched.
pub fn run_chain(elems: &[Elem], buf: &[u8], run: &mut ChainRun<'_>) -> bool {
    step(elems, 0, buf, 0, run)
}

fn val(v: Val, vars: &[i64; 16]) -> i64 {
    match v {
        Val::Lit(n) => n,
        Val::Var(i) => vars[usize::from(i)],
    }
}

fn step(elems: &[Elem], i: usize, buf: &[u8], prev_end: usize, run: &mut ChainRun<'_>) -> bool {
    let Some(elem) = elems.get(i) else {
        // in a stream window, a match lying wholly in bytes inspected
        // before was reported then
        return run.min_end == 0 || prev_end > run.min_end;
    };
    if run.budget == 0 {
        return false;
    }
    run.budget -= 1;
    match elem {
        Elem::Content(c) => content_step(c, elems, i, buf, prev_end, run),
        Elem::Pcre(p) => {
            let start = if p.relative { prev_end } else { 0 };
            if start > buf.len() {
                return p.negated && step(elems, i + 1, buf, prev_end, run);
            }
            // As in Suricata, a relative pcre runs on the bytes from the
            // cursor on: `^` (and the `A` flag) anchor at the cursor, and
            // nothing before it is visible (not even to a lookbehind).
            let subject = &buf[start..];
            if p.negated {
                let found = p.regex.find(subject).ok().flatten();
                return found.is_none() && step(elems, i + 1, buf, prev_end, run);
            }
            // When a later relative step fails, the pcre is retried from
            // one byte past its previous match's start, as a content is.
            let retry = elems.get(i + 1).is_some_and(Elem::is_relative);
            let mut from = 0;
            while from <= subject.len() {
                let Some(m) = p.regex.find_at(subject, from).ok().flatten() else {
                    return false;
                };
                if step(elems, i + 1, buf, start + m.end(), run) {
                    return true;
                }
                if !retry || run.budget == 0 {
                    return false;
                }
                run.budget -= 1;
                from = m.start() + 1;
            }
            false
        }
        Elem::IsDataAt {
            offset,
            negated,
            relative,
        } => {
            let off = val(*offset, run.vars);
            let has = if *relative {
                // Suricata: relative data is there when cursor + offset
                // does not run past the end.
                off >= 0 && prev_end as i64 + off <= buf.len() as i64
            } else {
                off >= 0 && off < buf.len() as i64
            };
            has != *negated && step(elems, i + 1, buf, prev_end, run)
        }
        Elem::ByteTest(b) => {
            let base = if b.relative { prev_end as i64 } else { 0 };
            let at = base + val(b.offset, run.vars);
            let Some(read) = var_read(&b.read, b.bytes_var, run.vars) else {
                return false;
            };
            let Some(v) = read_num(buf, at, &read) else {
                return false;
            };
            let want = val(b.value, run.vars) as u64;
            let ok = match b.op {
                ByteTestOp::Lt => v < want,
                ByteTestOp::Gt => v > want,
                ByteTestOp::Le => v <= want,
                ByteTestOp::Ge => v >= want,
                ByteTestOp::Eq => v == want,
                ByteTestOp::And => v & want != 0,
                ByteTestOp::Xor => v ^ want != 0,
            };
            ok != b.negated && step(elems, i + 1, buf, prev_end, run)
        }
        Elem::ByteJump(b) => {
            let base = if b.relative { prev_end as i64 } else { 0 };
            let at = base + val(b.offset, run.vars);
            let Some(read) = var_read(&b.read, b.bytes_var, run.vars) else {
                return false;
            };
            let Some(v) = read_num(buf, at, &read) else {
                return false;
            };
            let mut jump = (v as i64).saturating_mul(i64::from(b.multiplier));
            if b.align && jump % 4 != 0 {
                jump += 4 - jump % 4;
            }
            let new_pos = if b.from_beginning {
                jump
            } else if b.from_end {
                buf.len() as i64 + jump
            } else {
                at + i64::from(read.bytes) + jump
            } + b.post_offset;
            if new_pos < 0 || new_pos > buf.len() as i64 {
                return false;
            }
            step(elems, i + 1, buf, new_pos as usize, run)
        }
        Elem::ByteExtract(b) => {
            let base = if b.relative { prev_end as i64 } else { 0 };
            let at = base + b.offset;
            let Some(v) = read_num(buf, at, &b.read) else {
                return false;
            };
            let mut v = (v as i64).saturating_mul(i64::from(b.multiplier));
            if b.align > 1 {
                let a = i64::from(b.align);
                if v % a != 0 {
                    v += a - v % a;
                }
            }
            run.vars[usize::from(b.slot)] = v;
            let end = (at + i64::from(b.read.bytes)) as usize;
            step(elems, i + 1, buf, end, run)
        }
        Elem::ByteMath(b) => {
            let base = if b.relative { prev_end as i64 } else { 0 };
            let at = base + b.offset;
            let Some(read) = var_read(&b.read, b.bytes_var, run.vars) else {
                return false;
            };
            let Some(v) = read_num(buf, at, &read) else {
                return false;
            };
            let r = val(b.rvalue, run.vars);
            let v = v as i64;
            let res = match b.oper {
                ByteMathOp::Add => v.wrapping_add(r),
                ByteMathOp::Sub => v.wrapping_sub(r),
                ByteMathOp::Mul => v.wrapping_mul(r),
                ByteMathOp::Div => {
                    if r == 0 {
                        return false;
                    }
                    v / r
                }
                ByteMathOp::Shl => v.checked_shl(r as u32).unwrap_or(0),
                ByteMathOp::Shr => v.checked_shr(r as u32).unwrap_or(0),
            };
            run.vars[usize::from(b.slot)] = res;
            step(elems, i + 1, buf, prev_end, run)
        }
        Elem::Bsize(cmp) => cmp.matches(buf.len() as u64) && step(elems, i + 1, buf, prev_end, run),
    }
}

/// The read of a byte_test/byte_jump whose byte count may come from a
/// variable: at run time the count must be 0..=8 for a binary read (0
/// reads nothing and yields 0, as in Suricata) and 1..=23 for a string.
fn var_read(r: &NumRead, bytes_var: Option<u8>, vars: &[i64; 16]) -> Option<NumRead> {
    let Some(slot) = bytes_var else {
        return Some(*r);
    };
    let n = vars[usize::from(slot)];
    let max = if r.string.is_some() { 23 } else { 8 };
    if !(0..=max).contains(&n) {
        return None;
    }
    Some(NumRead {
        bytes: n as u8,
        ..*r
    })
}

/// The window `[start, end)` a content must lie in, or None if empty.
fn window(
    c: &ContentM,
    prev_end: usize,
    vars: &[i64; 16],
    len: usize,
    base: u64,
) -> Option<(usize, usize)> {
    let len_i = len as i64;
    let (start, end) = if c.is_relative() {
        let dist = c.distance.map(|d| val(d, vars)).unwrap_or(0);
        let start = (prev_end as i64 + dist).max(0);
        let end = match c.within {
            Some(w) => prev_end as i64 + dist + val(w, vars),
            None => len_i,
        };
        (start, end)
    } else {
        if c.offset.is_none() && c.depth.is_none() {
            // unanchored: anywhere in the buffer, context included
            (0, len_i)
        } else {
            let off = c.offset.map(|o| val(o, vars)).unwrap_or(0).max(0);
            let end = match c.depth {
                Some(d) => off + val(d, vars),
                None => i64::MAX / 2,
            };
            // offset and depth count from the start of the chunk being
            // inspected (the bytes new since the last inspection), as
            // Suricata's raw stream inspection does
            let base = base as i64;
            ((off + base).max(0), (end + base).min(len_i))
        }
    };
    let end = end.min(len_i);
    if start > end {
        return None;
    }
    Some((start as usize, end as usize))
}

fn content_step(
    c: &ContentM,
    elems: &[Elem],
    i: usize,
    buf: &[u8],
    prev_end: usize,
    run: &mut ChainRun<'_>,
) -> bool {
    let plen = c.pattern.len();
    let win = window(c, prev_end, run.vars, buf.len(), run.base);
    if c.negated {
        let found = match win {
            Some((s, e)) => find_in(c, buf, s, e).is_some(),
            None => false,
        };
        return !found && step(elems, i + 1, buf, prev_end, run);
    }
    let Some((start, end)) = win else {
        return false;
    };
    if c.endswith {
        // The only candidate is the one ending at the buffer's end.
        if end != buf.len() || end < start + plen {
            return false;
        }
        let at = end - plen;
        if !eq_at(c, buf, at) {
            return false;
        }
        return step(elems, i + 1, buf, end, run);
    }
    let retry = elems.get(i + 1).is_some_and(Elem::is_relative);
    let mut from = start;
    while let Some(at) = find_in(c, buf, from, end) {
        if step(elems, i + 1, buf, at + plen, run) {
            return true;
        }
        if !retry || run.budget == 0 {
            return false;
        }
        from = at + 1;
    }
    false
}

fn eq_at(c: &ContentM, buf: &[u8], at: usize) -> bool {
    let Some(hay) = buf.get(at..at + c.pattern.len()) else {
        return false;
    };
    if c.nocase {
        hay.eq_ignore_ascii_case(&c.pattern)
    } else {
        hay == c.pattern.as_slice()
    }
}

/// First position in `[from, end)` where the whole pattern fits and
/// matches.
fn find_in(c: &ContentM, buf: &[u8], from: usize, end: usize) -> Option<usize> {
    if from >= end || end - from < c.pattern.len() {
        return None;
    }
    let hay = &buf[from..end];
    let pos = if c.nocase {
        find_nocase(hay, &c.pattern)
    } else {
        memmem::find(hay, &c.pattern)
    }?;
    Some(from + pos)
}

/// Case-insensitive (ASCII) search without copying the haystack: memchr2
/// on the first byte's two cases, then a compare.
fn find_nocase(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last_start = hay.len().checked_sub(needle.len())?;
    let mut from = 0;
    while from <= last_start {
        let rel = memchr::memchr2(lo, up, &hay[from..=last_start])?;
        let at = from + rel;
        if hay[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Reads a number as byte_test/jump/extract/math do. None when the bytes
/// are not there or (string form) not a number.
pub fn read_num(buf: &[u8], at: i64, r: &NumRead) -> Option<u64> {
    if at < 0 {
        return None;
    }
    let at = at as usize;
    let n = usize::from(r.bytes);
    if n == 0 {
        // a zero-byte read yields 0, as Suricata's does
        return (at <= buf.len()).then_some(0);
    }
    let bytes = buf.get(at..at.checked_add(n)?)?;
    let v = match r.string {
        None => {
            let mut v: u64 = 0;
            match r.endian {
                Endian::Little => {
                    for (k, b) in bytes.iter().enumerate() {
                        v |= u64::from(*b) << (8 * k);
                    }
                }
                _ => {
                    for b in bytes {
                        v = (v << 8) | u64::from(*b);
                    }
                }
            }
            v
        }
        Some(base) => {
            let radix = match base {
                NumBase::Hex => 16,
                NumBase::Dec => 10,
                NumBase::Oct => 8,
            };
            let text = std::str::from_utf8(bytes).ok()?;
            let text = text.trim_start();
            let digits: &str = {
                let end = text
                    .find(|ch: char| !ch.is_digit(radix))
                    .unwrap_or(text.len());
                &text[..end]
            };
            if digits.is_empty() {
                return None;
            }
            u64::from_str_radix(digits, radix).ok()?
        }
    };
    Some(match r.bitmask {
        Some(mask) if mask != 0 => (v & mask) >> mask.trailing_zeros(),
        _ => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(p: &str) -> ContentM {
        ContentM {
            pattern: p.as_bytes().to_vec(),
            nocase: false,
            negated: false,
            offset: None,
            depth: None,
            distance: None,
            within: None,
            endswith: false,
        }
    }

    fn run(elems: &[Elem], buf: &[u8]) -> bool {
        let mut vars = [0i64; 16];
        run_chain(elems, buf, &mut ChainRun::new(&mut vars))
    }

    #[test]
    fn absolute_offset_and_depth() {
        let mut c = content("abc");
        c.offset = Some(Val::Lit(2));
        c.depth = Some(Val::Lit(3));
        assert!(run(&[Elem::Content(c.clone())], b"xxabcxx"));
        assert!(!run(&[Elem::Content(c.clone())], b"xxxabcx"));
        assert!(!run(&[Elem::Content(c)], b"abcxxxx"));
    }

    #[test]
    fn relative_distance_within_with_backtracking() {
        let a = content("a");
        let mut b = content("b");
        b.distance = Some(Val::Lit(0));
        b.within = Some(Val::Lit(1));
        // first 'a' is not followed by 'b', the second one is: needs retry
        assert!(run(
            &[Elem::Content(a.clone()), Elem::Content(b.clone())],
            b"axab"
        ));
        assert!(!run(&[Elem::Content(a), Elem::Content(b)], b"axaxb"));
    }

    #[test]
    fn pcre_retried_when_a_later_relative_step_fails() {
        // UriTestSig22: pcre:/super/; content:"nova"; within:7 matches the
        // second "super" only
        let pcre = PcreM {
            regex: std::sync::Arc::new(pcre2::bytes::Regex::new("super").unwrap()),
            negated: false,
            relative: false,
            source: "/super/".into(),
        };
        let mut nova = content("nova");
        nova.within = Some(Val::Lit(7));
        let chain = [Elem::Pcre(pcre), Elem::Content(nova)];
        assert!(run(&chain, b"/a_super_duper_nova_in_super_nova_now"));
        assert!(!run(&chain, b"/a_super_duper_nova_in_super_duper_nova"));
    }

    #[test]
    fn negative_distance() {
        let a = content("cd");
        let mut b = content("bc");
        b.distance = Some(Val::Lit(-3));
        b.within = Some(Val::Lit(2));
        assert!(run(&[Elem::Content(a), Elem::Content(b)], b"abcd"));
    }

    #[test]
    fn negated_content_in_window() {
        let a = content("GET");
        let mut n = content("admin");
        n.negated = true;
        n.distance = Some(Val::Lit(0));
        n.within = Some(Val::Lit(10));
        let chain = [Elem::Content(a), Elem::Content(n)];
        assert!(run(&chain, b"GET /index admin"));
        assert!(!run(&chain, b"GET /admin"));
    }

    #[test]
    fn nocase_and_endswith() {
        let mut c = content("EXE");
        c.nocase = true;
        c.endswith = true;
        assert!(run(&[Elem::Content(c.clone())], b"file.exe"));
        assert!(!run(&[Elem::Content(c)], b"file.exe "));
    }

    #[test]
    fn byte_extract_feeds_distance() {
        // length byte then skip that many bytes then "Z"
        let ex = ByteExtractM {
            read: NumRead {
                bytes: 1,
                endian: Endian::Big,
                string: None,
                bitmask: None,
            },
            offset: 0,
            relative: false,
            multiplier: 1,
            align: 0,
            slot: 0,
        };
        let mut z = content("Z");
        z.distance = Some(Val::Var(0));
        z.within = Some(Val::Lit(1));
        let chain = [Elem::ByteExtract(ex), Elem::Content(z)];
        assert!(run(&chain, b"\x03abcZ"));
        assert!(!run(&chain, b"\x02abcZ"));
    }

    #[test]
    fn byte_jump_count_from_variable() {
        // detect-bytejump-02: content, byte_extract:1,4,n,relative (n = 0),
        // byte_jump:n,0,relative, isdataat:1,relative
        let rd = |bytes| NumRead {
            bytes,
            endian: Endian::Big,
            string: None,
            bitmask: None,
        };
        let ex = ByteExtractM {
            read: rd(1),
            offset: 4,
            relative: true,
            multiplier: 1,
            align: 0,
            slot: 0,
        };
        let jump = ByteJumpM {
            read: rd(8),
            bytes_var: Some(0),
            offset: Val::Lit(0),
            relative: true,
            multiplier: 1,
            align: false,
            from_beginning: false,
            from_end: false,
            post_offset: 0,
        };
        let chain = [
            Elem::Content(content("\0\0\0")),
            Elem::ByteExtract(ex.clone()),
            Elem::ByteJump(jump.clone()),
            Elem::IsDataAt {
                offset: Val::Lit(1),
                negated: false,
                relative: true,
            },
        ];
        assert!(run(&chain, b"\0\0\0\x05\x34\x23\x06\0\x21\x0a"));
        // a count of 1 read from the packet: jumps over 1 + value bytes
        let chain = [
            Elem::ByteExtract(ByteExtractM {
                relative: false,
                offset: 0,
                ..ex
            }),
            Elem::ByteJump(jump),
            Elem::Content(ContentM {
                distance: Some(Val::Lit(0)),
                within: Some(Val::Lit(1)),
                ..content("Z")
            }),
        ];
        // n = 1 at [0]; byte_jump reads 1 byte at [1] (= 2), lands at 1+1+2 = 4
        assert!(run(&chain, b"\x01\x02xxZ"));
        assert!(!run(&chain, b"\x01\x03xxZ"));
        // a count beyond 8 for a binary read never matches
        assert!(!run(&chain, b"\x09\x02xxZ"));
    }

    #[test]
    fn byte_math_count_from_variable() {
        let rd = |bytes| NumRead {
            bytes,
            endian: Endian::Big,
            string: None,
            bitmask: None,
        };
        // n = 2 (byte 0); byte_math reads n bytes at 1 (0x0102) + 1 -> slot 1
        let chain = [
            Elem::ByteExtract(ByteExtractM {
                read: rd(1),
                offset: 0,
                relative: false,
                multiplier: 1,
                align: 0,
                slot: 0,
            }),
            Elem::ByteMath(ByteMathM {
                read: rd(8),
                bytes_var: Some(0),
                offset: 1,
                relative: false,
                oper: ByteMathOp::Add,
                rvalue: Val::Lit(1),
                slot: 1,
            }),
        ];
        let mut vars = [0i64; 16];
        assert!(run_chain(
            &chain,
            b"\x02\x01\x02",
            &mut ChainRun::new(&mut vars)
        ));
        assert_eq!(vars[1], 0x0103);
    }

    #[test]
    fn read_num_forms() {
        let r = |bytes, endian, string| NumRead {
            bytes,
            endian,
            string,
            bitmask: None,
        };
        assert_eq!(
            read_num(b"\x01\x02", 0, &r(2, Endian::Big, None)),
            Some(0x0102)
        );
        assert_eq!(
            read_num(b"\x01\x02", 0, &r(2, Endian::Little, None)),
            Some(0x0201)
        );
        assert_eq!(
            read_num(b"123x", 0, &r(3, Endian::Big, Some(NumBase::Dec))),
            Some(123)
        );
        assert_eq!(
            read_num(b"1f", 0, &r(2, Endian::Big, Some(NumBase::Hex))),
            Some(31)
        );
        assert_eq!(read_num(b"\x01", 0, &r(2, Endian::Big, None)), None);
        assert_eq!(read_num(b"\x01", -1, &r(1, Endian::Big, None)), None);
    }
}
