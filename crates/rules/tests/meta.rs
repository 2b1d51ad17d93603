//! Meta keywords: msg, sid, rev, gid, classtype, priority, reference,
//! metadata, target.

mod common;
use common::*;
use warden_rules::*;

#[test]
fn msg() {
    assert_eq!(opt(r#"msg:"plain";"#), RuleOption::Msg("plain".into()));
    assert_eq!(
        opt(r#"msg:"a\:b \\ c";"#),
        RuleOption::Msg(r"a:b \ c".into())
    );
    // Unquoted text is kept as written, as Suricata does.
    assert_eq!(opt("msg:bare words;"), RuleOption::Msg("bare words".into()));
    assert_eq!(
        diag("msg:;"),
        "t.rules:7:35: sid 1: msg: expected a value, found none"
    );
    assert_eq!(
        err(r#"msg:"a"; msg:"b";"#),
        "msg: given more than once, expected at most one"
    );
}

#[test]
fn sid() {
    let r = full(&format!("{H} (sid: 4294967295;)")).unwrap();
    assert_eq!(r.meta.sid, u32::MAX);
    assert_eq!(r.options[0].node, RuleOption::Sid(u32::MAX));
    assert_eq!(
        full_err(&format!("{H} (sid:0;)")),
        "sid: value 0 is out of range, expected 1 to 4294967295"
    );
    assert_eq!(
        full_err(&format!("{H} (sid:4294967296;)")),
        "sid: a number 4294967296 is out of range, expected 0 to 4294967295"
    );
    assert_eq!(
        full_err(&format!("{H} (sid:12a;)")),
        "sid: expected a number as an unsigned integer, found '12a'"
    );
    assert_eq!(
        full(&format!("{H} (msg:\"x\";)")).unwrap_err().to_string(),
        "<input>:1:30: missing required option 'sid'"
    );
}

#[test]
fn rev_and_gid() {
    let r = rule("rev:7; gid:0x10;").unwrap();
    assert_eq!((r.meta.rev, r.meta.gid), (7, 16));
    assert_eq!(opt("rev:7;"), RuleOption::Rev(7));
    assert_eq!(opt("gid:2;"), RuleOption::Gid(2));
    assert_eq!(
        err("rev:-1;"),
        "rev: expected a number as an unsigned integer, found '-1'"
    );
    assert_eq!(
        err("gid:x;"),
        "gid: expected a number as an unsigned integer, found 'x'"
    );
    assert_eq!(
        err("gid:1; gid:1;"),
        "gid: given more than once, expected at most one"
    );
    assert_eq!(
        err("rev:1; rev:2;"),
        "rev: given more than once, expected at most one"
    );
}

#[test]
fn classtype_and_priority() {
    let r = rule("classtype:trojan-activity; priority:255;").unwrap();
    assert_eq!(r.meta.classtype.as_deref(), Some("trojan-activity"));
    assert_eq!(r.meta.priority, Some(255));
    assert_eq!(
        opt("classtype:web_app-1;"),
        RuleOption::Classtype("web_app-1".into())
    );
    assert_eq!(opt("priority:1;"), RuleOption::Priority(1));
    assert_eq!(
        err("classtype:bad.class;"),
        "classtype: invalid class name 'bad.class', expected letters, digits, '-' or '_'"
    );
    assert_eq!(
        err("classtype:a; classtype:b;"),
        "classtype: given more than once, expected at most one"
    );
    assert_eq!(
        err("priority:256;"),
        "priority: a number 256 is out of range, expected 0 to 255"
    );
    assert_eq!(err("priority:;"), "priority: expected a value, found none");
    assert_eq!(
        err("priority:1; priority:2;"),
        "priority: given more than once, expected at most one"
    );
}

#[test]
fn reference() {
    let r = rule("reference:cve,2021-44228; reference: url , \"example.com/a\";").unwrap();
    assert_eq!(
        r.meta.references,
        vec![
            Reference {
                system: "cve".into(),
                id: "2021-44228".into()
            },
            Reference {
                system: "url".into(),
                id: "example.com/a".into()
            }
        ]
    );
    assert_eq!(
        err("reference:,x;"),
        "reference: invalid value ',x', expected 'system,id'"
    );
    assert_eq!(
        err("reference:url,;"),
        "reference: invalid value 'url,', expected 'system,id'"
    );
}

#[test]
fn metadata() {
    let r = rule("metadata:former_category MALWARE, tag ; metadata: a b c;").unwrap();
    assert_eq!(
        r.meta.metadata,
        vec![
            ("former_category".into(), "MALWARE".into()),
            ("tag".into(), String::new()),
            ("a".into(), "b c".into()),
        ]
    );
    assert_eq!(
        opt("metadata:k v;"),
        RuleOption::Metadata(vec![("k".into(), "v".into())])
    );
    assert_eq!(err("metadata;"), "metadata: expected a value, found none");
}

#[test]
fn target() {
    assert_eq!(opt("target:src_ip;"), RuleOption::Target(Target::Src));
    assert_eq!(
        rule("target:dest_ip;").unwrap().meta.target,
        Some(Target::Dst)
    );
    assert_eq!(
        err("target:dst_ip;"),
        "target: invalid value 'dst_ip', expected src_ip or dest_ip"
    );
    assert_eq!(
        err("target:src_ip; target:src_ip;"),
        "target: given more than once, expected at most one"
    );
}

#[test]
fn unknown_keyword_and_case() {
    // Keywords are case-insensitive.
    assert_eq!(opt("PRIORITY:2;"), RuleOption::Priority(2));
    assert_eq!(
        diag("clastype:x;"),
        "t.rules:7:31: sid 1: unknown rule option 'clastype' (did you mean 'classtype'?)"
    );
    assert_eq!(err("zzzzzz;"), "unknown rule option 'zzzzzz'");
}
