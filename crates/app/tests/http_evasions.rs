//! Response framing evasions (the http-evader shapes) the parser must see
//! through as libhtp does: the decoded body and its file are the payload
//! whatever the segmentation.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use warden_app::http::replay::replay_streams;
use warden_app::http::{FileState, HttpConfig, HttpParser};

const REQ: &[u8] = b"GET /eicar.txt HTTP/1.1\r\nHost: evader.example.com\r\n\r\n";
const PAYLOAD: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn chunked(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for c in data.chunks(4) {
        v.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        v.extend_from_slice(c);
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"0\r\n\r\n");
    v
}

/// The response body as decoded, checked under several segmentations;
/// its file must hold the same number of bytes.
fn body_is_payload(head: &[u8], body: &[u8]) {
    let mut resp = head.to_vec();
    resp.extend_from_slice(body);
    for chunk in [0, 1, 3, 8, 64] {
        let p: HttpParser = replay_streams(HttpConfig::default(), REQ, &resp, chunk);
        let tx = p.txs().next().expect("transaction");
        assert_eq!(
            tx.response_body().unwrap(),
            PAYLOAD,
            "chunk {chunk}: {}",
            String::from_utf8_lossy(tx.response_body().unwrap())
        );
        let f = &tx.files()[0];
        assert_eq!(f.size(), PAYLOAD.len() as u64, "chunk {chunk}");
        assert_eq!(f.name(), b"/eicar.txt");
        assert_eq!(f.state(), FileState::Closed);
    }
}

#[test]
fn chunked_declared_but_body_plain_is_read_until_close() {
    // HTTP/1.0 with Transfer-Encoding: chunked and an unchunked body that
    // never ends its "chunk size" line
    body_is_payload(
        b"HTTP/1.0 200 ok\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        PAYLOAD,
    );
}

#[test]
fn nul_bytes_in_framing_header_names_and_values_are_ignored() {
    body_is_payload(
        b"HTTP/1.1 200 ok\r\nConnection: close\r\nTransfer\0-encoding:chun\0ked\r\n\r\n",
        &chunked(PAYLOAD),
    );
    let g = gz(PAYLOAD);
    let head = format!(
        "HTTP/1.1 200 ok\r\nContent\0-encoding:gzip\r\nContent-length: {}\r\n\r\n",
        g.len()
    );
    body_is_payload(head.as_bytes(), &g);
}

#[test]
fn line_starting_with_nul_folds_into_the_previous_field() {
    let g = gz(PAYLOAD);
    let head = format!(
        "HTTP/1.1 200 ok\r\nContent-Encoding:\n\0gzip\r\nContent-length: {}\r\n\r\n",
        g.len()
    );
    body_is_payload(head.as_bytes(), &g);
}

#[test]
fn bare_cr_ends_response_header_lines_but_cr_runs_do_not_end_the_head() {
    body_is_payload(
        b"HTTP/1.1 200 ok\rContent-type: text/plain\rConnection: close\rTransfer-Encoding: chunked\rX: y\r\n\n",
        &chunked(PAYLOAD),
    );
    body_is_payload(
        b"HTTP/1.1 200 ok\r\nConnection: close\r\n\r\r\r\nTransfer-Encoding: chunked\r\n\r\n",
        &chunked(PAYLOAD),
    );
}

#[test]
fn gzip_with_reserved_flag_and_listed_codings_decode() {
    let mut g = gz(PAYLOAD);
    g[3] |= 0x20;
    for ce in ["gzip", "gzip,identity", "deflate, gzip x", "x-gzip,"] {
        let head = format!(
            "HTTP/1.1 200 ok\r\nContent-Encoding: {ce}\r\nContent-length: {}\r\n\r\n",
            g.len()
        );
        body_is_payload(head.as_bytes(), &g);
    }
}
