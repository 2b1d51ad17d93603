//! Fuzz target: parse arbitrary bytes as one DNS message, as a UDP
//! datagram and as a TCP stream cut into chunks whose sizes come from the
//! input; TCP results must not depend on the cuts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_app::dns::{names, parse_message, DnsState};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_message(data) {
        for r in m.answers.iter().chain(&m.authorities).chain(&m.additionals) {
            let _ = names::rdata_text(r.rrtype, &r.data);
            let _ = names::rrtype_string(r.rrtype);
        }
    }
    let mut udp = DnsState::new();
    udp.parse_udp(true, data);
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let mut whole = DnsState::new();
    whole.parse_tcp(true, rest);
    let mut split = DnsState::new();
    for piece in rest.chunks(usize::from(cut).max(1)) {
        split.parse_tcp(true, piece);
    }
    assert_eq!(whole.transactions(), split.transactions());
});
