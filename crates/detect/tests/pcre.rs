//! pcre flags and relative/anchored forms, and isdataat.

mod common;
use common::*;

fn fires(body: &str, payload: &[u8]) -> bool {
    udp_fires(&udp_rule(body), payload)
}

#[test]
fn plain_pcre() {
    assert!(fires(r#"pcre:"/ab+c/";"#, b"xxabbbcxx"));
    assert!(!fires(r#"pcre:"/ab+c/";"#, b"xxacxx"));
}

#[test]
fn flag_i_caseless() {
    assert!(!fires(r#"pcre:"/hello/";"#, b"HeLLo"));
    assert!(fires(r#"pcre:"/hello/i";"#, b"HeLLo"));
    assert!(!fires(r#"pcre:"/hello/i";"#, b"HeLLx"));
}

#[test]
fn flag_s_dot_matches_newline() {
    assert!(!fires(r#"pcre:"/a.b/";"#, b"a\nb"));
    assert!(fires(r#"pcre:"/a.b/s";"#, b"a\nb"));
    assert!(fires(r#"pcre:"/a.b/";"#, b"a-b"));
}

#[test]
fn flag_m_multiline_anchors() {
    assert!(!fires(r#"pcre:"/^Host/";"#, b"GET /\nHost: x"));
    assert!(fires(r#"pcre:"/^Host/m";"#, b"GET /\nHost: x"));
    assert!(fires(r#"pcre:"/GET \/$/m";"#, b"GET /\nHost: x"));
    assert!(!fires(r#"pcre:"/GET \/$/";"#, b"GET /\nHost: x"));
}

#[test]
fn flag_r_relative_to_previous_match() {
    let r = r#"content:"user="; pcre:"/^admin/R";"#;
    assert!(fires(r, b"x user=admin"));
    assert!(!fires(r, b"admin user=guest"));
    assert!(!fires(r, b"x user= admin"));
    // R without ^: anywhere after the previous match
    let r = r#"content:"A"; pcre:"/B/R";"#;
    assert!(fires(r, b"A..B"));
    assert!(!fires(r, b"B..A"));
}

#[test]
fn flag_r_retries_earlier_content() {
    // first "id=" is followed by letters, the second by digits
    let r = r#"content:"id="; pcre:"/^\d+/R";"#;
    assert!(fires(r, b"id=abc&id=123"));
    assert!(!fires(r, b"id=abc&id=xyz"));
}

#[test]
fn flag_a_anchored_at_buffer_start() {
    assert!(fires(r#"pcre:"/GET/A";"#, b"GET /"));
    assert!(!fires(r#"pcre:"/GET/A";"#, b" GET /"));
}

#[test]
fn negated_pcre() {
    let r = r#"content:"GET"; pcre:!"/\.php/";"#;
    assert!(fires(r, b"GET /index.html"));
    assert!(!fires(r, b"GET /index.php"));
    // negated and relative
    let r = r#"content:"GET"; pcre:!"/^ \/admin/R";"#;
    assert!(fires(r, b"GET /index /admin"));
    assert!(!fires(r, b"GET /admin"));
}

#[test]
fn pcre_then_relative_content() {
    let r = r#"pcre:"/len=\d+/"; content:"|3b|"; distance:0; within:1;"#;
    assert!(fires(r, b"len=42;"));
    assert!(!fires(r, b"len=42 ;"));
}

#[test]
fn bad_regex_is_rejected_not_loaded() {
    let src = warden_rules::load_rule_str(&udp_rule(r#"pcre:"/(unclosed/";"#), "t.rules");
    if src.rules.is_empty() {
        return; // refused by the parser: fine
    }
    let (engine, report) = warden_detect::Engine::build(
        &src.rules,
        &warden_rules::Vars::suricata_defaults(),
        &warden_rules::Classifications::suricata_defaults(),
    );
    assert_eq!(engine.len(), 0);
    assert_eq!(report.rejected.len(), 1);
}

#[test]
fn isdataat_absolute() {
    // byte at index 9 exists: 10 bytes or more
    assert!(fires("isdataat:9;", b"0123456789"));
    assert!(!fires("isdataat:10;", b"0123456789"));
    assert!(fires("isdataat:!10;", b"0123456789"));
    assert!(!fires("isdataat:!9;", b"0123456789"));
}

#[test]
fn isdataat_relative() {
    let r = r#"content:"AB"; isdataat:3,relative;"#;
    assert!(fires(r, b"AB123"));
    assert!(!fires(r, b"AB12"));
    let n = r#"content:"AB"; isdataat:!1,relative;"#;
    assert!(fires(n, b"xxAB"), "AB ends the buffer");
    assert!(!fires(n, b"xxABc"));
    // relative isdataat retries an earlier content occurrence
    let r = r#"content:"AB"; isdataat:!1,relative;"#;
    assert!(fires(r, b"ABxxAB"));
}

#[test]
fn flag_a_with_r_anchors_at_the_cursor() {
    // regression: a relative pcre used to run on the whole buffer, so `^`
    // and `A` could only match at the buffer start
    let r = r#"content:"key:"; pcre:"/\s*value/AR";"#;
    assert!(fires(r, b"key:  value"));
    assert!(!fires(r, b"key: x value"));
}
