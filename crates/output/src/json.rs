//! A minimal JSON writer over a reused `Vec<u8>`.
//!
//! Why hand-written rather than `serde_json::to_writer`: EVE consumers and
//! our golden tests depend on an exact key order that follows Suricata's,
//! with keys present or absent depending on the record (ports, ICMP fields,
//! flow, payload). Expressing that with derived `Serialize` impls would need
//! a wrapper type per event variant plus `skip_serializing_if` everywhere;
//! writing keys in order is shorter, obviously ordered, and appends straight
//! into the caller's reused buffer, so rendering an event allocates nothing
//! once the buffer has grown to its working size.
//!
//! The builder tracks only whether a comma is due; nesting correctness is
//! the caller's responsibility (each `begin_*` has a matching `end_*`).

use std::net::IpAddr;

/// Appends JSON tokens to a borrowed byte buffer.
pub struct JsonBuf<'b> {
    out: &'b mut Vec<u8>,
    /// True when the next value or key in the current container needs a
    /// leading comma.
    need_comma: bool,
}

pub(crate) const HEX: &[u8; 16] = b"0123456789abcdef";

impl<'b> JsonBuf<'b> {
    /// Starts writing at the end of `out`.
    pub fn new(out: &'b mut Vec<u8>) -> Self {
        JsonBuf {
            out,
            need_comma: false,
        }
    }

    fn sep(&mut self) {
        if self.need_comma {
            self.out.push(b',');
        }
        self.need_comma = true;
    }

    fn key(&mut self, k: &str) {
        self.sep();
        write_str(self.out, k);
        self.out.push(b':');
    }

    /// `{` as a value in an array or at top level.
    pub fn begin_object(&mut self) {
        self.sep();
        self.out.push(b'{');
        self.need_comma = false;
    }

    /// `"k":{`.
    pub fn begin_object_key(&mut self, k: &str) {
        self.key(k);
        self.out.push(b'{');
        self.need_comma = false;
    }

    /// `}`.
    pub fn end_object(&mut self) {
        self.out.push(b'}');
        self.need_comma = true;
    }

    /// `"k":[`.
    pub fn begin_array_key(&mut self, k: &str) {
        self.key(k);
        self.out.push(b'[');
        self.need_comma = false;
    }

    /// `"k":[` where the key's bytes are written by `f` (which must only
    /// write bytes that need no JSON escaping).
    pub fn begin_array_key_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        self.sep();
        self.out.push(b'"');
        f(self.out);
        self.out.extend_from_slice(b"\":[");
        self.need_comma = false;
    }

    /// `]`.
    pub fn end_array(&mut self) {
        self.out.push(b']');
        self.need_comma = true;
    }

    /// A string element inside an array.
    pub fn elem_str(&mut self, v: &str) {
        self.sep();
        write_str(self.out, v);
    }

    /// A string element whose bytes are written by `f` (which must only
    /// write bytes that need no JSON escaping).
    pub fn elem_raw_str_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        self.sep();
        self.out.push(b'"');
        f(self.out);
        self.out.push(b'"');
    }

    /// An unsigned element inside an array.
    pub fn elem_u64(&mut self, v: u64) {
        self.sep();
        write_u64(self.out, v);
    }

    /// `"k":"v"` with `v` escaped.
    pub fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        write_str(self.out, v);
    }

    /// `"k":"v"` where `v` may hold invalid UTF-8 (replaced by U+FFFD).
    pub fn str_bytes(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        write_str_bytes(self.out, v);
    }

    /// `"k":"v"` in Suricata's bytes-to-string form (see
    /// [`write_str_from_bytes`]).
    pub fn str_from_bytes(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        write_str_from_bytes(self.out, v);
    }

    /// A string element in Suricata's bytes-to-string form.
    pub fn elem_str_from_bytes(&mut self, v: &[u8]) {
        self.sep();
        write_str_from_bytes(self.out, v);
    }

    /// `"k":N`.
    pub fn u64(&mut self, k: &str, v: u64) {
        self.key(k);
        write_u64(self.out, v);
    }

    /// `"k":N` for signed values.
    pub fn i64(&mut self, k: &str, v: i64) {
        self.key(k);
        if v < 0 {
            self.out.push(b'-');
        }
        write_u64(self.out, v.unsigned_abs());
    }

    /// `"k":true|false`.
    pub fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// `"k":"<ip>"` in Suricata's address form (see [`write_ip`]).
    pub fn ip(&mut self, k: &str, v: IpAddr) {
        self.key(k);
        self.out.push(b'"');
        write_ip(self.out, v);
        self.out.push(b'"');
    }

    /// `"k":"<base64 of v>"`.
    pub fn base64(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        self.out.push(b'"');
        write_base64(self.out, v);
        self.out.push(b'"');
    }

    /// `"k":"` followed by raw bytes written by `f`, then `"`. The closure
    /// must only write bytes that need no JSON escaping.
    pub fn raw_str_with(&mut self, k: &str, f: impl FnOnce(&mut Vec<u8>)) {
        self.key(k);
        self.out.push(b'"');
        f(self.out);
        self.out.push(b'"');
    }
}

/// Appends the decimal form of `v`.
pub fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Appends `v` as a quoted JSON string. Escapes as Suricata's JSON builder
/// does: `"` and `\` with a backslash, `\b \f \n \r \t` by name, other
/// control bytes below 0x20 as `\u00XX`; everything else, including
/// non-ASCII UTF-8 and `/`, is copied as is.
pub fn write_str(out: &mut Vec<u8>, v: &str) {
    out.push(b'"');
    escape_into(out, v.as_bytes());
    out.push(b'"');
}

/// Like [`write_str`] for bytes that may not be UTF-8: each invalid
/// sequence becomes U+FFFD, as `String::from_utf8_lossy` would render it.
pub fn write_str_bytes(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'"');
    for chunk in v.utf8_chunks() {
        escape_into(out, chunk.valid().as_bytes());
        if !chunk.invalid().is_empty() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        }
    }
    out.push(b'"');
}

/// Appends raw protocol bytes as a quoted JSON string the way Suricata's
/// JSON builder renders byte buffers (`set_string_from_bytes`): each ASCII
/// byte stands for itself (and is escaped as [`write_str`] does), each byte
/// 0x80 and above becomes the four characters `\xNN` (lower-case hex), so
/// `b"a\xe9"` is written `"a\\xe9"`. Used for HTTP fields, DNS names and
/// record data, TLS ALPNs.
pub fn write_str_from_bytes(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'"');
    escape_from_bytes(out, v);
    out.push(b'"');
}

fn escape_from_bytes(out: &mut Vec<u8>, v: &[u8]) {
    let mut start = 0;
    for (i, &b) in v.iter().enumerate() {
        if b >= 0x80 {
            escape_into(out, &v[start..i]);
            out.extend_from_slice(b"\\\\x");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
            start = i + 1;
        }
    }
    escape_into(out, &v[start..]);
}

/// Escapes valid UTF-8 bytes (no quotes added).
fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends an address as Suricata prints it: dotted quad for IPv4, and for
/// IPv6 all eight groups as four lower-case hex digits each, uncompressed
/// (`2001:0db8:0000:0000:0000:0000:0000:0001`).
pub fn write_ip(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            for (i, o) in a.octets().iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                write_u64(out, u64::from(*o));
            }
        }
        IpAddr::V6(a) => {
            for (i, s) in a.segments().iter().enumerate() {
                if i > 0 {
                    out.push(b':');
                }
                for shift in [12u16, 8, 4, 0] {
                    out.push(HEX[((s >> shift) & 0xf) as usize]);
                }
            }
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends standard padded base64 (RFC 4648 section 4) of `data`.
pub fn write_base64(out: &mut Vec<u8>, data: &[u8]) {
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(
            s(|o| write_str(o, "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}/é\u{7f}")),
            r#""a\"b\\c\n\r\t\b\f\u0001\u001f/é"#.to_string() + "\u{7f}\""
        );
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(
            s(|o| write_str_bytes(o, b"ok\xff\xfe\"x\xc3\xa9")),
            "\"ok\u{FFFD}\u{FFFD}\\\"xé\""
        );
    }

    #[test]
    fn bytes_as_suricata_renders_them() {
        assert_eq!(
            s(|o| write_str_from_bytes(o, b"VACKD\x03\xc5\xe9\x01\"/")),
            r#""VACKD\u0003\\xc5\\xe9\u0001\"/""#
        );
        assert_eq!(s(|o| write_str_from_bytes(o, b"")), r#""""#);
    }

    #[test]
    fn base64_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(s(|v| write_base64(v, i.as_bytes())), o);
        }
    }

    #[test]
    fn ip_forms() {
        assert_eq!(
            s(|o| write_ip(o, "10.0.0.255".parse().unwrap())),
            "10.0.0.255"
        );
        assert_eq!(
            s(|o| write_ip(o, "2001:db8:1:2::1000".parse().unwrap())),
            "2001:0db8:0001:0002:0000:0000:0000:1000"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|o| write_u64(o, 0)), "0");
        assert_eq!(s(|o| write_u64(o, u64::MAX)), "18446744073709551615");
        let mut v = Vec::new();
        let mut j = JsonBuf::new(&mut v);
        j.begin_object();
        j.i64("a", -5);
        j.bool("b", true);
        j.begin_array_key("c");
        j.elem_u64(1);
        j.elem_str("x");
        j.end_array();
        j.end_object();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            r#"{"a":-5,"b":true,"c":[1,"x"]}"#
        );
    }
}
