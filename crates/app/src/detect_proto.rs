//! Application-protocol detection by content, independent of ports.
//!
//! [`probe_tcp`] looks at the start of one direction of a TCP stream and
//! answers [`Detection::Found`], [`Detection::NeedMore`] or
//! [`Detection::NotThis`]; [`probe_udp`] does the same for one datagram.
//! [`TcpDetector`] keeps the per-flow bookkeeping: it buffers the first bytes
//! of each direction, asks the probes, and gives up (the flow's protocol
//! becomes [`AppProtoKind::Failed`], as Suricata's `failed`) once both
//! directions have been ruled out or [`PROBE_DEPTH`] bytes of each have been
//! seen without an answer.
//!
//! Signatures (by direction, first bytes of the stream):
//! - HTTP/1.x: a request method and a space, then a request line that ends
//!   in `HTTP/x` (or an HTTP/0.9 `GET /path` line); a response `HTTP/1.`.
//!   The method list and response check are `crate::http`'s probes.
//! - TLS: a handshake record (0x16), version 3.0-3.4, a plausible length and
//!   a ClientHello or ServerHello; also an SSLv2-framed ClientHello.
//! - SSH: `SSH-`.
//! - SMTP / FTP: a `220` banner naming (E)SMTP or FTP, or the client's first
//!   command (`EHLO`/`HELO` for SMTP, `USER` for FTP).
//! - DNS over TCP: a 2-byte length and a valid header and question section.

use crate::dns::parser;
use crate::{http, Probe};

/// Bytes of each direction looked at before giving up.
pub const PROBE_DEPTH: usize = 4096;

/// Application protocol of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppProtoKind {
    /// Not decided yet.
    Unknown,
    /// Detection gave up.
    Failed,
    /// HTTP/1.x.
    Http1,
    /// TLS / SSL.
    Tls,
    /// DNS (UDP or TCP).
    Dns,
    /// SSH.
    Ssh,
    /// SMTP.
    Smtp,
    /// FTP (control channel).
    Ftp,
}

impl AppProtoKind {
    /// Suricata's name (rule protocol, EVE `app_proto`).
    pub fn name(self) -> &'static str {
        match self {
            AppProtoKind::Unknown => "unknown",
            AppProtoKind::Failed => "failed",
            AppProtoKind::Http1 => "http",
            AppProtoKind::Tls => "tls",
            AppProtoKind::Dns => "dns",
            AppProtoKind::Ssh => "ssh",
            AppProtoKind::Smtp => "smtp",
            AppProtoKind::Ftp => "ftp",
        }
    }
}

/// Answer of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// The data starts this protocol.
    Found(AppProtoKind),
    /// Not enough bytes to decide.
    NeedMore,
    /// No known protocol starts like this.
    NotThis,
}

/// Merges probe answers: the first `Found` wins, then `NeedMore`.
fn first_of(results: &[Detection]) -> Detection {
    let mut need_more = false;
    for r in results {
        match r {
            Detection::Found(_) => return *r,
            Detection::NeedMore => need_more = true,
            Detection::NotThis => {}
        }
    }
    if need_more {
        Detection::NeedMore
    } else {
        Detection::NotThis
    }
}

/// `data` is a (possibly partial) prefix of `token`, or starts with it.
fn prefix(data: &[u8], token: &[u8]) -> Detection {
    let n = data.len().min(token.len());
    if !data[..n].eq_ignore_ascii_case(&token[..n]) {
        Detection::NotThis
    } else if n < token.len() {
        Detection::NeedMore
    } else {
        Detection::Found(AppProtoKind::Unknown)
    }
}

fn probe_http_request(data: &[u8]) -> Detection {
    match http::probe_request(data) {
        Probe::No => return Detection::NotThis,
        Probe::NeedMore => return Detection::NeedMore,
        Probe::Yes => {}
    }
    let Some(eol) = data.iter().position(|&b| b == b'\n') else {
        return if data.len() >= PROBE_DEPTH {
            Detection::NotThis
        } else {
            Detection::NeedMore
        };
    };
    let line = data[..eol].strip_suffix(b"\r").unwrap_or(&data[..eol]);
    let mut tokens = line
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|t| !t.is_empty());
    let (_method, uri, proto, extra) = (tokens.next(), tokens.next(), tokens.next(), tokens.next());
    match (uri, proto, extra) {
        (Some(_), Some(p), None) if p.len() >= 5 && p[..5].eq_ignore_ascii_case(b"HTTP/") => {
            Detection::Found(AppProtoKind::Http1)
        }
        // HTTP/0.9: `GET /path`.
        (Some(u), None, None) if u.starts_with(b"/") => Detection::Found(AppProtoKind::Http1),
        _ => Detection::NotThis,
    }
}

fn probe_http_response(data: &[u8]) -> Detection {
    match http::probe_response(data) {
        Probe::Yes => Detection::Found(AppProtoKind::Http1),
        Probe::NeedMore => Detection::NeedMore,
        Probe::No => Detection::NotThis,
    }
}

/// TLS record header with a hello, or an SSLv2 ClientHello.
pub fn probe_tls(data: &[u8]) -> Detection {
    let Some(&first) = data.first() else {
        return Detection::NeedMore;
    };
    if first == 0x16 {
        if data.len() < 6 {
            let ok = data.get(1).is_none_or(|&v| v == 3) && data.get(2).is_none_or(|&v| v <= 4);
            return if ok {
                Detection::NeedMore
            } else {
                Detection::NotThis
            };
        }
        let len = usize::from(u16::from_be_bytes([data[3], data[4]]));
        let plausible = data[1] == 3 && data[2] <= 4 && (4..=16_384 + 2_048).contains(&len);
        if plausible && matches!(data[5], 1 | 2) {
            return Detection::Found(AppProtoKind::Tls);
        }
        return Detection::NotThis;
    }
    if first & 0x80 != 0 {
        // SSLv2 record: 2-byte length, msg type 1, version 0x0002 or 3.x.
        if data.len() < 5 {
            return Detection::NeedMore;
        }
        let len = (usize::from(first & 0x7f) << 8) | usize::from(data[1]);
        let version_ok = matches!((data[3], data[4]), (0, 2) | (3, 0..=4));
        if data[2] == 1 && version_ok && len >= 9 {
            return Detection::Found(AppProtoKind::Tls);
        }
    }
    Detection::NotThis
}

fn probe_ssh(data: &[u8]) -> Detection {
    match prefix(data, b"SSH-") {
        Detection::Found(_) => Detection::Found(AppProtoKind::Ssh),
        d => d,
    }
}

/// A `220` banner: (E)SMTP or FTP according to its text.
fn probe_banner(data: &[u8]) -> Detection {
    match prefix(data, b"220") {
        Detection::Found(_) => {}
        d => return d,
    }
    if data.len() > 3 && !matches!(data[3], b' ' | b'-') {
        return Detection::NotThis;
    }
    let Some(eol) = data.iter().position(|&b| b == b'\n') else {
        return if data.len() >= 512 {
            Detection::NotThis
        } else {
            Detection::NeedMore
        };
    };
    let line = data[..eol].to_ascii_uppercase();
    let has = |w: &[u8]| line.windows(w.len()).any(|x| x == w);
    if has(b"SMTP") {
        Detection::Found(AppProtoKind::Smtp)
    } else if has(b"FTP") {
        Detection::Found(AppProtoKind::Ftp)
    } else {
        Detection::NotThis
    }
}

/// The client's first SMTP or FTP command.
fn probe_mail_ftp_client(data: &[u8]) -> Detection {
    let cmds: [(&[u8], AppProtoKind); 3] = [
        (b"EHLO ", AppProtoKind::Smtp),
        (b"HELO ", AppProtoKind::Smtp),
        (b"USER ", AppProtoKind::Ftp),
    ];
    let mut need_more = false;
    for (cmd, kind) in cmds {
        match prefix(data, cmd) {
            Detection::Found(_) => return Detection::Found(kind),
            Detection::NeedMore => need_more = true,
            Detection::NotThis => {}
        }
    }
    if need_more {
        Detection::NeedMore
    } else {
        Detection::NotThis
    }
}

/// DNS over TCP: length prefix, valid header and question section.
pub fn probe_dns_tcp(data: &[u8]) -> Detection {
    if data.len() < 2 {
        return Detection::NeedMore;
    }
    let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
    if len < parser::HEADER_LEN + 5 {
        return Detection::NotThis;
    }
    // Rule out early on what the partial header already shows.
    if let Some(&hi) = data.get(4) {
        if !matches!((hi >> 3) & 0x0f, 0 | 1 | 2 | 4 | 5 | 6) {
            return Detection::NotThis;
        }
    }
    if let (Some(&a), Some(&b)) = (data.get(6), data.get(7)) {
        if !(1..=16).contains(&u16::from_be_bytes([a, b])) {
            return Detection::NotThis;
        }
    }
    if data.len() < 2 + parser::HEADER_LEN {
        return Detection::NeedMore;
    }
    let msg = &data[2..data.len().min(2 + len)];
    if parser::probe(msg) {
        return Detection::Found(AppProtoKind::Dns);
    }
    // The question may still be incomplete.
    if msg.len() < len && msg.len() < parser::HEADER_LEN + 260 {
        Detection::NeedMore
    } else {
        Detection::NotThis
    }
}

/// Probes the start of one TCP direction (`data` = everything seen so far).
pub fn probe_tcp(to_server: bool, data: &[u8]) -> Detection {
    if data.is_empty() {
        return Detection::NeedMore;
    }
    if to_server {
        first_of(&[
            probe_tls(data),
            probe_ssh(data),
            probe_http_request(data),
            probe_mail_ftp_client(data),
            probe_dns_tcp(data),
        ])
    } else {
        first_of(&[
            probe_tls(data),
            probe_ssh(data),
            probe_http_response(data),
            probe_banner(data),
            probe_dns_tcp(data),
        ])
    }
}

/// Probes one UDP datagram for DNS. Port 53 or 5353 on either side accepts
/// any valid header and question section; on other ports the whole message
/// must parse cleanly with a single question.
pub fn probe_udp(dst_port: u16, src_port: u16, data: &[u8]) -> Detection {
    if !parser::probe(data) {
        return Detection::NotThis;
    }
    let dns_port = |p: u16| p == 53 || p == 5353;
    if dns_port(dst_port) || dns_port(src_port) {
        return Detection::Found(AppProtoKind::Dns);
    }
    match parser::parse_message(data) {
        Ok(m) if m.events.is_empty() && m.queries.len() == 1 => Detection::Found(AppProtoKind::Dns),
        _ => Detection::NotThis,
    }
}

/// Per-direction probing progress.
#[derive(Debug, Default, Clone)]
struct DirProbe {
    buf: Vec<u8>,
    done: bool,
}

/// Per-flow TCP protocol detection with Suricata's give-up rule.
#[derive(Debug, Default, Clone)]
pub struct TcpDetector {
    dirs: [DirProbe; 2],
    result: Option<AppProtoKind>,
}

impl TcpDetector {
    /// New detector for a flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// The decision, once made ([`AppProtoKind::Failed`] when given up).
    pub fn result(&self) -> Option<AppProtoKind> {
        self.result
    }

    /// Feeds the next reassembled bytes of one direction. Returns the
    /// protocol as soon as it is known (and the same answer afterwards).
    pub fn feed(&mut self, to_server: bool, data: &[u8]) -> Option<AppProtoKind> {
        if self.result.is_some() {
            return self.result;
        }
        let d = &mut self.dirs[usize::from(!to_server)];
        if d.done || data.is_empty() {
            return None;
        }
        let room = PROBE_DEPTH.saturating_sub(d.buf.len());
        d.buf.extend_from_slice(&data[..data.len().min(room)]);
        match probe_tcp(to_server, &d.buf) {
            Detection::Found(kind) => {
                self.result = Some(kind);
                self.dirs = Default::default();
            }
            Detection::NotThis => d.done = true,
            Detection::NeedMore if d.buf.len() >= PROBE_DEPTH => d.done = true,
            Detection::NeedMore => {}
        }
        if self.dirs[0].done && self.dirs[1].done {
            self.result = Some(AppProtoKind::Failed);
            self.dirs = Default::default();
        }
        self.result
    }

    /// The flow ended (or the caller stops probing): whatever is undecided
    /// becomes [`AppProtoKind::Failed`] if any data was seen.
    pub fn finish(&mut self) -> AppProtoKind {
        if self.result.is_none() {
            let seen = self.dirs.iter().any(|d| !d.buf.is_empty() || d.done);
            self.result = Some(if seen {
                AppProtoKind::Failed
            } else {
                AppProtoKind::Unknown
            });
        }
        self.result.unwrap_or(AppProtoKind::Unknown)
    }
}
