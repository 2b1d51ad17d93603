//! DNS wire-format parser (RFC 1035): header, question section and resource
//! records with name decompression.
//!
//! The parser never panics and never recurses: compressed names are followed
//! iteratively with a cap on pointer jumps (a loop becomes
//! [`DnsEvent::InfiniteLoop`]), on the number of labels and on the decoded
//! length. A message whose answer section is cut short still yields its
//! header and questions, with [`DnsEvent::MalformedData`], so detection can
//! inspect what was there (Suricata does the same).

use super::DnsEvent;

/// Size of the fixed DNS header.
pub const HEADER_LEN: usize = 12;
/// Most pointer jumps followed while decoding one name.
const MAX_JUMPS: usize = 128;
/// Most labels in one decoded name.
const MAX_LABELS: usize = 255;
/// Longest decoded (dotted) name kept; longer names are truncated.
pub const MAX_NAME_LEN: usize = 1025;
/// Most records kept per section (the rest are counted, not stored).
const MAX_RECORDS: usize = 1024;

/// Header flag bits (second and third byte of the header).
pub mod flags {
    /// Response (QR).
    pub const QR: u16 = 0x8000;
    /// Authoritative answer.
    pub const AA: u16 = 0x0400;
    /// Truncated.
    pub const TC: u16 = 0x0200;
    /// Recursion desired.
    pub const RD: u16 = 0x0100;
    /// Recursion available.
    pub const RA: u16 = 0x0080;
    /// Reserved Z bit.
    pub const Z: u16 = 0x0040;
    /// Authentic data (DNSSEC).
    pub const AD: u16 = 0x0020;
    /// Checking disabled (DNSSEC).
    pub const CD: u16 = 0x0010;
}

/// The fixed 12-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsHeader {
    /// Transaction id chosen by the client.
    pub id: u16,
    /// Raw flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    pub flags: u16,
    /// QDCOUNT.
    pub qdcount: u16,
    /// ANCOUNT.
    pub ancount: u16,
    /// NSCOUNT.
    pub nscount: u16,
    /// ARCOUNT.
    pub arcount: u16,
}

impl DnsHeader {
    /// Reads the header from the first 12 bytes, if present.
    pub fn parse(data: &[u8]) -> Option<Self> {
        if data.len() < HEADER_LEN {
            return None;
        }
        let w = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
        Some(DnsHeader {
            id: w(0),
            flags: w(2),
            qdcount: w(4),
            ancount: w(6),
            nscount: w(8),
            arcount: w(10),
        })
    }

    /// True for a response (QR bit set).
    pub fn is_response(&self) -> bool {
        self.flags & flags::QR != 0
    }

    /// The 4-bit opcode.
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }

    /// The 4-bit response code of the header (without EDNS extension).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0x0f) as u8
    }
}

/// One entry of the question section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsQuery {
    /// Decoded name, labels joined by '.', no trailing dot; empty for the root.
    pub name: Vec<u8>,
    /// QTYPE.
    pub rrtype: u16,
    /// QCLASS.
    pub rrclass: u16,
}

/// Typed record data for the types Suricata logs in detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    /// A: IPv4 address.
    A([u8; 4]),
    /// AAAA: IPv6 address.
    Aaaa([u8; 16]),
    /// A domain name: CNAME, NS, PTR, MX (exchange only; preference kept apart).
    Name(Vec<u8>),
    /// MX: preference and exchange.
    Mx {
        /// Preference.
        preference: u16,
        /// Exchange host.
        exchange: Vec<u8>,
    },
    /// SOA fields.
    Soa(Box<Soa>),
    /// SRV fields.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        name: Vec<u8>,
    },
    /// TXT: the character strings, in order.
    Txt(Vec<Vec<u8>>),
    /// OPT (EDNS0) options: (code, data).
    Opt(Vec<(u16, Vec<u8>)>),
    /// Any other type (and NULL): raw bytes.
    Raw(Vec<u8>),
}

/// Start of authority record data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// Primary name server.
    pub mname: Vec<u8>,
    /// Responsible mailbox.
    pub rname: Vec<u8>,
    /// Zone serial.
    pub serial: u32,
    /// Refresh interval.
    pub refresh: u32,
    /// Retry interval.
    pub retry: u32,
    /// Expire limit.
    pub expire: u32,
    /// Minimum TTL.
    pub minimum: u32,
}

/// One resource record of the answer, authority or additional section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// Decoded owner name.
    pub name: Vec<u8>,
    /// TYPE.
    pub rrtype: u16,
    /// CLASS (for OPT: the UDP payload size).
    pub rrclass: u16,
    /// TTL (for OPT: extended rcode and flags).
    pub ttl: u32,
    /// Record data.
    pub data: RData,
}

/// A parsed DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsMessage {
    /// The fixed header.
    pub header: DnsHeader,
    /// Question section.
    pub queries: Vec<DnsQuery>,
    /// Answer section.
    pub answers: Vec<DnsRecord>,
    /// Authority section.
    pub authorities: Vec<DnsRecord>,
    /// Additional section.
    pub additionals: Vec<DnsRecord>,
    /// Anomalies found while parsing this message.
    pub events: Vec<DnsEvent>,
}

/// Why a buffer is not a DNS message at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsError {
    /// Shorter than the 12-byte header.
    TooShort,
    /// The question section is cut or malformed: not worth a transaction.
    BadQuestion,
}

/// Outcome of decoding one name.
struct Name {
    text: Vec<u8>,
    /// Offset just after the name at its original (uncompressed) position.
    end: usize,
}

/// Decodes the (possibly compressed) name at `pos` of `msg`.
fn read_name(msg: &[u8], pos: usize, events: &mut Vec<DnsEvent>) -> Option<Name> {
    let mut text = Vec::new();
    let mut cur = pos;
    let mut end = None;
    let mut jumps = 0usize;
    let mut labels = 0usize;
    let mut truncated = false;
    loop {
        let len = *msg.get(cur)? as usize;
        match len & 0xc0 {
            0x00 => {
                if len == 0 {
                    let end = end.unwrap_or(cur + 1);
                    return Some(Name { text, end });
                }
                let label = msg.get(cur + 1..cur + 1 + len)?;
                labels += 1;
                if labels > MAX_LABELS {
                    push_event(events, DnsEvent::TooManyLabels);
                    return None;
                }
                if !truncated {
                    let extra = len + usize::from(!text.is_empty());
                    if text.len() + extra > MAX_NAME_LEN {
                        truncated = true;
                        push_event(events, DnsEvent::NameTooLong);
                    } else {
                        if !text.is_empty() {
                            text.push(b'.');
                        }
                        text.extend_from_slice(label);
                    }
                }
                cur += 1 + len;
            }
            0xc0 => {
                let lo = *msg.get(cur + 1)? as usize;
                let target = ((len & 0x3f) << 8) | lo;
                if end.is_none() {
                    end = Some(cur + 2);
                }
                jumps += 1;
                if jumps > MAX_JUMPS || target == cur {
                    push_event(events, DnsEvent::InfiniteLoop);
                    return None;
                }
                cur = target;
            }
            // 0x40 / 0x80: extended label types (obsolete): not decodable.
            _ => return None,
        }
    }
}

fn push_event(events: &mut Vec<DnsEvent>, e: DnsEvent) {
    if !events.contains(&e) {
        events.push(e);
    }
}

fn be16(msg: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*msg.get(pos)?, *msg.get(pos + 1)?]))
}

fn be32(msg: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *msg.get(pos)?,
        *msg.get(pos + 1)?,
        *msg.get(pos + 2)?,
        *msg.get(pos + 3)?,
    ]))
}

/// Parses the question entry at `pos`; returns it and the next offset.
fn read_query(msg: &[u8], pos: usize, events: &mut Vec<DnsEvent>) -> Option<(DnsQuery, usize)> {
    let name = read_name(msg, pos, events)?;
    let rrtype = be16(msg, name.end)?;
    let rrclass = be16(msg, name.end + 2)?;
    Some((
        DnsQuery {
            name: name.text,
            rrtype,
            rrclass,
        },
        name.end + 4,
    ))
}

fn read_rdata(msg: &[u8], rrtype: u16, start: usize, rd: &[u8], ev: &mut Vec<DnsEvent>) -> RData {
    let name_at =
        |off: usize, ev: &mut Vec<DnsEvent>| read_name(msg, start + off, ev).map(|n| n.text);
    let typed = match rrtype {
        1 => <[u8; 4]>::try_from(rd).ok().map(RData::A),
        28 => <[u8; 16]>::try_from(rd).ok().map(RData::Aaaa),
        2 | 5 | 12 | 39 => name_at(0, ev).map(RData::Name),
        15 => be16(rd, 0).and_then(|preference| {
            name_at(2, ev).map(|exchange| RData::Mx {
                preference,
                exchange,
            })
        }),
        6 => read_name(msg, start, ev).and_then(|m| {
            let r = read_name(msg, m.end, ev)?;
            let n = r.end;
            if n + 20 > start + rd.len() {
                return None;
            }
            Some(RData::Soa(Box::new(Soa {
                mname: m.text,
                rname: r.text,
                serial: be32(msg, n)?,
                refresh: be32(msg, n + 4)?,
                retry: be32(msg, n + 8)?,
                expire: be32(msg, n + 12)?,
                minimum: be32(msg, n + 16)?,
            })))
        }),
        33 => {
            let (priority, weight, port) = (be16(rd, 0), be16(rd, 2), be16(rd, 4));
            match (priority, weight, port) {
                (Some(priority), Some(weight), Some(port)) => {
                    name_at(6, ev).map(|name| RData::Srv {
                        priority,
                        weight,
                        port,
                        name,
                    })
                }
                _ => None,
            }
        }
        16 => {
            let mut parts = Vec::new();
            let mut i = 0;
            let mut ok = true;
            while i < rd.len() {
                let l = rd[i] as usize;
                match rd.get(i + 1..i + 1 + l) {
                    Some(s) => parts.push(s.to_vec()),
                    None => {
                        ok = false;
                        break;
                    }
                }
                i += 1 + l;
            }
            ok.then_some(RData::Txt(parts))
        }
        41 => {
            let mut opts = Vec::new();
            let mut i = 0;
            let mut ok = true;
            while i < rd.len() {
                match (be16(rd, i), be16(rd, i + 2)) {
                    (Some(code), Some(len)) => match rd.get(i + 4..i + 4 + len as usize) {
                        Some(d) => opts.push((code, d.to_vec())),
                        None => {
                            ok = false;
                            break;
                        }
                    },
                    _ => {
                        ok = false;
                        break;
                    }
                }
                i += 4 + len_or0(be16(rd, i + 2));
            }
            ok.then_some(RData::Opt(opts))
        }
        _ => None,
    };
    typed.unwrap_or_else(|| RData::Raw(rd.to_vec()))
}

fn len_or0(v: Option<u16>) -> usize {
    v.map_or(0, usize::from)
}

/// Parses one record at `pos`; returns it and the next offset.
fn read_record(msg: &[u8], pos: usize, ev: &mut Vec<DnsEvent>) -> Option<(DnsRecord, usize)> {
    let name = read_name(msg, pos, ev)?;
    let p = name.end;
    let rrtype = be16(msg, p)?;
    let rrclass = be16(msg, p + 2)?;
    let ttl = be32(msg, p + 4)?;
    let rdlen = be16(msg, p + 8)? as usize;
    let start = p + 10;
    let rd = msg.get(start..start + rdlen)?;
    let data = read_rdata(msg, rrtype, start, rd, ev);
    Some((
        DnsRecord {
            name: name.text,
            rrtype,
            rrclass,
            ttl,
            data,
        },
        start + rdlen,
    ))
}

/// Parses one complete DNS message (a UDP payload, or a TCP message without
/// its length prefix).
///
/// Fails only when the header or the question section is unusable; damage in
/// later sections is reported in [`DnsMessage::events`].
pub fn parse_message(msg: &[u8]) -> Result<DnsMessage, DnsError> {
    let header = DnsHeader::parse(msg).ok_or(DnsError::TooShort)?;
    let mut events = Vec::new();
    if header.flags & flags::Z != 0 {
        push_event(&mut events, DnsEvent::ZFlagSet);
    }
    // Opcodes 0 (query), 1 (iquery), 2 (status), 4 (notify), 5 (update), 6 (DSO).
    if !matches!(header.opcode(), 0 | 1 | 2 | 4 | 5 | 6) {
        push_event(&mut events, DnsEvent::InvalidOpcode);
    }
    let mut pos = HEADER_LEN;
    let mut queries = Vec::new();
    for _ in 0..header.qdcount {
        match read_query(msg, pos, &mut events) {
            Some((q, next)) => {
                if queries.len() < MAX_RECORDS {
                    queries.push(q);
                }
                pos = next;
            }
            None => return Err(DnsError::BadQuestion),
        }
    }
    let mut sections: [Vec<DnsRecord>; 3] = Default::default();
    let counts = [header.ancount, header.nscount, header.arcount];
    let mut broken = false;
    'outer: for (idx, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            match read_record(msg, pos, &mut events) {
                Some((r, next)) => {
                    if sections[idx].len() < MAX_RECORDS {
                        sections[idx].push(r);
                    }
                    pos = next;
                }
                None => {
                    broken = true;
                    push_event(
                        &mut events,
                        match idx {
                            1 => DnsEvent::InvalidAuthorities,
                            2 => DnsEvent::InvalidAdditionals,
                            _ => DnsEvent::MalformedData,
                        },
                    );
                    break 'outer;
                }
            }
        }
    }
    if broken && !events.contains(&DnsEvent::MalformedData) {
        push_event(&mut events, DnsEvent::MalformedData);
    }
    let [answers, authorities, additionals] = sections;
    Ok(DnsMessage {
        header,
        queries,
        answers,
        authorities,
        additionals,
        events,
    })
}

/// Checks whether `data` looks like a DNS message: header plus a parseable
/// question section with at least one question (used by protocol detection).
pub fn probe(data: &[u8]) -> bool {
    let Some(h) = DnsHeader::parse(data) else {
        return false;
    };
    if h.qdcount == 0 || h.qdcount > 16 || !matches!(h.opcode(), 0 | 1 | 2 | 4 | 5 | 6) {
        return false;
    }
    // Queries rarely carry answers; a request with hundreds of records is noise.
    if !h.is_response() && (h.ancount > 16 || h.nscount > 16 || h.arcount > 16) {
        return false;
    }
    let mut events = Vec::new();
    let mut pos = HEADER_LEN;
    for _ in 0..h.qdcount {
        match read_query(data, pos, &mut events) {
            Some((q, next)) => {
                if q.rrclass == 0 || q.rrtype == 0 {
                    return false;
                }
                pos = next;
            }
            None => return false,
        }
    }
    events.is_empty()
}
