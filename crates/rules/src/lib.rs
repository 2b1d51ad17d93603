//! warden-rules: Suricata rule text → typed AST, variables and diagnostics.
//!
//! The crate knows nothing of packets. Entry points: [`parse_rule`] for one
//! rule, [`load_rule_files`] for rule files, [`Vars`] with [`resolve_addr`] /
//! [`resolve_ports`] for header variables and [`Classifications`] for
//! `classification.config`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
mod classification;
mod content;
mod diagnostic;
mod error;
mod files;
mod header;
mod ipset;
mod lexer;
mod num;
mod options;
mod parse;
mod pcre;
mod portset;
mod suggest;
mod threshold_config;
mod vars;

pub use ast::*;
pub use classification::{Classification, Classifications};
pub use diagnostic::Diagnostic;
pub use files::{load_rule_files, load_rule_str, DuplicateSid, RuleSetSource};
pub use ipset::IpSet;
pub use parse::{parse_rule, parse_rule_at};
pub use portset::PortSet;
pub use threshold_config::{
    parse_threshold_config, RateAction, SuppressTrack, ThresholdConfig, ThresholdEntry,
};
pub use vars::{resolve_addr, resolve_header, resolve_ports, ResolvedHeader, VarError, Vars};
