//! Corpus test: parse every uncommented rule of the ET Open snapshot and
//! require a 99.5% parse rate; report (not assert) Suricata's own rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use warden_rules::load_rule_files;

fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rules"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Parse, print stats and top reasons; returns (ok, failed).
fn report(name: &str, files: &[PathBuf]) -> (usize, usize) {
    let t = Instant::now();
    let src = load_rule_files(files);
    let el = t.elapsed();
    let failed: Vec<_> = src
        .diagnostics
        .iter()
        .filter(|d| !d.message.starts_with("duplicate"))
        .collect();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for d in &failed {
        let key: String = d.message.chars().take(90).collect();
        *reasons.entry(key).or_default() += 1;
    }
    let mut top: Vec<_> = reasons.into_iter().collect();
    top.sort_by_key(|x| std::cmp::Reverse(x.1));
    let ok = src.rules.len();
    println!(
        "{name}: {} files, {ok} rules parsed, {} failed, {} duplicates, {} commented out, {:?}",
        files.len(),
        failed.len(),
        src.diagnostics.len() - failed.len(),
        src.commented_out,
        el
    );
    for (r, n) in top.iter().take(25) {
        println!("  {n:5}  {r}");
    }
    (ok, failed.len())
}

#[test]
fn et_open_parse_rate() {
    let dir = Path::new("/work/shared/corpus/rules/et-open");
    if !dir.exists() {
        println!("skipping: {} not present", dir.display());
        return;
    }
    let files = rule_files(dir);
    let (ok, failed) = report("et-open", &files);
    let rate = ok as f64 / (ok + failed).max(1) as f64;
    println!("et-open parse rate: {:.3}%", rate * 100.0);
    assert!(rate >= 0.995, "parse rate {rate}");
}

#[test]
fn suricata_rules_report() {
    let shipped = Path::new("/work/shared/corpus/rules/suricata-shipped");
    if shipped.exists() {
        report("suricata-shipped", &rule_files(shipped));
    }
    let sv = Path::new("/work/shared/corpus/suricata-verify");
    if let Ok(rd) = std::fs::read_dir(sv) {
        let mut files = Vec::new();
        for e in rd.flatten() {
            files.extend(rule_files(&e.path()));
        }
        files.sort();
        // Each test is its own rule set: duplicates across tests are fine.
        let mut ok = 0;
        let mut bad = 0;
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for f in &files {
            let s = load_rule_files(std::slice::from_ref(f));
            ok += s.rules.len();
            for d in s
                .diagnostics
                .iter()
                .filter(|d| !d.message.starts_with("duplicate"))
            {
                bad += 1;
                *reasons
                    .entry(d.message.chars().take(90).collect())
                    .or_default() += 1;
                if std::env::var("SHOW").is_ok() {
                    println!("    {d}");
                }
            }
        }
        println!(
            "suricata-verify: {} files, {ok} parsed, {bad} failed",
            files.len()
        );
        let mut top: Vec<_> = reasons.into_iter().collect();
        top.sort_by_key(|x| std::cmp::Reverse(x.1));
        for (r, n) in top.iter().take(40) {
            println!("  {n:5}  {r}");
        }
    }
}
