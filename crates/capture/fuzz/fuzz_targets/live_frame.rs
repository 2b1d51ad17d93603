//! Fuzz target: what the live path does to a frame read from an
//! interface before inspection: parse the offload header, put a stripped
//! VLAN tag back, shift the header, decode. Input: 10 header bytes, 2 TCI
//! bytes, then the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_capture::afpacket::{restore_vlan_tag, VnetHdr, HEADROOM, VNET_HDR_LEN};
use warden_packet::{decode, DecodeOptions, LinkType};

fuzz_target!(|data: &[u8]| {
    if data.len() < VNET_HDR_LEN + 2 {
        return;
    }
    let mut hdr = [0u8; VNET_HDR_LEN];
    hdr.copy_from_slice(&data[..VNET_HDR_LEN]);
    let mut vnet = VnetHdr::parse(&hdr);
    assert_eq!(VnetHdr::parse(&vnet.to_bytes()), vnet);
    let tci = u16::from_be_bytes([data[VNET_HDR_LEN], data[VNET_HDR_LEN + 1]]);
    let frame = &data[VNET_HDR_LEN + 2..];
    let mut buf = vec![0u8; HEADROOM + frame.len()];
    buf[HEADROOM..].copy_from_slice(frame);
    let (mut off, mut len) = (HEADROOM, frame.len());
    if tci & 1 == 1 {
        if let Some((o, l)) = restore_vlan_tag(&mut buf, off, len, 0x8100, tci) {
            (off, len) = (o, l);
            vnet = vnet.shifted(4);
        }
    }
    let opts = DecodeOptions {
        checksum_validation: !vnet.checksum_partial(),
    };
    let _ = decode(LinkType::Ethernet, &buf[off..off + len], &opts).events.len();
});
