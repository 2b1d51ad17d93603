//! Fuzz target: read arbitrary bytes as a pcap/pcapng file to the end (or
//! the first error) and decode every packet returned.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use warden_capture::CaptureReader;
use warden_packet::{decode, DecodeOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = CaptureReader::from_reader("fuzz.pcap", Cursor::new(data.to_vec())) else {
        return;
    };
    let opts = DecodeOptions {
        checksum_validation: true,
    };
    let mut last = 0;
    while let Ok(Some(raw)) = reader.next_packet() {
        assert!(raw.index > last);
        last = raw.index;
        let _ = decode(raw.link, raw.data, &opts).events.len();
    }
});
