//! X.509 certificate fields as Suricata exposes them, read with
//! `x509-parser`: subject and issuer in `C=US, O=..., CN=...` form, serial
//! as upper-case hex bytes joined by `:`, SHA-1 fingerprint of the DER as
//! lower-case hex joined by `:`, validity as Unix seconds and in EVE's
//! `YYYY-MM-DDTHH:MM:SS` form, and the DNS subject alternative names.

use sha1::{Digest as _, Sha1};
use std::fmt::Write as _;
use x509_parser::error::X509Error;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::TlsEvent;

/// The fields of one certificate that rules and EVE use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, `0A:F0:...`.
    pub serial: String,
    /// SHA-1 of the DER, `18:45:b2:...`.
    pub fingerprint: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// DNS names of the subjectAltName extension.
    pub subject_alt_names: Vec<String>,
}

/// Parses one DER certificate; on failure names Suricata's event.
pub fn parse_cert(der: &[u8]) -> Result<CertInfo, TlsEvent> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| match e {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => error_event(e),
        x509_parser::nom::Err::Incomplete(_) => TlsEvent::CertificateInvalidLength,
    })?;
    let mut serial = String::new();
    for (i, b) in cert.raw_serial().iter().enumerate() {
        if i > 0 {
            serial.push(':');
        }
        let _ = write!(serial, "{b:02X}");
    }
    let mut subject_alt_names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                subject_alt_names.push((*d).to_string());
            }
        }
    }
    let validity = cert.validity();
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial,
        fingerprint: fingerprint(der),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        subject_alt_names,
    })
}

fn error_event(e: X509Error) -> TlsEvent {
    match e {
        X509Error::InvalidVersion => TlsEvent::CertificateInvalidVersion,
        X509Error::InvalidSerial => TlsEvent::CertificateInvalidSerial,
        X509Error::InvalidAlgorithmIdentifier => TlsEvent::CertificateInvalidAlgorithmIdentifier,
        X509Error::InvalidX509Name => TlsEvent::CertificateInvalidSubject,
        X509Error::InvalidDate => TlsEvent::CertificateInvalidDate,
        X509Error::InvalidExtensions | X509Error::DuplicateExtensions => {
            TlsEvent::CertificateInvalidExtensions
        }
        _ => TlsEvent::CertificateInvalidDer,
    }
}

/// SHA-1 of `der` as lower-case hex bytes joined by ':'.
pub fn fingerprint(der: &[u8]) -> String {
    let d = Sha1::digest(der);
    let mut s = String::with_capacity(59);
    for (i, b) in d.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS` (UTC), EVE's notbefore/notafter.
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
