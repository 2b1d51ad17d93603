//! EVE app-layer events: `http`, `tls` and `dns`, with Suricata 8's keys,
//! key order and value forms (checked against Suricata 8.0.6 output in the
//! golden tests).
//!
//! Envelope order for all three: `timestamp`, `flow_id`, `in_iface`,
//! `pcap_cnt`, `event_type`, `vlan`, addresses/ports, `proto`, `ip_v`,
//! `pkt_src`, `metadata` (flowbits), then `tx_id` for `http` only (TLS
//! events carry none; DNS puts it inside the `dns` object), then the
//! protocol object.

use crate::eve::{write_endpoints, write_vlan};
use crate::json::{write_u64, JsonBuf, HEX};
use crate::proto::write_proto;
use crate::record::{
    AppHeader, DnsAnswerEntry, DnsCode, DnsFields, DnsRData, DnsRecord, HttpFields, HttpRecord,
    TlsFields, TlsRecord,
};

pub(crate) fn write_app_header(j: &mut JsonBuf<'_>, h: &AppHeader<'_>, event_type: &str) {
    j.raw_str_with("timestamp", |o| h.ts.write_iso(o));
    j.u64("flow_id", h.flow_id);
    if let Some(i) = h.in_iface {
        j.str("in_iface", i);
    }
    if let Some(c) = h.pcap_cnt {
        j.u64("pcap_cnt", c);
    }
    j.str("event_type", event_type);
    write_vlan(j, h.vlan);
    write_endpoints(j, h.src_ip, h.src_port, h.dest_ip, h.dest_port);
    j.raw_str_with("proto", |o| write_proto(o, h.proto));
    j.u64("ip_v", u64::from(h.ip_v));
    j.str("pkt_src", h.pkt_src);
    if !h.flowbits.is_empty() {
        j.begin_object_key("metadata");
        j.begin_array_key("flowbits");
        for b in h.flowbits {
            j.elem_str(b);
        }
        j.end_array();
        j.end_object();
    }
}

/// Appends one `http` event (no trailing newline) to `out`.
pub fn render_http(out: &mut Vec<u8>, r: &HttpRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_app_header(&mut j, &r.header, "http");
    j.u64("tx_id", r.tx_id);
    write_http_object(&mut j, &r.http);
    j.end_object();
}

/// Writes `"http":{...}`: the protocol object of http events and of
/// alerts on HTTP transactions.
pub(crate) fn write_http_object(j: &mut JsonBuf<'_>, h: &HttpFields<'_>) {
    j.begin_object_key("http");
    if let Some(v) = h.hostname {
        j.str_from_bytes("hostname", v);
    }
    if let Some(p) = h.http_port {
        j.u64("http_port", u64::from(p));
    }
    if let Some(v) = h.url {
        j.str_from_bytes("url", v);
    }
    if let Some(v) = h.http_user_agent {
        j.str_from_bytes("http_user_agent", v);
    }
    if let Some(v) = h.http_content_type {
        j.str_from_bytes("http_content_type", v);
    }
    if let Some(cr) = &h.content_range {
        j.begin_object_key("content_range");
        j.str_from_bytes("raw", cr.raw);
        if let Some(v) = cr.start {
            j.u64("start", v);
        }
        if let Some(v) = cr.end {
            j.u64("end", v);
        }
        if let Some(v) = cr.size {
            j.u64("size", v);
        }
        j.end_object();
    }
    if let Some(v) = h.http_refer {
        j.str_from_bytes("http_refer", v);
    }
    if let Some(v) = h.http_method {
        j.str_from_bytes("http_method", v);
    }
    if let Some(v) = h.protocol {
        j.str_from_bytes("protocol", v);
    }
    if let Some(s) = h.status {
        j.u64("status", u64::from(s));
    }
    if let Some(v) = h.redirect {
        j.str_from_bytes("redirect", v);
    }
    if let Some(n) = h.length {
        j.u64("length", n);
    }
    j.end_object();
}

/// The SNI as Suricata logs it: a C string (cut at NUL), only when UTF-8.
fn sni_str(v: &[u8]) -> Option<&str> {
    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
    std::str::from_utf8(&v[..end]).ok()
}

/// Appends one `tls` event (no trailing newline) to `out`.
pub fn render_tls(out: &mut Vec<u8>, r: &TlsRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_app_header(&mut j, &r.header, "tls");
    write_tls_object(&mut j, &r.tls);
    j.end_object();
}

/// Writes `"tls":{...}`.
pub(crate) fn write_tls_object(j: &mut JsonBuf<'_>, t: &TlsFields<'_>) {
    j.begin_object_key("tls");
    if let Some(v) = t.subject {
        j.str("subject", v);
    }
    if let Some(v) = t.issuerdn {
        j.str("issuerdn", v);
    }
    if !t.subjectaltname.is_empty() {
        j.begin_array_key("subjectaltname");
        for n in t.subjectaltname {
            j.elem_str(n);
        }
        j.end_array();
    }
    if t.session_resumed {
        j.bool("session_resumed", true);
    }
    if let Some(v) = t.serial {
        j.str("serial", v);
    }
    if let Some(v) = t.fingerprint {
        j.str("fingerprint", v);
    }
    if let Some(v) = t.sni.and_then(sni_str) {
        j.str("sni", v);
    }
    j.str("version", &t.version);
    if let Some(v) = &t.notbefore {
        j.str("notbefore", v);
    }
    if let Some(v) = &t.notafter {
        j.str("notafter", v);
    }
    for (key, v) in [("ja3", t.ja3), ("ja3s", t.ja3s)] {
        if let Some((hash, string)) = v {
            j.begin_object_key(key);
            j.str("hash", hash);
            j.str("string", string);
            j.end_object();
        }
    }
    if let Some(v) = t.ja4 {
        j.str("ja4", v);
    }
    for (key, list) in [
        ("client_alpns", t.client_alpns),
        ("server_alpns", t.server_alpns),
    ] {
        if !list.is_empty() {
            j.begin_array_key(key);
            for a in list {
                j.elem_str_from_bytes(a);
            }
            j.end_array();
        }
    }
    if let Some(c) = &t.client {
        j.begin_object_key("client");
        if let Some(v) = c.subject {
            j.str("subject", v);
        }
        if let Some(v) = c.issuerdn {
            j.str("issuerdn", v);
        }
        if let Some(v) = c.fingerprint {
            j.str("fingerprint", v);
        }
        if let Some(v) = c.serial {
            j.str("serial", v);
        }
        if let Some(v) = &c.notbefore {
            j.str("notbefore", v);
        }
        if let Some(v) = &c.notafter {
            j.str("notafter", v);
        }
        j.end_object();
    }
    if let Some(v) = t.from_proto {
        j.str("from_proto", v);
    }
    j.end_object();
}

fn write_code(j: &mut JsonBuf<'_>, key: &str, c: DnsCode) {
    match c.name {
        Some(n) => j.str(key, n),
        None => j.raw_str_with(key, |o| write_u64(o, u64::from(c.code))),
    }
}

fn write_ipv4(o: &mut Vec<u8>, a: [u8; 4]) {
    for (i, b) in a.iter().enumerate() {
        if i > 0 {
            o.push(b'.');
        }
        write_u64(o, u64::from(*b));
    }
}

fn write_ipv6(o: &mut Vec<u8>, a: [u8; 16]) {
    for (i, b) in a.iter().enumerate() {
        if i > 0 && i % 2 == 0 {
            o.push(b':');
        }
        o.push(HEX[usize::from(b >> 4)]);
        o.push(HEX[usize::from(b & 0xf)]);
    }
}

/// True when the data has a value `grouped` lists.
fn groupable(d: &DnsRData<'_>) -> bool {
    !matches!(d, DnsRData::None | DnsRData::Opt(_))
}

/// The value of a record's data as an array element of `grouped`.
fn write_rdata_elem(j: &mut JsonBuf<'_>, d: &DnsRData<'_>) {
    match *d {
        DnsRData::A(a) => {
            j.elem_raw_str_with(|o| write_ipv4(o, a));
        }
        DnsRData::Aaaa(a) => {
            j.elem_raw_str_with(|o| write_ipv6(o, a));
        }
        DnsRData::Bytes(b) => j.elem_str_from_bytes(b),
        DnsRData::Txt(parts) => {
            for p in parts {
                j.elem_str_from_bytes(p);
            }
        }
        DnsRData::Soa { .. } | DnsRData::Srv { .. } => {
            j.begin_object();
            write_rdata_object_body(j, d);
            j.end_object();
        }
        DnsRData::None | DnsRData::Opt(_) => {}
    }
}

fn write_rdata_object_body(j: &mut JsonBuf<'_>, d: &DnsRData<'_>) {
    match *d {
        DnsRData::Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        } => {
            j.str_from_bytes("mname", mname);
            j.str_from_bytes("rname", rname);
            j.u64("serial", u64::from(serial));
            j.u64("refresh", u64::from(refresh));
            j.u64("retry", u64::from(retry));
            j.u64("expire", u64::from(expire));
            j.u64("minimum", u64::from(minimum));
        }
        DnsRData::Srv {
            priority,
            weight,
            port,
            name,
        } => {
            j.u64("priority", u64::from(priority));
            j.u64("weight", u64::from(weight));
            j.u64("port", u64::from(port));
            j.str_from_bytes("name", name);
        }
        _ => {}
    }
}

/// One record object. `txt` is the TXT string to log for this object
/// (Suricata writes one object per character string of a TXT record).
fn write_rr(j: &mut JsonBuf<'_>, a: &DnsAnswerEntry<'_>, txt: Option<&[u8]>) {
    j.begin_object();
    j.str_from_bytes("rrname", a.rrname);
    if a.rrname_truncated {
        j.bool("rrname_truncated", true);
    }
    write_code(j, "rrtype", a.rrtype);
    j.u64("ttl", u64::from(a.ttl));
    match a.rdata {
        DnsRData::None => {}
        DnsRData::A(v) => j.raw_str_with("rdata", |o| write_ipv4(o, v)),
        DnsRData::Aaaa(v) => j.raw_str_with("rdata", |o| write_ipv6(o, v)),
        DnsRData::Bytes(b) => j.str_from_bytes("rdata", b),
        DnsRData::Txt(_) => {
            if let Some(t) = txt {
                j.str_from_bytes("rdata", t);
            }
        }
        DnsRData::Soa { .. } => {
            j.begin_object_key("soa");
            write_rdata_object_body(j, &a.rdata);
            j.end_object();
        }
        DnsRData::Srv { .. } => {
            j.begin_object_key("srv");
            write_rdata_object_body(j, &a.rdata);
            j.end_object();
        }
        DnsRData::Opt(opts) => {
            j.begin_array_key("opt");
            for (code, data) in opts {
                j.begin_object();
                j.u64("code", u64::from(*code));
                j.raw_str_with("data", |o| {
                    for b in data {
                        o.push(HEX[usize::from(b >> 4)]);
                        o.push(HEX[usize::from(b & 0xf)]);
                    }
                });
                j.end_object();
            }
            j.end_array();
        }
    }
    if a.rdata_truncated {
        j.bool("rdata_truncated", true);
    }
    j.end_object();
}

/// Writes the records of one section as the array `key` (omitted when no
/// record is written). A TXT record gives one object per character string
/// (none when it has none); with `skip_empty_opt`, OPT records without
/// options are left out, as Suricata does for `additionals`.
fn write_rr_section(
    j: &mut JsonBuf<'_>,
    key: &str,
    rrs: &[DnsAnswerEntry<'_>],
    skip_empty_opt: bool,
) {
    let mut open = false;
    for a in rrs {
        if skip_empty_opt && matches!(a.rdata, DnsRData::Opt(o) if o.is_empty()) {
            continue;
        }
        if !open {
            j.begin_array_key(key);
            open = true;
        }
        match a.rdata {
            DnsRData::Txt(parts) => {
                for p in parts {
                    write_rr(j, a, Some(p));
                }
            }
            _ => write_rr(j, a, None),
        }
    }
    if open {
        j.end_array();
    }
}

/// `grouped`: for each record type with data in the answers, the data
/// values in answer order. Suricata collects these in a hash map, so its
/// key order varies from run to run; warden writes the types in order of
/// first appearance.
fn write_grouped(j: &mut JsonBuf<'_>, answers: &[DnsAnswerEntry<'_>]) {
    j.begin_object_key("grouped");
    for (i, a) in answers.iter().enumerate() {
        if !groupable(&a.rdata)
            || answers[..i]
                .iter()
                .any(|p| p.rrtype == a.rrtype && groupable(&p.rdata))
        {
            continue;
        }
        match a.rrtype.name {
            Some(n) => j.begin_array_key_with(|o| o.extend_from_slice(n.as_bytes())),
            None => j.begin_array_key_with(|o| write_u64(o, u64::from(a.rrtype.code))),
        }
        for b in &answers[i..] {
            if b.rrtype == a.rrtype {
                write_rdata_elem(j, &b.rdata);
            }
        }
        j.end_array();
    }
    j.end_object();
}

pub(crate) fn write_dns_object(j: &mut JsonBuf<'_>, d: &DnsFields<'_>) {
    j.begin_object_key("dns");
    j.u64("version", 3);
    j.str("type", if d.is_request { "request" } else { "response" });
    j.u64("tx_id", d.tx_id);
    j.u64("id", u64::from(d.id));
    j.raw_str_with("flags", |o| {
        let f = d.flags;
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let n = (f >> shift) & 0xf;
            if n != 0 || started || shift == 0 {
                o.push(HEX[usize::from(n)]);
                started = true;
            }
        }
    });
    for (bit, name) in [
        (0x8000u16, "qr"),
        (0x0400, "aa"),
        (0x0200, "tc"),
        (0x0100, "rd"),
        (0x0080, "ra"),
        (0x0040, "z"),
    ] {
        if d.flags & bit != 0 {
            j.bool(name, true);
        }
    }
    j.u64("opcode", u64::from(d.opcode));
    write_code(j, "rcode", d.rcode);
    if !d.queries.is_empty() {
        j.begin_array_key("queries");
        for q in &d.queries {
            j.begin_object();
            j.str_from_bytes("rrname", q.rrname);
            write_code(j, "rrtype", q.rrtype);
            if q.rrname_truncated {
                j.bool("rrname_truncated", true);
            }
            j.end_object();
        }
        j.end_array();
    }
    if !d.answers.is_empty() {
        write_rr_section(j, "answers", &d.answers, false);
        write_grouped(j, &d.answers);
    }
    write_rr_section(j, "authorities", &d.authorities, false);
    write_rr_section(j, "additionals", &d.additionals, true);
    j.end_object();
}

/// Appends one `dns` event (no trailing newline) to `out`.
pub fn render_dns(out: &mut Vec<u8>, r: &DnsRecord<'_>) {
    let mut j = JsonBuf::new(out);
    j.begin_object();
    write_app_header(&mut j, &r.header, "dns");
    write_dns_object(&mut j, &r.dns);
    j.end_object();
}
