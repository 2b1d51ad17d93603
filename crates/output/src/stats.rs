//! The `stats` event: a snapshot of counters rendered as Suricata's nested
//! `stats` object.
//!
//! [`StatsSnapshot`] has typed fields for the counters every build has, and
//! one open list, [`StatsSnapshot::counters`], for anything else by its
//! full dotted path (`"tcp.syn"`, `"app_layer.flow.http"`,
//! `"ips.drop_reason.rules"`). Rendering inserts every counter into an
//! ordered tree keyed by path segment (first insertion decides the order
//! within an object), then orders the top-level sections as Suricata does
//! (`uptime`, `capture`, `decoder`, `tcp`, `flow`, `defrag`, ..., `detect`,
//! `app_layer`, ...), so a new counter needs no renderer change. Stats
//! events are rare (one per interval), so this path may allocate.

use crate::json::JsonBuf;
use crate::time::Timestamp;

/// All counters for one `stats` event.
#[derive(Debug, Clone, Default)]
pub struct StatsSnapshot {
    /// Seconds since start.
    pub uptime: u64,
    /// Capture counters, for live sources only.
    pub capture: Option<CaptureStats>,
    /// Decoder counters.
    pub decoder: DecoderStats,
    /// Flow table counters.
    pub flow: FlowStats,
    /// Detection counters.
    pub detect: DetectStats,
    /// Any other counter, by full dotted path from `stats`; merged into
    /// the same tree (so `"decoder.arp"` lands inside `decoder`).
    pub counters: Vec<(&'static str, u64)>,
    /// Text values by full dotted path (`"warden.ruleset.hash"`), merged
    /// into the same tree as `counters`.
    pub texts: Vec<(&'static str, String)>,
}

/// `stats.capture`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaptureStats {
    /// Packets the kernel saw.
    pub kernel_packets: u64,
    /// Packets the kernel dropped.
    pub kernel_drops: u64,
    /// Capture errors.
    pub errors: u64,
}

/// `stats.decoder`.
#[derive(Debug, Clone, Default)]
pub struct DecoderStats {
    /// Packets decoded.
    pub pkts: u64,
    /// Bytes decoded.
    pub bytes: u64,
    /// Packets that failed to decode.
    pub invalid: u64,
    /// IPv4 packets.
    pub ipv4: u64,
    /// IPv6 packets.
    pub ipv6: u64,
    /// Ethernet frames.
    pub ethernet: u64,
    /// TCP packets.
    pub tcp: u64,
    /// UDP packets.
    pub udp: u64,
    /// ICMPv4 packets.
    pub icmpv4: u64,
    /// ICMPv6 packets.
    pub icmpv6: u64,
    /// 802.1Q tagged frames.
    pub vlan: u64,
    /// Double-tagged frames.
    pub vlan_qinq: u64,
    /// Decoder events by dotted `layer.name` (`"ipv4.trunc_pkt"`),
    /// rendered under `stats.decoder.event.<layer>.<name>`.
    pub events: Vec<(&'static str, u64)>,
}

/// `stats.flow`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowStats {
    /// Flows created.
    pub total: u64,
    /// TCP flows.
    pub tcp: u64,
    /// UDP flows.
    pub udp: u64,
    /// ICMPv4 flows.
    pub icmpv4: u64,
    /// ICMPv6 flows.
    pub icmpv6: u64,
    /// Memory used by the flow table, when tracked.
    pub memuse: Option<u64>,
}

/// `stats.detect`.
#[derive(Debug, Clone, Default)]
pub struct DetectStats {
    /// One entry per detection engine (tenant); at least one.
    pub engines: Vec<EngineStats>,
    /// Alerts raised.
    pub alert: u64,
    /// Alerts lost because the per-packet queue was full.
    pub alert_queue_overflow: u64,
    /// Alerts not logged (noalert, thresholds, suppression).
    pub alerts_suppressed: u64,
}

/// One element of `stats.detect.engines`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineStats {
    /// Tenant id (0 without multi-tenancy).
    pub id: u32,
    /// When the rules were last (re)loaded.
    pub last_reload: Timestamp,
    /// Rules loaded.
    pub rules_loaded: u64,
    /// Rules that failed to load.
    pub rules_failed: u64,
    /// Rules skipped for unmet requirements.
    pub rules_skipped: u64,
}

/// Top-level sections in the order Suricata writes them; others follow in
/// insertion order.
const SECTION_ORDER: &[&str] = &[
    "uptime",
    "capture",
    "ips",
    "decoder",
    "tcp",
    "stream",
    "flow",
    "defrag",
    "flow_bypassed",
    "detect",
    "app_layer",
    "exception_policy",
    "memcap",
    "http",
    "ftp",
    "ippair",
    "host",
    "file_store",
];

enum Node<'s> {
    Leaf(u64),
    Text(&'s str),
    Engines(&'s [EngineStats]),
    Obj(Vec<(&'s str, Node<'s>)>),
}

impl<'s> Node<'s> {
    /// Inserts `value` at `prefix` + the dotted `path`. A path that runs
    /// into an existing leaf (or a leaf onto an object) is ignored: the
    /// first writer of a key wins.
    fn insert(&mut self, prefix: &[&'s str], path: &'s str, value: Node<'s>) {
        let mut node = self;
        let mut segs = prefix.iter().copied().chain(path.split('.')).peekable();
        while let Some(seg) = segs.next() {
            let Node::Obj(children) = node else { return };
            let pos = match children.iter().position(|(k, _)| *k == seg) {
                Some(p) => p,
                None if segs.peek().is_some() => {
                    children.push((seg, Node::Obj(Vec::new())));
                    children.len() - 1
                }
                None => {
                    children.push((seg, value));
                    return;
                }
            };
            if segs.peek().is_none() {
                return;
            }
            node = &mut children[pos].1;
        }
    }

    fn write(&self, j: &mut JsonBuf<'_>, key: &str) {
        match self {
            Node::Leaf(v) => j.u64(key, *v),
            Node::Text(t) => j.str(key, t),
            Node::Engines(es) => {
                j.begin_array_key(key);
                for e in es.iter() {
                    j.begin_object();
                    j.u64("id", u64::from(e.id));
                    j.raw_str_with("last_reload", |o| e.last_reload.write_iso(o));
                    j.u64("rules_loaded", e.rules_loaded);
                    j.u64("rules_failed", e.rules_failed);
                    j.u64("rules_skipped", e.rules_skipped);
                    j.end_object();
                }
                j.end_array();
            }
            Node::Obj(children) => {
                j.begin_object_key(key);
                for (k, c) in children {
                    c.write(j, k);
                }
                j.end_object();
            }
        }
    }
}

fn build(s: &StatsSnapshot) -> Node<'_> {
    let mut root = Node::Obj(Vec::new());
    let mut put = |prefix: &[&'static str], path: &'static str, v: u64| {
        root.insert(prefix, path, Node::Leaf(v));
    };
    put(&[], "uptime", s.uptime);
    if let Some(c) = &s.capture {
        put(&["capture"], "kernel_packets", c.kernel_packets);
        put(&["capture"], "kernel_drops", c.kernel_drops);
        put(&["capture"], "errors", c.errors);
    }
    let d = &s.decoder;
    for (k, v) in [
        ("pkts", d.pkts),
        ("bytes", d.bytes),
        ("invalid", d.invalid),
        ("ipv4", d.ipv4),
        ("ipv6", d.ipv6),
        ("ethernet", d.ethernet),
        ("tcp", d.tcp),
        ("udp", d.udp),
        ("icmpv4", d.icmpv4),
        ("icmpv6", d.icmpv6),
        ("vlan", d.vlan),
        ("vlan_qinq", d.vlan_qinq),
    ] {
        put(&["decoder"], k, v);
    }
    for &(k, v) in &d.events {
        put(&["decoder", "event"], k, v);
    }
    let f = &s.flow;
    for (k, v) in [
        ("total", f.total),
        ("tcp", f.tcp),
        ("udp", f.udp),
        ("icmpv4", f.icmpv4),
        ("icmpv6", f.icmpv6),
    ] {
        put(&["flow"], k, v);
    }
    // Engines first: Suricata writes the array before the counters.
    root.insert(&["detect"], "engines", Node::Engines(&s.detect.engines));
    let mut put = |prefix: &[&'static str], path: &'static str, v: u64| {
        root.insert(prefix, path, Node::Leaf(v));
    };
    put(&["detect"], "alert", s.detect.alert);
    put(
        &["detect"],
        "alert_queue_overflow",
        s.detect.alert_queue_overflow,
    );
    put(&["detect"], "alerts_suppressed", s.detect.alerts_suppressed);
    for &(k, v) in &s.counters {
        put(&[], k, v);
    }

    // Suricata writes flow.memuse last in its section.
    if let Some(m) = f.memuse {
        put(&["flow"], "memuse", m);
    }
    for (k, t) in &s.texts {
        root.insert(&[], k, Node::Text(t));
    }
    if let Node::Obj(children) = &mut root {
        // Stable: unknown sections keep their insertion order, after the
        // known ones.
        children.sort_by_key(|(k, _)| {
            SECTION_ORDER
                .iter()
                .position(|s| s == k)
                .unwrap_or(SECTION_ORDER.len())
        });
    }
    root
}

/// Appends one `stats` event (no trailing newline) to `out`.
pub fn render_stats_into(out: &mut Vec<u8>, ts: Timestamp, s: &StatsSnapshot) {
    let tree = build(s);
    let mut j = JsonBuf::new(out);
    j.begin_object();
    j.raw_str_with("timestamp", |o| ts.write_iso(o));
    j.str("event_type", "stats");
    tree.write(&mut j, "stats");
    j.end_object();
}
