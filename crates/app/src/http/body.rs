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

use std::io::Write;

use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};

use super::events::{HttpEvent, HttpEvents};

/// How a body is content-coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Deflate,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value (its last coding;
    /// unknown codings are inspected as they are).
    pub(crate) fn from_header(v: &[u8]) -> Coding {
        let last = v.rsplit(|&b| b == b',').next().unwrap_or(v);
        let last = super::trim(last);
        if last.eq_ignore_ascii_case(b"gzip") || last.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if last.eq_ignore_ascii_case(b"deflate") {
            Coding::Deflate
        } else {
            Coding::Identity
        }
    }
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
    /// `deflate` before its first two bytes say zlib or raw.
    Sniff(Vec<u8>),
    Gzip(Box<GzDecoder<Sink>>),
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

/// A streaming body decoder.
pub(crate) struct BodyDecoder {
    state: State,
    coded_in: u64,
    bomb_limit: u64,
    /// Decoded bytes produced so far (kept or not).
    decoded: u64,
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
            Coding::Gzip => State::Gzip(Box::new(GzDecoder::new(Sink::default()))),
            Coding::Deflate => State::Sniff(Vec::new()),
        };
        BodyDecoder {
            state,
            coded_in: 0,
            bomb_limit,
            decoded: 0,
        }
    }

    /// Feeds coded bytes; decoded bytes go to `body` up to `limit`.
    /// Returns how many bytes were decoded (kept or not): decoding goes on
    /// past the limit so that the body's file size is known.
    pub(crate) fn feed(
        &mut self,
        mut data: &[u8],
        body: &mut Vec<u8>,
        limit: usize,
        events: &mut HttpEvents,
    ) -> u64 {
        let before = self.decoded;
        if let State::Sniff(pending) = &mut self.state {
            let need = 2 - pending.len();
            let take = need.min(data.len());
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if pending.len() < 2 {
                return 0;
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
        self.decoded - before
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
                State::Gzip(d) => write_capped(d.as_mut(), piece, r, body),
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
        let sink = match std::mem::replace(&mut self.state, State::Stopped) {
            State::Gzip(mut d) => {
                d.get_mut().room = r;
                let _ = d.try_finish();
                std::mem::take(d.get_mut())
            }
            State::Zlib(mut d) => {
                d.get_mut().room = r;
                let _ = d.try_finish();
                std::mem::take(d.get_mut())
            }
            State::Raw(mut d) => {
                d.get_mut().room = r;
                let _ = d.try_finish();
                std::mem::take(d.get_mut())
            }
            _ => return 0,
        };
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

impl Inflate for GzDecoder<Sink> {
    fn sink(&mut self) -> &mut Sink {
        self.get_mut()
    }
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
