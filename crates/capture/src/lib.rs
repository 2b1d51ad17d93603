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
//!   inline bridge and passive live capture); it is the only module with
//!   `unsafe` (the socket calls).

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod afpacket;
mod error;
mod files;
mod reader;
mod writer;

pub use afpacket::AfPacket;
pub use error::{CaptureError, CaptureErrorKind};
pub use files::open_captures;
pub use reader::{CaptureFormat, CaptureReader, RawPacket};
pub use warden_packet::{LinkType, Timestamp};
pub use writer::PcapWriter;
