//! `warden explain` as an operator reads it: on a fixture capture, for a
//! rule that fired and for rules that did not, it names the step that
//! decided each flow — flow state, the port in the header, the first
//! content option that did not match, a buffer that was absent, a
//! transaction rule's direction, a pass rule that took the flow — and
//! says why a rule that did not load never fires.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{udp, Capture, Tcp};

fn fixture(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("warden-explain-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cap = Capture::new(1_700_000_000);
    // 1: hello, welcome, then the trigger mid-session
    let mut a = Tcp::new([10, 8, 0, 1], 40001, [10, 8, 0, 80], 8080);
    a.handshake(&mut cap);
    a.send(&mut cap, b"hello");
    a.reply(&mut cap, b"welcome");
    a.send(&mut cap, b"now something evil");
    a.close(&mut cap);
    // 2: same service, no trigger
    let mut b = Tcp::new([10, 8, 0, 2], 40002, [10, 8, 0, 80], 8080);
    b.handshake(&mut cap);
    b.send(&mut cap, b"just talking");
    b.close(&mut cap);
    // 3: HTTP without a cookie
    let mut c = Tcp::new([10, 8, 0, 3], 40003, [10, 8, 0, 81], 80);
    c.handshake(&mut cap);
    c.send(
        &mut cap,
        b"GET /admin HTTP/1.1\r\nHost: intranet.example\r\n\r\n",
    );
    c.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    c.close(&mut cap);
    // 4: mail a pass rule lets through
    let mut d = Tcp::new([10, 8, 0, 4], 40004, [10, 8, 0, 82], 25);
    d.handshake(&mut cap);
    d.send(&mut cap, b"bad mail");
    d.close(&mut cap);
    udp(
        &mut cap,
        [10, 8, 0, 5],
        5000,
        [10, 8, 0, 83],
        53,
        b"not dns at all",
    );
    let pcap = dir.join("explain.pcap");
    cap.write(&pcap);
    let rules = dir.join("explain.rules");
    std::fs::write(
        &rules,
        "drop tcp any any -> any 8080 (msg:\"evil midway\"; flow:established,to_server; content:\"now\"; content:\"evil\"; distance:0; sid:1001;)\n\
         alert http any any -> any any (msg:\"admin page\"; http.uri; content:\"/admin\"; http.host; content:\"intranet\"; sid:1002;)\n\
         alert http any any -> any any (msg:\"needs a cookie\"; http.cookie; content:\"session\"; sid:1004;)\n\
         pass tcp any any -> any 25 (msg:\"mail is fine\"; flow:to_server; content:\"mail\"; sid:1005;)\n\
         alert tcp any any -> any 25 (msg:\"bad mail\"; content:\"bad\"; sid:1003;)\n\
         alert tcp any any -> any any (msg:\"bad option\"; content:\"x\"; depth:0; sid:1006;)\n",
    )
    .unwrap();
    (dir, pcap, rules)
}

fn explain(pcap: &Path, rules: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "explain",
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
        ])
        .args(["-k", "none"])
        .args(args)
        .output()
        .expect("run warden explain");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_flow_is_explained_by_the_step_that_decided_it() {
    let (dir, pcap, rules) = fixture("steps");
    let all = explain(&pcap, &rules, &["--sid", "1001"]);
    assert!(all.starts_with("sid 1001 rev 0 \"evil midway\""), "{all}");
    assert!(all.contains("matched on 1, not on 4"), "{all}");
    assert!(
        all.contains("10.8.0.1:40001 -> 10.8.0.80:8080 (packet ")
            && all.contains("FIRED (action drop)"),
        "{all}"
    );
    // the other conversation with the service had no "now"
    assert!(
        all.contains("1 flow(s): pkt_data: option 1 (content:\"now\") does not match\n    10.8.0.2:40002 -> 10.8.0.80:8080"),
        "{all}"
    );
    assert!(
        all.contains("header: addresses or ports do not match"),
        "{all}"
    );
    assert!(
        all.contains("header: protocol does not match\n    10.8.0.5:5000 -> 10.8.0.83:53"),
        "{all}"
    );

    // packet by packet: before the handshake completes, flow state decides
    let one = explain(
        &pcap,
        &rules,
        &["--sid", "1001", "--flow", "10.8.0.1:40001-10.8.0.80:8080"],
    );
    let lines: Vec<&str> = one.lines().collect();
    assert!(
        lines[1].starts_with("flow 10.8.0.1:40001 -> 10.8.0.80:8080"),
        "{one}"
    );
    assert!(
        lines[1].contains("FIRED (action drop) at packet 10 to_server"),
        "{one}"
    );
    assert!(
        lines[2].contains("packet 1 to_server: flow state: the rule needs flow:established"),
        "{one}"
    );
    assert!(
        one.contains("to_client: header: addresses or ports do not match"),
        "{one}"
    );
    assert!(
        one.contains("packet 4 to_server: pkt_data: option 1 (content:\"now\") does not match"),
        "{one}"
    );

    // the second content is what fails when only the first is there
    let two = explain(&pcap, &rules, &["--sid", "1002"]);
    assert!(two.contains("matched on 1, not on 0"), "{two}");
    let cookie = explain(
        &pcap,
        &rules,
        &["--sid", "1004", "--flow", "10.8.0.3-10.8.0.81"],
    );
    assert!(cookie.contains("inspected per transaction"), "{cookie}");
    assert!(
        cookie.contains("did not fire; decided at packet"),
        "{cookie}"
    );
    assert!(cookie.contains("buffer http.cookie is absent"), "{cookie}");
    // a request buffer is not looked for in responses
    let uri = explain(
        &pcap,
        &rules,
        &["--sid", "1002", "--flow", "10.8.0.3-10.8.0.81"],
    );
    assert!(
        uri.contains("to_server, transaction 0: FIRED (action alert)"),
        "{uri}"
    );
    assert!(
        uri.contains(
            "to_client, transaction 0: transaction rule: not inspected from this direction"
        ),
        "{uri}"
    );

    // a pass rule took the mail flow before the alert rule could see it
    let mail = explain(
        &pcap,
        &rules,
        &["--sid", "1003", "--flow", "10.8.0.4:40004-10.8.0.82:25"],
    );
    assert!(mail.contains("pass rule sid 1005"), "{mail}");
    assert!(mail.contains("did not fire"), "{mail}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rule_that_did_not_load_says_why_and_bad_flows_are_refused() {
    let (dir, pcap, rules) = fixture("unloaded");
    let out = explain(&pcap, &rules, &["--sid", "1006"]);
    assert!(
        out.starts_with("sid 1006 did not parse, so it never fires:"),
        "{out}"
    );
    assert!(out.contains("depth"), "{out}");
    let out = explain(&pcap, &rules, &["--sid", "424242"]);
    assert_eq!(
        out.trim(),
        "no rule with gid 1 sid 424242 in the loaded files"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "explain",
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
        ])
        .args(["--sid", "1001", "--flow", "10.8.0.1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected two endpoints"));
    let _ = std::fs::remove_dir_all(&dir);
}
