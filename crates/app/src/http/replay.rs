//! Test and tooling helper: run whole byte streams through a parser.
//!
//! The pipeline feeds the parser segment by segment in packet order; tests
//! and tools often have instead one byte stream per direction (a
//! conversation). [`replay`] interleaves them in a given order of steps and
//! chunk size so the same conversation can be replayed under any
//! segmentation.

use super::{HttpConfig, HttpParser};

/// One step of a conversation: bytes from the client or from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Client → server bytes.
    ToServer(&'a [u8]),
    /// Server → client bytes.
    ToClient(&'a [u8]),
}

/// Feeds the steps in order, each cut into `chunk`-byte pieces (0 = whole),
/// then closes the connection; returns the parser to inspect.
pub fn replay(config: HttpConfig, steps: &[Step<'_>], chunk: usize) -> HttpParser {
    let mut p = HttpParser::new(config);
    feed(&mut p, steps, chunk);
    p.on_close();
    p
}

/// Feeds the steps in order without closing.
pub fn feed(p: &mut HttpParser, steps: &[Step<'_>], chunk: usize) {
    let mut ts = 1_000_000_000i64;
    for step in steps {
        let (to_server, data) = match *step {
            Step::ToServer(d) => (true, d),
            Step::ToClient(d) => (false, d),
        };
        let size = if chunk == 0 { data.len().max(1) } else { chunk };
        for piece in data.chunks(size) {
            p.parse(to_server, piece, ts);
            ts += 1000;
        }
    }
}

/// Replays a request stream then a response stream (no interleaving).
pub fn replay_streams(
    config: HttpConfig,
    to_server: &[u8],
    to_client: &[u8],
    chunk: usize,
) -> HttpParser {
    replay(
        config,
        &[Step::ToServer(to_server), Step::ToClient(to_client)],
        chunk,
    )
}
