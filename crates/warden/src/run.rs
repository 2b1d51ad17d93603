//! Offline mode (`-r`): capture → decode → flow → detect → output, one
//! packet at a time, for a capture file or a folder of them.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use std::sync::Arc;

use warden_capture::{open_captures, CaptureReader};
use warden_detect::{
    DetectState, Engine, FiredRule, PacketContext, RuleProfile, SigAction, StreamWindow, TxContext,
};
use warden_flow::{Direction, Flow, FlowConfig, FlowTable, KeyInput};
use warden_stream::{Defragmenter, Fragment, MemBudget, ReassemblyConfig};

use crate::app_glue::{DnsView, FlowApp, HttpView, Parser, TlsView};
use warden_output::{
    AlertRecord, DecoderStats, DetectStats, EngineStats, EveWriter, FastLogWriter, FlowRecord,
    FlowStats, FlowSummary, StatsSnapshot, Timestamp,
};
use warden_packet::{decode, DecodeOptions, Packet};

use crate::load::Loaded;
use crate::ruleset::RulesetInfo;
use warden_output::RulesetTag;

/// Reloads and rollbacks of a live run, for the stats event.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ReloadCounts {
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    pub(crate) rollbacks: u64,
}

use crate::logsink::LogSink;
use crate::stages::{Stage, StageClock, StageTimes};

/// Settings of one offline run.
#[derive(Clone)]
pub struct RunOptions {
    pub captures: PathBuf,
    pub log_dir: PathBuf,
    pub decode: DecodeOptions,
    pub flow: FlowConfig,
    pub eve: crate::config::EveOptions,
    pub verbose: u8,
    /// `packet-alert-max`: alerts kept per packet.
    pub packet_alert_max: usize,
    /// `--simulate-ips`: verdicts are enforced as if inline.
    pub ips: bool,
    /// `stream.inline`: deliver stream bytes before they are acknowledged.
    pub stream_inline: bool,
    /// `stream.reassembly.depth` (0 = unlimited).
    pub reassembly_depth: u64,
    /// Memory all TCP reassembly may use (`stream.reassembly.memcap`).
    pub stream_memcap: usize,
    /// `--profile-rules`: account per-rule verification cost.
    pub profile_rules: bool,
    /// Append to eve.json and fast.log instead of starting them afresh.
    pub append_logs: bool,
    /// Live modes: a `stats` event this often (`stats.interval`); `None`
    /// writes one at the end only.
    pub stats_interval: Option<std::time::Duration>,
    /// Live modes: serve the stats in Prometheus text format on this
    /// address (`stats.prometheus.listen`).
    pub prometheus_listen: Option<String>,
    /// Worker threads for a capture (`--runmode workers`); 1 processes
    /// it on the main thread.
    pub threads: usize,
}

/// What a worker did, for the benchmark report.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub packets: u64,
    pub bytes: u64,
    pub alerts: u64,
    pub flows: u64,
    pub stages: StageTimes,
    /// Part of `stages[Detect]` spent in the prefilter.
    pub prefilter_ns: u64,
    /// Time of the last packet.
    pub last_ts: Timestamp,
}

/// Counters a run keeps for the stats event and the summary.
#[derive(Default)]
struct Counters {
    pkts: u64,
    bytes: u64,
    invalid: u64,
    ipv4: u64,
    ipv6: u64,
    ethernet: u64,
    tcp: u64,
    udp: u64,
    icmpv4: u64,
    icmpv6: u64,
    vlan: u64,
    vlan_qinq: u64,
    nsh: u64,
    /// IP-in-IP tunnels decoded, by (outer, inner) version.
    ipv4_in_ipv4: u64,
    ipv4_in_ipv6: u64,
    ipv6_in_ipv4: u64,
    ipv6_in_ipv6: u64,
    sll: u64,
    sll2: u64,
    ppp: u64,
    chdlc: u64,
    defrag_reassembled: u64,
    reassembly_gaps: u64,
    /// Packets the TCP session refused for their timestamp.
    stream_invalid_timestamp: u64,
    ips_accepted: u64,
    ips_blocked: u64,
    /// Dropped packets by cause (`ips.drop_reason.*`).
    drop_rules: u64,
    drop_flow: u64,
    drop_threshold: u64,
    ips_rejected: u64,
    alerts: u64,
    /// Capture files that ended early on a damaged record.
    capture_file_errors: u64,
    app: crate::app_stats::AppStats,
    events: HashMap<&'static str, u64>,
    first_ts: Option<Timestamp>,
    last_ts: Timestamp,
}

fn ns(ts: Timestamp) -> i64 {
    ts.secs.saturating_mul(1_000_000_000) + i64::from(ts.nanos)
}

fn out_ts(ts: warden_packet::Timestamp) -> Timestamp {
    Timestamp {
        secs: ts.secs,
        nanos: ts.nanos,
    }
}

type Eve = EveWriter<LogSink>;
type Fast = FastLogWriter<LogSink>;

/// One worker: a flow table, the per-flow application state beside it,
/// the defragmenter and the detection state, processing packets in
/// capture order.
pub(crate) struct Worker<'a> {
    opts: &'a RunOptions,
    /// The ruleset; a live reload swaps it between packets.
    engine: Arc<Engine>,
    /// Generation, hash and load figures of `engine`.
    ruleset: Arc<RulesetInfo>,
    /// Reloads and rollbacks so far (live modes), for the stats event.
    pub(crate) reloads: ReloadCounts,
    state: DetectState,
    flows: FlowTable,
    apps: HashMap<u64, FlowApp>,
    defrag: Defragmenter,
    reassembly: ReassemblyConfig,
    stream_budget: Arc<MemBudget>,
    c: Counters,
    fired: Vec<FiredRule>,
    /// For each fired rule, the transaction it fired on (transaction rules).
    fired_tx: Vec<Option<u64>>,
    /// While a tunnelled packet is processed: its outer packet, and the
    /// `pkt_src` its events carry.
    tunnel: Option<warden_output::TunnelInfo>,
    pkt_src: &'static str,
    eve: Eve,
    fast: Fast,
    /// Decoding settings of the next frame (live mode turns checksum
    /// validation off for frames whose checksum the NIC has yet to fill).
    pub(crate) decode_opts: DecodeOptions,
    /// Inline verdict of the last frame given to `wire_packet`.
    pub(crate) last_verdict: crate::verdict::Verdict,
    /// Per-stage timing (`warden bench`); `None` in normal runs.
    clock: Option<StageClock>,
    /// Flow timeout sweeps are ordered by the reader of a multi-worker
    /// run (at the packet times a single worker would sweep), not by
    /// this worker's own packets.
    pub(crate) sweeps_from_reader: bool,
    /// `warden impact`: what blocking did, flow by flow (None otherwise).
    pub(crate) impact: Option<crate::impact::Collector>,
    /// Asset-aware scoping of CVE rules (`--inventory`), replaced with
    /// the engine on a reload.
    pub(crate) scope: Option<Arc<crate::scope::Scope>>,
    /// The scoping decisions for the packet at hand.
    scope_notes: Vec<crate::scope::Note>,
}

/// Runs the capture(s) through the engine. A capture that cannot be opened
/// is an error (after writing everything processed so far); a damaged record
/// ends its file with a warning and the run goes on.
pub fn run(opts: &RunOptions, loaded: &Loaded) -> Result<()> {
    run_observed(opts, loaded, Observers::default(), &mut |_| {}).map(|_| ())
}

/// What `warden impact` and `warden explain` have a replay carry, handed
/// back filled in.
#[derive(Default)]
pub(crate) struct Observers {
    pub impact: Option<crate::impact::Collector>,
    pub probe: Option<Box<warden_detect::explain::ExplainProbe>>,
}

/// How far a replay got: capture bytes read of the total.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Progress {
    pub read: u64,
    pub total: u64,
}

/// [`run`] with observers riding along (returned filled in) and
/// `progress` called every few thousand packets.
pub(crate) fn run_observed(
    opts: &RunOptions,
    loaded: &Loaded,
    observers: Observers,
    progress: &mut dyn FnMut(Progress),
) -> Result<Observers> {
    let started = Instant::now();
    let files = open_captures(&opts.captures);
    if files.is_empty() {
        anyhow::bail!("no capture files at {}", opts.captures.display());
    }
    if opts.threads > 1 {
        // impact and explain follow one worker's packets in capture order
        if observers.impact.is_some() || observers.probe.is_some() {
            anyhow::bail!("impact and explain replay with one worker: leave out --threads");
        }
        crate::workers::run(opts, loaded, &files)?;
        return Ok(Observers::default());
    }
    let mut at = Progress {
        read: 0,
        total: files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
    };
    let mut w = Worker::new(opts, loaded)?;
    w.impact = observers.impact;
    w.state.explain = observers.probe;
    let mut failure: Option<anyhow::Error> = None;
    'files: for file in &files {
        let mut reader = match CaptureReader::open(file) {
            Ok(r) => r,
            Err(e) => {
                failure = Some(anyhow::anyhow!("{e}"));
                break;
            }
        };
        loop {
            let raw = match reader.next_packet() {
                Ok(Some(raw)) => raw,
                Ok(None) => break,
                Err(e) => {
                    // A damaged record ends this file, not the run: what came
                    // before it is processed and logged, later files are
                    // read, and the exit status stays 0 as Suricata's does
                    // (a capture cut off while being written is common).
                    w.c.capture_file_errors += 1;
                    eprintln!(
                        "warden: warning: {e}; the packets before it were processed and logged"
                    );
                    continue 'files;
                }
            };
            w.wire_packet(raw.link, raw.data, raw.orig_len, out_ts(raw.ts), raw.index)?;
            // a record header and the frame, as stored
            at.read += 16 + raw.data.len() as u64;
            if raw.index % 4096 == 0 {
                progress(at);
            }
        }
    }
    w.finish(started, &[])?;
    progress(Progress {
        read: at.total,
        ..at
    });
    match failure {
        Some(e) => Err(e.context(format!(
            "stopped early; {} packets before the error were processed and logged",
            w.c.pkts
        ))),
        None => Ok(Observers {
            impact: w.impact.take(),
            probe: w.state.explain.take(),
        }),
    }
}

impl<'a> Worker<'a> {
    /// Charges the time since the last lap to `s` when timing stages
    /// (`warden bench`); nothing otherwise.
    #[inline]
    fn lap(&mut self, s: Stage) {
        if let Some(c) = self.clock.as_mut() {
            c.lap(s);
        }
    }

    /// Shares thresholds and xbits with the other workers of a run.
    pub(crate) fn share_hosts(&mut self, hosts: warden_detect::HostState) {
        self.state.hosts = hosts;
    }

    /// Starts per-stage timing (and prefilter timing in the engine).
    pub(crate) fn time_stages(&mut self) {
        self.clock = Some(StageClock::start());
        self.state.prefilter_ticks = Some(0);
    }

    /// What the worker did so far: packets, bytes, alerts, flows, stage
    /// times (zero unless [`Worker::time_stages`] was called).
    pub(crate) fn tally(&self) -> Tally {
        Tally {
            packets: self.c.pkts,
            bytes: self.c.bytes,
            alerts: self.c.alerts,
            flows: self.flows.counters().total,
            stages: self
                .clock
                .as_ref()
                .map(StageClock::times)
                .unwrap_or_default(),
            prefilter_ns: match (&self.clock, self.state.prefilter_ticks) {
                (Some(c), Some(t)) => c.ns_of(t),
                _ => 0,
            },
            last_ts: self.c.last_ts,
        }
    }

    /// Puts a reloaded ruleset in place, between packets. Flows keep their
    /// state (flowbit ids are stable across a rebuild); rule-indexed state
    /// (thresholds, profiles) starts afresh for the new ruleset.
    pub(crate) fn swap_engine(&mut self, engine: Arc<Engine>, info: Arc<RulesetInfo>) {
        self.state.hosts.lock().thresholds = Default::default();
        if self.state.profile.is_some() {
            self.state.profile = Some(RuleProfile::new(engine.len()));
        }
        self.engine = engine;
        self.ruleset = info;
    }

    /// The run's settings.
    pub(crate) fn options(&self) -> &RunOptions {
        self.opts
    }

    /// The live ruleset's generation, hash and load figures.
    pub(crate) fn ruleset(&self) -> &Arc<RulesetInfo> {
        &self.ruleset
    }

    /// A worker writing `eve.json` and `fast.log` into the run's log
    /// folder (created if needed).
    pub(crate) fn new(opts: &'a RunOptions, loaded: &'a Loaded) -> Result<Worker<'a>> {
        std::fs::create_dir_all(&opts.log_dir)
            .with_context(|| format!("cannot create log folder {}", opts.log_dir.display()))?;
        let open = |name: &str| {
            let path = opts.log_dir.join(name);
            if opts.append_logs {
                append(&path)
            } else {
                create(&path)
            }
        };
        let eve = LogSink::Own(open("eve.json")?);
        let fast = LogSink::Own(open("fast.log")?);
        Ok(Worker::with_logs(opts, loaded, eve, fast))
    }

    /// A worker writing its EVE records and fast.log lines to `eve` and
    /// `fast`.
    pub(crate) fn with_logs(
        opts: &'a RunOptions,
        loaded: &'a Loaded,
        eve: LogSink,
        fast: LogSink,
    ) -> Worker<'a> {
        let (eve, fast) = (EveWriter::new(eve), FastLogWriter::new(fast));
        Worker {
            opts,
            engine: Arc::clone(&loaded.engine),
            ruleset: Arc::new(RulesetInfo::new(loaded, 1, crate::live::now())),
            reloads: ReloadCounts::default(),
            state: {
                let mut st = DetectState::default();
                st.alert_max = opts.packet_alert_max;
                st.inline_stream = opts.stream_inline;
                st.profile = opts
                    .profile_rules
                    .then(|| RuleProfile::new(loaded.engine.len()));
                st
            },
            flows: FlowTable::new(opts.flow),
            apps: HashMap::new(),
            defrag: Defragmenter::new(Default::default()),
            reassembly: ReassemblyConfig {
                // IDS mode inspects what the receiver acknowledged, as
                // Suricata does with stream.inline off
                ack_gated: !opts.stream_inline,
                depth: opts.reassembly_depth,
                ..ReassemblyConfig::default()
            },
            stream_budget: Arc::new(MemBudget::new(opts.stream_memcap)),
            c: Counters::default(),
            fired: Vec::with_capacity(16),
            fired_tx: Vec::with_capacity(16),
            tunnel: None,
            pkt_src: "wire/pcap",
            eve,
            fast,
            decode_opts: opts.decode,
            last_verdict: crate::verdict::Verdict::Accept,
            clock: None,
            sweeps_from_reader: false,
            impact: None,
            scope: loaded.scope.clone(),
            scope_notes: Vec::with_capacity(4),
        }
    }
}

impl Worker<'_> {
    /// A frame from the capture: decode, count, defragment, process.
    pub(crate) fn wire_packet(
        &mut self,
        link: warden_packet::LinkType,
        data: &[u8],
        orig_len: u32,
        ts: Timestamp,
        index: u64,
    ) -> Result<()> {
        self.lap(Stage::Capture);
        self.c.first_ts.get_or_insert(ts);
        self.c.last_ts = ts;
        self.last_verdict = crate::verdict::Verdict::Accept;
        if let Some(pr) = self.state.explain.as_mut() {
            pr.packet = index;
        }
        let now = ns(ts);
        let mut p = decode(link, data, &self.decode_opts);
        drop_invalid_ip_layer(&mut p);
        count_packet(&mut self.c, &p, orig_len.max(data.len() as u32));
        self.lap(Stage::Decode);
        if !self.sweeps_from_reader {
            self.expire(now, ts)?;
        }
        let reassembled = if p.is_fragment() {
            match Fragment::from_packet(&p) {
                Some(frag) => {
                    let out = self.defrag.insert(
                        &frag,
                        warden_packet::Timestamp {
                            secs: ts.secs,
                            nanos: ts.nanos,
                        },
                    );
                    let v6 = p.ipv6.is_some();
                    for name in out.events.names(v6) {
                        *self.c.events.entry(name).or_insert(0) += 1;
                    }
                    set_defrag_events(&mut p, out.events, v6);
                    out.datagram
                }
                None => None,
            }
        } else {
            None
        };
        self.lap(Stage::FlowStream);
        self.process(&p, data.len(), ts, index)?;
        if let Some(t) = p.tunnel {
            self.process_tunnelled(&p, t, ts, index)?;
        }
        if let Some(dgram) = reassembled {
            // the rebuilt frame keeps the first fragment's link header
            let mut inner = decode(link, &dgram.frame, &self.decode_opts);
            drop_invalid_ip_layer(&mut inner);
            self.c.defrag_reassembled += 1;
            self.lap(Stage::Decode);
            self.process(&inner, dgram.frame.len(), ts, index)?;
        }
        Ok(())
    }

    /// The packet inside an IP-in-IP or GRE tunnel: decoded and processed as a
    /// packet of its own (its own flow, `pkt_src` "ipv4 tunnel" or "ipv6
    /// tunnel", alerts naming the outer packet). A drop of either drops
    /// the frame.
    fn process_tunnelled(
        &mut self,
        outer: &Packet<'_>,
        t: warden_packet::Tunnel<'_>,
        ts: Timestamp,
        index: u64,
    ) -> Result<()> {
        let (Some(src_ip), Some(dest_ip)) = (outer.src_ip(), outer.dst_ip()) else {
            return Ok(());
        };
        let mut inner = decode(t.link, t.data, &self.decode_opts);
        drop_invalid_ip_layer(&mut inner);
        self.lap(Stage::Decode);
        let outer_v4 = outer.ipv4.is_some();
        match (outer_v4, t.version) {
            (true, 4) => self.c.ipv4_in_ipv4 += 1,
            (false, 4) => self.c.ipv4_in_ipv6 += 1,
            (true, 6) => self.c.ipv6_in_ipv4 += 1,
            (false, 6) => self.c.ipv6_in_ipv6 += 1,
            _ => {}
        }
        self.tunnel = Some(warden_output::TunnelInfo {
            src_ip,
            dest_ip,
            proto: outer.ip_proto.unwrap_or(0),
            depth: 0,
        });
        self.pkt_src = if outer_v4 {
            "ipv4 tunnel"
        } else {
            "ipv6 tunnel"
        };
        let r = self.process(&inner, t.data.len(), ts, index);
        self.tunnel = None;
        self.pkt_src = "wire/pcap";
        r
    }

    /// Writes flow records for flows that timed out at `now`.
    pub(crate) fn expire(&mut self, now: i64, ts: Timestamp) -> Result<()> {
        let mut ended: Vec<Flow> = Vec::new();
        self.flows.maybe_expire(now, |f| ended.push(f.clone()));
        for f in ended {
            self.end_flow(f, ts, "timeout")?;
        }
        Ok(())
    }

    /// A flow ends (timeout or end of input): the reassembled bytes never
    /// acknowledged are delivered and inspected (`pkt_src: "stream (flow
    /// timeout)"`), remaining transactions are inspected and logged, then
    /// the flow record is written.
    fn end_flow(&mut self, mut f: Flow, ts: Timestamp, reason: &str) -> Result<()> {
        let mut app = self.apps.remove(&f.id);
        // a TCP flow that never saw a SYN or SYN/ACK, picked up midstream
        // with midstream off, never had a session in Suricata: its end
        // flushes and inspects no stream, its record shows no TCP flags
        let syn_seen = (f.tcp_flags[0] | f.tcp_flags[1]) & warden_packet::tcp_flags::SYN != 0;
        let session = f.proto == 6
            && (self.opts.flow.midstream
                || f.tcp.state != warden_flow::TcpSessionState::None
                || syn_seen);
        if let Some(a) = app.as_mut() {
            if let Some(st) = a.streams.as_mut() {
                for d in [true, false] {
                    self.c.reassembly_gaps += st.direction(d).stats().gaps;
                }
            }
            if a.streams.is_some() && session {
                let now = ns(ts);
                for to_server in [true, false] {
                    if let Some(st) = a.streams.as_mut() {
                        st.direction(to_server).flush();
                    }
                    a.feed_ready(to_server, now);
                }
                self.lap(Stage::AppLayer);
            }
            // a dropped flow's unfinished transactions never completed on
            // the wire: they are not logged at its end
            let flush = f.flags & FLOW_DROPPED == 0;
            if let Parser::Http(h) = &mut a.parse.parser {
                // the connection is over: a body delimited by the close
                // ends here, any other open body (and its file) is cut;
                // the last inspection sees them so (filesize)
                if flush {
                    h.on_close();
                }
            }
            if a.streams.is_some() && session {
                for to_server in [true, false] {
                    self.inspect_flow_end(a, &mut f, to_server, ts)?;
                }
            }
            log_app_records(&mut self.eve, &self.opts.eve, a, &f, ts, None, flush)?;
            self.c.app.flow_ended(a, f.proto == 6);
        }
        if self.opts.eve.flow {
            let name = app.as_ref().map(app_proto_name);
            let mut record = flow_record(&f, ts, reason, name, session);
            // regions of stream data: 1 for a direction without any
            let regions = |st: &warden_stream::Reassembler| st.stats().max_regions.max(1);
            record.max_regions = Some(
                app.as_ref()
                    .and_then(|a| a.streams.as_ref())
                    .map_or((1, 1), |st| {
                        (regions(&st.to_server), regions(&st.to_client))
                    }),
            );
            self.eve.flow(&record)?;
        }
        self.lap(Stage::Output);
        Ok(())
    }

    /// Raw-stream and transaction inspection of what a flow's end released
    /// in one direction, on a synthetic packet of that direction.
    fn inspect_flow_end(
        &mut self,
        app: &mut FlowApp,
        f: &mut Flow,
        to_server: bool,
        ts: Timestamp,
    ) -> Result<()> {
        let d = usize::from(!to_server);
        if app.raw[d].data.len() <= app.raw[d].new_from && app.layer().is_none() {
            return Ok(());
        }
        let ((sa, sp), (da, dp)) = if to_server {
            (f.client, f.server)
        } else {
            (f.server, f.client)
        };
        let frame = match (sa, da) {
            (std::net::IpAddr::V4(s), std::net::IpAddr::V4(dst)) => warden_packet::build::tcp_v4(
                s,
                dst,
                sp,
                dp,
                0,
                0,
                warden_packet::tcp_flags::ACK,
                b"",
            ),
            (std::net::IpAddr::V6(s), std::net::IpAddr::V6(dst)) => warden_packet::build::tcp_v6(
                s,
                dst,
                sp,
                dp,
                0,
                0,
                warden_packet::tcp_flags::ACK,
                b"",
            ),
            _ => return Ok(()),
        };
        let p = decode(
            warden_packet::LinkType::Ethernet,
            &frame,
            &Default::default(),
        );
        let dir = if to_server {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        self.fired.clear();
        inspect_flow_packet(
            &self.engine,
            &mut self.state,
            &mut self.fired,
            &mut self.fired_tx,
            app,
            f,
            &p,
            dir,
            ns(ts),
            true,
            true,
        );
        self.lap(Stage::Detect);
        if self.fired.is_empty() {
            return Ok(());
        }
        self.apply_scope(&p);
        self.c.alerts += logged(&self.fired);
        if let Some(obs) = self.impact.as_mut() {
            let seen = crate::impact::Seen::pseudo(f, app, ts);
            obs.alerts(&self.engine, &self.fired, self.opts.eve.inline, &seen);
        }
        let name = app_proto_name(app);
        write_alerts(
            &mut self.eve,
            &mut self.fast,
            &self.engine,
            self.ruleset.tag(),
            &self.fired,
            &p,
            Some((&*f, dir)),
            Some(name),
            ts,
            0,
            &self.opts.eve,
            Some((&*app, &self.fired_tx[..])),
            "stream (flow timeout)",
            None,
            self.scope.as_deref().map(|s| (s, &self.scope_notes[..])),
        )
    }

    /// One decoded packet (from the wire or reassembled from fragments).
    fn process(&mut self, p: &Packet<'_>, len: usize, ts: Timestamp, index: u64) -> Result<()> {
        let now = ns(ts);
        self.fired.clear();
        let Some(t) = track(&mut self.flows, p, len, now) else {
            self.engine.inspect(
                &mut self.state,
                PacketContext {
                    packet: p,
                    flow: None,
                    now_ns: now,
                    app: None,
                    stream: None,
                    pseudo: false,
                },
                &mut self.fired,
            );
            self.apply_scope(p);
            self.lap(Stage::Detect);
            self.c.alerts += logged(&self.fired);
            return write_alerts(
                &mut self.eve,
                &mut self.fast,
                &self.engine,
                self.ruleset.tag(),
                &self.fired,
                p,
                None,
                None,
                ts,
                index,
                &self.opts.eve,
                None,
                self.pkt_src,
                self.tunnel,
                self.scope.as_deref().map(|s| (s, &self.scope_notes[..])),
            );
        };
        let to_server = t.direction == Direction::ToServer;
        let flow = self.flows.get_mut(t.flow);
        if self.opts.ips && flow.flags & FLOW_DROPPED != 0 {
            // a dropped flow stays dropped: no inspection
            self.c.ips_blocked += 1;
            self.c.drop_flow += 1;
            self.last_verdict = crate::verdict::Verdict::Drop;
            let flow = self.flows.get(t.flow);
            if let Some(obs) = self.impact.as_mut() {
                let seen = crate::impact::Seen::packet(flow, None, ts, len, to_server, p);
                obs.dropped(&seen, false);
            }
            let tag = self.ruleset.tag();
            return write_drop(
                &mut self.eve,
                p,
                Some(flow),
                ts,
                index,
                "flow drop",
                None,
                tag,
            );
        }
        if let Some(i) = p.icmp() {
            flow.icmp[t.direction.index()].get_or_insert((i.icmp_type, i.code));
        }
        // a packet the session refused for its timestamp is seen by
        // detection (with the stream event) but not by the stream
        let refused;
        let p = if t.invalid_timestamp {
            self.c.stream_invalid_timestamp += 1;
            let mut marked = p.clone();
            marked
                .stream_events
                .set(warden_packet::StreamEvent::PktInvalidTimestamp);
            refused = marked;
            &refused
        } else {
            p
        };
        if let Some(tcp) = p.tcp.as_ref().filter(|_| !t.invalid_timestamp) {
            flow.tcp
                .observe(to_server, tcp.seq, tcp.flags, p.payload.len());
        }
        let flow_id = flow.id;
        // application layer: reassemble, detect, parse
        let app = self.apps.entry(flow_id).or_insert_with(|| {
            if p.tcp.is_some() {
                FlowApp::new_tcp(self.reassembly, self.stream_budget.clone())
            } else {
                FlowApp::new_udp()
            }
        });
        // a session picked up midstream has no stream engine state in
        // Suricata (midstream off): its packets are inspected, not a stream,
        // and not parsed
        let session =
            self.opts.flow.midstream || flow.tcp.state != warden_flow::TcpSessionState::None;
        if let Some(tcp) = &p.tcp {
            if session {
                if let Some(streams) = app.streams.as_mut().filter(|_| !t.invalid_timestamp) {
                    if self.opts.flow.async_oneside {
                        // Suricata inspects a session whose other side it
                        // never sees as the bytes arrive
                        let peer_silent = flow.pkts[1 - t.direction.index()] == 0;
                        streams.direction(to_server).set_one_sided(peer_silent);
                    }
                    streams.segment(to_server, tcp.seq, tcp.ack, tcp.flags, p.payload);
                }
            }
            if let Some(c) = self.clock.as_mut() {
                c.lap(Stage::FlowStream);
            }
            if session {
                app.feed_ready(to_server, now);
                app.feed_ready(!to_server, now);
            }
        } else if let Some(udp) = &p.udp {
            if let Some(c) = self.clock.as_mut() {
                c.lap(Stage::FlowStream);
            }
            if !p.payload.is_empty() {
                app.feed_udp(to_server, udp.src_port, udp.dst_port, p.payload);
            }
        }
        if let Some(c) = self.clock.as_mut() {
            c.lap(Stage::AppLayer);
        }
        inspect_flow_packet(
            &self.engine,
            &mut self.state,
            &mut self.fired,
            &mut self.fired_tx,
            app,
            flow,
            p,
            t.direction,
            now,
            p.tcp.is_some() && session,
            false,
        );
        if let Some(sc) = &self.scope {
            sc.apply(&mut self.fired, p, &mut self.scope_notes);
        }
        if let Some(c) = self.clock.as_mut() {
            c.lap(Stage::Detect);
        }
        self.c.alerts += logged(&self.fired);
        let app_name = app_proto_name(app);
        let flow = self.flows.get(t.flow);
        if let Some(obs) = self.impact.as_mut() {
            let seen = crate::impact::Seen::packet(flow, Some(app), ts, len, to_server, p);
            obs.alerts(&self.engine, &self.fired, self.opts.eve.inline, &seen);
        }
        write_alerts(
            &mut self.eve,
            &mut self.fast,
            &self.engine,
            self.ruleset.tag(),
            &self.fired,
            p,
            Some((flow, t.direction)),
            Some(app_name),
            ts,
            index,
            &self.opts.eve,
            Some((&*app, &self.fired_tx[..])),
            self.pkt_src,
            self.tunnel,
            self.scope.as_deref().map(|s| (s, &self.scope_notes[..])),
        )?;
        // then the records of finished transactions
        log_app_records(
            &mut self.eve,
            &self.opts.eve,
            app,
            flow,
            ts,
            Some(index),
            false,
        )?;
        if self.opts.ips {
            self.verdict(p, t.flow, ts, index)?;
            if let (Some(obs), false) = (
                self.impact.as_mut(),
                self.last_verdict == crate::verdict::Verdict::Accept,
            ) {
                let flow = self.flows.get(t.flow);
                let app = self.apps.get(&flow.id);
                let seen = crate::impact::Seen::packet(flow, app, ts, len, to_server, p);
                let reset = matches!(self.last_verdict, crate::verdict::Verdict::Reject { .. });
                obs.dropped(&seen, reset);
            }
        }
        self.lap(Stage::Output);
        Ok(())
    }

    /// Asset-aware scoping of the rules just fired on `p`.
    fn apply_scope(&mut self, p: &Packet<'_>) {
        if let Some(sc) = &self.scope {
            sc.apply(&mut self.fired, p, &mut self.scope_notes);
        }
    }

    /// Inline verdict for the packet just inspected: a drop or reject rule
    /// among the fired ones drops it and marks its flow dropped.
    fn verdict(
        &mut self,
        p: &Packet<'_>,
        flow: warden_flow::FlowRef,
        ts: Timestamp,
        index: u64,
    ) -> Result<()> {
        let Some(&rule) = self.fired.iter().find(|f| f.blocks()) else {
            self.c.ips_accepted += 1;
            return Ok(());
        };
        self.last_verdict = crate::verdict::Verdict::of_action(rule.action);
        if rule.action == SigAction::Drop {
            self.c.ips_blocked += 1;
        } else {
            self.c.ips_rejected += 1;
        }
        // a rule about packet properties drops the packet, not the flow
        if rule.flow_scope {
            let f = self.flows.get_mut(flow);
            f.flags |= FLOW_DROPPED;
            f.tcp_frozen = true;
        }
        let sig = self.engine.sig(rule.rule);
        let m = &sig.meta;
        let alert = warden_output::DropAlert {
            action: "blocked",
            gid: m.gid,
            sid: m.sid,
            rev: m.rev,
            signature: &m.msg,
            category: &m.category,
            severity: m.severity,
            owners: m.owners(),
        };
        let fl = self.flows.get(flow);
        let reason = if rule.rate_filtered {
            self.c.drop_threshold += 1;
            "threshold detection_filter"
        } else {
            self.c.drop_rules += 1;
            "rules"
        };
        let tag = self.ruleset.tag();
        write_drop(
            &mut self.eve,
            p,
            Some(fl),
            ts,
            index,
            reason,
            Some(alert),
            tag,
        )
    }

    /// The counters so far (`flows`: the flow table's counters and memory
    /// use, taken before the table was drained at the end); `extra` adds counters
    /// the caller keeps (a live loop's capture counters).
    pub(crate) fn stats_snapshot(
        &self,
        started: Instant,
        extra: &[(&'static str, u64)],
        flows: Option<(&warden_flow::FlowCounters, usize)>,
    ) -> StatsSnapshot {
        let now = self.flows.counters();
        let (counters, memuse) = flows.unwrap_or((&now, self.flows.memuse()));
        let mut s = snapshot(
            &self.c,
            counters,
            memuse,
            &self.ruleset,
            &self.state,
            started,
        );
        s.counters.extend_from_slice(extra);
        let r = &self.ruleset;
        s.counters.extend([
            ("warden.ruleset.generation", r.generation),
            ("warden.ruleset.reloads_ok", self.reloads.ok),
            ("warden.ruleset.reloads_failed", self.reloads.failed),
            ("warden.ruleset.rollbacks", self.reloads.rollbacks),
        ]);
        s.texts.push(("warden.ruleset.hash", r.hash.clone()));
        s
    }

    /// Writes a `stats` event stamped `ts` (live modes, every
    /// `stats.interval`).
    pub(crate) fn write_stats(
        &mut self,
        ts: Timestamp,
        started: Instant,
        extra: &[(&'static str, u64)],
    ) -> Result<()> {
        let s = self.stats_snapshot(started, extra, None);
        self.eve.stats(ts, &s)?;
        self.eve.flush()?;
        Ok(())
    }

    /// Pushes buffered EVE and fast.log lines to their files (live mode,
    /// when idle).
    pub(crate) fn flush_logs(&mut self) -> Result<()> {
        self.eve.flush()?;
        self.fast.flush()?;
        Ok(())
    }

    /// End of input for one worker: close every flow and flush the logs.
    /// Returns the stats of the run so far (a multi-worker run merges the
    /// workers' before writing one stats event); `extra` adds counters the
    /// caller keeps (a live loop's capture counters).
    pub(crate) fn finish_flows(
        &mut self,
        started: Instant,
        extra: &[(&'static str, u64)],
    ) -> Result<StatsSnapshot> {
        let flow_counters = self.flows.counters();
        let memuse = self.flows.memuse();
        let last = self.c.last_ts;
        let mut ended: Vec<Flow> = Vec::new();
        self.flows.drain(|f| ended.push(f.clone()));
        for f in ended {
            self.end_flow(f, last, "shutdown")?;
        }
        let stats = self.stats_snapshot(started, extra, Some((&flow_counters, memuse)));
        self.eve.flush()?;
        self.fast.flush()?;
        self.lap(Stage::Output);
        Ok(stats)
    }

    /// End of input: close every flow, write the stats event and the
    /// summary.
    pub(crate) fn finish(&mut self, started: Instant, extra: &[(&'static str, u64)]) -> Result<()> {
        let stats = self.finish_flows(started, extra)?;
        self.eve.stats(self.c.last_ts, &stats)?;
        self.eve.flush()?;
        self.lap(Stage::Output);
        let secs = started.elapsed().as_secs_f64();
        // a benchmark (stage clock running) prints its own report
        if self.clock.is_none() {
            print_run_summary(&stats, secs);
        }
        if let Some(prof) = &self.state.profile {
            crate::profile::report(prof, &self.engine, &self.opts.log_dir, secs)?;
        }
        if self.opts.verbose > 0 {
            eprintln!(
                "warden: prefilter handed {} rule checks to verification ({:.1} per packet)",
                self.state.candidates_checked,
                self.state.candidates_checked as f64 / self.c.pkts.max(1) as f64
            );
        }
        Ok(())
    }
}

/// The closing line of a run on stderr.
pub(crate) fn print_run_summary(stats: &StatsSnapshot, secs: f64) {
    let d = &stats.decoder;
    eprintln!(
        "warden: {} packets, {} bytes, {} flows, {} alerts in {:.2} s ({:.1} Mbit/s, {:.0} packets/s)",
        d.pkts,
        d.bytes,
        stats.flow.total,
        stats.detect.alert,
        secs,
        d.bytes as f64 * 8.0 / secs.max(1e-9) / 1e6,
        d.pkts as f64 / secs.max(1e-9)
    );
}

/// Inspects one packet of a flow: packet rules (a TCP packet's `pkt_data`
/// from the flow's raw stream window when `use_stream`), then transaction
/// rules. Fired rules are appended to `fired`, with their transaction in
/// `fired_tx`; the direction's raw window is consumed.
#[allow(clippy::too_many_arguments)]
fn inspect_flow_packet(
    engine: &Engine,
    state: &mut DetectState,
    fired: &mut Vec<FiredRule>,
    fired_tx: &mut Vec<Option<u64>>,
    app: &mut FlowApp,
    flow: &mut Flow,
    p: &Packet<'_>,
    dir: Direction,
    now: i64,
    use_stream: bool,
    pseudo: bool,
) {
    let layer = app.layer();
    let d = dir.index();
    engine.inspect(
        state,
        PacketContext {
            packet: p,
            flow: Some((&mut *flow, dir)),
            now_ns: now,
            app: layer,
            stream: use_stream.then(|| {
                let w = &app.raw[d];
                StreamWindow {
                    data: &w.data,
                    base: w.base,
                    new_from: w.new_from,
                }
            }),
            pseudo,
        },
        fired,
    );
    fired_tx.clear();
    fired_tx.resize(fired.len(), None);
    if let Some(layer) = layer {
        inspect_txs(
            engine, state, app, layer, p, flow, dir, now, fired, fired_tx, use_stream,
        );
    }
    if p.tcp.is_some() {
        app.raw[d].clear();
    }
    if fired.iter().any(FiredRule::logged) {
        flow.alerted = true;
    }
}

/// How many of the fired rules write an alert record.
fn logged(fired: &[FiredRule]) -> u64 {
    fired.iter().filter(|f| f.logged()).count() as u64
}

/// Runs transaction rules over the transactions this packet may have
/// advanced: unfinished HTTP transactions (a finished one gets one last
/// inspection, then is freed), new DNS messages, and the TLS handshake
/// when it progressed. Each rule fires at most once per transaction.
#[allow(clippy::too_many_arguments)]
fn inspect_txs(
    engine: &Engine,
    state: &mut DetectState,
    app: &mut FlowApp,
    layer: warden_detect::AppLayer,
    p: &Packet<'_>,
    flow: &mut Flow,
    dir: Direction,
    now: i64,
    fired: &mut Vec<FiredRule>,
    fired_tx: &mut Vec<Option<u64>>,
    session: bool,
) {
    let to_server = dir == Direction::ToServer;
    let FlowApp {
        raw,
        parse,
        done,
        finished_below,
        dns_inspected_below,
        tls_dirty,
        http_seen,
        ..
    } = app;
    let window = &raw[dir.index()];
    let stream = (p.tcp.is_some() && session).then(|| StreamWindow {
        data: &window.data,
        base: window.base,
        new_from: window.new_from,
    });
    let mut run = |tx_id: u64, tx: &dyn warden_detect::AppTx, flow: &mut Flow| {
        let i = match done.iter().position(|(id, ..)| *id == tx_id) {
            Some(i) => i,
            None => {
                done.push((tx_id, Vec::new(), Default::default()));
                done.len() - 1
            }
        };
        let (_, fired_rules, memo) = &mut done[i];
        if let Some(pr) = state.explain.as_mut() {
            pr.tx = Some(tx_id);
        }
        engine.inspect_tx(
            state,
            TxContext {
                packet: p,
                flow: (flow, dir),
                now_ns: now,
                app: layer,
                tx,
                done: fired_rules,
                memo: Some(memo),
                stream,
            },
            fired,
        );
        fired_tx.resize(fired.len(), Some(tx_id));
        if let Some(pr) = state.explain.as_mut() {
            pr.tx = None;
        }
    };
    match &mut parse.parser {
        Parser::Http(h) => {
            let mut new_floor = *finished_below;
            let mut contiguous = true;
            let d = dir.index();
            for tx in h.txs() {
                if tx.id() < *finished_below {
                    continue;
                }
                // inspect at progress milestones only (line, headers,
                // complete per direction), never per body segment; each
                // direction's packets inspect with their own direction
                let key = progress_key(tx);
                let i = match http_seen.iter().position(|(id, _)| *id == tx.id()) {
                    Some(i) => i,
                    None => {
                        http_seen.push((tx.id(), [u16::MAX; 2]));
                        http_seen.len() - 1
                    }
                };
                if http_seen[i].1[d] != key {
                    http_seen[i].1[d] = key;
                    run(tx.id(), &HttpView { tx, to_server }, flow);
                }
                if contiguous && tx.is_complete() && http_seen[i].1 == [key, key] {
                    new_floor = tx.id() + 1;
                } else {
                    contiguous = false;
                }
            }
            if new_floor > *finished_below {
                // freed once their records are written (log_app_records)
                *finished_below = new_floor;
                done.retain(|(id, ..)| *id >= new_floor);
                http_seen.retain(|(id, _)| *id >= new_floor);
            }
        }
        Parser::Tls(t) => {
            if std::mem::take(&mut tls_dirty[dir.index()]) {
                run(
                    0,
                    &TlsView {
                        state: t,
                        to_server,
                    },
                    flow,
                );
            }
        }
        Parser::Dns(dns) => {
            let floor = dns_inspected_below[dir.index()];
            for tx in dns.transactions() {
                if tx.tx_id >= floor && tx.to_server == to_server {
                    run(tx.tx_id, &DnsView(tx), flow);
                }
            }
            dns_inspected_below[dir.index()] = dns.next_tx_id();
            // a message is finished once inspected; the oldest message
            // still waiting for a packet of its direction holds the floor
            let waiting = dns
                .transactions()
                .iter()
                .filter(|t| t.tx_id >= dns_inspected_below[usize::from(!t.to_server)])
                .map(|t| t.tx_id)
                .min();
            *finished_below = waiting.unwrap_or(dns.next_tx_id());
            // each message is inspected once: nothing to remember
            done.clear();
        }
        Parser::None => {}
    }
}

/// Writes the EVE records of transactions that are finished (or, at the
/// flow's end, of every transaction not yet logged): HTTP when both
/// directions are complete, each DNS message, TLS once the handshake is
/// done.
fn log_app_records(
    eve: &mut Eve,
    opts: &crate::config::EveOptions,
    app: &mut FlowApp,
    flow: &Flow,
    ts: Timestamp,
    pcap_cnt: Option<u64>,
    flow_end: bool,
) -> std::io::Result<()> {
    use std::net::SocketAddr;
    let client = SocketAddr::new(flow.client.0, flow.client.1);
    let server = SocketAddr::new(flow.server.0, flow.server.1);
    let FlowApp {
        parse,
        logged_below,
        tls_logged,
        finished_below,
        ..
    } = app;
    match &mut parse.parser {
        Parser::Http(h) => {
            for tx in h.txs() {
                if tx.id() < *logged_below {
                    continue;
                }
                if !(tx.is_complete() || flow_end) {
                    break;
                }
                // at the flow's end every transaction is logged, answered
                // or not (Suricata logs all on the flow's last pseudo packet)
                if opts.http {
                    let mut r = crate::app_eve::http_record(
                        tx,
                        ts,
                        flow.id,
                        client,
                        server,
                        flow.proto,
                        pcap_cnt,
                        tx.id(),
                    );
                    r.header.vlan = flow.key.vlans();
                    if flow_end {
                        r.header.pkt_src = "stream (flow timeout)";
                    }
                    if !opts.http_extended {
                        crate::app_eve::http_basic_only(&mut r.http);
                    }
                    eve.http(&r)?;
                }
                if opts.files {
                    for file in tx.files() {
                        let mut r = crate::app_eve::fileinfo_record(
                            tx, file, ts, flow.id, client, server, flow.proto, pcap_cnt,
                        );
                        r.header.vlan = flow.key.vlans();
                        if flow_end {
                            r.header.pkt_src = "stream (flow timeout)";
                        }
                        eve.fileinfo(&r)?;
                    }
                }
                *logged_below = tx.id() + 1;
            }
            let free = (*logged_below).min(*finished_below);
            if free > 0 {
                h.free_txs_before(free);
            }
        }
        Parser::Dns(d) => {
            for tx in d.transactions() {
                if tx.tx_id < *logged_below {
                    continue;
                }
                if opts.dns {
                    let mut r = crate::app_eve::dns_record(
                        tx, ts, flow.id, client, server, flow.proto, pcap_cnt,
                    );
                    r.header.vlan = flow.key.vlans();
                    eve.dns(&r)?;
                }
                *logged_below = tx.tx_id + 1;
            }
            let retire = (*logged_below).min(*finished_below);
            d.retire(retire);
        }
        Parser::Tls(t) => {
            if !*tls_logged && (t.ready_to_log() || (flow_end && t.sni().is_some())) {
                *tls_logged = true;
                if opts.tls {
                    let mut r = crate::app_eve::tls_record(
                        t, ts, flow.id, client, server, flow.proto, pcap_cnt,
                    );
                    r.header.vlan = flow.key.vlans();
                    eve.tls(&r)?;
                }
            }
        }
        Parser::None => {}
    }
    Ok(())
}

/// The EVE record of a flow's transaction `tx_id` (or its latest), whose
/// protocol object an alert on that transaction carries.
enum AppRecord<'a> {
    Http(warden_output::HttpRecord<'a>),
    Tls(warden_output::TlsRecord<'a>),
    Dns(warden_output::DnsRecord<'a>),
}

impl AppRecord<'_> {
    fn object(&self) -> warden_output::AppObject<'_> {
        match self {
            AppRecord::Http(r) => warden_output::AppObject::Http(&r.http),
            AppRecord::Tls(r) => warden_output::AppObject::Tls(&r.tls),
            AppRecord::Dns(r) => warden_output::AppObject::Dns(&r.dns),
        }
    }
}

fn app_record<'a>(
    app: &'a FlowApp,
    tx_id: Option<u64>,
    flow: &Flow,
    ts: Timestamp,
) -> Option<AppRecord<'a>> {
    use std::net::SocketAddr;
    let client = SocketAddr::new(flow.client.0, flow.client.1);
    let server = SocketAddr::new(flow.server.0, flow.server.1);
    Some(match &app.parse.parser {
        Parser::Http(h) => {
            let tx = match tx_id {
                Some(id) => h.txs().find(|t| t.id() == id),
                None => h.txs().last(),
            }?;
            AppRecord::Http(crate::app_eve::http_record(
                tx,
                ts,
                flow.id,
                client,
                server,
                flow.proto,
                None,
                tx.id(),
            ))
        }
        Parser::Tls(t) => AppRecord::Tls(crate::app_eve::tls_record(
            t, ts, flow.id, client, server, flow.proto, None,
        )),
        Parser::Dns(d) => {
            let tx = match tx_id {
                Some(id) => d.transactions().iter().find(|t| t.tx_id == id),
                None => d.transactions().last(),
            }?;
            AppRecord::Dns(crate::app_eve::dns_record(
                tx, ts, flow.id, client, server, flow.proto, None,
            ))
        }
        Parser::None => return None,
    })
}

/// A number that changes whenever either direction of an HTTP
/// transaction reaches a new stage.
fn progress_key(tx: &warden_app::http::HttpTx) -> u16 {
    use warden_app::http::Progress;
    let n = |p: Progress| -> u16 {
        match p {
            Progress::None => 0,
            Progress::Line => 1,
            Progress::Headers => 2,
            Progress::Complete => 3,
        }
    };
    n(tx.request_progress()) * 4 + n(tx.response_progress())
}

/// Flow flag (beside the engine's own bits): an inline verdict dropped it.
const FLOW_DROPPED: u32 = 1 << 16;

/// Writes Suricata's `drop` event for a packet the inline verdict dropped.
#[allow(clippy::too_many_arguments)]
fn write_drop(
    eve: &mut Eve,
    p: &Packet<'_>,
    flow: Option<&Flow>,
    ts: Timestamp,
    pcap_cnt: u64,
    reason: &str,
    alert: Option<warden_output::DropAlert<'_>>,
    ruleset: RulesetTag<'_>,
) -> Result<()> {
    use warden_output::{DropIp, DropL4, DropRecord, PacketHeader};
    let (Some(src), Some(dst)) = (p.src_ip(), p.dst_ip()) else {
        return Ok(());
    };
    let ip = match (&p.ipv4, &p.ipv6) {
        (Some(h), _) => DropIp::V4 {
            len: h.total_len,
            tos: h.tos,
            ttl: h.ttl,
            ipid: h.id,
        },
        (None, Some(h)) => DropIp::V6 {
            len: h.payload_len,
            tc: h.traffic_class,
            hoplimit: h.hop_limit,
            flowlbl: h.flow_label,
        },
        _ => return Ok(()),
    };
    let l4 = if let Some(t) = &p.tcp {
        DropL4::Tcp {
            seq: t.seq,
            ack: t.ack,
            win: t.window,
            flags: t.flags,
            res: t.reserved,
            urgp: t.urgent,
        }
    } else if let Some(u) = &p.udp {
        DropL4::Udp { len: u.length }
    } else if let Some(i) = p.icmp() {
        DropL4::Icmp {
            id: i.id.unwrap_or(0),
            seq: i.seq.unwrap_or(0),
        }
    } else {
        DropL4::None
    };
    let rec = DropRecord {
        header: PacketHeader {
            ts,
            flow_id: flow.map(|f| f.id),
            pcap_cnt: (pcap_cnt != 0).then_some(pcap_cnt),
            in_iface: None,
            vlan: p.vlans(),
            src_ip: src,
            src_port: p.src_port(),
            dest_ip: dst,
            dest_port: p.dst_port(),
            proto: p.ip_proto.unwrap_or(0),
            ip_v: if src.is_ipv4() { 4 } else { 6 },
            icmp_type: p.icmp().map(|i| i.icmp_type),
            icmp_code: p.icmp().map(|i| i.code),
            pkt_src: "wire/pcap",
        },
        ip,
        l4,
        reason: Some(reason),
        alert,
        ruleset: Some(ruleset),
    };
    eve.drop_event(&rec)?;
    Ok(())
}

fn app_proto_name(app: &FlowApp) -> &'static str {
    app.parse.proto.name()
}

fn ts_of(ns: i64) -> Timestamp {
    Timestamp {
        secs: ns.div_euclid(1_000_000_000),
        nanos: ns.rem_euclid(1_000_000_000) as u32,
    }
}

fn flow_summary(fl: &Flow) -> FlowSummary {
    let ports = fl.proto == 6 || fl.proto == 17;
    FlowSummary {
        pkts_toserver: fl.pkts[0],
        pkts_toclient: fl.pkts[1],
        bytes_toserver: fl.bytes[0],
        bytes_toclient: fl.bytes[1],
        start: ts_of(fl.first_ns),
        src_ip: fl.client.0,
        dest_ip: fl.server.0,
        src_port: ports.then_some(fl.client.1),
        dest_port: ports.then_some(fl.server.1),
    }
}

/// The EVE `flow` record of a finished flow; a TCP flow without a
/// `session` (see [`Worker::end_flow`]) shows flags `00` and no state.
fn flow_record<'a>(
    fl: &'a Flow,
    ts: Timestamp,
    reason: &'a str,
    app_proto: Option<&'a str>,
    session: bool,
) -> FlowRecord<'a> {
    let counts = flow_summary(fl);
    let icmp = matches!(fl.proto, 1 | 58);
    FlowRecord {
        ts,
        flow_id: fl.id,
        vlan: fl.key.vlans(),
        src_ip: counts.src_ip,
        src_port: counts.src_port,
        dest_ip: counts.dest_ip,
        dest_port: counts.dest_port,
        proto: fl.proto,
        app_proto: app_proto.filter(|n| *n != "unknown"),
        icmp: if icmp { fl.icmp[0] } else { None },
        response_icmp: if icmp { fl.icmp[1] } else { None },
        counts,
        end: ts_of(fl.last_ns),
        state: fl.state_name(),
        reason,
        alerted: fl.alerted,
        action: if fl.flags & FLOW_DROPPED != 0 {
            Some("drop")
        } else if fl.flags & warden_detect::engine::flow_flags::PASS != 0 {
            Some("pass")
        } else {
            None
        },
        tcp_flags: match (fl.proto == 6, session) {
            (true, true) => Some((
                fl.tcp_flags[0] | fl.tcp_flags[1],
                fl.tcp_flags[0],
                fl.tcp_flags[1],
            )),
            (true, false) => Some((0, 0, 0)),
            (false, _) => None,
        },
        tcp_state: session.then(|| fl.tcp.state_name()),
        midstream_ignored: fl.proto == 6 && fl.tcp.midstream_ignored,
        max_regions: None,
    }
}

fn append(path: &Path) -> Result<BufWriter<File>> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufWriter::new(f))
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path).with_context(|| {
        format!("cannot create {}", path.display())
    })?))
}

fn count_packet(c: &mut Counters, p: &Packet<'_>, len: u32) {
    c.pkts += 1;
    c.bytes += u64::from(len);
    match p.link {
        warden_packet::LinkType::Ethernet => c.ethernet += 1,
        warden_packet::LinkType::LinuxSll => c.sll += 1,
        warden_packet::LinkType::LinuxSll2 => c.sll2 += 1,
        warden_packet::LinkType::Ppp => c.ppp += 1,
        warden_packet::LinkType::CiscoHdlc => c.chdlc += 1,
        _ => {}
    }
    if p.vlan_count > 0 {
        c.vlan += 1;
        if p.vlan_count > 1 {
            c.vlan_qinq += 1;
        }
    }
    if p.nsh.is_some() {
        c.nsh += 1;
    }
    if p.ipv4.is_some() {
        c.ipv4 += 1;
    }
    if p.ipv6.is_some() {
        c.ipv6 += 1;
    }
    if p.tcp.is_some() {
        c.tcp += 1;
    }
    if p.udp.is_some() {
        c.udp += 1;
    }
    if p.icmpv4.is_some() {
        c.icmpv4 += 1;
    }
    if p.icmpv6.is_some() {
        c.icmpv6 += 1;
    }
    if !p.events.is_empty() {
        c.invalid += 1;
        for name in p.event_names() {
            *c.events.entry(name).or_insert(0) += 1;
        }
    }
}

/// Raises on the fragment the decoder events its insertion caused
/// (`ipv4.frag_overlap`, `ipv6.frag_overlap`, ...), so `decode-event`
/// rules see them on that packet as Suricata's do.
fn set_defrag_events(p: &mut Packet<'_>, ev: warden_stream::DefragEvents, v6: bool) {
    use warden_packet::DecodeEvent as E;
    use warden_stream::DefragEvents as D;
    let table = if v6 {
        [
            (D::OVERLAP, Some(E::Ipv6FragOverlap)),
            (D::TOO_LARGE, Some(E::Ipv6FragPktTooLarge)),
            (D::INVALID_LENGTH, Some(E::Ipv6FragInvalidLength)),
        ]
    } else {
        [
            (D::OVERLAP, Some(E::Ipv4FragOverlap)),
            (D::TOO_LARGE, Some(E::Ipv4FragPktTooLarge)),
            (D::INVALID_LENGTH, None),
        ]
    };
    for (d, e) in table {
        if let (true, Some(e)) = (ev.contains(d), e) {
            p.set_event(e);
        }
    }
}

/// Decoder events after which Suricata discards the IP layer: the packet
/// then has no addresses, no flow and no transport header, and only
/// `pkthdr` rules see it.
const IP_INVALIDATING: &[&str] = &[
    "ipv4.pkt_too_small",
    "ipv4.hlen_too_small",
    "ipv4.iplen_smaller_than_hlen",
    "ipv4.trunc_pkt",
    "ipv4.wrong_ip_version",
    "ipv6.pkt_too_small",
    "ipv6.trunc_pkt",
    "ipv6.wrong_ip_version",
];

fn drop_invalid_ip_layer(p: &mut Packet<'_>) {
    if p.events.is_empty() || !p.event_names().any(|n| IP_INVALIDATING.contains(&n)) {
        return;
    }
    p.ipv4 = None;
    p.ipv6 = None;
    p.ip_proto = None;
    p.tcp = None;
    p.udp = None;
    p.icmpv4 = None;
    p.icmpv6 = None;
    p.payload = &[];
}

/// Finds the packet's flow, creating it if needed.
fn track(
    flows: &mut FlowTable,
    p: &Packet<'_>,
    len: usize,
    now: i64,
) -> Option<warden_flow::Tracked> {
    let (src, dst) = (p.src_ip()?, p.dst_ip()?);
    let proto = p.ip_proto?;
    let (sp, dp) = match (p.src_port(), p.dst_port()) {
        (Some(a), Some(b)) => (a, b),
        _ => (0, 0),
    };
    let vlan = [p.vlan_ids[0], p.vlan_ids[1]];
    let key = KeyInput {
        src,
        dst,
        src_port: sp,
        dst_port: dp,
        proto,
        vlan: if p.vlan_count > 0 { vlan } else { [0, 0] },
    };
    let tcp = p.tcp.as_ref();
    flows.track_tcp(
        &key,
        tcp.map(|t| t.flags),
        tcp.and_then(|t| t.options.timestamp),
        len,
        now,
    )
}

#[allow(clippy::too_many_arguments)]
fn write_alerts<W: std::io::Write, F: std::io::Write>(
    eve: &mut EveWriter<W>,
    fast: &mut FastLogWriter<F>,
    engine: &Engine,
    ruleset: RulesetTag<'_>,
    fired: &[FiredRule],
    p: &Packet<'_>,
    flow: Option<(&Flow, Direction)>,
    app_proto: Option<&str>,
    ts: Timestamp,
    pcap_cnt: u64,
    eve_opts: &crate::config::EveOptions,
    app: Option<(&FlowApp, &[Option<u64>])>,
    pkt_src: &str,
    tunnel: Option<warden_output::TunnelInfo>,
    scoping: Option<(&crate::scope::Scope, &[crate::scope::Note])>,
) -> Result<()> {
    if fired.is_empty() {
        return Ok(());
    }
    // the packet's fate, as the alert's `verdict` and for the action of
    // an alert whose rate filter changed it
    let dropped = eve_opts.inline && fired.iter().any(FiredRule::blocks);
    let verdict = if dropped {
        "drop"
    } else if fired.iter().any(|f| f.action == SigAction::Pass) {
        "pass"
    } else {
        "alert"
    };
    let unspecified = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    let has_ip = p.src_ip().is_some();
    let (src, dst) = (
        p.src_ip().unwrap_or(unspecified),
        p.dst_ip().unwrap_or(unspecified),
    );
    for (i, f) in fired.iter().enumerate() {
        if !f.logged() {
            continue;
        }
        let s = engine.sig(f.rule);
        // the transaction the alert is about: the one a transaction rule
        // fired on, else the flow's latest (as Suricata's alert metadata)
        let tx_id = app.and_then(|(_, ids)| ids.get(i).copied().flatten());
        let app_rec = match (app, flow) {
            (Some((a, _)), Some((fl, _))) => app_record(a, tx_id, fl, ts),
            _ => None,
        };
        let m = &s.meta;
        let mut r = AlertRecord::new(
            ts,
            src,
            dst,
            p.ip_proto.unwrap_or(0),
            m.gid,
            m.sid,
            m.rev,
            &m.msg,
        );
        r.pcap_cnt = (pcap_cnt != 0).then_some(pcap_cnt);
        r.pkt_src = pkt_src;
        r.tunnel = tunnel;
        if !has_ip {
            r.ip_v = 0;
        }
        r.src_port = p.src_port();
        r.dest_port = p.dst_port();
        if let Some(i) = p.icmp() {
            r.icmp_type = Some(i.icmp_type);
            r.icmp_code = Some(i.code);
        }
        r.vlan = p.vlans();
        r.category = &m.category;
        r.app_proto = app_proto.filter(|n| *n != "unknown");
        r.tx_id = tx_id;
        r.app_object = app_rec.as_ref().map(AppRecord::object);
        r.severity = m.severity;
        r.metadata = &m.metadata;
        r.ruleset = Some(ruleset);
        if eve_opts.payload || eve_opts.payload_printable {
            r.payload = Some(p.payload);
            r.payload_printable = eve_opts.payload_printable;
        }
        if eve_opts.verdict {
            r.verdict = Some(verdict);
        }
        if eve_opts.packet {
            r.packet = Some(p.frame);
            r.packet_linktype = p.link.dlt();
        }
        r.action = alert_action(f, dropped, eve_opts.inline);
        r.scope = scoping.and_then(|(sc, notes)| sc.alert_scope(notes, i));
        if let Some((fl, dir)) = flow {
            r.flow_id = Some(fl.id);
            r.direction = Some(match dir {
                Direction::ToServer => "to_server",
                Direction::ToClient => "to_client",
            });
            r.flow = Some(flow_summary(fl));
        }
        if let Some(t) = m.target {
            use warden_output::{Endpoint, SourceTarget};
            let srcp = Endpoint {
                ip: src,
                port: p.src_port(),
            };
            let dstp = Endpoint {
                ip: dst,
                port: p.dst_port(),
            };
            r.source_target = Some(match t {
                warden_rules::Target::Dst => SourceTarget {
                    source: srcp,
                    target: dstp,
                },
                warden_rules::Target::Src => SourceTarget {
                    source: dstp,
                    target: srcp,
                },
            });
        }
        eve.alert(&r)?;
        fast.alert(&r)?;
    }
    Ok(())
}

/// An alert's `action`: IDS mode, drop and reject rules alert only
/// (`allowed`); inline (`inline`) they block. A rate filter's action is
/// reported by what befell the packet (`dropped`: some fired rule blocks
/// it).
pub(crate) fn alert_action(f: &FiredRule, dropped: bool, inline: bool) -> &'static str {
    match f.action {
        // a drop/reject rule in shadow blocks nothing
        _ if f.would_block() => "would_drop",
        // a rate filter's action is reported by what befell the packet
        _ if f.rate_filtered && dropped => "blocked",
        _ if f.rate_filtered => "allowed",
        SigAction::Pass | SigAction::Alert => "allowed",
        _ if inline => "blocked",
        _ => "allowed",
    }
}

fn snapshot(
    c: &Counters,
    fc: &warden_flow::FlowCounters,
    memuse: usize,
    ruleset: &RulesetInfo,
    st: &DetectState,
    started: Instant,
) -> StatsSnapshot {
    let mut events: Vec<(&'static str, u64)> = c.events.iter().map(|(k, v)| (*k, *v)).collect();
    events.sort();
    let mut counters = vec![
        ("decoder.nsh", c.nsh),
        ("decoder.ipv4_in_ipv4", c.ipv4_in_ipv4),
        ("decoder.ipv4_in_ipv6", c.ipv4_in_ipv6),
        ("decoder.ipv6_in_ipv4", c.ipv6_in_ipv4),
        ("decoder.ipv6_in_ipv6", c.ipv6_in_ipv6),
        ("decoder.sll", c.sll),
        ("decoder.sll2", c.sll2),
        ("decoder.ppp", c.ppp),
        ("decoder.chdlc", c.chdlc),
        ("defrag.ipv4.reassembled", c.defrag_reassembled),
        ("tcp.reassembly_gap", c.reassembly_gaps),
        ("stream.pkt_invalid_timestamp", c.stream_invalid_timestamp),
        ("ips.accepted", c.ips_accepted),
        ("ips.blocked", c.ips_blocked),
        ("ips.rejected", c.ips_rejected),
        ("ips.drop_reason.flow_drop", c.drop_flow),
        ("ips.drop_reason.rules", c.drop_rules),
        (
            "ips.drop_reason.threshold_detection_filter",
            c.drop_threshold,
        ),
        ("capture.file_errors", c.capture_file_errors),
    ];
    counters.extend(c.app.counters());
    StatsSnapshot {
        uptime: started.elapsed().as_secs(),
        decoder: DecoderStats {
            pkts: c.pkts,
            bytes: c.bytes,
            invalid: c.invalid,
            ipv4: c.ipv4,
            ipv6: c.ipv6,
            ethernet: c.ethernet,
            tcp: c.tcp,
            udp: c.udp,
            icmpv4: c.icmpv4,
            icmpv6: c.icmpv6,
            vlan: c.vlan,
            vlan_qinq: c.vlan_qinq,
            events,
        },
        flow: FlowStats {
            total: fc.total,
            tcp: fc.tcp,
            udp: fc.udp,
            icmpv4: fc.icmpv4,
            icmpv6: fc.icmpv6,
            memuse: Some(memuse as u64),
        },
        detect: DetectStats {
            engines: vec![EngineStats {
                id: 0,
                // offline: the first packet's time, as Suricata; live:
                // when the live ruleset was loaded
                last_reload: if ruleset.generation > 1 {
                    ruleset.loaded_at
                } else {
                    c.first_ts.unwrap_or(ruleset.loaded_at)
                },
                rules_loaded: ruleset.loaded as u64,
                rules_failed: ruleset.failed as u64,
                rules_skipped: ruleset.skipped as u64,
            }],
            alert: c.alerts,
            alert_queue_overflow: st.overflow,
            alerts_suppressed: st.suppressed,
        },
        counters,
        ..StatsSnapshot::default()
    }
}
