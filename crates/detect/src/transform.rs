//! Sticky-buffer transforms (`dotprefix`, `to_lowercase`, `from_base64`,
//! `pcrexform`, ...) as pure functions over bytes, with Suricata's
//! semantics.
//!
//! A rule's transforms are compiled once with [`compile_transform`] and
//! applied in rule order with [`apply`]: each transform's output is the next
//! one's input. [`apply`] writes into the two buffers of a per-worker
//! [`TransformScratch`] in turn, so once those have grown to the largest
//! buffer seen, a chain runs without allocating.
//!
//! Where Suricata leaves the buffer as it was (a `pcrexform` that does not
//! match, a `from_base64` whose offset is past the end or whose input does
//! not decode), the transform passes its input on unchanged.
//!
//! `domain` and `tld` keep the registrable domain or the public suffix of
//! the host name in the buffer ([`crate::public_suffix`]); a name without
//! one passes on unchanged.
//!
//! Not implemented, refused by [`compile_transform`] with the keyword as the
//! reason: `luaxform` (no Lua), `gunzip` and `zlib_deflate`.

use std::sync::Arc;

use foldhash::fast::FixedState;
use hashbrown::HashMap;
use md5::Md5;
use pcre2::bytes::{CaptureLocations, Regex, RegexBuilder};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use warden_rules::Transform;

/// How `from_base64` treats characters outside the base64 alphabet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Base64Mode {
    /// RFC 4648 (the default): decoding stops at the first character that is
    /// not in the alphabet (`=` included); what was decoded before it is
    /// kept.
    #[default]
    Rfc4648,
    /// RFC 2045 (MIME): characters outside the alphabet are skipped; `=`
    /// ends the data.
    Rfc2045,
    /// The whole input must be canonical padded base64 (length a multiple of
    /// four, `=` only as final padding, unused bits zero); anything else
    /// fails and the buffer is left as it was.
    Strict,
}

/// A `pcrexform` regex; the output is its first capture group.
#[derive(Debug, Clone)]
pub struct Pcrexform {
    /// Compiled regex (shared so a worker's capture slots can be keyed by it).
    pub regex: Arc<Regex>,
    /// Regex text as written in the rule.
    pub source: String,
}

/// One transform, ready to run.
#[derive(Debug, Clone)]
pub enum CompiledTransform {
    /// `dotprefix`: prepend `.` (an empty buffer stays empty).
    Dotprefix,
    /// `strip_whitespace`: drop every byte C's `isspace()` accepts.
    StripWhitespace,
    /// `compress_whitespace`: each run of whitespace becomes its first byte.
    CompressWhitespace,
    /// `to_lowercase` (ASCII).
    ToLowercase,
    /// `to_uppercase` (ASCII).
    ToUppercase,
    /// `url_decode`: `%HH` becomes the byte, `+` a space; a `%` not followed
    /// by two hex digits stays as it is.
    UrlDecode,
    /// `xor` with the key, repeated over the buffer.
    Xor(Vec<u8>),
    /// `pcrexform`.
    Pcrexform(Pcrexform),
    /// `to_md5`: the raw 16-byte digest.
    ToMd5,
    /// `to_sha1`: the raw 20-byte digest.
    ToSha1,
    /// `to_sha256`: the raw 32-byte digest.
    ToSha256,
    /// `header_lowercase`: lowercase each header line's name (up to its
    /// first `:`), values untouched.
    HeaderLowercase,
    /// `strip_pseudo_headers`: drop each line that starts with `:` (HTTP/2
    /// pseudo-headers), its line feed included.
    StripPseudoHeaders,
    /// `domain`: the registrable domain of the host name.
    Domain,
    /// `tld`: the public suffix of the host name.
    Tld,
    /// `from_base64`.
    FromBase64 {
        /// `bytes`: decode at most this many input bytes (0: all of them).
        bytes: u32,
        /// `offset`: skip this many input bytes first.
        offset: u32,
        /// `mode`.
        mode: Base64Mode,
    },
}

/// Compile one transform of a rule. A transform the engine cannot honour is
/// an `Err` naming its keyword.
pub fn compile_transform(t: &Transform) -> Result<CompiledTransform, String> {
    Ok(match t {
        Transform::Dotprefix => CompiledTransform::Dotprefix,
        Transform::StripWhitespace => CompiledTransform::StripWhitespace,
        Transform::CompressWhitespace => CompiledTransform::CompressWhitespace,
        Transform::ToLowercase => CompiledTransform::ToLowercase,
        Transform::ToUppercase => CompiledTransform::ToUppercase,
        Transform::UrlDecode => CompiledTransform::UrlDecode,
        Transform::Xor(key) => {
            if key.is_empty() {
                return Err("xor: empty key".to_string());
            }
            CompiledTransform::Xor(key.clone())
        }
        Transform::Pcrexform(src) => {
            let regex = RegexBuilder::new()
                .jit_if_available(true)
                .build(src)
                .map_err(|e| format!("pcrexform: {e}"))?;
            // captures_len counts the whole match as group 0.
            if regex.captures_len() < 2 {
                return Err(format!(
                    "pcrexform: regex '{src}' has no capture group to take the output from"
                ));
            }
            CompiledTransform::Pcrexform(Pcrexform {
                regex: Arc::new(regex),
                source: src.clone(),
            })
        }
        Transform::ToMd5 => CompiledTransform::ToMd5,
        Transform::ToSha1 => CompiledTransform::ToSha1,
        Transform::ToSha256 => CompiledTransform::ToSha256,
        Transform::HeaderLowercase => CompiledTransform::HeaderLowercase,
        Transform::StripPseudoHeaders => CompiledTransform::StripPseudoHeaders,
        Transform::FromBase64(o) => {
            if o.relative {
                return Err("from_base64: relative".to_string());
            }
            let mode = match o.mode.as_deref() {
                None | Some("rfc4648") => Base64Mode::Rfc4648,
                Some("rfc2045") => Base64Mode::Rfc2045,
                Some("strict") => Base64Mode::Strict,
                Some(m) => return Err(format!("from_base64: mode {m}")),
            };
            CompiledTransform::FromBase64 {
                bytes: o.bytes.unwrap_or(0),
                offset: o.offset.unwrap_or(0),
                mode,
            }
        }
        Transform::Luaxform(_) => return Err("luaxform".to_string()),
        Transform::Gunzip => return Err("gunzip".to_string()),
        Transform::ZlibDeflate => return Err("zlib_deflate".to_string()),
        Transform::Domain => CompiledTransform::Domain,
        Transform::Tld => CompiledTransform::Tld,
        other => return Err(format!("{other:?}").to_lowercase()),
    })
}

/// Compile a whole chain; the first transform that cannot be honoured is the
/// error.
pub fn compile_chain(ts: &[Transform]) -> Result<Vec<CompiledTransform>, String> {
    ts.iter().map(compile_transform).collect()
}

/// Per-worker buffers for [`apply`]; reuse one across packets.
#[derive(Default)]
pub struct TransformScratch {
    a: Vec<u8>,
    b: Vec<u8>,
    /// Capture slots per `pcrexform` regex. The key is the regex's address;
    /// the entry holds the `Arc` so that address cannot be reused while the
    /// slot exists.
    captures: HashMap<usize, (Arc<Regex>, CaptureLocations), FixedState>,
}

impl std::fmt::Debug for TransformScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformScratch")
            .field("a", &self.a.len())
            .field("b", &self.b.len())
            .field("captures", &self.captures.len())
            .finish()
    }
}

impl TransformScratch {
    /// Empty scratch.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Which buffer holds the current bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cur {
    Input,
    A,
    B,
}

/// Apply `chain` in order to `input`, returning the final bytes: `input`
/// itself when the chain is empty (or no transform changed anything),
/// otherwise one of `scratch`'s buffers.
pub fn apply<'a>(
    chain: &[CompiledTransform],
    input: &'a [u8],
    scratch: &'a mut TransformScratch,
) -> &'a [u8] {
    let TransformScratch { a, b, captures } = scratch;
    let mut cur = Cur::Input;
    for t in chain {
        // Read from the current buffer, write into the other scratch one.
        let (src, dst, next): (&[u8], &mut Vec<u8>, Cur) = match cur {
            Cur::Input | Cur::B => (if cur == Cur::B { b } else { input }, &mut *a, Cur::A),
            Cur::A => (a, &mut *b, Cur::B),
        };
        dst.clear();
        if step(t, src, dst, captures) {
            cur = next;
        }
    }
    match cur {
        Cur::Input => input,
        Cur::A => a,
        Cur::B => b,
    }
}

/// Run one transform from `src` into the empty `dst`; `false` when the
/// transform leaves its input as it is (`dst` then means nothing).
fn step(
    t: &CompiledTransform,
    src: &[u8],
    dst: &mut Vec<u8>,
    captures: &mut HashMap<usize, (Arc<Regex>, CaptureLocations), FixedState>,
) -> bool {
    match t {
        CompiledTransform::Dotprefix => {
            if src.is_empty() {
                return false;
            }
            dst.push(b'.');
            dst.extend_from_slice(src);
        }
        CompiledTransform::StripWhitespace => {
            dst.extend(src.iter().copied().filter(|&c| !is_space(c)));
        }
        CompiledTransform::CompressWhitespace => {
            let mut prev_space = false;
            for &c in src {
                let sp = is_space(c);
                if !(sp && prev_space) {
                    dst.push(c);
                }
                prev_space = sp;
            }
        }
        CompiledTransform::ToLowercase => {
            dst.extend(src.iter().map(u8::to_ascii_lowercase));
        }
        CompiledTransform::ToUppercase => {
            dst.extend(src.iter().map(u8::to_ascii_uppercase));
        }
        CompiledTransform::UrlDecode => url_decode(src, dst),
        CompiledTransform::Xor(key) => {
            dst.extend(src.iter().zip(key.iter().cycle()).map(|(&c, &k)| c ^ k));
        }
        CompiledTransform::Pcrexform(p) => return pcrexform(p, src, dst, captures),
        CompiledTransform::Domain => match crate::public_suffix::registrable_domain(src) {
            Some(d) => dst.extend_from_slice(d),
            None => return false,
        },
        CompiledTransform::Tld => match crate::public_suffix::public_suffix(src) {
            Some(s) => dst.extend_from_slice(s),
            None => return false,
        },
        CompiledTransform::ToMd5 => dst.extend_from_slice(&Md5::digest(src)),
        CompiledTransform::ToSha1 => dst.extend_from_slice(&Sha1::digest(src)),
        CompiledTransform::ToSha256 => dst.extend_from_slice(&Sha256::digest(src)),
        CompiledTransform::HeaderLowercase => {
            let mut in_name = true;
            for &c in src {
                if in_name {
                    dst.push(c.to_ascii_lowercase());
                    if c == b':' {
                        in_name = false;
                    }
                } else {
                    dst.push(c);
                }
                if c == b'\n' {
                    in_name = true;
                }
            }
        }
        CompiledTransform::StripPseudoHeaders => {
            for line in src.split_inclusive(|&c| c == b'\n') {
                if line.first() != Some(&b':') {
                    dst.extend_from_slice(line);
                }
            }
        }
        CompiledTransform::FromBase64 {
            bytes,
            offset,
            mode,
        } => {
            let offset = *offset as usize;
            if offset > src.len() {
                return false;
            }
            let mut data = &src[offset..];
            if *bytes != 0 {
                data = &data[..data.len().min(*bytes as usize)];
            }
            if !base64_decode(data, *mode, dst) || dst.is_empty() {
                return false;
            }
        }
    }
    true
}

/// C's `isspace()` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn url_decode(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        match c {
            b'%' if i + 2 < src.len() => {
                if let (Some(h), Some(l)) = (hex_val(src[i + 1]), hex_val(src[i + 2])) {
                    dst.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                dst.push(c);
            }
            b'+' => dst.push(b' '),
            _ => dst.push(c),
        }
        i += 1;
    }
}

fn pcrexform(
    p: &Pcrexform,
    src: &[u8],
    dst: &mut Vec<u8>,
    captures: &mut HashMap<usize, (Arc<Regex>, CaptureLocations), FixedState>,
) -> bool {
    let key = Arc::as_ptr(&p.regex) as usize;
    let (_, locs) = captures
        .entry(key)
        .or_insert_with(|| (Arc::clone(&p.regex), p.regex.capture_locations()));
    match p.regex.captures_read(locs, src) {
        Ok(Some(_)) => match locs.get(1) {
            Some((s, e)) => {
                dst.extend_from_slice(&src[s..e]);
                true
            }
            None => false,
        },
        // No match, or a match error (e.g. a resource limit): as Suricata,
        // the buffer stays as it was.
        _ => false,
    }
}

/// Value of a base64 alphabet character (standard alphabet).
fn b64_val(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decode `src` into `dst` (appending). `false` only in strict mode, when
/// the input is not canonical padded base64 (`dst` then holds garbage).
fn base64_decode(src: &[u8], mode: Base64Mode, dst: &mut Vec<u8>) -> bool {
    if mode == Base64Mode::Strict {
        return base64_strict(src, dst);
    }
    let mut acc = 0u32;
    let mut n = 0;
    for &c in src {
        match b64_val(c) {
            Some(v) => {
                acc = acc << 6 | v;
                n += 1;
                if n == 4 {
                    dst.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
                    acc = 0;
                    n = 0;
                }
            }
            None if c == b'=' || mode == Base64Mode::Rfc4648 => break,
            None => {} // RFC 2045: skip characters outside the alphabet.
        }
    }
    flush_partial(acc, n, dst);
    true
}

/// A final group of 2 or 3 characters carries 1 or 2 bytes; a lone
/// character carries none.
fn flush_partial(acc: u32, n: u32, dst: &mut Vec<u8>) {
    match n {
        2 => dst.push((acc >> 4) as u8),
        3 => dst.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
}

fn base64_strict(src: &[u8], dst: &mut Vec<u8>) -> bool {
    if src.len() % 4 != 0 {
        return false;
    }
    let quads = src.len() / 4;
    for (qi, q) in src.chunks_exact(4).enumerate() {
        let last = qi + 1 == quads;
        let pad = if last {
            q.iter().rev().take_while(|&&c| c == b'=').count()
        } else {
            0
        };
        if pad > 2 {
            return false;
        }
        let mut acc = 0u32;
        for &c in &q[..4 - pad] {
            match b64_val(c) {
                Some(v) => acc = acc << 6 | v,
                None => return false,
            }
        }
        match pad {
            0 => dst.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            // Unused low bits must be zero in canonical encoding.
            1 if acc & 0x3 == 0 => flush_partial(acc, 3, dst),
            2 if acc & 0xf == 0 => flush_partial(acc, 2, dst),
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_rules::Base64Decode;

    fn run(chain: &[Transform], input: &[u8]) -> Vec<u8> {
        let chain = compile_chain(chain).expect("compiles");
        let mut s = TransformScratch::new();
        apply(&chain, input, &mut s).to_vec()
    }

    fn one(t: Transform, input: &[u8]) -> Vec<u8> {
        run(&[t], input)
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn b64(bytes: Option<u32>, offset: Option<u32>, mode: Option<&str>) -> Transform {
        Transform::FromBase64(Base64Decode {
            bytes,
            offset,
            relative: false,
            mode: mode.map(str::to_string),
        })
    }

    #[test]
    fn empty_chain_returns_input_itself() {
        let mut s = TransformScratch::new();
        let input = b"abc";
        let out = apply(&[], input, &mut s);
        assert_eq!(out.as_ptr(), input.as_ptr());
    }

    #[test]
    fn dotprefix() {
        assert_eq!(one(Transform::Dotprefix, b"example.com"), b".example.com");
        assert_eq!(
            one(Transform::Dotprefix, b"hello.google.com"),
            b".hello.google.com"
        );
        assert_eq!(one(Transform::Dotprefix, b""), b"");
    }

    #[test]
    fn whitespace() {
        assert_eq!(
            one(
                Transform::StripWhitespace,
                b" window.navigate \t(\r\n\x0b\x0c"
            ),
            b"window.navigate("
        );
        assert_eq!(
            one(Transform::CompressWhitespace, b"a   b \t\r\n c  "),
            b"a b c "
        );
        // Each run keeps its first byte, as Suricata does.
        assert_eq!(one(Transform::CompressWhitespace, b"a\t\t b"), b"a\tb");
        assert_eq!(one(Transform::StripWhitespace, b""), b"");
        assert_eq!(one(Transform::CompressWhitespace, b""), b"");
    }

    #[test]
    fn case() {
        assert_eq!(
            one(Transform::ToLowercase, b"GeT /InDeX\xC4"),
            b"get /index\xC4"
        );
        assert_eq!(
            one(Transform::ToUppercase, b"GeT /InDeX\xe4"),
            b"GET /INDEX\xe4"
        );
    }

    #[test]
    fn url_decode() {
        assert_eq!(one(Transform::UrlDecode, b"..%2e%2E/a+b"), b"..../a b");
        assert_eq!(one(Transform::UrlDecode, b"%41"), b"A");
        // Incomplete or invalid escapes stay as they are.
        assert_eq!(one(Transform::UrlDecode, b"%4"), b"%4");
        assert_eq!(one(Transform::UrlDecode, b"%zz%"), b"%zz%");
        assert_eq!(one(Transform::UrlDecode, b"%%41"), b"%A");
    }

    #[test]
    fn xor() {
        assert_eq!(
            one(
                Transform::Xor(vec![0x0d, 0x0a, 0xc8]),
                b"\x0d\x0a\xc8\x6e\x0b\xc8"
            ),
            b"\0\0\0c\x01\0"
        );
        assert_eq!(one(Transform::Xor(vec![0x20]), b"ABC"), b"abc");
        assert!(compile_transform(&Transform::Xor(vec![])).is_err());
    }

    #[test]
    fn hashes() {
        assert_eq!(
            one(Transform::ToMd5, b"abc"),
            hex("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            one(Transform::ToSha1, b"abc"),
            hex("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            one(Transform::ToSha256, b"abc"),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            one(Transform::ToSha256, b""),
            hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn header_lowercase() {
        assert_eq!(
            one(
                Transform::HeaderLowercase,
                b"Host: Example.COM\r\nUser-Agent: Mozilla: X\r\nX-A:B\r\n"
            ),
            b"host: Example.COM\r\nuser-agent: Mozilla: X\r\nx-a:B\r\n"
        );
    }

    #[test]
    fn strip_pseudo_headers() {
        assert_eq!(
            one(
                Transform::StripPseudoHeaders,
                b":method: GET\r\n:path: /\r\nuser-agent: curl:1\r\n:authority: x\r\naccept: */*\r\n"
            ),
            b"user-agent: curl:1\r\naccept: */*\r\n"
        );
        assert_eq!(one(Transform::StripPseudoHeaders, b":a: b"), b"");
    }

    #[test]
    fn from_base64_default_rfc4648() {
        assert_eq!(one(b64(None, None, None), b"Zm9vYmFy"), b"foobar");
        assert_eq!(one(b64(None, None, None), b"Zm9vYg=="), b"foob");
        assert_eq!(one(b64(None, None, None), b"Zm9vYmE="), b"fooba");
        // Unpadded final group.
        assert_eq!(one(b64(None, None, None), b"Zm9vYg"), b"foob");
        // Stops at the first character outside the alphabet.
        assert_eq!(one(b64(None, None, None), b"Zm9v YmFy"), b"foo");
        assert_eq!(
            one(b64(None, None, Some("rfc4648")), b"Zm9v\r\nYmFy"),
            b"foo"
        );
    }

    #[test]
    fn from_base64_rfc2045_skips_junk() {
        assert_eq!(
            one(b64(None, None, Some("rfc2045")), b"Zm9v\r\nYm Fy"),
            b"foobar"
        );
        assert_eq!(
            one(b64(None, None, Some("rfc2045")), b"Zm9vYg==ignored"),
            b"foob"
        );
    }

    #[test]
    fn from_base64_strict() {
        let t = || b64(None, None, Some("strict"));
        assert_eq!(one(t(), b"Zm9vYmFy"), b"foobar");
        assert_eq!(one(t(), b"Zm9vYg=="), b"foob");
        assert_eq!(one(t(), b"Zm9vYmE="), b"fooba");
        // Invalid: the buffer is left as it was.
        for bad in [
            &b"Zm9vYg"[..],
            b"Zm9v YmFy",
            b"Zm9=YmFy",
            b"Zm9vY===",
            b"Zm9vYh==", // non-zero unused bits
        ] {
            assert_eq!(one(t(), bad), bad, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn from_base64_offset_and_bytes() {
        // offset skips input bytes, bytes limits how many are decoded.
        assert_eq!(one(b64(None, Some(4), None), b"xxxxZm9vYmFy"), b"foobar");
        assert_eq!(one(b64(Some(4), None, None), b"Zm9vYmFy"), b"foo");
        assert_eq!(
            one(b64(Some(8), Some(4), None), b"GET/Zm9vYmFyZm9v"),
            b"foobar"
        );
        // bytes past the end: decode what there is.
        assert_eq!(one(b64(Some(100), None, None), b"Zm9v"), b"foo");
        // Offset beyond the buffer, or nothing decodable: unchanged.
        assert_eq!(one(b64(None, Some(20), None), b"Zm9v"), b"Zm9v");
        assert_eq!(one(b64(None, None, None), b"!!!!"), b"!!!!");
        assert_eq!(one(b64(None, Some(4), None), b"Zm9v"), b"Zm9v");
        assert_eq!(one(b64(None, None, None), b""), b"");
    }

    #[test]
    fn from_base64_compile() {
        let rel = Transform::FromBase64(Base64Decode {
            relative: true,
            ..Default::default()
        });
        assert!(compile_transform(&rel).is_err());
        let bad = b64(None, None, Some("relax"));
        assert!(compile_transform(&bad).is_err());
    }

    #[test]
    fn pcrexform_takes_first_group() {
        let t = || Transform::Pcrexform(r"[a-zA-Z]+\s+(.*)".to_string());
        assert_eq!(
            one(t(), b"GET /index.html HTTP/1.1"),
            b"/index.html HTTP/1.1"
        );
        // No match: unchanged.
        assert_eq!(one(t(), b"12345"), b"12345");
        // An unset first group leaves the buffer unchanged.
        assert_eq!(one(Transform::Pcrexform("(a)?b".to_string()), b"xb"), b"xb");
        assert!(compile_transform(&Transform::Pcrexform("abc".to_string())).is_err());
        assert!(compile_transform(&Transform::Pcrexform("(abc".to_string())).is_err());
    }

    #[test]
    fn domain_and_tld_keep_the_tail_of_a_host_name() {
        assert_eq!(one(Transform::Domain, b"www.bbc.co.uk"), b"bbc.co.uk");
        assert_eq!(one(Transform::Tld, b"www.bbc.co.uk"), b"co.uk");
        // no registrable domain: unchanged
        assert_eq!(one(Transform::Domain, b"co.uk"), b"co.uk");
        assert_eq!(one(Transform::Tld, b""), b"");
    }

    #[test]
    fn unsupported_are_named() {
        assert_eq!(
            compile_transform(&Transform::Luaxform("x.lua".to_string())).unwrap_err(),
            "luaxform"
        );
        assert_eq!(compile_transform(&Transform::Gunzip).unwrap_err(), "gunzip");
        assert_eq!(
            compile_transform(&Transform::ZlibDeflate).unwrap_err(),
            "zlib_deflate"
        );
    }

    #[test]
    fn chains() {
        // Suricata's doc example: compress_whitespace then to_sha256.
        assert_eq!(
            run(
                &[Transform::CompressWhitespace, Transform::ToSha256],
                b"a  \t b"
            ),
            run(&[Transform::ToSha256], b"a b")
        );
        assert_eq!(
            run(
                &[Transform::ToLowercase, Transform::Dotprefix],
                b"WWW.Example.COM"
            ),
            b".www.example.com"
        );
        assert_eq!(
            run(
                &[Transform::UrlDecode, b64(None, None, None)],
                b"Zm9vYmFy%3D"
            ),
            b"foobar"
        );
        // Three steps, a no-op one in the middle (pcrexform not matching).
        assert_eq!(
            run(
                &[
                    Transform::StripWhitespace,
                    Transform::Pcrexform("(z+)".to_string()),
                    Transform::ToUppercase
                ],
                b" a b "
            ),
            b"AB"
        );
        assert_eq!(
            run(&[Transform::Dotprefix, Transform::StripWhitespace], b""),
            b""
        );
    }

    #[test]
    fn scratch_is_reused_without_growing() {
        let chain = compile_chain(&[
            Transform::ToLowercase,
            Transform::Pcrexform("(b+)".to_string()),
            Transform::Dotprefix,
        ])
        .unwrap();
        let mut s = TransformScratch::new();
        assert_eq!(apply(&chain, b"ABBBC", &mut s), b".bbb");
        let caps = (s.a.capacity(), s.b.capacity());
        for _ in 0..10 {
            assert_eq!(apply(&chain, b"xBBy", &mut s), b".bb");
        }
        assert_eq!((s.a.capacity(), s.b.capacity()), caps);
        assert_eq!(s.captures.len(), 1);
    }
}
