//! Reading rule files: comments, blank lines, backslash continuations, CRLF,
//! `include` lines and duplicate sid detection.

use crate::ast::{Action, Dialect, Rule, SourceLoc};
use crate::{parse_rule_at, Diagnostic};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The result of loading rule files.
#[derive(Debug, Clone, Default)]
pub struct RuleSetSource {
    /// Rules that parsed, in file order (later duplicates excluded).
    pub rules: Vec<Rule>,
    /// Problems: unparsable rules, duplicate sids, unreadable files.
    pub diagnostics: Vec<Diagnostic>,
    /// Rules that are commented out (counted, not loaded).
    pub commented_out: usize,
    /// Files read, includes included.
    pub files: Vec<PathBuf>,
    /// Rules left out because an earlier rule has their gid and sid (each
    /// also among `diagnostics`), for tools that report them by location.
    pub duplicates: Vec<DuplicateSid>,
}

/// A rule whose gid and sid an earlier rule already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateSid {
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// The rule that was loaded.
    pub first: SourceLoc,
    /// The rule left out.
    pub again: SourceLoc,
}

/// Load rule files (Suricata dialect).
pub fn load_rule_files(paths: &[PathBuf]) -> RuleSetSource {
    let mut l = Loader::default();
    for p in paths {
        l.file(p, 0);
    }
    l.out
}

/// Load rules from a string as if it were a file called `name`; `include`
/// lines are resolved relative to the current directory.
pub fn load_rule_str(text: &str, name: &str) -> RuleSetSource {
    let mut l = Loader::default();
    l.text(text, Arc::from(name), Path::new("."), 0);
    l.out
}

#[derive(Default)]
struct Loader {
    out: RuleSetSource,
    seen: HashMap<(u32, u32), SourceLoc>,
    open: HashSet<PathBuf>,
}

/// Whether a comment body looks like a rule.
fn is_commented_rule(body: &str) -> bool {
    let b = body.trim_start_matches('#').trim_start();
    let word = b.split_whitespace().next().unwrap_or("");
    Action::from_name(word).is_some() && b.contains('(')
}

impl Loader {
    fn diag(&mut self, file: &Arc<str>, line: u32, message: String) {
        self.out.diagnostics.push(Diagnostic {
            file: file.clone(),
            line,
            column: 1,
            sid: None,
            message,
        });
    }

    fn file(&mut self, path: &Path, depth: usize) {
        let name: Arc<str> = Arc::from(path.display().to_string());
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !self.open.insert(key.clone()) {
            self.diag(
                &name,
                0,
                "include loop: file is already being read".to_string(),
            );
            return;
        }
        match std::fs::read(path) {
            Ok(bytes) => {
                self.out.files.push(path.to_path_buf());
                let text = String::from_utf8_lossy(&bytes);
                let dir = path.parent().unwrap_or(Path::new("."));
                self.text(&text, name, dir, depth);
            }
            Err(e) => self.diag(&name, 0, format!("cannot read rule file: {e}")),
        }
        self.open.remove(&key);
    }

    fn text(&mut self, text: &str, name: Arc<str>, dir: &Path, depth: usize) {
        let mut lines = text.split('\n').enumerate();
        while let Some((i, raw)) = lines.next() {
            let first = i as u32 + 1;
            let mut logical = raw.strip_suffix('\r').unwrap_or(raw).to_string();
            while logical.trim_end().ends_with('\\') {
                let t = logical.trim_end().len();
                logical.truncate(t - 1);
                match lines.next() {
                    Some((_, next)) => logical.push_str(next.strip_suffix('\r').unwrap_or(next)),
                    None => break,
                }
            }
            let trimmed = logical.trim();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(body) = trimmed.strip_prefix('#') {
                if is_commented_rule(body) {
                    self.out.commented_out += 1;
                }
                continue;
            }
            if let Some(inc) = trimmed
                .strip_prefix("include")
                .filter(|r| r.starts_with(char::is_whitespace))
            {
                let inc = inc.trim().trim_matches('"');
                let rel = inc.strip_prefix("$RULE_PATH/").unwrap_or(inc);
                if depth >= 16 {
                    self.diag(&name, first, format!("include nesting too deep at '{inc}'"));
                    continue;
                }
                let p = dir.join(rel);
                self.file(&p, depth + 1);
                continue;
            }
            let lead = logical.len() - logical.trim_start().len();
            let loc = SourceLoc {
                file: name.clone(),
                line: first,
                column: 1 + logical[..lead].chars().count() as u32,
            };
            match parse_rule_at(trimmed, Dialect::Suricata, loc.clone()) {
                Ok(rule) => {
                    let key = (rule.meta.gid, rule.meta.sid);
                    if let Some(prev) = self.seen.get(&key) {
                        let gid = if key.0 == 1 {
                            String::new()
                        } else {
                            format!("gid {} ", key.0)
                        };
                        let message = format!("duplicate {gid}sid {} (also at {prev})", key.1);
                        self.out.duplicates.push(DuplicateSid {
                            gid: key.0,
                            sid: key.1,
                            first: prev.clone(),
                            again: loc,
                        });
                        self.out.diagnostics.push(Diagnostic {
                            file: name.clone(),
                            line: first,
                            column: 1 + lead as u32,
                            sid: Some(key.1),
                            message,
                        });
                        continue;
                    }
                    self.seen.insert(key, loc);
                    self.out.rules.push(rule);
                }
                Err(d) => self.out.diagnostics.push(d),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_sids_are_listed_with_both_locations() {
        let src = load_rule_str(
            "alert tcp any any -> any 1 (sid:7;)\n\
             alert tcp any any -> any 2 (gid:3; sid:7;)\n\
             alert tcp any any -> any 3 (sid:7;)\n",
            "d.rules",
        );
        assert_eq!(src.rules.len(), 2);
        assert_eq!(src.duplicates.len(), 1);
        let d = &src.duplicates[0];
        assert_eq!((d.gid, d.sid), (1, 7));
        assert_eq!(
            (d.first.to_string(), d.again.to_string()),
            ("d.rules:1".into(), "d.rules:3".into())
        );
        assert_eq!(src.diagnostics.len(), 1);
    }
}
