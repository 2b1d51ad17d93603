//! `cve-patched` and `cve-not-exposed`: drop/reject rules tied to a CVE
//! (`metadata: cve ...` in any spelling, or `reference: cve,...`) checked
//! against the inventory. A rule whose every inventoried target is patched
//! against its CVEs, or whose targets no inventoried asset exposes (its
//! addresses and, for rules about requests, a service on its transport and
//! ports), blocks traffic for a risk the network does not carry.

use warden_rules::{IpSet, PortSet};

use super::Finding;
use crate::audit::finding::Severity;
use crate::audit::overlap;
use crate::audit::policy::{AuditedRule, Policy};
use crate::inventory::{Asset, Inventory};

/// Whether `a` is a target of rule `r`: inside its target addresses and,
/// unless the rule is about replies (its target is then a client),
/// offering a service on its transport and destination ports.
fn exposes(a: &Asset, r: &AuditedRule) -> bool {
    let Some(h) = r.header.as_ref() else {
        return false;
    };
    let src_target = matches!(r.rule.meta.target, Some(warden_rules::Target::Src));
    let (addrs, ports): (&IpSet, _) = if src_target {
        (&h.src_addr, &h.src_port)
    } else {
        (&h.dst_addr, &h.dst_port)
    };
    let either = r.rule.direction == warden_rules::Direction::Both;
    let in_scope = overlap::ips_meet(&a.addresses, addrs)
        || (either && overlap::ips_meet(&a.addresses, &h.src_addr));
    if !in_scope {
        return false;
    }
    if r.to_client() || src_target {
        return true;
    }
    a.services.iter().any(|s| {
        let bit = match s.proto {
            6 => overlap::TCP,
            17 => overlap::UDP,
            _ => overlap::SCTP,
        };
        let offered = PortSet::range(s.ports.0, s.ports.1);
        r.transports & bit != 0
            && (overlap::ports_meet(&offered, ports)
                || (either && overlap::ports_meet(&offered, &h.src_port)))
    })
}

fn name(a: &Asset) -> String {
    match &a.owner {
        Some(o) => format!("{} ({o})", a.address),
        None => a.address.clone(),
    }
}

pub fn check(policy: &Policy, inv: &Inventory, out: &mut Vec<Finding>) {
    for r in policy.rules.iter().filter(|r| r.loaded && r.blocks()) {
        let cves = r.cves();
        if cves.is_empty() {
            continue;
        }
        let targets: Vec<&Asset> = inv.assets.iter().filter(|a| exposes(a, r)).collect();
        if targets.is_empty() {
            // vulnerable assets the rule's header leaves out are worth naming
            let outside: Vec<String> = inv
                .assets
                .iter()
                .filter(|a| cves.iter().any(|c| a.vulnerable.contains(c)))
                .map(name)
                .collect();
            out.push(Finding::at(
                "cve-not-exposed",
                Severity::Low,
                &r.rule,
                format!(
                    "{} rule for {} protects no inventoried asset (none in its target addresses \
                     exposes a matching service){}",
                    r.rule.action.name(),
                    cves.join(", "),
                    if outside.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; marked vulnerable but outside its header: {}",
                            outside.join(", ")
                        )
                    }
                ),
            ));
            continue;
        }
        let all_patched = targets
            .iter()
            .all(|a| cves.iter().all(|c| a.patched.contains(c)));
        if all_patched {
            let names: Vec<String> = targets.iter().map(|a| name(a)).collect();
            out.push(Finding::at(
                "cve-patched",
                Severity::Medium,
                &r.rule,
                format!(
                    "{} rule for {}: every inventoried target is patched: {}",
                    r.rule.action.name(),
                    cves.join(", "),
                    names.join(", ")
                ),
            ));
        }
    }
}
