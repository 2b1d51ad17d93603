//! `warden ctl` as an operator runs it: what it prints and its exit
//! status for a command done, refused, or unanswered. The server here is
//! the control crate's own, with stand-in commands, so no root or live
//! engine is needed (the engine's commands are tested in inline_netns.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use warden_control::{Dispatcher, Server, ServerLimits};

fn socket(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("warden-ctl-cli-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn ctl(sock: &Path, args: &[&str]) -> (i32, String, String) {
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

fn server(name: &str) -> Server {
    let mut d = Dispatcher::new();
    d.register("greet", "greet", |_| Ok(json!("hello")));
    d.register("echo", "echo ARG...", |args| Ok(json!({ "args": args })));
    d.register("refuse", "refuse", |_| Err("not now".into()));
    Server::start(&socket(name), d, ServerLimits::default()).expect("server")
}

#[test]
fn a_command_done_prints_its_result_and_exits_zero() {
    let s = server("done");
    assert_eq!(
        ctl(s.path(), &["greet"]),
        (0, "hello\n".into(), String::new())
    );
    let (code, out, _) = ctl(s.path(), &["echo", "on", "--x"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({"args": ["on", "--x"]}));
    let (code, out, _) = ctl(s.path(), &["--json", "greet"]);
    assert_eq!(code, 0);
    assert_eq!(out, "{\"ok\":true,\"result\":\"hello\"}\n");
    let (code, out, _) = ctl(s.path(), &["help"]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l == "echo ARG..."), "{out}");
}

#[test]
fn a_refused_command_exits_one_with_the_reason() {
    let s = server("refused");
    let (code, out, err) = ctl(s.path(), &["refuse"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("refuse refused: not now"), "{err}");
    let (code, _, err) = ctl(s.path(), &["Not-A-Name"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = ctl(s.path(), &["bypass", "on"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown command"), "{err}");
}

#[test]
fn no_answer_exits_two() {
    let missing = socket("missing");
    let (code, _, err) = ctl(&missing, &["version"]);
    assert_eq!(code, 2);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    // no command at all is a usage error
    let (code, _, _) = ctl(&missing, &[]);
    assert_eq!(code, 2);
}

#[test]
fn the_socket_is_a_live_mode_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", "/nonexistent.pcap", "--unix-socket", "/tmp/x.sock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("live mode"));
}
