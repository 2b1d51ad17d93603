//! The audit's checks, one module per concern; each reads the
//! [`Policy`] and appends its findings.

mod blunt_encrypted;
mod cve_scope;
mod duplicates;
mod never_match;
mod pass_blinds;
mod pass_hygiene;
mod unowned_blocking;

use super::date::Date;
use super::finding::{Finding, Related};
use super::policy::{AuditedRule, Policy};
use crate::inventory::Inventory;

/// What the checks know beside the ruleset.
pub struct Context<'a> {
    /// The day expiry dates are compared with.
    pub today: Date,
    pub inventory: Option<&'a Inventory>,
}

/// Runs every check; findings in file and line order.
pub fn run_all(policy: &Policy, ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    pass_blinds::check(policy, &mut out);
    pass_hygiene::check(policy, ctx.today, &mut out);
    blunt_encrypted::check(policy, &mut out);
    unowned_blocking::check(policy, &mut out);
    if let Some(inv) = ctx.inventory {
        cve_scope::check(policy, inv, &mut out);
    }
    duplicates::check(policy, &mut out);
    never_match::check(policy, &mut out);
    out.sort_by(|a, b| (&a.file, a.line, a.kind).cmp(&(&b.file, b.line, b.kind)));
    out
}

/// The rule as the other side of a finding.
fn related(r: &AuditedRule) -> Related {
    Related {
        sid: r.rule.meta.sid,
        file: r.rule.loc.file.to_string(),
        line: r.rule.loc.line,
    }
}
