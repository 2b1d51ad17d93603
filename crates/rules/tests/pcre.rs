//! pcre: negation, flags, escaped slashes, capture variables.

mod common;
use common::*;
use warden_rules::*;

fn pcre(o: &str) -> Pcre {
    match opt(o) {
        RuleOption::Pcre(p) => p,
        other => panic!("{o}: not a pcre: {other:?}"),
    }
}

#[test]
fn valid_forms() {
    let p = pcre(r#"pcre:"/^GET \/a\/b/";"#);
    assert_eq!(p.pattern, r"^GET \/a\/b");
    assert_eq!(p.flags, PcreFlags::default());
    assert!(!p.negated && p.capture_vars.is_empty());
    let p = pcre(r#"pcre:!"/x/Ri";"#);
    assert!(p.negated && p.flags.has('R') && p.flags.has('i') && !p.flags.has('s'));
    assert_eq!(p.flags.to_string(), "iR");
    // Every documented flag letter is accepted.
    let p = pcre(r#"pcre:"/x/ismxAEGROB";"#);
    assert_eq!(p.flags.to_string(), "ismxAEGROB");
    let p = pcre(r#"pcre:"/ua/H";"#);
    assert_eq!(p.flags.buffer(), Some(Buffer::HttpHeader));
    // A slash at the end of the pattern, escaped.
    assert_eq!(pcre(r#"pcre:"/a\//";"#).pattern, r"a\/");
    // Escaped `;` and `"` stay in the regex text.
    assert_eq!(pcre(r#"pcre:"/a\;\"b/";"#).pattern, r#"a\;\"b"#);
    let p = pcre(r#"pcre:"/(?P<x>\d+)/, flow:num, pkt:y";"#);
    assert_eq!(p.pattern, r"(?P<x>\d+)");
    assert_eq!(p.capture_vars, vec!["flow:num", "pkt:y"]);
}

#[test]
fn invalid_forms() {
    assert_eq!(
        diag(r#"pcre:"/a/q";"#),
        "t.rules:7:40: sid 1: pcre: unknown flag 'q', expected one of ismxAEGROBUIPQHDMCKSYVWZ"
    );
    assert_eq!(err(r#"pcre:"/a/RR";"#), "pcre: duplicate flag 'R'");
    assert_eq!(
        err("pcre;"),
        "pcre: expected \"/pattern/flags\", found no value"
    );
    assert_eq!(
        err(r#"pcre:"/abc";"#),
        "pcre: expected '/' closing the pattern, found /abc"
    );
    assert_eq!(err(r#"pcre:"//i";"#), "pcre: empty pattern");
    assert_eq!(
        err(r#"pcre:"/a/i;"#),
        "pcre: expected a closing '\"', found \"/a/i"
    );
    assert_eq!(
        err(r#"pcre:"x/a/";"#),
        "pcre: expected '/' opening the pattern, found x/a/"
    );
    assert_eq!(
        err(r#"pcre:"/a/UI";"#),
        "pcre: flags 'UI' select more than one HTTP buffer, expected at most one"
    );
    assert_eq!(
        err(r#"pcre:"/a/BU";"#),
        "pcre: flag 'B' (rawbytes) cannot be combined with an HTTP buffer flag"
    );
}
