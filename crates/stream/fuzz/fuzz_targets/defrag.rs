//! Feeds arbitrary IPv4/IPv6 fragments into a defragmenter (through the
//! packet decoder, as the pipeline does) and decodes every datagram it
//! rebuilds, with the fragments framed as Ethernet, raw IP, PPP or Cisco
//! HDLC (the rebuilt frame keeps the first fragment's link header).
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_packet::build::{self, Builder};
use warden_packet::{decode, DecodeOptions, LinkType, Timestamp};
use warden_stream::{DefragConfig, DefragPolicy, Defragmenter, Fragment};

fuzz_target!(|input: &[u8]| {
    let Some((&head, mut rest)) = input.split_first() else {
        return;
    };
    let mut d = Defragmenter::new(DefragConfig {
        policy: DefragPolicy::ALL[usize::from(head) % DefragPolicy::ALL.len()],
        timeout_secs: 60,
        memcap: 1 << 20,
        max_trackers: 16,
    });
    let opts = DecodeOptions {
        checksum_validation: true,
    };
    let v4 = ["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
    let v6 = [
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    ];
    let mut secs = 0i64;
    // Record: ctl (1), id (1), offset (2, 8-byte units), len (1), data.
    while rest.len() >= 5 {
        let ctl = rest[0];
        let offset = u16::from_be_bytes([rest[2], rest[3]]) & 0x1fff;
        let len = usize::from(rest[4]).min(rest.len() - 5);
        let data = &rest[5..5 + len];
        let b = Builder {
            ip_id: u16::from(rest[1] & 3),
            raw_ip: ctl & 0x20 != 0,
            ..Builder::default()
        };
        rest = &rest[5 + len..];
        secs += i64::from(ctl >> 6) * 20;
        let addrs = if ctl & 1 != 0 { v6 } else { v4 };
        let frame = b.fragment(addrs[0], addrs[1], 17, offset, ctl & 2 != 0, data);
        // Link framing: Ethernet, raw IP, PPP or Cisco HDLC.
        let (link, frame) = match (b.raw_ip, ctl & 0x10 != 0) {
            (false, _) => (LinkType::Ethernet, frame),
            (true, false) => (LinkType::RawIp, frame),
            (true, true) if ctl & 4 != 0 => (LinkType::Ppp, build::ppp(&frame)),
            (true, true) => (LinkType::CiscoHdlc, build::chdlc(&frame)),
        };
        let p = decode(link, &frame, &opts);
        let Some(f) = Fragment::from_packet(&p) else {
            continue;
        };
        let out = d.insert(&f, Timestamp { secs, nanos: 0 });
        let _ = out.events.names(ctl & 1 != 0).count();
        if let Some(dgram) = out.datagram {
            assert!(dgram.ip().len() <= 65535 + 40);
            let p = decode(LinkType::RawIp, dgram.ip(), &opts);
            assert!(!p.is_fragment());
            let p = decode(link, &dgram.frame, &opts);
            assert!(!p.is_fragment());
        }
        assert!(d.tracker_count() <= 16);
        assert!(d.memory() <= 1 << 20);
    }
});
