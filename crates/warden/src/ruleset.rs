//! What identifies and describes a loaded ruleset: its generation number
//! and content hash (carried by alert and drop events, stats and control
//! replies), every loaded rule's identity (`gid:sid`), revision, action and
//! text digest, and the difference between two rulesets (what a reload
//! would change: rules added, removed, changed, and drop/reject rules new
//! or widened).
//!
//! The index is small (four numbers per rule) so the running warden keeps
//! one per kept ruleset and can send it to `warden -T` on request.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use warden_detect::{Engine, SigAction};
use warden_output::{RulesetTag, Timestamp};
use warden_rules::Rule;

use crate::load::Loaded;

/// One loaded rule, as far as a diff cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleEntry {
    pub(crate) gid: u32,
    pub(crate) sid: u32,
    pub(crate) rev: u32,
    /// The action's name (`alert`, `drop`, `reject`, `pass`, ...).
    pub(crate) action: &'static str,
    /// First 64 bits of the SHA-256 of the rule's text.
    pub(crate) digest: u64,
}

impl RuleEntry {
    fn blocks(&self) -> bool {
        !matches!(self.action, "alert" | "pass")
    }

    fn key(&self) -> (u32, u32) {
        (self.gid, self.sid)
    }

    fn id(&self) -> String {
        if self.gid == 1 {
            self.sid.to_string()
        } else {
            format!("{}:{}", self.gid, self.sid)
        }
    }
}

/// The loaded rules of one ruleset, sorted by `gid:sid`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RuleIndex {
    entries: Vec<RuleEntry>,
}

/// Every action name, as [`SigAction::name`] gives them.
const ACTIONS: [SigAction; 6] = [
    SigAction::Alert,
    SigAction::Drop,
    SigAction::Reject,
    SigAction::RejectDst,
    SigAction::RejectBoth,
    SigAction::Pass,
];

fn digest(text: &str) -> u64 {
    let d = Sha256::digest(text.trim().as_bytes());
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

impl RuleIndex {
    /// The rules `engine` compiled, with their text digests from
    /// `source` (the parsed rules it was built from).
    pub(crate) fn new(engine: &Engine, source: &[Rule]) -> RuleIndex {
        let texts: HashMap<(u32, u32), u64> = source
            .iter()
            .map(|r| ((r.meta.gid, r.meta.sid), digest(&r.text)))
            .collect();
        let mut entries: Vec<RuleEntry> = (0..engine.len() as u32)
            .map(|i| {
                let s = engine.sig(i);
                RuleEntry {
                    gid: s.meta.gid,
                    sid: s.meta.sid,
                    rev: s.meta.rev,
                    action: s.action.name(),
                    digest: texts.get(&(s.meta.gid, s.meta.sid)).copied().unwrap_or(0),
                }
            })
            .collect();
        entries.sort_by_key(RuleEntry::key);
        entries.dedup_by_key(|e| e.key());
        RuleIndex { entries }
    }

    /// Rules per action, every action named (zeros included).
    pub(crate) fn by_action(&self) -> Value {
        let mut counts = serde_json::Map::new();
        for a in ACTIONS {
            let n = self.entries.iter().filter(|e| e.action == a.name()).count();
            counts.insert(a.name().to_string(), json!(n));
        }
        Value::Object(counts)
    }

    /// The index as JSON rows `[gid, sid, rev, action, digest]` (what the
    /// control socket sends to `warden -T`).
    pub(crate) fn to_json(&self) -> Value {
        Value::Array(
            self.entries
                .iter()
                .map(|e| json!([e.gid, e.sid, e.rev, e.action, format!("{:016x}", e.digest)]))
                .collect(),
        )
    }

    /// Reads [`RuleIndex::to_json`]'s rows back.
    pub(crate) fn from_json(v: &Value) -> Result<RuleIndex, String> {
        let rows = v.as_array().ok_or("rule index: not a list")?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let bad = || format!("rule index: bad row {row}");
            let num = |i: usize| {
                row.get(i)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(bad)
            };
            let action = row.get(3).and_then(Value::as_str).ok_or_else(bad)?;
            let action = ACTIONS
                .iter()
                .map(|a| a.name())
                .find(|n| *n == action)
                .ok_or_else(bad)?;
            let digest = row
                .get(4)
                .and_then(Value::as_str)
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .ok_or_else(bad)?;
            entries.push(RuleEntry {
                gid: num(0)?,
                sid: num(1)?,
                rev: num(2)?,
                action,
                digest,
            });
        }
        entries.sort_by_key(RuleEntry::key);
        entries.dedup_by_key(|e| e.key());
        Ok(RuleIndex { entries })
    }
}

/// A loaded ruleset's identity and load figures.
#[derive(Debug)]
pub(crate) struct RulesetInfo {
    /// 1 for the ruleset loaded at start, +1 for each good reload.
    pub(crate) generation: u64,
    /// The content hash's first 16 hex digits: the ruleset's id in
    /// events, stats and replies.
    pub(crate) hash: String,
    /// The whole SHA-256 (hex).
    pub(crate) sha256: String,
    pub(crate) loaded: usize,
    pub(crate) failed: usize,
    pub(crate) skipped: usize,
    pub(crate) commented_out: usize,
    pub(crate) files: Vec<String>,
    /// Wall-clock time the ruleset was loaded.
    pub(crate) loaded_at: Timestamp,
    pub(crate) build_seconds: f64,
    pub(crate) index: Arc<RuleIndex>,
}

impl RulesetInfo {
    /// Describes `l` as generation `generation`, loaded at `loaded_at`.
    pub(crate) fn new(l: &Loaded, generation: u64, loaded_at: Timestamp) -> RulesetInfo {
        RulesetInfo {
            generation,
            hash: l.hash.chars().take(16).collect(),
            sha256: l.hash.clone(),
            loaded: l.rules_loaded(),
            failed: l.rules_failed(),
            skipped: l.rules_skipped(),
            commented_out: l.commented_out,
            files: l.files.iter().map(|f| f.display().to_string()).collect(),
            loaded_at,
            build_seconds: l.seconds,
            index: Arc::clone(&l.index),
        }
    }

    /// The tag alert and drop events carry.
    pub(crate) fn tag(&self) -> RulesetTag<'_> {
        RulesetTag {
            generation: self.generation,
            hash: &self.hash,
        }
    }

    /// Generation, hash and rule counts (the `reload` and `rollback`
    /// replies).
    pub(crate) fn summary(&self) -> Value {
        json!({
            "generation": self.generation,
            "hash": self.hash,
            "rules": {
                "loaded": self.loaded,
                "failed": self.failed,
                "skipped": self.skipped,
            },
        })
    }
}

/// What changes from one ruleset to another.
#[derive(Debug, Default)]
pub(crate) struct RulesetDiff {
    pub(crate) added: Vec<RuleEntry>,
    pub(crate) removed: Vec<RuleEntry>,
    /// (before, after): revision, action or text differ.
    pub(crate) changed: Vec<(RuleEntry, RuleEntry)>,
}

impl RulesetDiff {
    /// The changes from `old` to `new`.
    pub(crate) fn between(old: &RuleIndex, new: &RuleIndex) -> RulesetDiff {
        let mut d = RulesetDiff::default();
        let (mut a, mut b) = (old.entries.iter().peekable(), new.entries.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(o), Some(n)) if o.key() == n.key() => {
                    if o != n {
                        d.changed.push(((*o).clone(), (*n).clone()));
                    }
                    a.next();
                    b.next();
                }
                (Some(o), Some(n)) if o.key() < n.key() => {
                    d.removed.push((*o).clone());
                    a.next();
                }
                (Some(o), None) => {
                    d.removed.push((*o).clone());
                    a.next();
                }
                (_, Some(n)) => {
                    d.added.push((*n).clone());
                    b.next();
                }
            }
        }
        d
    }

    /// Added rules that drop or reject.
    pub(crate) fn blocking_new(&self) -> impl Iterator<Item = &RuleEntry> {
        self.added.iter().filter(|e| e.blocks())
    }

    /// Rules whose action became drop or reject.
    pub(crate) fn blocking_widened(&self) -> impl Iterator<Item = &(RuleEntry, RuleEntry)> {
        self.changed
            .iter()
            .filter(|(o, n)| n.blocks() && !o.blocks())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The diff as the `ruleset-diff` reply.
    pub(crate) fn to_json(&self) -> Value {
        let ids = |v: &[RuleEntry]| -> Vec<Value> {
            v.iter()
                .map(|e| json!({"sid": e.sid, "gid": e.gid, "rev": e.rev, "action": e.action}))
                .collect()
        };
        let changed: Vec<Value> = self
            .changed
            .iter()
            .map(|(o, n)| {
                json!({
                    "sid": n.sid,
                    "gid": n.gid,
                    "rev": [o.rev, n.rev],
                    "action": [o.action, n.action],
                    "text_changed": o.digest != n.digest,
                })
            })
            .collect();
        let new_blocking: Vec<RuleEntry> = self.blocking_new().cloned().collect();
        let widened: Vec<Value> = self
            .blocking_widened()
            .map(|(o, n)| json!({"sid": n.sid, "gid": n.gid, "from": o.action, "to": n.action}))
            .collect();
        json!({
            "added": ids(&self.added),
            "removed": ids(&self.removed),
            "changed": changed,
            "drop_reject_new": ids(&new_blocking),
            "drop_reject_widened": widened,
            "summary": {
                "added": self.added.len(),
                "removed": self.removed.len(),
                "changed": self.changed.len(),
                "drop_reject_new": new_blocking.len(),
                "drop_reject_widened": self.blocking_widened().count(),
            },
        })
    }

    /// A few lines for a person (`-T` against a running warden).
    pub(crate) fn describe(&self) -> Vec<String> {
        const SHOWN: usize = 10;
        fn list<'e>(items: impl Iterator<Item = String> + 'e) -> String {
            let all: Vec<String> = items.collect();
            let mut s = all
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if all.len() > SHOWN {
                s.push_str(&format!(", ... ({} more)", all.len() - SHOWN));
            }
            s
        }
        if self.is_empty() {
            return vec!["no rule added, removed or changed".into()];
        }
        let mut out = vec![format!(
            "{} added, {} removed, {} changed; drop/reject: {} new, {} widened",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.blocking_new().count(),
            self.blocking_widened().count()
        )];
        if !self.added.is_empty() {
            out.push(format!(
                "  added: sid {}",
                list(self.added.iter().map(RuleEntry::id))
            ));
        }
        if !self.removed.is_empty() {
            out.push(format!(
                "  removed: sid {}",
                list(self.removed.iter().map(RuleEntry::id))
            ));
        }
        if !self.changed.is_empty() {
            out.push(format!(
                "  changed: sid {}",
                list(self.changed.iter().map(|(o, n)| {
                    let mut what = Vec::new();
                    if o.rev != n.rev {
                        what.push(format!("rev {} -> {}", o.rev, n.rev));
                    }
                    if o.action != n.action {
                        what.push(format!("{} -> {}", o.action, n.action));
                    }
                    if o.digest != n.digest && what.is_empty() {
                        what.push("text".into());
                    }
                    format!("{} ({})", n.id(), what.join(", "))
                }))
            ));
        }
        if self.blocking_new().next().is_some() {
            out.push(format!(
                "  new drop/reject rules: sid {}",
                list(
                    self.blocking_new()
                        .map(|e| format!("{} ({})", e.id(), e.action))
                )
            ));
        }
        if self.blocking_widened().next().is_some() {
            out.push(format!(
                "  widened to drop/reject: sid {}",
                list(self.blocking_widened().map(|(o, n)| format!(
                    "{} ({} -> {})",
                    n.id(),
                    o.action,
                    n.action
                )))
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(sid: u32, rev: u32, action: &'static str, digest: u64) -> RuleEntry {
        RuleEntry {
            gid: 1,
            sid,
            rev,
            action,
            digest,
        }
    }

    fn index(v: Vec<RuleEntry>) -> RuleIndex {
        let mut entries = v;
        entries.sort_by_key(RuleEntry::key);
        RuleIndex { entries }
    }

    #[test]
    fn a_diff_names_added_removed_changed_and_newly_blocking_rules() {
        let old = index(vec![
            e(1, 1, "alert", 10),
            e(2, 1, "alert", 20),
            e(3, 1, "alert", 30),
            e(4, 1, "drop", 40),
        ]);
        let new = index(vec![
            e(1, 1, "alert", 10),  // same
            e(2, 2, "alert", 21),  // new revision
            e(3, 1, "drop", 30),   // widened
            e(5, 1, "reject", 50), // new, blocking
            e(6, 1, "alert", 60),  // new
        ]);
        let d = RulesetDiff::between(&old, &new);
        let sids = |v: &[RuleEntry]| v.iter().map(|e| e.sid).collect::<Vec<_>>();
        assert_eq!(sids(&d.added), [5, 6]);
        assert_eq!(sids(&d.removed), [4]);
        assert_eq!(
            d.changed.iter().map(|(_, n)| n.sid).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(d.blocking_new().map(|e| e.sid).collect::<Vec<_>>(), [5]);
        assert_eq!(
            d.blocking_widened().map(|(_, n)| n.sid).collect::<Vec<_>>(),
            [3]
        );
        let j = d.to_json();
        assert_eq!(j["summary"]["drop_reject_widened"], 1);
        assert_eq!(j["changed"][0]["rev"], json!([1, 2]));
        assert_eq!(j["changed"][0]["text_changed"], true);
        assert_eq!(j["drop_reject_widened"][0]["from"], "alert");
        let text = d.describe().join("\n");
        assert!(text.starts_with("2 added, 1 removed, 2 changed; drop/reject: 1 new, 1 widened"));
        assert!(text.contains("3 (alert -> drop)"), "{text}");
        assert!(RulesetDiff::between(&new, &new).is_empty());
    }

    #[test]
    fn the_index_round_trips_through_json_and_bad_rows_are_refused() {
        let i = index(vec![e(7, 3, "reject", u64::MAX), e(2, 1, "pass", 0)]);
        assert_eq!(RuleIndex::from_json(&i.to_json()).unwrap(), i);
        assert!(RuleIndex::from_json(&json!([[1, 2, 3, "explode", "00"]])).is_err());
        assert!(RuleIndex::from_json(&json!([[1, -2, 3, "alert", "00"]])).is_err());
        assert!(RuleIndex::from_json(&json!({"a": 1})).is_err());
        assert_eq!(i.by_action()["reject"], 1);
        assert_eq!(i.by_action()["drop"], 0);
    }
}
