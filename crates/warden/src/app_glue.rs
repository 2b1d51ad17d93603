//! Per-flow application-layer state for the pipeline: TCP reassembly,
//! protocol detection, the HTTP/TLS/DNS parsers, and the views through
//! which the detection engine reads a transaction's buffers.
//!
//! The flow table knows nothing of this; the pipeline keeps one
//! [`FlowApp`] per flow id beside it.

use std::sync::Arc;

use warden_app::detect_proto::{probe_udp, AppProtoKind, Detection, TcpDetector, PROBE_DEPTH};
use warden_app::dns::{DnsState, DnsTransaction};
use warden_app::http::{FileState, HttpConfig, HttpEvent, HttpParser, HttpTx};
use warden_app::tls::{TlsEvent, TlsState};
use warden_detect::{AppLayer, AppTx, FileEnd, TxFile, TxValue};
use warden_rules::Buffer;
use warden_stream::{MemBudget, ReassemblyConfig, TcpStreams};

/// The parser a flow was given once its protocol was detected.
pub enum Parser {
    None,
    Http(Box<HttpParser>),
    Tls(Box<TlsState>),
    Dns(Box<DnsState>),
}

/// Application-layer state of one flow.
pub struct FlowApp {
    pub streams: Option<TcpStreams>,
    pub parse: AppParse,
    /// Per transaction id: the rules fired on it (sorted rule indices)
    /// and what the prefilter found in its buffers so far.
    pub done: Vec<(u64, Vec<u32>, warden_detect::app::TxPrefilterMemo)>,
    /// Transactions below this id are finished: inspected in their final
    /// state, logged and freed.
    pub finished_below: u64,
    /// DNS messages below this id, per direction of travel (index 0: to
    /// server), have been inspected. A message is inspected by the next
    /// packet of its own direction: over TCP it is parsed when the other
    /// side acknowledges it.
    pub dns_inspected_below: [u64; 2],
    /// The TLS parser made progress since the last inspection from each
    /// direction (index 0: to server).
    pub tls_dirty: [bool; 2],
    /// HTTP transactions' progress at their last inspection from each
    /// direction.
    pub http_seen: Vec<(u64, [u16; 2])>,
    /// Reassembled bytes not yet raw-inspected, per direction (index 0:
    /// to server).
    pub raw: [RawWindow; 2],
    /// Transactions below this id have their EVE record written.
    pub logged_below: u64,
    /// The TLS record is written.
    pub tls_logged: bool,
}

/// The reassembled bytes one packet made inspectable, with context.
#[derive(Default)]
pub struct RawWindow {
    pub data: Vec<u8>,
    pub base: u64,
    pub new_from: usize,
}

impl RawWindow {
    pub fn clear(&mut self) {
        self.data.clear();
        self.base = 0;
        self.new_from = 0;
    }

    /// Adds one delivery: `context` ends with `new_len` new bytes and
    /// starts at stream offset `offset`.
    pub fn add(&mut self, context: &[u8], offset: u64, new_len: usize) {
        let contiguous = !self.data.is_empty()
            && self.base + self.data.len() as u64 == offset + (context.len() - new_len) as u64;
        if contiguous {
            self.data
                .extend_from_slice(&context[context.len() - new_len..]);
        } else {
            // first delivery, or one after a gap: start a fresh window
            self.data.clear();
            self.data.extend_from_slice(context);
            self.base = offset;
            self.new_from = context.len() - new_len;
        }
    }
}

/// Protocol detection and the protocol's parser.
pub struct AppParse {
    detector: TcpDetector,
    /// Data of each direction held until the protocol is known, so the
    /// parser sees the stream from its start.
    pending: [Vec<u8>; 2],
    pub proto: AppProtoKind,
    pub parser: Parser,
}

impl FlowApp {
    pub fn new_tcp(cfg: ReassemblyConfig, budget: Arc<MemBudget>) -> FlowApp {
        FlowApp {
            streams: Some(TcpStreams::new(cfg, Some(budget))),
            ..FlowApp::new_udp()
        }
    }

    pub fn new_udp() -> FlowApp {
        FlowApp {
            streams: None,
            parse: AppParse {
                detector: TcpDetector::new(),
                pending: [Vec::new(), Vec::new()],
                proto: AppProtoKind::Unknown,
                parser: Parser::None,
            },
            done: Vec::new(),
            finished_below: 0,
            dns_inspected_below: [0; 2],
            tls_dirty: [false; 2],
            http_seen: Vec::new(),
            raw: Default::default(),
            logged_below: 0,
            tls_logged: false,
        }
    }

    /// The engine's name for the detected protocol.
    pub fn layer(&self) -> Option<AppLayer> {
        layer_of(self.parse.proto)
    }

    /// Feeds one direction's newly reassembled bytes to the parser,
    /// straight from the reassembler's buffer. With `raw`, also copies the
    /// bytes (with the reassembler's lookback context before them) into
    /// that window for raw stream inspection.
    pub fn feed_ready(&mut self, to_server: bool, ts_ns: i64) {
        let Some(streams) = self.streams.as_mut() else {
            return;
        };
        // released bytes wait in the direction's raw window until the
        // next packet of that direction (or the flow's end) inspects them
        let mut raw = Some(&mut self.raw[usize::from(!to_server)]);
        loop {
            let ready = streams.direction(to_server).take_ready();
            if ready.is_empty() {
                return;
            }
            if ready.gap.is_some() {
                self.parse.gap(to_server);
            }
            if let Some(w) = raw.as_deref_mut() {
                w.add(ready.context, ready.context_offset(), ready.data.len());
            }
            self.parse.feed_tcp(to_server, ready.data, ts_ns);
            if matches!(self.parse.parser, Parser::Tls(_)) {
                self.tls_dirty = [true; 2];
            }
        }
    }

    /// A UDP datagram.
    pub fn feed_udp(&mut self, to_server: bool, sport: u16, dport: u16, data: &[u8]) {
        self.parse.feed_udp(to_server, sport, dport, data);
    }
}

impl AppParse {
    /// Feeds reassembled TCP bytes of one direction: detection first, then
    /// the protocol's parser.
    pub fn feed_tcp(&mut self, to_server: bool, data: &[u8], ts_ns: i64) {
        if data.is_empty() {
            return;
        }
        if self.proto == AppProtoKind::Unknown {
            let d = usize::from(!to_server);
            if self.pending[d].len() < PROBE_DEPTH * 2 {
                self.pending[d].extend_from_slice(data);
            }
            match self.detector.feed(to_server, data) {
                None => return,
                Some(kind) => {
                    self.proto = kind;
                    self.parser = match kind {
                        AppProtoKind::Http1 => {
                            Parser::Http(Box::new(HttpParser::new(HttpConfig::default())))
                        }
                        AppProtoKind::Tls => Parser::Tls(Box::new(TlsState::new())),
                        AppProtoKind::Dns => Parser::Dns(Box::new(DnsState::new())),
                        _ => Parser::None,
                    };
                    // replay what was held, the other direction first if it
                    // started the conversation is unknowable here: clients
                    // speak first in these protocols
                    let held = std::mem::take(&mut self.pending);
                    for (i, bytes) in held.iter().enumerate() {
                        if !bytes.is_empty() {
                            self.parse_tcp(i == 0, bytes, ts_ns);
                        }
                    }
                    return;
                }
            }
        }
        self.parse_tcp(to_server, data, ts_ns);
    }

    fn parse_tcp(&mut self, to_server: bool, data: &[u8], ts_ns: i64) {
        match &mut self.parser {
            Parser::Http(p) => {
                p.parse(to_server, data, ts_ns);
            }
            Parser::Tls(t) => {
                t.parse(to_server, data);
            }
            Parser::Dns(d) => {
                d.parse_tcp(to_server, data);
            }
            Parser::None => {}
        }
    }

    /// A gap in one direction's stream.
    pub fn gap(&mut self, to_server: bool) {
        match &mut self.parser {
            Parser::Http(p) => p.on_gap(to_server),
            Parser::Tls(t) => t.on_gap(to_server),
            Parser::Dns(d) => d.on_gap(to_server),
            Parser::None => {}
        }
    }

    /// A UDP datagram: DNS is recognised by content (any port).
    pub fn feed_udp(&mut self, to_server: bool, sport: u16, dport: u16, data: &[u8]) {
        if self.proto == AppProtoKind::Unknown {
            let (dst, src) = if to_server {
                (dport, sport)
            } else {
                (sport, dport)
            };
            // DNS over UDP is recognised on its ports (53, 5353), then
            // checked by content, as Suricata's detection-ports do: probing
            // every UDP payload mistakes QUIC and others for DNS
            if ![53, 5353].contains(&dst) && ![53, 5353].contains(&src) {
                self.proto = AppProtoKind::Failed;
                return;
            }
            match probe_udp(dst, src, data) {
                Detection::Found(AppProtoKind::Dns) => {
                    self.proto = AppProtoKind::Dns;
                    self.parser = Parser::Dns(Box::new(DnsState::new()));
                }
                Detection::Found(_) | Detection::NotThis => {
                    self.proto = AppProtoKind::Failed;
                }
                Detection::NeedMore => return,
            }
        }
        if let Parser::Dns(d) = &mut self.parser {
            d.parse_udp(to_server, data);
        }
    }
}

pub fn layer_of(p: AppProtoKind) -> Option<AppLayer> {
    Some(match p {
        AppProtoKind::Http1 => AppLayer::Http,
        AppProtoKind::Tls => AppLayer::Tls,
        AppProtoKind::Dns => AppLayer::Dns,
        AppProtoKind::Ssh => AppLayer::Ssh,
        AppProtoKind::Smtp => AppLayer::Smtp,
        AppProtoKind::Ftp => AppLayer::Ftp,
        _ => return None,
    })
}

/// An HTTP transaction as the engine sees it, from one direction.
pub struct HttpView<'a> {
    pub tx: &'a HttpTx,
    pub to_server: bool,
}

impl AppTx for HttpView<'_> {
    fn each(&self, b: Buffer, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let t = self.tx;
        let d = self.to_server;
        let v = match b {
            // one instance per header field, `name: value`
            Buffer::HttpRequestHeader | Buffer::HttpResponseHeader => {
                let fields = if b == Buffer::HttpRequestHeader {
                    t.request_headers()
                } else {
                    t.response_headers()
                };
                let mut line = Vec::new();
                return fields.iter().any(|h| {
                    line.clear();
                    line.extend_from_slice(h.name());
                    line.extend_from_slice(b": ");
                    line.extend_from_slice(h.value());
                    f(&line)
                });
            }
            Buffer::HttpUri => t.uri(),
            Buffer::HttpUriRaw => t.uri_raw(),
            Buffer::HttpMethod => t.method(),
            Buffer::HttpRequestLine => t.request_line(),
            Buffer::HttpProtocol => t.protocol(d),
            Buffer::HttpHeader => t.header(d),
            Buffer::HttpHeaderRaw => t.header_raw(d),
            Buffer::HttpHeaderNames => t.header_names(d),
            Buffer::HttpHost => t.host(),
            Buffer::HttpHostRaw => t.host_raw(),
            Buffer::HttpUserAgent => t.user_agent(),
            Buffer::HttpCookie => t.cookie(d),
            Buffer::HttpReferer => t.referer(),
            Buffer::HttpContentType => t.content_type(d),
            Buffer::HttpContentLen => t.content_len(d),
            Buffer::HttpAccept => t.accept(),
            Buffer::HttpAcceptEnc => t.accept_enc(),
            Buffer::HttpAcceptLang => t.accept_lang(),
            Buffer::HttpConnection => t.connection(),
            // a body with no bytes is no buffer (`file.data; absent;`
            // matches, a negated content does not)
            Buffer::HttpRequestBody => t.request_body().filter(|b| !b.is_empty()),
            Buffer::HttpResponseBody => t.response_body().filter(|b| !b.is_empty()),
            Buffer::FileData => if d {
                t.request_body()
            } else {
                t.response_body()
            }
            .filter(|b| !b.is_empty()),
            Buffer::HttpStatCode => t.stat_code(),
            Buffer::HttpStatMsg => t.stat_msg(),
            Buffer::HttpResponseLine => t.response_line(),
            Buffer::HttpServer => t.server(),
            Buffer::HttpLocation => t.location(),
            Buffer::HttpStart => t.start(d),
            Buffer::FileName => return t.files_dir(d).any(|file| f(file.name())),
            _ => None,
        };
        v.is_some_and(f)
    }

    fn each_file(&self, f: &mut dyn FnMut(&TxFile<'_>) -> bool) -> bool {
        self.tx.files_dir(self.to_server).any(|file| {
            f(&TxFile {
                name: file.name(),
                size: file.size(),
                end: match file.state() {
                    FileState::Open => FileEnd::Open,
                    FileState::Closed => FileEnd::Closed,
                    FileState::Truncated | FileState::Error => FileEnd::Truncated,
                },
            })
        })
    }

    fn urilen(&self, raw: bool) -> Option<u64> {
        self.tx.urilen(raw).map(|n| n as u64)
    }

    fn settled(&self, b: Buffer) -> bool {
        use warden_app::http::Progress;
        use warden_detect::sig::TxDir;
        let to_server = match warden_detect::app::buffer_dir(b) {
            TxDir::ToServer => true,
            TxDir::ToClient => false,
            _ => self.to_server,
        };
        let need = match b {
            Buffer::HttpUri
            | Buffer::HttpUriRaw
            | Buffer::HttpMethod
            | Buffer::HttpRequestLine
            | Buffer::HttpProtocol
            | Buffer::HttpStatCode
            | Buffer::HttpStatMsg
            | Buffer::HttpResponseLine => Progress::Line,
            // bodies as in Suricata: inspected from the end of the
            // headers on, so a body not begun by then is absent
            _ => Progress::Headers,
        };
        let at = if to_server {
            self.tx.request_progress()
        } else {
            self.tx.response_progress()
        };
        at >= need
    }

    fn has_event(&self, name: &str) -> bool {
        HttpEvent::from_name(name).is_some_and(|e| self.tx.has_event(e))
    }
}

/// A TLS session's handshake as the engine sees it from one direction:
/// the certificate, random and ALPN buffers are those the side sending in
/// that direction presented (to the server: the client's).
pub struct TlsView<'a> {
    pub state: &'a TlsState,
    pub to_server: bool,
}

impl AppTx for TlsView<'_> {
    fn each(&self, b: Buffer, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let t = self.state;
        let (chain, cert) = t.chain(self.to_server);
        let v = match b {
            Buffer::TlsSni => t.sni(),
            Buffer::TlsCertSubject => cert.map(|c| c.subject.as_bytes()),
            Buffer::TlsCertIssuer => cert.map(|c| c.issuer.as_bytes()),
            Buffer::TlsCertSerial => cert.map(|c| c.serial.as_bytes()),
            Buffer::TlsCertFingerprint => cert.map(|c| c.fingerprint.as_bytes()),
            Buffer::TlsRandom => t.random(self.to_server),
            Buffer::TlsRandomTime => t.random_time(self.to_server),
            Buffer::TlsRandomBytes => t.random_bytes(self.to_server),
            Buffer::Ja3Hash => t.ja3_hash(),
            Buffer::Ja3String => t.ja3_string(),
            Buffer::Ja3sHash => t.ja3s_hash(),
            Buffer::Ja3sString => t.ja3s_string(),
            Buffer::Ja4Hash => t.ja4_hash(),
            Buffer::TlsCerts => return chain.iter().any(|c| f(c)),
            Buffer::TlsSubjectAltName => {
                return cert.is_some_and(|c| c.subject_alt_names.iter().any(|n| f(n.as_bytes())))
            }
            Buffer::TlsAlpn => return t.alpns(self.to_server).iter().any(|a| f(a)),
            _ => None,
        };
        v.is_some_and(f)
    }

    fn urilen(&self, _raw: bool) -> Option<u64> {
        None
    }

    fn has_event(&self, name: &str) -> bool {
        TlsEvent::from_name(name).is_some_and(|e| self.state.events().contains(&e))
    }
}

/// Whether warden's parsers raise the `app-layer-event` `name` (the part
/// after `<proto>.`) for `app`: the catalogue the engine checks rules
/// against, so a rule waiting for an event no parser raises is reported,
/// not loaded to never fire.
pub fn known_app_event(app: AppLayer, name: &str) -> bool {
    match app {
        AppLayer::Http => HttpEvent::from_name(name).is_some(),
        AppLayer::Tls => TlsEvent::from_name(name).is_some(),
        _ => false,
    }
}

/// One DNS message as the engine sees it, in the direction it travelled
/// (`dns.query` and `dns.response.rrname` exist only in one direction).
pub struct DnsView<'a>(pub &'a DnsTransaction);

impl AppTx for DnsView<'_> {
    fn each(&self, b: Buffer, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let t = self.0;
        match b {
            Buffer::DnsQuery => t.to_server && t.queries().any(f),
            Buffer::DnsQueryName | Buffer::DnsQueriesRrname => t.queries().any(f),
            Buffer::DnsAnswerName | Buffer::DnsAnswersRrname => t.answer_names().any(f),
            Buffer::DnsAuthoritiesRrname => t.authority_names().any(f),
            Buffer::DnsAdditionalsRrname => t.additional_names().any(f),
            Buffer::DnsResponseRrname => !t.to_server && t.each_name(f),
            _ => false,
        }
    }

    fn urilen(&self, _raw: bool) -> Option<u64> {
        None
    }

    fn each_value(&self, v: TxValue, f: &mut dyn FnMut(u64) -> bool) -> bool {
        let t = self.0;
        match v {
            TxValue::DnsOpcode => f(u64::from(t.opcode())),
            TxValue::DnsRcode => f(u64::from(t.rcode())),
            TxValue::DnsRrtype => t.rrtypes().any(|r| f(u64::from(r))),
        }
    }
}
