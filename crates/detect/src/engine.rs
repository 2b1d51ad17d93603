//! The detection engine: compiled rules in evaluation order, the
//! prefilter, and [`Engine::inspect`], which runs one packet through them.

use warden_flow::{Direction, Flow};
use warden_packet::Packet;
use warden_rules::{Classifications, Rule, Vars};

use crate::compile::{compile, BitNames, BuildContext, Rejection};
use crate::header;
use crate::payload::{run_chain, ChainRun};
use crate::prefilter::{Prefilter, ProtoClass};
use crate::sig::*;
use crate::threshold::{Thresholds, TrackInput};

/// Flow flag bits the engine keeps in [`Flow::flags`].
pub mod flow_flags {
    /// A `pass` rule matched: the flow is no longer inspected.
    pub const PASS: u32 = 1 << 0;
    /// IP-only rules were evaluated for the to-server direction.
    pub const IPONLY_TOSERVER: u32 = 1 << 1;
    /// IP-only rules were evaluated for the to-client direction.
    pub const IPONLY_TOCLIENT: u32 = 1 << 2;
}

/// Suricata's default `packet-alert-max`.
pub const PACKET_ALERT_MAX: usize = 15;

/// How the load went, rule by rule.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Rules handed to the engine (parsed ones).
    pub given: usize,
    pub loaded: usize,
    pub rejected: Vec<Rejection>,
}

/// A rule that fired on a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FiredRule {
    /// Index into [`Engine::sig`].
    pub rule: u32,
    pub action: SigAction,
}

/// Per-worker mutable detection state: thresholds and scratch buffers
/// reused across packets so inspection allocates nothing in steady state.
#[derive(Default)]
pub struct DetectState {
    pub thresholds: Thresholds,
    candidates: Vec<u32>,
    prefilter: crate::prefilter::Scratch,
    vars: [i64; 16],
    /// Alerts removed by thresholds / detection filters.
    pub suppressed: u64,
    /// Alerts beyond `packet-alert-max` on one packet.
    pub overflow: u64,
    /// Rules the prefilter handed to full verification (profiling).
    pub candidates_checked: u64,
}

/// What the engine needs to know about the packet besides its bytes.
pub struct PacketContext<'p, 'f> {
    pub packet: &'p Packet<'p>,
    pub flow: Option<(&'f mut Flow, Direction)>,
    pub now_ns: i64,
}

/// A compiled, immutable ruleset.
pub struct Engine {
    sigs: Vec<Sig>,
    prefilter: Prefilter,
    bit_names: usize,
}

impl Engine {
    /// Compiles `rules`; rules that cannot be honoured are listed in the
    /// report and left out.
    pub fn build(
        rules: &[Rule],
        vars: &Vars,
        classifications: &Classifications,
    ) -> (Engine, LoadReport) {
        let ctx = BuildContext {
            vars,
            classifications,
        };
        let mut bits = BitNames::default();
        let mut report = LoadReport {
            given: rules.len(),
            ..LoadReport::default()
        };
        let mut sigs = Vec::with_capacity(rules.len());
        for rule in rules {
            match compile(rule, &ctx, &mut bits) {
                Ok(sig) => sigs.push(sig),
                Err(rej) => report.rejected.push(rej),
            }
        }
        // Evaluation order: action order first (pass > drop > reject >
        // alert), then flowbit setters before readers, then priority; the
        // sort is stable so file order breaks ties.
        sigs.sort_by_key(|s| {
            let bits_rank = match (s.sets_bits, s.reads_bits) {
                (true, false) => 0,
                (true, true) => 1,
                (false, false) => 2,
                (false, true) => 3,
            };
            (s.action.order(), bits_rank, s.meta.severity)
        });
        report.loaded = sigs.len();
        let prefilter = Prefilter::build(&sigs);
        (
            Engine {
                sigs,
                prefilter,
                bit_names: bits.len(),
            },
            report,
        )
    }

    pub fn sig(&self, i: u32) -> &Sig {
        &self.sigs[i as usize]
    }

    pub fn len(&self) -> usize {
        self.sigs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    pub fn flowbit_names(&self) -> usize {
        self.bit_names
    }

    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// Inspects one packet; fired rules are appended to `out` in
    /// evaluation order. A matching `pass` rule stops inspection of the
    /// packet and of the rest of its flow.
    pub fn inspect(
        &self,
        st: &mut DetectState,
        cx: PacketContext<'_, '_>,
        out: &mut Vec<FiredRule>,
    ) {
        let p = cx.packet;
        let mut flow = cx.flow;
        if let Some((f, _)) = &flow {
            if f.flags & flow_flags::PASS != 0 {
                return;
            }
        }
        let class = ProtoClass::of_packet(p.ip_proto);
        let iponly_bit = match &flow {
            Some((_, Direction::ToServer)) => flow_flags::IPONLY_TOSERVER,
            Some((_, Direction::ToClient)) => flow_flags::IPONLY_TOCLIENT,
            None => 0,
        };
        let iponly_done = match &flow {
            Some((f, _)) => f.flags & iponly_bit != 0,
            None => false,
        };
        let mut candidates = std::mem::take(&mut st.candidates);
        candidates.clear();
        self.prefilter.candidates(
            class,
            p.src_port(),
            p.dst_port(),
            p.payload,
            !iponly_done,
            &mut st.prefilter,
            &mut candidates,
        );
        st.candidates_checked += candidates.len() as u64;
        let mut fired = 0usize;
        let src = p.src_ip();
        let dst = p.dst_ip();
        for &ri in &candidates {
            let s = &self.sigs[ri as usize];
            if !self.matches(s, st, p, flow.as_ref().map(|(f, d)| (&**f, *d))) {
                continue;
            }
            // post-match: flowbits change even when the alert is suppressed
            if let Some((f, _)) = flow.as_mut() {
                for a in &s.bits_post {
                    match *a {
                        BitsAction::Set(b) => f.set_bit(b),
                        BitsAction::Unset(b) => f.unset_bit(b),
                        BitsAction::Toggle(b) => {
                            if f.has_bit(b) {
                                f.unset_bit(b)
                            } else {
                                f.set_bit(b)
                            }
                        }
                    }
                }
            }
            if s.action == SigAction::Pass {
                if let Some((f, _)) = flow.as_mut() {
                    f.flags |= flow_flags::PASS;
                }
                break;
            }
            if s.noalert {
                continue;
            }
            let track = TrackInput {
                src,
                dst,
                flow_id: flow.as_ref().map(|(f, _)| f.id),
                now_ns: cx.now_ns,
            };
            if let Some(df) = &s.detection_filter {
                if !st.thresholds.detection_filter(ri, df, &track) {
                    st.suppressed += 1;
                    continue;
                }
            }
            if let Some(th) = &s.threshold {
                if !st.thresholds.threshold(ri, th, &track) {
                    st.suppressed += 1;
                    continue;
                }
            }
            if fired >= PACKET_ALERT_MAX {
                st.overflow += 1;
                continue;
            }
            fired += 1;
            out.push(FiredRule {
                rule: ri,
                action: s.action,
            });
        }
        if iponly_bit != 0 && !iponly_done {
            if let Some((f, _)) = flow.as_mut() {
                f.flags |= iponly_bit;
            }
        }
        st.candidates = candidates;
    }

    fn matches(
        &self,
        s: &Sig,
        st: &mut DetectState,
        p: &Packet<'_>,
        flow: Option<(&Flow, Direction)>,
    ) -> bool {
        if !proto_matches(s.proto, p) {
            return false;
        }
        if !addresses_match(s, p) {
            return false;
        }
        if let Some(ff) = &s.flow {
            let Some((f, dir)) = flow else {
                return false;
            };
            let est = f.pkt_established;
            if ff.established && !est || ff.not_established && est {
                return false;
            }
            if ff.to_server && dir != Direction::ToServer
                || ff.to_client && dir != Direction::ToClient
            {
                return false;
            }
            if ff.only_frag && !p.is_fragment() || ff.no_frag && p.is_fragment() {
                return false;
            }
        }
        if !header::check_all(&s.headers, p, flow) {
            return false;
        }
        if !s.bits_cond.is_empty() {
            let Some((f, _)) = flow else {
                return false;
            };
            for c in &s.bits_cond {
                let ok = match c {
                    BitsCond::AllSet(ids) => ids.iter().all(|b| f.has_bit(*b)),
                    BitsCond::AnySet(ids) => ids.iter().any(|b| f.has_bit(*b)),
                    BitsCond::AllUnset(ids) => ids.iter().all(|b| !f.has_bit(*b)),
                    BitsCond::AnyUnset(ids) => ids.iter().any(|b| !f.has_bit(*b)),
                };
                if !ok {
                    return false;
                }
            }
        }
        // byte_extract/byte_math variables live for the whole rule: a value
        // extracted in one buffer (ipv4.hdr) can be used in another
        // (tcp.hdr), as in Suricata. Chains run in the rule's buffer order.
        st.vars = [0; 16];
        for chain in &s.chains {
            let Some(buf) = buffer(chain.buffer, p) else {
                return false;
            };
            if !run_chain(&chain.elems, buf, &mut ChainRun::new(&mut st.vars)) {
                return false;
            }
        }
        true
    }
}

fn proto_matches(m: ProtoMatch, p: &Packet<'_>) -> bool {
    match m {
        ProtoMatch::Any => true,
        ProtoMatch::Ip { v4, v6 } => v4 && p.ipv4.is_some() || v6 && p.ipv6.is_some(),
        ProtoMatch::Transport(6) => p.tcp.is_some(),
        ProtoMatch::Transport(17) => p.udp.is_some(),
        ProtoMatch::Transport(n) => p.ip_proto == Some(n),
        ProtoMatch::Icmp { v4, v6 } => v4 && p.icmpv4.is_some() || v6 && p.icmpv6.is_some(),
    }
}

fn addresses_match(s: &Sig, p: &Packet<'_>) -> bool {
    let (Some(src), Some(dst)) = (p.src_ip(), p.dst_ip()) else {
        // no IP header: only address-agnostic rules apply
        return s.src.is_any() && s.dst.is_any();
    };
    let ports = match (p.src_port(), p.dst_port()) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    let fwd = s.src.contains(src)
        && s.dst.contains(dst)
        && ports.is_none_or(|(sp, dp)| s.sp.contains(sp) && s.dp.contains(dp));
    if fwd {
        return true;
    }
    s.bidirectional
        && s.src.contains(dst)
        && s.dst.contains(src)
        && ports.is_none_or(|(sp, dp)| s.sp.contains(dp) && s.dp.contains(sp))
}

fn buffer<'a>(kind: BufferKind, p: &Packet<'a>) -> Option<&'a [u8]> {
    match kind {
        BufferKind::Payload => Some(p.payload),
        BufferKind::Ipv4Hdr => p.ipv4.as_ref().map(|h| h.header),
        BufferKind::Ipv6Hdr => p.ipv6.as_ref().map(|h| h.header),
        BufferKind::TcpHdr => p.tcp.as_ref().map(|h| h.header),
        BufferKind::UdpHdr => p.udp.as_ref().map(|h| h.header),
        BufferKind::Icmpv4Hdr => p.icmpv4.as_ref().map(|h| h.header),
        BufferKind::Icmpv6Hdr => p.icmpv6.as_ref().map(|h| h.header),
    }
}
