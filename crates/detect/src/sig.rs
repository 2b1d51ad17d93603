//! The compiled form of a rule: everything resolved (variables, names,
//! classification), every value in the shape the matcher wants.

use std::sync::Arc;

use warden_rules::{
    ByteMathOp, ByteTestOp, DetectionFilter, Endian, FlowFlags, IntCmp, IpSet, NumBase, PortSet,
    Target, TcpFlagsMatch, Threshold,
};

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigAction {
    Pass,
    Drop,
    Reject,
    RejectDst,
    RejectBoth,
    Alert,
}

impl SigAction {
    pub fn name(self) -> &'static str {
        match self {
            SigAction::Pass => "pass",
            SigAction::Drop => "drop",
            SigAction::Reject => "reject",
            SigAction::RejectDst => "rejectdst",
            SigAction::RejectBoth => "rejectboth",
            SigAction::Alert => "alert",
        }
    }

    /// Whether the action drops the packet when inline (drop and every
    /// reject).
    pub fn blocks(self) -> bool {
        !matches!(self, SigAction::Pass | SigAction::Alert)
    }

    /// Rank in Suricata's default action order (pass > drop > reject > alert).
    pub fn order(self) -> u8 {
        match self {
            SigAction::Pass => 0,
            SigAction::Drop => 1,
            SigAction::Reject | SigAction::RejectDst | SigAction::RejectBoth => 2,
            SigAction::Alert => 3,
        }
    }
}

/// What an operator sees about a rule in events.
#[derive(Clone, Debug)]
pub struct SigMeta {
    pub gid: u32,
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    /// Classification description ("Potentially Bad Traffic"), or empty.
    pub category: String,
    /// Priority from the rule, else from its classification, else 3.
    pub severity: u8,
    /// metadata pairs grouped by key, values in order.
    pub metadata: Vec<(String, Vec<String>)>,
    pub target: Option<Target>,
    /// `file:line` of the rule.
    pub file: Arc<str>,
    pub line: u32,
}

impl SigMeta {
    /// `metadata: warden_mode shadow`: the rule is in shadow from load
    /// (alerts, never blocks).
    pub fn static_shadow(&self) -> bool {
        self.metadata
            .iter()
            .any(|(k, v)| k == "warden_mode" && v.iter().any(|x| x == "shadow"))
    }

    /// The teams answering for the rule (`metadata: owner TEAM`, in
    /// order); empty when nobody owns it.
    pub fn owners(&self) -> &[String] {
        self.metadata
            .iter()
            .find(|(k, _)| k == "owner")
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Which packets a rule's protocol admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoMatch {
    /// Any IP packet (`ip`), optionally restricted to one version.
    Ip { v4: bool, v6: bool },
    /// One IP protocol number (tcp=6, udp=17, ...), both IP versions.
    Transport(u8),
    /// ICMPv4 and/or ICMPv6.
    Icmp { v4: bool, v6: bool },
    /// `pkthdr`: every packet, even one that did not decode.
    Any,
}

/// A number in a rule, or a byte_extract/byte_math variable slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    Lit(i64),
    Var(u8),
}

/// Inspection buffers a payload chain can run over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferKind {
    /// The packet's L4 payload (`pkt_data`, the default).
    Payload,
    Ipv4Hdr,
    Ipv6Hdr,
    TcpHdr,
    UdpHdr,
    Icmpv4Hdr,
    Icmpv6Hdr,
    /// An application-layer sticky buffer of a transaction.
    App(warden_rules::Buffer),
}

/// One content match.
#[derive(Clone, Debug)]
pub struct ContentM {
    pub pattern: Vec<u8>,
    pub nocase: bool,
    pub negated: bool,
    pub offset: Option<Val>,
    pub depth: Option<Val>,
    pub distance: Option<Val>,
    pub within: Option<Val>,
    pub endswith: bool,
}

impl ContentM {
    pub fn is_relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }
}

/// One pcre match.
#[derive(Clone, Debug)]
pub struct PcreM {
    pub regex: Arc<pcre2::bytes::Regex>,
    pub negated: bool,
    pub relative: bool,
    pub source: String,
}

/// How the byte_* keywords read a number.
#[derive(Clone, Copy, Debug)]
pub struct NumRead {
    pub bytes: u8,
    pub endian: Endian,
    pub string: Option<NumBase>,
    pub bitmask: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct ByteTestM {
    pub read: NumRead,
    /// Byte count taken at run time from this variable slot (`read.bytes`
    /// is then only a placeholder).
    pub bytes_var: Option<u8>,
    pub negated: bool,
    pub op: ByteTestOp,
    pub value: Val,
    pub offset: Val,
    pub relative: bool,
}

#[derive(Clone, Debug)]
pub struct ByteJumpM {
    pub read: NumRead,
    /// Byte count taken at run time from this variable slot.
    pub bytes_var: Option<u8>,
    pub offset: Val,
    pub relative: bool,
    pub multiplier: u32,
    pub align: bool,
    pub from_beginning: bool,
    pub from_end: bool,
    pub post_offset: i64,
}

#[derive(Clone, Debug)]
pub struct ByteExtractM {
    pub read: NumRead,
    pub offset: i64,
    pub relative: bool,
    pub multiplier: u32,
    pub align: u8,
    pub slot: u8,
}

#[derive(Clone, Debug)]
pub struct ByteMathM {
    pub read: NumRead,
    /// Byte count taken at run time from this variable slot.
    pub bytes_var: Option<u8>,
    pub offset: i64,
    pub relative: bool,
    pub oper: ByteMathOp,
    pub rvalue: Val,
    pub slot: u8,
}

/// One step of a payload chain, in rule order.
#[derive(Clone, Debug)]
pub enum Elem {
    Content(ContentM),
    Pcre(PcreM),
    IsDataAt {
        offset: Val,
        negated: bool,
        relative: bool,
    },
    ByteTest(ByteTestM),
    ByteJump(ByteJumpM),
    ByteExtract(ByteExtractM),
    ByteMath(ByteMathM),
    Bsize(IntCmp),
}

impl Elem {
    /// Whether this step is anchored to where the previous one ended.
    pub fn is_relative(&self) -> bool {
        match self {
            Elem::Content(c) => c.is_relative(),
            Elem::Pcre(p) => p.relative,
            Elem::IsDataAt { relative, .. } => *relative,
            Elem::ByteTest(b) => b.relative,
            Elem::ByteJump(b) => b.relative,
            Elem::ByteExtract(b) => b.relative,
            Elem::ByteMath(b) => b.relative,
            Elem::Bsize(_) => false,
        }
    }
}

/// The steps a rule runs over one buffer.
#[derive(Clone, Debug)]
pub struct BufferChain {
    pub buffer: BufferKind,
    /// Transforms applied to the buffer before its elements run.
    pub transforms: Vec<crate::transform::CompiledTransform>,
    pub elems: Vec<Elem>,
    /// `absent` on this buffer: how a missing buffer counts.
    pub absent: Option<AbsentMode>,
}

/// What `absent` asks of a sticky buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbsentMode {
    /// `absent`: the buffer must be missing.
    Only,
    /// `absent: or_else`: missing, or present and the chain matches.
    OrElse,
}

impl BufferChain {
    /// No transform changes this buffer before inspection.
    pub fn transforms_empty(&self) -> bool {
        self.transforms.is_empty()
    }
}

/// Checks on packet headers and flow counters.
#[derive(Clone, Debug)]
pub enum HeaderCheck {
    Ttl(IntCmp),
    Tos(IntCmp),
    IpId(IntCmp),
    IpProto(IntCmp),
    IpOpts(warden_packet::Ipv4Options),
    SameIp,
    Fragbits(warden_rules::Fragbits),
    Fragoffset(IntCmp),
    TcpFlags(TcpFlagsMatch),
    Seq(IntCmp),
    Ack(IntCmp),
    Window(IntCmp),
    TcpMss(IntCmp),
    Itype(IntCmp),
    Icode(IntCmp),
    IcmpId(IntCmp),
    IcmpSeq(IntCmp),
    Icmpv6Mtu(IntCmp),
    Dsize(IntCmp),
    VlanId { cmp: IntCmp, layer: Option<i32> },
    VlanLayers(IntCmp),
    DecodeEvent(warden_packet::DecodeEvent),
    StreamEvent(warden_packet::StreamEvent),
    FlowAge(IntCmp),
    FlowPkts(warden_rules::FlowCount),
    FlowBytes(warden_rules::FlowCount),
    StreamSize(warden_rules::StreamSize),
}

/// A flowbits condition or action on interned bit ids.
#[derive(Clone, Debug)]
pub enum BitsCond {
    AllSet(Vec<u32>),
    AnySet(Vec<u32>),
    AllUnset(Vec<u32>),
    AnyUnset(Vec<u32>),
}

#[derive(Clone, Copy, Debug)]
pub enum BitsAction {
    Set(u32),
    Unset(u32),
    Toggle(u32),
}

/// The right-hand side of a flowint step: a number or another variable.
#[derive(Clone, Copy, Debug)]
pub enum IntOperand {
    Const(u64),
    Var(u32),
}

/// One `flowint` option on an interned variable id: a condition
/// (`==`, `!=`, `<`, `>`, `<=`, `>=`, `isset`, `notset`) checked while
/// matching, or an action (`=`, `+`, `-`) applied when the rule matches.
#[derive(Clone, Copy, Debug)]
pub struct FlowintStep {
    pub var: u32,
    pub op: warden_rules::FlowintOp,
    pub rhs: Option<IntOperand>,
}

impl FlowintStep {
    /// Whether this step is an action (applied after a match).
    pub fn is_action(&self) -> bool {
        use warden_rules::FlowintOp::*;
        matches!(self.op, Set | Add | Sub)
    }
}

/// The fast pattern the prefilter indexes a rule under.
#[derive(Clone, Debug)]
pub struct FastPattern {
    pub bytes: Vec<u8>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Sig {
    pub meta: SigMeta,
    pub action: SigAction,
    pub proto: ProtoMatch,
    pub src: IpSet,
    pub dst: IpSet,
    pub sp: PortSet,
    pub dp: PortSet,
    pub bidirectional: bool,
    /// `=>`: addresses and ports are the transaction's client and server,
    /// checked against the flow's orientation, not the packet's.
    pub transactional: bool,
    pub flow: Option<FlowFlags>,
    pub headers: Vec<HeaderCheck>,
    pub chains: Vec<BufferChain>,
    pub bits_cond: Vec<BitsCond>,
    pub bits_post: Vec<BitsAction>,
    /// `xbits` conditions and actions.
    pub xbits_cond: Vec<crate::xbits::XbitsCond>,
    pub xbits_post: Vec<crate::xbits::XbitsAction>,
    /// `flowint` conditions, checked while matching.
    pub ints_cond: Vec<FlowintStep>,
    /// `flowint` actions, applied in rule order when the rule matches.
    pub ints_post: Vec<FlowintStep>,
    pub noalert: bool,
    /// `alert`: a matching `pass` rule is logged too.
    pub pass_alerts: bool,
    /// `app-layer-protocol`: (negated, protocol). Holds once the flow's
    /// protocol is detected and is (or, negated, is not) that protocol.
    pub app_proto_cond: Option<(bool, crate::app::AppLayer)>,
    pub threshold: Option<Threshold>,
    pub detection_filter: Option<DetectionFilter>,
    pub fast_pattern: Option<FastPattern>,
    /// Number of byte_extract/byte_math variable slots the rule uses.
    pub var_slots: u8,
    /// Only addresses/ports/protocol: inspected once per flow direction.
    pub ip_only: bool,
    /// Sets flowbits (ordering: setters run before readers).
    pub sets_bits: bool,
    pub reads_bits: bool,
    /// Application protocol the rule is limited to.
    pub app: Option<crate::app::AppLayer>,
    /// Inspected per application transaction (it has app-layer buffers or
    /// checks), not per packet.
    pub tx_rule: bool,
    /// Buffer whose automaton indexes this transaction rule.
    pub tx_fast_buffer: Option<warden_rules::Buffer>,
    /// Transaction value checks (urilen).
    pub tx_checks: Vec<TxCheck>,
    /// Packet direction a transaction rule is inspected from, by the
    /// buffers it reads.
    pub tx_dir: TxDir,
    /// Where a TCP rule's payload content is looked for.
    pub payload_source: PayloadMode,
    /// threshold.config `suppress` entries: alerts are not logged (for
    /// every packet when the list holds an entry without addresses).
    pub suppress: Vec<Suppress>,
    /// threshold.config `rate_filter`.
    pub rate_filter: Option<crate::threshold::RateFilter>,
}

impl Sig {
    /// A rule about addresses, ports and (application) protocol only
    /// (`alert http any any -> any any (sid:1;)`, `pass ip 10.0.0.1 80 ->
    /// any any`): like an IP-only rule, its drop or pass is about the flow.
    pub fn header_only(&self) -> bool {
        !self.tx_rule
            && self.chains.is_empty()
            && self.headers.is_empty()
            && self.tx_checks.is_empty()
            && self.bits_cond.is_empty()
            && self.ints_cond.is_empty()
            && self.flow.is_none()
    }
}

/// A `suppress` entry compiled onto a rule.
#[derive(Clone, Debug)]
pub enum Suppress {
    All,
    Src(IpSet),
    Dst(IpSet),
    Either(IpSet),
}

/// Which bytes a TCP rule's payload (`pkt_data`) chain inspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadMode {
    /// The reassembled stream when the flow has one, else the packet.
    Either,
    /// The packet only (`tcp-pkt`, `flow:no_stream`).
    Packet,
    /// The reassembled stream only (`tcp-stream`, `flow:only_stream`).
    Stream,
}

/// The direction from which a transaction rule is inspected. A rule
/// reading only request buffers (`http.uri`, `http.method`, ...) is
/// inspected on packets to the server, one reading only response buffers
/// on packets to the client; one reading both waits for the response side
/// (the request is complete by then), as Suricata does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TxDir {
    /// Buffers of either side (`http.header`, `http.cookie`, ...): both.
    #[default]
    Both,
    ToServer,
    ToClient,
}

impl TxDir {
    /// Whether a packet going to the server (`to_server`) may inspect it.
    pub fn admits(self, to_server: bool) -> bool {
        match self {
            TxDir::Both => true,
            TxDir::ToServer => to_server,
            TxDir::ToClient => !to_server,
        }
    }

    /// The direction of a rule reading buffers of `self` and `other`.
    pub fn join(self, other: TxDir) -> TxDir {
        match (self, other) {
            (TxDir::Both, d) | (d, TxDir::Both) => d,
            (a, b) if a == b => a,
            _ => TxDir::ToClient,
        }
    }
}

/// Checks on transaction values rather than buffers.
#[derive(Clone, Debug)]
pub enum TxCheck {
    Urilen(warden_rules::Urilen),
    /// `app-layer-event:<proto>.<name>`: the parser raised the event
    /// (name without the protocol prefix) on this transaction.
    AppEvent(Box<str>),
    /// A number of the transaction compared; any instance may match.
    Value(crate::app::TxValue, IntCmp),
    /// File keywords: one file of the transaction (in the inspecting
    /// packet's direction) satisfies all of them.
    File(Vec<crate::file::FileCond>),
}
