//! Turns the blocked flows of a replay into the impact report: totals,
//! then flows and bytes by rule, by service (server address:port,
//! protocol, SNI/Host) and by client, the established sessions cut
//! mid-way, and blocked flows over time. Against a baseline only the flows
//! whose fate changes are reported. Written as a terminal table or JSON.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use serde_json::{json, Value};

use super::collect::{BlockedFlow, Collector, FlowIdentity, RuleInfo};

/// Flows and bytes under one heading.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    pub reset: u64,
    pub cut: u64,
}

impl Tally {
    fn add(&mut self, f: &BlockedFlow) {
        self.flows += 1;
        self.packets += f.packets;
        self.bytes += f.bytes;
        self.reset += u64::from(f.reset);
        self.cut += u64::from(f.cut_established);
    }
}

/// A server as the report groups it: address, port, transport and the
/// name clients asked for (TLS SNI, HTTP Host), with the application
/// protocols detected on its blocked flows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Service {
    pub addr: IpAddr,
    pub port: u16,
    pub proto: u8,
    pub host: Option<String>,
    /// Detected protocols, comma separated; `unknown` when none was.
    pub app_proto: String,
}

impl Service {
    /// `192.0.2.10:443/tcp tls example.com`.
    pub fn label(&self) -> String {
        let mut s = match self.addr {
            IpAddr::V4(a) => format!("{a}:{}/{}", self.port, proto_name(self.proto)),
            IpAddr::V6(a) => format!("[{a}]:{}/{}", self.port, proto_name(self.proto)),
        };
        if self.app_proto != UNKNOWN {
            let _ = write!(s, " {}", self.app_proto);
        }
        if let Some(h) = &self.host {
            let _ = write!(s, " {h}");
        }
        s
    }
}

/// What a set of blocked flows amounts to.
#[derive(Debug, Default)]
pub(crate) struct Impact {
    pub total: Tally,
    /// By rule, most flows first.
    pub rules: Vec<(RuleInfo, Tally)>,
    pub services: Vec<(Service, Tally)>,
    pub clients: Vec<(IpAddr, Tally)>,
    /// Established sessions cut mid-way, in time order.
    pub cut: Vec<BlockedFlow>,
    /// Flows first blocked, per time bucket: (bucket start ns, flows).
    pub timeline: Vec<(i64, u64)>,
}

/// The whole report: one replay, or a proposal against a baseline.
pub(crate) struct Report {
    /// What the proposed policy blocks (against a baseline: blocks and
    /// the baseline did not).
    pub blocked: Impact,
    /// Against a baseline: what the baseline blocked and the proposal no
    /// longer does.
    pub unblocked: Option<Impact>,
    /// Against a baseline: flows both block.
    pub unchanged_flows: Option<u64>,
}

const TIMELINE_BUCKETS: i64 = 48;

/// The app_proto of a service where no protocol was detected.
const UNKNOWN: &str = "unknown";

fn sorted_desc<K>(
    map: HashMap<K, Tally>,
    tie: impl Fn(&K, &K) -> std::cmp::Ordering,
) -> Vec<(K, Tally)> {
    let mut v: Vec<(K, Tally)> = map.into_iter().collect();
    v.sort_by(|a, b| {
        b.1.flows
            .cmp(&a.1.flows)
            .then(b.1.bytes.cmp(&a.1.bytes))
            .then_with(|| tie(&a.0, &b.0))
    });
    v
}

impl Impact {
    fn of(flows: &[&BlockedFlow], rules: &HashMap<(u32, u32), RuleInfo>) -> Impact {
        let mut total = Tally::default();
        let mut by_rule: HashMap<(u32, u32), Tally> = HashMap::new();
        let mut by_service: HashMap<Service, Tally> = HashMap::new();
        let mut service_protos: HashMap<Service, BTreeSet<&'static str>> = HashMap::new();
        let mut by_client: HashMap<IpAddr, Tally> = HashMap::new();
        let mut cut = Vec::new();
        for f in flows {
            total.add(f);
            for r in &f.rules {
                by_rule.entry(*r).or_default().add(f);
            }
            let service = Service {
                addr: f.identity.server.0,
                port: f.identity.server.1,
                proto: f.identity.proto,
                host: f.host.clone(),
                app_proto: String::new(),
            };
            // "failed" (detection gave up) says no more than "unknown"
            if !matches!(f.app_proto, "unknown" | "failed") {
                service_protos
                    .entry(service.clone())
                    .or_default()
                    .insert(f.app_proto);
            }
            by_service.entry(service).or_default().add(f);
            by_client.entry(f.identity.client.0).or_default().add(f);
            if f.cut_established {
                cut.push((*f).clone());
            }
        }
        cut.sort_by_key(|f| (f.first_block_ns, f.identity));
        let rules = sorted_desc(by_rule, |a, b| a.cmp(b))
            .into_iter()
            .map(|(k, t)| {
                let info = rules.get(&k).cloned().unwrap_or(RuleInfo {
                    gid: k.0,
                    sid: k.1,
                    msg: String::new(),
                    owner: String::new(),
                });
                (info, t)
            })
            .collect();
        let by_service = by_service
            .into_iter()
            .map(|(mut s, t)| {
                s.app_proto = match service_protos.get(&s) {
                    Some(p) => p.iter().copied().collect::<Vec<_>>().join(","),
                    None => UNKNOWN.to_string(),
                };
                (s, t)
            })
            .collect();
        Impact {
            total,
            rules,
            services: sorted_desc(by_service, |a, b| a.cmp(b)),
            clients: sorted_desc(by_client, |a, b| a.cmp(b)),
            cut,
            timeline: timeline(flows),
        }
    }
}

/// Flows by the time of their first block, in equal buckets over the span.
fn timeline(flows: &[&BlockedFlow]) -> Vec<(i64, u64)> {
    let (Some(lo), Some(hi)) = (
        flows.iter().map(|f| f.first_block_ns).min(),
        flows.iter().map(|f| f.first_block_ns).max(),
    ) else {
        return Vec::new();
    };
    let width = ((hi - lo) / TIMELINE_BUCKETS + 1).max(1_000_000_000);
    let n = ((hi - lo) / width + 1) as usize;
    let mut v: Vec<(i64, u64)> = (0..n).map(|i| (lo + i as i64 * width, 0)).collect();
    for f in flows {
        v[((f.first_block_ns - lo) / width) as usize].1 += 1;
    }
    v
}

impl Report {
    /// One replay's report.
    pub fn single(c: &Collector) -> Report {
        let flows: Vec<&BlockedFlow> = c.flows.values().collect();
        Report {
            blocked: Impact::of(&flows, &c.rules),
            unblocked: None,
            unchanged_flows: None,
        }
    }

    /// What changes from `baseline` to `proposed`: flows only one of them
    /// blocks.
    pub fn against(proposed: &Collector, baseline: &Collector) -> Report {
        let ids = |c: &Collector| -> HashSet<FlowIdentity> {
            c.flows.values().map(|f| f.identity).collect()
        };
        let (p_ids, b_ids) = (ids(proposed), ids(baseline));
        let newly: Vec<&BlockedFlow> = proposed
            .flows
            .values()
            .filter(|f| !b_ids.contains(&f.identity))
            .collect();
        let gone: Vec<&BlockedFlow> = baseline
            .flows
            .values()
            .filter(|f| !p_ids.contains(&f.identity))
            .collect();
        Report {
            blocked: Impact::of(&newly, &proposed.rules),
            unblocked: Some(Impact::of(&gone, &baseline.rules)),
            unchanged_flows: Some(p_ids.intersection(&b_ids).count() as u64),
        }
    }

    /// The JSON document `--json` writes.
    pub fn to_json(&self) -> Value {
        let mut doc = impact_json(&self.blocked);
        if let (Some(u), Some(same)) = (&self.unblocked, self.unchanged_flows) {
            doc["baseline"] = json!({
                "unchanged_flows": same,
                "no_longer_blocked": impact_json(u),
            });
        }
        doc
    }

    /// The terminal table.
    pub fn to_text(&self, top: usize) -> String {
        let mut out = String::new();
        match (&self.unblocked, self.unchanged_flows) {
            (Some(u), Some(same)) => {
                let _ = writeln!(
                    out,
                    "Against the baseline: {} flow(s) newly blocked, {} no longer blocked, {} blocked by both.\n",
                    self.blocked.total.flows, u.total.flows, same
                );
                out.push_str("== Newly blocked ==\n");
                impact_text(&mut out, &self.blocked, top);
                out.push_str("\n== No longer blocked ==\n");
                impact_text(&mut out, u, top);
            }
            _ => impact_text(&mut out, &self.blocked, top),
        }
        out
    }
}

fn proto_name(p: u8) -> String {
    match p {
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "ipv6-icmp".into(),
        132 => "sctp".into(),
        n => n.to_string(),
    }
}

fn tally_json(t: &Tally) -> Value {
    json!({
        "flows": t.flows,
        "packets": t.packets,
        "bytes": t.bytes,
        "reset_flows": t.reset,
        "established_cut": t.cut,
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn endpoint(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

fn impact_json(i: &Impact) -> Value {
    let ts = |ns: i64| crate::impact::iso_time(ns);
    json!({
        "total": tally_json(&i.total),
        "rules": i.rules.iter().map(|(r, t)| merge(json!({
            "gid": r.gid,
            "sid": r.sid,
            "msg": r.msg,
            "owner": if r.owner.is_empty() { Value::Null } else { json!(r.owner) },
        }), tally_json(t))).collect::<Vec<_>>(),
        "services": i.services.iter().map(|(s, t)| merge(json!({
            "server": endpoint(s.addr, s.port),
            "dest_ip": s.addr.to_string(),
            "dest_port": s.port,
            "proto": proto_name(s.proto),
            "app_proto": s.app_proto,
            "host": s.host,
        }), tally_json(t))).collect::<Vec<_>>(),
        "clients": i.clients.iter().map(|(c, t)| merge(json!({
            "client": c.to_string(),
        }), tally_json(t))).collect::<Vec<_>>(),
        "established_cut": i.cut.iter().map(|f| json!({
            "flow_id": f.flow_id,
            "client": endpoint(f.identity.client.0, f.identity.client.1),
            "server": endpoint(f.identity.server.0, f.identity.server.1),
            "proto": proto_name(f.identity.proto),
            "app_proto": f.app_proto,
            "host": f.host,
            "first_block": ts(f.first_block_ns),
            "sids": f.rules.iter().map(|r| r.1).collect::<Vec<_>>(),
            "bytes": f.bytes,
        })).collect::<Vec<_>>(),
        "timeline": i.timeline.iter().map(|(t, n)| json!({"start": ts(*t), "flows": n})).collect::<Vec<_>>(),
    })
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A left-aligned text table: widths from the cells, numbers right-aligned.
fn table(out: &mut String, head: &[&str], rows: &[Vec<String>], numeric: &[bool]) {
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = w[i] - c.chars().count();
            if numeric[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < cells.len() {
                s.push_str("  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(out, &head.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in rows {
        line(out, r);
    }
}

fn impact_text(out: &mut String, i: &Impact, top: usize) {
    let t = &i.total;
    let _ = writeln!(
        out,
        "{} flow(s) blocked ({} reset), {} packet(s), {} dropped; {} established session(s) cut mid-way.",
        t.flows,
        t.reset,
        t.packets,
        human_bytes(t.bytes),
        t.cut
    );
    if t.flows == 0 {
        return;
    }
    let more = |out: &mut String, n: usize| {
        if n > top {
            let _ = writeln!(out, "... and {} more (see --json)", n - top);
        }
    };
    out.push_str("\nBy rule\n");
    let rows: Vec<Vec<String>> = i
        .rules
        .iter()
        .take(top)
        .map(|(r, t)| {
            vec![
                r.sid.to_string(),
                t.flows.to_string(),
                human_bytes(t.bytes),
                t.cut.to_string(),
                if r.owner.is_empty() {
                    "-".into()
                } else {
                    r.owner.clone()
                },
                r.msg.clone(),
            ]
        })
        .collect();
    table(
        out,
        &["SID", "FLOWS", "BYTES", "CUT", "OWNER", "MESSAGE"],
        &rows,
        &[true, true, true, true, false, false],
    );
    more(out, i.rules.len());
    out.push_str("\nBy service\n");
    let rows: Vec<Vec<String>> = i
        .services
        .iter()
        .take(top)
        .map(|(s, t)| vec![s.label(), t.flows.to_string(), human_bytes(t.bytes)])
        .collect();
    table(
        out,
        &["SERVICE", "FLOWS", "BYTES"],
        &rows,
        &[false, true, true],
    );
    more(out, i.services.len());
    out.push_str("\nBy client\n");
    let rows: Vec<Vec<String>> = i
        .clients
        .iter()
        .take(top)
        .map(|(c, t)| vec![c.to_string(), t.flows.to_string(), human_bytes(t.bytes)])
        .collect();
    table(
        out,
        &["CLIENT", "FLOWS", "BYTES"],
        &rows,
        &[false, true, true],
    );
    more(out, i.clients.len());
    if !i.cut.is_empty() {
        out.push_str("\nEstablished sessions cut mid-way\n");
        let rows: Vec<Vec<String>> = i
            .cut
            .iter()
            .take(top)
            .map(|f| {
                vec![
                    crate::impact::iso_time(f.first_block_ns),
                    endpoint(f.identity.client.0, f.identity.client.1),
                    endpoint(f.identity.server.0, f.identity.server.1),
                    f.app_proto.to_string(),
                    f.rules
                        .iter()
                        .map(|r| r.1.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ]
            })
            .collect();
        table(
            out,
            &["FIRST BLOCK", "CLIENT", "SERVER", "APP", "SIDS"],
            &rows,
            &[false, false, false, false, false],
        );
        more(out, i.cut.len());
    }
}
