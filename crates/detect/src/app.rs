//! Application-layer detection: which sticky buffers the engine can
//! inspect, the interface through which the pipeline hands a transaction's
//! buffers to the engine ([`AppTx`]), and the per-protocol prefilter that
//! picks the rules worth verifying on a transaction.
//!
//! The engine knows nothing of HTTP, TLS or DNS parsing: the pipeline wraps
//! its parsers' transactions in an [`AppTx`] that answers "give me the
//! bytes of buffer X".

use hashbrown::HashMap;
use warden_rules::{AppProto, Buffer};

use crate::prefilter::Group;
use crate::sig::Sig;

/// Application protocols the engine can gate rules on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppLayer {
    Http,
    Tls,
    Dns,
    Ssh,
    Smtp,
    Ftp,
}

impl AppLayer {
    pub const ALL: [AppLayer; 6] = [
        AppLayer::Http,
        AppLayer::Tls,
        AppLayer::Dns,
        AppLayer::Ssh,
        AppLayer::Smtp,
        AppLayer::Ftp,
    ];

    /// The protocol a rule header names, when the engine supports it.
    pub fn from_rule(p: AppProto) -> Option<AppLayer> {
        Some(match p {
            AppProto::Http | AppProto::Http1 => AppLayer::Http,
            AppProto::Tls => AppLayer::Tls,
            AppProto::Dns => AppLayer::Dns,
            AppProto::Ssh => AppLayer::Ssh,
            AppProto::Smtp => AppLayer::Smtp,
            AppProto::Ftp => AppLayer::Ftp,
            _ => return None,
        })
    }

    /// Suricata's `app_proto` name.
    pub fn name(self) -> &'static str {
        match self {
            AppLayer::Http => "http",
            AppLayer::Tls => "tls",
            AppLayer::Dns => "dns",
            AppLayer::Ssh => "ssh",
            AppLayer::Smtp => "smtp",
            AppLayer::Ftp => "ftp",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The protocol whose transactions carry `b`, for buffers the engine
/// inspects; `None` for buffers it does not (yet).
pub fn buffer_layer(b: Buffer) -> Option<AppLayer> {
    use Buffer::*;
    Some(match b {
        HttpUri | HttpUriRaw | HttpMethod | HttpRequestLine | HttpHeader | HttpHeaderRaw
        | HttpHeaderNames | HttpHost | HttpHostRaw | HttpUserAgent | HttpCookie | HttpReferer
        | HttpContentType | HttpContentLen | HttpAccept | HttpAcceptEnc | HttpAcceptLang
        | HttpConnection | HttpRequestBody | HttpResponseBody | FileData | HttpStatCode
        | HttpStatMsg | HttpResponseLine | HttpServer | HttpLocation | HttpStart | HttpProtocol
        | FileName | HttpRequestHeader | HttpResponseHeader => AppLayer::Http,
        TlsSni | TlsCertSubject | TlsCertIssuer | TlsCertSerial | TlsCertFingerprint | TlsCerts
        | TlsSubjectAltName | TlsRandom | TlsRandomTime | TlsRandomBytes | TlsAlpn | Ja3Hash
        | Ja3String | Ja3sHash | Ja3sString | Ja4Hash => AppLayer::Tls,
        DnsQuery | DnsQueryName | DnsQueriesRrname | DnsAnswerName | DnsAnswersRrname
        | DnsAuthoritiesRrname | DnsAdditionalsRrname | DnsResponseRrname => AppLayer::Dns,
        _ => return None,
    })
}

/// The side of an HTTP transaction a buffer belongs to: request buffers
/// are inspected from the client's packets, response buffers from the
/// server's; buffers both sides have (headers, cookies, `file.data`) from
/// either. Other protocols' buffers are `Both` (their parsers say which
/// side is ready).
pub fn buffer_dir(b: Buffer) -> crate::sig::TxDir {
    use crate::sig::TxDir;
    use Buffer::*;
    match b {
        HttpUri | HttpUriRaw | HttpMethod | HttpRequestLine | HttpHost | HttpHostRaw
        | HttpUserAgent | HttpReferer | HttpAccept | HttpAcceptEnc | HttpAcceptLang
        | HttpConnection | HttpRequestBody | HttpRequestHeader => TxDir::ToServer,
        HttpStatCode | HttpStatMsg | HttpResponseLine | HttpServer | HttpLocation
        | HttpResponseBody | HttpResponseHeader => TxDir::ToClient,
        _ => TxDir::Both,
    }
}

/// A transaction's buffers, as the pipeline's parsers expose them.
pub trait AppTx {
    /// Calls `f` with each instance of buffer `b` (most buffers have one;
    /// `dns.query` has one per question, `tls.certs` one per
    /// certificate) until `f` returns true. Returns whether it did.
    fn each(&self, b: Buffer, f: &mut dyn FnMut(&[u8]) -> bool) -> bool;

    /// Whether buffer `b` can no longer appear in this transaction (its
    /// part of the message is parsed), so a missing one is absent for good
    /// (`absent`).
    fn settled(&self, b: Buffer) -> bool {
        let _ = b;
        true
    }

    /// Length of the URI (`urilen`), normalised or raw.
    fn urilen(&self, raw: bool) -> Option<u64>;

    /// Whether the parser raised the named event (`app-layer-event`, the
    /// name after the protocol prefix) on this transaction.
    fn has_event(&self, _name: &str) -> bool {
        false
    }

    /// Calls `f` with each instance of the number `v` (`dns.rrtype` has
    /// one per question) until `f` returns true. Returns whether it did;
    /// false when the transaction has no such value.
    fn each_value(&self, v: TxValue, f: &mut dyn FnMut(u64) -> bool) -> bool {
        let _ = (v, f);
        false
    }

    /// Calls `f` with each file of the transaction travelling in the
    /// inspecting packet's direction until `f` returns true. Returns
    /// whether it did; false when the transaction has no files.
    fn each_file(&self, f: &mut dyn FnMut(&crate::file::TxFile<'_>) -> bool) -> bool {
        let _ = f;
        false
    }
}

/// Numbers of a transaction that value keywords compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxValue {
    /// `dns.opcode`: the header opcode.
    DnsOpcode,
    /// `dns.rcode`: the header response code.
    DnsRcode,
    /// `dns.rrtype`: the record type of each question.
    DnsRrtype,
}

/// Per-protocol prefilter for transaction rules: one automaton per buffer
/// over the fast patterns of the rules indexed under that buffer.
#[derive(Default)]
pub struct TxPrefilter {
    layers: Vec<TxLayer>,
    /// Fingerprints buffer contents for [`TxPrefilterMemo`] (seeded per
    /// engine).
    hasher: foldhash::fast::RandomState,
}

/// What the prefilter found in a transaction's buffers, kept with the
/// transaction: a transaction is inspected at several milestones (request
/// line, headers, body, then the response's), and a buffer whose bytes
/// did not change since the last one is not scanned again; its hits are
/// taken from here. Keyed by buffer group, instance and a fingerprint of
/// the bytes, so a buffer that grew (a body) is scanned afresh.
#[derive(Default)]
pub struct TxPrefilterMemo {
    entries: Vec<MemoEntry>,
}

struct MemoEntry {
    group: u32,
    fingerprint: u64,
    hits: Box<[u32]>,
}

/// Buffers remembered per transaction at most (a bound on its memory).
const MEMO_MAX: usize = 64;

impl TxPrefilterMemo {
    fn find(&self, group: u32, fingerprint: u64) -> Option<&[u32]> {
        self.entries
            .iter()
            .find(|e| e.group == group && e.fingerprint == fingerprint)
            .map(|e| &*e.hits)
    }
}

#[derive(Default)]
struct TxLayer {
    by_buffer: Vec<(Buffer, Group)>,
    always: Vec<u32>,
}

impl TxPrefilter {
    pub fn build(sigs: &[Sig]) -> TxPrefilter {
        let mut layers: Vec<TxLayer> = AppLayer::ALL.iter().map(|_| TxLayer::default()).collect();
        let mut indexed: Vec<HashMap<Buffer, Vec<u32>>> =
            AppLayer::ALL.iter().map(|_| HashMap::new()).collect();
        for (i, s) in sigs.iter().enumerate() {
            let (Some(app), true) = (s.app, s.tx_rule) else {
                continue;
            };
            match s.tx_fast_buffer {
                Some(b) => indexed[app.index()].entry(b).or_default().push(i as u32),
                None => layers[app.index()].always.push(i as u32),
            }
        }
        for (li, map) in indexed.into_iter().enumerate() {
            let mut groups: Vec<(Buffer, Group)> = map
                .into_iter()
                .map(|(b, rules)| (b, Group::build(&rules, sigs)))
                .collect();
            groups.sort_by_key(|(b, _)| b.name());
            layers[li].by_buffer = groups;
        }
        TxPrefilter {
            layers,
            hasher: Default::default(),
        }
    }

    /// Candidate rules for a transaction of `app`, in engine order.
    /// With a `memo` (the transaction's), buffers scanned at an earlier
    /// inspection of the same transaction are not scanned again.
    pub fn candidates(
        &self,
        app: AppLayer,
        tx: &dyn AppTx,
        scratch: &mut crate::prefilter::Scratch,
        mut memo: Option<&mut TxPrefilterMemo>,
        out: &mut Vec<u32>,
    ) {
        use std::hash::BuildHasher;
        let layer = &self.layers[app.index()];
        scratch.hits.clear();
        for (gi, (b, g)) in layer.by_buffer.iter().enumerate() {
            let mut instance = 0u64;
            tx.each(*b, &mut |bytes| {
                instance += 1;
                let Some(m) = memo.as_deref_mut().filter(|_| !bytes.is_empty()) else {
                    g.hits(bytes, &mut scratch.seen, &mut scratch.hits);
                    return false;
                };
                let fingerprint = self.hasher.hash_one((instance, bytes));
                if let Some(hits) = m.find(gi as u32, fingerprint) {
                    scratch.hits.extend_from_slice(hits);
                    return false;
                }
                let start = scratch.hits.len();
                g.hits(bytes, &mut scratch.seen, &mut scratch.hits);
                if m.entries.len() < MEMO_MAX {
                    m.entries.push(MemoEntry {
                        group: gi as u32,
                        fingerprint,
                        hits: scratch.hits[start..].into(),
                    });
                }
                false
            });
        }
        scratch.hits.sort_unstable();
        scratch.hits.dedup();
        crate::prefilter::merge_sorted(&[&layer.always, &scratch.hits], out);
    }

    /// (rules indexed by buffer, rules always checked) per protocol.
    pub fn describe(&self) -> Vec<String> {
        AppLayer::ALL
            .iter()
            .zip(&self.layers)
            .filter(|(_, l)| !l.always.is_empty() || !l.by_buffer.is_empty())
            .map(|(a, l)| {
                let indexed: usize = l.by_buffer.iter().map(|(_, g)| g.rule_count()).sum();
                format!(
                    "{}: {} transaction rules in {} buffer groups, {} without fast pattern",
                    a.name(),
                    indexed,
                    l.by_buffer.len(),
                    l.always.len()
                )
            })
            .collect()
    }
}
