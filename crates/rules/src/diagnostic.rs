//! Diagnostics: a located, uniformly phrased error message about a rule.

use std::fmt;
use std::sync::Arc;

/// One problem found while reading rules.
///
/// Displays as `file:line:column: sid N: message` (the `sid` part only when
/// the rule's sid is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name (or `"<input>"`).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (byte based) within the logical rule text.
    pub column: u32,
    /// The rule's sid, when it could be read.
    pub sid: Option<u32>,
    /// What was found and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(sid) = self.sid {
            write!(f, "sid {sid}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}
