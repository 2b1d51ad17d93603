//! ClientHello and ServerHello contents and the fingerprints built from them:
//! JA3, JA3S and JA4 (TLS client, over TCP).
//!
//! Bodies are parsed with `tls-parser`; the extension list is walked here so
//! that every extension type, GREASE and unknown ones included, keeps its
//! position (JA3 lists extensions in wire order, JA4 counts and sorts them).
//!
//! JA3 (Salesforce): `version,ciphers,extensions,groups,point_formats`, each
//! list `-`-joined in decimal, GREASE values removed; hashed with MD5.
//! JA4 (FoxIO, TLS client): `a_b_c` where `a` is `t`, the highest offered
//! version code, `d`/`i` for SNI, the cipher and extension counts (two digits,
//! at most 99, GREASE excluded) and the first and last character of the first
//! ALPN value (`00` when absent); `b` is the first 12 hex digits of the SHA-256
//! of the sorted 4-digit-hex cipher list; `c` the same over the sorted
//! extension list without SNI and ALPN, `_`, and the signature algorithms in
//! wire order. Outputs agree with Suricata 8's (checked against its EVE).

use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::fmt::Write as _;
use tls_parser::{
    parse_tls_client_hello_extension, parse_tls_handshake_client_hello,
    parse_tls_handshake_server_hello, parse_tls_server_hello_extension, SNIType, TlsExtension,
};

/// Extension numbers used here.
mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const ALPN: u16 = 16;
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// True for the GREASE values of RFC 8701 (0x0a0a, 0x1a1a, ... 0xfafa).
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// Anomalies met while reading a hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HelloAnomalies {
    /// More than one server_name extension.
    pub multiple_sni: bool,
    /// server_name entry of a type other than host_name.
    pub invalid_sni_type: bool,
    /// server_name extension whose lengths do not add up.
    pub invalid_sni_length: bool,
}

/// What the ClientHello offered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHello {
    /// legacy_version of the hello.
    pub version: u16,
    /// The 32 random bytes (`tls.random`; the first 4 are `tls.random_time`).
    pub random: Vec<u8>,
    /// Session id (empty when absent).
    pub session_id: Vec<u8>,
    /// Cipher suites in wire order (GREASE included).
    pub ciphers: Vec<u16>,
    /// Extension types in wire order (GREASE included).
    pub extensions: Vec<u16>,
    /// Host name from server_name (first host_name entry).
    pub sni: Option<Vec<u8>>,
    /// ALPN protocol names.
    pub alpn: Vec<Vec<u8>>,
    /// supported_versions entries.
    pub supported_versions: Vec<u16>,
    /// supported_groups entries.
    pub groups: Vec<u16>,
    /// signature_algorithms entries.
    pub sig_algs: Vec<u16>,
    /// ec_point_formats entries.
    pub point_formats: Vec<u8>,
    /// Anomalies.
    pub anomalies: HelloAnomalies,
}

/// What the ServerHello chose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerHello {
    /// legacy_version of the hello.
    pub version: u16,
    /// The 32 random bytes (`tls.random`; the first 4 are `tls.random_time`).
    pub random: Vec<u8>,
    /// supported_versions selection (TLS 1.3), if present.
    pub selected_version: Option<u16>,
    /// Session id (empty when absent).
    pub session_id: Vec<u8>,
    /// Chosen cipher suite.
    pub cipher: u16,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// ALPN protocol chosen.
    pub alpn: Vec<Vec<u8>>,
}

impl ServerHello {
    /// The negotiated version: supported_versions when present, else the
    /// hello's version.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.version)
    }
}

/// Splits an extensions block into (type, whole extension bytes).
fn walk_extensions(mut block: &[u8]) -> Option<Vec<(u16, &[u8])>> {
    let mut out = Vec::new();
    while !block.is_empty() {
        if block.len() < 4 {
            return None;
        }
        let t = u16::from_be_bytes([block[0], block[1]]);
        let l = u16::from_be_bytes([block[2], block[3]]) as usize;
        if block.len() < 4 + l {
            return None;
        }
        out.push((t, &block[..4 + l]));
        block = &block[4 + l..];
    }
    Some(out)
}

/// Checks the server_name extension body by hand (tls-parser is lenient).
fn check_sni(raw: &[u8], a: &mut HelloAnomalies) {
    let body = &raw[4..];
    if body.len() < 2 {
        a.invalid_sni_length = true;
        return;
    }
    let list = u16::from_be_bytes([body[0], body[1]]) as usize;
    if list + 2 != body.len() {
        a.invalid_sni_length = true;
        return;
    }
    let mut p = &body[2..];
    while !p.is_empty() {
        if p.len() < 3 {
            a.invalid_sni_length = true;
            return;
        }
        if p[0] != 0 {
            a.invalid_sni_type = true;
        }
        let l = u16::from_be_bytes([p[1], p[2]]) as usize;
        if p.len() < 3 + l {
            a.invalid_sni_length = true;
            return;
        }
        p = &p[3 + l..];
    }
}

/// Parses a ClientHello handshake body (after the 4-byte handshake header).
pub fn parse_client_hello(body: &[u8]) -> Option<ClientHello> {
    let (_, ch) = parse_tls_handshake_client_hello(body).ok()?;
    let mut out = ClientHello {
        version: ch.version.0,
        random: ch.random.to_vec(),
        session_id: ch.session_id.unwrap_or_default().to_vec(),
        ciphers: ch.ciphers.iter().map(|c| c.0).collect(),
        ..Default::default()
    };
    let Some(block) = ch.ext else {
        return Some(out);
    };
    let exts = walk_extensions(block).unwrap_or_default();
    let mut sni_count = 0;
    for (t, raw) in exts {
        out.extensions.push(t);
        if t == ext::SERVER_NAME {
            sni_count += 1;
            check_sni(raw, &mut out.anomalies);
        }
        let Ok((_, parsed)) = parse_tls_client_hello_extension(raw) else {
            continue;
        };
        match parsed {
            TlsExtension::SNI(names) if out.sni.is_none() => {
                out.sni = names
                    .iter()
                    .find(|(ty, _)| *ty == SNIType::HostName)
                    .map(|(_, n)| n.to_vec());
            }
            TlsExtension::ALPN(list) => out.alpn = list.iter().map(|p| p.to_vec()).collect(),
            TlsExtension::SupportedVersions(v) => {
                out.supported_versions = v.iter().map(|v| v.0).collect();
            }
            TlsExtension::EllipticCurves(g) => out.groups = g.iter().map(|g| g.0).collect(),
            TlsExtension::SignatureAlgorithms(s) => out.sig_algs = s,
            TlsExtension::EcPointFormats(f) => out.point_formats = f.to_vec(),
            _ => {}
        }
    }
    out.anomalies.multiple_sni = sni_count > 1;
    Some(out)
}

/// Parses a ServerHello handshake body (after the 4-byte handshake header).
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let (_, sh) = parse_tls_handshake_server_hello(body).ok()?;
    let mut out = ServerHello {
        version: sh.version.0,
        random: sh.random.to_vec(),
        session_id: sh.session_id.unwrap_or_default().to_vec(),
        cipher: sh.cipher.0,
        ..Default::default()
    };
    let Some(block) = sh.ext else {
        return Some(out);
    };
    for (t, raw) in walk_extensions(block).unwrap_or_default() {
        out.extensions.push(t);
        if t == ext::SUPPORTED_VERSIONS && raw.len() == 6 {
            out.selected_version = Some(u16::from_be_bytes([raw[4], raw[5]]));
            continue;
        }
        if let Ok((_, TlsExtension::ALPN(list))) = parse_tls_server_hello_extension(raw) {
            out.alpn = list.iter().map(|p| p.to_vec()).collect();
        }
    }
    Some(out)
}

fn join_dec<T: Copy + Into<u32>>(out: &mut String, items: &[T], skip_grease: bool) {
    let mut first = true;
    for &v in items {
        let v: u32 = v.into();
        if skip_grease && v <= 0xffff && is_grease(v as u16) {
            continue;
        }
        if !first {
            out.push('-');
        }
        first = false;
        let _ = write!(out, "{v}");
    }
}

/// Lower-case hex of a digest.
pub fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// MD5 of `s`, lower-case hex (the JA3/JA3S hash).
pub fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

impl ClientHello {
    /// The JA3 string.
    pub fn ja3_string(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "{},", self.version);
        join_dec(&mut s, &self.ciphers, true);
        s.push(',');
        join_dec(&mut s, &self.extensions, true);
        s.push(',');
        join_dec(&mut s, &self.groups, true);
        s.push(',');
        join_dec(&mut s, &self.point_formats, true);
        s
    }

    /// The JA4 fingerprint (`t13d1516h2_8daaf6152771_e5627efa2ab1` form).
    pub fn ja4(&self) -> String {
        let version = self
            .supported_versions
            .iter()
            .chain(std::iter::once(&self.version))
            .copied()
            .filter(|v| !is_grease(*v))
            .max()
            .unwrap_or(0);
        let vcode = match version {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            _ => "00",
        };
        let ciphers: Vec<u16> = self
            .ciphers
            .iter()
            .copied()
            .filter(|c| !is_grease(*c))
            .collect();
        let exts: Vec<u16> = self
            .extensions
            .iter()
            .copied()
            .filter(|e| !is_grease(*e))
            .collect();
        let sni = if exts.contains(&ext::SERVER_NAME) {
            'd'
        } else {
            'i'
        };
        let alpn = match self.alpn.first() {
            Some(a)
                if a.len() > 1
                    && !(a.len() == 2 && is_grease(u16::from_be_bytes([a[0], a[1]]))) =>
            {
                [char::from(a[0]), char::from(a[a.len() - 1])]
            }
            _ => ['0', '0'],
        };
        let mut s = String::with_capacity(36);
        let _ = write!(
            s,
            "t{vcode}{sni}{:02}{:02}{}{}_",
            ciphers.len().min(99),
            exts.len().min(99),
            alpn[0],
            alpn[1]
        );
        let mut sorted = ciphers;
        sorted.sort_unstable();
        s.push_str(&sha256_12(&hex_list(&sorted)));
        s.push('_');
        let mut sorted: Vec<u16> = exts
            .into_iter()
            .filter(|e| *e != ext::SERVER_NAME && *e != ext::ALPN)
            .collect();
        sorted.sort_unstable();
        let sigs: Vec<u16> = self
            .sig_algs
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        let c = format!("{}_{}", hex_list(&sorted), hex_list(&sigs));
        s.push_str(&sha256_12(&c));
        s
    }
}

impl ServerHello {
    /// The JA3S string: `version,cipher,extensions`.
    pub fn ja3s_string(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "{},{},", self.version, self.cipher);
        join_dec(&mut s, &self.extensions, true);
        s
    }
}

fn hex_list(v: &[u16]) -> String {
    let mut s = String::with_capacity(v.len() * 5);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{x:04x}");
    }
    s
}

fn sha256_12(s: &str) -> String {
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}
