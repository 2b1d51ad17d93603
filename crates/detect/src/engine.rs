//! The detection engine: compiled rules in evaluation order, the
//! prefilter, and [`Engine::inspect`], which runs one packet through them.

use warden_flow::{Direction, Flow};
use warden_packet::Packet;
use warden_rules::{Classifications, Rule, Vars};

use crate::app::{AppLayer, AppTx, TxPrefilter};
use crate::compile::{compile, BitNames, BuildContext, KnownEvent, Rejection};
use crate::explain::{ExplainProbe, Miss, ProbeEvent, Step};
use crate::header;
use crate::payload::{run_chain, ChainRun};
use crate::prefilter::{Prefilter, ProtoClass};
use crate::sig::*;
use crate::threshold::{Thresholds, TrackInput};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

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
    /// The action to apply: the rule's own, or a `rate_filter`'s.
    pub action: SigAction,
    /// No alert is logged (`noalert`, a suppression, a `pass`), but the
    /// action still applies to the packet.
    pub silent: bool,
    /// A `rate_filter` replaced the rule's action.
    pub rate_filtered: bool,
    /// A drop or pass applies to the whole flow, not only this packet: the
    /// rule is IP-only or protocol-only, or it matched a transaction or
    /// the reassembled stream (as Suricata decides). A rule about packet
    /// properties (`dsize`, a content found in one packet) drops only the
    /// packet.
    pub flow_scope: bool,
    /// The rule is in shadow ([`Engine::set_shadow`]): it alerts but
    /// blocks nothing.
    pub shadow: bool,
}

impl FiredRule {
    /// Whether an alert record is written for it.
    pub fn logged(&self) -> bool {
        !self.silent
    }

    /// Whether it drops the packet (drop and every reject) when inline;
    /// a rule in shadow never does.
    pub fn blocks(&self) -> bool {
        self.action.blocks() && !self.shadow
    }

    /// A drop or reject rule in shadow: logged as `would_drop`.
    pub fn would_block(&self) -> bool {
        self.action.blocks() && self.shadow
    }
}

/// Detection state that spans flows: thresholds, detection and rate
/// filters, and xbits, tracked by host or host pair. The workers of one
/// run share it (one host's flows are spread over workers), behind a lock
/// taken only when a rule with such state matches or checks an xbit.
#[derive(Clone, Default)]
pub struct HostState(std::sync::Arc<std::sync::Mutex<HostTables>>);

/// The tables behind a [`HostState`].
#[derive(Default)]
pub struct HostTables {
    pub thresholds: Thresholds,
    /// `xbits` set by rules, per host or host pair.
    pub xbits: crate::xbits::XbitStore,
}

impl HostState {
    /// The tables, locked (a worker that panicked holding the lock left
    /// them consistent: every update is a single map operation).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, HostTables> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Per-worker mutable detection state: thresholds and scratch buffers
/// reused across packets so inspection allocates nothing in steady state.
#[derive(Default)]
pub struct DetectState {
    /// Thresholds and xbits: state that spans flows.
    pub hosts: HostState,
    candidates: Vec<u32>,
    prefilter: crate::prefilter::Scratch,
    vars: [i64; 16],
    /// Alerts removed by thresholds / detection filters.
    pub suppressed: u64,
    /// Alerts beyond `packet-alert-max` on one packet.
    pub overflow: u64,
    /// Rules the prefilter handed to full verification (profiling).
    pub candidates_checked: u64,
    xform: crate::transform::TransformScratch,
    /// Alerts kept per packet (`packet-alert-max`); 0 means the default.
    pub alert_max: usize,
    /// Per-rule costs (`--profile-rules`); `None` takes no timestamps.
    pub profile: Option<crate::profile::RuleProfile>,
    /// Time spent in the prefilter (packet and transaction), in
    /// [`crate::ticks`], for `warden bench`; `None` takes no timestamps.
    pub prefilter_ticks: Option<u64>,
    /// The last verified rule matched payload in the reassembled stream.
    stream_matched: bool,
    /// The stream is inspected inline (IPS): segment data is inspectable
    /// as soon as it arrives, so a packet whose payload the stream did not
    /// take (a retransmission, data overlapping the SYN) before the session
    /// is set up is inspected on its own payload, to get its own verdict.
    pub inline_stream: bool,
    /// `warden explain`: notes what decided one rule on each packet of
    /// the flows it admits (`None`: nothing of it runs).
    pub explain: Option<Box<ExplainProbe>>,
}

/// What the engine needs to know about the packet besides its bytes.
pub struct PacketContext<'p, 'f> {
    pub packet: &'p Packet<'p>,
    pub flow: Option<(&'f mut Flow, Direction)>,
    pub now_ns: i64,
    /// The flow's application protocol, once detected.
    pub app: Option<AppLayer>,
    /// For a TCP packet of a reassembled flow: the stream bytes this
    /// packet made inspectable (with some already-inspected context
    /// before them). `pkt_data` chains of stream-capable rules run here
    /// instead of on the packet, so each byte is inspected once and
    /// matches spanning segments are found.
    pub stream: Option<StreamWindow<'p>>,
    /// A synthetic packet standing for a flow's end (stream flush): only
    /// rules that inspect stream payload are evaluated on it.
    pub pseudo: bool,
}

/// A window of a reassembled TCP stream.
#[derive(Clone, Copy, Debug)]
pub struct StreamWindow<'a> {
    pub data: &'a [u8],
    /// Stream offset of `data[0]`.
    pub base: u64,
    /// Index in `data` where bytes not inspected before begin.
    pub new_from: usize,
}

/// A transaction to inspect: the packet that advanced it, its flow, and
/// its buffers.
pub struct TxContext<'p, 'f, 't> {
    pub packet: &'p Packet<'p>,
    pub flow: (&'f mut Flow, Direction),
    pub now_ns: i64,
    pub app: AppLayer,
    pub tx: &'t dyn AppTx,
    /// Rules already fired on this transaction (sorted); fired rules are
    /// added, so each rule alerts at most once per transaction.
    pub done: &'t mut Vec<u32>,
    /// The prefilter's findings in this transaction's buffers at earlier
    /// inspections (`None`: every buffer is scanned).
    pub memo: Option<&'t mut crate::app::TxPrefilterMemo>,
    /// The stream window of the packet's direction, for the `pkt_data`
    /// part of transaction rules.
    pub stream: Option<StreamWindow<'p>>,
}

/// What to do after a rule matched.
enum AfterMatch {
    Continue,
    /// A pass rule matched: stop inspecting.
    Stop,
}

/// The four action classes `action-order` ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionClass {
    Pass = 0,
    Drop = 1,
    Reject = 2,
    Alert = 3,
}

impl ActionClass {
    /// From the configuration's spelling.
    pub fn parse(name: &str) -> Option<ActionClass> {
        Some(match name {
            "pass" => ActionClass::Pass,
            "drop" => ActionClass::Drop,
            "reject" => ActionClass::Reject,
            "alert" => ActionClass::Alert,
            _ => return None,
        })
    }

    fn of(a: SigAction) -> ActionClass {
        match a {
            SigAction::Pass => ActionClass::Pass,
            SigAction::Drop => ActionClass::Drop,
            SigAction::Reject | SigAction::RejectDst | SigAction::RejectBoth => ActionClass::Reject,
            SigAction::Alert => ActionClass::Alert,
        }
    }
}

/// Suricata's default: pass > drop > reject > alert (rank per class).
const DEFAULT_ACTION_ORDER: [u8; 4] = [0, 1, 2, 3];

/// Evaluation order: action order first, then flowbit setters before
/// readers, then priority; the sort is stable so file order breaks ties.
fn sort_sigs(sigs: &mut [Sig], rank: &[u8; 4]) {
    sigs.sort_by_key(|s| {
        let bits_rank = match (s.sets_bits, s.reads_bits) {
            (true, false) => 0,
            (true, true) => 1,
            (false, false) => 2,
            (false, true) => 3,
        };
        (
            rank[ActionClass::of(s.action) as usize],
            bits_rank,
            s.meta.severity,
        )
    });
}

/// Shadow flags as the rules' metadata sets them.
fn static_shadow(sigs: &[Sig]) -> Box<[AtomicBool]> {
    sigs.iter()
        .map(|s| AtomicBool::new(s.meta.static_shadow()))
        .collect()
}

/// A compiled ruleset: immutable but for the per-rule shadow switches.
pub struct Engine {
    sigs: Vec<Sig>,
    prefilter: Prefilter,
    tx_prefilter: TxPrefilter,
    /// Flowbit / flowint names and the ids flows carry for them; a
    /// reloaded engine starts from its predecessor's so flows in progress
    /// keep their bits.
    bits: BitNames,
    /// Per rule (by index): in shadow, alerting without blocking. Set at
    /// build from `metadata: warden_mode shadow` and switched at run time
    /// by [`Engine::set_shadow`]; read once per match.
    shadow: Box<[AtomicBool]>,
}

impl Engine {
    /// Compiles `rules`; rules that cannot be honoured are listed in the
    /// report and left out. Every `app-layer-event` name is taken as
    /// known; [`Engine::build_with_events`] checks them.
    pub fn build(
        rules: &[Rule],
        vars: &Vars,
        classifications: &Classifications,
    ) -> (Engine, LoadReport) {
        Engine::build_with_events(rules, vars, classifications, &|_, _| true)
    }

    /// As [`Engine::build`], with the parsers' catalogue of
    /// `app-layer-event` names: a rule naming an event no parser raises
    /// fails to load.
    pub fn build_with_events(
        rules: &[Rule],
        vars: &Vars,
        classifications: &Classifications,
        known_event: KnownEvent<'_>,
    ) -> (Engine, LoadReport) {
        Engine::build_seeded(
            rules,
            vars,
            classifications,
            known_event,
            BitNames::default(),
        )
    }

    /// As [`Engine::build_with_events`], for a live reload: flowbit and
    /// flowint names keep the ids `prior` gave them, so the state flows
    /// carry stays meaningful across the swap.
    pub fn rebuild(
        rules: &[Rule],
        vars: &Vars,
        classifications: &Classifications,
        known_event: KnownEvent<'_>,
        prior: &Engine,
    ) -> (Engine, LoadReport) {
        Engine::build_seeded(
            rules,
            vars,
            classifications,
            known_event,
            prior.bits.clone(),
        )
    }

    /// An engine with no rules that keeps this one's flowbit and flowint
    /// ids: what a later [`Engine::rebuild`] needs from its predecessor,
    /// without keeping the predecessor's rules in memory.
    pub fn names_only(&self) -> Engine {
        Engine {
            sigs: Vec::new(),
            prefilter: Prefilter::build(&[]),
            tx_prefilter: TxPrefilter::build(&[]),
            bits: self.bits.clone(),
            shadow: Box::new([]),
        }
    }

    fn build_seeded(
        rules: &[Rule],
        vars: &Vars,
        classifications: &Classifications,
        known_event: KnownEvent<'_>,
        mut bits: BitNames,
    ) -> (Engine, LoadReport) {
        let ctx = BuildContext {
            vars,
            classifications,
            known_event,
        };
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
        sort_sigs(&mut sigs, &DEFAULT_ACTION_ORDER);
        report.loaded = sigs.len();
        let prefilter = Prefilter::build(&sigs);
        let tx_prefilter = TxPrefilter::build(&sigs);
        let shadow = static_shadow(&sigs);
        (
            Engine {
                sigs,
                prefilter,
                tx_prefilter,
                bits,
                shadow,
            },
            report,
        )
    }

    /// Re-ranks the rules by an `action-order` (Suricata's setting, a
    /// permutation of pass, drop, reject, alert; missing actions rank
    /// last in their default order). Call before any packet is inspected:
    /// rule indices change.
    pub fn set_action_order(&mut self, order: &[ActionClass]) {
        let mut rank = [u8::MAX; 4];
        for (i, c) in order.iter().enumerate() {
            let slot = &mut rank[*c as usize];
            if *slot == u8::MAX {
                *slot = i as u8;
            }
        }
        for (c, r) in rank.iter_mut().enumerate() {
            if *r == u8::MAX {
                *r = 4 + c as u8;
            }
        }
        sort_sigs(&mut self.sigs, &rank);
        self.prefilter = Prefilter::build(&self.sigs);
        self.tx_prefilter = TxPrefilter::build(&self.sigs);
        self.shadow = static_shadow(&self.sigs);
    }

    /// Puts rules in shadow or takes them out: rule `i` is in shadow when
    /// its metadata says `warden_mode shadow` or `runtime(gid, sid)` holds.
    /// A rule in shadow still matches and alerts, but a drop or reject
    /// blocks nothing ([`FiredRule::blocks`]). Safe while other threads
    /// inspect: each match reads its rule's flag once.
    pub fn set_shadow(&self, runtime: impl Fn(u32, u32) -> bool) {
        for (s, flag) in self.sigs.iter().zip(self.shadow.iter()) {
            let on = s.meta.static_shadow() || runtime(s.meta.gid, s.meta.sid);
            flag.store(on, Ordering::Relaxed);
        }
    }

    /// Whether rule `i` is in shadow.
    pub fn shadowed(&self, i: u32) -> bool {
        self.shadow[i as usize].load(Ordering::Relaxed)
    }

    /// Index of the rule `gid:sid`, if loaded.
    pub fn find(&self, gid: u32, sid: u32) -> Option<u32> {
        self.sigs
            .iter()
            .position(|s| s.meta.gid == gid && s.meta.sid == sid)
            .map(|i| i as u32)
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
        self.bits.len()
    }

    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    pub fn tx_prefilter(&self) -> &TxPrefilter {
        &self.tx_prefilter
    }

    /// Applies a threshold.config (Suricata's `threshold-file`): global
    /// thresholds and event filters replace the rules' own, suppressions
    /// and rate filters attach to the rules they name (`sig_id 0` = all of
    /// the gid, `gen_id 0` = all gids). Returns problems (an address
    /// variable that does not resolve) as messages.
    pub fn apply_threshold_config(
        &mut self,
        entries: &[(u32, warden_rules::ThresholdEntry)],
        vars: &Vars,
    ) -> Vec<String> {
        use crate::sig::Suppress;
        use warden_rules::{RateAction, SuppressTrack, ThresholdEntry as E};
        let mut problems = Vec::new();
        let applies = |gid: u32, sid: u32, s: &Sig| {
            (gid == 0 || gid == s.meta.gid) && (sid == 0 || sid == s.meta.sid)
        };
        for (line, e) in entries {
            match e {
                E::Threshold {
                    gid,
                    sid,
                    kind,
                    track,
                    count,
                    seconds,
                } => {
                    for s in self.sigs.iter_mut().filter(|s| applies(*gid, *sid, s)) {
                        s.threshold = Some(warden_rules::Threshold {
                            kind: *kind,
                            track: *track,
                            count: *count,
                            seconds: *seconds,
                            multiplier: None,
                        });
                    }
                }
                E::Suppress { gid, sid, track } => {
                    let entry = match track {
                        None => Suppress::All,
                        Some((which, expr)) => match warden_rules::resolve_addr(expr, vars) {
                            Ok(set) => match which {
                                SuppressTrack::BySrc => Suppress::Src(set),
                                SuppressTrack::ByDst => Suppress::Dst(set),
                                SuppressTrack::ByEither => Suppress::Either(set),
                            },
                            Err(err) => {
                                problems.push(format!("line {line}: suppress ip: {err}"));
                                continue;
                            }
                        },
                    };
                    for s in self.sigs.iter_mut().filter(|s| applies(*gid, *sid, s)) {
                        s.suppress.push(entry.clone());
                    }
                }
                E::RateFilter {
                    gid,
                    sid,
                    track,
                    count,
                    seconds,
                    new_action,
                    timeout,
                } => {
                    let rf = crate::threshold::RateFilter {
                        track: *track,
                        count: *count,
                        seconds: *seconds,
                        new_action: match new_action {
                            RateAction::Alert => SigAction::Alert,
                            RateAction::Drop => SigAction::Drop,
                            RateAction::Pass => SigAction::Pass,
                            RateAction::Reject => SigAction::Reject,
                        },
                        timeout: *timeout,
                    };
                    for s in self.sigs.iter_mut().filter(|s| applies(*gid, *sid, s)) {
                        s.rate_filter = Some(rf);
                    }
                }
            }
        }
        problems
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
        // the explain probe, when it looks at this packet for a packet rule
        // (taken out of the state while inspecting, put back at the end)
        let mut kept = st.explain.take();
        let mut probe = kept
            .as_deref_mut()
            .filter(|pr| !self.sigs[pr.rule as usize].tx_rule && probe_admits(pr, p));
        if let Some((f, _)) = &flow {
            if f.flags & flow_flags::PASS != 0 {
                if let Some(pr) = probe.as_mut() {
                    note(
                        pr,
                        p,
                        flow.as_ref().map(|(f, d)| (&**f, *d)),
                        cx.now_ns,
                        Step::FlowPassed,
                    );
                }
                st.explain = kept;
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
        // the packet's own bytes too: packet-only rules (tcp-pkt, dsize)
        // read them even when the packet also released stream data (an
        // IDS data packet acknowledging the other side's). When the
        // released data ends with the packet's bytes (inline: the packet
        // released itself), one scan covers both.
        let mut payloads: [&[u8]; 2] = [p.payload, &[]];
        let mut n_payloads = 1;
        if let Some(w) = cx.stream.filter(|w| w.data.len() > w.new_from) {
            payloads[0] = &w.data[w.new_from.saturating_sub(64)..];
            if !p.payload.is_empty() && !payloads[0].ends_with(p.payload) {
                payloads[1] = p.payload;
                n_payloads = 2;
            }
        }
        let mut candidates = std::mem::take(&mut st.candidates);
        candidates.clear();
        let t0 = st.prefilter_ticks.is_some().then(crate::ticks);
        self.prefilter.candidates(
            class,
            p.src_port(),
            p.dst_port(),
            &payloads[..n_payloads],
            !iponly_done,
            &mut st.prefilter,
            &mut candidates,
        );
        if let (Some(t0), Some(t)) = (t0, st.prefilter_ticks.as_mut()) {
            *t += crate::ticks().wrapping_sub(t0);
        }
        st.candidates_checked += candidates.len() as u64;
        // the probed rule: explained now when it fails before matching
        // (or is no candidate); its matching outcome is noted in the loop
        let mut probe_pending = false;
        if let Some(pr) = probe.as_mut() {
            let s = &self.sigs[pr.rule as usize];
            let fl = flow.as_ref().map(|(f, d)| (&**f, *d));
            let pre = self.pre_steps(s, cx.app, cx.pseudo).err().or_else(|| {
                self.check(s, st, p, fl, None, cx.stream, cx.now_ns, true)
                    .err()
                    .map(Step::Miss)
            });
            match pre {
                Some(step) => note(pr, p, fl, cx.now_ns, step),
                None if !candidates.contains(&pr.rule) => {
                    note(pr, p, fl, cx.now_ns, Step::NotCandidate)
                }
                None => probe_pending = true,
            }
        }
        let mut stopped_by = None;
        // the alert cap is per packet: count what earlier stages logged
        let mut fired = out.iter().filter(|f| f.logged()).count();
        for &ri in &candidates {
            let s = &self.sigs[ri as usize];
            if let Some(a) = s.app {
                if cx.app != Some(a) {
                    continue;
                }
            }
            if let Some((negated, a)) = s.app_proto_cond {
                match cx.app {
                    Some(got) if (got == a) != negated => {}
                    _ => continue,
                }
            }
            if cx.pseudo
                && (s.payload_source == PayloadMode::Packet
                    || !s.chains.iter().any(|c| c.buffer == BufferKind::Payload))
            {
                continue;
            }
            let t0 = st.profile.is_some().then(Instant::now);
            let matched = self.matches(
                s,
                st,
                p,
                flow.as_ref().map(|(f, d)| (&**f, *d)),
                None,
                cx.stream,
                cx.now_ns,
            );
            if let (Some(t0), Some(prof)) = (t0, st.profile.as_mut()) {
                prof.record(ri, matched, t0.elapsed());
            }
            if !matched {
                continue;
            }
            // a stream match counts once the session is set up; before
            // that the content was found in this packet alone
            let established = flow.as_ref().is_some_and(|(f, _)| f.pkt_established);
            let flow_scope = s.ip_only || s.header_only() || st.stream_matched && established;
            let f = flow.as_mut().map(|(f, _)| &mut **f);
            let before = (out.len(), st.overflow);
            let after = self.after_match(ri, st, p, f, cx.now_ns, flow_scope, &mut fired, out);
            if let Some(pr) = probe.as_mut().filter(|pr| pr.rule == ri) {
                probe_pending = false;
                let step = match_outcome(out, before, st.overflow);
                let fl = flow.as_ref().map(|(f, d)| (&**f, *d));
                note(pr, p, fl, cx.now_ns, step);
            }
            if let AfterMatch::Stop = after {
                stopped_by = Some(s.meta.sid);
                break;
            }
        }
        if let Some(pr) = probe.as_mut().filter(|_| probe_pending) {
            // verified above, yet not reached: a pass rule ended the packet
            let step = match stopped_by {
                Some(sid) => Step::StoppedByPass { sid },
                None => Step::NotCandidate,
            };
            let fl = flow.as_ref().map(|(f, d)| (&**f, *d));
            note(pr, p, fl, cx.now_ns, step);
        }
        // which pass rule took the flow, for the packets after
        if let (Some(pr), Some(sid), Some((f, _))) = (probe.as_mut(), stopped_by, flow.as_ref()) {
            if f.flags & flow_flags::PASS != 0 {
                pr.passes.push((f.id, sid));
            }
        }
        if iponly_bit != 0 && !iponly_done {
            if let Some((f, _)) = flow.as_mut() {
                f.flags |= iponly_bit;
            }
        }
        st.candidates = candidates;
        st.explain = kept;
    }

    /// The steps `inspect` takes before verifying a rule: its application
    /// protocol, `app-layer-protocol`, and a flow end's pseudo packet.
    fn pre_steps(&self, s: &Sig, app: Option<AppLayer>, pseudo: bool) -> Result<(), Step> {
        if let Some(want) = s.app {
            if app != Some(want) {
                return Err(Step::AppProto { want, got: app });
            }
        }
        if let Some((negated, a)) = s.app_proto_cond {
            match app {
                Some(got) if (got == a) != negated => {}
                _ => return Err(Step::AppProtoCond),
            }
        }
        if pseudo
            && (s.payload_source == PayloadMode::Packet
                || !s.chains.iter().any(|c| c.buffer == BufferKind::Payload))
        {
            return Err(Step::PseudoPacket);
        }
        Ok(())
    }

    /// Post-match work shared by packet and transaction inspection:
    /// flowbit actions (even when the alert is then suppressed), pass,
    /// noalert, detection filters, thresholds and the per-packet alert cap.
    #[allow(clippy::too_many_arguments)]
    fn after_match(
        &self,
        ri: u32,
        st: &mut DetectState,
        p: &Packet<'_>,
        mut flow: Option<&mut Flow>,
        now_ns: i64,
        flow_scope: bool,
        fired: &mut usize,
        out: &mut Vec<FiredRule>,
    ) -> AfterMatch {
        let s = &self.sigs[ri as usize];
        if !s.xbits_post.is_empty() {
            let mut hosts = st.hosts.lock();
            for a in &s.xbits_post {
                hosts.xbits.apply(a, p, now_ns);
            }
        }
        if let Some(f) = flow.as_mut() {
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
        if let Some(f) = flow.as_mut() {
            for a in &s.ints_post {
                apply_flowint(a, f);
            }
        }
        let track = TrackInput {
            src: p.src_ip(),
            dst: p.dst_ip(),
            flow_id: flow.as_ref().map(|f| f.id),
            now_ns,
        };
        if let Some(df) = &s.detection_filter {
            if !st.hosts.lock().thresholds.detection_filter(ri, df, &track) {
                st.suppressed += 1;
                return AfterMatch::Continue;
            }
        }
        let mut fired_rule = FiredRule {
            rule: ri,
            action: s.action,
            silent: s.noalert,
            rate_filtered: false,
            flow_scope,
            shadow: self.shadow[ri as usize].load(Ordering::Relaxed),
        };
        // a suppression hides the alert but the rule's action still
        // applies; thresholds and rate filters are not consulted then
        if !s.suppress.is_empty() && suppressed(&s.suppress, p) {
            fired_rule.silent = true;
        } else {
            if let Some(th) = &s.threshold {
                if !st.hosts.lock().thresholds.threshold(ri, th, &track) {
                    st.suppressed += 1;
                    return AfterMatch::Continue;
                }
            }
            if let Some(rf) = &s.rate_filter {
                let filtered = st.hosts.lock().thresholds.rate_filter(ri, rf, &track);
                if let Some(a) = filtered {
                    fired_rule.action = a;
                    fired_rule.rate_filtered = true;
                }
            }
        }
        if fired_rule.action == SigAction::Pass {
            // a pass ends the packet's inspection and is never logged; it
            // is not applied when a rule ranked before it dropped the packet
            let dropped = out.iter().any(FiredRule::blocks);
            if !dropped && fired_rule.flow_scope {
                if let Some(f) = flow.as_mut() {
                    f.flags |= flow_flags::PASS;
                }
            }
            if !dropped {
                fired_rule.silent = fired_rule.silent || !s.pass_alerts;
                out.push(fired_rule);
            }
            return AfterMatch::Stop;
        }
        if fired_rule.silent {
            st.suppressed += 1;
            if fired_rule.blocks() {
                out.push(fired_rule);
            }
            return AfterMatch::Continue;
        }
        let max = if st.alert_max == 0 {
            PACKET_ALERT_MAX
        } else {
            st.alert_max
        };
        if *fired >= max {
            // past the alert cap the alert is lost, its action is not
            st.overflow += 1;
            if fired_rule.blocks() {
                fired_rule.silent = true;
                out.push(fired_rule);
            }
            return AfterMatch::Continue;
        }
        *fired += 1;
        out.push(fired_rule);
        AfterMatch::Continue
    }

    /// Inspects one application transaction after the packet `cx.packet`
    /// advanced it: the transaction rules of `cx.app` whose buffers match.
    /// Each rule fires at most once per transaction.
    pub fn inspect_tx(
        &self,
        st: &mut DetectState,
        cx: TxContext<'_, '_, '_>,
        out: &mut Vec<FiredRule>,
    ) {
        let (flow, dir) = cx.flow;
        let mut kept = st.explain.take();
        let mut probe = kept
            .as_deref_mut()
            .filter(|pr| self.sigs[pr.rule as usize].tx_rule && probe_admits(pr, cx.packet));
        if flow.flags & flow_flags::PASS != 0 {
            if let Some(pr) = probe.as_mut() {
                note(
                    pr,
                    cx.packet,
                    Some((&*flow, dir)),
                    cx.now_ns,
                    Step::FlowPassed,
                );
            }
            st.explain = kept;
            return;
        }
        let mut candidates = std::mem::take(&mut st.candidates);
        candidates.clear();
        let t0 = st.prefilter_ticks.is_some().then(crate::ticks);
        self.tx_prefilter
            .candidates(cx.app, cx.tx, &mut st.prefilter, cx.memo, &mut candidates);
        if let (Some(t0), Some(t)) = (t0, st.prefilter_ticks.as_mut()) {
            *t += crate::ticks().wrapping_sub(t0);
        }
        st.candidates_checked += candidates.len() as u64;
        let mut probe_pending = false;
        if let Some(pr) = probe.as_mut() {
            let s = &self.sigs[pr.rule as usize];
            let fl = Some((&*flow, dir));
            let pre = if cx.done.binary_search(&pr.rule).is_ok() {
                Some(Step::AlreadyFired)
            } else if let Err(step) = self.pre_steps(s, Some(cx.app), false) {
                Some(step)
            } else if !s.tx_dir.admits(dir == Direction::ToServer) {
                Some(Step::TxDirection)
            } else {
                let stream = cx.stream.map(|w| StreamWindow { new_from: 0, ..w });
                self.check(s, st, cx.packet, fl, Some(cx.tx), stream, cx.now_ns, true)
                    .err()
                    .map(Step::Miss)
            };
            match pre {
                Some(step) => note(pr, cx.packet, fl, cx.now_ns, step),
                None if !candidates.contains(&pr.rule) => {
                    note(pr, cx.packet, fl, cx.now_ns, Step::NotCandidate)
                }
                None => probe_pending = true,
            }
        }
        let mut stopped_by = None;
        // the alert cap is per packet: count what earlier stages logged
        let mut fired = out.iter().filter(|f| f.logged()).count();
        for &ri in &candidates {
            if cx.done.binary_search(&ri).is_ok() {
                continue;
            }
            let s = &self.sigs[ri as usize];
            if !s.tx_dir.admits(dir == Direction::ToServer) {
                continue;
            }
            // a transaction rule fires once per transaction, so its payload
            // part may match anywhere in the window, context included
            let stream = cx.stream.map(|w| StreamWindow { new_from: 0, ..w });
            let t0 = st.profile.is_some().then(Instant::now);
            let (p, f) = (cx.packet, Some((&*flow, dir)));
            let matched = self.matches(s, st, p, f, Some(cx.tx), stream, cx.now_ns);
            if let (Some(t0), Some(prof)) = (t0, st.profile.as_mut()) {
                prof.record(ri, matched, t0.elapsed());
            }
            if !matched {
                continue;
            }
            if let Err(pos) = cx.done.binary_search(&ri) {
                cx.done.insert(pos, ri);
            }
            let before = (out.len(), st.overflow);
            let after = self.after_match(
                ri,
                st,
                cx.packet,
                Some(&mut *flow),
                cx.now_ns,
                true,
                &mut fired,
                out,
            );
            if let Some(pr) = probe.as_mut().filter(|pr| pr.rule == ri) {
                probe_pending = false;
                let step = match_outcome(out, before, st.overflow);
                note(pr, cx.packet, Some((&*flow, dir)), cx.now_ns, step);
            }
            if let AfterMatch::Stop = after {
                stopped_by = Some(s.meta.sid);
                break;
            }
        }
        if let Some(pr) = probe.as_mut().filter(|_| probe_pending) {
            let step = match stopped_by {
                Some(sid) => Step::StoppedByPass { sid },
                None => Step::NotCandidate,
            };
            note(pr, cx.packet, Some((&*flow, dir)), cx.now_ns, step);
        }
        if let (Some(pr), Some(sid)) = (probe.as_mut(), stopped_by) {
            if flow.flags & flow_flags::PASS != 0 {
                pr.passes.push((flow.id, sid));
            }
        }
        st.candidates = candidates;
        st.explain = kept;
    }

    #[allow(clippy::too_many_arguments)]
    fn matches(
        &self,
        s: &Sig,
        st: &mut DetectState,
        p: &Packet<'_>,
        flow: Option<(&Flow, Direction)>,
        tx: Option<&dyn AppTx>,
        stream: Option<StreamWindow<'_>>,
        now_ns: i64,
    ) -> bool {
        self.check(s, st, p, flow, tx, stream, now_ns, false)
            .is_ok()
    }

    /// Verifies a rule: the first check that fails, in the order they
    /// run. With `detail` (the explain probe), a failed chain also finds
    /// its first option that does not hold.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        s: &Sig,
        st: &mut DetectState,
        p: &Packet<'_>,
        flow: Option<(&Flow, Direction)>,
        tx: Option<&dyn AppTx>,
        stream: Option<StreamWindow<'_>>,
        now_ns: i64,
        detail: bool,
    ) -> Result<(), Miss> {
        if !proto_matches(s.proto, p) {
            return Err(Miss::Proto);
        }
        let from_server = s.transactional && matches!(flow, Some((_, Direction::ToClient)));
        if !addresses_match(s, p, from_server) {
            return Err(Miss::Addresses);
        }
        if let Some(ff) = &s.flow {
            let Some((f, dir)) = flow else {
                return Err(Miss::FlowState("(a flow)"));
            };
            let est = f.pkt_established;
            if ff.established && !est {
                return Err(Miss::FlowState("established"));
            }
            if ff.not_established && est {
                return Err(Miss::FlowState("not_established"));
            }
            if ff.to_server && dir != Direction::ToServer {
                return Err(Miss::FlowState("to_server"));
            }
            if ff.to_client && dir != Direction::ToClient {
                return Err(Miss::FlowState("to_client"));
            }
            if ff.only_frag && !p.is_fragment() || ff.no_frag && p.is_fragment() {
                return Err(Miss::FlowState("only_frag/no_frag"));
            }
        }
        if !header::check_all(&s.headers, p, flow) {
            return Err(Miss::Header);
        }
        if !s.xbits_cond.is_empty() && {
            let hosts = st.hosts.lock();
            !s.xbits_cond.iter().all(|c| hosts.xbits.check(c, p, now_ns))
        } {
            return Err(Miss::Xbits);
        }
        if !s.bits_cond.is_empty() {
            let Some((f, _)) = flow else {
                return Err(Miss::Flowbits);
            };
            for c in &s.bits_cond {
                let ok = match c {
                    BitsCond::AllSet(ids) => ids.iter().all(|b| f.has_bit(*b)),
                    BitsCond::AnySet(ids) => ids.iter().any(|b| f.has_bit(*b)),
                    BitsCond::AllUnset(ids) => ids.iter().all(|b| !f.has_bit(*b)),
                    BitsCond::AnyUnset(ids) => ids.iter().any(|b| !f.has_bit(*b)),
                };
                if !ok {
                    return Err(Miss::Flowbits);
                }
            }
        }
        if !s.ints_cond.is_empty() {
            let Some((f, _)) = flow else {
                return Err(Miss::Flowint);
            };
            if !s.ints_cond.iter().all(|c| flowint_holds(c, f)) {
                return Err(Miss::Flowint);
            }
        }
        // byte_extract/byte_math variables live for the whole rule: a value
        // extracted in one buffer (ipv4.hdr) can be used in another
        // (tcp.hdr), as in Suricata. Chains run in the rule's buffer order.
        if let Some(tx) = tx {
            for c in &s.tx_checks {
                let ok = match c {
                    TxCheck::Urilen(u) => tx.urilen(u.raw).is_some_and(|n| u.cmp.matches(n)),
                    TxCheck::AppEvent(name) => tx.has_event(name),
                    TxCheck::Value(v, cmp) => tx.each_value(*v, &mut |n| cmp.matches(n)),
                    TxCheck::File(conds) => tx.each_file(&mut |f| crate::file::all_hold(conds, f)),
                };
                if !ok {
                    return Err(Miss::TxCheck);
                }
            }
        } else if !s.tx_checks.is_empty() {
            return Err(Miss::NotATransaction);
        }
        st.vars = [0; 16];
        st.stream_matched = false;
        for (chain_index, chain) in s.chains.iter().enumerate() {
            let vars = &mut st.vars;
            let xform = &mut st.xform;
            // explain only: whether the buffer was there, and how many of
            // the chain's options held at best
            let (mut seen, mut held) = (false, 0usize);
            let mut inspect_at = |bytes: &[u8], base: u64, new_from: usize| {
                let bytes = if chain.transforms.is_empty() {
                    bytes
                } else {
                    crate::transform::apply(&chain.transforms, bytes, xform)
                };
                let ok = run_chain(
                    &chain.elems,
                    bytes,
                    &mut ChainRun::stream(vars, base, new_from),
                );
                if detail {
                    seen = true;
                    if !ok {
                        let mut k = 0;
                        while k < chain.elems.len()
                            && run_chain(
                                &chain.elems[..=k],
                                bytes,
                                &mut ChainRun::stream(vars, base, new_from),
                            )
                        {
                            k += 1;
                        }
                        held = held.max(k);
                    }
                }
                ok
            };
            // the payload of a TCP packet in a reassembled flow is read from
            // the stream window, unless the rule asks for packets
            let mut use_stream = chain.buffer == BufferKind::Payload
                && p.tcp.is_some()
                && s.payload_source != PayloadMode::Packet;
            // inline, before the session is set up, a packet whose payload
            // the stream did not take is inspected as a packet
            if let (Some(w), Some((f, _))) = (stream, flow) {
                if use_stream
                    && st.inline_stream
                    && w.new_from >= w.data.len()
                    && !p.payload.is_empty()
                    && !f.pkt_established
                    && s.payload_source == PayloadMode::Either
                {
                    use_stream = false;
                }
            }
            let ok = match (chain.buffer, tx) {
                // multi-instance buffers: any instance may match
                (BufferKind::App(b), Some(tx)) => match chain.absent {
                    None => tx.each(b, &mut |bytes| inspect_at(bytes, 0, 0)),
                    // `absent`: a missing buffer matches; a present one
                    // only under `or_else`, when the chain matches it
                    Some(mode) => {
                        let mut present = false;
                        let hit = tx.each(b, &mut |bytes| {
                            present = true;
                            mode == AbsentMode::OrElse && inspect_at(bytes, 0, 0)
                        });
                        (!present && tx.settled(b)) || hit
                    }
                },
                (BufferKind::App(_), None) => false,
                (BufferKind::Payload, _) if use_stream && stream.is_some() => {
                    // Suricata inspects a TCP rule on the packet and on the
                    // stream; it fires once for the packet if either matches
                    let w = stream.expect("checked");
                    let hit = inspect_at(w.data, w.base, w.new_from);
                    st.stream_matched |= hit;
                    hit
                }
                (BufferKind::Payload, _) if s.payload_source == PayloadMode::Stream => false,
                (kind, _) => buffer(kind, p).is_some_and(|b| inspect_at(b, 0, 0)),
            };
            if !ok {
                return Err(Miss::Chain {
                    chain: chain_index,
                    buffer: chain.buffer,
                    absent_buffer: detail && !seen,
                    elem: held.min(chain.elems.len().saturating_sub(1)),
                });
            }
        }
        Ok(())
    }
}

/// Whether the explain probe looks at this packet.
fn probe_admits(pr: &ExplainProbe, p: &Packet<'_>) -> bool {
    match (&pr.only, p.src_ip(), p.dst_ip()) {
        (None, _, _) => true,
        (Some(f), Some(s), Some(d)) => f.admits((s, p.src_port()), (d, p.dst_port())),
        _ => false,
    }
}

/// Notes the step that decided the probed rule on this packet.
fn note(
    pr: &mut ExplainProbe,
    p: &Packet<'_>,
    flow: Option<(&Flow, Direction)>,
    now_ns: i64,
    step: Step,
) {
    pr.events.push(ProbeEvent {
        packet: pr.packet,
        now_ns,
        flow_id: flow.map(|(f, _)| f.id),
        src: p.src_ip().map(|a| (a, p.src_port())),
        dst: p.dst_ip().map(|a| (a, p.dst_port())),
        to_server: flow.map(|(_, d)| d == Direction::ToServer),
        tx: pr.tx,
        step,
    });
}

/// What `after_match` did with a matched rule, from what it left behind:
/// `before` is (`out.len()`, overflow count) before it ran.
fn match_outcome(out: &[FiredRule], before: (usize, u64), overflow: u64) -> Step {
    match out.get(before.0) {
        None => Step::Thresholded,
        Some(_) if overflow > before.1 => Step::AlertCap,
        Some(f) if f.silent && f.action != SigAction::Pass => {
            Step::FiredSilently { action: f.action }
        }
        Some(f) => Step::Fired {
            action: f.action,
            rate_filtered: f.rate_filtered,
        },
    }
}

/// Whether a suppression list covers this packet.
fn suppressed(list: &[crate::sig::Suppress], p: &Packet<'_>) -> bool {
    use crate::sig::Suppress;
    list.iter().any(|e| match e {
        Suppress::All => true,
        Suppress::Src(set) => p.src_ip().is_some_and(|a| set.contains(a)),
        Suppress::Dst(set) => p.dst_ip().is_some_and(|a| set.contains(a)),
        Suppress::Either(set) => {
            p.src_ip().is_some_and(|a| set.contains(a))
                || p.dst_ip().is_some_and(|a| set.contains(a))
        }
    })
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

fn operand(rhs: Option<IntOperand>, f: &Flow) -> Option<u64> {
    match rhs? {
        IntOperand::Const(n) => Some(n),
        IntOperand::Var(v) => f.int(v),
    }
}

/// A flowint condition on the flow; an unset variable (either side)
/// compares false, as in Suricata.
fn flowint_holds(c: &FlowintStep, f: &Flow) -> bool {
    use warden_rules::FlowintOp::*;
    let value = f.int(c.var);
    match c.op {
        IsSet => value.is_some(),
        NotSet => value.is_none(),
        op => {
            let (Some(a), Some(b)) = (value, operand(c.rhs, f)) else {
                return false;
            };
            match op {
                Eq => a == b,
                Ne => a != b,
                Lt => a < b,
                Gt => a > b,
                Le => a <= b,
                Ge => a >= b,
                _ => false,
            }
        }
    }
}

/// A flowint action (`=`, `+`, `-`); adding to an unset variable sets it,
/// subtracting from one does nothing; arithmetic saturates.
fn apply_flowint(a: &FlowintStep, f: &mut Flow) {
    use warden_rules::FlowintOp::*;
    let Some(rhs) = operand(a.rhs, f) else {
        return;
    };
    let now = f.int(a.var);
    let value = match a.op {
        Set => rhs,
        Add => now.map_or(rhs, |v| v.saturating_add(rhs)),
        Sub => match now {
            Some(v) => v.saturating_sub(rhs),
            None => return,
        },
        _ => return,
    };
    f.set_int(a.var, value);
}

/// The rule's addresses and ports against the packet's; `reverse` checks
/// them against the packet's reply orientation (a server-to-client packet
/// inspected for a transactional rule).
fn addresses_match(s: &Sig, p: &Packet<'_>, reverse: bool) -> bool {
    let (Some(mut src), Some(mut dst)) = (p.src_ip(), p.dst_ip()) else {
        // no IP header: only address-agnostic rules apply
        return s.src.is_any() && s.dst.is_any();
    };
    let mut ports = match (p.src_port(), p.dst_port()) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    if reverse {
        std::mem::swap(&mut src, &mut dst);
        ports = ports.map(|(a, b)| (b, a));
    }
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
        BufferKind::App(_) => None,
    }
}
