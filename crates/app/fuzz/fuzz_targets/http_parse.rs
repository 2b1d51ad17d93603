//! Fuzz target: feed arbitrary bytes to the HTTP parser as a conversation
//! cut at arbitrary points, and read every buffer of every transaction.
//!
//! Input layout: the first byte picks chunk sizes and limits; then the rest
//! is split on `0xFF 0xFE` markers into steps alternating client/server,
//! each fed in pieces whose sizes come from the seed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_app::http::{HttpConfig, HttpParser};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let config = HttpConfig {
        request_body_limit: if seed & 1 == 0 { 64 } else { 0 },
        response_body_limit: if seed & 2 == 0 { 64 } else { 0 },
        max_line_len: 64 + usize::from(seed & 0x3c),
        max_header_bytes: 256,
        max_headers: 8,
        decompression_bomb_limit: 4096,
        max_tx: 4,
    };
    let mut p = HttpParser::new(config);
    let mut to_server = seed & 0x40 == 0;
    let mut step = 1 + usize::from(seed >> 4);
    let mut ts = 0i64;
    let mut start = 0;
    let mut i = 0;
    while i <= rest.len() {
        let at_marker = i + 1 < rest.len() && rest[i] == 0xFF && rest[i + 1] == 0xFE;
        if at_marker || i == rest.len() {
            for piece in rest[start..i].chunks(step) {
                p.parse(to_server, piece, ts);
                ts += 1;
                step = step % 7 + 1;
            }
            if seed & 0x80 != 0 && at_marker && i % 5 == 0 {
                p.on_gap(to_server);
            }
            to_server = !to_server;
            i += 2;
            start = i.min(rest.len());
            if i > rest.len() {
                break;
            }
            continue;
        }
        i += 1;
    }
    p.on_close();
    for tx in p.txs() {
        for dir in [true, false] {
            let _ = (
                tx.header(dir),
                tx.header_raw(dir),
                tx.header_names(dir),
                tx.start(dir),
            );
            let _ = (
                tx.protocol(dir),
                tx.cookie(dir),
                tx.content_type(dir),
                tx.content_len(dir),
            );
        }
        let _ = (
            tx.method(),
            tx.uri(),
            tx.uri_raw(),
            tx.request_line(),
            tx.host(),
            tx.host_raw(),
        );
        let _ = (
            tx.user_agent(),
            tx.referer(),
            tx.accept(),
            tx.accept_enc(),
            tx.accept_lang(),
        );
        let _ = (
            tx.connection(),
            tx.request_body(),
            tx.stat_code(),
            tx.stat_msg(),
        );
        let _ = (
            tx.response_line(),
            tx.server(),
            tx.location(),
            tx.response_body(),
        );
        let _ = (tx.urilen(true), tx.eve_fields(), tx.events().iter().count());
        assert!(tx.request_body().map_or(0, <[u8]>::len) <= 64 || seed & 1 != 0);
        assert!(tx.response_body().map_or(0, <[u8]>::len) <= 64 || seed & 2 != 0);
    }
});
