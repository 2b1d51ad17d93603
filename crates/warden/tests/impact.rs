//! `warden impact` as an operator checks it: its per-rule flow counts are
//! exactly what a `--simulate-ips` run of the same policy blocks (on a
//! fixture capture and, when ../shared is present, on the shared captures
//! with ET Open turned into drops); bytes, owners, services, clients and
//! established sessions cut come out right; a baseline leaves only what
//! changes; the HTML report is well formed, self-contained, and renders
//! its plots in headless Chromium (when installed).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{udp, Capture, Tcp};
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-impact-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn warden(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "warden {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Flows with a `blocked` alert per sid, in a `--simulate-ips` run.
fn simulated_blocked_flows(capture: &Path, rules: &Path, dir: &Path) -> BTreeMap<u64, u64> {
    let logs = dir.join("simulate");
    warden(&[
        "-r",
        capture.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "--simulate-ips",
        "-k",
        "none",
        "-l",
        logs.to_str().unwrap(),
    ]);
    let mut flows: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for line in std::fs::read_to_string(logs.join("eve.json"))
        .unwrap()
        .lines()
    {
        let e: Value = serde_json::from_str(line).unwrap();
        if e["event_type"] == "alert" && e["alert"]["action"] == "blocked" {
            if let Some(id) = e["flow_id"].as_u64() {
                let sid = e["alert"]["signature_id"].as_u64().unwrap();
                flows.entry(sid).or_default().insert(id);
            }
        }
    }
    flows
        .into_iter()
        .map(|(s, f)| (s, f.len() as u64))
        .collect()
}

fn impact_json(args: &[&str], dir: &Path) -> Value {
    let out = dir.join("impact.json");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-k", "none", "--json", out.to_str().unwrap()]);
    warden(&all);
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn flows_by_sid(doc: &Value) -> BTreeMap<u64, u64> {
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["sid"].as_u64().unwrap(), r["flows"].as_u64().unwrap()))
        .collect()
}

fn rule(doc: &Value, sid: u64) -> &Value {
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sid"] == sid)
        .unwrap_or_else(|| panic!("sid {sid} in {doc}"))
}

/// Six conversations: two requests dropped (one before the server spoke,
/// one mid-session), an HTTP request to a named host dropped, a reset,
/// a dropped UDP message, and one that passes.
fn fixture(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut cap = Capture::new(1_700_000_000);
    let mut early = Tcp::new([10, 6, 0, 1], 40001, [10, 6, 0, 80], 8080);
    early.handshake(&mut cap);
    early.send(&mut cap, b"evil request");
    early.reply(&mut cap, b"never seen");
    early.close(&mut cap);
    cap.wait_secs(30);
    let mut midway = Tcp::new([10, 6, 0, 2], 40002, [10, 6, 0, 80], 8080);
    midway.handshake(&mut cap);
    midway.send(&mut cap, b"hello");
    midway.reply(&mut cap, b"welcome");
    midway.send(&mut cap, b"now something evil");
    midway.reply(&mut cap, b"too late");
    midway.close(&mut cap);
    cap.wait_secs(30);
    let mut web = Tcp::new([10, 6, 0, 3], 40003, [10, 6, 0, 81], 80);
    web.handshake(&mut cap);
    web.send(
        &mut cap,
        b"GET /admin HTTP/1.1\r\nHost: intranet.example\r\nUser-Agent: t\r\n\r\n",
    );
    web.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    web.close(&mut cap);
    let mut reset = Tcp::new([10, 6, 0, 4], 40004, [10, 6, 0, 82], 25);
    reset.handshake(&mut cap);
    reset.send(&mut cap, b"bad mail");
    reset.close(&mut cap);
    udp(
        &mut cap,
        [10, 6, 0, 5],
        5000,
        [10, 6, 0, 83],
        9999,
        b"evil datagram",
    );
    udp(
        &mut cap,
        [10, 6, 0, 83],
        9999,
        [10, 6, 0, 5],
        5000,
        b"answer",
    );
    let mut fine = Tcp::new([10, 6, 0, 1], 40005, [10, 6, 0, 80], 8080);
    fine.handshake(&mut cap);
    fine.send(&mut cap, b"ordinary");
    fine.reply(&mut cap, b"fine");
    fine.close(&mut cap);
    let pcap = dir.join("impact.pcap");
    cap.write(&pcap);
    let proposed = dir.join("proposed.rules");
    std::fs::write(
        &proposed,
        "drop tcp any any -> any 8080 (msg:\"evil over tcp\"; flow:to_server; content:\"evil\"; metadata: owner web-team; sid:1001;)\n\
         drop http any any -> any any (msg:\"admin page\"; http.uri; content:\"/admin\"; metadata: owner intranet-team; sid:1002;)\n\
         reject tcp any any -> any 25 (msg:\"bad mail\"; content:\"bad\"; sid:1003;)\n\
         drop udp any any -> any 9999 (msg:\"evil datagram\"; content:\"evil\"; sid:1004;)\n\
         alert tcp any any -> any any (msg:\"just noted\"; content:\"ordinary\"; sid:1005;)\n",
    )
    .unwrap();
    let baseline = dir.join("baseline.rules");
    std::fs::write(
        &baseline,
        "drop tcp any any -> any 8080 (msg:\"evil over tcp\"; flow:to_server; content:\"evil\"; metadata: owner web-team; sid:1001;)\n\
         drop tcp any any -> any any (msg:\"ordinary, blocked today\"; content:\"ordinary\"; sid:2001;)\n",
    )
    .unwrap();
    (pcap, proposed, baseline)
}

#[test]
fn impact_counts_the_flows_simulate_ips_blocks_with_bytes_owners_services_and_cut_sessions() {
    let dir = scratch("fixture");
    let (pcap, rules, _) = fixture(&dir);
    let doc = impact_json(
        &[
            "impact",
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
        ],
        &dir,
    );
    let simulated = simulated_blocked_flows(&pcap, &rules, &dir);
    assert_eq!(flows_by_sid(&doc), simulated, "impact vs --simulate-ips");
    assert_eq!(
        simulated,
        BTreeMap::from([(1001, 2), (1002, 1), (1003, 1), (1004, 1)])
    );
    let evil = rule(&doc, 1001);
    assert_eq!(evil["owner"], "web-team");
    assert_eq!(evil["msg"], "evil over tcp");
    assert!(evil["bytes"].as_u64().unwrap() > 0, "{evil}");
    // the second connection had talked both ways before its drop
    assert_eq!(evil["established_cut"], 1, "{evil}");
    assert_eq!(rule(&doc, 1003)["reset_flows"], 1);
    assert_eq!(rule(&doc, 1003)["owner"], Value::Null);
    assert_eq!(doc["total"]["flows"], 5);
    let cut = doc["established_cut"].as_array().unwrap();
    assert_eq!(cut.len(), 1);
    assert_eq!(cut[0]["client"], "10.6.0.2:40002");
    assert_eq!(cut[0]["server"], "10.6.0.80:8080");
    // services: by server address:port, with protocol and HTTP host
    let services = doc["services"].as_array().unwrap();
    let web = services
        .iter()
        .find(|s| s["server"] == "10.6.0.81:80")
        .expect("web service");
    assert_eq!(web["app_proto"], "http");
    assert_eq!(web["host"], "intranet.example");
    let tcp8080 = services
        .iter()
        .find(|s| s["server"] == "10.6.0.80:8080")
        .expect("8080 service");
    assert_eq!(tcp8080["flows"], 2);
    assert!(services
        .iter()
        .any(|s| s["server"] == "10.6.0.83:9999" && s["proto"] == "udp"));
    let clients: BTreeSet<&str> = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client"].as_str().unwrap())
        .collect();
    assert_eq!(
        clients,
        BTreeSet::from(["10.6.0.1", "10.6.0.2", "10.6.0.3", "10.6.0.4", "10.6.0.5"])
    );
    // the terminal table names the rules and the cut session
    let out = warden(&[
        "impact",
        "-r",
        pcap.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "-k",
        "none",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("5 flow(s) blocked"), "{text}");
    assert!(
        text.contains("web-team") && text.contains("evil over tcp"),
        "{text}"
    );
    assert!(text.contains("Established sessions cut mid-way"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("replaying proposed"),
        "progress on stderr: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn against_a_baseline_only_what_changes_is_reported() {
    let dir = scratch("baseline");
    let (pcap, rules, baseline) = fixture(&dir);
    let doc = impact_json(
        &[
            "impact",
            "-r",
            pcap.to_str().unwrap(),
            "-S",
            rules.to_str().unwrap(),
            "--baseline-rules",
            baseline.to_str().unwrap(),
        ],
        &dir,
    );
    // sid 1001 blocks the same two flows in both: not a change
    assert_eq!(
        flows_by_sid(&doc),
        BTreeMap::from([(1002, 1), (1003, 1), (1004, 1)])
    );
    assert_eq!(doc["baseline"]["unchanged_flows"], 2);
    let gone = &doc["baseline"]["no_longer_blocked"];
    assert_eq!(flows_by_sid(gone), BTreeMap::from([(2001, 1)]));
    assert_eq!(gone["clients"][0]["client"], "10.6.0.1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_capture_or_policy_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["impact", "-r", "/nonexistent/x.pcap", "-S", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("capture not found"));
    let dir = scratch("nopolicy");
    let (pcap, _, _) = fixture(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["impact", "-r", pcap.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no policy"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Checks that every element opened is closed in order (HTML void
/// elements and `/>` aside) and that attribute quotes balance.
fn assert_well_formed(html: &str) {
    const VOID: &[&str] = &["meta", "br", "hr", "img", "input", "link"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        assert_eq!(tag.matches('"').count() % 2, 0, "quotes in <{tag}>");
        if tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{closing}> unopened"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
}

fn html_report(dir: &Path) -> PathBuf {
    let (pcap, rules, _) = fixture(dir);
    let html = dir.join("impact.html");
    warden(&[
        "impact",
        "-r",
        pcap.to_str().unwrap(),
        "-S",
        rules.to_str().unwrap(),
        "-k",
        "none",
        "--html",
        html.to_str().unwrap(),
    ]);
    html
}

#[test]
fn the_html_report_is_well_formed_self_contained_and_has_its_plots() {
    let dir = scratch("html");
    let html = std::fs::read_to_string(html_report(&dir)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_well_formed(&html);
    for id in ["blocked-timeline", "blocked-rules", "blocked-services"] {
        assert!(
            html.contains(&format!("<svg class=\"plot\" id=\"{id}\"")),
            "{id}"
        );
    }
    assert!(html.matches("<rect class=\"bar\"").count() >= 5);
    assert!(html.contains("evil over tcp") && html.contains("intranet.example"));
    // nothing fetched from elsewhere: no script, stylesheet link or URL
    // but the SVG namespace
    assert!(!html.contains("<script") && !html.contains("<link"));
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The RGB pixels of a PNG (8-bit RGB or RGBA, not interlaced), as
/// Chromium writes screenshots.
fn png_pixels(data: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    use std::io::Read;
    assert_eq!(&data[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut pos, mut idat, mut hdr) = (8, Vec::new(), None);
    while pos + 8 <= data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &data[pos + 4..pos + 8];
        let body = &data[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => hdr = Some(body.to_vec()),
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let hdr = hdr.expect("IHDR");
    let w = u32::from_be_bytes(hdr[0..4].try_into().unwrap()) as usize;
    let h = u32::from_be_bytes(hdr[4..8].try_into().unwrap()) as usize;
    assert_eq!(hdr[8], 8, "bit depth");
    assert_eq!(hdr[12], 0, "interlaced");
    let bpp = match hdr[9] {
        2 => 3,
        6 => 4,
        t => panic!("colour type {t}"),
    };
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("inflate");
    let stride = w * bpp;
    let mut prev = vec![0u8; stride];
    let mut px = Vec::with_capacity(w * h);
    for y in 0..h {
        let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
        let mut cur = line[1..].to_vec();
        for i in 0..stride {
            let a = if i >= bpp { cur[i - bpp] as i16 } else { 0 };
            let b = prev[i] as i16;
            let c = if i >= bpp { prev[i - bpp] as i16 } else { 0 };
            let add = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            cur[i] = cur[i].wrapping_add(add as u8);
        }
        px.extend(cur.chunks(bpp).map(|p| [p[0], p[1], p[2]]));
        prev = cur;
    }
    (w, h, px)
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

#[test]
fn the_html_report_renders_its_plots_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (set CHROMIUM=/path/to/chromium)");
        return;
    };
    let dir = scratch("screenshot");
    let html = html_report(&dir);
    let shot = dir.join("shot.png");
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, px) = png_pixels(&std::fs::read(&shot).unwrap());
    assert_eq!((w, h), (1000, 1400));
    // the bars are drawn in #c0392b: the three plots put many such pixels
    // on the page, in at least three separate horizontal bands
    let is_bar = |p: &[u8; 3]| {
        (p[0] as i16 - 0xc0).abs() < 12
            && (p[1] as i16 - 0x39).abs() < 12
            && (p[2] as i16 - 0x2b).abs() < 12
    };
    let rows: Vec<usize> = (0..h)
        .filter(|y| px[y * w..(y + 1) * w].iter().filter(|p| is_bar(p)).count() > 3)
        .collect();
    let bands =
        rows.windows(2).filter(|r| r[1] - r[0] > 30).count() + usize::from(!rows.is_empty());
    let total = px.iter().filter(|p| is_bar(p)).count();
    assert!(total > 2000, "{total} bar pixels");
    assert!(bands >= 3, "{bands} bands of bars, rows {rows:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// ET Open turned into drops, over the shared captures.
#[test]
fn on_the_shared_captures_with_et_open_as_drops_impact_matches_simulate_ips() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let et = shared.join("rules/et-open");
    let pcaps = shared.join("pcaps");
    if !et.is_dir() || !pcaps.is_dir() {
        eprintln!("skipped: ../shared corpus (ET Open rules and captures) not present");
        return;
    }
    let dir = scratch("shared");
    // every ET Open rule file (the deleted rules aside), alerts made drops
    let mut files: Vec<PathBuf> = std::fs::read_dir(&et)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rules") && !p.ends_with("emerging-deleted.rules")
        })
        .collect();
    files.sort();
    let mut drops = String::new();
    for f in &files {
        for l in std::fs::read_to_string(f).unwrap().lines() {
            match l.strip_prefix("alert ") {
                Some(rest) => drops.push_str(&format!("drop {rest}\n")),
                None => drops.push_str(&format!("{l}\n")),
            }
        }
    }
    let rules = dir.join("et-drop.rules");
    std::fs::write(&rules, drops).unwrap();
    let mut checked = 0;
    for name in ["chrissanders-mix.pcap", "ndpi-http.pcap", "lab-mixed.pcap"] {
        let pcap = pcaps.join(name);
        if !pcap.is_file() {
            continue;
        }
        let doc = impact_json(
            &[
                "impact",
                "-r",
                pcap.to_str().unwrap(),
                "-S",
                rules.to_str().unwrap(),
            ],
            &dir,
        );
        let simulated = simulated_blocked_flows(&pcap, &rules, &dir);
        assert_eq!(flows_by_sid(&doc), simulated, "{name}");
        assert!(!simulated.is_empty(), "{name}: ET Open blocked nothing");
        eprintln!(
            "{name}: {} sid(s) block {} flow(s); impact agrees",
            simulated.len(),
            doc["total"]["flows"]
        );
        checked += 1;
    }
    assert!(checked > 0, "no shared capture found");
    let _ = std::fs::remove_dir_all(&dir);
}
