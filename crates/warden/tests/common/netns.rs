//! Network-namespace test bed shared by the live-mode tests: a client and
//! a server namespace joined through warden's interface pair in a third
//! one (or directly), a tiny HTTP server and client on the kernel's TCP
//! stack, a warden process in its namespace, and `warden ctl`.
//!
//! ```text
//! client ns: c0 (10.x.y.1) ── veth ── A  [warden ns]  B ── veth ── s0 (10.x.y.2) :server ns
//! ```
//!
//! The server and the client are threads that enter their namespace
//! (`setns` affects only the calling thread). Needs root and iproute2
//! (`ip`); [`require_netns!`] makes a test say why and pass otherwise.
//! Every wait is bounded; namespaces and warden processes are removed on
//! drop, even when a test fails.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const SERVER_PORT: u16 = 8080;
pub static NEXT: AtomicU32 = AtomicU32::new(0);

/// Why these tests cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root".into());
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("iproute2 (`ip`) not found".into()),
    }
}

#[allow(unused_macros)]
macro_rules! require_netns {
    () => {
        if let Some(why) = unavailable() {
            eprintln!("skipped: inline namespace test needs root and iproute2: {why}");
            return;
        }
    };
}

pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three namespaces and two veth pairs, deleted on drop.
pub struct Topology {
    pub client_ns: String,
    pub server_ns: String,
    pub warden_ns: String,
    /// Warden's side of the client link and of the server link.
    pub side_a: String,
    pub side_b: String,
    /// The client's and the server's interfaces.
    pub client_if: String,
    pub server_if: String,
    pub client_ip: String,
    pub server_ip: String,
}

/// How the client and the server are joined.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Through warden's pair.
    Bridged,
    /// Directly (warden may watch the client's interface).
    Direct,
}

impl Topology {
    pub fn new(link: Link) -> Topology {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let id = (std::process::id() % 100_000) * 100 + n;
        let subnet = (id % 250) + 1;
        let t = Topology {
            client_ns: format!("wdn-c-{id}"),
            server_ns: format!("wdn-s-{id}"),
            warden_ns: format!("wdn-w-{id}"),
            side_a: format!("wa{id}"),
            side_b: format!("wb{id}"),
            client_if: format!("wc{id}"),
            server_if: format!("ws{id}"),
            client_ip: format!("10.213.{subnet}.1"),
            server_ip: format!("10.213.{subnet}.2"),
        };
        let server_if = t.server_if.clone();
        for ns in [&t.client_ns, &t.server_ns, &t.warden_ns] {
            ip(&["netns", "add", ns]);
        }
        if link != Link::Direct {
            ip(&[
                "link",
                "add",
                &t.client_if,
                "type",
                "veth",
                "peer",
                "name",
                &t.side_a,
            ]);
            ip(&[
                "link", "add", &server_if, "type", "veth", "peer", "name", &t.side_b,
            ]);
            ip(&["link", "set", &t.side_a, "netns", &t.warden_ns]);
            ip(&["link", "set", &t.side_b, "netns", &t.warden_ns]);
            for side in [&t.side_a, &t.side_b] {
                ip(&["-n", &t.warden_ns, "link", "set", side, "up"]);
            }
        } else {
            ip(&[
                "link",
                "add",
                &t.client_if,
                "type",
                "veth",
                "peer",
                "name",
                &server_if,
            ]);
        }
        ip(&["link", "set", &t.client_if, "netns", &t.client_ns]);
        ip(&["link", "set", &server_if, "netns", &t.server_ns]);
        for (ns, dev, addr) in [
            (&t.client_ns, &t.client_if, &t.client_ip),
            (&t.server_ns, &server_if, &t.server_ip),
        ] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        t
    }

    pub fn server_addr(&self) -> SocketAddr {
        format!("{}:{SERVER_PORT}", self.server_ip)
            .parse()
            .expect("address")
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        // deleting a namespace deletes the veth ends inside it, and with
        // them their peers
        for ns in [&self.client_ns, &self.server_ns, &self.warden_ns] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Moves the calling thread into network namespace `ns`.
pub fn enter_netns(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).expect("open netns");
    use std::os::fd::AsRawFd;
    // SAFETY: a valid namespace descriptor; only this thread moves.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {ns}: {}", std::io::Error::last_os_error());
}

/// A tiny HTTP/1.1 server in the server namespace: answers every request
/// with 200 and a body (`/big` gets `BIG` bytes), and logs request lines.
pub struct Server {
    pub log: Arc<Mutex<Vec<String>>>,
    pub stop: Arc<AtomicBool>,
    pub thread: Option<JoinHandle<()>>,
}

pub const BIG: usize = 4 << 20;

impl Server {
    pub fn start(t: &Topology) -> Server {
        Server::start_at(t, t.server_addr())
    }

    /// A server listening on `addr` (an address of the server namespace).
    pub fn start_at(t: &Topology, addr: SocketAddr) -> Server {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let ns = t.server_ns.clone();
        let (log2, stop2) = (log.clone(), stop.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            enter_netns(&ns);
            let l = TcpListener::bind(addr).expect("bind server");
            l.set_nonblocking(true).expect("nonblocking");
            tx.send(()).expect("ready");
            while !stop2.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((s, _)) => serve(s, &log2),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
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

    pub fn saw(&self, path: &str) -> bool {
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

pub fn serve(mut s: TcpStream, log: &Mutex<Vec<String>>) {
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
pub enum Outcome {
    /// The whole response arrived: status code and body length.
    Response(u16, usize),
    /// The connection was reset, this long after the request was sent.
    Reset(Duration),
    /// Nothing (or not all) came back before the timeout.
    TimedOut,
    /// Another error (its text shows in failure messages).
    Failed(#[allow(dead_code)] String),
}

/// GET `path` from the client namespace, with a 3 s budget.
pub fn get(t: &Topology, path: &str) -> Outcome {
    get_at(t, t.server_addr(), path)
}

/// [`get`] from the server at `addr`.
pub fn get_at(t: &Topology, addr: SocketAddr, path: &str) -> Outcome {
    let (ns, path) = (t.client_ns.clone(), path.to_string());
    std::thread::spawn(move || {
        enter_netns(&ns);
        let mut s = match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
            Ok(s) => s,
            Err(e) => return Outcome::Failed(format!("connect: {e}")),
        };
        let deadline = Instant::now() + Duration::from_secs(3);
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
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

pub fn parse_response(r: &[u8]) -> Option<Outcome> {
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

/// A warden process in the warden namespace; SIGTERM and reaped on drop.
pub struct Warden {
    pub child: Option<Child>,
    pub log_dir: PathBuf,
}

impl Warden {
    /// Starts `warden <mode args> -S rules -l dir` and waits (5 s at
    /// most) until it says it is up.
    pub fn start(ns: &str, mode: &[&str], rules: &str, name: &str) -> Warden {
        Warden::start_env(ns, mode, rules, name, &[])
    }

    /// [`Warden::start`] with extra environment variables.
    pub fn start_env(
        ns: &str,
        mode: &[&str],
        rules: &str,
        name: &str,
        env: &[(&str, &str)],
    ) -> Warden {
        let dir = std::env::temp_dir().join(format!("warden-inline-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("log dir");
        let rules_path = dir.join("test.rules");
        std::fs::write(&rules_path, rules).expect("rules");
        let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("stderr file");
        // `ip` by its full path: `env` may change PATH
        let ip_path = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("ip");
        let child = Command::new(ip_path)
            .envs(env.iter().copied())
            .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_warden")])
            .args(mode)
            .arg("-S")
            .arg(&rules_path)
            .arg("-l")
            .arg(dir.join("out"))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn warden");
        let w = Warden {
            child: Some(child),
            log_dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = w.stderr();
            if text.contains(" on ") && text.contains("SIGINT") {
                break;
            }
            assert!(Instant::now() < deadline, "warden did not come up: {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
        w
    }

    /// Waits (`within` at most) for warden to exit by itself; its exit
    /// status, or `None` if it is still running.
    pub fn exited(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.log_dir.join("stderr.txt")).unwrap_or_default()
    }

    /// SIGTERM, wait (5 s at most) and return the EVE events written.
    pub fn stop(mut self) -> Vec<Value> {
        let clean = self.terminate();
        assert!(clean, "warden did not stop cleanly: {}", self.stderr());
        events(&self.log_dir.join("out"))
    }

    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        // SAFETY: signalling our own child by its pid.
        unsafe {
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

pub fn events(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("eve.json"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub fn of_type<'a>(ev: &'a [Value], t: &str) -> Vec<&'a Value> {
    ev.iter().filter(|e| e["event_type"] == t).collect()
}

pub fn inline_args(t: &Topology) -> Vec<String> {
    vec![
        "-Q".into(),
        "-i".into(),
        format!("{}:{}", t.side_a, t.side_b),
    ]
}

pub fn start_inline(t: &Topology, rules: &str, name: &str) -> Warden {
    let args = inline_args(t);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Warden::start(&t.warden_ns, &args, rules, name)
}

/// A control socket path for test `name` (removed first).
pub fn control_socket(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("warden-ctl-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Runs `warden ctl --socket SOCK ARGS...`: exit code, stdout, stderr.
pub fn ctl(sock: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg("ctl")
        .arg("--socket")
        .arg(sock)
        .args(args)
        .output()
        .expect("run warden ctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
