//! `warden audit`: a static analysis of a ruleset and its configuration
//! that says, before anything is enforced, where enforcement goes blind
//! (pass rules), where it is blunt (port-only blocks of encrypted
//! services), who answers for it (owners, expiry), whether its targets
//! need it (CVE rules against the asset inventory) and which rules cannot
//! work (duplicates, impossible conditions). Findings carry file:line and
//! a severity; the exit status gates CI pipelines (`--fail-on`).
//!
//! The parts: [`policy`] reads the ruleset as a start would, [`inventory`]
//! the assets, [`checks`] holds one module per concern, [`finding`] the
//! report.

mod checks;
mod date;
mod finding;
mod overlap;
mod policy;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{ArgAction, Parser};

use crate::config::Config;
use crate::inventory::Inventory;
use date::Date;
use finding::Severity;
use policy::Policy;

#[derive(Parser, Debug)]
#[command(
    name = "warden audit",
    about = "Static audit of a ruleset and config: blind spots, blunt blocks, owners, \
             CVE relevance, rules that cannot work",
    after_help = "Severities, lowest first: info, low, medium, high (docs/audit.md lists every \
                  finding kind).\nExit status: 0 no finding at or above --fail-on, 1 some, 2 the \
                  audit could not run."
)]
struct AuditCli {
    /// Configuration (rule-files, vars, action-order, require-owner).
    #[arg(short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,

    /// Rule file to audit; replaces the config's rule-files (repeatable).
    #[arg(short = 'S', value_name = "FILE", action = ArgAction::Append)]
    exclusive_rules: Vec<PathBuf>,

    /// Rule file to audit beside the config's rule-files (repeatable).
    #[arg(short = 's', value_name = "FILE", action = ArgAction::Append)]
    extra_rules: Vec<PathBuf>,

    /// Override a config value: --set require-owner=true
    #[arg(long = "set", value_name = "KEY=VALUE", action = ArgAction::Append)]
    set: Vec<String>,

    /// Asset inventory (YAML, or CSV by its .csv extension): enables the
    /// CVE checks.
    #[arg(long = "inventory", value_name = "FILE")]
    inventory: Option<PathBuf>,

    /// Print {"findings": [...]} on stdout instead of text lines.
    #[arg(long = "json")]
    json: bool,

    /// Exit 1 when a finding of this severity or higher exists: info,
    /// low, medium, high, or never.
    #[arg(long = "fail-on", value_name = "SEVERITY", default_value = "high")]
    fail_on: String,

    /// The day expiry dates are compared with (YYYY-MM-DD; default: today,
    /// UTC), e.g. to see what will have expired by a release date.
    #[arg(long = "today", value_name = "DATE")]
    today: Option<String>,
}

/// Writes the report on standard output.
fn print_findings(findings: &[finding::Finding], json: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let doc = serde_json::json!({
            "findings": findings.iter().map(finding::Finding::to_json).collect::<Vec<_>>(),
        });
        writeln!(out, "{doc}")?;
    } else {
        for f in findings {
            writeln!(out, "{f}")?;
        }
    }
    out.flush()
}

/// Entry point for `warden audit ARGS...`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let cli = AuditCli::parse_from(std::iter::once(OsString::from("warden audit")).chain(args));
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("warden audit: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &AuditCli) -> Result<ExitCode> {
    let start = Instant::now();
    let fail_on = match cli.fail_on.as_str() {
        "never" => None,
        s => Some(Severity::parse(s).with_context(|| {
            format!("--fail-on: unknown severity '{s}' (info, low, medium, high, never)")
        })?),
    };
    let today = match &cli.today {
        Some(t) => Date::parse(t).with_context(|| format!("--today: '{t}' is not YYYY-MM-DD"))?,
        None => Date::today(),
    };
    let mut cfg = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    for s in &cli.set {
        cfg.set(s)?;
    }
    let mut files = if cli.exclusive_rules.is_empty() {
        cfg.rule_files()
    } else {
        cli.exclusive_rules.clone()
    };
    files.extend(cli.extra_rules.iter().cloned());
    if cli.config.is_none() && files.is_empty() {
        bail!("nothing to audit: give a config (-c proposed.yaml) or rules (-S rules.rules)");
    }
    let inventory = cli.inventory.as_deref().map(Inventory::load).transpose()?;
    let policy = Policy::load(&cfg, &files)?;
    let findings = checks::run_all(
        &policy,
        &checks::Context {
            today,
            inventory: inventory.as_ref(),
        },
    );
    // a reader that stops early (`| head`) ends the listing, not the audit
    let _ = print_findings(&findings, cli.json);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|&s| format!("{} {s}", count(s)))
        .collect();
    eprintln!(
        "warden audit: {} finding(s) ({}) over {} rule(s) in {} file(s){}; {:.2} s",
        findings.len(),
        by_severity.join(", "),
        policy.rules.len(),
        policy.files.len(),
        inventory
            .as_ref()
            .map(|i| format!(", {} inventoried asset(s)", i.assets.len()))
            .unwrap_or_default(),
        start.elapsed().as_secs_f64()
    );
    let failing = fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
