//! `never-matches` and `not-loaded`: rules that cannot fire. Some the
//! engine refuses outright (contradictory `flow` options, a `content`
//! longer than its `depth`, an address list that excludes everything it
//! includes, ...): the load's own reason is reported. Others load but ask
//! for the impossible: a payload size no packet has, a `content` longer
//! than the largest payload `dsize` allows, an `ip_proto` other than the
//! header's protocol, `sameip` between disjoint address sets. Rules that
//! are valid but use what warden does not support yet are `not-loaded`.

use warden_rules::{Buffer, CmpOp, IntCmp, IntOrVar, Protocol, RuleOption};

use super::Finding;
use crate::audit::finding::Severity;
use crate::audit::overlap;
use crate::audit::policy::{AuditedRule, Policy};

/// The largest payload one IP packet carries.
const MAX_PAYLOAD: u64 = 65535;

/// The largest payload size `dsize` admits, `None` when it admits none.
fn dsize_max(c: &IntCmp) -> Option<u64> {
    let max = match c.op {
        CmpOp::Lt => c.a.checked_sub(1)?,
        CmpOp::Le | CmpOp::Eq => c.a,
        CmpOp::Gt if c.a >= MAX_PAYLOAD => return None,
        CmpOp::Ge if c.a > MAX_PAYLOAD => return None,
        CmpOp::Range if c.b <= c.a + 1 => return None,
        CmpOp::Range => c.b - 1,
        _ => MAX_PAYLOAD,
    };
    (max <= MAX_PAYLOAD || c.op != CmpOp::Eq).then_some(max.min(MAX_PAYLOAD))
}

/// The longest payload a positive `content` on the packet payload needs
/// (its length plus a literal offset), with the option's text.
fn payload_need(r: &AuditedRule) -> Option<(u64, String)> {
    let mut on_payload = true;
    let mut need: Option<(u64, String)> = None;
    for o in &r.rule.options {
        match &o.node {
            RuleOption::Buffer(b) => on_payload = *b == Buffer::PktData,
            RuleOption::DirectedBuffer { .. } => on_payload = false,
            RuleOption::Content(c)
                if on_payload && !c.negated && c.legacy_buffer.is_none() && !c.rawbytes =>
            {
                let offset = match c.offset {
                    Some(IntOrVar::Int(n)) if n > 0 => n as u64,
                    _ => 0,
                };
                let n = offset + c.pattern.len() as u64;
                if need.as_ref().is_none_or(|(m, _)| n > *m) {
                    let text = r.rule.text.get(o.span.clone()).unwrap_or("content");
                    need = Some((n, text.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    need
}

/// The IP protocol number a header protocol pins, if it pins one.
fn header_ip_proto(p: Protocol) -> Option<u64> {
    match p {
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => Some(6),
        Protocol::Udp | Protocol::UdpPkt => Some(17),
        Protocol::Icmpv4 => Some(1),
        Protocol::Icmpv6 => Some(58),
        Protocol::Sctp => Some(132),
        Protocol::Igmp => Some(2),
        _ => None,
    }
}

/// Why a loaded rule can never match, if it cannot.
fn impossible(r: &AuditedRule) -> Option<String> {
    for o in &r.rule.options {
        match &o.node {
            RuleOption::Dsize(c) => {
                let text = r.rule.text.get(o.span.clone()).unwrap_or("dsize").trim();
                let Some(max) = dsize_max(c) else {
                    return Some(format!(
                        "{text}: no packet has such a payload size (at most {MAX_PAYLOAD} bytes)"
                    ));
                };
                if let Some((need, content)) = payload_need(r) {
                    if need > max {
                        return Some(format!(
                            "{content} needs a payload of {need} bytes but {text} allows at most {max}"
                        ));
                    }
                }
            }
            RuleOption::IpProto(c) if c.op == CmpOp::Eq => {
                if let Some(p) = header_ip_proto(r.rule.protocol) {
                    if p != c.a {
                        return Some(format!(
                            "ip_proto:{} contradicts the header protocol {} (IP protocol {p})",
                            c.a,
                            r.rule.protocol.name()
                        ));
                    }
                }
            }
            RuleOption::SameIp => {
                if let Some(h) = &r.header {
                    if !overlap::ips_meet(&h.src_addr, &h.dst_addr) {
                        return Some(
                            "sameip: the source and destination addresses have none in common"
                                .to_string(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    None
}

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    for x in &policy.refused {
        let (kind, severity, message) = if x.invalid {
            (
                "never-matches",
                Severity::High,
                format!("the engine refuses this rule: {}", x.reason),
            )
        } else {
            (
                "not-loaded",
                Severity::Info,
                format!(
                    "warden leaves this rule out ({}): it never matches here",
                    x.reason
                ),
            )
        };
        out.push(Finding {
            kind,
            severity,
            sid: x.sid.unwrap_or(0),
            file: x.file.clone(),
            line: x.line,
            related: Vec::new(),
            message,
        });
    }
    for r in policy.rules.iter().filter(|r| r.loaded) {
        if let Some(why) = impossible(r) {
            out.push(Finding::at("never-matches", Severity::High, &r.rule, why));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(op: CmpOp, a: u64, b: u64) -> IntCmp {
        IntCmp { op, a, b }
    }

    #[test]
    fn dsize_bounds() {
        assert_eq!(dsize_max(&cmp(CmpOp::Gt, 65535, 0)), None);
        assert_eq!(dsize_max(&cmp(CmpOp::Lt, 0, 0)), None);
        assert_eq!(dsize_max(&cmp(CmpOp::Range, 5, 6)), None);
        assert_eq!(dsize_max(&cmp(CmpOp::Lt, 10, 0)), Some(9));
        assert_eq!(dsize_max(&cmp(CmpOp::Range, 5, 9)), Some(8));
        assert_eq!(dsize_max(&cmp(CmpOp::Gt, 100, 0)), Some(65535));
        assert_eq!(dsize_max(&cmp(CmpOp::Ne, 0, 0)), Some(65535));
    }
}
