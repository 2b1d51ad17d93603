//! Internal parse error: a byte position in the rule text plus a message.
//! Turned into a [`crate::Diagnostic`] once the rule's location is known.

/// A parse failure at byte offset `at` of the rule text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PErr {
    pub at: usize,
    pub msg: String,
}

/// Build a [`PErr`].
pub(crate) fn perr(at: usize, msg: impl Into<String>) -> PErr {
    PErr {
        at,
        msg: msg.into(),
    }
}

/// Result alias used by all parsers of this crate.
pub(crate) type PResult<T> = Result<T, PErr>;
