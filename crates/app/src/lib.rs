//! warden-app: the application layer.
//!
//! Sits between the reassembled TCP stream (and UDP payloads) and
//! detection. It owns:
//!
//! - **protocol detection by content**: [`probe_tcp`] looks at the first
//!   bytes of each direction and names the application protocol
//!   ([`AppProto`]), whatever the ports;
//! - **streaming parsers** that turn each direction's bytes into
//!   transactions carrying the inspection buffers rules use
//!   (`http.uri`, `http.host`, `file.data`, ...), anomaly events named as
//!   Suricata's app-layer events, and the data of EVE protocol records.
//!
//! Parsers are sans-IO: they are fed byte slices in whatever chunk sizes the
//! stream layer produces, with the packet time, and never panic. Each keeps
//! bounded memory per flow (line, header and body limits) and does no
//! quadratic work on byte-at-a-time input.
//!
//! Layout: one module per protocol (`http` here; `tls`, `dns` and the full
//! detection table in `detect_proto` are added beside it). The crate knows
//! nothing of rules, packets or output formats: the detection engine reads
//! buffers through accessors, the output crate renders the EVE field
//! structs.

#![forbid(unsafe_code)]

pub mod detect_proto;
pub mod dns;
pub mod http;
pub mod tls;

/// An application-layer protocol, as named in rules (`alert http ...`) and
/// in EVE's `app_proto` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppProto {
    /// Not (yet) known: detection has not seen enough data.
    Unknown,
    /// HTTP/1.x.
    Http,
    /// TLS (and SSL).
    Tls,
    /// DNS over UDP or TCP.
    Dns,
    /// Detection gave up: no parser recognised the flow.
    Failed,
}

impl AppProto {
    /// The protocol's name in rules and in EVE `app_proto`.
    pub fn name(self) -> &'static str {
        match self {
            AppProto::Unknown => "unknown",
            AppProto::Http => "http",
            AppProto::Tls => "tls",
            AppProto::Dns => "dns",
            AppProto::Failed => "failed",
        }
    }
}

/// The answer of a protocol probe over the first bytes of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The data is the start of this protocol.
    Yes,
    /// The data cannot be the start of this protocol.
    No,
    /// Too few bytes to tell; ask again with more.
    NeedMore,
}

/// Protocol detection entry point for a TCP stream direction.
///
/// `data` is the start of the direction's reassembled stream (everything
/// seen so far). Returns `Some(proto)` once decided (possibly
/// [`AppProto::Failed`]) and `None` when more data is needed.
///
/// Only HTTP is probed here for now; the TLS and DNS probes (and the
/// full detection table with per-protocol confirmation) will live in
/// `detect_proto` and take over this entry point.
pub fn probe_tcp(to_server: bool, data: &[u8]) -> Option<AppProto> {
    let http = if to_server {
        http::probe_request(data)
    } else {
        http::probe_response(data)
    };
    match http {
        Probe::Yes => Some(AppProto::Http),
        Probe::NeedMore => None,
        Probe::No => Some(AppProto::Failed),
    }
}
