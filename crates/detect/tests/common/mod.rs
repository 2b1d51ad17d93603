//! Shared harness for the detection integration tests: rule text in,
//! frames through the decoder and the flow table, sids out.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use warden_detect::{
    AppLayer, AppTx, DetectState, Engine, FiredRule, LoadReport, PacketContext, StreamWindow,
    TxContext,
};
use warden_flow::{FlowConfig, FlowTable, KeyInput};
use warden_packet::{decode, DecodeOptions, LinkType, Packet};
use warden_rules::{load_rule_str, Buffer, Classifications, Vars};

pub use warden_packet::build;
pub use warden_packet::tcp_flags as flags;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
pub const OTHER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);
pub const SEC: i64 = 1_000_000_000;

/// Parses and compiles `rules`; any parse diagnostic or compile rejection
/// fails the test.
pub fn engine(rules: &str) -> Engine {
    let (engine, report) = try_engine(rules);
    assert!(
        report.rejected.is_empty(),
        "rejected: {:?}",
        report
            .rejected
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
    );
    engine
}

/// Parses (parse errors fail the test) and compiles, returning the report.
pub fn try_engine(rules: &str) -> (Engine, LoadReport) {
    let src = load_rule_str(rules, "test.rules");
    assert!(
        src.diagnostics.is_empty(),
        "parse diagnostics: {:?}",
        src.diagnostics
    );
    Engine::build(
        &src.rules,
        &Vars::suricata_defaults(),
        &Classifications::suricata_defaults(),
    )
}

/// Engine + per-worker state + flow table + packet clock.
pub struct Harness {
    pub engine: Engine,
    pub state: DetectState,
    pub flows: FlowTable,
    /// Packet time of the next packet; advanced by 1 ms per packet.
    pub now_ns: i64,
    /// Application protocol of the flows, as detection would have set it.
    pub app: Option<AppLayer>,
}

fn key_of(p: &Packet<'_>) -> Option<KeyInput> {
    let (src, dst) = (p.src_ip()?, p.dst_ip()?);
    let proto = p.ip_proto?;
    let (sp, dp) = match (p.src_port(), p.dst_port()) {
        (Some(a), Some(b)) => (a, b),
        _ => (0, 0),
    };
    Some(KeyInput {
        src,
        dst,
        src_port: sp,
        dst_port: dp,
        proto,
        vlan: if p.vlan_count > 0 {
            [p.vlan_ids[0], p.vlan_ids[1]]
        } else {
            [0, 0]
        },
    })
}

impl Harness {
    pub fn new(rules: &str) -> Harness {
        Harness::with_engine(engine(rules))
    }

    pub fn with_engine(engine: Engine) -> Harness {
        Harness {
            engine,
            state: DetectState::default(),
            flows: FlowTable::new(FlowConfig::default()),
            app: None,
            now_ns: 1_700_000_000 * SEC,
        }
    }

    /// Runs one Ethernet frame through decode, flow tracking and
    /// inspection; returns the sids that fired, in firing order.
    pub fn run(&mut self, frame: &[u8]) -> Vec<u32> {
        self.run_with(frame, true, None)
    }

    /// Like [`run`] at an explicit packet time.
    pub fn run_at(&mut self, frame: &[u8], now_ns: i64) -> Vec<u32> {
        self.now_ns = now_ns;
        self.run(frame)
    }

    /// Inspects without a flow (as for a packet the table refused).
    pub fn run_no_flow(&mut self, frame: &[u8]) -> Vec<u32> {
        self.run_with(frame, false, None)
    }

    /// Inspects with a reassembled stream window.
    pub fn run_stream(&mut self, frame: &[u8], w: StreamWindow<'_>) -> Vec<u32> {
        self.run_with(frame, true, Some(w))
    }

    pub fn run_with(
        &mut self,
        frame: &[u8],
        with_flow: bool,
        stream: Option<StreamWindow<'_>>,
    ) -> Vec<u32> {
        // what a user sees: the alerts logged (not silent drops or passes)
        let fired = self.fire(frame, with_flow, stream);
        fired
            .iter()
            .filter(|f| f.logged())
            .map(|f| self.engine.sig(f.rule).meta.sid)
            .collect()
    }

    /// The raw fired list (actions, evaluation order).
    pub fn fire(
        &mut self,
        frame: &[u8],
        with_flow: bool,
        stream: Option<StreamWindow<'_>>,
    ) -> Vec<FiredRule> {
        let now = self.now_ns;
        self.now_ns += 1_000_000;
        let p = decode(LinkType::Ethernet, frame, &DecodeOptions::default());
        let tracked = if with_flow {
            key_of(&p).and_then(|k| {
                self.flows
                    .track(&k, p.tcp.as_ref().map(|t| t.flags), frame.len(), now)
            })
        } else {
            None
        };
        let mut out = Vec::new();
        let flow = tracked.map(|t| (self.flows.get_mut(t.flow), t.direction));
        // as the pipeline does: follow each side's sequence numbers
        let flow = flow.map(|(f, d)| {
            if let Some(t) = &p.tcp {
                let from_client = d == warden_flow::Direction::ToServer;
                f.tcp.observe(from_client, t.seq, t.flags, p.payload.len());
            }
            (f, d)
        });
        self.engine.inspect(
            &mut self.state,
            PacketContext {
                packet: &p,
                flow,
                now_ns: now,
                app: self.app,
                stream,
                pseudo: false,
            },
            &mut out,
        );
        out
    }

    /// Tracks `frame` and inspects `tx` (a transaction of `app`) with it;
    /// `done` is the transaction's already-fired list.
    pub fn run_tx(
        &mut self,
        frame: &[u8],
        app: AppLayer,
        tx: &dyn AppTx,
        done: &mut Vec<u32>,
    ) -> Vec<u32> {
        let now = self.now_ns;
        self.now_ns += 1_000_000;
        let p = decode(LinkType::Ethernet, frame, &DecodeOptions::default());
        let k = key_of(&p).expect("tx packet has an IP 5-tuple");
        let t = self
            .flows
            .track(&k, p.tcp.as_ref().map(|t| t.flags), frame.len(), now)
            .expect("flow table has room");
        let mut out = Vec::new();
        self.engine.inspect_tx(
            &mut self.state,
            TxContext {
                packet: &p,
                flow: (self.flows.get_mut(t.flow), t.direction),
                now_ns: now,
                app,
                tx,
                done,
                memo: None,
                stream: None,
            },
            &mut out,
        );
        out.iter()
            .map(|f| self.engine.sig(f.rule).meta.sid)
            .collect()
    }
}

/// A TCP conversation between CLIENT:cport and SERVER:sport with
/// consistent sequence numbers.
pub struct Session {
    pub cport: u16,
    pub sport: u16,
    pub cseq: u32,
    pub sseq: u32,
    pub client: Ipv4Addr,
    pub server: Ipv4Addr,
}

impl Session {
    pub fn new(cport: u16, sport: u16) -> Session {
        Session {
            cport,
            sport,
            cseq: 1000,
            sseq: 5000,
            client: CLIENT,
            server: SERVER,
        }
    }

    pub fn syn(&self) -> Vec<u8> {
        build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            0,
            flags::SYN,
            b"",
        )
    }

    pub fn syn_ack(&self) -> Vec<u8> {
        build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq + 1,
            flags::SYN | flags::ACK,
            b"",
        )
    }

    /// The ACK that completes the handshake.
    pub fn ack(&self) -> Vec<u8> {
        build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq + 1,
            self.sseq + 1,
            flags::ACK,
            b"",
        )
    }

    /// Runs the three-way handshake; returns every sid fired on it.
    pub fn handshake(&mut self, h: &mut Harness) -> Vec<u32> {
        let mut fired = h.run(&self.syn());
        fired.extend(h.run(&self.syn_ack()));
        fired.extend(h.run(&self.ack()));
        self.cseq += 1;
        self.sseq += 1;
        fired
    }

    /// A PSH|ACK data segment client → server.
    pub fn client_data(&mut self, payload: &[u8]) -> Vec<u8> {
        let f = build::tcp_v4(
            self.client,
            self.server,
            self.cport,
            self.sport,
            self.cseq,
            self.sseq,
            flags::PSH | flags::ACK,
            payload,
        );
        self.cseq = self.cseq.wrapping_add(payload.len() as u32);
        f
    }

    /// A PSH|ACK data segment server → client.
    pub fn server_data(&mut self, payload: &[u8]) -> Vec<u8> {
        let f = build::tcp_v4(
            self.server,
            self.client,
            self.sport,
            self.cport,
            self.sseq,
            self.cseq,
            flags::PSH | flags::ACK,
            payload,
        );
        self.sseq = self.sseq.wrapping_add(payload.len() as u32);
        f
    }
}

/// A lone TCP data segment CLIENT:1234 → SERVER:80 (no handshake).
pub fn tcp(payload: &[u8]) -> Vec<u8> {
    build::tcp_v4(
        CLIENT,
        SERVER,
        1234,
        80,
        1,
        1,
        flags::PSH | flags::ACK,
        payload,
    )
}

/// A UDP datagram CLIENT:1234 → SERVER:53.
pub fn udp(payload: &[u8]) -> Vec<u8> {
    build::udp_v4(CLIENT, SERVER, 1234, 53, payload)
}

/// A UDP datagram between arbitrary endpoints.
pub fn udp_between(src: Ipv4Addr, sp: u16, dst: Ipv4Addr, dp: u16, payload: &[u8]) -> Vec<u8> {
    build::udp_v4(src, dst, sp, dp, payload)
}

pub fn ip(a: Ipv4Addr) -> IpAddr {
    IpAddr::V4(a)
}

/// Runs a single-rule engine over one UDP payload (fresh state each call).
pub fn udp_fires(rule: &str, payload: &[u8]) -> bool {
    let mut h = Harness::new(rule);
    !h.run(&udp(payload)).is_empty()
}

/// Runs a single-rule engine over one lone TCP payload.
pub fn tcp_fires(rule: &str, payload: &[u8]) -> bool {
    let mut h = Harness::new(rule);
    !h.run(&tcp(payload)).is_empty()
}

/// Wraps `rule_body` (the options, without parentheses) in a UDP rule
/// with sid 1.
pub fn udp_rule(body: &str) -> String {
    format!("alert udp any any -> any any ({body} sid:1;)")
}

/// A transaction whose buffers are given as a map.
#[derive(Default)]
pub struct MapTx {
    pub buffers: HashMap<Buffer, Vec<Vec<u8>>>,
    pub uri_len: Option<u64>,
    /// App-layer event names raised on the transaction.
    pub events: Vec<&'static str>,
    /// Files of the inspecting direction: name, size, how they ended.
    pub files: Vec<(Vec<u8>, u64, warden_detect::FileEnd)>,
    /// Missing buffers may still come (`absent` waits).
    pub unsettled: bool,
}

impl MapTx {
    pub fn with(mut self, b: Buffer, bytes: &[u8]) -> MapTx {
        self.buffers.entry(b).or_default().push(bytes.to_vec());
        if b == Buffer::HttpUri {
            self.uri_len = Some(bytes.len() as u64);
        }
        self
    }

    pub fn with_event(mut self, name: &'static str) -> MapTx {
        self.events.push(name);
        self
    }
}

impl AppTx for MapTx {
    fn each(&self, b: Buffer, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.buffers
            .get(&b)
            .is_some_and(|v| v.iter().any(|bytes| f(bytes)))
    }

    fn urilen(&self, _raw: bool) -> Option<u64> {
        self.uri_len
    }

    fn has_event(&self, name: &str) -> bool {
        self.events.contains(&name)
    }

    fn each_file(&self, f: &mut dyn FnMut(&warden_detect::TxFile<'_>) -> bool) -> bool {
        self.files.iter().any(|(name, size, end)| {
            f(&warden_detect::TxFile {
                name,
                size: *size,
                end: *end,
            })
        })
    }

    fn settled(&self, _b: Buffer) -> bool {
        !self.unsettled
    }
}
