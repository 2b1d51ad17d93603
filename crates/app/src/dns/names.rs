//! Names and string forms the EVE `dns` record uses (Suricata 8, version 3):
//! record types, response codes, the hex flags word and record data.

use super::parser::{flags, RData};
use std::fmt::Write as _;

/// Suricata's name for a record type; unknown types are `None` (EVE prints
/// the number).
pub fn rrtype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAPPTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        32768 => "TA",
        32769 => "DLV",
        _ => return None,
    })
}

/// Record type as EVE prints it: the name, or the decimal number.
pub fn rrtype_string(t: u16) -> String {
    rrtype_name(t).map_or_else(|| t.to_string(), str::to_string)
}

/// Suricata's name for a response code; unknown codes are `None`.
pub fn rcode_name(rcode: u16) -> Option<&'static str> {
    Some(match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => return None,
    })
}

/// Response code as EVE prints it: the name, or the decimal number.
pub fn rcode_string(rcode: u16) -> String {
    rcode_name(rcode).map_or_else(|| rcode.to_string(), str::to_string)
}

/// The flags word as EVE's `flags` field: lower-case hex without padding.
pub fn flags_hex(flags_word: u16) -> String {
    format!("{flags_word:x}")
}

/// The boolean flag fields EVE adds when set, in Suricata's order
/// (`qr`, `aa`, `tc`, `rd`, `ra`, `z`).
pub fn flag_names(flags_word: u16) -> impl Iterator<Item = &'static str> {
    [
        (flags::QR, "qr"),
        (flags::AA, "aa"),
        (flags::TC, "tc"),
        (flags::RD, "rd"),
        (flags::RA, "ra"),
        (flags::Z, "z"),
    ]
    .into_iter()
    .filter(move |(bit, _)| flags_word & bit != 0)
    .map(|(_, n)| n)
}

/// IPv6 address in Suricata's EVE form: eight 4-digit hex groups, no `::`.
pub fn ipv6_string(a: &[u8; 16]) -> String {
    let mut s = String::with_capacity(39);
    for (i, pair) in a.chunks_exact(2).enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{:02x}{:02x}", pair[0], pair[1]);
    }
    s
}

/// The `rdata` bytes EVE prints for record data that is logged as one string
/// (A, AAAA, names, MX exchange, TXT, NULL); `None` for SOA, SRV and OPT,
/// which are logged as objects, and for types Suricata logs without data
/// (DNSKEY, RRSIG, DS, A6, ...).
pub fn rdata_text(rrtype: u16, d: &RData) -> Option<Vec<u8>> {
    Some(match d {
        RData::A(a) => format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]).into_bytes(),
        RData::Aaaa(a) => ipv6_string(a).into_bytes(),
        RData::Name(n) => n.clone(),
        RData::Mx { exchange, .. } => exchange.clone(),
        RData::Txt(parts) => parts.concat(),
        RData::Raw(r) if rrtype == 10 => r.clone(),
        RData::Raw(_) => return None,
        RData::Soa(_) | RData::Srv { .. } | RData::Opt(_) => return None,
    })
}

/// Lower-case hex of `data` (EVE's OPT option `data`).
pub fn hex_lower(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        let _ = write!(s, "{b:02x}");
    }
    s
}
