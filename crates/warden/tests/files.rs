//! End-to-end: files carried by HTTP bodies, as an operator sees them in
//! eve.json (`fileinfo` records) and through the file keywords.

mod common;

use std::path::{Path, PathBuf};

use common::{Capture, Tcp};
use serde_json::Value;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A POST upload answered 204, then a GET whose response names its file
/// in Content-Disposition; both on one connection.
fn upload_and_download(dir: &Path) -> PathBuf {
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 1, 1, 1], 50000, [192, 0, 2, 80], 80);
    t.handshake(&mut cap);
    t.send(
        &mut cap,
        b"POST /cgi-bin/stats.cgi?id=7 HTTP/1.1\r\nHost: up.example\r\nContent-Length: 11\r\n\r\nhello=world",
    );
    t.reply(&mut cap, b"HTTP/1.1 204 No Content\r\n\r\n");
    t.send(
        &mut cap,
        b"GET /dl/get?f=1 HTTP/1.1\r\nHost: down.example\r\n\r\n",
    );
    t.reply(
        &mut cap,
        b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n\
          Transfer-Encoding: chunked\r\n\r\n4\r\n%PDF\r\n3\r\n-1.\r\n0\r\n\r\n",
    );
    t.close(&mut cap);
    let pcap = dir.join("files.pcap");
    cap.write(&pcap);
    pcap
}

fn run(dir: &Path, pcap: &Path, rules: &str, extra: &[&str]) -> Vec<Value> {
    let rules_path = dir.join("r.rules");
    std::fs::write(&rules_path, rules).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", pcap.to_str().unwrap()])
        .args(["-S", rules_path.to_str().unwrap()])
        .args(["-l", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("eve.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("eve line is JSON"))
        .collect()
}

fn fileinfos(ev: &[Value]) -> Vec<&Value> {
    ev.iter()
        .filter(|e| e["event_type"] == "fileinfo")
        .collect()
}

#[test]
fn each_body_is_a_fileinfo_record_in_the_files_direction() {
    let dir = tmpdir("records");
    let pcap = upload_and_download(&dir);
    let ev = run(&dir, &pcap, "", &[]);
    let files = fileinfos(&ev);
    assert_eq!(files.len(), 2, "{files:?}");

    let up = files
        .iter()
        .find(|f| f["fileinfo"]["tx_id"] == 0)
        .expect("upload");
    assert_eq!(up["src_ip"], "10.1.1.1");
    assert_eq!(up["dest_port"], 80);
    assert_eq!(up["app_proto"], "http");
    assert_eq!(up["http"]["http_method"], "POST");
    assert_eq!(up["http"]["hostname"], "up.example");
    assert_eq!(up["http"]["status"], 204);
    let fi = &up["fileinfo"];
    assert_eq!(fi["filename"], "/cgi-bin/stats.cgi");
    assert_eq!(fi["size"], 11);
    assert_eq!(fi["state"], "CLOSED");
    assert_eq!(fi["gaps"], false);
    assert_eq!(fi["stored"], false);

    let down = files
        .iter()
        .find(|f| f["fileinfo"]["tx_id"] == 1)
        .expect("download");
    assert_eq!(down["src_ip"], "192.0.2.80");
    assert_eq!(down["src_port"], 80);
    assert_eq!(down["dest_ip"], "10.1.1.1");
    assert_eq!(down["http"]["url"], "/dl/get?f=1");
    assert_eq!(down["http"]["length"], 7);
    assert_eq!(down["fileinfo"]["filename"], "report.pdf");
    assert_eq!(down["fileinfo"]["size"], 7);
    assert_eq!(down["fileinfo"]["state"], "CLOSED");
}

#[test]
fn files_type_left_out_of_the_eve_config_writes_no_fileinfo() {
    let dir = tmpdir("off");
    let pcap = upload_and_download(&dir);
    let cfg = dir.join("warden.yaml");
    std::fs::write(
        &cfg,
        "outputs:\n  - eve-log:\n      enabled: yes\n      types:\n        - alert\n        - http\n",
    )
    .unwrap();
    let ev = run(&dir, &pcap, "", &["-c", cfg.to_str().unwrap()]);
    assert!(fileinfos(&ev).is_empty());
    assert!(ev.iter().any(|e| e["event_type"] == "http"));
}

#[test]
fn a_response_cut_by_the_flow_end_is_truncated() {
    let dir = tmpdir("truncated");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 1, 1, 2], 50001, [192, 0, 2, 81], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /big.iso HTTP/1.1\r\nHost: h\r\n\r\n");
    t.reply(
        &mut cap,
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a start",
    );
    let pcap = dir.join("cut.pcap");
    cap.write(&pcap);
    let ev = run(&dir, &pcap, "", &[]);
    let files = fileinfos(&ev);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["fileinfo"]["filename"], "/big.iso");
    assert_eq!(files[0]["fileinfo"]["state"], "TRUNCATED");
    assert_eq!(files[0]["fileinfo"]["size"], 12);
}

fn alerted_sids(ev: &[Value]) -> Vec<u64> {
    let mut sids: Vec<u64> = ev
        .iter()
        .filter(|e| e["event_type"] == "alert")
        .map(|e| e["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    sids.sort_unstable();
    sids
}

#[test]
fn file_keywords_match_the_files_of_their_direction() {
    let dir = tmpdir("keywords");
    let pcap = upload_and_download(&dir);
    let rules = "\
alert http any any -> any any (msg:\"pdf download\"; fileext:\"PDF\"; flow:to_client; sid:1;)
alert http any any -> any any (msg:\"name any case\"; filename:\"REPORT\"; sid:2;)
alert http any any -> any any (msg:\"upload by path\"; filename:\"stats.cgi\"; flow:to_server; sid:3;)
alert http any any -> any any (msg:\"partial extension\"; fileext:\"pd\"; sid:4;)
alert http any any -> any any (msg:\"exact size\"; filesize:7; fileext:\"pdf\"; sid:5;)
alert http any any -> any any (msg:\"size of another file\"; filesize:11; fileext:\"pdf\"; sid:6;)
alert http any any -> any any (msg:\"small upload\"; filesize:<1KB; flow:to_server; sid:7;)
alert http any any -> any any (msg:\"not a pdf upload\"; fileext:!\"pdf\"; flow:to_server; sid:8;)
alert http any any -> any any (msg:\"file.name buffer\"; file.name; content:\"report.\"; startswith; sid:9;)
alert http any any -> any any (msg:\"upload is no pdf\"; fileext:\"pdf\"; flow:to_server; sid:10;)
alert tcp any any -> any any (msg:\"tcp rule on http files\"; filename:\"report.pdf\"; sid:11;)
";
    let ev = run(&dir, &pcap, rules, &[]);
    assert_eq!(alerted_sids(&ev), vec![1, 2, 3, 5, 7, 8, 9, 11]);
    // one alert per transaction, on the file's transaction
    let pdf = ev
        .iter()
        .find(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == 1)
        .unwrap();
    assert_eq!(pdf["tx_id"], 1);
    assert_eq!(pdf["http"]["url"], "/dl/get?f=1");
}

#[test]
fn filesize_on_a_truncated_file_knows_only_a_lower_bound() {
    let dir = tmpdir("size-truncated");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 1, 1, 3], 50002, [192, 0, 2, 82], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /big.iso HTTP/1.1\r\nHost: h\r\n\r\n");
    t.reply(
        &mut cap,
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a start",
    );
    let pcap = dir.join("cut.pcap");
    cap.write(&pcap);
    let rules = "\
alert http any any -> any any (msg:\"at least 10\"; filesize:>10; sid:1;)
alert http any any -> any any (msg:\"exactly 12\"; filesize:12; sid:2;)
alert http any any -> any any (msg:\"below 100\"; filesize:<100; sid:3;)
alert http any any -> any any (msg:\"name\"; fileext:\"iso\"; sid:4;)
";
    let ev = run(&dir, &pcap, rules, &[]);
    assert_eq!(alerted_sids(&ev), vec![1, 4]);
}

#[test]
fn file_keywords_outside_http_are_refused_with_a_reason() {
    let dir = tmpdir("refused");
    let rules = dir.join("r.rules");
    std::fs::write(
        &rules,
        "alert smtp any any -> any any (msg:\"smtp file\"; fileext:\"exe\"; sid:1;)\n\
         alert http any any -> any any (msg:\"magic\"; filemagic:\"PDF document\"; sid:2;)\n\
         alert http any any -> any any (msg:\"store\"; fileext:\"exe\"; filestore; sid:3;)\n\
         alert http any any -> any any (msg:\"ok\"; fileext:\"exe\"; sid:4;)\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-T", "-S", rules.to_str().unwrap()])
        .output()
        .expect("run warden");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("fileext for smtp (files are tracked in HTTP only)"),
        "{text}"
    );
    assert!(
        text.contains("filemagic (no file type identification)"),
        "{text}"
    );
    assert!(
        text.contains("filestore (files are not extracted to disk)"),
        "{text}"
    );
    assert!(!text.contains("sid 4"), "{text}");
}

#[test]
fn absent_body_and_headers_are_decided_when_their_side_is_over() {
    let dir = tmpdir("absent");
    let mut cap = Capture::new(1_700_000_000);
    let mut t = Tcp::new([10, 1, 1, 4], 50003, [192, 0, 2, 83], 80);
    t.handshake(&mut cap);
    t.send(&mut cap, b"GET /noheaders HTTP/1.0\r\n\r\n");
    t.reply(&mut cap, b"HTTP/1.0 500 BAD\r\nHeader1: value1\r\n\r\n");
    t.close(&mut cap);
    let pcap = dir.join("absent.pcap");
    cap.write(&pcap);
    let rules = "\
alert http any any -> any any (msg:\"no body\"; flow:to_client; file.data; absent; http.stat_code; content:\"500\"; sid:1;)
alert http any any -> any any (msg:\"empty body is no body\"; flow:to_client; file.data; content:!\"abc\"; sid:2;)
alert http any any -> any any (msg:\"no request header\"; flow:to_server; http.request_header; absent; sid:3;)
alert http any any -> any any (msg:\"response header\"; http.response_header; content:\"Header1: value1\"; bsize:15; sid:4;)
alert http any any -> any any (msg:\"response header absent\"; http.response_header; absent; sid:5;)
";
    let ev = run(&dir, &pcap, rules, &[]);
    assert_eq!(alerted_sids(&ev), vec![1, 3, 4]);
}
