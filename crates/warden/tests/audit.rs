//! `warden audit` over the planted policy in `tests/fixtures/audit`: every
//! planted problem is found at its file and line with the rules on its
//! other side, and nothing else; a clean policy passes; bad input is
//! refused with a clear error; ET Open plus the local policy is audited
//! in under 10 s (skipped without ../shared).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn audit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg("audit")
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("run warden audit")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PLANTED: &[&str] = &[
    "-c",
    "audit.yaml",
    "--inventory",
    "inventory.yaml",
    "--today",
    "2025-06-01",
];

/// (kind, severity, sid, line, related sids), in report order.
type Expected = (&'static str, &'static str, u64, u64, &'static [u64]);

const EXPECTED: &[Expected] = &[
    (
        "pass-blinds",
        "high",
        1000001,
        5,
        &[1000010, 1000011, 1000012],
    ),
    (
        "pass-blinds",
        "medium",
        1000002,
        7,
        &[1000010, 1000011, 1000012],
    ),
    ("pass-no-expiry", "low", 1000003, 9, &[]),
    ("pass-unowned", "medium", 1000003, 9, &[]),
    ("pass-expired", "high", 1000004, 11, &[]),
    ("blunt-encrypted", "medium", 1000020, 19, &[]),
    ("drop-unowned", "high", 1000030, 24, &[]),
    ("cve-patched", "medium", 1000040, 27, &[]),
    ("cve-not-exposed", "low", 1000041, 29, &[]),
    ("duplicate-sid", "high", 1000050, 35, &[1000050]),
    ("shadowed-identical", "low", 1000061, 39, &[1000060]),
    ("never-matches", "high", 1000070, 42, &[]),
    ("never-matches", "high", 1000071, 43, &[]),
    ("never-matches", "high", 1000072, 44, &[]),
    ("never-matches", "high", 1000073, 45, &[]),
    ("never-matches", "high", 1000074, 46, &[]),
    ("never-matches", "high", 1000075, 47, &[]),
    ("not-loaded", "info", 1000080, 50, &[]),
];

#[test]
fn every_planted_problem_is_found_at_its_location_and_nothing_else() {
    let mut args = PLANTED.to_vec();
    args.push("--json");
    let o = audit(&args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let findings = doc["findings"].as_array().expect("findings");
    let got: Vec<(String, String, u64, u64, Vec<u64>)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["file"], "policy.rules", "{f}");
            (
                f["kind"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["sid"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
                f["related_sids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_u64().unwrap())
                    .collect(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64, u64, Vec<u64>)> = EXPECTED
        .iter()
        .map(|(k, s, sid, line, rel)| (k.to_string(), s.to_string(), *sid, *line, rel.to_vec()))
        .collect();
    assert_eq!(got, want);
    // the other sides are located too
    let blinds = &findings[0]["related"];
    assert_eq!(blinds[0]["file"], "policy.rules");
    assert_eq!(blinds[0]["line"], 14);
    assert_eq!(findings[9]["related"][0]["line"], 34);
    assert_eq!(findings[10]["related"][0]["line"], 38);
}

#[test]
fn the_text_report_says_what_to_do() {
    let o = audit(PLANTED);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), EXPECTED.len(), "{out}");
    for want in [
        "policy.rules:11: high pass-expired: sid 1000004: pass rule expired on 2020-01-31 \
         (today is 2025-06-01): remove it or renew it with its owner (infra)",
        "policy.rules:19: medium blunt-encrypted: sid 1000020: drop rule matches on addresses \
         and ports alone on encrypted service(s) tcp/443 https, tcp/993 imaps: it blocks every \
         connection there; narrow it with tls.sni, tls.cert_subject, tls.cert_fingerprint, \
         ja3.hash, ja4.hash",
        "policy.rules:27: medium cve-patched: sid 1000040: drop rule for CVE-2023-1234: every \
         inventoried target is patched: 192.0.2.10 (web-team)",
        "policy.rules:29: low cve-not-exposed: sid 1000041: drop rule for CVE-2019-0708 \
         protects no inventoried asset (none in its target addresses exposes a matching \
         service); marked vulnerable but outside its header: 198.51.100.0/24 (partner)",
        "policy.rules:35: high duplicate-sid: sid 1000050: sid 1000050 is also the sid of the \
         rule at policy.rules:34: the engine keeps that one and leaves this one out",
        "policy.rules:43: high never-matches: sid 1000071: content:\"GET /index\" needs a \
         payload of 10 bytes but dsize:<4 allows at most 3",
    ] {
        assert!(lines.contains(&want), "missing\n  {want}\nin\n{out}");
    }
    let err = text(&o.stderr);
    assert!(
        err.starts_with(
            "warden audit: 18 finding(s) (10 high, 4 medium, 3 low, 1 info) over 21 rule(s) \
             in 1 file(s), 3 inventoried asset(s);"
        ),
        "{err}"
    );
}

#[test]
fn fail_on_sets_the_threshold_of_the_exit_status() {
    let mut args = PLANTED.to_vec();
    args.extend(["--fail-on", "never"]);
    assert_eq!(audit(&args).status.code(), Some(0));
    // the clean policy has nothing, even at the lowest threshold
    let o = audit(&[
        "-c",
        "audit.yaml",
        "-S",
        "clean.rules",
        "--inventory",
        "inventory.yaml",
        "--fail-on",
        "info",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc, serde_json::json!({"findings": []}));
    // without the inventory the CVE checks do not run; the rest stays
    let o = audit(&["-c", "audit.yaml", "--today", "2025-06-01", "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), EXPECTED.len() - 2);
    assert!(!kinds.iter().any(|k| k.starts_with("cve-")));
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let o = audit(&["-c", "audit.yaml", "--inventory", "bad-inventory.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "warden audit: error: inventory bad-inventory.yaml: asset 2 (192.0.2.20): service \
         'https' is not proto/port (tcp/443, udp/53, tcp/8000-8100)\n"
    );
    let o = audit(&["-S", "missing.rules"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "warden audit: error: rule file missing.rules does not exist\n"
    );
    let o = audit(&["-S", "clean.rules", "--fail-on", "severe"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--fail-on: unknown severity 'severe'"));
    let o = audit(&[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn et_open_with_a_local_policy_is_audited_in_under_ten_seconds() {
    let et = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/rules/et-open");
    let Ok(dir) = std::fs::read_dir(&et) else {
        eprintln!("skipped: {} is absent", et.display());
        return;
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .collect();
    files.sort();
    let mut args: Vec<String> = vec!["-c".into(), "audit.yaml".into()];
    for f in &files {
        args.push("-S".into());
        args.push(f.display().to_string());
    }
    args.extend(["-S", "policy.rules", "--json", "--fail-on", "never"].map(String::from));
    let started = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg("audit")
        .args(&args)
        .current_dir(fixtures())
        .output()
        .expect("run warden audit");
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = doc["findings"].as_array().unwrap().len();
    eprintln!(
        "ET Open ({} files) + local policy: {n} findings in {:.2} s; {}",
        files.len(),
        took.as_secs_f64(),
        text(&o.stderr).trim()
    );
    // the local pass rules see the ET rules too
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| { f["sid"] == 1000001 && f["related_sids"].as_array().unwrap().len() > 3 }));
    assert!(took.as_secs_f64() < 10.0, "took {took:?}");
}
