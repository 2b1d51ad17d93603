//! `--simulate-ips` verdicts as an operator reads them in eve.json: the
//! flow record says which flows a verdict dropped or a pass rule let go.

mod common;

use std::process::Command;

use common::{Capture, Tcp};
use serde_json::Value;

#[test]
fn flow_records_carry_the_flows_verdict() {
    let dir = std::env::temp_dir().join(format!("warden-ips-verdicts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cap = Capture::new(1_700_000_000);
    let mut dropped = Tcp::new([10, 3, 0, 1], 40001, [10, 3, 0, 2], 9000);
    let mut passed = Tcp::new([10, 3, 0, 1], 40002, [10, 3, 0, 2], 9000);
    let mut plain = Tcp::new([10, 3, 0, 1], 40003, [10, 3, 0, 2], 9000);
    for (t, data) in [
        (&mut dropped, &b"evil payload"[..]),
        (&mut passed, b"trusted payload"),
        (&mut plain, b"ordinary payload"),
    ] {
        t.handshake(&mut cap);
        t.send(&mut cap, data);
        t.reply(&mut cap, b"ok");
        t.close(&mut cap);
    }
    let pcap = dir.join("v.pcap");
    cap.write(&pcap);
    let rules = dir.join("v.rules");
    std::fs::write(
        &rules,
        "drop tcp any any -> any any (msg:\"evil\"; content:\"evil\"; sid:1;)\n\
         pass tcp any any -> any any (msg:\"trusted\"; content:\"trusted\"; sid:2;)\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", pcap.to_str().unwrap(), "-S", rules.to_str().unwrap()])
        .args(["--simulate-ips", "-k", "none", "-l", dir.to_str().unwrap()])
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev: Vec<Value> = std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let action_of = |port: u64| {
        let f = ev
            .iter()
            .find(|e| e["event_type"] == "flow" && e["src_port"] == port)
            .unwrap_or_else(|| panic!("flow record for port {port}"));
        f["flow"]["action"].as_str().map(str::to_string)
    };
    assert_eq!(action_of(40001).as_deref(), Some("drop"));
    assert_eq!(action_of(40002).as_deref(), Some("pass"));
    assert_eq!(action_of(40003), None);
}

#[test]
fn the_rule_owner_travels_into_alert_and_drop_events() {
    let dir = std::env::temp_dir().join(format!("warden-ips-owner-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 3, 0, 1], 40001, [10, 3, 0, 2], 9000);
    t.handshake(&mut cap);
    t.send(&mut cap, b"evil payload");
    t.reply(&mut cap, b"ok");
    t.close(&mut cap);
    let pcap = dir.join("o.pcap");
    cap.write(&pcap);
    let rules = dir.join("o.rules");
    std::fs::write(
        &rules,
        "drop tcp any any -> any any (msg:\"evil\"; content:\"evil\"; \
         metadata: owner netsec, expires 2099-12-31; sid:1;)\n\
         alert tcp any any -> any any (msg:\"seen\"; content:\"payload\"; sid:2;)\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", pcap.to_str().unwrap(), "-S", rules.to_str().unwrap()])
        .args(["--simulate-ips", "-k", "none", "-l", dir.to_str().unwrap()])
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev: Vec<Value> = std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alert = ev
        .iter()
        .find(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == 1)
        .expect("alert of the drop rule");
    assert_eq!(alert["alert"]["action"], "blocked");
    assert_eq!(
        alert["alert"]["metadata"]["owner"],
        serde_json::json!(["netsec"])
    );
    assert_eq!(
        alert["alert"]["metadata"]["expires"],
        serde_json::json!(["2099-12-31"])
    );
    let drop = ev
        .iter()
        .find(|e| e["event_type"] == "drop")
        .expect("drop event");
    assert_eq!(drop["alert"]["signature_id"], 1);
    assert_eq!(
        drop["alert"]["metadata"],
        serde_json::json!({"owner": ["netsec"]})
    );
    // a rule without an owner carries no metadata at all
    let plain = ev
        .iter()
        .find(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == 2);
    if let Some(p) = plain {
        assert!(p["alert"].get("metadata").is_none(), "{p}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
