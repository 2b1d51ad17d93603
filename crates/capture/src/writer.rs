//! [`PcapWriter`]: classic little-endian pcap output (24-byte file header,
//! 16-byte record headers), micro- or nanosecond timestamps.

use std::io::{self, Write};

use warden_packet::Timestamp;

/// Writes a classic pcap stream.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    snaplen: u32,
    nanos: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes a microsecond-resolution pcap header for link type `link_dlt`
    /// (e.g. 1 for Ethernet; see `LinkType::dlt`).
    pub fn new(out: W, link_dlt: u32, snaplen: u32) -> io::Result<Self> {
        Self::with_resolution(out, link_dlt, snaplen, false)
    }

    /// Like [`PcapWriter::new`] with nanosecond timestamps (magic 0xa1b23c4d).
    pub fn new_nanos(out: W, link_dlt: u32, snaplen: u32) -> io::Result<Self> {
        Self::with_resolution(out, link_dlt, snaplen, true)
    }

    fn with_resolution(mut out: W, link_dlt: u32, snaplen: u32, nanos: bool) -> io::Result<Self> {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay 0
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&link_dlt.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            snaplen,
            nanos,
        })
    }

    /// Appends one packet; data beyond the snaplen is cut (the original
    /// length is kept in the record).
    pub fn write_packet(&mut self, ts: Timestamp, data: &[u8]) -> io::Result<()> {
        let orig_len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.write_packet_with_orig_len(ts, data, orig_len)
    }

    /// Appends one packet whose original length on the wire was `orig_len`.
    pub fn write_packet_with_orig_len(
        &mut self,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        let cap = data.len().min(self.snaplen as usize);
        let frac = if self.nanos {
            ts.nanos
        } else {
            ts.nanos / 1000
        };
        let mut r = [0u8; 16];
        r[0..4].copy_from_slice(&(ts.secs as u32).to_le_bytes());
        r[4..8].copy_from_slice(&frac.to_le_bytes());
        r[8..12].copy_from_slice(&(cap as u32).to_le_bytes());
        r[12..16].copy_from_slice(&orig_len.max(cap as u32).to_le_bytes());
        self.out.write_all(&r)?;
        self.out.write_all(&data[..cap])
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
