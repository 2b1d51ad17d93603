//! `pass-unowned`, `pass-no-expiry`, `pass-expired`: a pass rule is an
//! exception to inspection, so someone must answer for it and it must end.

use super::Finding;
use crate::audit::date::Date;
use crate::audit::finding::Severity;
use crate::audit::policy::Policy;

pub fn check(policy: &Policy, today: Date, out: &mut Vec<Finding>) {
    for r in policy.rules.iter().filter(|r| r.is_pass() && r.loaded) {
        if r.owners().is_empty() {
            out.push(Finding::at(
                "pass-unowned",
                Severity::Medium,
                &r.rule,
                "pass rule has no owner: add metadata: owner TEAM".to_string(),
            ));
        }
        match r.expires() {
            None => out.push(Finding::at(
                "pass-no-expiry",
                Severity::Low,
                &r.rule,
                "pass rule never expires: add metadata: expires YYYY-MM-DD".to_string(),
            )),
            Some(text) => match Date::parse(text) {
                None => out.push(Finding::at(
                    "pass-no-expiry",
                    Severity::Low,
                    &r.rule,
                    format!("pass rule expiry '{text}' is not a date (expires YYYY-MM-DD)"),
                )),
                Some(d) if d < today => out.push(Finding::at(
                    "pass-expired",
                    Severity::High,
                    &r.rule,
                    format!(
                        "pass rule expired on {d} (today is {today}): remove it or renew it{}",
                        match r.owners().as_slice() {
                            [] => String::new(),
                            o => format!(" with its owner ({})", o.join(", ")),
                        }
                    ),
                )),
                Some(_) => {}
            },
        }
    }
}
