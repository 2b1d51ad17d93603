//! `warden impact`: what a proposed blocking policy would have done to
//! recorded traffic. The captures are replayed through the policy by the
//! very worker `--simulate-ips` runs (`run::run_observed`), carrying a
//! [`collect::Collector`] that notes every blocked alert and dropped
//! packet per flow; [`report`] turns that into flows and bytes by rule,
//! service and client (against a baseline policy: only what changes),
//! printed as a table, written as JSON (`--json`) and as a
//! self-contained HTML page with plots ([`html`], `--html`).

mod collect;
mod html;
mod report;

pub(crate) use collect::{Collector, Seen};

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{ArgAction, Parser};

use crate::cli::{ChecksumMode, Cli};
use report::Report;

#[derive(Parser, Debug)]
#[command(
    name = "warden impact",
    about = "Replay captures through a proposed blocking policy (as --simulate-ips does) and \
             report what it would have blocked: flows and bytes by rule, service and client, \
             established sessions cut, and against a baseline only what changes",
    after_help = "Example: warden impact -r last-week/ -S proposed.rules --baseline-rules current.rules --json impact.json --html impact.html\n\
                  docs/impact.md describes every figure."
)]
struct ImpactCli {
    /// Capture file (pcap/pcapng) or a folder of them.
    #[arg(short = 'r', value_name = "PATH")]
    read: PathBuf,

    /// Proposed configuration (rule-files, vars, ...).
    #[arg(short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Proposed rule file; replaces the config's rule-files (repeatable).
    #[arg(short = 'S', value_name = "FILE", action = ArgAction::Append)]
    exclusive_rules: Vec<PathBuf>,

    /// Rule file loaded beside the config's rule-files (repeatable).
    #[arg(short = 's', value_name = "FILE", action = ArgAction::Append)]
    extra_rules: Vec<PathBuf>,

    /// Override a config value (both policies): --set vars.address-groups.HOME_NET=10.0.0.0/8
    #[arg(long = "set", value_name = "KEY=VALUE", action = ArgAction::Append)]
    set: Vec<String>,

    /// The policy in force today (a config); report only what changes.
    #[arg(long = "baseline", value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// The rules in force today (repeatable); report only what changes.
    #[arg(long = "baseline-rules", value_name = "FILE", action = ArgAction::Append)]
    baseline_rules: Vec<PathBuf>,

    /// Write the report as JSON to this file ("-": standard output).
    #[arg(long = "json", value_name = "FILE")]
    json: Option<PathBuf>,

    /// Write a self-contained HTML report with plots to this file.
    #[arg(long = "html", value_name = "FILE")]
    html: Option<PathBuf>,

    /// Keep the replay's eve.json and fast.log in this folder (the
    /// baseline's in DIR/baseline); by default they are discarded.
    #[arg(short = 'l', value_name = "DIR")]
    log_dir: Option<PathBuf>,

    /// Checksum validation, as for a run.
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    checksum: Option<ChecksumMode>,

    /// Asset inventory: CVE drop rules enforce only toward vulnerable
    /// assets (as `warden --inventory`), in both policies.
    #[arg(long = "inventory", value_name = "FILE")]
    inventory: Option<PathBuf>,

    /// Rows per table on the terminal and bars per plot.
    #[arg(long = "top", value_name = "N", default_value_t = 15)]
    top: usize,
}

/// Entry point for `warden impact ARGS...`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let cli = ImpactCli::parse_from(std::iter::once(OsString::from("warden impact")).chain(args));
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warden impact: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `2023-11-14T22:13:21.899448+0000`, as EVE writes times.
pub(crate) fn iso_time(ns: i64) -> String {
    let mut out = Vec::with_capacity(32);
    warden_output::Timestamp {
        secs: ns.div_euclid(1_000_000_000),
        nanos: ns.rem_euclid(1_000_000_000) as u32,
    }
    .write_iso(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A run command line for one policy, as `warden -r ... --simulate-ips`
/// would be given.
fn policy_cli(
    cli: &ImpactCli,
    config: Option<PathBuf>,
    exclusive: Vec<PathBuf>,
    log_dir: PathBuf,
) -> Cli {
    let mut run = Cli::parse_from(["warden"]);
    run.read = Some(cli.read.clone());
    run.config = config;
    run.exclusive_rules = exclusive;
    run.extra_rules = cli.extra_rules.clone();
    run.set = cli.set.clone();
    run.checksum = cli.checksum;
    run.log_dir = Some(log_dir);
    run.simulate_ips = true;
    run.inventory = cli.inventory.clone();
    run
}

/// Progress on standard error: a bar redrawn in place on a terminal,
/// a line every quarter otherwise.
struct ProgressBar {
    label: &'static str,
    tty: bool,
    shown: u64,
}

impl ProgressBar {
    fn new(label: &'static str) -> Self {
        ProgressBar {
            label,
            tty: std::io::stderr().is_terminal(),
            shown: u64::MAX,
        }
    }

    fn update(&mut self, p: crate::run::Progress) {
        let pct = (p.read.min(p.total) * 100)
            .checked_div(p.total)
            .unwrap_or(100);
        let step = if self.tty { pct } else { pct / 25 * 25 };
        if step == self.shown {
            return;
        }
        self.shown = step;
        let mut err = std::io::stderr().lock();
        if self.tty {
            let filled = (pct / 4) as usize;
            let _ = write!(
                err,
                "\rwarden impact: replaying {} [{}{}] {pct:3}%",
                self.label,
                "#".repeat(filled),
                ".".repeat(25 - filled)
            );
            if pct == 100 {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "warden impact: replaying {}: {step}%", self.label);
        }
    }
}

/// Replays the captures through one policy and returns what it blocked.
fn replay(label: &'static str, run_cli: &Cli) -> Result<Collector> {
    let cfg = crate::load::config(run_cli)?;
    let loaded = crate::load::ruleset(run_cli, &cfg)
        .with_context(|| format!("loading the {label} policy"))?;
    eprintln!("warden impact: the {label} policy:");
    crate::load::print_summary(&loaded, 0);
    let opts = crate::run_options(
        run_cli,
        &cfg,
        run_cli.read.clone().unwrap_or_default(),
        false,
    )?;
    let mut bar = ProgressBar::new(label);
    let observers = crate::run::Observers {
        impact: Some(Collector::default()),
        ..Default::default()
    };
    let collected = crate::run::run_observed(&opts, &loaded, observers, &mut |p| bar.update(p))?;
    Ok(collected.impact.unwrap_or_default())
}

/// A scratch log folder removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn run(cli: &ImpactCli) -> Result<()> {
    if !cli.read.exists() {
        bail!("capture not found: {}", cli.read.display());
    }
    if cli.config.is_none() && cli.exclusive_rules.is_empty() && cli.extra_rules.is_empty() {
        bail!(
            "no policy: give the proposed config (-c proposed.yaml) or rules (-S proposed.rules)"
        );
    }
    let scratch = match &cli.log_dir {
        Some(_) => None,
        None => Some(Scratch(
            std::env::temp_dir().join(format!("warden-impact-{}", std::process::id())),
        )),
    };
    let logs = cli
        .log_dir
        .clone()
        .or_else(|| scratch.as_ref().map(|s| s.0.clone()))
        .unwrap_or_default();
    let proposed = replay(
        "proposed",
        &policy_cli(
            cli,
            cli.config.clone(),
            cli.exclusive_rules.clone(),
            logs.clone(),
        ),
    )?;
    let with_baseline = cli.baseline.is_some() || !cli.baseline_rules.is_empty();
    let report = if with_baseline {
        // the baseline config, else the proposed one; the baseline rules,
        // else the baseline config's (or, with no baseline config, the
        // proposed -S files)
        let config = cli.baseline.clone().or_else(|| cli.config.clone());
        let rules = if !cli.baseline_rules.is_empty() {
            cli.baseline_rules.clone()
        } else if cli.baseline.is_some() {
            Vec::new()
        } else {
            cli.exclusive_rules.clone()
        };
        let baseline = replay(
            "baseline",
            &policy_cli(cli, config, rules, logs.join("baseline")),
        )?;
        Report::against(&proposed, &baseline)
    } else {
        Report::single(&proposed)
    };
    if let Some(path) = &cli.json {
        let mut text = report.to_json().to_string();
        text.push('\n');
        write_file(path, &text)?;
    }
    if let Some(path) = &cli.html {
        let title = format!("warden impact: {}", cli.read.display());
        write_file(path, &html::render(&report, &title, cli.top))?;
    }
    // the table goes to standard output unless the JSON does
    if cli.json.as_deref() != Some(Path::new("-")) {
        let mut out = std::io::stdout().lock();
        // a reader that stops early (`| head`) ends the table, not the run
        let _ = out.write_all(report.to_text(cli.top).as_bytes());
        let _ = out.flush();
    }
    Ok(())
}
