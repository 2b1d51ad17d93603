//! The control socket as a client sees it: a server on a temporary path
//! with a few commands, and clients that behave, misbehave, or leave.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use warden_control::client::call;
use warden_control::{Dispatcher, Reply, Request, Server, ServerLimits};

fn temp_socket(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-control-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("ctl.sock")
}

/// A server whose `count` command counts its runs.
fn server(name: &str, limits: ServerLimits) -> (Server, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut d = Dispatcher::new();
    let r = runs.clone();
    d.register("count", "count: counts", move |_| {
        Ok(json!(r.fetch_add(1, Ordering::SeqCst) + 1))
    });
    d.register("echo", "echo ARG...", |args| Ok(json!(args)));
    d.register("refuse", "refuse", |_| Err("refused on purpose".into()));
    let s = Server::start(&temp_socket(name), d, limits).expect("server starts");
    (s, runs)
}

fn connect(s: &Server) -> (UnixStream, BufReader<UnixStream>) {
    let c = UnixStream::connect(s.path()).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let r = BufReader::new(c.try_clone().unwrap());
    (c, r)
}

fn reply(r: &mut BufReader<UnixStream>) -> Value {
    let mut line = String::new();
    r.read_line(&mut line).expect("a reply line");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("reply {line:?} is not JSON: {e}"))
}

#[test]
fn each_request_line_gets_one_reply_in_order() {
    let (s, _) = server("order", ServerLimits::default());
    let (mut c, mut r) = connect(&s);
    c.write_all(b"{\"command\":\"echo\",\"args\":[\"a\"]}\n{\"command\":\"refuse\"}\n\n{\"command\":\"echo\"}\r\n")
        .unwrap();
    assert_eq!(reply(&mut r), json!({"ok": true, "result": ["a"]}));
    assert_eq!(
        reply(&mut r),
        json!({"ok": false, "error": "refused on purpose"})
    );
    // the blank line was no request
    assert_eq!(reply(&mut r), json!({"ok": true, "result": []}));
}

#[test]
fn malformed_requests_are_refused_and_the_connection_stays_usable() {
    let (s, runs) = server("malformed", ServerLimits::default());
    let (mut c, mut r) = connect(&s);
    for bad in [
        &b"count\n"[..],
        b"{\"command\": \"count\"\n",
        b"[\"count\"]\n",
        b"{\"cmd\":\"count\"}\n",
        b"{\"command\":\"count\",\"args\":[1]}\n",
        b"{\"command\":\"\xff\xfe\"}\n",
        b"{\"command\":\"no-such\"}\n",
    ] {
        c.write_all(bad).unwrap();
        let v = reply(&mut r);
        assert_eq!(v["ok"], false, "{}: {v}", String::from_utf8_lossy(bad));
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "a reason is given: {v}"
        );
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0, "nothing ran");
    c.write_all(b"{\"command\":\"count\"}\n").unwrap();
    assert_eq!(reply(&mut r), json!({"ok": true, "result": 1}));
}

#[test]
fn a_client_leaving_mid_request_runs_nothing_and_others_are_served() {
    let (s, runs) = server("midway", ServerLimits::default());
    {
        let (mut c, _) = connect(&s);
        c.write_all(b"{\"command\":\"cou").unwrap();
        // gone before finishing its line
    }
    {
        let (mut c, _) = connect(&s);
        c.write_all(b"{\"command\":\"count\"}").unwrap();
        // a whole object but no newline: still no request
    }
    {
        // a whole request, then gone before reading the reply
        let (mut c, _) = connect(&s);
        c.write_all(b"{\"command\":\"count\"}\n").unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while runs.load(Ordering::SeqCst) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "only the complete line ran");
    let r = call(
        s.path(),
        &Request::new("count", &[]),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r, Reply::Ok(json!(2)));
}

#[test]
fn an_overlong_line_is_refused_and_its_connection_closed() {
    let limits = ServerLimits {
        max_line: 1024,
        ..ServerLimits::default()
    };
    let (s, runs) = server("long", limits);
    let (mut c, mut r) = connect(&s);
    let mut big = b"{\"command\":\"count\",\"args\":[\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 4096));
    big.extend_from_slice(b"\"]}\n");
    let _ = c.write_all(&big);
    let v = reply(&mut r);
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("1024"), "{v}");
    let mut rest = Vec::new();
    let _ = r.read_to_end(&mut rest);
    assert!(rest.is_empty(), "connection closed after the refusal");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[test]
fn a_silent_client_is_disconnected_and_clients_beyond_the_limit_are_refused() {
    let limits = ServerLimits {
        max_clients: 2,
        idle: Duration::from_millis(300),
        ..ServerLimits::default()
    };
    let (s, _) = server("limits", limits);
    let (_c1, mut r1) = connect(&s);
    let (_c2, _r2) = connect(&s);
    std::thread::sleep(Duration::from_millis(50));
    let (_c3, mut r3) = connect(&s);
    let v = reply(&mut r3);
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("too many"), "{v}");
    // the silent ones are let go after the idle time...
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = r1.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(400));
    // ...and their places are free again
    let r = call(
        s.path(),
        &Request::new("echo", &["x"]),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r, Reply::Ok(json!(["x"])));
}

#[test]
fn the_socket_file_is_private_replaced_when_stale_and_removed_on_drop() {
    let path = temp_socket("file");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // a stale socket file, as a killed engine leaves behind
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let s = Server::start(&path, Dispatcher::new(), ServerLimits::default())
        .expect("a stale socket is replaced");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    // a live one is not
    let e = Server::start(&path, Dispatcher::new(), ServerLimits::default()).unwrap_err();
    assert!(e.to_string().contains("in use"), "{e}");
    drop(s);
    assert!(!path.exists(), "socket file removed");
    // a file that is not a socket is left alone
    std::fs::write(&path, "keep me").unwrap();
    let e = Server::start(&path, Dispatcher::new(), ServerLimits::default()).unwrap_err();
    assert!(e.to_string().contains("not a socket"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
}

#[test]
fn calling_a_missing_socket_is_an_error_naming_it() {
    let path = temp_socket("missing");
    let e = call(&path, &Request::new("version", &[]), Duration::from_secs(1)).unwrap_err();
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}
