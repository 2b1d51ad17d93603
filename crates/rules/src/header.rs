//! Rule header: `action proto src_addr src_port dir dst_addr dst_port`.
//!
//! Also exposes the address and port expression parsers, which `vars` reuses
//! for variable values.

use crate::ast::{Action, AddrExpr, Direction, IpNet, PortExpr, Protocol};
use crate::error::{perr, PErr, PResult};
use std::net::IpAddr;

/// Parsed header fields.
pub(crate) struct Header {
    pub action: Action,
    pub protocol: Protocol,
    pub src_addr: AddrExpr,
    pub src_port: PortExpr,
    pub direction: Direction,
    pub dst_addr: AddrExpr,
    pub dst_port: PortExpr,
}

/// Whitespace separated fields at bracket depth 0, with their offsets.
fn fields(h: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = None;
    for (i, c) in h.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if c.is_whitespace() && depth <= 0 {
            if let Some(s) = start.take() {
                out.push((s, &h[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &h[s..]));
    }
    out
}

/// Parse the header text (everything before `(`).
pub(crate) fn parse_header(h: &str) -> PResult<Header> {
    let mut open = Vec::new();
    for (i, c) in h.char_indices() {
        match c {
            '[' => open.push(i),
            ']' if open.pop().is_none() => {
                return Err(perr(i, "unexpected ']' without a matching '['"));
            }
            _ => {}
        }
    }
    if let Some(&i) = open.first() {
        return Err(perr(
            i,
            "unclosed '[' in the header, expected a matching ']'",
        ));
    }
    let f = fields(h);
    if f.len() != 7 {
        return Err(perr(
            f.first().map_or(0, |x| x.0),
            format!(
                "expected 7 header fields (action protocol src_addr src_port direction dst_addr dst_port), found {}",
                f.len()
            ),
        ));
    }
    let (at, a) = f[0];
    let action = Action::from_name(a).ok_or_else(|| {
        let extra = if a == "sdrop" { " (sdrop is Snort-only)".to_string() } else {
            crate::suggest::did_you_mean(a, ["alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "config"], "'")
        };
        perr(at, format!("unknown action '{a}', expected alert, pass, drop, reject, rejectsrc, rejectdst, rejectboth or config{extra}"))
    })?;
    let (at, p) = f[1];
    let lower = p.to_ascii_lowercase();
    let protocol = Protocol::from_name(&lower).ok_or_else(|| {
        let names = [
            "ip",
            "tcp",
            "udp",
            "icmp",
            "tcp-pkt",
            "tcp-stream",
            "udp-pkt",
            "pkthdr",
            "ipv4",
            "ipv6",
            "icmpv6",
            "sctp",
        ]
        .into_iter()
        .chain(crate::ast::AppProto::ALL.iter().map(|a| a.name()));
        perr(
            at,
            format!(
                "unknown protocol '{p}'{}",
                crate::suggest::did_you_mean(&lower, names, "'")
            ),
        )
    })?;
    let src_addr = parse_addr(f[2].1, f[2].0)?;
    let src_port = parse_port(f[3].1, f[3].0)?;
    let (at, d) = f[4];
    let direction = match d {
        "->" => Direction::Forward,
        "<>" => Direction::Both,
        "=>" => Direction::Transactional,
        _ => {
            return Err(perr(
                at,
                format!("expected direction '->', '<>' or '=>', found '{d}'"),
            ))
        }
    };
    let dst_addr = parse_addr(f[5].1, f[5].0)?;
    let dst_port = parse_port(f[6].1, f[6].0)?;
    Ok(Header {
        action,
        protocol,
        src_addr,
        src_port,
        direction,
        dst_addr,
        dst_port,
    })
}

/// A small cursor over an expression string; `base` is added to positions.
struct Cur<'a> {
    s: &'a [u8],
    txt: &'a str,
    i: usize,
    base: usize,
}

impl<'a> Cur<'a> {
    fn new(txt: &'a str, base: usize) -> Self {
        Cur {
            s: txt.as_bytes(),
            txt,
            i: 0,
            base,
        }
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn err(&self, msg: String) -> PErr {
        perr(self.base + self.i, msg)
    }
    /// Token up to `,`, `]` or whitespace.
    fn token(&mut self) -> (usize, &'a str) {
        let st = self.i;
        while self.i < self.s.len()
            && !matches!(self.s[self.i], b',' | b']' | b'[')
            && !self.s[self.i].is_ascii_whitespace()
        {
            self.i += 1;
        }
        (st, &self.txt[st..self.i])
    }
    fn finish(&mut self, what: &str) -> PResult<()> {
        self.ws();
        if self.i != self.s.len() {
            return Err(self.err(format!("unexpected '{}' after {what}", &self.txt[self.i..])));
        }
        Ok(())
    }
}

/// Generic list/negation/variable grammar shared by addresses and ports.
fn expr<T>(
    c: &mut Cur<'_>,
    what: &str,
    leaf: &dyn Fn(&str, usize) -> PResult<T>,
    any: T,
    var: fn(String) -> T,
    list: fn(Vec<T>) -> T,
    not: fn(Box<T>) -> T,
) -> PResult<T>
where
    T: Clone,
{
    c.ws();
    match c.peek() {
        None => Err(c.err(format!("expected {what}, found nothing"))),
        Some(b'!') => {
            c.i += 1;
            let inner = expr(c, what, leaf, any.clone(), var, list, not)?;
            Ok(not(Box::new(inner)))
        }
        Some(b'[') => {
            c.i += 1;
            let mut items = Vec::new();
            loop {
                c.ws();
                if c.peek() == Some(b']') {
                    if items.is_empty() {
                        return Err(c.err(format!("expected {what} in list, found ']'")));
                    }
                    c.i += 1;
                    break;
                }
                items.push(expr(c, what, leaf, any.clone(), var, list, not)?);
                c.ws();
                match c.peek() {
                    Some(b',') => c.i += 1,
                    Some(b']') => {}
                    Some(_) => {
                        return Err(c.err(format!(
                            "expected ',' or ']' in {what} list, found '{}'",
                            &c.txt[c.i..]
                        )))
                    }
                    None => {
                        return Err(c.err(format!(
                            "expected ']' closing {what} list, found end of field"
                        )))
                    }
                }
            }
            Ok(list(items))
        }
        Some(b'$') => {
            c.i += 1;
            let (at, name) = c.token();
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            {
                return Err(perr(
                    c.base + at,
                    format!("invalid variable name '${name}'"),
                ));
            }
            Ok(var(name.to_string()))
        }
        Some(_) => {
            let (at, tok) = c.token();
            if tok.is_empty() {
                return Err(perr(
                    c.base + at,
                    format!("expected {what}, found '{}'", &c.txt[at..]),
                ));
            }
            if tok.eq_ignore_ascii_case("any") {
                return Ok(any);
            }
            leaf(tok, c.base + at)
        }
    }
}

/// Parse an address expression; `base` is the offset of `s` in the rule.
pub(crate) fn parse_addr(s: &str, base: usize) -> PResult<AddrExpr> {
    let mut c = Cur::new(s, base);
    let e = expr(
        &mut c,
        "address",
        &addr_leaf,
        AddrExpr::Any,
        AddrExpr::Var,
        AddrExpr::List,
        AddrExpr::Not,
    )?;
    c.finish("address")?;
    Ok(e)
}

/// Parse a port expression; `base` is the offset of `s` in the rule.
pub(crate) fn parse_port(s: &str, base: usize) -> PResult<PortExpr> {
    let mut c = Cur::new(s, base);
    let e = expr(
        &mut c,
        "port",
        &port_leaf,
        PortExpr::Any,
        PortExpr::Var,
        PortExpr::List,
        PortExpr::Not,
    )?;
    c.finish("port")?;
    Ok(e)
}

fn addr_leaf(tok: &str, at: usize) -> PResult<AddrExpr> {
    let bad = || {
        perr(at, format!("invalid address '{tok}', expected an IPv4/IPv6 address, CIDR block, range, variable or 'any'"))
    };
    if let Some((a, b)) = tok.split_once('-') {
        let a: IpAddr = a.parse().map_err(|_| bad())?;
        let b: IpAddr = b.parse().map_err(|_| bad())?;
        if a.is_ipv4() != b.is_ipv4() || a > b {
            return Err(perr(
                at,
                format!("invalid address range '{tok}', expected start <= end of the same family"),
            ));
        }
        return Ok(AddrExpr::Range(a, b));
    }
    let (ip, mask) = match tok.split_once('/') {
        Some((i, m)) => (i, Some(m)),
        None => (tok, None),
    };
    let addr: IpAddr = ip.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match mask {
        None => max,
        Some(m) => match m.parse::<u8>() {
            Ok(p) if p <= max => p,
            Ok(_) => {
                return Err(perr(
                    at,
                    format!("invalid prefix length in '{tok}', expected 0 to {max}"),
                ))
            }
            Err(_) => match m.parse::<std::net::Ipv4Addr>() {
                Ok(nm) if addr.is_ipv4() => {
                    let bits = u32::from(nm);
                    if bits.leading_ones() + bits.trailing_zeros() != 32 {
                        return Err(perr(
                            at,
                            format!("invalid netmask in '{tok}', expected contiguous bits"),
                        ));
                    }
                    bits.leading_ones() as u8
                }
                _ => return Err(bad()),
            },
        },
    };
    Ok(AddrExpr::Ip(IpNet { addr, prefix }))
}

fn port_leaf(tok: &str, at: usize) -> PResult<PortExpr> {
    let num = |s: &str| -> PResult<u16> {
        s.parse::<u16>().map_err(|_| perr(at, format!("invalid port '{tok}', expected a number 0 to 65535, a range lo:hi, a variable or 'any'")))
    };
    match tok.split_once(':') {
        None => Ok(PortExpr::Port(num(tok)?)),
        Some((lo, hi)) => {
            let lo = if lo.is_empty() { 0 } else { num(lo)? };
            let hi = if hi.is_empty() { 65535 } else { num(hi)? };
            if lo > hi {
                return Err(perr(
                    at,
                    format!("invalid port range '{tok}', the lower bound is above the upper bound"),
                ));
            }
            Ok(PortExpr::Range(lo, hi))
        }
    }
}
