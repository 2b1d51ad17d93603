//! Per-rule cost accounting for `--profile-rules`: how often the prefilter
//! handed each rule to verification, how often it matched, and the time
//! verification took. Off unless a [`RuleProfile`] is put in the
//! [`crate::DetectState`]; when off, the engine takes no timestamps.

use std::time::Duration;

/// What one rule cost over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleCost {
    /// Times the rule was verified against a packet or transaction.
    pub checks: u64,
    /// Times verification matched (before thresholds and suppression).
    pub matches: u64,
    /// Time spent verifying, in nanoseconds.
    pub nanos: u64,
}

/// Costs of every rule of an engine, indexed like [`crate::Engine::sig`].
#[derive(Clone, Debug, Default)]
pub struct RuleProfile {
    costs: Vec<RuleCost>,
}

impl RuleProfile {
    /// A zeroed profile for an engine of `rules` rules.
    pub fn new(rules: usize) -> RuleProfile {
        RuleProfile {
            costs: vec![RuleCost::default(); rules],
        }
    }

    /// Accounts one verification of rule `rule`.
    pub fn record(&mut self, rule: u32, matched: bool, took: Duration) {
        if let Some(c) = self.costs.get_mut(rule as usize) {
            c.checks += 1;
            c.matches += u64::from(matched);
            c.nanos += u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        }
    }

    /// Per-rule costs, indexed by rule.
    pub fn costs(&self) -> &[RuleCost] {
        &self.costs
    }

    /// Rules that were checked at least once, most expensive first
    /// (total time, then checks), as `(rule index, cost)`.
    pub fn ranked(&self) -> Vec<(u32, RuleCost)> {
        let mut v: Vec<(u32, RuleCost)> = self
            .costs
            .iter()
            .enumerate()
            .filter(|(_, c)| c.checks > 0)
            .map(|(i, c)| (i as u32, *c))
            .collect();
        v.sort_by(|a, b| {
            b.1.nanos
                .cmp(&a.1.nanos)
                .then(b.1.checks.cmp(&a.1.checks))
                .then(a.0.cmp(&b.0))
        });
        v
    }
}

/// A cheap monotonic tick count for stage timing (`warden bench`): the
/// CPU's time-stamp counter on x86-64 (a few nanoseconds a read, against
/// ~25 for the system clock), nanoseconds since first use elsewhere. The
/// caller scales ticks to time against the system clock over a run.
#[inline]
pub fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: RDTSC exists on every x86-64 CPU and has no side effects.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
        ORIGIN
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_time_then_checks_and_skips_unchecked_rules() {
        let mut p = RuleProfile::new(4);
        p.record(0, true, Duration::from_nanos(10));
        p.record(1, false, Duration::from_nanos(500));
        p.record(2, false, Duration::from_nanos(5));
        p.record(2, true, Duration::from_nanos(5));
        p.record(9, true, Duration::from_nanos(5)); // out of range: ignored
        let r = p.ranked();
        assert_eq!(r.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(
            r[1].1,
            RuleCost {
                checks: 2,
                matches: 1,
                nanos: 10
            }
        );
    }
}
