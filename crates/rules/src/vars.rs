//! Address and port variables (`$HOME_NET`, `$HTTP_PORTS`) and resolution
//! of header expressions into [`IpSet`] / [`PortSet`].

use crate::ast::{AddrExpr, PortExpr, Rule};
use crate::header::{parse_addr, parse_port};
use crate::suggest::did_you_mean;
use crate::{Diagnostic, IpSet, PortSet};
use std::collections::BTreeMap;
use std::fmt;

/// Address-groups and port-groups, name (without `$`) → text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    addresses: BTreeMap<String, String>,
    ports: BTreeMap<String, String>,
}

/// Error resolving a variable or expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarError {
    /// Message, e.g. `unknown variable $HOME_NETT (did you mean $HOME_NET?)`.
    pub message: String,
}

impl fmt::Display for VarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VarError {}

fn err<T>(m: String) -> Result<T, VarError> {
    Err(VarError { message: m })
}

impl Vars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }
    /// The `vars` section of Suricata's default suricata.yaml.
    pub fn suricata_defaults() -> Self {
        let mut v = Vars::new();
        for (k, t) in [
            ("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"),
            ("EXTERNAL_NET", "!$HOME_NET"),
            ("HTTP_SERVERS", "$HOME_NET"),
            ("SMTP_SERVERS", "$HOME_NET"),
            ("SQL_SERVERS", "$HOME_NET"),
            ("DNS_SERVERS", "$HOME_NET"),
            ("TELNET_SERVERS", "$HOME_NET"),
            ("AIM_SERVERS", "$EXTERNAL_NET"),
            ("DC_SERVERS", "$HOME_NET"),
            ("DNP3_SERVER", "$HOME_NET"),
            ("DNP3_CLIENT", "$HOME_NET"),
            ("MODBUS_CLIENT", "$HOME_NET"),
            ("MODBUS_SERVER", "$HOME_NET"),
            ("ENIP_CLIENT", "$HOME_NET"),
            ("ENIP_SERVER", "$HOME_NET"),
        ] {
            v.set_address(k, t);
        }
        for (k, t) in [
            ("HTTP_PORTS", "80"),
            ("SHELLCODE_PORTS", "!80"),
            ("ORACLE_PORTS", "1521"),
            ("SSH_PORTS", "22"),
            ("DNP3_PORTS", "20000"),
            ("MODBUS_PORTS", "502"),
            ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
            ("FTP_PORTS", "21"),
            ("GENEVE_PORTS", "6081"),
            ("VXLAN_PORTS", "4789"),
            ("TEREDO_PORTS", "3544"),
            ("SIP_PORTS", "[5060, 5061]"),
        ] {
            v.set_port(k, t);
        }
        v
    }
    /// Define or replace an address group (name with or without `$`).
    pub fn set_address(&mut self, name: &str, text: &str) {
        self.addresses
            .insert(name.trim_start_matches('$').to_string(), text.to_string());
    }
    /// Define or replace a port group.
    pub fn set_port(&mut self, name: &str, text: &str) {
        self.ports
            .insert(name.trim_start_matches('$').to_string(), text.to_string());
    }
    /// Text of an address group.
    pub fn address(&self, name: &str) -> Option<&str> {
        self.addresses.get(name).map(String::as_str)
    }
    /// Text of a port group.
    pub fn port(&self, name: &str) -> Option<&str> {
        self.ports.get(name).map(String::as_str)
    }
}

/// Shared evaluation of list/negation for both kinds.
trait SetOps: Sized + Clone {
    fn all() -> Self;
    fn union(&self, o: &Self) -> Self;
    fn minus(&self, o: &Self) -> Self;
    fn empty() -> Self;
}

impl SetOps for IpSet {
    fn all() -> Self {
        IpSet::any()
    }
    fn union(&self, o: &Self) -> Self {
        IpSet::union(self, o)
    }
    fn minus(&self, o: &Self) -> Self {
        self.difference(o)
    }
    fn empty() -> Self {
        IpSet::empty()
    }
}

impl SetOps for PortSet {
    fn all() -> Self {
        PortSet::any()
    }
    fn union(&self, o: &Self) -> Self {
        PortSet::union(self, o)
    }
    fn minus(&self, o: &Self) -> Self {
        self.difference(o)
    }
    fn empty() -> Self {
        PortSet::empty()
    }
}

/// Combine the items of a list: union of positives (or everything when there
/// are none) minus union of negated items.
fn combine<S: SetOps>(pos: Vec<S>, neg: Vec<S>) -> S {
    let p = if pos.is_empty() {
        S::all()
    } else {
        pos.iter().fold(S::empty(), |a, b| a.union(b))
    };
    let n = neg.iter().fold(S::empty(), |a, b| a.union(b));
    p.minus(&n)
}

/// Resolves one `$NAME` of either kind: unknown names and definition
/// loops are errors; the definition text is parsed and evaluated with the
/// name on the stack.
fn eval_var<E, S>(
    name: &str,
    text: Option<&str>,
    stack: &mut Vec<String>,
    unknown: impl FnOnce() -> String,
    parse: impl FnOnce(&str) -> crate::error::PResult<E>,
    eval: impl FnOnce(&E, &mut Vec<String>) -> Result<S, VarError>,
) -> Result<S, VarError> {
    let Some(text) = text else {
        return err(unknown());
    };
    if stack.iter().any(|s| s == name) {
        return err(format!(
            "variable loop: ${} -> ${name}",
            stack.join(" -> $")
        ));
    }
    let parsed = parse(text).map_err(|e| VarError {
        message: format!("variable ${name}: {}", e.msg),
    })?;
    stack.push(name.to_string());
    let r = eval(&parsed, stack);
    stack.pop();
    r
}

fn eval_addr(e: &AddrExpr, vars: &Vars, stack: &mut Vec<String>) -> Result<IpSet, VarError> {
    Ok(match e {
        AddrExpr::Any => IpSet::any(),
        AddrExpr::Ip(n) => IpSet::cidr(n.addr, n.prefix),
        AddrExpr::Range(a, b) => IpSet::range(*a, *b),
        AddrExpr::Not(inner) => eval_addr(inner, vars, stack)?.complement(),
        AddrExpr::List(items) => {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for i in items {
                match i {
                    AddrExpr::Not(x) => neg.push(eval_addr(x, vars, stack)?),
                    _ => pos.push(eval_addr(i, vars, stack)?),
                }
            }
            combine(pos, neg)
        }
        AddrExpr::Var(name) => eval_var(
            name,
            vars.address(name),
            stack,
            || {
                let hint = did_you_mean(name, vars.addresses.keys().map(String::as_str), "$");
                let kind = if vars.port(name).is_some() {
                    " (it is a port variable)"
                } else {
                    ""
                };
                format!("unknown variable ${name}{hint}{kind}")
            },
            |text| parse_addr(text, 0),
            |parsed, stack| eval_addr(parsed, vars, stack),
        )?,
    })
}

fn eval_ports(e: &PortExpr, vars: &Vars, stack: &mut Vec<String>) -> Result<PortSet, VarError> {
    Ok(match e {
        PortExpr::Any => PortSet::any(),
        PortExpr::Port(p) => PortSet::range(*p, *p),
        PortExpr::Range(a, b) => PortSet::range(*a, *b),
        PortExpr::Not(inner) => eval_ports(inner, vars, stack)?.complement(),
        PortExpr::List(items) => {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for i in items {
                match i {
                    PortExpr::Not(x) => neg.push(eval_ports(x, vars, stack)?),
                    _ => pos.push(eval_ports(i, vars, stack)?),
                }
            }
            combine(pos, neg)
        }
        PortExpr::Var(name) => eval_var(
            name,
            vars.port(name),
            stack,
            || {
                let hint = did_you_mean(name, vars.ports.keys().map(String::as_str), "$");
                let kind = if vars.address(name).is_some() {
                    " (it is an address variable)"
                } else {
                    ""
                };
                format!("unknown variable ${name}{hint}{kind}")
            },
            |text| parse_port(text, 0),
            |parsed, stack| eval_ports(parsed, vars, stack),
        )?,
    })
}

/// Resolve an address expression. An expression that matches no address
/// (e.g. `!any`) is an error.
pub fn resolve_addr(e: &AddrExpr, vars: &Vars) -> Result<IpSet, VarError> {
    let s = eval_addr(e, vars, &mut Vec::new())?;
    if s.is_empty() {
        return err("address expression matches no address".to_string());
    }
    Ok(s)
}

/// Resolve a port expression. An expression that matches no port is an
/// error.
pub fn resolve_ports(e: &PortExpr, vars: &Vars) -> Result<PortSet, VarError> {
    let s = eval_ports(e, vars, &mut Vec::new())?;
    if s.is_empty() {
        return err("port expression matches no port".to_string());
    }
    Ok(s)
}

/// A rule header with variables resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHeader {
    /// Source addresses.
    pub src_addr: IpSet,
    /// Source ports.
    pub src_port: PortSet,
    /// Destination addresses.
    pub dst_addr: IpSet,
    /// Destination ports.
    pub dst_port: PortSet,
}

/// Resolve all four header expressions of a rule; the diagnostic points at
/// the rule and names the field.
pub fn resolve_header(rule: &Rule, vars: &Vars) -> Result<ResolvedHeader, Diagnostic> {
    let d = |field: &str, e: VarError| Diagnostic {
        file: rule.loc.file.clone(),
        line: rule.loc.line,
        column: 1,
        sid: Some(rule.meta.sid),
        message: format!("{field}: {}", e.message),
    };
    Ok(ResolvedHeader {
        src_addr: resolve_addr(&rule.src_addr, vars).map_err(|e| d("source address", e))?,
        src_port: resolve_ports(&rule.src_port, vars).map_err(|e| d("source port", e))?,
        dst_addr: resolve_addr(&rule.dst_addr, vars).map_err(|e| d("destination address", e))?,
        dst_port: resolve_ports(&rule.dst_port, vars).map_err(|e| d("destination port", e))?,
    })
}
