//! Helpers shared by the keyword test files: every rule is
//! `alert tcp any any -> any any (<options> sid:1;)`.
#![allow(dead_code)]

use warden_rules::{parse_rule, parse_rule_at, Diagnostic, Dialect, Rule, RuleOption, SourceLoc};

/// The header used by [`rule`].
pub const H: &str = "alert tcp any any -> any any";

/// Parse `H (<opts> sid:1;)`.
pub fn rule(opts: &str) -> Result<Rule, Diagnostic> {
    parse_rule(&format!("{H} ({opts} sid:1;)"), Dialect::Suricata)
}

/// Parse a whole rule text.
pub fn full(text: &str) -> Result<Rule, Diagnostic> {
    parse_rule(text, Dialect::Suricata)
}

/// The options of a rule that must parse (sid excluded).
pub fn opts(o: &str) -> Vec<RuleOption> {
    let r = rule(o).unwrap_or_else(|d| panic!("{o}: {d}"));
    let mut v: Vec<RuleOption> = r.options.into_iter().map(|s| s.node).collect();
    v.pop();
    v
}

/// The first option of a rule that must parse.
pub fn opt(o: &str) -> RuleOption {
    opts(o).remove(0)
}

/// The diagnostic message of a rule that must fail.
pub fn err(o: &str) -> String {
    match rule(o) {
        Ok(r) => panic!("{o}: parsed, expected an error: {:?}", r.options),
        Err(d) => d.message,
    }
}

/// The full diagnostic (`t.rules:7:COL: sid 1: message`) of a rule that
/// must fail; the options start at column 31.
pub fn diag(o: &str) -> String {
    parse_rule_at(
        &format!("{H} ({o} sid:1;)"),
        Dialect::Suricata,
        SourceLoc {
            file: "t.rules".into(),
            line: 7,
            column: 1,
        },
    )
    .expect_err(o)
    .to_string()
}

/// Message of a whole rule text that must fail.
pub fn full_err(text: &str) -> String {
    full(text).expect_err(text).message
}
