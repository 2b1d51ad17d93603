//! Fuzz target: decode arbitrary bytes as every link type, with and
//! without checksum validation, and touch every accessor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_packet::{decode, DecodeOptions, LinkType};

const LINKS: [LinkType; 10] = [
    LinkType::Ethernet,
    LinkType::RawIp,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::Null,
    LinkType::Loop,
    LinkType::Ppp,
    LinkType::CiscoHdlc,
];

fuzz_target!(|data: &[u8]| {
    for link in LINKS {
        for checksum_validation in [false, true] {
            let p = decode(
                link,
                data,
                &DecodeOptions {
                    checksum_validation,
                },
            );
            assert!(p.payload.len() <= data.len());
            let _ = p.event_names().count();
            let _ = (p.src_ip(), p.dst_ip(), p.src_port(), p.dst_port());
            let _ = (p.is_fragment(), p.has_bad_checksum(), p.vlans().len());
        }
    }
});
