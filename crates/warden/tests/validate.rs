//! `warden -T` over the broken configs and rules in `tests/fixtures/validate`:
//! each must fail with the exact message, its location and a non-zero
//! exit; the good config must pass. Run from the fixture folder so the
//! paths in messages are the ones an operator typed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

fn validate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg("-T")
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("run warden -T")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `-T` with `args`, expects exit 1 and `line` among stderr's lines.
fn fails_with(args: &[&str], line: &str) {
    let o = validate(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?} must fail:\n{err}");
    assert!(
        err.lines().any(|l| l == line),
        "{args:?}: expected the line\n  {line}\nin:\n{err}"
    );
}

#[test]
fn the_good_config_validates() {
    let o = validate(&["-c", "good.yaml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("2 loaded, 0 failed"), "{err}");
    assert!(err.ends_with("warden: configuration OK\n"), "{err}");
    // its drop rule would only alert without an inline capture
    assert!(
        err.contains(
            "warden: warning: 1 drop/reject rule(s) loaded but no inline capture configured \
             (-Q -i A:B): they will only alert"
        ),
        "{err}"
    );
}

#[test]
fn a_misspelt_variable_is_located_and_a_fix_suggested() {
    fails_with(
        &["-c", "good.yaml", "-S", "bad-variable.rules"],
        "bad-variable.rules:1:11: sid 2000001: unknown variable $HOME_NETT (did you mean $HOME_NET?)",
    );
}

#[test]
fn a_bad_address_is_located() {
    fails_with(
        &["-S", "bad-address.rules"],
        "bad-address.rules:1:22: sid 2000002: invalid address '10.0.0.300', expected an \
         IPv4/IPv6 address, CIDR block, range, variable or 'any'",
    );
}

#[test]
fn a_reversed_port_range_is_located() {
    fails_with(
        &["-S", "bad-port-range.rules"],
        "bad-port-range.rules:1:26: sid 2000003: invalid port range '90:80', the lower bound \
         is above the upper bound",
    );
}

#[test]
fn an_unknown_keyword_is_located_with_a_suggestion() {
    fails_with(
        &["-S", "unknown-keyword.rules"],
        "unknown-keyword.rules:1:54: sid 2000004: unknown rule option 'contnet' (did you mean 'content'?)",
    );
}

#[test]
fn an_invalid_pcre_is_located_with_the_compilers_reason() {
    fails_with(
        &["-S", "bad-pcre.rules"],
        "bad-pcre.rules:1:47: sid 2000005: pcre: PCRE2: error compiling pattern at offset 4: \
         missing closing parenthesis",
    );
}

#[test]
fn a_duplicate_sid_names_the_first_one() {
    fails_with(
        &["-S", "duplicate-sid.rules"],
        "duplicate-sid.rules:3:1: sid 2000006: duplicate sid 2000006 (also at duplicate-sid.rules:2)",
    );
}

#[test]
fn a_missing_include_names_the_including_file_and_line() {
    fails_with(
        &["-c", "missing-include.yaml"],
        "warden: error: missing-include.yaml:1: include 'missing-base.yaml': cannot read config \
         missing-base.yaml: No such file or directory (os error 2)",
    );
}

#[test]
fn a_missing_rule_file_is_an_error() {
    fails_with(
        &["-S", "no-such.rules"],
        "warden: error: rule file no-such.rules does not exist",
    );
}

#[test]
fn an_unreadable_rule_file_is_an_error() {
    // a folder given as a rule file cannot be read, even by root
    fails_with(
        &["-S", "."],
        "warden: error: rule file . cannot be read: Is a directory (os error 21)",
    );
}

#[test]
fn a_yaml_syntax_error_gives_line_and_column() {
    let o = validate(&["-c", "yaml-error.yaml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("warden: error: yaml-error.yaml: invalid YAML: ")
            && err.contains("at line 4 column"),
        "{err}"
    );
}

#[test]
fn json_records_carry_file_line_column_sid_and_message() {
    let o = validate(&["--json", "-c", "good.yaml", "-S", "bad-variable.rules"]);
    assert_eq!(o.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(recs.len(), 2, "{recs:?}");
    let r = &recs[0];
    assert_eq!(r["type"], "rule");
    assert_eq!(r["file"], "bad-variable.rules");
    assert_eq!(
        (r["line"].as_u64(), r["column"].as_u64()),
        (Some(1), Some(11))
    );
    assert_eq!(r["sid"], 2000001);
    assert_eq!(r["kind"], "invalid");
    assert_eq!(
        r["message"],
        "unknown variable $HOME_NETT (did you mean $HOME_NET?)"
    );
    assert_eq!(recs[1]["type"], "summary");
    assert_eq!(recs[1]["ok"], false);
}

#[test]
fn a_missing_inline_interface_fails_the_host_check() {
    fails_with(
        &["-c", "good.yaml", "-Q", "-i", "nosuch0:nosuch1"],
        "warden: error: interface nosuch0 does not exist",
    );
}

#[test]
fn require_owner_refuses_unowned_blocking_rules_by_location() {
    let o = validate(&["-c", "require-owner.yaml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let unowned: Vec<&str> = err.lines().filter(|l| l.contains("no owner")).collect();
    assert_eq!(
        unowned,
        [
            "owners.rules:2: sid 2100002: drop rule has no owner (add metadata: owner TEAM; \
             require-owner is set)",
            "owners.rules:4: sid 2100004: reject rule has no owner (add metadata: owner TEAM; \
             require-owner is set)",
        ],
        "{err}"
    );
    assert!(
        err.ends_with(
            "warden: configuration test failed: 2 drop/reject rule(s) without an owner\n"
        ),
        "{err}"
    );
    // the same rules pass when the config does not ask for owners
    let o = validate(&["-S", "owners.rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn require_owner_problems_are_in_the_json_listing() {
    let o = validate(&["-c", "require-owner.yaml", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let unowned: Vec<(u64, u64)> = recs
        .iter()
        .filter(|r| r["kind"] == "unowned")
        .map(|r| (r["sid"].as_u64().unwrap(), r["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(unowned, [(2100002, 2), (2100004, 4)]);
    let summary = recs.last().unwrap();
    assert_eq!(summary["rules_unowned"], 2);
    assert_eq!(summary["ok"], false);
}
