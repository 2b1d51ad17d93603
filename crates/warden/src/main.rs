//! warden: network intrusion detection and prevention for Snort/Suricata
//! rules.
//!
//! The binary owns the command line, the configuration file and run
//! modes; every protocol and rule detail lives in the library crates
//! (see ARCHITECTURE.md).

mod app_eve;
mod app_glue;
mod app_stats;
mod audit;
mod bench;
mod bypass;
mod canary;
mod cli;
mod config;
mod control;
mod ctl;
mod explain;
mod failopen;
mod hostcheck;
mod impact;
mod inventory;
mod live;
mod live_control;
mod load;
mod logsink;
mod nfq;
mod owners;
mod profile;
mod prometheus;
mod reject;
mod reload;
mod ruleset;
mod ruleset_commands;
mod run;
mod scope;
mod stages;
mod verdict;
mod workers;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use warden_flow::FlowConfig;
use warden_packet::DecodeOptions;

use crate::cli::{ChecksumMode, Cli};

fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == "ctl") {
        return ctl::main(std::env::args_os().skip(2));
    }
    if std::env::args_os().nth(1).is_some_and(|a| a == "audit") {
        return audit::main(std::env::args_os().skip(2));
    }
    if std::env::args_os().nth(1).is_some_and(|a| a == "bench") {
        return bench::main(std::env::args_os().skip(2));
    }
    if std::env::args_os().nth(1).is_some_and(|a| a == "impact") {
        return impact::main(std::env::args_os().skip(2));
    }
    if std::env::args_os().nth(1).is_some_and(|a| a == "explain") {
        return explain::main(std::env::args_os().skip(2));
    }
    let cli = Cli::parse();
    match real_main(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warden: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn real_main(cli: &Cli) -> Result<ExitCode> {
    let cfg = load::config(cli)?;
    if cli.test_config {
        return test_config(cli, &cfg);
    }
    let live = !cli.interfaces.is_empty();
    let queued = !cli.queues.is_empty();
    if queued && (live || cli.read.is_some() || cli.inline) {
        anyhow::bail!("-q (NFQUEUE) is a mode of its own: give no -r, -i or -Q with it");
    }
    if cli.nfq_fail_closed && !queued {
        anyhow::bail!("--nfq-fail-closed applies to NFQUEUE mode: -q N --nfq-fail-closed");
    }
    if cli.inline && !live {
        anyhow::bail!("-Q (inline) needs interface pairs: -Q -i eth0:eth1");
    }
    if live && cli.read.is_some() {
        anyhow::bail!("give either a capture (-r) or interfaces (-i), not both");
    }
    let ifaces = if live {
        Some(live::parse_interfaces(&cli.interfaces, cli.inline)?)
    } else {
        None
    };
    if cli.fail_open {
        if queued {
            anyhow::bail!(
                "--fail-open is for the AF_PACKET bridge; NFQUEUE fails open in the kernel \
                 (the queue's fail-open flag, on by default, and the firewall rule's `bypass`)"
            );
        }
        if !cli.inline {
            anyhow::bail!("--fail-open applies to the inline bridge: -Q -i A:B --fail-open");
        }
        if let (Some(i), false) = (&ifaces, failopen::is_engine_child()) {
            return failopen::supervise(i);
        }
    }
    // the control socket: --unix-socket, or the config's unix-command
    let socket = cli.unix_socket.clone().or_else(|| {
        cfg.get_bool("unix-command.enabled")
            .unwrap_or(false)
            .then(|| {
                cfg.get_str("unix-command.filename").map_or_else(
                    || PathBuf::from(warden_control::DEFAULT_SOCKET),
                    PathBuf::from,
                )
            })
    });
    if cli.unix_socket.is_some() && !live && !queued {
        anyhow::bail!("--unix-socket applies to live modes (-i, -q)");
    }
    let read = match (&cli.read, live) {
        (Some(r), _) => {
            if !r.exists() {
                anyhow::bail!("capture not found: {}", r.display());
            }
            r.clone()
        }
        (None, true) => PathBuf::new(),
        (None, false) if queued => PathBuf::new(),
        (None, false) => {
            anyhow::bail!(
                "nothing to do: give a capture with -r, interfaces with -i or queues with -q; see --help"
            )
        }
    };
    if live || queued {
        // a canary named wrongly is found at start, not at the first reload
        if let Some(c) = canary::Canary::from_config(&cfg)? {
            c.ensure_readable()?;
        }
    }
    let loaded = load::ruleset(cli, &cfg)?;
    load::print_summary(&loaded, cli.verbose);
    if cli.verbose > 1 {
        load::print_all_problems(&loaded);
    }
    let opts = run_options(cli, &cfg, read, live || queued)?;
    if queued {
        let nfq = nfq::NfqOptions {
            queues: cli.queues.clone(),
            fail_open: !cli.nfq_fail_closed && cfg.get_bool("nfq.fail-open").unwrap_or(true),
            max_len: match cfg.get_str("nfq.queue-maxlen") {
                None => 4096,
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("nfq.queue-maxlen: invalid length '{v}'"))?,
            },
            recv_buffer: cfg.get_size("nfq.buffer-size")?.unwrap_or(8 << 20),
        };
        nfq::run(&opts, &loaded, &nfq, socket.as_deref(), cli)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &ifaces {
        Some(i) => live::run(&opts, &loaded, i, socket.as_deref(), cli)?,
        None => run::run(&opts, &loaded)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `-T` with a reachable control socket (`--unix-socket PATH`, the
/// config's `unix-command`, or the default path if it exists): says what
/// the tested ruleset would change against the running one.
fn diff_against_running(cli: &Cli, cfg: &config::Config, loaded: &load::Loaded) {
    use warden_control::{client::call, Reply, Request};
    let configured = cfg
        .get_bool("unix-command.enabled")
        .unwrap_or(false)
        .then(|| cfg.get_str("unix-command.filename").map(PathBuf::from))
        .flatten();
    let (path, asked) = match (&cli.unix_socket, configured) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(p)) => (p, true),
        (None, None) => (PathBuf::from(warden_control::DEFAULT_SOCKET), false),
    };
    if !asked && !path.exists() {
        return;
    }
    let req = Request::new("rules", &["index"]);
    let running = match call(&path, &req, std::time::Duration::from_secs(10)) {
        Ok(Reply::Ok(v)) => v,
        Ok(Reply::Refused(why)) => {
            eprintln!(
                "warden: note: no ruleset diff: {} refused: {why}",
                path.display()
            );
            return;
        }
        Err(e) => {
            eprintln!("warden: note: no ruleset diff: no running warden answers ({e})");
            return;
        }
    };
    let index = match ruleset::RuleIndex::from_json(&running["index"]) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("warden: note: no ruleset diff: {e}");
            return;
        }
    };
    let diff = ruleset::RulesetDiff::between(&index, &loaded.index);
    let generation = running["generation"].as_u64().unwrap_or(0);
    let hash = running["hash"].as_str().unwrap_or("?");
    if cli.json {
        let mut v = diff.to_json();
        v["type"] = serde_json::json!("diff");
        v["against"] = serde_json::json!({"generation": generation, "hash": hash});
        println!("{v}");
    } else {
        eprintln!(
            "warden: against the running warden (generation {generation}, ruleset {hash}): {}",
            diff.describe().join("\n")
        );
    }
}

/// How often live modes write a `stats` event: Suricata's
/// `stats.interval` (seconds, default 8); `stats.enabled: no` writes one
/// at the end only.
fn stats_interval(cfg: &config::Config) -> Result<Option<std::time::Duration>> {
    if cfg.get_bool("stats.enabled") == Some(false) {
        return Ok(None);
    }
    match cfg.get_str("stats.interval") {
        None => Ok(Some(std::time::Duration::from_secs(8))),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(std::time::Duration::from_secs(n))),
            _ => anyhow::bail!("stats.interval: expected a number of seconds above 0, got '{v}'"),
        },
    }
}

/// The settings of a run from the command line and the config:
/// `captures` to read (empty for live sources), `live` when packets come
/// from interfaces or queues.
pub(crate) fn run_options(
    cli: &Cli,
    cfg: &config::Config,
    captures: PathBuf,
    live: bool,
) -> Result<run::RunOptions> {
    // verdicts are enforced inline (-Q) and when a capture simulates it
    let ips = cli.simulate_ips || cli.inline || !cli.queues.is_empty();
    let checksum = match cli.checksum {
        Some(m) => m,
        None => match cfg.get_str("pcap-file.checksum-checks").as_deref() {
            Some("no") => ChecksumMode::None,
            _ => ChecksumMode::Auto,
        },
    };
    let flow = FlowConfig {
        midstream: cfg.get_bool("stream.midstream").unwrap_or(false),
        async_oneside: cfg.get_bool("stream.async-oneside").unwrap_or(false),
        memcap: cfg.get_size("flow.memcap")?.unwrap_or(128 << 20),
        ..FlowConfig::default()
    };
    let log_dir = cli
        .log_dir
        .clone()
        .or_else(|| cfg.get_str("default-log-dir").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(run::RunOptions {
        captures,
        log_dir,
        decode: DecodeOptions {
            checksum_validation: checksum != ChecksumMode::None,
        },
        flow,
        eve: crate::config::EveOptions {
            inline: ips,
            ..cfg.eve_options()
        },
        verbose: cli.verbose,
        packet_alert_max: cfg
            .get_str("packet-alert-max")
            .and_then(|v| v.parse().ok())
            .unwrap_or(15),
        // inline, stream bytes are inspected as they arrive (Suricata's
        // stream.inline: auto)
        stream_inline: cfg.get_bool("stream.inline").unwrap_or(ips),
        ips,
        // a live engine restarted (fail-open) keeps what it logged before
        append_logs: live,
        reassembly_depth: cfg
            .get_size("stream.reassembly.depth")?
            .map_or(1 << 20, |d| d as u64),
        stream_memcap: cfg
            .get_size("stream.reassembly.memcap")?
            .unwrap_or(256 << 20),
        profile_rules: cli.profile_rules,
        stats_interval: stats_interval(cfg)?,
        prometheus_listen: cfg.get_str("stats.prometheus.listen"),
        threads: if live { 1 } else { threads(cli)? },
    })
}

/// Worker threads for a capture, from `--runmode` and `--threads`.
fn threads(cli: &Cli) -> Result<usize> {
    use crate::cli::RunMode;
    if cli.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    Ok(match (cli.runmode, cli.threads) {
        (Some(RunMode::Single), Some(n)) if n > 1 => {
            anyhow::bail!("--threads {n} needs --runmode workers (single runs one worker)")
        }
        (Some(RunMode::Single), _) => 1,
        (Some(RunMode::Workers | RunMode::Autofp), None) => {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
        (_, Some(n)) => n,
        (None, None) => 1,
    })
}

/// `-T`: load everything as a start would, list every problem, check the
/// host for a live configuration, exit non-zero on any error.
fn test_config(cli: &Cli, cfg: &config::Config) -> Result<ExitCode> {
    let loaded = load::ruleset(cli, cfg)?;
    let unowned = if owners::required(cfg) {
        owners::unowned_blocking_rules(&loaded.engine)
    } else {
        Vec::new()
    };
    if cli.json {
        load::print_json(&loaded, &unowned);
    } else {
        load::print_all_problems(&loaded);
        for p in &unowned {
            eprintln!("{}", p.text);
        }
        load::print_summary(&loaded, cli.verbose);
    }
    let mut host_errors = 0;
    if !cli.interfaces.is_empty() {
        let ifaces = live::parse_interfaces(&cli.interfaces, cli.inline)?;
        for f in hostcheck::check(&ifaces, cli.inline, &hostcheck::ThisHost) {
            let level = if f.error { "error" } else { "warning" };
            host_errors += usize::from(f.error);
            eprintln!("warden: {level}: {}", f.message);
        }
    }
    diff_against_running(cli, cfg, &loaded);
    let enforcing = (0..loaded.engine.len() as u32)
        .filter(|&i| loaded.engine.sig(i).action.blocks())
        .count();
    if enforcing > 0 && !cli.inline && !cli.simulate_ips {
        eprintln!(
            "warden: warning: {enforcing} drop/reject rule(s) loaded but no inline capture \
             configured (-Q -i A:B): they will only alert"
        );
    }
    if loaded.rules_failed() > 0 || host_errors > 0 || !unowned.is_empty() {
        let mut what = Vec::new();
        if loaded.rules_failed() > 0 {
            what.push(format!("{} rule(s) invalid", loaded.rules_failed()));
        }
        if !unowned.is_empty() {
            what.push(format!(
                "{} drop/reject rule(s) without an owner",
                unowned.len()
            ));
        }
        if host_errors > 0 {
            what.push(format!("{host_errors} host problem(s)"));
        }
        eprintln!("warden: configuration test failed: {}", what.join(", "));
        Ok(ExitCode::from(1))
    } else {
        eprintln!("warden: configuration OK");
        Ok(ExitCode::SUCCESS)
    }
}
