//! `absent` and the file keywords through `Engine::inspect_tx` with
//! hand-made transactions.

mod common;
use common::*;

use warden_detect::{AppLayer, FileEnd};
use warden_rules::Buffer;

const RULES: &str = r#"
alert http any any -> any any (msg:"no body"; file.data; absent; http.stat_code; content:"500"; sid:1;)
alert http any any -> any any (msg:"no body or not abc"; file.data; absent: or_else; content:!"abc"; sid:2;)
alert http any any -> any any (msg:"not abc"; file.data; content:!"abc"; sid:3;)
alert http any any -> any any (msg:"exe over 1KB"; fileext:"exe"; filesize:>1KB; sid:4;)
alert http any any -> any any (msg:"setup"; filename:"SETUP"; sid:5;)
"#;

fn run(tx: &MapTx) -> Vec<u32> {
    let mut h = Harness::new(RULES);
    let mut s = Session::new(40000, 80);
    s.handshake(&mut h);
    let p = s.server_data(b"x");
    let mut done = Vec::new();
    let mut fired = h.run_tx(&p, AppLayer::Http, tx, &mut done);
    fired.sort();
    fired
}

fn status(code: &str) -> MapTx {
    MapTx::default().with(Buffer::HttpStatCode, code.as_bytes())
}

#[test]
fn absent_buffer_once_the_transaction_is_far_enough() {
    assert_eq!(run(&status("500")), [1, 2]);
    // the body may still come: nothing is absent yet
    let waiting = MapTx {
        unsettled: true,
        ..status("500")
    };
    assert!(run(&waiting).is_empty());
}

#[test]
fn or_else_checks_a_present_buffer() {
    assert_eq!(run(&status("500").with(Buffer::FileData, b"xyz")), [2, 3]);
    assert!(run(&status("200").with(Buffer::FileData, b"abc")).is_empty());
}

#[test]
fn file_keywords_hold_together_on_one_file() {
    let tx = MapTx {
        files: vec![
            (b"small.exe".to_vec(), 10, FileEnd::Closed),
            (b"big.pdf".to_vec(), 5000, FileEnd::Closed),
        ],
        ..status("200")
    };
    // an .exe and a file over 1KB, but not the same file
    assert_eq!(run(&tx), [2]);
    let tx = MapTx {
        files: vec![(b"Setup.EXE".to_vec(), 2048, FileEnd::Closed)],
        ..status("200")
    };
    assert_eq!(run(&tx), [2, 4, 5]);
    let tx = MapTx {
        files: vec![(b"Setup.EXE".to_vec(), 2048, FileEnd::Open)],
        ..status("200")
    };
    assert_eq!(run(&tx), [2, 5]);
}

#[test]
fn absent_misuse_is_refused() {
    for (rule, why) in [
        (
            "alert http any any -> any any (file.data; absent; content:\"x\"; sid:1;)",
            "cannot also be inspected",
        ),
        (
            "alert tcp any any -> any any (absent; content:\"x\"; sid:1;)",
            "app-layer sticky buffer",
        ),
    ] {
        let (_, report) = try_engine(rule);
        assert_eq!(report.rejected.len(), 1, "{rule}");
        let text = report.rejected[0].to_string();
        assert!(text.contains(why), "{rule}: {text}");
    }
}
