//! File keywords: the conditions a rule puts on one file of a transaction
//! (`filename`, `fileext`, `filesize`) and how they hold on a tracked file.
//!
//! A rule's file conditions are checked together on each file of the
//! transaction travelling in the inspecting packet's direction; the rule
//! matches when one file satisfies all of them, as Suricata evaluates its
//! file keywords per file. A transaction without files never matches.
//!
//! - `filename` holds when the name contains the pattern, in any case;
//! - `fileext` when the name ends with `.` and the pattern, in any case
//!   (`fileext:"pd"` does not match `x.pdf`);
//! - `filesize` compares the final size of a file that ended where its
//!   framing said; a file that stopped early (gap, early close) can only
//!   satisfy `>` and `>=` (it was at least that big), and a file still
//!   receiving bytes satisfies nothing yet.
//!
//! Negation (`filename:!"x"`) holds on a file whose name does not match.

use warden_rules::{CmpOp, IntCmp};

/// How a tracked file stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileEnd {
    /// Bytes may still come.
    Open,
    /// Ended where its framing said: the size is final.
    Closed,
    /// Stopped early (gap, close, flow end) or failed: the size is a
    /// lower bound.
    Truncated,
}

/// One file of a transaction, as the pipeline's parsers expose it.
#[derive(Clone, Copy, Debug)]
pub struct TxFile<'a> {
    pub name: &'a [u8],
    /// Decoded bytes seen so far.
    pub size: u64,
    pub end: FileEnd,
}

/// One condition on a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileCond {
    /// `filename`: the name contains `pattern` (stored lower case).
    Name { pattern: Vec<u8>, negated: bool },
    /// `fileext`: the name ends with `.` + `ext` (stored lower case).
    Ext { ext: Vec<u8>, negated: bool },
    /// `filesize`.
    Size(IntCmp),
}

impl FileCond {
    /// `filename` condition (case-insensitive).
    pub fn name(pattern: &[u8], negated: bool) -> FileCond {
        FileCond::Name {
            pattern: pattern.to_ascii_lowercase(),
            negated,
        }
    }

    /// `fileext` condition (case-insensitive).
    pub fn ext(ext: &[u8], negated: bool) -> FileCond {
        FileCond::Ext {
            ext: ext.to_ascii_lowercase(),
            negated,
        }
    }

    /// Whether the condition holds on `f`.
    pub fn holds(&self, f: &TxFile<'_>) -> bool {
        match self {
            FileCond::Name { pattern, negated } => contains_nocase(f.name, pattern) != *negated,
            FileCond::Ext { ext, negated } => has_ext(f.name, ext) != *negated,
            FileCond::Size(cmp) => size_holds(cmp, f.size, f.end),
        }
    }
}

/// Whether every condition holds on `f`.
pub fn all_hold(conds: &[FileCond], f: &TxFile<'_>) -> bool {
    conds.iter().all(|c| c.holds(f))
}

/// `filesize` on a file of `size` bytes in state `end`.
fn size_holds(cmp: &IntCmp, size: u64, end: FileEnd) -> bool {
    match end {
        FileEnd::Closed => cmp.matches(size),
        FileEnd::Truncated => matches!(cmp.op, CmpOp::Gt | CmpOp::Ge) && cmp.matches(size),
        FileEnd::Open => false,
    }
}

/// `hay` contains `needle` (already lower case), ASCII case ignored.
fn contains_nocase(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    hay.windows(needle.len()).any(|w| {
        w.iter()
            .zip(needle)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// `name` ends with `.` + `ext` (already lower case), ASCII case ignored.
fn has_ext(name: &[u8], ext: &[u8]) -> bool {
    name.len() > ext.len()
        && name[name.len() - ext.len() - 1] == b'.'
        && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, end: FileEnd) -> TxFile<'_> {
        TxFile {
            name: name.as_bytes(),
            size,
            end,
        }
    }

    fn cmp(op: CmpOp, a: u64, b: u64) -> FileCond {
        FileCond::Size(IntCmp { op, a, b })
    }

    #[test]
    fn names_ignore_case_and_negate() {
        let f = file("/dl/Setup.EXE", 10, FileEnd::Closed);
        assert!(FileCond::name(b"setup", false).holds(&f));
        assert!(FileCond::name(b"SETUP.exe", false).holds(&f));
        assert!(!FileCond::name(b"setup", true).holds(&f));
        assert!(FileCond::name(b"readme", true).holds(&f));
        assert!(!FileCond::name(b"/dl/Setup.EXE/", false).holds(&f));
    }

    #[test]
    fn extensions_are_whole() {
        let f = file("report.PDF", 10, FileEnd::Closed);
        assert!(FileCond::ext(b"pdf", false).holds(&f));
        assert!(!FileCond::ext(b"pd", false).holds(&f));
        assert!(!FileCond::ext(b"df", false).holds(&f));
        assert!(FileCond::ext(b"exe", true).holds(&f));
        assert!(!FileCond::ext(b"pdf", false).holds(&file("pdf", 1, FileEnd::Closed)));
        assert!(!FileCond::ext(b"pdf", false).holds(&file("xpdf", 1, FileEnd::Closed)));
        assert!(FileCond::ext(b"tar.gz", false).holds(&file("a.tar.gz", 1, FileEnd::Closed)));
    }

    #[test]
    fn sizes_by_state() {
        let closed = file("a", 100, FileEnd::Closed);
        let cut = file("a", 100, FileEnd::Truncated);
        let open = file("a", 100, FileEnd::Open);
        assert!(cmp(CmpOp::Eq, 100, 0).holds(&closed));
        assert!(cmp(CmpOp::Lt, 101, 0).holds(&closed));
        assert!(cmp(CmpOp::Range, 99, 101).holds(&closed));
        // the final size of a truncated file is unknown: only "bigger than"
        assert!(cmp(CmpOp::Gt, 50, 0).holds(&cut));
        assert!(cmp(CmpOp::Ge, 100, 0).holds(&cut));
        assert!(!cmp(CmpOp::Eq, 100, 0).holds(&cut));
        assert!(!cmp(CmpOp::Lt, 101, 0).holds(&cut));
        // an open file waits for its end
        assert!(!cmp(CmpOp::Gt, 50, 0).holds(&open));
        assert!(!cmp(CmpOp::Eq, 100, 0).holds(&open));
    }

    #[test]
    fn all_conditions_on_one_file() {
        let conds = [FileCond::ext(b"exe", false), cmp(CmpOp::Gt, 10, 0)];
        assert!(all_hold(&conds, &file("x.exe", 11, FileEnd::Closed)));
        assert!(!all_hold(&conds, &file("x.exe", 9, FileEnd::Closed)));
        assert!(!all_hold(&conds, &file("x.dll", 11, FileEnd::Closed)));
    }
}
