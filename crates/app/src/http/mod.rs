//! HTTP/1.x: streaming parser, transactions and inspection buffers.
//!
//! [`HttpParser`] is fed each direction's reassembled TCP stream in any
//! chunk sizes ([`HttpParser::parse`]), pairs requests with responses
//! (pipelining included) into [`HttpTx`] transactions and exposes every
//! buffer Suricata's HTTP keywords inspect, plus the EVE `http` record data
//! ([`HttpTx::eve_fields`]) and anomaly events named as Suricata's
//! ([`HttpEvent`]). Message bodies are tracked as files ([`HttpFile`]) for
//! EVE `fileinfo` records and the file keywords.
//!
//! # Library decision: own parser, not `suricata-htp`
//!
//! `suricata-htp` 8.0.8 (libhtp in Rust, BSD-3) was evaluated: it builds
//! here, but its connection parser's driving methods are `pub(crate)`; the
//! only public way to feed data, read transactions and receive body data is
//! the C API (`c_api::*`, raw pointers, `unsafe extern "C"` callbacks and a
//! `&'static` config). Using it would put FFI-style `unsafe` glue into a
//! crate that forbids `unsafe`, and pulls brotli, lzma-rs, nom 7, libc and a
//! C-flavoured API with it. `httparse` was the other candidate; it is strict
//! by design (rejects folding, spaces in targets, bare names, non-token
//! bytes) where an IDS must keep parsing and raise an event, and it covers
//! only the head, which is the easy part. So this module is a hand-written,
//! lenient, line-oriented state machine (one `memchr` per line) with
//! libhtp's observable behaviour where Suricata's rules depend on it
//! (URI normalisation, header merging, buffer shapes, event names), and
//! flate2 for gzip/deflate. It must be measured against the reference's
//! `http` records.
//!
//! # Leniency (what libhtp also accepts)
//!
//! Bare `\n` line ends, empty lines before a request, leading whitespace
//! (event), header folding, `Name : value` (event), lines without a colon
//! (event), repeated headers (merged, event), invalid chunk sizes (event;
//! the rest of the direction becomes body, decided as soon as the
//! unfinished line cannot be a size), `Content-Length` and
//! `Transfer-Encoding` together (chunked wins). Evasions libhtp sees
//! through: bare CRs ending response head lines, a line starting with NUL
//! folding into the previous field, NUL bytes ignored in the framing
//! headers' names and values, lenient content decoding (see `body`).
//!
//! # Bounds
//!
//! Lines longer than [`HttpConfig::max_line_len`] are truncated (event
//! `*_field_too_long`), header blocks are capped at
//! [`HttpConfig::max_header_bytes`] and [`HttpConfig::max_headers`] fields,
//! bodies at the body limits, decompression by the same limits and a bomb
//! check, and the number of live transactions at [`HttpConfig::max_tx`].

mod body;
mod events;
mod file;
mod parser;
pub mod replay;
mod tx;
mod uri;

pub use events::{HttpEvent, HttpEvents};
pub use file::{FileState, HttpFile};
pub use parser::{HttpParser, ParseResult};
pub use tx::{HttpEveFields, HttpHeader, HttpTx, Progress};

use crate::Probe;

/// Limits of one HTTP parser (per flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Request body bytes kept for inspection (0 = unlimited); Suricata's
    /// `request-body-limit`, 100 KiB by default.
    pub request_body_limit: usize,
    /// Decoded response body bytes kept (0 = unlimited); Suricata's
    /// `response-body-limit`, 100 KiB by default.
    pub response_body_limit: usize,
    /// Longest start or header line kept (longer lines are truncated).
    pub max_line_len: usize,
    /// Largest header block kept as `http.header.raw`.
    pub max_header_bytes: usize,
    /// Most header fields per message.
    pub max_headers: usize,
    /// Decompressed size beyond which a high ratio counts as a bomb.
    pub decompression_bomb_limit: u64,
    /// Most transactions kept per flow; the oldest are dropped beyond.
    pub max_tx: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_body_limit: 100 * 1024,
            response_body_limit: 100 * 1024,
            max_line_len: 18 * 1024,
            max_header_bytes: 64 * 1024,
            max_headers: 1024,
            decompression_bomb_limit: 1 << 20,
            max_tx: 512,
        }
    }
}

/// Methods recognised when probing (as Suricata's HTTP probing patterns).
const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"TRACE",
    b"CONNECT",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"CHECKOUT",
    b"CHECKIN",
    b"REPORT",
    b"MKACTIVITY",
    b"MERGE",
    b"UPDATE",
    b"LABEL",
    b"VERSION-CONTROL",
    b"UNCHECKOUT",
    b"MKWORKSPACE",
    b"BASELINE-CONTROL",
    b"ACL",
    b"ORDERPATCH",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"NOTIFY",
    b"POLL",
    b"BMOVE",
    b"BDELETE",
    b"BPROPFIND",
    b"BPROPPATCH",
    b"BCOPY",
];

/// Does `data` (the start of the client's stream) begin an HTTP request?
///
/// Yes when it starts with a known method followed by a space (or tab).
pub fn probe_request(data: &[u8]) -> Probe {
    let mut need_more = false;
    for m in METHODS {
        if data.len() > m.len() {
            if data.starts_with(m) && matches!(data[m.len()], b' ' | b'\t') {
                return Probe::Yes;
            }
        } else if m.starts_with(data) {
            need_more = true;
        }
    }
    if need_more {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

/// Does `data` (the start of the server's stream) begin an HTTP response?
///
/// Yes when it starts with `HTTP/1.` (any case).
pub fn probe_response(data: &[u8]) -> Probe {
    const P: &[u8] = b"HTTP/1.";
    let n = data.len().min(P.len());
    if !data[..n].eq_ignore_ascii_case(&P[..n]) {
        Probe::No
    } else if n < P.len() {
        Probe::NeedMore
    } else {
        Probe::Yes
    }
}

/// Trims spaces and tabs (and stray CR) at both ends.
pub(crate) fn trim(v: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(*b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c);
    let start = v.iter().position(|b| !ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !ws(b)).map_or(start, |p| p + 1);
    &v[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes() {
        assert_eq!(probe_request(b"GET / HTTP/1.1\r\n"), Probe::Yes);
        assert_eq!(probe_request(b"GE"), Probe::NeedMore);
        assert_eq!(probe_request(b"GET"), Probe::NeedMore);
        assert_eq!(probe_request(b""), Probe::NeedMore);
        assert_eq!(probe_request(b"GETX"), Probe::No);
        assert_eq!(probe_request(b"\x16\x03\x01"), Probe::No);
        assert_eq!(probe_request(b"PROPFIND /x"), Probe::Yes);
        assert_eq!(probe_response(b"HTTP/1.1 200"), Probe::Yes);
        assert_eq!(probe_response(b"http/1."), Probe::Yes);
        assert_eq!(probe_response(b"HTT"), Probe::NeedMore);
        assert_eq!(probe_response(b"SSH-2.0"), Probe::No);
    }

    #[test]
    fn trims() {
        assert_eq!(trim(b"  a b\t "), b"a b");
        assert_eq!(trim(b"   "), b"");
    }
}
