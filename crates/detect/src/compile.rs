//! Rule → [`Sig`]: resolves variables and names, checks every option
//! against what the engine honours, and rejects a rule it cannot honour
//! with a reason (never loading it half-understood).

use std::collections::HashMap;
use std::sync::Arc;

use pcre2::bytes::RegexBuilder;
use warden_rules::{
    resolve_addr, resolve_ports, Action, BitsCmd, BitsOp, Buffer, Classifications, Content, Endian,
    FlowintOp, IntOrVar, IpOpt, Protocol, Rule, RuleOption, Vars,
};

use crate::app::{AppLayer, TxValue};
use crate::sig::*;

/// What a compile needs besides the rule.
pub struct BuildContext<'a> {
    pub vars: &'a Vars,
    pub classifications: &'a Classifications,
    /// Whether the parsers of an application protocol raise the named
    /// `app-layer-event` (the name after `<proto>.`).
    pub known_event: KnownEvent<'a>,
}

/// The catalogue of application-layer event names, owned by the parsers.
pub type KnownEvent<'a> = &'a dyn Fn(AppLayer, &str) -> bool;

/// Why a rule was not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// Valid rule language, but a keyword or buffer warden does not
    /// implement yet; the string names it (the load summary groups by it).
    Unsupported(String),
    /// The rule is wrong (bad regex, unknown variable, ...).
    Invalid(String),
}

/// A rule the engine refused, with where and why.
#[derive(Clone, Debug)]
pub struct Rejection {
    pub file: Arc<str>,
    pub line: u32,
    /// 1-based column of the header field or option at fault, when known.
    pub column: Option<u32>,
    pub sid: u32,
    pub kind: RejectionKind,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, "{c}:")?;
        }
        match &self.kind {
            RejectionKind::Unsupported(what) => {
                write!(f, " sid {}: not supported yet: {}", self.sid, what)
            }
            RejectionKind::Invalid(why) => write!(f, " sid {}: {}", self.sid, why),
        }
    }
}

/// Interns flowbit names to dense ids shared by every rule of a ruleset.
#[derive(Default, Debug, Clone)]
pub struct BitNames {
    ids: HashMap<String, u32>,
}

impl BitNames {
    pub fn id(&mut self, name: &str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(name.to_string()).or_insert(next)
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A `flowint` option on interned variable ids (the flowbit name space
/// is shared, prefixed so a flowint and a flowbit of one name differ).
fn flowint_step(
    fi: &warden_rules::Flowint,
    names: &mut BitNames,
) -> Result<FlowintStep, RejectionKind> {
    let var = names.id(&format!("flowint:{}", fi.name));
    let rhs = match &fi.value {
        None => None,
        Some(IntOrVar::Int(n)) => {
            Some(IntOperand::Const(u64::try_from(*n).map_err(|_| {
                invalid(format!("flowint {}: negative value {n}", fi.name))
            })?))
        }
        Some(IntOrVar::Var(v)) => Some(IntOperand::Var(names.id(&format!("flowint:{v}")))),
    };
    let needs_value = !matches!(fi.op, FlowintOp::IsSet | FlowintOp::NotSet);
    if needs_value && rhs.is_none() {
        return Err(invalid(format!("flowint {}: missing value", fi.name)));
    }
    Ok(FlowintStep {
        var,
        op: fi.op,
        rhs,
    })
}

fn unsupported(what: impl Into<String>) -> RejectionKind {
    RejectionKind::Unsupported(what.into())
}

fn invalid(why: impl Into<String>) -> RejectionKind {
    RejectionKind::Invalid(why.into())
}

/// Compiles one rule.
pub fn compile(rule: &Rule, ctx: &BuildContext<'_>, bits: &mut BitNames) -> Result<Sig, Rejection> {
    // where compilation stood when it gave up: a header field or an option
    let mut at = None;
    compile_inner(rule, ctx, bits, &mut at).map_err(|kind| Rejection {
        file: rule.loc.file.clone(),
        line: rule.loc.line,
        column: at.map(|a| rule.column_at(a)),
        sid: rule.meta.sid,
        kind,
    })
}

struct Vars8 {
    names: Vec<String>,
}

impl Vars8 {
    fn slot(&mut self, name: &str) -> Result<u8, RejectionKind> {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return Ok(i as u8);
        }
        if self.names.len() >= 16 {
            return Err(invalid("more than 16 byte_extract/byte_math variables"));
        }
        self.names.push(name.to_string());
        Ok((self.names.len() - 1) as u8)
    }
    fn val(&self, v: &IntOrVar) -> Result<Val, RejectionKind> {
        match v {
            IntOrVar::Int(n) => Ok(Val::Lit(*n)),
            IntOrVar::Var(name) => self
                .names
                .iter()
                .position(|n| n == name)
                .map(|i| Val::Var(i as u8))
                .ok_or_else(|| invalid(format!("unknown byte_extract variable '{name}'"))),
        }
    }
}

fn compile_inner(
    rule: &Rule,
    ctx: &BuildContext<'_>,
    bits: &mut BitNames,
    at: &mut Option<usize>,
) -> Result<Sig, RejectionKind> {
    let fields = rule.header_offsets();
    *at = Some(fields[0]);
    let action = match rule.action {
        Action::Alert => SigAction::Alert,
        Action::Pass => SigAction::Pass,
        Action::Drop => SigAction::Drop,
        Action::Reject | Action::RejectSrc => SigAction::Reject,
        Action::RejectDst => SigAction::RejectDst,
        Action::RejectBoth => SigAction::RejectBoth,
        other => return Err(unsupported(format!("action '{}'", other.name()))),
    };
    let mut app_layer: Option<AppLayer> = None;
    *at = Some(fields[1]);
    let proto = match rule.protocol {
        Protocol::Ip => ProtoMatch::Ip { v4: true, v6: true },
        Protocol::Ipv4 => ProtoMatch::Ip {
            v4: true,
            v6: false,
        },
        Protocol::Ipv6 => ProtoMatch::Ip {
            v4: false,
            v6: true,
        },
        Protocol::Tcp | Protocol::TcpPkt => ProtoMatch::Transport(6),
        Protocol::Udp | Protocol::UdpPkt => ProtoMatch::Transport(17),
        Protocol::Sctp => ProtoMatch::Transport(132),
        Protocol::Igmp => ProtoMatch::Transport(2),
        Protocol::Icmp => ProtoMatch::Icmp { v4: true, v6: true },
        Protocol::Icmpv4 => ProtoMatch::Icmp {
            v4: true,
            v6: false,
        },
        Protocol::Icmpv6 => ProtoMatch::Icmp {
            v4: false,
            v6: true,
        },
        Protocol::Pkthdr => ProtoMatch::Any,
        Protocol::TcpStream => ProtoMatch::Transport(6),
        Protocol::App(app) => match AppLayer::from_rule(app) {
            Some(layer) => {
                app_layer = Some(layer);
                if layer == AppLayer::Dns {
                    ProtoMatch::Ip { v4: true, v6: true }
                } else {
                    ProtoMatch::Transport(6)
                }
            }
            None => {
                return Err(unsupported(format!(
                    "app-layer protocol {} (no parser yet)",
                    app.name()
                )))
            }
        },
        _ => return Err(unsupported(format!("protocol {}", rule.protocol.name()))),
    };
    let resolve_a = |e| resolve_addr(e, ctx.vars).map_err(|d| invalid(d.message));
    let resolve_p = |e| resolve_ports(e, ctx.vars).map_err(|d| invalid(d.message));
    *at = Some(fields[2]);
    let src = resolve_a(&rule.src_addr)?;
    *at = Some(fields[5]);
    let dst = resolve_a(&rule.dst_addr)?;
    *at = Some(fields[3]);
    let sp = resolve_p(&rule.src_port)?;
    *at = Some(fields[6]);
    let dp = resolve_p(&rule.dst_port)?;
    *at = None;

    let mut vars = Vars8 { names: Vec::new() };
    let mut headers = Vec::new();
    let mut chains: Vec<BufferChain> = Vec::new();
    let mut current = BufferKind::Payload;
    let mut flow = None;
    let mut bits_cond = Vec::new();
    let mut bits_post = Vec::new();
    let mut xbits_cond = Vec::new();
    let mut xbits_post = Vec::new();
    let mut ints_cond: Vec<FlowintStep> = Vec::new();
    let mut ints_post: Vec<FlowintStep> = Vec::new();
    let mut noalert = false;
    let mut pass_alerts = false;
    let mut app_proto_cond = None;
    let mut threshold = None;
    let mut detection_filter = None;
    let mut explicit_fp: Option<ExplicitFastPattern> = None;
    let mut has_other = false;
    let mut tx_checks: Vec<TxCheck> = Vec::new();
    let mut file_conds: Vec<crate::file::FileCond> = Vec::new();
    // The buffer of the last payload keyword placed: a relative
    // isdataat/byte_* keyword with no sticky buffer set follows it (so
    // `uricontent:"x"; byte_extract:...,relative;` reads the URI).
    let mut last_placed: Option<BufferKind> = None;
    // A sticky buffer keyword was just given: transforms now start a new
    // instance of the buffer.
    let mut new_instance = false;
    let relative_target = |relative: bool, current: BufferKind, last: Option<BufferKind>| match (
        relative, current, last,
    ) {
        (true, BufferKind::Payload, Some(b)) => b,
        _ => current,
    };

    for opt in &rule.options {
        *at = Some(opt.span.start);
        // a repeated sticky buffer keyword with no transforms after it is
        // the plain buffer again, even when its previous instance was
        // transformed
        if new_instance && places_in_current(&opt.node) {
            new_instance = false;
            if chains
                .iter()
                .rev()
                .find(|c| c.buffer == current)
                .is_some_and(|c| !c.transforms.is_empty())
            {
                chains.push(BufferChain {
                    buffer: current,
                    transforms: Vec::new(),
                    elems: Vec::new(),
                    absent: None,
                });
            }
        }
        match &opt.node {
            RuleOption::Msg(_)
            | RuleOption::Sid(_)
            | RuleOption::Rev(_)
            | RuleOption::Gid(_)
            | RuleOption::Classtype(_)
            | RuleOption::Priority(_)
            | RuleOption::Reference(_)
            | RuleOption::Metadata(_)
            | RuleOption::Target(_) => {}
            RuleOption::Prefilter => {}
            RuleOption::Content(c) => {
                has_other = true;
                let target = match c.legacy_buffer {
                    Some(b) => app_buffer(b, &mut app_layer)?,
                    None => current,
                };
                if c.replace.is_some() {
                    return Err(unsupported("replace"));
                }
                let m = compile_content(c, &vars)?;
                let ci = chain_index(&mut chains, target);
                let chain = &mut chains[ci];
                if let (Some(fp), false) = (c.fast_pattern, c.negated) {
                    explicit_fp = Some((ci, chain.elems.len(), fp.chop));
                }
                chain.elems.push(Elem::Content(m));
                last_placed = Some(target);
            }
            RuleOption::Pcre(p) => {
                has_other = true;
                let target = match p.flags.buffer() {
                    Some(b) => app_buffer(b, &mut app_layer)?,
                    None => current,
                };
                if !p.capture_vars.is_empty() {
                    return Err(unsupported("pcre capture variables"));
                }
                let m = compile_pcre(p)?;
                chain_for(&mut chains, target).elems.push(Elem::Pcre(m));
                last_placed = Some(target);
            }
            RuleOption::Buffer(b) | RuleOption::DirectedBuffer { buffer: b, .. } => {
                has_other = true;
                new_instance = true;
                current = match b {
                    Buffer::PktData => BufferKind::Payload,
                    Buffer::Ipv4Hdr => BufferKind::Ipv4Hdr,
                    Buffer::Ipv6Hdr => BufferKind::Ipv6Hdr,
                    Buffer::TcpHdr => BufferKind::TcpHdr,
                    Buffer::UdpHdr => BufferKind::UdpHdr,
                    Buffer::Icmpv4Hdr => BufferKind::Icmpv4Hdr,
                    Buffer::Icmpv6Hdr => BufferKind::Icmpv6Hdr,
                    other => app_buffer(*other, &mut app_layer)?,
                };
            }
            RuleOption::Transform(t) => {
                has_other = true;
                let x = crate::transform::compile_transform(t)
                    .map_err(|what| unsupported(format!("transform {what}")))?;
                // transforms after a repeated sticky buffer keyword make a
                // second instance of that buffer (`http.uri; content:"a";
                // http.uri; xor:...; content:"b"`): a chain of its own
                if std::mem::take(&mut new_instance)
                    && chains.iter().any(|c| {
                        c.buffer == current && !(c.elems.is_empty() && c.transforms.is_empty())
                    })
                {
                    chains.push(BufferChain {
                        buffer: current,
                        transforms: Vec::new(),
                        elems: Vec::new(),
                        absent: None,
                    });
                }
                chain_for(&mut chains, current).transforms.push(x);
            }
            RuleOption::IsDataAt(d) => {
                has_other = true;
                let offset = vars.val(&d.offset)?;
                let target = relative_target(d.relative, current, last_placed);
                last_placed = Some(target);
                chain_for(&mut chains, target).elems.push(Elem::IsDataAt {
                    offset,
                    negated: d.negated,
                    relative: d.relative,
                });
            }
            RuleOption::ByteTest(b) => {
                has_other = true;
                let (bytes, bytes_var) = lit_bytes(&b.bytes, &vars)?;
                let m = ByteTestM {
                    read: num_read(bytes, b.endian, b.string, b.bitmask)?,
                    bytes_var,
                    negated: b.negated,
                    op: b.op,
                    value: vars.val(&b.value)?,
                    offset: vars.val(&b.offset)?,
                    relative: b.relative,
                };
                let target = relative_target(m.relative, current, last_placed);
                last_placed = Some(target);
                chain_for(&mut chains, target).elems.push(Elem::ByteTest(m));
            }
            RuleOption::ByteJump(b) => {
                has_other = true;
                let (bytes, bytes_var) = lit_bytes(&b.bytes, &vars)?;
                let m = ByteJumpM {
                    read: num_read(bytes, b.endian, b.string, b.bitmask)?,
                    bytes_var,
                    offset: vars.val(&b.offset)?,
                    relative: b.relative,
                    multiplier: b.multiplier.unwrap_or(1),
                    align: b.align,
                    from_beginning: b.from_beginning,
                    from_end: b.from_end,
                    post_offset: b.post_offset.unwrap_or(0),
                };
                let target = relative_target(m.relative, current, last_placed);
                last_placed = Some(target);
                chain_for(&mut chains, target).elems.push(Elem::ByteJump(m));
            }
            RuleOption::ByteExtract(b) => {
                has_other = true;
                let m = ByteExtractM {
                    read: num_read(b.bytes, b.endian, b.string, b.bitmask)?,
                    offset: b.offset,
                    relative: b.relative,
                    multiplier: b.multiplier.unwrap_or(1),
                    align: b.align.unwrap_or(0),
                    slot: vars.slot(&b.name)?,
                };
                let target = relative_target(m.relative, current, last_placed);
                last_placed = Some(target);
                chain_for(&mut chains, target)
                    .elems
                    .push(Elem::ByteExtract(m));
            }
            RuleOption::ByteMath(_) | RuleOption::ByteMathVarBytes { .. } => {
                has_other = true;
                let (b, bytes, bytes_var) = match &opt.node {
                    RuleOption::ByteMathVarBytes { math, bytes } => {
                        let (n, slot) = lit_bytes(&IntOrVar::Var(bytes.clone()), &vars)?;
                        (math, n, slot)
                    }
                    RuleOption::ByteMath(b) => (b, b.bytes, None),
                    _ => unreachable!("matched above"),
                };
                let rvalue = vars.val(&b.rvalue)?;
                let m = ByteMathM {
                    read: num_read(bytes, b.endian, b.string, b.bitmask)?,
                    bytes_var,
                    offset: b.offset,
                    relative: b.relative,
                    oper: b.oper,
                    rvalue,
                    slot: vars.slot(&b.result)?,
                };
                let target = relative_target(m.relative, current, last_placed);
                last_placed = Some(target);
                chain_for(&mut chains, target).elems.push(Elem::ByteMath(m));
            }
            RuleOption::Bsize(cmp) => {
                has_other = true;
                if current == BufferKind::Payload {
                    return Err(invalid("bsize needs a sticky buffer"));
                }
                chain_for(&mut chains, current)
                    .elems
                    .push(Elem::Bsize(*cmp));
            }
            RuleOption::Absent { or_else } => {
                has_other = true;
                if !matches!(current, BufferKind::App(_)) {
                    return Err(invalid("absent needs an app-layer sticky buffer"));
                }
                let chain = chain_for(&mut chains, current);
                if chain.absent.is_some() {
                    return Err(invalid("absent given twice for one buffer"));
                }
                chain.absent = Some(if *or_else {
                    AbsentMode::OrElse
                } else {
                    AbsentMode::Only
                });
            }
            RuleOption::Urilen(u) => {
                has_other = true;
                set_app(&mut app_layer, AppLayer::Http, "urilen")?;
                tx_checks.push(TxCheck::Urilen(*u));
            }
            RuleOption::TlsCertField {
                buffer,
                negated,
                value,
            } => {
                // a case-sensitive substring test on the certificate field,
                // on its own chain (it does not move the sticky buffer)
                has_other = true;
                let target = app_buffer(*buffer, &mut app_layer)?;
                chain_for(&mut chains, target)
                    .elems
                    .push(Elem::Content(ContentM {
                        pattern: value.clone(),
                        nocase: false,
                        negated: *negated,
                        offset: None,
                        depth: None,
                        distance: None,
                        within: None,
                        endswith: false,
                    }));
            }
            RuleOption::DnsOpcode(c) | RuleOption::DnsRcode(c) | RuleOption::DnsRrtype(c) => {
                has_other = true;
                let (value, what) = match &opt.node {
                    RuleOption::DnsOpcode(_) => (TxValue::DnsOpcode, "dns.opcode"),
                    RuleOption::DnsRcode(_) => (TxValue::DnsRcode, "dns.rcode"),
                    _ => (TxValue::DnsRrtype, "dns.rrtype"),
                };
                set_app(&mut app_layer, AppLayer::Dns, what)?;
                tx_checks.push(TxCheck::Value(value, *c));
            }
            RuleOption::Dsize(c) => {
                has_other = true;
                headers.push(HeaderCheck::Dsize(*c));
            }
            RuleOption::Filename(p) => {
                has_other = true;
                file_app(&mut app_layer, "filename")?;
                file_conds.push(crate::file::FileCond::name(&p.pattern, p.negated));
            }
            RuleOption::Fileext(p) => {
                has_other = true;
                file_app(&mut app_layer, "fileext")?;
                file_conds.push(crate::file::FileCond::ext(&p.pattern, p.negated));
            }
            RuleOption::Filesize(c) => {
                has_other = true;
                file_app(&mut app_layer, "filesize")?;
                file_conds.push(crate::file::FileCond::Size(*c));
            }
            RuleOption::Flow(f) => {
                has_other = true;
                flow = Some(*f);
            }
            RuleOption::Flowbits(fb) => {
                let ids: Vec<u32> = fb.names.iter().map(|n| bits.id(n)).collect();
                match fb.cmd {
                    BitsCmd::IsSet => bits_cond.push(if fb.op == BitsOp::Or {
                        BitsCond::AnySet(ids)
                    } else {
                        BitsCond::AllSet(ids)
                    }),
                    BitsCmd::IsNotSet => bits_cond.push(if fb.op == BitsOp::Or {
                        BitsCond::AnyUnset(ids)
                    } else {
                        BitsCond::AllUnset(ids)
                    }),
                    BitsCmd::Set => bits_post.extend(ids.into_iter().map(BitsAction::Set)),
                    BitsCmd::Unset => bits_post.extend(ids.into_iter().map(BitsAction::Unset)),
                    BitsCmd::Toggle => bits_post.extend(ids.into_iter().map(BitsAction::Toggle)),
                    BitsCmd::NoAlert => noalert = true,
                }
            }
            RuleOption::Xbits(x) => {
                has_other = true;
                xbits(x, bits, &mut xbits_cond, &mut xbits_post, &mut noalert)?;
            }
            RuleOption::Flowint(fi) => {
                let step = flowint_step(fi, bits)?;
                if step.is_action() {
                    ints_post.push(step);
                } else {
                    has_other = true;
                    ints_cond.push(step);
                }
            }
            RuleOption::AppLayerEvent(name) => {
                let (proto, event) = name
                    .split_once('.')
                    .ok_or_else(|| unsupported(format!("app-layer-event {name}")))?;
                let layer = match proto {
                    "http" | "http1" => AppLayer::Http,
                    "tls" => AppLayer::Tls,
                    "dns" => AppLayer::Dns,
                    _ => return Err(unsupported(format!("app-layer-event {name}"))),
                };
                if !(ctx.known_event)(layer, event) {
                    return Err(unsupported(format!(
                        "app-layer-event {name} (not raised by warden's {proto} parser)"
                    )));
                }
                set_app(&mut app_layer, layer, "app-layer-event")?;
                tx_checks.push(TxCheck::AppEvent(event.into()));
            }
            RuleOption::Noalert => noalert = true,
            RuleOption::Alert => pass_alerts = true,
            RuleOption::AppLayerProtocol { negated, name } => {
                // only protocols warden detects can be compared; `failed`,
                // `unknown` and undetected protocols are not honoured
                let layer = match name.as_str() {
                    "http_any" => Some(AppLayer::Http),
                    n => warden_rules::AppProto::from_name(n).and_then(AppLayer::from_rule),
                };
                let Some(layer) = layer else {
                    return Err(unsupported(format!("app-layer-protocol:{name}")));
                };
                app_proto_cond = Some((*negated, layer));
            }
            RuleOption::Threshold(t) => threshold = Some(*t),
            RuleOption::DetectionFilter(d) => detection_filter = Some(*d),
            RuleOption::Ttl(c) => header(&mut headers, &mut has_other, HeaderCheck::Ttl(*c)),
            RuleOption::Tos(c) => header(&mut headers, &mut has_other, HeaderCheck::Tos(*c)),
            RuleOption::Id(c) => header(&mut headers, &mut has_other, HeaderCheck::IpId(*c)),
            RuleOption::IpProto(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::IpProto(*c))
            }
            RuleOption::IpOpts(o) => header(
                &mut headers,
                &mut has_other,
                HeaderCheck::IpOpts(ipopt(*o)?),
            ),
            RuleOption::SameIp => header(&mut headers, &mut has_other, HeaderCheck::SameIp),
            RuleOption::Fragbits(f) => {
                header(&mut headers, &mut has_other, HeaderCheck::Fragbits(*f))
            }
            RuleOption::Fragoffset(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::Fragoffset(*c))
            }
            RuleOption::Flags(f) => header(&mut headers, &mut has_other, HeaderCheck::TcpFlags(*f)),
            RuleOption::Seq(c) => header(&mut headers, &mut has_other, HeaderCheck::Seq(*c)),
            RuleOption::Ack(c) => header(&mut headers, &mut has_other, HeaderCheck::Ack(*c)),
            RuleOption::Window(c) => header(&mut headers, &mut has_other, HeaderCheck::Window(*c)),
            RuleOption::TcpMss(c) => header(&mut headers, &mut has_other, HeaderCheck::TcpMss(*c)),
            RuleOption::Itype(c) => header(&mut headers, &mut has_other, HeaderCheck::Itype(*c)),
            RuleOption::Icode(c) => header(&mut headers, &mut has_other, HeaderCheck::Icode(*c)),
            RuleOption::IcmpId(c) => header(&mut headers, &mut has_other, HeaderCheck::IcmpId(*c)),
            RuleOption::IcmpSeq(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::IcmpSeq(*c))
            }
            RuleOption::Icmpv6Mtu(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::Icmpv6Mtu(*c))
            }
            RuleOption::VlanId { cmp, layer } => header(
                &mut headers,
                &mut has_other,
                HeaderCheck::VlanId {
                    cmp: *cmp,
                    layer: *layer,
                },
            ),
            RuleOption::VlanLayers(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::VlanLayers(*c))
            }
            RuleOption::DecodeEvent(name) => {
                let ev = warden_packet::DecodeEvent::from_name(name)
                    .or_else(|| {
                        name.strip_prefix("decoder.")
                            .and_then(warden_packet::DecodeEvent::from_name)
                    })
                    .ok_or_else(|| unsupported(format!("decode-event {name}")))?;
                header(&mut headers, &mut has_other, HeaderCheck::DecodeEvent(ev))
            }
            RuleOption::StreamEvent(name) => {
                let ev = warden_packet::StreamEvent::from_name(name).ok_or_else(|| {
                    unsupported(format!("stream-event {name} (not raised by warden)"))
                })?;
                header(&mut headers, &mut has_other, HeaderCheck::StreamEvent(ev))
            }
            RuleOption::FlowAge(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::FlowAge(*c))
            }
            RuleOption::FlowPkts(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::FlowPkts(*c))
            }
            RuleOption::FlowBytes(c) => {
                header(&mut headers, &mut has_other, HeaderCheck::FlowBytes(*c))
            }
            RuleOption::StreamSize(s) => {
                header(&mut headers, &mut has_other, HeaderCheck::StreamSize(*s))
            }
            other => return Err(unsupported(option_name(other))),
        }
    }
    // what is wrong from here on is the rule as a whole
    *at = None;

    // `absent` alone asks for a missing buffer: nothing may inspect it
    if chains
        .iter()
        .any(|c| c.absent == Some(AbsentMode::Only) && !c.elems.is_empty())
    {
        return Err(invalid(
            "absent: the buffer cannot also be inspected (use absent: or_else)",
        ));
    }
    if !file_conds.is_empty() {
        tx_checks.push(TxCheck::File(file_conds));
    }
    // Content checks after a relative keyword with nothing before it in its
    // chain are anchored at the buffer start, as in Suricata.
    let has_dsize = headers.iter().any(|h| matches!(h, HeaderCheck::Dsize(_)));
    let tx_rule = !tx_checks.is_empty()
        || chains
            .iter()
            .any(|c| matches!(c.buffer, BufferKind::App(_)));
    let (fast_pattern, tx_fast_buffer) = if tx_rule {
        match pick_tx_fast_pattern(&chains, explicit_fp) {
            Some((fp, b)) => (Some(fp), Some(b)),
            None => (None, None),
        }
    } else {
        (pick_fast_pattern(&chains, explicit_fp), None)
    };
    // `=>` (Suricata 8): one transaction seen from both sides; the header's
    // source is the client, its destination the server, whichever side's
    // packet completes the match.
    let transactional = matches!(rule.direction, warden_rules::Direction::Transactional);
    if transactional && !tx_rule {
        return Err(invalid(
            "transactional direction => needs application-layer buffers (a transaction rule)",
        ));
    }
    let mut tx_dir = chains.iter().fold(TxDir::Both, |d, c| match c.buffer {
        BufferKind::App(b) => d.join(crate::app::buffer_dir(b)),
        _ => d,
    });
    if tx_checks.iter().any(|c| matches!(c, TxCheck::Urilen(_))) {
        tx_dir = tx_dir.join(TxDir::ToServer);
    }
    let meta = meta(rule, ctx);
    let sets_bits = !bits_post.is_empty() || !xbits_post.is_empty();
    let reads_bits = !bits_cond.is_empty() || !xbits_cond.is_empty();
    // Suricata's IP-only rules: addresses (any protocol, ports `any`) and
    // nothing to inspect; thresholds and flowbit *actions* are allowed, a
    // flowbit condition is not. An application protocol (`alert http ...`)
    // is something to inspect: such a rule checks every packet of the
    // flows of that protocol.
    let ip_only = !has_other
        && app_layer.is_none()
        && app_proto_cond.is_none()
        && bits_cond.is_empty()
        && sp.is_any()
        && dp.is_any()
        && !matches!(proto, ProtoMatch::Any);
    Ok(Sig {
        meta,
        action,
        proto,
        src,
        dst,
        sp,
        dp,
        bidirectional: matches!(rule.direction, warden_rules::Direction::Both),
        transactional,
        flow,
        headers,
        chains,
        bits_cond,
        bits_post,
        xbits_cond,
        xbits_post,
        ints_cond,
        ints_post,
        noalert,
        pass_alerts,
        app_proto_cond,
        threshold,
        detection_filter,
        fast_pattern,
        var_slots: vars.names.len() as u8,
        ip_only,
        sets_bits,
        reads_bits,
        app: app_layer,
        tx_rule,
        tx_fast_buffer,
        tx_checks,
        tx_dir,
        payload_source: match (rule.protocol, flow) {
            (Protocol::TcpPkt, _) => PayloadMode::Packet,
            // dsize is about one packet: such rules inspect packets
            _ if has_dsize => PayloadMode::Packet,
            (Protocol::TcpStream, _) => PayloadMode::Stream,
            (_, Some(f)) if f.no_stream => PayloadMode::Packet,
            (_, Some(f)) if f.only_stream => PayloadMode::Stream,
            _ => PayloadMode::Either,
        },
        suppress: Vec::new(),
        rate_filter: None,
    })
}

/// Sets (or checks) the rule's application protocol.
fn set_app(app: &mut Option<AppLayer>, layer: AppLayer, what: &str) -> Result<(), RejectionKind> {
    match app {
        None => {
            *app = Some(layer);
            Ok(())
        }
        Some(a) if *a == layer => Ok(()),
        Some(a) => Err(invalid(format!(
            "{what} is a {} keyword but the rule is for {}",
            layer.name(),
            a.name()
        ))),
    }
}

/// The chain kind of an application-layer buffer, or why it cannot be used.
fn app_buffer(b: Buffer, app: &mut Option<AppLayer>) -> Result<BufferKind, RejectionKind> {
    match crate::app::buffer_layer(b) {
        // file.data also names the files of SMTP, FTP, SMB...: only HTTP's
        // are extracted so far
        Some(AppLayer::Http)
            if b == Buffer::FileData && app.is_some_and(|a| a != AppLayer::Http) =>
        {
            Err(unsupported(format!(
                "file.data for {} (no file extraction for it yet)",
                app.map_or("?", |a| a.name())
            )))
        }
        Some(layer) => {
            set_app(app, layer, b.name())?;
            Ok(BufferKind::App(b))
        }
        None => Err(unsupported(format!("sticky buffer {}", b.name()))),
    }
}

/// A file keyword makes the rule one on HTTP transactions, the only
/// protocol whose files warden tracks; on another protocol it is refused.
fn file_app(app: &mut Option<AppLayer>, what: &str) -> Result<(), RejectionKind> {
    match app {
        Some(a) if *a != AppLayer::Http => Err(unsupported(format!(
            "{what} for {} (files are tracked in HTTP only)",
            a.name()
        ))),
        _ => set_app(app, AppLayer::Http, what),
    }
}

fn header(headers: &mut Vec<HeaderCheck>, has_other: &mut bool, h: HeaderCheck) {
    *has_other = true;
    headers.push(h);
}

/// Keywords that inspect the current sticky buffer.
fn places_in_current(opt: &RuleOption) -> bool {
    match opt {
        RuleOption::Content(c) => c.legacy_buffer.is_none(),
        RuleOption::Pcre(p) => p.flags.buffer().is_none(),
        RuleOption::IsDataAt(_)
        | RuleOption::ByteTest(_)
        | RuleOption::ByteJump(_)
        | RuleOption::ByteExtract(_)
        | RuleOption::ByteMath(_)
        | RuleOption::ByteMathVarBytes { .. }
        | RuleOption::Bsize(_) => true,
        _ => false,
    }
}

/// The chain keywords for `buffer` go to now (its latest instance),
/// created when the rule has none yet.
fn chain_for(chains: &mut Vec<BufferChain>, buffer: BufferKind) -> &mut BufferChain {
    let i = chain_index(chains, buffer);
    &mut chains[i]
}

fn chain_index(chains: &mut Vec<BufferChain>, buffer: BufferKind) -> usize {
    if let Some(i) = chains.iter().rposition(|c| c.buffer == buffer) {
        return i;
    }
    chains.push(BufferChain {
        buffer,
        transforms: Vec::new(),
        elems: Vec::new(),
        absent: None,
    });
    chains.len() - 1
}

fn compile_content(c: &Content, vars: &Vars8) -> Result<ContentM, RejectionKind> {
    if c.pattern.is_empty() {
        return Err(invalid("content: empty pattern"));
    }
    let mut m = ContentM {
        pattern: c.pattern.clone(),
        nocase: c.nocase,
        negated: c.negated,
        offset: c.offset.as_ref().map(|v| vars.val(v)).transpose()?,
        depth: c.depth.as_ref().map(|v| vars.val(v)).transpose()?,
        distance: c.distance.as_ref().map(|v| vars.val(v)).transpose()?,
        within: c.within.as_ref().map(|v| vars.val(v)).transpose()?,
        endswith: c.endswith,
    };
    if c.startswith {
        let len = c.pattern.len() as i64;
        if m.is_relative() {
            m.within = Some(Val::Lit(len));
        } else {
            // depth counts from offset, as in Snort and Suricata
            m.depth = Some(Val::Lit(len));
        }
    }
    if let (Some(Val::Lit(w)), false) = (m.within, c.startswith) {
        if w < c.pattern.len() as i64 {
            return Err(invalid(format!(
                "content: within {w} is shorter than the pattern ({} bytes)",
                c.pattern.len()
            )));
        }
    }
    if let Some(Val::Lit(d)) = m.depth {
        if d < c.pattern.len() as i64 {
            return Err(invalid(format!(
                "content: depth {d} is shorter than the pattern ({} bytes)",
                c.pattern.len()
            )));
        }
    }
    Ok(m)
}

/// The byte count of byte_test/byte_jump: a literal, or a byte_extract /
/// byte_math variable read at run time (then the count used to validate the
/// rest of the options is a placeholder of 8 and the slot is returned).
fn lit_bytes(v: &IntOrVar, vars: &Vars8) -> Result<(u8, Option<u8>), RejectionKind> {
    match v {
        // 0 is accepted as Suricata does (ET uses `byte_test:0,=,0,0,string,dec`):
        // reading no bytes gives 0
        IntOrVar::Int(n) if (0..=23).contains(n) => Ok((*n as u8, None)),
        IntOrVar::Int(n) => Err(invalid(format!("byte count {n} out of range 0..23"))),
        IntOrVar::Var(_) => match vars.val(v)? {
            Val::Var(slot) => Ok((8, Some(slot))),
            Val::Lit(_) => unreachable!("a variable resolves to a slot"),
        },
    }
}

fn num_read(
    bytes: u8,
    endian: Endian,
    string: Option<warden_rules::NumBase>,
    bitmask: Option<u64>,
) -> Result<NumRead, RejectionKind> {
    if endian == Endian::Dce {
        return Err(unsupported("dce byte order (needs DCE/RPC)"));
    }
    // 0 is accepted (a read of nothing yields 0), as Suricata does
    if string.is_none() && bytes > 8 {
        return Err(invalid(format!(
            "{bytes} bytes: binary reads take 0 to 8 bytes"
        )));
    }
    Ok(NumRead {
        bytes,
        endian,
        string,
        bitmask,
    })
}

fn compile_pcre(p: &warden_rules::Pcre) -> Result<PcreM, RejectionKind> {
    let f = p.flags;
    let mut pattern = String::new();
    if f.has('G') {
        pattern.push_str("(?U)");
    }
    let mut body = p.pattern.clone();
    if f.has('E') && body.ends_with('$') && !body.ends_with("\\$") {
        body.pop();
        body.push_str("\\z");
    }
    if f.has('A') {
        pattern.push_str("\\G(?:");
        pattern.push_str(&body);
        pattern.push(')');
    } else {
        pattern.push_str(&body);
    }
    let regex = RegexBuilder::new()
        .caseless(f.has('i'))
        .dotall(f.has('s'))
        .multi_line(f.has('m'))
        .extended(f.has('x'))
        .jit_if_available(true)
        .build(&pattern)
        .map_err(|e| invalid(format!("pcre: {e}")))?;
    Ok(PcreM {
        regex: Arc::new(regex),
        negated: p.negated,
        relative: f.has('R'),
        source: p.pattern.clone(),
    })
}

fn ipopt(o: IpOpt) -> Result<warden_packet::Ipv4Options, RejectionKind> {
    use warden_packet::Ipv4Options as O;
    Ok(match o {
        IpOpt::Rr => O::RR,
        IpOpt::Eol => O::EOL,
        IpOpt::Nop => O::NOP,
        IpOpt::Ts => O::TS,
        IpOpt::Sec => O::SEC,
        IpOpt::Esec => O::ESEC,
        IpOpt::Lsrr | IpOpt::Lsrre => O::LSRR,
        IpOpt::Ssrr => O::SSRR,
        IpOpt::Satid => O::SATID,
        IpOpt::Any => O::ANY,
    })
}

/// The fast pattern of a transaction rule and the buffer it lives in: the
/// explicit `fast_pattern` if it is in an app buffer, else the longest
/// positive content of the app buffers.
fn pick_tx_fast_pattern(
    chains: &[BufferChain],
    explicit: Option<ExplicitFastPattern>,
) -> Option<(FastPattern, Buffer)> {
    if let Some((ci, ei, chop)) = explicit {
        let chain = chains.get(ci)?;
        if let (BufferKind::App(b), Some(Elem::Content(c))) = (chain.buffer, chain.elems.get(ei)) {
            let bytes = match chop {
                Some((off, len)) => {
                    let off = usize::from(off).min(c.pattern.len());
                    let end = (off + usize::from(len)).min(c.pattern.len());
                    c.pattern[off..end].to_vec()
                }
                None => c.pattern.clone(),
            };
            if let Some(bytes) = mpm_safe(chain, bytes) {
                return Some((FastPattern { bytes }, b));
            }
        }
    }
    chains
        .iter()
        .filter_map(|c| match c.buffer {
            BufferKind::App(b) => Some((b, c)),
            _ => None,
        })
        .flat_map(|(b, c)| {
            c.elems.iter().filter_map(move |e| match e {
                Elem::Content(m) if !m.negated => mpm_safe(c, m.pattern.clone()).map(|p| (p, b)),
                _ => None,
            })
        })
        .max_by_key(|(p, _)| p.len())
        .map(|(p, b)| (FastPattern { bytes: p }, b))
}

/// The pattern the automaton (which runs over the untransformed buffer,
/// ASCII case-insensitively) can search for so that it finds every buffer
/// the transformed content could match, or None when the chain's
/// transforms (or `absent: or_else`) make that impossible. Case transforms, `domain` and `tld` are harmless;
/// `dotprefix` only adds a leading dot, so the pattern loses its own.
fn mpm_safe(chain: &BufferChain, mut pattern: Vec<u8>) -> Option<Vec<u8>> {
    use crate::transform::CompiledTransform as T;
    // a missing buffer matches too: nothing in it can be required
    if chain.absent.is_some() {
        return None;
    }
    for t in &chain.transforms {
        match t {
            // the registrable domain and the public suffix are tails of
            // the buffer: a pattern in them is in the buffer
            T::ToLowercase | T::ToUppercase | T::Domain | T::Tld => {}
            T::Dotprefix => {
                if pattern.first() == Some(&b'.') {
                    pattern.remove(0);
                }
            }
            _ => return None,
        }
    }
    (!pattern.is_empty()).then_some(pattern)
}

/// Where a `fast_pattern` content sits: chain index, index in the chain,
/// chop.
type ExplicitFastPattern = (usize, usize, Option<(u16, u16)>);

/// The content the prefilter indexes the rule under: the explicit
/// `fast_pattern` if any, else the longest positive payload content.
fn pick_fast_pattern(
    chains: &[BufferChain],
    explicit: Option<ExplicitFastPattern>,
) -> Option<FastPattern> {
    let payload = chains
        .iter()
        .position(|c| c.buffer == BufferKind::Payload)?;
    if let Some((ci, ei, chop)) = explicit {
        if ci == payload {
            if let Some(Elem::Content(c)) = chains[payload].elems.get(ei) {
                let bytes = match chop {
                    Some((off, len)) => {
                        let off = usize::from(off).min(c.pattern.len());
                        let end = (off + usize::from(len)).min(c.pattern.len());
                        c.pattern[off..end].to_vec()
                    }
                    None => c.pattern.clone(),
                };
                if !bytes.is_empty() {
                    return Some(FastPattern { bytes });
                }
            }
        }
    }
    chains[payload]
        .elems
        .iter()
        .filter_map(|e| match e {
            Elem::Content(c) if !c.negated => Some(&c.pattern),
            _ => None,
        })
        .max_by_key(|p| p.len())
        .map(|p| FastPattern { bytes: p.clone() })
}

fn meta(rule: &Rule, ctx: &BuildContext<'_>) -> SigMeta {
    let m = &rule.meta;
    let class = m
        .classtype
        .as_deref()
        .and_then(|c| ctx.classifications.get(c));
    let severity = m
        .priority
        .or_else(|| class.map(|c| c.priority))
        .unwrap_or(3);
    let mut metadata: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in &m.metadata {
        match metadata.iter_mut().find(|(key, _)| key == k) {
            Some((_, vals)) => vals.push(v.clone()),
            None => metadata.push((k.clone(), vec![v.clone()])),
        }
    }
    SigMeta {
        gid: m.gid,
        sid: m.sid,
        rev: m.rev,
        msg: m.msg.clone(),
        category: class.map(|c| c.description.clone()).unwrap_or_default(),
        severity,
        metadata,
        target: m.target,
        file: rule.loc.file.clone(),
        line: rule.loc.line,
    }
}

/// Compiles one `xbits` option; `track tx` is not supported.
fn xbits(
    x: &warden_rules::Xbits,
    bits: &mut BitNames,
    cond: &mut Vec<crate::xbits::XbitsCond>,
    post: &mut Vec<crate::xbits::XbitsAction>,
    noalert: &mut bool,
) -> Result<(), RejectionKind> {
    use crate::xbits::{XbitOp, XbitTrack, XbitsAction, XbitsCond, DEFAULT_EXPIRE_SECS};
    use warden_rules::BitsTrack;
    let track = match x.track {
        Some(BitsTrack::IpSrc) => XbitTrack::IpSrc,
        Some(BitsTrack::IpDst) => XbitTrack::IpDst,
        Some(BitsTrack::IpPair) => XbitTrack::IpPair,
        Some(BitsTrack::Tx) => return Err(unsupported("xbits track tx")),
        None if x.cmd == BitsCmd::NoAlert => XbitTrack::IpSrc,
        None => return Err(invalid("xbits without track")),
    };
    let ids: Vec<u32> = x.names.iter().map(|n| bits.id(n)).collect();
    let expire_secs = x.expire.unwrap_or(DEFAULT_EXPIRE_SECS);
    let any = x.op == BitsOp::Or;
    let op = match x.cmd {
        BitsCmd::IsSet | BitsCmd::IsNotSet => {
            cond.push(XbitsCond {
                track,
                ids,
                any,
                set: x.cmd == BitsCmd::IsSet,
            });
            return Ok(());
        }
        BitsCmd::NoAlert => {
            *noalert = true;
            return Ok(());
        }
        BitsCmd::Set => XbitOp::Set,
        BitsCmd::Unset => XbitOp::Unset,
        BitsCmd::Toggle => XbitOp::Toggle,
    };
    post.extend(ids.into_iter().map(|id| XbitsAction {
        track,
        id,
        op,
        expire_secs,
    }));
    Ok(())
}

/// The keyword of an option, for "not supported yet" reasons.
fn option_name(o: &RuleOption) -> String {
    match o {
        RuleOption::Other { keyword, .. } => match *keyword {
            "filemagic" => "filemagic (no file type identification)".into(),
            "filestore" => "filestore (files are not extracted to disk)".into(),
            "filemd5" | "filesha1" | "filesha256" => {
                format!("{keyword} (files are not hashed)")
            }
            k => k.to_string(),
        },
        RuleOption::Urilen(_) => "urilen".into(),
        RuleOption::Base64Decode(_) => "base64_decode".into(),
        RuleOption::Xbits(_) => "xbits".into(),
        RuleOption::Hostbits(_) => "hostbits".into(),
        RuleOption::Flowint(_) => "flowint".into(),
        RuleOption::StreamSize(_) => "stream_size".into(),
        RuleOption::AppLayerProtocol { .. } => "app-layer-protocol".into(),
        RuleOption::SslState(_) => "ssl_state".into(),
        RuleOption::SslVersion(_) => "ssl_version".into(),
        RuleOption::TlsVersion(_) => "tls.version".into(),
        RuleOption::TlsCertExpired => "tls_cert_expired".into(),
        RuleOption::TlsCertValid => "tls_cert_valid".into(),
        RuleOption::StreamEvent(_) => "stream-event".into(),
        RuleOption::AppLayerEvent(_) => "app-layer-event".into(),
        RuleOption::Tag(_) => "tag".into(),
        other => {
            let dbg = format!("{other:?}");
            dbg.split(['(', ' ', '{'])
                .next()
                .unwrap_or("?")
                .to_lowercase()
        }
    }
}
