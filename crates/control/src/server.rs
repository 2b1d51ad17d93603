//! The socket side: listening on a Unix socket, reading request lines,
//! dispatching them, writing replies.
//!
//! [`Server::start`] binds the socket and serves it from a background
//! thread; each client gets its own thread (at most
//! [`ServerLimits::max_clients`] at once), so a slow or silent client
//! never holds up another one, nor the packet path. A line longer than
//! [`ServerLimits::max_line`] is refused and its connection closed; a
//! client idle longer than [`ServerLimits::idle`] is disconnected; a client
//! that disconnects in the middle of a line has sent no request and
//! nothing is run. Dropping the [`Server`] stops listening and removes the
//! socket file.
//!
//! The socket file is created with mode 0660 (whoever may connect may
//! switch inspection off). A stale file left by a process that died is
//! replaced; one another live process listens on is not.

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::dispatch::Dispatcher;
use crate::protocol::{parse_request, Reply, MAX_REQUEST};

/// Bounds on what clients may hold.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Clients connected at once; more are refused.
    pub max_clients: usize,
    /// A client silent this long is disconnected.
    pub idle: Duration,
    /// Longest request line.
    pub max_line: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_clients: 16,
            idle: Duration::from_secs(60),
            max_line: MAX_REQUEST,
        }
    }
}

/// A listening control socket (see the module docs).
#[derive(Debug)]
pub struct Server {
    path: PathBuf,
    /// Device and inode of the socket file bound, so only our own file is
    /// removed.
    id: (u64, u64),
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How often the accept loop looks at the stop flag.
const ACCEPT_POLL_MS: i32 = 200;

impl Server {
    /// Binds `path` (creating its folder if missing) and starts serving
    /// `dispatcher`'s commands.
    pub fn start(path: &Path, dispatcher: Dispatcher, limits: ServerLimits) -> io::Result<Server> {
        clear_stale(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::create_dir_all(dir)?;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
            }
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
        let meta = std::fs::symlink_metadata(path)?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let dispatcher = Arc::new(dispatcher);
        let thread = std::thread::Builder::new()
            .name("warden-control".into())
            .spawn(move || accept_loop(listener, dispatcher, limits, stop2))?;
        Ok(Server {
            path: path.to_path_buf(),
            id: (meta.dev(), meta.ino()),
            stop,
            thread: Some(thread),
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // only our own file: another instance may have replaced it
        if let Ok(m) = std::fs::symlink_metadata(&self.path) {
            if (m.dev(), m.ino()) == self.id {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Removes a socket file nobody listens on; refuses a live one or a file
/// that is not a socket.
fn clear_stale(path: &Path) -> io::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", path.display()),
        ));
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "{} is in use: another warden is listening on it",
                path.display()
            ),
        )),
        Err(_) => std::fs::remove_file(path),
    }
}

#[allow(unsafe_code)]
fn wait_readable(fd: i32, timeout_ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one live pollfd.
    let rc = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    rc > 0 && p.revents & libc::POLLIN != 0
}

fn accept_loop(
    listener: UnixListener,
    dispatcher: Arc<Dispatcher>,
    limits: ServerLimits,
    stop: Arc<AtomicBool>,
) {
    use std::os::fd::AsRawFd;
    let clients = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        if !wait_readable(listener.as_raw_fd(), ACCEPT_POLL_MS) {
            continue;
        }
        let mut stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => continue,
        };
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        if clients.fetch_add(1, Ordering::AcqRel) >= limits.max_clients {
            clients.fetch_sub(1, Ordering::AcqRel);
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(
                Reply::refused(format!(
                    "too many control clients ({} connected)",
                    limits.max_clients
                ))
                .to_line()
                .as_bytes(),
            );
            continue;
        }
        let (d, c, s) = (dispatcher.clone(), clients.clone(), stop.clone());
        let spawned = std::thread::Builder::new()
            .name("warden-control-client".into())
            .spawn(move || {
                serve_client(stream, &d, &limits, &s);
                c.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_err() {
            clients.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// What reading one line gave.
enum Line {
    /// A whole line (without its newline) is in the buffer.
    Full,
    /// The client closed the connection (a partial line is dropped).
    Closed,
    /// The line grew past the limit.
    TooLong,
}

/// Reads up to the next `\n` into `line`, at most `max` bytes.
fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    line.clear();
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(Line::Closed);
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if line.len() + chunk.len() > max {
            return Ok(Line::TooLong);
        }
        line.extend_from_slice(chunk);
        let used = done.unwrap_or(buf.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Line::Full);
        }
    }
}

fn serve_client(stream: UnixStream, d: &Dispatcher, limits: &ServerLimits, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(limits.idle));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        let reply = match read_line(&mut reader, &mut line, limits.max_line) {
            Ok(Line::Full) => {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match parse_request(&line) {
                    Ok(req) => d.dispatch(&req),
                    Err(e) => Reply::Refused(e.to_string()),
                }
            }
            Ok(Line::Closed) => return,
            Ok(Line::TooLong) => {
                let _ = out.write_all(
                    Reply::refused(format!(
                        "request longer than {} bytes; closing",
                        limits.max_line
                    ))
                    .to_line()
                    .as_bytes(),
                );
                return;
            }
            // idle too long, or the connection broke
            Err(_) => return,
        };
        if out.write_all(reply.to_line().as_bytes()).is_err() {
            // the client left before reading its answer
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Result<Vec<u8>, &'static str>> {
        let mut r = BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line(&mut r, &mut line, max) {
                Ok(Line::Full) => out.push(Ok(line.clone())),
                Ok(Line::Closed) => return out,
                Ok(Line::TooLong) => {
                    out.push(Err("too long"));
                    return out;
                }
                Err(_) => return out,
            }
        }
    }

    #[test]
    fn lines_are_split_across_small_reads_and_a_partial_last_line_is_dropped() {
        assert_eq!(
            lines(b"first line\nsecond\n\nunfinished", 100),
            vec![
                Ok(b"first line".to_vec()),
                Ok(b"second".to_vec()),
                Ok(vec![])
            ]
        );
    }

    #[test]
    fn a_line_past_the_limit_is_cut_off() {
        assert_eq!(
            lines(b"short\nthis one is too long\n", 10),
            vec![Ok(b"short".to_vec()), Err("too long")]
        );
        // exactly the limit is fine
        assert_eq!(lines(b"0123456789\n", 10), vec![Ok(b"0123456789".to_vec())]);
    }
}
