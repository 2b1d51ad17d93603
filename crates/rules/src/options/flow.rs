//! Flow and state keywords: flow, flowbits, xbits, hostbits, flowint,
//! stream_size, flow.age, flow.pkts/bytes, app-layer-protocol.

use super::{cmp, items, req};
use crate::ast::{
    AppProto, BitsCmd, BitsOp, BitsTrack, FlowCount, FlowDir, FlowFlags, Flowbits, Flowint,
    FlowintOp, IntCmp, RuleOption, StreamDir, StreamSize, Xbits,
};
use crate::error::{perr, PResult};
use crate::num::{parse_int_cmp, parse_int_or_var};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "flow" => flow(v, at),
        "flowbits" => flowbits(v, at),
        "xbits" => xbits(kw, v, at).map(RuleOption::Xbits),
        "hostbits" => xbits(kw, v, at).map(RuleOption::Hostbits),
        "flowint" => flowint(v, at),
        "stream_size" => stream_size(v, at),
        "flow.age" => cmp(kw, v, at, u64::from(u32::MAX)).map(RuleOption::FlowAge),
        "flow.pkts" | "flow.pkts_toserver" | "flow.pkts_toclient" => {
            flow_count(kw, v, at).map(RuleOption::FlowPkts)
        }
        "flow.bytes" | "flow.bytes_toserver" | "flow.bytes_toclient" => {
            flow_count(kw, v, at).map(RuleOption::FlowBytes)
        }
        "app-layer-protocol" => app_proto(v, at),
        _ => return None,
    })
}

fn flow(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let v = req("flow", v, at)?;
    let mut f = FlowFlags::default();
    const NAMES: [&str; 11] = [
        "established",
        "not_established",
        "stateless",
        "to_server",
        "from_client",
        "to_client",
        "from_server",
        "only_stream",
        "no_stream",
        "only_frag",
        "no_frag",
    ];
    for it in items(v) {
        let (slot, conflict, other) = match it {
            "established" => (
                &mut f.established,
                f.not_established || f.stateless,
                "not_established/stateless",
            ),
            "not_established" => (
                &mut f.not_established,
                f.established || f.stateless,
                "established/stateless",
            ),
            "stateless" => (
                &mut f.stateless,
                f.established || f.not_established,
                "established/not_established",
            ),
            "to_server" | "from_client" => (&mut f.to_server, f.to_client, "to_client/from_server"),
            "to_client" | "from_server" => (&mut f.to_client, f.to_server, "to_server/from_client"),
            "only_stream" => (&mut f.only_stream, f.no_stream, "no_stream"),
            "no_stream" => (&mut f.no_stream, f.only_stream, "only_stream"),
            "only_frag" => (&mut f.only_frag, f.no_frag, "no_frag"),
            "no_frag" => (&mut f.no_frag, f.only_frag, "only_frag"),
            _ => {
                return Err(perr(
                    at,
                    format!(
                        "flow: unknown option '{it}', expected one of {}{}",
                        NAMES.join(", "),
                        crate::suggest::did_you_mean(it, NAMES, "'")
                    ),
                ))
            }
        };
        if *slot {
            return Err(perr(
                at,
                format!("flow: option '{it}' given more than once"),
            ));
        }
        if conflict {
            return Err(perr(
                at,
                format!("flow: option '{it}' conflicts with {other}"),
            ));
        }
        *slot = true;
    }
    Ok(RuleOption::Flow(f))
}

fn bits_cmd(kw: &str, s: &str, at: usize) -> PResult<BitsCmd> {
    Ok(match s {
        "set" => BitsCmd::Set,
        "isset" => BitsCmd::IsSet,
        "isnotset" => BitsCmd::IsNotSet,
        "unset" => BitsCmd::Unset,
        "toggle" => BitsCmd::Toggle,
        "noalert" => BitsCmd::NoAlert,
        _ => {
            return Err(perr(at, format!("{kw}: unknown command '{s}', expected set, isset, isnotset, unset, toggle or noalert")))
        }
    })
}

fn bit_names(kw: &str, s: &str, at: usize) -> PResult<(Vec<String>, BitsOp)> {
    let (op, parts): (BitsOp, Vec<&str>) = if s.contains('|') {
        (BitsOp::Or, s.split('|').collect())
    } else if s.contains('&') {
        (BitsOp::And, s.split('&').collect())
    } else {
        (BitsOp::Single, vec![s])
    };
    let mut names = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() || p.contains(char::is_whitespace) || p.contains(['&', '|']) {
            return Err(perr(at, format!("{kw}: invalid name '{p}' in '{s}', expected names joined by only '|' or only '&'")));
        }
        names.push(p.to_string());
    }
    Ok((names, op))
}

fn flowbits(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "flowbits";
    let v = req(kw, v, at)?;
    let mut parts = v.splitn(2, ',').map(str::trim);
    let cmd = bits_cmd(kw, parts.next().unwrap_or(""), at)?;
    let rest = parts.next();
    let (names, op) = match (cmd, rest) {
        (BitsCmd::NoAlert, None) => (Vec::new(), BitsOp::Single),
        (BitsCmd::NoAlert, Some(r)) => {
            return Err(perr(
                at,
                format!("flowbits: noalert takes no name, found '{r}'"),
            ))
        }
        (_, None) => {
            return Err(perr(
                at,
                format!("flowbits: expected a name after '{v}', found none"),
            ))
        }
        (_, Some(r)) => bit_names(kw, r, at)?,
    };
    if op != BitsOp::Single
        && !matches!(
            cmd,
            BitsCmd::IsSet | BitsCmd::IsNotSet | BitsCmd::Set | BitsCmd::Unset | BitsCmd::Toggle
        )
    {
        return Err(perr(
            at,
            "flowbits: several names are only allowed with set, isset, isnotset, unset or toggle",
        ));
    }
    if op == BitsOp::Or && !matches!(cmd, BitsCmd::IsSet | BitsCmd::IsNotSet) {
        return Err(perr(
            at,
            "flowbits: '|' is only allowed with isset or isnotset",
        ));
    }
    Ok(RuleOption::Flowbits(Flowbits { cmd, names, op }))
}

fn xbits(kw: &str, v: Option<&str>, at: usize) -> PResult<Xbits> {
    let v = req(kw, v, at)?;
    let mut it = items(v);
    let cmd = bits_cmd(kw, it.next().unwrap_or(""), at)?;
    let (names, op) = if cmd == BitsCmd::NoAlert {
        (Vec::new(), BitsOp::Single)
    } else {
        let n = it.next().ok_or_else(|| {
            perr(
                at,
                format!("{kw}: expected a name after the command, found none"),
            )
        })?;
        bit_names(kw, n, at)?
    };
    let mut track = None;
    let mut expire = None;
    for o in it {
        let (k, val) = o
            .split_once(char::is_whitespace)
            .map_or((o, ""), |(a, b)| (a, b.trim()));
        let tr = |s: &str| -> PResult<BitsTrack> {
            Ok(match s {
                "ip_src" | "src" => BitsTrack::IpSrc,
                "ip_dst" | "dst" => BitsTrack::IpDst,
                "ip_pair" | "both" | "pair" => BitsTrack::IpPair,
                "tx" if kw == "xbits" => BitsTrack::Tx,
                _ => {
                    return Err(perr(
                        at,
                        format!("{kw}: unknown track '{s}', expected ip_src, ip_dst or ip_pair"),
                    ))
                }
            })
        };
        match k {
            "track" => track = Some(tr(val)?),
            "expire" => {
                expire = Some(val.parse().map_err(|_| {
                    perr(
                        at,
                        format!("{kw}: expected seconds after 'expire', found '{val}'"),
                    )
                })?)
            }
            _ if kw == "hostbits" && val.is_empty() => track = Some(tr(k)?),
            _ => {
                return Err(perr(
                    at,
                    format!(
                        "{kw}: unknown option '{o}', expected 'track <type>' or 'expire <seconds>'"
                    ),
                ))
            }
        }
    }
    if kw == "xbits" && track.is_none() && cmd != BitsCmd::NoAlert {
        return Err(perr(
            at,
            "xbits: missing 'track', expected track ip_src, ip_dst or ip_pair",
        ));
    }
    Ok(Xbits {
        cmd,
        names,
        op,
        track,
        expire,
    })
}

fn flowint(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let v = req("flowint", v, at)?;
    let parts: Vec<&str> = items(v).collect();
    if parts.len() < 2 || parts[0].is_empty() {
        return Err(perr(
            at,
            format!("flowint: invalid value '{v}', expected 'name, op[, value]'"),
        ));
    }
    let op = match parts[1] {
        "=" => FlowintOp::Set,
        "+" => FlowintOp::Add,
        "-" => FlowintOp::Sub,
        "==" => FlowintOp::Eq,
        "!=" => FlowintOp::Ne,
        "<" => FlowintOp::Lt,
        ">" => FlowintOp::Gt,
        "<=" => FlowintOp::Le,
        ">=" => FlowintOp::Ge,
        "isset" => FlowintOp::IsSet,
        "notset" | "isnotset" => FlowintOp::NotSet,
        o => {
            return Err(perr(at, format!("flowint: unknown operator '{o}', expected =, +, -, ==, !=, <, >, <=, >=, isset or notset")))
        }
    };
    let needs = !matches!(op, FlowintOp::IsSet | FlowintOp::NotSet);
    let value = match (needs, parts.get(2)) {
        (true, Some(x)) if parts.len() == 3 => {
            Some(parse_int_or_var(x, "the value").map_err(|m| perr(at, format!("flowint: {m}")))?)
        }
        (false, None) => None,
        (true, _) => {
            return Err(perr(
                at,
                format!("flowint: operator '{}' expects exactly one value", parts[1]),
            ))
        }
        (false, Some(_)) => {
            return Err(perr(
                at,
                format!("flowint: operator '{}' takes no value", parts[1]),
            ))
        }
    };
    Ok(RuleOption::Flowint(Flowint {
        name: parts[0].to_string(),
        op,
        value,
    }))
}

fn stream_size(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let v = req("stream_size", v, at)?;
    let parts: Vec<&str> = items(v).collect();
    let bad = || {
        perr(at, format!("stream_size: invalid value '{v}', expected '<server|client|both|either>,<op>,<number>'"))
    };
    if parts.len() != 3 {
        return Err(bad());
    }
    let dir = match parts[0] {
        "server" => StreamDir::Server,
        "client" => StreamDir::Client,
        "both" => StreamDir::Both,
        "either" => StreamDir::Either,
        _ => return Err(bad()),
    };
    let op = if parts[1] == "=" { "" } else { parts[1] };
    if !matches!(op, "" | "<" | ">" | "<=" | ">=" | "!=") {
        return Err(bad());
    }
    let c = parse_int_cmp(&format!("{op}{}", parts[2]), u64::from(u32::MAX))
        .map_err(|m| perr(at, format!("stream_size: {m}")))?;
    Ok(RuleOption::StreamSize(StreamSize { dir, cmp: c }))
}

fn flow_count(kw: &str, v: Option<&str>, at: usize) -> PResult<FlowCount> {
    let fixed = if kw.ends_with("_toserver") {
        Some(FlowDir::ToServer)
    } else if kw.ends_with("_toclient") {
        Some(FlowDir::ToClient)
    } else {
        None
    };
    let v = req(kw, v, at)?;
    let (dir, rest) = match (fixed, v.split_once(',')) {
        (None, Some((d, r))) => {
            let d = match d.trim() {
                "toserver" => FlowDir::ToServer,
                "toclient" => FlowDir::ToClient,
                "either" => FlowDir::Either,
                o => {
                    return Err(perr(
                        at,
                        format!(
                            "{kw}: unknown direction '{o}', expected toserver, toclient or either"
                        ),
                    ))
                }
            };
            (Some(d), r)
        }
        _ => (fixed, v),
    };
    let c: IntCmp =
        parse_int_cmp(rest, u64::from(u32::MAX)).map_err(|m| perr(at, format!("{kw}: {m}")))?;
    Ok(FlowCount { dir, cmp: c })
}

fn app_proto(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let v = req("app-layer-protocol", v, at)?;
    let name_part = v.split(',').next().unwrap_or("").trim();
    let (negated, name) = match name_part.strip_prefix('!') {
        Some(n) => (true, n.trim()),
        None => (false, name_part),
    };
    let special = ["failed", "unknown", "http_any", "ignore"];
    if AppProto::from_name(name).is_none() && !special.contains(&name) {
        let cands = AppProto::ALL.iter().map(|a| a.name()).chain(special);
        return Err(perr(
            at,
            format!(
                "app-layer-protocol: unknown protocol '{name}'{}",
                crate::suggest::did_you_mean(name, cands, "'")
            ),
        ));
    }
    Ok(RuleOption::AppLayerProtocol {
        negated,
        name: name.to_string(),
    })
}
