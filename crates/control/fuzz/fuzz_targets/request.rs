//! Fuzz target: a control-socket request line from an untrusted client.
//! Parsing must never panic; a request that parses must come back the
//! same through its own line form, and its dispatch (to an unknown
//! command, and to `help`) must answer with one reply line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_control::{parse_request, Dispatcher, Reply};

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse_request(data) else {
        return;
    };
    let again = parse_request(req.to_line().as_bytes()).expect("own line form parses");
    assert_eq!(again, req);
    let d = Dispatcher::new();
    let line = d.dispatch(&req).to_line();
    assert_eq!(line.matches('\n').count(), 1);
    assert!(Reply::parse(&line).is_ok());
});
