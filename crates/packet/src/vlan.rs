//! 802.1Q / 802.1ad (QinQ) VLAN tags: up to three are recorded in
//! [`crate::Packet::vlan_ids`]; more raise `vlan.too_many_layers` and are
//! skipped.

use crate::link::{ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN};
use crate::{be16, decode_ethertype, DecodeEvent, DecodeOptions, Packet};

/// Tags skipped before giving up on a frame (bounds work on hostile input).
const MAX_TAGS: usize = 8;

fn is_vlan(ethertype: u16) -> bool {
    matches!(
        ethertype,
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD
    )
}

/// Walks VLAN tags starting with `ethertype`, then decodes the L3 payload.
pub(crate) fn dispatch<'a>(
    p: &mut Packet<'a>,
    mut ethertype: u16,
    mut data: &'a [u8],
    opts: &DecodeOptions,
) {
    let mut tags = 0;
    while is_vlan(ethertype) {
        if data.len() < 4 {
            p.set_event(DecodeEvent::VlanHeaderTooSmall);
            return;
        }
        tags += 1;
        if tags > MAX_TAGS {
            p.payload = data;
            return;
        }
        let id = be16(data, 0) & 0x0fff;
        if usize::from(p.vlan_count) < p.vlan_ids.len() {
            p.vlan_ids[usize::from(p.vlan_count)] = id;
            p.vlan_count += 1;
        } else {
            p.set_event(DecodeEvent::VlanTooManyLayers);
        }
        ethertype = be16(data, 2);
        data = &data[4..];
        if !is_vlan(ethertype)
            && !matches!(
                ethertype,
                crate::link::ETHERTYPE_IPV4
                    | crate::link::ETHERTYPE_IPV6
                    | crate::nsh::ETHERTYPE_NSH
            )
            && !crate::link::is_known_ethertype(ethertype)
        {
            p.set_event(DecodeEvent::VlanUnknownType);
            p.ethertype = Some(ethertype);
            p.payload = data;
            return;
        }
    }
    decode_ethertype(p, ethertype, data, opts);
}
