//! EVE JSON: one event object per line, keys in Suricata's order.
//!
//! [`EveWriter`] owns a [`BufWriter`] over any `io::Write` and a scratch
//! `Vec<u8>` that is cleared, not freed, between events: once it has grown
//! to the largest event seen, writing an alert or drop allocates nothing.
//! The `render_*` functions append one event (without the newline) to a
//! caller's buffer, for sinks that are not a byte stream.

use std::io::{self, BufWriter, Write};

use crate::eve_app::{render_dns, render_http, render_tls};
use crate::eve_file::render_fileinfo;
use crate::json::JsonBuf;
use crate::proto::write_proto;
use crate::record::{
    AlertRecord, AppObject, DnsRecord, DropIp, DropL4, DropRecord, Endpoint, FileinfoRecord,
    FlowRecord, HttpRecord, PacketHeader, RulesetTag, TlsRecord,
};
use crate::stats::{render_stats_into, StatsSnapshot};
use crate::time::Timestamp;

/// Writes EVE events, one JSON object per line.
pub struct EveWriter<W: Write> {
    out: BufWriter<W>,
    buf: Vec<u8>,
}

impl<W: Write> EveWriter<W> {
    /// Wraps `w` with a 64 KiB write buffer.
    pub fn new(w: W) -> Self {
        EveWriter {
            out: BufWriter::with_capacity(64 * 1024, w),
            buf: Vec::with_capacity(4096),
        }
    }

    /// Writes one `alert` event.
    pub fn alert(&mut self, r: &AlertRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_alert(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `drop` event.
    pub fn drop_event(&mut self, r: &DropRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_drop(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `flow` event.
    pub fn flow(&mut self, r: &FlowRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_flow(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `http` event.
    pub fn http(&mut self, r: &HttpRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_http(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `tls` event.
    pub fn tls(&mut self, r: &TlsRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_tls(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `dns` event.
    pub fn dns(&mut self, r: &DnsRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_dns(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `fileinfo` event.
    pub fn fileinfo(&mut self, r: &FileinfoRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_fileinfo(&mut self.buf, r);
        self.emit()
    }

    /// Writes one `stats` event stamped `ts`.
    pub fn stats(&mut self, ts: Timestamp, s: &StatsSnapshot) -> io::Result<()> {
        self.buf.clear();
        render_stats_into(&mut self.buf, ts, s);
        self.emit()
    }

    /// Pushes buffered lines to the underlying writer and flushes it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        self.out.get_ref()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }

    fn emit(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)
    }
}

/// Writes the shared envelope, from `timestamp` to `pkt_src`.
fn write_header(j: &mut JsonBuf<'_>, h: &PacketHeader<'_>, event_type: &str) {
    j.raw_str_with("timestamp", |o| h.ts.write_iso(o));
    if let Some(id) = h.flow_id {
        j.u64("flow_id", id);
    }
    if let Some(i) = h.in_iface {
        j.str("in_iface", i);
    }
    if let Some(c) = h.pcap_cnt {
        j.u64("pcap_cnt", c);
    }
    j.str("event_type", event_type);
    write_vlan(j, h.vlan);
    // ip_v 0: the packet has no usable IP layer, so no addresses, ports
    // or protocol are logged (as Suricata does for such packets).
    if h.ip_v != 0 {
        write_endpoints(j, h.src_ip, h.src_port, h.dest_ip, h.dest_port);
        j.raw_str_with("proto", |o| write_proto(o, h.proto));
        j.u64("ip_v", u64::from(h.ip_v));
        if let Some(t) = h.icmp_type {
            j.u64("icmp_type", u64::from(t));
        }
        if let Some(c) = h.icmp_code {
            j.u64("icmp_code", u64::from(c));
        }
    }
    j.str("pkt_src", h.pkt_src);
}

fn write_endpoint(j: &mut JsonBuf<'_>, key: &str, e: &Endpoint) {
    j.begin_object_key(key);
    j.ip("ip", e.ip);
    if let Some(p) = e.port {
        j.u64("port", u64::from(p));
    }
    j.end_object();
}

/// Appends one `alert` event (no trailing newline) to `out`.
pub fn render_alert(out: &mut Vec<u8>, r: &AlertRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_header(&mut j, &r.header(), "alert");
    if let Some(t) = r.tx_id {
        j.u64("tx_id", t);
    }

    j.begin_object_key("alert");
    j.str("action", r.action);
    j.u64("gid", u64::from(r.gid));
    j.u64("signature_id", u64::from(r.sid));
    j.u64("rev", u64::from(r.rev));
    j.str("signature", r.signature);
    j.str("category", r.category);
    j.u64("severity", u64::from(r.severity));
    if let Some(st) = &r.source_target {
        write_endpoint(&mut j, "source", &st.source);
        write_endpoint(&mut j, "target", &st.target);
    }
    if !r.metadata.is_empty() {
        j.begin_object_key("metadata");
        for (k, vs) in r.metadata {
            j.begin_array_key(k);
            for v in vs {
                j.elem_str(v);
            }
            j.end_array();
        }
        j.end_object();
    }
    if let Some(sc) = &r.scope {
        j.begin_object_key("scope");
        j.ip("asset", sc.asset);
        j.str("decision", sc.decision);
        j.str("reason", sc.reason);
        j.end_object();
    }
    j.end_object();

    if let Some(t) = &r.tunnel {
        j.begin_object_key("tunnel");
        j.ip("src_ip", t.src_ip);
        j.ip("dest_ip", t.dest_ip);
        j.raw_str_with("proto", |o| write_proto(o, t.proto));
        j.u64("depth", u64::from(t.depth));
        j.end_object();
    }
    match r.app_object {
        Some(AppObject::Http(h)) => crate::eve_app::write_http_object(&mut j, h),
        Some(AppObject::Tls(t)) => crate::eve_app::write_tls_object(&mut j, t),
        Some(AppObject::Dns(d)) => crate::eve_app::write_dns_object(&mut j, d),
        None => {}
    }
    if let Some(a) = r.app_proto {
        j.str("app_proto", a);
    }
    if let Some(d) = r.direction {
        j.str("direction", d);
    }
    if let Some(f) = &r.flow {
        j.begin_object_key("flow");
        j.u64("pkts_toserver", f.pkts_toserver);
        j.u64("pkts_toclient", f.pkts_toclient);
        j.u64("bytes_toserver", f.bytes_toserver);
        j.u64("bytes_toclient", f.bytes_toclient);
        j.raw_str_with("start", |o| f.start.write_iso(o));
        j.ip("src_ip", f.src_ip);
        j.ip("dest_ip", f.dest_ip);
        if let Some(p) = f.src_port {
            j.u64("src_port", u64::from(p));
        }
        if let Some(p) = f.dest_port {
            j.u64("dest_port", u64::from(p));
        }
        j.end_object();
    }
    if let Some(p) = r.payload {
        j.base64("payload", p);
        if r.payload_printable {
            j.raw_str_with("payload_printable", |o| write_printable(o, p));
        }
        j.u64("stream", u64::from(r.stream));
    }
    if let Some(p) = r.packet {
        j.base64("packet", p);
        j.begin_object_key("packet_info");
        j.u64("linktype", u64::from(r.packet_linktype));
        if let Some(name) = linktype_name(r.packet_linktype) {
            j.str("linktype_name", name);
        }
        j.end_object();
    }
    if let Some(v) = r.verdict {
        j.begin_object_key("verdict");
        j.str("action", v);
        j.end_object();
    }
    if let Some(t) = &r.ruleset {
        write_ruleset(&mut j, t);
    }
    j.end_object();
}

/// Appends `data` as Suricata's `payload_printable`: printable ASCII, CR
/// and LF kept, any other byte shown as `.`; JSON-escaped as it goes.
fn write_printable(out: &mut Vec<u8>, data: &[u8]) {
    for &b in data {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x20..=0x7e => out.push(b),
            _ => out.push(b'.'),
        }
    }
}

/// Appends one `drop` event (no trailing newline) to `out`.
pub fn render_drop(out: &mut Vec<u8>, r: &DropRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_header(&mut j, &r.header, "drop");
    j.begin_object_key("drop");
    match r.ip {
        DropIp::V4 {
            len,
            tos,
            ttl,
            ipid,
        } => {
            j.u64("len", u64::from(len));
            j.u64("tos", u64::from(tos));
            j.u64("ttl", u64::from(ttl));
            j.u64("ipid", u64::from(ipid));
        }
        DropIp::V6 {
            len,
            tc,
            hoplimit,
            flowlbl,
        } => {
            j.u64("len", u64::from(len));
            j.u64("tc", u64::from(tc));
            j.u64("hoplimit", u64::from(hoplimit));
            j.u64("flowlbl", u64::from(flowlbl));
        }
    }
    match r.l4 {
        DropL4::None => {}
        DropL4::Tcp {
            seq,
            ack,
            win,
            flags,
            res,
            urgp,
        } => {
            j.u64("tcpseq", u64::from(seq));
            j.u64("tcpack", u64::from(ack));
            j.u64("tcpwin", u64::from(win));
            j.bool("syn", flags & 0x02 != 0);
            j.bool("ack", flags & 0x10 != 0);
            j.bool("psh", flags & 0x08 != 0);
            j.bool("rst", flags & 0x04 != 0);
            j.bool("urg", flags & 0x20 != 0);
            j.bool("fin", flags & 0x01 != 0);
            j.u64("tcpres", u64::from(res));
            j.u64("tcpurgp", u64::from(urgp));
        }
        DropL4::Udp { len } => j.u64("udplen", u64::from(len)),
        DropL4::Icmp { id, seq } => {
            j.u64("icmp_id", u64::from(id));
            j.u64("icmp_seq", u64::from(seq));
        }
    }
    if let Some(reason) = r.reason {
        j.str("reason", reason);
    }
    j.end_object();
    if let Some(a) = &r.alert {
        j.begin_object_key("alert");
        j.str("action", a.action);
        j.u64("gid", u64::from(a.gid));
        j.u64("signature_id", u64::from(a.sid));
        j.u64("rev", u64::from(a.rev));
        j.str("signature", a.signature);
        j.str("category", a.category);
        j.u64("severity", u64::from(a.severity));
        if !a.owners.is_empty() {
            j.begin_object_key("metadata");
            j.begin_array_key("owner");
            for o in a.owners {
                j.elem_str(o);
            }
            j.end_array();
            j.end_object();
        }
        j.end_object();
    }
    if let Some(t) = &r.ruleset {
        write_ruleset(&mut j, t);
    }
    j.end_object();
}

/// The warden extension naming the ruleset behind an event:
/// `"warden":{"ruleset":{"generation":N,"hash":"..."}}`.
fn write_ruleset(j: &mut JsonBuf<'_>, t: &RulesetTag<'_>) {
    j.begin_object_key("warden");
    j.begin_object_key("ruleset");
    j.u64("generation", t.generation);
    j.str("hash", t.hash);
    j.end_object();
    j.end_object();
}

fn write_tcp_flags(o: &mut Vec<u8>, f: u8) {
    let mut hex = [0u8; 2];
    const D: &[u8; 16] = b"0123456789abcdef";
    hex[0] = D[usize::from(f >> 4)];
    hex[1] = D[usize::from(f & 0xf)];
    o.extend_from_slice(&hex);
}

/// Appends one `flow` event (no trailing newline) to `out`.
pub fn render_flow(out: &mut Vec<u8>, r: &FlowRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    j.raw_str_with("timestamp", |o| r.ts.write_iso(o));
    j.u64("flow_id", r.flow_id);
    j.str("event_type", "flow");
    write_vlan(&mut j, r.vlan);
    write_endpoints(&mut j, r.src_ip, r.src_port, r.dest_ip, r.dest_port);
    j.u64("ip_v", if r.src_ip.is_ipv4() { 4 } else { 6 });
    j.raw_str_with("proto", |o| write_proto(o, r.proto));
    if let Some((t, c)) = r.icmp {
        j.u64("icmp_type", u64::from(t));
        j.u64("icmp_code", u64::from(c));
    }
    if let Some((t, c)) = r.response_icmp {
        j.u64("response_icmp_type", u64::from(t));
        j.u64("response_icmp_code", u64::from(c));
    }
    if let Some(a) = r.app_proto {
        j.str("app_proto", a);
    }
    j.begin_object_key("flow");
    j.u64("pkts_toserver", r.counts.pkts_toserver);
    j.u64("pkts_toclient", r.counts.pkts_toclient);
    j.u64("bytes_toserver", r.counts.bytes_toserver);
    j.u64("bytes_toclient", r.counts.bytes_toclient);
    j.raw_str_with("start", |o| r.counts.start.write_iso(o));
    j.raw_str_with("end", |o| r.end.write_iso(o));
    j.i64("age", r.end.secs - r.counts.start.secs);
    j.str("state", r.state);
    j.str("reason", r.reason);
    j.bool("alerted", r.alerted);
    if let Some(a) = r.action {
        j.str("action", a);
    }
    if r.midstream_ignored {
        j.begin_array_key("exception_policy");
        j.begin_object();
        j.str("target", "stream_midstream");
        j.str("policy", "ignore");
        j.end_object();
        j.end_array();
    }
    j.end_object();
    if let Some((all, ts, tc)) = r.tcp_flags {
        j.begin_object_key("tcp");
        j.raw_str_with("tcp_flags", |o| write_tcp_flags(o, all));
        j.raw_str_with("tcp_flags_ts", |o| write_tcp_flags(o, ts));
        j.raw_str_with("tcp_flags_tc", |o| write_tcp_flags(o, tc));
        for (bit, name) in [
            (0x01, "fin"),
            (0x02, "syn"),
            (0x04, "rst"),
            (0x08, "psh"),
            (0x10, "ack"),
            (0x20, "urg"),
            (0x40, "ecn"),
            (0x80, "cwr"),
        ] {
            if all & bit != 0 {
                j.bool(name, true);
            }
        }
        if let Some(state) = r.tcp_state {
            j.str("state", state);
            if let Some((ts, tc)) = r.max_regions {
                j.u64("ts_max_regions", u64::from(ts));
                j.u64("tc_max_regions", u64::from(tc));
            }
        }
        j.end_object();
    }
    j.end_object();
}

/// libpcap's name for a link type, as Suricata logs it in `packet_info`.
fn linktype_name(dlt: u32) -> Option<&'static str> {
    Some(match dlt {
        0 => "NULL",
        1 => "EN10MB",
        101 | 12 | 14 => "RAW",
        104 => "C_HDLC",
        108 => "LOOP",
        113 => "LINUX_SLL",
        228 => "IPv4",
        229 => "IPv6",
        9 => "PPP",
        276 => "LINUX_SLL2",
        _ => return None,
    })
}

/// `"vlan":[...]` when the packet had VLAN tags.
pub(crate) fn write_vlan(j: &mut JsonBuf<'_>, vlan: &[u16]) {
    if !vlan.is_empty() {
        j.begin_array_key("vlan");
        for &v in vlan {
            j.elem_u64(u64::from(v));
        }
        j.end_array();
    }
}

/// `src_ip`, `src_port`, `dest_ip`, `dest_port` (ports only when known),
/// in the order every EVE event uses.
pub(crate) fn write_endpoints(
    j: &mut JsonBuf<'_>,
    src_ip: std::net::IpAddr,
    src_port: Option<u16>,
    dest_ip: std::net::IpAddr,
    dest_port: Option<u16>,
) {
    j.ip("src_ip", src_ip);
    if let Some(p) = src_port {
        j.u64("src_port", u64::from(p));
    }
    j.ip("dest_ip", dest_ip);
    if let Some(p) = dest_port {
        j.u64("dest_port", u64::from(p));
    }
}
