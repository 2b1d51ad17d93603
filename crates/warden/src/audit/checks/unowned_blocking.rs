//! `drop-unowned`: with `require-owner: true` in the config, every drop or
//! reject rule must name its owner (`-T` refuses the ruleset otherwise).

use super::Finding;
use crate::audit::finding::Severity;
use crate::audit::policy::Policy;

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    if !policy.require_owner {
        return;
    }
    for r in policy.rules.iter().filter(|r| r.loaded && r.blocks()) {
        if r.owners().is_empty() {
            out.push(Finding::at(
                "drop-unowned",
                Severity::High,
                &r.rule,
                format!(
                    "{} rule has no owner and the config sets require-owner: add metadata: owner TEAM",
                    r.rule.action.name()
                ),
            ));
        }
    }
}
