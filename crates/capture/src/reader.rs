//! [`CaptureReader`]: streaming reader over classic pcap and pcapng files,
//! built on `pcap-parser`'s circular-buffer readers. One buffer is reused
//! for the whole file (grown only for oversized records); each
//! [`RawPacket`] borrows its bytes from it until the next call.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};
use warden_packet::{LinkType, Timestamp};

use crate::error::{CaptureError, CaptureErrorKind};

const INITIAL_BUFFER: usize = 1 << 20;
const MAX_BUFFER: usize = 16 << 20;

/// One captured frame, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of the interface it was captured on.
    pub link: LinkType,
    /// Captured bytes (possibly fewer than `orig_len`).
    pub data: &'a [u8],
    /// Length on the wire.
    pub orig_len: u32,
    /// 1-based packet number in the file (as Wireshark counts frames).
    pub index: u64,
    /// pcapng interface id (0 for classic pcap).
    pub interface: u32,
}

/// The container format of an open capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Classic libpcap.
    Pcap {
        /// Nanosecond timestamps (magic 0xa1b23c4d).
        nanos: bool,
        /// Written big-endian.
        big_endian: bool,
    },
    /// pcapng.
    PcapNg,
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    link: Option<LinkType>,
    /// Timestamp units per second.
    resolution: u64,
    /// Seconds added to every timestamp.
    offset: i64,
    snaplen: u32,
}

/// What one step of the underlying reader produced, with no borrow of it.
enum Step {
    Packet {
        consumed: usize,
        start: usize,
        len: usize,
        ts: Timestamp,
        orig_len: u32,
        iface: u32,
    },
    Skip {
        consumed: usize,
    },
    Unsupported {
        consumed: usize,
    },
    Section {
        consumed: usize,
    },
    Interface {
        consumed: usize,
        iface: Interface,
    },
    Refill,
    Grow,
    Eof,
    Truncated,
    Io,
    Corrupt(String),
}

/// Streaming reader over one pcap or pcapng file.
pub struct CaptureReader {
    name: String,
    inner: Box<dyn PcapReaderIterator + Send>,
    format: CaptureFormat,
    interfaces: Vec<Interface>,
    capacity: usize,
    /// Packets returned or skipped so far.
    index: u64,
    /// File offset of the first unconsumed byte.
    offset: u64,
    /// Bytes of the block last returned, consumed on the next call.
    pending: usize,
    unsupported: u64,
    failed: bool,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("index", &self.index)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

fn pcap_link(dlt: u32) -> Option<LinkType> {
    LinkType::from_dlt(dlt)
}

impl CaptureReader {
    /// Opens a capture file; errors name the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CaptureError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file =
            File::open(path).map_err(|e| CaptureError::new(&name, CaptureErrorKind::Io(e)))?;
        Self::from_reader(name, file)
    }

    /// Reads a capture from any byte source; `name` is used in errors.
    pub fn from_reader(
        name: impl Into<String>,
        source: impl Read + Send + 'static,
    ) -> Result<Self, CaptureError> {
        let name = name.into();
        let inner = match create_reader(INITIAL_BUFFER, source) {
            Ok(r) => r,
            Err(PcapError::ReadError) => {
                let e = std::io::Error::other("read failed");
                return Err(CaptureError::new(&name, CaptureErrorKind::Io(e)));
            }
            Err(_) => return Err(CaptureError::new(&name, CaptureErrorKind::NotACapture)),
        };
        let mut reader = CaptureReader {
            name,
            inner,
            format: CaptureFormat::PcapNg,
            interfaces: Vec::new(),
            capacity: INITIAL_BUFFER,
            index: 0,
            offset: 0,
            pending: 0,
            unsupported: 0,
            failed: false,
        };
        reader.read_file_header()?;
        Ok(reader)
    }

    /// Reads the pcap header or the first pcapng section header.
    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        loop {
            let header = match self.inner.next() {
                Ok((n, PcapBlockOwned::LegacyHeader(h))) => {
                    let big_endian = h.is_bigendian();
                    let nanos = h.is_nanosecond_precision();
                    let dlt = h.network.0 as u32;
                    Ok((n, Some((nanos, big_endian, dlt, h.snaplen))))
                }
                Ok((n, PcapBlockOwned::NG(Block::SectionHeader(_)))) => Ok((n, None)),
                Ok(_) => Err(CaptureErrorKind::NotACapture),
                Err(PcapError::Incomplete(_)) => {
                    if self.inner.refill().is_err() {
                        return Err(self.error(CaptureErrorKind::Truncated));
                    }
                    continue;
                }
                Err(PcapError::UnexpectedEof) | Err(PcapError::Eof) => {
                    Err(CaptureErrorKind::Truncated)
                }
                Err(_) => Err(CaptureErrorKind::NotACapture),
            };
            let (n, legacy) = header.map_err(|k| CaptureError::new(&self.name, k))?;
            if let Some((nanos, big_endian, dlt, snaplen)) = legacy {
                self.format = CaptureFormat::Pcap { nanos, big_endian };
                let Some(link) = pcap_link(dlt) else {
                    return Err(self.error(CaptureErrorKind::UnsupportedLinkType(dlt)));
                };
                let resolution = if nanos { 1_000_000_000 } else { 1_000_000 };
                self.interfaces.push(Interface {
                    link: Some(link),
                    resolution,
                    offset: 0,
                    snaplen,
                });
            }
            self.inner.consume(n);
            self.offset += n as u64;
            return Ok(());
        }
    }

    fn error(&self, kind: CaptureErrorKind) -> CaptureError {
        CaptureError::new(&self.name, kind)
    }

    fn record_error(&mut self, kind: CaptureErrorKind) -> CaptureError {
        self.failed = true;
        CaptureError::at(&self.name, kind, self.index + 1, self.offset)
    }

    /// The name used in errors (the path as given).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Container format.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    /// Link type of a classic pcap, or of the first pcapng interface seen.
    pub fn link_type(&self) -> Option<LinkType> {
        self.interfaces.first().and_then(|i| i.link)
    }

    /// Packets read so far (including skipped ones).
    pub fn packets_read(&self) -> u64 {
        self.index
    }

    /// Packets skipped because their pcapng interface has a link type the
    /// decoder does not support (they still count in `index`).
    pub fn unsupported_skipped(&self) -> u64 {
        self.unsupported
    }

    /// The next packet, `Ok(None)` at the end of the file. After an error
    /// every later call returns `Ok(None)`.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        if self.failed {
            return Ok(None);
        }
        if self.pending > 0 {
            self.inner.consume(self.pending);
            self.offset += self.pending as u64;
            self.pending = 0;
        }
        loop {
            match self.step() {
                Step::Packet {
                    consumed,
                    start,
                    len,
                    ts,
                    orig_len,
                    iface,
                } => {
                    self.index += 1;
                    self.pending = consumed;
                    let link = self.interfaces.get(iface as usize).and_then(|i| i.link);
                    let in_buffer = start
                        .checked_add(len)
                        .is_some_and(|end| end <= self.inner.data().len());
                    let (Some(link), true) = (link, in_buffer) else {
                        self.index -= 1;
                        self.pending = 0;
                        return Err(self.record_error(CaptureErrorKind::Corrupt(
                            "packet data outside its block".into(),
                        )));
                    };
                    let data = &self.inner.data()[start..start + len];
                    return Ok(Some(RawPacket {
                        ts,
                        link,
                        data,
                        orig_len,
                        index: self.index,
                        interface: iface,
                    }));
                }
                Step::Unsupported { consumed } => {
                    self.index += 1;
                    self.unsupported += 1;
                    self.consume(consumed);
                }
                Step::Skip { consumed } => self.consume(consumed),
                Step::Section { consumed } => {
                    self.interfaces.clear();
                    self.consume(consumed);
                }
                Step::Interface { consumed, iface } => {
                    self.interfaces.push(iface);
                    self.consume(consumed);
                }
                Step::Refill => {
                    let before = self.inner.data().len();
                    if self.inner.refill().is_err() {
                        let e = std::io::Error::other("read failed");
                        return Err(self.record_error(CaptureErrorKind::Io(e)));
                    }
                    if self.inner.data().len() == before
                        && !self.inner.reader_exhausted()
                        && !self.grow()
                    {
                        return Err(self.record_too_large());
                    }
                }
                Step::Grow => {
                    if !self.grow() {
                        return Err(self.record_too_large());
                    }
                }
                Step::Eof => return Ok(None),
                Step::Truncated => return Err(self.record_error(CaptureErrorKind::Truncated)),
                Step::Io => {
                    let e = std::io::Error::other("read failed");
                    return Err(self.record_error(CaptureErrorKind::Io(e)));
                }
                Step::Corrupt(what) => {
                    return Err(self.record_error(CaptureErrorKind::Corrupt(what)))
                }
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.offset += n as u64;
    }

    fn grow(&mut self) -> bool {
        if self.capacity >= MAX_BUFFER {
            return false;
        }
        self.capacity = (self.capacity * 2).min(MAX_BUFFER);
        self.inner.grow(self.capacity)
    }

    fn record_too_large(&mut self) -> CaptureError {
        let what = format!("record larger than {} MiB", MAX_BUFFER >> 20);
        self.record_error(CaptureErrorKind::Corrupt(what))
    }

    /// Parses one block and reduces it to owned facts (so the reader can be
    /// refilled or the data re-borrowed afterwards).
    fn step(&mut self) -> Step {
        let base = self.inner.data().as_ptr() as usize;
        let pos = |d: &[u8]| (d.as_ptr() as usize).wrapping_sub(base);
        let interfaces = &self.interfaces;
        match self.inner.next() {
            Ok((consumed, PcapBlockOwned::Legacy(b))) => {
                let Some(i) = interfaces.first() else {
                    return Step::Corrupt("record before file header".into());
                };
                let ts = make_ts(i64::from(b.ts_sec), u64::from(b.ts_usec), i.resolution);
                Step::Packet {
                    consumed,
                    start: pos(b.data),
                    len: b.data.len(),
                    ts,
                    orig_len: b.origlen,
                    iface: 0,
                }
            }
            Ok((consumed, PcapBlockOwned::LegacyHeader(_))) => Step::Skip { consumed },
            Ok((consumed, PcapBlockOwned::NG(block))) => match block {
                Block::SectionHeader(_) => Step::Section { consumed },
                Block::InterfaceDescription(idb) => {
                    let dlt = idb.linktype.0 as u32;
                    let iface = Interface {
                        link: LinkType::from_dlt(dlt),
                        resolution: idb.ts_resolution().filter(|r| *r > 0).unwrap_or(1_000_000),
                        offset: idb.ts_offset(),
                        snaplen: idb.snaplen,
                    };
                    Step::Interface { consumed, iface }
                }
                Block::EnhancedPacket(epb) => {
                    let Some(i) = interfaces.get(epb.if_id as usize) else {
                        return Step::Corrupt(format!(
                            "packet on undefined interface {}",
                            epb.if_id
                        ));
                    };
                    if i.link.is_none() {
                        return Step::Unsupported { consumed };
                    }
                    let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                    let secs = i64::try_from(raw / i.resolution)
                        .unwrap_or(i64::MAX)
                        .saturating_add(i.offset);
                    let ts = make_ts(secs, raw % i.resolution, i.resolution);
                    let data = epb.packet_data();
                    Step::Packet {
                        consumed,
                        start: pos(data),
                        len: data.len(),
                        ts,
                        orig_len: epb.origlen,
                        iface: epb.if_id,
                    }
                }
                Block::SimplePacket(spb) => {
                    let Some(i) = interfaces.first() else {
                        return Step::Corrupt("packet on undefined interface 0".into());
                    };
                    if i.link.is_none() {
                        return Step::Unsupported { consumed };
                    }
                    let mut data = spb.packet_data();
                    if i.snaplen > 0 && data.len() > i.snaplen as usize {
                        data = &data[..i.snaplen as usize];
                    }
                    Step::Packet {
                        consumed,
                        start: pos(data),
                        len: data.len(),
                        ts: Timestamp::default(),
                        orig_len: spb.origlen,
                        iface: 0,
                    }
                }
                _ => Step::Skip { consumed },
            },
            Err(PcapError::Eof) => Step::Eof,
            Err(PcapError::Incomplete(_)) => Step::Refill,
            Err(PcapError::BufferTooSmall) => Step::Grow,
            Err(PcapError::UnexpectedEof) => Step::Truncated,
            Err(PcapError::ReadError) => Step::Io,
            Err(PcapError::HeaderNotRecognized) => Step::Corrupt("unknown block".into()),
            Err(PcapError::NomError(_, kind)) | Err(PcapError::OwnedNomError(_, kind)) => {
                Step::Corrupt(format!("{} check failed", kind.description()))
            }
        }
    }
}

/// A timestamp from whole seconds and a fraction in `resolution` units.
fn make_ts(secs: i64, frac: u64, resolution: u64) -> Timestamp {
    let nanos = u128::from(frac) * 1_000_000_000 / u128::from(resolution.max(1));
    let carry = (nanos / 1_000_000_000) as i64;
    Timestamp {
        secs: secs.saturating_add(carry),
        nanos: (nanos % 1_000_000_000) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::make_ts;

    #[test]
    fn timestamp_scaling() {
        assert_eq!(make_ts(5, 250_000, 1_000_000).nanos, 250_000_000);
        assert_eq!(make_ts(5, 7, 1_000_000_000).nanos, 7);
        assert_eq!(make_ts(5, 1, 1 << 10).nanos, 976_562);
        // a microsecond field >= 1s carries into the seconds
        let t = make_ts(5, 1_500_000, 1_000_000);
        assert_eq!((t.secs, t.nanos), (6, 500_000_000));
    }
}
