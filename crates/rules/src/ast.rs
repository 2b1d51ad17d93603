//! Typed syntax tree of a parsed rule.
//!
//! Everything here is plain data: the parser in [`crate::parse`] builds it,
//! the detection engine consumes it. Values are parsed (numbers are numbers,
//! content patterns are decoded bytes), but nothing is resolved against
//! variables or compiled. The AST only grows additively.
//!
//! Options keep the order they had in the rule text, because that order
//! carries meaning (sticky buffers, transforms and relative matches apply
//! to what follows or precedes them). The one exception is content
//! modifiers, which the parser folds into the [`Content`] they follow.

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;

/// The rule language dialect handed to [`crate::parse_rule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// Suricata 7/8 rule language, including the Snort 2 forms that ET Open
    /// still uses (`content:"x"; http_uri;`, `uricontent`).
    #[default]
    Suricata,
}

/// A node with the byte range of its source text inside [`Rule::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// Byte range into the rule text.
    pub span: Range<usize>,
    /// The parsed value.
    pub node: T,
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLoc {
    /// File name as given to the loader (or `"<input>"` for strings).
    pub file: Arc<str>,
    /// 1-based line number of the first physical line of the rule.
    pub line: u32,
    /// 1-based column where the rule starts on that line (after any
    /// indentation), so an offset into [`Rule::text`] maps to a column.
    pub column: u32,
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What to do on a match.
    pub action: Action,
    /// Header protocol.
    pub protocol: Protocol,
    /// Source address expression (unresolved).
    pub src_addr: AddrExpr,
    /// Source port expression (unresolved).
    pub src_port: PortExpr,
    /// `->`, `<>` or `=>`.
    pub direction: Direction,
    /// Destination address expression (unresolved).
    pub dst_addr: AddrExpr,
    /// Destination port expression (unresolved).
    pub dst_port: PortExpr,
    /// Options in rule order, content modifiers folded into their content.
    pub options: Vec<Spanned<RuleOption>>,
    /// Summary of the meta options (sid, rev, msg, ...).
    pub meta: RuleMeta,
    /// The full logical rule text (continuations joined); spans index it.
    pub text: String,
    /// File and line of the rule.
    pub loc: SourceLoc,
}

impl Rule {
    /// 1-based column, on the rule's first line, of byte offset `at` of
    /// [`Rule::text`] (counted in characters).
    pub fn column_at(&self, at: usize) -> u32 {
        let mut a = at.min(self.text.len());
        while !self.text.is_char_boundary(a) {
            a -= 1;
        }
        self.loc.column + self.text[..a].chars().count() as u32
    }

    /// Byte offsets in [`Rule::text`] of the seven header fields: action,
    /// protocol, source, source port, direction, destination, destination
    /// port (bracketed lists count as one field). Fields the text does not
    /// hold (it always does for a parsed rule) point at the options.
    pub fn header_offsets(&self) -> [usize; 7] {
        let t = self.text.as_bytes();
        let end = self.text.find('(').unwrap_or(t.len());
        let mut out = [end; 7];
        let (mut i, mut n) = (0, 0);
        while i < end && n < 7 {
            while i < end && t[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= end {
                break;
            }
            out[n] = i;
            n += 1;
            let mut depth = 0i32;
            while i < end && (depth > 0 || !t[i].is_ascii_whitespace()) {
                match t[i] {
                    b'[' => depth += 1,
                    b']' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
        }
        out
    }
}

/// Rule action.
///
/// Snort's `sdrop` is not part of the Suricata language and is rejected with
/// a diagnostic, as Suricata does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `alert`
    Alert,
    /// `pass`
    Pass,
    /// `drop`
    Drop,
    /// `reject` (RST/ICMP-unreachable to the source)
    Reject,
    /// `rejectsrc` (same as `reject`)
    RejectSrc,
    /// `rejectdst`
    RejectDst,
    /// `rejectboth`
    RejectBoth,
    /// `config` (Suricata 8 app-layer configuration rules)
    Config,
}

impl Action {
    /// Lookup by keyword.
    pub fn from_name(s: &str) -> Option<Action> {
        Some(match s {
            "alert" => Action::Alert,
            "pass" => Action::Pass,
            "drop" => Action::Drop,
            "reject" => Action::Reject,
            "rejectsrc" => Action::RejectSrc,
            "rejectdst" => Action::RejectDst,
            "rejectboth" => Action::RejectBoth,
            "config" => Action::Config,
            _ => return None,
        })
    }
    /// The keyword.
    pub fn name(self) -> &'static str {
        match self {
            Action::Alert => "alert",
            Action::Pass => "pass",
            Action::Drop => "drop",
            Action::Reject => "reject",
            Action::RejectSrc => "rejectsrc",
            Action::RejectDst => "rejectdst",
            Action::RejectBoth => "rejectboth",
            Action::Config => "config",
        }
    }
}

/// Header protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// `ip`: any IP packet.
    Ip,
    /// `ipv4` / `ip4`
    Ipv4,
    /// `ipv6` / `ip6`
    Ipv6,
    /// `tcp`: packets and reassembled stream.
    Tcp,
    /// `tcp-pkt`: TCP packets only.
    TcpPkt,
    /// `tcp-stream`: reassembled TCP stream only.
    TcpStream,
    /// `udp`
    Udp,
    /// `udp-pkt`
    UdpPkt,
    /// `icmp`: ICMPv4 and ICMPv6.
    Icmp,
    /// `icmpv4`
    Icmpv4,
    /// `icmpv6`
    Icmpv6,
    /// `sctp`
    Sctp,
    /// `igmp`
    Igmp,
    /// `pkthdr`: any packet, including ones that failed to decode.
    Pkthdr,
    /// An application-layer protocol.
    App(AppProto),
}

impl Protocol {
    /// Lookup by header name (case-insensitive input must be lower-cased first).
    pub fn from_name(s: &str) -> Option<Protocol> {
        Some(match s {
            "ip" => Protocol::Ip,
            "ipv4" | "ip4" => Protocol::Ipv4,
            "ipv6" | "ip6" => Protocol::Ipv6,
            "tcp" => Protocol::Tcp,
            "tcp-pkt" => Protocol::TcpPkt,
            "tcp-stream" => Protocol::TcpStream,
            "udp" => Protocol::Udp,
            "udp-pkt" => Protocol::UdpPkt,
            "icmp" => Protocol::Icmp,
            "icmpv4" => Protocol::Icmpv4,
            "icmpv6" => Protocol::Icmpv6,
            "sctp" => Protocol::Sctp,
            "igmp" => Protocol::Igmp,
            "pkthdr" => Protocol::Pkthdr,
            _ => return AppProto::from_name(s).map(Protocol::App),
        })
    }
    /// Canonical header name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Ip => "ip",
            Protocol::Ipv4 => "ipv4",
            Protocol::Ipv6 => "ipv6",
            Protocol::Tcp => "tcp",
            Protocol::TcpPkt => "tcp-pkt",
            Protocol::TcpStream => "tcp-stream",
            Protocol::Udp => "udp",
            Protocol::UdpPkt => "udp-pkt",
            Protocol::Icmp => "icmp",
            Protocol::Icmpv4 => "icmpv4",
            Protocol::Icmpv6 => "icmpv6",
            Protocol::Sctp => "sctp",
            Protocol::Igmp => "igmp",
            Protocol::Pkthdr => "pkthdr",
            Protocol::App(a) => a.name(),
        }
    }
}

macro_rules! app_protos {
    ($($variant:ident => $name:literal $(| $alias:literal)*;)*) => {
        /// Application-layer protocol named in a rule header or
        /// `app-layer-protocol`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum AppProto {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }
        impl AppProto {
            /// Every known application protocol.
            pub const ALL: &'static [AppProto] = &[$(AppProto::$variant),*];
            /// Canonical name.
            pub fn name(self) -> &'static str {
                match self { $(AppProto::$variant => $name,)* }
            }
            /// Lookup by name or alias.
            pub fn from_name(s: &str) -> Option<AppProto> {
                match s { $($name $(| $alias)* => Some(AppProto::$variant),)* _ => None }
            }
        }
    };
}

app_protos! {
    Http => "http";
    Http1 => "http1";
    Http2 => "http2";
    Tls => "tls" | "ssl";
    Dns => "dns";
    Mdns => "mdns";
    Doh2 => "doh2";
    Smtp => "smtp";
    Imap => "imap";
    Pop3 => "pop3";
    Ftp => "ftp";
    FtpData => "ftp-data";
    Ssh => "ssh";
    Smb => "smb";
    Dcerpc => "dcerpc";
    Krb5 => "krb5";
    Snmp => "snmp";
    Sip => "sip";
    Dhcp => "dhcp";
    Nfs => "nfs";
    Tftp => "tftp";
    Ntp => "ntp";
    Ike => "ike" | "ikev2";
    Modbus => "modbus";
    Dnp3 => "dnp3";
    Enip => "enip";
    Rdp => "rdp";
    Rfb => "rfb";
    Mqtt => "mqtt";
    Pgsql => "pgsql";
    Telnet => "telnet";
    Quic => "quic";
    Websocket => "websocket";
    Ldap => "ldap";
    BittorrentDht => "bittorrent-dht";
    Irc => "irc";
}

/// Direction operator of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `->`
    Forward,
    /// `<>`: either direction.
    Both,
    /// `=>`: Suricata 8 transactional (request and response of one
    /// transaction).
    Transactional,
}

/// An IP network: address plus prefix length (32/128 for single hosts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    /// Network address as written (host bits are kept, not masked).
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub prefix: u8,
}

/// Address expression as written in the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddrExpr {
    /// `any`
    Any,
    /// `$NAME` (name without the `$`).
    Var(String),
    /// Single address or CIDR block (also `a.b.c.d/255.255.0.0`).
    Ip(IpNet),
    /// Inclusive range `a.b.c.d-e.f.g.h`.
    Range(IpAddr, IpAddr),
    /// `[a, b, ...]`
    List(Vec<AddrExpr>),
    /// `!expr`
    Not(Box<AddrExpr>),
}

/// Port expression as written in the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PortExpr {
    /// `any`
    Any,
    /// `$NAME` (name without the `$`).
    Var(String),
    /// A single port.
    Port(u16),
    /// Inclusive range; open ends are filled in (`1024:` is 1024..=65535,
    /// `:1023` is 0..=1023).
    Range(u16, u16),
    /// `[a, b, ...]`
    List(Vec<PortExpr>),
    /// `!expr`
    Not(Box<PortExpr>),
}

/// Meta data gathered from the options of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleMeta {
    /// `sid` (mandatory).
    pub sid: u32,
    /// `rev`, 0 when absent.
    pub rev: u32,
    /// `gid`, 1 when absent.
    pub gid: u32,
    /// `msg`, empty when absent.
    pub msg: String,
    /// `classtype`.
    pub classtype: Option<String>,
    /// `priority`.
    pub priority: Option<u8>,
    /// All `reference` options.
    pub references: Vec<Reference>,
    /// All `metadata` pairs, in order.
    pub metadata: Vec<(String, String)>,
    /// `target`.
    pub target: Option<Target>,
}

/// `reference:system,id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// e.g. `url`, `cve`.
    pub system: String,
    /// The identifier.
    pub id: String,
}

/// `target:src_ip|dest_ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `src_ip`
    Src,
    /// `dest_ip`
    Dst,
}

/// An integer literal or the name of a `byte_extract`/`byte_math` variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrVar {
    /// Literal.
    Int(i64),
    /// Variable name.
    Var(String),
}

/// One rule option.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RuleOption {
    // ----- meta -----
    /// `msg`
    Msg(String),
    /// `sid`
    Sid(u32),
    /// `rev`
    Rev(u32),
    /// `gid`
    Gid(u32),
    /// `classtype`
    Classtype(String),
    /// `priority` (1..=255)
    Priority(u8),
    /// `reference`
    Reference(Reference),
    /// `metadata` as `(key, value)` pairs.
    Metadata(Vec<(String, String)>),
    /// `target`
    Target(Target),

    // ----- payload -----
    /// `content` / `uricontent` with its folded modifiers.
    Content(Content),
    /// `pcre` (not compiled here).
    Pcre(Pcre),
    /// Sticky buffer selection (`http.uri;`, `file_data;`, `pkt_data;`...).
    Buffer(Buffer),
    /// Sticky buffer with an explicit direction (Suricata 8,
    /// `file.data:to_server;`). Kept apart from [`RuleOption::Buffer`] so
    /// consumers that ignore the direction cannot over-match silently.
    DirectedBuffer {
        /// The buffer.
        buffer: Buffer,
        /// [`FlowDir::ToServer`] or [`FlowDir::ToClient`] (never `Either`).
        dir: FlowDir,
    },
    /// A transform applied to the current sticky buffer.
    Transform(Transform),
    /// `isdataat`
    IsDataAt(IsDataAt),
    /// `byte_test`
    ByteTest(ByteTest),
    /// `byte_jump`
    ByteJump(ByteJump),
    /// `byte_extract`
    ByteExtract(ByteExtract),
    /// `byte_math`
    ByteMath(ByteMath),
    /// `byte_math` whose `bytes` is a `byte_extract`/`byte_math` variable
    /// (`byte_math:bytes len, ...`); `math.bytes` is 0 and meaningless.
    ByteMathVarBytes {
        /// Everything else of the keyword.
        math: ByteMath,
        /// Name of the variable giving the number of bytes.
        bytes: String,
    },
    /// `filename`: the file name contains the pattern (legacy form of
    /// `file.name; content:...;`).
    Filename(FilePattern),
    /// `fileext`: the file name ends with `.` + the pattern, any case.
    Fileext(FilePattern),
    /// `filesize`: the file's size in bytes.
    Filesize(IntCmp),
    /// `dsize`
    Dsize(IntCmp),
    /// `bsize`
    Bsize(IntCmp),
    /// `absent` (the sticky buffer must be missing) or `absent: or_else`
    /// (missing, or else the buffer's keywords after it match).
    Absent {
        /// `or_else` was given.
        or_else: bool,
    },
    /// `urilen`
    Urilen(Urilen),
    /// `base64_decode`
    Base64Decode(Base64Decode),

    // ----- flow / state -----
    /// `flow`
    Flow(FlowFlags),
    /// `flowbits`
    Flowbits(Flowbits),
    /// `xbits`
    Xbits(Xbits),
    /// `hostbits`
    Hostbits(Xbits),
    /// `flowint`
    Flowint(Flowint),
    /// `stream_size`
    StreamSize(StreamSize),
    /// `flow.age` (seconds)
    FlowAge(IntCmp),
    /// `flow.pkts`, `flow.pkts_toserver`, `flow.pkts_toclient`
    FlowPkts(FlowCount),
    /// `flow.bytes`, `flow.bytes_toserver`, `flow.bytes_toclient`
    FlowBytes(FlowCount),
    /// `app-layer-protocol`
    AppLayerProtocol {
        /// `!` given.
        negated: bool,
        /// Protocol name (`failed` and `unknown` included), unresolved.
        name: String,
    },

    // ----- IP / TCP / UDP / ICMP header -----
    /// `ttl`
    Ttl(IntCmp),
    /// `id` (IPv4 identification)
    Id(IntCmp),
    /// `tos`
    Tos(IntCmp),
    /// `ip_proto`
    IpProto(IntCmp),
    /// `ipopts`
    IpOpts(IpOpt),
    /// `sameip`
    SameIp,
    /// `fragbits`
    Fragbits(Fragbits),
    /// `fragoffset`
    Fragoffset(IntCmp),
    /// `flags` / `tcp.flags`
    Flags(TcpFlagsMatch),
    /// `seq`
    Seq(IntCmp),
    /// `ack`
    Ack(IntCmp),
    /// `window` (`!n` is `Ne`)
    Window(IntCmp),
    /// `tcp.mss`
    TcpMss(IntCmp),
    /// `itype`
    Itype(IntCmp),
    /// `icode`
    Icode(IntCmp),
    /// `icmp_id`
    IcmpId(IntCmp),
    /// `icmp_seq`
    IcmpSeq(IntCmp),
    /// `icmpv6.mtu`
    Icmpv6Mtu(IntCmp),
    /// `vlan.id`
    VlanId {
        /// Comparison on the id.
        cmp: IntCmp,
        /// Layer index (`vlan.id:200,1`); `None` means any layer.
        layer: Option<i32>,
    },
    /// `vlan.layers`
    VlanLayers(IntCmp),

    // ----- app layer -----
    /// `ssl_state`: `(negated, state)` alternatives.
    SslState(Vec<(bool, SslStateFlag)>),
    /// `ssl_version`: `(negated, version)` alternatives.
    SslVersion(Vec<(bool, SslVersionName)>),
    /// `tls.version` as the wire value (1.2 is `0x0303`).
    TlsVersion(u16),
    /// `tls_cert_expired`
    TlsCertExpired,
    /// `tls_cert_valid`
    TlsCertValid,
    /// `dns.opcode`
    DnsOpcode(IntCmp),
    /// `dns.rcode` (a number or a response code name such as `NXDOMAIN`)
    DnsRcode(IntCmp),
    /// `dns.rrtype` (a number or a record type name such as `MX`)
    DnsRrtype(IntCmp),
    /// The legacy certificate keywords `tls.subject:"..."` and
    /// `tls.issuerdn:"..."`: a case-sensitive substring test on the
    /// certificate's subject or issuer (`buffer`), optionally negated.
    TlsCertField {
        /// [`Buffer::TlsCertSubject`] or [`Buffer::TlsCertIssuer`].
        buffer: Buffer,
        /// `!` before the value.
        negated: bool,
        /// The text looked for.
        value: Vec<u8>,
    },

    // ----- events -----
    /// `decode-event:name` (name kept as written, e.g. `ipv4.trunc_pkt`).
    DecodeEvent(String),
    /// `stream-event:name`
    StreamEvent(String),
    /// `app-layer-event:name` (e.g. `http.gzip_decompression_failed`).
    AppLayerEvent(String),

    // ----- post-detection / thresholds -----
    /// `threshold`
    Threshold(Threshold),
    /// `detection_filter`
    DetectionFilter(DetectionFilter),
    /// `noalert`
    Noalert,
    /// `alert`: a `pass` rule also logs an alert when it matches.
    Alert,
    /// `prefilter`: use this keyword as the rule's prefilter.
    Prefilter,
    /// `tag`
    Tag(Tag),

    /// A keyword Suricata documents but that has no typed variant yet. The
    /// keyword comes from a fixed table, so misspellings are still errors.
    Other {
        /// Canonical keyword name.
        keyword: &'static str,
        /// Raw value after the `:`, trimmed, if any.
        value: Option<String>,
    },
}

/// `content` with everything that modifies it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Content {
    /// Decoded bytes (hex and escapes resolved).
    pub pattern: Vec<u8>,
    /// `content:!"..."`.
    pub negated: bool,
    /// `nocase`
    pub nocase: bool,
    /// `rawbytes`
    pub rawbytes: bool,
    /// `offset`
    pub offset: Option<IntOrVar>,
    /// `depth`
    pub depth: Option<IntOrVar>,
    /// `distance` (may be negative)
    pub distance: Option<IntOrVar>,
    /// `within`
    pub within: Option<IntOrVar>,
    /// `startswith`
    pub startswith: bool,
    /// `endswith`
    pub endswith: bool,
    /// `fast_pattern`
    pub fast_pattern: Option<FastPattern>,
    /// Buffer from a Snort 2 style modifier (`http_uri;`) or `uricontent`.
    pub legacy_buffer: Option<Buffer>,
    /// `replace` (IPS payload rewrite), decoded like the pattern.
    pub replace: Option<Vec<u8>>,
}

/// The value of `filename` / `fileext`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilePattern {
    /// Decoded bytes.
    pub pattern: Vec<u8>,
    /// `!` before the value.
    pub negated: bool,
}

/// `fast_pattern[:only|:offset,length]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FastPattern {
    /// `fast_pattern:only` (deprecated in Suricata, accepted).
    pub only: bool,
    /// `fast_pattern:offset,length`.
    pub chop: Option<(u16, u16)>,
}

/// `pcre:"/pattern/flags"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcre {
    /// The regex text between the slashes, verbatim (`\;` and `\"` are
    /// kept; PCRE reads them as `;` and `"`).
    pub pattern: String,
    /// `pcre:!"..."`.
    pub negated: bool,
    /// Flags after the closing slash.
    pub flags: PcreFlags,
    /// Capture variable names after the pattern (`pcre:"/../", flow:x`),
    /// as written, e.g. `flow:x` or `pkt:y`.
    pub capture_vars: Vec<String>,
}

/// Set of pcre flags, one bit per letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PcreFlags(pub u32);

impl PcreFlags {
    /// Valid flag letters in bit order.
    pub const LETTERS: &'static str = "ismxAEGROBUIPQHDMCKSYVWZ";
    /// Bit for a letter, `None` if the letter is not a known flag.
    pub fn bit(letter: char) -> Option<u32> {
        Self::LETTERS.find(letter).map(|i| 1 << i)
    }
    /// Whether the flag letter is set.
    pub fn has(self, letter: char) -> bool {
        Self::bit(letter).is_some_and(|b| self.0 & b != 0)
    }
    /// The buffer selected by an HTTP flag letter (`U`, `I`, `P`, ...).
    pub fn buffer(self) -> Option<Buffer> {
        const MAP: &[(char, Buffer)] = &[
            ('U', Buffer::HttpUri),
            ('I', Buffer::HttpUriRaw),
            ('P', Buffer::HttpRequestBody),
            ('Q', Buffer::FileData),
            ('H', Buffer::HttpHeader),
            ('D', Buffer::HttpHeaderRaw),
            ('M', Buffer::HttpMethod),
            ('C', Buffer::HttpCookie),
            ('S', Buffer::HttpStatCode),
            ('Y', Buffer::HttpStatMsg),
            ('V', Buffer::HttpUserAgent),
            ('W', Buffer::HttpHost),
            ('Z', Buffer::HttpHostRaw),
        ];
        MAP.iter().find(|(c, _)| self.has(*c)).map(|(_, b)| *b)
    }
}

impl fmt::Display for PcreFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in Self::LETTERS.chars() {
            if self.has(c) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

macro_rules! buffers {
    ($($variant:ident => $name:literal $(| $alias:literal)* $(, modifier $modi:literal)?;)*) => {
        /// An inspection buffer: set as sticky buffer or via a legacy
        /// content modifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Buffer {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }
        impl Buffer {
            /// Every known buffer.
            pub const ALL: &'static [Buffer] = &[$(Buffer::$variant),*];
            /// Canonical (dotted) name.
            pub fn name(self) -> &'static str {
                match self { $(Buffer::$variant => $name,)* }
            }
            /// Lookup of a sticky buffer keyword (canonical or legacy alias).
            pub fn from_sticky_name(s: &str) -> Option<Buffer> {
                match s { $($name $(| $alias)* => Some(Buffer::$variant),)* _ => None }
            }
            /// Lookup of a Snort 2 style content modifier (`http_uri`).
            pub fn from_content_modifier(s: &str) -> Option<Buffer> {
                match s { $($($modi => Some(Buffer::$variant),)?)* _ => None }
            }
        }
    };
}

buffers! {
    PktData => "pkt_data";
    FileData => "file.data" | "file_data", modifier "http_server_body";
    Base64Data => "base64_data";
    HttpUri => "http.uri", modifier "http_uri";
    HttpUriRaw => "http.uri.raw", modifier "http_raw_uri";
    HttpMethod => "http.method", modifier "http_method";
    HttpRequestLine => "http.request_line" | "http_request_line";
    HttpHeader => "http.header", modifier "http_header";
    HttpHeaderRaw => "http.header.raw", modifier "http_raw_header";
    HttpHeaderNames => "http.header_names", modifier "http_header_names";
    HttpHost => "http.host", modifier "http_host";
    HttpHostRaw => "http.host.raw", modifier "http_raw_host";
    HttpUserAgent => "http.user_agent", modifier "http_user_agent";
    HttpCookie => "http.cookie", modifier "http_cookie";
    HttpReferer => "http.referer", modifier "http_referer";
    HttpContentType => "http.content_type", modifier "http_content_type";
    HttpContentLen => "http.content_len", modifier "http_content_len";
    HttpAccept => "http.accept", modifier "http_accept";
    HttpAcceptEnc => "http.accept_enc", modifier "http_accept_enc";
    HttpAcceptLang => "http.accept_lang", modifier "http_accept_lang";
    HttpConnection => "http.connection", modifier "http_connection";
    HttpRequestBody => "http.request_body", modifier "http_client_body";
    HttpResponseBody => "http.response_body";
    HttpStatCode => "http.stat_code", modifier "http_stat_code";
    HttpStatMsg => "http.stat_msg", modifier "http_stat_msg";
    HttpResponseLine => "http.response_line" | "http_response_line";
    HttpServer => "http.server", modifier "http_server";
    HttpLocation => "http.location", modifier "http_location";
    HttpStart => "http.start", modifier "http_start";
    HttpProtocol => "http.protocol", modifier "http_protocol";
    HttpRequestHeader => "http.request_header";
    HttpResponseHeader => "http.response_header";
    Http2HeaderName => "http2.header_name";
    FileName => "file.name";
    FileMagic => "file.magic";
    TlsSni => "tls.sni" | "tls_sni";
    TlsCertSubject => "tls.cert_subject" | "tls_cert_subject";
    TlsCertIssuer => "tls.cert_issuer" | "tls_cert_issuer";
    TlsCertSerial => "tls.cert_serial" | "tls_cert_serial";
    TlsCertFingerprint => "tls.cert_fingerprint" | "tls_cert_fingerprint";
    TlsCerts => "tls.certs";
    TlsSubjectAltName => "tls.subjectaltname";
    TlsRandom => "tls.random";
    TlsRandomTime => "tls.random_time";
    TlsRandomBytes => "tls.random_bytes";
    TlsAlpn => "tls.alpn";
    Ja3Hash => "ja3.hash" | "ja3_hash";
    Ja3String => "ja3.string" | "ja3_string";
    Ja3sHash => "ja3s.hash" | "ja3s_hash";
    Ja3sString => "ja3s.string" | "ja3s_string";
    Ja4Hash => "ja4.hash";
    DnsQuery => "dns.query" | "dns_query";
    DnsQueryName => "dns.query.name";
    DnsAnswerName => "dns.answer.name";
    DnsQueriesRrname => "dns.queries.rrname";
    DnsAnswersRrname => "dns.answers.rrname";
    DnsAuthoritiesRrname => "dns.authorities.rrname";
    DnsAdditionalsRrname => "dns.additionals.rrname";
    DnsResponseRrname => "dns.response.rrname";
    SshProto => "ssh.proto" | "ssh_proto";
    SshSoftware => "ssh.software" | "ssh_software";
    SshHassh => "ssh.hassh";
    SshHasshString => "ssh.hassh.string";
    SshHasshServer => "ssh.hassh.server";
    SshHasshServerString => "ssh.hassh.server.string";
    SmbNamedPipe => "smb.named_pipe";
    SmbShare => "smb.share";
    SmbNtlmsspUser => "smb.ntlmssp_user";
    SmbNtlmsspDomain => "smb.ntlmssp_domain";
    DceStubData => "dce_stub_data";
    Krb5Cname => "krb5.cname" | "krb5_cname";
    Krb5Sname => "krb5.sname" | "krb5_sname";
    SipMethod => "sip.method";
    SipUri => "sip.uri";
    SipRequestLine => "sip.request_line";
    SipStatCode => "sip.stat_code";
    SipStatMsg => "sip.stat_msg";
    SipResponseLine => "sip.response_line";
    SipProtocol => "sip.protocol";
    SmtpHelo => "smtp.helo";
    SmtpMailFrom => "smtp.mail_from";
    SmtpRcptTo => "smtp.rcpt_to";
    FtpCommand => "ftp.command";
    FtpCommandData => "ftp.command_data";
    SnmpCommunity => "snmp.community";
    SnmpUsm => "snmp.usm";
    QuicSni => "quic.sni";
    QuicUa => "quic.ua";
    QuicVersion => "quic.version";
    QuicCyu => "quic.cyu.hash";
    Dnp3Data => "dnp3.data" | "dnp3_data";
    IkeVendor => "ike.vendor";
    IkeKeyExchange => "ike.key_exchange_payload";
    IkeNonce => "ike.nonce_payload";
    MqttTopic => "mqtt.publish.topic";
    MqttMessage => "mqtt.publish.message";
    MqttConnectClientId => "mqtt.connect.clientid";
    MqttConnectUsername => "mqtt.connect.username";
    MqttConnectPassword => "mqtt.connect.password";
    MqttConnectWillTopic => "mqtt.connect.willtopic";
    MqttConnectWillMessage => "mqtt.connect.willmessage";
    MqttSubscribeTopic => "mqtt.subscribe.topic";
    MqttUnsubscribeTopic => "mqtt.unsubscribe.topic";
    RfbName => "rfb.name";
    PgsqlQuery => "pgsql.query";
    LdapRequestDn => "ldap.request.dn";
    LdapResponsesDn => "ldap.responses.dn";
    LdapResponsesMessage => "ldap.responses.message";
    WebsocketPayload => "websocket.payload";
    TcpHdr => "tcp.hdr";
    UdpHdr => "udp.hdr";
    Ipv4Hdr => "ipv4.hdr";
    Ipv6Hdr => "ipv6.hdr";
    Icmpv4Hdr => "icmpv4.hdr";
    Icmpv6Hdr => "icmpv6.hdr";
}

/// A transform of the current sticky buffer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transform {
    /// `dotprefix`
    Dotprefix,
    /// `strip_whitespace`
    StripWhitespace,
    /// `compress_whitespace`
    CompressWhitespace,
    /// `to_lowercase`
    ToLowercase,
    /// `to_uppercase`
    ToUppercase,
    /// `url_decode`
    UrlDecode,
    /// `xor:"hexkey"` with the decoded key.
    Xor(Vec<u8>),
    /// `pcrexform:"regex"` (regex text, not compiled).
    Pcrexform(String),
    /// `to_md5`
    ToMd5,
    /// `to_sha1`
    ToSha1,
    /// `to_sha256`
    ToSha256,
    /// `header_lowercase`
    HeaderLowercase,
    /// `strip_pseudo_headers`
    StripPseudoHeaders,
    /// `from_base64[:options]`
    FromBase64(Base64Decode),
    /// `luaxform:script` (script name kept).
    Luaxform(String),
    /// `gunzip`
    Gunzip,
    /// `zlib_deflate`
    ZlibDeflate,
    /// `domain`
    Domain,
    /// `tld`
    Tld,
}

/// `base64_decode:[bytes N][, offset N][, relative]` and `from_base64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64Decode {
    /// `bytes`
    pub bytes: Option<u32>,
    /// `offset`
    pub offset: Option<u32>,
    /// `relative`
    pub relative: bool,
    /// `mode` (`rfc4648`, `rfc2045`, `strict`) for `from_base64`.
    pub mode: Option<String>,
}

/// Comparison operator of an [`IntCmp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `n` or `=n`
    Eq,
    /// `!n` or `!=n`
    Ne,
    /// `<n`
    Lt,
    /// `>n`
    Gt,
    /// `<=n`
    Le,
    /// `>=n`
    Ge,
    /// `a<>b` or `a-b`: `a < x < b` (exclusive).
    Range,
    /// `!a-b`: outside the exclusive range.
    NotRange,
    /// `&mask=value` style bitmask: `x & a == b`.
    BitAnd,
    /// `x & a != b`.
    NotBitAnd,
}

/// Integer comparison shared by all numeric keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntCmp {
    /// Operator.
    pub op: CmpOp,
    /// First operand (the only one except for ranges and bitmasks).
    pub a: u64,
    /// Second operand (range upper bound, bitmask value); 0 otherwise.
    pub b: u64,
}

impl IntCmp {
    /// Evaluate against a value.
    pub fn matches(&self, x: u64) -> bool {
        match self.op {
            CmpOp::Eq => x == self.a,
            CmpOp::Ne => x != self.a,
            CmpOp::Lt => x < self.a,
            CmpOp::Gt => x > self.a,
            CmpOp::Le => x <= self.a,
            CmpOp::Ge => x >= self.a,
            CmpOp::Range => self.a < x && x < self.b,
            CmpOp::NotRange => !(self.a < x && x < self.b),
            CmpOp::BitAnd => x & self.a == self.b,
            CmpOp::NotBitAnd => x & self.a != self.b,
        }
    }
}

/// `urilen:cmp[,raw|norm]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Urilen {
    /// Length comparison.
    pub cmp: IntCmp,
    /// `raw` given (default is the normalised URI).
    pub raw: bool,
}

/// `isdataat:[!]offset[,relative][,rawbytes]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IsDataAt {
    /// Offset (number or byte_extract variable).
    pub offset: IntOrVar,
    /// `!`
    pub negated: bool,
    /// `relative`
    pub relative: bool,
    /// `rawbytes`
    pub rawbytes: bool,
}

/// Byte order for the byte_* keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Endian {
    /// `big` (default)
    #[default]
    Big,
    /// `little`
    Little,
    /// `dce`: taken from the DCE/RPC header.
    Dce,
}

/// Numeric base for `string` conversions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumBase {
    /// `hex`
    Hex,
    /// `dec`
    Dec,
    /// `oct`
    Oct,
}

/// Operator of `byte_test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteTestOp {
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `&`
    And,
    /// `^`
    Xor,
}

/// `byte_test:bytes,[!]op,value,offset[,options]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ByteTest {
    /// Number of bytes to read (1..=8 binary, 1..=23 string); may be a
    /// variable.
    pub bytes: IntOrVar,
    /// `!` before the operator.
    pub negated: bool,
    /// Operator.
    pub op: ByteTestOp,
    /// Compared value.
    pub value: IntOrVar,
    /// Offset.
    pub offset: IntOrVar,
    /// `relative`
    pub relative: bool,
    /// Byte order (`dce` included).
    pub endian: Endian,
    /// `string,<base>`
    pub string: Option<NumBase>,
    /// `bitmask N`
    pub bitmask: Option<u64>,
}

/// `byte_jump:bytes,offset[,options]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ByteJump {
    /// Number of bytes to read.
    pub bytes: IntOrVar,
    /// Offset.
    pub offset: IntOrVar,
    /// `relative`
    pub relative: bool,
    /// `multiplier N`
    pub multiplier: Option<u32>,
    /// Byte order.
    pub endian: Endian,
    /// `string,<base>`
    pub string: Option<NumBase>,
    /// `align`
    pub align: bool,
    /// `from_beginning`
    pub from_beginning: bool,
    /// `from_end`
    pub from_end: bool,
    /// `post_offset N`
    pub post_offset: Option<i64>,
    /// `bitmask N`
    pub bitmask: Option<u64>,
}

/// `byte_extract:bytes,offset,name[,options]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ByteExtract {
    /// Number of bytes to read.
    pub bytes: u8,
    /// Offset.
    pub offset: i64,
    /// Variable name.
    pub name: String,
    /// `relative`
    pub relative: bool,
    /// `multiplier N`
    pub multiplier: Option<u32>,
    /// Byte order.
    pub endian: Endian,
    /// `string,<base>`
    pub string: Option<NumBase>,
    /// `align N` (2 or 4)
    pub align: Option<u8>,
    /// `bitmask N`
    pub bitmask: Option<u64>,
}

/// Operator of `byte_math`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteMathOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// `byte_math:bytes N, offset N, oper OP, rvalue V, result NAME[, ...]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ByteMath {
    /// Number of bytes to read.
    pub bytes: u8,
    /// Offset.
    pub offset: i64,
    /// Operator.
    pub oper: ByteMathOp,
    /// Right operand.
    pub rvalue: IntOrVar,
    /// Result variable name.
    pub result: String,
    /// `relative`
    pub relative: bool,
    /// Byte order.
    pub endian: Endian,
    /// `string <base>`
    pub string: Option<NumBase>,
    /// `bitmask N`
    pub bitmask: Option<u64>,
}

/// `flow:` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowFlags {
    /// `established`
    pub established: bool,
    /// `not_established`
    pub not_established: bool,
    /// `stateless`
    pub stateless: bool,
    /// `to_server` / `from_client`
    pub to_server: bool,
    /// `to_client` / `from_server`
    pub to_client: bool,
    /// `only_stream`
    pub only_stream: bool,
    /// `no_stream`
    pub no_stream: bool,
    /// `only_frag`
    pub only_frag: bool,
    /// `no_frag`
    pub no_frag: bool,
}

/// Command of `flowbits`, `xbits` and `hostbits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitsCmd {
    /// `set`
    Set,
    /// `isset`
    IsSet,
    /// `isnotset`
    IsNotSet,
    /// `unset`
    Unset,
    /// `toggle`
    Toggle,
    /// `noalert`
    NoAlert,
}

/// How several bit names are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitsOp {
    /// A single name.
    Single,
    /// `a&b`: all.
    And,
    /// `a|b`: any.
    Or,
}

/// `flowbits:cmd[,name[&name|...]]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flowbits {
    /// Command.
    pub cmd: BitsCmd,
    /// Names (empty for `noalert`).
    pub names: Vec<String>,
    /// Combination operator.
    pub op: BitsOp,
}

/// Tracking of `xbits`/`hostbits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitsTrack {
    /// `ip_src`
    IpSrc,
    /// `ip_dst`
    IpDst,
    /// `ip_pair`
    IpPair,
    /// `tx` (xbits only)
    Tx,
}

/// `xbits:cmd,name,track T[,expire N]` and `hostbits:cmd,name[,track][,expire N]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Xbits {
    /// Command.
    pub cmd: BitsCmd,
    /// Bit names.
    pub names: Vec<String>,
    /// Combination operator.
    pub op: BitsOp,
    /// Tracking (`None` when omitted, hostbits only).
    pub track: Option<BitsTrack>,
    /// `expire` seconds.
    pub expire: Option<u32>,
}

/// Operator of `flowint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowintOp {
    /// `=`
    Set,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `isset`
    IsSet,
    /// `notset` / `isnotset`
    NotSet,
}

/// `flowint:name,op[,value]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flowint {
    /// Variable name.
    pub name: String,
    /// Operator.
    pub op: FlowintOp,
    /// Operand (a number or another flowint variable); `None` for
    /// `isset`/`notset`.
    pub value: Option<IntOrVar>,
}

/// Direction selector for `stream_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamDir {
    /// `server`
    Server,
    /// `client`
    Client,
    /// `both`
    Both,
    /// `either`
    Either,
}

/// `stream_size:dir,op,value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamSize {
    /// Which side.
    pub dir: StreamDir,
    /// Comparison.
    pub cmp: IntCmp,
}

/// Direction of a flow counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowDir {
    /// `toserver`
    ToServer,
    /// `toclient`
    ToClient,
    /// `either`
    Either,
}

/// `flow.pkts` / `flow.bytes` comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowCount {
    /// Direction; `None` means both directions summed.
    pub dir: Option<FlowDir>,
    /// Comparison.
    pub cmp: IntCmp,
}

/// `ipopts` option names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpOpt {
    /// `rr`
    Rr,
    /// `eol`
    Eol,
    /// `nop`
    Nop,
    /// `ts`
    Ts,
    /// `sec`
    Sec,
    /// `esec`
    Esec,
    /// `lsrr`
    Lsrr,
    /// `lsrre`
    Lsrre,
    /// `ssrr`
    Ssrr,
    /// `satid`
    Satid,
    /// `any`
    Any,
}

/// Modifier of `flags`/`fragbits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagModifier {
    /// `+`: the given flags and possibly others.
    Plus,
    /// `*`: any of the given flags.
    Any,
    /// `!`: none of the given flags.
    Not,
}

/// `fragbits:[+*!]MDR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fragbits {
    /// Bits: `M` = 0x01 (more fragments), `D` = 0x02 (don't fragment),
    /// `R` = 0x04 (reserved).
    pub flags: u8,
    /// Modifier; `None` means exactly these bits.
    pub modifier: Option<FlagModifier>,
}

impl Fragbits {
    /// More fragments.
    pub const M: u8 = 0x01;
    /// Don't fragment.
    pub const D: u8 = 0x02;
    /// Reserved.
    pub const R: u8 = 0x04;
}

/// `flags:[modifier]flags[,ignore]`, TCP header bit values
/// (F=0x01 S=0x02 R=0x04 P=0x08 A=0x10 U=0x20 E=0x40 C=0x80).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpFlagsMatch {
    /// Flags given (`0` for "no flags").
    pub flags: u8,
    /// Modifier; `None` means exactly these flags.
    pub modifier: Option<FlagModifier>,
    /// Flags to ignore (after the comma).
    pub ignore: u8,
}

/// `ssl_state` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslStateFlag {
    /// `client_hello`
    ClientHello,
    /// `server_hello`
    ServerHello,
    /// `client_keyx`
    ClientKeyx,
    /// `server_keyx`
    ServerKeyx,
    /// `unknown`
    Unknown,
}

/// `ssl_version` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SslVersionName {
    /// `sslv2`
    Sslv2,
    /// `sslv3`
    Sslv3,
    /// `tls1.0`
    Tls10,
    /// `tls1.1`
    Tls11,
    /// `tls1.2`
    Tls12,
    /// `tls1.3`
    Tls13,
}

/// Kind of `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThresholdKind {
    /// `limit`
    Limit,
    /// `threshold`
    Threshold,
    /// `both`
    Both,
    /// `backoff`
    Backoff,
}

/// Tracking of thresholds and detection filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Track {
    /// `by_src`
    BySrc,
    /// `by_dst`
    ByDst,
    /// `by_rule`
    ByRule,
    /// `by_both`
    ByBoth,
    /// `by_flow`
    ByFlow,
}

/// `threshold:type T, track K, count N, seconds S` (backoff uses
/// `multiplier` instead of `seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Threshold {
    /// Type.
    pub kind: ThresholdKind,
    /// Tracking.
    pub track: Track,
    /// `count`
    pub count: u32,
    /// `seconds` (0 for backoff).
    pub seconds: u32,
    /// `multiplier` (backoff only).
    pub multiplier: Option<u32>,
}

/// `detection_filter:track K, count N, seconds S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DetectionFilter {
    /// Tracking.
    pub track: Track,
    /// `count`
    pub count: u32,
    /// `seconds`
    pub seconds: u32,
}

/// Scope of `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// `session`
    Session,
    /// `host`
    Host,
}

/// Unit of a `tag` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagMetric {
    /// `packets`
    Packets,
    /// `seconds`
    Seconds,
    /// `bytes`
    Bytes,
}

/// `tag:session|host[,count,metric][,src|dst]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// Scope.
    pub kind: TagKind,
    /// `(count, metric)`; `None` uses the engine default.
    pub limit: Option<(u32, TagMetric)>,
    /// Host direction (`src`/`dst`), host tags only.
    pub direction: Option<Target>,
}
