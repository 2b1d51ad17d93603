//! Fuzz target: a datagram from the kernel's netfilter queue as warden
//! reads it: walk the netlink messages, then decode each queued packet's
//! payload as the NFQUEUE loop does. Neither may panic; a queued packet's
//! payload lies inside the datagram and its full length is never shorter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_capture::nfqueue::{Message, Messages};
use warden_packet::{decode, DecodeOptions, LinkType};

fuzz_target!(|data: &[u8]| {
    let range = data.as_ptr_range();
    for m in Messages::new(data).take(10_000) {
        if let Ok(Message::Packet(p)) = m {
            let pr = p.payload.as_ptr_range();
            assert!(p.payload.is_empty() || (pr.start >= range.start && pr.end <= range.end));
            assert!(p.orig_len as usize >= p.payload.len());
            let opts = DecodeOptions {
                checksum_validation: true,
            };
            let _ = decode(LinkType::RawIp, p.payload, &opts).events.len();
        }
    }
});
