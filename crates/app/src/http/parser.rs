//! The per-flow HTTP/1.x state machine.
//!
//! Each direction has its own state (start line, headers, body framing) and
//! a line accumulator used only when a line spans chunks; complete lines
//! inside a chunk are parsed in place. Only new bytes are searched for the
//! line end, so byte-at-a-time input costs linear time.
//!
//! Requests open transactions in arrival order; responses attach to the
//! oldest transaction without a response (pipelining). A response with no
//! request to pair gets its own transaction and the
//! `unable_to_match_response_to_request` event. Interim `1xx` responses are
//! parsed and replaced by the final one (`101` switches to a tunnel, as a
//! `2xx` to CONNECT does: the rest of the flow is not HTTP).

use std::collections::VecDeque;

use memchr::memchr;

use super::body::{BodyDecoder, Coding};
use super::events::HttpEvent;
use super::file::FileState;
use super::tx::{HeaderBlock, HttpHeader, HttpTx, Progress};
use super::{trim, uri, HttpConfig};
use crate::Probe;

/// What a call to [`HttpParser::parse`] leaves the direction in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseResult {
    /// Data consumed; keep feeding.
    Ok,
    /// The direction is a tunnel now (CONNECT accepted or `101`
    /// Switching Protocols): its data is no longer HTTP and is ignored.
    Tunnel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a start line.
    Idle,
    /// Header lines.
    Headers,
    /// Body of known length: bytes left.
    Length(u64),
    /// Chunk-size line expected.
    ChunkSize,
    /// Chunk data: bytes left.
    ChunkData(u64),
    /// The CRLF after chunk data.
    ChunkDataEnd,
    /// Trailer lines after the last chunk.
    ChunkTrailer,
    /// Body until the connection closes.
    UntilClose,
    /// Request side after CONNECT, until the response decides.
    ConnectWait,
    /// Not HTTP any more.
    Tunnel,
    /// After a gap: skip to something that starts a message.
    Resync,
}

#[derive(Debug)]
struct Dir {
    state: State,
    line: Vec<u8>,
    line_overflow: bool,
    /// The transaction this direction is filling.
    tx: Option<u64>,
    decoder: Option<BodyDecoder>,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            state: State::Idle,
            line: Vec::new(),
            line_overflow: false,
            tx: None,
            decoder: None,
        }
    }
}

/// Where the line to process lives.
enum Line {
    Data(usize, usize),
    Buffered,
}

/// Per-flow HTTP/1.x parser.
#[derive(Debug)]
pub struct HttpParser {
    cfg: HttpConfig,
    txs: VecDeque<HttpTx>,
    next_id: u64,
    /// Id of the oldest transaction still waiting for its response.
    resp_next: u64,
    req: Dir,
    resp: Dir,
    closed: bool,
    dropped_tx: u64,
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c | b'\r')
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses a decimal Content-Length; `None` when invalid. Repeated equal
/// values (`"10, 10"`, from merging) are accepted; `Some(Err)` flags
/// differing repetitions.
fn parse_content_length(v: &[u8]) -> Option<Result<u64, ()>> {
    let mut val: Option<u64> = None;
    for part in v.split(|&b| b == b',') {
        let p = trim(part);
        if p.is_empty() || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = p.iter().try_fold(0u64, |a, &d| {
            a.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })?;
        match val {
            None => val = Some(n),
            Some(prev) if prev != n => return Some(Err(())),
            _ => {}
        }
    }
    val.map(Ok)
}

/// Case-insensitive search that skips NUL bytes in `hay`.
fn contains_ci_ignoring_nul(hay: &[u8], needle: &[u8]) -> bool {
    if hay.contains(&0) {
        let clean: Vec<u8> = hay.iter().copied().filter(|&b| b != 0).collect();
        return contains_ci_ignoring_nul(&clean, needle);
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether an unfinished chunk-size line can still become one: optional
/// leading whitespace, at most 16 hex digits, then nothing or a
/// separator (extension, whitespace, line end).
fn chunk_size_prefix_ok(line: &[u8]) -> bool {
    let start = line.iter().position(|&b| !is_ws(b)).unwrap_or(line.len());
    let rest = &line[start..];
    let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits > 16 {
        return false;
    }
    match rest.get(digits) {
        None => true,
        Some(&b) => digits > 0 && (b == b';' || is_ws(b)),
    }
}

impl HttpParser {
    /// A parser for one flow.
    pub fn new(config: HttpConfig) -> HttpParser {
        HttpParser {
            cfg: config,
            txs: VecDeque::new(),
            next_id: 0,
            resp_next: 0,
            req: Dir::new(),
            resp: Dir::new(),
            closed: false,
            dropped_tx: 0,
        }
    }

    /// The parser's limits.
    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    /// Transactions currently held, oldest first.
    pub fn txs(&self) -> impl Iterator<Item = &HttpTx> {
        self.txs.iter()
    }

    /// Number of transactions currently held.
    pub fn tx_count(&self) -> usize {
        self.txs.len()
    }

    /// The transaction with this id, if still held.
    pub fn tx(&self, id: u64) -> Option<&HttpTx> {
        let first = self.txs.front()?.id;
        let idx = usize::try_from(id.checked_sub(first)?).ok()?;
        self.txs.get(idx)
    }

    /// Id the next new transaction will get (= transactions opened so far).
    pub fn next_tx_id(&self) -> u64 {
        self.next_id
    }

    /// Frees every transaction with an id below `id` (done with by
    /// detection and logging).
    pub fn free_txs_before(&mut self, id: u64) {
        while self.txs.front().is_some_and(|t| t.id < id) {
            self.txs.pop_front();
        }
    }

    /// Transactions dropped because [`HttpConfig::max_tx`] was reached.
    pub fn dropped_tx(&self) -> u64 {
        self.dropped_tx
    }

    /// Whether [`HttpParser::on_close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn tx_mut(&mut self, id: u64) -> Option<&mut HttpTx> {
        let first = self.txs.front()?.id;
        let idx = usize::try_from(id.checked_sub(first)?).ok()?;
        self.txs.get_mut(idx)
    }

    fn dir(&mut self, to_server: bool) -> &mut Dir {
        if to_server {
            &mut self.req
        } else {
            &mut self.resp
        }
    }

    fn cur_tx(&mut self, to_server: bool) -> Option<&mut HttpTx> {
        let id = self.dir(to_server).tx?;
        self.tx_mut(id)
    }

    fn event(&mut self, to_server: bool, ev: HttpEvent) {
        if let Some(tx) = self.cur_tx(to_server) {
            tx.events.insert(ev);
        }
    }

    fn new_tx(&mut self, ts_ns: i64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if self.txs.len() >= self.cfg.max_tx.max(1) {
            self.txs.pop_front();
            self.dropped_tx += 1;
        }
        self.txs.push_back(HttpTx {
            id,
            ts_request_ns: ts_ns,
            ts_last_ns: ts_ns,
            ..HttpTx::default()
        });
        id
    }

    /// Feeds the next bytes of one direction's stream (`to_server` for the
    /// client's bytes) seen at packet time `ts_ns`. Any chunking works; the
    /// parser never panics and buffers at most one line per direction.
    pub fn parse(&mut self, to_server: bool, data: &[u8], ts_ns: i64) -> ParseResult {
        let mut pos = 0;
        while pos < data.len() {
            let state = self.dir(to_server).state;
            match state {
                State::Tunnel => return ParseResult::Tunnel,
                State::ConnectWait => {
                    // Data before the server accepted CONNECT: not HTTP.
                    pos = data.len();
                }
                State::Length(left) | State::ChunkData(left) => {
                    let n = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(data.len() - pos);
                    self.body(to_server, &data[pos..pos + n], ts_ns);
                    pos += n;
                    let left = left - n as u64;
                    let d = self.dir(to_server);
                    match d.state {
                        State::Length(_) if left == 0 => self.body_done(to_server),
                        State::Length(_) => d.state = State::Length(left),
                        _ if left == 0 => d.state = State::ChunkDataEnd,
                        _ => d.state = State::ChunkData(left),
                    }
                }
                State::UntilClose => {
                    self.body(to_server, &data[pos..], ts_ns);
                    pos = data.len();
                }
                State::Resync => {
                    let d = self.dir(to_server);
                    if d.line.is_empty() {
                        let rest = &data[pos..];
                        let p = if to_server {
                            super::probe_request(rest)
                        } else {
                            super::probe_response(rest)
                        };
                        if p == Probe::Yes {
                            d.state = State::Idle;
                            continue;
                        }
                    }
                    match memchr(b'\n', &data[pos..]) {
                        Some(i) => {
                            pos += i + 1;
                            d.line.clear();
                        }
                        None => {
                            // Remember only that we are mid-line.
                            d.line.clear();
                            d.line.push(b'x');
                            pos = data.len();
                        }
                    }
                }
                State::Idle if !to_server && self.http09_response_next() => {
                    self.start_http09_response(ts_ns);
                }
                State::Idle
                | State::Headers
                | State::ChunkSize
                | State::ChunkDataEnd
                | State::ChunkTrailer => {
                    let Some(line) = self.next_line(to_server, data, &mut pos) else {
                        self.partial_chunk_size(to_server);
                        break;
                    };
                    let overflow = self.dir(to_server).line_overflow;
                    match line {
                        Line::Data(a, b) => self.line(to_server, &data[a..b], overflow, ts_ns),
                        Line::Buffered => {
                            let buf = std::mem::take(&mut self.dir(to_server).line);
                            self.line(to_server, &buf, overflow, ts_ns);
                            let d = self.dir(to_server);
                            d.line = buf;
                            d.line.clear();
                            d.line_overflow = false;
                        }
                    }
                }
            }
        }
        if self.dir(to_server).state == State::Tunnel {
            ParseResult::Tunnel
        } else {
            ParseResult::Ok
        }
    }

    /// Whether the next response answers an HTTP/0.9 request (no status
    /// line, no headers: the body runs until the close).
    fn http09_response_next(&self) -> bool {
        self.resp.tx.is_none()
            && self.resp.line.is_empty()
            && self
                .tx(self.resp_next)
                .is_some_and(|t| !t.has_req_protocol && t.req_progress >= Progress::Line)
    }

    fn start_http09_response(&mut self, ts_ns: i64) {
        let id = self.resp_next;
        self.resp_next += 1;
        self.resp.tx = Some(id);
        if let Some(tx) = self.tx_mut(id) {
            tx.ts_response_ns = ts_ns;
            tx.resp.finish(b"", false);
            tx.resp_progress = Progress::Headers;
        }
        self.resp.decoder = Some(BodyDecoder::new(
            Coding::Identity,
            self.cfg.decompression_bomb_limit,
        ));
        self.resp.state = State::UntilClose;
    }

    /// Takes the next complete line (with its line end) or buffers a partial
    /// one (then returns `None`, all data consumed).
    fn next_line(&mut self, to_server: bool, data: &[u8], pos: &mut usize) -> Option<Line> {
        let max = self.cfg.max_line_len.max(16);
        let d = self.dir(to_server);
        let rest = &data[*pos..];
        let (end, found) = match memchr(b'\n', rest) {
            Some(i) => (i + 1, true),
            None => (rest.len(), false),
        };
        let start = *pos;
        *pos += end;
        if found && d.line.is_empty() && !d.line_overflow {
            if end <= max {
                return Some(Line::Data(start, start + end));
            }
            d.line_overflow = true;
        }
        let room = max.saturating_sub(d.line.len());
        if end > room {
            d.line_overflow = true;
        }
        d.line.extend_from_slice(&rest[..end.min(room)]);
        found.then_some(Line::Buffered)
    }

    /// A chunk-size line still without its end: when what came so far can
    /// no longer be a chunk size, the body is not chunked after all and
    /// is read until the close from here (libhtp does not wait for a line
    /// end that may never come).
    fn partial_chunk_size(&mut self, to_server: bool) {
        let d = self.dir(to_server);
        if d.state != State::ChunkSize || d.line.is_empty() || chunk_size_prefix_ok(&d.line) {
            return;
        }
        let buf = std::mem::take(&mut d.line);
        d.line_overflow = false;
        self.chunk_size_line(to_server, &buf);
    }

    fn line(&mut self, to_server: bool, line: &[u8], overflow: bool, ts_ns: i64) {
        let state = self.dir(to_server).state;
        if !to_server
            && matches!(state, State::Idle | State::Headers)
            && memchr(b'\r', strip_eol(line)).is_some()
        {
            self.response_head_cr_lines(line, overflow, ts_ns);
            return;
        }
        match state {
            State::Idle if to_server => self.request_line(line, overflow, ts_ns),
            State::Idle => self.status_line(line, overflow, ts_ns),
            State::Headers => self.header_line(to_server, line, overflow),
            State::ChunkSize | State::ChunkDataEnd => self.chunk_size_line(to_server, line),
            State::ChunkTrailer if strip_eol(line).is_empty() => self.body_done(to_server),
            _ => {}
        }
    }

    /// A response head line holding bare CRs: each CR ends a line, as in
    /// libhtp's response parsing (an evasion: headers split by CR alone).
    /// Runs of CRs end one line (only a line feed ends the header block).
    fn response_head_cr_lines(&mut self, line: &[u8], overflow: bool, ts_ns: i64) {
        let pieces = strip_eol(line).split(|&b| b == b'\r');
        for piece in pieces.filter(|p| !p.is_empty()) {
            match self.resp.state {
                State::Idle => self.status_line(piece, overflow, ts_ns),
                State::Headers => self.header_line(false, piece, overflow),
                _ => break,
            }
        }
    }

    fn request_line(&mut self, line: &[u8], overflow: bool, ts_ns: i64) {
        let l = strip_eol(line);
        if l.iter().all(|&b| is_ws(b)) {
            return; // empty lines between requests
        }
        let id = self.new_tx(ts_ns);
        self.req.tx = Some(id);
        let cfg_overflow_ev = overflow;
        let Some(tx) = self.tx_mut(id) else { return };
        tx.request_line.extend_from_slice(l);
        let l = &tx.request_line[..];
        let mut i = 0;
        if is_ws(l[0]) {
            tx.events.insert(HttpEvent::RequestLineLeadingWhitespace);
            while i < l.len() && is_ws(l[i]) {
                i += 1;
            }
        }
        let m_start = i;
        while i < l.len() && !is_ws(l[i]) {
            i += 1;
        }
        tx.method = (m_start, i);
        if !l[m_start..i].iter().all(|&b| is_token(b)) {
            tx.events.insert(HttpEvent::RequestLineInvalid);
        }
        let ws_start = i;
        while i < l.len() && is_ws(l[i]) {
            i += 1;
        }
        if i - ws_start > 1 || (i > ws_start && l[ws_start] != b' ') {
            tx.events.insert(HttpEvent::MethodDelimNonCompliant);
        }
        // The target runs to the last whitespace before an `HTTP/` token.
        let rest = &l[i..];
        let proto_at = rest.iter().rposition(|&b| is_ws(b)).filter(|&p| {
            rest[p + 1..].len() >= 5 && rest[p + 1..p + 6].eq_ignore_ascii_case(b"HTTP/")
        });
        match proto_at {
            Some(p) => {
                let mut u_end = p;
                while u_end > 0 && is_ws(rest[u_end - 1]) {
                    u_end -= 1;
                }
                tx.uri_raw = (i, i + u_end);
                tx.req_protocol = (i + p + 1, l.len());
                tx.has_req_protocol = true;
                if p - u_end > 0 || rest[p] != b' ' {
                    tx.events.insert(HttpEvent::UriDelimNonCompliant);
                }
            }
            None => {
                // No protocol: HTTP/0.9 when the target is one token.
                let u_end = rest.iter().position(|&b| is_ws(b)).unwrap_or(rest.len());
                tx.uri_raw = (i, i + u_end);
                if u_end != rest.len() {
                    tx.req_protocol = (i + u_end, l.len());
                    while tx.req_protocol.0 < l.len() && is_ws(l[tx.req_protocol.0]) {
                        tx.req_protocol.0 += 1;
                    }
                    tx.has_req_protocol = true;
                    tx.events.insert(HttpEvent::RequestLineInvalid);
                } else {
                    tx.events.insert(HttpEvent::RequestLineMissingProtocol);
                }
            }
        }
        if tx.method.0 == tx.method.1 || tx.uri_raw.0 == tx.uri_raw.1 {
            tx.events.insert(HttpEvent::RequestLineIncomplete);
        }
        if cfg_overflow_ev {
            tx.events.insert(HttpEvent::RequestFieldTooLong);
        }
        let connect = tx.request_line[tx.method.0..tx.method.1].eq_ignore_ascii_case(b"CONNECT");
        let raw = &tx.request_line[tx.uri_raw.0..tx.uri_raw.1];
        let mut norm = std::mem::take(&mut tx.uri_norm);
        let info = uri::normalize(raw, connect, &mut norm);
        tx.uri_norm = norm;
        if info.double_encoded {
            tx.events.insert(HttpEvent::DoubleEncodedUri);
        }
        if let Some((a, b)) = info.host {
            let host = tx.request_line[tx.uri_raw.0 + a..tx.uri_raw.0 + b].to_vec();
            set_host(tx, &host, info.port);
            if matches!(info.port, Some(Err(()))) {
                tx.events.insert(HttpEvent::InvalidAuthorityPort);
            }
        }
        tx.req_progress = Progress::Line;
        if tx.has_req_protocol {
            self.req.state = State::Headers;
        } else {
            // HTTP/0.9: no headers, no body.
            let line = std::mem::take(&mut tx.request_line);
            tx.req.finish(&line, true);
            tx.request_line = line;
            tx.req_progress = Progress::Complete;
            self.req.tx = None;
        }
    }

    fn status_line(&mut self, line: &[u8], overflow: bool, ts_ns: i64) {
        let l = strip_eol(line);
        if l.iter().all(|&b| is_ws(b)) {
            return;
        }
        // Attach to the oldest transaction without a response.
        let id = match self.resp.tx {
            Some(id) => id, // interim response seen: same transaction
            None => {
                let id = if self.resp_next < self.next_id && self.tx(self.resp_next).is_some() {
                    self.resp_next
                } else {
                    let id = self.new_tx(ts_ns);
                    if let Some(tx) = self.tx_mut(id) {
                        tx.events.insert(HttpEvent::UnableToMatchResponseToRequest);
                    }
                    id
                };
                self.resp_next = id + 1;
                id
            }
        };
        self.resp.tx = Some(id);
        let Some(tx) = self.tx_mut(id) else { return };
        if tx.ts_response_ns == 0 {
            tx.ts_response_ns = ts_ns;
        }
        tx.ts_last_ns = ts_ns;
        tx.response_line.clear();
        tx.response_line.extend_from_slice(l);
        tx.resp = HeaderBlock::default();
        tx.status = None;
        if overflow {
            tx.events.insert(HttpEvent::ResponseFieldTooLong);
        }
        let l = &tx.response_line[..];
        let mut i = 0;
        while i < l.len() && is_ws(l[i]) {
            i += 1;
        }
        let p_start = i;
        while i < l.len() && !is_ws(l[i]) {
            i += 1;
        }
        tx.resp_protocol = (p_start, i);
        let proto = &l[p_start..i];
        let http = proto.len() >= 5 && proto[..5].eq_ignore_ascii_case(b"HTTP/");
        while i < l.len() && is_ws(l[i]) {
            i += 1;
        }
        let c_start = i;
        while i < l.len() && !is_ws(l[i]) {
            i += 1;
        }
        tx.stat_code = (c_start, i);
        while i < l.len() && is_ws(l[i]) {
            i += 1;
        }
        tx.stat_msg = (i, l.len());
        let code = &l[c_start..tx.stat_code.1];
        if code.len() == 3 && code.iter().all(u8::is_ascii_digit) {
            tx.status = Some(code.iter().fold(0u16, |a, &d| a * 10 + u16::from(d - b'0')));
        } else {
            tx.events.insert(HttpEvent::ResponseInvalidStatus);
        }
        tx.resp_progress = Progress::Line;
        if !http {
            // Not a status line: what follows is body until close.
            tx.events.insert(HttpEvent::ResponseInvalidProtocol);
            tx.resp_protocol = (0, 0);
            tx.stat_code = (0, 0);
            tx.stat_msg = (0, 0);
            tx.status = None;
            tx.resp.finish(b"", false);
            tx.resp_progress = Progress::Headers;
            let body_start = std::mem::take(&mut tx.response_line);
            self.resp.decoder = Some(BodyDecoder::new(
                Coding::Identity,
                self.cfg.decompression_bomb_limit,
            ));
            self.resp.state = State::UntilClose;
            self.body(false, &body_start, ts_ns);
            return;
        }
        self.resp.state = State::Headers;
    }

    fn header_line(&mut self, to_server: bool, line: &[u8], overflow: bool) {
        let max_headers = self.cfg.max_headers;
        let max_bytes = self.cfg.max_header_bytes;
        let max_line = self.cfg.max_line_len;
        let l = strip_eol(line);
        let Some(tx) = self.cur_tx(to_server) else {
            // Transaction dropped (max_tx): skip to the end of the block.
            if l.is_empty() {
                self.dir(to_server).state = State::Idle;
            }
            return;
        };
        let block = if to_server { &mut tx.req } else { &mut tx.resp };
        if block.raw.len() + line.len() <= max_bytes {
            block.raw.extend_from_slice(line);
        }
        if overflow {
            tx.events.insert(if to_server {
                HttpEvent::RequestFieldTooLong
            } else {
                HttpEvent::ResponseFieldTooLong
            });
        }
        if l.is_empty() {
            self.headers_done(to_server);
            return;
        }
        let block = if to_server { &mut tx.req } else { &mut tx.resp };
        // a line starting with NUL continues the previous field as folding
        // does (libhtp reads `Name:\n\0value` so)
        if is_ws(l[0]) || l[0] == 0 {
            // Folded continuation of the previous field.
            match block.last {
                Some(idx) => {
                    let v = trim(l);
                    let h = &mut block.fields[idx];
                    if !v.is_empty() && h.value.len() + v.len() < max_line {
                        if !h.value.is_empty() {
                            h.value.push(b' ');
                        }
                        h.value.extend_from_slice(v);
                    }
                }
                None => {
                    tx.events.insert(if to_server {
                        HttpEvent::InvalidRequestFieldFolding
                    } else {
                        HttpEvent::InvalidResponseFieldFolding
                    });
                }
            }
            return;
        }
        let (name, value) = match memchr(b':', l) {
            Some(c) => {
                let raw_name = &l[..c];
                let name = trim(raw_name);
                if name.len() != raw_name.len()
                    || name.is_empty()
                    || !name.iter().all(|&b| is_token(b))
                {
                    tx.events.insert(if to_server {
                        HttpEvent::RequestHeaderInvalid
                    } else {
                        HttpEvent::ResponseHeaderInvalid
                    });
                }
                (name, trim(&l[c + 1..]))
            }
            None => {
                tx.events.insert(if to_server {
                    HttpEvent::RequestFieldMissingColon
                } else {
                    HttpEvent::ResponseFieldMissingColon
                });
                (&b""[..], trim(l))
            }
        };
        let block = if to_server { &mut tx.req } else { &mut tx.resp };
        if let Some(idx) = block
            .fields
            .iter()
            .position(|h| h.name.eq_ignore_ascii_case(name))
        {
            let h = &mut block.fields[idx];
            if h.value.len() + value.len() + 2 < max_line {
                h.value.extend_from_slice(b", ");
                h.value.extend_from_slice(value);
            }
            block.last = Some(idx);
            let ev = if !to_server {
                HttpEvent::ResponseHeaderRepetition
            } else {
                HttpEvent::RequestHeaderRepetition
            };
            let cl = name.eq_ignore_ascii_case(b"content-length");
            tx.events.insert(ev);
            if cl {
                tx.events.insert(if to_server {
                    HttpEvent::DuplicateContentLengthFieldInRequest
                } else {
                    HttpEvent::DuplicateContentLengthFieldInResponse
                });
            }
            return;
        }
        if block.fields.len() >= max_headers {
            block.last = None;
            tx.events.insert(if to_server {
                HttpEvent::RequestTooManyHeaders
            } else {
                HttpEvent::ResponseTooManyHeaders
            });
            return;
        }
        block.fields.push(HttpHeader {
            name: name.to_vec(),
            value: value.to_vec(),
        });
        block.last = Some(block.fields.len() - 1);
    }

    fn headers_done(&mut self, to_server: bool) {
        if to_server {
            self.request_headers_done();
        } else {
            self.response_headers_done();
        }
    }

    fn request_headers_done(&mut self) {
        let Some(tx) = self.cur_tx(true) else { return };
        let line = std::mem::take(&mut tx.request_line);
        tx.req.finish(&line, true);
        tx.request_line = line;
        tx.req_progress = Progress::Headers;
        // Host: URI authority first, else the Host header.
        let host_hdr = tx.req.get(b"host").map(<[u8]>::to_vec);
        let proto = &tx.request_line[tx.req_protocol.0..tx.req_protocol.1];
        let http11 = proto.eq_ignore_ascii_case(b"HTTP/1.1");
        match host_hdr {
            Some(h) => {
                if tx.host_set {
                    let (r, _) = uri::split_host_port(&h);
                    let hh = &h[r.0..r.1];
                    let uri_host = tx.host_norm.clone();
                    if !hh.eq_ignore_ascii_case(&uri_host) {
                        tx.events.insert(HttpEvent::HostHeaderAmbiguous);
                    }
                } else {
                    let (r, port) = if h.contains(&b',') {
                        ((0, h.len()), None)
                    } else {
                        uri::split_host_port(&h)
                    };
                    let _ = r;
                    set_host(tx, &h, port);
                }
            }
            None if http11 && !tx.host_set => {
                tx.events.insert(HttpEvent::MissingHostHeader);
            }
            None => {}
        }
        let method = &tx.request_line[tx.method.0..tx.method.1];
        let connect = method.eq_ignore_ascii_case(b"CONNECT");
        let state = match body_framing(&tx.req) {
            Framing::Chunked => State::ChunkSize,
            Framing::BadTransferEncoding(fallback) => {
                tx.events
                    .insert(HttpEvent::InvalidTransferEncodingValueInRequest);
                fallback_state(tx, fallback, true)
            }
            Framing::Length(l) => fallback_state(tx, Some(l), true),
            Framing::None => fallback_state(tx, None, true),
        };
        self.req.state = state;
        if state == State::Idle {
            self.body_done(true);
            if connect {
                self.req.state = State::ConnectWait;
            }
        }
    }

    fn response_headers_done(&mut self) {
        let bomb = self.cfg.decompression_bomb_limit;
        let Some(tx) = self.cur_tx(false) else { return };
        let line = std::mem::take(&mut tx.response_line);
        tx.resp.finish(&line, false);
        tx.response_line = line;
        let status = tx.status.unwrap_or(0);
        let method = &tx.request_line[tx.method.0..tx.method.1];
        let head = method.eq_ignore_ascii_case(b"HEAD");
        let connect = method.eq_ignore_ascii_case(b"CONNECT");
        if (100..200).contains(&status) && status != 101 {
            // Interim response: the final one follows for this transaction.
            if tx.seen_100 {
                tx.events.insert(HttpEvent::ContinueAlreadySeen);
            }
            tx.seen_100 = true;
            tx.resp_progress = Progress::None;
            self.resp.state = State::Idle;
            return;
        }
        tx.resp_progress = Progress::Headers;
        if status == 101 || (connect && (200..300).contains(&status)) {
            tx.resp_progress = Progress::Complete;
            self.resp.state = State::Tunnel;
            self.req.state = State::Tunnel;
            self.resp.tx = None;
            return;
        }
        let old_proto = tx.response_line[tx.resp_protocol.0..tx.resp_protocol.1]
            .eq_ignore_ascii_case(b"HTTP/1.0");
        let coding = tx
            .resp
            .get_ignoring_nul(b"content-encoding")
            .map_or(Coding::Identity, Coding::from_header);
        let no_body = head || status == 204 || status == 304;
        let state = if no_body {
            State::Idle
        } else {
            match body_framing(&tx.resp) {
                Framing::Chunked => {
                    if old_proto {
                        tx.events.insert(HttpEvent::ResponseChunkedOldProto);
                    }
                    State::ChunkSize
                }
                Framing::BadTransferEncoding(fallback) => {
                    tx.events
                        .insert(HttpEvent::InvalidTransferEncodingValueInResponse);
                    fallback_state(tx, fallback, false)
                }
                Framing::Length(l) => fallback_state(tx, Some(l), false),
                Framing::None => State::UntilClose,
            }
        };
        if connect && self.req.state == State::ConnectWait {
            self.req.state = State::Idle;
        }
        self.resp.decoder = Some(BodyDecoder::new(coding, bomb));
        self.resp.state = state;
        if state == State::Idle {
            self.body_done(false);
        }
    }

    fn chunk_size_line(&mut self, to_server: bool, line: &[u8]) {
        let l = trim(strip_eol(line));
        if l.is_empty() {
            // The CRLF after chunk data, or a stray empty line.
            self.dir(to_server).state = State::ChunkSize;
            return;
        }
        let (size_part, ext) = match memchr(b';', l) {
            Some(p) => (trim(&l[..p]), true),
            None => (l, false),
        };
        if ext {
            self.event(
                to_server,
                if to_server {
                    HttpEvent::RequestChunkExtension
                } else {
                    HttpEvent::ResponseChunkExtension
                },
            );
        }
        let size = if size_part.is_empty() || size_part.len() > 16 {
            None
        } else {
            size_part.iter().try_fold(0u64, |a, &b| {
                let d = match b {
                    b'0'..=b'9' => b - b'0',
                    b'a'..=b'f' => b - b'a' + 10,
                    b'A'..=b'F' => b - b'A' + 10,
                    _ => return None,
                };
                Some((a << 4) | u64::from(d))
            })
        };
        match size {
            Some(0) => self.dir(to_server).state = State::ChunkTrailer,
            Some(n) => self.dir(to_server).state = State::ChunkData(n),
            None => {
                self.event(
                    to_server,
                    if to_server {
                        HttpEvent::InvalidRequestChunkLen
                    } else {
                        HttpEvent::InvalidResponseChunkLen
                    },
                );
                // Inspect the rest of the direction as body.
                self.dir(to_server).state = State::UntilClose;
                self.body_bytes(to_server, line);
            }
        }
    }

    fn body(&mut self, to_server: bool, data: &[u8], ts_ns: i64) {
        if let Some(tx) = self.cur_tx(to_server) {
            tx.ts_last_ns = ts_ns;
        }
        self.body_bytes(to_server, data);
    }

    fn body_bytes(&mut self, to_server: bool, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let (req_limit, resp_limit) = (self.cfg.request_body_limit, self.cfg.response_body_limit);
        let Some(id) = self.dir(to_server).tx else {
            return;
        };
        let mut decoder = self.dir(to_server).decoder.take();
        let Some(tx) = self.tx_mut(id) else {
            self.dir(to_server).decoder = decoder;
            return;
        };
        if to_server {
            tx.request_body_len += data.len() as u64;
            let room = if req_limit == 0 {
                data.len()
            } else {
                req_limit
                    .saturating_sub(tx.request_body.len())
                    .min(data.len())
            };
            tx.request_body.extend_from_slice(&data[..room]);
            tx.file_bytes(true, data.len() as u64);
        } else {
            tx.response_body_len += data.len() as u64;
            if let Some(d) = decoder.as_mut() {
                let n = d.feed(data, &mut tx.response_body, resp_limit, &mut tx.events);
                tx.file_bytes(false, n);
            }
        }
        self.dir(to_server).decoder = decoder;
    }

    fn body_done(&mut self, to_server: bool) {
        let resp_limit = self.cfg.response_body_limit;
        let mut decoder = self.dir(to_server).decoder.take();
        if let Some(tx) = self.cur_tx(to_server) {
            if to_server {
                tx.req_progress = Progress::Complete;
            } else {
                if let Some(d) = decoder.as_mut() {
                    let n = d.finish(&mut tx.response_body, resp_limit);
                    tx.file_tail_bytes(false, n);
                }
                tx.resp_progress = Progress::Complete;
            }
            tx.end_file(to_server, FileState::Closed);
        }
        let d = self.dir(to_server);
        d.state = State::Idle;
        d.tx = None;
    }

    /// A gap (lost bytes) in one direction's stream. The message being
    /// parsed is closed as it is; parsing resumes at the next line that
    /// starts a request (or response).
    pub fn on_gap(&mut self, to_server: bool) {
        let state = self.dir(to_server).state;
        if state == State::Tunnel {
            return;
        }
        if let Some(tx) = self.cur_tx(to_server) {
            tx.file_gap(to_server);
            if to_server {
                if tx.req_progress < Progress::Headers {
                    let line = std::mem::take(&mut tx.request_line);
                    tx.req.finish(&line, true);
                    tx.request_line = line;
                }
                tx.req_progress = Progress::Complete;
            } else {
                if tx.resp_progress < Progress::Headers && tx.resp_progress > Progress::None {
                    let line = std::mem::take(&mut tx.response_line);
                    tx.resp.finish(&line, false);
                    tx.response_line = line;
                }
                tx.resp_progress = Progress::Complete;
            }
        }
        let d = self.dir(to_server);
        d.tx = None;
        d.decoder = None;
        d.line.clear();
        d.line_overflow = false;
        d.state = State::Resync;
    }

    /// The connection closed: a body delimited by the close ends here and
    /// the transactions open on either side are finished as they are.
    pub fn on_close(&mut self) {
        self.closed = true;
        for to_server in [true, false] {
            let state = self.dir(to_server).state;
            match state {
                State::UntilClose => self.body_done(to_server),
                State::Tunnel => {}
                _ => {
                    if let Some(id) = self.dir(to_server).tx {
                        if let Some(tx) = self.tx_mut(id) {
                            if to_server && tx.req_progress >= Progress::Line {
                                tx.req_progress = Progress::Complete;
                            }
                            if !to_server && tx.resp_progress >= Progress::Line {
                                tx.resp_progress = Progress::Complete;
                            }
                        }
                        let resp_limit = self.cfg.response_body_limit;
                        let mut dec = self.dir(to_server).decoder.take();
                        if let Some(tx) = self.tx_mut(id) {
                            if let Some(d) = dec.as_mut() {
                                let n = d.finish(&mut tx.response_body, resp_limit);
                                tx.file_tail_bytes(to_server, n);
                            }
                            tx.end_file(to_server, FileState::Truncated);
                        }
                    }
                    let d = self.dir(to_server);
                    d.tx = None;
                    d.state = State::Idle;
                }
            }
        }
    }
}

fn set_host(tx: &mut HttpTx, host: &[u8], port: Option<Result<u16, ()>>) {
    tx.host_raw.clear();
    tx.host_raw.extend_from_slice(host);
    let name_end = if port.is_some() {
        uri::split_host_port(host).0 .1
    } else {
        host.len()
    };
    let mut name = &host[..name_end];
    if name.len() > 1 && name.ends_with(b".") {
        name = &name[..name.len() - 1];
    }
    tx.host_norm.clear();
    tx.host_norm.extend(name.iter().map(u8::to_ascii_lowercase));
    tx.host_set = true;
    tx.port = port.and_then(Result::ok);
    if matches!(port, Some(Err(()))) {
        tx.events.insert(HttpEvent::InvalidAuthorityPort);
    }
}

enum Framing {
    Chunked,
    /// Transfer-Encoding present but not chunked; the Content-Length, if
    /// any and valid, frames the body.
    BadTransferEncoding(Option<Result<u64, ()>>),
    Length(Result<u64, ()>),
    None,
}

fn body_framing(block: &HeaderBlock) -> Framing {
    let cl = block
        .get_ignoring_nul(b"content-length")
        .map(|v| parse_content_length(v).unwrap_or(Err(())));
    // names and values compared ignoring NUL bytes, as libhtp does for
    // the framing headers (`Transfer\0-Encoding: chun\0ked` evasions)
    match block.get_ignoring_nul(b"transfer-encoding") {
        Some(te) if contains_ci_ignoring_nul(te, b"chunked") => Framing::Chunked,
        Some(_) => Framing::BadTransferEncoding(cl),
        None => match cl {
            Some(l) => Framing::Length(l),
            None => Framing::None,
        },
    }
}

/// The state for a Content-Length framed (or unframed) body; raises the
/// invalid-length event.
fn fallback_state(tx: &mut HttpTx, cl: Option<Result<u64, ()>>, request: bool) -> State {
    match cl {
        Some(Ok(0)) => State::Idle,
        Some(Ok(n)) => State::Length(n),
        Some(Err(())) => {
            tx.events.insert(if request {
                HttpEvent::InvalidContentLengthFieldInRequest
            } else {
                HttpEvent::InvalidContentLengthFieldInResponse
            });
            if request {
                State::Idle
            } else {
                State::UntilClose
            }
        }
        None if request => State::Idle,
        None => State::UntilClose,
    }
}
