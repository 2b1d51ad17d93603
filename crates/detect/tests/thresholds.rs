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

/// The threshold.config lines applied to a harness's engine.
fn with_config(rules: &str, config: &str) -> Harness {
    let mut e = engine(rules);
    let parsed = warden_rules::parse_threshold_config(config, "t.config");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let problems = e.apply_threshold_config(&parsed.entries, &warden_rules::Vars::default());
    assert!(problems.is_empty(), "{problems:?}");
    Harness::with_engine(e)
}

#[test]
fn rate_filter_changes_the_action_after_count() {
    let mut h = with_config(
        r#"alert udp any any -> any any (content:"x"; sid:7;)"#,
        "rate_filter gen_id 1, sig_id 7, track by_rule, count 1, seconds 60, new_action drop, timeout 10\n",
    );
    let first = h.fire(&udp(b"x"), true, None);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].action, warden_detect::SigAction::Alert);
    assert!(!first[0].rate_filtered);
    let second = h.fire(&udp(b"x"), true, None);
    assert_eq!(second[0].action, warden_detect::SigAction::Drop);
    assert!(second[0].rate_filtered && second[0].logged());
}

#[test]
fn rate_filter_pass_passes_the_flow_silently() {
    let mut h = with_config(
        r#"alert udp any any -> any 53 (sid:7;)"#,
        "rate_filter gen_id 1, sig_id 7, track by_src, count 1, seconds 60, new_action pass, timeout 10\n",
    );
    assert_eq!(h.run(&udp(b"a")), [7]);
    // the second match passes: no alert, and the flow is not inspected after
    assert!(h.run(&udp(b"b")).is_empty());
    assert!(h.run(&udp(b"c")).is_empty());
}

#[test]
fn by_both_tracks_the_unordered_pair() {
    let mut h = with_config(
        r#"alert udp any any -> any any (content:"x"; sid:7;)"#,
        "rate_filter gen_id 1, sig_id 7, track by_both, count 1, seconds 60, new_action drop, timeout 10\n",
    );
    assert!(!h.fire(&udp(b"x"), true, None)[0].rate_filtered);
    // the reply is the same pair: over the count
    let back = h.fire(&udp_between(SERVER, 53, CLIENT, 1234, b"x"), true, None);
    assert!(back[0].rate_filtered);
}

#[test]
fn a_suppressed_drop_still_drops() {
    let mut h = with_config(
        r#"drop udp any any -> any any (content:"x"; sid:7;)"#,
        "suppress gen_id 1, sig_id 7, track by_src, ip 10.0.0.0/8\n",
    );
    let fired = h.fire(&udp(b"x"), true, None);
    assert_eq!(fired.len(), 1);
    assert!(!fired[0].logged() && fired[0].blocks());
    assert_eq!(h.run(&udp(b"x")), Vec::<u32>::new());
}

#[test]
fn drop_scope_follows_what_matched() {
    // a packet property (dsize) drops the packet only; an address-only
    // rule drops the flow
    let mut h = Harness::new(
        r#"drop udp any any -> any any (dsize:1; sid:1;)
drop udp any any -> any 53 (sid:2;)"#,
    );
    let fired = h.fire(&udp(b"x"), true, None);
    let scope: Vec<(u32, bool)> = fired
        .iter()
        .map(|f| (h.engine.sig(f.rule).meta.sid, f.flow_scope))
        .collect();
    assert_eq!(scope, [(1, false), (2, true)]);
}

#[test]
fn action_order_reranks_rules() {
    use warden_detect::ActionClass;
    let rules = r#"alert udp any any -> any any (content:"x"; sid:1;)
pass udp any any -> any any (content:"x"; sid:2;)
drop udp any any -> any any (content:"x"; sid:3;)"#;
    // default: the pass comes first and hides everything
    let mut h = Harness::new(rules);
    assert!(h.run(&udp(b"x")).is_empty());
    // drop > pass > reject > alert: the drop alerts, the pass (not applied
    // after a drop) still ends the packet's inspection
    let mut e = engine(rules);
    e.set_action_order(&[
        ActionClass::Drop,
        ActionClass::Pass,
        ActionClass::Reject,
        ActionClass::Alert,
    ]);
    let mut h = Harness::with_engine(e);
    assert_eq!(h.run(&udp(b"x")), [3]);
    assert_eq!(h.run(&udp(b"x")), [3]);
}
