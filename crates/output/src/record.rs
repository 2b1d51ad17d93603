//! The plain data callers hand to the writers.
//!
//! Nothing here knows about packets or rules: the engine copies (or
//! borrows) what an event needs into these structs, and the writers render
//! them. Everything borrows, so building a record allocates nothing.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::time::Timestamp;

/// One alert, as Suricata's EVE `alert` event and fast.log line show it.
///
/// Optional fields are omitted from the output when `None` (or empty), the
/// way Suricata omits them: ports for protocols without ports, ICMP type
/// and code for non-ICMP, `flow`/`app_proto`/`direction` for packets with
/// no flow, `pcap_cnt` for live capture, `in_iface` for file reads.
#[derive(Debug, Clone, Copy)]
pub struct AlertRecord<'a> {
    /// Packet time.
    pub ts: Timestamp,
    /// The flow's id (Suricata prints it as an integer).
    pub flow_id: Option<u64>,
    /// 1-based packet number when reading a capture file.
    pub pcap_cnt: Option<u64>,
    /// Capture interface when running live.
    pub in_iface: Option<&'a str>,
    /// Source address of the packet (ignored when `ip_v` is 0).
    pub src_ip: IpAddr,
    /// Source port (TCP, UDP, SCTP).
    pub src_port: Option<u16>,
    /// Destination address of the packet.
    pub dest_ip: IpAddr,
    /// Destination port (TCP, UDP, SCTP).
    pub dest_port: Option<u16>,
    /// IP protocol number, rendered by name (`6` → `"TCP"`).
    pub proto: u8,
    /// IP version, 4 or 6.
    pub ip_v: u8,
    /// ICMP/ICMPv6 type.
    pub icmp_type: Option<u8>,
    /// ICMP/ICMPv6 code.
    pub icmp_code: Option<u8>,
    /// VLAN ids, outermost first; empty for none.
    pub vlan: &'a [u16],
    /// Where the packet came from, e.g. `"wire/pcap"`, `"stream (flow timeout)"`.
    pub pkt_src: &'a str,
    /// App-layer transaction the alert belongs to.
    pub tx_id: Option<u64>,
    /// App-layer protocol of the flow (`"http"`, `"failed"`).
    pub app_proto: Option<&'a str>,
    /// `"to_server"` or `"to_client"`.
    pub direction: Option<&'a str>,
    /// `"allowed"`, `"blocked"` or `"would_drop"`.
    pub action: &'a str,
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Signature revision.
    pub rev: u32,
    /// The rule's `msg`.
    pub signature: &'a str,
    /// Classification description (empty when the rule has no classtype).
    pub category: &'a str,
    /// Priority (1 highest).
    pub severity: u8,
    /// Rule metadata: key → values, in the order to print.
    pub metadata: &'a [(String, Vec<String>)],
    /// For rules with `target:`: the attack's source and target.
    pub source_target: Option<SourceTarget>,
    /// Flow counters and endpoints.
    pub flow: Option<FlowSummary>,
    /// Payload to log (base64 `payload` and `stream`); `None` disables
    /// payload logging for this alert.
    pub payload: Option<&'a [u8]>,
    /// Also log `payload_printable` (needs `payload`).
    pub payload_printable: bool,
    /// Whole packet to log as base64 `packet` plus `packet_info`.
    pub packet: Option<&'a [u8]>,
    /// Link type of `packet` (pcap `LINKTYPE_*`, 1 = Ethernet).
    pub packet_linktype: u32,
    /// 1 when the payload is reassembled stream data, 0 for a packet.
    pub stream: u8,
    /// Ruleset that produced the alert (warden extension, see
    /// [`RulesetTag`]).
    pub ruleset: Option<RulesetTag<'a>>,
    /// The transaction's protocol object, logged inside the alert as
    /// Suricata does (same fields as the protocol's own event).
    pub app_object: Option<AppObject<'a>>,
    /// The engine's final verdict on the packet (`verdict: yes`):
    /// `"alert"`, `"drop"`, `"pass"`.
    pub verdict: Option<&'a str>,
    /// For a packet decoded from inside a tunnel: the outer packet.
    pub tunnel: Option<TunnelInfo>,
    /// Asset-aware scoping of a CVE rule (warden extension, see
    /// [`AlertScope`]).
    pub scope: Option<AlertScope<'a>>,
}

/// Why a drop/reject rule tied to a CVE enforced or only alerted on this
/// packet, by what the asset inventory says of its target: the alert's
/// `scope` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertScope<'a> {
    /// The address the decision is about (the rule's target).
    pub asset: IpAddr,
    /// `"enforce"` or `"alert-only"`.
    pub decision: &'a str,
    /// E.g. `"patched CVE-2023-1234"`.
    pub reason: &'a str,
}

/// The outer packet of a tunnelled one, as the alert's `tunnel` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelInfo {
    /// Source address of the outer packet.
    pub src_ip: IpAddr,
    /// Destination address of the outer packet.
    pub dest_ip: IpAddr,
    /// Outer IP protocol (4 = IP-in-IP, 41 = IPv6).
    pub proto: u8,
    /// Nesting depth of the outer packet (0 for the captured one).
    pub depth: u8,
}

impl<'a> AlertRecord<'a> {
    /// A record with every optional field empty; set the rest by field.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ts: Timestamp,
        src_ip: IpAddr,
        dest_ip: IpAddr,
        proto: u8,
        gid: u32,
        sid: u32,
        rev: u32,
        signature: &'a str,
    ) -> Self {
        AlertRecord {
            ts,
            flow_id: None,
            pcap_cnt: None,
            in_iface: None,
            src_ip,
            src_port: None,
            dest_ip,
            dest_port: None,
            proto,
            ip_v: if src_ip.is_ipv4() { 4 } else { 6 },
            icmp_type: None,
            icmp_code: None,
            vlan: &[],
            pkt_src: "wire/pcap",
            tx_id: None,
            app_proto: None,
            direction: None,
            action: "allowed",
            gid,
            sid,
            rev,
            signature,
            category: "",
            severity: 3,
            metadata: &[],
            source_target: None,
            flow: None,
            payload: None,
            payload_printable: false,
            packet: None,
            packet_linktype: 1,
            stream: 0,
            ruleset: None,
            app_object: None,
            verdict: None,
            tunnel: None,
            scope: None,
        }
    }

    /// The envelope fields shared with other packet events.
    pub fn header(&self) -> PacketHeader<'a> {
        PacketHeader {
            ts: self.ts,
            flow_id: self.flow_id,
            pcap_cnt: self.pcap_cnt,
            in_iface: self.in_iface,
            vlan: self.vlan,
            src_ip: self.src_ip,
            src_port: self.src_port,
            dest_ip: self.dest_ip,
            dest_port: self.dest_port,
            proto: self.proto,
            ip_v: self.ip_v,
            icmp_type: self.icmp_type,
            icmp_code: self.icmp_code,
            pkt_src: self.pkt_src,
        }
    }
}

/// The protocol object an alert carries.
#[derive(Debug, Clone, Copy)]
pub enum AppObject<'a> {
    /// `"http":{...}`
    Http(&'a HttpFields<'a>),
    /// `"tls":{...}`
    Tls(&'a TlsFields<'a>),
    /// `"dns":{...}`
    Dns(&'a DnsFields<'a>),
}

/// The envelope of any packet event (`alert`, `drop`): everything up to and
/// including `pkt_src`.
#[derive(Debug, Clone, Copy)]
pub struct PacketHeader<'a> {
    /// Packet time.
    pub ts: Timestamp,
    /// The flow's id.
    pub flow_id: Option<u64>,
    /// 1-based packet number when reading a capture file.
    pub pcap_cnt: Option<u64>,
    /// Capture interface when running live.
    pub in_iface: Option<&'a str>,
    /// VLAN ids, outermost first.
    pub vlan: &'a [u16],
    /// Source address.
    pub src_ip: IpAddr,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination address.
    pub dest_ip: IpAddr,
    /// Destination port.
    pub dest_port: Option<u16>,
    /// IP protocol number.
    pub proto: u8,
    /// IP version.
    pub ip_v: u8,
    /// ICMP type.
    pub icmp_type: Option<u8>,
    /// ICMP code.
    pub icmp_code: Option<u8>,
    /// Packet source, e.g. `"wire/pcap"`.
    pub pkt_src: &'a str,
}

/// An address and optional port, for `alert.source` / `alert.target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Address.
    pub ip: IpAddr,
    /// Port; absent for ICMP and portless protocols.
    pub port: Option<u16>,
}

/// `alert.source` and `alert.target` for rules using `target:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceTarget {
    /// The attacker side.
    pub source: Endpoint,
    /// The attacked side.
    pub target: Endpoint,
}

/// The `flow` object of an alert: counters so far and the endpoints as the
/// flow's originator sees them (so they may be the packet's reverse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowSummary {
    /// Packets from originator to responder.
    pub pkts_toserver: u64,
    /// Packets from responder to originator.
    pub pkts_toclient: u64,
    /// Bytes from originator to responder.
    pub bytes_toserver: u64,
    /// Bytes from responder to originator.
    pub bytes_toclient: u64,
    /// Time of the flow's first packet.
    pub start: Timestamp,
    /// Originator address.
    pub src_ip: IpAddr,
    /// Responder address.
    pub dest_ip: IpAddr,
    /// Originator port.
    pub src_port: Option<u16>,
    /// Responder port.
    pub dest_port: Option<u16>,
}

/// Which ruleset generation produced an event (warden extension). Rendered
/// as a trailing `"warden":{"ruleset":{"generation":N,"hash":"..."}}`
/// object, which Suricata consumers ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulesetTag<'a> {
    /// Increments on every successful load or reload.
    pub generation: u64,
    /// Content hash of the loaded rules, hex.
    pub hash: &'a str,
}

/// One `drop` event (IPS mode): the dropped packet's header fields.
#[derive(Debug, Clone, Copy)]
pub struct DropRecord<'a> {
    /// Envelope fields.
    pub header: PacketHeader<'a>,
    /// IP header details.
    pub ip: DropIp,
    /// Transport header details.
    pub l4: DropL4,
    /// Why the packet was dropped, in Suricata's words (`"rules"`,
    /// `"stream error"`, `"decode error"`, ...).
    pub reason: Option<&'a str>,
    /// The rule that dropped it, when a rule did.
    pub alert: Option<DropAlert<'a>>,
    /// Ruleset live when it was dropped (warden extension, see
    /// [`RulesetTag`]).
    pub ruleset: Option<RulesetTag<'a>>,
}

/// IP-layer fields of a dropped packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropIp {
    /// IPv4: total length, TOS, TTL, identification.
    V4 {
        /// Total length.
        len: u16,
        /// Type of service.
        tos: u8,
        /// Time to live.
        ttl: u8,
        /// Identification.
        ipid: u16,
    },
    /// IPv6: payload length, traffic class, hop limit, flow label.
    V6 {
        /// Payload length.
        len: u16,
        /// Traffic class.
        tc: u8,
        /// Hop limit.
        hoplimit: u8,
        /// Flow label.
        flowlbl: u32,
    },
}

/// Transport-layer fields of a dropped packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropL4 {
    /// Nothing decoded (or another protocol).
    None,
    /// TCP header fields; `flags` is the raw flags byte (FIN = 0x01 ...
    /// URG = 0x20), `res` the reserved bits.
    Tcp {
        /// Sequence number.
        seq: u32,
        /// Acknowledgement number.
        ack: u32,
        /// Window.
        win: u16,
        /// Flags byte.
        flags: u8,
        /// Reserved bits.
        res: u8,
        /// Urgent pointer.
        urgp: u16,
    },
    /// UDP length field.
    Udp {
        /// Length field of the UDP header.
        len: u16,
    },
    /// ICMP echo id and sequence.
    Icmp {
        /// Identifier.
        id: u16,
        /// Sequence.
        seq: u16,
    },
}

/// The rule part of a `drop` event: Suricata's `alert` object without the
/// rule metadata, except the rule's owners (`metadata: owner TEAM`), which
/// warden keeps so whoever answers for a block is named in its event.
#[derive(Debug, Clone, Copy)]
pub struct DropAlert<'a> {
    /// Usually `"blocked"`.
    pub action: &'a str,
    /// Generator id.
    pub gid: u32,
    /// Signature id.
    pub sid: u32,
    /// Revision.
    pub rev: u32,
    /// Rule message.
    pub signature: &'a str,
    /// Classification description.
    pub category: &'a str,
    /// Priority.
    pub severity: u8,
    /// The rule's `owner` metadata values, rendered as
    /// `"metadata":{"owner":[...]}` when not empty.
    pub owners: &'a [String],
}

/// A finished flow, for Suricata's `event_type: "flow"` record: written
/// when the flow times out or when the engine shuts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRecord<'a> {
    /// When the record is written (packet time of expiry, or last packet).
    pub ts: Timestamp,
    /// The flow's id, as in its alerts.
    pub flow_id: u64,
    /// VLAN ids of the flow.
    pub vlan: &'a [u16],
    /// Originator (client) address and port.
    pub src_ip: IpAddr,
    /// Originator port (TCP/UDP only).
    pub src_port: Option<u16>,
    /// Responder (server) address.
    pub dest_ip: IpAddr,
    /// Responder port (TCP/UDP only).
    pub dest_port: Option<u16>,
    /// IP protocol number.
    pub proto: u8,
    /// Application protocol, when known.
    pub app_proto: Option<&'a str>,
    /// ICMP type/code of the first packet each way (ICMP flows).
    pub icmp: Option<(u8, u8)>,
    /// ICMP type/code of the first reply.
    pub response_icmp: Option<(u8, u8)>,
    /// Counters and times.
    pub counts: FlowSummary,
    /// Time of the last packet.
    pub end: Timestamp,
    /// `"new"`, `"established"` or `"closed"`.
    pub state: &'a str,
    /// `"timeout"`, `"forced"` or `"shutdown"`.
    pub reason: &'a str,
    /// Whether any alert fired on the flow.
    pub alerted: bool,
    /// `drop` when an inline verdict dropped the flow, `pass` when a pass
    /// rule stopped its inspection.
    pub action: Option<&'a str>,
    /// TCP flags seen, (both, to server, to client), for TCP flows.
    pub tcp_flags: Option<(u8, u8, u8)>,
    /// TCP session state name (Suricata's), for TCP flows with a session.
    pub tcp_state: Option<&'a str>,
    /// Packets came before any session while midstream pick-up was off:
    /// logged as the `stream_midstream` exception policy `ignore`.
    pub midstream_ignored: bool,
    /// Most regions of stream data held at once (to server, to client),
    /// Suricata's `ts_max_regions`/`tc_max_regions`; written with the
    /// state.
    pub max_regions: Option<(u32, u32)>,
}

/// The envelope of an app-layer event (`http`, `tls`, `dns`): everything
/// up to and including `pkt_src` (and the flowbits `metadata`).
///
/// Addresses are given as the event shows them: for `http` and `tls`
/// Suricata writes the flow's client → server orientation whatever packet
/// triggered the log; for `dns` it writes the direction of the message
/// (a response comes from the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppHeader<'a> {
    /// Time of the packet that completed the transaction.
    pub ts: Timestamp,
    /// The flow's id.
    pub flow_id: u64,
    /// 1-based packet number when reading a capture file; `None` when the
    /// record is written without a packet (flow timeout, shutdown) or live.
    pub pcap_cnt: Option<u64>,
    /// Capture interface when running live.
    pub in_iface: Option<&'a str>,
    /// VLAN ids of the flow, outermost first.
    pub vlan: &'a [u16],
    /// Source address.
    pub src_ip: IpAddr,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination address.
    pub dest_ip: IpAddr,
    /// Destination port.
    pub dest_port: Option<u16>,
    /// IP protocol number, rendered by name.
    pub proto: u8,
    /// IP version, 4 or 6.
    pub ip_v: u8,
    /// Packet source, e.g. `"wire/pcap"`, `"stream (flow timeout)"`.
    pub pkt_src: &'a str,
    /// Names of the flowbits set on the flow, rendered as
    /// `"metadata":{"flowbits":[...]}` when not empty.
    pub flowbits: &'a [&'a str],
}

impl<'a> AppHeader<'a> {
    /// An envelope with `pcap_cnt`, `in_iface`, VLANs and flowbits empty,
    /// `ip_v` taken from `src_ip` and `pkt_src` `"wire/pcap"`.
    pub fn new(
        ts: Timestamp,
        flow_id: u64,
        src: (IpAddr, Option<u16>),
        dest: (IpAddr, Option<u16>),
        proto: u8,
    ) -> Self {
        AppHeader {
            ts,
            flow_id,
            pcap_cnt: None,
            in_iface: None,
            vlan: &[],
            src_ip: src.0,
            src_port: src.1,
            dest_ip: dest.0,
            dest_port: dest.1,
            proto,
            ip_v: if src.0.is_ipv4() { 4 } else { 6 },
            pkt_src: "wire/pcap",
            flowbits: &[],
        }
    }
}

/// One EVE `http` event: the envelope, `tx_id` and the `http` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpRecord<'a> {
    /// Envelope (client → server orientation).
    pub header: AppHeader<'a>,
    /// The transaction's number on the flow.
    pub tx_id: u64,
    /// The `http` object.
    pub http: HttpFields<'a>,
}

/// The `http` object of an `http` event: the basic fields (host, port,
/// url, user agent) and, with Suricata's `extended: yes` logging, the
/// others. Byte fields are raw protocol bytes, rendered the way Suricata
/// renders byte buffers (bytes 0x80 and above as `\xNN`). `None` fields are
/// omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HttpFields<'a> {
    /// `hostname`: normalised host, no port.
    pub hostname: Option<&'a [u8]>,
    /// `http_port`: port given in the Host header.
    pub http_port: Option<u16>,
    /// `url`: the raw request target.
    pub url: Option<&'a [u8]>,
    /// `http_user_agent`.
    pub http_user_agent: Option<&'a [u8]>,
    /// `http_content_type`: the response media type, parameters cut.
    pub http_content_type: Option<&'a [u8]>,
    /// `content_range`: the response's Content-Range.
    pub content_range: Option<ContentRange<'a>>,
    /// `http_refer`.
    pub http_refer: Option<&'a [u8]>,
    /// `http_method`.
    pub http_method: Option<&'a [u8]>,
    /// `protocol`.
    pub protocol: Option<&'a [u8]>,
    /// `status`.
    pub status: Option<u16>,
    /// `redirect`: the response's Location.
    pub redirect: Option<&'a [u8]>,
    /// `length`: response body bytes (dechunked, not decompressed).
    pub length: Option<u64>,
}

/// `http.content_range`: the raw header value and, when it parses, its
/// numbers (each absent when given as `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange<'a> {
    /// The header value as sent.
    pub raw: &'a [u8],
    /// First byte position.
    pub start: Option<u64>,
    /// Last byte position.
    pub end: Option<u64>,
    /// Complete length.
    pub size: Option<u64>,
}

impl<'a> ContentRange<'a> {
    /// Parses a Content-Range value the way Suricata does for EVE:
    /// `bytes START-END/SIZE`, where the range or the size may be `*`
    /// (and the `bytes` unit may be missing). A value that does not parse
    /// keeps only `raw`.
    pub fn parse(raw: &'a [u8]) -> Self {
        let mut cr = ContentRange {
            raw,
            start: None,
            end: None,
            size: None,
        };
        if let Some((start, end, size)) = parse_content_range(raw) {
            cr.start = start;
            cr.end = end;
            cr.size = size;
        }
        cr
    }
}

type RangeParts = (Option<u64>, Option<u64>, Option<u64>);

fn parse_content_range(raw: &[u8]) -> Option<RangeParts> {
    fn num(s: &[u8]) -> Option<u64> {
        if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    }
    fn trim(mut s: &[u8]) -> &[u8] {
        while let [b' ' | b'\t', rest @ ..] = s {
            s = rest;
        }
        while let [rest @ .., b' ' | b'\t'] = s {
            s = rest;
        }
        s
    }
    let mut s = trim(raw);
    if s.len() >= 5 && s[..5].eq_ignore_ascii_case(b"bytes") {
        s = trim(&s[5..]);
    }
    let slash = s.iter().position(|&b| b == b'/')?;
    let (range, size) = (trim(&s[..slash]), trim(&s[slash + 1..]));
    let size = if size == b"*" { None } else { Some(num(size)?) };
    let (start, end) = if range == b"*" {
        (None, None)
    } else {
        let dash = range.iter().position(|&b| b == b'-')?;
        let start = num(trim(&range[..dash]))?;
        let end = num(trim(&range[dash + 1..]))?;
        if end < start {
            return None;
        }
        (Some(start), Some(end))
    };
    Some((start, end, size))
}

/// One EVE `tls` event: the envelope and the `tls` object (TLS events carry
/// no `tx_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRecord<'a> {
    /// Envelope (client → server orientation).
    pub header: AppHeader<'a>,
    /// The `tls` object.
    pub tls: TlsFields<'a>,
}

/// The `tls` object (Suricata's default field set, in its order). Absent
/// fields are `None` / empty and omitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsFields<'a> {
    /// Server certificate subject.
    pub subject: Option<&'a str>,
    /// Server certificate issuer.
    pub issuerdn: Option<&'a str>,
    /// DNS subject alternative names (omitted when empty).
    pub subjectaltname: &'a [String],
    /// Session resumed (written only when true).
    pub session_resumed: bool,
    /// Certificate serial, `AA:BB:...`.
    pub serial: Option<&'a str>,
    /// Certificate SHA-1 fingerprint, `aa:bb:...`.
    pub fingerprint: Option<&'a str>,
    /// SNI as sent. Suricata keeps it as a C string: it is cut at the first
    /// NUL, and omitted when it is not valid UTF-8.
    pub sni: Option<&'a [u8]>,
    /// `TLS 1.2`, `TLSv1`, `UNDETERMINED`, a number, ...
    pub version: Cow<'a, str>,
    /// Certificate validity start, `YYYY-MM-DDTHH:MM:SS`.
    pub notbefore: Option<Cow<'a, str>>,
    /// Certificate validity end.
    pub notafter: Option<Cow<'a, str>>,
    /// JA3 (hash, string).
    pub ja3: Option<(&'a str, &'a str)>,
    /// JA3S (hash, string).
    pub ja3s: Option<(&'a str, &'a str)>,
    /// JA4.
    pub ja4: Option<&'a str>,
    /// ALPNs offered by the client (omitted when empty).
    pub client_alpns: &'a [Vec<u8>],
    /// ALPNs chosen by the server (omitted when empty).
    pub server_alpns: &'a [Vec<u8>],
    /// The client certificate, when the client sent one (`client` object).
    pub client: Option<TlsClientCert<'a>>,
    /// `from_proto`: the protocol the flow upgraded from (`"http"` after a
    /// CONNECT).
    pub from_proto: Option<&'a str>,
}

/// The `tls.client` object: the client certificate's fields (in this order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsClientCert<'a> {
    /// Subject.
    pub subject: Option<&'a str>,
    /// Issuer.
    pub issuerdn: Option<&'a str>,
    /// SHA-1 fingerprint.
    pub fingerprint: Option<&'a str>,
    /// Serial.
    pub serial: Option<&'a str>,
    /// Validity start.
    pub notbefore: Option<Cow<'a, str>>,
    /// Validity end.
    pub notafter: Option<Cow<'a, str>>,
}

/// One EVE `dns` event (Suricata 8, version 3 format: one event per DNS
/// message, request or response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord<'a> {
    /// Envelope, in the direction of the message.
    pub header: AppHeader<'a>,
    /// The `dns` object.
    pub dns: DnsFields<'a>,
}

/// A DNS record type (or rcode) as EVE prints it: Suricata's name when it
/// has one, else the decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsCode {
    /// The numeric value.
    pub code: u16,
    /// Suricata's name for it, if any.
    pub name: Option<&'static str>,
}

/// The `dns` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsFields<'a> {
    /// `"request"` (message to the server) or `"response"`.
    pub is_request: bool,
    /// The transaction's number on the flow (inside the `dns` object).
    pub tx_id: u64,
    /// DNS message id.
    pub id: u16,
    /// Header flags word; rendered as hex `flags` plus the `qr`, `aa`, `tc`,
    /// `rd`, `ra`, `z` booleans that are set.
    pub flags: u16,
    /// Opcode.
    pub opcode: u8,
    /// Response code.
    pub rcode: DnsCode,
    /// Question section (`queries`, omitted when empty).
    pub queries: Vec<DnsQueryEntry<'a>>,
    /// Answer section (`answers` and `grouped`, omitted when empty).
    pub answers: Vec<DnsAnswerEntry<'a>>,
    /// Authority section (`authorities`, omitted when empty).
    pub authorities: Vec<DnsAnswerEntry<'a>>,
    /// Additional section (`additionals`, omitted when empty).
    pub additionals: Vec<DnsAnswerEntry<'a>>,
}

/// One entry of `dns.queries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsQueryEntry<'a> {
    /// Name as decoded (dotted, raw bytes).
    pub rrname: &'a [u8],
    /// Query type.
    pub rrtype: DnsCode,
    /// The name was cut at the length limit (`rrname_truncated`).
    pub rrname_truncated: bool,
}

/// One resource record of `answers`, `authorities` or `additionals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsAnswerEntry<'a> {
    /// Owner name.
    pub rrname: &'a [u8],
    /// Record type.
    pub rrtype: DnsCode,
    /// The owner name was cut at the length limit (`rrname_truncated`).
    pub rrname_truncated: bool,
    /// TTL.
    pub ttl: u32,
    /// Record data, in the form EVE logs it.
    pub rdata: DnsRData<'a>,
    /// The name in the data (CNAME, NS, PTR, MX) was cut at the length
    /// limit (`rdata_truncated`).
    pub rdata_truncated: bool,
}

/// Record data as EVE logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRData<'a> {
    /// Nothing logged (DNSKEY, RRSIG, DS, ... and undecodable data).
    None,
    /// `rdata` as a dotted quad.
    A([u8; 4]),
    /// `rdata` as eight 4-digit hex groups.
    Aaaa([u8; 16]),
    /// `rdata` as a byte string (names, MX exchange, NULL data).
    Bytes(&'a [u8]),
    /// TXT character strings: Suricata writes one record object per
    /// string (each with that string as `rdata`) and lists each string in
    /// `grouped`.
    Txt(&'a [Vec<u8>]),
    /// `soa` object.
    Soa {
        /// Primary name server.
        mname: &'a [u8],
        /// Responsible mailbox.
        rname: &'a [u8],
        /// Serial.
        serial: u32,
        /// Refresh.
        refresh: u32,
        /// Retry.
        retry: u32,
        /// Expire.
        expire: u32,
        /// Minimum TTL.
        minimum: u32,
    },
    /// `srv` object.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target.
        name: &'a [u8],
    },
    /// `opt` array of EDNS options (code, data as lower-case hex). In
    /// `additionals`, an OPT record without options is not written.
    Opt(&'a [(u16, Vec<u8>)]),
}

/// One EVE `fileinfo` event: a file seen in a transaction, written when
/// the file ends (or at the flow's end, truncated).
///
/// The envelope follows the file's direction: a response body's file goes
/// server → client, a request body's file client → server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileinfoRecord<'a> {
    /// Envelope (the file's direction).
    pub header: AppHeader<'a>,
    /// The transaction's `http` object, for files carried by HTTP.
    pub http: Option<HttpFields<'a>>,
    /// `app_proto`: the flow's application protocol (`"http"`).
    pub app_proto: &'a str,
    /// The `fileinfo` object.
    pub file: FileFields<'a>,
}

/// The `fileinfo` object, in Suricata's key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileFields<'a> {
    /// `filename`: raw bytes, rendered as Suricata renders byte buffers.
    pub filename: &'a [u8],
    /// `sid`: rules that matched the file (left out when empty).
    pub sids: &'a [u32],
    /// `gaps`: bytes of the file were lost.
    pub gaps: bool,
    /// `state`: `CLOSED`, `TRUNCATED`, `ERROR` (or `UNKNOWN`).
    pub state: &'a str,
    /// `md5` (hex), only for a closed file whose hashes were computed.
    pub md5: Option<&'a str>,
    /// `sha1` (hex), as `md5`.
    pub sha1: Option<&'a str>,
    /// `sha256` (hex), as `md5`.
    pub sha256: Option<&'a str>,
    /// `stored`: written to the file store (always `false` here).
    pub stored: bool,
    /// `size`: decoded bytes of the file.
    pub size: u64,
    /// `tx_id`: the transaction the file belongs to.
    pub tx_id: u64,
}
