//! The in-process sink a `warden impact` replay carries: the worker calls
//! it where a `--simulate-ips` run writes a blocked alert or drops a
//! packet, and it keeps, per flow, what blocking did (which rules, how
//! many packets and bytes, whether an established session was cut, which
//! service and client it was). Nothing is collected outside `impact`.

use std::collections::HashMap;
use std::net::IpAddr;

use warden_detect::{Engine, FiredRule};
use warden_flow::Flow;
use warden_output::Timestamp;
use warden_packet::Packet;

use crate::app_glue::{FlowApp, Parser};

/// What identifies a flow across two replays of the same captures (the
/// baseline comparison): its endpoints, protocol and first packet time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FlowIdentity {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub proto: u8,
    pub start_ns: i64,
}

/// A rule that blocked something, as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleInfo {
    pub gid: u32,
    pub sid: u32,
    pub msg: String,
    /// `metadata: owner` values, comma separated (empty: no owner).
    pub owner: String,
}

/// What blocking did to one flow.
#[derive(Clone, Debug)]
pub(crate) struct BlockedFlow {
    pub identity: FlowIdentity,
    pub flow_id: u64,
    /// When the first blocked alert or drop happened (ns since the epoch).
    pub first_block_ns: i64,
    /// The rules with a blocked alert on it, (gid, sid), in first-seen order.
    pub rules: Vec<(u32, u32)>,
    /// Packets and captured bytes dropped.
    pub packets: u64,
    pub bytes: u64,
    /// A reject rule answered (TCP reset / ICMP unreachable).
    pub reset: bool,
    /// The flow had carried data both ways before its first drop: an
    /// established session cut mid-way.
    pub cut_established: bool,
    /// `http`, `tls`, `dns` or `unknown`.
    pub app_proto: &'static str,
    /// TLS SNI or HTTP Host, when the flow showed one.
    pub host: Option<String>,
}

/// Everything one replay blocked.
#[derive(Default)]
pub(crate) struct Collector {
    pub flows: HashMap<u64, BlockedFlow>,
    pub rules: HashMap<(u32, u32), RuleInfo>,
}

/// The packet (or a flow end's pseudo packet) the worker is at.
pub(crate) struct Seen<'a> {
    flow: &'a Flow,
    app: Option<&'a FlowApp>,
    ts: Timestamp,
    /// Captured bytes of the frame (0 for a pseudo packet).
    len: usize,
    to_server: bool,
    /// Its transport payload length.
    payload: usize,
}

impl<'a> Seen<'a> {
    /// A packet of the capture.
    pub(crate) fn packet(
        flow: &'a Flow,
        app: Option<&'a FlowApp>,
        ts: Timestamp,
        len: usize,
        to_server: bool,
        p: &Packet<'_>,
    ) -> Seen<'a> {
        Seen {
            flow,
            app,
            ts,
            len,
            to_server,
            payload: p.payload.len(),
        }
    }

    /// The synthetic packet a flow's end is inspected with.
    pub(crate) fn pseudo(flow: &'a Flow, app: &'a FlowApp, ts: Timestamp) -> Seen<'a> {
        Seen {
            flow,
            app: Some(app),
            ts,
            len: 0,
            to_server: true,
            payload: 0,
        }
    }
}

impl Collector {
    /// The rules just fired on `seen`: those whose alert says `blocked`
    /// (exactly as the EVE writer decides it) count for the flow.
    pub(crate) fn alerts(
        &mut self,
        engine: &Engine,
        fired: &[FiredRule],
        inline: bool,
        seen: &Seen<'_>,
    ) {
        let dropped = inline && fired.iter().any(FiredRule::blocks);
        for f in fired.iter().filter(|f| f.logged()) {
            if crate::run::alert_action(f, dropped, inline) != "blocked" {
                continue;
            }
            let m = &engine.sig(f.rule).meta;
            let key = (m.gid, m.sid);
            self.rules.entry(key).or_insert_with(|| RuleInfo {
                gid: m.gid,
                sid: m.sid,
                msg: m.msg.clone(),
                owner: m.owners().join(", "),
            });
            let flow = self.entry(seen);
            if !flow.rules.contains(&key) {
                flow.rules.push(key);
            }
        }
    }

    /// The inline verdict dropped `seen` (`reset`: a reject rule did).
    pub(crate) fn dropped(&mut self, seen: &Seen<'_>, reset: bool) {
        let flow = self.entry(seen);
        flow.packets += 1;
        flow.bytes += seen.len as u64;
        flow.reset |= reset;
    }

    fn entry(&mut self, seen: &Seen<'_>) -> &mut BlockedFlow {
        let f = seen.flow;
        self.flows.entry(f.id).or_insert_with(|| BlockedFlow {
            identity: FlowIdentity {
                client: f.client,
                server: f.server,
                proto: f.proto,
                start_ns: f.first_ns,
            },
            flow_id: f.id,
            first_block_ns: seen.ts.secs.saturating_mul(1_000_000_000) + i64::from(seen.ts.nanos),
            rules: Vec::new(),
            packets: 0,
            bytes: 0,
            reset: false,
            cut_established: had_data_both_ways(seen),
            app_proto: seen.app.map_or("unknown", |a| a.parse.proto.name()),
            host: seen.app.and_then(host_of),
        })
    }
}

/// Whether the flow carried data in both directions before this packet:
/// TCP payload bytes the reassembly saw, other protocols' packets.
fn had_data_both_ways(seen: &Seen<'_>) -> bool {
    let f = seen.flow;
    let (mut up, mut down, this) = match seen.app.and_then(|a| a.streams.as_ref()) {
        Some(st) => (
            st.to_server.stats().bytes,
            st.to_client.stats().bytes,
            seen.payload as u64,
        ),
        None => (f.pkts[0], f.pkts[1], u64::from(seen.len > 0)),
    };
    if seen.to_server {
        up = up.saturating_sub(this);
    } else {
        down = down.saturating_sub(this);
    }
    up > 0 && down > 0
}

/// The name the client asked for: TLS SNI, or the latest HTTP Host.
fn host_of(app: &FlowApp) -> Option<String> {
    let raw = match &app.parse.parser {
        Parser::Tls(t) => t.sni()?,
        Parser::Http(h) => h.txs().filter_map(|t| t.host()).last()?,
        _ => return None,
    };
    Some(String::from_utf8_lossy(raw).into_owned())
}
