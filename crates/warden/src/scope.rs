//! Asset-aware scoping: a drop or reject rule tied to a CVE (`metadata:
//! cve CVE-2021-44228`, ET's `CVE_2021_44228` too) enforces only toward
//! the assets the inventory marks vulnerable to it, and only alerts
//! toward the others, saying why in the alert's `scope` object. Assets
//! the inventory does not list follow the config's `inventory.unknown`
//! (`enforce`, the default, or `alert`).
//!
//! Everything is resolved when the ruleset loads: each scoped rule gets
//! its address sets in priority order (vulnerable, patched, inventoried
//! but not listed as vulnerable), so a matching packet costs a table
//! look-up and a few binary searches, no allocation.

use std::net::IpAddr;

use anyhow::{bail, Result};
use warden_detect::{Engine, FiredRule, SigAction};
use warden_packet::Packet;
use warden_rules::IpSet;

use crate::config::Config;
use crate::inventory::{normalise_cve, Inventory};

/// The config key for assets the inventory does not list.
pub const UNKNOWN_KEY: &str = "inventory.unknown";

/// What a scoped rule does toward one asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Enforce,
    AlertOnly,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Enforce => "enforce",
            Decision::AlertOnly => "alert-only",
        }
    }
}

/// One step of a rule's scope: the addresses it covers, the decision and
/// the reason the event gives.
#[derive(Debug)]
struct Step {
    addresses: IpSet,
    decision: Decision,
    reason: String,
}

/// A CVE rule's scope, in priority order, then the unknown-asset policy.
#[derive(Debug)]
struct RuleScope {
    steps: Vec<Step>,
    unknown: Step,
    /// `target:src_ip`: the rule's target is the packet's source.
    target_is_source: bool,
}

/// The decision taken for one fired rule of the packet at hand.
#[derive(Clone, Copy, Debug)]
pub struct Note {
    /// Index in the packet's fired rules.
    pub fired: usize,
    pub asset: IpAddr,
    pub decision: Decision,
    scope: u32,
    /// Step index; `u32::MAX`: the unknown-asset policy.
    step: u32,
}

/// The scopes of a ruleset, built against one inventory.
#[derive(Debug, Default)]
pub struct Scope {
    /// Per rule index: its scope's index, `u32::MAX` for unscoped rules.
    by_rule: Vec<u32>,
    scopes: Vec<RuleScope>,
}

/// The CVE ids a rule's metadata names, normalised.
fn rule_cves(metadata: &[(String, Vec<String>)]) -> Vec<String> {
    let mut out: Vec<String> = metadata
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cve"))
        .flat_map(|(_, vs)| vs.iter())
        .flat_map(|v| v.split([' ', ',']))
        .filter_map(normalise_cve)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `inventory.unknown` from the config.
pub fn unknown_policy(cfg: &Config) -> Result<Decision> {
    match cfg.get_str(UNKNOWN_KEY).as_deref() {
        None | Some("enforce") => Ok(Decision::Enforce),
        Some("alert") | Some("alert-only") => Ok(Decision::AlertOnly),
        Some(other) => bail!("{UNKNOWN_KEY}: '{other}' is neither enforce nor alert"),
    }
}

impl Scope {
    /// Resolves every drop/reject rule with a CVE against the inventory.
    pub fn build(engine: &Engine, inventory: &Inventory, unknown: Decision) -> Scope {
        let known = inventory
            .assets
            .iter()
            .fold(IpSet::empty(), |acc, a| acc.union(&a.addresses));
        let mut scope = Scope {
            by_rule: vec![u32::MAX; engine.len()],
            scopes: Vec::new(),
        };
        for i in 0..engine.len() as u32 {
            let sig = engine.sig(i);
            if !sig.action.blocks() {
                continue;
            }
            let cves = rule_cves(&sig.meta.metadata);
            if cves.is_empty() {
                continue;
            }
            let mut steps = Vec::new();
            let union = |pick: &dyn Fn(&crate::inventory::Asset) -> bool| {
                inventory
                    .assets
                    .iter()
                    .filter(|a| pick(a))
                    .fold(IpSet::empty(), |acc, a| acc.union(&a.addresses))
            };
            for cve in &cves {
                let addresses = union(&|a| a.vulnerable.contains(cve));
                if !addresses.is_empty() {
                    steps.push(Step {
                        addresses,
                        decision: Decision::Enforce,
                        reason: format!("vulnerable to {cve}"),
                    });
                }
            }
            for cve in &cves {
                let addresses = union(&|a| a.patched.contains(cve));
                if !addresses.is_empty() {
                    steps.push(Step {
                        addresses,
                        decision: Decision::AlertOnly,
                        reason: format!("patched {cve}"),
                    });
                }
            }
            if !known.is_empty() {
                steps.push(Step {
                    addresses: known.clone(),
                    decision: Decision::AlertOnly,
                    reason: format!("not listed as vulnerable to {}", cves.join(", ")),
                });
            }
            let unknown = Step {
                addresses: IpSet::any(),
                decision: unknown,
                reason: format!(
                    "not in the inventory ({UNKNOWN_KEY}: {})",
                    match unknown {
                        Decision::Enforce => "enforce",
                        Decision::AlertOnly => "alert",
                    }
                ),
            };
            scope.by_rule[i as usize] = scope.scopes.len() as u32;
            scope.scopes.push(RuleScope {
                steps,
                unknown,
                target_is_source: sig.meta.target == Some(warden_rules::Target::Src),
            });
        }
        scope
    }

    /// How many rules are scoped.
    pub fn rules_scoped(&self) -> usize {
        self.scopes.len()
    }

    /// Decides for each fired drop/reject rule with a scope: toward an
    /// asset where it only alerts, its action becomes `alert` (the alert
    /// says `allowed`, nothing is dropped). `notes` receives one entry per
    /// scoped rule (it is cleared first; its capacity is reused).
    pub fn apply(&self, fired: &mut [FiredRule], p: &Packet<'_>, notes: &mut Vec<Note>) {
        notes.clear();
        if self.scopes.is_empty() {
            return;
        }
        for (i, f) in fired.iter_mut().enumerate() {
            if !f.blocks() {
                continue;
            }
            let Some(&s) = self.by_rule.get(f.rule as usize) else {
                continue;
            };
            if s == u32::MAX {
                continue;
            }
            let rs = &self.scopes[s as usize];
            let asset = if rs.target_is_source {
                p.src_ip()
            } else {
                p.dst_ip()
            };
            let Some(asset) = asset else {
                continue;
            };
            let (step, decision) = match rs.steps.iter().position(|st| st.addresses.contains(asset))
            {
                Some(k) => (k as u32, rs.steps[k].decision),
                None => (u32::MAX, rs.unknown.decision),
            };
            if decision == Decision::AlertOnly {
                f.action = SigAction::Alert;
            }
            notes.push(Note {
                fired: i,
                asset,
                decision,
                scope: s,
                step,
            });
        }
    }

    /// The reason a note gives.
    pub fn reason(&self, n: &Note) -> &str {
        let rs = &self.scopes[n.scope as usize];
        match rs.steps.get(n.step as usize) {
            Some(st) => &st.reason,
            None => &rs.unknown.reason,
        }
    }

    /// The alert's `scope` object for fired rule `fired`, if scoped.
    pub fn alert_scope<'a>(
        &'a self,
        notes: &[Note],
        fired: usize,
    ) -> Option<warden_output::AlertScope<'a>> {
        let n = notes.iter().find(|n| n.fired == fired)?;
        Some(warden_output::AlertScope {
            asset: n.asset,
            decision: n.decision.name(),
            reason: self.reason(n),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_metadata_in_every_spelling() {
        let md = vec![
            ("cve".to_string(), vec!["CVE_2021_44228".to_string()]),
            ("owner".to_string(), vec!["web".to_string()]),
            (
                "cve".to_string(),
                vec!["CVE-2023-1234".to_string(), "cve_2021_44228".to_string()],
            ),
        ];
        assert_eq!(rule_cves(&md), ["CVE-2021-44228", "CVE-2023-1234"]);
        assert!(rule_cves(&[("cve".into(), vec!["none".into()])]).is_empty());
    }
}
