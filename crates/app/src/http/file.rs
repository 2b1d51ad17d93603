//! Files carried by HTTP message bodies, as Suricata's file tracking sees
//! them.
//!
//! Every response body is a file, and so is the body of a `POST` or `PUT`
//! request. A file is opened when the first body bytes of its message
//! arrive and is tracked on its transaction and direction: its name, its
//! size in decoded bytes (after dechunking and content decoding), whether
//! bytes were lost (`gaps`) and how it ended:
//!
//! - [`FileState::Closed`]: the body ended where its framing said
//!   (Content-Length reached, last chunk, or the connection closed a body
//!   delimited by the close);
//! - [`FileState::Truncated`]: the body stopped early (a gap in the stream,
//!   or the connection or flow ended before the framing's end);
//! - [`FileState::Error`]: the file could not be processed (Suricata's
//!   state for internal failures; HTTP parsing does not produce it: a
//!   corrupt compressed body still ends `Closed`, with the bytes decoded
//!   before the corruption and the `gzip_decompression_failed` event).
//!
//! The name comes from the message's `Content-Disposition` `filename`
//! parameter when present, else from the path of the normalised request
//! URI (query cut), as Suricata names HTTP files.

/// How a file ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileState {
    /// Bytes may still come.
    #[default]
    Open,
    /// The body ended where its framing said.
    Closed,
    /// The body stopped before its end (gap, close, flow end).
    Truncated,
    /// The file could not be processed.
    Error,
}

impl FileState {
    /// The name EVE `fileinfo.state` gives the state.
    pub fn name(self) -> &'static str {
        match self {
            FileState::Open => "UNKNOWN",
            FileState::Closed => "CLOSED",
            FileState::Truncated => "TRUNCATED",
            FileState::Error => "ERROR",
        }
    }
}

/// One file seen in an HTTP transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpFile {
    pub(crate) name: Vec<u8>,
    pub(crate) to_server: bool,
    pub(crate) size: u64,
    pub(crate) state: FileState,
    pub(crate) gaps: bool,
}

impl HttpFile {
    pub(crate) fn new(name: Vec<u8>, to_server: bool) -> HttpFile {
        HttpFile {
            name,
            to_server,
            ..HttpFile::default()
        }
    }

    /// The file name (`filename`, `file.name`).
    pub fn name(&self) -> &[u8] {
        &self.name
    }
    /// Whether the file travels in the request (client to server).
    pub fn to_server(&self) -> bool {
        self.to_server
    }
    /// Decoded bytes seen so far.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// How the file ended.
    pub fn state(&self) -> FileState {
        self.state
    }
    /// Whether bytes of the file were lost.
    pub fn has_gaps(&self) -> bool {
        self.gaps
    }
    /// Whether the file is still receiving bytes.
    pub fn is_open(&self) -> bool {
        self.state == FileState::Open
    }

    /// Ends an open file in `state` (a file already ended keeps its state).
    pub(crate) fn end(&mut self, state: FileState) {
        if self.state == FileState::Open {
            self.state = state;
        }
    }
}

/// The `filename` parameter of a `Content-Disposition` value (quotes
/// removed), if any.
pub(crate) fn disposition_filename(v: &[u8]) -> Option<&[u8]> {
    let mut rest = v;
    while let Some(semi) = rest.iter().position(|&b| b == b';') {
        rest = &rest[semi + 1..];
        let param = super::trim(rest);
        let Some(eq) = param.iter().position(|&b| b == b'=') else {
            continue;
        };
        if !super::trim(&param[..eq]).eq_ignore_ascii_case(b"filename") {
            continue;
        }
        let value = super::trim(&param[eq + 1..]);
        if let Some(quoted) = value.strip_prefix(b"\"") {
            let end = quoted
                .iter()
                .position(|&b| b == b'"')
                .unwrap_or(quoted.len());
            return Some(&quoted[..end]);
        }
        let end = value.iter().position(|&b| b == b';').unwrap_or(value.len());
        return Some(super::trim(&value[..end]));
    }
    None
}

/// The path of a normalised request URI: everything before `?` or `#`.
pub(crate) fn uri_path(uri: &[u8]) -> &[u8] {
    let end = uri
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(uri.len());
    &uri[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names() {
        assert_eq!(
            disposition_filename(b"attachment; filename=\"eicar.txt\""),
            Some(&b"eicar.txt"[..])
        );
        assert_eq!(
            disposition_filename(b"form-data; name=\"f\"; filename=a b.exe"),
            Some(&b"a b.exe"[..])
        );
        assert_eq!(
            disposition_filename(b"attachment;FILENAME = x.bin ; size=3"),
            Some(&b"x.bin"[..])
        );
        assert_eq!(disposition_filename(b"inline"), None);
        assert_eq!(disposition_filename(b"attachment; name=x"), None);
        assert_eq!(
            disposition_filename(b"attachment; filename=\"open"),
            Some(&b"open"[..])
        );
    }

    #[test]
    fn uri_paths() {
        assert_eq!(uri_path(b"/a/b.cgi?x=1"), b"/a/b.cgi");
        assert_eq!(uri_path(b"/"), b"/");
        assert_eq!(uri_path(b"/x#frag"), b"/x");
    }

    #[test]
    fn end_keeps_first_state() {
        let mut f = HttpFile::new(b"x".to_vec(), false);
        assert!(f.is_open());
        f.end(FileState::Closed);
        f.end(FileState::Truncated);
        assert_eq!(f.state(), FileState::Closed);
        assert_eq!(f.state().name(), "CLOSED");
    }
}
