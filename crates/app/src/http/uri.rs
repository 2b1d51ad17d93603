//! Request-target splitting and normalisation (`http.uri` from `http.uri.raw`).
//!
//! What the normalised URI holds, following libhtp's defaults as Suricata
//! configures them (`uri-include-all: false`):
//!
//! - for an absolute-form target (`http://host:port/p?q`) only the path and
//!   what follows it; the authority feeds `http.host` instead;
//! - the path is percent-decoded (every valid `%XX` except `%2F`, which
//!   stays encoded so that it cannot forge a separator); invalid escapes are
//!   kept as they are;
//! - then `//` runs are compressed and `.`/`..` segments removed
//!   (RFC 3986 §5.2.4; `..` never climbs above the root);
//! - the query (and fragment) are appended unchanged.
//!
//! `CONNECT host:port` and `OPTIONS *` targets are kept as they are.

/// The parts of a request target the transaction needs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct TargetInfo {
    /// Byte range of the authority's host in the raw target (absolute form
    /// and CONNECT only).
    pub host: Option<(usize, usize)>,
    /// The authority's port, when present: `Ok(port)` or `Err(())` when it
    /// is not a valid port number.
    pub port: Option<Result<u16, ()>>,
    /// The decoded path still holds a valid `%XX` escape.
    pub double_encoded: bool,
}

/// Normalises `raw` into `out` (cleared first) and returns what was learnt
/// about the target. `connect` says the method was CONNECT.
pub(crate) fn normalize(raw: &[u8], connect: bool, out: &mut Vec<u8>) -> TargetInfo {
    out.clear();
    let mut info = TargetInfo::default();
    if connect {
        out.extend_from_slice(raw);
        let (h, p) = split_host_port(raw);
        // `CONNECT / HTTP/1.1` names no host: only a hostname or address
        // feeds `http.host`
        if h.1 > h.0 && is_hostname(&raw[h.0..h.1]) {
            info.host = Some(h);
            info.port = p;
        }
        return info;
    }
    if raw == b"*" {
        out.extend_from_slice(raw);
        return info;
    }
    let mut rest_start = 0;
    if let Some(scheme_end) = find_scheme_end(raw) {
        // `scheme://authority[/path...]`
        let auth_start = scheme_end + 3;
        let auth_end = raw[auth_start..]
            .iter()
            .position(|&b| b == b'/' || b == b'?' || b == b'#')
            .map_or(raw.len(), |p| auth_start + p);
        let auth = &raw[auth_start..auth_end];
        // Drop `userinfo@`.
        let host_off = auth.iter().rposition(|&b| b == b'@').map_or(0, |p| p + 1);
        let (h, p) = split_host_port(&auth[host_off..]);
        let base = auth_start + host_off;
        if h.1 > h.0 {
            info.host = Some((base + h.0, base + h.1));
        }
        info.port = p;
        rest_start = auth_end;
    }
    let rest = &raw[rest_start..];
    let path_end = rest
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(rest.len());
    let (path, tail) = rest.split_at(path_end);
    if rest_start > 0 && path.is_empty() {
        out.push(b'/');
    }
    let decoded_start = out.len();
    percent_decode_path(path, out);
    info.double_encoded = has_escape(&out[decoded_start..]);
    remove_dot_segments(out, decoded_start);
    out.extend_from_slice(tail);
    info
}

/// Whether `h` can be a host: a bracketed IPv6 literal, or letters,
/// digits, `-`, `_` and `.` (names and IPv4 addresses).
fn is_hostname(h: &[u8]) -> bool {
    if let Some(inner) = h.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")) {
        return !inner.is_empty()
            && inner
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    h.iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Finds `://` after a valid scheme at the start of `raw`; returns the
/// scheme's end.
fn find_scheme_end(raw: &[u8]) -> Option<usize> {
    let first = *raw.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let end = raw
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'))?;
    raw[end..].starts_with(b"://").then_some(end)
}

/// Splits `host[:port]` (with `[v6]` literals); returns the host's range in
/// `auth` and the port.
pub(crate) fn split_host_port(auth: &[u8]) -> ((usize, usize), Option<Result<u16, ()>>) {
    let auth_trim_end = auth.len();
    if auth.first() == Some(&b'[') {
        if let Some(close) = auth.iter().position(|&b| b == b']') {
            let port = auth[close + 1..].strip_prefix(b":").map(parse_port);
            return ((0, close + 1), port);
        }
        return ((0, auth_trim_end), None);
    }
    match auth.iter().rposition(|&b| b == b':') {
        Some(c) => ((0, c), Some(parse_port(&auth[c + 1..]))),
        None => ((0, auth_trim_end), None),
    }
}

fn parse_port(s: &[u8]) -> Result<u16, ()> {
    if s.is_empty() || s.len() > 5 || !s.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    let v = s.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    u16::try_from(v).ok().filter(|&p| p != 0).ok_or(())
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode_path(path: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < path.len() {
        let b = path[i];
        if b == b'%' && i + 2 < path.len() {
            if let (Some(h), Some(l)) = (hex_val(path[i + 1]), hex_val(path[i + 2])) {
                let v = (h << 4) | l;
                if v == b'/' {
                    out.extend_from_slice(&path[i..i + 3]);
                } else {
                    out.push(v);
                }
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}

fn has_escape(s: &[u8]) -> bool {
    s.windows(3)
        .any(|w| w[0] == b'%' && hex_val(w[1]).is_some() && hex_val(w[2]).is_some())
}

/// Removes dot segments and compresses `//` in `buf[start..]`, in place.
fn remove_dot_segments(buf: &mut Vec<u8>, start: usize) {
    let path = buf.split_off(start);
    let absolute = path.first() == Some(&b'/');
    // Output segments as ranges into `path`.
    let mut segs: Vec<(usize, usize)> = Vec::new();
    let mut trailing_slash = false;
    let mut i = 0;
    while i <= path.len() {
        let end = path[i..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |p| i + p);
        let seg = &path[i..end];
        let last = end == path.len();
        match seg {
            b"" => {
                if last && i > 0 {
                    trailing_slash = true;
                }
            }
            b"." => trailing_slash = last,
            b".." => {
                segs.pop();
                trailing_slash = last;
            }
            _ => {
                segs.push((i, end));
                trailing_slash = false;
            }
        }
        if last {
            break;
        }
        i = end + 1;
    }
    if absolute {
        buf.push(b'/');
    }
    for (n, &(a, b)) in segs.iter().enumerate() {
        if n > 0 {
            buf.push(b'/');
        }
        buf.extend_from_slice(&path[a..b]);
    }
    if trailing_slash && !segs.is_empty() {
        buf.push(b'/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = Vec::new();
        normalize(s.as_bytes(), false, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn dot_segments_and_slashes() {
        assert_eq!(norm("/a/./b/../c"), "/a/c");
        assert_eq!(norm("/a//b///c"), "/a/b/c");
        assert_eq!(norm("/../../etc/passwd"), "/etc/passwd");
        assert_eq!(norm("/a/b/.."), "/a/");
        assert_eq!(norm("/a/b/."), "/a/b/");
        assert_eq!(norm("/"), "/");
        assert_eq!(norm("/dir/"), "/dir/");
        assert_eq!(norm("/a/%2e%2e/b"), "/b");
        assert_eq!(norm("/a/b?x=/../y"), "/a/b?x=/../y");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(norm("/%41%62c%20d"), "/Abc d");
        assert_eq!(norm("/a%2Fb"), "/a%2Fb");
        assert_eq!(norm("/bad%zz%4"), "/bad%zz%4");
        assert_eq!(norm("/p?q=%41"), "/p?q=%41");
        let mut out = Vec::new();
        assert!(normalize(b"/%2541", false, &mut out).double_encoded);
        assert_eq!(out, b"/%41");
    }

    #[test]
    fn absolute_form() {
        let raw = b"http://user@Example.COM:8080/a/../b?x";
        let mut out = Vec::new();
        let info = normalize(raw, false, &mut out);
        assert_eq!(out, b"/b?x");
        let (a, b) = info.host.unwrap();
        assert_eq!(&raw[a..b], b"Example.COM");
        assert_eq!(info.port, Some(Ok(8080)));
        assert_eq!(norm("http://h"), "/");
    }

    #[test]
    fn connect_form() {
        let mut out = Vec::new();
        let info = normalize(b"apache.org:443", true, &mut out);
        assert_eq!(out, b"apache.org:443");
        assert_eq!(info.host, Some((0, 10)));
        assert_eq!(info.port, Some(Ok(443)));
        assert_eq!(split_host_port(b"[::1]:80"), ((0, 5), Some(Ok(80))));
        // bug-7851: `CONNECT /` has no host
        let info = normalize(b"/", true, &mut out);
        assert_eq!(out, b"/");
        assert_eq!(info.host, None);
        assert_eq!(info.port, None);
        let info = normalize(b"[2001:db8::1]:443", true, &mut out);
        assert_eq!(info.host, Some((0, 13)));
        assert_eq!(split_host_port(b"h:99999").1, Some(Err(())));
    }
}
