//! `warden bench`: runs a capture through the whole pipeline (decode,
//! flow/stream, app-layer, prefilter and verification, output) and
//! reports throughput, alerts, where the time went per stage, peak
//! memory and what loading the ruleset cost, on stderr and optionally as
//! JSON so runs can be compared.
//!
//! The capture is read into memory before the clock starts, so disk
//! reading is not measured; `--repeat N` replays it N times in one run,
//! each copy shifted in time (capture duration + 2 h, as
//! `pcap-replicate` does) so the flows of one copy have ended before the
//! next begins. Logs go to a temporary folder removed afterwards, or to
//! `-l DIR` when given (to compare alerts).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{ArgAction, Parser};
use warden_capture::{open_captures, CaptureReader};
use warden_output::Timestamp;
use warden_packet::LinkType;

use crate::cli::{ChecksumMode, Cli};
use crate::stages::{Stage, StageTimes};

#[derive(Parser, Debug)]
#[command(
    name = "warden bench",
    about = "Benchmark: run a capture (held in memory) through the whole pipeline and report \
             throughput, per-stage time, memory and ruleset load cost",
    after_help = "Example: warden bench -r lab-mixed.pcap -S et.rules --repeat 24 --json bench.json"
)]
struct BenchCli {
    /// Capture file (pcap/pcapng) or folder of them; read into memory first.
    #[arg(short = 'r', value_name = "PATH")]
    read: PathBuf,

    /// Rule file (repeatable); replaces the config's rule-files.
    #[arg(short = 'S', value_name = "FILE", action = ArgAction::Append)]
    exclusive_rules: Vec<PathBuf>,

    /// Rule file in addition to the config's rule-files (repeatable).
    #[arg(short = 's', value_name = "FILE", action = ArgAction::Append)]
    extra_rules: Vec<PathBuf>,

    /// Configuration file (suricata.yaml-style).
    #[arg(short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Override a config value: --set vars.address-groups.HOME_NET=any
    #[arg(long = "set", value_name = "KEY=VALUE", action = ArgAction::Append)]
    set: Vec<String>,

    /// Checksum validation.
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    checksum: Option<ChecksumMode>,

    /// Keep eve.json and fast.log in DIR (default: a temporary folder,
    /// removed at the end).
    #[arg(short = 'l', value_name = "DIR")]
    log_dir: Option<PathBuf>,

    /// Replay the capture N times in one run, each copy shifted in time.
    #[arg(long = "repeat", value_name = "N", default_value_t = 1)]
    repeat: u32,

    /// Write the report as JSON to FILE.
    #[arg(long = "json", value_name = "FILE")]
    json: Option<PathBuf>,

    /// Worker threads (flows spread by a symmetric hash, one reader
    /// dispatching); 1 runs the pipeline on the main thread.
    #[arg(long = "threads", value_name = "N", default_value_t = 1)]
    threads: usize,

    /// Replay as if inline (drop and reject rules block).
    #[arg(long = "simulate-ips")]
    simulate_ips: bool,

    /// More output on stderr.
    #[arg(short = 'v', action = ArgAction::Count)]
    verbose: u8,
}

/// `warden bench ARGS...` (the arguments after `bench`).
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let argv = std::iter::once(OsString::from("warden bench")).chain(args);
    let b = match BenchCli::try_parse_from(argv) {
        Ok(b) => b,
        Err(e) => e.exit(),
    };
    match run(&b) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warden bench: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// One frame of the in-memory capture.
struct MemPacket {
    link: LinkType,
    /// Range of the frame in [`MemCapture::bytes`].
    start: usize,
    len: u32,
    orig_len: u32,
    ts_ns: i64,
    index: u64,
}

/// A capture held in memory: every frame's bytes back to back.
pub(crate) struct MemCapture {
    bytes: Vec<u8>,
    packets: Vec<MemPacket>,
}

impl MemCapture {
    /// Reads every capture at `path` (a file or a folder of them).
    fn load(path: &std::path::Path) -> Result<MemCapture> {
        let files = open_captures(path);
        if files.is_empty() {
            anyhow::bail!("no capture files at {}", path.display());
        }
        let mut cap = MemCapture {
            bytes: Vec::new(),
            packets: Vec::new(),
        };
        for file in &files {
            let mut reader = CaptureReader::open(file).map_err(|e| anyhow::anyhow!("{e}"))?;
            loop {
                match reader.next_packet() {
                    Ok(Some(raw)) => {
                        cap.packets.push(MemPacket {
                            link: raw.link,
                            start: cap.bytes.len(),
                            len: raw.data.len() as u32,
                            orig_len: raw.orig_len,
                            ts_ns: raw.ts.secs * 1_000_000_000 + i64::from(raw.ts.nanos),
                            index: raw.index,
                        });
                        cap.bytes.extend_from_slice(raw.data);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("warden bench: warning: {e}; the packets before it are used");
                        break;
                    }
                }
            }
        }
        if cap.packets.is_empty() {
            anyhow::bail!("no packets in {}", path.display());
        }
        Ok(cap)
    }

    /// Time between copies: the capture's duration plus two hours.
    fn shift_ns(&self) -> i64 {
        let first = self.packets.iter().map(|p| p.ts_ns).min().unwrap_or(0);
        let last = self.packets.iter().map(|p| p.ts_ns).max().unwrap_or(0);
        (last - first) + 7200 * 1_000_000_000
    }

    /// Calls `f` with every frame of `repeat` copies, in order: link,
    /// bytes, original length, shifted timestamp, packet number.
    pub(crate) fn replay(
        &self,
        repeat: u32,
        mut f: impl FnMut(LinkType, &[u8], u32, Timestamp, u64) -> Result<()>,
    ) -> Result<()> {
        let shift = self.shift_ns();
        let n = self.packets.len() as u64;
        for copy in 0..u64::from(repeat) {
            let off = shift * copy as i64;
            for p in &self.packets {
                let t = p.ts_ns + off;
                let ts = Timestamp {
                    secs: t.div_euclid(1_000_000_000),
                    nanos: t.rem_euclid(1_000_000_000) as u32,
                };
                let data = &self.bytes[p.start..p.start + p.len as usize];
                f(p.link, data, p.orig_len, ts, p.index + copy * n)?;
            }
        }
        Ok(())
    }
}

/// Resident memory now and at its peak, in bytes (`/proc/self/status`).
fn memory() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) of the whole process, in seconds.
fn process_cpu_secs() -> f64 {
    // SAFETY: getrusage writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// The 1-minute load average (other work sharing the machine).
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What processing the capture produced.
pub(crate) struct Processed {
    pub packets: u64,
    pub bytes: u64,
    pub alerts: u64,
    pub flows: u64,
    pub stages: StageTimes,
    pub prefilter_ns: u64,
}

fn run(b: &BenchCli) -> Result<()> {
    if b.repeat == 0 {
        anyhow::bail!("--repeat must be at least 1");
    }
    if b.threads == 0 {
        anyhow::bail!("--threads must be at least 1");
    }
    if !b.read.exists() {
        anyhow::bail!("capture not found: {}", b.read.display());
    }
    let mut cli = Cli::parse_from(["warden"]);
    cli.exclusive_rules = b.exclusive_rules.clone();
    cli.extra_rules = b.extra_rules.clone();
    cli.config = b.config.clone();
    cli.set = b.set.clone();
    cli.checksum = b.checksum;
    cli.simulate_ips = b.simulate_ips;
    cli.verbose = b.verbose;
    let temp = match &b.log_dir {
        Some(_) => None,
        None => Some(std::env::temp_dir().join(format!("warden-bench-{}", std::process::id()))),
    };
    cli.log_dir = b.log_dir.clone().or_else(|| temp.clone());
    let cfg = crate::load::config(&cli)?;

    let (rss_before, _) = memory();
    let t = Instant::now();
    let loaded = crate::load::ruleset(&cli, &cfg)?;
    let load_secs = t.elapsed().as_secs_f64();
    let (rss_loaded, _) = memory();
    crate::load::print_summary(&loaded, b.verbose);

    let t = Instant::now();
    let cap = MemCapture::load(&b.read)?;
    let capture_read_secs = t.elapsed().as_secs_f64();
    let capture_bytes = cap.bytes.len() + cap.packets.len() * std::mem::size_of::<MemPacket>();
    let opts = crate::run_options(&cli, &cfg, b.read.clone(), false)?;

    let load1 = load_average();
    let cpu0 = process_cpu_secs();
    let t = Instant::now();
    let result = if b.threads == 1 {
        process_single(&opts, &loaded, &cap, b.repeat)
    } else {
        crate::workers::process_mem(&opts, &loaded, &cap, b.repeat, b.threads).map(|t| Processed {
            packets: t.packets,
            bytes: t.bytes,
            alerts: t.alerts,
            flows: t.flows,
            stages: t.stages,
            prefilter_ns: t.prefilter_ns,
        })
    };
    let secs = t.elapsed().as_secs_f64();
    let cpu = process_cpu_secs() - cpu0;
    let load2 = load_average();
    if let Some(dir) = &temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    let done = result?;
    let (_, peak) = memory();

    let mbit = done.bytes as f64 * 8.0 / secs.max(1e-9) / 1e6;
    let pps = done.packets as f64 / secs.max(1e-9);
    let stage_total = done.stages.total().max(1) as f64;
    let mut stages = serde_json::Map::new();
    let mut split = String::new();
    for s in Stage::ALL {
        let ns = done.stages.get(s);
        if s == Stage::Detect {
            let pre = done.prefilter_ns.min(ns);
            for (name, v) in [("detect_prefilter", pre), ("detect_verify", ns - pre)] {
                stages.insert(name.into(), stage_json(v, stage_total));
                split.push_str(&format!(" {name} {:.1}%", v as f64 * 100.0 / stage_total));
            }
        } else {
            stages.insert(s.name().into(), stage_json(ns, stage_total));
            split.push_str(&format!(
                " {} {:.1}%",
                s.name(),
                ns as f64 * 100.0 / stage_total
            ));
        }
    }
    let mb = |v: u64| v as f64 / (1 << 20) as f64;
    eprintln!(
        "warden bench: {} packets, {} bytes, {} flows, {} alerts in {:.2} s on {} worker(s): \
         {:.1} Mbit/s, {:.0} packets/s (CPU {:.2} s, load average {:.2})",
        done.packets,
        done.bytes,
        done.flows,
        done.alerts,
        secs,
        b.threads,
        mbit,
        pps,
        cpu,
        load1.unwrap_or(0.0),
    );
    eprintln!(
        "warden bench: stages (share of worker time{}):{split}",
        if b.threads > 1 {
            ", summed over workers; capture includes waiting for the reader"
        } else {
            ""
        }
    );
    eprintln!(
        "warden bench: ruleset {} rules loaded in {:.2} s, {:.0} MB; peak RSS {:.0} MB \
         (including the capture held in memory, {:.0} MB)",
        loaded.rules_loaded(),
        load_secs,
        mb(rss_loaded.saturating_sub(rss_before)),
        mb(peak),
        mb(capture_bytes as u64)
    );
    if let Some(path) = &b.json {
        let report = serde_json::json!({
            "capture": b.read.display().to_string(),
            "repeat": b.repeat,
            "threads": b.threads,
            "rules_loaded": loaded.rules_loaded(),
            "packets": done.packets,
            "bytes": done.bytes,
            "flows": done.flows,
            "alerts": done.alerts,
            "seconds": secs,
            "cpu_seconds": cpu,
            "mbit_per_s": mbit,
            "packets_per_s": pps,
            "stages": stages,
            "peak_rss_bytes": peak,
            "capture_in_memory_bytes": capture_bytes,
            "capture_read_seconds": capture_read_secs,
            "ruleset_load_seconds": load_secs,
            "ruleset_rss_bytes": rss_loaded.saturating_sub(rss_before),
            "load_average": [load1, load2],
        });
        let text = serde_json::to_string_pretty(&report)? + "\n";
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn stage_json(ns: u64, total: f64) -> serde_json::Value {
    serde_json::json!({
        "seconds": ns as f64 / 1e9,
        "share": ns as f64 / total,
    })
}

/// One worker on this thread: the pipeline `-r` runs, with stage timing.
fn process_single(
    opts: &crate::run::RunOptions,
    loaded: &crate::load::Loaded,
    cap: &MemCapture,
    repeat: u32,
) -> Result<Processed> {
    let started = Instant::now();
    let mut w = crate::run::Worker::new(opts, loaded)?;
    w.time_stages();
    cap.replay(repeat, |link, data, orig_len, ts, index| {
        w.wire_packet(link, data, orig_len, ts, index)
    })?;
    w.finish(started, &[])?;
    let t = w.tally();
    Ok(Processed {
        packets: t.packets,
        bytes: t.bytes,
        alerts: t.alerts,
        flows: t.flows,
        stages: t.stages,
        prefilter_ns: t.prefilter_ns,
    })
}
