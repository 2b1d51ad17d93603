//! `classification.config`: `config classification: name,description,priority`.

use crate::Diagnostic;
use std::collections::HashMap;
use std::sync::Arc;

/// One class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Short name used by `classtype`.
    pub name: String,
    /// Human description.
    pub description: String,
    /// Default priority.
    pub priority: u8,
}

/// All classes by short name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classifications {
    map: HashMap<String, Classification>,
}

const DEFAULTS: &str = include_str!("../data/classification.config");

impl Classifications {
    /// Parse a classification.config text; the first bad line is an error.
    pub fn parse(text: &str) -> Result<Classifications, Diagnostic> {
        let mut map = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let err = |m: String| Diagnostic {
                file: Arc::from("classification.config"),
                line: i as u32 + 1,
                column: 1,
                sid: None,
                message: m,
            };
            let body = l.strip_prefix("config classification:").ok_or_else(|| {
                err(format!(
                    "expected 'config classification: name,description,priority', found '{l}'"
                ))
            })?;
            let parts: Vec<&str> = body.split(',').map(str::trim).collect();
            if parts.len() != 3 || parts[0].is_empty() {
                return Err(err(format!(
                    "expected 3 comma separated fields 'name,description,priority', found '{}'",
                    body.trim()
                )));
            }
            let priority = parts[2].parse().map_err(|_| {
                err(format!(
                    "invalid priority '{}', expected 0 to 255",
                    parts[2]
                ))
            })?;
            let c = Classification {
                name: parts[0].to_string(),
                description: parts[1].to_string(),
                priority,
            };
            map.insert(c.name.clone(), c);
        }
        Ok(Classifications { map })
    }
    /// Suricata's default classification.config.
    pub fn suricata_defaults() -> Classifications {
        Self::parse(DEFAULTS).unwrap_or_default()
    }
    /// Lookup by short name.
    pub fn get(&self, name: &str) -> Option<&Classification> {
        self.map.get(name)
    }
    /// Number of classes.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// Whether no class is defined.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
