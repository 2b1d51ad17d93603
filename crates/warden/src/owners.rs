//! Rule ownership as the configuration demands it: with `require-owner:
//! true`, every rule that blocks (drop, reject) must name the team that
//! answers for it (`metadata: owner TEAM`); `-T` refuses the ruleset
//! otherwise, naming each unowned rule by file and line.

use warden_detect::Engine;

use crate::config::Config;
use crate::load::Problem;

/// The config key that makes owners mandatory on blocking rules.
pub const REQUIRE_OWNER_KEY: &str = "require-owner";

/// Whether the config asks every drop/reject rule to have an owner.
pub fn required(cfg: &Config) -> bool {
    cfg.get_bool(REQUIRE_OWNER_KEY).unwrap_or(false)
}

/// Every loaded drop/reject rule without an owner, in file and line order.
pub fn unowned_blocking_rules(engine: &Engine) -> Vec<Problem> {
    let mut out: Vec<Problem> = (0..engine.len() as u32)
        .map(|i| engine.sig(i))
        .filter(|s| s.action.blocks() && s.meta.owners().is_empty())
        .map(|s| {
            let m = &s.meta;
            let message = format!(
                "{} rule has no owner (add metadata: owner TEAM; {REQUIRE_OWNER_KEY} is set)",
                s.action.name()
            );
            Problem {
                file: m.file.to_string(),
                line: m.line,
                column: None,
                sid: Some(m.sid),
                kind: "unowned",
                text: format!("{}:{}: sid {}: {message}", m.file, m.line, m.sid),
                message,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}
