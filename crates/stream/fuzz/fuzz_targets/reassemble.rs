//! Feeds an arbitrary sequence of segments, ACKs, FINs and RSTs into a
//! pair of reassemblers and checks the delivery invariants: offsets are
//! contiguous (gaps included), each byte is delivered once, the context
//! ends with the data, and nothing passes the depth.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_stream::{OverlapPolicy, ReassemblyConfig, TcpStreams};

fuzz_target!(|input: &[u8]| {
    let Some((&head, mut rest)) = input.split_first() else {
        return;
    };
    let policy = OverlapPolicy::ALL[usize::from(head) % OverlapPolicy::ALL.len()];
    let cfg = ReassemblyConfig {
        policy,
        depth: if head & 0x80 != 0 { 4096 } else { 0 },
        lookback: 64,
        gap_after: 1024,
        max_ahead: 1 << 16,
    };
    let mut s = TcpStreams::new(cfg, None);
    let mut next = [0u64; 2];
    let mut started = [false; 2];
    // Record: dir|flags (1), seq (4), ack (4), len (1), payload (len).
    while rest.len() >= 10 {
        let flags = rest[0];
        let dir = flags & 0x40 != 0;
        let seq = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]);
        let ack = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]);
        let len = usize::from(rest[9]).min(rest.len() - 10);
        let payload = &rest[10..10 + len];
        rest = &rest[10 + len..];
        s.segment(dir, seq, ack, flags & 0x1f, payload);
        for (i, d) in [true, false].into_iter().enumerate() {
            let r = s.direction(d);
            loop {
                let ready = r.take_ready();
                if ready.is_empty() {
                    break;
                }
                if !started[i] {
                    started[i] = true;
                    next[i] = ready.gap.map_or(ready.offset, |g| g.offset);
                }
                if let Some(g) = ready.gap {
                    assert_eq!(g.offset, next[i]);
                    next[i] += g.len;
                }
                assert_eq!(ready.offset, next[i]);
                assert!(ready.context.ends_with(ready.data));
                next[i] += ready.data.len() as u64;
                if cfg.depth != 0 {
                    assert!(ready.offset + ready.data.len() as u64 <= cfg.depth);
                }
            }
            let (w, off) = r.window(32);
            assert_eq!(off + w.len() as u64, r.delivered().max(off));
        }
    }
});
