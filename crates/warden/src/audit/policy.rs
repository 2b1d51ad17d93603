//! The ruleset and configuration under audit, read the way a start reads
//! them (same rule files, variables and compiler), with what every check
//! needs to know about each rule computed once: its resolved header, the
//! transports it covers, whether it inspects anything beyond the header,
//! and its owner, expiry and CVE metadata.

use std::path::PathBuf;

use anyhow::{bail, Result};
use warden_detect::{ActionClass, Engine, RejectionKind};
use warden_rules::{
    load_rule_files, resolve_header, Action, AppProto, BitsCmd, DuplicateSid, Protocol,
    ResolvedHeader, Rule, RuleOption,
};

use super::overlap;
use crate::config::Config;
use crate::inventory::normalise_cve;

/// A rule the engine would not load, with its reason.
#[derive(Clone, Debug)]
pub struct Refused {
    pub file: String,
    pub line: u32,
    pub sid: Option<u32>,
    /// `true`: the rule is wrong; `false`: valid, not supported yet.
    pub invalid: bool,
    pub reason: String,
}

/// One parsed rule and what the checks ask of it.
pub struct AuditedRule {
    pub rule: Rule,
    /// `None` for a rule whose variables do not resolve (never loaded).
    pub header: Option<ResolvedHeader>,
    /// The engine compiles it (it can take part in detection).
    pub loaded: bool,
    /// `None` for `config` rules.
    pub class: Option<ActionClass>,
    /// [`overlap`] transport bits.
    pub transports: u8,
    pub app: Option<AppProto>,
    /// It inspects more than the header: payload, app-layer buffers or
    /// state, flowbits set by other rules.
    pub narrowed: bool,
}

impl AuditedRule {
    fn metadata<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.rule
            .meta
            .metadata
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn owners(&self) -> Vec<&str> {
        self.metadata("owner").filter(|v| !v.is_empty()).collect()
    }

    pub fn expires(&self) -> Option<&str> {
        self.metadata("expires").next()
    }

    /// CVE ids from `metadata: cve ...` (any spelling) and
    /// `reference: cve,...`, normalised and deduplicated.
    pub fn cves(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .metadata("cve")
            .filter_map(normalise_cve)
            .chain(
                self.rule
                    .meta
                    .references
                    .iter()
                    .filter(|r| r.system.eq_ignore_ascii_case("cve"))
                    .filter_map(|r| normalise_cve(&r.id)),
            )
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Drop or reject.
    pub fn blocks(&self) -> bool {
        matches!(self.class, Some(ActionClass::Drop | ActionClass::Reject))
    }

    pub fn is_pass(&self) -> bool {
        self.class == Some(ActionClass::Pass)
    }

    /// Whether the flow direction options pin the rule to replies
    /// (`flow:to_client`): its destination is then a client.
    pub fn to_client(&self) -> bool {
        self.rule
            .options
            .iter()
            .any(|o| matches!(&o.node, RuleOption::Flow(f) if f.to_client))
    }

    /// Whether `flow:to_server` pins the rule to requests.
    pub fn to_server(&self) -> bool {
        self.rule
            .options
            .iter()
            .any(|o| matches!(&o.node, RuleOption::Flow(f) if f.to_server))
    }
}

/// Whether an option makes a rule look beyond addresses, ports and flow
/// state: payload and app-layer matches, protocol detection, state other
/// rules set.
fn narrows(o: &RuleOption) -> bool {
    use RuleOption as O;
    match o {
        O::Flowbits(b) => matches!(b.cmd, BitsCmd::IsSet | BitsCmd::IsNotSet),
        O::Content(_)
        | O::Pcre(_)
        | O::Buffer(_)
        | O::DirectedBuffer { .. }
        | O::IsDataAt(_)
        | O::ByteTest(_)
        | O::ByteJump(_)
        | O::ByteExtract(_)
        | O::ByteMath(_)
        | O::ByteMathVarBytes { .. }
        | O::Bsize(_)
        | O::Absent { .. }
        | O::Urilen(_)
        | O::Base64Decode(_)
        | O::Xbits(_)
        | O::Hostbits(_)
        | O::Flowint(_)
        | O::AppLayerProtocol { .. }
        | O::SslState(_)
        | O::SslVersion(_)
        | O::TlsVersion(_)
        | O::TlsCertExpired
        | O::TlsCertValid
        | O::DnsOpcode(_)
        | O::DnsRcode(_)
        | O::DnsRrtype(_)
        | O::TlsCertField { .. }
        | O::AppLayerEvent(_)
        | O::Other { .. } => true,
        _ => false,
    }
}

/// The ruleset and config under audit.
pub struct Policy {
    /// Every rule that parsed, in load order.
    pub rules: Vec<AuditedRule>,
    /// Rules the engine would not load (parse errors other than
    /// duplicate sids, compile rejections).
    pub refused: Vec<Refused>,
    pub duplicates: Vec<DuplicateSid>,
    /// Rank per [`ActionClass`] in the configured action order (lower
    /// is evaluated first).
    pub action_rank: [u8; 4],
    /// The config sets `require-owner: true`.
    pub require_owner: bool,
    pub files: Vec<PathBuf>,
}

impl Policy {
    /// Reads `files` with the config's variables, classification and
    /// action order, as a start would.
    pub fn load(cfg: &Config, files: &[PathBuf]) -> Result<Policy> {
        if files.is_empty() {
            bail!("no rule files: give -S FILE, or a config (-c) with rule-files");
        }
        for f in files {
            if !f.is_file() {
                bail!("rule file {} does not exist", f.display());
            }
        }
        let vars = crate::load::vars(cfg)?;
        let classes = crate::load::classifications(cfg)?;
        let source = load_rule_files(files);
        let (_, report) = Engine::build_with_events(
            &source.rules,
            &vars,
            &classes,
            &crate::app_glue::known_app_event,
        );
        let rejected: std::collections::HashMap<(&str, u32), bool> = report
            .rejected
            .iter()
            .map(|r| {
                (
                    (&*r.file, r.line),
                    matches!(r.kind, RejectionKind::Invalid(_)),
                )
            })
            .collect();
        let mut refused: Vec<Refused> = source
            .diagnostics
            .iter()
            .filter(|d| {
                !source
                    .duplicates
                    .iter()
                    .any(|x| *x.again.file == *d.file && x.again.line == d.line)
            })
            .map(|d| Refused {
                file: d.file.to_string(),
                line: d.line,
                sid: d.sid,
                invalid: true,
                reason: d.message.clone(),
            })
            .collect();
        refused.extend(report.rejected.iter().map(|r| Refused {
            file: r.file.to_string(),
            line: r.line,
            sid: Some(r.sid),
            invalid: matches!(r.kind, RejectionKind::Invalid(_)),
            reason: match &r.kind {
                RejectionKind::Unsupported(w) => format!("not supported yet: {w}"),
                RejectionKind::Invalid(w) => w.clone(),
            },
        }));
        let rules = source
            .rules
            .into_iter()
            .map(|rule| {
                let header = resolve_header(&rule, &vars).ok();
                let loaded =
                    header.is_some() && !rejected.contains_key(&(&*rule.loc.file, rule.loc.line));
                let class = match rule.action {
                    Action::Pass => Some(ActionClass::Pass),
                    Action::Drop => Some(ActionClass::Drop),
                    Action::Alert => Some(ActionClass::Alert),
                    Action::Config => None,
                    _ => Some(ActionClass::Reject),
                };
                let app = match rule.protocol {
                    Protocol::App(a) => Some(a),
                    _ => None,
                };
                AuditedRule {
                    transports: overlap::transports(rule.protocol),
                    narrowed: rule.options.iter().any(|o| narrows(&o.node)),
                    header,
                    loaded,
                    class,
                    app,
                    rule,
                }
            })
            .collect();
        Ok(Policy {
            rules,
            refused,
            duplicates: source.duplicates,
            action_rank: action_rank(cfg)?,
            require_owner: crate::owners::required(cfg),
            files: source.files,
        })
    }

    /// Whether rules of class `a` are evaluated before rules of class `b`.
    pub fn evaluated_before(&self, a: ActionClass, b: ActionClass) -> bool {
        self.action_rank[a as usize] < self.action_rank[b as usize]
    }
}

/// The config's `action-order` as a rank per class (Suricata's default
/// pass, drop, reject, alert without one).
fn action_rank(cfg: &Config) -> Result<[u8; 4]> {
    let mut rank = [0, 1, 2, 3];
    if let Some(list) = cfg.get("action-order").and_then(|v| v.as_sequence()) {
        rank = [u8::MAX; 4];
        for (i, v) in list.iter().enumerate() {
            let name = v.as_str().unwrap_or_default();
            let Some(c) = ActionClass::parse(name) else {
                bail!("action-order: unknown action '{name}' (expected pass, drop, reject, alert)");
            };
            if rank[c as usize] == u8::MAX {
                rank[c as usize] = i as u8;
            }
        }
        for (c, r) in rank.iter_mut().enumerate() {
            if *r == u8::MAX {
                *r = 4 + c as u8;
            }
        }
    }
    Ok(rank)
}
