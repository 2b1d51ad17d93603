//! warden-output: what the engine writes.
//!
//! Callers hand this crate plain data ([`AlertRecord`], [`DropRecord`],
//! [`FlowRecord`], [`HttpRecord`], [`TlsRecord`], [`DnsRecord`],
//! [`FileinfoRecord`],
//! [`StatsSnapshot`]) and it renders Suricata-compatible output:
//!
//! - [`EveWriter`]: EVE JSON lines (`alert`, `drop`, `flow`, `http`, `tls`,
//!   `dns`, `fileinfo`, `stats` events) with
//!   Suricata 8's key names, key order and value formats, so tools that
//!   read Suricata's eve.json read warden's unchanged.
//! - [`FastLogWriter`]: fast.log lines.
//!
//! The crate knows nothing of packets or rule internals. Writing an alert
//! or a drop allocates nothing in steady state: each writer renders into a
//! reused buffer and then copies it into a [`std::io::BufWriter`].
//!
//! Layout: `json` (byte-level JSON builder), `time` (timestamp forms),
//! `proto` (IP protocol names), `record` (input types), `eve`, `eve_app`
//! (app-layer events), `eve_file` (`fileinfo` events), `stats`, `fastlog` (renderers and writers).

#![deny(missing_docs)]

pub mod eve;
pub mod eve_app;
pub mod eve_file;
pub mod fastlog;
pub mod json;
pub mod proto;
pub mod record;
pub mod stats;
pub mod time;

pub use eve::{render_alert, render_drop, render_flow, EveWriter};
pub use eve_app::{render_dns, render_http, render_tls};
pub use eve_file::render_fileinfo;
pub use fastlog::{render_fastlog, FastLogWriter};
pub use record::{
    AlertRecord, AlertScope, AppHeader, AppObject, ContentRange, DnsAnswerEntry, DnsCode,
    DnsFields, DnsQueryEntry, DnsRData, DnsRecord, DropAlert, DropIp, DropL4, DropRecord, Endpoint,
    FileFields, FileinfoRecord, FlowRecord, FlowSummary, HttpFields, HttpRecord, PacketHeader,
    RulesetTag, SourceTarget, TlsClientCert, TlsFields, TlsRecord, TunnelInfo,
};
pub use stats::{
    render_stats_into, CaptureStats, DecoderStats, DetectStats, EngineStats, FlowStats,
    StatsSnapshot,
};
pub use time::Timestamp;
