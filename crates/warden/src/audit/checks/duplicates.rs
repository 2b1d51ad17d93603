//! `duplicate-sid` and `shadowed-identical`: a sid given twice (the engine
//! keeps the first rule and leaves the other out), and a rule identical in
//! action, header and detection options to an earlier one (it can only
//! repeat what the first already does).

use std::collections::HashMap;

use warden_rules::{Rule, RuleOption};

use super::{related, Finding};
use crate::audit::finding::{Related, Severity};
use crate::audit::policy::Policy;

/// Options that describe a rule rather than decide what it matches.
fn descriptive(o: &RuleOption) -> bool {
    use RuleOption as O;
    matches!(
        o,
        O::Msg(_)
            | O::Sid(_)
            | O::Rev(_)
            | O::Gid(_)
            | O::Classtype(_)
            | O::Priority(_)
            | O::Reference(_)
            | O::Metadata(_)
            | O::Target(_)
    )
}

/// Action, header and matching options as written, whitespace-normalised.
fn matching_text(r: &Rule) -> String {
    let head_end = r.text.find('(').unwrap_or(r.text.len());
    let mut key: String = r.text[..head_end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for o in r.options.iter().filter(|o| !descriptive(&o.node)) {
        key.push_str("; ");
        let text = r.text.get(o.span.clone()).unwrap_or_default();
        key.extend(text.split_whitespace().flat_map(|w| [w, " "]));
    }
    key
}

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    for d in &policy.duplicates {
        let gid = if d.gid == 1 {
            String::new()
        } else {
            format!("gid {} ", d.gid)
        };
        out.push(Finding {
            kind: "duplicate-sid",
            severity: Severity::High,
            sid: d.sid,
            file: d.again.file.to_string(),
            line: d.again.line,
            related: vec![Related {
                sid: d.sid,
                file: d.first.file.to_string(),
                line: d.first.line,
            }],
            message: format!(
                "{gid}sid {} is also the sid of the rule at {}: the engine keeps that one and \
                 leaves this one out",
                d.sid, d.first
            ),
        });
    }
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, r) in policy.rules.iter().enumerate() {
        if !r.loaded {
            continue;
        }
        match first.entry(matching_text(&r.rule)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let earlier = &policy.rules[*o.get()];
                let mut f = Finding::at(
                    "shadowed-identical",
                    Severity::Low,
                    &r.rule,
                    format!(
                        "same action, header and detection options as sid {} at {}: this rule \
                         adds nothing",
                        earlier.rule.meta.sid, earlier.rule.loc
                    ),
                );
                f.related = vec![related(earlier)];
                out.push(f);
            }
        }
    }
}
