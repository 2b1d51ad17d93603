//! Reads every capture in the shared corpus (when present), checks packet
//! counts against `capinfos.tsv` and decodes every packet (no panic).
//! Skips with a message when the corpus folder is absent.

use std::collections::HashMap;
use std::path::Path;

use warden_capture::{open_captures, CaptureReader};
use warden_packet::{decode, DecodeOptions};

const CORPUS: &str = "/work/shared/corpus/pcaps";

fn expected_counts(dir: &Path) -> HashMap<String, u64> {
    let Ok(text) = std::fs::read_to_string(dir.join("capinfos.tsv")) else {
        return HashMap::new();
    };
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return HashMap::new();
    };
    let cols: Vec<&str> = header.split('\t').collect();
    let name = cols.iter().position(|c| *c == "File name");
    let count = cols.iter().position(|c| *c == "Number of packets");
    let (Some(name), Some(count)) = (name, count) else {
        return HashMap::new();
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((f.get(name)?.to_string(), f.get(count)?.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn shared_corpus_counts_and_decodes() {
    let dir = Path::new(CORPUS);
    if !dir.is_dir() {
        eprintln!("skip: {CORPUS} not present");
        return;
    }
    let expected = expected_counts(dir);
    let opts = DecodeOptions {
        checksum_validation: true,
    };
    let files = open_captures(dir);
    assert!(!files.is_empty(), "no captures in {CORPUS}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut reader = CaptureReader::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let (mut packets, mut with_events, mut ip) = (0u64, 0u64, 0u64);
        while let Some(raw) = reader.next_packet().unwrap_or_else(|e| panic!("{e}")) {
            packets += 1;
            assert_eq!(raw.index, packets);
            let p = decode(raw.link, raw.data, &opts);
            with_events += u64::from(!p.events.is_empty());
            ip += u64::from(p.src_ip().is_some());
        }
        eprintln!("{name}: {packets} packets, {ip} IP, {with_events} with decoder events");
        match expected.get(&name) {
            Some(&want) => assert_eq!(packets, want, "{name}: packet count"),
            None => eprintln!("{name}: not listed in capinfos.tsv, count not checked"),
        }
    }
}
