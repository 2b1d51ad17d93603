//! Payload byte keywords: isdataat, byte_test, byte_jump, byte_extract,
//! byte_math, base64_decode.

use super::{items, req};
use crate::ast::{
    ByteExtract, ByteJump, ByteMath, ByteMathOp, ByteTest, ByteTestOp, Endian, IntOrVar, IsDataAt,
    NumBase, RuleOption,
};
use crate::error::{perr, PResult};
use crate::num::{is_var_name, parse_i64, parse_int_or_var, parse_u64};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "isdataat" => isdataat(v, at),
        "byte_test" => byte_test(v, at),
        "byte_jump" => byte_jump(v, at),
        "byte_extract" => byte_extract(v, at),
        "byte_math" => byte_math(v, at),
        "base64_decode" => {
            super::transform::base64_opts(kw, v, at, false).map(RuleOption::Base64Decode)
        }
        _ => return None,
    })
}

fn isdataat(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let v = req("isdataat", v, at)?;
    let mut it = items(v);
    let first = it.next().unwrap_or("");
    let (negated, off) = match first.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, first),
    };
    let offset =
        parse_int_or_var(off, "the offset").map_err(|m| perr(at, format!("isdataat: {m}")))?;
    if matches!(offset, IntOrVar::Int(n) if n < 0) {
        return Err(perr(
            at,
            format!("isdataat: offset {off} is negative, expected 0 or more"),
        ));
    }
    let mut d = IsDataAt {
        offset,
        negated,
        relative: false,
        rawbytes: false,
    };
    for o in it {
        let slot = match o {
            "relative" => &mut d.relative,
            "rawbytes" => &mut d.rawbytes,
            _ => {
                return Err(perr(
                    at,
                    format!("isdataat: unknown option '{o}', expected relative or rawbytes"),
                ))
            }
        };
        if *slot {
            return Err(perr(
                at,
                format!("isdataat: option '{o}' given more than once"),
            ));
        }
        *slot = true;
    }
    Ok(RuleOption::IsDataAt(d))
}

/// Options shared by byte_test/byte_jump/byte_extract.
#[derive(Default)]
struct Common {
    relative: bool,
    endian: Option<Endian>,
    string: Option<NumBase>,
    bitmask: Option<u64>,
    multiplier: Option<u32>,
    align: bool,
    from_beginning: bool,
    from_end: bool,
    post_offset: Option<i64>,
}

/// Parse trailing options; `allowed` names the keyword-specific ones.
fn common<'a>(
    kw: &str,
    opts: impl Iterator<Item = &'a str>,
    at: usize,
    allowed: &[&str],
) -> PResult<Common> {
    let mut c = Common::default();
    let mut want_base = false;
    for o in opts {
        let (k, val) = o
            .split_once(char::is_whitespace)
            .map_or((o, ""), |(a, b)| (a, b.trim()));
        let set_endian = |c: &mut Common, e| -> PResult<()> {
            if c.endian.is_some() {
                return Err(perr(
                    at,
                    format!("{kw}: more than one byte order given ('{o}')"),
                ));
            }
            c.endian = Some(e);
            Ok(())
        };
        let base = match k {
            "hex" => Some(NumBase::Hex),
            "dec" => Some(NumBase::Dec),
            "oct" => Some(NumBase::Oct),
            _ => None,
        };
        if want_base {
            want_base = false;
            if let Some(b) = base {
                c.string = Some(b);
                continue;
            }
            c.string = Some(NumBase::Dec);
        }
        let num = |what: &str| -> PResult<u64> {
            parse_u64(val).ok_or_else(|| {
                perr(
                    at,
                    format!("{kw}: expected a number after '{what}', found '{val}'"),
                )
            })
        };
        match k {
            "relative" => c.relative = true,
            "big" => set_endian(&mut c, Endian::Big)?,
            "little" => set_endian(&mut c, Endian::Little)?,
            "dce" => set_endian(&mut c, Endian::Dce)?,
            "string" => {
                if let Some(b) = val.split_whitespace().next() {
                    c.string = Some(match b {
                        "hex" => NumBase::Hex,
                        "dec" => NumBase::Dec,
                        "oct" => NumBase::Oct,
                        _ => {
                            return Err(perr(
                                at,
                                format!(
                                    "{kw}: unknown string base '{b}', expected hex, dec or oct"
                                ),
                            ))
                        }
                    });
                } else {
                    want_base = true;
                }
            }
            "hex" | "dec" | "oct" if c.string.is_some() => {}
            "bitmask" => c.bitmask = Some(num("bitmask")?),
            "multiplier" if allowed.contains(&"multiplier") => {
                let m = num("multiplier")?;
                c.multiplier = Some(
                    u32::try_from(m)
                        .map_err(|_| perr(at, format!("{kw}: multiplier {m} is out of range")))?,
                );
            }
            "align" if allowed.contains(&"align") => c.align = true,
            "from_beginning" if allowed.contains(&"from_beginning") => c.from_beginning = true,
            "from_end" if allowed.contains(&"from_end") => c.from_end = true,
            "post_offset" if allowed.contains(&"post_offset") => {
                c.post_offset = Some(parse_i64(val).ok_or_else(|| {
                    perr(
                        at,
                        format!("{kw}: expected a number after 'post_offset', found '{val}'"),
                    )
                })?)
            }
            _ => {
                let mut names = vec!["relative", "big", "little", "dce", "string", "bitmask"];
                names.extend_from_slice(allowed);
                return Err(perr(
                    at,
                    format!(
                        "{kw}: unknown option '{o}', expected one of {}",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    if want_base {
        c.string = Some(NumBase::Dec);
    }
    if c.string.is_some() && c.endian == Some(Endian::Dce) {
        return Err(perr(
            at,
            format!("{kw}: 'dce' cannot be combined with 'string'"),
        ));
    }
    Ok(c)
}

fn nbytes(kw: &str, s: &str, string: bool, at: usize) -> PResult<IntOrVar> {
    let b =
        parse_int_or_var(s, "the number of bytes").map_err(|m| perr(at, format!("{kw}: {m}")))?;
    if let IntOrVar::Int(n) = b {
        let max = if string { 23 } else { 8 };
        // 0 is accepted: Suricata loads it (ET Open and suricata-verify use it).
        if !(0..=max).contains(&n) {
            return Err(perr(
                at,
                format!("{kw}: number of bytes {n} is out of range, expected 0 to {max}"),
            ));
        }
    }
    Ok(b)
}

fn byte_test(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "byte_test";
    let v = req(kw, v, at)?;
    let p: Vec<&str> = items(v).collect();
    if p.len() < 4 {
        return Err(perr(at, format!("byte_test: expected at least 4 fields 'bytes, [!]operator, value, offset', found {}", p.len())));
    }
    let c = common(kw, p[4..].iter().copied(), at, &[])?;
    let bytes = nbytes(kw, p[0], c.string.is_some(), at)?;
    let (negated, op_s) = match p[1].strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, p[1]),
    };
    let op = match op_s {
        "<" => ByteTestOp::Lt,
        ">" => ByteTestOp::Gt,
        "<=" => ByteTestOp::Le,
        ">=" => ByteTestOp::Ge,
        "=" | "" if negated || op_s == "=" => ByteTestOp::Eq,
        "&" => ByteTestOp::And,
        "^" => ByteTestOp::Xor,
        _ => return Err(perr(at, format!("byte_test: unknown operator '{}', expected <, >, <=, >=, =, &, ^ (optionally prefixed by !)", p[1]))),
    };
    let value =
        parse_int_or_var(p[2], "the value").map_err(|m| perr(at, format!("byte_test: {m}")))?;
    let offset =
        parse_int_or_var(p[3], "the offset").map_err(|m| perr(at, format!("byte_test: {m}")))?;
    Ok(RuleOption::ByteTest(ByteTest {
        bytes,
        negated,
        op,
        value,
        offset,
        relative: c.relative,
        endian: c.endian.unwrap_or_default(),
        string: c.string,
        bitmask: c.bitmask,
    }))
}

fn byte_jump(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "byte_jump";
    let v = req(kw, v, at)?;
    let p: Vec<&str> = items(v).collect();
    if p.len() < 2 {
        return Err(perr(
            at,
            format!(
                "byte_jump: expected at least 2 fields 'bytes, offset', found {}",
                p.len()
            ),
        ));
    }
    let c = common(
        kw,
        p[2..].iter().copied(),
        at,
        &[
            "multiplier",
            "align",
            "from_beginning",
            "from_end",
            "post_offset",
        ],
    )?;
    if c.from_beginning && c.from_end {
        return Err(perr(
            at,
            "byte_jump: 'from_beginning' conflicts with 'from_end'",
        ));
    }
    let bytes = nbytes(kw, p[0], c.string.is_some(), at)?;
    let offset =
        parse_int_or_var(p[1], "the offset").map_err(|m| perr(at, format!("byte_jump: {m}")))?;
    Ok(RuleOption::ByteJump(ByteJump {
        bytes,
        offset,
        relative: c.relative,
        multiplier: c.multiplier,
        endian: c.endian.unwrap_or_default(),
        string: c.string,
        align: c.align,
        from_beginning: c.from_beginning,
        from_end: c.from_end,
        post_offset: c.post_offset,
        bitmask: c.bitmask,
    }))
}

fn byte_extract(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "byte_extract";
    let v = req(kw, v, at)?;
    let p: Vec<&str> = items(v).collect();
    if p.len() < 3 {
        return Err(perr(
            at,
            format!(
                "byte_extract: expected at least 3 fields 'bytes, offset, name', found {}",
                p.len()
            ),
        ));
    }
    let mut align = None;
    let rest: Vec<&str> = p[3..]
        .iter()
        .copied()
        .filter(|o| match o.strip_prefix("align") {
            Some(n) if !n.is_empty() => {
                align = n.trim().parse::<u8>().ok().or(Some(0));
                false
            }
            _ => true,
        })
        .collect();
    if let Some(a) = align {
        if a != 2 && a != 4 {
            return Err(perr(
                at,
                "byte_extract: invalid 'align' value, expected 2 or 4",
            ));
        }
    }
    let c = common(kw, rest.into_iter(), at, &["multiplier"])?;
    let IntOrVar::Int(bytes) = nbytes(kw, p[0], c.string.is_some(), at)? else {
        return Err(perr(
            at,
            format!(
                "byte_extract: expected the number of bytes as an integer, found '{}'",
                p[0]
            ),
        ));
    };
    let offset = parse_i64(p[1]).ok_or_else(|| {
        perr(
            at,
            format!(
                "byte_extract: expected the offset as an integer, found '{}'",
                p[1]
            ),
        )
    })?;
    if !is_var_name(p[2]) {
        return Err(perr(
            at,
            format!("byte_extract: invalid variable name '{}'", p[2]),
        ));
    }
    Ok(RuleOption::ByteExtract(ByteExtract {
        bytes: bytes as u8,
        offset,
        name: p[2].to_string(),
        relative: c.relative,
        multiplier: c.multiplier,
        endian: c.endian.unwrap_or_default(),
        string: c.string,
        align,
        bitmask: c.bitmask,
    }))
}

fn byte_math(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "byte_math";
    let v = req(kw, v, at)?;
    let (mut bytes, mut offset, mut oper, mut rvalue, mut result) = (None, None, None, None, None);
    let mut m = ByteMath {
        bytes: 0,
        offset: 0,
        oper: ByteMathOp::Add,
        rvalue: IntOrVar::Int(0),
        result: String::new(),
        relative: false,
        endian: Endian::Big,
        string: None,
        bitmask: None,
    };
    let mut extra = Vec::new();
    for o in items(v) {
        let (k, val) = o
            .split_once(char::is_whitespace)
            .map_or((o, ""), |(a, b)| (a, b.trim()));
        let slot = match k {
            "bytes" => &mut bytes,
            "offset" => &mut offset,
            "oper" => &mut oper,
            "rvalue" => &mut rvalue,
            "result" => &mut result,
            "endian" => {
                if !matches!(val, "big" | "little") {
                    return Err(perr(
                        at,
                        format!("byte_math: unknown endian '{val}', expected big or little"),
                    ));
                }
                extra.push(val);
                continue;
            }
            _ => {
                extra.push(o);
                continue;
            }
        };
        if slot.replace(val).is_some() {
            return Err(perr(
                at,
                format!("byte_math: field '{k}' given more than once"),
            ));
        }
    }
    let c = common(kw, extra.into_iter(), at, &[])?;
    let missing = |f: &str| perr(at, format!("byte_math: missing required field '{f}'"));
    let b = bytes.ok_or_else(|| missing("bytes"))?;
    let mut bytes_var = None;
    m.bytes = match parse_u64(b) {
        Some(n @ 1..=10) => n as u8,
        Some(_) => {
            return Err(perr(
                at,
                format!("byte_math: number of bytes '{b}' is out of range, expected 1 to 10"),
            ))
        }
        None if is_var_name(b) => {
            bytes_var = Some(b.to_string());
            0
        }
        None => {
            return Err(perr(
                at,
                format!(
                    "byte_math: expected the number of bytes as 1 to 10 or a byte_extract/byte_math variable name, found '{b}'"
                ),
            ))
        }
    };
    let o = offset.ok_or_else(|| missing("offset"))?;
    m.offset = parse_i64(o).ok_or_else(|| {
        perr(
            at,
            format!("byte_math: expected the offset as an integer, found '{o}'"),
        )
    })?;
    m.oper = match oper.ok_or_else(|| missing("oper"))? {
        "+" => ByteMathOp::Add,
        "-" => ByteMathOp::Sub,
        "*" => ByteMathOp::Mul,
        "/" => ByteMathOp::Div,
        "<<" => ByteMathOp::Shl,
        ">>" => ByteMathOp::Shr,
        x => {
            return Err(perr(
                at,
                format!("byte_math: unknown operator '{x}', expected +, -, *, /, << or >>"),
            ))
        }
    };
    m.rvalue = parse_int_or_var(rvalue.ok_or_else(|| missing("rvalue"))?, "rvalue")
        .map_err(|e| perr(at, format!("byte_math: {e}")))?;
    let r = result.ok_or_else(|| missing("result"))?;
    if !is_var_name(r) {
        return Err(perr(
            at,
            format!("byte_math: invalid result variable name '{r}'"),
        ));
    }
    m.result = r.to_string();
    m.relative = c.relative;
    m.endian = c.endian.unwrap_or_default();
    m.string = c.string;
    m.bitmask = c.bitmask;
    Ok(match bytes_var {
        Some(bytes) => RuleOption::ByteMathVarBytes { math: m, bytes },
        None => RuleOption::ByteMath(m),
    })
}
