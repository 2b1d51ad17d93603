//! `--runmode workers`: a capture processed by N worker threads.
//!
//! One reader (the calling thread) takes the frames in capture order and
//! hands each to the worker that owns its flow, chosen by a symmetric
//! flow hash (both directions of a flow give the same hash), in batches
//! over bounded channels (a full channel makes the reader wait: memory
//! stays bounded). Each worker is a whole pipeline ([`Worker`]) with its
//! own shard of the flow table, stream and app-layer state, defragmenter
//! and detection state; the ruleset is shared read-only. Workers write
//! EVE and fast.log to the same files in whole lines
//! ([`crate::logsink`]); at the end their counters are merged into one
//! stats event.
//!
//! Which worker owns a packet: TCP by its addresses and ports; UDP, ICMP
//! and other protocols, and every IP fragment, by their addresses only
//! (a fragment after the first carries no ports, and the datagram a
//! worker reassembles must land in the same shard as the rest of its
//! flow). A fragmented TCP segment is reassembled by the worker of its
//! address pair, which may not own its TCP flow. Frames without an IP
//! layer go to the first worker.
//!
//! Flow timeouts follow packet time. A single worker sweeps its flow
//! table for timed-out flows at its first packet a second (of packet
//! time) after the last sweep; here the reader decides those sweep points
//! from every packet read and inserts a sweep into every worker's stream
//! at that place, so each worker ends the same flows at the same packet
//! times as a single worker would (a packet arriving just after its
//! flow's timeout joins or starts a flow alike), including workers that
//! get few packets.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use warden_capture::CaptureReader;
use warden_output::{StatsSnapshot, Timestamp};
use warden_packet::{decode, DecodeOptions, LinkType, Packet};

use crate::load::Loaded;
use crate::logsink::{LogSink, SharedLines};
use crate::run::{RunOptions, Tally, Worker};

/// Frames per batch handed to a worker.
const BATCH_FRAMES: usize = 128;
/// Batches waiting per worker before the reader blocks.
const CHANNEL_BATCHES: usize = 16;
/// The reader sends every worker its pending frames (and sweeps) at
/// least this often, in frames read.
const TICK_FRAMES: u64 = 8192;

/// Takes one frame of the input: link type, bytes, original length,
/// timestamp, packet number.
type PushFrame<'a> = dyn FnMut(LinkType, &[u8], u32, Timestamp, u64) -> Result<()> + 'a;

/// One item of a [`Batch`]: a frame, or a flow timeout sweep at a
/// packet time.
enum Item {
    Frame(Frame),
    Sweep(Timestamp),
}

/// One frame inside a [`Batch`].
struct Frame {
    link: LinkType,
    start: usize,
    len: usize,
    orig_len: u32,
    ts: Timestamp,
    index: u64,
}

/// Frames for one worker, their bytes back to back.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    frames: Vec<Item>,
}

/// The worker index of a decoded frame: a hash of its flow that is the
/// same in both directions.
pub(crate) fn worker_of(p: &Packet<'_>, workers: usize) -> usize {
    let (Some(a), Some(b)) = (p.src_ip(), p.dst_ip()) else {
        return 0;
    };
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    let mut mix = |v: u64| {
        h = (h ^ v).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 32;
    };
    for ip in [lo, hi] {
        match ip {
            std::net::IpAddr::V4(v4) => mix(u64::from(u32::from(v4))),
            std::net::IpAddr::V6(v6) => {
                let v = u128::from(v6);
                mix(v as u64);
                mix((v >> 64) as u64);
            }
        }
    }
    if let (Some(t), false) = (&p.tcp, p.is_fragment()) {
        let (x, y) = (t.src_port.min(t.dst_port), t.src_port.max(t.dst_port));
        mix(u64::from(x) << 16 | u64::from(y));
    }
    ((h >> 16) % workers as u64) as usize
}

/// The reader's side: batches per worker, and their channels.
struct Dispatcher {
    senders: Vec<SyncSender<Batch>>,
    returns: Receiver<Batch>,
    pending: Vec<Batch>,
    decode_opts: DecodeOptions,
    since_tick: u64,
    /// Packet time of the next flow timeout sweep (as `FlowTable`'s).
    next_sweep_ns: i64,
}

impl Dispatcher {
    /// A fresh or recycled batch.
    fn empty_batch(&self) -> Batch {
        match self.returns.try_recv() {
            Ok(mut b) => {
                b.bytes.clear();
                b.frames.clear();
                b
            }
            Err(_) => Batch {
                bytes: Vec::with_capacity(BATCH_FRAMES * 1600),
                frames: Vec::with_capacity(BATCH_FRAMES),
            },
        }
    }

    /// Sends worker `i` its pending batch.
    fn send(&mut self, i: usize) -> Result<()> {
        let fresh = self.empty_batch();
        let b = std::mem::replace(&mut self.pending[i], fresh);
        self.senders[i]
            .send(b)
            .map_err(|_| anyhow::anyhow!("worker {i} stopped"))
    }

    fn push(
        &mut self,
        link: LinkType,
        data: &[u8],
        orig_len: u32,
        ts: Timestamp,
        index: u64,
    ) -> Result<()> {
        let now = ts_ns(ts);
        if now >= self.next_sweep_ns {
            // where a single worker would sweep: before this packet
            self.next_sweep_ns = now.saturating_add(1_000_000_000);
            for b in &mut self.pending {
                b.frames.push(Item::Sweep(ts));
            }
        }
        let p = decode(link, data, &self.decode_opts);
        let i = worker_of(&p, self.senders.len());
        let b = &mut self.pending[i];
        b.frames.push(Item::Frame(Frame {
            link,
            start: b.bytes.len(),
            len: data.len(),
            orig_len,
            ts,
            index,
        }));
        b.bytes.extend_from_slice(data);
        if b.frames.len() >= BATCH_FRAMES {
            self.send(i)?;
        }
        self.since_tick += 1;
        if self.since_tick >= TICK_FRAMES {
            self.since_tick = 0;
            for w in 0..self.senders.len() {
                self.send(w)?;
            }
        }
        Ok(())
    }

    /// Sends what is pending and closes the channels.
    fn finish(mut self) -> Result<()> {
        for w in 0..self.senders.len() {
            if !self.pending[w].frames.is_empty() {
                self.send(w)?;
            }
        }
        Ok(())
    }
}

/// What a worker thread hands back at the end.
struct Shard {
    stats: StatsSnapshot,
    tally: Tally,
}

/// Runs `feed` (which pushes every frame of the input) with `threads`
/// workers; returns the merged stats and the workers' tallies.
fn process(
    opts: &RunOptions,
    loaded: &Loaded,
    threads: usize,
    time_stages: bool,
    feed: impl FnOnce(&mut PushFrame<'_>) -> Result<()>,
) -> Result<(StatsSnapshot, Tally, Instant)> {
    std::fs::create_dir_all(&opts.log_dir)
        .with_context(|| format!("cannot create log folder {}", opts.log_dir.display()))?;
    let open = |name: &str| -> Result<Arc<Mutex<File>>> {
        let path = opts.log_dir.join(name);
        let f = if opts.append_logs {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
        } else {
            File::create(&path)
        }
        .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Arc::new(Mutex::new(f)))
    };
    let (eve_file, fast_file) = (open("eve.json")?, open("fast.log")?);
    let started = Instant::now();
    let (ret_tx, ret_rx) = std::sync::mpsc::channel::<Batch>();
    let hosts = warden_detect::HostState::default();
    let results: Vec<Result<Shard>> = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for n in 0..threads {
            let (tx, rx) = sync_channel::<Batch>(CHANNEL_BATCHES);
            senders.push(tx);
            let ret = ret_tx.clone();
            let hosts = hosts.clone();
            let (eve, fast) = (
                LogSink::Shared(SharedLines::new(Arc::clone(&eve_file))),
                LogSink::Shared(SharedLines::new(Arc::clone(&fast_file))),
            );
            let handle = std::thread::Builder::new()
                .name(format!("W#{n:02}"))
                .spawn_scoped(scope, move || -> Result<Shard> {
                    let mut w = Worker::with_logs(opts, loaded, eve, fast);
                    w.share_hosts(hosts);
                    w.sweeps_from_reader = true;
                    if time_stages {
                        w.time_stages();
                    }
                    for batch in rx {
                        for item in &batch.frames {
                            match item {
                                Item::Frame(f) => {
                                    let data = &batch.bytes[f.start..f.start + f.len];
                                    w.wire_packet(f.link, data, f.orig_len, f.ts, f.index)?;
                                }
                                Item::Sweep(ts) => w.expire(ts_ns(*ts), *ts)?,
                            }
                        }
                        // the reader reuses it; gone when the reader is done
                        let _ = ret.send(batch);
                    }
                    let stats = w.finish_flows(started, &[])?;
                    Ok(Shard {
                        stats,
                        tally: w.tally(),
                    })
                })
                .expect("spawn worker thread");
            handles.push(handle);
        }
        drop(ret_tx);
        let mut d = Dispatcher {
            pending: (0..threads).map(|_| Batch::default()).collect(),
            senders,
            returns: ret_rx,
            decode_opts: DecodeOptions {
                checksum_validation: false,
            },
            since_tick: 0,
            next_sweep_ns: i64::MIN,
        };
        let fed =
            feed(&mut |link, data, orig_len, ts, index| d.push(link, data, orig_len, ts, index))
                .and_then(|()| d.finish());
        // dropping the dispatcher closes the channels: workers finish
        let mut results: Vec<Result<Shard>> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))
            })
            .collect();
        if let Err(e) = fed {
            // a worker that stopped explains itself; else the reader's error
            if results.iter().all(Result::is_ok) {
                results.push(Err(e));
            }
        }
        results
    });
    let mut shards = Vec::new();
    for r in results {
        shards.push(r?);
    }
    let mut stats = StatsSnapshot::default();
    let mut tally = Tally::default();
    for (i, s) in shards.iter().enumerate() {
        if i == 0 {
            stats = s.stats.clone();
        } else {
            merge_stats(&mut stats, &s.stats);
        }
        tally.packets += s.tally.packets;
        tally.bytes += s.tally.bytes;
        tally.alerts += s.tally.alerts;
        tally.flows += s.tally.flows;
        tally.stages.add(&s.tally.stages);
        tally.prefilter_ns += s.tally.prefilter_ns;
        if ts_ns(s.tally.last_ts) > ts_ns(tally.last_ts) {
            tally.last_ts = s.tally.last_ts;
        }
    }
    // one stats event for the run, after every worker's records
    let mut eve = warden_output::EveWriter::new(LogSink::Shared(SharedLines::new(eve_file)));
    eve.stats(tally.last_ts, &stats)?;
    eve.flush()?;
    Ok((stats, tally, started))
}

fn ts_ns(ts: Timestamp) -> i64 {
    ts.secs.saturating_mul(1_000_000_000) + i64::from(ts.nanos)
}

/// Adds one worker's counters to the run's.
fn merge_stats(into: &mut StatsSnapshot, s: &StatsSnapshot) {
    into.uptime = into.uptime.max(s.uptime);
    let (d, o) = (&mut into.decoder, &s.decoder);
    for (a, b) in [
        (&mut d.pkts, o.pkts),
        (&mut d.bytes, o.bytes),
        (&mut d.invalid, o.invalid),
        (&mut d.ipv4, o.ipv4),
        (&mut d.ipv6, o.ipv6),
        (&mut d.ethernet, o.ethernet),
        (&mut d.tcp, o.tcp),
        (&mut d.udp, o.udp),
        (&mut d.icmpv4, o.icmpv4),
        (&mut d.icmpv6, o.icmpv6),
        (&mut d.vlan, o.vlan),
        (&mut d.vlan_qinq, o.vlan_qinq),
    ] {
        *a += b;
    }
    merge_named(&mut d.events, &o.events);
    let (f, o) = (&mut into.flow, &s.flow);
    for (a, b) in [
        (&mut f.total, o.total),
        (&mut f.tcp, o.tcp),
        (&mut f.udp, o.udp),
        (&mut f.icmpv4, o.icmpv4),
        (&mut f.icmpv6, o.icmpv6),
    ] {
        *a += b;
    }
    f.memuse = match (f.memuse, o.memuse) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    let (t, o) = (&mut into.detect, &s.detect);
    t.alert += o.alert;
    t.alert_queue_overflow += o.alert_queue_overflow;
    t.alerts_suppressed += o.alerts_suppressed;
    merge_named(&mut into.counters, &s.counters);
}

/// Sums counters by name, keeping the order of first appearance.
fn merge_named(into: &mut Vec<(&'static str, u64)>, from: &[(&'static str, u64)]) {
    for &(k, v) in from {
        match into.iter_mut().find(|(n, _)| *n == k) {
            Some((_, n)) => *n += v,
            None => into.push((k, v)),
        }
    }
}

/// `-r` with `--runmode workers`: the capture files in order, read on
/// this thread and processed by `opts.threads` workers.
pub fn run(opts: &RunOptions, loaded: &Loaded, files: &[PathBuf]) -> Result<()> {
    if opts.profile_rules {
        anyhow::bail!("--profile-rules accounts one worker: run it without --runmode workers");
    }
    let (stats, _, started) = process(opts, loaded, opts.threads, false, |push| {
        read_files(files, push)
    })?;
    crate::run::print_run_summary(&stats, started.elapsed().as_secs_f64());
    Ok(())
}

/// Reads the capture files, pushing every frame; a damaged record ends
/// its file with a warning (as a one-worker run does), a file that cannot
/// be opened is an error.
fn read_files(files: &[PathBuf], push: &mut PushFrame<'_>) -> Result<()> {
    for file in files {
        let mut reader = CaptureReader::open(file).map_err(|e| anyhow::anyhow!("{e}"))?;
        loop {
            match reader.next_packet() {
                Ok(Some(raw)) => push(
                    raw.link,
                    raw.data,
                    raw.orig_len,
                    Timestamp {
                        secs: raw.ts.secs,
                        nanos: raw.ts.nanos,
                    },
                    raw.index,
                )?,
                Ok(None) => break,
                Err(e) => {
                    eprintln!(
                        "warden: warning: {e}; the packets before it were processed and logged"
                    );
                    break;
                }
            }
        }
    }
    Ok(())
}

/// `warden bench --threads N`: the in-memory capture through N workers,
/// with stage timing.
pub(crate) fn process_mem(
    opts: &RunOptions,
    loaded: &Loaded,
    cap: &crate::bench::MemCapture,
    repeat: u32,
    threads: usize,
) -> Result<Tally> {
    let (_, tally, _) = process(opts, loaded, threads, true, |push| {
        cap.replay(repeat, |link, data, orig_len, ts, index| {
            push(link, data, orig_len, ts, index)
        })
    })?;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_packet::build;

    #[test]
    fn both_directions_of_a_flow_go_to_the_same_worker() {
        let a = std::net::Ipv4Addr::new(10, 0, 0, 1);
        let b = std::net::Ipv4Addr::new(198, 51, 100, 7);
        let mut spread = [0usize; 4];
        for port in 1000..1400u16 {
            let there = build::tcp_v4(a, b, port, 80, 1, 0, 0x02, b"");
            let back = build::tcp_v4(b, a, 80, port, 1, 0, 0x12, b"");
            let opts = DecodeOptions::default();
            let p = decode(LinkType::Ethernet, &there, &opts);
            let q = decode(LinkType::Ethernet, &back, &opts);
            let w = worker_of(&p, 4);
            assert_eq!(w, worker_of(&q, 4));
            spread[w] += 1;
        }
        // TCP flows of one host pair still spread over the workers
        assert!(spread.iter().all(|&n| n > 50), "{spread:?}");
    }

    #[test]
    fn udp_and_frameless_packets_have_a_home() {
        let a = std::net::Ipv4Addr::new(10, 0, 0, 1);
        let b = std::net::Ipv4Addr::new(10, 0, 0, 2);
        let opts = DecodeOptions::default();
        let w: Vec<usize> = (1..50u16)
            .map(|port| {
                let f = build::udp_v4(a, b, port, 53, b"x");
                worker_of(&decode(LinkType::Ethernet, &f, &opts), 3)
            })
            .collect();
        // by addresses only: every datagram of the pair on one worker
        assert!(w.iter().all(|&x| x == w[0]));
        let junk = decode(LinkType::Ethernet, &[0u8; 10], &opts);
        assert_eq!(worker_of(&junk, 3), 0);
    }
}
