//! warden-capture: capture files in and out.
//!
//! - [`CaptureReader`] streams classic pcap (both byte orders, micro- and
//!   nanosecond timestamps) and pcapng (several interfaces, each with its
//!   own link type, timestamp resolution and offset) through `pcap-parser`
//!   with one reused buffer, yielding borrowed [`RawPacket`]s.
//! - [`PcapWriter`] writes classic pcap (fixtures, demo capture, pcap log).
//! - [`open_captures`] expands a folder into its capture files.
//!
//! - [`AfPacket`] reads and writes frames on a live Linux interface (the
//!   inline bridge and passive live capture), with `unsafe` socket calls.
//! - [`NfQueue`] takes packets from a netfilter queue (NFQUEUE) and gives
//!   their verdicts; [`RawIpSender`] sends IP packets warden builds (reject
//!   answers). Both keep their `unsafe` socket calls in a small inner
//!   module; the netlink parser is safe code.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod afpacket;
mod error;
mod files;
pub mod nfqueue;
pub mod rawip;
mod reader;
#[cfg(target_os = "linux")]
mod rx_ring;
mod writer;

pub use afpacket::AfPacket;
pub use error::{CaptureError, CaptureErrorKind};
pub use files::open_captures;
pub use nfqueue::NfQueue;
pub use rawip::RawIpSender;
pub use reader::{CaptureFormat, CaptureReader, RawPacket};
pub use warden_packet::{LinkType, Timestamp};
pub use writer::PcapWriter;
