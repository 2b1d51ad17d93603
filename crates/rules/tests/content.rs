//! content / uricontent and every content modifier: nocase, rawbytes,
//! offset, depth, distance, within, startswith, endswith, fast_pattern,
//! replace and the Snort 2 buffer modifiers.

mod common;
use common::*;
use warden_rules::*;

fn content(o: &str) -> Content {
    match opt(o) {
        RuleOption::Content(c) => c,
        other => panic!("{o}: not a content: {other:?}"),
    }
}

fn n(v: i64) -> Option<IntOrVar> {
    Some(IntOrVar::Int(v))
}

#[test]
fn patterns_hex_and_escapes() {
    assert_eq!(content(r#"content:"abc";"#).pattern, b"abc");
    assert_eq!(
        content(r#"content:"|00 01|x|ff FE|";"#).pattern,
        [0, 1, b'x', 0xff, 0xfe]
    );
    // Hex digits may be split by spaces anywhere, also inside a byte pair.
    assert_eq!(content(r#"content:"|4 1 42|";"#).pattern, b"AB");
    assert_eq!(
        content(r#"content:"\"\;\:\\";"#).pattern,
        b"\";:\\".to_vec()
    );
    // A `;` inside the pattern must be escaped even inside hex-free text.
    assert_eq!(content(r#"content:"a|3B|b";"#).pattern, b"a;b");
    let c = content(r#"content: ! "neg";"#);
    assert!(c.negated);
    assert_eq!(c.pattern, b"neg");
    assert!(!content(r#"content:"x";"#).negated);
    // uricontent is content in the http.uri buffer.
    let c = content(r#"uricontent:"/a";"#);
    assert_eq!(c.legacy_buffer, Some(Buffer::HttpUri));

    assert_eq!(
        diag(r#"content:"a|41";"#),
        "t.rules:7:44: sid 1: content: unterminated hex block, expected a closing '|'"
    );
    assert_eq!(
        err(r#"content:"|414|";"#),
        "content: odd number of hex digits in |...| block"
    );
    assert_eq!(
        err(r#"content:"|zz|";"#),
        "content: invalid character 'z' in hex block, expected hex digits or spaces"
    );
    assert_eq!(
        err(r#"content:"a\n";"#),
        "content: invalid escape '\\n', expected \\\", \\;, \\: or \\\\"
    );
    assert_eq!(
        err(r#"content:"a"b";"#),
        "content: unescaped '\"' inside the pattern, expected \\\""
    );
    assert_eq!(
        err("content:abc;"),
        "content: expected a pattern in double quotes, found abc"
    );
    assert_eq!(
        err(r#"content:"abc\";"#),
        "content: expected a pattern in double quotes, found \"abc\\\""
    );
    assert_eq!(
        err("content;"),
        "content: expected a quoted pattern, found no value"
    );
    assert_eq!(err(r#"content:"||";"#), "content: empty pattern");
    assert_eq!(
        err("uricontent:x;"),
        "uricontent: expected a pattern in double quotes, found x"
    );
}

#[test]
fn nocase_and_rawbytes() {
    let c = content(r#"content:"A"; nocase; rawbytes;"#);
    assert!(c.nocase && c.rawbytes);
    assert_eq!(
        diag(r#"content:"a"; rawbytes; rawbytes;"#),
        "t.rules:7:54: sid 1: rawbytes: already set for this content"
    );
    assert_eq!(
        err(r#"content:"a"; rawbytes:1;"#),
        "rawbytes: takes no value, found '1'"
    );
    assert_eq!(
        err("rawbytes;"),
        "rawbytes: expected a preceding content option in the same buffer, found none"
    );
}

#[test]
fn offset_and_depth() {
    let c = content(r#"content:"ab"; offset:0; depth:2;"#);
    assert_eq!((c.offset, c.depth), (n(0), n(2)));
    let c = content(r#"content:"ab"; depth:0x10; offset:len;"#);
    assert_eq!(
        (c.offset, c.depth),
        (Some(IntOrVar::Var("len".into())), n(16))
    );
    assert_eq!(
        err(r#"content:"a"; offset:-1;"#),
        "offset: value -1 is out of range, expected at least 0"
    );
    assert_eq!(
        err(r#"content:"a"; offset:1048561;"#),
        "offset: value 1048561 is out of range, expected at most 1048560"
    );
    assert_eq!(
        err(r#"content:"a"; depth:0;"#),
        "depth: value 0 is out of range, expected at least 1"
    );
    assert_eq!(
        err(r#"content:"a"; offset:1; offset:2;"#),
        "offset: already set for this content"
    );
    assert_eq!(
        err(r#"content:"a"; depth:;"#),
        "depth: expected a value, found none"
    );
    assert_eq!(
        err(r#"content:"a"; depth:1x;"#),
        "depth: expected the value as an integer or a byte_extract/byte_math variable name, found '1x'"
    );
    assert_eq!(
        err(r#"content:"a"; within:5; offset:1;"#),
        "offset: cannot be combined with the relative modifiers distance/within on the same content"
    );
    assert_eq!(
        err("offset:1;"),
        "offset: expected a preceding content option in the same buffer, found none"
    );
}

#[test]
fn distance_and_within() {
    let RuleOption::Content(c) =
        opts(r#"content:"a"; content:"bc"; distance:-3; within:2;"#).remove(1)
    else {
        panic!()
    };
    assert_eq!((c.distance, c.within), (n(-3), n(2)));
    let c = content(r#"content:"a"; distance:off; within:len;"#);
    assert_eq!(
        (c.distance, c.within),
        (
            Some(IntOrVar::Var("off".into())),
            Some(IntOrVar::Var("len".into()))
        )
    );
    assert_eq!(
        err(r#"content:"abc"; within:2;"#),
        "within: value 2 is smaller than the content length 3"
    );
    assert_eq!(
        err(r#"content:"a"; within:0;"#),
        "within: value 0 is out of range, expected at least 1"
    );
    assert_eq!(
        err(r#"content:"a"; distance:-1048561;"#),
        "distance: value -1048561 is out of range, expected at least -1048560"
    );
    assert_eq!(
        err(r#"content:"a"; distance:1; distance:2;"#),
        "distance: already set for this content"
    );
    assert_eq!(
        err(r#"content:"a"; offset:1; within:4;"#),
        "within: cannot be combined with the absolute modifiers offset/depth on the same content"
    );
    assert_eq!(
        err("within:1;"),
        "within: expected a preceding content option in the same buffer, found none"
    );
}

#[test]
fn startswith_and_endswith() {
    let c = content(r#"content:"GET"; startswith; endswith;"#);
    assert!(c.startswith && c.endswith);
    let c = content(r#"content:"x"; endswith; distance:0;"#);
    assert!(c.endswith && c.distance == n(0));
    assert_eq!(
        err(r#"content:"a"; depth:3; startswith;"#),
        "startswith: cannot be combined with offset, depth, distance or within on the same content"
    );
    assert_eq!(
        err(r#"content:"a"; startswith; offset:1;"#),
        "offset: cannot be combined with startswith on the same content"
    );
    assert_eq!(
        err(r#"content:"a"; startswith; within:1;"#),
        "within: cannot be combined with startswith on the same content"
    );
    assert_eq!(
        err(r#"content:"a"; endswith; endswith;"#),
        "endswith: already set for this content"
    );
    assert_eq!(
        err(r#"content:"a"; startswith:1;"#),
        "startswith: takes no value, found '1'"
    );
    assert_eq!(
        err("endswith;"),
        "endswith: expected a preceding content option in the same buffer, found none"
    );
}

#[test]
fn fast_pattern_forms() {
    assert_eq!(
        content(r#"content:"abc"; fast_pattern;"#).fast_pattern,
        Some(FastPattern::default())
    );
    assert_eq!(
        content(r#"content:"abc"; fast_pattern: only;"#).fast_pattern,
        Some(FastPattern {
            only: true,
            chop: None
        })
    );
    assert_eq!(
        content(r#"content:"abcdef"; fast_pattern:2, 3;"#).fast_pattern,
        Some(FastPattern {
            only: false,
            chop: Some((2, 3))
        })
    );
    // A plain fast_pattern on a negated content is allowed.
    assert!(content(r#"content:!"abc"; fast_pattern;"#)
        .fast_pattern
        .is_some());
    assert_eq!(
        diag(r#"content:"abc"; fast_pattern:2,2;"#),
        "t.rules:7:59: sid 1: fast_pattern: offset 2 plus length 2 exceeds the content length 3"
    );
    assert_eq!(
        err(r#"content:"abc"; fast_pattern:0,0;"#),
        "fast_pattern: length 0 is invalid, expected at least 1"
    );
    assert_eq!(
        err(r#"content:"abc"; fast_pattern:first;"#),
        "fast_pattern: invalid value 'first', expected nothing, 'only' or 'offset,length'"
    );
    assert_eq!(
        err(r#"content:"abc"; fast_pattern:1,x;"#),
        "fast_pattern: invalid value '1,x', expected nothing, 'only' or 'offset,length'"
    );
    assert_eq!(
        err(r#"content:!"abc"; fast_pattern:only;"#),
        "fast_pattern: 'only' cannot be used on a negated content"
    );
    assert_eq!(
        err(r#"content:"abc"; fast_pattern; fast_pattern;"#),
        "fast_pattern: already set for this content"
    );
    assert_eq!(
        err("fast_pattern;"),
        "fast_pattern: expected a preceding content option in the same buffer, found none"
    );
}

#[test]
fn replace() {
    let c = content(r#"content:"abc"; replace:"x|00|z";"#);
    assert_eq!(c.replace, Some(b"x\0z".to_vec()));
    assert_eq!(
        err(r#"content:"abc"; replace:!"x";"#),
        "replace: expected a quoted pattern, found a negated one"
    );
    assert_eq!(
        err(r#"content:"abc"; replace:"x"; replace:"y";"#),
        "replace: already set for this content"
    );
    assert_eq!(
        err(r#"content:"abc"; replace:x;"#),
        "replace: expected a pattern in double quotes, found x"
    );
}

#[test]
fn legacy_buffer_modifiers() {
    for (m, b) in [
        ("http_uri", Buffer::HttpUri),
        ("http_raw_uri", Buffer::HttpUriRaw),
        ("http_method", Buffer::HttpMethod),
        ("http_header", Buffer::HttpHeader),
        ("http_raw_header", Buffer::HttpHeaderRaw),
        ("http_cookie", Buffer::HttpCookie),
        ("http_user_agent", Buffer::HttpUserAgent),
        ("http_host", Buffer::HttpHost),
        ("http_raw_host", Buffer::HttpHostRaw),
        ("http_client_body", Buffer::HttpRequestBody),
        ("http_server_body", Buffer::FileData),
        ("http_stat_code", Buffer::HttpStatCode),
        ("http_stat_msg", Buffer::HttpStatMsg),
    ] {
        let c = content(&format!(r#"content:"a"; {m};"#));
        assert_eq!(c.legacy_buffer, Some(b), "{m}");
    }
    assert_eq!(
        err(r#"uricontent:"a"; http_uri;"#),
        "http_uri: content already has the buffer http.uri"
    );
    assert_eq!(
        err(r#"content:"a"; http_method:1;"#),
        "http_method: takes no value, found '1'"
    );
}

#[test]
fn modifiers_follow_the_right_content() {
    let o = opts(r#"content:"a"; nocase; content:"b"; distance:1; isdataat:1,relative; within:5;"#);
    let RuleOption::Content(a) = &o[0] else {
        panic!()
    };
    let RuleOption::Content(b) = &o[1] else {
        panic!()
    };
    assert!(a.nocase && a.distance.is_none());
    // A modifier after a non-content option still applies to the last content.
    assert_eq!((b.distance.clone(), b.within.clone()), (n(1), n(5)));
    assert!(!b.nocase);
    // A sticky buffer ends the content a modifier may attach to.
    assert_eq!(
        diag(r#"content:"a"; file.data; depth:1;"#),
        "t.rules:7:55: sid 1: depth: expected a preceding content option in the same buffer, found none"
    );
    assert_eq!(
        err(r#"content:"a"; file.data:to_client; nocase;"#),
        "nocase: expected a preceding content option in the same buffer, found none"
    );
    // Conflicting modifiers: absolute after relative and the reverse.
    assert_eq!(
        err(r#"content:"a"; distance:0; depth:1;"#),
        "depth: cannot be combined with the relative modifiers distance/within on the same content"
    );
}
