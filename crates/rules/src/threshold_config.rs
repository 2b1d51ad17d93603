//! `threshold.config` (Suricata's `threshold-file`): global thresholds,
//! event filters, suppressions and rate filters keyed by gid:sid.
//!
//! ```text
//! threshold gen_id 1, sig_id 2010935, type limit, track by_src, count 1, seconds 60
//! event_filter gen_id 1, sig_id 0, type both, track by_dst, count 5, seconds 60
//! suppress gen_id 1, sig_id 2010935, track by_src, ip 10.0.0.0/8
//! rate_filter gen_id 1, sig_id 1000001, track by_rule, count 1, seconds 60, new_action drop, timeout 10
//! ```
//! `sig_id 0` applies to every rule of the gid (and `gen_id 0` to every
//! gid). Each line is parsed on its own; a bad line is a diagnostic with
//! file:line:column and never stops the others.

use std::sync::Arc;

use crate::ast::{AddrExpr, ThresholdKind, Track};
use crate::diagnostic::Diagnostic;
use crate::header::parse_addr;

/// Which address a suppression looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressTrack {
    /// `by_src`
    BySrc,
    /// `by_dst`
    ByDst,
    /// `by_either`
    ByEither,
}

/// What a `rate_filter` turns the rule's action into once the rate is
/// exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateAction {
    /// `alert`
    Alert,
    /// `drop`
    Drop,
    /// `pass`
    Pass,
    /// `reject`
    Reject,
}

/// One line of a threshold file.
#[derive(Debug, Clone, PartialEq)]
pub enum ThresholdEntry {
    /// `threshold` / `event_filter`: overrides the rule's own `threshold`.
    Threshold {
        /// Generator id (0 = any).
        gid: u32,
        /// Rule id (0 = any).
        sid: u32,
        /// Type.
        kind: ThresholdKind,
        /// Tracking.
        track: Track,
        /// `count`
        count: u32,
        /// `seconds`
        seconds: u32,
    },
    /// `suppress`: alerts of the rule are not logged (for the given
    /// addresses when `track`/`ip` are present).
    Suppress {
        /// Generator id (0 = any).
        gid: u32,
        /// Rule id (0 = any).
        sid: u32,
        /// Which address to test, with `ip`.
        track: Option<(SuppressTrack, AddrExpr)>,
    },
    /// `rate_filter`: changes the action after `count` matches within
    /// `seconds`, for `timeout` seconds.
    RateFilter {
        /// Generator id (0 = any).
        gid: u32,
        /// Rule id (0 = any).
        sid: u32,
        /// Tracking.
        track: Track,
        /// `count`
        count: u32,
        /// `seconds`
        seconds: u32,
        /// `new_action`
        new_action: RateAction,
        /// `timeout`
        timeout: u32,
    },
}

/// A parsed threshold file.
#[derive(Debug, Default)]
pub struct ThresholdConfig {
    /// Entries with their 1-based line numbers.
    pub entries: Vec<(u32, ThresholdEntry)>,
    /// Lines that did not parse.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the text of a threshold file called `file`.
pub fn parse_threshold_config(text: &str, file: &str) -> ThresholdConfig {
    let file: Arc<str> = Arc::from(file);
    let mut out = ThresholdConfig::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match parse_line(t) {
            Ok(e) => out.entries.push((lineno, e)),
            Err((col, message)) => out.diagnostics.push(Diagnostic {
                file: file.clone(),
                line: lineno,
                column: (line.len() - line.trim_start().len() + col + 1) as u32,
                sid: None,
                message,
            }),
        }
    }
    out
}

type LineResult<T> = Result<T, (usize, String)>;

/// `key value` fields after the directive, with their columns.
struct Fields<'a> {
    items: Vec<(usize, &'a str, &'a str)>,
    end: usize,
}

impl<'a> Fields<'a> {
    fn parse(rest: &'a str, base: usize) -> LineResult<Fields<'a>> {
        let mut items = Vec::new();
        let mut pos = 0;
        for part in rest.split(',') {
            let col = base + pos + (part.len() - part.trim_start().len());
            pos += part.len() + 1;
            let p = part.trim();
            if p.is_empty() {
                return Err((col, "empty field (stray comma?)".into()));
            }
            let (k, v) = p.split_once(char::is_whitespace).ok_or_else(|| {
                (
                    col,
                    format!("field '{p}' has no value, expected 'name value'"),
                )
            })?;
            items.push((col, k, v.trim()));
        }
        Ok(Fields {
            items,
            end: base + rest.len(),
        })
    }

    fn get(&self, key: &str) -> Option<(usize, &'a str)> {
        self.items
            .iter()
            .find(|(_, k, _)| *k == key)
            .map(|(c, _, v)| (*c, *v))
    }

    fn need(&self, key: &str) -> LineResult<(usize, &'a str)> {
        self.get(key)
            .ok_or_else(|| (self.end, format!("missing '{key}'")))
    }

    fn num(&self, key: &str) -> LineResult<u32> {
        let (col, v) = self.need(key)?;
        v.parse()
            .map_err(|_| (col, format!("{key}: '{v}' is not a number")))
    }

    fn check_known(&self, known: &[&str]) -> LineResult<()> {
        for (col, k, _) in &self.items {
            if !known.contains(k) {
                return Err((
                    *col,
                    format!("unknown field '{k}', expected one of {}", known.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

fn track(col: usize, v: &str, allow_flow: bool) -> LineResult<Track> {
    Ok(match v {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" if allow_flow => Track::ByFlow,
        _ => {
            return Err((
                col,
                format!("track '{v}': expected by_src, by_dst, by_rule, by_both or by_flow"),
            ))
        }
    })
}

fn parse_line(t: &str) -> LineResult<ThresholdEntry> {
    let (directive, rest) = t
        .split_once(char::is_whitespace)
        .ok_or_else(|| (0, format!("'{t}': expected a directive and its fields")))?;
    let base = directive.len() + (t.len() - directive.len() - rest.len());
    let f = Fields::parse(rest, base)?;
    let gid = f.num("gen_id")?;
    let sid = f.num("sig_id")?;
    match directive {
        "threshold" | "event_filter" => {
            f.check_known(&["gen_id", "sig_id", "type", "track", "count", "seconds"])?;
            let (tc, tv) = f.need("type")?;
            let kind = match tv {
                "limit" => ThresholdKind::Limit,
                "threshold" => ThresholdKind::Threshold,
                "both" => ThresholdKind::Both,
                _ => return Err((tc, format!("type '{tv}': expected limit, threshold or both"))),
            };
            let (kc, kv) = f.need("track")?;
            Ok(ThresholdEntry::Threshold {
                gid,
                sid,
                kind,
                track: track(kc, kv, true)?,
                count: f.num("count")?,
                seconds: f.num("seconds")?,
            })
        }
        "suppress" => {
            f.check_known(&["gen_id", "sig_id", "track", "ip"])?;
            let track = match (f.get("track"), f.get("ip")) {
                (None, None) => None,
                (Some((kc, kv)), Some((ic, iv))) => {
                    let which = match kv {
                        "by_src" => SuppressTrack::BySrc,
                        "by_dst" => SuppressTrack::ByDst,
                        "by_either" => SuppressTrack::ByEither,
                        _ => {
                            return Err((
                                kc,
                                format!("track '{kv}': expected by_src, by_dst or by_either"),
                            ))
                        }
                    };
                    let ip = parse_addr(iv, ic).map_err(|e| (e.at, e.msg))?;
                    Some((which, ip))
                }
                (Some((c, _)), None) => return Err((c, "suppress with track needs an 'ip'".into())),
                (None, Some((c, _))) => return Err((c, "suppress with ip needs a 'track'".into())),
            };
            Ok(ThresholdEntry::Suppress { gid, sid, track })
        }
        "rate_filter" => {
            f.check_known(&[
                "gen_id", "sig_id", "track", "count", "seconds", "new_action", "timeout",
            ])?;
            let (kc, kv) = f.need("track")?;
            let (ac, av) = f.need("new_action")?;
            let new_action = match av {
                "alert" | "log" => RateAction::Alert,
                "drop" | "sdrop" => RateAction::Drop,
                "pass" => RateAction::Pass,
                "reject" => RateAction::Reject,
                _ => {
                    return Err((
                        ac,
                        format!("new_action '{av}': expected alert, drop, pass or reject"),
                    ))
                }
            };
            Ok(ThresholdEntry::RateFilter {
                gid,
                sid,
                track: track(kc, kv, true)?,
                count: f.num("count")?,
                seconds: f.num("seconds")?,
                new_action,
                timeout: f.num("timeout")?,
            })
        }
        other => Err((
            0,
            format!("unknown directive '{other}', expected threshold, event_filter, suppress or rate_filter"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_directive() {
        let c = parse_threshold_config(
            "# comment\n\
             threshold gen_id 1, sig_id 1000001, type limit, track by_rule, count 3, seconds 1000\n\
             event_filter gen_id 1, sig_id 0, type both, track by_flow, count 5, seconds 60\n\
             suppress gen_id 1, sig_id 7\n\
             suppress gen_id 1, sig_id 1000001, track by_either, ip 145.254.160.0/24\n\
             suppress gen_id 1, sig_id 1000001, track by_src, ip $SUPPRESS\n\
             rate_filter gen_id 1, sig_id 1000001, track by_both, count 1, seconds 60, new_action drop, timeout 1000\n",
            "t.config",
        );
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.entries.len(), 6);
        assert_eq!(c.entries[0].0, 2);
        assert_eq!(
            c.entries[0].1,
            ThresholdEntry::Threshold {
                gid: 1,
                sid: 1000001,
                kind: ThresholdKind::Limit,
                track: Track::ByRule,
                count: 3,
                seconds: 1000
            }
        );
        assert!(matches!(
            &c.entries[3].1,
            ThresholdEntry::Suppress {
                track: Some((SuppressTrack::ByEither, AddrExpr::Ip(_))),
                ..
            }
        ));
        assert!(matches!(
            &c.entries[4].1,
            ThresholdEntry::Suppress { track: Some((SuppressTrack::BySrc, AddrExpr::Var(v))), .. } if v == "SUPPRESS"
        ));
        assert!(matches!(
            c.entries[5].1,
            ThresholdEntry::RateFilter {
                new_action: RateAction::Drop,
                timeout: 1000,
                ..
            }
        ));
    }

    #[test]
    fn bad_lines_are_located_and_do_not_stop_the_rest() {
        let c = parse_threshold_config(
            "threshold gen_id 1, sig_id 5, type often, track by_src, count 1, seconds 1\n\
             suppress gen_id 1, sig_id x\n\
             frobnicate gen_id 1, sig_id 2\n\
             suppress gen_id 1, sig_id 3\n",
            "t.config",
        );
        assert_eq!(c.entries.len(), 1);
        let msgs: Vec<String> = c.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "t.config:1:31: type 'often': expected limit, threshold or both",
                "t.config:2:20: sig_id: 'x' is not a number",
                "t.config:3:1: unknown directive 'frobnicate', expected threshold, event_filter, suppress or rate_filter",
            ]
        );
    }
}
