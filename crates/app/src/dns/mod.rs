//! DNS application layer over UDP and TCP.
//!
//! [`DnsState`] is the per-flow state. UDP datagrams carry one message each
//! ([`DnsState::parse_udp`]); TCP streams carry messages behind a 2-byte
//! length prefix and may split them anywhere ([`DnsState::parse_tcp`]).
//!
//! As in Suricata 8, every message is its own transaction (a request and its
//! response are two transactions, numbered in arrival order, which is what
//! EVE's `tx_id` shows); a response is paired with the open request of the
//! same DNS id through [`DnsTransaction::paired_with`].
//!
//! Rule buffers: [`DnsTransaction::queries`] (`dns.query` on requests,
//! `dns.queries.rrname` on both directions), [`DnsTransaction::answer_names`]
//! (`dns.answer.name`), [`DnsTransaction::authority_names`],
//! [`DnsTransaction::additional_names`], [`DnsTransaction::each_name`]
//! (`dns.response.rrname` on responses), and the values
//! [`DnsTransaction::opcode`],
//! [`DnsTransaction::rcode`], [`DnsTransaction::rrtypes`]. The helpers in
//! [`names`] give the strings the EVE `dns` record uses.

pub mod names;
pub mod parser;

pub use parser::{parse_message, DnsError, DnsHeader, DnsMessage, DnsQuery, DnsRecord, RData, Soa};

/// Most transactions kept before the oldest are dropped (when the caller
/// does not retire them).
const MAX_TXS: usize = 512;
/// Largest DNS-over-TCP message buffered (the length prefix allows 65535).
const MAX_TCP_MSG: usize = 65_535;

/// DNS anomalies, named as Suricata's `app-layer-event:dns.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsEvent {
    /// A record could not be decoded.
    MalformedData,
    /// A message towards the server has the QR bit set.
    NotRequest,
    /// A message towards the client lacks the QR bit.
    NotResponse,
    /// The reserved Z flag is set.
    ZFlagSet,
    /// Unassigned opcode.
    InvalidOpcode,
    /// A decoded name is longer than the kept maximum.
    NameTooLong,
    /// Name compression pointers loop.
    InfiniteLoop,
    /// A name has too many labels.
    TooManyLabels,
    /// The additional section is malformed.
    InvalidAdditionals,
    /// The authority section is malformed.
    InvalidAuthorities,
}

impl DnsEvent {
    /// Suricata's event name (the part after `dns.`).
    pub fn name(self) -> &'static str {
        match self {
            DnsEvent::MalformedData => "malformed_data",
            DnsEvent::NotRequest => "not_request",
            DnsEvent::NotResponse => "not_response",
            DnsEvent::ZFlagSet => "z_flag_set",
            DnsEvent::InvalidOpcode => "invalid_opcode",
            DnsEvent::NameTooLong => "name_too_long",
            DnsEvent::InfiniteLoop => "infinite_loop",
            DnsEvent::TooManyLabels => "too_many_labels",
            DnsEvent::InvalidAdditionals => "invalid_additionals",
            DnsEvent::InvalidAuthorities => "invalid_authorities",
        }
    }

    /// Looks an event up by Suricata's name (with or without `dns.`).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.strip_prefix("dns.").unwrap_or(s);
        ALL_EVENTS.iter().copied().find(|e| e.name() == s)
    }
}

const ALL_EVENTS: [DnsEvent; 10] = [
    DnsEvent::MalformedData,
    DnsEvent::NotRequest,
    DnsEvent::NotResponse,
    DnsEvent::ZFlagSet,
    DnsEvent::InvalidOpcode,
    DnsEvent::NameTooLong,
    DnsEvent::InfiniteLoop,
    DnsEvent::TooManyLabels,
    DnsEvent::InvalidAdditionals,
    DnsEvent::InvalidAuthorities,
];

/// One DNS message seen on the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsTransaction {
    /// Flow-wide transaction number (EVE `tx_id`), from 0.
    pub tx_id: u64,
    /// Direction: true when the message went to the server (a request).
    pub to_server: bool,
    /// The parsed message.
    pub message: DnsMessage,
    /// For a response: the `tx_id` of the request with the same DNS id.
    pub paired_with: Option<u64>,
    /// Events of the message plus direction anomalies.
    pub events: Vec<DnsEvent>,
}

impl DnsTransaction {
    /// DNS id of the message.
    pub fn id(&self) -> u16 {
        self.message.header.id
    }

    /// True when the message is a response (QR bit).
    pub fn is_response(&self) -> bool {
        self.message.header.is_response()
    }

    /// `dns.opcode`.
    pub fn opcode(&self) -> u8 {
        self.message.header.opcode()
    }

    /// `dns.rcode` (the 4-bit header rcode).
    pub fn rcode(&self) -> u8 {
        self.message.header.rcode()
    }

    /// Names of the question section, each a `dns.query` /
    /// `dns.queries.rrname` buffer (dotted, no trailing dot, as in the packet).
    pub fn queries(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.message.queries.iter().map(|q| q.name.as_slice())
    }

    /// Owner names of the answer section (`dns.answer.name`).
    pub fn answer_names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.message.answers.iter().map(|r| r.name.as_slice())
    }

    /// Owner names of the authority section (`dns.authorities.rrname`).
    pub fn authority_names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.message.authorities.iter().map(|r| r.name.as_slice())
    }

    /// Owner names of the additional section (`dns.additionals.rrname`).
    pub fn additional_names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.message.additionals.iter().map(|r| r.name.as_slice())
    }

    /// Every domain name of the message (`dns.response.rrname` on a
    /// response): the question names, then for each answer, authority and
    /// additional record its owner name and the names its data holds
    /// (CNAME/NS/PTR/DNAME targets, MX exchange, SOA mname and rname, SRV
    /// target). Calls `f` on each until it returns true; returns whether
    /// it did.
    pub fn each_name(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let m = &self.message;
        if m.queries.iter().any(|q| f(&q.name)) {
            return true;
        }
        let records = m.answers.iter().chain(&m.authorities).chain(&m.additionals);
        for r in records {
            if f(&r.name) {
                return true;
            }
            let hit = match &r.data {
                RData::Name(n) => f(n),
                RData::Mx { exchange, .. } => f(exchange),
                RData::Soa(soa) => f(&soa.mname) || f(&soa.rname),
                RData::Srv { name, .. } => f(name),
                _ => false,
            };
            if hit {
                return true;
            }
        }
        false
    }

    /// Record types for `dns.rrtype`: those of the questions.
    pub fn rrtypes(&self) -> impl Iterator<Item = u16> + '_ {
        self.message.queries.iter().map(|q| q.rrtype)
    }

    /// True if the transaction raised `event`.
    pub fn has_event(&self, event: DnsEvent) -> bool {
        self.events.contains(&event)
    }
}

/// What one call to the parser did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DnsProgress {
    /// Messages that became transactions.
    pub new_txs: usize,
    /// Datagrams or TCP messages that were not DNS (counted, dropped).
    pub invalid: usize,
}

/// Reassembly of length-prefixed messages for one TCP direction.
#[derive(Debug, Default, Clone)]
struct TcpBuf {
    buf: Vec<u8>,
    /// After a gap, the framing is lost for good on this direction.
    lost: bool,
}

/// Per-flow DNS state.
#[derive(Debug, Default, Clone)]
pub struct DnsState {
    txs: Vec<DnsTransaction>,
    next_tx_id: u64,
    tcp: [TcpBuf; 2],
    /// Messages that could not be parsed at all.
    pub invalid_count: u64,
    /// Transactions dropped because the caller did not retire them.
    pub dropped_txs: u64,
}

impl DnsState {
    /// Empty state for a new flow.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one UDP datagram payload.
    pub fn parse_udp(&mut self, to_server: bool, data: &[u8]) -> DnsProgress {
        let mut p = DnsProgress::default();
        self.handle_message(to_server, data, &mut p);
        p
    }

    /// Feeds reassembled TCP bytes of one direction, in any chunk size.
    pub fn parse_tcp(&mut self, to_server: bool, data: &[u8]) -> DnsProgress {
        let mut p = DnsProgress::default();
        let dir = usize::from(!to_server);
        if self.tcp[dir].lost {
            return p;
        }
        let mut buf = std::mem::take(&mut self.tcp[dir].buf);
        let mut input = data;
        // Fast path: nothing buffered, parse whole messages straight from `data`.
        if buf.is_empty() {
            while input.len() >= 2 {
                let len = u16::from_be_bytes([input[0], input[1]]) as usize;
                if input.len() < 2 + len {
                    break;
                }
                self.handle_message(to_server, &input[2..2 + len], &mut p);
                input = &input[2 + len..];
            }
            buf.extend_from_slice(input);
        } else {
            buf.extend_from_slice(input);
            let mut off = 0;
            while buf.len() - off >= 2 {
                let len = u16::from_be_bytes([buf[off], buf[off + 1]]) as usize;
                if buf.len() - off < 2 + len {
                    break;
                }
                self.handle_message(to_server, &buf[off + 2..off + 2 + len], &mut p);
                off += 2 + len;
            }
            buf.drain(..off);
        }
        if buf.len() > MAX_TCP_MSG + 2 {
            buf.clear();
            self.tcp[dir].lost = true;
        }
        self.tcp[dir].buf = buf;
        p
    }

    /// A hole in the TCP stream of one direction: framing cannot be
    /// recovered, so that direction is no longer parsed.
    pub fn on_gap(&mut self, to_server: bool) {
        let dir = usize::from(!to_server);
        self.tcp[dir].buf.clear();
        self.tcp[dir].lost = true;
    }

    /// Transactions currently held, oldest first.
    pub fn transactions(&self) -> &[DnsTransaction] {
        &self.txs
    }

    /// Looks a transaction up by `tx_id`.
    pub fn transaction(&self, tx_id: u64) -> Option<&DnsTransaction> {
        self.txs.iter().find(|t| t.tx_id == tx_id)
    }

    /// Forgets every transaction with `tx_id < upto` (inspected and logged).
    pub fn retire(&mut self, upto: u64) {
        self.txs.retain(|t| t.tx_id >= upto);
    }

    /// Id the next transaction will get.
    pub fn next_tx_id(&self) -> u64 {
        self.next_tx_id
    }

    fn handle_message(&mut self, to_server: bool, data: &[u8], p: &mut DnsProgress) {
        let message = match parse_message(data) {
            Ok(m) => m,
            Err(_) => {
                p.invalid += 1;
                self.invalid_count += 1;
                return;
            }
        };
        let mut events = message.events.clone();
        if to_server && message.header.is_response() {
            events.push(DnsEvent::NotRequest);
        } else if !to_server && !message.header.is_response() {
            events.push(DnsEvent::NotResponse);
        }
        let paired_with = if message.header.is_response() {
            self.txs
                .iter()
                .rev()
                .find(|t| !t.is_response() && t.id() == message.header.id)
                .map(|t| t.tx_id)
        } else {
            None
        };
        if self.txs.len() >= MAX_TXS {
            self.txs.remove(0);
            self.dropped_txs += 1;
        }
        self.txs.push(DnsTransaction {
            tx_id: self.next_tx_id,
            to_server,
            message,
            paired_with,
            events,
        });
        self.next_tx_id += 1;
        p.new_txs += 1;
    }
}
