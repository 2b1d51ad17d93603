//! The control commands about rulesets and counters: `reload`,
//! `rollback`, `ruleset-diff [PATH...]`, `rules [index]`, `stats` and
//! `shadow SID on|off`, registered beside the engine's own
//! ([`crate::control`]).
//!
//! `reload`, `rollback` and `stats` need the packet loop and wait for its
//! answer ([`Shared::ask`]); `rules`, `ruleset-diff` and `shadow` are
//! answered on the client's thread from the live ruleset [`Shared`]
//! publishes (a diff loads and compiles the new rules there, beside the
//! running engine, as a reload's build would).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use warden_control::dispatch::expect_args;
use warden_control::Dispatcher;

use crate::live_control::{LoopRequest, Shared};
use crate::load;
use crate::ruleset::RulesetDiff;

/// How long `reload` waits for its build (ET Open builds in seconds; a
/// coalesced request may wait for two builds).
pub(crate) const RELOAD_WAIT: Duration = Duration::from_secs(600);

/// How long quick loop requests wait.
const LOOP_WAIT: Duration = Duration::from_secs(30);

/// Registers the ruleset commands on `d`.
pub(crate) fn register(d: &mut Dispatcher, shared: Arc<Shared>) {
    let s = Arc::clone(&shared);
    d.register(
        "reload",
        "reload: rebuild config and rules and swap them in; waits for the outcome (refused with every reason)",
        move |args| {
            expect_args(args, 0, "reload")?;
            s.ask(LoopRequest::Reload, RELOAD_WAIT)
        },
    );
    let s = Arc::clone(&shared);
    d.register(
        "rollback",
        "rollback: go back to the previous kept ruleset; says which generation is live",
        move |args| {
            expect_args(args, 0, "rollback")?;
            s.ask(LoopRequest::Rollback, LOOP_WAIT)
        },
    );
    let s = Arc::clone(&shared);
    d.register(
        "ruleset-diff",
        "ruleset-diff [PATH...]: what a reload (of PATH... instead of the rule files, if given) would change",
        move |args| ruleset_diff(&s, args),
    );
    let s = Arc::clone(&shared);
    d.register(
        "rules",
        "rules [index]: the live ruleset: generation, hash, counts by action, skipped and failed rules",
        move |args| rules(&s, args),
    );
    let s = Arc::clone(&shared);
    d.register(
        "stats",
        "stats: the engine's counters (the stats event's)",
        move |args| {
            expect_args(args, 0, "stats")?;
            s.ask(LoopRequest::Stats, LOOP_WAIT)
        },
    );
    let s = shared;
    d.register(
        "shadow",
        "shadow SID on|off: a drop/reject rule alerts as would_drop and blocks nothing (on), or blocks again (off)",
        move |args| {
            expect_args(args, 2, "shadow SID on|off")?;
            let (gid, sid) = parse_sid(&args[0])?;
            match args[1].as_str() {
                "on" => s.set_shadow(gid, sid, true),
                "off" => s.set_shadow(gid, sid, false),
                other => Err(format!("shadow takes on or off, not {other:?}")),
            }
        },
    );
}

/// `SID` or `GID:SID`.
fn parse_sid(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{text:?} is not a rule id (SID or GID:SID)");
    let (gid, sid) = match text.split_once(':') {
        Some((g, s)) => (g.parse().map_err(|_| bad())?, s.parse().map_err(|_| bad())?),
        None => (1, text.parse().map_err(|_| bad())?),
    };
    Ok((gid, sid))
}

fn rules(shared: &Shared, args: &[String]) -> Result<Value, String> {
    let with_index = match args {
        [] => false,
        [a] if a == "index" => true,
        _ => return Err("usage: rules [index]".into()),
    };
    let live = shared.live();
    let i = &live.info;
    let mut shadow_static = 0usize;
    let mut shadow_now = 0usize;
    for r in 0..live.engine.len() as u32 {
        shadow_static += usize::from(live.engine.sig(r).meta.static_shadow());
        shadow_now += usize::from(live.engine.shadowed(r));
    }
    let shadowed: Vec<String> = shared
        .shadowed()
        .into_iter()
        .map(|(g, s)| {
            if g == 1 {
                s.to_string()
            } else {
                format!("{g}:{s}")
            }
        })
        .collect();
    let mut loaded_at = Vec::new();
    i.loaded_at.write_iso(&mut loaded_at);
    let mut v = json!({
        "generation": i.generation,
        "hash": i.hash,
        "sha256": i.sha256,
        "loaded_at": String::from_utf8_lossy(&loaded_at),
        "files": i.files,
        "rules": {
            "loaded": i.loaded,
            "failed": i.failed,
            "skipped": i.skipped,
            "commented_out": i.commented_out,
            "by_action": i.index.by_action(),
            "in_shadow": shadow_now,
            "in_shadow_by_metadata": shadow_static,
        },
        "shadow": shadowed,
        "kept": shared.kept(),
    });
    if with_index {
        v["index"] = i.index.to_json();
    }
    Ok(v)
}

fn ruleset_diff(shared: &Shared, args: &[String]) -> Result<Value, String> {
    let mut cli = shared.cli().clone();
    if !args.is_empty() {
        cli.exclusive_rules = args.iter().map(PathBuf::from).collect();
        cli.extra_rules.clear();
    }
    let loaded = load::config(&cli)
        .and_then(|cfg| load::ruleset(&cli, &cfg))
        .map_err(|e| format!("{e:#}"))?;
    let live = shared.live();
    let diff = RulesetDiff::between(&live.info.index, &loaded.index);
    let mut v = diff.to_json();
    let new_hash: String = loaded.hash.chars().take(16).collect();
    v["against"] = json!({"generation": live.info.generation, "hash": live.info.hash});
    v["new"] = json!({
        "hash": new_hash,
        "rules": {
            "loaded": loaded.rules_loaded(),
            "failed": loaded.rules_failed(),
            "skipped": loaded.rules_skipped(),
        },
        "reload_would_be_refused": loaded.rules_failed() > 0 && !cli.allow_partial,
    });
    v["identical"] = json!(new_hash == live.info.hash);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_sid_or_gid_colon_sid() {
        assert_eq!(parse_sid("2010935"), Ok((1, 2010935)));
        assert_eq!(parse_sid("3:17"), Ok((3, 17)));
        for bad in ["", "x", "1:", ":1", "-5", "1:2:3", "99999999999"] {
            assert!(parse_sid(bad).is_err(), "{bad}");
        }
    }
}
