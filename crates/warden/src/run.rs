//! Offline mode (`-r`): capture → decode → flow → detect → output, one
//! packet at a time, for a capture file or a folder of them.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use warden_capture::{open_captures, CaptureReader};
use warden_detect::{DetectState, Engine, FiredRule, PacketContext, SigAction};
use warden_flow::{Direction, Flow, FlowConfig, FlowTable, KeyInput};
use warden_output::{
    AlertRecord, DecoderStats, DetectStats, EngineStats, EveWriter, FastLogWriter, FlowRecord,
    FlowStats, FlowSummary, StatsSnapshot, Timestamp,
};
use warden_packet::{decode, DecodeOptions, Packet};

use crate::load::Loaded;

/// Settings of one offline run.
pub struct RunOptions {
    pub captures: PathBuf,
    pub log_dir: PathBuf,
    pub decode: DecodeOptions,
    pub flow: FlowConfig,
    pub eve: crate::config::EveOptions,
    pub verbose: u8,
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
    alerts: u64,
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

/// Runs the capture(s) through the engine. Returns an error after
/// writing everything processed so far when a capture is unreadable.
pub fn run(opts: &RunOptions, loaded: &Loaded) -> Result<()> {
    std::fs::create_dir_all(&opts.log_dir)
        .with_context(|| format!("cannot create log folder {}", opts.log_dir.display()))?;
    let eve_file = create(&opts.log_dir.join("eve.json"))?;
    let fast_file = create(&opts.log_dir.join("fast.log"))?;
    let mut eve = EveWriter::new(eve_file);
    let mut fast = FastLogWriter::new(fast_file);
    let engine = &loaded.engine;
    let mut state = DetectState::default();
    let mut flows = FlowTable::new(opts.flow);
    let mut c = Counters::default();
    let mut fired: Vec<FiredRule> = Vec::with_capacity(16);
    let started = Instant::now();

    let files = open_captures(&opts.captures);
    if files.is_empty() {
        anyhow::bail!("no capture files at {}", opts.captures.display());
    }
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
                    failure = Some(anyhow::anyhow!("{e}"));
                    break 'files;
                }
            };
            let ts = out_ts(raw.ts);
            c.first_ts.get_or_insert(ts);
            c.last_ts = ts;
            let now = ns(ts);
            let mut p = decode(raw.link, raw.data, &opts.decode);
            drop_invalid_ip_layer(&mut p);
            count_packet(&mut c, &p, raw.orig_len.max(raw.data.len() as u32));
            let mut io_err = None;
            let log_flows = opts.eve.flow;
            flows.maybe_expire(now, |f| {
                if !log_flows {
                    return;
                }
                if let Err(e) = eve.flow(&flow_record(f, ts, "timeout")) {
                    io_err.get_or_insert(e);
                }
            });
            if let Some(e) = io_err {
                return Err(e.into());
            }
            let tracked = track(&mut flows, &p, raw.data.len(), now);
            fired.clear();
            match tracked {
                Some(t) => {
                    let flow = flows.get_mut(t.flow);
                    if let Some(i) = p.icmp() {
                        flow.icmp[t.direction.index()].get_or_insert((i.icmp_type, i.code));
                    }
                    engine.inspect(
                        &mut state,
                        PacketContext {
                            packet: &p,
                            flow: Some((flow, t.direction)),
                            now_ns: now,
                        },
                        &mut fired,
                    );
                    if !fired.is_empty() {
                        flows.get_mut(t.flow).alerted = true;
                    }
                    let flow = flows.get(t.flow);
                    write_alerts(
                        &mut eve,
                        &mut fast,
                        engine,
                        &fired,
                        &p,
                        Some((flow, t.direction)),
                        ts,
                        raw.index,
                        &opts.eve,
                    )?;
                }
                None => {
                    engine.inspect(
                        &mut state,
                        PacketContext {
                            packet: &p,
                            flow: None,
                            now_ns: now,
                        },
                        &mut fired,
                    );
                    write_alerts(
                        &mut eve, &mut fast, engine, &fired, &p, None, ts, raw.index, &opts.eve,
                    )?;
                }
            }
            c.alerts += fired.len() as u64;
        }
    }
    let flow_counters = flows.counters();
    let memuse = flows.memuse();
    let mut io_err = None;
    let last = c.last_ts;
    let log_flows = opts.eve.flow;
    flows.drain(|f| {
        if !log_flows {
            return;
        }
        if let Err(e) = eve.flow(&flow_record(f, last, "shutdown")) {
            io_err.get_or_insert(e);
        }
    });
    if let Some(e) = io_err {
        return Err(e.into());
    }
    let stats = snapshot(&c, &flow_counters, memuse, loaded, &state, started);
    eve.stats(c.last_ts, &stats)?;
    eve.flush()?;
    fast.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "warden: {} packets, {} bytes, {} flows, {} alerts in {:.2} s ({:.1} Mbit/s, {:.0} packets/s)",
        c.pkts,
        c.bytes,
        flow_counters.total,
        c.alerts,
        secs,
        c.bytes as f64 * 8.0 / secs.max(1e-9) / 1e6,
        c.pkts as f64 / secs.max(1e-9)
    );
    if opts.verbose > 0 {
        eprintln!(
            "warden: prefilter handed {} rule checks to verification ({:.1} per packet)",
            state.candidates_checked,
            state.candidates_checked as f64 / c.pkts.max(1) as f64
        );
    }
    match failure {
        Some(e) => Err(e.context(format!(
            "stopped early; {} packets before the error were processed and logged",
            c.pkts
        ))),
        None => Ok(()),
    }
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

/// The EVE `flow` record of a finished flow.
fn flow_record<'a>(fl: &'a Flow, ts: Timestamp, reason: &'a str) -> FlowRecord<'a> {
    let counts = flow_summary(fl);
    let icmp = matches!(fl.proto, 1 | 58);
    FlowRecord {
        ts,
        flow_id: fl.id,
        vlan: &[],
        src_ip: counts.src_ip,
        src_port: counts.src_port,
        dest_ip: counts.dest_ip,
        dest_port: counts.dest_port,
        proto: fl.proto,
        app_proto: None,
        icmp: if icmp { fl.icmp[0] } else { None },
        response_icmp: if icmp { fl.icmp[1] } else { None },
        counts,
        end: ts_of(fl.last_ns),
        state: fl.state_name(),
        reason,
        alerted: fl.alerted,
        tcp_flags: (fl.proto == 6).then(|| {
            (
                fl.tcp_flags[0] | fl.tcp_flags[1],
                fl.tcp_flags[0],
                fl.tcp_flags[1],
            )
        }),
        tcp_state: (fl.proto == 6).then(|| fl.tcp.state.name()),
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path).with_context(|| {
        format!("cannot create {}", path.display())
    })?))
}

fn count_packet(c: &mut Counters, p: &Packet<'_>, len: u32) {
    c.pkts += 1;
    c.bytes += u64::from(len);
    if p.link == warden_packet::LinkType::Ethernet {
        c.ethernet += 1;
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
    flows.track(&key, p.tcp.as_ref().map(|t| t.flags), len, now)
}

#[allow(clippy::too_many_arguments)]
fn write_alerts<W: std::io::Write, F: std::io::Write>(
    eve: &mut EveWriter<W>,
    fast: &mut FastLogWriter<F>,
    engine: &Engine,
    fired: &[FiredRule],
    p: &Packet<'_>,
    flow: Option<(&Flow, Direction)>,
    ts: Timestamp,
    pcap_cnt: u64,
    eve_opts: &crate::config::EveOptions,
) -> Result<()> {
    if fired.is_empty() {
        return Ok(());
    }
    let unspecified = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    let has_ip = p.src_ip().is_some();
    let (src, dst) = (
        p.src_ip().unwrap_or(unspecified),
        p.dst_ip().unwrap_or(unspecified),
    );
    for f in fired {
        let s = engine.sig(f.rule);
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
        r.pcap_cnt = Some(pcap_cnt);
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
        r.severity = m.severity;
        r.metadata = &m.metadata;
        if eve_opts.payload || eve_opts.payload_printable {
            r.payload = Some(p.payload);
            r.payload_printable = eve_opts.payload_printable;
        }
        if eve_opts.packet {
            r.packet = Some(p.frame);
            r.packet_linktype = p.link.dlt();
        }
        // IDS mode: drop and reject rules alert only.
        r.action = match f.action {
            SigAction::Pass => "pass",
            _ => "allowed",
        };
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

fn snapshot(
    c: &Counters,
    fc: &warden_flow::FlowCounters,
    memuse: usize,
    loaded: &Loaded,
    st: &DetectState,
    started: Instant,
) -> StatsSnapshot {
    let mut events: Vec<(&'static str, u64)> = c.events.iter().map(|(k, v)| (*k, *v)).collect();
    events.sort();
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
                last_reload: c.first_ts.unwrap_or_default(),
                rules_loaded: loaded.rules_loaded() as u64,
                rules_failed: loaded.rules_failed() as u64,
                rules_skipped: loaded.rules_skipped() as u64,
            }],
            alert: c.alerts,
            alert_queue_overflow: st.overflow,
            alerts_suppressed: st.suppressed,
        },
        counters: vec![("decoder.nsh", c.nsh)],
        ..StatsSnapshot::default()
    }
}
