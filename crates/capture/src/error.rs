//! [`CaptureError`]: what went wrong reading a capture, always naming the
//! file and, for record-level problems, the packet number and byte offset.

use std::fmt;
use std::io;

/// What kind of failure a [`CaptureError`] is.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// The file could not be opened or read.
    Io(io::Error),
    /// Neither a pcap nor a pcapng header.
    NotACapture,
    /// A classic pcap whose link type the decoder does not support.
    UnsupportedLinkType(u32),
    /// The file ends in the middle of a record.
    Truncated,
    /// A record or block that cannot be parsed.
    Corrupt(String),
}

/// An error reading a capture file.
#[derive(Debug)]
pub struct CaptureError {
    file: String,
    kind: CaptureErrorKind,
    /// 1-based number of the packet being read, when the error is in a record.
    packet: Option<u64>,
    offset: Option<u64>,
}

impl CaptureError {
    pub(crate) fn new(file: &str, kind: CaptureErrorKind) -> Self {
        CaptureError {
            file: file.to_string(),
            kind,
            packet: None,
            offset: None,
        }
    }

    pub(crate) fn at(file: &str, kind: CaptureErrorKind, packet: u64, offset: u64) -> Self {
        CaptureError {
            file: file.to_string(),
            kind,
            packet: Some(packet),
            offset: Some(offset),
        }
    }

    /// The file name as given to the reader.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The kind of failure.
    pub fn kind(&self) -> &CaptureErrorKind {
        &self.kind
    }

    /// 1-based number of the packet whose record failed (every earlier
    /// packet was returned).
    pub fn packet_index(&self) -> Option<u64> {
        self.packet
    }

    /// Byte offset of the failing record in the file.
    pub fn byte_offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        match &self.kind {
            CaptureErrorKind::Io(e) => write!(f, "{e}")?,
            CaptureErrorKind::NotACapture => write!(f, "not a pcap or pcapng file")?,
            CaptureErrorKind::UnsupportedLinkType(dlt) => write!(f, "unsupported link type {dlt}")?,
            CaptureErrorKind::Truncated => write!(f, "truncated record")?,
            CaptureErrorKind::Corrupt(what) => write!(f, "corrupt record ({what})")?,
        }
        if let Some(n) = self.packet {
            write!(f, " at packet {n}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " (byte offset {o})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            CaptureErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
