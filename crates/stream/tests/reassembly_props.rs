//! Property tests of TCP reassembly: random segmentations of a stream,
//! delivered in random order, with retransmissions and overlaps that carry
//! the same or different bytes, checked against a byte-by-byte model of
//! what the overlap policy keeps. A small deterministic generator stands
//! in for a property-testing framework, so every failure is reproducible
//! from its round number.

use warden_stream::{OverlapPolicy, Reassembler, ReassemblyConfig, StreamEvents};

/// xorshift64: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One segment: stream offset and bytes.
type Seg = (usize, Vec<u8>);

/// Cuts `data` into segments of 1..=max bytes, adds retransmissions of
/// earlier ranges (with the original bytes, or with other bytes when
/// `rewrite`) and shuffles them all.
fn segments(rng: &mut Rng, data: &[u8], max: usize, rewrite: bool) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let end = (at + 1 + rng.below(max)).min(data.len());
        segs.push((at, data[at..end].to_vec()));
        at = end;
    }
    for _ in 0..rng.below(segs.len() / 2 + 2) {
        let start = rng.below(data.len());
        let end = (start + 1 + rng.below(max)).min(data.len());
        let mut bytes = data[start..end].to_vec();
        if rewrite {
            for b in bytes.iter_mut() {
                if rng.below(3) == 0 {
                    *b = b'#';
                }
            }
        }
        segs.push((start, bytes));
    }
    for i in (1..segs.len()).rev() {
        segs.swap(i, rng.below(i + 1));
    }
    segs
}

fn reassembler(policy: OverlapPolicy, isn: u32) -> Reassembler {
    let mut r = Reassembler::new(
        ReassemblyConfig {
            policy,
            depth: 0,
            gap_after: 0,
            ..ReassemblyConfig::default()
        },
        None,
    );
    r.on_syn(isn);
    r
}

/// Appends whatever is ready; no gaps are expected.
fn drain(r: &mut Reassembler, out: &mut Vec<u8>) {
    loop {
        let ready = r.take_ready();
        if ready.is_empty() {
            return;
        }
        assert!(ready.gap.is_none());
        assert_eq!(ready.offset as usize, out.len());
        out.extend_from_slice(ready.data);
    }
}

fn stream(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i * 7 + i / 13) as u8 % 26).collect()
}

#[test]
fn any_segmentation_order_and_retransmission_of_the_same_bytes_yields_the_stream() {
    let mut rng = Rng(0x243f_6a88_85a3_08d3);
    for round in 0..300 {
        let data = stream(1 + rng.below(6000));
        let max = 1 + rng.below(1500);
        let segs = segments(&mut rng, &data, max, false);
        let policy = OverlapPolicy::ALL[round % OverlapPolicy::ALL.len()];
        let isn = rng.next() as u32;
        let mut r = reassembler(policy, isn);
        let mut out = Vec::new();
        // drain at random moments: delivery timing must not matter
        for (off, bytes) in &segs {
            let ev = r.insert(isn.wrapping_add(1 + *off as u32), bytes);
            assert!(
                !ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA),
                "round {round}: same bytes flagged as different"
            );
            if rng.below(3) == 0 {
                drain(&mut r, &mut out);
            }
        }
        drain(&mut r, &mut out);
        assert!(out == data, "round {round} ({})", policy.name());
    }
}

/// What `First` or `Last` keeps when every segment is buffered before
/// anything is delivered; and whether any segment brought a byte that
/// differed from the one held at that moment.
fn model(len: usize, segs: &[Seg], last_wins: bool) -> (Vec<u8>, bool) {
    let mut held: Vec<Option<u8>> = vec![None; len];
    let mut differed = false;
    for (off, bytes) in segs {
        for (i, &b) in bytes.iter().enumerate() {
            let slot = &mut held[off + i];
            match *slot {
                None => *slot = Some(b),
                Some(old) => {
                    differed |= old != b;
                    if last_wins {
                        *slot = Some(b);
                    }
                }
            }
        }
    }
    (held.into_iter().map(|b| b.unwrap_or(0)).collect(), differed)
}

#[test]
fn overlaps_with_different_bytes_follow_first_and_last_policies() {
    let mut rng = Rng(0x1319_8a2e_0370_7344);
    for round in 0..400 {
        let data = stream(1 + rng.below(3000));
        let max = 1 + rng.below(400);
        let segs = segments(&mut rng, &data, max, true);
        let (policy, last) = if round % 2 == 0 {
            (OverlapPolicy::First, false)
        } else {
            (OverlapPolicy::Last, true)
        };
        let (want, differed) = model(data.len(), &segs, last);
        let isn = rng.next() as u32;
        let mut r = reassembler(policy, isn);
        let mut flagged = false;
        for (off, bytes) in &segs {
            let ev = r.insert(isn.wrapping_add(1 + *off as u32), bytes);
            flagged |= ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA);
        }
        let mut out = Vec::new();
        drain(&mut r, &mut out);
        assert!(out == want, "round {round} ({})", policy.name());
        assert_eq!(flagged, differed, "round {round} ({})", policy.name());
    }
}

#[test]
fn delivered_bytes_never_change_whatever_arrives_later() {
    // Once delivered, a byte stays: later segments with other bytes over
    // delivered data are retransmissions, flagged when they differ.
    let mut rng = Rng(0xa409_3822_299f_31d0);
    for round in 0..300 {
        let data = stream(1 + rng.below(3000));
        let policy = OverlapPolicy::ALL[round % OverlapPolicy::ALL.len()];
        let isn = rng.next() as u32;
        let mut r = reassembler(policy, isn);
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let end = (at + 1 + rng.below(700)).min(data.len());
            r.insert(isn.wrapping_add(1 + at as u32), &data[at..end]);
            at = end;
        }
        drain(&mut r, &mut out);
        assert!(out == data);
        // rewrite a delivered range inside the lookback window
        let lookback = ReassemblyConfig::default().lookback.min(data.len());
        let start = data.len() - 1 - rng.below(lookback);
        let forged = vec![b'#'; data.len() - start];
        let ev = r.insert(isn.wrapping_add(1 + start as u32), &forged);
        assert!(ev.contains(StreamEvents::RETRANSMISSION), "round {round}");
        let differs = data[start..].iter().any(|&b| b != b'#');
        assert_eq!(
            ev.contains(StreamEvents::OVERLAP_DIFFERENT_DATA),
            differs,
            "round {round}"
        );
        drain(&mut r, &mut out);
        assert!(out == data, "round {round}: delivered bytes changed");
    }
}
