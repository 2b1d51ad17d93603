//! Post-detection keywords: threshold, detection_filter, noalert, alert,
//! prefilter, tag.

use super::{items, none, req};
use crate::ast::{
    DetectionFilter, RuleOption, Tag, TagKind, TagMetric, Target, Threshold, ThresholdKind, Track,
};
use crate::error::{perr, PResult};

pub(super) fn parse(kw: &str, v: Option<&str>, at: usize) -> Option<PResult<RuleOption>> {
    Some(match kw {
        "threshold" => threshold(v, at),
        "detection_filter" => detection_filter(v, at),
        "noalert" => none(kw, v, at).map(|_| RuleOption::Noalert),
        "alert" => none(kw, v, at).map(|_| RuleOption::Alert),
        "prefilter" => none(kw, v, at).map(|_| RuleOption::Prefilter),
        "tag" => tag(v, at),
        _ => return None,
    })
}

/// `key value` pairs of threshold-like options.
fn pairs<'a>(kw: &str, v: &'a str, at: usize, keys: &[&str]) -> PResult<Vec<(&'a str, &'a str)>> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for it in items(v) {
        let (k, val) = it
            .split_once(char::is_whitespace)
            .map(|(a, b)| (a, b.trim()))
            .ok_or_else(|| {
                perr(
                    at,
                    format!(
                        "{kw}: invalid field '{it}', expected 'key value' with key one of {}",
                        keys.join(", ")
                    ),
                )
            })?;
        if !keys.contains(&k) {
            return Err(perr(
                at,
                format!(
                    "{kw}: unknown field '{k}', expected one of {}",
                    keys.join(", ")
                ),
            ));
        }
        if out.iter().any(|(o, _)| *o == k) {
            return Err(perr(at, format!("{kw}: field '{k}' given more than once")));
        }
        out.push((k, val));
    }
    Ok(out)
}

fn get<'a>(kw: &str, p: &[(&str, &'a str)], key: &str, at: usize) -> PResult<&'a str> {
    p.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .ok_or_else(|| perr(at, format!("{kw}: missing field '{key}'")))
}

fn number(kw: &str, key: &str, s: &str, at: usize) -> PResult<u32> {
    s.parse().map_err(|_| {
        perr(
            at,
            format!("{kw}: expected an unsigned integer for '{key}', found '{s}'"),
        )
    })
}

fn track(kw: &str, s: &str, at: usize) -> PResult<Track> {
    Ok(match s {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => Track::ByFlow,
        _ => {
            return Err(perr(
                at,
                format!(
                "{kw}: unknown track '{s}', expected by_src, by_dst, by_rule, by_both or by_flow"
            ),
            ))
        }
    })
}

fn threshold(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "threshold";
    let p = pairs(
        kw,
        req(kw, v, at)?,
        at,
        &["type", "track", "count", "seconds", "multiplier"],
    )?;
    let kind = match get(kw, &p, "type", at)? {
        "limit" => ThresholdKind::Limit,
        "threshold" => ThresholdKind::Threshold,
        "both" => ThresholdKind::Both,
        "backoff" => ThresholdKind::Backoff,
        t => {
            return Err(perr(
                at,
                format!(
                    "threshold: unknown type '{t}', expected limit, threshold, both or backoff"
                ),
            ))
        }
    };
    let track = track(kw, get(kw, &p, "track", at)?, at)?;
    let count = number(kw, "count", get(kw, &p, "count", at)?, at)?;
    let (seconds, multiplier) = if kind == ThresholdKind::Backoff {
        (
            0,
            Some(number(
                kw,
                "multiplier",
                get(kw, &p, "multiplier", at)?,
                at,
            )?),
        )
    } else {
        if p.iter().any(|(k, _)| *k == "multiplier") {
            return Err(perr(
                at,
                "threshold: field 'multiplier' is only valid with type backoff",
            ));
        }
        (
            number(kw, "seconds", get(kw, &p, "seconds", at)?, at)?,
            None,
        )
    };
    Ok(RuleOption::Threshold(Threshold {
        kind,
        track,
        count,
        seconds,
        multiplier,
    }))
}

fn detection_filter(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let kw = "detection_filter";
    let p = pairs(kw, req(kw, v, at)?, at, &["track", "count", "seconds"])?;
    Ok(RuleOption::DetectionFilter(DetectionFilter {
        track: track(kw, get(kw, &p, "track", at)?, at)?,
        count: number(kw, "count", get(kw, &p, "count", at)?, at)?,
        seconds: number(kw, "seconds", get(kw, &p, "seconds", at)?, at)?,
    }))
}

fn tag(v: Option<&str>, at: usize) -> PResult<RuleOption> {
    let x = req("tag", v, at)?;
    let p: Vec<&str> = items(x).collect();
    let kind = match p[0] {
        "session" => TagKind::Session,
        "host" => TagKind::Host,
        k => {
            return Err(perr(
                at,
                format!("tag: unknown type '{k}', expected session or host"),
            ))
        }
    };
    let mut t = Tag {
        kind,
        limit: None,
        direction: None,
    };
    let mut rest = &p[1..];
    if rest.len() >= 2 {
        let count = number("tag", "count", rest[0], at)?;
        let metric = match rest[1] {
            "packets" => TagMetric::Packets,
            "seconds" => TagMetric::Seconds,
            "bytes" => TagMetric::Bytes,
            m => {
                return Err(perr(
                    at,
                    format!("tag: unknown metric '{m}', expected packets, seconds or bytes"),
                ))
            }
        };
        t.limit = Some((count, metric));
        rest = &rest[2..];
    }
    match rest {
        [] => {}
        ["src"] if kind == TagKind::Host => t.direction = Some(Target::Src),
        ["dst"] if kind == TagKind::Host => t.direction = Some(Target::Dst),
        _ => {
            return Err(perr(
                at,
                format!(
                    "tag: invalid value '{x}', expected 'session|host[, count, metric][, src|dst]'"
                ),
            ))
        }
    }
    Ok(RuleOption::Tag(t))
}
