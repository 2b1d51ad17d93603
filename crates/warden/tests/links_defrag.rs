//! End-to-end: link types beyond Ethernet (PPP, Cisco HDLC, SLL2) and IP
//! defragmentation as an operator sees them: alerts on the reassembled
//! packet carry the frame with the first fragment's link header and the
//! capture's link type, fragment anomalies fire `decode-event` rules on the
//! fragment that caused them, and per-link decoder counters are in stats.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use common::Capture;
use serde_json::Value;
use warden_packet::build::{self, Builder};
use warden_packet::{proto, tcp_flags};

const A4: Ipv4Addr = Ipv4Addr::new(1, 1, 1, 1);
const B4: Ipv4Addr = Ipv4Addr::new(2, 2, 2, 2);
const A6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-links-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `cap` with link type `dlt` and `rules`, runs warden, returns
/// the EVE events.
fn run(name: &str, cap: &Capture, dlt: u32, rules: &str) -> Vec<Value> {
    let dir = tmpdir(name);
    let pcap = dir.join("in.pcap");
    cap.write_link(&pcap, dlt);
    let rules_path = dir.join("test.rules");
    std::fs::write(&rules_path, rules).unwrap();
    // alerts log the packet (`packet` and `packet_info`)
    let config = dir.join("warden.yaml");
    std::fs::write(
        &config,
        "outputs:\n  - eve-log:\n      types:\n        - alert:\n            packet: yes\n        - flow\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "-r",
            path(&pcap),
            "-S",
            path(&rules_path),
            "-c",
            path(&config),
        ])
        .args(["-l", path(&dir)])
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

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn alerts(ev: &[Value], sid: u64) -> Vec<&Value> {
    ev.iter()
        .filter(|e| e["event_type"] == "alert" && e["alert"]["signature_id"] == sid)
        .collect()
}

fn stats(ev: &[Value]) -> &Value {
    &ev.iter()
        .rfind(|e| e["event_type"] == "stats")
        .expect("stats event")["stats"]
}

/// Standard base64 with padding (what EVE's `packet` holds).
fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// A TCP SYN with `payload`, as a bare IP packet.
fn syn(b: &Builder, src: IpAddr, dst: IpAddr, payload: &[u8]) -> Vec<u8> {
    let raw = Builder {
        raw_ip: true,
        ..b.clone()
    };
    raw.tcp(src, dst, 12345, 8080, 1, 0, tcp_flags::SYN, payload)
}

/// The bare IP fragments of `l4` (protocol `p`) in `size`-byte pieces.
fn fragments(b: &Builder, src: IpAddr, dst: IpAddr, p: u8, l4: &[u8], size: usize) -> Vec<Vec<u8>> {
    let raw = Builder {
        raw_ip: true,
        ..b.clone()
    };
    l4.chunks(size)
        .enumerate()
        .map(|(i, piece)| {
            let more = (i + 1) * size < l4.len();
            raw.ip_frag(src, dst, p, (i * size / 8) as u16, more, piece)
        })
        .collect()
}

fn tcp_l4(src: IpAddr, dst: IpAddr, payload: &[u8]) -> Vec<u8> {
    Builder::default().tcp_segment(src, dst, 12345, 8080, 1, 0, tcp_flags::SYN, payload)
}

#[test]
fn ppp_fragments_alert_on_the_reassembled_frame_with_its_ppp_header() {
    let b = Builder {
        ip_id: 77,
        ..Builder::default()
    };
    for (src, dst) in [(IpAddr::V4(A4), IpAddr::V4(B4)), (A6.into(), B6.into())] {
        let payload = [0x41u8; 40];
        let l4 = tcp_l4(src, dst, &payload);
        let mut cap = Capture::new(1_700_000_000);
        for f in fragments(&b, src, dst, proto::TCP, &l4, 24) {
            cap.push(build::ppp(&f));
        }
        let ev = run(
            "ppp",
            &cap,
            9,
            "alert tcp any any -> any any (tcp.flags:S; sid:1;)\n",
        );
        let a = alerts(&ev, 1);
        assert_eq!(a.len(), 1, "{ev:?}");
        let whole = build::ppp(&syn(&b, src, dst, &payload));
        assert_eq!(a[0]["packet"], base64(&whole));
        assert_eq!(a[0]["packet_info"]["linktype"], 9);
        assert_eq!(a[0]["packet_info"]["linktype_name"], "PPP");
        assert_eq!(stats(&ev)["decoder"]["ppp"], 3);
    }
}

#[test]
fn vlan_ethernet_fragments_keep_the_first_fragments_link_header() {
    let b = Builder::default().vlan(6);
    let (src, dst) = (IpAddr::V4(A4), IpAddr::V4(B4));
    let l4 = tcp_l4(src, dst, b"");
    let mut cap = Capture::new(1_700_000_000);
    // last fragment first: the link header still comes from offset 0
    let frags = fragments(&b, src, dst, proto::TCP, &l4, 8);
    for f in frags.iter().rev() {
        cap.push(b.link(0x0800, f));
    }
    let ev = run(
        "vlan",
        &cap,
        1,
        "alert tcp any any -> any any (tcp.flags:S; sid:1;)\n",
    );
    let a = alerts(&ev, 1);
    assert_eq!(a.len(), 1, "{ev:?}");
    let whole = b.link(0x0800, &syn(&b, src, dst, b""));
    assert_eq!(a[0]["packet"], base64(&whole));
    assert_eq!(a[0]["vlan"], serde_json::json!([6]));
    assert_eq!(a[0]["packet_info"]["linktype"], 1);
}

#[test]
fn overlapping_fragments_fire_frag_overlap_on_the_overlapping_fragment() {
    let rules = "alert pkthdr any any -> any any (decode-event:ipv6.frag_overlap; sid:2200072;)\n\
                 alert pkthdr any any -> any any (decode-event:ipv4.frag_overlap; sid:2200070;)\n";
    for (src, dst, sid) in [
        (IpAddr::V6(A6), IpAddr::V6(B6), 2200072),
        (A4.into(), B4.into(), 2200070),
    ] {
        let b = Builder::default();
        let data = [7u8; 32];
        let mut cap = Capture::new(1_700_000_000);
        cap.push(b.fragment(src, dst, proto::UDP, 0, true, &data[..16]));
        // bytes 8..24 overlap the first fragment
        cap.push(b.fragment(src, dst, proto::UDP, 1, true, &data[..16]));
        cap.push(b.fragment(src, dst, proto::UDP, 3, false, &data[..8]));
        let ev = run("overlap", &cap, 1, rules);
        let a = alerts(&ev, sid);
        assert_eq!(a.len(), 1, "{ev:?}");
        // the second packet of the capture overlapped
        let second = base64(&cap.frames[1].1);
        assert_eq!(a[0]["packet"], second);
        assert_eq!(alerts(&ev, 2200072 + 2200070 - sid).len(), 0);
    }
}

#[test]
fn cisco_hdlc_and_sll2_are_decoded_and_counted() {
    let (src, dst) = (IpAddr::V4(A4), IpAddr::V4(B4));
    let ip = Builder::default()
        .raw_ip()
        .udp(src, dst, 1000, 2000, b"hello hdlc");
    let rule = "alert udp any any -> any 2000 (content:\"hello\"; sid:5;)\n";
    let mut cap = Capture::new(1_700_000_000);
    cap.push(build::chdlc(&ip));
    cap.push(build::chdlc(&ip));
    let ev = run("chdlc", &cap, 104, rule);
    assert_eq!(alerts(&ev, 5).len(), 2, "{ev:?}");
    assert_eq!(alerts(&ev, 5)[0]["packet_info"]["linktype_name"], "C_HDLC");
    assert_eq!(stats(&ev)["decoder"]["chdlc"], 2);
    assert_eq!(stats(&ev)["decoder"]["ipv4"], 2);

    // SLL2: protocol, reserved, interface index, ARPHRD, packet type,
    // address length, 8 address bytes
    let mut sll2 = 0x0800u16.to_be_bytes().to_vec();
    sll2.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
    sll2.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0, 0]);
    sll2.extend_from_slice(&ip);
    let mut cap = Capture::new(1_700_000_000);
    cap.push(sll2);
    let ev = run("sll2", &cap, 276, rule);
    assert_eq!(alerts(&ev, 5).len(), 1, "{ev:?}");
    assert_eq!(
        alerts(&ev, 5)[0]["packet_info"]["linktype_name"],
        "LINUX_SLL2"
    );
    assert_eq!(stats(&ev)["decoder"]["sll2"], 1);
}
