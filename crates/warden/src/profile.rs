//! `--profile-rules` report: which rules cost what. The engine accounts
//! every verification (checks, matches, time) in a
//! [`warden_detect::RuleProfile`]; this module ranks the rules, prints the
//! ten most expensive on stderr and writes them all to `rule_perf.json`
//! in the log folder, so an operator can see which rule to fix or drop.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use warden_detect::{Engine, RuleProfile};

/// Rules printed on stderr.
const TOP: usize = 10;

/// Prints the most expensive rules and writes `rule_perf.json`.
/// `run_secs` is the run's wall time, to show each rule's share.
pub fn report(prof: &RuleProfile, engine: &Engine, log_dir: &Path, run_secs: f64) -> Result<()> {
    let ranked = prof.ranked();
    let total_ns: u64 = ranked.iter().map(|(_, c)| c.nanos).sum();
    let rows: Vec<serde_json::Value> = ranked
        .iter()
        .map(|(i, c)| {
            let m = &engine.sig(*i).meta;
            json!({
                "gid": m.gid,
                "sid": m.sid,
                "rev": m.rev,
                "msg": m.msg,
                "file": format!("{}:{}", m.file, m.line),
                "checks": c.checks,
                "matches": c.matches,
                "total_us": c.nanos / 1_000,
                "avg_ns": c.nanos / c.checks.max(1),
            })
        })
        .collect();
    let path = log_dir.join("rule_perf.json");
    let mut out = std::fs::File::create(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let doc = json!({
        "run_seconds": run_secs,
        "verify_seconds": total_ns as f64 / 1e9,
        "rules_checked": ranked.len(),
        "rules": rows,
    });
    writeln!(out, "{doc}").with_context(|| format!("cannot write {}", path.display()))?;

    eprintln!(
        "warden: rule profile: {} rules verified, {:.3} s in verification ({:.0}% of the run); most expensive:",
        ranked.len(),
        total_ns as f64 / 1e9,
        100.0 * total_ns as f64 / 1e9 / run_secs.max(1e-9)
    );
    eprintln!(
        "  {:>10} {:>10} {:>9} {:>10} {:>8}  rule",
        "sid", "checks", "matches", "total ms", "avg ns"
    );
    for (i, c) in ranked.iter().take(TOP) {
        let m = &engine.sig(*i).meta;
        eprintln!(
            "  {:>10} {:>10} {:>9} {:>10.2} {:>8}  {}",
            m.sid,
            c.checks,
            c.matches,
            c.nanos as f64 / 1e6,
            c.nanos / c.checks.max(1),
            m.msg
        );
    }
    eprintln!("  (all verified rules: {})", path.display());
    Ok(())
}
