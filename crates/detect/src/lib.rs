//! warden-detect: turns parsed rules into a detection engine and runs it
//! over packets.
//!
//! - [`compile`] checks each rule against what the engine can honour and
//!   builds its compiled form ([`sig::Sig`]); a rule it cannot honour is
//!   rejected with a reason, never half-loaded.
//! - [`prefilter`] groups the compiled rules by protocol and port and builds
//!   one multi-pattern automaton per group over the rules' fast patterns,
//!   so each packet only verifies the rules whose fast pattern occurs in it
//!   (plus the few rules without one).
//! - [`payload`] verifies content, pcre, byte_* and isdataat chains with
//!   Suricata's relative-match semantics; [`header`] the IP/TCP/ICMP header
//!   keywords; [`file`] the file keywords (`filename`, `fileext`,
//!   `filesize`); [`threshold`] thresholds and detection filters; [`xbits`]
//!   bits kept per host or host pair.
//! - [`explain`] is the probe `warden explain` attaches to a worker's
//!   state: what decided one rule on each packet.
//! - [`profile`] accounts per-rule verification cost for `--profile-rules`.
//! - [`engine`] ties them together: [`Engine::inspect`] takes a decoded
//!   packet and its flow and appends the rules that fired.
//!
//! The compiled [`Engine`] is immutable and can be shared between threads;
//! everything that changes while packets flow lives in a per-worker
//! [`DetectState`].

pub mod app;
pub mod compile;
pub mod engine;
pub mod explain;
pub mod file;
pub mod header;
mod lanes;
pub mod payload;
pub mod prefilter;
pub mod profile;
pub mod public_suffix;
pub mod sig;
pub mod threshold;
pub mod transform;
pub mod xbits;

pub use app::{AppLayer, AppTx, TxValue};
pub use compile::{BuildContext, KnownEvent, Rejection, RejectionKind};
pub use engine::{
    ActionClass, DetectState, Engine, FiredRule, HostState, LoadReport, PacketContext,
    StreamWindow, TxContext,
};
pub use file::{FileEnd, TxFile};
pub use profile::{ticks, RuleCost, RuleProfile};
pub use sig::{Sig, SigAction, SigMeta};
