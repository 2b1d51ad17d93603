//! The reload canary: a small capture and the verdicts it must get
//! (config `reload.canary`), run offline through a newly built ruleset on
//! the build thread, before the swap. Any packet whose verdict differs
//! refuses the reload with the packets that differ, so a ruleset that
//! would block what must pass, or pass what must be blocked, never reaches
//! live traffic (the same outcome as swapping and rolling back, without
//! the moment in between).
//!
//! ```yaml
//! reload:
//!   canary:
//!     capture: canary.pcap   # relative to the config file
//!     drop: [4, 9]           # packet numbers (1-based) that must be dropped;
//!                            # every other packet must be accepted
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{bail, Context, Result};
use warden_capture::CaptureReader;
use warden_output::Timestamp;

use crate::config::Config;
use crate::load::Loaded;
use crate::run::{RunOptions, Worker};
use crate::verdict::Verdict;

/// A capture and the packets of it that must be dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Canary {
    capture: PathBuf,
    drop: BTreeSet<u64>,
}

static RUNS: AtomicU32 = AtomicU32::new(0);

impl Canary {
    /// The canary `cfg` names, if any.
    pub(crate) fn from_config(cfg: &Config) -> Result<Option<Canary>> {
        let Some(capture) = cfg.get_str("reload.canary.capture") else {
            if cfg.get("reload.canary").is_some() {
                bail!("reload.canary: needs `capture: FILE` (and `drop: [packet numbers]`)");
            }
            return Ok(None);
        };
        let capture = cfg.resolve(std::path::Path::new(&capture));
        let mut drop = BTreeSet::new();
        match cfg.get("reload.canary.drop") {
            None => {}
            Some(v) => {
                let list = v
                    .as_sequence()
                    .context("reload.canary.drop: expected a list of packet numbers")?;
                for n in list {
                    match n.as_u64().filter(|n| *n > 0) {
                        Some(n) => drop.insert(n),
                        None => {
                            bail!("reload.canary.drop: {n:?} is not a packet number (1, 2, ...)")
                        }
                    };
                }
            }
        }
        Ok(Some(Canary { capture, drop }))
    }

    /// Fails when the capture cannot be opened.
    pub(crate) fn ensure_readable(&self) -> Result<()> {
        CaptureReader::open(&self.capture)
            .map(drop)
            .map_err(|e| anyhow::anyhow!("reload.canary: {e}"))
    }

    /// Runs the capture through `loaded` as an inline engine with the live
    /// run's settings (`live`); an error lists every packet whose verdict
    /// differs from the expected one.
    pub(crate) fn check(&self, loaded: &Loaded, live: &RunOptions) -> Result<()> {
        let dir = std::env::temp_dir().join(format!(
            "warden-canary-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        let opts = RunOptions {
            captures: self.capture.clone(),
            log_dir: dir.clone(),
            ips: true,
            eve: crate::config::EveOptions {
                inline: true,
                ..live.eve
            },
            append_logs: false,
            stats_interval: None,
            prometheus_listen: None,
            profile_rules: false,
            verbose: 0,
            ..live.clone()
        };
        let dropped = run(&self.capture, &opts, loaded);
        let _ = std::fs::remove_dir_all(&dir);
        let (dropped, packets) = dropped?;
        let mut wrong = Vec::new();
        for n in self.drop.difference(&dropped) {
            if *n > packets {
                wrong.push(format!(
                    "packet {n}: expected drop, but the capture has {packets} packets"
                ));
            } else {
                wrong.push(format!("packet {n}: expected drop, got accept"));
            }
        }
        for n in dropped.difference(&self.drop) {
            wrong.push(format!("packet {n}: expected accept, got drop"));
        }
        wrong.sort_by_key(|w| {
            w.split([' ', ':'])
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
        });
        if !wrong.is_empty() {
            bail!(
                "canary {}: {} verdict(s) differ: {}",
                self.capture.display(),
                wrong.len(),
                wrong.join("; ")
            );
        }
        Ok(())
    }
}

/// The packet numbers the ruleset drops, and how many packets there are.
fn run(
    capture: &std::path::Path,
    opts: &RunOptions,
    loaded: &Loaded,
) -> Result<(BTreeSet<u64>, u64)> {
    let mut reader = CaptureReader::open(capture)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("canary capture {}", capture.display()))?;
    let mut w = Worker::new(opts, loaded)?;
    let mut dropped = BTreeSet::new();
    let mut packets = 0;
    while let Some(raw) = reader
        .next_packet()
        .map_err(|e| anyhow::anyhow!("canary capture: {e}"))?
    {
        packets = raw.index;
        let ts = Timestamp {
            secs: raw.ts.secs,
            nanos: raw.ts.nanos,
        };
        w.wire_packet(raw.link, raw.data, raw.orig_len, ts, raw.index)?;
        if w.last_verdict != Verdict::Accept {
            dropped.insert(raw.index);
        }
    }
    Ok((dropped, packets))
}
