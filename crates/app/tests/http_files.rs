//! Files carried by HTTP bodies: names, decoded sizes and end states, each
//! conversation replayed under several segmentations.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use warden_app::http::replay::{feed, replay_streams, Step};
use warden_app::http::{FileState, HttpConfig, HttpFile, HttpParser};

fn files(p: &HttpParser) -> Vec<HttpFile> {
    p.txs().flat_map(|t| t.files().iter().cloned()).collect()
}

fn each_split(req: &[u8], resp: &[u8], check: impl Fn(&HttpParser)) {
    for chunk in [0, 1, 2, 5, 13, 64] {
        check(&replay_streams(HttpConfig::default(), req, resp, chunk));
    }
}

const GET: &[u8] = b"GET /dl/file.bin?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";

#[test]
fn response_body_is_a_closed_file_named_by_the_uri_path() {
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    each_split(GET, resp, |p| {
        let f = files(p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].name(), b"/dl/file.bin");
        assert!(!f[0].to_server());
        assert_eq!(f[0].size(), 5);
        assert_eq!(f[0].state(), FileState::Closed);
        assert!(!f[0].has_gaps());
    });
}

#[test]
fn content_disposition_names_the_file() {
    let resp = b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"eicar.txt\"\r\n\
                 Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    each_split(GET, resp, |p| {
        let f = files(p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].name(), b"eicar.txt");
        assert_eq!(f[0].size(), 5);
        assert_eq!(f[0].state(), FileState::Closed);
    });
}

#[test]
fn size_counts_decoded_bytes_past_the_body_limit() {
    let plain = vec![b'z'; 300_000];
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(&plain).unwrap();
    let gz = e.finish().unwrap();
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    resp.extend_from_slice(&gz);
    for chunk in [0, 7, 1000] {
        let p = replay_streams(HttpConfig::default(), GET, &resp, chunk);
        let f = files(&p);
        assert_eq!(f[0].size(), 300_000);
        assert_eq!(f[0].state(), FileState::Closed);
        let tx = p.txs().next().unwrap();
        assert_eq!(tx.response_body().unwrap().len(), 100 * 1024);
        assert_eq!(tx.response_body_len(), gz.len() as u64);
    }
}

#[test]
fn post_and_put_bodies_are_files_other_requests_not() {
    let req = b"POST /cgi-bin/up.cgi HTTP/1.0\r\nContent-Length: 4\r\n\r\ndata\
                PUT /store/x.zip HTTP/1.1\r\nContent-Length: 2\r\n\r\nzz\
                OPTIONS /o HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
    let resp = b"HTTP/1.0 204 No Content\r\n\r\n\
                 HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n\
                 HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    each_split(req, resp, |p| {
        let f = files(p);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].name(), b"/cgi-bin/up.cgi");
        assert!(f[0].to_server());
        assert_eq!(f[0].size(), 4);
        assert_eq!(f[0].state(), FileState::Closed);
        assert_eq!(f[1].name(), b"/store/x.zip");
        assert_eq!(f[1].size(), 2);
    });
}

#[test]
fn body_until_close_is_closed_by_the_close() {
    let resp = b"HTTP/1.0 200 OK\r\n\r\nall of it";
    each_split(GET, resp, |p| {
        let f = files(p);
        assert_eq!(f[0].size(), 9);
        assert_eq!(f[0].state(), FileState::Closed);
    });
}

#[test]
fn close_before_the_length_truncates() {
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly5";
    each_split(GET, resp, |p| {
        let f = files(p);
        assert_eq!(f[0].size(), 5);
        assert_eq!(f[0].state(), FileState::Truncated);
    });
}

#[test]
fn gap_marks_the_file_and_truncates_it() {
    let mut p = HttpParser::new(HttpConfig::default());
    feed(
        &mut p,
        &[
            Step::ToServer(GET),
            Step::ToClient(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        ],
        0,
    );
    assert!(files(&p)[0].is_open());
    p.on_gap(false);
    let f = files(&p);
    assert!(f[0].has_gaps());
    assert_eq!(f[0].state(), FileState::Truncated);
    assert_eq!(f[0].size(), 3);
}

#[test]
fn corrupt_gzip_still_closes_and_empty_bodies_are_no_files() {
    let resp = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n\
                 \x1f\x8b\x08\x00garbage!\
                 HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let req = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    each_split(req, resp, |p| {
        let f = files(p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].state(), FileState::Closed);
    });
}
