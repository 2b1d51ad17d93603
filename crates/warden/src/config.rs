//! The engine's configuration: a YAML file read like suricata.yaml
//! (`vars`, `rule-files`, `default-rule-path`, `classification-file`,
//! `threshold-file`, `stream`, `flow`, ...), with top-level `include:` files
//! merged in, and `--set dotted.key=value` overrides applied on top.
//!
//! The tree stays a generic YAML value so an operator's existing
//! suricata.yaml loads as it is; typed accessors read the parts warden
//! honours, and [`Config::unused_overrides`] names `--set` keys warden does
//! not use so the operator is warned instead of silently ignored.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_norway::{Mapping, Value};

/// Dotted keys (or key prefixes ending in '.') that warden reads.
const HONOURED_KEYS: &[&str] = &[
    "vars.",
    "default-rule-path",
    "rule-files",
    "classification-file",
    "reference-config-file",
    "threshold-file",
    "action-order",
    "stream.midstream",
    "stream.async-oneside",
    "flow.memcap",
    "flow-timeouts.",
    "default-log-dir",
    "outputs",
    "pcap-file.checksum-checks",
    "packet-alert-max",
    "stream.reassembly.memcap",
    "stream.reassembly.depth",
    "stream.inline",
    "nfq.fail-open",
    "nfq.queue-maxlen",
    "nfq.buffer-size",
    "stats.enabled",
    "stats.interval",
    "stats.prometheus.",
    "unix-command.",
    "reload.",
    "require-owner",
    "inventory.unknown",
];

/// EVE output switches read from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EveOptions {
    /// `alert: payload: yes`
    pub payload: bool,
    /// `alert: payload-printable: yes`
    pub payload_printable: bool,
    /// `alert: packet: yes`
    pub packet: bool,
    /// `flow` records.
    pub flow: bool,
    /// `alert: verdict: yes`
    pub verdict: bool,
    /// Verdicts are enforced (`--simulate-ips`): drop rules' alerts say
    /// `blocked`.
    pub inline: bool,
    /// `http`, `tls`, `dns` records.
    pub http: bool,
    /// `http: extended: yes`: `http` records carry every field, not only
    /// hostname, port, url and user agent (on without a config, as in
    /// Suricata's default configuration).
    pub http_extended: bool,
    pub tls: bool,
    pub dns: bool,
    /// `fileinfo` records (the `files` type).
    pub files: bool,
}

impl Default for EveOptions {
    fn default() -> Self {
        EveOptions {
            payload: false,
            payload_printable: false,
            packet: false,
            flow: true,
            verdict: false,
            inline: false,
            http: true,
            http_extended: true,
            tls: true,
            dns: true,
            files: true,
        }
    }
}

/// A loaded configuration.
#[derive(Debug, Clone)]
pub struct Config {
    root: Value,
    /// The file it came from, when any (relative paths resolve against its folder).
    pub path: Option<PathBuf>,
    overrides: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            root: Value::Mapping(Mapping::new()),
            path: None,
            overrides: Vec::new(),
        }
    }
}

impl Config {
    /// Reads a YAML config file, merging its `include:` files (relative to
    /// the including file) beneath it.
    pub fn load(path: &Path) -> Result<Config> {
        let root = load_with_includes(path, 0)?;
        Ok(Config {
            root,
            path: Some(path.to_path_buf()),
            overrides: Vec::new(),
        })
    }

    /// Applies one `--set key=value` override.
    pub fn set(&mut self, assignment: &str) -> Result<()> {
        let Some((key, value)) = assignment.split_once('=') else {
            bail!("--set {assignment}: expected key=value");
        };
        let key = key.trim();
        if key.is_empty() {
            bail!("--set {assignment}: empty key");
        }
        let value: Value = parse_scalar(value.trim());
        let mut node = &mut self.root;
        let parts: Vec<&str> = key.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if !node.is_mapping() {
                *node = Value::Mapping(Mapping::new());
            }
            let map = node.as_mapping_mut().expect("mapping");
            let k = Value::String((*part).to_string());
            if i + 1 == parts.len() {
                map.insert(k, value);
                break;
            }
            node = map
                .entry(k)
                .or_insert_with(|| Value::Mapping(Mapping::new()));
        }
        self.overrides.push(key.to_string());
        Ok(())
    }

    /// The `--set` keys warden does not read.
    pub fn unused_overrides(&self) -> Vec<&str> {
        self.overrides
            .iter()
            .filter(|k| {
                !HONOURED_KEYS.iter().any(|h| {
                    if let Some(prefix) = h.strip_suffix('.') {
                        k.starts_with(h) || k.as_str() == prefix
                    } else {
                        k.as_str() == *h || k.starts_with(&format!("{h}."))
                    }
                })
            })
            .map(String::as_str)
            .collect()
    }

    /// The value at a dotted path, if present.
    pub fn get(&self, dotted: &str) -> Option<&Value> {
        let mut node = &self.root;
        for part in dotted.split('.') {
            node = node.as_mapping()?.get(part)?;
        }
        Some(node)
    }

    /// A string (or number rendered as text) at a dotted path.
    pub fn get_str(&self, dotted: &str) -> Option<String> {
        scalar_text(self.get(dotted)?)
    }

    /// A boolean in Suricata's spellings (yes/no, true/false, on/off, 1/0).
    pub fn get_bool(&self, dotted: &str) -> Option<bool> {
        match self.get(dotted)? {
            Value::Bool(b) => Some(*b),
            v => match scalar_text(v)?.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" | "1" | "enable" | "enabled" => Some(true),
                "no" | "false" | "off" | "0" | "disable" | "disabled" => Some(false),
                _ => None,
            },
        }
    }

    /// A size in Suricata's spellings (`128mb`, `4kb`, `1gb`, plain bytes).
    pub fn get_size(&self, dotted: &str) -> Result<Option<usize>> {
        match self.get_str(dotted) {
            None => Ok(None),
            Some(text) => parse_size(&text)
                .map(Some)
                .with_context(|| format!("{dotted}: invalid size '{text}'")),
        }
    }

    /// `vars.address-groups` or `vars.port-groups` as (name, text) pairs.
    pub fn var_group(&self, group: &str) -> Vec<(String, String)> {
        let Some(map) = self
            .get(&format!("vars.{group}"))
            .and_then(Value::as_mapping)
        else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, v)| Some((scalar_text(k)?, scalar_text(v)?)))
            .collect()
    }

    /// The config's `rule-files`, resolved against `default-rule-path`.
    pub fn rule_files(&self) -> Vec<PathBuf> {
        let base = self
            .get_str("default-rule-path")
            .map(PathBuf::from)
            .unwrap_or_default();
        let Some(Value::Sequence(list)) = self.get("rule-files") else {
            return Vec::new();
        };
        list.iter()
            .filter_map(scalar_text)
            .map(|f| {
                let p = PathBuf::from(&f);
                if p.is_absolute() {
                    p
                } else {
                    self.resolve(&base.join(p))
                }
            })
            .collect()
    }

    /// What the config's `outputs: - eve-log: types:` asks of EVE.
    /// Without an eve-log section, warden's defaults apply (alerts without
    /// payload, flow records on).
    pub fn eve_options(&self) -> EveOptions {
        let mut opts = EveOptions::default();
        let Some(Value::Sequence(outputs)) = self.get("outputs") else {
            return opts;
        };
        let Some(eve) = outputs
            .iter()
            .find_map(|o| o.as_mapping()?.get("eve-log"))
            .and_then(Value::as_mapping)
        else {
            return opts;
        };
        let Some(Value::Sequence(types)) = eve.get("types") else {
            return opts;
        };
        opts.flow = false;
        opts.http = false;
        opts.http_extended = false;
        opts.tls = false;
        opts.dns = false;
        opts.files = false;
        for t in types {
            let mut named = |name: &str| match name {
                "flow" => opts.flow = true,
                "http" => opts.http = true,
                "tls" => opts.tls = true,
                "dns" => opts.dns = true,
                "files" => opts.files = true,
                _ => {}
            };
            match t {
                Value::String(name) => named(name),
                Value::Mapping(m) => {
                    for k in m.keys().filter_map(Value::as_str) {
                        named(k);
                    }
                    if let Some(Value::Mapping(http)) = m.get("http") {
                        opts.http_extended = http
                            .get("extended")
                            .and_then(scalar_text)
                            .is_some_and(|v| matches!(v.as_str(), "yes" | "true" | "on"));
                    }
                    if let Some(Value::Mapping(alert)) = m.get("alert") {
                        let flag = |k: &str| {
                            alert
                                .get(k)
                                .and_then(scalar_text)
                                .is_some_and(|v| matches!(v.as_str(), "yes" | "true" | "on"))
                        };
                        opts.payload = flag("payload");
                        opts.payload_printable = flag("payload-printable");
                        opts.packet = flag("packet");
                        opts.verdict = flag("verdict");
                    }
                }
                _ => {}
            }
        }
        opts
    }

    /// Resolves a path named in the config against the config's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            return p.to_path_buf();
        }
        match self.path.as_deref().and_then(Path::parent) {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }
}

fn load_with_includes(path: &Path, depth: usize) -> Result<Value> {
    if depth > 8 {
        bail!("{}: include nesting deeper than 8", path.display());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let text = strip_yaml_directive(&text);
    let mut value: Value = if text.trim().is_empty() {
        Value::Mapping(Mapping::new())
    } else {
        serde_norway::from_str(text).with_context(|| format!("{}: invalid YAML", path.display()))?
    };
    if !value.is_mapping() {
        bail!("{}: the top level must be a mapping", path.display());
    }
    let includes: Vec<String> = match value.as_mapping_mut().and_then(|m| m.remove("include")) {
        Some(Value::String(s)) => vec![s],
        Some(Value::Sequence(list)) => list.iter().filter_map(scalar_text).collect(),
        _ => Vec::new(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut merged = Value::Mapping(Mapping::new());
    for inc in includes {
        let inc_path = dir.join(&inc);
        let included = load_with_includes(&inc_path, depth + 1).with_context(|| {
            format!(
                "{}:{}: include '{inc}'",
                path.display(),
                line_of(text, &inc)
            )
        })?;
        merge(&mut merged, included);
    }
    merge(&mut merged, value);
    Ok(merged)
}

/// 1-based line of the first line of `text` that mentions `needle` (1 when
/// none does), to point at an `include:` entry.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

/// Suricata configs start with `%YAML 1.1` and `---`; YAML libraries
/// reading 1.2 reject the directive, so it is dropped before parsing.
fn strip_yaml_directive(text: &str) -> &str {
    let t = text.trim_start_matches('\u{feff}');
    if let Some(rest) = t.strip_prefix("%YAML") {
        return rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
    t
}

/// Deep-merges `over` into `base`: mappings merge key by key, anything
/// else replaces.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        _ => None,
    }
}

fn parse_scalar(text: &str) -> Value {
    Value::String(text.trim_matches('"').to_string())
}

/// Parses `128mb`, `4 kb`, `1gb`, `65536` into bytes.
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: usize = t[..digits_end].parse().ok()?;
    let mult = match t[digits_end..].trim() {
        "" | "b" => 1,
        "kb" | "k" | "kib" => 1 << 10,
        "mb" | "m" | "mib" => 1 << 20,
        "gb" | "g" | "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_suricata_style_vars_with_directive_and_include() {
        let dir = std::env::temp_dir().join(format!("warden-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "base.yaml",
            "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n    EXTERNAL_NET: \"!$HOME_NET\"\n  port-groups:\n    HTTP_PORTS: \"80\"\n",
        );
        let top = write(
            &dir,
            "top.yaml",
            "%YAML 1.1\n---\ninclude: base.yaml\nvars:\n  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\nstream:\n  midstream: true\n",
        );
        let mut c = Config::load(&top).unwrap();
        let addrs = c.var_group("address-groups");
        assert!(addrs.contains(&("HOME_NET".into(), "[10.0.0.0/8]".into())));
        assert_eq!(
            c.var_group("port-groups"),
            vec![("HTTP_PORTS".into(), "[80,8080]".into())]
        );
        assert_eq!(c.get_bool("stream.midstream"), Some(true));
        c.set("vars.address-groups.HOME_NET=any").unwrap();
        assert!(c
            .var_group("address-groups")
            .contains(&("HOME_NET".into(), "any".into())));
        c.set("no.such.key=1").unwrap();
        assert_eq!(c.unused_overrides(), vec!["no.such.key"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn eve_options_follow_the_outputs_section() {
        let dir = std::env::temp_dir().join(format!("warden-cfg-eve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = write(
            &dir,
            "c.yaml",
            "outputs:\n  - fast:\n      enabled: yes\n  - eve-log:\n      types:\n        - alert:\n            payload: yes\n            payload-printable: yes\n        - http\n",
        );
        let o = Config::load(&p).unwrap().eve_options();
        assert!(o.payload && o.payload_printable && !o.packet && !o.flow);
        assert!(
            o.http && !o.http_extended,
            "a bare `- http` is not extended"
        );
        assert_eq!(Config::default().eve_options(), EveOptions::default());
        assert!(EveOptions::default().http_extended);
        let p = write(
            &dir,
            "ext.yaml",
            "outputs:
  - eve-log:
      types:
        - http:
            extended: yes
",
        );
        assert!(Config::load(&p).unwrap().eve_options().http_extended);
        let p = write(
            &dir,
            "noext.yaml",
            "outputs:
  - eve-log:
      types:
        - http:
",
        );
        assert!(!Config::load(&p).unwrap().eve_options().http_extended);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128mb"), Some(128 << 20));
        assert_eq!(parse_size("4kb"), Some(4096));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("12xb"), None);
    }

    #[test]
    fn set_rejects_missing_equals() {
        let mut c = Config::default();
        assert!(c.set("stream.midstream").is_err());
    }
}
