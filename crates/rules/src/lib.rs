//! warden-rules: Suricata rule text → typed AST, variables and diagnostics.
//!
//! The crate knows nothing of packets. Entry points: [`parse_rule`] for one
//! rule, [`load_rule_files`] for rule files, [`Vars`] with [`resolve_addr`] /
//! [`resolve_ports`] for header variables and [`Classifications`] for
//! `classification.config`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
mod diagnostic;

pub use ast::*;
pub use diagnostic::Diagnostic;
