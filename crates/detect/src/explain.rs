//! The explain probe: when a [`crate::DetectState`] carries one, the
//! engine notes, for one rule and every packet (or transaction) of the
//! flows it admits, the step of inspection that decided the rule's fate
//! there — the flow already passed, the application protocol, the header,
//! flow state, a buffer that was absent, a content or other option of a
//! chain, the prefilter, a threshold, or a pass rule that stopped the
//! packet's inspection first — or that it fired. The checks are the
//! engine's own (`Engine::check` with details); without a probe nothing
//! of this runs.

use std::net::IpAddr;

use crate::app::AppLayer;
use crate::sig::{BufferKind, Elem, Sig, SigAction};

/// Which packets the probe looks at: those between two endpoints (either
/// direction); a port of `None` matches any port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowFilter {
    pub a: (IpAddr, Option<u16>),
    pub b: (IpAddr, Option<u16>),
}

impl FlowFilter {
    fn end_matches(want: (IpAddr, Option<u16>), ip: IpAddr, port: Option<u16>) -> bool {
        want.0 == ip && (want.1.is_none() || want.1 == port)
    }

    /// Whether a packet from `src` to `dst` is between the two endpoints.
    pub fn admits(&self, src: (IpAddr, Option<u16>), dst: (IpAddr, Option<u16>)) -> bool {
        Self::end_matches(self.a, src.0, src.1) && Self::end_matches(self.b, dst.0, dst.1)
            || Self::end_matches(self.b, src.0, src.1) && Self::end_matches(self.a, dst.0, dst.1)
    }
}

/// Why a rule's verification stopped: the first check that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// The rule's protocol (`tcp`, `udp`, `icmp`, ...) is not the packet's.
    Proto,
    /// Header addresses or ports.
    Addresses,
    /// `flow:` state or direction (`established`, `to_server`, ...).
    FlowState(&'static str),
    /// An IP/TCP/ICMP header keyword (ttl, flags, dsize, ...).
    Header,
    /// An `xbits` condition.
    Xbits,
    /// A `flowbits` condition.
    Flowbits,
    /// A `flowint` condition.
    Flowint,
    /// A transaction check (urilen, app-layer-event, ...).
    TxCheck,
    /// The rule needs a transaction and this is a packet.
    NotATransaction,
    /// A buffer's chain: `absent_buffer` when the buffer was not there;
    /// otherwise `elem` is the first option that did not hold.
    Chain {
        chain: usize,
        buffer: BufferKind,
        absent_buffer: bool,
        elem: usize,
    },
}

/// What decided the rule on one packet or transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A pass rule had already taken the flow: nothing is inspected.
    FlowPassed,
    /// The rule is limited to an application protocol the flow does not
    /// have (not detected yet, or another).
    AppProto {
        want: AppLayer,
        got: Option<AppLayer>,
    },
    /// `app-layer-protocol` does not hold.
    AppProtoCond,
    /// A flow's end re-inspects stream payload only; the rule reads none.
    PseudoPacket,
    /// A transaction rule is not inspected from this direction.
    TxDirection,
    /// A transaction rule already fired on this transaction.
    AlreadyFired,
    /// Verification failed.
    Miss(Miss),
    /// Everything holds but the prefilter did not hand the rule over (its
    /// fast pattern is not in the inspected bytes, or the port group).
    NotCandidate,
    /// A pass rule matched earlier on this packet and ended inspection.
    StoppedByPass { sid: u32 },
    /// Matched, but a threshold or detection_filter held the alert back.
    Thresholded,
    /// Matched past the per-packet alert cap: the alert was lost.
    AlertCap,
    /// Matched; the alert is hidden (noalert or a suppression) but the
    /// action applies.
    FiredSilently { action: SigAction },
    /// Matched and fired with this action (a rate filter may change it).
    Fired {
        action: SigAction,
        rate_filtered: bool,
    },
}

impl Step {
    /// How far inspection got: a flow is explained by its furthest step.
    pub fn progress(&self) -> u32 {
        match self {
            Step::FlowPassed => 1,
            Step::AppProto { .. } | Step::AppProtoCond => 20,
            Step::PseudoPacket | Step::TxDirection => 5,
            Step::AlreadyFired => 1000,
            Step::Miss(m) => match m {
                Miss::Proto => 2,
                Miss::Addresses => 3,
                Miss::FlowState(_) => 10,
                Miss::Header => 11,
                Miss::Xbits | Miss::Flowbits | Miss::Flowint => 12,
                Miss::NotATransaction => 4,
                Miss::TxCheck => 25,
                Miss::Chain {
                    chain,
                    absent_buffer,
                    elem,
                    ..
                } => 100 + 20 * *chain as u32 + if *absent_buffer { 0 } else { 1 + *elem as u32 },
            },
            Step::NotCandidate => 900,
            Step::StoppedByPass { .. } => 950,
            Step::Thresholded | Step::AlertCap => 960,
            Step::FiredSilently { .. } | Step::Fired { .. } => 1000,
        }
    }

    /// Whether the rule matched here.
    pub fn matched(&self) -> bool {
        matches!(
            self,
            Step::Thresholded | Step::AlertCap | Step::FiredSilently { .. } | Step::Fired { .. }
        )
    }
}

/// One observation of the probe.
#[derive(Clone, Debug)]
pub struct ProbeEvent {
    /// The capture's packet number, as the worker set it.
    pub packet: u64,
    pub now_ns: i64,
    pub flow_id: Option<u64>,
    /// Packet source and destination.
    pub src: Option<(IpAddr, Option<u16>)>,
    pub dst: Option<(IpAddr, Option<u16>)>,
    /// The packet's direction in its flow.
    pub to_server: Option<bool>,
    /// Inspected as a transaction (and which one), or as a packet.
    pub tx: Option<u64>,
    pub step: Step,
}

/// The probe a [`crate::DetectState`] carries for `warden explain`.
#[derive(Clone, Debug)]
pub struct ExplainProbe {
    /// The rule's index in the engine.
    pub rule: u32,
    pub only: Option<FlowFilter>,
    /// Set by the worker before each packet.
    pub packet: u64,
    /// Set by the worker before each transaction inspection.
    pub tx: Option<u64>,
    pub events: Vec<ProbeEvent>,
    /// (flow id, sid): the pass rule that took each passed flow.
    pub passes: Vec<(u64, u32)>,
}

impl ExplainProbe {
    pub fn new(rule: u32, only: Option<FlowFilter>) -> Self {
        ExplainProbe {
            rule,
            only,
            packet: 0,
            tx: None,
            events: Vec::new(),
            passes: Vec::new(),
        }
    }
}

/// How an option of a chain reads in a rule (`content:"abc"`, `pcre`, ...).
pub fn describe_elem(e: &Elem) -> String {
    match e {
        Elem::Content(c) => {
            let mut s = String::from(if c.negated {
                "content:!\""
            } else {
                "content:\""
            });
            for &b in &c.pattern {
                if (0x20..0x7f).contains(&b) && b != b'"' && b != b'|' && b != b'\\' {
                    s.push(b as char);
                } else {
                    s.push_str(&format!("|{b:02X}|"));
                }
            }
            s.push('"');
            if c.nocase {
                s.push_str("; nocase");
            }
            s
        }
        Elem::Pcre(_) => "pcre".into(),
        Elem::IsDataAt { negated, .. } => {
            if *negated {
                "isdataat:!".into()
            } else {
                "isdataat".into()
            }
        }
        Elem::ByteTest(_) => "byte_test".into(),
        Elem::ByteJump(_) => "byte_jump".into(),
        Elem::ByteExtract(_) => "byte_extract".into(),
        Elem::ByteMath(_) => "byte_math".into(),
        Elem::Bsize(_) => "bsize".into(),
    }
}

/// A sentence for a step, with the rule for its details.
pub fn describe(step: &Step, sig: &Sig) -> String {
    match step {
        Step::FlowPassed => "not inspected: a pass rule had already taken the flow".into(),
        Step::AppProto { want, got } => match got {
            Some(g) => format!(
                "protocol detection: the rule is for {}, the flow is {}",
                want.name(),
                g.name()
            ),
            None => format!(
                "protocol detection: the rule is for {}, the flow's protocol is not detected (yet)",
                want.name()
            ),
        },
        Step::AppProtoCond => "app-layer-protocol does not hold".into(),
        Step::PseudoPacket => "flow end: only rules reading stream payload are re-inspected".into(),
        Step::TxDirection => "transaction rule: not inspected from this direction".into(),
        Step::AlreadyFired => "already fired on this transaction".into(),
        Step::Miss(m) => match m {
            Miss::Proto => "header: protocol does not match".into(),
            Miss::Addresses => "header: addresses or ports do not match".into(),
            Miss::FlowState(what) => format!("flow state: the rule needs flow:{what}"),
            Miss::Header => "a header keyword (ttl, flags, dsize, ...) does not hold".into(),
            Miss::Xbits => "xbits condition does not hold".into(),
            Miss::Flowbits => "flowbits condition does not hold".into(),
            Miss::Flowint => "flowint condition does not hold".into(),
            Miss::TxCheck => {
                "a transaction check (urilen, app-layer-event, ...) does not hold".into()
            }
            Miss::NotATransaction => "the rule inspects transactions, this is a packet".into(),
            Miss::Chain {
                chain,
                buffer,
                absent_buffer,
                elem,
            } => {
                let name = buffer_name(*buffer);
                if *absent_buffer {
                    format!("buffer {name} is absent")
                } else {
                    let what = sig.chains.get(*chain).and_then(|c| c.elems.get(*elem));
                    format!(
                        "{name}: option {} ({}) does not match",
                        elem + 1,
                        what.map_or_else(|| "?".into(), describe_elem)
                    )
                }
            }
        },
        Step::NotCandidate => {
            "prefilter: every condition holds but the fast pattern was not in the inspected bytes"
                .into()
        }
        Step::StoppedByPass { sid } => {
            format!("not reached: pass rule sid {sid} matched first and ended inspection")
        }
        Step::Thresholded => "matched; a threshold or detection_filter held the alert back".into(),
        Step::AlertCap => "matched past packet-alert-max: the alert was lost".into(),
        Step::FiredSilently { action } => {
            format!(
                "matched; no alert (noalert or suppressed), action {}",
                action.name()
            )
        }
        Step::Fired {
            action,
            rate_filtered,
        } => {
            if *rate_filtered {
                format!("FIRED (action {} by rate_filter)", action.name())
            } else {
                format!("FIRED (action {})", action.name())
            }
        }
    }
}

/// The rule-language name of a buffer.
pub fn buffer_name(b: BufferKind) -> &'static str {
    match b {
        BufferKind::Payload => "pkt_data",
        BufferKind::Ipv4Hdr => "ipv4.hdr",
        BufferKind::Ipv6Hdr => "ipv6.hdr",
        BufferKind::TcpHdr => "tcp.hdr",
        BufferKind::UdpHdr => "udp.hdr",
        BufferKind::Icmpv4Hdr => "icmpv4.hdr",
        BufferKind::Icmpv6Hdr => "icmpv6.hdr",
        BufferKind::App(b) => b.name(),
    }
}
