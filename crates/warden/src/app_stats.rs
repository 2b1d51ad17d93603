//! Application-layer counters of the `stats` event, named as Suricata's:
//! `app_layer.flow.<proto>` (flows whose protocol was recognised, with
//! `failed_tcp` / `failed_udp` for flows where recognition gave up),
//! `app_layer.tx.<proto>` (transactions the parser created) and
//! `app_layer.error.<proto>.parser` (messages the parser rejected).
//!
//! DNS is counted apart per transport (`dns_tcp`, `dns_udp`) as Suricata
//! does. A TLS session is one transaction that exists from the start, so
//! the parser never creates one: `app_layer.tx.tls` stays 0, as in
//! Suricata. Flows are counted when they end.

use warden_app::detect_proto::AppProtoKind;

use crate::app_glue::{FlowApp, Parser};

/// Counter names of one protocol.
struct Names {
    flow: &'static str,
    tx: &'static str,
    parser_error: &'static str,
}

/// The protocols counted, in the order they are reported.
const PROTOS: [Names; 7] = [
    Names {
        flow: "app_layer.flow.http",
        tx: "app_layer.tx.http",
        parser_error: "app_layer.error.http.parser",
    },
    Names {
        flow: "app_layer.flow.ftp",
        tx: "app_layer.tx.ftp",
        parser_error: "app_layer.error.ftp.parser",
    },
    Names {
        flow: "app_layer.flow.smtp",
        tx: "app_layer.tx.smtp",
        parser_error: "app_layer.error.smtp.parser",
    },
    Names {
        flow: "app_layer.flow.tls",
        tx: "app_layer.tx.tls",
        parser_error: "app_layer.error.tls.parser",
    },
    Names {
        flow: "app_layer.flow.ssh",
        tx: "app_layer.tx.ssh",
        parser_error: "app_layer.error.ssh.parser",
    },
    Names {
        flow: "app_layer.flow.dns_tcp",
        tx: "app_layer.tx.dns_tcp",
        parser_error: "app_layer.error.dns_tcp.parser",
    },
    Names {
        flow: "app_layer.flow.dns_udp",
        tx: "app_layer.tx.dns_udp",
        parser_error: "app_layer.error.dns_udp.parser",
    },
];

/// Index into [`PROTOS`] of a flow's protocol, if counted.
fn index(kind: AppProtoKind, tcp: bool) -> Option<usize> {
    Some(match kind {
        AppProtoKind::Http1 => 0,
        AppProtoKind::Ftp => 1,
        AppProtoKind::Smtp => 2,
        AppProtoKind::Tls => 3,
        AppProtoKind::Ssh => 4,
        AppProtoKind::Dns if tcp => 5,
        AppProtoKind::Dns => 6,
        AppProtoKind::Unknown | AppProtoKind::Failed => return None,
    })
}

/// The counters of a run.
#[derive(Default)]
pub struct AppStats {
    flows: [u64; PROTOS.len()],
    txs: [u64; PROTOS.len()],
    parser_errors: [u64; PROTOS.len()],
    failed_tcp: u64,
    failed_udp: u64,
}

impl AppStats {
    /// Counts a flow that ended (`tcp`: its transport is TCP).
    pub fn flow_ended(&mut self, app: &FlowApp, tcp: bool) {
        let kind = app.parse.proto;
        if kind == AppProtoKind::Failed {
            if tcp {
                self.failed_tcp += 1;
            } else {
                self.failed_udp += 1;
            }
            return;
        }
        let Some(i) = index(kind, tcp) else {
            return;
        };
        self.flows[i] += 1;
        let (txs, errors) = match &app.parse.parser {
            Parser::Http(h) => (h.next_tx_id(), 0),
            Parser::Dns(d) => (d.next_tx_id(), d.invalid_count),
            Parser::Tls(_) | Parser::None => (0, 0),
        };
        self.txs[i] += txs;
        self.parser_errors[i] += errors;
    }

    /// Every counter by its dotted path under `stats`.
    pub fn counters(&self) -> Vec<(&'static str, u64)> {
        let mut out = Vec::with_capacity(PROTOS.len() * 3 + 2);
        for (i, n) in PROTOS.iter().enumerate() {
            out.push((n.flow, self.flows[i]));
        }
        out.push(("app_layer.flow.failed_tcp", self.failed_tcp));
        out.push(("app_layer.flow.failed_udp", self.failed_udp));
        for (i, n) in PROTOS.iter().enumerate() {
            out.push((n.tx, self.txs[i]));
        }
        for (i, n) in PROTOS.iter().enumerate() {
            out.push((n.parser_error, self.parser_errors[i]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &AppStats, name: &str) -> u64 {
        s.counters()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no counter {name}"))
    }

    #[test]
    fn dns_is_counted_per_transport_with_its_transactions_and_errors() {
        let mut s = AppStats::default();
        let mut app = FlowApp::new_udp();
        let query = [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1,
        ];
        app.feed_udp(true, 40000, 53, &query);
        app.feed_udp(false, 53, 40000, &[0xff; 4]); // not DNS: a parser error
        s.flow_ended(&app, false);
        assert_eq!(value(&s, "app_layer.flow.dns_udp"), 1);
        assert_eq!(value(&s, "app_layer.flow.dns_tcp"), 0);
        assert_eq!(value(&s, "app_layer.tx.dns_udp"), 1);
        assert_eq!(value(&s, "app_layer.error.dns_udp.parser"), 1);
    }

    #[test]
    fn failed_recognition_and_tls_sessions() {
        let mut s = AppStats::default();
        let mut app = FlowApp::new_udp();
        app.feed_udp(true, 40000, 9999, b"hello");
        s.flow_ended(&app, false);
        assert_eq!(value(&s, "app_layer.flow.failed_udp"), 1);
        assert_eq!(value(&s, "app_layer.flow.tls"), 0);
        assert_eq!(value(&s, "app_layer.tx.tls"), 0);
        assert_eq!(value(&s, "app_layer.error.http.parser"), 0);
    }
}
