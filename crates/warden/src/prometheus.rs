//! The stats in Prometheus text format over HTTP (`stats.prometheus.listen:
//! ADDR:PORT` in a live mode): `GET /metrics` answers the counters of the
//! `stats` event, taken from the packet loop when asked, one sample per
//! counter (`stats.decoder.pkts` → `warden_decoder_pkts`), the detection
//! engines with an `engine` label, and the live ruleset as
//! `warden_ruleset_info{generation="N",hash="..."} 1`.
//!
//! A small blocking server on its own thread: one request per connection,
//! answered in order (scrapes are seconds apart), with short timeouts and
//! a bounded request size, so a slow or hostile client cannot hold it for
//! long; it never touches the packet path except through the loop's
//! request queue.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::live_control::{LoopRequest, Shared};

/// Longest request head read.
const MAX_REQUEST: usize = 8192;

/// A listening metrics endpoint; dropping it stops the thread.
pub(crate) struct MetricsServer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Listens on `addr` and serves `/metrics` from `shared`'s packet loop.
pub(crate) fn start(addr: &str, shared: Arc<Shared>) -> Result<MetricsServer> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("stats.prometheus.listen: cannot listen on {addr}"))?;
    let bound: SocketAddr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("warden-metrics".into())
        .spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => serve(s, &shared),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })?;
    eprintln!("warden: prometheus metrics on http://{bound}/metrics");
    Ok(MetricsServer {
        stop,
        thread: Some(thread),
    })
}

fn serve(mut s: TcpStream, shared: &Shared) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > MAX_REQUEST {
            let _ = respond(&mut s, "431 Request Header Fields Too Large", "");
            return;
        }
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let _ = match (method, path) {
        ("GET", "/metrics") => match shared.ask(LoopRequest::Stats, Duration::from_secs(5)) {
            Ok(stats) => {
                let generation = shared.live().info.generation;
                let hash = shared.live().info.hash.clone();
                let mut out = String::with_capacity(16 * 1024);
                out.push_str("# warden counters, named after the EVE stats event's paths\n");
                out.push_str(&format!(
                    "warden_ruleset_info{{generation=\"{generation}\",hash=\"{hash}\"}} 1\n"
                ));
                render(&stats, "warden", &mut out);
                respond(&mut s, "200 OK", &out)
            }
            Err(why) => respond(&mut s, "503 Service Unavailable", &why),
        },
        ("GET", _) => respond(&mut s, "404 Not Found", "only /metrics is served\n"),
        _ => respond(&mut s, "405 Method Not Allowed", "GET /metrics\n"),
    };
}

fn respond(s: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body.as_bytes())
}

/// A metric name part: letters, digits and `_` only.
fn clean(segment: &str) -> String {
    segment
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Appends every number under `v` as `prefix_path value` lines; arrays of
/// objects (the detection engines) become one sample per element, labelled
/// by its `id`; text values are skipped (the ruleset hash is in
/// `warden_ruleset_info`).
fn render(v: &Value, prefix: &str, out: &mut String) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                render(child, &format!("{prefix}_{}", clean(k)), out);
            }
        }
        Value::Number(n) => {
            out.push_str(prefix);
            out.push(' ');
            out.push_str(&n.to_string());
            out.push('\n');
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let id = item["id"].as_u64().unwrap_or(i as u64);
                if let Value::Object(map) = item {
                    for (k, child) in map {
                        if k == "id" {
                            continue;
                        }
                        if let Some(n) = child.as_u64() {
                            out.push_str(&format!(
                                "{prefix}_{}{{engine=\"{id}\"}} {n}\n",
                                clean(k)
                            ));
                        }
                    }
                }
            }
        }
        Value::String(_) | Value::Bool(_) | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counters_become_samples_named_by_their_path() {
        let stats = json!({
            "uptime": 5,
            "decoder": {"pkts": 10, "event": {"ipv4": {"trunc_pkt": 1}}},
            "detect": {"engines": [{"id": 0, "rules_loaded": 7, "last_reload": "x"}]},
            "warden": {"ruleset": {"generation": 2, "hash": "abc"}},
            "app_layer": {"flow": {"dns-udp": 3}},
        });
        let mut out = String::new();
        render(&stats, "warden", &mut out);
        let lines: Vec<&str> = out.lines().collect();
        for want in [
            "warden_uptime 5",
            "warden_decoder_pkts 10",
            "warden_decoder_event_ipv4_trunc_pkt 1",
            "warden_detect_engines_rules_loaded{engine=\"0\"} 7",
            "warden_warden_ruleset_generation 2",
            "warden_app_layer_flow_dns_udp 3",
        ] {
            assert!(lines.contains(&want), "{want} in {out}");
        }
        assert!(!out.contains("abc") && !out.contains("last_reload"));
    }
}
