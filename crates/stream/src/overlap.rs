//! Overlap resolution shared by TCP reassembly and IP defragmentation.
//!
//! Both keep received data in one contiguous byte buffer addressed by an
//! absolute offset, plus a sorted list of non-overlapping [`Piece`]s saying
//! which offsets hold data and which original segment/fragment supplied
//! them. When new data overlaps a piece, a target-based [`Rule`] decides,
//! from the boundaries of the new data and of the piece's original supplier,
//! whose bytes the target host would keep (Novak and Sturges, "Target-Based
//! TCP Stream Reassembly", 2007, and Novak, "Target-Based Fragmentation
//! Reassembly", 2005). The decision is taken per overlapped piece, so a new
//! segment spanning several old ones can win against some and lose against
//! others, as a real stack would.

/// The distinct overlap behaviours; the named OS policies map onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Old data always wins.
    First,
    /// New data always wins.
    Last,
    /// Old data wins unless the new data starts strictly before it.
    Bsd,
    /// New data wins when it starts at or after the old data's start.
    BsdRight,
    /// As BSD, and also new wins when both start together and new ends
    /// later.
    Linux,
    /// Old data wins unless new starts strictly before and ends strictly
    /// after it (covers it entirely and more on both sides).
    Windows,
    /// New data wins unless the old data ends after it, or starts before it
    /// and ends together with it.
    Solaris,
}

impl Rule {
    /// Whether the new data `[ns, ne)` replaces the old data supplied by
    /// `[os, oe)` on their overlap.
    pub(crate) fn new_wins(self, ns: u64, ne: u64, os: u64, oe: u64) -> bool {
        match self {
            Rule::First => false,
            Rule::Last => true,
            Rule::Bsd => ns < os,
            Rule::BsdRight => ns >= os,
            Rule::Linux => ns < os || (ns == os && ne > oe),
            Rule::Windows => ns < os && ne > oe,
            Rule::Solaris => ne > oe || (ne == oe && ns <= os),
        }
    }
}

/// A run of buffered bytes `[start, end)` supplied by the segment or
/// fragment that covered `[orig_start, orig_end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) orig_start: u64,
    pub(crate) orig_end: u64,
}

/// What an insertion met.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overlap {
    /// The new data overlapped buffered data.
    pub(crate) overlapped: bool,
    /// ... and some overlapped byte differed.
    pub(crate) different: bool,
}

/// Sorted, non-overlapping pieces; `scratch` is reused so that steady-state
/// insertion does not allocate.
#[derive(Clone, Debug, Default)]
pub(crate) struct Coverage {
    pub(crate) pieces: Vec<Piece>,
    scratch: Vec<Piece>,
}

impl Coverage {
    /// End of the last piece, if any.
    pub(crate) fn end(&self) -> Option<u64> {
        self.pieces.last().map(|p| p.end)
    }

    /// End of the run of contiguous pieces starting exactly at `from`
    /// (`from` itself when no piece starts there), and how many pieces it
    /// spans.
    pub(crate) fn contiguous_from(&self, from: u64) -> (u64, usize) {
        let mut end = from;
        let mut n = 0;
        for p in &self.pieces {
            if p.start != end {
                break;
            }
            end = p.end;
            n += 1;
        }
        (end, n)
    }

    /// Makes `at` a piece boundary (splitting the contiguous run of pieces
    /// that starts at the first piece) and returns how many leading pieces
    /// now end at or before `at`.
    pub(crate) fn split_at(&mut self, at: u64) -> usize {
        let mut n = 0;
        for p in self.pieces.iter_mut() {
            if p.end <= at {
                n += 1;
            } else {
                if p.start < at {
                    p.start = at;
                }
                break;
            }
        }
        n
    }

    /// Removes the first `n` pieces.
    pub(crate) fn drop_front(&mut self, n: usize) {
        self.pieces.drain(..n);
    }

    /// Inserts `data` at absolute offset `ns` into `buf` (whose first byte
    /// is at offset `base`; it must already cover `ns + data.len()`),
    /// resolving overlaps with `rule`.
    pub(crate) fn insert(
        &mut self,
        rule: Rule,
        ns: u64,
        data: &[u8],
        buf: &mut [u8],
        base: u64,
    ) -> Overlap {
        let ne = ns + data.len() as u64;
        let mut res = Overlap::default();
        if data.is_empty() {
            return res;
        }
        let new_piece = |s: u64, e: u64| Piece {
            start: s,
            end: e,
            orig_start: ns,
            orig_end: ne,
        };
        let write = |buf: &mut [u8], s: u64, e: u64| {
            let (bs, be) = ((s - base) as usize, (e - base) as usize);
            let (ds, de) = ((s - ns) as usize, (e - ns) as usize);
            buf[bs..be].copy_from_slice(&data[ds..de]);
        };
        // Fast path: appending after everything buffered.
        if self.end().is_none_or(|e| e <= ns) {
            write(buf, ns, ne);
            self.pieces.push(new_piece(ns, ne));
            return res;
        }
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let mut cur = ns;
        for &p in &self.pieces {
            if p.end <= cur || cur >= ne {
                out.push(p);
                continue;
            }
            if p.start >= ne {
                write(buf, cur, ne);
                out.push(new_piece(cur, ne));
                cur = ne;
                out.push(p);
                continue;
            }
            // p overlaps [cur, ne).
            if p.start > cur {
                write(buf, cur, p.start);
                out.push(new_piece(cur, p.start));
                cur = p.start;
            }
            let (os, oe) = (cur, p.end.min(ne));
            res.overlapped = true;
            let old = &buf[(os - base) as usize..(oe - base) as usize];
            let new = &data[(os - ns) as usize..(oe - ns) as usize];
            if old != new {
                res.different = true;
            }
            if rule.new_wins(ns, ne, p.orig_start, p.orig_end) {
                if p.start < os {
                    out.push(Piece { end: os, ..p });
                }
                write(buf, os, oe);
                out.push(new_piece(os, oe));
                if p.end > oe {
                    out.push(Piece { start: oe, ..p });
                }
            } else {
                out.push(p);
            }
            cur = oe;
        }
        if cur < ne {
            write(buf, cur, ne);
            out.push(new_piece(cur, ne));
        }
        self.scratch = std::mem::replace(&mut self.pieces, out);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rule: Rule, segs: &[(u64, &[u8])]) -> Vec<u8> {
        let mut buf = vec![b'.'; 32];
        let mut c = Coverage::default();
        for &(s, d) in segs {
            c.insert(rule, s, d, &mut buf, 0);
        }
        let end = c.end().unwrap_or(0) as usize;
        buf.truncate(end);
        buf
    }

    #[test]
    fn pieces_stay_sorted_and_disjoint() {
        let mut buf = vec![0; 64];
        let mut c = Coverage::default();
        for (s, l) in [(10, 5), (0, 4), (2, 20), (30, 4), (25, 10), (0, 40)] {
            let d = vec![1u8; l];
            c.insert(Rule::Last, s, &d, &mut buf, 0);
            for w in c.pieces.windows(2) {
                assert!(w[0].end <= w[1].start, "{:?}", c.pieces);
            }
        }
        assert_eq!(c.contiguous_from(0), (40, c.pieces.len()));
    }

    #[test]
    fn rules_on_partial_overlaps() {
        // old "AAAA" at 4..8; new "BBBB" starting before (2..6), same start
        // longer (4..10), inside (5..7), after (6..10).
        let old: &[u8] = b"AAAA";
        let cases: [(Rule, [&[u8]; 4]); 7] = [
            (Rule::First, [b"BBAAAA", b"AAAABB", b"AAAA", b"AAAABB"]),
            (Rule::Last, [b"BBBBAA", b"BBBBBB", b"ABBA", b"AABBBB"]),
            (Rule::Bsd, [b"BBBBAA", b"AAAABB", b"AAAA", b"AAAABB"]),
            (Rule::BsdRight, [b"BBAAAA", b"BBBBBB", b"ABBA", b"AABBBB"]),
            (Rule::Linux, [b"BBBBAA", b"BBBBBB", b"AAAA", b"AAAABB"]),
            (Rule::Windows, [b"BBAAAA", b"AAAABB", b"AAAA", b"AAAABB"]),
            (Rule::Solaris, [b"BBAAAA", b"BBBBBB", b"AAAA", b"AABBBB"]),
        ];
        for (rule, want) in cases {
            let got = [
                run(rule, &[(4, old), (2, b"BBBB")]),
                run(rule, &[(4, old), (4, b"BBBBBB")]),
                run(rule, &[(4, old), (5, b"BB")]),
                run(rule, &[(4, old), (6, b"BBBB")]),
            ];
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                let start = if i == 0 { 2 } else { 4 };
                assert_eq!(&g[start..], w, "{rule:?} case {i}");
            }
        }
    }
}
