//! Stream layer of warden: TCP stream reassembly ([`tcp`]) and IPv4/IPv6
//! defragmentation ([`defrag`]).
//!
//! This crate knows nothing of rules or application-layer protocols. The
//! pipeline hands it TCP segments (sequence number, flags, payload) and IP
//! fragments (decoded by `warden-packet`), and gets back in-order stream
//! bytes (borrowed, each byte once, with a lookback for matches across
//! deliveries) and reassembled datagrams. Time is packet time, memory is
//! capped, and every anomaly is counted.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod budget;
pub mod defrag;
mod overlap;
pub mod tcp;

pub use budget::MemBudget;
pub use defrag::{
    DefragConfig, DefragEvents, DefragOutcome, DefragPolicy, DefragStats, Defragmenter, FragKey,
    Fragment, Reassembled,
};
pub use tcp::{
    Gap, OverlapPolicy, Ready, Reassembler, ReassemblyConfig, ReassemblyStats, StreamEvents,
    TcpStreams,
};
