//! Inline IPS over NFQUEUE with real traffic: a client and a server in
//! their own network namespaces, on two subnets joined by a router
//! namespace whose firewall queues every forwarded packet to warden
//! (`warden -q N`):
//!
//! ```text
//! client ns: qc (10.216.s.1) ── veth ── [router ns: forward → queue N] ── veth ── qs (10.217.s.1) :server ns
//! ```
//!
//! The queue rule is written with nftables (`queue num N bypass`) when the
//! kernel has nft's queue expression, else with iptables (`-j NFQUEUE
//! --queue-num N --queue-bypass`, which also works on an nft-only kernel
//! through its compatibility layer). The server and the client are threads
//! of this test that enter their namespace and speak HTTP over the
//! kernel's TCP stack. Needs root, iproute2 and nft or iptables; without
//! them each test says why and passes without checking anything. Every
//! wait is bounded; namespaces and warden processes are removed when a
//! test ends, even when it fails.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

const SERVER_PORT: u16 = 8080;
const QUEUE: u16 = 5;
const BIG: usize = 4 << 20;
static NEXT: AtomicU32 = AtomicU32::new(0);

fn works(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Why these tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root".into());
    }
    if !works("ip", "-V") {
        return Some("iproute2 (`ip`) not found".into());
    }
    if !works("nft", "--version") && !works("iptables", "--version") {
        return Some("neither nft (nftables) nor iptables found".into());
    }
    None
}

/// Queues the topology's forwarded packets, or skips the test when
/// neither nft nor iptables can (e.g. a kernel without NFQUEUE).
macro_rules! queue_or_skip {
    ($t:expr, $bypass:expr) => {
        queue_or_skip!($t, $bypass, QUEUE, QUEUE)
    };
    ($t:expr, $bypass:expr, $v4:expr, $v6:expr) => {
        match $t.queue_forwarded_to($bypass, $v4, $v6) {
            Ok(tool) => tool,
            Err(why) => {
                eprintln!("skipped: cannot queue forwarded packets: {why}");
                return;
            }
        }
    };
}

macro_rules! require_netns {
    () => {
        if let Some(why) = unavailable() {
            eprintln!(
                "skipped: NFQUEUE namespace test needs root, iproute2 and nft or iptables: {why}"
            );
            return;
        }
    };
}

fn run(cmd: &str, args: &[&str], stdin: Option<&str>) -> Result<(), String> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if let (Some(text), Some(mut i)) = (stdin, child.stdin.take()) {
        let _ = i.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn ip(args: &[&str]) {
    run("ip", args, None).unwrap_or_else(|e| panic!("{e}"));
}

/// Client, router and server namespaces, deleted on drop.
struct Topology {
    client_ns: String,
    router_ns: String,
    server_ns: String,
    client_ip: String,
    server_ip: String,
    /// The server's IPv6 address (the client has one too).
    server_ip6: String,
}

impl Topology {
    fn new() -> Topology {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let id = (std::process::id() % 100_000) * 100 + n;
        let s = (id % 250) + 1;
        let t = Topology {
            client_ns: format!("wdq-c-{id}"),
            router_ns: format!("wdq-r-{id}"),
            server_ns: format!("wdq-s-{id}"),
            client_ip: format!("10.216.{s}.1"),
            server_ip: format!("10.217.{s}.1"),
            server_ip6: format!("fd00:217:{s}::1"),
        };
        for ns in [&t.client_ns, &t.router_ns, &t.server_ns] {
            ip(&["netns", "add", ns]);
        }
        for (ns, dev, rdev, net, addr) in [
            (
                &t.client_ns,
                format!("qc{id}"),
                format!("qrc{id}"),
                216,
                &t.client_ip,
            ),
            (
                &t.server_ns,
                format!("qs{id}"),
                format!("qrs{id}"),
                217,
                &t.server_ip,
            ),
        ] {
            ip(&["link", "add", &dev, "type", "veth", "peer", "name", &rdev]);
            ip(&["link", "set", &dev, "netns", ns]);
            ip(&["link", "set", &rdev, "netns", &t.router_ns]);
            let gw = format!("10.{net}.{s}.254");
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", &dev]);
            ip(&["-n", ns, "link", "set", &dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "route", "add", "default", "via", &gw]);
            ip(&[
                "-n",
                &t.router_ns,
                "addr",
                "add",
                &format!("{gw}/24"),
                "dev",
                &rdev,
            ]);
            ip(&["-n", &t.router_ns, "link", "set", &rdev, "up"]);
            // IPv6 beside it (no duplicate address detection: usable at once)
            let (a6, gw6) = (format!("fd00:{net}:{s}::1"), format!("fd00:{net}:{s}::fe"));
            ip(&[
                "-n",
                ns,
                "-6",
                "addr",
                "add",
                &format!("{a6}/64"),
                "dev",
                &dev,
                "nodad",
            ]);
            ip(&["-n", ns, "-6", "route", "add", "default", "via", &gw6]);
            let gw6 = format!("{gw6}/64");
            ip(&[
                "-n",
                &t.router_ns,
                "-6",
                "addr",
                "add",
                &gw6,
                "dev",
                &rdev,
                "nodad",
            ]);
        }
        ip(&[
            "netns",
            "exec",
            &t.router_ns,
            "sh",
            "-c",
            "echo 1 > /proc/sys/net/ipv4/ip_forward; \
             echo 1 > /proc/sys/net/ipv6/conf/all/forwarding",
        ]);
        t
    }

    /// Queues forwarded IPv4 packets to queue `v4`, IPv6 ones to `v6`;
    /// with `bypass`, packets pass while no program is bound to the queue.
    /// Returns the tool used, or why neither tool could do it.
    fn queue_forwarded_to(&self, bypass: bool, v4: u16, v6: u16) -> Result<&'static str, String> {
        let flag = if bypass { " bypass" } else { "" };
        let script = format!(
            "add table inet wardentest\n\
             add chain inet wardentest fwd {{ type filter hook forward priority 0; policy accept; }}\n\
             add rule inet wardentest fwd meta nfproto ipv4 queue num {v4}{flag}\n\
             add rule inet wardentest fwd meta nfproto ipv6 queue num {v6}{flag}\n"
        );
        let ns = self.router_ns.as_str();
        let nft = match run(
            "ip",
            &["netns", "exec", ns, "nft", "-f", "-"],
            Some(&script),
        ) {
            Ok(()) => return Ok("nft"),
            Err(e) => e,
        };
        // no nft queue expression in this kernel: the xtables target
        let _ = run(
            "ip",
            &[
                "netns",
                "exec",
                ns,
                "nft",
                "delete",
                "table",
                "inet",
                "wardentest",
            ],
            None,
        );
        for (tool, q) in [("iptables", v4), ("ip6tables", v6)] {
            let q = q.to_string();
            let mut args = vec![
                "netns",
                "exec",
                ns,
                tool,
                "-A",
                "FORWARD",
                "-j",
                "NFQUEUE",
                "--queue-num",
                &q,
            ];
            if bypass {
                args.push("--queue-bypass");
            }
            run("ip", &args, None).map_err(|e| format!("{nft}; {e}"))?;
        }
        Ok("iptables")
    }

    fn server_addr(&self) -> SocketAddr {
        format!("{}:{SERVER_PORT}", self.server_ip)
            .parse()
            .expect("address")
    }

    fn server_addr6(&self) -> SocketAddr {
        format!("[{}]:{SERVER_PORT}", self.server_ip6)
            .parse()
            .expect("address")
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for ns in [&self.client_ns, &self.router_ns, &self.server_ns] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Moves the calling thread into network namespace `ns`.
fn enter_netns(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).expect("open netns");
    use std::os::fd::AsRawFd;
    // SAFETY: a valid namespace descriptor; only this thread moves.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {ns}: {}", std::io::Error::last_os_error());
}

/// A tiny HTTP/1.1 server in the server namespace: 200 and a body for
/// every request (`/big` gets `BIG` bytes); request lines are logged.
struct Server {
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(t: &Topology) -> Server {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ns, addrs) = (t.server_ns.clone(), [t.server_addr(), t.server_addr6()]);
        let (log2, stop2) = (log.clone(), stop.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            enter_netns(&ns);
            let tcp = addrs.map(|a| {
                let l = TcpListener::bind(a).expect("bind server");
                l.set_nonblocking(true).expect("nonblocking");
                l
            });
            // UDP echo on the same port: a datagram is logged as "UDP text"
            let udp = UdpSocket::bind(addrs[0]).expect("bind udp");
            udp.set_nonblocking(true).expect("nonblocking");
            tx.send(()).expect("ready");
            let mut buf = [0u8; 2048];
            while !stop2.load(Ordering::Relaxed) {
                let mut idle = true;
                for l in &tcp {
                    match l.accept() {
                        Ok((s, _)) => {
                            serve(s, &log2);
                            idle = false;
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(_) => return,
                    }
                }
                if let Ok((n, from)) = udp.recv_from(&mut buf) {
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    log2.lock().unwrap().push(format!("UDP {text}"));
                    let _ = udp.send_to(&buf[..n], from);
                    idle = false;
                }
                if idle {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("server did not start");
        Server {
            log,
            stop,
            thread: Some(thread),
        }
    }

    fn saw_text(&self, line: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l == line)
    }

    fn saw(&self, path: &str) -> bool {
        self.log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.split(' ').nth(1) == Some(path))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut s: TcpStream, log: &Mutex<Vec<String>>) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let mut req = Vec::new();
    let mut buf = [0u8; 2048];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16384 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req);
    let line = text.lines().next().unwrap_or("").to_string();
    let big = line.split(' ').nth(1) == Some("/big");
    log.lock().unwrap().push(line);
    let body: Vec<u8> = if big {
        (0..BIG).map(|i| (i % 251) as u8).collect()
    } else {
        b"hello from the server\n".to_vec()
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(&body);
}

/// What the client saw.
#[derive(Debug)]
enum Outcome {
    /// The whole response arrived: status code and body length.
    Response(u16, usize),
    /// The connection was reset, this long after the request was sent.
    Reset(Duration),
    /// Nothing (or not all) came back in time.
    TimedOut,
    /// Another error (its text shows in failure messages).
    Failed(#[allow(dead_code)] String),
}

/// GET `path` from the client namespace within `budget`.
fn get_within(t: &Topology, path: &str, budget: Duration) -> Outcome {
    get_from(t, t.server_addr(), path, budget)
}

/// GET `path` from `addr` in the client namespace within `budget`.
fn get_from(t: &Topology, addr: SocketAddr, path: &str, budget: Duration) -> Outcome {
    let (ns, path) = (t.client_ns.clone(), path.to_string());
    std::thread::spawn(move || {
        enter_netns(&ns);
        let deadline = Instant::now() + budget;
        let mut s = match TcpStream::connect_timeout(&addr, budget) {
            Ok(s) => s,
            Err(e) if e.kind() == ErrorKind::TimedOut => return Outcome::TimedOut,
            Err(e) => return Outcome::Failed(format!("connect: {e}")),
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
        let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nUser-Agent: warden-test\r\n\r\n");
        let sent = Instant::now();
        if let Err(e) = s.write_all(req.as_bytes()) {
            return Outcome::Failed(format!("write: {e}"));
        }
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                    return Outcome::Reset(sent.elapsed())
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Outcome::Failed(format!("read: {e}")),
            }
            if Instant::now() > deadline {
                return Outcome::TimedOut;
            }
        }
        parse_response(&got).unwrap_or(Outcome::TimedOut)
    })
    .join()
    .expect("client thread")
}

fn get(t: &Topology, path: &str) -> Outcome {
    get_within(t, path, Duration::from_secs(3))
}

fn parse_response(r: &[u8]) -> Option<Outcome> {
    let end = r.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&r[..end]);
    let code = head.split(' ').nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))?
        .trim()
        .parse()
        .ok()?;
    let body = r.len() - end - 4;
    (body == len).then_some(Outcome::Response(code, body))
}

/// A warden process in the router namespace; SIGTERM and reaped on drop.
struct Warden {
    child: Option<Child>,
    dir: PathBuf,
}

impl Warden {
    /// Starts `warden -q QUEUE <extra> -S rules -l dir` and waits (5 s at
    /// most) until its queue is bound.
    fn start(t: &Topology, extra: &[&str], rules: &str, name: &str) -> Warden {
        let dir = std::env::temp_dir().join(format!("warden-nfq-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("log dir");
        let rules_path = dir.join("test.rules");
        std::fs::write(&rules_path, rules).expect("rules");
        let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("stderr file");
        let child = Command::new("ip")
            .args(["netns", "exec", &t.router_ns, env!("CARGO_BIN_EXE_warden")])
            .args(["-q", &QUEUE.to_string()])
            .args(extra)
            .arg("-S")
            .arg(&rules_path)
            .arg("-l")
            .arg(dir.join("out"))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn warden");
        let mut w = Warden {
            child: Some(child),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !w.stderr().contains("nfqueue up on queue") {
            let exited = w.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "warden did not come up: {}",
                w.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        w
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            // SAFETY: signalling our own child by its pid (`ip netns exec`
            // execs warden in place).
            unsafe {
                libc::kill(c.id() as i32, sig);
            }
        }
    }

    /// SIGTERM, wait (5 s at most) and return the EVE events written.
    fn stop(mut self) -> Vec<Value> {
        let clean = self.terminate();
        assert!(clean, "warden did not stop cleanly: {}", self.stderr());
        std::fs::read_to_string(self.dir.join("out").join("eve.json"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        // SAFETY: signalling our own child by its pid.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGCONT);
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for Warden {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn of_type<'a>(ev: &'a [Value], t: &str) -> Vec<&'a Value> {
    ev.iter().filter(|e| e["event_type"] == t).collect()
}

#[test]
fn benign_requests_pass_the_queue_and_a_drop_rule_blocks_its_uri() {
    require_netns!();
    let t = Topology::new();
    let tool = queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(
        &t,
        &[],
        "drop http any any -> any any (msg:\"blocked uri\"; http.uri; content:\"/forbidden\"; sid:2001;)\n",
        "drop",
    );
    match get(&t, "/hello") {
        Outcome::Response(200, _) => {}
        other => panic!("benign request through the queue ({tool}): {other:?}"),
    }
    match get(&t, "/big") {
        Outcome::Response(200, n) => assert_eq!(n, BIG),
        other => panic!("large transfer through the queue: {other:?}"),
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
    // only the offending flow is dropped
    assert!(matches!(get(&t, "/hello"), Outcome::Response(200, _)));
    let ev = w.stop();
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert"]["signature_id"], 2001);
    assert_eq!(alerts[0]["alert"]["action"], "blocked");
    // the client's retransmissions of the request are dropped with the flow
    assert!(of_type(&ev, "drop").len() >= 2);
    // periodic stats events may come first; the last is written at shutdown
    let stats = of_type(&ev, "stats");
    let last = stats.last().expect("stats written at shutdown");
    assert!(last["stats"]["ips"]["blocked"].as_u64().unwrap_or(0) >= 1);
}

#[test]
fn a_reject_rule_resets_the_client_within_a_second() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(
        &t,
        &[],
        "reject http any any -> any any (msg:\"rejected uri\"; http.uri; content:\"/reject-me\"; sid:2002;)\n",
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
    assert_eq!(
        of_type(&ev, "stats").last().unwrap()["stats"]["ips"]["rejected"],
        1
    );
}

#[test]
fn a_pass_rule_ahead_of_a_drop_rule_lets_the_request_through() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(
        &t,
        &[],
        "drop http any any -> any any (msg:\"drop admin\"; http.uri; content:\"/admin\"; sid:2003;)\n\
         pass http any any -> any any (msg:\"allow admin/status\"; http.uri; content:\"/admin/status\"; sid:2004;)\n",
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
    assert_eq!(sids.iter().filter(|s| **s == 2003).count(), 1, "{sids:?}");
}

#[test]
fn with_the_bypass_flag_traffic_flows_while_no_warden_is_attached() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    // nobody bound to the queue: the kernel accepts (the rule's bypass)
    match get(&t, "/unattended") {
        Outcome::Response(200, _) => {}
        other => panic!("the bypass flag must let traffic through: {other:?}"),
    }
    assert!(server.saw("/unattended"));
    // an engine that stops gives the queue back: traffic flows again
    let w = Warden::start(
        &t,
        &[],
        "drop http any any -> any any (msg:\"blocked\"; http.uri; content:\"/forbidden\"; sid:2005;)\n",
        "bypass",
    );
    assert!(matches!(get(&t, "/forbidden"), Outcome::TimedOut));
    w.stop();
    match get(&t, "/forbidden-after-stop") {
        Outcome::Response(200, _) => {}
        other => panic!("after warden stopped, bypass must apply again: {other:?}"),
    }
}

#[test]
fn without_the_bypass_flag_nothing_crosses_while_no_warden_is_attached() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, false);
    let server = Server::start(&t);
    let r = get_within(&t, "/unattended", Duration::from_millis(800));
    assert!(matches!(r, Outcome::TimedOut), "{r:?}");
    assert!(!server.saw("/unattended"));
    let w = Warden::start(&t, &[], "", "nobypass");
    assert!(matches!(get(&t, "/attended"), Outcome::Response(200, _)));
    w.stop();
}

/// Fills the queue with one UDP datagram while warden is stopped
/// (SIGSTOP), then asks for a page: with a queue of length 1, every packet
/// of the request finds the queue full.
fn request_while_the_queue_is_full(t: &Topology, w: &Warden) -> Outcome {
    w.signal(libc::SIGSTOP);
    let (ns, to) = (t.client_ns.clone(), format!("{}:9", t.server_ip));
    std::thread::spawn(move || {
        enter_netns(&ns);
        let s = UdpSocket::bind("0.0.0.0:0").expect("udp socket");
        s.send_to(b"fill the queue", &to).expect("udp send");
    })
    .join()
    .expect("udp sender");
    std::thread::sleep(Duration::from_millis(50));
    let r = get_within(t, "/while-full", Duration::from_millis(1500));
    w.signal(libc::SIGCONT);
    r
}

#[test]
fn a_full_queue_accepts_uninspected_by_default_and_drops_when_fail_closed() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(&t, &["--set", "nfq.queue-maxlen=1"], "", "failopen");
    match request_while_the_queue_is_full(&t, &w) {
        Outcome::Response(200, _) => {}
        other => panic!("fail-open: a full queue must accept: {other:?}"),
    }
    assert!(server.saw("/while-full"));
    w.stop();

    let w = Warden::start(
        &t,
        &["--set", "nfq.queue-maxlen=1", "--nfq-fail-closed"],
        "",
        "failclosed",
    );
    assert!(w.stderr().contains("fail-closed when full"));
    let r = request_while_the_queue_is_full(&t, &w);
    assert!(
        matches!(r, Outcome::TimedOut),
        "fail-closed must drop: {r:?}"
    );
    // once warden reads again, traffic is inspected and flows
    assert!(matches!(get(&t, "/after"), Outcome::Response(200, _)));
    w.stop();
}

#[test]
fn queue_mode_refuses_other_packet_sources_and_the_bridge_supervisor() {
    let cases: [&[&str]; 4] = [
        &["-q", "0", "-r", "capture.pcap"],
        &["-q", "0", "-Q", "-i", "a0:b0"],
        &["-q", "0", "--fail-open"],
        &["--nfq-fail-closed", "-r", "capture.pcap"],
    ];
    for args in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_warden"))
            .args(args)
            .output()
            .expect("run warden");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(
            err.contains("-q") || err.contains("NFQUEUE"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn over_ipv6_requests_pass_and_a_reject_rule_resets_the_client() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(
        &t,
        &[],
        "reject http any any -> any any (msg:\"rejected uri v6\"; http.uri; content:\"/reject-me\"; sid:2006;)\n",
        "ipv6",
    );
    let budget = Duration::from_secs(3);
    match get_from(&t, t.server_addr6(), "/hello6", budget) {
        Outcome::Response(200, _) => {}
        other => panic!("benign IPv6 request through the queue: {other:?}"),
    }
    // the reset is an IPv6 packet warden sends through its raw socket
    match get_from(&t, t.server_addr6(), "/reject-me", budget) {
        Outcome::Reset(after) => assert!(after < Duration::from_secs(1), "reset after {after:?}"),
        other => panic!("a rejected IPv6 request must see a reset, got {other:?}"),
    }
    assert!(server.saw("/hello6") && !server.saw("/reject-me"));
    let ev = w.stop();
    let alerts = of_type(&ev, "alert");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    // EVE writes IPv6 addresses in full, as Suricata does
    let dest: std::net::IpAddr = alerts[0]["dest_ip"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("dest_ip");
    assert_eq!(dest, t.server_ip6.parse::<std::net::IpAddr>().expect("ip"));
}

#[test]
fn a_reject_rule_on_udp_answers_port_unreachable() {
    require_netns!();
    let t = Topology::new();
    queue_or_skip!(t, true);
    let server = Server::start(&t);
    let w = Warden::start(
        &t,
        &[],
        "reject udp any any -> any any (msg:\"rejected datagram\"; content:\"reject-me\"; sid:2007;)\n",
        "udp",
    );
    let (ns, to) = (
        t.client_ns.clone(),
        format!("{}:{SERVER_PORT}", t.server_ip),
    );
    let (echo, refused) = std::thread::spawn(move || {
        enter_netns(&ns);
        let s = UdpSocket::bind("0.0.0.0:0").expect("udp socket");
        s.connect(&to).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(1)))
            .expect("timeout");
        let mut buf = [0u8; 64];
        s.send(b"hello").expect("send");
        let echo = s.recv(&mut buf).map(|n| buf[..n].to_vec());
        s.send(b"please reject-me").expect("send");
        let sent = Instant::now();
        let refused = s
            .recv(&mut buf)
            .map(|_| ())
            .map_err(|e| (e.kind(), sent.elapsed()));
        (echo, refused)
    })
    .join()
    .expect("udp client");
    assert_eq!(echo.expect("echo of the benign datagram"), b"hello");
    match refused {
        Err((ErrorKind::ConnectionRefused, after)) => {
            assert!(after < Duration::from_secs(1), "{after:?}")
        }
        other => panic!("the rejected datagram must be refused (ICMP port unreachable): {other:?}"),
    }
    assert!(server.saw_text("UDP hello"));
    assert!(!server.saw_text("UDP please reject-me"));
    let ev = w.stop();
    assert_eq!(
        of_type(&ev, "stats").last().unwrap()["stats"]["ips"]["rejected"],
        1
    );
}

/// Packets each queue handed out so far (`id_sequence` of
/// /proc/net/netfilter/nfnetlink_queue in the router namespace).
fn queue_ids(t: &Topology) -> Vec<(u16, u64)> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &t.router_ns,
            "cat",
            "/proc/net/netfilter/nfnetlink_queue",
        ])
        .output()
        .expect("read queue table");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((f.first()?.parse().ok()?, f.get(7)?.parse().ok()?))
        })
        .collect()
}

#[test]
fn several_queues_are_served_by_one_engine_and_each_is_enforced() {
    require_netns!();
    let t = Topology::new();
    // IPv4 to one queue, IPv6 to the next
    queue_or_skip!(t, true, QUEUE, QUEUE + 1);
    let server = Server::start(&t);
    let second = (QUEUE + 1).to_string();
    let w = Warden::start(
        &t,
        &["-q", &second],
        "drop http any any -> any any (msg:\"blocked uri\"; http.uri; content:\"/forbidden\"; sid:2008;)\n",
        "multi",
    );
    assert!(w.stderr().contains(&format!("on queue {QUEUE}, {second}")));
    let budget = Duration::from_secs(3);
    for (addr, tag) in [(t.server_addr(), "4"), (t.server_addr6(), "6")] {
        match get_from(&t, addr, &format!("/hello{tag}"), budget) {
            Outcome::Response(200, _) => {}
            other => panic!("IPv{tag} request: {other:?}"),
        }
        let r = get_from(
            &t,
            addr,
            &format!("/forbidden{tag}"),
            Duration::from_millis(1200),
        );
        assert!(matches!(r, Outcome::TimedOut), "IPv{tag}: {r:?}");
        assert!(!server.saw(&format!("/forbidden{tag}")));
    }
    let ids = queue_ids(&t);
    assert_eq!(ids.len(), 2, "both queues bound: {ids:?}");
    assert!(ids.iter().all(|(_, n)| *n > 0), "both queues used: {ids:?}");
    let ev = w.stop();
    assert_eq!(of_type(&ev, "alert").len(), 2);
}

#[test]
fn the_control_socket_reloads_reports_and_shadows_in_queue_mode() {
    use common::netns::{control_socket, ctl};
    require_netns!();
    let t = Topology::new();
    let _tool = queue_or_skip!(t, true);
    let server = Server::start(&t);
    let sock = control_socket("nfq");
    let drop_uri = |uri: &str, sid: u32| {
        format!("drop http any any -> any any (msg:\"blocked {uri}\"; http.uri; content:\"{uri}\"; sid:{sid};)\n")
    };
    let w = Warden::start(
        &t,
        &["--unix-socket", sock.to_str().unwrap()],
        &drop_uri("/one", 1),
        "nfq-ctl",
    );
    assert!(matches!(get(&t, "/one"), Outcome::TimedOut));
    let (code, out, err) = ctl(&sock, &["version"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"nfqueue\""), "{out}");
    let (code, _, err) = ctl(&sock, &["bypass", "on"]);
    assert_eq!(code, 1);
    assert!(err.contains("NFQUEUE"), "{err}");

    std::fs::write(w.dir.join("test.rules"), drop_uri("/two", 2)).unwrap();
    let (code, out, err) = ctl(&sock, &["reload"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["generation"],
        2
    );
    assert!(matches!(get(&t, "/one"), Outcome::Response(200, _)));
    assert!(matches!(get(&t, "/two"), Outcome::TimedOut));
    let (code, _, _) = ctl(&sock, &["shadow", "2", "on"]);
    assert_eq!(code, 0);
    assert!(matches!(get(&t, "/two"), Outcome::Response(200, _)));
    assert!(server.saw("/two"));

    let (code, out, err) = ctl(&sock, &["stats"]);
    assert_eq!(code, 0, "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    assert!(s["decoder"]["pkts"].as_u64().unwrap() > 0, "{s}");
    assert!(s["capture"]["nfq"]["accepted"].as_u64().unwrap() > 0, "{s}");
    assert_eq!(s["warden"]["ruleset"]["generation"], 2);
    let ev = w.stop();
    let actions: Vec<(u64, &str)> = of_type(&ev, "alert")
        .iter()
        .map(|a| {
            (
                a["warden"]["ruleset"]["generation"].as_u64().unwrap(),
                a["alert"]["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(actions.contains(&(1, "blocked")), "{actions:?}");
    assert!(actions.contains(&(2, "blocked")), "{actions:?}");
    assert!(actions.contains(&(2, "would_drop")), "{actions:?}");
}
