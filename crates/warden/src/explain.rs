//! `warden explain -r capture --sid N [--flow A-B]`: why a rule did, or
//! did not, fire on a flow. The capture runs through the ordinary worker
//! (as `warden -r`, or `--simulate-ips`) with the engine's explain probe
//! attached ([`warden_detect::explain`]); for each packet (or transaction)
//! of the flows it admits the probe notes the step that decided the rule:
//! the flow already passed, protocol detection, the header, flow state, a
//! buffer that was absent, the first option of a chain that did not
//! match, the prefilter, a threshold, a pass rule that ended inspection
//! first — or that it fired. A rule that did not load says why instead.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{ArgAction, Parser};
use warden_detect::explain::{describe, ExplainProbe, FlowFilter, ProbeEvent, Step};
use warden_detect::Sig;

use crate::cli::{ChecksumMode, Cli};

#[derive(Parser, Debug)]
#[command(
    name = "warden explain",
    about = "Say why a rule did or did not fire on the flows of a capture: which step of \
             inspection decided it, packet by packet",
    after_help = "Flows: --flow 10.0.0.1:40000-10.0.0.2:80 (either order; a port may be left \
                  out: 10.0.0.1-10.0.0.2; IPv6 as [2001:db8::1]:443)."
)]
struct ExplainCli {
    /// Capture file (pcap/pcapng) or a folder of them.
    #[arg(short = 'r', value_name = "PATH")]
    read: PathBuf,

    /// The rule's sid.
    #[arg(long = "sid", value_name = "N")]
    sid: u32,

    /// The rule's gid.
    #[arg(long = "gid", value_name = "N", default_value_t = 1)]
    gid: u32,

    /// Only the packets between these two endpoints, every step shown.
    #[arg(long = "flow", value_name = "A-B")]
    flow: Option<String>,

    /// Configuration file.
    #[arg(short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Rule file; replaces the config's rule-files (repeatable).
    #[arg(short = 'S', value_name = "FILE", action = ArgAction::Append)]
    exclusive_rules: Vec<PathBuf>,

    /// Rule file beside the config's rule-files (repeatable).
    #[arg(short = 's', value_name = "FILE", action = ArgAction::Append)]
    extra_rules: Vec<PathBuf>,

    /// Override a config value.
    #[arg(long = "set", value_name = "KEY=VALUE", action = ArgAction::Append)]
    set: Vec<String>,

    /// Checksum validation, as for a run.
    #[arg(short = 'k', value_enum, value_name = "MODE")]
    checksum: Option<ChecksumMode>,

    /// Replay as if inline (a dropped flow is not inspected further).
    #[arg(long = "simulate-ips")]
    simulate_ips: bool,

    /// Flows listed per decisive step without --flow.
    #[arg(long = "top", value_name = "N", default_value_t = 5)]
    top: usize,
}

/// Entry point for `warden explain ARGS...`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let cli = ExplainCli::parse_from(std::iter::once(OsString::from("warden explain")).chain(args));
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warden explain: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// One endpoint: `10.0.0.1`, `10.0.0.1:80`, `[2001:db8::1]:443`, `2001:db8::1`.
fn parse_endpoint(s: &str) -> Option<(IpAddr, Option<u16>)> {
    let s = s.trim();
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some((a, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (a, tail) = rest.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if tail.is_empty() => None,
            None => return None,
        };
        return Some((a.parse().ok()?, port));
    }
    let (a, p) = s.rsplit_once(':')?;
    Some((a.parse().ok()?, Some(p.parse().ok()?)))
}

/// `A-B`, `A B`, `A->B` or `A,B`.
fn parse_flow(s: &str) -> Result<FlowFilter> {
    let t = s.replace("->", " ").replace("<>", " ");
    let parts: Vec<&str> = if t.contains(char::is_whitespace) {
        t.split_whitespace().collect()
    } else if t.contains(',') {
        t.split(',').collect()
    } else {
        // the dash between the endpoints (IPv6 addresses hold no dash)
        t.splitn(2, '-').collect()
    };
    let [a, b] = parts.as_slice() else {
        bail!("--flow '{s}': expected two endpoints, e.g. 10.0.0.1:40000-10.0.0.2:80");
    };
    match (parse_endpoint(a), parse_endpoint(b)) {
        (Some(a), Some(b)) => Ok(FlowFilter { a, b }),
        _ => {
            bail!("--flow '{s}': expected ADDR[:PORT]-ADDR[:PORT], e.g. 10.0.0.1:40000-10.0.0.2:80")
        }
    }
}

fn endpoint(e: Option<(IpAddr, Option<u16>)>) -> String {
    match e {
        Some((IpAddr::V6(a), Some(p))) => format!("[{a}]:{p}"),
        Some((a, Some(p))) => format!("{a}:{p}"),
        Some((a, None)) => a.to_string(),
        None => "-".into(),
    }
}

/// `client -> server` of a flow, from one of its events.
fn flow_label(e: &ProbeEvent) -> String {
    let (c, s) = if e.to_server == Some(false) {
        (e.dst, e.src)
    } else {
        (e.src, e.dst)
    };
    format!("{} -> {}", endpoint(c), endpoint(s))
}

fn where_(e: &ProbeEvent) -> String {
    let dir = match e.to_server {
        Some(true) => " to_server",
        Some(false) => " to_client",
        None => "",
    };
    match e.tx {
        Some(tx) => format!("packet {}{dir}, transaction {tx}", e.packet),
        None => format!("packet {}{dir}", e.packet),
    }
}

/// Why a sid is not in the engine: not loaded (with the reason), or unknown.
fn not_loaded(loaded: &crate::load::Loaded, gid: u32, sid: u32) -> String {
    if let Some(r) = loaded.report.rejected.iter().find(|r| r.sid == sid) {
        return format!("sid {sid} did not load, so it never fires: {r}");
    }
    if let Some(d) = loaded.parse_errors.iter().find(|d| d.sid == Some(sid)) {
        return format!("sid {sid} did not parse, so it never fires: {d}");
    }
    format!("no rule with gid {gid} sid {sid} in the loaded files")
}

fn rule_line(sig: &Sig) -> String {
    let m = &sig.meta;
    let kind = if sig.tx_rule {
        "inspected per transaction"
    } else {
        "inspected per packet"
    };
    format!(
        "sid {} rev {} \"{}\" ({}:{}), action {}, {kind}",
        m.sid,
        m.rev,
        m.msg,
        m.file,
        m.line,
        sig.action.name()
    )
}

fn run(cli: &ExplainCli) -> Result<()> {
    if !cli.read.exists() {
        bail!("capture not found: {}", cli.read.display());
    }
    let only = cli.flow.as_deref().map(parse_flow).transpose()?;
    let mut run_cli = Cli::parse_from(["warden"]);
    run_cli.read = Some(cli.read.clone());
    run_cli.config = cli.config.clone();
    run_cli.exclusive_rules = cli.exclusive_rules.clone();
    run_cli.extra_rules = cli.extra_rules.clone();
    run_cli.set = cli.set.clone();
    run_cli.checksum = cli.checksum;
    run_cli.simulate_ips = cli.simulate_ips;
    let cfg = crate::load::config(&run_cli)?;
    let loaded = crate::load::ruleset(&run_cli, &cfg)?;
    let engine = &loaded.engine;
    let Some(rule) = (0..engine.len() as u32)
        .find(|&i| engine.sig(i).meta.sid == cli.sid && engine.sig(i).meta.gid == cli.gid)
    else {
        println!("{}", not_loaded(&loaded, cli.gid, cli.sid));
        return Ok(());
    };
    let scratch = std::env::temp_dir().join(format!("warden-explain-{}", std::process::id()));
    run_cli.log_dir = Some(scratch.clone());
    let opts = crate::run_options(&run_cli, &cfg, cli.read.clone(), false)?;
    let observers = crate::run::Observers {
        probe: Some(Box::new(ExplainProbe::new(rule, only))),
        ..Default::default()
    };
    let result = crate::run::run_observed(&opts, &loaded, observers, &mut |_| {});
    let _ = std::fs::remove_dir_all(&scratch);
    let probe = result?
        .probe
        .unwrap_or_else(|| Box::new(ExplainProbe::new(rule, only)));
    let sig = engine.sig(rule);
    let text = if only.is_some() {
        trace(sig, &probe.events, &probe.passes)
    } else {
        summary(sig, &probe.events, &probe.passes, cli.top)
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(())
}

/// Events by flow (packets without a flow under `None`), in capture order.
fn by_flow(events: &[ProbeEvent]) -> BTreeMap<Option<u64>, Vec<&ProbeEvent>> {
    let mut m: BTreeMap<Option<u64>, Vec<&ProbeEvent>> = BTreeMap::new();
    for e in events {
        m.entry(e.flow_id).or_default().push(e);
    }
    m
}

/// The event that explains a flow: the first firing, else the pass rule
/// that took the flow, else the furthest step.
fn decisive<'a>(evs: &[&'a ProbeEvent]) -> &'a ProbeEvent {
    evs.iter()
        .find(|e| e.step.matched())
        .or_else(|| evs.iter().find(|e| e.step == Step::FlowPassed))
        .or_else(|| evs.iter().max_by_key(|e| e.step.progress()))
        .copied()
        .expect("a flow has events")
}

/// A step's sentence, naming the pass rule that took a passed flow.
fn say(step: &Step, sig: &Sig, flow: Option<u64>, passes: &[(u64, u32)]) -> String {
    match (step, flow.and_then(|f| passes.iter().find(|p| p.0 == f))) {
        (Step::FlowPassed, Some((_, sid))) => {
            format!("not inspected: pass rule sid {sid} had taken the flow")
        }
        _ => describe(step, sig),
    }
}

/// `--flow`: every packet's step, runs of the same step folded.
fn trace(sig: &Sig, events: &[ProbeEvent], passes: &[(u64, u32)]) -> String {
    let mut out = format!("{}\n", rule_line(sig));
    if events.is_empty() {
        out.push_str(if sig.tx_rule {
            "no transaction of the flow reached the rule (no packet between these endpoints, or \
             no transaction of the rule's protocol was parsed)\n"
        } else {
            "no packet between these endpoints was inspected\n"
        });
        return out;
    }
    for (flow, evs) in by_flow(events) {
        let head = match flow {
            Some(id) => format!("flow {} (flow_id {id})", flow_label(evs[0])),
            None => format!("packets {} (no flow)", flow_label(evs[0])),
        };
        let d = decisive(&evs);
        let verdict = if d.step.matched() {
            format!("{} at {}", say(&d.step, sig, d.flow_id, passes), where_(d))
        } else {
            format!(
                "did not fire; decided at {}: {}",
                where_(d),
                say(&d.step, sig, d.flow_id, passes)
            )
        };
        out.push_str(&format!("{head}: {verdict}\n"));
        let mut i = 0;
        while i < evs.len() {
            let mut j = i + 1;
            while j < evs.len()
                && evs[j].step == evs[i].step
                && evs[j].tx == evs[i].tx
                && evs[j].to_server == evs[i].to_server
            {
                j += 1;
            }
            let at = if j - i > 1 {
                format!(
                    "{} .. packet {} ({} times)",
                    where_(evs[i]),
                    evs[j - 1].packet,
                    j - i
                )
            } else {
                where_(evs[i])
            };
            out.push_str(&format!(
                "  {at}: {}\n",
                say(&evs[i].step, sig, evs[i].flow_id, passes)
            ));
            i = j;
        }
    }
    out
}

/// Without `--flow`: flows where the rule fired, and the others grouped by
/// what decided them.
fn summary(sig: &Sig, events: &[ProbeEvent], passes: &[(u64, u32)], top: usize) -> String {
    let mut out = format!("{}\n", rule_line(sig));
    let flows = by_flow(events);
    let mut fired = Vec::new();
    let mut missed: BTreeMap<String, (u32, Vec<String>)> = BTreeMap::new();
    for evs in flows.values() {
        let d = decisive(evs);
        let label = flow_label(d);
        if d.step.matched() {
            fired.push(format!(
                "{label} ({}: {})",
                where_(d),
                say(&d.step, sig, d.flow_id, passes)
            ));
        } else {
            let e = missed
                .entry(say(&d.step, sig, d.flow_id, passes))
                .or_insert((d.step.progress(), Vec::new()));
            e.1.push(label);
        }
    }
    out.push_str(&format!(
        "{} flow(s) looked at: matched on {}, not on {}\n",
        flows.len(),
        fired.len(),
        flows.len() - fired.len()
    ));
    if !fired.is_empty() {
        out.push_str("\nMatched:\n");
        for f in fired.iter().take(top) {
            out.push_str(&format!("  {f}\n"));
        }
        if fired.len() > top {
            out.push_str(&format!("  ... and {} more\n", fired.len() - top));
        }
    }
    if !missed.is_empty() {
        out.push_str("\nNot matched, by the furthest step reached (furthest first):\n");
        let mut groups: Vec<(String, (u32, Vec<String>))> = missed.into_iter().collect();
        groups.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(b.1 .1.len().cmp(&a.1 .1.len())));
        for (why, (_, labels)) in groups {
            out.push_str(&format!("  {} flow(s): {why}\n", labels.len()));
            for l in labels.iter().take(top) {
                out.push_str(&format!("    {l}\n"));
            }
            if labels.len() > top {
                out.push_str(&format!("    ... and {} more\n", labels.len() - top));
            }
        }
        out.push_str("\nFor one flow packet by packet: --flow CLIENT:PORT-SERVER:PORT\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_specs() {
        let f = parse_flow("10.0.0.1:40000-10.0.0.2:80").unwrap();
        assert_eq!(f.a, ("10.0.0.1".parse().unwrap(), Some(40000)));
        assert_eq!(f.b, ("10.0.0.2".parse().unwrap(), Some(80)));
        let f = parse_flow("10.0.0.1 -> 10.0.0.2").unwrap();
        assert_eq!(f.b, ("10.0.0.2".parse().unwrap(), None));
        let f = parse_flow("[2001:db8::1]:443,[2001:db8::2]:5000").unwrap();
        assert_eq!(f.a, ("2001:db8::1".parse().unwrap(), Some(443)));
        assert!(parse_flow("10.0.0.1").is_err());
        assert!(parse_flow("10.0.0.1:x-10.0.0.2").is_err());
    }
}
