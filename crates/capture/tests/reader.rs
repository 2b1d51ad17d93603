//! Reader and writer tests on captures built in the test: pcap round trip,
//! big-endian and nanosecond files, hand-made pcapng with two interfaces,
//! truncated and corrupt files, folder expansion.

use std::io::Cursor;
use std::path::PathBuf;

use warden_capture::{
    open_captures, CaptureErrorKind, CaptureFormat, CaptureReader, LinkType, PcapWriter, Timestamp,
};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("warden-capture-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn frames() -> Vec<Vec<u8>> {
    (0..5u8)
        .map(|i| vec![i; 60 + usize::from(i) * 10])
        .collect()
}

fn pcap_bytes(nanos: bool, snaplen: u32) -> Vec<u8> {
    let mut w = if nanos {
        PcapWriter::new_nanos(Vec::new(), 1, snaplen).unwrap()
    } else {
        PcapWriter::new(Vec::new(), 1, snaplen).unwrap()
    };
    for (i, f) in frames().iter().enumerate() {
        let ts = Timestamp {
            secs: 1_700_000_000 + i as i64,
            nanos: 123_456_789,
        };
        w.write_packet(ts, f).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn round_trip_microseconds_and_snaplen() {
    let bytes = pcap_bytes(false, 80);
    let mut r = CaptureReader::from_reader("mem.pcap", Cursor::new(bytes)).unwrap();
    assert_eq!(
        r.format(),
        CaptureFormat::Pcap {
            nanos: false,
            big_endian: false
        }
    );
    assert_eq!(r.link_type(), Some(LinkType::Ethernet));
    let want = frames();
    let mut n = 0;
    while let Some(p) = r.next_packet().unwrap() {
        let f = &want[n];
        n += 1;
        assert_eq!(p.index, n as u64);
        assert_eq!(p.link, LinkType::Ethernet);
        assert_eq!(
            p.ts,
            Timestamp {
                secs: 1_700_000_000 + n as i64 - 1,
                nanos: 123_456_000
            }
        );
        assert_eq!(p.orig_len as usize, f.len());
        assert_eq!(p.data, &f[..f.len().min(80)]);
    }
    assert_eq!(n, 5);
    assert!(r.next_packet().unwrap().is_none());
}

#[test]
fn nanosecond_file_keeps_nanoseconds() {
    let bytes = pcap_bytes(true, 65535);
    assert_eq!(&bytes[..4], &0xa1b2_3c4du32.to_le_bytes());
    let mut r = CaptureReader::from_reader("ns.pcap", Cursor::new(bytes)).unwrap();
    assert_eq!(
        r.format(),
        CaptureFormat::Pcap {
            nanos: true,
            big_endian: false
        }
    );
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!(
        p.ts,
        Timestamp {
            secs: 1_700_000_000,
            nanos: 123_456_789
        }
    );
    assert_eq!(p.data, &frames()[0][..]);
}

#[test]
fn big_endian_file() {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_be_bytes());
    b.extend_from_slice(&2u16.to_be_bytes());
    b.extend_from_slice(&4u16.to_be_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&65535u32.to_be_bytes());
    b.extend_from_slice(&101u32.to_be_bytes()); // raw IP
    for (i, payload) in [&b"\x45abc"[..], &b"\x60defgh"[..]].iter().enumerate() {
        b.extend_from_slice(&(1000 + i as u32).to_be_bytes());
        b.extend_from_slice(&500_000u32.to_be_bytes());
        b.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        b.extend_from_slice(&(payload.len() as u32 + 100).to_be_bytes());
        b.extend_from_slice(payload);
    }
    let mut r = CaptureReader::from_reader("be.pcap", Cursor::new(b)).unwrap();
    assert_eq!(
        r.format(),
        CaptureFormat::Pcap {
            nanos: false,
            big_endian: true
        }
    );
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!(
        (p.link, p.data, p.orig_len),
        (LinkType::RawIp, &b"\x45abc"[..], 104)
    );
    assert_eq!(
        p.ts,
        Timestamp {
            secs: 1000,
            nanos: 500_000_000
        }
    );
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!((p.index, p.data), (2, &b"\x60defgh"[..]));
    assert!(r.next_packet().unwrap().is_none());
}

/// A little-endian pcapng block: type, total length, body (padded), length.
fn ng_block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while body.len() % 4 != 0 {
        body.push(0);
    }
    let total = (12 + body.len()) as u32;
    let mut b = kind.to_le_bytes().to_vec();
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

fn shb() -> Vec<u8> {
    let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    ng_block(0x0a0d_0d0a, &body)
}

fn idb(dlt: u16, snaplen: u32, options: &[u8]) -> Vec<u8> {
    let mut body = dlt.to_le_bytes().to_vec();
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&snaplen.to_le_bytes());
    body.extend_from_slice(options);
    ng_block(1, &body)
}

fn epb(if_id: u32, ts: u64, data: &[u8], orig_len: u32) -> Vec<u8> {
    let mut body = if_id.to_le_bytes().to_vec();
    body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&orig_len.to_le_bytes());
    body.extend_from_slice(data);
    ng_block(6, &body)
}

fn pcapng_two_interfaces() -> Vec<u8> {
    let mut f = shb();
    f.extend(idb(1, 0, &[])); // Ethernet, default microseconds
                              // raw IPv4, if_tsresol = 9 (ns), if_tsoffset = 100 s, end of options
    let mut opts = vec![9, 0, 1, 0, 9, 0, 0, 0];
    opts.extend_from_slice(&[14, 0, 8, 0]);
    opts.extend_from_slice(&100i64.to_le_bytes());
    opts.extend_from_slice(&[0, 0, 0, 0]);
    f.extend(idb(228, 0, &opts));
    f.extend(ng_block(0x0000_0bad, b"custom")); // unknown block: skipped
    f.extend(epb(0, 1_700_000_000_250_000, b"ethernet-frame", 14));
    f.extend(epb(1, 5_000_000_007, b"\x45ip", 3));
    // simple packet block on interface 0 (original length 5, padded data)
    let mut spb = 5u32.to_le_bytes().to_vec();
    spb.extend_from_slice(b"hello");
    f.extend(ng_block(3, &spb));
    f
}

#[test]
fn pcapng_interfaces_link_types_and_resolutions() {
    let mut r =
        CaptureReader::from_reader("mem.pcapng", Cursor::new(pcapng_two_interfaces())).unwrap();
    assert_eq!(r.format(), CaptureFormat::PcapNg);
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!((p.index, p.interface, p.link), (1, 0, LinkType::Ethernet));
    assert_eq!(
        p.ts,
        Timestamp {
            secs: 1_700_000_000,
            nanos: 250_000_000
        }
    );
    assert_eq!(p.data, b"ethernet-frame");
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!((p.index, p.interface, p.link), (2, 1, LinkType::Ipv4));
    assert_eq!(
        p.ts,
        Timestamp {
            secs: 105,
            nanos: 7
        }
    );
    assert_eq!(p.data, b"\x45ip");
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!((p.index, p.data, p.orig_len), (3, &b"hello"[..], 5));
    assert!(r.next_packet().unwrap().is_none());
}

#[test]
fn pcapng_packet_on_unsupported_link_is_skipped_but_counted() {
    let mut f = shb();
    f.extend(idb(105, 0, &[])); // 802.11: not decoded
    f.extend(idb(1, 0, &[]));
    f.extend(epb(0, 0, b"wifi", 4));
    f.extend(epb(1, 0, b"eth", 3));
    let mut r = CaptureReader::from_reader("x.pcapng", Cursor::new(f)).unwrap();
    let p = r.next_packet().unwrap().unwrap();
    assert_eq!((p.index, p.data), (2, &b"eth"[..]));
    assert!(r.next_packet().unwrap().is_none());
    assert_eq!(r.unsupported_skipped(), 1);
}

#[test]
fn pcapng_undefined_interface_is_an_error() {
    let mut f = shb();
    f.extend(idb(1, 0, &[]));
    f.extend(epb(0, 0, b"ok", 2));
    f.extend(epb(3, 0, b"bad", 3));
    let mut r = CaptureReader::from_reader("x.pcapng", Cursor::new(f)).unwrap();
    assert!(r.next_packet().unwrap().is_some());
    let e = r.next_packet().unwrap_err();
    assert_eq!(e.packet_index(), Some(2));
    assert!(e.to_string().contains("undefined interface 3"), "{e}");
    assert!(r.next_packet().unwrap().is_none());
}

#[test]
fn truncated_file_names_file_packet_and_offset() {
    let dir = temp_dir("trunc");
    let path = dir.join("capture.pcap");
    let bytes = pcap_bytes(false, 65535);
    // records: 24-byte header, then 16 + len each; cut inside packet 4
    let lens: Vec<usize> = frames().iter().map(|f| 16 + f.len()).collect();
    let start4 = 24 + lens[..3].iter().sum::<usize>();
    std::fs::write(&path, &bytes[..start4 + 20]).unwrap();
    let mut r = CaptureReader::open(&path).unwrap();
    for i in 1..=3 {
        assert_eq!(r.next_packet().unwrap().unwrap().index, i);
    }
    let e = r.next_packet().unwrap_err();
    assert!(matches!(e.kind(), CaptureErrorKind::Truncated));
    assert_eq!(
        (e.packet_index(), e.byte_offset()),
        (Some(4), Some(start4 as u64))
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}: truncated record at packet 4 (byte offset {start4})",
            path.display()
        )
    );
    // cut inside a record header
    std::fs::write(&path, &bytes[..start4 + 5]).unwrap();
    let mut r2 = CaptureReader::open(&path).unwrap();
    let mut got = 0;
    let err = loop {
        match r2.next_packet() {
            Ok(Some(_)) => got += 1,
            Ok(None) => panic!("expected an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 3);
    assert_eq!(err.packet_index(), Some(4));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_pcapng_block() {
    let f = pcapng_two_interfaces();
    let cut = f.len() - 6;
    let mut r = CaptureReader::from_reader("t.pcapng", Cursor::new(f[..cut].to_vec())).unwrap();
    assert!(r.next_packet().unwrap().is_some());
    assert!(r.next_packet().unwrap().is_some());
    let e = r.next_packet().unwrap_err();
    assert_eq!(e.packet_index(), Some(3));
    assert!(
        e.to_string()
            .starts_with("t.pcapng: truncated record at packet 3"),
        "{e}"
    );
}

#[test]
fn large_record_grows_the_buffer() {
    let big = vec![0xabu8; 3 << 20];
    let mut w = PcapWriter::new(Vec::new(), 1, u32::MAX).unwrap();
    w.write_packet(Timestamp::default(), b"small").unwrap();
    w.write_packet(Timestamp::default(), &big).unwrap();
    w.write_packet(Timestamp::default(), b"after").unwrap();
    let mut r =
        CaptureReader::from_reader("big.pcap", Cursor::new(w.into_inner().unwrap())).unwrap();
    assert_eq!(r.next_packet().unwrap().unwrap().data, b"small");
    assert_eq!(r.next_packet().unwrap().unwrap().data.len(), big.len());
    assert_eq!(r.next_packet().unwrap().unwrap().data, b"after");
    assert!(r.next_packet().unwrap().is_none());
}

#[test]
fn open_errors_name_the_file() {
    let e =
        CaptureReader::from_reader("junk.bin", Cursor::new(b"hello world, not a pcap".to_vec()))
            .unwrap_err();
    assert!(matches!(e.kind(), CaptureErrorKind::NotACapture));
    assert_eq!(e.to_string(), "junk.bin: not a pcap or pcapng file");
    let e = CaptureReader::from_reader("empty.pcap", Cursor::new(Vec::new())).unwrap_err();
    assert!(e.to_string().starts_with("empty.pcap: "), "{e}");
    let e = CaptureReader::open("/nonexistent/x.pcap").unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.pcap: "), "{e}");
    let w = PcapWriter::new(Vec::new(), 105, 65535)
        .unwrap()
        .into_inner()
        .unwrap();
    let e = CaptureReader::from_reader("wifi.pcap", Cursor::new(w)).unwrap_err();
    assert_eq!(e.to_string(), "wifi.pcap: unsupported link type 105");
}

#[test]
fn header_only_file_has_no_packets() {
    let w = PcapWriter::new(Vec::new(), 1, 65535)
        .unwrap()
        .into_inner()
        .unwrap();
    let mut r = CaptureReader::from_reader("h.pcap", Cursor::new(w)).unwrap();
    assert!(r.next_packet().unwrap().is_none());
}

#[test]
fn open_captures_expands_folders() {
    let dir = temp_dir("folder");
    for n in ["b.pcap", "a.PCAPNG", "c.cap", "notes.txt", "d.pcap.gz"] {
        std::fs::write(dir.join(n), b"").unwrap();
    }
    std::fs::create_dir(dir.join("sub.pcap")).unwrap();
    let got: Vec<_> = open_captures(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(got, ["a.PCAPNG", "b.pcap", "c.cap"]);
    let file = dir.join("b.pcap");
    assert_eq!(open_captures(&file), std::slice::from_ref(&file));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn writer_output_decodes() {
    use std::net::Ipv4Addr;
    use warden_packet::{build, decode, tcp_flags, DecodeOptions};
    let a = Ipv4Addr::new(10, 0, 0, 1);
    let b = Ipv4Addr::new(10, 0, 0, 2);
    let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet.dlt(), 65535).unwrap();
    let f = build::tcp_v4(a, b, 1111, 80, 1, 0, tcp_flags::SYN, b"");
    w.write_packet(Timestamp::from_micros(1, 2), &f).unwrap();
    let mut r = CaptureReader::from_reader("d.pcap", Cursor::new(w.into_inner().unwrap())).unwrap();
    let raw = r.next_packet().unwrap().unwrap();
    let p = decode(
        raw.link,
        raw.data,
        &DecodeOptions {
            checksum_validation: true,
        },
    );
    assert_eq!(p.dst_port(), Some(80));
    assert!(!p.has_bad_checksum());
}

#[test]
fn mutated_files_never_panic() {
    let seeds = [
        pcap_bytes(false, 65535),
        pcap_bytes(true, 64),
        pcapng_two_interfaces(),
    ];
    let mut x = 0x9e37_79b9u32;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for seed in &seeds {
        for _ in 0..3000 {
            let mut f = seed.clone();
            for _ in 0..1 + rnd() % 4 {
                let i = rnd() as usize % f.len();
                f[i] = rnd() as u8;
            }
            if rnd() % 4 == 0 {
                let keep = rnd() as usize % f.len();
                f.truncate(keep);
            }
            let Ok(mut r) = CaptureReader::from_reader("m", Cursor::new(f)) else {
                continue;
            };
            let mut n = 0;
            while let Ok(Some(p)) = r.next_packet() {
                n += 1;
                assert_eq!(p.index as usize, n + r.unsupported_skipped() as usize);
            }
        }
    }
}
