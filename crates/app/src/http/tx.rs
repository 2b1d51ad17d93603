//! HTTP transactions and their inspection buffers.
//!
//! A transaction is one request and its response. Every buffer a rule can
//! inspect is built once, when the part it belongs to is parsed (request
//! line, header block, body bytes as they arrive), so accessors only borrow:
//! no accessor allocates. Buffers of parts not seen are `None`.
//!
//! Buffer shapes follow Suricata 8 (`doc/userguide/rules/http-keywords.rst`):
//!
//! - `http.header`: `Name: value\r\n` per header field (value trimmed,
//!   repeated fields merged with `", "` at the first occurrence as libhtp
//!   does), ended by an extra `\r\n`; `Cookie` (request) and `Set-Cookie`
//!   (response) are left out, they have `http.cookie`;
//! - `http.header.raw`: the header block as received, line endings and
//!   final empty line included;
//! - `http.header_names`: `\r\n` + each name + `\r\n` ... + `\r\n`;
//! - `http.start`: start line + `\r\n` + every header as in `http.header`
//!   (cookies included) + `\r\n`;
//! - `http.host`: from the absolute URI's authority if any, else the
//!   `Host` header; lower-cased and without `:port`; `http.host.raw` keeps
//!   case and port;
//! - single-header buffers (`http.user_agent`, `http.referer`, ...) hold
//!   the trimmed value without name or CRLF.

use super::events::{HttpEvent, HttpEvents};
use super::file::{self, FileState, HttpFile};

/// How far one side (request or response) of a transaction has been parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Progress {
    /// Nothing parsed yet.
    #[default]
    None,
    /// The start line (request or status line) is parsed.
    Line,
    /// The header block is parsed (the body may follow).
    Headers,
    /// The message is complete (body included).
    Complete,
}

/// One header field: name as received, value trimmed of surrounding
/// whitespace (folded lines joined with a space, repetitions merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHeader {
    pub(crate) name: Vec<u8>,
    pub(crate) value: Vec<u8>,
}

impl HttpHeader {
    /// The field name, as received.
    pub fn name(&self) -> &[u8] {
        &self.name
    }
    /// The field value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

/// The header block of one message and the buffers built from it.
#[derive(Debug, Default, Clone)]
pub(crate) struct HeaderBlock {
    pub raw: Vec<u8>,
    pub fields: Vec<HttpHeader>,
    pub norm: Vec<u8>,
    pub names: Vec<u8>,
    pub start: Vec<u8>,
    /// Index of the field a folded line continues.
    pub last: Option<usize>,
    pub done: bool,
}

impl HeaderBlock {
    pub(crate) fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// As [`HeaderBlock::get`], NUL bytes in field names ignored (the
    /// framing headers are looked up so, as libhtp does).
    pub(crate) fn get_ignoring_nul(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|h| super::body::eq_ignoring_nul(&h.name, name))
            .map(|h| h.value.as_slice())
    }

    /// Builds `norm`, `names` and `start` once the block is complete.
    pub(crate) fn finish(&mut self, start_line: &[u8], request: bool) {
        let skip: &[u8] = if request { b"cookie" } else { b"set-cookie" };
        self.norm.clear();
        self.names.clear();
        self.start.clear();
        self.start.extend_from_slice(start_line);
        self.start.extend_from_slice(b"\r\n");
        self.names.extend_from_slice(b"\r\n");
        for h in &self.fields {
            let line_len = h.name.len() + 2 + h.value.len() + 2;
            if !h.name.eq_ignore_ascii_case(skip) {
                self.norm.reserve(line_len);
                self.norm.extend_from_slice(&h.name);
                self.norm.extend_from_slice(b": ");
                self.norm.extend_from_slice(&h.value);
                self.norm.extend_from_slice(b"\r\n");
            }
            self.start.reserve(line_len);
            self.start.extend_from_slice(&h.name);
            self.start.extend_from_slice(b": ");
            self.start.extend_from_slice(&h.value);
            self.start.extend_from_slice(b"\r\n");
            self.names.extend_from_slice(&h.name);
            self.names.extend_from_slice(b"\r\n");
        }
        self.norm.extend_from_slice(b"\r\n");
        self.start.extend_from_slice(b"\r\n");
        self.names.extend_from_slice(b"\r\n");
        self.done = true;
    }
}

/// A byte range in a transaction-owned buffer.
pub(crate) type Span = (usize, usize);

/// One HTTP transaction: a request and (once seen) its response.
#[derive(Debug, Default)]
pub struct HttpTx {
    pub(crate) id: u64,
    pub(crate) req_progress: Progress,
    pub(crate) resp_progress: Progress,
    pub(crate) events: HttpEvents,

    pub(crate) request_line: Vec<u8>,
    pub(crate) method: Span,
    pub(crate) uri_raw: Span,
    pub(crate) req_protocol: Span,
    pub(crate) has_req_protocol: bool,
    pub(crate) uri_norm: Vec<u8>,
    pub(crate) req: HeaderBlock,
    pub(crate) host_raw: Vec<u8>,
    pub(crate) host_norm: Vec<u8>,
    pub(crate) host_set: bool,
    pub(crate) port: Option<u16>,
    pub(crate) request_body: Vec<u8>,
    pub(crate) request_body_len: u64,

    pub(crate) response_line: Vec<u8>,
    pub(crate) resp_protocol: Span,
    pub(crate) stat_code: Span,
    pub(crate) stat_msg: Span,
    pub(crate) status: Option<u16>,
    pub(crate) resp: HeaderBlock,
    pub(crate) response_body: Vec<u8>,
    pub(crate) response_body_len: u64,
    pub(crate) seen_100: bool,
    /// Files of the request and response bodies, in the order opened.
    pub(crate) files: Vec<HttpFile>,

    pub(crate) ts_request_ns: i64,
    pub(crate) ts_response_ns: i64,
    pub(crate) ts_last_ns: i64,
}

fn span(buf: &[u8], s: Span) -> &[u8] {
    buf.get(s.0..s.1).unwrap_or(&[])
}

/// The value of Suricata's EVE `http` object for one transaction, in
/// Suricata's key order. Byte strings are as on the wire; the renderer
/// escapes them. `None` fields are left out of the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpEveFields<'a> {
    /// `hostname`: the normalised host (lower case, no port).
    pub hostname: Option<&'a [u8]>,
    /// `http_port`: the port given with the host, if any.
    pub http_port: Option<u16>,
    /// `url`: the raw request target.
    pub url: Option<&'a [u8]>,
    /// `http_user_agent`.
    pub http_user_agent: Option<&'a [u8]>,
    /// `http_content_type`: the response's media type, parameters cut.
    pub http_content_type: Option<&'a [u8]>,
    /// `http_refer`: the request's Referer.
    pub http_refer: Option<&'a [u8]>,
    /// `http_method`.
    pub http_method: Option<&'a [u8]>,
    /// `protocol`: the request's protocol (`HTTP/1.1`).
    pub protocol: Option<&'a [u8]>,
    /// `status`: the response status code.
    pub status: Option<u16>,
    /// `redirect`: the response's Location.
    pub redirect: Option<&'a [u8]>,
    /// `length`: response body bytes after dechunking, before
    /// decompression.
    pub length: u64,
}

impl HttpTx {
    /// The transaction id (0, 1, ... per flow, in request order).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// How far the request is parsed.
    pub fn request_progress(&self) -> Progress {
        self.req_progress
    }
    /// How far the response is parsed.
    pub fn response_progress(&self) -> Progress {
        self.resp_progress
    }
    /// Whether both request and response are complete.
    pub fn is_complete(&self) -> bool {
        self.req_progress == Progress::Complete && self.resp_progress == Progress::Complete
    }
    /// Anomalies raised while parsing this transaction.
    pub fn events(&self) -> HttpEvents {
        self.events
    }
    /// Whether `ev` was raised on this transaction.
    pub fn has_event(&self, ev: HttpEvent) -> bool {
        self.events.contains(ev)
    }
    /// Packet time (ns) of the request's first byte.
    pub fn ts_request_ns(&self) -> i64 {
        self.ts_request_ns
    }
    /// Packet time (ns) of the response's first byte (0 when none yet).
    pub fn ts_response_ns(&self) -> i64 {
        self.ts_response_ns
    }
    /// Packet time (ns) of the last data that updated this transaction.
    pub fn ts_last_ns(&self) -> i64 {
        self.ts_last_ns
    }

    fn req_line_seen(&self) -> bool {
        self.req_progress >= Progress::Line
    }
    fn resp_line_seen(&self) -> bool {
        self.resp_progress >= Progress::Line
    }

    // --- request line ---

    /// `http.method`.
    pub fn method(&self) -> Option<&[u8]> {
        self.req_line_seen()
            .then(|| span(&self.request_line, self.method))
    }
    /// `http.uri`: the normalised URI (see the `uri` module rules).
    pub fn uri(&self) -> Option<&[u8]> {
        self.req_line_seen().then_some(self.uri_norm.as_slice())
    }
    /// `http.uri.raw`: the request target as received.
    pub fn uri_raw(&self) -> Option<&[u8]> {
        self.req_line_seen()
            .then(|| span(&self.request_line, self.uri_raw))
    }
    /// `urilen` with `norm` (default) or `raw`.
    pub fn urilen(&self, raw: bool) -> Option<usize> {
        if raw {
            self.uri_raw().map(<[u8]>::len)
        } else {
            self.uri().map(<[u8]>::len)
        }
    }
    /// `http.request_line` (without CRLF).
    pub fn request_line(&self) -> Option<&[u8]> {
        self.req_line_seen().then_some(self.request_line.as_slice())
    }
    /// `http.protocol` of the request (`to_server`) or response.
    pub fn protocol(&self, to_server: bool) -> Option<&[u8]> {
        if to_server {
            (self.req_line_seen() && self.has_req_protocol)
                .then(|| span(&self.request_line, self.req_protocol))
        } else {
            self.resp_line_seen()
                .then(|| span(&self.response_line, self.resp_protocol))
        }
    }

    // --- headers ---

    fn block(&self, to_server: bool) -> Option<&HeaderBlock> {
        let b = if to_server { &self.req } else { &self.resp };
        b.done.then_some(b)
    }
    /// Header fields of the request (`to_server`) or response, in order.
    pub fn headers(&self, to_server: bool) -> &[HttpHeader] {
        let b = if to_server { &self.req } else { &self.resp };
        &b.fields
    }
    /// Request header fields, in order.
    pub fn request_headers(&self) -> &[HttpHeader] {
        &self.req.fields
    }
    /// Response header fields, in order.
    pub fn response_headers(&self) -> &[HttpHeader] {
        &self.resp.fields
    }
    /// A header's value by (case-insensitive) name.
    pub fn header_value(&self, to_server: bool, name: &[u8]) -> Option<&[u8]> {
        let b = if to_server { &self.req } else { &self.resp };
        b.get(name)
    }
    /// `http.header`: normalised header buffer.
    pub fn header(&self, to_server: bool) -> Option<&[u8]> {
        self.block(to_server).map(|b| b.norm.as_slice())
    }
    /// `http.header.raw`: the header block as received.
    pub fn header_raw(&self, to_server: bool) -> Option<&[u8]> {
        self.block(to_server).map(|b| b.raw.as_slice())
    }
    /// `http.header_names`.
    pub fn header_names(&self, to_server: bool) -> Option<&[u8]> {
        self.block(to_server).map(|b| b.names.as_slice())
    }
    /// `http.start`: start line and normalised headers.
    pub fn start(&self, to_server: bool) -> Option<&[u8]> {
        self.block(to_server).map(|b| b.start.as_slice())
    }
    /// `http.host`: normalised host.
    pub fn host(&self) -> Option<&[u8]> {
        self.host_set.then_some(self.host_norm.as_slice())
    }
    /// `http.host.raw`.
    pub fn host_raw(&self) -> Option<&[u8]> {
        self.host_set.then_some(self.host_raw.as_slice())
    }
    /// The port given with the host (URI authority or Host header).
    pub fn host_port(&self) -> Option<u16> {
        self.port
    }
    /// `http.user_agent`.
    pub fn user_agent(&self) -> Option<&[u8]> {
        self.req.get(b"user-agent")
    }
    /// `http.cookie`: `Cookie` (request) or `Set-Cookie` (response).
    pub fn cookie(&self, to_server: bool) -> Option<&[u8]> {
        if to_server {
            self.req.get(b"cookie")
        } else {
            self.resp.get(b"set-cookie")
        }
    }
    /// `http.referer`.
    pub fn referer(&self) -> Option<&[u8]> {
        self.req.get(b"referer")
    }
    /// `http.content_type` of the request or response.
    pub fn content_type(&self, to_server: bool) -> Option<&[u8]> {
        self.header_value(to_server, b"content-type")
    }
    /// `http.content_len` of the request or response.
    pub fn content_len(&self, to_server: bool) -> Option<&[u8]> {
        self.header_value(to_server, b"content-length")
    }
    /// `http.accept`.
    pub fn accept(&self) -> Option<&[u8]> {
        self.req.get(b"accept")
    }
    /// `http.accept_enc`.
    pub fn accept_enc(&self) -> Option<&[u8]> {
        self.req.get(b"accept-encoding")
    }
    /// `http.accept_lang`.
    pub fn accept_lang(&self) -> Option<&[u8]> {
        self.req.get(b"accept-language")
    }
    /// `http.connection`.
    pub fn connection(&self) -> Option<&[u8]> {
        self.req.get(b"connection")
    }

    // --- bodies ---

    /// `http.request_body` / `http_client_body`: dechunked, up to the
    /// request body limit. `None` before the request headers are done.
    pub fn request_body(&self) -> Option<&[u8]> {
        self.req.done.then_some(self.request_body.as_slice())
    }
    /// Request body bytes seen on the wire after dechunking (not limited).
    pub fn request_body_len(&self) -> u64 {
        self.request_body_len
    }

    // --- response ---

    /// `http.stat_code`.
    pub fn stat_code(&self) -> Option<&[u8]> {
        self.resp_line_seen()
            .then(|| span(&self.response_line, self.stat_code))
    }
    /// The status code as a number, when it is one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// `http.stat_msg`.
    pub fn stat_msg(&self) -> Option<&[u8]> {
        self.resp_line_seen()
            .then(|| span(&self.response_line, self.stat_msg))
    }
    /// `http.response_line` (without CRLF).
    pub fn response_line(&self) -> Option<&[u8]> {
        self.resp_line_seen()
            .then_some(self.response_line.as_slice())
    }
    /// `http.server`.
    pub fn server(&self) -> Option<&[u8]> {
        self.resp.get(b"server")
    }
    /// `http.location`.
    pub fn location(&self) -> Option<&[u8]> {
        self.resp.get(b"location")
    }
    /// `http.response_body` / `file.data`: dechunked and decompressed, up
    /// to the response body limit. `None` before the response headers.
    pub fn response_body(&self) -> Option<&[u8]> {
        self.resp.done.then_some(self.response_body.as_slice())
    }
    /// Response body bytes after dechunking, before decompression (EVE
    /// `length`; not limited).
    pub fn response_body_len(&self) -> u64 {
        self.response_body_len
    }

    // --- files ---

    /// The files of this transaction's bodies, in the order they were
    /// opened (see the `file` module).
    pub fn files(&self) -> &[HttpFile] {
        &self.files
    }
    /// The files travelling in one direction.
    pub fn files_dir(&self, to_server: bool) -> impl Iterator<Item = &HttpFile> {
        self.files.iter().filter(move |f| f.to_server == to_server)
    }

    /// Whether a body in this direction is a file: every response body,
    /// and request bodies of `POST` and `PUT`.
    fn body_is_file(&self, to_server: bool) -> bool {
        if !to_server {
            return true;
        }
        let m = span(&self.request_line, self.method);
        m.eq_ignore_ascii_case(b"POST") || m.eq_ignore_ascii_case(b"PUT")
    }

    /// The name of a file of this direction's body: the message's
    /// `Content-Disposition` filename, else the request URI's path.
    fn file_name(&self, to_server: bool) -> Vec<u8> {
        let block = if to_server { &self.req } else { &self.resp };
        match block
            .get(b"content-disposition")
            .and_then(file::disposition_filename)
        {
            Some(n) => n.to_vec(),
            None => file::uri_path(&self.uri_norm).to_vec(),
        }
    }

    fn open_file(&mut self, to_server: bool) -> Option<&mut HttpFile> {
        let i = self
            .files
            .iter()
            .rposition(|f| f.to_server == to_server && f.is_open())?;
        self.files.get_mut(i)
    }

    /// `n` more decoded body bytes in one direction: they go to the
    /// direction's open file, opened first when there is none.
    pub(crate) fn file_bytes(&mut self, to_server: bool, n: u64) {
        if self.open_file(to_server).is_none() {
            if !self.body_is_file(to_server) {
                return;
            }
            let name = self.file_name(to_server);
            self.files.push(HttpFile::new(name, to_server));
        }
        if let Some(f) = self.open_file(to_server) {
            f.size += n;
        }
    }

    /// Adds decoded bytes to the direction's file only if it is open
    /// (bytes flushed at the body's end).
    pub(crate) fn file_tail_bytes(&mut self, to_server: bool, n: u64) {
        if let Some(f) = self.open_file(to_server) {
            f.size += n;
        }
    }

    /// Ends the direction's open file, if any.
    pub(crate) fn end_file(&mut self, to_server: bool, state: FileState) {
        if let Some(f) = self.open_file(to_server) {
            f.end(state);
        }
    }

    /// Bytes of the direction's body were lost: its open file has gaps and
    /// ends truncated.
    pub(crate) fn file_gap(&mut self, to_server: bool) {
        if let Some(f) = self.open_file(to_server) {
            f.gaps = true;
            f.end(FileState::Truncated);
        }
    }

    /// The values of the EVE `http` object.
    pub fn eve_fields(&self) -> HttpEveFields<'_> {
        let content_type = self.content_type(false).map(|v| {
            let end = v.iter().position(|&b| b == b';').unwrap_or(v.len());
            super::trim(&v[..end])
        });
        HttpEveFields {
            hostname: self.host(),
            http_port: self.port,
            url: self.uri_raw(),
            http_user_agent: self.user_agent(),
            http_content_type: content_type,
            http_refer: self.referer(),
            http_method: self.method(),
            protocol: self.protocol(true),
            status: self.status,
            redirect: self.location(),
            length: self.response_body_len,
        }
    }
}
