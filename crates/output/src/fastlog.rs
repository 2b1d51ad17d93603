//! fast.log: Suricata's one-line-per-alert text log.
//!
//! Line shape (two spaces after the time; the action prefix is empty for
//! plain alerts):
//!
//! ```text
//! 11/14/2023-22:13:21.899448  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:80 -> 10.0.0.2:1234
//! ```
//!
//! - `action` `"blocked"` (IPS drop) prefixes `[Drop] `; `"would_drop"`
//!   (a drop rule in IDS or simulated IPS mode) prefixes `[wDrop] `, as
//!   Suricata does for drop rules when not inline.
//! - Addresses are printed as in EVE (IPv6 uncompressed, no brackets).
//! - ICMP and ICMPv6 print type and code where ports would be; protocols
//!   without ports print port 0. Protocols without a name print
//!   `{PROTO:NNN}`.
//! - A rule without classtype prints `[Classification: (null)]`, which is
//!   what Suricata's C formatting produces.
//! - The message is written as is: fast.log is not escaped, except that
//!   CR and LF are replaced by spaces so one alert stays one line.

use std::io::{self, BufWriter, Write};

use crate::json::{write_ip, write_u64};
use crate::proto::{is_icmp, proto_name, write_3digits};
use crate::record::AlertRecord;

/// Writes fast.log lines.
pub struct FastLogWriter<W: Write> {
    out: BufWriter<W>,
    buf: Vec<u8>,
}

impl<W: Write> FastLogWriter<W> {
    /// Wraps `w` with a 16 KiB write buffer.
    pub fn new(w: W) -> Self {
        FastLogWriter {
            out: BufWriter::with_capacity(16 * 1024, w),
            buf: Vec::with_capacity(512),
        }
    }

    /// Writes one line for `r`.
    pub fn alert(&mut self, r: &AlertRecord<'_>) -> io::Result<()> {
        self.buf.clear();
        render_fastlog(&mut self.buf, r);
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)
    }

    /// Pushes buffered lines to the underlying writer and flushes it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// Appends the fast.log line for `r` (no trailing newline) to `out`.
pub fn render_fastlog(out: &mut Vec<u8>, r: &AlertRecord<'_>) {
    r.ts.write_fastlog(out);
    out.extend_from_slice(b"  ");
    match r.action {
        "blocked" => out.extend_from_slice(b"[Drop] "),
        "would_drop" => out.extend_from_slice(b"[wDrop] "),
        _ => {}
    }
    out.extend_from_slice(b"[**] [");
    write_u64(out, u64::from(r.gid));
    out.push(b':');
    write_u64(out, u64::from(r.sid));
    out.push(b':');
    write_u64(out, u64::from(r.rev));
    out.extend_from_slice(b"] ");
    push_line_safe(out, r.signature);
    out.extend_from_slice(b" [**] [Classification: ");
    if r.category.is_empty() {
        out.extend_from_slice(b"(null)");
    } else {
        push_line_safe(out, r.category);
    }
    out.extend_from_slice(b"] [Priority: ");
    write_u64(out, u64::from(r.severity));
    out.push(b']');
    if r.ip_v == 0 {
        // no usable IP layer (e.g. a truncated header): no addresses
        return;
    }
    out.extend_from_slice(b" {");
    match proto_name(r.proto) {
        Some(n) => out.extend_from_slice(n.as_bytes()),
        None => {
            out.extend_from_slice(b"PROTO:");
            write_3digits(out, r.proto);
        }
    }
    out.extend_from_slice(b"} ");
    let (sp, dp) = if is_icmp(r.proto) {
        (r.icmp_type.map(u16::from), r.icmp_code.map(u16::from))
    } else {
        (r.src_port, r.dest_port)
    };
    write_ip(out, r.src_ip);
    out.push(b':');
    write_u64(out, u64::from(sp.unwrap_or(0)));
    out.extend_from_slice(b" -> ");
    write_ip(out, r.dest_ip);
    out.push(b':');
    write_u64(out, u64::from(dp.unwrap_or(0)));
}

fn push_line_safe(out: &mut Vec<u8>, s: &str) {
    out.extend(
        s.bytes()
            .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
    );
}
