//! End-to-end property: however a TCP conversation is cut into segments,
//! in whatever order they arrive, with whatever retransmissions, the
//! warden binary raises the same alerts as for the unsegmented
//! conversation. Segmentations come from a small deterministic generator
//! (every failure names its round).

mod common;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use common::Capture;
use serde_json::Value;
use warden_packet::{build, tcp_flags as f};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One endpoint's side of the conversation: its address, port and next
/// sequence number.
#[derive(Clone, Copy)]
struct End {
    ip: Ipv4Addr,
    port: u16,
    seq: u32,
}

fn seg(cap: &mut Capture, from: End, to: End, seq: u32, flags: u8, data: &[u8]) {
    cap.push(build::tcp_v4(
        from.ip, to.ip, from.port, to.port, seq, to.seq, flags, data,
    ));
}

/// Sends `data` from `a` to `b`: whole, or (with `rng`) cut into random
/// pieces sent in random order with some pieces sent twice, then
/// acknowledged by `b` in one ACK.
fn transfer(cap: &mut Capture, a: &mut End, b: End, data: &[u8], rng: Option<&mut Rng>) {
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    match rng {
        None => pieces.push((0, data.len())),
        Some(rng) => {
            let max = 1 + rng.below(data.len());
            let mut at = 0;
            while at < data.len() {
                let end = (at + 1 + rng.below(max)).min(data.len());
                pieces.push((at, end));
                at = end;
            }
            for _ in 0..rng.below(pieces.len() / 2 + 1) {
                let dup = pieces[rng.below(pieces.len())];
                pieces.push(dup);
            }
            if rng.below(2) == 0 {
                for i in (1..pieces.len()).rev() {
                    pieces.swap(i, rng.below(i + 1));
                }
            }
        }
    }
    for (s, e) in pieces {
        let seq = a.seq.wrapping_add(s as u32);
        seg(cap, *a, b, seq, f::PSH | f::ACK, &data[s..e]);
    }
    a.seq = a.seq.wrapping_add(data.len() as u32);
    seg(cap, b, *a, b.seq, f::ACK, b"");
}

/// A capture of two conversations (raw TCP on 9999, HTTP on 80), each
/// direction segmented by `rng` when given.
fn conversation(mut rng: Option<&mut Rng>) -> Capture {
    let mut cap = Capture::new(1_750_000_000);
    let flows: [(u16, &[u8], &[u8]); 2] = [
        (
            9999,
            b"hello there, here comes a needle and then, a little later, the haystack; \
              token SECRET=123456 then the EVIL-PAYLOAD-ONE marker and some trailing text",
            b"SERVER-SAYS-HI after a long preamble of server bytes that go on and on",
        ),
        (
            80,
            b"GET /secret/path?q=evil HTTP/1.1\r\nHost: example.test\r\nUser-Agent: prop-agent\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nServer: propsrv\r\n\r\nhello world",
        ),
    ];
    for (i, (port, to_server, to_client)) in flows.into_iter().enumerate() {
        let mut c = End {
            ip: Ipv4Addr::new(10, 0, 0, 1),
            port: 40000 + i as u16,
            seq: 1000,
        };
        let mut s = End {
            ip: Ipv4Addr::new(10, 0, 0, 2),
            port,
            seq: 90000,
        };
        seg(&mut cap, c, s, c.seq, f::SYN, b"");
        c.seq += 1;
        seg(&mut cap, s, c, s.seq, f::SYN | f::ACK, b"");
        s.seq += 1;
        seg(&mut cap, c, s, c.seq, f::ACK, b"");
        transfer(&mut cap, &mut c, s, to_server, rng.as_deref_mut());
        transfer(&mut cap, &mut s, c, to_client, rng.as_deref_mut());
        seg(&mut cap, c, s, c.seq, f::FIN | f::ACK, b"");
        c.seq += 1;
        seg(&mut cap, s, c, s.seq, f::FIN | f::ACK, b"");
        s.seq += 1;
        seg(&mut cap, c, s, c.seq, f::ACK, b"");
    }
    cap
}

const RULES: &str = "\
alert tcp any any -> any 9999 (msg:\"marker\"; flow:to_server; content:\"EVIL-PAYLOAD-ONE\"; sid:1;)
alert tcp any any -> any 9999 (msg:\"ordered pair\"; content:\"needle\"; content:\"haystack\"; distance:0; sid:2;)
alert tcp any any -> any 9999 (msg:\"pcre\"; pcre:\"/SECRET=[0-9]{6}/\"; sid:3;)
alert tcp any 9999 -> any any (msg:\"server side\"; flow:to_client; content:\"SERVER-SAYS-HI\"; sid:4;)
alert tcp any any -> any any (msg:\"never\"; content:\"not in any stream\"; sid:5;)
alert tcp any any -> any any (msg:\"never, wrong order\"; content:\"haystack\"; content:\"needle\"; distance:0; sid:6;)
alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/secret/path\"; sid:7;)
alert http any any -> any any (msg:\"user agent\"; http.user_agent; content:\"prop-agent\"; bsize:10; sid:8;)
alert http any any -> any any (msg:\"server header\"; http.server; content:\"propsrv\"; sid:9;)
alert http any any -> any any (msg:\"response body\"; http.response_body; content:\"hello world\"; sid:10;)
";

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-seg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The sorted alert sids warden raises on `cap`.
fn alerts(dir: &Path, cap: &Capture) -> Vec<u64> {
    let pcap = dir.join("c.pcap");
    cap.write(&pcap);
    let rules = dir.join("r.rules");
    std::fs::write(&rules, RULES).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["-r", pcap.to_str().unwrap(), "-S", rules.to_str().unwrap()])
        .args(["-l", dir.to_str().unwrap(), "-k", "none"])
        .output()
        .expect("run warden");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eve = std::fs::read_to_string(dir.join("eve.json")).unwrap();
    let _ = std::fs::remove_file(dir.join("eve.json"));
    let _ = std::fs::remove_file(dir.join("fast.log"));
    let mut sids: Vec<u64> = eve
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event_type"] == "alert")
        .map(|e| e["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    sids.sort_unstable();
    sids
}

#[test]
fn any_segmentation_raises_the_alerts_of_the_unsegmented_stream() {
    let dir = tmpdir("prop");
    let whole = alerts(&dir, &conversation(None));
    // the baseline itself is what a reader expects: each rule that can
    // match fires once, the two that cannot never do
    assert_eq!(whole, [1, 2, 3, 4, 7, 8, 9, 10]);
    let mut rng = Rng(0x4528_21e6_38d0_1377);
    for round in 0..40 {
        let cap = conversation(Some(&mut rng));
        assert_eq!(alerts(&dir, &cap), whole, "round {round}");
    }
}
