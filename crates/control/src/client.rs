//! The client side: send one request, read its reply (what `warden ctl`
//! does).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use crate::protocol::{Reply, Request};

/// Longest reply read (a rule listing can be long).
const MAX_REPLY: u64 = 64 << 20;

/// Sends `req` to the control socket at `path` and waits up to `timeout`
/// for the reply. Connection problems and unreadable replies are errors;
/// a refusal is a [`Reply::Refused`].
pub fn call(path: &Path, req: &Request, timeout: Duration) -> io::Result<Reply> {
    let mut s = UnixStream::connect(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot connect to {}: {e}", path.display()),
        )
    })?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    s.write_all(req.to_line().as_bytes())?;
    let mut line = String::new();
    BufReader::new((&s).take(MAX_REPLY)).read_line(&mut line)?;
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection without replying",
        ));
    }
    Reply::parse(&line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
