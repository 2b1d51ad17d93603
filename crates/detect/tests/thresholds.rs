//! threshold (limit / threshold / both / backoff) and detection_filter,
//! tracked by source, destination, rule or flow, in packet time.

mod common;
use common::*;

fn rule(opt: &str) -> String {
    format!("alert udp any any -> any any (content:\"x\"; {opt} sid:1;)")
}

/// Which of `n` packets (1-based) alert, all from CLIENT:1234 to SERVER.
fn alerting(h: &mut Harness, n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for i in 1..=n {
        if !h.run(&udp(b"x")).is_empty() {
            out.push(i);
        }
    }
    out
}

#[test]
fn limit_first_n_per_window() {
    let mut h = Harness::new(&rule(
        "threshold:type limit, track by_src, count 2, seconds 60;",
    ));
    assert_eq!(alerting(&mut h, 5), [1, 2]);
    assert_eq!(h.state.suppressed, 3);
    // a new window in packet time
    h.now_ns += 61 * SEC;
    assert_eq!(alerting(&mut h, 3), [1, 2]);
}

#[test]
fn threshold_every_nth() {
    let mut h = Harness::new(&rule(
        "threshold:type threshold, track by_src, count 3, seconds 60;",
    ));
    assert_eq!(alerting(&mut h, 7), [3, 6]);
}

#[test]
fn threshold_window_expiry_restarts_the_count() {
    let mut h = Harness::new(&rule(
        "threshold:type threshold, track by_src, count 3, seconds 10;",
    ));
    assert!(alerting(&mut h, 2).is_empty());
    h.now_ns += 11 * SEC;
    assert_eq!(alerting(&mut h, 3), [3]);
}

#[test]
fn both_once_per_window_after_count() {
    let mut h = Harness::new(&rule(
        "threshold:type both, track by_src, count 2, seconds 60;",
    ));
    assert_eq!(alerting(&mut h, 6), [2]);
    h.now_ns += 61 * SEC;
    assert_eq!(alerting(&mut h, 3), [2]);
}

#[test]
fn backoff_count_1_multiplier_10() {
    // Suricata docs: alerts on matches 1, 10, 100, ...
    let mut h = Harness::new(&rule(
        "threshold:type backoff, track by_flow, count 1, multiplier 10;",
    ));
    assert_eq!(alerting(&mut h, 120), [1, 10, 100]);
}

#[test]
fn backoff_count_5_multiplier_5() {
    // Suricata docs: 5, 25, 125, ...; the first match does not alert
    let mut h = Harness::new(&rule(
        "threshold:type backoff, track by_flow, count 5, multiplier 5;",
    ));
    assert_eq!(alerting(&mut h, 130), [5, 25, 125]);
}

#[test]
fn backoff_count_1_multiplier_2() {
    let mut h = Harness::new(&rule(
        "threshold:type backoff, track by_flow, count 1, multiplier 2;",
    ));
    assert_eq!(alerting(&mut h, 16), [1, 2, 4, 8, 16]);
}

#[test]
fn backoff_is_per_flow() {
    let mut h = Harness::new(&rule(
        "threshold:type backoff, track by_flow, count 1, multiplier 10;",
    ));
    assert_eq!(alerting(&mut h, 2), [1]);
    assert!(!h.run(&udp_between(OTHER, 1, SERVER, 53, b"x")).is_empty());
}

#[test]
fn limit_by_src_tracks_sources_apart() {
    let mut h = Harness::new(&rule(
        "threshold:type limit, track by_src, count 1, seconds 60;",
    ));
    assert!(!h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    assert!(h.run(&udp_between(CLIENT, 2, OTHER, 53, b"x")).is_empty());
    assert!(!h.run(&udp_between(OTHER, 1, SERVER, 53, b"x")).is_empty());
}

#[test]
fn limit_by_dst_tracks_destinations_apart() {
    let mut h = Harness::new(&rule(
        "threshold:type limit, track by_dst, count 1, seconds 60;",
    ));
    assert!(!h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    assert!(h.run(&udp_between(OTHER, 1, SERVER, 53, b"x")).is_empty());
    assert!(!h.run(&udp_between(CLIENT, 1, OTHER, 53, b"x")).is_empty());
}

#[test]
fn limit_by_rule_is_global() {
    let mut h = Harness::new(&rule(
        "threshold:type limit, track by_rule, count 1, seconds 60;",
    ));
    assert!(!h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    assert!(h.run(&udp_between(OTHER, 1, CLIENT, 53, b"x")).is_empty());
}

#[test]
fn limit_by_flow() {
    let mut h = Harness::new(&rule(
        "threshold:type limit, track by_flow, count 1, seconds 60;",
    ));
    assert!(!h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    assert!(h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    // reply direction: same flow
    assert!(h.run(&udp_between(SERVER, 53, CLIENT, 1, b"x")).is_empty());
    // another flow, same hosts
    assert!(!h.run(&udp_between(CLIENT, 2, SERVER, 53, b"x")).is_empty());
}

#[test]
fn thresholds_are_per_rule() {
    let mut h = Harness::new(
        "alert udp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, seconds 60; sid:1;)\n\
         alert udp any any -> any any (content:\"x\"; threshold:type limit, track by_src, count 1, seconds 60; sid:2;)",
    );
    let mut first = h.run(&udp(b"x"));
    first.sort();
    assert_eq!(first, [1, 2]);
    assert!(h.run(&udp(b"x")).is_empty());
}

#[test]
fn detection_filter_alerts_after_count() {
    let mut h = Harness::new(&rule("detection_filter:track by_src, count 2, seconds 60;"));
    assert_eq!(alerting(&mut h, 5), [3, 4, 5]);
    h.now_ns += 61 * SEC;
    assert_eq!(alerting(&mut h, 3), [3]);
}

#[test]
fn detection_filter_by_dst() {
    let mut h = Harness::new(&rule("detection_filter:track by_dst, count 1, seconds 60;"));
    assert!(h.run(&udp_between(CLIENT, 1, SERVER, 53, b"x")).is_empty());
    assert!(!h.run(&udp_between(OTHER, 1, SERVER, 53, b"x")).is_empty());
    assert!(h.run(&udp_between(OTHER, 1, CLIENT, 53, b"x")).is_empty());
}

#[test]
fn flowbits_are_set_even_when_the_alert_is_suppressed() {
    let mut h = Harness::new(
        "alert udp any any -> any any (content:\"a\"; flowbits:set,a; threshold:type threshold, track by_src, count 10, seconds 60; sid:1;)\n\
         alert udp any any -> any any (content:\"b\"; flowbits:isset,a; sid:2;)",
    );
    assert!(h.run(&udp(b"a")).is_empty());
    assert_eq!(h.run(&udp(b"b")), [2]);
}
