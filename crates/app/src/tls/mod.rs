//! TLS (and SSL) application layer.
//!
//! [`TlsState`] is fed the reassembled TCP bytes of each direction in any
//! chunk sizes ([`TlsState::parse`]). Records are framed here (5-byte
//! header, kept in a small per-direction buffer until complete); handshake
//! messages are reassembled across records, and their bodies are decoded
//! with `tls-parser` (hellos, certificate chain) and `x509-parser` (the
//! certificates). After a direction's ChangeCipherSpec its records are
//! encrypted and only framed.
//!
//! The state is one transaction per flow, as in Suricata. Rule buffers and
//! values are borrowed accessors: [`TlsState::sni`], [`TlsState::cert_subject`],
//! [`TlsState::cert_issuer`], [`TlsState::cert_serial`],
//! [`TlsState::cert_fingerprint`], [`TlsState::certs`], [`TlsState::ja3_hash`],
//! [`TlsState::ja3_string`], [`TlsState::ja3s_hash`], [`TlsState::ja3s_string`],
//! [`TlsState::ja4_hash`], [`TlsState::version`], [`TlsState::ssl_state`],
//! [`TlsState::cert_expired`] / [`TlsState::cert_valid`]. [`TlsState::eve`]
//! gathers the fields of the EVE `tls` record. Anomalies are
//! [`TlsEvent`]s named as Suricata's `tls.*` app-layer events; nothing
//! panics on hostile input.

pub mod cert;
pub mod hello;

pub use cert::{format_time, CertInfo};
pub use hello::{ClientHello, ServerHello};

/// Record content types.
const REC_CCS: u8 = 20;
const REC_ALERT: u8 = 21;
const REC_HANDSHAKE: u8 = 22;
const REC_APPDATA: u8 = 23;
const REC_HEARTBEAT: u8 = 24;
/// Largest record body accepted (2^14 plus the expansion TLS 1.2 allows).
const MAX_RECORD: usize = 16_384 + 2_048;
/// Largest handshake message reassembled (certificate chains included).
const MAX_HANDSHAKE: usize = 256 * 1024;
/// Most certificates kept from one chain.
const MAX_CERTS: usize = 16;

/// Handshake message types: hello_request, client_hello, server_hello,
/// hello_verify_request, new_session_ticket, end_of_early_data,
/// encrypted_extensions, certificate, server_key_exchange,
/// certificate_request, server_hello_done, certificate_verify,
/// client_key_exchange, finished, certificate_url, certificate_status,
/// key_update, next_protocol, message_hash. Anything else means the
/// handshake stream is not what it claims.
const KNOWN_HANDSHAKE_TYPES: &[u8] = &[
    0, 1, 2, 3, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 24, 67, 254,
];

/// TLS anomalies, named as Suricata's `app-layer-event:tls.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsEvent {
    /// Record type outside 20..=24.
    InvalidRecordType,
    /// Record version major is not 3.
    InvalidRecordVersion,
    /// Record header unusable (length over the maximum).
    InvalidTlsHeader,
    /// SSLv2 record that could not be read.
    InvalidSslv,
    /// A handshake message could not be decoded.
    InvalidHandshakeMessage,
    /// A handshake message is longer than the reassembly cap.
    HandshakeInvalidLength,
    /// The certificate chain could not be decoded.
    InvalidCertificate,
    /// Certificate DER not decodable.
    CertificateInvalidDer,
    /// Certificate version field.
    CertificateInvalidVersion,
    /// Certificate serial field.
    CertificateInvalidSerial,
    /// Certificate algorithm identifier.
    CertificateInvalidAlgorithmIdentifier,
    /// Certificate subject/issuer name.
    CertificateInvalidSubject,
    /// Certificate dates.
    CertificateInvalidDate,
    /// Certificate extensions.
    CertificateInvalidExtensions,
    /// Certificate length.
    CertificateInvalidLength,
    /// Cleartext alert that is not 2 bytes.
    InvalidAlertMessage,
    /// Heartbeat record seen.
    HeartbeatMessage,
    /// Heartbeat payload length larger than the record.
    OverflowHeartbeatMessage,
    /// Cleartext heartbeat too short to hold its header.
    InvalidHeartbeatMessage,
    /// SNI entry of a type other than host_name.
    InvalidSniType,
    /// SNI lengths inconsistent.
    InvalidSniLength,
    /// More than one SNI extension.
    MultipleSniExtensions,
    /// Data after a record that cannot be TLS (framing lost).
    InvalidSslRecord,
}

impl TlsEvent {
    /// Suricata's event name (the part after `tls.`).
    pub fn name(self) -> &'static str {
        use TlsEvent::*;
        match self {
            InvalidRecordType => "invalid_record_type",
            InvalidRecordVersion => "invalid_record_version",
            InvalidTlsHeader => "invalid_tls_header",
            InvalidSslv => "invalid_sslv2_header",
            InvalidHandshakeMessage => "invalid_handshake_message",
            HandshakeInvalidLength => "handshake_invalid_length",
            InvalidCertificate => "invalid_certificate",
            CertificateInvalidDer => "certificate_invalid_der",
            CertificateInvalidVersion => "certificate_invalid_version",
            CertificateInvalidSerial => "certificate_invalid_serial",
            CertificateInvalidAlgorithmIdentifier => "certificate_invalid_algorithmidentifier",
            CertificateInvalidSubject => "certificate_invalid_subject",
            CertificateInvalidDate => "certificate_invalid_date",
            CertificateInvalidExtensions => "certificate_invalid_extensions",
            CertificateInvalidLength => "certificate_invalid_length",
            InvalidAlertMessage => "invalid_alert_message",
            HeartbeatMessage => "heartbeat_message",
            OverflowHeartbeatMessage => "overflow_heartbeat_message",
            InvalidHeartbeatMessage => "invalid_heartbeat_message",
            InvalidSniType => "invalid_sni_type",
            InvalidSniLength => "invalid_sni_length",
            MultipleSniExtensions => "multiple_sni_extensions",
            InvalidSslRecord => "invalid_ssl_record",
        }
    }

    /// Every event.
    pub const ALL: &'static [TlsEvent] = &[
        TlsEvent::InvalidRecordType,
        TlsEvent::InvalidRecordVersion,
        TlsEvent::InvalidTlsHeader,
        TlsEvent::InvalidSslv,
        TlsEvent::InvalidHandshakeMessage,
        TlsEvent::HandshakeInvalidLength,
        TlsEvent::InvalidCertificate,
        TlsEvent::CertificateInvalidDer,
        TlsEvent::CertificateInvalidVersion,
        TlsEvent::CertificateInvalidSerial,
        TlsEvent::CertificateInvalidAlgorithmIdentifier,
        TlsEvent::CertificateInvalidSubject,
        TlsEvent::CertificateInvalidDate,
        TlsEvent::CertificateInvalidExtensions,
        TlsEvent::CertificateInvalidLength,
        TlsEvent::InvalidAlertMessage,
        TlsEvent::HeartbeatMessage,
        TlsEvent::OverflowHeartbeatMessage,
        TlsEvent::InvalidHeartbeatMessage,
        TlsEvent::InvalidSniType,
        TlsEvent::InvalidSniLength,
        TlsEvent::MultipleSniExtensions,
        TlsEvent::InvalidSslRecord,
    ];

    /// Looks an event up by its rule name (with or without `tls.`).
    pub fn from_name(name: &str) -> Option<TlsEvent> {
        let name = name.strip_prefix("tls.").unwrap_or(name);
        TlsEvent::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// `ssl_state` progress flags.
pub mod ssl_state {
    /// A ClientHello was seen.
    pub const CLIENT_HELLO: u8 = 0x01;
    /// A ServerHello was seen.
    pub const SERVER_HELLO: u8 = 0x02;
    /// A ClientKeyExchange was seen.
    pub const CLIENT_KEYX: u8 = 0x04;
    /// A ServerKeyExchange was seen.
    pub const SERVER_KEYX: u8 = 0x08;
    /// A handshake message of unknown type was seen.
    pub const UNKNOWN: u8 = 0x10;

    /// Parses an `ssl_state` keyword name into its flag.
    pub fn from_name(name: &str) -> Option<u8> {
        Some(match name {
            "client_hello" => CLIENT_HELLO,
            "server_hello" => SERVER_HELLO,
            "client_keyx" => CLIENT_KEYX,
            "server_keyx" => SERVER_KEYX,
            "unknown" => UNKNOWN,
            _ => return None,
        })
    }
}

/// What one [`TlsState::parse`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TlsProgress {
    /// Complete records consumed.
    pub records: usize,
    /// A ClientHello was decoded by this call.
    pub client_hello: bool,
    /// A ServerHello was decoded by this call.
    pub server_hello: bool,
    /// A Certificate message was decoded by this call.
    pub certificate: bool,
    /// The handshake is over (both sides encrypt) as of this call.
    pub handshake_done: bool,
    /// New anomaly events were raised by this call.
    pub new_events: bool,
}

/// Per-direction framing state.
#[derive(Debug, Default, Clone)]
struct Dir {
    /// Bytes of an incomplete record (header included).
    rec: Vec<u8>,
    /// Bytes of an incomplete handshake message (header included).
    hs: Vec<u8>,
    /// ChangeCipherSpec seen: later records are encrypted.
    encrypted: bool,
    /// Application data seen.
    app_data: bool,
    /// Framing lost (gap or garbage): ignore the rest of the direction.
    lost: bool,
    /// Version of the last record header seen.
    record_version: Option<u16>,
    /// Records seen.
    records: u64,
}

/// Per-flow TLS state (one transaction).
#[derive(Debug, Default, Clone)]
pub struct TlsState {
    dirs: [Dir; 2],
    client_hello: Option<ClientHello>,
    server_hello: Option<ServerHello>,
    ja3: Option<(String, String)>,
    ja3s: Option<(String, String)>,
    ja4: Option<String>,
    certs: Vec<Vec<u8>>,
    cert0: Option<CertInfo>,
    /// The client's chain (client authentication), apart from the server's.
    client_certs: Vec<Vec<u8>>,
    client_cert0: Option<CertInfo>,
    flags: u8,
    events: Vec<TlsEvent>,
}

/// Suricata's string for a TLS/SSL version (EVE `tls.version`).
pub fn version_string(v: u16) -> String {
    match v {
        0 => "UNDETERMINED".into(),
        0x0002 => "SSLv2".into(),
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0x7f00..=0x7fff => format!("TLS 1.3 draft-{}", v & 0xff),
        _ => v.to_string(),
    }
}

/// The fields of Suricata's EVE `tls` record, in its order. Strings are
/// borrowed from the state; absent fields are `None` / empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsEve<'a> {
    /// First certificate's subject.
    pub subject: Option<&'a str>,
    /// First certificate's issuer.
    pub issuerdn: Option<&'a str>,
    /// First certificate's DNS subject alternative names.
    pub subjectaltname: &'a [String],
    /// Session resumed (no certificate, session id echoed).
    pub session_resumed: bool,
    /// First certificate's serial.
    pub serial: Option<&'a str>,
    /// First certificate's SHA-1 fingerprint.
    pub fingerprint: Option<&'a str>,
    /// Client SNI (raw bytes; the writer escapes them).
    pub sni: Option<&'a [u8]>,
    /// Version string (`TLS 1.2`, `TLS 1.3`, `UNDETERMINED`, ...).
    pub version: String,
    /// notbefore, `YYYY-MM-DDTHH:MM:SS`.
    pub notbefore: Option<String>,
    /// notafter, `YYYY-MM-DDTHH:MM:SS`.
    pub notafter: Option<String>,
    /// JA3 (hash, string).
    pub ja3: Option<(&'a str, &'a str)>,
    /// JA3S (hash, string).
    pub ja3s: Option<(&'a str, &'a str)>,
    /// JA4.
    pub ja4: Option<&'a str>,
    /// ALPN names offered by the client.
    pub client_alpns: &'a [Vec<u8>],
    /// ALPN names chosen by the server.
    pub server_alpns: &'a [Vec<u8>],
}

impl TlsState {
    /// Empty state for a new flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds reassembled bytes of one direction.
    pub fn parse(&mut self, to_server: bool, data: &[u8]) -> TlsProgress {
        let mut p = TlsProgress::default();
        let d = usize::from(!to_server);
        let events_before = self.events.len();
        if self.dirs[d].lost || data.is_empty() {
            return p;
        }
        let mut buf = std::mem::take(&mut self.dirs[d].rec);
        buf.extend_from_slice(data);
        let mut off = 0;
        while !self.dirs[d].lost {
            let rest = &buf[off..];
            // SSLv2-framed ClientHello at the start of the client stream.
            if self.dirs[d].records == 0 && to_server && rest.first().is_some_and(|b| b & 0x80 != 0)
            {
                if rest.len() < 3 {
                    break;
                }
                let len = (usize::from(rest[0] & 0x7f) << 8) | usize::from(rest[1]);
                if rest[2] != 1 || len < 9 {
                    self.event(TlsEvent::InvalidSslv);
                    self.dirs[d].lost = true;
                    break;
                }
                if rest.len() < 2 + len {
                    break;
                }
                self.flags |= ssl_state::CLIENT_HELLO;
                self.dirs[d].record_version = Some(u16::from_be_bytes([rest[3], rest[4]]));
                self.dirs[d].records += 1;
                p.records += 1;
                off += 2 + len;
                continue;
            }
            if rest.len() < 5 {
                break;
            }
            let rtype = rest[0];
            let version = u16::from_be_bytes([rest[1], rest[2]]);
            let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            if !(REC_CCS..=REC_HEARTBEAT).contains(&rtype) {
                self.event(TlsEvent::InvalidRecordType);
                self.dirs[d].lost = true;
                break;
            }
            if rest[1] != 3 {
                self.event(TlsEvent::InvalidRecordVersion);
                self.dirs[d].lost = true;
                break;
            }
            if len > MAX_RECORD {
                self.event(TlsEvent::InvalidTlsHeader);
                self.dirs[d].lost = true;
                break;
            }
            if rest.len() < 5 + len {
                break;
            }
            let body = &rest[5..5 + len];
            self.dirs[d].record_version = Some(version);
            self.dirs[d].records += 1;
            p.records += 1;
            self.record(to_server, rtype, body, &mut p);
            off += 5 + len;
        }
        buf.drain(..off);
        if self.dirs[d].lost {
            buf.clear();
            self.dirs[d].hs.clear();
        }
        self.dirs[d].rec = buf;
        p.handshake_done = self.handshake_done();
        p.new_events = self.events.len() > events_before;
        p
    }

    /// A hole in one direction's stream: framing cannot be trusted again,
    /// so that direction is no longer parsed.
    pub fn on_gap(&mut self, to_server: bool) {
        let d = &mut self.dirs[usize::from(!to_server)];
        d.rec.clear();
        d.hs.clear();
        d.lost = true;
    }

    fn event(&mut self, e: TlsEvent) {
        if !self.events.contains(&e) {
            self.events.push(e);
        }
    }

    fn record(&mut self, to_server: bool, rtype: u8, body: &[u8], p: &mut TlsProgress) {
        let d = usize::from(!to_server);
        let encrypted = self.dirs[d].encrypted;
        match rtype {
            REC_CCS => self.dirs[d].encrypted = true,
            REC_APPDATA => self.dirs[d].app_data = true,
            REC_ALERT if !encrypted && body.len() != 2 => {
                self.event(TlsEvent::InvalidAlertMessage);
            }
            REC_HEARTBEAT => {
                self.event(TlsEvent::HeartbeatMessage);
                if !encrypted {
                    if body.len() < 3 {
                        self.event(TlsEvent::InvalidHeartbeatMessage);
                    } else {
                        let plen = usize::from(u16::from_be_bytes([body[1], body[2]]));
                        // type(1) + length(2) + payload + at least 16 bytes padding.
                        if 3 + plen + 16 > body.len() {
                            self.event(TlsEvent::OverflowHeartbeatMessage);
                        }
                    }
                }
            }
            REC_HANDSHAKE if !encrypted && !self.server_encrypts_handshake(to_server) => {
                self.handshake_bytes(to_server, body, p);
            }
            _ => {}
        }
    }

    /// TLS 1.3 encrypts the server's handshake after its ServerHello (and
    /// the client's after its Finished, which comes after a CCS anyway).
    fn server_encrypts_handshake(&self, to_server: bool) -> bool {
        !to_server
            && self
                .server_hello
                .as_ref()
                .is_some_and(|s| s.negotiated_version() >= 0x0304)
    }

    fn handshake_bytes(&mut self, to_server: bool, body: &[u8], p: &mut TlsProgress) {
        let d = usize::from(!to_server);
        let mut hs = std::mem::take(&mut self.dirs[d].hs);
        hs.extend_from_slice(body);
        let mut off = 0;
        while hs.len() - off >= 4 {
            let mtype = hs[off];
            let mlen = (usize::from(hs[off + 1]) << 16)
                | (usize::from(hs[off + 2]) << 8)
                | usize::from(hs[off + 3]);
            if !KNOWN_HANDSHAKE_TYPES.contains(&mtype) {
                // framing is lost: whatever follows cannot be trusted
                self.flags |= ssl_state::UNKNOWN;
                self.event(TlsEvent::InvalidHandshakeMessage);
                self.dirs[d].lost = true;
                return;
            }
            if mlen > MAX_HANDSHAKE {
                self.event(TlsEvent::HandshakeInvalidLength);
                self.dirs[d].lost = true;
                return;
            }
            if hs.len() - off < 4 + mlen {
                break;
            }
            self.handshake_message(to_server, mtype, &hs[off + 4..off + 4 + mlen], p);
            off += 4 + mlen;
            if self.server_encrypts_handshake(to_server) {
                // The rest of this record is already encrypted (1.3).
                off = hs.len();
            }
        }
        hs.drain(..off);
        self.dirs[d].hs = hs;
    }

    fn handshake_message(&mut self, to_server: bool, mtype: u8, body: &[u8], p: &mut TlsProgress) {
        match mtype {
            1 => match hello::parse_client_hello(body) {
                Some(ch) => {
                    self.flags |= ssl_state::CLIENT_HELLO;
                    if ch.anomalies.multiple_sni {
                        self.event(TlsEvent::MultipleSniExtensions);
                    }
                    if ch.anomalies.invalid_sni_type {
                        self.event(TlsEvent::InvalidSniType);
                    }
                    if ch.anomalies.invalid_sni_length {
                        self.event(TlsEvent::InvalidSniLength);
                    }
                    if self.client_hello.is_none() {
                        let s = ch.ja3_string();
                        self.ja3 = Some((hello::md5_hex(&s), s));
                        self.ja4 = Some(ch.ja4());
                        self.client_hello = Some(ch);
                        p.client_hello = true;
                    }
                }
                None => self.event(TlsEvent::InvalidHandshakeMessage),
            },
            2 => match hello::parse_server_hello(body) {
                Some(sh) => {
                    self.flags |= ssl_state::SERVER_HELLO;
                    if self.server_hello.is_none() {
                        let s = sh.ja3s_string();
                        self.ja3s = Some((hello::md5_hex(&s), s));
                        self.server_hello = Some(sh);
                        p.server_hello = true;
                    }
                }
                None => self.event(TlsEvent::InvalidHandshakeMessage),
            },
            11 if self.chain(to_server).0.is_empty() => {
                match tls_parser::parse_tls_handshake_msg_certificate(body) {
                    Ok((_, tls_parser::TlsMessageHandshake::Certificate(c))) => {
                        let chain: Vec<Vec<u8>> = c
                            .cert_chain
                            .iter()
                            .take(MAX_CERTS)
                            .map(|raw| raw.data.to_vec())
                            .collect();
                        let first = chain.first().map(|der| cert::parse_cert(der));
                        let info = match first {
                            Some(Ok(info)) => Some(info),
                            Some(Err(e)) => {
                                // the specific defect, and the certificate
                                // as a whole
                                self.event(e);
                                self.event(TlsEvent::InvalidCertificate);
                                None
                            }
                            None => None,
                        };
                        if to_server {
                            self.client_certs = chain;
                            self.client_cert0 = info;
                        } else {
                            self.certs = chain;
                            self.cert0 = info;
                        }
                        p.certificate = true;
                    }
                    _ => self.event(TlsEvent::InvalidCertificate),
                }
            }
            12 => self.flags |= ssl_state::SERVER_KEYX,
            16 => self.flags |= ssl_state::CLIENT_KEYX,
            // the other known types (KNOWN_HANDSHAKE_TYPES) carry nothing
            // warden inspects
            _ => {}
        }
    }

    /// The certificate chain one side sent (`to_server`: the client's) and
    /// its first certificate's fields.
    pub fn chain(&self, to_server: bool) -> (&[Vec<u8>], Option<&CertInfo>) {
        if to_server {
            (&self.client_certs, self.client_cert0.as_ref())
        } else {
            (&self.certs, self.cert0.as_ref())
        }
    }

    /// The hello random one side sent (`to_server`: the client's), 32
    /// bytes: `tls.random`.
    pub fn random(&self, to_server: bool) -> Option<&[u8]> {
        let r = if to_server {
            &self.client_hello.as_ref()?.random
        } else {
            &self.server_hello.as_ref()?.random
        };
        (!r.is_empty()).then_some(r.as_slice())
    }

    /// `tls.random_time`: the first 4 bytes of [`TlsState::random`].
    pub fn random_time(&self, to_server: bool) -> Option<&[u8]> {
        self.random(to_server).and_then(|r| r.get(..4))
    }

    /// `tls.random_bytes`: the 28 bytes after [`TlsState::random_time`].
    pub fn random_bytes(&self, to_server: bool) -> Option<&[u8]> {
        self.random(to_server).and_then(|r| r.get(4..))
    }

    /// `tls.alpn`: the protocols one side named (`to_server`: offered by
    /// the client; else chosen by the server).
    pub fn alpns(&self, to_server: bool) -> &[Vec<u8>] {
        if to_server {
            self.client_hello
                .as_ref()
                .map_or(&[], |c| c.alpn.as_slice())
        } else {
            self.server_hello
                .as_ref()
                .map_or(&[], |s| s.alpn.as_slice())
        }
    }

    /// True once the EVE `tls` record can be written: the handshake is
    /// done, or the server's certificate is in (nothing the record holds
    /// comes after it), as Suricata logs a session whose handshake never
    /// completes as soon as the server's certificate was seen.
    pub fn ready_to_log(&self) -> bool {
        self.handshake_done() || self.cert0.is_some()
    }

    /// True once both directions have switched to encrypted records.
    pub fn handshake_done(&self) -> bool {
        let client = self.dirs[0].encrypted || self.dirs[0].app_data;
        let server = self.dirs[1].encrypted || self.dirs[1].app_data;
        client && server
    }

    /// Anomalies raised so far (each once).
    pub fn events(&self) -> &[TlsEvent] {
        &self.events
    }

    /// The decoded ClientHello, if seen.
    pub fn client_hello(&self) -> Option<&ClientHello> {
        self.client_hello.as_ref()
    }

    /// The decoded ServerHello, if seen.
    pub fn server_hello(&self) -> Option<&ServerHello> {
        self.server_hello.as_ref()
    }

    /// `tls.sni`.
    pub fn sni(&self) -> Option<&[u8]> {
        self.client_hello.as_ref()?.sni.as_deref()
    }

    /// First certificate's parsed fields.
    pub fn cert0(&self) -> Option<&CertInfo> {
        self.cert0.as_ref()
    }

    /// `tls.cert_subject` (also `tls.subject`).
    pub fn cert_subject(&self) -> Option<&[u8]> {
        self.cert0.as_ref().map(|c| c.subject.as_bytes())
    }

    /// `tls.cert_issuer` (also `tls.issuerdn`).
    pub fn cert_issuer(&self) -> Option<&[u8]> {
        self.cert0.as_ref().map(|c| c.issuer.as_bytes())
    }

    /// `tls.cert_serial`.
    pub fn cert_serial(&self) -> Option<&[u8]> {
        self.cert0.as_ref().map(|c| c.serial.as_bytes())
    }

    /// `tls.cert_fingerprint`.
    pub fn cert_fingerprint(&self) -> Option<&[u8]> {
        self.cert0.as_ref().map(|c| c.fingerprint.as_bytes())
    }

    /// `tls.certs`: the DER of every certificate of the server's chain.
    pub fn certs(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.certs.iter().map(Vec::as_slice)
    }

    /// `ja3.hash`.
    pub fn ja3_hash(&self) -> Option<&[u8]> {
        self.ja3.as_ref().map(|(h, _)| h.as_bytes())
    }

    /// `ja3.string`.
    pub fn ja3_string(&self) -> Option<&[u8]> {
        self.ja3.as_ref().map(|(_, s)| s.as_bytes())
    }

    /// `ja3s.hash`.
    pub fn ja3s_hash(&self) -> Option<&[u8]> {
        self.ja3s.as_ref().map(|(h, _)| h.as_bytes())
    }

    /// `ja3s.string`.
    pub fn ja3s_string(&self) -> Option<&[u8]> {
        self.ja3s.as_ref().map(|(_, s)| s.as_bytes())
    }

    /// `ja4.hash`.
    pub fn ja4_hash(&self) -> Option<&[u8]> {
        self.ja4.as_deref().map(str::as_bytes)
    }

    /// `tls.version`: the negotiated version (ServerHello, supported_versions
    /// for TLS 1.3), else the version of the server's last record header.
    pub fn version(&self) -> Option<u16> {
        self.server_hello
            .as_ref()
            .map(ServerHello::negotiated_version)
            .or(self.dirs[1].record_version)
    }

    /// `ssl_version` inputs: the version of each direction's records
    /// (client, server), with the server's replaced by the negotiated
    /// version once known.
    pub fn ssl_versions(&self) -> (Option<u16>, Option<u16>) {
        let client = self
            .client_hello
            .as_ref()
            .map(|c| c.version)
            .or(self.dirs[0].record_version);
        (client, self.version())
    }

    /// `ssl_state` flags seen so far ([`ssl_state`] constants).
    pub fn ssl_state(&self) -> u8 {
        self.flags
    }

    /// `tls_cert_expired`: the first certificate's notAfter is before `now`
    /// (Unix seconds); `None` without a certificate.
    pub fn cert_expired(&self, now: i64) -> Option<bool> {
        self.cert0.as_ref().map(|c| now > c.not_after)
    }

    /// `tls_cert_valid`: `now` lies within the first certificate's validity.
    pub fn cert_valid(&self, now: i64) -> Option<bool> {
        self.cert0
            .as_ref()
            .map(|c| now >= c.not_before && now <= c.not_after)
    }

    /// Session resumed: a TLS ≤ 1.2 server echoed the client's non-empty
    /// session id.
    pub fn session_resumed(&self) -> bool {
        match (&self.client_hello, &self.server_hello) {
            (Some(c), Some(s)) => {
                s.negotiated_version() < 0x0304
                    && !c.session_id.is_empty()
                    && c.session_id == s.session_id
                    && self.certs.is_empty()
            }
            _ => false,
        }
    }

    /// Data of the EVE `tls` record.
    pub fn eve(&self) -> TlsEve<'_> {
        let c = self.cert0.as_ref();
        TlsEve {
            subject: c.map(|c| c.subject.as_str()),
            issuerdn: c.map(|c| c.issuer.as_str()),
            subjectaltname: c.map_or(&[][..], |c| c.subject_alt_names.as_slice()),
            session_resumed: self.session_resumed(),
            serial: c.map(|c| c.serial.as_str()),
            fingerprint: c.map(|c| c.fingerprint.as_str()),
            sni: self.sni(),
            version: version_string(self.version().unwrap_or(0)),
            notbefore: c.map(|c| format_time(c.not_before)),
            notafter: c.map(|c| format_time(c.not_after)),
            ja3: self.ja3.as_ref().map(|(h, s)| (h.as_str(), s.as_str())),
            ja3s: self.ja3s.as_ref().map(|(h, s)| (h.as_str(), s.as_str())),
            ja4: self.ja4.as_deref(),
            client_alpns: self
                .client_hello
                .as_ref()
                .map_or(&[][..], |c| c.alpn.as_slice()),
            server_alpns: self
                .server_hello
                .as_ref()
                .map_or(&[][..], |s| s.alpn.as_slice()),
        }
    }
}
