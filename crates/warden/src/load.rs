//! Loading a ruleset as a start would: config → variables → rule files →
//! parse → compile, with a summary that accounts for every rule (loaded,
//! rejected with a reason, or commented out) grouped by cause.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use warden_detect::{Engine, LoadReport, RejectionKind};
use warden_rules::{load_rule_files, Classifications, Diagnostic, Vars};

use crate::cli::Cli;
use crate::config::Config;
use crate::ruleset::RuleIndex;

/// A compiled ruleset and everything known about how it loaded.
pub struct Loaded {
    /// Shared with the workers; a reload replaces it.
    pub engine: Arc<Engine>,
    /// SHA-256 (hex) of the rule files' names and contents, in load
    /// order, and of the settings that change what the rules match
    /// (variables, action-order, threshold and classification files):
    /// what distinguishes one ruleset from another.
    pub hash: String,
    /// Every loaded rule's identity, revision, action and text digest
    /// (for `ruleset-diff` and `rules`).
    pub index: Arc<RuleIndex>,
    pub report: LoadReport,
    /// Rules that did not parse.
    pub parse_errors: Vec<Diagnostic>,
    /// Rules commented out in the files (counted, not loaded).
    pub commented_out: usize,
    pub files: Vec<PathBuf>,
    pub seconds: f64,
    /// Asset-aware scoping of CVE rules (`--inventory`), built for this
    /// engine.
    pub scope: Option<Arc<crate::scope::Scope>>,
}

impl Loaded {
    /// Every rule given, whatever became of it (parsed or not).
    pub fn rules_total(&self) -> usize {
        self.report.given + self.parse_errors.len()
    }
    pub fn rules_loaded(&self) -> usize {
        self.report.loaded
    }
    /// Rules that are wrong (did not parse, or invalid values).
    pub fn rules_failed(&self) -> usize {
        self.parse_errors.len()
            + self
                .report
                .rejected
                .iter()
                .filter(|r| matches!(r.kind, RejectionKind::Invalid(_)))
                .count()
    }
    /// Valid rules using something warden does not implement yet.
    pub fn rules_skipped(&self) -> usize {
        self.report
            .rejected
            .iter()
            .filter(|r| matches!(r.kind, RejectionKind::Unsupported(_)))
            .count()
    }
}

/// The config named by `-c` (or an empty one) with `--set` applied.
pub fn config(cli: &Cli) -> Result<Config> {
    let mut cfg = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    for s in &cli.set {
        cfg.set(s)?;
    }
    for k in cfg.unused_overrides() {
        eprintln!("warden: warning: --set {k}: warden does not use this setting (ignored)");
    }
    Ok(cfg)
}

/// Suricata's default variables, overridden by the config's.
pub fn vars(cfg: &Config) -> Result<Vars> {
    let mut vars = Vars::suricata_defaults();
    for (name, text) in cfg.var_group("address-groups") {
        vars.set_address(&name, &text);
    }
    for (name, text) in cfg.var_group("port-groups") {
        vars.set_port(&name, &text);
    }
    Ok(vars)
}

pub fn classifications(cfg: &Config) -> Result<Classifications> {
    match cfg.get_str("classification-file") {
        Some(f) => {
            let path = cfg.resolve(std::path::Path::new(&f));
            match std::fs::read_to_string(&path) {
                Ok(text) => Classifications::parse(&text)
                    .map_err(|d| anyhow::anyhow!("{}: {d}", path.display())),
                Err(e) => {
                    eprintln!(
                        "warden: warning: classification-file {}: {e}; using the built-in table",
                        path.display()
                    );
                    Ok(Classifications::suricata_defaults())
                }
            }
        }
        None => Ok(Classifications::suricata_defaults()),
    }
}

/// Which rule files a start loads: `-S` replaces the config's list, `-s`
/// adds to it.
pub fn rule_files(cli: &Cli, cfg: &Config) -> Vec<PathBuf> {
    let mut files = if cli.exclusive_rules.is_empty() {
        cfg.rule_files()
    } else {
        cli.exclusive_rules.clone()
    };
    files.extend(cli.extra_rules.iter().cloned());
    files
}

/// Loads and compiles the ruleset.
pub fn ruleset(cli: &Cli, cfg: &Config) -> Result<Loaded> {
    ruleset_after(cli, cfg, None)
}

/// Loads and compiles the ruleset; with `prior` (a live reload), flowbit
/// names keep the ids the running engine gave them.
pub fn ruleset_after(cli: &Cli, cfg: &Config, prior: Option<&Engine>) -> Result<Loaded> {
    let start = Instant::now();
    let files = rule_files(cli, cfg);
    for f in &files {
        if !f.exists() {
            bail!("rule file {} does not exist", f.display());
        }
        // a start must not find out later that a file cannot be read
        if let Err(e) = std::fs::File::open(f).and_then(|mut h| {
            use std::io::Read;
            h.read(&mut [0u8; 1])
        }) {
            bail!("rule file {} cannot be read: {e}", f.display());
        }
    }
    let vars = vars(cfg)?;
    let classes = classifications(cfg).context("classification")?;
    let source = load_rule_files(&files);
    let (mut engine, report) = match prior {
        None => Engine::build_with_events(
            &source.rules,
            &vars,
            &classes,
            &crate::app_glue::known_app_event,
        ),
        Some(p) => Engine::rebuild(
            &source.rules,
            &vars,
            &classes,
            &crate::app_glue::known_app_event,
            p,
        ),
    };
    if let Some(list) = cfg.get("action-order").and_then(|v| v.as_sequence()) {
        let mut order = Vec::new();
        for v in list {
            let name = v.as_str().unwrap_or_default();
            match warden_detect::ActionClass::parse(name) {
                Some(c) => order.push(c),
                None => bail!(
                    "action-order: unknown action '{name}' (expected pass, drop, reject, alert)"
                ),
            }
        }
        engine.set_action_order(&order);
    }
    if let Some(f) = cfg.get_str("threshold-file") {
        let path = cfg.resolve(std::path::Path::new(&f));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("threshold-file {}", path.display()))?;
        let parsed = warden_rules::parse_threshold_config(&text, &path.display().to_string());
        for d in &parsed.diagnostics {
            eprintln!("warden: warning: {d}");
        }
        for problem in engine.apply_threshold_config(&parsed.entries, &vars) {
            eprintln!("warden: warning: {}: {problem}", path.display());
        }
    }
    let hash = content_hash(&source.files, cfg, &vars);
    let index = Arc::new(RuleIndex::new(&engine, &source.rules));
    let scope = match &cli.inventory {
        Some(path) => {
            let inventory = crate::inventory::Inventory::load(path)?;
            let unknown = crate::scope::unknown_policy(cfg)?;
            Some(Arc::new(crate::scope::Scope::build(
                &engine, &inventory, unknown,
            )))
        }
        None => None,
    };
    Ok(Loaded {
        engine: Arc::new(engine),
        hash,
        index,
        report,
        parse_errors: source.diagnostics,
        commented_out: source.commented_out,
        files,
        seconds: start.elapsed().as_secs_f64(),
        scope,
    })
}

/// The ruleset's content hash: rule files (names and bytes, in load
/// order), then the settings that change what those rules match.
fn content_hash(files: &[PathBuf], cfg: &Config, vars: &Vars) -> String {
    let mut sha = Sha256::new();
    let mut part = |tag: &str, bytes: &[u8]| {
        sha.update(tag.as_bytes());
        sha.update((bytes.len() as u64).to_le_bytes());
        sha.update(bytes);
    };
    for f in files {
        part("file", f.display().to_string().as_bytes());
        part("bytes", &std::fs::read(f).unwrap_or_default());
    }
    part("vars", format!("{vars:?}").as_bytes());
    if let Some(order) = cfg.get("action-order") {
        part("action-order", format!("{order:?}").as_bytes());
    }
    for key in ["threshold-file", "classification-file"] {
        if let Some(f) = cfg.get_str(key) {
            let path = cfg.resolve(std::path::Path::new(&f));
            part(key, &std::fs::read(path).unwrap_or_default());
        }
    }
    sha.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reason a rule was not loaded, reduced to its cause for grouping.
fn cause(kind: &RejectionKind) -> String {
    match kind {
        RejectionKind::Unsupported(what) => format!("not supported yet: {what}"),
        RejectionKind::Invalid(why) => {
            let head: String = why.split(':').next().unwrap_or(why).to_string();
            format!("invalid: {head}")
        }
    }
}

fn parse_cause(d: &Diagnostic) -> String {
    let m = &d.message;
    // keep the keyword / first clause, drop specifics
    let head = m.split(['\'', '"', '(']).next().unwrap_or(m).trim();
    format!("parse error: {head}")
}

/// Prints the load summary on stderr.
pub fn print_summary(l: &Loaded, verbose: u8) {
    eprintln!(
        "warden: {} rules in {} file(s): {} loaded, {} failed, {} skipped (unsupported), {} commented out; {:.2} s",
        l.rules_total(),
        l.files.len(),
        l.rules_loaded(),
        l.rules_failed(),
        l.rules_skipped(),
        l.commented_out,
        l.seconds
    );
    if let Some(sc) = &l.scope {
        eprintln!(
            "warden: inventory: {} drop/reject rule(s) tied to a CVE enforce only toward vulnerable assets",
            sc.rules_scoped()
        );
    }
    if verbose > 0 {
        for line in l.engine.prefilter().describe() {
            eprintln!("  prefilter {line}");
        }
    }
    let mut groups: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in &l.report.rejected {
        let e = groups
            .entry(cause(&r.kind))
            .or_insert((0, format!("{}:{} sid {}", r.file, r.line, r.sid)));
        e.0 += 1;
    }
    for d in &l.parse_errors {
        let e = groups.entry(parse_cause(d)).or_insert((0, d.to_string()));
        e.0 += 1;
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let shown = if verbose > 0 { groups.len() } else { 20 };
    for (cause, (n, example)) in groups.iter().take(shown) {
        eprintln!("  {n:>6}  {cause}  (e.g. {example})");
    }
    if groups.len() > shown {
        eprintln!(
            "  ... {} more causes (-v lists all, -T lists every rule)",
            groups.len() - shown
        );
    }
}

/// Every problem, one per line (for -T).
pub fn print_all_problems(l: &Loaded) {
    for p in problems(l) {
        eprintln!("{}", p.text);
    }
}

/// One rule that did not load, in a form both the text and JSON listings
/// use.
pub struct Problem {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
    pub sid: Option<u32>,
    /// `invalid` (wrong) or `unsupported` (valid, not built yet).
    pub kind: &'static str,
    pub message: String,
    pub text: String,
}

/// Every rule that did not load, in file and line order.
pub fn problems(l: &Loaded) -> Vec<Problem> {
    let mut out: Vec<Problem> = l
        .parse_errors
        .iter()
        .map(|d| Problem {
            file: d.file.to_string(),
            line: d.line,
            column: Some(d.column),
            sid: d.sid,
            kind: "invalid",
            message: d.message.clone(),
            text: d.to_string(),
        })
        .chain(l.report.rejected.iter().map(|r| Problem {
            file: r.file.to_string(),
            line: r.line,
            column: r.column,
            sid: Some(r.sid),
            kind: match r.kind {
                RejectionKind::Unsupported(_) => "unsupported",
                RejectionKind::Invalid(_) => "invalid",
            },
            message: match &r.kind {
                RejectionKind::Unsupported(w) => format!("not supported yet: {w}"),
                RejectionKind::Invalid(w) => w.clone(),
            },
            text: r.to_string(),
        }))
        .collect();
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

/// `-T --json`: one JSON record per problem on stdout (the load's, then
/// the policy's `extra` ones), then a summary record, for CI pipelines.
pub fn print_json(l: &Loaded, extra: &[Problem]) {
    for p in problems(l).iter().chain(extra) {
        let rec = serde_json::json!({
            "type": "rule",
            "file": p.file,
            "line": p.line,
            "column": p.column,
            "sid": p.sid,
            "kind": p.kind,
            "message": p.message,
        });
        println!("{rec}");
    }
    let summary = serde_json::json!({
        "type": "summary",
        "rules_total": l.rules_total(),
        "rules_loaded": l.rules_loaded(),
        "rules_failed": l.rules_failed(),
        "rules_skipped": l.rules_skipped(),
        "rules_unowned": extra.iter().filter(|p| p.kind == "unowned").count(),
        "commented_out": l.commented_out,
        "load_seconds": l.seconds,
        "ok": l.rules_failed() == 0 && extra.is_empty(),
    });
    println!("{summary}");
}
