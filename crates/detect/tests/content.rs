//! content and its modifiers, end to end through parse → compile →
//! prefilter → verify.

mod common;
use common::*;

fn fires(body: &str, payload: &[u8]) -> bool {
    udp_fires(&udp_rule(body), payload)
}

#[test]
fn plain_content_anywhere() {
    assert!(fires(r#"content:"abc";"#, b"xxabcxx"));
    assert!(!fires(r#"content:"abc";"#, b"xxabxcx"));
}

#[test]
fn content_is_case_sensitive_without_nocase() {
    assert!(!fires(r#"content:"abc";"#, b"xxABCxx"));
    assert!(fires(r#"content:"abc"; nocase;"#, b"xxABCxx"));
    assert!(fires(r#"content:"AbC"; nocase;"#, b"xxaBcxx"));
    assert!(!fires(r#"content:"abc"; nocase;"#, b"xxABDxx"));
}

#[test]
fn match_at_the_very_start_and_end_of_the_buffer() {
    assert!(fires(r#"content:"abc";"#, b"abcxxx"));
    assert!(fires(r#"content:"abc";"#, b"xxxabc"));
    assert!(fires(r#"content:"abc";"#, b"abc"));
    // one byte short at either end
    assert!(!fires(r#"content:"abc";"#, b"bcxxab"));
}

#[test]
fn pattern_longer_than_the_buffer_never_matches() {
    assert!(!fires(r#"content:"abcdefgh";"#, b"abcd"));
    assert!(!fires(r#"content:"abcdefgh"; offset:2;"#, b"abcdefgh"));
    assert!(!fires(r#"content:"x";"#, b""));
}

#[test]
fn offset_and_depth() {
    let r = r#"content:"abc"; offset:2; depth:3;"#;
    assert!(fires(r, b"xxabcxx"));
    assert!(!fires(r, b"xxxabcx"), "past offset+depth");
    assert!(!fires(r, b"abcxxxx"), "before offset");
    // depth alone counts from the buffer start
    assert!(fires(r#"content:"abc"; depth:4;"#, b"xabc"));
    assert!(!fires(r#"content:"abc"; depth:4;"#, b"xxabc"));
    // offset alone: anything from there on
    assert!(fires(r#"content:"abc"; offset:3;"#, b"abcabc"));
    assert!(!fires(r#"content:"abc"; offset:4;"#, b"abcabc"));
    // depth reaching past the end of the buffer is fine
    assert!(fires(r#"content:"abc"; depth:100;"#, b"xabc"));
}

#[test]
fn depth_shorter_than_pattern_is_rejected() {
    // refused when the rule is read (Suricata refuses it too)
    let src = warden_rules::load_rule_str(&udp_rule(r#"content:"abcd"; depth:3;"#), "t.rules");
    assert!(src.rules.is_empty());
    assert_eq!(src.diagnostics.len(), 1);
}

#[test]
fn distance_and_within() {
    let r = r#"content:"AB"; content:"CD"; distance:2; within:4;"#;
    assert!(fires(r, b"AB..CD"));
    assert!(fires(r, b"AB..CDxx"));
    assert!(!fires(r, b"AB.CD."), "CD starts before distance");
    assert!(fires(r, b"AB....CD"), "CD ends exactly at distance+within");
    assert!(!fires(r, b"AB.....CD"), "CD ends past distance+within");
    // distance without within: anywhere after
    let d = r#"content:"AB"; content:"CD"; distance:0;"#;
    assert!(fires(d, b"AB..........CD"));
    assert!(!fires(d, b"CD..AB"));
    // within without distance
    let w = r#"content:"AB"; content:"CD"; within:3;"#;
    assert!(fires(w, b"AB.CD"));
    assert!(!fires(w, b"AB..CD"));
}

#[test]
fn negative_distance_looks_back() {
    let r = r#"content:"world"; content:"hello"; distance:-11; within:5;"#;
    assert!(fires(r, b"hello world"));
    assert!(!fires(r, b"hellx world hello"));
    // distance that would go before the buffer start is clamped
    let r = r#"content:"cd"; content:"ab"; distance:-10;"#;
    assert!(fires(r, b"abcd"));
}

#[test]
fn startswith_and_endswith() {
    assert!(fires(r#"content:"GET"; startswith;"#, b"GET / HTTP/1.0"));
    assert!(!fires(r#"content:"GET"; startswith;"#, b" GET / HTTP/1.0"));
    assert!(fires(r#"content:".exe"; endswith;"#, b"setup.exe"));
    assert!(!fires(r#"content:".exe"; endswith;"#, b"setup.exe "));
    assert!(!fires(r#"content:".exe"; endswith;"#, b"a.exe.txt"));
    // both: the whole buffer
    assert!(fires(r#"content:"ping"; startswith; endswith;"#, b"ping"));
    assert!(!fires(r#"content:"ping"; startswith; endswith;"#, b"pingg"));
    // endswith with nocase and a relative chain
    assert!(fires(
        r#"content:"file="; content:".EXE"; nocase; distance:0; endswith;"#,
        b"file=a.exe"
    ));
    assert!(!fires(
        r#"content:"file="; content:".EXE"; nocase; distance:0; endswith;"#,
        b"a.exe file="
    ));
}

#[test]
fn negated_content_absolute() {
    let r = r#"content:"GET"; content:!"admin";"#;
    assert!(fires(r, b"GET /index"));
    assert!(!fires(r, b"GET /admin"));
    assert!(!fires(r, b"admin GET"), "negation is buffer-wide");
    // negation restricted by depth
    let r = r#"content:"GET"; content:!"admin"; depth:8;"#;
    assert!(fires(r, b"GET /xxxxxxadmin"));
    assert!(!fires(r, b"GETadmin"));
    assert!(fires(r, b"GET admin"), "admin ends past depth");
}

#[test]
fn negated_content_with_relative_window() {
    let r = r#"content:"GET"; content:!"admin"; distance:0; within:10;"#;
    assert!(fires(r, b"GET /index.html admin"));
    assert!(!fires(r, b"GET /admin"));
    // the negated pattern before the anchor does not count
    assert!(fires(r, b"admin GET /index.html"));
}

#[test]
fn only_negated_content_rule() {
    let r = r#"content:!"bad";"#;
    assert!(fires(r, b"good"));
    assert!(!fires(r, b"so bad"));
}

#[test]
fn hex_bytes_and_escapes() {
    assert!(fires(r#"content:"|00 01|AB|ff|";"#, b"x\x00\x01AB\xffy"));
    assert!(!fires(r#"content:"|00 01|AB|ff|";"#, b"x\x00\x02AB\xffy"));
    assert!(fires(r#"content:"|41|"; content:"|4243|";"#, b"ABC"));
    assert!(fires(r#"content:"a\;b";"#, b"xa;bx"));
    assert!(fires(r#"content:"say \"hi\"";"#, br#"they say "hi" now"#));
    assert!(fires(r#"content:"back\\slash";"#, br"a back\slash"));
    assert!(!fires(r#"content:"back\\slash";"#, br"a backslash"));
    assert!(fires(r#"content:"|3a|colon";"#, b"::colon"));
}

#[test]
fn fast_pattern_chop_still_verifies_the_whole_content() {
    let r = r#"content:"abcdefgh"; fast_pattern:2,3;"#;
    assert!(fires(r, b"--abcdefgh--"));
    // the chopped fast pattern ("cde") alone is not a match
    assert!(!fires(r, b"--xxcdexx--"));
    assert!(!fires(r, b"--abcdefgX--"));
}

#[test]
fn explicit_fast_pattern_on_shorter_content() {
    let r = r#"content:"longer pattern"; content:"zz"; fast_pattern;"#;
    assert!(fires(r, b"zz longer pattern"));
    assert!(!fires(r, b"zz longer patter"));
    assert!(!fires(r, b"longer pattern z z"));
}

#[test]
fn relative_match_backtracks_to_a_later_occurrence() {
    // the first "a" fails the relative "b", the second passes
    let r = r#"content:"a"; content:"b"; distance:0; within:1;"#;
    assert!(fires(r, b"axab"));
    assert!(!fires(r, b"axaxb"));
    // three-step chain where the second step must retry too
    let r =
        r#"content:"K="; content:"v"; distance:0; within:1; content:"!"; distance:0; within:1;"#;
    assert!(fires(r, b"K=vx K=v!"));
    assert!(!fires(r, b"K=vx K=vx v!"));
    // depth bounds the first step even when backtracking
    let r = r#"content:"a"; depth:3; content:"b"; distance:0; within:1;"#;
    assert!(fires(r, b"xab"));
    assert!(!fires(r, b"axxab"));
}

#[test]
fn relative_content_after_nothing_is_relative_to_the_start() {
    // distance/within on the first content count from the buffer start
    let r = r#"content:"ab"; distance:1; within:3;"#;
    assert!(fires(r, b"xab"));
    assert!(!fires(r, b"ab"));
    assert!(!fires(r, b"xxxab"));
}

#[test]
fn many_contents_must_all_match() {
    let r = r#"content:"one"; content:"two"; content:"three";"#;
    assert!(fires(r, b"three two one"));
    assert!(!fires(r, b"three one"));
}

#[test]
fn tcp_rules_do_not_see_udp_and_vice_versa() {
    let t = r#"alert tcp any any -> any any (content:"x"; sid:1;)"#;
    assert!(tcp_fires(t, b"x"));
    assert!(!udp_fires(t, b"x"));
    let u = r#"alert udp any any -> any any (content:"x"; sid:1;)"#;
    assert!(!tcp_fires(u, b"x"));
}
