//! End-to-end HTTP behaviour of the warden binary over captures these
//! tests build: when transaction rules fire, which `http` records are
//! written and what they hold.

mod common;

use std::path::{Path, PathBuf};

use common::{Capture, Tcp};
use serde_json::Value;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-e2e-http-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs warden over `cap` with `rules` (and `extra` arguments); returns
/// the EVE events.
fn run(name: &str, cap: &Capture, rules: &str, extra: &[&str]) -> Vec<Value> {
    let dir = tmpdir(name);
    let pcap = dir.join("c.pcap");
    cap.write(&pcap);
    let rules_path = dir.join("r.rules");
    std::fs::write(&rules_path, rules).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", pcap.to_str().unwrap()])
        .args(["-S", rules_path.to_str().unwrap()])
        .args(["-l", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    events(&dir)
}

fn events(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("eve line is JSON"))
        .collect()
}

fn of_type<'a>(ev: &'a [Value], t: &str) -> Vec<&'a Value> {
    ev.iter().filter(|e| e["event_type"] == t).collect()
}

const GET: &[u8] =
    b"GET /cgi-bin/cart32.exe HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\n\r\n";

/// A request never answered is still logged when the flow ends, and a
/// rule on request buffers fires on a client packet, not on the server's
/// acknowledgement that made the request parsed.
#[test]
fn unanswered_request_is_logged_at_flow_end_and_alerts_from_the_client() {
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 0, 0, 1], 40000, [10, 0, 0, 2], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, GET);
    t.send(&mut cap, b"");
    let rules = "alert http any any -> any any (http.method; content:\"GET\"; http.uri.raw; content:\"/cgi-bin/cart32.exe\"; sid:1;)\n";
    let ev = run("unanswered", &cap, rules, &[]);
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["src_port"], 40000, "fired on the client's packet");
    let http = of_type(&ev, "http");
    assert_eq!(http.len(), 1, "the unanswered request is logged");
    assert_eq!(http[0]["http"]["url"], "/cgi-bin/cart32.exe");
    assert_eq!(http[0]["pkt_src"], "stream (flow timeout)");
    assert!(http[0]["http"].get("status").is_none());
}

/// Without `extended: yes` an `http` record holds only hostname, port,
/// url and user agent; the alert's `http` object keeps every field.
#[test]
fn http_records_are_basic_unless_the_config_asks_for_extended() {
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 0, 0, 1], 40001, [10, 0, 0, 2], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, GET);
    t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    t.send(&mut cap, b"");
    let rules = "alert http any any -> any any (http.uri; content:\"cart32\"; sid:1;)\n";
    let dir = tmpdir("basic-cfg");
    let cfg = dir.join("c.yaml");
    std::fs::write(
        &cfg,
        "outputs:\n  - eve-log:\n      types:\n        - alert\n        - http:\n",
    )
    .unwrap();
    let ev = run("basic", &cap, rules, &["-c", cfg.to_str().unwrap()]);
    let http = of_type(&ev, "http");
    assert_eq!(http.len(), 1);
    let mut keys: Vec<&str> = http[0]["http"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["hostname", "http_user_agent", "url"]);
    let alert = of_type(&ev, "alert")[0];
    assert_eq!(alert["http"]["status"], 200);
    assert_eq!(alert["http"]["http_method"], "GET");
    // without a config: extended
    let ev = run("extended", &cap, rules, &[]);
    let http = of_type(&ev, "http");
    assert_eq!(http[0]["http"]["status"], 200);
    assert_eq!(http[0]["http"]["length"], 2);
}
