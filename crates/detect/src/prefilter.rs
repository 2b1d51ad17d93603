//! The prefilter: rules grouped by transport protocol and port, one
//! multi-pattern automaton per group over the rules' fast patterns.
//!
//! Per packet, the group for (protocol, destination port) and the group
//! for (protocol, source port) are looked up (a rule indexed by a specific
//! port sits in that port's group; a rule with a broad or negated port set
//! sits in the protocol's catch-all group). Each group's automaton runs
//! once over the payload; the rules whose fast pattern occurred, and the
//! group's rules that have no fast pattern, are the candidates handed to
//! full verification. No per-packet loop runs over all rules.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use hashbrown::HashMap;

use crate::sig::{ProtoMatch, Sig};

/// Rules indexed by a specific port only when their port set is at most
/// this many ports; broader sets go to the catch-all group.
const MAX_INDEXED_PORTS: usize = 64;

/// One group of rules sharing a prefilter automaton.
pub struct Group {
    /// Automaton over the distinct fast patterns (ASCII case-insensitive;
    /// exact case is checked by verification).
    automaton: Option<AhoCorasick>,
    /// For each pattern id, the rules (engine indices) indexed under it.
    pattern_rules: Vec<Vec<u32>>,
    /// Rules without a fast pattern: always candidates.
    always: Vec<u32>,
}

impl Group {
    pub(crate) fn build(rules: &[u32], sigs: &[Sig]) -> Group {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut by_pattern: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut pattern_rules: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for &r in rules {
            match &sigs[r as usize].fast_pattern {
                Some(fp) => {
                    let lower = fp.bytes.to_ascii_lowercase();
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
        } else {
            Some(
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
            )
        };
        Group {
            automaton,
            pattern_rules,
            always,
        }
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
        for m in ac.find_overlapping_iter(payload) {
            let id = m.pattern().as_usize();
            let (w, b) = (id / 64, 1u64 << (id % 64));
            if seen[w] & b == 0 {
                seen[w] |= b;
                any = true;
                hits.extend_from_slice(&self.pattern_rules[id]);
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
        self.always.len() + self.pattern_rules.iter().map(Vec::len).sum::<usize>()
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
    /// IP-only rules (addresses only): evaluated once per flow direction,
    /// so kept out of the per-packet groups.
    pub ip_only: Vec<u32>,
}

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
            g.catch_all
                .hits(payload, &mut scratch.seen, &mut scratch.hits);
            if let Some(grp) = dgroup {
                grp.hits(payload, &mut scratch.seen, &mut scratch.hits);
            }
            if let Some(grp) = sgroup {
                grp.hits(payload, &mut scratch.seen, &mut scratch.hits);
            }
        }
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
                    "{class:?}: catch-all {} rules ({} without fast pattern, {} patterns), {} dst-port groups, {} src-port groups (max {} without fast pattern), {} ip-only",
                    g.catch_all.rule_count(),
                    always,
                    g.catch_all.pattern_count(),
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
    ProtoGroups {
        by_dport: by_dport
            .into_iter()
            .map(|(p, rules)| (p, Group::build(&rules, sigs)))
            .collect(),
        by_sport: by_sport
            .into_iter()
            .map(|(p, rules)| (p, Group::build(&rules, sigs)))
            .collect(),
        catch_all: Group::build(&catch_all, sigs),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_order_across_lists() {
        let mut out = Vec::new();
        merge_sorted(&[&[1, 5, 9], &[], &[2, 3], &[7], &[0, 8]], &mut out);
        assert_eq!(out, [0, 1, 2, 3, 5, 7, 8, 9]);
    }
}
