//! Packets handed over by the Linux kernel's netfilter queue (NFQUEUE):
//! an `nft ... queue num N` or `iptables -j NFQUEUE --queue-num N` rule
//! parks each matching packet until a program bound to queue N says what
//! becomes of it.
//!
//! The module owns both halves of the `nfnetlink_queue` protocol:
//!
//! - the netlink message format, as plain safe code over byte slices:
//!   [`Messages`] walks a datagram received from the kernel and yields
//!   each message ([`Message::Packet`] with its packet id, hook, payload
//!   and interfaces, or an acknowledgment/error), never panicking on
//!   malformed input (it is fuzzed); [`Requests`] builds the configuration
//!   and verdict messages into a reused buffer;
//! - [`NfQueue`], one `NETLINK_NETFILTER` socket bound to one queue: it
//!   binds the queue, asks for whole packets (copy-packet mode), sets the
//!   queue length and the fail-open flag (`NFQA_CFG_F_FAIL_OPEN`: the
//!   kernel accepts packets instead of dropping them when the queue is
//!   full), sizes the socket's receive buffer, reads packets without
//!   blocking and sends the verdicts of a batch of packets in one write.
//!
//! The kernel hands over IP packets (no link header), with checksums
//! complete and segmentation-offloaded packets already split (warden does
//! not ask for `NFQA_CFG_F_GSO`). Closing the socket unbinds the queue.

use std::io;

/// Netlink message header length.
const NLMSG_HDRLEN: usize = 16;
/// `nfgenmsg` length (family, version, resource id).
const NFGEN_LEN: usize = 4;
/// Netlink attribute header length.
const NLA_HDRLEN: usize = 4;

/// Netlink control message types.
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// Message types below this are netlink's own.
const NLMSG_MIN_TYPE: u16 = 0x10;

const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;

/// `NFNL_SUBSYS_QUEUE`, in the high byte of the message type.
const SUBSYS_QUEUE: u16 = 3;
const MSG_PACKET: u16 = 0;
const MSG_VERDICT: u16 = 1;
const MSG_CONFIG: u16 = 2;

/// Attribute types of a packet message (`enum nfqnl_attr_type`).
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NFQA_MARK: u16 = 3;
const NFQA_IFINDEX_INDEV: u16 = 5;
const NFQA_IFINDEX_OUTDEV: u16 = 6;
const NFQA_PAYLOAD: u16 = 10;
const NFQA_CAP_LEN: u16 = 13;
const NFQA_SKB_INFO: u16 = 14;

/// Attribute types of a configuration message.
const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQA_CFG_QUEUE_MAXLEN: u16 = 3;
const NFQA_CFG_MASK: u16 = 4;
const NFQA_CFG_FLAGS: u16 = 5;

/// Configuration commands.
const CMD_BIND: u8 = 1;
/// Copy mode: the whole packet (up to the copy range).
const COPY_PACKET: u8 = 2;

/// Queue flag: accept packets when the queue is full instead of dropping
/// them.
pub const F_FAIL_OPEN: u32 = 1;

/// `NFQA_SKB_INFO` bit: the packet's checksum is not yet computed (only
/// with `NFQA_CFG_F_GSO`, which warden does not set).
pub const SKB_CSUM_NOT_READY: u32 = 1;

/// Largest payload the kernel copies (the copy range is a 16-bit value in
/// practice: the kernel caps it at 65535).
pub const COPY_RANGE: u32 = 0xffff;

/// A receive buffer large enough for one packet message of
/// [`COPY_RANGE`] bytes and its attributes.
pub const RECV_BUF_LEN: usize = COPY_RANGE as usize + 4096;

/// What the kernel does with a queued packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `NF_DROP`.
    Drop,
    /// `NF_ACCEPT`: the packet goes on through the ruleset.
    Accept,
}

impl Verdict {
    fn code(self) -> u32 {
        match self {
            Verdict::Drop => 0,
            Verdict::Accept => 1,
        }
    }
}

/// One packet waiting in a queue for its verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueuedPacket<'a> {
    /// Queue number (`res_id` of the message).
    pub queue: u16,
    /// Packet id: the verdict names the packet by it.
    pub id: u32,
    /// Link-layer protocol (ETH_P_IP, ETH_P_IPV6...).
    pub hw_protocol: u16,
    /// Netfilter hook the packet was queued at (2 = forward).
    pub hook: u8,
    /// The packet from its IP header on (possibly cut at the copy range).
    pub payload: &'a [u8],
    /// The packet's full length (larger than `payload` when cut).
    pub orig_len: u32,
    /// Firewall mark.
    pub mark: u32,
    /// Interface index it came in on (0: none, e.g. locally sent).
    pub indev: u32,
    /// Interface index it leaves by (0: none, e.g. locally received).
    pub outdev: u32,
    /// `NFQA_SKB_INFO` bits.
    pub skb_info: u32,
}

/// One message from the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// A queued packet.
    Packet(QueuedPacket<'a>),
    /// The answer to a request: `errno` 0 is an acknowledgment.
    Error {
        /// Negated kernel error code (0: success).
        errno: i32,
        /// Sequence number of the request it answers.
        seq: u32,
    },
    /// End of a multi-part answer.
    Done,
    /// Anything else (other subsystems or message kinds): skipped.
    Other {
        /// The message type.
        kind: u16,
    },
}

/// Why a datagram from the kernel could not be read further.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// A message header is cut or claims more bytes than are left.
    BadLength,
    /// A packet message lacks its `NFQA_PACKET_HDR`, or it is short.
    NoPacketHeader,
    /// An attribute claims more bytes than its message holds.
    BadAttribute,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParseError::BadLength => "netlink message length out of bounds",
            ParseError::NoPacketHeader => "queued packet without a packet header",
            ParseError::BadAttribute => "netlink attribute length out of bounds",
        })
    }
}

impl std::error::Error for ParseError {}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_ne(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The messages of one datagram from the kernel, in order. After the first
/// error the iterator ends.
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    /// Walks `datagram` (what one `recv` returned).
    pub fn new(datagram: &'a [u8]) -> Messages<'a> {
        Messages { rest: datagram }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest;
        let (Some(len), Some(kind), Some(seq)) = (u32_ne(b, 0), u16_ne(b, 4), u32_ne(b, 8)) else {
            self.rest = &[];
            return Some(Err(ParseError::BadLength));
        };
        let len = len as usize;
        if len < NLMSG_HDRLEN || len > b.len() {
            self.rest = &[];
            return Some(Err(ParseError::BadLength));
        }
        let body = &b[NLMSG_HDRLEN..len];
        self.rest = &b[align4(len).min(b.len())..];
        Some(match kind {
            NLMSG_ERROR => match u32_ne(body, 0) {
                Some(e) => Ok(Message::Error {
                    errno: e as i32,
                    seq,
                }),
                None => {
                    self.rest = &[];
                    Err(ParseError::BadLength)
                }
            },
            NLMSG_DONE => Ok(Message::Done),
            k if k < NLMSG_MIN_TYPE => Ok(Message::Other { kind: k }),
            k if k == (SUBSYS_QUEUE << 8) | MSG_PACKET => {
                let r = parse_packet(body).map(Message::Packet);
                if r.is_err() {
                    self.rest = &[];
                }
                r
            }
            k => Ok(Message::Other { kind: k }),
        })
    }
}

/// The attributes after the `nfgenmsg` of a message body: `(type, value)`.
struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<(u16, &'a [u8]), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.len() < NLA_HDRLEN {
            // trailing padding shorter than an attribute header
            return None;
        }
        let b = self.rest;
        let (Some(len), Some(kind)) = (u16_ne(b, 0), u16_ne(b, 2)) else {
            return None;
        };
        let len = usize::from(len);
        if len < NLA_HDRLEN || len > b.len() {
            self.rest = &[];
            return Some(Err(ParseError::BadAttribute));
        }
        self.rest = &b[align4(len).min(b.len())..];
        // the nested / network-byte-order flag bits are not part of the type
        Some(Ok((kind & 0x3fff, &b[NLA_HDRLEN..len])))
    }
}

fn parse_packet(body: &[u8]) -> Result<QueuedPacket<'_>, ParseError> {
    let Some(gen) = body.get(..NFGEN_LEN) else {
        return Err(ParseError::NoPacketHeader);
    };
    let mut p = QueuedPacket {
        queue: u16::from_be_bytes([gen[2], gen[3]]),
        ..QueuedPacket::default()
    };
    let mut have_header = false;
    let mut cap_len = None;
    let attrs = Attrs {
        rest: &body[NFGEN_LEN..],
    };
    for a in attrs {
        let (kind, v) = a?;
        match kind {
            NFQA_PACKET_HDR => {
                // packet_id (be32), hw_protocol (be16), hook (u8)
                if v.len() < 7 {
                    return Err(ParseError::NoPacketHeader);
                }
                p.id = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                p.hw_protocol = u16::from_be_bytes([v[4], v[5]]);
                p.hook = v[6];
                have_header = true;
            }
            NFQA_PAYLOAD => p.payload = v,
            NFQA_MARK => p.mark = u32_be(v, 0).unwrap_or(0),
            NFQA_IFINDEX_INDEV => p.indev = u32_be(v, 0).unwrap_or(0),
            NFQA_IFINDEX_OUTDEV => p.outdev = u32_be(v, 0).unwrap_or(0),
            NFQA_CAP_LEN => cap_len = u32_be(v, 0),
            NFQA_SKB_INFO => p.skb_info = u32_be(v, 0).unwrap_or(0),
            _ => {}
        }
    }
    if !have_header {
        return Err(ParseError::NoPacketHeader);
    }
    let copied = u32::try_from(p.payload.len()).unwrap_or(u32::MAX);
    // NFQA_CAP_LEN is the full length, sent only when the copy was cut
    p.orig_len = cap_len.unwrap_or(copied).max(copied);
    Ok(p)
}

/// Builds requests to the kernel into one reused buffer (several requests
/// may go out in one write: the kernel processes each in turn).
#[derive(Debug, Default)]
pub struct Requests {
    buf: Vec<u8>,
    count: usize,
}

impl Requests {
    /// An empty buffer with room for `n` verdicts before it grows.
    pub fn with_capacity(n: usize) -> Requests {
        Requests {
            buf: Vec::with_capacity(n * 32),
            count: 0,
        }
    }

    /// The requests built so far, as one datagram.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// How many requests are in the buffer.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the buffer holds no request.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Empties the buffer (keeping its memory).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.count = 0;
    }

    /// Starts a queue-subsystem message; returns where it begins.
    fn begin(&mut self, msg: u16, flags: u16, seq: u32, family: u8, queue: u16) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set by end()
        self.buf
            .extend_from_slice(&((SUBSYS_QUEUE << 8) | msg).to_ne_bytes());
        self.buf
            .extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        self.buf.extend_from_slice(&seq.to_ne_bytes());
        self.buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel
        self.buf.push(family);
        self.buf.push(0); // NFNETLINK_V0
        self.buf.extend_from_slice(&queue.to_be_bytes());
        start
    }

    fn attr(&mut self, kind: u16, value: &[u8]) {
        let len = (NLA_HDRLEN + value.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(value);
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    fn end(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u32;
        self.buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
        self.count += 1;
    }

    /// `verdict` for packet `id` of `queue`.
    pub fn verdict(&mut self, queue: u16, id: u32, verdict: Verdict) {
        let start = self.begin(MSG_VERDICT, 0, 0, libc_af_unspec(), queue);
        let mut v = [0u8; 8];
        v[..4].copy_from_slice(&verdict.code().to_be_bytes());
        v[4..].copy_from_slice(&id.to_be_bytes());
        self.attr(NFQA_VERDICT_HDR, &v);
        self.end(start);
    }

    /// Binds this socket to `queue` (acknowledged).
    pub fn bind(&mut self, queue: u16, seq: u32) {
        let start = self.begin(MSG_CONFIG, NLM_F_ACK, seq, libc_af_unspec(), queue);
        // command, pad, protocol family (be16, unused by BIND)
        self.attr(NFQA_CFG_CMD, &[CMD_BIND, 0, 0, 0]);
        self.end(start);
    }

    /// Copy whole packets, up to `range` bytes (acknowledged).
    pub fn copy_packets(&mut self, queue: u16, range: u32, seq: u32) {
        let start = self.begin(MSG_CONFIG, NLM_F_ACK, seq, libc_af_unspec(), queue);
        let mut v = [0u8; 5];
        v[..4].copy_from_slice(&range.to_be_bytes());
        v[4] = COPY_PACKET;
        self.attr(NFQA_CFG_PARAMS, &v);
        self.end(start);
    }

    /// At most `len` packets wait in the queue (acknowledged).
    pub fn max_len(&mut self, queue: u16, len: u32, seq: u32) {
        let start = self.begin(MSG_CONFIG, NLM_F_ACK, seq, libc_af_unspec(), queue);
        self.attr(NFQA_CFG_QUEUE_MAXLEN, &len.to_be_bytes());
        self.end(start);
    }

    /// Sets the queue flags selected by `mask` to `flags` (acknowledged).
    pub fn flags(&mut self, queue: u16, mask: u32, flags: u32, seq: u32) {
        let start = self.begin(MSG_CONFIG, NLM_F_ACK, seq, libc_af_unspec(), queue);
        self.attr(NFQA_CFG_FLAGS, &flags.to_be_bytes());
        self.attr(NFQA_CFG_MASK, &mask.to_be_bytes());
        self.end(start);
    }
}

/// `AF_UNSPEC`: configuration and verdicts are not per address family.
fn libc_af_unspec() -> u8 {
    0
}

/// How to set up a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// Queue number (the `queue num` of the firewall rule).
    pub queue: u16,
    /// Accept packets when the queue is full (`NFQA_CFG_F_FAIL_OPEN`);
    /// off, the kernel drops them.
    pub fail_open: bool,
    /// Packets waiting for a verdict before the queue counts as full.
    pub max_len: u32,
    /// Socket receive buffer in bytes (messages not yet read; when it
    /// overflows the kernel reports `ENOBUFS` and the lost packets are
    /// dropped, or accepted with fail-open).
    pub recv_buffer: usize,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            queue: 0,
            fail_open: true,
            max_len: 4096,
            recv_buffer: 8 << 20,
        }
    }
}

/// A netlink socket bound to one netfilter queue (see the module docs).
#[derive(Debug)]
pub struct NfQueue {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
    queue: u16,
    seq: u32,
    pending: Requests,
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod sys {
    //! The socket calls (the only `unsafe` of this module).
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// `NETLINK_NETFILTER`.
    const NETLINK_NETFILTER: libc::c_int = 12;

    pub fn open() -> io::Result<OwnedFd> {
        // SAFETY: plain FFI call; the result is checked.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_NETFILTER,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: all-zero is a valid sockaddr_nl (port id 0: the kernel
        // picks one).
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: `sa` is a valid sockaddr_nl and its size is passed.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }

    pub fn set_int(fd: &OwnedFd, level: libc::c_int, opt: libc::c_int, v: i32) -> io::Result<()> {
        // SAFETY: `v` lives across the call and its size is passed.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                opt,
                (&v as *const i32).cast(),
                std::mem::size_of::<i32>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Blocking reads give up after `secs` seconds.
    pub fn set_recv_timeout(fd: &OwnedFd, secs: i64) -> io::Result<()> {
        let tv = libc::timeval {
            tv_sec: secs as libc::time_t,
            tv_usec: 0,
        };
        // SAFETY: `tv` lives across the call and its size is passed.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Sends `data` to the kernel (port id 0).
    pub fn send(fd: &OwnedFd, data: &[u8]) -> io::Result<()> {
        // SAFETY: all-zero is a valid sockaddr_nl: the kernel's address.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        loop {
            // SAFETY: `data` and `sa` are live for the call, sizes passed.
            let n = unsafe {
                libc::sendto(
                    fd.as_raw_fd(),
                    data.as_ptr().cast(),
                    data.len(),
                    0,
                    (&sa as *const libc::sockaddr_nl).cast(),
                    std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
                )
            };
            if n >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Reads one datagram; `Ok(None)` when nothing waits (non-blocking)
    /// or the wait timed out. Returns the datagram's full length, which
    /// is larger than `buf` when it was cut.
    pub fn recv(fd: &OwnedFd, buf: &mut [u8], block: bool) -> io::Result<Option<usize>> {
        let flags = libc::MSG_TRUNC | if block { 0 } else { libc::MSG_DONTWAIT };
        // SAFETY: `buf` is live and writable for its length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        Ok(Some(n as usize))
    }
}

#[cfg(target_os = "linux")]
impl NfQueue {
    /// Opens a socket and binds it to `cfg.queue` with the given settings.
    /// Fails when another process holds the queue (`EBUSY`), without
    /// `CAP_NET_ADMIN` (`EPERM`), or when the kernel has no NFQUEUE.
    pub fn open(cfg: &QueueConfig) -> io::Result<NfQueue> {
        let fd = sys::open()?;
        // a larger buffer than the system's default maximum needs
        // CAP_NET_ADMIN (SO_RCVBUFFORCE); fall back to what is allowed
        let size = i32::try_from(cfg.recv_buffer).unwrap_or(i32::MAX);
        if sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, size).is_err() {
            let _ = sys::set_int(&fd, libc::SOL_SOCKET, libc::SO_RCVBUF, size);
        }
        // a receive timeout bounds the waits for acknowledgments below
        sys::set_recv_timeout(&fd, 2)?;
        let mut q = NfQueue {
            fd,
            queue: cfg.queue,
            seq: 0,
            pending: Requests::with_capacity(64),
        };
        let qn = cfg.queue;
        q.request(|r, seq| r.bind(qn, seq))
            .map_err(|e| with_context(e, &format!("binding queue {qn}")))?;
        q.request(|r, seq| r.copy_packets(qn, COPY_RANGE, seq))
            .map_err(|e| with_context(e, "asking for copy-packet mode"))?;
        q.request(|r, seq| r.max_len(qn, cfg.max_len, seq))
            .map_err(|e| with_context(e, "setting the queue length"))?;
        let flags = if cfg.fail_open { F_FAIL_OPEN } else { 0 };
        q.request(|r, seq| r.flags(qn, F_FAIL_OPEN, flags, seq))
            .map_err(|e| with_context(e, "setting the fail-open flag"))?;
        Ok(q)
    }

    /// Sends one acknowledged request and waits (2 s at most) for its
    /// answer. Packets queued meanwhile (traffic already flows while warden
    /// sets the queue up) are accepted uninspected, as the rule's bypass
    /// flag would before warden bound the queue, so none waits forever.
    fn request(&mut self, build: impl FnOnce(&mut Requests, u32)) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut r = Requests::default();
        build(&mut r, seq);
        sys::send(&self.fd, r.bytes())?;
        let mut buf = vec![0u8; RECV_BUF_LEN];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            let Some(n) = sys::recv(&self.fd, &mut buf, true)? else {
                continue;
            };
            let mut early = Requests::default();
            let mut answer = None;
            for m in Messages::new(&buf[..n.min(buf.len())]) {
                match m {
                    Ok(Message::Error { errno, seq: s }) if s == seq => {
                        answer = Some(if errno == 0 {
                            Ok(())
                        } else {
                            Err(io::Error::from_raw_os_error(errno.saturating_neg()))
                        });
                    }
                    Ok(Message::Packet(p)) => early.verdict(self.queue, p.id, Verdict::Accept),
                    _ => {}
                }
            }
            if !early.is_empty() {
                sys::send(&self.fd, early.bytes())?;
            }
            if let Some(a) = answer {
                return a;
            }
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no answer from the kernel",
        ))
    }

    /// The raw descriptor, for `poll`.
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    /// Reads one datagram of messages without blocking into `buf` (at
    /// least [`RECV_BUF_LEN`] bytes). `Ok(None)` when nothing waits; the
    /// length returned is the datagram's (larger than `buf` when cut).
    /// `ENOBUFS` means the kernel lost messages: the caller counts it and
    /// reads on.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        sys::recv(&self.fd, buf, false)
    }

    /// Queues the verdict of packet `id`; [`NfQueue::flush`] sends it.
    pub fn verdict(&mut self, id: u32, verdict: Verdict) {
        self.pending.verdict(self.queue, id, verdict);
    }

    /// Sends the verdicts queued since the last flush, in one write.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let r = sys::send(&self.fd, self.pending.bytes());
        self.pending.clear();
        r
    }
}

#[cfg(target_os = "linux")]
fn with_context(e: io::Error, what: &str) -> io::Error {
    let hint = match e.raw_os_error() {
        Some(libc::EBUSY) => " (another process holds this queue)",
        Some(libc::EPERM) => " (needs root or CAP_NET_ADMIN)",
        _ => "",
    };
    io::Error::new(e.kind(), format!("{what}: {e}{hint}"))
}

#[cfg(not(target_os = "linux"))]
impl NfQueue {
    /// NFQUEUE exists only on Linux.
    pub fn open(_cfg: &QueueConfig) -> io::Result<NfQueue> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "NFQUEUE needs Linux",
        ))
    }
    /// Not available.
    pub fn raw_fd(&self) -> i32 {
        -1
    }
    /// Not available.
    pub fn recv(&self, _buf: &mut [u8]) -> io::Result<Option<usize>> {
        Ok(None)
    }
    /// Not available.
    pub fn verdict(&mut self, _id: u32, _verdict: Verdict) {}
    /// Not available.
    pub fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl NfQueue {
    /// The queue number.
    pub fn queue(&self) -> u16 {
        self.queue
    }
    /// Verdicts waiting for [`NfQueue::flush`].
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet message as the kernel sends it.
    fn packet_msg(queue: u16, id: u32, payload: &[u8], extra: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut r = Requests::default();
        let start = r.begin(MSG_PACKET, 0, 0, 2, queue);
        let mut hdr = id.to_be_bytes().to_vec();
        hdr.extend_from_slice(&0x0800u16.to_be_bytes());
        hdr.push(2);
        r.attr(NFQA_PACKET_HDR, &hdr);
        for (k, v) in extra {
            r.attr(*k, v);
        }
        r.attr(NFQA_PAYLOAD, payload);
        r.end(start);
        r.buf
    }

    #[test]
    fn a_packet_message_gives_id_queue_hook_and_payload() {
        let ip = [
            0x45u8, 0, 0, 20, 1, 2, 3, 4, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let msg = packet_msg(
            7,
            0xdead_beef,
            &ip,
            &[
                (NFQA_IFINDEX_INDEV, 3u32.to_be_bytes().to_vec()),
                (NFQA_IFINDEX_OUTDEV, 4u32.to_be_bytes().to_vec()),
                (NFQA_MARK, 9u32.to_be_bytes().to_vec()),
            ],
        );
        let all: Vec<_> = Messages::new(&msg).collect();
        assert_eq!(all.len(), 1);
        let Ok(Message::Packet(p)) = all[0] else {
            panic!("{all:?}")
        };
        assert_eq!(
            (p.queue, p.id, p.hw_protocol, p.hook),
            (7, 0xdead_beef, 0x0800, 2)
        );
        assert_eq!(p.payload, &ip);
        assert_eq!((p.indev, p.outdev, p.mark), (3, 4, 9));
        assert_eq!(p.orig_len, 20);
    }

    #[test]
    fn a_cut_packet_reports_its_full_length() {
        let msg = packet_msg(
            0,
            1,
            &[0x45; 8],
            &[(NFQA_CAP_LEN, 1500u32.to_be_bytes().to_vec())],
        );
        let Some(Ok(Message::Packet(p))) = Messages::new(&msg).next() else {
            panic!()
        };
        assert_eq!((p.payload.len(), p.orig_len), (8, 1500));
    }

    #[test]
    fn several_messages_in_one_datagram_come_in_order() {
        let mut d = packet_msg(0, 1, b"abc", &[]);
        d.extend(packet_msg(0, 2, b"defgh", &[]));
        // an acknowledgment: error 0, then the request's header
        let mut ack = Vec::new();
        ack.extend_from_slice(&(36u32).to_ne_bytes());
        ack.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        ack.extend_from_slice(&0u16.to_ne_bytes());
        ack.extend_from_slice(&5u32.to_ne_bytes());
        ack.extend_from_slice(&0u32.to_ne_bytes());
        ack.extend_from_slice(&0i32.to_ne_bytes());
        ack.extend_from_slice(&[0u8; 16]);
        d.extend(ack);
        let got: Vec<_> = Messages::new(&d).collect();
        assert_eq!(got.len(), 3);
        let ids: Vec<u32> = got
            .iter()
            .filter_map(|m| match m {
                Ok(Message::Packet(p)) => Some(p.id),
                _ => None,
            })
            .collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(got[2], Ok(Message::Error { errno: 0, seq: 5 }));
    }

    #[test]
    fn malformed_datagrams_are_errors_not_panics() {
        let good = packet_msg(0, 1, b"payload", &[]);
        // every prefix, and a length field pointing past the end
        for cut in 0..good.len() {
            let r: Vec<_> = Messages::new(&good[..cut]).collect();
            assert!(cut == 0 || r.iter().any(|m| m.is_err()), "cut {cut}: {r:?}");
        }
        let mut long = good.clone();
        long[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(
            Messages::new(&long).next(),
            Some(Err(ParseError::BadLength))
        );
        // an attribute longer than its message
        let mut bad_attr = good.clone();
        bad_attr[20..22].copy_from_slice(&500u16.to_ne_bytes());
        assert_eq!(
            Messages::new(&bad_attr).next(),
            Some(Err(ParseError::BadAttribute))
        );
        // a packet message without a packet header
        let mut r = Requests::default();
        let s = r.begin(MSG_PACKET, 0, 0, 2, 0);
        r.attr(NFQA_PAYLOAD, b"x");
        r.end(s);
        assert_eq!(
            Messages::new(&r.buf).next(),
            Some(Err(ParseError::NoPacketHeader))
        );
    }

    #[test]
    fn verdicts_are_batched_as_consecutive_messages() {
        let mut r = Requests::with_capacity(4);
        r.verdict(3, 10, Verdict::Accept);
        r.verdict(3, 11, Verdict::Drop);
        assert_eq!(r.len(), 2);
        let b = r.bytes();
        assert_eq!(b.len(), 64);
        // first message: header, nfgenmsg (queue 3 big-endian), verdict attr
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()), 32);
        assert_eq!(u16::from_ne_bytes(b[4..6].try_into().unwrap()), 0x0301);
        assert_eq!(&b[18..20], &[0, 3]);
        assert_eq!(u16::from_ne_bytes(b[20..22].try_into().unwrap()), 12);
        assert_eq!(
            u16::from_ne_bytes(b[22..24].try_into().unwrap()),
            NFQA_VERDICT_HDR
        );
        assert_eq!(&b[24..28], &[0, 0, 0, 1]); // NF_ACCEPT
        assert_eq!(&b[28..32], &10u32.to_be_bytes());
        assert_eq!(&b[32 + 24..32 + 28], &[0, 0, 0, 0]); // NF_DROP
        r.clear();
        assert!(r.is_empty() && r.bytes().is_empty());
    }

    #[test]
    fn configuration_requests_ask_for_an_acknowledgment() {
        let mut r = Requests::default();
        r.flags(1, F_FAIL_OPEN, F_FAIL_OPEN, 42);
        let b = r.bytes();
        let flags = u16::from_ne_bytes(b[6..8].try_into().unwrap());
        assert_eq!(flags, NLM_F_REQUEST | NLM_F_ACK);
        assert_eq!(u32::from_ne_bytes(b[8..12].try_into().unwrap()), 42);
        // two attributes of 8 bytes: flags then mask, both big-endian
        assert_eq!(b.len(), 16 + 4 + 8 + 8);
        assert_eq!(&b[24..28], &F_FAIL_OPEN.to_be_bytes());
        assert_eq!(&b[32..36], &F_FAIL_OPEN.to_be_bytes());
        let mut r = Requests::default();
        r.copy_packets(1, COPY_RANGE, 1);
        // a 5-byte value is padded to 8
        assert_eq!(r.bytes().len(), 16 + 4 + 12);
    }
}
