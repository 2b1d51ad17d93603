//! The plain data callers hand to the writers.
//!
//! Nothing here knows about packets or rules: the engine copies (or
//! borrows) what an event needs into these structs, and the writers render
//! them. Everything borrows, so building a record allocates nothing.

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

/// The rule part of a `drop` event (`alert` object without metadata).
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
    /// TCP flags seen, (both, to server, to client), for TCP flows.
    pub tcp_flags: Option<(u8, u8, u8)>,
    /// TCP session state name (Suricata's), for TCP flows.
    pub tcp_state: Option<&'a str>,
}
