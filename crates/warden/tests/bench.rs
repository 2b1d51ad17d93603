//! `warden bench`: the benchmark command runs the real pipeline (same
//! alerts as `-r`), replays copies with `--repeat`, and writes a JSON
//! report whose figures add up.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn warden() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warden"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn alerts(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event_type"] == "alert")
        .map(|e| {
            format!(
                "{} {} {}:{} {}:{}",
                e["pcap_cnt"],
                e["alert"]["signature_id"],
                e["src_ip"],
                e["src_port"],
                e["dest_ip"],
                e["dest_port"]
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bench_reports_the_run_of_the_real_pipeline() {
    let dir = tmpdir("demo");
    let pcap = repo().join("demo/demo.pcap");
    let rules = repo().join("demo/demo.rules");
    let plain = dir.join("plain");
    let st = warden()
        .arg("-r")
        .arg(&pcap)
        .arg("-S")
        .arg(&rules)
        .arg("-l")
        .arg(&plain)
        .status()
        .unwrap();
    assert!(st.success());
    let benched = dir.join("bench");
    let json = dir.join("bench.json");
    let out = warden()
        .arg("bench")
        .arg("-r")
        .arg(&pcap)
        .arg("-S")
        .arg(&rules)
        .arg("-l")
        .arg(&benched)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Mbit/s"), "{stderr}");
    assert!(stderr.contains("detect_prefilter"), "{stderr}");
    // the same alerts as a normal run
    let expected = alerts(&plain);
    assert!(!expected.is_empty());
    assert_eq!(alerts(&benched), expected);

    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(r["alerts"].as_u64().unwrap(), expected.len() as u64);
    assert!(r["packets"].as_u64().unwrap() > 0);
    assert!(r["mbit_per_s"].as_f64().unwrap() > 0.0);
    assert!(r["peak_rss_bytes"].as_u64().unwrap() > 0);
    assert!(r["ruleset_load_seconds"].as_f64().is_some());
    let shares: f64 = [
        "capture",
        "decode",
        "flow_stream",
        "app_layer",
        "detect_prefilter",
        "detect_verify",
        "output",
    ]
    .iter()
    .map(|s| r["stages"][s]["share"].as_f64().unwrap())
    .sum();
    assert!((shares - 1.0).abs() < 1e-6, "stage shares add up: {shares}");
}

#[test]
fn bench_repeat_replays_copies_in_one_run() {
    let dir = tmpdir("repeat");
    let pcap = repo().join("demo/demo.pcap");
    let rules = repo().join("demo/demo.rules");
    let report = |n: &str| {
        let json = dir.join(format!("r{n}.json"));
        let out = warden()
            .args(["bench", "--repeat", n, "-r"])
            .arg(&pcap)
            .arg("-S")
            .arg(&rules)
            .arg("--json")
            .arg(&json)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_str::<Value>(&std::fs::read_to_string(&json).unwrap()).unwrap()
    };
    let (one, three) = (report("1"), report("3"));
    for k in ["packets", "bytes", "alerts", "flows"] {
        assert_eq!(
            three[k].as_u64().unwrap(),
            3 * one[k].as_u64().unwrap(),
            "{k}: each copy is processed as its own traffic"
        );
    }
}

#[test]
fn bench_refuses_bad_arguments_with_a_message() {
    let out = warden()
        .args(["bench", "-r", "/nonexistent/x.pcap"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("capture not found"));
    let out = warden().args(["bench", "--repeat", "x"]).output().unwrap();
    assert!(!out.status.success());
}
