//! The control socket's ruleset and stats commands against a real warden
//! bridging a client and a server inline (`-Q -i A:B --unix-socket`, the
//! namespace test bed of `common::netns`), driven by `warden ctl` as an
//! operator would: `reload`, `rollback`, `ruleset-diff` (and `-T` against
//! the running warden), `rules`, `stats` with periodic stats events,
//! `shadow`, malformed requests and a client that leaves mid-request.
//! Needs root and iproute2; each test says why and passes otherwise.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::netns::*;

fn drop_uri(uri: &str, sid: u32) -> String {
    format!(
        "drop http any any -> any any (msg:\"blocked {uri}\"; http.uri; content:\"{uri}\"; sid:{sid}; rev:1;)\n"
    )
}

/// An inline warden with a control socket; extra arguments after them.
fn start(t: &Topology, rules: &str, name: &str, extra: &[&str]) -> (Warden, std::path::PathBuf) {
    let sock = control_socket(name);
    let mut args = inline_args(t);
    args.extend(["--unix-socket".into(), sock.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (Warden::start(&t.warden_ns, &args, rules, name), sock)
}

fn ctl_json(sock: &Path, args: &[&str]) -> Value {
    let (code, out, err) = ctl(sock, args);
    assert_eq!(code, 0, "warden ctl {args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn blocked(t: &Topology, path: &str) -> bool {
    matches!(get(t, path), Outcome::TimedOut)
}

fn passes(t: &Topology, path: &str) -> bool {
    matches!(get(t, path), Outcome::Response(200, _))
}

/// Alerts (and drops) of `sid` in the events, with their ruleset tag.
fn tagged(ev: &[Value], kind: &str, sid: u64) -> Vec<(u64, String)> {
    of_type(ev, kind)
        .into_iter()
        .filter(|e| e["alert"]["signature_id"] == sid)
        .map(|e| {
            let r = &e["warden"]["ruleset"];
            (
                r["generation"].as_u64().unwrap_or(0),
                r["hash"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn reload_waits_for_its_outcome_and_events_carry_the_generation() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let (w, sock) = start(&t, &drop_uri("/one", 1), "reload", &[]);
    let rules = w.log_dir.join("test.rules");
    assert!(blocked(&t, "/one"));
    let first = ctl_json(&sock, &["rules"]);
    assert_eq!(first["generation"], 1);

    // a good ruleset: ok with generation, hash and counts
    std::fs::write(&rules, drop_uri("/two", 2)).unwrap();
    let r = ctl_json(&sock, &["reload"]);
    assert_eq!(r["generation"], 2, "{r}");
    assert_eq!(r["rules"]["loaded"], 1);
    assert_eq!(r["rules"]["failed"], 0);
    let hash2 = r["hash"].as_str().unwrap().to_string();
    assert_eq!(hash2.len(), 16);
    assert_ne!(first["hash"].as_str().unwrap(), hash2);
    assert!(blocked(&t, "/two") && passes(&t, "/one"));

    // a broken one: refused with every reason, exit 1, nothing changes
    std::fs::write(
        &rules,
        format!(
            "{}alert tcp any any -> any any (msg:\"bad\"; pcre:\"/(/\"; sid:3;)\nalert tcp $NOPE any -> any any (msg:\"bad\"; sid:4;)\n",
            drop_uri("/three", 5)
        ),
    )
    .unwrap();
    let (code, out, err) = ctl(&sock, &["reload"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("2 invalid rule(s)"), "{err}");
    assert!(err.contains("generation 2 still live"), "{err}");
    assert!(
        err.contains("test.rules:2:") && err.contains("pcre"),
        "file:line and message: {err}"
    );
    assert!(
        err.contains("test.rules:3:") && err.contains("$NOPE"),
        "every reason: {err}"
    );
    assert_eq!(ctl_json(&sock, &["rules"])["generation"], 2);
    assert!(passes(&t, "/three") && blocked(&t, "/two"));

    // concurrent requests: every one answered, coalesced into few builds
    std::fs::write(&rules, drop_uri("/four", 6)).unwrap();
    let clients: Vec<_> = (0..6)
        .map(|_| {
            let sock = sock.clone();
            std::thread::spawn(move || ctl(&sock, &["reload"]))
        })
        .collect();
    let mut generations = Vec::new();
    for c in clients {
        let (code, out, err) = c.join().unwrap();
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        generations.push(v["generation"].as_u64().unwrap());
    }
    let last = *generations.iter().max().unwrap();
    assert!(generations.iter().all(|g| *g >= 3), "{generations:?}");
    assert!(last < 3 + 6, "coalesced: {generations:?}");
    assert!(blocked(&t, "/four"));

    assert!(server.saw("/three"), "a refused ruleset never applied");
    let ev = w.stop();
    // alerts and drops name the ruleset that produced them
    let gen1: Vec<_> = tagged(&ev, "alert", 1);
    assert!(
        !gen1.is_empty() && gen1.iter().all(|(g, _)| *g == 1),
        "{gen1:?}"
    );
    let gen2 = tagged(&ev, "alert", 2);
    assert!(!gen2.is_empty() && gen2.iter().all(|(g, h)| *g == 2 && *h == hash2));
    let drops = tagged(&ev, "drop", 2);
    assert!(!drops.is_empty() && drops.iter().all(|(g, h)| *g == 2 && *h == hash2));
    // and so does the stats event
    let stats = of_type(&ev, "stats");
    let last_stats = stats.last().expect("a stats event at the end");
    assert_eq!(last_stats["stats"]["warden"]["ruleset"]["generation"], last);
    assert_eq!(
        last_stats["stats"]["warden"]["ruleset"]["reloads_failed"],
        1
    );
}

#[test]
fn rollback_returns_to_the_previous_kept_ruleset() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let _server = Server::start(&t);
    let (w, sock) = start(&t, &drop_uri("/one", 1), "rollback", &[]);
    let rules = w.log_dir.join("test.rules");
    let (code, _, err) = ctl(&sock, &["rollback"]);
    assert_eq!(code, 1);
    assert!(err.contains("no earlier ruleset"), "{err}");

    std::fs::write(&rules, drop_uri("/two", 2)).unwrap();
    assert_eq!(ctl_json(&sock, &["reload"])["generation"], 2);
    assert!(blocked(&t, "/two") && passes(&t, "/one"));
    let r = ctl_json(&sock, &["rollback"]);
    assert_eq!(r["generation"], 1, "{r}");
    assert_eq!(r["kept"], serde_json::json!([1]));
    assert!(blocked(&t, "/one") && passes(&t, "/two"));
    assert_eq!(ctl_json(&sock, &["rules"])["generation"], 1);
    // the next reload gets a new generation number
    assert_eq!(ctl_json(&sock, &["reload"])["generation"], 3);
    let ev = w.stop();
    let after = tagged(&ev, "alert", 1);
    assert!(after.iter().any(|(g, _)| *g == 1));
}

#[test]
fn rules_and_ruleset_diff_describe_the_live_ruleset_and_a_candidate() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let base = format!(
        "{}alert http any any -> any any (msg:\"watch\"; http.uri; content:\"/w\"; sid:10; rev:1;)\n\
         alert http any any -> any any (msg:\"soon drop\"; http.uri; content:\"/s\"; sid:11; rev:1;)\n\
         alert http any any -> any any (msg:\"gone\"; http.uri; content:\"/g\"; sid:12; rev:1;)\n\
         alert tcp any any -> any any (msg:\"skipped\"; tls.version:1.2; sid:13;)\n",
        drop_uri("/one", 1)
    );
    let (w, sock) = start(&t, &base, "diff", &[]);
    let r = ctl_json(&sock, &["rules"]);
    assert_eq!(r["rules"]["loaded"], 4, "{r}");
    assert_eq!(r["rules"]["skipped"], 1);
    assert_eq!(r["rules"]["by_action"]["drop"], 1);
    assert_eq!(r["rules"]["by_action"]["alert"], 3);
    assert_eq!(r["hash"].as_str().unwrap().len(), 16);
    assert!(r.get("index").is_none());
    assert_eq!(
        ctl_json(&sock, &["rules", "index"])["index"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let candidate = w.log_dir.join("candidate.rules");
    std::fs::write(
        &candidate,
        format!(
            "{}alert http any any -> any any (msg:\"watch\"; http.uri; content:\"/w2\"; sid:10; rev:2;)\n\
             drop http any any -> any any (msg:\"soon drop\"; http.uri; content:\"/s\"; sid:11; rev:1;)\n\
             reject http any any -> any any (msg:\"new\"; http.uri; content:\"/n\"; sid:14; rev:1;)\n",
            drop_uri("/one", 1)
        ),
    )
    .unwrap();
    let d = ctl_json(&sock, &["ruleset-diff", candidate.to_str().unwrap()]);
    let sids = |k: &str| -> Vec<u64> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|e| e["sid"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(sids("added"), [14], "{d}");
    assert_eq!(sids("removed"), [12]);
    assert_eq!(sids("changed"), [10, 11]);
    assert_eq!(sids("drop_reject_new"), [14]);
    assert_eq!(sids("drop_reject_widened"), [11]);
    assert_eq!(d["changed"][0]["rev"], serde_json::json!([1, 2]));
    assert_eq!(d["against"]["generation"], 1);
    assert_eq!(d["identical"], false);
    // without a path: the running rule files, unchanged
    let same = ctl_json(&sock, &["ruleset-diff"]);
    assert_eq!(same["identical"], true, "{same}");
    assert_eq!(same["summary"]["changed"], 0);
    // a file that does not exist is refused
    let (code, _, err) = ctl(&sock, &["ruleset-diff", "/nonexistent/x.rules"]);
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");

    // -T tells what the candidate would change against the running warden
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-T", "-S"])
        .arg(&candidate)
        .arg("--unix-socket")
        .arg(&sock)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("against the running warden (generation 1")
            && err.contains("1 added, 1 removed, 2 changed; drop/reject: 1 new, 1 widened")
            && err.contains("widened to drop/reject: sid 11 (alert -> drop)"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-T", "--json", "-S"])
        .arg(&candidate)
        .arg("--unix-socket")
        .arg(&sock)
        .output()
        .unwrap();
    let diff = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "diff")
        .expect("a diff record");
    assert_eq!(diff["summary"]["drop_reject_new"], 1);
    drop(w);
}

#[test]
fn stats_answers_the_counters_and_eve_gets_periodic_stats_events() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let _server = Server::start(&t);
    // the metrics endpoint listens on the warden namespace's loopback
    ip(&["-n", &t.warden_ns, "link", "set", "lo", "up"]);
    let (w, sock) = start(
        &t,
        &drop_uri("/one", 1),
        "stats",
        &[
            "--set",
            "stats.interval=1",
            "--set",
            "stats.prometheus.listen=127.0.0.1:0",
        ],
    );
    assert!(passes(&t, "/x"));
    assert!(blocked(&t, "/one"));
    let s = ctl_json(&sock, &["stats"]);
    assert!(s["decoder"]["pkts"].as_u64().unwrap() > 0, "{s}");
    assert!(s["capture"]["kernel_packets"].as_u64().unwrap() > 0, "{s}");
    assert!(s["flow"]["tcp"].as_u64().unwrap() >= 2);
    assert!(s["ips"]["blocked"].as_u64().unwrap() >= 1);
    assert!(s["ips"]["drop_reason"]["rules"].as_u64().unwrap() >= 1);
    assert!(s["app_layer"]["flow"].is_object());
    assert!(s["detect"]["alert"].as_u64().unwrap() >= 1);
    assert_eq!(s["warden"]["ruleset"]["generation"], 1);
    assert_eq!(s["warden"]["ruleset"]["reloads_ok"], 0);
    assert!(s["tcp"].is_object() || s["stream"].is_object());
    // periodic events while running, one second apart
    let deadline = Instant::now() + Duration::from_secs(6);
    let periodic = loop {
        let n = of_type(&events(&w.log_dir.join("out")), "stats").len();
        if n >= 2 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(periodic >= 2, "{periodic} stats events in 6 s");
    // the same counters in Prometheus text format
    let err = w.stderr();
    let url = err
        .lines()
        .find_map(|l| l.strip_prefix("warden: prometheus metrics on http://"))
        .expect("metrics address on stderr")
        .trim_end_matches("/metrics")
        .to_string();
    let ns = t.warden_ns.clone();
    let scrape = |path: &'static str| {
        let (ns, url) = (ns.clone(), url.clone());
        std::thread::spawn(move || {
            enter_netns(&ns);
            let mut s = std::net::TcpStream::connect(&url).expect("connect metrics");
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut body = String::new();
            std::io::Read::read_to_string(&mut s, &mut body).unwrap();
            body
        })
        .join()
        .unwrap()
    };
    let metrics = scrape("/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
    let sample = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    assert!(sample("warden_decoder_pkts") > 0);
    assert!(sample("warden_ips_drop_reason_rules") >= 1);
    assert!(metrics.contains("warden_ruleset_info{generation=\"1\",hash=\""));
    assert!(metrics.contains("warden_detect_engines_rules_loaded{engine=\"0\"} 1"));
    assert!(scrape("/other").starts_with("HTTP/1.1 404"));
    assert_eq!(ctl(&sock, &["stats", "now"]).0, 1);
    let ev = w.stop();
    let all = of_type(&ev, "stats");
    assert!(all.len() > periodic);
    let last = all.last().unwrap();
    assert!(last["stats"]["decoder"]["pkts"].as_u64().unwrap() > 0);
}

#[test]
fn shadow_lets_a_drop_rule_alert_as_would_drop_without_blocking() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let rules = format!(
        "{}drop http any any -> any any (msg:\"static shadow\"; http.uri; content:\"/quiet\"; metadata: warden_mode shadow; sid:2; rev:1;)\n\
         alert http any any -> any any (msg:\"watch\"; http.uri; content:\"/w\"; sid:3; rev:1;)\n",
        drop_uri("/one", 1)
    );
    let (w, sock) = start(&t, &rules, "shadow", &[]);
    assert!(blocked(&t, "/one"));
    assert!(passes(&t, "/quiet"), "metadata warden_mode shadow");
    let r = ctl_json(&sock, &["shadow", "1", "on"]);
    assert_eq!(r["shadow"], "on");
    assert_eq!(r["changed"], true);
    assert!(passes(&t, "/one"), "in shadow, sid 1 blocks nothing");
    assert!(server.saw("/one"));
    assert_eq!(
        ctl_json(&sock, &["rules"])["shadow"],
        serde_json::json!(["1"])
    );
    assert_eq!(ctl_json(&sock, &["rules"])["rules"]["in_shadow"], 2);
    // kept across a reload
    assert_eq!(ctl_json(&sock, &["reload"])["generation"], 2);
    assert!(passes(&t, "/one"));
    let r = ctl_json(&sock, &["shadow", "1", "off"]);
    assert_eq!(r["changed"], true);
    assert!(blocked(&t, "/one"));
    // refusals: an alert rule, an unknown sid, a static shadow, bad words
    for (args, says) in [
        (&["shadow", "3", "on"][..], "drop and reject rules"),
        (&["shadow", "99", "on"], "no rule with sid 99"),
        (&["shadow", "2", "off"], "by its own metadata"),
        (&["shadow", "1", "maybe"], "on or off"),
        (&["shadow", "one", "on"], "not a rule id"),
        (&["shadow", "1"], "expected 2 arguments"),
    ] {
        let (code, _, err) = ctl(&sock, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let ev = w.stop();
    let actions = |sid: u64| -> Vec<String> {
        of_type(&ev, "alert")
            .into_iter()
            .filter(|e| e["alert"]["signature_id"] == sid)
            .map(|e| e["alert"]["action"].as_str().unwrap().to_string())
            .collect()
    };
    let one = actions(1);
    assert!(one.iter().any(|a| a == "would_drop"), "{one:?}");
    assert!(one.iter().any(|a| a == "blocked"), "{one:?}");
    assert!(actions(2).iter().all(|a| a == "would_drop"));
    assert!(!actions(2).is_empty());
}

/// Sends raw lines and reads one reply per line.
fn raw(sock: &Path, lines: &[&str]) -> Vec<Value> {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    lines
        .iter()
        .map(|l| {
            s.write_all(l.as_bytes()).unwrap();
            s.write_all(b"\n").unwrap();
            let mut reply = String::new();
            r.read_line(&mut reply).unwrap();
            serde_json::from_str(&reply).unwrap()
        })
        .collect()
}

#[test]
fn malformed_requests_are_refused_and_a_client_leaving_mid_request_harms_nothing() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let (w, sock) = start(&t, &drop_uri("/one", 1), "malformed", &[]);
    let replies = raw(
        &sock,
        &[
            "reload please",
            "{\"command\":",
            "[\"reload\"]",
            "{\"command\":\"reload\",\"args\":\"now\"}",
            "{\"command\":\"reload\",\"force\":true}",
            "{\"command\":\"relaod\"}",
            "{\"command\":\"reload\",\"args\":[\"now\"]}",
            "{\"command\":\"rollback\",\"args\":[\"2\"]}",
            "{\"command\":\"stats\",\"args\":[\"x\"]}",
            "{\"command\":\"rules\",\"args\":[\"a\",\"b\"]}",
            "{\"command\":\"shadow\",\"args\":[\"1\",\"on\",\"x\"]}",
            "{\"command\":\"rules\"}",
        ],
    );
    let errors: Vec<&str> = replies
        .iter()
        .take(11)
        .map(|r| {
            assert_eq!(r["ok"], false, "{r}");
            r["error"].as_str().unwrap()
        })
        .collect();
    assert!(errors[0].contains("not JSON"));
    assert!(errors[2].contains("JSON object"));
    assert!(errors[3].contains("\"args\""));
    assert!(errors[4].contains("unknown field \"force\""));
    assert!(errors[5].contains("unknown command \"relaod\"") && errors[5].contains("reload"));
    assert!(errors[6].contains("usage: reload"));
    assert_eq!(replies[11]["ok"], true, "the connection still serves");

    // a client that sends half a request and leaves: nothing runs
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"{\"command\":\"rel").unwrap();
    drop(s);
    // a client that asks for a reload and leaves before the answer: the
    // reload happens, the server keeps serving
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"{\"command\":\"reload\"}\n").unwrap();
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = ctl_json(&sock, &["rules"]);
        if r["generation"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the abandoned reload ran: {r}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, out, _) = ctl(&sock, &["version"]);
    assert_eq!(code, 0);
    assert!(out.contains("inline"));
    let ev = w.stop();
    assert!(!of_type(&ev, "stats").is_empty());
}

#[test]
fn a_canary_with_a_different_verdict_refuses_the_reload() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let _server = Server::start(&t);
    // the canary: one request for /one; its packet (4) and the server's
    // acknowledgement of it (5, same flow) must be dropped, the handshake
    // must pass
    let dir = std::env::temp_dir().join(format!("warden-canary-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cap = common::Capture::new(1_767_225_600);
    let mut c = common::Tcp::new([10, 9, 0, 1], 40000, [10, 9, 0, 2], 80);
    c.handshake(&mut cap);
    c.send(&mut cap, b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
    cap.write(&dir.join("canary.pcap"));
    let config = dir.join("warden.yaml");
    std::fs::write(
        &config,
        "reload:\n  canary:\n    capture: canary.pcap\n    drop: [4, 5]\n",
    )
    .unwrap();
    let (w, sock) = start(
        &t,
        &drop_uri("/one", 1),
        "canary",
        &["-c", config.to_str().unwrap()],
    );
    let rules = w.log_dir.join("test.rules");
    // a ruleset that no longer drops /one fails the canary
    std::fs::write(
        &rules,
        "alert http any any -> any any (msg:\"only alerts\"; http.uri; content:\"/one\"; sid:1; rev:2;)\n",
    )
    .unwrap();
    let (code, _, err) = ctl(&sock, &["reload"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("canary")
            && err.contains("packet 4: expected drop, got accept")
            && err.contains("packet 5: expected drop, got accept"),
        "{err}"
    );
    assert!(err.contains("generation 1 still live"), "{err}");
    assert!(blocked(&t, "/one"), "the running ruleset still blocks");
    // one that also drops the handshake's SYN fails it the other way
    std::fs::write(
        &rules,
        format!(
            "{}drop tcp any any -> any 80 (msg:\"syn\"; flags:S; sid:9;)\n",
            drop_uri("/one", 1)
        ),
    )
    .unwrap();
    let (code, _, err) = ctl(&sock, &["reload"]);
    assert_eq!(code, 1);
    assert!(err.contains("packet 1: expected accept, got drop"), "{err}");
    // a ruleset that keeps the verdicts goes live
    std::fs::write(
        &rules,
        format!("{}{}", drop_uri("/one", 1), drop_uri("/two", 2)),
    )
    .unwrap();
    let r = ctl_json(&sock, &["reload"]);
    assert_eq!(r["generation"], 2);
    assert!(blocked(&t, "/two"));
    assert!(w.stderr().contains("canary: every verdict as expected"));
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}
