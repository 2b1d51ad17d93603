//! Multi-pattern scanning with a DFA in interleaved lanes.
//!
//! A prefilter automaton over thousands of fast patterns is a DFA of tens
//! of megabytes: each byte's transition is a load that misses the cache,
//! and each load depends on the one before, so a plain scan runs at the
//! memory's latency (profiled at ~90 % of prefilter time on that one
//! load, see docs/performance.md). This scanner cuts the haystack into
//! [`LANES`] pieces and advances one DFA state per piece in lockstep: the
//! lanes' loads are independent, so the CPU has several misses in flight
//! at once.
//!
//! Each lane starts `max_len - 1` bytes before its piece (from the start
//! state), so every occurrence ending in the piece is found; occurrences
//! in that overlap may be reported twice, which the caller's per-pattern
//! "seen" set absorbs. Every occurrence of every pattern is reported
//! (overlapping semantics), matched ASCII case-insensitively.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Pieces scanned in lockstep.
const LANES: usize = 8;

/// Haystacks shorter than this many times the longest pattern are scanned
/// in one lane (the overlaps would cost more than they save).
const MIN_LANE_FACTOR: usize = 2;

pub(crate) struct LaneScanner {
    dfa: DFA,
    start: StateID,
    max_len: usize,
}

impl LaneScanner {
    /// A scanner over `patterns`, or None when the DFA cannot be built
    /// (too many states for its identifiers).
    pub(crate) fn build(patterns: &[Vec<u8>]) -> Option<LaneScanner> {
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(patterns)
            .ok()?;
        let start = dfa.start_state(Anchored::No).ok()?;
        Some(LaneScanner {
            dfa,
            start,
            max_len: patterns.iter().map(Vec::len).max().unwrap_or(1).max(1),
        })
    }

    /// Calls `on_match` with the pattern id of every occurrence in `hay`
    /// (some more than once).
    #[inline]
    pub(crate) fn scan(&self, hay: &[u8], mut on_match: impl FnMut(usize)) {
        let n = hay.len();
        if n < LANES * MIN_LANE_FACTOR * self.max_len {
            self.scan_one(hay, 0, n, self.start, &mut on_match);
            return;
        }
        let piece = n / LANES;
        let mut pos = [0usize; LANES];
        let mut end = [0usize; LANES];
        for l in 0..LANES {
            pos[l] = (l * piece).saturating_sub(self.max_len - 1);
            end[l] = if l == LANES - 1 { n } else { (l + 1) * piece };
        }
        let steps = (0..LANES).map(|l| end[l] - pos[l]).min().unwrap_or(0);
        let mut sid = [self.start; LANES];
        for _ in 0..steps {
            for l in 0..LANES {
                let s = self.dfa.next_state(Anchored::No, sid[l], hay[pos[l]]);
                pos[l] += 1;
                sid[l] = s;
                if self.dfa.is_special(s) {
                    self.report(s, &mut on_match);
                }
            }
        }
        for l in 0..LANES {
            self.scan_one(hay, pos[l], end[l], sid[l], &mut on_match);
        }
    }

    /// One lane over `hay[from..to]`, starting in state `sid`.
    #[inline]
    fn scan_one(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        mut sid: StateID,
        on_match: &mut impl FnMut(usize),
    ) {
        for &b in &hay[from..to] {
            sid = self.dfa.next_state(Anchored::No, sid, b);
            if self.dfa.is_special(sid) {
                self.report(sid, on_match);
            }
        }
    }

    #[inline]
    fn report(&self, sid: StateID, on_match: &mut impl FnMut(usize)) {
        if self.dfa.is_match(sid) {
            for i in 0..self.dfa.match_len(sid) {
                on_match(self.dfa.match_pattern(sid, i).as_usize());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pattern ids found, each once, sorted.
    fn found(s: &LaneScanner, hay: &[u8]) -> Vec<usize> {
        let mut v = Vec::new();
        s.scan(hay, |id| v.push(id));
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The same set by brute force.
    fn naive(patterns: &[Vec<u8>], hay: &[u8]) -> Vec<usize> {
        let hay = hay.to_ascii_lowercase();
        (0..patterns.len())
            .filter(|&i| {
                let p = patterns[i].to_ascii_lowercase();
                hay.windows(p.len()).any(|w| w == p.as_slice())
            })
            .collect()
    }

    #[test]
    fn lanes_find_what_a_plain_search_finds_wherever_the_cuts_fall() {
        let patterns: Vec<Vec<u8>> = ["GET ", "user-agent", "zz", "\x00\x01", "abcdefgh", "q"]
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect();
        let s = LaneScanner::build(&patterns).unwrap();
        // a long haystack with each pattern placed around every cut point
        let mut seed = 7u32;
        for len in [0usize, 1, 50, 400, 401, 1000, 4099] {
            for round in 0..20 {
                let mut hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        b"abcxyz \x00\x01GETU"[(seed >> 16) as usize % 13]
                    })
                    .collect();
                if len > 20 {
                    let p = &patterns[round % patterns.len()];
                    let at = (len / 4 * (round % 4))
                        .saturating_sub(round % 7)
                        .min(len - p.len());
                    hay[at..at + p.len()].copy_from_slice(&p.to_ascii_uppercase());
                }
                assert_eq!(
                    found(&s, &hay),
                    naive(&patterns, &hay),
                    "len {len} round {round}"
                );
            }
        }
    }
}
