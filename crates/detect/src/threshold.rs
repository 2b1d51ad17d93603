//! Thresholds and detection filters: per rule and tracking key (source,
//! destination, both, rule, flow), counted in packet time, with
//! Suricata's semantics for `limit`, `threshold`, `both`, `backoff` and
//! `detection_filter`.

use std::collections::HashMap;
use std::net::IpAddr;

use warden_rules::{DetectionFilter, Threshold, ThresholdKind, Track};

const NS: i64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TrackKey {
    None,
    One(IpAddr),
    Two(IpAddr, IpAddr),
    Flow(u64),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    window_start: i64,
    count: u64,
    /// backoff: the count at which the next alert fires.
    next: u64,
}

/// What the packet looks like to a tracker.
pub struct TrackInput {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub flow_id: Option<u64>,
    pub now_ns: i64,
}

/// Per-worker threshold state.
#[derive(Default)]
pub struct Thresholds {
    table: HashMap<(u32, TrackKey), Entry>,
    rates: HashMap<(u32, TrackKey), RateEntry>,
    /// Entries removed by the last cleanup (stats).
    pub pruned: u64,
}

fn key(track: Track, t: &TrackInput) -> TrackKey {
    match track {
        Track::BySrc => t.src.map(TrackKey::One).unwrap_or(TrackKey::None),
        Track::ByDst => t.dst.map(TrackKey::One).unwrap_or(TrackKey::None),
        // an IP pair is the same in both directions
        Track::ByBoth => match (t.src, t.dst) {
            (Some(s), Some(d)) => TrackKey::Two(s.min(d), s.max(d)),
            _ => TrackKey::None,
        },
        Track::ByRule => TrackKey::None,
        Track::ByFlow => t.flow_id.map(TrackKey::Flow).unwrap_or(TrackKey::None),
    }
}

impl Thresholds {
    /// Whether a match of rule `rule` (engine index) with `threshold`
    /// should produce an alert.
    pub fn threshold(&mut self, rule: u32, th: &Threshold, t: &TrackInput) -> bool {
        let k = (rule, key(th.track, t));
        let window = i64::from(th.seconds) * NS;
        let count = u64::from(th.count.max(1));
        let now = t.now_ns;
        let e = self.table.entry(k).or_insert(Entry {
            window_start: now,
            count: 0,
            next: 1,
        });
        let expired =
            th.kind != ThresholdKind::Backoff && now - e.window_start >= window && window > 0;
        match th.kind {
            ThresholdKind::Limit => {
                if expired {
                    *e = Entry {
                        window_start: now,
                        count: 0,
                        next: 1,
                    };
                }
                e.count += 1;
                e.count <= count
            }
            ThresholdKind::Threshold => {
                if expired {
                    *e = Entry {
                        window_start: now,
                        count: 0,
                        next: 1,
                    };
                }
                e.count += 1;
                if e.count >= count {
                    e.count = 0;
                    e.window_start = now;
                    true
                } else {
                    false
                }
            }
            ThresholdKind::Both => {
                if expired {
                    *e = Entry {
                        window_start: now,
                        count: 0,
                        next: 1,
                    };
                }
                e.count += 1;
                e.count == count
            }
            ThresholdKind::Backoff => {
                // Suricata: alert on the count-th match, then each time the
                // match count reaches the previous mark times the
                // multiplier (count 1, multiplier 10: 1, 10, 100, ...)
                if e.count == 0 {
                    e.next = count;
                }
                e.count += 1;
                if e.count == e.next {
                    e.next = e
                        .next
                        .saturating_mul(u64::from(th.multiplier.unwrap_or(10).max(2)));
                    true
                } else {
                    false
                }
            }
        }
    }

    /// Whether a match passes its `detection_filter` (alerts only once
    /// more than `count` matches were seen within `seconds`).
    pub fn detection_filter(&mut self, rule: u32, df: &DetectionFilter, t: &TrackInput) -> bool {
        let k = (rule | 0x8000_0000, key(df.track, t));
        let window = i64::from(df.seconds) * NS;
        let now = t.now_ns;
        let e = self.table.entry(k).or_insert(Entry {
            window_start: now,
            count: 0,
            next: 0,
        });
        if now - e.window_start >= window && window > 0 {
            e.window_start = now;
            e.count = 0;
        }
        e.count += 1;
        e.count > u64::from(df.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(now_s: i64) -> TrackInput {
        TrackInput {
            src: Some("10.0.0.1".parse().unwrap()),
            dst: Some("10.0.0.2".parse().unwrap()),
            flow_id: Some(1),
            now_ns: now_s * NS,
        }
    }

    fn th(kind: ThresholdKind, count: u32, seconds: u32) -> Threshold {
        Threshold {
            kind,
            track: Track::BySrc,
            count,
            seconds,
            multiplier: None,
        }
    }

    #[test]
    fn limit_alerts_first_n_per_window() {
        let mut t = Thresholds::default();
        let l = th(ThresholdKind::Limit, 2, 60);
        let got: Vec<bool> = (0..4).map(|_| t.threshold(0, &l, &input(0))).collect();
        assert_eq!(got, [true, true, false, false]);
        assert!(t.threshold(0, &l, &input(61)));
    }

    #[test]
    fn threshold_alerts_every_nth() {
        let mut t = Thresholds::default();
        let x = th(ThresholdKind::Threshold, 3, 60);
        let got: Vec<bool> = (0..6).map(|_| t.threshold(0, &x, &input(1))).collect();
        assert_eq!(got, [false, false, true, false, false, true]);
    }

    #[test]
    fn both_alerts_once_per_window() {
        let mut t = Thresholds::default();
        let b = th(ThresholdKind::Both, 2, 60);
        let got: Vec<bool> = (0..4).map(|_| t.threshold(0, &b, &input(1))).collect();
        assert_eq!(got, [false, true, false, false]);
    }

    #[test]
    fn backoff_alerts_at_count_then_multiples() {
        let mut t = Thresholds::default();
        let mut b = th(ThresholdKind::Backoff, 1, 0);
        b.multiplier = Some(10);
        let got: Vec<u64> = (1..=120)
            .filter(|_| t.threshold(0, &b, &input(1)))
            .collect();
        assert_eq!(got, [1, 10, 100]);
        let mut t = Thresholds::default();
        let mut b = th(ThresholdKind::Backoff, 5, 0);
        b.multiplier = Some(5);
        let got: Vec<u64> = (1..=130)
            .filter(|_| t.threshold(0, &b, &input(1)))
            .collect();
        assert_eq!(got, [5, 25, 125]);
    }

    #[test]
    fn detection_filter_after_count() {
        let mut t = Thresholds::default();
        let d = DetectionFilter {
            track: Track::BySrc,
            count: 2,
            seconds: 60,
        };
        let got: Vec<bool> = (0..4)
            .map(|_| t.detection_filter(0, &d, &input(1)))
            .collect();
        assert_eq!(got, [false, false, true, true]);
    }
}

/// A `rate_filter` from threshold.config, compiled onto a rule.
#[derive(Clone, Copy, Debug)]
pub struct RateFilter {
    pub track: Track,
    pub count: u32,
    pub seconds: u32,
    pub new_action: crate::sig::SigAction,
    pub timeout: u32,
}

#[derive(Clone, Copy, Debug)]
struct RateEntry {
    window_start: i64,
    count: u64,
    /// Packet time until which the new action applies.
    active_until: i64,
}

impl Thresholds {
    /// Counts a match against a rate filter: the action to apply to it
    /// (`Some(new_action)` once more than `count` matches were seen within
    /// `seconds`, and for `timeout` seconds after), or `None` for the
    /// rule's own action.
    pub fn rate_filter(
        &mut self,
        rule: u32,
        rf: &RateFilter,
        t: &TrackInput,
    ) -> Option<crate::sig::SigAction> {
        let k = (rule, key(rf.track, t));
        let now = t.now_ns;
        let e = self.rates.entry(k).or_insert(RateEntry {
            window_start: now,
            count: 0,
            active_until: i64::MIN,
        });
        if now < e.active_until {
            return Some(rf.new_action);
        }
        if now - e.window_start >= i64::from(rf.seconds) * NS {
            e.window_start = now;
            e.count = 0;
        }
        e.count += 1;
        if e.count > u64::from(rf.count) {
            e.active_until = now + i64::from(rf.timeout) * NS;
            e.count = 0;
            return Some(rf.new_action);
        }
        None
    }
}
