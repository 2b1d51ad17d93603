//! Cisco HDLC framing (pcap DLT 104): a 4-byte header of address
//! (`0x0f` unicast, `0x8f` broadcast), control (0) and an ethertype, then
//! the L3 packet, dispatched as after an Ethernet header.

use crate::{be16, vlan, DecodeEvent, DecodeOptions, Packet};

/// Length of the Cisco HDLC header.
pub const HEADER_LEN: usize = 4;

/// Decodes a Cisco HDLC frame.
pub(crate) fn decode<'a>(p: &mut Packet<'a>, frame: &'a [u8], opts: &DecodeOptions) {
    if frame.len() < HEADER_LEN {
        p.set_event(DecodeEvent::ChdlcPktTooSmall);
        return;
    }
    vlan::dispatch(p, be16(frame, 2), &frame[HEADER_LEN..], opts);
}
