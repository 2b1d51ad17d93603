//! Post-detection keywords: threshold, detection_filter, noalert,
//! prefilter, tag.

mod common;
use common::*;
use warden_rules::*;

#[test]
fn threshold() {
    assert_eq!(
        opt("threshold:type both,track by_rule,count 0,seconds 0;"),
        RuleOption::Threshold(Threshold {
            kind: ThresholdKind::Both,
            track: Track::ByRule,
            count: 0,
            seconds: 0,
            multiplier: None
        })
    );
    assert_eq!(
        opt("threshold: seconds 30, count 5, track by_both, type threshold;"),
        RuleOption::Threshold(Threshold {
            kind: ThresholdKind::Threshold,
            track: Track::ByBoth,
            count: 5,
            seconds: 30,
            multiplier: None
        })
    );
    assert_eq!(
        opt("threshold:type backoff, track by_flow, count 1, multiplier 10;"),
        RuleOption::Threshold(Threshold {
            kind: ThresholdKind::Backoff,
            track: Track::ByFlow,
            count: 1,
            seconds: 0,
            multiplier: Some(10)
        })
    );
    assert_eq!(
        diag("threshold:type limit, track by_src, count 1, seconds 1, count 2;"),
        "t.rules:7:41: sid 1: threshold: field 'count' given more than once"
    );
    assert_eq!(
        err("threshold:type limit, track by_src, count -1, seconds 1;"),
        "threshold: expected an unsigned integer for 'count', found '-1'"
    );
    assert_eq!(
        err("threshold:type limit, track by_src, count 1, seconds 1, multiplier 2;"),
        "threshold: field 'multiplier' is only valid with type backoff"
    );
    assert_eq!(
        err("threshold:type backoff, track by_src, count 1;"),
        "threshold: missing field 'multiplier'"
    );
    assert_eq!(
        err("threshold:type limit, track by_src, count 1, period 1;"),
        "threshold: unknown field 'period', expected one of type, track, count, seconds, multiplier"
    );
    assert_eq!(
        err("threshold:type limit, track, count 1, seconds 1;"),
        "threshold: invalid field 'track', expected 'key value' with key one of type, track, count, seconds, multiplier"
    );
    assert_eq!(
        err("threshold:type limit, track by_host, count 1, seconds 1;"),
        "threshold: unknown track 'by_host', expected by_src, by_dst, by_rule, by_both or by_flow"
    );
    assert_eq!(err("threshold;"), "threshold: expected a value, found none");
}

#[test]
fn detection_filter() {
    assert_eq!(
        opt("detection_filter: track by_rule, count 10, seconds 1;"),
        RuleOption::DetectionFilter(DetectionFilter {
            track: Track::ByRule,
            count: 10,
            seconds: 1
        })
    );
    assert_eq!(
        diag("detection_filter:track by_src, count 10;"),
        "t.rules:7:48: sid 1: detection_filter: missing field 'seconds'"
    );
    assert_eq!(
        err("detection_filter:type limit, track by_src, count 1, seconds 1;"),
        "detection_filter: unknown field 'type', expected one of track, count, seconds"
    );
    assert_eq!(
        err("detection_filter:track by_src, count x, seconds 1;"),
        "detection_filter: expected an unsigned integer for 'count', found 'x'"
    );
}

#[test]
fn noalert_and_prefilter() {
    assert_eq!(
        opts(r#"content:"a"; prefilter; noalert;"#)[1..],
        [RuleOption::Prefilter, RuleOption::Noalert]
    );
    assert_eq!(
        diag("noalert:1;"),
        "t.rules:7:39: sid 1: noalert: takes no value, found '1'"
    );
    assert_eq!(
        err("prefilter:yes;"),
        "prefilter: takes no value, found 'yes'"
    );
}

#[test]
fn tag() {
    assert_eq!(
        opt("tag:session;"),
        RuleOption::Tag(Tag {
            kind: TagKind::Session,
            limit: None,
            direction: None
        })
    );
    assert_eq!(
        opt("tag:session, 100, bytes;"),
        RuleOption::Tag(Tag {
            kind: TagKind::Session,
            limit: Some((100, TagMetric::Bytes)),
            direction: None
        })
    );
    assert_eq!(
        opt("tag:host,dst;"),
        RuleOption::Tag(Tag {
            kind: TagKind::Host,
            limit: None,
            direction: Some(Target::Dst)
        })
    );
    assert_eq!(
        opt("tag:host,3,packets,src;"),
        RuleOption::Tag(Tag {
            kind: TagKind::Host,
            limit: Some((3, TagMetric::Packets)),
            direction: Some(Target::Src)
        })
    );
    assert_eq!(
        diag("tag:session,5,minutes;"),
        "t.rules:7:35: sid 1: tag: unknown metric 'minutes', expected packets, seconds or bytes"
    );
    assert_eq!(
        err("tag:session,src;"),
        "tag: invalid value 'session,src', expected 'session|host[, count, metric][, src|dst]'"
    );
    assert_eq!(
        err("tag:host,x,packets;"),
        "tag: expected an unsigned integer for 'count', found 'x'"
    );
}
