//! IPv4 and IPv6 defragmentation.
//!
//! A [`Defragmenter`] keeps one tracker per datagram, keyed by [`FragKey`]
//! (source, destination, identification, protocol for IPv4, and the outer
//! VLAN ids). Fragment data is copied once into the tracker's buffer at its
//! offset; overlaps are resolved with a target-based [`DefragPolicy`]
//! (Suricata's `defrag` host policies), counted, and reported as
//! `ipv4.frag_overlap` / `ipv6.frag_overlap`. When the first fragment, the
//! last fragment and everything between are present, the datagram is
//! rebuilt as a complete frame (a fresh `Vec<u8>`; this is rare): the first
//! fragment's link-layer bytes (Ethernet, VLAN tags, PPP, ...) followed by
//! the IP packet, so the pipeline decodes it again with the capture's link
//! type and alerts on it log the frame as it would have been on the wire.
//! The IP packet is:
//! - IPv4: the first fragment's header with total length set, MF and the
//!   offset cleared (DF kept) and the checksum recomputed;
//! - IPv6: the first fragment's unfragmentable part (fixed header and the
//!   extension headers before the fragment header) with the fragment header
//!   removed, the preceding next-header field set to the fragment header's
//!   and the payload length fixed.
//!
//! Fragments that would end past 65535 bytes (`*.frag_pkt_too_large`) and
//! non-last fragments whose data is not a multiple of 8 bytes
//! (`*.frag_invalid_length`) are dropped. Trackers expire `timeout` seconds
//! of packet time after their first fragment. Memory and the number of
//! trackers are capped; what is refused is counted (`*.frag_ignored`).

use std::collections::HashMap;
use std::net::IpAddr;

use warden_packet::{checksum, proto, Packet, Timestamp};

use crate::overlap::{Coverage, Rule};

/// Overlap policy (Suricata's `defrag` / `host-os-policy` names).
///
/// For new fragment data overlapping data already held:
/// - `First`: the held data wins; `Last`: the new data wins;
/// - `Bsd`: held wins unless the new fragment starts before it;
/// - `BsdRight`: new wins when it starts at or after the held fragment;
/// - `Linux`: as BSD, and new also wins when both start together and the
///   new one ends later;
/// - `Windows`: held wins unless the new fragment starts before and ends
///   after it;
/// - `Solaris`: new wins unless the held fragment ends after it, or starts
///   before it and ends together with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DefragPolicy {
    /// First data wins.
    First,
    /// Last data wins.
    Last,
    /// BSD (Suricata's default).
    #[default]
    Bsd,
    /// BSD-right (HP JetDirect).
    BsdRight,
    /// Linux.
    Linux,
    /// Windows.
    Windows,
    /// Solaris.
    Solaris,
}

impl DefragPolicy {
    /// Every policy.
    pub const ALL: [DefragPolicy; 7] = [
        DefragPolicy::First,
        DefragPolicy::Last,
        DefragPolicy::Bsd,
        DefragPolicy::BsdRight,
        DefragPolicy::Linux,
        DefragPolicy::Windows,
        DefragPolicy::Solaris,
    ];

    /// Parses a policy name: `first`, `last`, `bsd`, `bsd-right`, `linux`,
    /// `windows`, `solaris`, and the host-os aliases `old-linux`,
    /// `vista`, `windows2k3`, `old-solaris`, `hpux10`, `irix` (BSD),
    /// `hpux11`, `macos` (first). Case and `_`/`-` do not matter.
    pub fn from_name(name: &str) -> Option<DefragPolicy> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Some(match n.as_str() {
            "first" | "hpux11" | "macos" => DefragPolicy::First,
            "last" => DefragPolicy::Last,
            "bsd" | "hpux10" | "irix" => DefragPolicy::Bsd,
            "bsd-right" => DefragPolicy::BsdRight,
            "linux" | "old-linux" => DefragPolicy::Linux,
            "windows" | "vista" | "windows2k3" => DefragPolicy::Windows,
            "solaris" | "old-solaris" => DefragPolicy::Solaris,
            _ => return None,
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            DefragPolicy::First => "first",
            DefragPolicy::Last => "last",
            DefragPolicy::Bsd => "bsd",
            DefragPolicy::BsdRight => "bsd-right",
            DefragPolicy::Linux => "linux",
            DefragPolicy::Windows => "windows",
            DefragPolicy::Solaris => "solaris",
        }
    }

    fn rule(self) -> Rule {
        match self {
            DefragPolicy::First => Rule::First,
            DefragPolicy::Last => Rule::Last,
            DefragPolicy::Bsd => Rule::Bsd,
            DefragPolicy::BsdRight => Rule::BsdRight,
            DefragPolicy::Linux => Rule::Linux,
            DefragPolicy::Windows => Rule::Windows,
            DefragPolicy::Solaris => Rule::Solaris,
        }
    }
}

/// Defragmentation settings (Suricata's `defrag` section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefragConfig {
    /// Overlap policy.
    pub policy: DefragPolicy,
    /// Seconds of packet time a tracker lives after its first fragment.
    pub timeout_secs: u64,
    /// Bytes of fragment data held across all trackers (0 = unlimited).
    pub memcap: usize,
    /// Datagrams tracked at once.
    pub max_trackers: usize,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            policy: DefragPolicy::Bsd,
            timeout_secs: 60,
            memcap: 32 << 20,
            max_trackers: 65535,
        }
    }
}

/// What identifies the fragments of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Identification (16 bits for IPv4, 32 for IPv6).
    pub id: u32,
    /// IPv4 protocol; 0 for IPv6 (RFC 8200 keys on addresses and id).
    pub proto: u8,
    /// Outer VLAN ids (0 when absent).
    pub vlan: [u16; 2],
}

/// One fragment as the pipeline hands it over.
#[derive(Clone, Copy, Debug)]
pub struct Fragment<'a> {
    /// The datagram it belongs to.
    pub key: FragKey,
    /// Offset of `data` in the datagram's payload, in bytes.
    pub offset: u32,
    /// More-fragments flag.
    pub more: bool,
    /// The fragment's data (for IPv6 everything after the fragment header).
    pub data: &'a [u8],
    /// IPv4: the IP header (with options). IPv6: the unfragmentable part
    /// (fixed header plus extension headers before the fragment header).
    /// Only the first fragment's is used.
    pub header: &'a [u8],
    /// IPv4: the protocol. IPv6: the fragment header's next header.
    pub next_header: u8,
    /// The frame's bytes before the IP header (link layer and VLAN tags;
    /// empty for raw IP). Only the first fragment's is used.
    pub link: &'a [u8],
}

impl<'a> Fragment<'a> {
    /// The fragment carried by a decoded packet, if it is one.
    pub fn from_packet(p: &Packet<'a>) -> Option<Fragment<'a>> {
        let vlans = p.vlans();
        let vlan = [
            vlans.first().copied().unwrap_or(0),
            vlans.get(1).copied().unwrap_or(0),
        ];
        if let Some(h) = &p.ipv4 {
            if !h.mf && h.frag_offset == 0 {
                return None;
            }
            return Some(Fragment {
                link: link_prefix(p.frame, h.header)?,
                key: FragKey {
                    src: h.src,
                    dst: h.dst,
                    id: u32::from(h.id),
                    proto: h.protocol,
                    vlan,
                },
                offset: h.frag_offset_bytes(),
                more: h.mf,
                data: p.payload,
                header: h.header,
                next_header: h.protocol,
            });
        }
        let h = p.ipv6.as_ref()?;
        let f = h.ext.fragment?;
        if !f.more && f.offset == 0 {
            return None;
        }
        let hdr = h.header;
        let frag_at = find_frag_header(hdr)?;
        // The data after the fragment header runs through the extension
        // headers the decoder walked and on to the end of the payload; all
        // are slices of the same frame.
        let base = p.frame.as_ptr() as usize;
        let hdr_at = (hdr.as_ptr() as usize).checked_sub(base)?;
        let pay_end = (p.payload.as_ptr() as usize).checked_sub(base)? + p.payload.len();
        let data = p.frame.get(hdr_at + frag_at + 8..pay_end)?;
        Some(Fragment {
            key: FragKey {
                src: h.src,
                dst: h.dst,
                id: f.id,
                proto: 0,
                vlan,
            },
            offset: u32::from(f.offset) * 8,
            more: f.more,
            data,
            header: &hdr[..frag_at],
            next_header: hdr[frag_at],
            link: link_prefix(p.frame, hdr)?,
        })
    }
}

/// The bytes of `frame` before `ip`, a slice of it.
fn link_prefix<'a>(frame: &'a [u8], ip: &[u8]) -> Option<&'a [u8]> {
    let at = (ip.as_ptr() as usize).checked_sub(frame.as_ptr() as usize)?;
    frame.get(..at)
}

/// Length of the IPv6 extension header of type `nh` starting `h`.
fn ext_len(nh: u8, h: &[u8]) -> Option<usize> {
    match nh {
        proto::HOPOPT | proto::IPV6_ROUTE | proto::IPV6_OPTS => {
            Some((usize::from(*h.get(1)?) + 1) * 8)
        }
        proto::AH => Some((usize::from(*h.get(1)?) + 2) * 4),
        _ => None,
    }
}

/// Offset of the fragment header in an IPv6 header chain.
fn find_frag_header(hdr: &[u8]) -> Option<usize> {
    let mut nh = *hdr.get(6)?;
    let mut at = 40;
    while at < hdr.len() {
        if nh == proto::IPV6_FRAG {
            return Some(at);
        }
        let len = ext_len(nh, &hdr[at..])?;
        nh = hdr[at];
        at += len;
    }
    None
}

/// Anomalies raised by one fragment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DefragEvents(u8);

impl DefragEvents {
    /// Overlaps data already held: `ipv4.frag_overlap` / `ipv6.frag_overlap`.
    pub const OVERLAP: DefragEvents = DefragEvents(1);
    /// ... with different bytes (counter `defrag.overlap_different_data`).
    pub const OVERLAP_DIFFERENT_DATA: DefragEvents = DefragEvents(2);
    /// Ends past 65535: `ipv4.frag_pkt_too_large` / `ipv6.frag_pkt_too_large`.
    pub const TOO_LARGE: DefragEvents = DefragEvents(4);
    /// Non-last fragment not a multiple of 8 bytes:
    /// `ipv6.frag_invalid_length` (`ipv4.frag_invalid_length` is warden's).
    pub const INVALID_LENGTH: DefragEvents = DefragEvents(8);
    /// Refused by the memory cap or the tracker limit:
    /// `ipv4.frag_ignored` / `ipv6.frag_ignored`.
    pub const IGNORED: DefragEvents = DefragEvents(16);

    /// No event.
    pub const fn empty() -> Self {
        DefragEvents(0)
    }

    /// Whether no event is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every event of `other` is set.
    pub const fn contains(self, other: DefragEvents) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the events of `other`.
    pub fn insert(&mut self, other: DefragEvents) {
        self.0 |= other.0;
    }

    /// Event names for an IPv4 (`v6 == false`) or IPv6 fragment.
    pub fn names(self, v6: bool) -> impl Iterator<Item = &'static str> {
        const V4: [(DefragEvents, &str); 5] = [
            (DefragEvents::OVERLAP, "ipv4.frag_overlap"),
            (
                DefragEvents::OVERLAP_DIFFERENT_DATA,
                "defrag.overlap_different_data",
            ),
            (DefragEvents::TOO_LARGE, "ipv4.frag_pkt_too_large"),
            (DefragEvents::INVALID_LENGTH, "ipv4.frag_invalid_length"),
            (DefragEvents::IGNORED, "ipv4.frag_ignored"),
        ];
        const V6: [(DefragEvents, &str); 5] = [
            (DefragEvents::OVERLAP, "ipv6.frag_overlap"),
            (
                DefragEvents::OVERLAP_DIFFERENT_DATA,
                "defrag.overlap_different_data",
            ),
            (DefragEvents::TOO_LARGE, "ipv6.frag_pkt_too_large"),
            (DefragEvents::INVALID_LENGTH, "ipv6.frag_invalid_length"),
            (DefragEvents::IGNORED, "ipv6.frag_ignored"),
        ];
        (if v6 { V6 } else { V4 })
            .into_iter()
            .filter(move |(e, _)| self.contains(*e))
            .map(|(_, n)| n)
    }
}

impl std::ops::BitOrAssign for DefragEvents {
    fn bitor_assign(&mut self, rhs: DefragEvents) {
        self.0 |= rhs.0;
    }
}

/// A rebuilt datagram: the first fragment's link-layer bytes followed by
/// the complete IP packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reassembled {
    /// The whole frame, to decode with the capture's link type.
    pub frame: Vec<u8>,
    /// Length of the link-layer prefix of `frame`.
    pub link_len: usize,
}

impl Reassembled {
    /// The IP packet (the frame without its link-layer prefix).
    pub fn ip(&self) -> &[u8] {
        &self.frame[self.link_len..]
    }
}

/// The result of inserting one fragment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefragOutcome {
    /// The complete datagram, when this fragment completed it.
    pub datagram: Option<Reassembled>,
    /// Anomalies this fragment raised.
    pub events: DefragEvents,
}

/// Defragmentation counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefragStats {
    /// Fragments seen.
    pub fragments: u64,
    /// Datagrams rebuilt.
    pub reassembled: u64,
    /// Fragments overlapping held data.
    pub overlaps: u64,
    /// ... with different bytes.
    pub overlaps_different_data: u64,
    /// Non-last fragments not a multiple of 8 bytes (dropped).
    pub too_small: u64,
    /// Fragments or datagrams past 65535 bytes (dropped).
    pub too_large: u64,
    /// Trackers dropped incomplete on timeout.
    pub timeouts: u64,
    /// Fragments refused by the memory cap.
    pub memcap_drops: u64,
    /// Fragments refused because all trackers were in use.
    pub tracker_drops: u64,
}

#[derive(Debug)]
struct Tracker {
    buf: Vec<u8>,
    cov: Coverage,
    /// The first fragment's link-layer bytes followed by its IP header
    /// (IPv6: the unfragmentable part).
    header: Option<Vec<u8>>,
    /// Length of the link-layer part of `header`.
    link_len: usize,
    next_header: u8,
    total: Option<u64>,
    created: i64,
}

/// Reassembles fragmented IPv4 and IPv6 datagrams.
#[derive(Debug)]
pub struct Defragmenter {
    cfg: DefragConfig,
    rule: Rule,
    trackers: HashMap<FragKey, Tracker>,
    memory: usize,
    stats: DefragStats,
    last_sweep: i64,
}

impl Defragmenter {
    /// A defragmenter with settings `cfg`.
    pub fn new(cfg: DefragConfig) -> Self {
        Defragmenter {
            cfg,
            rule: cfg.policy.rule(),
            trackers: HashMap::new(),
            memory: 0,
            stats: DefragStats::default(),
            last_sweep: i64::MIN,
        }
    }

    /// Counters.
    pub fn stats(&self) -> &DefragStats {
        &self.stats
    }

    /// Datagrams being tracked.
    pub fn tracker_count(&self) -> usize {
        self.trackers.len()
    }

    /// Bytes of fragment data held.
    pub fn memory(&self) -> usize {
        self.memory
    }

    fn expired(&self, t: &Tracker, now: Timestamp) -> bool {
        now.secs.saturating_sub(t.created) >= self.cfg.timeout_secs as i64
    }

    /// Drops trackers older than the timeout at packet time `now`; returns
    /// how many. [`insert`](Self::insert) calls it once per second of
    /// packet time.
    pub fn expire(&mut self, now: Timestamp) -> usize {
        let timeout = self.cfg.timeout_secs as i64;
        let before = self.trackers.len();
        let mut freed = 0;
        self.trackers.retain(|_, t| {
            let keep = now.secs.saturating_sub(t.created) < timeout;
            if !keep {
                freed += t.buf.len();
            }
            keep
        });
        self.memory -= freed;
        let n = before - self.trackers.len();
        self.stats.timeouts += n as u64;
        n
    }

    /// Inserts a fragment seen at packet time `now`.
    pub fn insert(&mut self, frag: &Fragment<'_>, now: Timestamp) -> DefragOutcome {
        let mut out = DefragOutcome::default();
        self.stats.fragments += 1;
        if now.secs != self.last_sweep {
            self.last_sweep = now.secs;
            self.expire(now);
        }
        let start = u64::from(frag.offset);
        let end = start + frag.data.len() as u64;
        // What the rebuilt length field must hold besides the data: the
        // whole IPv4 header, or the IPv6 extension headers.
        let fixed = if frag.key.src.is_ipv6() {
            frag.header.len().saturating_sub(40)
        } else {
            frag.header.len()
        };
        if end + fixed as u64 > 65535 {
            self.stats.too_large += 1;
            out.events |= DefragEvents::TOO_LARGE;
            return out;
        }
        if frag.more && frag.data.len() % 8 != 0 {
            self.stats.too_small += 1;
            out.events |= DefragEvents::INVALID_LENGTH;
            return out;
        }
        if let Some(t) = self.trackers.get(&frag.key) {
            if self.expired(t, now) {
                let t = self.trackers.remove(&frag.key).expect("present");
                self.memory -= t.buf.len();
                self.stats.timeouts += 1;
            }
        }
        if !self.trackers.contains_key(&frag.key) && self.trackers.len() >= self.cfg.max_trackers {
            self.stats.tracker_drops += 1;
            out.events |= DefragEvents::IGNORED;
            return out;
        }
        let t = self.trackers.entry(frag.key).or_insert_with(|| Tracker {
            buf: Vec::new(),
            cov: Coverage::default(),
            header: None,
            link_len: 0,
            next_header: 0,
            total: None,
            created: now.secs,
        });
        let grow = (end as usize).saturating_sub(t.buf.len());
        if self.cfg.memcap != 0 && self.memory + grow > self.cfg.memcap {
            self.stats.memcap_drops += 1;
            out.events |= DefragEvents::IGNORED;
            if t.buf.is_empty() {
                self.trackers.remove(&frag.key);
            }
            return out;
        }
        if grow > 0 {
            t.buf.resize(end as usize, 0);
            self.memory += grow;
        }
        if !frag.more && t.total.is_none() {
            t.total = Some(end);
        }
        if start == 0 && t.header.is_none() {
            let mut h = Vec::with_capacity(frag.link.len() + frag.header.len());
            h.extend_from_slice(frag.link);
            h.extend_from_slice(frag.header);
            t.header = Some(h);
            t.link_len = frag.link.len();
            t.next_header = frag.next_header;
        }
        let o = t.cov.insert(self.rule, start, frag.data, &mut t.buf, 0);
        if o.overlapped {
            self.stats.overlaps += 1;
            out.events |= DefragEvents::OVERLAP;
        }
        if o.different {
            self.stats.overlaps_different_data += 1;
            out.events |= DefragEvents::OVERLAP_DIFFERENT_DATA;
        }
        let Some(total) = t.total else {
            return out;
        };
        if t.header.is_none() || t.cov.contiguous_from(0).0 < total {
            return out;
        }
        let t = self.trackers.remove(&frag.key).expect("present");
        self.memory -= t.buf.len();
        match build(&t, total as usize, frag.key.src.is_ipv6()) {
            Some(d) => {
                self.stats.reassembled += 1;
                out.datagram = Some(d);
            }
            None => {
                self.stats.too_large += 1;
                out.events |= DefragEvents::TOO_LARGE;
            }
        }
        out
    }
}

/// Rebuilds the datagram behind the first fragment's link-layer bytes;
/// `None` when it would exceed 65535 bytes.
fn build(t: &Tracker, total: usize, v6: bool) -> Option<Reassembled> {
    let prefix = t.header.as_deref()?;
    let link_len = t.link_len;
    let hdr = prefix.get(link_len..)?;
    let data = &t.buf[..total];
    let mut frame = Vec::with_capacity(prefix.len() + total);
    frame.extend_from_slice(prefix);
    let d = &mut frame[link_len..];
    if v6 {
        if hdr.len() < 40 {
            return None;
        }
        let plen = u16::try_from(hdr.len() - 40 + total).ok()?;
        d[4..6].copy_from_slice(&plen.to_be_bytes());
        // Point the last next-header field before the fragment header at
        // the fragment header's next header.
        let (mut field, mut nh, mut at) = (6, hdr[6], 40);
        while at < hdr.len() {
            let Some(len) = ext_len(nh, &hdr[at..]) else {
                break;
            };
            field = at;
            nh = hdr[at];
            at += len;
        }
        d[field] = t.next_header;
    } else {
        if hdr.len() < 20 {
            return None;
        }
        let tl = u16::try_from(hdr.len() + total).ok()?;
        d[2..4].copy_from_slice(&tl.to_be_bytes());
        let df = d[6] & 0x40;
        d[6] = df;
        d[7] = 0;
        d[10] = 0;
        d[11] = 0;
        let c = checksum::checksum(d);
        d[10..12].copy_from_slice(&c.to_be_bytes());
    }
    frame.extend_from_slice(data);
    Some(Reassembled { frame, link_len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use warden_packet::build::Builder;
    use warden_packet::{decode, DecodeOptions, LinkType};

    const OPTS: DecodeOptions = DecodeOptions {
        checksum_validation: true,
    };

    fn v4() -> (IpAddr, IpAddr) {
        (
            Ipv4Addr::new(10, 0, 0, 1).into(),
            Ipv4Addr::new(10, 0, 0, 2).into(),
        )
    }

    fn v6() -> (IpAddr, IpAddr) {
        (
            "2001:db8::1".parse::<Ipv6Addr>().unwrap().into(),
            "2001:db8::2".parse::<Ipv6Addr>().unwrap().into(),
        )
    }

    fn ts(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Builds the frame of the fragment `data` at byte offset `off`.
    fn frame(addrs: (IpAddr, IpAddr), proto: u8, off: usize, more: bool, data: &[u8]) -> Vec<u8> {
        let b = Builder {
            ip_id: 0x1234,
            ..Builder::default()
        };
        b.fragment(addrs.0, addrs.1, proto, (off / 8) as u16, more, data)
    }

    fn feed(d: &mut Defragmenter, frame: &[u8], secs: i64) -> DefragOutcome {
        let p = decode(LinkType::Ethernet, frame, &OPTS);
        let f = Fragment::from_packet(&p).expect("a fragment");
        d.insert(&f, ts(secs))
    }

    /// Fragments a UDP datagram into `size`-byte pieces.
    fn udp_frames(addrs: (IpAddr, IpAddr), payload: &[u8], size: usize) -> Vec<Vec<u8>> {
        let dgram = Builder::default().udp_datagram(addrs.0, addrs.1, 1111, 53, payload);
        let n = dgram.len().div_ceil(size);
        (0..n)
            .map(|i| {
                let s = i * size;
                let e = (s + size).min(dgram.len());
                frame(addrs, proto::UDP, s, e < dgram.len(), &dgram[s..e])
            })
            .collect()
    }

    /// The rebuilt frame keeps the fragments' Ethernet header and decodes
    /// as the original UDP datagram.
    fn check_udp(r: &Reassembled, payload: &[u8]) {
        assert_eq!(r.link_len, 14);
        assert_eq!(r.ip(), &r.frame[14..]);
        let p = decode(LinkType::Ethernet, &r.frame, &OPTS);
        assert!(!p.is_fragment());
        assert!(
            !p.has_bad_checksum(),
            "{:?}",
            p.event_names().collect::<Vec<_>>()
        );
        let u = p.udp.expect("udp");
        assert_eq!((u.src_port, u.dst_port), (1111, 53));
        assert_eq!(p.payload, payload);
    }

    fn payload() -> Vec<u8> {
        (0..3000u32).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn ipv4_in_order_and_reverse() {
        let data = payload();
        let frames = udp_frames(v4(), &data, 1480);
        for order in [false, true] {
            let mut d = Defragmenter::new(DefragConfig::default());
            let mut fs: Vec<_> = frames.iter().collect();
            if order {
                fs.reverse();
            }
            let last = fs.pop().unwrap();
            for f in fs {
                let o = feed(&mut d, f, 1);
                assert!(o.datagram.is_none() && o.events.is_empty());
            }
            assert_eq!(d.tracker_count(), 1);
            let o = feed(&mut d, last, 1);
            check_udp(&o.datagram.expect("complete"), &data);
            assert_eq!(d.tracker_count(), 0);
            assert_eq!(d.memory(), 0);
            assert_eq!(d.stats().reassembled, 1);
        }
    }

    #[test]
    fn ipv6_fragments() {
        let data = payload();
        let frames = udp_frames(v6(), &data, 1232);
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut done = None;
        for f in frames.iter().rev() {
            done = feed(&mut d, f, 5).datagram;
        }
        let dgram = done.expect("complete");
        let p = decode(LinkType::RawIp, dgram.ip(), &OPTS);
        assert!(p.ipv6.as_ref().unwrap().ext.fragment.is_none());
        check_udp(&dgram, &data);
    }

    #[test]
    fn ipv6_extension_header_before_fragment_header() {
        let (s, dst) = v6();
        let dgram = Builder::default().udp_datagram(s, dst, 1111, 53, b"hello fragments!");
        // Hand-built: fixed header, hop-by-hop (8 bytes), fragment header.
        let build = |off: usize, more: bool, data: &[u8]| {
            let mut h = Builder {
                raw_ip: true,
                ..Builder::default()
            }
            .ip(s, dst, proto::HOPOPT, &[]);
            let mut ext = vec![proto::IPV6_FRAG, 0, 1, 4, 0, 0, 0, 0];
            ext.extend_from_slice(&[proto::UDP, 0]);
            ext.extend_from_slice(&(((off / 8) as u16) << 3 | u16::from(more)).to_be_bytes());
            ext.extend_from_slice(&7u32.to_be_bytes());
            ext.extend_from_slice(data);
            h[4..6].copy_from_slice(&(ext.len() as u16).to_be_bytes());
            h.extend_from_slice(&ext);
            h
        };
        let mut d = Defragmenter::new(DefragConfig::default());
        for (off, more) in [(16, false), (0, true)] {
            let f = build(off, more, &dgram[off..if more { 16 } else { dgram.len() }]);
            let p = decode(LinkType::RawIp, &f, &OPTS);
            let frag = Fragment::from_packet(&p).expect("fragment");
            assert_eq!(frag.header.len(), 48);
            if let Some(out) = d.insert(&frag, ts(0)).datagram {
                assert_eq!(out.link_len, 0);
                let p = decode(LinkType::RawIp, &out.frame, &OPTS);
                assert!(p.ipv6.as_ref().unwrap().ext.hop_by_hop);
                assert_eq!(p.payload, b"hello fragments!");
                return;
            }
        }
        panic!("not reassembled");
    }

    /// Old fragment "AAA" (units 2..5 of 8 bytes), then one new fragment,
    /// then fillers for the holes and a last fragment "z" at unit 6; returns
    /// the reassembled payload as one letter per unit.
    fn pattern(policy: DefragPolicy, new: (usize, usize), holes: &[(usize, usize)]) -> String {
        const RAW: u8 = 253;
        let mut d = Defragmenter::new(DefragConfig {
            policy,
            ..DefragConfig::default()
        });
        let unit = |c: u8, n: usize| vec![c; 8 * n];
        let send = |d: &mut Defragmenter, at: usize, data: &[u8], more: bool| {
            feed(d, &frame(v4(), RAW, at * 8, more, data), 0)
        };
        send(&mut d, 2, &unit(b'A', 3), true);
        let o = send(&mut d, new.0, &unit(b'B', new.1 - new.0), true);
        assert!(o.events.contains(DefragEvents::OVERLAP_DIFFERENT_DATA));
        for &(s, e) in holes {
            send(&mut d, s, &unit(b'x', e - s), true);
        }
        let dgram = send(&mut d, 6, &unit(b'z', 1), false)
            .datagram
            .expect("complete");
        let p = decode(LinkType::RawIp, dgram.ip(), &OPTS);
        assert!(!p.has_bad_checksum());
        p.payload.chunks(8).map(|c| c[0] as char).collect()
    }

    #[test]
    fn overlap_policies_table() {
        type Case = ((usize, usize), &'static [(usize, usize)]);
        let cases: [Case; 5] = [
            ((1, 3), &[(0, 1), (5, 6)]), // starts before
            ((2, 6), &[(0, 2)]),         // same start, longer
            ((3, 4), &[(0, 2), (5, 6)]), // inside
            ((4, 6), &[(0, 2)]),         // ends after
            ((1, 6), &[(0, 1)]),         // covers it entirely
        ];
        let old = ["xBAAAxz", "xxAAABz", "xxAAAxz", "xxAAABz", "xBAAABz"];
        let new = ["xBBAAxz", "xxBBBBz", "xxABAxz", "xxAABBz", "xBBBBBz"];
        use DefragPolicy as P;
        let table: [(P, &str); 7] = [
            (P::First, "OOOOO"),
            (P::Last, "NNNNN"),
            (P::Bsd, "NOOON"),
            (P::BsdRight, "ONNNO"),
            (P::Linux, "NNOON"),
            (P::Windows, "OOOON"),
            (P::Solaris, "ONONN"),
        ];
        for (policy, wins) in table {
            for (i, w) in wins.chars().enumerate() {
                let want = if w == 'N' { new[i] } else { old[i] };
                let got = pattern(policy, cases[i].0, cases[i].1);
                assert_eq!(got, want, "{} case {i}", policy.name());
            }
        }
        for p in DefragPolicy::ALL {
            assert_eq!(DefragPolicy::from_name(p.name()), Some(p));
        }
        assert_eq!(DefragPolicy::from_name("BSD_RIGHT"), Some(P::BsdRight));
    }

    #[test]
    fn identical_overlap_is_counted_but_same_data() {
        let frames = udp_frames(v4(), &payload(), 1480);
        let mut d = Defragmenter::new(DefragConfig::default());
        feed(&mut d, &frames[0], 0);
        let o = feed(&mut d, &frames[0], 0);
        assert_eq!(o.events, DefragEvents::OVERLAP);
        assert_eq!(
            o.events.names(false).collect::<Vec<_>>(),
            ["ipv4.frag_overlap"]
        );
        assert_eq!(d.stats().overlaps, 1);
        assert_eq!(d.stats().overlaps_different_data, 0);
    }

    #[test]
    fn timeout_in_packet_time() {
        let frames = udp_frames(v4(), &payload(), 1480);
        let mut d = Defragmenter::new(DefragConfig::default());
        feed(&mut d, &frames[0], 100);
        feed(&mut d, &frames[1], 130);
        // 60 s after the first fragment the tracker is gone.
        let o = feed(&mut d, &frames[2], 160);
        assert!(o.datagram.is_none());
        assert_eq!(d.stats().timeouts, 1);
        assert_eq!(d.tracker_count(), 1);
        // Unrelated traffic later sweeps the remaining tracker.
        assert_eq!(d.expire(ts(1000)), 1);
        assert_eq!((d.tracker_count(), d.memory()), (0, 0));
    }

    #[test]
    fn too_small_and_too_large() {
        let mut d = Defragmenter::new(DefragConfig::default());
        // 12 bytes with MF: not a multiple of 8.
        let o = feed(&mut d, &frame(v4(), proto::UDP, 0, true, &[1; 12]), 0);
        assert!(o.events.contains(DefragEvents::INVALID_LENGTH));
        assert_eq!(d.stats().too_small, 1);
        assert_eq!(d.tracker_count(), 0);
        // Offset 65528 + 16 bytes ends past 65535.
        let o = feed(&mut d, &frame(v4(), proto::UDP, 65528, false, &[1; 16]), 0);
        assert_eq!(
            o.events.names(false).collect::<Vec<_>>(),
            ["ipv4.frag_pkt_too_large"]
        );
        let o = feed(&mut d, &frame(v6(), proto::UDP, 65528, false, &[1; 16]), 0);
        assert_eq!(
            o.events.names(true).collect::<Vec<_>>(),
            ["ipv6.frag_pkt_too_large"]
        );
        // Data fits in 65535 but not with the 20-byte IPv4 header.
        let o = feed(&mut d, &frame(v4(), proto::UDP, 65512, false, &[0; 10]), 0);
        assert!(o.events.contains(DefragEvents::TOO_LARGE));
        assert_eq!(d.stats().too_large, 3);
        assert_eq!((d.tracker_count(), d.memory()), (0, 0));
        // The largest legal datagram is fine.
        let o = feed(&mut d, &frame(v4(), proto::UDP, 65512, false, &[0; 3]), 0);
        assert!(o.events.is_empty());
    }

    #[test]
    fn memcap_and_tracker_limit() {
        let mut d = Defragmenter::new(DefragConfig {
            memcap: 2000,
            max_trackers: 2,
            ..DefragConfig::default()
        });
        let frames = udp_frames(v4(), &payload(), 1480);
        assert!(feed(&mut d, &frames[0], 0).events.is_empty());
        // A second fragment would hold 2960 bytes.
        let o = feed(&mut d, &frames[1], 0);
        assert!(o.events.contains(DefragEvents::IGNORED));
        assert_eq!(d.stats().memcap_drops, 1);
        // Two more datagrams (distinct ids): the third tracker is refused.
        let other = |id: u16| {
            Builder {
                ip_id: id,
                ..Builder::default()
            }
            .fragment(v4().0, v4().1, proto::UDP, 0, true, &[0; 8])
        };
        assert!(feed(&mut d, &other(1), 0).events.is_empty());
        let o = feed(&mut d, &other(2), 0);
        assert_eq!(
            o.events.names(false).collect::<Vec<_>>(),
            ["ipv4.frag_ignored"]
        );
        assert_eq!(d.stats().tracker_drops, 1);
    }

    #[test]
    fn not_a_fragment() {
        let f = Builder::default().udp(v4().0, v4().1, 1, 2, b"x");
        let p = decode(LinkType::Ethernet, &f, &OPTS);
        assert!(Fragment::from_packet(&p).is_none());
    }
}
