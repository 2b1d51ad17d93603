//! TCP stream reassembly, one [`Reassembler`] per flow direction, and
//! [`TcpStreams`] wiring both directions of a connection.
//!
//! Sequence numbers are mapped to absolute 64-bit stream offsets (offset 0
//! is the first byte after the SYN, or the first data byte seen when the
//! stream was picked up midstream), always with wrapping `u32` arithmetic
//! relative to the current delivery point, so streams may cross 2^32 any
//! number of times.
//!
//! Data is copied once, into one contiguous buffer that holds a lookback
//! of already delivered bytes followed by everything not yet delivered
//! (out-of-order data sits at its offset; holes are zero bytes that are
//! never handed out). [`Reassembler::take_ready`] returns a borrowed slice
//! of that buffer; the dead prefix is dropped by an amortised compaction, so
//! steady-state operation allocates nothing per segment.
//!
//! Overlaps are resolved with a target-based [`OverlapPolicy`] while data is
//! still buffered. Bytes already delivered are final: a later segment that
//! disagrees with them is counted (`stream.reassembly_overlap_different_data`
//! when the delivered bytes are still in the lookback) but never changes
//! what was delivered.
//!
//! Gaps: holes before an offset the peer has acknowledged
//! ([`Reassembler::on_ack`]), holes followed by more than
//! [`ReassemblyConfig::gap_after`] buffered bytes, and, after a RST or
//! [`Reassembler::close`], every hole, are skipped; [`Ready::gap`] reports
//! the skipped range so an application-layer parser can resynchronise.

use std::sync::Arc;

use warden_packet::tcp_flags as flags;

use crate::budget::MemBudget;
use crate::overlap::{Coverage, Rule};

/// How overlapping data is resolved (Suricata's `stream.reassembly` and
/// `host-os-policy` names; see [`OverlapPolicy::from_name`]).
///
/// The distinct behaviours, for new data overlapping buffered data:
/// - `First` (also `Macos`): the buffered data always wins;
/// - `Last`: the new data always wins;
/// - `Bsd` (also `Hpux10`, `Irix`): buffered wins unless the new segment
///   starts before the buffered segment;
/// - `Linux` (also `OldLinux`): as BSD, and new also wins when both start
///   together and the new segment ends later;
/// - `Windows` (also `Vista`): buffered wins unless the new segment starts
///   before and ends after the buffered segment;
/// - `Solaris` (also `Hpux11`): new wins unless the buffered segment ends
///   after it, or starts before it and ends together with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OverlapPolicy {
    /// First data wins (Suricata's default).
    #[default]
    First,
    /// Last data wins.
    Last,
    /// BSD.
    Bsd,
    /// Linux 2.4 and later.
    Linux,
    /// Windows 95 to 2003.
    Windows,
    /// Solaris.
    Solaris,
    /// Linux 2.2 and earlier (overlap behaviour as Linux).
    OldLinux,
    /// Windows Vista and later (overlap behaviour as Windows).
    Vista,
    /// HP-UX 10 (as BSD).
    Hpux10,
    /// HP-UX 11 (as Solaris).
    Hpux11,
    /// IRIX (as BSD).
    Irix,
    /// Mac OS (first wins).
    Macos,
}

impl OverlapPolicy {
    /// Every policy, in declaration order.
    pub const ALL: [OverlapPolicy; 12] = [
        OverlapPolicy::First,
        OverlapPolicy::Last,
        OverlapPolicy::Bsd,
        OverlapPolicy::Linux,
        OverlapPolicy::Windows,
        OverlapPolicy::Solaris,
        OverlapPolicy::OldLinux,
        OverlapPolicy::Vista,
        OverlapPolicy::Hpux10,
        OverlapPolicy::Hpux11,
        OverlapPolicy::Irix,
        OverlapPolicy::Macos,
    ];

    /// Parses a Suricata policy name (`first`, `last`, `bsd`, `bsd-right`,
    /// `linux`, `old-linux`, `windows`, `windows2k3`, `vista`, `solaris`,
    /// `old-solaris`, `hpux10`, `hpux11`, `irix`, `macos`); case and `_`
    /// versus `-` do not matter.
    pub fn from_name(name: &str) -> Option<OverlapPolicy> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Some(match n.as_str() {
            "first" => OverlapPolicy::First,
            "last" => OverlapPolicy::Last,
            "bsd" | "bsd-right" => OverlapPolicy::Bsd,
            "linux" => OverlapPolicy::Linux,
            "old-linux" => OverlapPolicy::OldLinux,
            "windows" | "windows2k3" => OverlapPolicy::Windows,
            "vista" => OverlapPolicy::Vista,
            "solaris" | "old-solaris" => OverlapPolicy::Solaris,
            "hpux10" => OverlapPolicy::Hpux10,
            "hpux11" => OverlapPolicy::Hpux11,
            "irix" => OverlapPolicy::Irix,
            "macos" => OverlapPolicy::Macos,
            _ => return None,
        })
    }

    /// The canonical (Suricata) name.
    pub fn name(self) -> &'static str {
        match self {
            OverlapPolicy::First => "first",
            OverlapPolicy::Last => "last",
            OverlapPolicy::Bsd => "bsd",
            OverlapPolicy::Linux => "linux",
            OverlapPolicy::Windows => "windows",
            OverlapPolicy::Solaris => "solaris",
            OverlapPolicy::OldLinux => "old-linux",
            OverlapPolicy::Vista => "vista",
            OverlapPolicy::Hpux10 => "hpux10",
            OverlapPolicy::Hpux11 => "hpux11",
            OverlapPolicy::Irix => "irix",
            OverlapPolicy::Macos => "macos",
        }
    }

    pub(crate) fn rule(self) -> Rule {
        match self {
            OverlapPolicy::First | OverlapPolicy::Macos => Rule::First,
            OverlapPolicy::Last => Rule::Last,
            OverlapPolicy::Bsd | OverlapPolicy::Hpux10 | OverlapPolicy::Irix => Rule::Bsd,
            OverlapPolicy::Linux | OverlapPolicy::OldLinux => Rule::Linux,
            OverlapPolicy::Windows | OverlapPolicy::Vista => Rule::Windows,
            OverlapPolicy::Solaris | OverlapPolicy::Hpux11 => Rule::Solaris,
        }
    }
}

/// Per-segment anomalies, as a small bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StreamEvents(u8);

impl StreamEvents {
    /// The segment overlapped data already received (counter only).
    pub const OVERLAP: StreamEvents = StreamEvents(1);
    /// ... with different bytes: `stream.reassembly_overlap_different_data`.
    pub const OVERLAP_DIFFERENT_DATA: StreamEvents = StreamEvents(2);
    /// Data past the reassembly depth: `stream.reassembly_depth_reached`.
    pub const DEPTH_REACHED: StreamEvents = StreamEvents(4);
    /// Refused because the shared memory budget was exhausted.
    pub const MEMCAP: StreamEvents = StreamEvents(8);
    /// Data too far ahead of the delivery point (dropped).
    pub const OUT_OF_WINDOW: StreamEvents = StreamEvents(16);
    /// Retransmission of data already delivered.
    pub const RETRANSMISSION: StreamEvents = StreamEvents(32);

    const NAMES: [(StreamEvents, &'static str); 6] = [
        (StreamEvents::OVERLAP, "stream.reassembly_overlap"),
        (
            StreamEvents::OVERLAP_DIFFERENT_DATA,
            "stream.reassembly_overlap_different_data",
        ),
        (
            StreamEvents::DEPTH_REACHED,
            "stream.reassembly_depth_reached",
        ),
        (StreamEvents::MEMCAP, "stream.reassembly_memcap"),
        (
            StreamEvents::OUT_OF_WINDOW,
            "stream.reassembly_out_of_window",
        ),
        (
            StreamEvents::RETRANSMISSION,
            "stream.reassembly_retransmission",
        ),
    ];

    /// No event.
    pub const fn empty() -> Self {
        StreamEvents(0)
    }

    /// Whether no event is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every event of `other` is set.
    pub const fn contains(self, other: StreamEvents) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the events of `other`.
    pub fn insert(&mut self, other: StreamEvents) {
        self.0 |= other.0;
    }

    /// Names of the events set. Only `stream.reassembly_overlap_different_data`
    /// and `stream.reassembly_depth_reached` are Suricata `stream-event`
    /// names; the others are warden counters named alike.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(e, _)| self.contains(*e))
            .map(|(_, n)| n)
    }
}

impl std::ops::BitOr for StreamEvents {
    type Output = StreamEvents;
    fn bitor(self, rhs: StreamEvents) -> StreamEvents {
        StreamEvents(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for StreamEvents {
    fn bitor_assign(&mut self, rhs: StreamEvents) {
        self.0 |= rhs.0;
    }
}

/// Reassembly settings (Suricata's `stream.reassembly` section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Overlap policy.
    pub policy: OverlapPolicy,
    /// Stream bytes reassembled per direction (`stream.reassembly.depth`);
    /// 0 = unlimited. Default 1 MiB.
    pub depth: u64,
    /// Already delivered bytes kept for [`Reassembler::window`] and
    /// [`Ready::context`]. Default 4096.
    pub lookback: usize,
    /// Skip a hole once more than this many bytes are buffered after it
    /// (0 = only on ACK, RST or close). Default 512 KiB.
    pub gap_after: u64,
    /// Data more than this far beyond the delivery point is dropped, and
    /// ACKs that far ahead are ignored (0 = no limit). Default 2 MiB.
    pub max_ahead: u64,
    /// IDS mode (Suricata's `stream.inline: no`): deliver only bytes the
    /// receiver has acknowledged, until [`Reassembler::flush`] at the
    /// flow's end. Off (inline mode) delivers bytes as soon as they are
    /// contiguous. Default off.
    pub ack_gated: bool,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            policy: OverlapPolicy::First,
            depth: 1 << 20,
            lookback: 4096,
            gap_after: 512 << 10,
            max_ahead: 2 << 20,
            ack_gated: false,
        }
    }
}

/// Counters of one reassembler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReassemblyStats {
    /// Data segments seen.
    pub segments: u64,
    /// Payload bytes seen.
    pub bytes: u64,
    /// Segments overlapping data already received.
    pub overlaps: u64,
    /// ... of which with different data.
    pub overlaps_different_data: u64,
    /// Segments entirely within already delivered data.
    pub retransmissions: u64,
    /// Holes skipped that were known to be lost: acknowledged by the
    /// peer, or followed by too much buffered data (holes skipped only
    /// because the stream closed are not counted).
    pub gaps: u64,
    /// Bytes skipped in those holes.
    pub gap_bytes: u64,
    /// Bytes not buffered because they lay past the depth.
    pub depth_bytes: u64,
    /// Segments refused by the memory budget.
    pub memcap_drops: u64,
    /// Segments too far ahead.
    pub out_of_window: u64,
    /// Most separate regions of data held at once, as Suricata's
    /// streaming buffer counts them (`ts_max_regions`/`tc_max_regions` in
    /// flow records): data more than [`REGION_GAP`] beyond what is held
    /// opens a region of its own. 0 until the direction carried data.
    pub max_regions: u32,
}

/// A skipped hole in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    /// Stream offset of the first missing byte.
    pub offset: u64,
    /// Missing bytes.
    pub len: u64,
}

/// Newly contiguous stream bytes, borrowed from the reassembler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready<'a> {
    /// Stream offset of `data[0]`.
    pub offset: u64,
    /// The new bytes (each stream byte is returned exactly once).
    pub data: &'a [u8],
    /// Up to `lookback` already delivered bytes followed by `data` (never
    /// reaching back across a gap), for matches spanning deliveries.
    pub context: &'a [u8],
    /// A hole skipped just before `data`.
    pub gap: Option<Gap>,
}

impl Ready<'_> {
    /// Nothing new: no data and no gap.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.gap.is_none()
    }

    /// Stream offset of `context[0]`.
    pub fn context_offset(&self) -> u64 {
        self.offset - (self.context.len() - self.data.len()) as u64
    }
}

/// One direction of a TCP connection.
#[derive(Debug)]
pub struct Reassembler {
    cfg: ReassemblyConfig,
    rule: Rule,
    budget: Option<Arc<MemBudget>>,
    has_base: bool,
    midstream: bool,
    base_seq: u32,
    buf: Vec<u8>,
    buf_base: u64,
    cov: Coverage,
    delivered: u64,
    window_floor: u64,
    skip_to: u64,
    fin: Option<u64>,
    closed: bool,
    /// The flow ended: deliver everything, acknowledged or not.
    flushed: bool,
    /// The other side of the session was never seen and the engine takes
    /// such sessions as they come (`stream.async-oneside`): no
    /// acknowledgement will ever come, bytes are delivered when contiguous.
    one_sided: bool,
    /// Highest stream offset the receiver acknowledged.
    acked: u64,
    depth_reached: bool,
    stats: ReassemblyStats,
}

/// Data landing more than this far beyond the bytes held starts a region
/// of its own in Suricata's streaming buffer (its default region gap).
pub const REGION_GAP: u64 = 256 << 10;

/// Compaction happens only once this many dead bytes lead the buffer.
const COMPACT_MIN: usize = 4096;

impl Reassembler {
    /// A reassembler with settings `cfg`, charging its buffer to `budget`
    /// when given.
    pub fn new(cfg: ReassemblyConfig, budget: Option<Arc<MemBudget>>) -> Self {
        Reassembler {
            cfg,
            rule: cfg.policy.rule(),
            budget,
            has_base: false,
            midstream: false,
            base_seq: 0,
            buf: Vec::new(),
            buf_base: 0,
            cov: Coverage::default(),
            delivered: 0,
            window_floor: 0,
            skip_to: 0,
            fin: None,
            closed: false,
            flushed: false,
            one_sided: false,
            acked: 0,
            depth_reached: false,
            stats: ReassemblyStats::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ReassemblyConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.stats
    }

    /// Whether data reached the reassembly depth.
    pub fn depth_reached(&self) -> bool {
        self.depth_reached
    }

    /// Whether the stream was picked up without its SYN.
    pub fn is_midstream(&self) -> bool {
        self.midstream
    }

    /// Stream offset of the next byte to deliver (= bytes delivered or
    /// skipped so far).
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Bytes held (lookback plus buffered data and holes); what the memory
    /// budget is charged for.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a FIN was seen and everything before it delivered, or the
    /// stream was reset or closed.
    pub fn is_finished(&self) -> bool {
        self.closed || self.fin.is_some_and(|f| self.delivered >= f)
    }

    /// Whether the stream was reset or closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The sequence number of stream offset `off`.
    pub fn seq_of(&self, off: u64) -> u32 {
        self.base_seq.wrapping_add(off as u32)
    }

    /// The stream offset of `seq`, relative to the delivery point; `None`
    /// before the ISN is known.
    pub fn offset_of(&self, seq: u32) -> Option<i64> {
        self.has_base.then(|| {
            let anchor_seq = self.seq_of(self.delivered);
            self.delivered as i64 + i64::from(seq.wrapping_sub(anchor_seq) as i32)
        })
    }

    /// A SYN with sequence number `isn` was seen in this direction: data
    /// starts at `isn + 1`. Ignored once data has been received.
    pub fn on_syn(&mut self, isn: u32) {
        if self.stats.segments == 0 {
            self.has_base = true;
            self.midstream = false;
            self.base_seq = isn.wrapping_add(1);
        }
    }

    /// The opposite direction acknowledged `ack`: holes before it will not
    /// be filled and are skipped by the next [`take_ready`](Self::take_ready).
    pub fn on_ack(&mut self, ack: u32) {
        let Some(off) = self.offset_of(ack) else {
            return;
        };
        if off > self.acked as i64
            && (self.cfg.max_ahead == 0
                || (off as u64).saturating_sub(self.delivered) <= self.cfg.max_ahead)
        {
            self.acked = off as u64;
        }
        if off <= self.delivered as i64 {
            return;
        }
        let mut off = off as u64;
        if self.cfg.max_ahead != 0 && off - self.delivered > self.cfg.max_ahead {
            return;
        }
        if let Some(f) = self.fin {
            off = off.min(f);
        }
        if self.cfg.depth != 0 {
            off = off.min(self.cfg.depth);
        }
        self.skip_to = self.skip_to.max(off);
    }

    /// A FIN with sequence number `seq` (after any data it carries).
    pub fn on_fin(&mut self, seq: u32) {
        if self.fin.is_none() {
            if let Some(off) = self.offset_of(seq) {
                self.fin = Some(off.max(self.delivered as i64) as u64);
            }
        }
    }

    /// A RST: the stream is over; see [`close`](Self::close).
    pub fn on_rst(&mut self) {
        self.close();
    }

    /// No more data will come (RST, flow timeout or shutdown):
    /// `take_ready` now delivers everything buffered, skipping holes.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// The flow ends (timeout or shutdown): like [`close`](Self::close),
    /// and unacknowledged bytes are delivered too.
    pub fn flush(&mut self) {
        self.closed = true;
        self.flushed = true;
    }

    /// Whether delivery currently waits for acknowledgements.
    fn gated(&self) -> bool {
        self.cfg.ack_gated && !self.flushed && !self.one_sided
    }

    /// Marks this direction as one of a one-sided session (its peer never
    /// seen, `stream.async-oneside` on): its bytes are delivered without
    /// waiting for acknowledgements, as in inline mode. Cleared when the
    /// peer shows up.
    pub fn set_one_sided(&mut self, on: bool) {
        self.one_sided = on;
    }

    /// A segment of this direction in capture order: `seq`, its payload and
    /// TCP flags (SYN, FIN and RST are honoured; ACK is the caller's, for
    /// the other direction). Call [`take_ready`](Self::take_ready) after.
    pub fn segment(&mut self, seq: u32, payload: &[u8], tcp_flags: u8) -> StreamEvents {
        let mut seq = seq;
        if tcp_flags & flags::SYN != 0 {
            self.on_syn(seq);
            seq = seq.wrapping_add(1);
        }
        let ev = self.insert(seq, payload);
        if tcp_flags & flags::FIN != 0 {
            self.on_fin(seq.wrapping_add(payload.len() as u32));
        }
        if tcp_flags & flags::RST != 0 {
            self.on_rst();
        }
        ev
    }

    /// Inserts payload bytes starting at `seq`.
    pub fn insert(&mut self, seq: u32, payload: &[u8]) -> StreamEvents {
        let mut ev = StreamEvents::empty();
        if payload.is_empty() {
            return ev;
        }
        if !self.has_base {
            self.has_base = true;
            self.midstream = true;
            self.base_seq = seq;
        }
        self.stats.segments += 1;
        self.stats.bytes += payload.len() as u64;
        let start = self.offset_of(seq).unwrap_or(0);
        let end = start + payload.len() as i64;
        let delivered = self.delivered as i64;
        if start < delivered {
            let cut = (delivered.min(end) - start) as usize;
            self.check_delivered(start, &payload[..cut], &mut ev);
            if end <= delivered {
                self.stats.retransmissions += 1;
                ev |= StreamEvents::RETRANSMISSION;
                return ev;
            }
        }
        let (start, mut data) = if start < delivered {
            (self.delivered, &payload[(delivered - start) as usize..])
        } else {
            (start as u64, payload)
        };
        if self.cfg.max_ahead != 0
            && start + data.len() as u64 - self.delivered > self.cfg.max_ahead
        {
            self.stats.out_of_window += 1;
            ev |= StreamEvents::OUT_OF_WINDOW;
            return ev;
        }
        let depth = self.cfg.depth;
        if depth != 0 && start + data.len() as u64 > depth {
            let keep = depth.saturating_sub(start) as usize;
            self.stats.depth_bytes += (data.len() - keep) as u64;
            self.depth_reached = true;
            ev |= StreamEvents::DEPTH_REACHED;
            data = &data[..keep];
            if data.is_empty() {
                return ev;
            }
        }
        let end = start + data.len() as u64;
        if !self.cover(end) {
            self.stats.memcap_drops += 1;
            ev |= StreamEvents::MEMCAP;
            return ev;
        }
        let o = self
            .cov
            .insert(self.rule, start, data, &mut self.buf, self.buf_base);
        if o.overlapped {
            self.stats.overlaps += 1;
            ev |= StreamEvents::OVERLAP;
        }
        if o.different {
            self.stats.overlaps_different_data += 1;
            ev |= StreamEvents::OVERLAP_DIFFERENT_DATA;
        }
        self.note_regions(start);
        if self.cfg.gap_after != 0 {
            if let (Some(first), Some(last)) = (self.cov.pieces.first(), self.cov.end()) {
                if first.start > self.delivered && last - first.start > self.cfg.gap_after {
                    self.skip_to = self.skip_to.max(first.start);
                }
            }
        }
        ev
    }

    /// Keeps [`ReassemblyStats::max_regions`] after data was placed at
    /// `start`: regions are counted only when it landed far ahead.
    fn note_regions(&mut self, start: u64) {
        let mut regions = 1;
        if start > self.delivered + REGION_GAP {
            let mut held_to = self.delivered;
            for p in &self.cov.pieces {
                if p.start > held_to + REGION_GAP {
                    regions += 1;
                }
                held_to = held_to.max(p.end);
            }
        }
        self.stats.max_regions = self.stats.max_regions.max(regions);
    }

    /// Overlap accounting for bytes at `start..` that were already
    /// delivered, compared with the lookback when still held.
    fn check_delivered(&mut self, start: i64, data: &[u8], ev: &mut StreamEvents) {
        self.stats.overlaps += 1;
        *ev |= StreamEvents::OVERLAP;
        let from = self.buf_base.max(self.window_floor) as i64;
        let lo = start.max(from);
        let hi = start + data.len() as i64;
        if lo >= hi {
            return;
        }
        let old =
            &self.buf[(lo - self.buf_base as i64) as usize..(hi - self.buf_base as i64) as usize];
        let new = &data[(lo - start) as usize..];
        if old != new {
            self.stats.overlaps_different_data += 1;
            *ev |= StreamEvents::OVERLAP_DIFFERENT_DATA;
        }
    }

    /// Grows the buffer to hold offsets below `end`, charging the budget.
    fn cover(&mut self, end: u64) -> bool {
        let need = (end - self.buf_base) as usize;
        if need <= self.buf.len() {
            return true;
        }
        let extra = need - self.buf.len();
        if let Some(b) = &self.budget {
            if !b.try_reserve(extra) {
                return false;
            }
        }
        self.buf.resize(need, 0);
        true
    }

    /// Drops buffered bytes below `to` (never below the lookback).
    fn drop_prefix(&mut self, to: u64) {
        let dead = ((to - self.buf_base) as usize).min(self.buf.len());
        self.buf.drain(..dead);
        self.buf_base = to;
        if let Some(b) = &self.budget {
            b.release(dead);
        }
        if self.buf.is_empty() {
            self.buf_base = to;
        }
    }

    fn lookback_start(&self, from: u64) -> u64 {
        from.saturating_sub(self.cfg.lookback as u64)
            .max(self.window_floor)
            .max(self.buf_base)
    }

    /// The newly contiguous bytes since the last call, with any hole that
    /// was skipped before them. Call until [`Ready::is_empty`].
    pub fn take_ready(&mut self) -> Ready<'_> {
        let keep = self.lookback_start(self.delivered);
        let dead = (keep - self.buf_base) as usize;
        if dead >= COMPACT_MIN && dead * 2 >= self.buf.len() {
            self.drop_prefix(keep);
        }
        let mut gap = None;
        let next = self.cov.pieces.first().map(|p| p.start);
        if next != Some(self.delivered) {
            let to = match (next, self.closed) {
                (Some(n), true) => n,
                (Some(n), false) => n.min(self.skip_to),
                (None, _) => self.skip_to,
            };
            if to > self.delivered {
                gap = Some(Gap {
                    offset: self.delivered,
                    len: to - self.delivered,
                });
                // A hole skipped only because the stream closed, with
                // nothing acknowledged past its start, is not known to be
                // lost: it is reported but not counted (Suricata's
                // `tcp.reassembly_gap` neither).
                if !self.closed || self.acked > self.delivered {
                    self.stats.gaps += 1;
                    self.stats.gap_bytes += to - self.delivered;
                }
                self.delivered = to;
                self.window_floor = to;
                let buf_end = self.buf_base + self.buf.len() as u64;
                if to >= buf_end {
                    self.drop_prefix(to);
                }
            }
        }
        let start = self.delivered;
        let (mut end, mut n) = self.cov.contiguous_from(start);
        if self.gated() && end > self.acked.max(start) {
            // deliver only what the receiver acknowledged; the rest of the
            // straddling piece stays for later
            end = self.acked.max(start);
            n = self.cov.split_at(end);
        }
        self.cov.drop_front(n);
        self.delivered = end;
        let ctx = self.lookback_start(start);
        let b = self.buf_base;
        Ready {
            offset: start,
            data: &self.buf[(start - b) as usize..(end - b) as usize],
            context: &self.buf[(ctx - b) as usize..(end - b) as usize],
            gap,
        }
    }

    /// Up to `lookback` already delivered bytes ending at the delivery
    /// point (bounded by the configured lookback and by the last gap), with
    /// the stream offset of the first one.
    pub fn window(&self, lookback: usize) -> (&[u8], u64) {
        let from = self
            .delivered
            .saturating_sub(lookback as u64)
            .max(self.lookback_start(self.delivered));
        let b = self.buf_base;
        let end = self.delivered.min(b + self.buf.len() as u64);
        let from = from.min(end);
        (&self.buf[(from - b) as usize..(end - b) as usize], from)
    }
}

impl Drop for Reassembler {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.release(self.buf.len());
        }
    }
}

/// Both directions of a TCP connection.
#[derive(Debug)]
pub struct TcpStreams {
    /// Client to server.
    pub to_server: Reassembler,
    /// Server to client.
    pub to_client: Reassembler,
}

impl TcpStreams {
    /// Two reassemblers with the same settings and budget.
    pub fn new(cfg: ReassemblyConfig, budget: Option<Arc<MemBudget>>) -> Self {
        TcpStreams {
            to_server: Reassembler::new(cfg, budget.clone()),
            to_client: Reassembler::new(cfg, budget),
        }
    }

    /// The reassembler of one direction.
    pub fn direction(&mut self, to_server: bool) -> &mut Reassembler {
        if to_server {
            &mut self.to_server
        } else {
            &mut self.to_client
        }
    }

    /// One TCP segment in capture order: SYN/FIN/RST and data go to its
    /// direction, its ACK to the other one; a RST closes both. Then call
    /// `direction(dir_to_server).take_ready()` (and the other direction's,
    /// since an ACK may have let it skip a gap).
    pub fn segment(
        &mut self,
        dir_to_server: bool,
        seq: u32,
        ack: u32,
        tcp_flags: u8,
        payload: &[u8],
    ) -> StreamEvents {
        let (this, other) = if dir_to_server {
            (&mut self.to_server, &mut self.to_client)
        } else {
            (&mut self.to_client, &mut self.to_server)
        };
        let ev = this.segment(seq, payload, tcp_flags);
        if tcp_flags & flags::ACK != 0 {
            other.on_ack(ack);
        }
        if tcp_flags & flags::RST != 0 {
            other.close();
        }
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYN: u8 = flags::SYN;
    const ACK: u8 = flags::ACK;

    fn cfg() -> ReassemblyConfig {
        ReassemblyConfig::default()
    }

    fn drain(r: &mut Reassembler) -> (Vec<u8>, Vec<Gap>) {
        let (mut out, mut gaps) = (Vec::new(), Vec::new());
        let mut next = r.delivered();
        loop {
            let ready = r.take_ready();
            if ready.is_empty() {
                return (out, gaps);
            }
            if let Some(g) = ready.gap {
                assert_eq!(g.offset, next);
                next += g.len;
                gaps.push(g);
            }
            assert_eq!(ready.offset, next);
            next += ready.data.len() as u64;
            out.extend_from_slice(ready.data);
        }
    }

    fn with_syn(isn: u32) -> Reassembler {
        let mut r = Reassembler::new(cfg(), None);
        r.segment(isn, b"", SYN);
        r
    }

    #[test]
    fn far_ahead_data_opens_a_region_of_its_own() {
        let mut r = with_syn(1000);
        r.segment(1001, b"near", ACK);
        // a hole, then data just inside the region gap: still one region
        r.segment(1001 + 100, b"close", ACK);
        assert_eq!(r.stats().max_regions, 1);
        // data beyond the region gap from everything held: a second one
        let far = 1001 + REGION_GAP as u32 + 1000;
        r.segment(far, b"far", ACK);
        assert_eq!(r.stats().max_regions, 2);
    }

    #[test]
    fn in_order() {
        let mut r = with_syn(1000);
        r.segment(1001, b"hello ", ACK);
        let got = r.take_ready();
        assert_eq!((got.offset, got.data), (0, &b"hello "[..]));
        assert!(r.take_ready().is_empty());
        r.segment(1007, b"world", ACK);
        assert_eq!(drain(&mut r).0, b"world");
        assert!(!r.is_midstream());
    }

    #[test]
    fn out_of_order_waits_for_the_hole() {
        let mut r = with_syn(0);
        r.segment(7, b"world", 0);
        assert!(r.take_ready().is_empty());
        r.segment(1, b"hello ", 0);
        assert_eq!(drain(&mut r).0, b"hello world");
    }

    #[test]
    fn retransmission_is_not_delivered_twice() {
        let mut r = with_syn(0);
        r.segment(1, b"abcdef", 0);
        assert_eq!(drain(&mut r).0, b"abcdef");
        let ev = r.segment(1, b"abcdef", 0);
        assert!(ev.contains(StreamEvents::RETRANSMISSION));
        assert!(!ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA));
        let ev = r.segment(4, b"defghi", 0);
        assert!(!ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA));
        assert_eq!(drain(&mut r).0, b"ghi");
        // Different data over delivered bytes: counted, output unchanged.
        let ev = r.segment(2, b"XY", 0);
        assert!(ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA));
        assert!(drain(&mut r).0.is_empty());
        assert_eq!(r.stats().retransmissions, 2);
        assert_eq!(r.stats().overlaps_different_data, 1);
    }

    /// Runs the classic overlap patterns: an old segment "AAAA" buffered at
    /// offsets 4..8 behind a hole, then "B"s overlapping it, then the hole
    /// is filled with "xxxx".
    fn pattern(policy: OverlapPolicy, new_off: u32, new: &[u8]) -> Vec<u8> {
        let mut r = Reassembler::new(ReassemblyConfig { policy, ..cfg() }, None);
        r.on_syn(99);
        r.insert(104, b"AAAA");
        let ev = r.insert(100 + new_off, new);
        assert!(ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA));
        r.insert(100, b"xx");
        if new_off >= 4 {
            r.insert(102, b"xx");
        }
        drain(&mut r).0
    }

    #[test]
    fn overlap_policies_table() {
        // (policies, [starts before, same start longer, inside, ends after])
        type Row = (&'static [OverlapPolicy], [&'static [u8]; 4]);
        use OverlapPolicy as P;
        let table: [Row; 6] = [
            (
                &[P::First, P::Macos],
                [b"xxBBAAAA", b"xxxxAAAABB", b"xxxxAAAA", b"xxxxAAAABB"],
            ),
            (
                &[P::Last],
                [b"xxBBBBAA", b"xxxxBBBBBB", b"xxxxABBA", b"xxxxAABBBB"],
            ),
            (
                &[P::Bsd, P::Hpux10, P::Irix],
                [b"xxBBBBAA", b"xxxxAAAABB", b"xxxxAAAA", b"xxxxAAAABB"],
            ),
            (
                &[P::Linux, P::OldLinux],
                [b"xxBBBBAA", b"xxxxBBBBBB", b"xxxxAAAA", b"xxxxAAAABB"],
            ),
            (
                &[P::Windows, P::Vista],
                [b"xxBBAAAA", b"xxxxAAAABB", b"xxxxAAAA", b"xxxxAAAABB"],
            ),
            (
                &[P::Solaris, P::Hpux11],
                [b"xxBBAAAA", b"xxxxBBBBBB", b"xxxxAAAA", b"xxxxAABBBB"],
            ),
        ];
        let mut seen = 0;
        for (policies, want) in table {
            for &p in policies {
                seen += 1;
                let got = [
                    pattern(p, 2, b"BBBB"),
                    pattern(p, 4, b"BBBBBB"),
                    pattern(p, 5, b"BB"),
                    pattern(p, 6, b"BBBB"),
                ];
                for (i, (g, w)) in got.iter().zip(want).enumerate() {
                    assert_eq!(g.as_slice(), w, "{} case {i}", p.name());
                }
            }
        }
        assert_eq!(seen, OverlapPolicy::ALL.len());
        // New data covering the old one entirely: Windows lets it win.
        let mut r = Reassembler::new(
            ReassemblyConfig {
                policy: P::Windows,
                ..cfg()
            },
            None,
        );
        r.on_syn(99);
        r.insert(104, b"AA");
        r.insert(102, b"BBBBBB");
        r.insert(100, b"xx");
        assert_eq!(drain(&mut r).0, b"xxBBBBBB");
    }

    #[test]
    fn policy_names() {
        for p in OverlapPolicy::ALL {
            assert_eq!(OverlapPolicy::from_name(p.name()), Some(p));
        }
        assert_eq!(
            OverlapPolicy::from_name("Old_Linux"),
            Some(OverlapPolicy::OldLinux)
        );
        assert_eq!(
            OverlapPolicy::from_name("windows2k3"),
            Some(OverlapPolicy::Windows)
        );
        assert_eq!(OverlapPolicy::from_name("bogus"), None);
        assert_eq!(OverlapPolicy::default(), OverlapPolicy::First);
    }

    #[test]
    fn sequence_wraparound() {
        let isn = u32::MAX - 3;
        let mut r = with_syn(isn);
        r.segment(isn.wrapping_add(1), b"abc", 0);
        r.segment(isn.wrapping_add(7), b"ghi", 0);
        r.segment(isn.wrapping_add(4), b"def", 0);
        assert_eq!(drain(&mut r).0, b"abcdefghi");
        assert_eq!(r.seq_of(r.delivered()), 6);
    }

    #[test]
    fn midstream_pickup() {
        let mut r = Reassembler::new(cfg(), None);
        r.segment(5000, b"middle", ACK);
        assert!(r.is_midstream());
        r.segment(5006, b"!", ACK);
        assert_eq!(drain(&mut r).0, b"middle!");
    }

    #[test]
    fn gap_skipped_on_ack() {
        let mut s = TcpStreams::new(cfg(), None);
        s.segment(true, 100, 0, SYN, b"");
        s.segment(false, 500, 101, SYN | ACK, b"");
        s.segment(true, 101, 501, ACK, b"GET ");
        // 4 bytes lost at 105..109, then more data.
        s.segment(true, 109, 501, ACK, b"HTTP");
        assert_eq!(drain(&mut s.to_server), (b"GET ".to_vec(), vec![]));
        // The server acknowledges everything: the hole will never fill.
        s.segment(false, 501, 113, ACK, b"");
        let (out, gaps) = drain(&mut s.to_server);
        assert_eq!(out, b"HTTP");
        assert_eq!(gaps, vec![Gap { offset: 4, len: 4 }]);
        assert_eq!(s.to_server.stats().gaps, 1);
        // Lookback does not reach back across the gap.
        assert_eq!(s.to_server.window(100), (&b"HTTP"[..], 8));
        // Lost data at the end, acknowledged: gap reported, nothing after.
        s.segment(false, 501, 120, ACK, b"");
        let (out, gaps) = drain(&mut s.to_server);
        assert!(out.is_empty());
        assert_eq!(gaps, vec![Gap { offset: 12, len: 7 }]);
        s.segment(true, 120, 501, ACK, b"tail");
        assert_eq!(drain(&mut s.to_server).0, b"tail");
    }

    #[test]
    fn gap_skipped_when_enough_later_data_is_buffered() {
        let mut r = Reassembler::new(
            ReassemblyConfig {
                gap_after: 8,
                ..cfg()
            },
            None,
        );
        r.on_syn(0);
        r.insert(1, b"ab");
        r.insert(5, b"0123");
        assert_eq!(drain(&mut r).0, b"ab");
        r.insert(9, b"45678");
        let (out, gaps) = drain(&mut r);
        assert_eq!(out, b"012345678");
        assert_eq!(gaps, vec![Gap { offset: 2, len: 2 }]);
        // The late bytes are now before the delivery point.
        assert!(r.insert(3, b"cd").contains(StreamEvents::RETRANSMISSION));
    }

    #[test]
    fn depth() {
        let mut r = Reassembler::new(ReassemblyConfig { depth: 10, ..cfg() }, None);
        r.on_syn(0);
        assert!(r.insert(1, b"012345").is_empty());
        let ev = r.insert(7, b"6789abcd");
        assert!(ev.contains(StreamEvents::DEPTH_REACHED));
        assert!(r.insert(20, b"zz").contains(StreamEvents::DEPTH_REACHED));
        assert_eq!(drain(&mut r).0, b"0123456789");
        assert!(r.depth_reached());
        assert_eq!(r.stats().depth_bytes, 6);
        assert!(r.buffered() <= 10);
        // Unlimited depth.
        let mut r = Reassembler::new(ReassemblyConfig { depth: 0, ..cfg() }, None);
        r.insert(0, &[7u8; 3000]);
        assert_eq!(drain(&mut r).0.len(), 3000);
    }

    #[test]
    fn memcap_is_shared_and_refuses() {
        let budget = Arc::new(MemBudget::new(100));
        let mut a = Reassembler::new(cfg(), Some(budget.clone()));
        let mut b = Reassembler::new(cfg(), Some(budget.clone()));
        a.on_syn(0);
        b.on_syn(0);
        assert!(a.insert(1, &[1; 60]).is_empty());
        assert!(b.insert(1, &[2; 60]).contains(StreamEvents::MEMCAP));
        assert_eq!(b.stats().memcap_drops, 1);
        assert_eq!(budget.refused(), 1);
        assert!(b.insert(1, &[2; 40]).is_empty());
        assert_eq!(budget.used(), 100);
        drop(a);
        assert_eq!(budget.used(), 40);
        assert!(b.insert(41, &[3; 50]).is_empty());
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn lookback_window_spans_deliveries() {
        let mut r = Reassembler::new(
            ReassemblyConfig {
                lookback: 8,
                ..cfg()
            },
            None,
        );
        r.on_syn(0);
        r.insert(1, b"xxxxxEVI");
        assert_eq!(r.take_ready().data, b"xxxxxEVI");
        r.insert(9, b"Lyyy");
        let ready = r.take_ready();
        assert_eq!(ready.data, b"Lyyy");
        assert_eq!(ready.context, b"xxxxxEVILyyy");
        assert_eq!(ready.context_offset(), 0);
        let hay = ready.context;
        let at = hay.windows(4).position(|w| w == b"EVIL").unwrap();
        assert_eq!(ready.context_offset() + at as u64, 5);
        let (w, off) = r.window(5);
        assert_eq!((w, off), (&b"ILyyy"[..], 7));
        // Bounded by the configured lookback.
        let (w, off) = r.window(1000);
        assert_eq!((w, off), (&b"xEVILyyy"[..], 4));
    }

    #[test]
    fn steady_state_keeps_buffer_bounded() {
        let mut r = Reassembler::new(cfg(), None);
        r.on_syn(0);
        let seg = [0x55u8; 1460];
        let mut seq = 1u32;
        let mut total = 0usize;
        let mut cap = 0;
        for i in 0..5000 {
            r.insert(seq, &seg);
            seq = seq.wrapping_add(seg.len() as u32);
            total += r.take_ready().data.len();
            if i == 100 {
                cap = r.buf.capacity();
            }
        }
        assert_eq!(total, 1 << 20); // depth
        assert!(r.buffered() < 4 * 4096 + 2 * 1460);
        assert_eq!(r.buf.capacity(), cap, "no growth after warm-up");
    }

    #[test]
    fn fin_and_rst() {
        let mut s = TcpStreams::new(cfg(), None);
        s.segment(true, 0, 0, SYN, b"");
        s.segment(true, 1, 0, ACK | flags::FIN, b"bye");
        assert_eq!(drain(&mut s.to_server).0, b"bye");
        assert!(s.to_server.is_finished());
        // RST: buffered data after a hole is flushed with a gap.
        s.segment(false, 50, 0, SYN, b"");
        s.segment(false, 61, 0, ACK, b"late");
        assert!(drain(&mut s.to_client).0.is_empty());
        s.segment(true, 5, 0, flags::RST, b"");
        let (out, gaps) = drain(&mut s.to_client);
        assert_eq!(out, b"late");
        assert_eq!(gaps, vec![Gap { offset: 0, len: 10 }]);
        assert!(s.to_client.is_closed() && s.to_server.is_closed());
        // never acknowledged: reported to the parser, not counted as lost
        assert_eq!(s.to_client.stats().gaps, 0);
    }

    #[test]
    fn hole_acknowledged_before_rst_is_counted() {
        let mut s = TcpStreams::new(cfg(), None);
        s.segment(true, 0, 0, SYN, b"");
        s.segment(false, 50, 1, SYN | ACK, b"");
        s.segment(true, 1, 51, ACK, b"abcd");
        s.segment(true, 9, 51, ACK, b"ijkl");
        // the server acknowledges past the hole, then resets
        s.segment(false, 51, 13, ACK | flags::RST, b"");
        let (out, gaps) = drain(&mut s.to_server);
        assert_eq!(out, b"abcdijkl");
        assert_eq!(gaps, vec![Gap { offset: 4, len: 4 }]);
        assert_eq!(s.to_server.stats().gaps, 1);
    }

    #[test]
    fn data_far_ahead_is_refused() {
        let mut r = with_syn(0);
        let ev = r.insert(1 << 30, b"far");
        assert!(ev.contains(StreamEvents::OUT_OF_WINDOW));
        assert_eq!(r.buffered(), 0);
        r.on_ack(1 << 30);
        r.insert(1, b"ok");
        assert_eq!(drain(&mut r), (b"ok".to_vec(), vec![]));
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn shuffled_segments_reassemble_to_the_original() {
        let original: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for round in 0..200 {
            let isn = rng.next() as u32;
            // Random segmentation, some segments overlapping the previous.
            let mut segs = Vec::new();
            let mut at = 0usize;
            while at < original.len() {
                let back = if rng.below(4) == 0 {
                    rng.below(at.min(50) + 1)
                } else {
                    0
                };
                let start = at - back;
                let len = 1 + rng.below(1500);
                let end = (start + len).min(original.len());
                segs.push((start, end));
                at = end.max(at);
            }
            for i in (1..segs.len()).rev() {
                segs.swap(i, rng.below(i + 1));
            }
            let policy = OverlapPolicy::ALL[round % OverlapPolicy::ALL.len()];
            let mut r = Reassembler::new(
                ReassemblyConfig {
                    policy,
                    depth: 0,
                    gap_after: 0,
                    ..cfg()
                },
                None,
            );
            r.on_syn(isn);
            let mut out = Vec::new();
            for (s, e) in segs {
                let ev = r.insert(isn.wrapping_add(1 + s as u32), &original[s..e]);
                assert!(!ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA));
                loop {
                    let ready = r.take_ready();
                    if ready.is_empty() {
                        break;
                    }
                    assert!(ready.gap.is_none());
                    assert_eq!(ready.offset as usize, out.len());
                    out.extend_from_slice(ready.data);
                }
            }
            assert!(out == original, "round {round}");
        }
    }
}
