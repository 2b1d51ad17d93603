//! What the audit reports: a finding's kind, severity, location and the
//! rules on its other side, printed as text lines or as one JSON document.

use std::fmt;

use serde_json::json;

/// How much a finding matters; `--fail-on` compares against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; nothing is wrong with enforcement.
    Info,
    /// Hygiene: enforcement works, the policy is harder to answer for.
    Low,
    /// Enforcement is blunter or wider than it looks.
    Medium,
    /// Enforcement does not do what the ruleset says (blind spots, rules
    /// that never match, rules the engine leaves out).
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.name() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A rule on the other side of a finding (the rule a pass blinds, the
/// first rule with a duplicated sid, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub sid: u32,
    pub file: String,
    pub line: u32,
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sid {} ({}:{})", self.sid, self.file, self.line)
    }
}

/// One problem the audit found, located at the rule it is about.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Stable name of the check (`pass-blinds`, `duplicate-sid`, ...).
    pub kind: &'static str,
    pub severity: Severity,
    pub sid: u32,
    pub file: String,
    pub line: u32,
    /// The other side, in file and line order.
    pub related: Vec<Related>,
    pub message: String,
}

impl Finding {
    /// A finding about `rule` with no other side.
    pub fn at(
        kind: &'static str,
        severity: Severity,
        rule: &warden_rules::Rule,
        message: String,
    ) -> Finding {
        Finding {
            kind,
            severity,
            sid: rule.meta.sid,
            file: rule.loc.file.to_string(),
            line: rule.loc.line,
            related: Vec::new(),
            message,
        }
    }

    /// The JSON object of `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "kind": self.kind,
            "severity": self.severity.name(),
            "sid": self.sid,
            "file": self.file,
            "line": self.line,
            "related_sids": self.related.iter().map(|r| r.sid).collect::<Vec<_>>(),
            "related": self.related.iter().map(|r| json!({
                "sid": r.sid, "file": r.file, "line": r.line,
            })).collect::<Vec<_>>(),
            "message": self.message,
        })
    }
}

impl fmt::Display for Finding {
    /// `file:line: severity kind: sid N: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} {}: sid {}: {}",
            self.file, self.line, self.severity, self.kind, self.sid, self.message
        )
    }
}

/// Names up to `max` related rules, then how many more.
pub fn list_related(related: &[Related], max: usize) -> String {
    let mut out: Vec<String> = related.iter().take(max).map(Related::to_string).collect();
    if related.len() > max {
        out.push(format!("and {} more", related.len() - max));
    }
    out.join(", ")
}
