//! The prefilter: rules grouped by transport protocol and port, one
//! multi-pattern automaton per group over the rules' fast patterns.
//!
//! Per packet, the group for (protocol, destination port) and the group
//! for (protocol, source port) are looked up (a rule indexed by a specific
//! port sits in that port's group; a rule with a broad or negated port set
//! sits in the protocol's catch-all group). One automaton per protocol
//! class, over the fast patterns of all its groups, runs once over the
//! payload; a rule whose fast pattern occurred is a candidate when it sits
//! in the catch-all group or in one of the packet's port groups. Those,
//! and the groups' rules that have no fast pattern, are the candidates
//! handed to full verification. No per-packet loop runs over all rules.
//!
//! One automaton per class rather than one per group: the payload is
//! scanned once instead of up to three times (catch-all, destination and
//! source port groups), and the port groups hold no automaton of their
//! own (measured in docs/performance.md).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use hashbrown::HashMap;

use crate::lanes::LaneScanner;
use crate::sig::{ProtoMatch, Sig};

/// Longest part of a fast pattern the automaton searches for: a longer
/// pattern is represented by its least common `MAX_SEARCHED_LEN` bytes
/// (verification checks the whole rule anyway), which keeps the lane
/// scanner's overlaps short.
const MAX_SEARCHED_LEN: usize = 32;

/// Rules indexed by a specific port only when their port set is at most
/// this many ports; broader sets go to the catch-all group.
const MAX_INDEXED_PORTS: usize = 64;

/// A group's multi-pattern search: the lane scanner over a DFA, or the
/// `aho-corasick` searcher when the DFA would be too large to build.
enum Matcher {
    Lanes(Box<LaneScanner>),
    Ac(AhoCorasick),
}

/// One group of rules sharing a prefilter automaton.
pub struct Group {
    /// Automaton over the distinct fast patterns (ASCII case-insensitive;
    /// exact case is checked by verification).
    automaton: Option<Matcher>,
    /// For each pattern id, the rules (engine indices) indexed under it.
    pattern_rules: Vec<Vec<u32>>,
    /// Rules without a fast pattern: always candidates.
    always: Vec<u32>,
    /// Rules with a fast pattern, sorted (membership tests).
    members: Vec<u32>,
}

impl Group {
    /// A group with its own automaton.
    pub(crate) fn build(rules: &[u32], sigs: &[Sig]) -> Group {
        Group::build_with(rules, sigs, true)
    }

    /// A group whose fast patterns are searched by another group's
    /// automaton (the class-wide one): it only knows its members.
    fn build_members(rules: &[u32], sigs: &[Sig]) -> Group {
        Group::build_with(rules, sigs, false)
    }

    fn build_with(rules: &[u32], sigs: &[Sig], automaton: bool) -> Group {
        let mut members: Vec<u32> = rules
            .iter()
            .copied()
            .filter(|&r| sigs[r as usize].fast_pattern.is_some())
            .collect();
        members.sort_unstable();
        members.dedup();
        if !automaton {
            return Group {
                automaton: None,
                pattern_rules: Vec::new(),
                always: rules
                    .iter()
                    .copied()
                    .filter(|&r| sigs[r as usize].fast_pattern.is_none())
                    .collect(),
                members,
            };
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut by_pattern: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut pattern_rules: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for &r in rules {
            match &sigs[r as usize].fast_pattern {
                Some(fp) => {
                    let lower = fp.bytes.to_ascii_lowercase();
                    let lower = distinctive(&lower, MAX_SEARCHED_LEN).to_vec();
                    let id = *by_pattern.entry(lower.clone()).or_insert_with(|| {
                        patterns.push(lower);
                        pattern_rules.push(Vec::new());
                        patterns.len() - 1
                    });
                    pattern_rules[id].push(r);
                }
                None => always.push(r),
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else if let Some(lanes) = LaneScanner::build(&patterns) {
            Some(Matcher::Lanes(Box::new(lanes)))
        } else {
            Some(Matcher::Ac(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .or_else(|_| {
                        AhoCorasickBuilder::new()
                            .ascii_case_insensitive(true)
                            .match_kind(MatchKind::Standard)
                            .build(&patterns)
                    })
                    .expect("aho-corasick build over valid patterns"),
            ))
        };
        Group {
            automaton,
            pattern_rules,
            always,
            members,
        }
    }

    /// Whether rule `r` (with a fast pattern) is in this group.
    fn has_member(&self, r: u32) -> bool {
        self.members.binary_search(&r).is_ok()
    }

    /// Appends to `hits` the rules whose fast pattern occurs in
    /// `payload` (unsorted, each rule once). `seen` is scratch, all clear
    /// on entry and left clear on return.
    pub fn hits(&self, payload: &[u8], seen: &mut Vec<u64>, hits: &mut Vec<u32>) {
        let Some(ac) = &self.automaton else {
            return;
        };
        if payload.is_empty() {
            return;
        }
        let words = self.pattern_rules.len().div_ceil(64);
        if seen.len() < words {
            seen.resize(words, 0);
        }
        let mut any = false;
        let mut found = |id: usize| {
            let (w, b) = (id / 64, 1u64 << (id % 64));
            if seen[w] & b == 0 {
                seen[w] |= b;
                any = true;
                hits.extend_from_slice(&self.pattern_rules[id]);
            }
        };
        match ac {
            Matcher::Lanes(l) => l.scan(payload, found),
            Matcher::Ac(ac) => {
                for m in ac.find_overlapping_iter(payload) {
                    found(m.pattern().as_usize());
                }
            }
        }
        if any {
            seen[..words].iter_mut().for_each(|w| *w = 0);
        }
    }

    /// Rules of the group without a fast pattern, in engine order.
    pub fn always(&self) -> &[u32] {
        &self.always
    }

    pub fn rule_count(&self) -> usize {
        self.always.len() + self.members.len()
    }

    pub fn pattern_count(&self) -> usize {
        self.pattern_rules.len()
    }
}

/// Port-indexed groups of one protocol class.
pub struct ProtoGroups {
    pub by_dport: HashMap<u16, Group>,
    pub by_sport: HashMap<u16, Group>,
    pub catch_all: Group,
    /// One automaton over the fast patterns of every group of the class.
    all: Group,
    /// For each engine rule: where the class indexes it
    /// ([`INDEX_CATCH_ALL`], ...), [`INDEX_NONE`] when it does not.
    index_of: Vec<u8>,
    /// IP-only rules (addresses only): evaluated once per flow direction,
    /// so kept out of the per-packet groups.
    pub ip_only: Vec<u32>,
}

const INDEX_NONE: u8 = 0;
const INDEX_CATCH_ALL: u8 = 1;
const INDEX_DPORT: u8 = 2;
const INDEX_SPORT: u8 = 3;

/// Protocol classes the prefilter separates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoClass {
    Tcp = 0,
    Udp = 1,
    Icmp = 2,
    /// Other IP protocols, and rules that apply to every packet.
    Other = 3,
}

pub const PROTO_CLASSES: [ProtoClass; 4] = [
    ProtoClass::Tcp,
    ProtoClass::Udp,
    ProtoClass::Icmp,
    ProtoClass::Other,
];

impl ProtoClass {
    pub fn of_packet(ip_proto: Option<u8>) -> ProtoClass {
        match ip_proto {
            Some(6) => ProtoClass::Tcp,
            Some(17) => ProtoClass::Udp,
            Some(1) | Some(58) => ProtoClass::Icmp,
            _ => ProtoClass::Other,
        }
    }

    fn admits(self, p: ProtoMatch) -> bool {
        match p {
            ProtoMatch::Ip { .. } | ProtoMatch::Any => true,
            ProtoMatch::Transport(6) => self == ProtoClass::Tcp,
            ProtoMatch::Transport(17) => self == ProtoClass::Udp,
            ProtoMatch::Transport(_) => self == ProtoClass::Other,
            ProtoMatch::Icmp { .. } => self == ProtoClass::Icmp,
        }
    }

    fn has_ports(self) -> bool {
        matches!(self, ProtoClass::Tcp | ProtoClass::Udp)
    }
}

/// The whole prefilter: one [`ProtoGroups`] per protocol class.
pub struct Prefilter {
    pub classes: Vec<ProtoGroups>,
}

impl Prefilter {
    pub fn build(sigs: &[Sig]) -> Prefilter {
        let classes = PROTO_CLASSES
            .iter()
            .map(|&class| build_class(class, sigs))
            .collect();
        Prefilter { classes }
    }

    /// Candidate rules for a packet, in engine order, each once: the
    /// groups' rules without a fast pattern, the rules whose fast pattern
    /// occurs in one of the payloads (a TCP packet's own bytes and the
    /// stream window it released), and (when `with_ip_only`) the IP-only
    /// rules. The groups are disjoint, so the sorted lists are merged; a
    /// pattern found in both payloads is deduplicated.
    #[allow(clippy::too_many_arguments)]
    pub fn candidates(
        &self,
        class: ProtoClass,
        sport: Option<u16>,
        dport: Option<u16>,
        payloads: &[&[u8]],
        with_ip_only: bool,
        scratch: &mut Scratch,
        out: &mut Vec<u32>,
    ) {
        let g = &self.classes[class as usize];
        let dgroup = dport.and_then(|dp| g.by_dport.get(&dp));
        let sgroup = sport.and_then(|sp| g.by_sport.get(&sp));
        scratch.hits.clear();
        for payload in payloads {
            g.all.hits(payload, &mut scratch.seen, &mut scratch.hits);
        }
        // keep the rules of the catch-all group and of the packet's port
        // groups
        scratch.hits.retain(|&r| match g.index_of[r as usize] {
            INDEX_CATCH_ALL => true,
            INDEX_DPORT => dgroup.is_some_and(|d| d.has_member(r)),
            INDEX_SPORT => sgroup.is_some_and(|s| s.has_member(r)),
            _ => false,
        });
        scratch.hits.sort_unstable();
        if payloads.len() > 1 {
            scratch.hits.dedup();
        }
        let empty: &[u32] = &[];
        let lists = [
            g.catch_all.always(),
            dgroup.map_or(empty, Group::always),
            sgroup.map_or(empty, Group::always),
            if with_ip_only { &g.ip_only } else { empty },
            &scratch.hits,
        ];
        merge_sorted(&lists, out);
    }
}

impl Prefilter {
    /// One line per protocol class: how rules are spread over groups.
    pub fn describe(&self) -> Vec<String> {
        PROTO_CLASSES
            .iter()
            .zip(&self.classes)
            .map(|(class, g)| {
                let always: usize = g.catch_all.always.len();
                let port_always: usize = g
                    .by_dport
                    .values()
                    .chain(g.by_sport.values())
                    .map(|x| x.always.len())
                    .max()
                    .unwrap_or(0);
                format!(
                    "{class:?}: catch-all {} rules ({} without fast pattern), {} patterns in all, {} dst-port groups, {} src-port groups (max {} without fast pattern), {} ip-only",
                    g.catch_all.rule_count(),
                    always,
                    g.all.pattern_count(),
                    g.by_dport.len(),
                    g.by_sport.len(),
                    port_always,
                    g.ip_only.len()
                )
            })
            .collect()
    }
}

/// Scratch the prefilter reuses across packets.
#[derive(Default)]
pub struct Scratch {
    pub(crate) seen: Vec<u64>,
    pub(crate) hits: Vec<u32>,
}

/// Appends the union of sorted, pairwise-disjoint lists to `out`, sorted.
pub(crate) fn merge_sorted(lists: &[&[u32]], out: &mut Vec<u32>) {
    let mut pos = [0usize; 8];
    debug_assert!(lists.len() <= pos.len());
    loop {
        let mut best: Option<(usize, u32)> = None;
        for (i, l) in lists.iter().enumerate() {
            if let Some(&v) = l.get(pos[i]) {
                if best.is_none_or(|(_, b)| v < b) {
                    best = Some((i, v));
                }
            }
        }
        match best {
            Some((i, v)) => {
                out.push(v);
                pos[i] += 1;
            }
            None => break,
        }
    }
}

fn build_class(class: ProtoClass, sigs: &[Sig]) -> ProtoGroups {
    let mut catch_all = Vec::new();
    let mut by_dport: HashMap<u16, Vec<u32>> = HashMap::new();
    let mut by_sport: HashMap<u16, Vec<u32>> = HashMap::new();
    let mut ip_only = Vec::new();
    for (i, s) in sigs.iter().enumerate() {
        if !class.admits(s.proto) || s.tx_rule {
            continue;
        }
        let i = i as u32;
        if s.ip_only {
            ip_only.push(i);
            continue;
        }
        if !class.has_ports() || s.bidirectional {
            catch_all.push(i);
            continue;
        }
        if let Some(ports) = small_list(&s.dp) {
            for p in ports {
                by_dport.entry(p).or_default().push(i);
            }
        } else if let Some(ports) = small_list(&s.sp) {
            for p in ports {
                by_sport.entry(p).or_default().push(i);
            }
        } else {
            catch_all.push(i);
        }
    }
    let mut index_of = vec![INDEX_NONE; sigs.len()];
    let mut all = Vec::new();
    for (rules, kind) in std::iter::once((&catch_all, INDEX_CATCH_ALL))
        .chain(by_dport.values().map(|r| (r, INDEX_DPORT)))
        .chain(by_sport.values().map(|r| (r, INDEX_SPORT)))
    {
        for &r in rules {
            if index_of[r as usize] == INDEX_NONE {
                index_of[r as usize] = kind;
                all.push(r);
            }
        }
    }
    all.sort_unstable();
    ProtoGroups {
        by_dport: by_dport
            .into_iter()
            .map(|(p, rules)| (p, Group::build_members(&rules, sigs)))
            .collect(),
        by_sport: by_sport
            .into_iter()
            .map(|(p, rules)| (p, Group::build_members(&rules, sigs)))
            .collect(),
        catch_all: Group::build_members(&catch_all, sigs),
        all: Group::build(&all, sigs),
        index_of,
        ip_only,
    }
}

/// The ports of a set small enough to index by, or None.
fn small_list(set: &warden_rules::PortSet) -> Option<Vec<u16>> {
    let mut n = 0usize;
    for &(lo, hi) in set.ranges() {
        n += usize::from(hi - lo) + 1;
        if n > MAX_INDEXED_PORTS {
            return None;
        }
    }
    if n == 0 {
        return None;
    }
    Some(set.ranges().iter().flat_map(|&(lo, hi)| lo..=hi).collect())
}

/// How common a byte is in traffic (higher: more common), to choose the
/// part of a long pattern the automaton searches for.
fn commonness(b: u8) -> u32 {
    match b {
        b' ' | b'/' | b'.' | b'\r' | b'\n' | 0x00 | 0xff | b'=' | b':' => 7,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' => 6,
        b'a'..=b'z' | b'0'..=b'9' => 4,
        b'-' | b'_' | b'&' | b'?' | b',' | b';' | b'"' | b'\'' => 3,
        0x21..=0x7e => 2,
        _ => 1,
    }
}

/// The `k`-byte window of `pattern` made of the least common bytes (the
/// whole pattern when it is not longer than `k`). Any payload holding the
/// pattern holds the window, so searching for it loses no candidate.
fn distinctive(pattern: &[u8], k: usize) -> &[u8] {
    if pattern.len() <= k {
        return pattern;
    }
    let score = |w: &[u8]| w.iter().map(|&b| commonness(b)).sum::<u32>();
    let mut best = 0;
    let mut best_score = u32::MAX;
    for (i, w) in pattern.windows(k).enumerate() {
        let s = score(w);
        if s < best_score {
            best = i;
            best_score = s;
        }
    }
    &pattern[best..best + k]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_patterns_are_searched_by_their_least_common_window() {
        let p = b"aaaaaaaaaa|\x01\x02\x03|aaaaaaaaaa";
        let w = distinctive(p, 5);
        assert_eq!(w, b"|\x01\x02\x03|");
        assert_eq!(distinctive(b"short", 32), b"short");
    }

    #[test]
    fn merge_keeps_order_across_lists() {
        let mut out = Vec::new();
        merge_sorted(&[&[1, 5, 9], &[], &[2, 3], &[7], &[0, 8]], &mut out);
        assert_eq!(out, [0, 1, 2, 3, 5, 7, 8, 9]);
    }
}
