//! warden-app: the application layer.
//!
//! Sits between the reassembled TCP stream (and UDP payloads) and
//! detection. It owns:
//!
//! - **protocol detection by content**: [`detect_proto`] looks at the first
//!   bytes of each direction and names the application protocol, whatever
//!   the ports (UDP DNS is recognised on its ports first, as Suricata);
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
//! Layout: one module per protocol (`http`, `tls`, `dns`) and
//! `detect_proto` for detection. The crate knows
//! nothing of rules, packets or output formats: the detection engine reads
//! buffers through accessors, the output crate renders the EVE field
//! structs.

#![forbid(unsafe_code)]

pub mod detect_proto;
pub mod dns;
pub mod http;
pub mod tls;

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
