//! `pass-blinds`: pass rules that take traffic away from the rules
//! evaluated after them. A pass rule that matches ends inspection of its
//! flow, so a drop, reject or alert rule is blind wherever its header can
//! see the same flows: the same protocol (transport and app-layer
//! protocol) with addresses and ports that meet, in the orientation the
//! rules are written (both for `<>`). A pass rule with no condition beyond
//! its header (and no `flow:to_server`) also fires on the replies of the
//! flows its reversed header covers, so it blinds the rules about those
//! flows too; that is counted when its ports cover the other rule's
//! (an `any` source port meeting a service port is not taken as a reply).
//! Rules are bucketed by transport so a pass rule is only compared with
//! the rules that share one.

use warden_detect::ActionClass;
use warden_rules::Direction;

use super::{related, Finding};
use crate::audit::finding::{list_related, Severity};
use crate::audit::overlap::{self, Side};
use crate::audit::policy::{AuditedRule, Policy};

/// Transports that have ports.
const PORTED: u8 = overlap::TCP | overlap::UDP | overlap::SCTP;

fn sides(r: &AuditedRule) -> Option<(Side<'_>, Side<'_>)> {
    let h = r.header.as_ref()?;
    Some((
        Side {
            addr: &h.src_addr,
            port: &h.src_port,
        },
        Side {
            addr: &h.dst_addr,
            port: &h.dst_port,
        },
    ))
}

/// Whether pass rule `p` can end inspection of flows rule `r` inspects.
fn blinds(
    p: &AuditedRule,
    (ps, pd): (Side<'_>, Side<'_>),
    r: &AuditedRule,
    (rs, rd): (Side<'_>, Side<'_>),
    ports: bool,
) -> bool {
    let meet = overlap::sides_meet;
    if meet(ps, rs, ports) && meet(pd, rd, ports) {
        return true;
    }
    let either = p.rule.direction == Direction::Both || r.rule.direction == Direction::Both;
    if either && meet(ps, rd, ports) && meet(pd, rs, ports) {
        return true;
    }
    // the pass fires on the replies of the other rule's flows
    !p.narrowed
        && !p.to_server()
        && overlap::side_covers(ps, rd, ports)
        && overlap::side_covers(pd, rs, ports)
}

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    let considered = |r: &AuditedRule| r.loaded && r.header.is_some();
    let passes: Vec<&AuditedRule> = policy
        .rules
        .iter()
        .filter(|r| r.is_pass() && considered(r))
        .collect();
    if passes.is_empty() {
        return;
    }
    // rules a pass can blind, by transport bit
    let mut buckets: [Vec<usize>; 6] = Default::default();
    for (i, r) in policy.rules.iter().enumerate() {
        let blindable = match r.class {
            Some(c) if c != ActionClass::Pass => policy.evaluated_before(ActionClass::Pass, c),
            _ => false,
        };
        if !blindable || !considered(r) {
            continue;
        }
        for (bit, bucket) in buckets.iter_mut().enumerate() {
            if r.transports & (1 << bit) != 0 {
                bucket.push(i);
            }
        }
    }
    let mut seen = vec![false; policy.rules.len()];
    for p in passes {
        let Some(p_sides) = sides(p) else { continue };
        let mut blinded: Vec<usize> = Vec::new();
        for (bit, bucket) in buckets.iter().enumerate() {
            if p.transports & (1 << bit) == 0 {
                continue;
            }
            for &i in bucket {
                if seen[i] {
                    continue;
                }
                let r = &policy.rules[i];
                let common = p.transports & r.transports;
                let Some(r_sides) = sides(r) else { continue };
                // ports only constrain when every shared transport has them
                let ports = common & !PORTED == 0;
                if overlap::apps_meet(p.app, r.app) && blinds(p, p_sides, r, r_sides, ports) {
                    seen[i] = true;
                    blinded.push(i);
                }
            }
        }
        for &i in &blinded {
            seen[i] = false;
        }
        if blinded.is_empty() {
            continue;
        }
        blinded.sort_unstable();
        let rel: Vec<_> = blinded.iter().map(|&i| related(&policy.rules[i])).collect();
        let enforcing = blinded
            .iter()
            .filter(|&&i| policy.rules[i].blocks())
            .count();
        let (severity, what) = if p.narrowed {
            (
                Severity::Medium,
                "pass rule ends inspection of every flow it matches",
            )
        } else {
            (
                Severity::High,
                "pass rule with no content or app-layer condition ends inspection of every flow \
                 its header covers",
            )
        };
        let mut f = Finding::at(
            "pass-blinds",
            severity,
            &p.rule,
            format!(
                "{what}: {} rule(s) evaluated after it ({enforcing} drop/reject) are blind there: {}",
                rel.len(),
                list_related(&rel, 5)
            ),
        );
        f.related = rel;
        out.push(f);
    }
}
