//! warden: network intrusion detection and prevention for Snort/Suricata
//! rules.
//!
//! The binary owns the command line, the configuration file and run
//! modes; every protocol and rule detail lives in the library crates
//! (see ARCHITECTURE.md).

mod app_eve;
mod app_glue;
mod app_stats;
mod cli;
mod config;
mod failopen;
mod live;
mod load;
mod profile;
mod reject;
mod run;
mod verdict;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use warden_flow::FlowConfig;
use warden_packet::DecodeOptions;

use crate::cli::{ChecksumMode, Cli};

fn main() -> ExitCode {
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
        if !cli.inline {
            anyhow::bail!("--fail-open applies to the inline bridge: -Q -i A:B --fail-open");
        }
        if let (Some(i), false) = (&ifaces, failopen::is_engine_child()) {
            return failopen::supervise(i);
        }
    }
    let read = match (&cli.read, live) {
        (Some(r), _) => {
            if !r.exists() {
                anyhow::bail!("capture not found: {}", r.display());
            }
            r.clone()
        }
        (None, true) => PathBuf::new(),
        (None, false) => {
            anyhow::bail!("nothing to do: give a capture with -r or interfaces with -i; see --help")
        }
    };
    // verdicts are enforced inline (-Q) and when a capture simulates it
    let ips = cli.simulate_ips || cli.inline;
    let loaded = load::ruleset(cli, &cfg)?;
    load::print_summary(&loaded, cli.verbose);
    if cli.verbose > 1 {
        load::print_all_problems(&loaded);
    }
    let checksum = match cli.checksum {
        Some(m) => m,
        None => match cfg.get_str("pcap-file.checksum-checks").as_deref() {
            Some("no") => ChecksumMode::None,
            _ => ChecksumMode::Auto,
        },
    };
    let flow = FlowConfig {
        midstream: cfg.get_bool("stream.midstream").unwrap_or(false),
        memcap: cfg.get_size("flow.memcap")?.unwrap_or(128 << 20),
        ..FlowConfig::default()
    };
    let log_dir = cli
        .log_dir
        .clone()
        .or_else(|| cfg.get_str("default-log-dir").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    let opts = run::RunOptions {
        captures: read,
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
    };
    match &ifaces {
        Some(i) => live::run(&opts, &loaded, i)?,
        None => run::run(&opts, &loaded)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `-T`: load everything as a start would, list every problem, exit
/// non-zero if any rule failed.
fn test_config(cli: &Cli, cfg: &config::Config) -> Result<ExitCode> {
    let loaded = load::ruleset(cli, cfg)?;
    if cli.json {
        load::print_json(&loaded);
    } else {
        load::print_all_problems(&loaded);
        load::print_summary(&loaded, cli.verbose);
    }
    if loaded.rules_failed() > 0 {
        eprintln!(
            "warden: configuration test failed: {} rule(s) invalid",
            loaded.rules_failed()
        );
        Ok(ExitCode::from(1))
    } else {
        eprintln!("warden: configuration OK");
        Ok(ExitCode::SUCCESS)
    }
}
