//! End-to-end: the warden binary over captures these tests build, checking
//! what an operator reads (eve.json, fast.log, stderr, exit code).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{demo_capture, ping, udp, Capture, Tcp};
use serde_json::Value;

fn warden() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warden"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    let out = warden().args(args).output().expect("run warden");
    out
}

/// Runs warden over `pcap` with `rules`, logging to `dir`, plus `extra`
/// arguments.
fn run_rules(pcap: &Path, rules: &Path, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "-r",
        pcap.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "-l",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn events(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("eve line is JSON"))
        .collect()
}

fn alert_sids(ev: &[Value]) -> Vec<u64> {
    ev.iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| e["alert"]["signature_id"].as_u64().unwrap())
        .collect()
}

fn stats(ev: &[Value]) -> &Value {
    &ev.iter()
        .rfind(|e| e["event_type"] == "stats")
        .expect("stats event")["stats"]
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn demo_capture_in_repo_is_what_the_builder_makes() {
    let dir = tmpdir("demo-bytes");
    let fresh = dir.join("demo.pcap");
    demo_capture().write(&fresh);
    let shipped = std::fs::read(repo().join("demo/demo.pcap")).unwrap();
    assert_eq!(
        std::fs::read(&fresh).unwrap(),
        shipped,
        "regenerate with: cargo run --example make_demo"
    );
}

#[test]
fn demo_run_alerts_as_the_readme_says() {
    let dir = tmpdir("demo");
    let r = repo();
    let out = run(&[
        "-r",
        r.join("demo/demo.pcap").to_str().unwrap(),
        "-S",
        r.join("demo/demo.rules").to_str().unwrap(),
        "-l",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("8 rules in 1 file(s): 8 loaded, 0 failed, 0 skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("34 packets"), "{stderr}");
    let ev = events(&dir);
    let mut sids = alert_sids(&ev);
    sids.sort();
    // 9000006 sets a flowbit silently, 9000008 must not fire.
    assert_eq!(sids, [9000001, 9000002, 9000003, 9000004, 9000005, 9000007]);
    let fast = std::fs::read_to_string(dir.join("fast.log")).unwrap();
    assert_eq!(fast.lines().count(), 6);
    assert!(fast.contains("[1:9000001:1] DEMO ATTACK_RESPONSE id check returned root [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 198.51.100.10:8080 -> 192.168.1.20:49153"), "{fast}");
    let root = ev
        .iter()
        .find(|e| e["alert"]["signature_id"] == 9000001)
        .unwrap();
    assert_eq!(root["direction"], "to_client");
    assert_eq!(root["alert"]["action"], "allowed");
    assert_eq!(root["flow"]["src_ip"], "192.168.1.20");
    let s = stats(&ev);
    assert_eq!(s["decoder"]["pkts"], 34);
    assert_eq!(s["detect"]["alert"], 6);
    assert_eq!(s["detect"]["engines"][0]["rules_loaded"], 8);
    assert_eq!(s["flow"]["total"], 6);
    // one flow event per flow, all with the same ids alerts carry
    let flows: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "flow").collect();
    assert_eq!(flows.len(), 6);
    assert!(flows
        .iter()
        .any(|f| f["flow_id"] == root["flow_id"] && f["flow"]["alerted"] == true));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_rule_is_accounted_for_and_unsupported_ones_say_why() {
    let dir = tmpdir("accounting");
    let mut cap = Capture::new(1_700_000_000);
    udp(&mut cap, [10, 0, 0, 1], 1000, [10, 0, 0, 2], 2000, b"hello");
    let pcap = dir.join("c.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert udp any any -> any any (msg:\"ok\"; content:\"hello\"; sid:1;)\n\
         alert smb any any -> any any (msg:\"smb\"; content:\"x\"; sid:2;)\n\
         alert udp any any -> any any (msg:\"bad pcre\"; pcre:\"/(unclosed/\"; sid:3;)\n\
         alert udp any any -> any any (msg:\"typo\"; contnet:\"x\"; sid:4;)\n\
         # alert udp any any -> any any (msg:\"off\"; sid:5;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "4 rules in 1 file(s): 1 loaded, 2 failed, 1 skipped (unsupported), 1 commented out"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("not supported yet: app-layer protocol smb"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown rule option 'contnet' (did you mean 'content'?)"),
        "{stderr}"
    );
    let ev = events(&dir);
    assert_eq!(alert_sids(&ev), [1]);
    let e = &stats(&ev)["detect"]["engines"][0];
    let sum = e["rules_loaded"].as_u64().unwrap()
        + e["rules_failed"].as_u64().unwrap()
        + e["rules_skipped"].as_u64().unwrap();
    assert_eq!(sum, 4);

    // -T --json: one record per rule not loaded, then a summary
    let out = run(&["-T", "--json", "-S", rules.to_str().unwrap()]);
    assert!(!out.status.success());
    let recs: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(u64, &str)> = recs
        .iter()
        .filter(|r| r["type"] == "rule")
        .map(|r| (r["line"].as_u64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [(2, "unsupported"), (3, "invalid"), (4, "invalid")]);
    let summary = recs.last().unwrap();
    assert_eq!(summary["rules_loaded"], 1);
    assert_eq!(summary["ok"], false);

    // -T lists each problem with file:line and fails
    let out = run(&["-T", "-S", rules.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("r.rules:3:") && l.contains(": sid 3: pcre:")),
        "{stderr}"
    );
    assert!(stderr.contains("r.rules:4:"), "{stderr}");
}

#[test]
fn config_test_passes_on_good_rules() {
    let r = repo();
    let out = run(&["-T", "-S", r.join("demo/demo.rules").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn truncated_capture_keeps_what_came_before_and_names_the_packet() {
    let dir = tmpdir("trunc");
    let mut cap = Capture::new(1_700_000_000);
    ping(&mut cap, [10, 0, 0, 1], [10, 0, 0, 2], 1, 1, b"first");
    ping(&mut cap, [10, 0, 0, 1], [10, 0, 0, 2], 1, 2, b"second");
    let pcap = dir.join("t.pcap");
    cap.write(&pcap);
    let bytes = std::fs::read(&pcap).unwrap();
    std::fs::write(&pcap, &bytes[..bytes.len() - 10]).unwrap();
    let rules = write(
        &dir,
        "r.rules",
        "alert icmp any any -> any any (msg:\"ping\"; itype:8; sid:1;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // as Suricata: a damaged record ends the file with a warning, not the run
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("t.pcap: truncated record at packet 2"),
        "{stderr}"
    );
    let ev = events(&dir);
    assert_eq!(alert_sids(&ev), [1]);
    assert_eq!(stats(&ev)["decoder"]["pkts"], 1);
    assert_eq!(stats(&ev)["capture"]["file_errors"], 1);
}

#[test]
fn set_overrides_home_net_and_flow_direction_is_honoured() {
    let dir = tmpdir("vars");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([192, 168, 1, 5], 40000, [203, 0, 113, 9], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /secret HTTP/1.1\r\n\r\n");
    t.reply(&mut cap, b"HTTP/1.1 200 OK\r\n\r\nsecret");
    t.close(&mut cap);
    let pcap = dir.join("v.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"out\"; flow:established,to_server; content:\"secret\"; sid:1;)\n\
         alert tcp any any -> any any (msg:\"reply\"; flow:to_client,established; content:\"secret\"; sid:2;)\n\
         alert tcp any any -> any any (msg:\"never\"; flow:not_established; content:\"secret\"; sid:3;)\n",
    );
    let args = |extra: &[&str]| {
        let mut v = vec![
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
            "-l",
            dir.to_str().unwrap(),
        ];
        v.extend_from_slice(extra);
        run(&v.iter().map(|s| s.to_owned()).collect::<Vec<_>>())
    };
    assert!(args(&[]).status.success());
    let mut sids = alert_sids(&events(&dir));
    sids.sort();
    assert_eq!(sids, [1, 2]);
    // With HOME_NET moved elsewhere, sid 1 no longer applies.
    let out = args(&["--set", "vars.address-groups.HOME_NET=[10.0.0.0/8]"]);
    assert!(out.status.success());
    assert_eq!(alert_sids(&events(&dir)), [2]);
    // An unknown key is reported, not silently ignored.
    let out = args(&["--set", "no.such.setting=1"]);
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--set no.such.setting: warden does not use this setting"));
}

#[test]
fn folder_of_captures_is_read_in_order() {
    let dir = tmpdir("folder");
    let caps = dir.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    for (i, name) in ["a.pcap", "b.pcap"].iter().enumerate() {
        let mut cap = Capture::new(1_700_000_000 + i as i64 * 100);
        udp(
            &mut cap,
            [10, 0, 0, 1],
            1000 + i as u16,
            [10, 0, 0, 2],
            53,
            b"xyz",
        );
        cap.write(&caps.join(name));
    }
    let rules = write(
        &dir,
        "r.rules",
        "alert udp any any -> any 53 (msg:\"x\"; content:\"xyz\"; sid:7;)\n",
    );
    let out = run(&[
        "-r",
        caps.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "-l",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let ev = events(&dir);
    assert_eq!(alert_sids(&ev), [7, 7]);
    assert_eq!(stats(&ev)["decoder"]["pkts"], 2);
}

/// The shared corpus (when present): every capture runs to the end and
/// the decoder counts every packet; ET Open loads with every rule
/// accounted for.
#[test]
fn shared_corpus_captures_and_et_open() {
    let corpus = repo().join("../shared/corpus");
    if !corpus.exists() {
        eprintln!("skipping: ../shared/corpus not present");
        return;
    }
    let dir = tmpdir("corpus");
    // ET Open: every uncommented rule in one file
    let mut all = String::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus.join("rules/et-open"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rules") && !p.ends_with("emerging-deleted.rules")
        })
        .collect();
    files.sort();
    for f in &files {
        all.push_str(&std::fs::read_to_string(f).unwrap());
        all.push('\n');
    }
    let et = write(&dir, "et.rules", &all);
    let given = all
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            ["alert ", "drop ", "pass ", "reject "]
                .iter()
                .any(|a| t.starts_with(a))
        })
        .count() as u64;

    let capinfos = std::fs::read_to_string(corpus.join("pcaps/capinfos.tsv")).unwrap();
    let mut expected: Vec<(String, u64)> = capinfos
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0].to_string(), cols[6].parse().unwrap())
        })
        .collect();
    expected.push(("lab-mixed.pcap".into(), 43_661)); // from pcaps/README.md
    for (name, pkts) in expected {
        let out_dir = dir.join(&name);
        let out = run(&[
            "-k",
            "none",
            "--set",
            "vars.address-groups.HOME_NET=any",
            "--set",
            "vars.address-groups.EXTERNAL_NET=any",
            "-r",
            corpus.join("pcaps").join(&name).to_str().unwrap(),
            "-S",
            et.to_str().unwrap(),
            "-l",
            out_dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let ev = events(&out_dir);
        let s = stats(&ev);
        assert_eq!(s["decoder"]["pkts"].as_u64(), Some(pkts), "{name}");
        let e = &s["detect"]["engines"][0];
        let loaded = e["rules_loaded"].as_u64().unwrap();
        let failed = e["rules_failed"].as_u64().unwrap();
        let skipped = e["rules_skipped"].as_u64().unwrap();
        assert_eq!(
            loaded + failed + skipped,
            given,
            "{name}: every ET rule accounted for"
        );
        assert!(
            failed * 1000 <= given * 5,
            "{name}: at least 99.5% of ET Open parses ({failed} failed)"
        );
        eprintln!("{name}: {pkts} packets, {} alerts", alert_sids(&ev).len());
    }
}

#[test]
fn app_layer_rules_fire_on_http_on_any_port_and_dns() {
    let dir = tmpdir("app");
    let mut cap = Capture::new(1_700_000_000);
    // HTTP on a non-standard port, split over two segments
    let mut t = Tcp::new([10, 1, 1, 1], 50000, [192, 0, 2, 80], 8888);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /admin/../login.php?user=x HTTP/1.1\r\nHo");
    t.send(
        &mut cap,
        b"st: Portal.Example.TEST:8888\r\nUser-Agent: curl/8.0\r\n\r\n",
    );
    t.reply(
        &mut cap,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied",
    );
    t.close(&mut cap);
    // DNS on port 53; a DNS-shaped datagram on 5300 is not DNS (UDP
    // protocols are recognised on their ports, as in Suricata)
    udp(
        &mut cap,
        [10, 1, 1, 1],
        40000,
        [10, 1, 1, 53],
        53,
        &common::dns_query(1, "evil.duckdns.org"),
    );
    udp(
        &mut cap,
        [10, 1, 1, 1],
        40001,
        [10, 1, 1, 53],
        5300,
        &common::dns_query(2, "other.duckdns.org"),
    );
    let pcap = dir.join("app.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert http any any -> any any (msg:\"login uri\"; flow:established,to_server; http.method; content:\"GET\"; http.uri; content:\"/login.php\"; startswith; http.host; content:\"portal.example.test\"; bsize:19; sid:1;)\n\
         alert http any any -> any any (msg:\"curl ua\"; http.user_agent; content:\"curl/\"; startswith; sid:2;)\n\
         alert http any any -> any any (msg:\"403\"; flow:to_client; http.stat_code; content:\"403\"; file.data; content:\"denied\"; sid:3;)\n\
         alert dns any any -> any any (msg:\"duckdns\"; dns.query; content:\".duckdns.org\"; endswith; sid:4;)\n\
         alert http any any -> any any (msg:\"raw uri still has dots\"; http.uri.raw; content:\"/../\"; sid:5;)\n\
         alert http any any -> any any (msg:\"never: normalised uri has no dots\"; http.uri; content:\"/../\"; sid:6;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("6 loaded"), "{stderr}");
    let ev = events(&dir);
    let mut sids = alert_sids(&ev);
    sids.sort();
    assert_eq!(sids, [1, 2, 3, 4, 5]);
    let http_alert = ev.iter().find(|e| e["alert"]["signature_id"] == 1).unwrap();
    assert_eq!(http_alert["app_proto"], "http");
    let flow_http = ev
        .iter()
        .find(|e| e["event_type"] == "flow" && e["dest_port"] == 8888)
        .unwrap();
    assert_eq!(flow_http["app_proto"], "http");
}

#[test]
fn stream_inspection_finds_content_split_across_segments_once() {
    let dir = tmpdir("stream");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 2, 2, 2], 41000, [10, 2, 2, 3], 4444);
    t.handshake(&mut cap);
    t.send(&mut cap, b"hello, this is a cmd.e");
    t.send(&mut cap, b"xe /c whoami and more text");
    t.send(&mut cap, b"nothing else here");
    t.close(&mut cap);
    let pcap = dir.join("s.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tcp any any -> any any (msg:\"split cmd\"; flow:established,to_server; content:\"cmd.exe /c\"; sid:1;)\n\
         alert tcp-pkt any any -> any any (msg:\"packet only never sees it\"; content:\"cmd.exe /c\"; sid:2;)\n\
         alert tcp any any -> any any (msg:\"relative across segments\"; content:\"hello\"; content:\"whoami\"; distance:0; within:40; sid:3;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sids = alert_sids(&events(&dir));
    sids.sort();
    // each fires exactly once although the bytes stay in the lookback
    assert_eq!(sids, [1, 3]);
}

/// Any segmentation of a conversation gives the same alerts as sending it
/// whole (a property checked over many deterministic random splits).
#[test]
fn any_segmentation_yields_the_same_alerts() {
    let dir = tmpdir("segments");
    let request: &[u8] = b"POST /upload/../cgi-bin/run.cgi?cmd=cat%20/etc/passwd HTTP/1.1\r\nHost: files.example.test\r\nUser-Agent: evil-agent/1.0\r\nContent-Length: 26\r\n\r\nname=x&payload=cmd.exe /c";
    let rules = write(
        &dir,
        "r.rules",
        "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/cgi-bin/run.cgi\"; sid:1;)\n\
         alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"evil-agent\"; startswith; sid:2;)\n\
         alert http any any -> any any (msg:\"body\"; http.request_body; content:\"cmd.exe\"; sid:3;)\n\
         alert tcp any any -> any any (msg:\"raw spanning\"; flow:to_server; content:\"passwd HTTP/1.1\"; sid:4;)\n\
         alert tcp any any -> any any (msg:\"raw relative\"; content:\"Host|3a|\"; content:\"example\"; distance:0; within:20; sid:5;)\n\
         alert http any any -> any any (msg:\"never: normalised uri drops /upload/..\"; http.uri; content:\"/upload\"; sid:6;)\n",
    );
    let alerts_for = |sizes: &[usize], name: &str| -> Vec<u64> {
        let mut cap = Capture::new(1_700_000_000);
        let mut t = Tcp::new([10, 3, 3, 3], 42000, [10, 3, 3, 4], 8081);
        t.handshake(&mut cap);
        t.send_split(&mut cap, request, sizes);
        t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        t.close(&mut cap);
        let pcap = dir.join(name);
        cap.write(&pcap);
        let out_dir = dir.join(format!("{name}.out"));
        let out = run(&[
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
            "-l",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success());
        let mut sids = alert_sids(&events(&out_dir));
        sids.sort();
        sids
    };
    let whole = alerts_for(&[], "whole.pcap");
    assert_eq!(whole, [1, 2, 3, 4, 5]);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..25 {
        let mut sizes = Vec::new();
        let mut total = 0;
        while total < request.len() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = 1 + (seed % 40) as usize;
            sizes.push(n);
            total += n;
        }
        let got = alerts_for(&sizes, &format!("split{round}.pcap"));
        assert_eq!(got, whole, "segmentation {sizes:?}");
    }
}

#[test]
fn simulate_ips_blocks_the_packet_and_the_rest_of_its_flow() {
    let dir = tmpdir("ips");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 4, 4, 4], 43000, [10, 4, 4, 5], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /shell.php HTTP/1.1\r\nHost: a\r\n\r\n");
    t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    t.close(&mut cap);
    ping(&mut cap, [10, 4, 4, 4], [10, 4, 4, 5], 9, 1, b"unrelated");
    let pcap = dir.join("ips.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "drop tcp any any -> any any (msg:\"block shell\"; flow:to_server; content:\"/shell.php\"; sid:1;)\n\
         alert icmp any any -> any any (msg:\"ping\"; itype:8; sid:2;)\n",
    );
    let base = [
        "-r",
        pcap.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "-l",
        dir.to_str().unwrap(),
    ];
    // IDS: the drop rule only alerts
    assert!(run(&base).status.success());
    let ev = events(&dir);
    let a = ev.iter().find(|e| e["alert"]["signature_id"] == 1).unwrap();
    assert_eq!(a["alert"]["action"], "allowed");
    assert!(!ev.iter().any(|e| e["event_type"] == "drop"));
    // simulated IPS: blocked, and every later packet of the flow dropped
    let mut args = base.to_vec();
    args.push("--simulate-ips");
    assert!(run(&args).status.success());
    let ev = events(&dir);
    let a = ev.iter().find(|e| e["alert"]["signature_id"] == 1).unwrap();
    assert_eq!(a["alert"]["action"], "blocked");
    let drops: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "drop").collect();
    assert_eq!(drops[0]["drop"]["reason"], "rules");
    assert!(drops.len() > 1, "later packets of the flow are dropped too");
    assert!(drops[1..]
        .iter()
        .all(|d| d["drop"]["reason"] == "flow drop"));
    // other traffic is untouched
    let ping_alert = ev.iter().find(|e| e["alert"]["signature_id"] == 2).unwrap();
    assert_eq!(ping_alert["alert"]["action"], "allowed");
    assert!(stats(&ev)["ips"]["blocked"].as_u64().unwrap() >= 2);
}

/// IDS mode inspects what the receiver acknowledged; bytes never
/// acknowledged are inspected when the flow ends, as Suricata does.
#[test]
fn unacknowledged_stream_bytes_are_inspected_at_flow_end() {
    let dir = tmpdir("unacked");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 5, 5, 5], 44000, [10, 5, 5, 6], 9999);
    t.handshake(&mut cap);
    t.send(&mut cap, b"first part, acknowledged ");
    t.send_unacked(&mut cap, b"Let Me In please");
    let pcap = dir.join("u.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tcp any any -> any any (msg:\"acked\"; content:\"first part\"; sid:1;)\n\
         alert tcp any any -> any any (msg:\"unacked\"; content:\"Let Me In\"; sid:2;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    assert!(out.status.success());
    let ev = events(&dir);
    let a1 = ev.iter().find(|e| e["alert"]["signature_id"] == 1).unwrap();
    assert_eq!(a1["pkt_src"], "wire/pcap");
    let a2 = ev.iter().find(|e| e["alert"]["signature_id"] == 2).unwrap();
    assert_eq!(a2["pkt_src"], "stream (flow timeout)");
    assert_eq!(alert_sids(&ev).len(), 2);
}

#[test]
fn a_lone_midstream_segment_alerts_once_not_again_at_flow_end() {
    // one server → client data packet, no handshake, midstream off: the
    // flow has no TCP session, so its end inspects no stream
    let dir = tmpdir("lone");
    let mut cap = Capture::new(1_700_000_000);
    cap.push(warden_packet::build::tcp_v4(
        [82, 165, 177, 154].into(),
        [10, 16, 1, 11].into(),
        80,
        54186,
        7000,
        9000,
        warden_packet::tcp_flags::ACK | warden_packet::tcp_flags::PSH,
        b"HTTP/1.1 200 OK\r\n\r\nuid=0(root) gid=0(root)",
    ));
    let pcap = dir.join("lone.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert ip any any -> any any (content:\"uid=0|28|root|29|\"; flow:established; sid:1;)\n\
         alert ip any any -> any any (content:\"uid=0|28|root|29|\"; flow:not_established; sid:2;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    assert!(out.status.success());
    let ev = events(&dir);
    assert_eq!(alert_sids(&ev), [2]);
    let fast = std::fs::read_to_string(dir.join("fast.log")).unwrap();
    assert_eq!(fast.lines().count(), 1, "{fast}");
    // no session: the flow record shows no TCP flags and no TCP state
    let flow = ev.iter().find(|e| e["event_type"] == "flow").unwrap();
    assert_eq!(flow["tcp"]["tcp_flags"], "00");
    assert_eq!(flow["tcp"]["tcp_flags_tc"], "00");
    assert!(flow["tcp"].get("ack").is_none() && flow["tcp"].get("state").is_none());
}

#[test]
fn profile_rules_ranks_what_each_rule_cost() {
    let dir = tmpdir("profile");
    let r = repo();
    let out = run(&[
        "-r",
        r.join("demo/demo.pcap").to_str().unwrap(),
        "-S",
        r.join("demo/demo.rules").to_str().unwrap(),
        "-l",
        dir.to_str().unwrap(),
        "--profile-rules",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("rule profile:"), "{stderr}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rule_perf.json")).unwrap())
            .unwrap();
    let rules = doc["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    // most expensive first; every rule that fired was checked and matched
    let totals: Vec<u64> = rules
        .iter()
        .map(|r| r["total_us"].as_u64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    for sid in [9000001u64, 9000002, 9000003, 9000004, 9000005, 9000007] {
        let row = rules
            .iter()
            .find(|r| r["sid"] == sid)
            .unwrap_or_else(|| panic!("sid {sid} not profiled"));
        assert!(row["matches"].as_u64().unwrap() >= 1, "{row}");
        assert!(row["checks"].as_u64() >= row["matches"].as_u64(), "{row}");
    }
    // the alerts are the same as without profiling
    let mut sids = alert_sids(&events(&dir));
    sids.sort();
    assert_eq!(sids, [9000001, 9000002, 9000003, 9000004, 9000005, 9000007]);
}

/// An NXDOMAIN answer to `common::dns_query(id, name)` whose authority
/// section holds the zone's SOA (`ns.<zone>`, `hostmaster.<zone>`).
fn dns_nxdomain(id: u16, name: &str, zone: &str) -> Vec<u8> {
    let encode = |n: &str| -> Vec<u8> {
        let mut v = Vec::new();
        for label in n.split('.') {
            v.push(label.len() as u8);
            v.extend_from_slice(label.as_bytes());
        }
        v.push(0);
        v
    };
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0]);
    m.extend(encode(name));
    m.extend_from_slice(&[0, 1, 0, 1]);
    m.extend(encode(zone));
    m.extend_from_slice(&[0, 6, 0, 1, 0, 0, 0, 60]);
    let mut soa = encode(&format!("ns.{zone}"));
    soa.extend(encode(&format!("hostmaster.{zone}")));
    soa.extend_from_slice(&[0; 20]);
    m.extend_from_slice(&(soa.len() as u16).to_be_bytes());
    m.extend(soa);
    m
}

#[test]
fn dns_keywords_see_the_right_message_and_direction() {
    let dir = tmpdir("dnskw");
    let mut cap = Capture::new(1_700_000_000);
    let (client, server) = ([10, 1, 1, 1], [10, 1, 1, 53]);
    udp(
        &mut cap,
        client,
        40000,
        server,
        53,
        &common::dns_query(7, "nothere.example.net"),
    );
    udp(
        &mut cap,
        server,
        53,
        client,
        40000,
        &dns_nxdomain(7, "nothere.example.net", "example.net"),
    );
    // DNS over TCP: the query is parsed once the server acknowledges it
    let mut t = Tcp::new(client, 50000, server, 53);
    t.handshake(&mut cap);
    let q = common::dns_query(8, "overtcp.example.org");
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend(q);
    t.send(&mut cap, &framed);
    t.close(&mut cap);
    let pcap = dir.join("dns.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert dns any any -> any any (msg:\"query name, requests only\"; dns.query; content:\"nothere\"; bsize:19; sid:10;)\n\
         alert dns any any -> any any (msg:\"nxdomain\"; dns.rcode:NXDOMAIN; flow:to_client; sid:11;)\n\
         alert dns any any -> any any (msg:\"standard query\"; dns.opcode:0; flow:to_server; sid:12;)\n\
         alert dns any any -> any any (msg:\"asks for A\"; dns.rrtype:A; flow:to_client; sid:13;)\n\
         alert dns any any -> any any (msg:\"soa mname\"; dns.response.rrname; content:\"ns.example.net\"; sid:14;)\n\
         alert dns any any -> any any (msg:\"authority owner\"; dns.authorities.rrname; content:\"example.net\"; bsize:11; sid:15;)\n\
         alert dns any any -> any any (msg:\"never: no response rrname on requests\"; flow:to_server; dns.response.rrname; content:\"nothere\"; sid:16;)\n\
         alert dns any any -> any any (msg:\"never: rcode 2\"; dns.rcode:2; sid:17;)\n\
         alert dns any any -> any any (msg:\"tcp query\"; dns.query; content:\"overtcp\"; sid:18;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &["-k", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("9 loaded"), "{stderr}");
    let ev = events(&dir);
    let mut sids = alert_sids(&ev);
    sids.sort();
    // each fires once: 12 on the query (UDP and TCP both have opcode 0)
    assert_eq!(sids, [10, 11, 12, 12, 13, 14, 15, 18]);
    let direction = |sid: u64| {
        ev.iter()
            .find(|e| e["alert"]["signature_id"] == sid)
            .map(|e| e["direction"].as_str().unwrap_or("").to_string())
            .unwrap()
    };
    assert_eq!(direction(10), "to_server");
    assert_eq!(direction(11), "to_client");
    assert_eq!(direction(18), "to_server");
    let nx = ev
        .iter()
        .find(|e| e["alert"]["signature_id"] == 11)
        .unwrap();
    assert_eq!(nx["dns"]["rcode"], "NXDOMAIN");
}

/// A TLS record of type `t` around `body`.
fn tls_record(t: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![t, 3, 3];
    v.extend((body.len() as u16).to_be_bytes());
    v.extend(body);
    v
}

/// A handshake message of type `t` around `body`.
fn tls_handshake(t: u8, body: &[u8]) -> Vec<u8> {
    let l = body.len() as u32;
    let mut v = vec![t, (l >> 16) as u8, (l >> 8) as u8, l as u8];
    v.extend(body);
    v
}

/// ClientHello (TLS 1.2, random of 0x11 bytes) offering ALPN h2 and
/// http/1.1.
fn tls_client_hello() -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend([0x11; 32]);
    b.push(0); // no session id
    b.extend([0, 2, 0xc0, 0x2f, 1, 0]); // one cipher, null compression
    let mut alpn = Vec::new();
    for p in [&b"h2"[..], b"http/1.1"] {
        alpn.push(p.len() as u8);
        alpn.extend(p);
    }
    let mut alpn_ext = vec![0, 16];
    alpn_ext.extend(((alpn.len() + 2) as u16).to_be_bytes());
    alpn_ext.extend((alpn.len() as u16).to_be_bytes());
    alpn_ext.extend(alpn);
    b.extend((alpn_ext.len() as u16).to_be_bytes());
    b.extend(alpn_ext);
    tls_record(22, &tls_handshake(1, &b))
}

/// ServerHello (random of 0x22 bytes), Certificate (one certificate),
/// ServerHelloDone: a handshake that never completes.
fn tls_server_flight(cert: &[u8]) -> Vec<u8> {
    let mut sh = vec![3, 3];
    sh.extend([0x22; 32]);
    sh.extend([0, 0xc0, 0x2f, 0, 0, 0]);
    let l = cert.len() as u32;
    let mut chain = vec![(l >> 16) as u8, (l >> 8) as u8, l as u8];
    chain.extend(cert);
    let l = chain.len() as u32;
    let mut certs = vec![(l >> 16) as u8, (l >> 8) as u8, l as u8];
    certs.extend(chain);
    let mut hs = tls_handshake(2, &sh);
    hs.extend(tls_handshake(11, &certs));
    hs.extend(tls_handshake(14, &[]));
    tls_record(22, &hs)
}

#[test]
fn tls_keywords_see_each_side_of_the_handshake() {
    let cert = include_bytes!("../../app/tests/data/tls-test-cert.der");
    let dir = tmpdir("tlskw");
    let mut cap = Capture::new(1_800_000_000);
    let mut t = Tcp::new([10, 1, 1, 1], 50000, [192, 0, 2, 1], 443);
    t.handshake(&mut cap);
    t.send(&mut cap, &tls_client_hello());
    t.reply(&mut cap, &tls_server_flight(cert));
    t.close(&mut cap);
    let pcap = dir.join("tls.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tls any any -> any any (msg:\"client random\"; flow:to_server; tls.random_time; content:\"|11 11 11 11|\"; sid:20;)\n\
         alert tls any any -> any any (msg:\"server random\"; flow:to_client; tls.random; content:\"|22 22|\"; bsize:32; sid:21;)\n\
         alert tls any any -> any any (msg:\"never: client random to client\"; flow:to_client; tls.random_bytes; content:\"|11 11|\"; sid:22;)\n\
         alert tls any any -> any any (msg:\"offered alpn\"; flow:to_server; tls.alpn; content:\"http/1.1\"; sid:23;)\n\
         alert tls any any -> any any (msg:\"san\"; tls.subjectaltname; content:\"www.test.example\"; bsize:16; sid:24;)\n\
         alert tls any any -> any any (msg:\"legacy issuerdn\"; tls.issuerdn:\"O=Warden Test\"; sid:25;)\n\
         alert tls any any -> any any (msg:\"never: negated legacy subject\"; tls.subject:!\"O=Warden Test\"; sid:26;)\n\
         alert tls any any -> any any (msg:\"never: no client certificate\"; flow:to_server; tls.cert_subject; content:\"Warden\"; sid:27;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &["-k", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("8 loaded"), "{stderr}");
    let ev = events(&dir);
    let mut sids = alert_sids(&ev);
    sids.sort();
    assert_eq!(sids, [20, 21, 23, 24, 25]);
    // the handshake never completed, yet the record is written once the
    // server's certificate is in
    let tls: Vec<&Value> = ev.iter().filter(|e| e["event_type"] == "tls").collect();
    assert_eq!(tls.len(), 1);
    assert_eq!(tls[0]["tls"]["subjectaltname"][1], "www.test.example");
    assert_eq!(tls[0]["tls"]["client_alpns"][1], "http/1.1");
    let st = stats(&ev);
    assert_eq!(st["app_layer"]["flow"]["tls"], 1);
    assert_eq!(st["app_layer"]["tx"]["tls"], 0);
}

#[test]
fn a_server_packet_not_echoing_the_syn_timestamp_is_refused_by_the_session() {
    // After the client's SYN (timestamp 7777), a forged server RST and FIN
    // echo another timestamp: Suricata's session refuses them
    // (stream-event:pkt_invalid_timestamp) and the connection goes on.
    use warden_packet::build::Builder;
    use warden_packet::tcp_flags::{ACK, FIN, PSH, RST, SYN};
    let dir = tmpdir("paws");
    let (c, s): (std::net::IpAddr, std::net::IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
    let ts = |val: u32, echo: u32| {
        let mut o = vec![1, 1, 8, 10];
        o.extend(val.to_be_bytes());
        o.extend(echo.to_be_bytes());
        Builder::new().tcp_options(&o)
    };
    let mut cap = Capture::new(1_700_000_000);
    let req = b"GET /evasion HTTP/1.1\r\nHost: x\r\n\r\n";
    cap.push(ts(7777, 0).tcp(c, s, 40000, 80, 100, 0, SYN, b""));
    cap.push(ts(5, 5).tcp(s, c, 80, 40000, 0, 101, RST | ACK, b""));
    cap.push(ts(5, 5).tcp(s, c, 80, 40000, 0, 101, FIN | ACK, b""));
    cap.push(ts(9000, 7777).tcp(s, c, 80, 40000, 500, 101, SYN | ACK, b""));
    cap.push(ts(7780, 9000).tcp(c, s, 40000, 80, 101, 501, ACK, b""));
    cap.push(ts(7780, 9000).tcp(c, s, 40000, 80, 101, 501, PSH | ACK, req));
    let end = 101 + req.len() as u32;
    cap.push(ts(9001, 7780).tcp(s, c, 80, 40000, 501, end, ACK, b""));
    let pcap = dir.join("paws.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tcp any any -> any any (stream-event:pkt_invalid_timestamp; sid:1;)\n\
         alert http any any -> any any (http.uri; content:\"/evasion\"; sid:2;)\n\
         alert tcp any any -> any any (stream-event:3whs_wrong_seq_wrong_ack; sid:3;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &["-k", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // a stream event warden does not raise is skipped, with its name
    assert!(stderr.contains("2 loaded"), "{stderr}");
    let ev = events(&dir);
    let at = |sid: u64| -> Vec<u64> {
        ev.iter()
            .filter(|e| e["alert"]["signature_id"] == sid)
            .map(|e| e["pcap_cnt"].as_u64().unwrap_or(0))
            .collect()
    };
    assert_eq!(at(1), [2, 3]);
    assert_eq!(at(2).len(), 1);
    assert_eq!(stats(&ev)["stream"]["pkt_invalid_timestamp"], 2);
    let flow = ev.iter().find(|e| e["event_type"] == "flow").unwrap();
    assert_eq!(flow["app_proto"], "http");
}

#[test]
fn session_without_handshake_is_not_parsed_unless_midstream_is_on() {
    let dir = tmpdir("midstream");
    let mut cap = Capture::new(1_700_000_000);
    // the handshake happened before the capture started
    let mut t = Tcp::new([10, 3, 3, 3], 42000, [10, 3, 3, 4], 80);
    t.send(&mut cap, b"GET /mid HTTP/1.1\r\nHost: mid.example\r\n\r\n");
    t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let pcap = dir.join("m.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert tcp any any -> any any (msg:\"packet payload\"; content:\"GET /mid\"; sid:1;)\n",
    );
    for (midstream, parsed) in [("false", false), ("true", true)] {
        let out_dir = dir.join(format!("out-{midstream}"));
        std::fs::create_dir_all(&out_dir).unwrap();
        let out = run(&[
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
            "-l",
            out_dir.to_str().unwrap(),
            "--set",
            &format!("stream.midstream={midstream}"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ev = events(&out_dir);
        // the packet is inspected either way
        assert_eq!(alert_sids(&ev), [1], "midstream {midstream}");
        let http = ev.iter().filter(|e| e["event_type"] == "http").count();
        let flow = ev.iter().find(|e| e["event_type"] == "flow").unwrap();
        if parsed {
            assert_eq!(http, 1);
            assert_eq!(flow["app_proto"], "http");
            assert!(flow["flow"].get("exception_policy").is_none());
            assert_eq!(flow["tcp"]["state"], "established");
        } else {
            assert_eq!(http, 0);
            assert!(flow.get("app_proto").is_none());
            assert_eq!(
                flow["flow"]["exception_policy"][0]["target"],
                "stream_midstream"
            );
            assert_eq!(flow["flow"]["exception_policy"][0]["policy"], "ignore");
            assert_eq!(flow["tcp"]["tcp_flags"], "00");
            assert!(flow["tcp"].get("state").is_none());
        }
    }
}

#[test]
fn packet_rules_see_a_data_packet_that_also_releases_stream_data() {
    // TCP Fast Open: the SYN carries the request's first bytes, the
    // SYN/ACK acknowledges them, and the client's next packet both
    // releases them to the stream and carries bytes of its own, which
    // packet-only rules (tcp-pkt, dsize) must still see.
    use warden_packet::build;
    use warden_packet::tcp_flags::{ACK, SYN};
    let dir = tmpdir("pkt-and-stream");
    let (c, s): (std::net::Ipv4Addr, std::net::Ipv4Addr) =
        ([10, 4, 4, 1].into(), [10, 4, 4, 2].into());
    let first = b"GET /tfo-first";
    let second = b"secondsegmnt HTTP/1.1\r\n\r\n";
    let mut cap = Capture::new(1_700_000_000);
    cap.push(build::tcp_v4(c, s, 43000, 80, 1000, 0, SYN, first));
    let next = 1001 + first.len() as u32;
    cap.push(build::tcp_v4(s, c, 80, 43000, 5000, next, SYN | ACK, b""));
    cap.push(build::tcp_v4(c, s, 43000, 80, next, 5001, ACK, second));
    let pcap = dir.join("p.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        &format!(
            "alert tcp-pkt any any -> any 80 (content:\"secondseg\"; sid:1;)\n\
             alert tcp any any -> any 80 (dsize:{}; content:\"segmnt\"; sid:2;)\n",
            second.len()
        ),
    );
    let out = run_rules(&pcap, &rules, &dir, &["-k", "none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sids = alert_sids(&events(&dir));
    sids.sort_unstable();
    assert_eq!(sids, [1, 2]);
}

#[test]
fn records_of_a_vlan_tagged_flow_carry_its_vlan() {
    // Suricata writes the flow's VLAN ids into every record of the flow:
    // alerts, protocol records and the flow record alike.
    let dir = tmpdir("vlan-records");
    let b = warden_packet::build::Builder::new().vlan(1111);
    let (c, s): (std::net::IpAddr, std::net::IpAddr) =
        ([10, 5, 5, 1].into(), [10, 5, 5, 53].into());
    let mut cap = Capture::new(1_700_000_000);
    cap.push(b.udp(
        c,
        s,
        40000,
        53,
        &common::dns_query(0x4242, "tagged.example"),
    ));
    let pcap = dir.join("v.pcap");
    cap.write(&pcap);
    let rules = write(
        &dir,
        "r.rules",
        "alert dns any any -> any any (dns.query; content:\"tagged\"; sid:1;)\n",
    );
    let out = run_rules(&pcap, &rules, &dir, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev = events(&dir);
    for kind in ["alert", "dns", "flow"] {
        let e = ev
            .iter()
            .find(|e| e["event_type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} record"));
        assert_eq!(e["vlan"], serde_json::json!([1111]), "{kind}: {e}");
    }
}
