//! Where a worker's log lines (EVE, fast.log) go: a buffered file of its
//! own, or a file shared with the other workers.
//!
//! A shared file is written in whole lines only: each worker collects its
//! records in a private buffer and, when that fills (or at a flush),
//! appends everything up to its last newline to the file under a lock.
//! Lines of different workers interleave, never bytes of two lines.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex};

/// A worker's private buffer is written out past this size.
const SHARED_FLUSH_AT: usize = 256 * 1024;

/// A log destination a worker writes to.
pub enum LogSink {
    /// The only writer of its file.
    Own(BufWriter<File>),
    /// One of several writers of a file.
    Shared(SharedLines),
}

/// One worker's handle on a file shared by workers.
pub struct SharedLines {
    file: Arc<Mutex<File>>,
    buf: Vec<u8>,
}

impl SharedLines {
    pub fn new(file: Arc<Mutex<File>>) -> SharedLines {
        SharedLines {
            file,
            buf: Vec::with_capacity(SHARED_FLUSH_AT + 4096),
        }
    }

    /// Appends the buffered complete lines to the file.
    fn write_lines(&mut self) -> io::Result<()> {
        let Some(last) = self.buf.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        {
            let mut f = self
                .file
                .lock()
                .map_err(|_| io::Error::other("a log writer panicked"))?;
            f.write_all(&self.buf[..=last])?;
        }
        self.buf.drain(..=last);
        Ok(())
    }
}

impl Write for SharedLines {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= SHARED_FLUSH_AT {
            self.write_lines()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_lines()
    }
}

impl Drop for SharedLines {
    fn drop(&mut self) {
        let _ = self.write_lines();
    }
}

impl Write for LogSink {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            LogSink::Own(w) => w.write(data),
            LogSink::Shared(w) => w.write(data),
        }
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            LogSink::Own(w) => w.write_all(data),
            LogSink::Shared(w) => w.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            LogSink::Own(w) => w.flush(),
            LogSink::Shared(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_sharing_a_file_keep_lines_whole() {
        let path = std::env::temp_dir().join(format!("warden-logsink-{}", std::process::id()));
        let file = Arc::new(Mutex::new(File::create(&path).unwrap()));
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let file = Arc::clone(&file);
                s.spawn(move || {
                    let mut w = SharedLines::new(file);
                    for i in 0..5000u32 {
                        // records written in pieces, as a JSON writer does
                        let line = format!(
                            "{{\"worker\":{t},\"n\":{i},\"pad\":\"{}\"}}\n",
                            "x".repeat((i % 97) as usize)
                        );
                        let (a, b) = line.as_bytes().split_at(line.len() / 2);
                        w.write_all(a).unwrap();
                        w.write_all(b).unwrap();
                    }
                    w.flush().unwrap();
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let mut count = [0u32; 4];
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("a whole line");
            let t = v["worker"].as_u64().unwrap() as usize;
            assert_eq!(
                v["n"].as_u64().unwrap() as u32,
                count[t],
                "each worker's lines in order"
            );
            count[t] += 1;
        }
        assert_eq!(count, [5000; 4]);
    }
}
