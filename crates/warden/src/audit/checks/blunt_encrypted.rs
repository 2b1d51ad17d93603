//! `blunt-encrypted`: drop/reject rules that decide on addresses and ports
//! alone (no payload, app-layer or state condition) for services that are
//! encrypted. Such a rule cannot tell one connection from another: it
//! blocks the whole service. The message names the keywords that look at
//! what encrypted traffic still shows (TLS SNI, certificates, JA3/JA4;
//! SSH banners and HASSH; QUIC SNI).

use warden_rules::{AppProto, PortSet};

use super::Finding;
use crate::audit::finding::Severity;
use crate::audit::overlap;
use crate::audit::policy::{AuditedRule, Policy};

/// What narrows a rule for each family of encrypted services.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Tls,
    Ssh,
    Quic,
}

impl Family {
    fn keywords(self) -> &'static str {
        match self {
            Family::Tls => "tls.sni, tls.cert_subject, tls.cert_fingerprint, ja3.hash, ja4.hash",
            Family::Ssh => "ssh.software, ssh.proto, ssh.hassh, ssh.hassh.server",
            Family::Quic => "quic.sni, quic.version, quic.ua",
        }
    }
}

/// (transport bit, port, service name, family)
const ENCRYPTED: &[(u8, u16, &str, Family)] = &[
    (overlap::TCP, 22, "ssh", Family::Ssh),
    (overlap::TCP, 443, "https", Family::Tls),
    (overlap::TCP, 465, "smtps", Family::Tls),
    (overlap::TCP, 636, "ldaps", Family::Tls),
    (overlap::TCP, 853, "dns-over-tls", Family::Tls),
    (overlap::TCP, 989, "ftps-data", Family::Tls),
    (overlap::TCP, 990, "ftps", Family::Tls),
    (overlap::TCP, 993, "imaps", Family::Tls),
    (overlap::TCP, 995, "pop3s", Family::Tls),
    (overlap::TCP, 5061, "sips", Family::Tls),
    (overlap::TCP, 8443, "https-alt", Family::Tls),
    (overlap::UDP, 443, "quic", Family::Quic),
];

/// The port set naming the rule's service: the destination's, or the
/// source's when the rule is about replies.
fn service_ports(r: &AuditedRule) -> Option<&PortSet> {
    let h = r.header.as_ref()?;
    Some(if r.to_client() {
        &h.src_port
    } else {
        &h.dst_port
    })
}

pub fn check(policy: &Policy, out: &mut Vec<Finding>) {
    for r in policy
        .rules
        .iter()
        .filter(|r| r.loaded && r.blocks() && !r.narrowed)
    {
        let Some(ports) = service_ports(r) else {
            continue;
        };
        let mut hit: Vec<(String, Family)> = Vec::new();
        if !ports.is_any() {
            for &(t, port, name, fam) in ENCRYPTED {
                if r.transports & t != 0 && ports.contains(port) {
                    let proto = if t == overlap::TCP { "tcp" } else { "udp" };
                    hit.push((format!("{proto}/{port} {name}"), fam));
                }
            }
        }
        match r.app {
            Some(AppProto::Tls) if hit.is_empty() => hit.push(("tls".into(), Family::Tls)),
            Some(AppProto::Ssh) if hit.is_empty() => hit.push(("ssh".into(), Family::Ssh)),
            Some(AppProto::Quic) if hit.is_empty() => hit.push(("quic".into(), Family::Quic)),
            _ => {}
        }
        if hit.is_empty() {
            continue;
        }
        let services: Vec<&str> = hit.iter().map(|(s, _)| s.as_str()).collect();
        let mut families: Vec<Family> = Vec::new();
        for (_, f) in &hit {
            if !families.contains(f) {
                families.push(*f);
            }
        }
        let keywords: Vec<&str> = families.iter().map(|f| f.keywords()).collect();
        out.push(Finding::at(
            "blunt-encrypted",
            Severity::Medium,
            &r.rule,
            format!(
                "{} rule matches on addresses and ports alone on encrypted service(s) {}: it \
                 blocks every connection there; narrow it with {}",
                r.rule.action.name(),
                services.join(", "),
                keywords.join("; ")
            ),
        ));
    }
}
