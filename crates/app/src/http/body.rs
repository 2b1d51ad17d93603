//! Content decoding of message bodies (gzip, deflate) with limits.
//!
//! The decoder is push-based: dechunked body bytes go in as they arrive, in
//! any slice sizes; decoded bytes are appended to the transaction's body
//! buffer until the body limit. Input is fed to flate2 in small slices and
//! the output sink keeps at most what the limit still allows, so a
//! decompression bomb costs bounded memory. Past the limit decoding goes on
//! only to count the decoded bytes (the size of the body's file); it stops
//! when the output/input ratio exceeds the bomb threshold
//! (event `http.compression_bomb`). A corrupt stream raises
//! `http.gzip_decompression_failed` and keeps what was decoded so far.
//!
//! Leniency, as libhtp's (evasions rely on strict decoders giving up):
//! the gzip header's method and reserved flags are not checked; a `gzip`
//! body without the gzip magic is tried as deflate; and a body that fails
//! to decode before producing a single byte is passed through as sent.

use std::io::Write;

use flate2::write::{DeflateDecoder, ZlibDecoder};

use super::events::{HttpEvent, HttpEvents};

/// How a body is content-coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Deflate,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value: its last known
    /// coding (tokens split at commas and whitespace, NUL bytes ignored,
    /// `identity` and unknown tokens skipped, as libhtp reads it).
    pub(crate) fn from_header(v: &[u8]) -> Coding {
        let mut coding = Coding::Identity;
        let sep = |b: &u8| matches!(*b, b',' | b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c);
        for token in v.split(sep) {
            let is = |name: &[u8]| eq_ignoring_nul(token, name);
            if is(b"gzip") || is(b"x-gzip") {
                coding = Coding::Gzip;
            } else if is(b"deflate") || is(b"x-deflate") {
                coding = Coding::Deflate;
            }
        }
        coding
    }
}

/// Case-insensitive equality that skips NUL bytes in `v` (libhtp's
/// "nocase, nozero" comparison, which evasions with embedded NULs meet).
pub(crate) fn eq_ignoring_nul(v: &[u8], name: &[u8]) -> bool {
    let mut it = v.iter().filter(|&&b| b != 0);
    for &n in name {
        match it.next() {
            Some(b) if b.eq_ignore_ascii_case(&n) => {}
            _ => return false,
        }
    }
    it.next().is_none()
}

/// Output sink keeping at most `room` bytes (the rest is counted, dropped).
#[derive(Debug, Default)]
struct Sink {
    buf: Vec<u8>,
    room: usize,
    total: u64,
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let keep = data.len().min(self.room);
        self.buf.extend_from_slice(&data[..keep]);
        self.room -= keep;
        self.total += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum State {
    Identity,
    /// `gzip` before its member header is complete.
    GzipHeader(Vec<u8>),
    /// `deflate` before its first two bytes say zlib or raw.
    Sniff(Vec<u8>),
    Zlib(Box<ZlibDecoder<Sink>>),
    Raw(Box<DeflateDecoder<Sink>>),
    /// Decoding stopped (limit, bomb, error or end of stream).
    Stopped,
}

/// Ratio of decoded to coded bytes beyond which a large body is a bomb
/// (deflate cannot exceed ~1032:1 in one layer; ordinary text is < 20:1).
const BOMB_RATIO: u64 = 512;
/// Input slice size fed to the inflater at once.
const FEED: usize = 4096;
/// Coded bytes kept while nothing has decoded yet, to pass the body
/// through as it is when it turns out not to be compressed.
const HEAD_KEEP: usize = 4096;
/// Longest gzip member header accepted (name and comment included).
const MAX_GZIP_HEADER: usize = 16 * 1024;

/// What the start of a gzip body says.
enum GzipHeader {
    /// The header is this many bytes long.
    Len(usize),
    NeedMore,
    /// No gzip magic: the body is not gzip.
    NotGzip,
}

/// Reads a gzip member header leniently, as libhtp does: the magic must be
/// there, the method and reserved flag bits are not checked; optional
/// fields (extra, name, comment, header CRC) are skipped.
fn gzip_header(h: &[u8]) -> GzipHeader {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    if h.first().is_some_and(|&b| b != 0x1f) || h.get(1).is_some_and(|&b| b != 0x8b) {
        return GzipHeader::NotGzip;
    }
    if h.len() < 10 {
        return GzipHeader::NeedMore;
    }
    let flags = h[3];
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let Some(x) = h.get(pos..pos + 2) else {
            return GzipHeader::NeedMore;
        };
        pos += 2 + usize::from(u16::from_le_bytes([x[0], x[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            match h.get(pos..).and_then(|r| r.iter().position(|&b| b == 0)) {
                Some(nul) => pos += nul + 1,
                None => return GzipHeader::NeedMore,
            }
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    if h.len() < pos {
        GzipHeader::NeedMore
    } else {
        GzipHeader::Len(pos)
    }
}

/// A streaming body decoder.
pub(crate) struct BodyDecoder {
    state: State,
    coded_in: u64,
    bomb_limit: u64,
    /// Decoded bytes produced so far (kept or not).
    decoded: u64,
    /// The coded bytes seen while nothing has decoded yet (up to
    /// [`HEAD_KEEP`]).
    head: Vec<u8>,
    head_full: bool,
    /// Decoding failed before producing anything.
    failed_at_start: bool,
}

impl std::fmt::Debug for BodyDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyDecoder")
            .field("coded_in", &self.coded_in)
            .finish()
    }
}

/// Room left in a body buffer under `limit` (0 = unlimited).
fn room(body: &[u8], limit: usize) -> usize {
    if limit == 0 {
        usize::MAX - body.len()
    } else {
        limit.saturating_sub(body.len())
    }
}

impl BodyDecoder {
    pub(crate) fn new(coding: Coding, bomb_limit: u64) -> BodyDecoder {
        let state = match coding {
            Coding::Identity => State::Identity,
            Coding::Gzip => State::GzipHeader(Vec::new()),
            Coding::Deflate => State::Sniff(Vec::new()),
        };
        BodyDecoder {
            state,
            coded_in: 0,
            bomb_limit,
            decoded: 0,
            head: Vec::new(),
            head_full: false,
            failed_at_start: false,
        }
    }

    /// Feeds coded bytes; decoded bytes go to `body` up to `limit`.
    /// Returns how many bytes were decoded (kept or not): decoding goes on
    /// past the limit so that the body's file size is known.
    ///
    /// A body that fails to decode before producing any byte (declared
    /// compressed, sent plain) is passed through as it is, as libhtp does.
    pub(crate) fn feed(
        &mut self,
        data: &[u8],
        body: &mut Vec<u8>,
        limit: usize,
        events: &mut HttpEvents,
    ) -> u64 {
        let before = self.decoded;
        let compressed = !matches!(self.state, State::Identity | State::Stopped);
        if compressed && self.decoded == 0 && !self.head_full {
            if self.head.len() + data.len() <= HEAD_KEEP {
                self.head.extend_from_slice(data);
            } else {
                self.head_full = true;
                self.head = Vec::new();
            }
        }
        self.feed_coded(data, body, limit, events);
        if self.decoded > 0 && !self.head.is_empty() {
            self.head = Vec::new();
        }
        if std::mem::take(&mut self.failed_at_start) && !self.head_full && self.decoded == 0 {
            let head = std::mem::take(&mut self.head);
            self.state = State::Identity;
            self.push(&head, body, limit, events);
        }
        self.decoded - before
    }

    fn feed_coded(
        &mut self,
        mut data: &[u8],
        body: &mut Vec<u8>,
        limit: usize,
        events: &mut HttpEvents,
    ) {
        if let State::GzipHeader(pending) = &mut self.state {
            let take = data
                .len()
                .min(MAX_GZIP_HEADER.saturating_sub(pending.len()));
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            match gzip_header(pending) {
                GzipHeader::NeedMore if pending.len() < MAX_GZIP_HEADER => return,
                GzipHeader::NeedMore => {
                    events.insert(HttpEvent::GzipDecompressionFailed);
                    self.failed_at_start = true;
                    self.state = State::Stopped;
                    return;
                }
                GzipHeader::Len(n) => {
                    let pending = std::mem::take(pending);
                    self.state = State::Raw(Box::new(DeflateDecoder::new(Sink::default())));
                    self.push(&pending[n..], body, limit, events);
                }
                GzipHeader::NotGzip => {
                    // not gzip after all: try deflate (zlib or raw)
                    let pending = std::mem::take(pending);
                    self.state = State::Sniff(Vec::new());
                    self.feed_coded(&pending, body, limit, events);
                }
            }
        }
        if let State::Sniff(pending) = &mut self.state {
            let need = 2 - pending.len();
            let take = need.min(data.len());
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if pending.len() < 2 {
                return;
            }
            let head = std::mem::take(pending);
            let zlib =
                head[0] & 0x0f == 8 && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
            self.state = if zlib {
                State::Zlib(Box::new(ZlibDecoder::new(Sink::default())))
            } else {
                State::Raw(Box::new(DeflateDecoder::new(Sink::default())))
            };
            self.push(&head, body, limit, events);
        }
        self.push(data, body, limit, events);
    }

    fn push(&mut self, data: &[u8], body: &mut Vec<u8>, limit: usize, events: &mut HttpEvents) {
        if data.is_empty() {
            return;
        }
        if let State::Identity = self.state {
            let keep = data.len().min(room(body, limit));
            body.extend_from_slice(&data[..keep]);
            self.decoded += data.len() as u64;
            return;
        }
        for piece in data.chunks(FEED) {
            let r = room(body, limit);
            self.coded_in += piece.len() as u64;
            let res = match &mut self.state {
                State::Zlib(d) => write_capped(d.as_mut(), piece, r, body),
                State::Raw(d) => write_capped(d.as_mut(), piece, r, body),
                _ => return,
            };
            match res {
                Ok((written, total)) => {
                    self.decoded = total;
                    if written == 0 {
                        // End of the compressed stream: trailing bytes ignored.
                        self.state = State::Stopped;
                        return;
                    }
                    if total > self.bomb_limit && total > self.coded_in.saturating_mul(BOMB_RATIO) {
                        events.insert(HttpEvent::CompressionBomb);
                        self.state = State::Stopped;
                        return;
                    }
                }
                Err(()) => {
                    events.insert(HttpEvent::GzipDecompressionFailed);
                    self.failed_at_start = self.decoded == 0;
                    self.state = State::Stopped;
                    return;
                }
            }
        }
    }

    /// The body ended: flushes what the inflater still holds. Returns how
    /// many bytes that decoded.
    pub(crate) fn finish(&mut self, body: &mut Vec<u8>, limit: usize) -> u64 {
        let r = room(body, limit);
        let before = self.decoded;
        let (ok, sink) = match std::mem::replace(&mut self.state, State::Stopped) {
            State::Zlib(mut d) => {
                d.get_mut().room = r;
                let ok = d.try_finish().is_ok();
                (ok, std::mem::take(d.get_mut()))
            }
            State::Raw(mut d) => {
                d.get_mut().room = r;
                let ok = d.try_finish().is_ok();
                (ok, std::mem::take(d.get_mut()))
            }
            State::GzipHeader(_) | State::Sniff(_) => (false, Sink::default()),
            _ => return 0,
        };
        if !ok && sink.total == 0 && self.decoded == 0 && !self.head_full {
            // never decoded a byte (too short or not compressed at all):
            // the body is what was sent
            let head = std::mem::take(&mut self.head);
            body.extend_from_slice(&head[..head.len().min(r)]);
            self.decoded = head.len() as u64;
            return self.decoded;
        }
        let mut buf = sink.buf;
        body.append(&mut buf);
        self.decoded = self.decoded.max(sink.total);
        self.decoded - before
    }
}

/// The part of flate2's write decoders used here.
trait Inflate: Write {
    fn sink(&mut self) -> &mut Sink;
}

impl Inflate for ZlibDecoder<Sink> {
    fn sink(&mut self) -> &mut Sink {
        self.get_mut()
    }
}
impl Inflate for DeflateDecoder<Sink> {
    fn sink(&mut self) -> &mut Sink {
        self.get_mut()
    }
}

/// Writes one piece, moves the decoded bytes into `body`; returns the bytes
/// the decoder accepted and the total decoded so far.
fn write_capped<D: Inflate + ?Sized>(
    d: &mut D,
    piece: &[u8],
    room: usize,
    body: &mut Vec<u8>,
) -> Result<(usize, u64), ()> {
    d.sink().room = room;
    let mut written = 0;
    let mut rest = piece;
    let mut result = Ok(());
    while !rest.is_empty() {
        match d.write(rest) {
            Ok(0) => break,
            Ok(n) => {
                written += n;
                rest = &rest[n..];
            }
            Err(_) => {
                result = Err(());
                break;
            }
        }
    }
    let sink = d.sink();
    body.append(&mut sink.buf);
    let total = sink.total;
    result.map(|()| (written, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::Compression;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(coding: Coding, coded: &[u8], step: usize, limit: usize) -> (Vec<u8>, HttpEvents) {
        let mut d = BodyDecoder::new(coding, 1 << 20);
        let mut body = Vec::new();
        let mut ev = HttpEvents::default();
        for c in coded.chunks(step.max(1)) {
            d.feed(c, &mut body, limit, &mut ev);
        }
        d.finish(&mut body, limit);
        (body, ev)
    }

    #[test]
    fn gzip_zlib_raw_any_split() {
        let plain: Vec<u8> = (0..5000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&plain).unwrap();
        let z = z.finish().unwrap();
        let mut r = DeflateEncoder::new(Vec::new(), Compression::default());
        r.write_all(&plain).unwrap();
        let r = r.finish().unwrap();
        for step in [1, 2, 7, 4096, 100_000] {
            assert_eq!(decode(Coding::Gzip, &gz(&plain), step, 0).0, plain);
            assert_eq!(decode(Coding::Deflate, &z, step, 0).0, plain);
            assert_eq!(decode(Coding::Deflate, &r, step, 0).0, plain);
        }
    }

    #[test]
    fn limit_and_bomb() {
        let zeros = vec![0u8; 8 << 20];
        let coded = gz(&zeros);
        let (body, _) = decode(Coding::Gzip, &coded, 1000, 100);
        assert_eq!(body.len(), 100);
        let (body, ev) = decode(Coding::Gzip, &coded, 100_000, 0);
        assert!(ev.contains(HttpEvent::CompressionBomb));
        assert!(body.len() < 8 << 20);
    }

    #[test]
    fn decoded_count_goes_past_the_limit() {
        let plain = vec![b'a'; 3000];
        let coded = gz(&plain);
        let mut d = BodyDecoder::new(Coding::Gzip, 1 << 20);
        let mut body = Vec::new();
        let mut ev = HttpEvents::default();
        let mut n = 0;
        for c in coded.chunks(5) {
            n += d.feed(c, &mut body, 10, &mut ev);
        }
        n += d.finish(&mut body, 10);
        assert_eq!(n, 3000);
        assert_eq!(body, b"aaaaaaaaaa");
        let mut id = BodyDecoder::new(Coding::Identity, 1 << 20);
        let mut body = Vec::new();
        assert_eq!(id.feed(b"hello world", &mut body, 5, &mut ev), 11);
        assert_eq!(body, b"hello");
    }

    #[test]
    fn coding_names_follow_libhtp() {
        assert_eq!(Coding::from_header(b"deflate,"), Coding::Deflate);
        assert_eq!(Coding::from_header(b"gzip,identity"), Coding::Gzip);
        assert_eq!(Coding::from_header(b"deflate, gzip x"), Coding::Gzip);
        assert_eq!(Coding::from_header(b"\0gzip"), Coding::Gzip);
        assert_eq!(Coding::from_header(b"X-GZIP"), Coding::Gzip);
        assert_eq!(Coding::from_header(b"br"), Coding::Identity);
        assert!(eq_ignoring_nul(b"chun\0ked", b"chunked"));
        assert!(!eq_ignoring_nul(b"chunk", b"chunked"));
        assert!(!eq_ignoring_nul(b"chunkedx", b"chunked"));
    }

    #[test]
    fn lenient_gzip_header_and_fallbacks() {
        let plain = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
        // reserved flag bit set, with a name field
        let mut g = gz(plain);
        g[3] = 0x20 | 0x08;
        g.splice(10..10, b"eicar.txt\0".iter().copied());
        // deflate data declared gzip
        let mut r = DeflateEncoder::new(Vec::new(), Compression::default());
        r.write_all(plain).unwrap();
        let raw = r.finish().unwrap();
        for step in [1, 3, 100] {
            assert_eq!(decode(Coding::Gzip, &g, step, 0).0, plain, "step {step}");
            assert_eq!(decode(Coding::Gzip, &raw, step, 0).0, plain, "step {step}");
            // plain data declared compressed passes through
            let (body, ev) = decode(Coding::Gzip, plain, step, 0);
            assert_eq!(body, plain, "step {step}");
            assert!(ev.contains(HttpEvent::GzipDecompressionFailed));
            assert_eq!(decode(Coding::Deflate, plain, step, 0).0, plain);
            assert_eq!(decode(Coding::Gzip, b"abc", step, 0).0, b"abc");
        }
    }

    #[test]
    fn corrupt_gzip() {
        let (_, ev) = decode(
            Coding::Gzip,
            b"\x1f\x8b\x08\x00garbage-garbage-garbage",
            3,
            0,
        );
        assert!(ev.contains(HttpEvent::GzipDecompressionFailed));
    }
}
