//! Decoder anomaly events: the [`DecodeEvent`] enum, its Suricata names
//! (`decode-event:<name>` in rules) and the [`DecodeEvents`] bitset a
//! [`crate::Packet`] carries.
//!
//! The decoder never fails: anything odd about a frame is recorded here and
//! decoding continues as far as the bytes allow.

macro_rules! decode_events {
    ($($variant:ident => $name:literal,)*) => {
        /// A decoder anomaly, named as in Suricata's `decoder-events.rules`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum DecodeEvent {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl DecodeEvent {
            /// Every event, in declaration (bit) order.
            pub const ALL: &'static [DecodeEvent] = &[$(DecodeEvent::$variant,)*];

            /// The Suricata name, e.g. `"ipv4.trunc_pkt"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(DecodeEvent::$variant => $name,)*
                }
            }
        }
    };
}

decode_events! {
    EthernetPktTooSmall => "ethernet.pkt_too_small",
    EthernetUnknownEthertype => "ethernet.unknown_ethertype",
    VlanHeaderTooSmall => "vlan.header_too_small",
    VlanUnknownType => "vlan.unknown_type",
    VlanTooManyLayers => "vlan.too_many_layers",
    SllPktTooSmall => "sll.pkt_too_small",
    PppPktTooSmall => "ppp.pkt_too_small",
    PppIp4PktTooSmall => "ppp.ip4_pkt_too_small",
    PppIp6PktTooSmall => "ppp.ip6_pkt_too_small",
    PppWrongType => "ppp.wrong_type",
    PppUnsupProto => "ppp.unsup_proto",
    ChdlcPktTooSmall => "chdlc.pkt_too_small",
    LtnullPktTooSmall => "ltnull.pkt_too_small",
    LtnullUnsupportedType => "ltnull.unsupported_type",
    IprawInvalidIpVersion => "ipraw.invalid_ip_version",
    Ipv4PktTooSmall => "ipv4.pkt_too_small",
    Ipv4HlenTooSmall => "ipv4.hlen_too_small",
    Ipv4IplenSmallerThanHlen => "ipv4.iplen_smaller_than_hlen",
    Ipv4TruncPkt => "ipv4.trunc_pkt",
    Ipv4OptInvalid => "ipv4.opt_invalid",
    Ipv4OptInvalidLen => "ipv4.opt_invalid_len",
    Ipv4OptMalformed => "ipv4.opt_malformed",
    Ipv4OptDuplicate => "ipv4.opt_duplicate",
    Ipv4OptUnknown => "ipv4.opt_unknown",
    Ipv4WrongIpVersion => "ipv4.wrong_ip_version",
    Ipv4Icmpv6 => "ipv4.icmpv6",
    Ipv4FragPktTooLarge => "ipv4.frag_pkt_too_large",
    Ipv4FragOverlap => "ipv4.frag_overlap",
    Ipv6PktTooSmall => "ipv6.pkt_too_small",
    Ipv6TruncPkt => "ipv6.trunc_pkt",
    Ipv6TruncExthdr => "ipv6.trunc_exthdr",
    Ipv6WrongIpVersion => "ipv6.wrong_ip_version",
    Ipv6ExthdrDuplFh => "ipv6.exthdr_dupl_fh",
    Ipv6ExthdrDuplRh => "ipv6.exthdr_dupl_rh",
    Ipv6ExthdrDuplHh => "ipv6.exthdr_dupl_hh",
    Ipv6ExthdrDuplDh => "ipv6.exthdr_dupl_dh",
    Ipv6ExthdrDuplAh => "ipv6.exthdr_dupl_ah",
    Ipv6ExthdrUselessFh => "ipv6.exthdr_useless_fh",
    Ipv6ExthdrInvalidOptlen => "ipv6.exthdr_invalid_optlen",
    Ipv6ExthdrAhResNotNull => "ipv6.exthdr_ah_res_not_null",
    Ipv6FhNonZeroReservedField => "ipv6.fh_non_zero_reserved_field",
    Ipv6FragInvalidLength => "ipv6.frag_invalid_length",
    Ipv6FragPktTooLarge => "ipv6.frag_pkt_too_large",
    Ipv6FragOverlap => "ipv6.frag_overlap",
    Ipv6RhType0 => "ipv6.rh_type_0",
    Ipv6HopoptsUnknownOpt => "ipv6.hopopts_unknown_opt",
    Ipv6HopoptsOnlyPadding => "ipv6.hopopts_only_padding",
    Ipv6DstoptsUnknownOpt => "ipv6.dstopts_unknown_opt",
    Ipv6DstoptsOnlyPadding => "ipv6.dstopts_only_padding",
    Ipv6ZeroLenPadn => "ipv6.zero_len_padn",
    Ipv6DataAfterNoneHeader => "ipv6.data_after_none_header",
    Ipv6Icmpv4 => "ipv6.icmpv4",
    Ipv6Ipv4InIpv6TooSmall => "ipv6.ipv4_in_ipv6_too_small",
    Ipv6Ipv4InIpv6WrongVersion => "ipv6.ipv4_in_ipv6_wrong_version",
    Ipv6Ipv6InIpv6TooSmall => "ipv6.ipv6_in_ipv6_too_small",
    Ipv6Ipv6InIpv6WrongVersion => "ipv6.ipv6_in_ipv6_wrong_version",
    TcpPktTooSmall => "tcp.pkt_too_small",
    TcpHlenTooSmall => "tcp.hlen_too_small",
    TcpInvalidOptlen => "tcp.invalid_optlen",
    TcpOptInvalidLen => "tcp.opt_invalid_len",
    TcpOptDuplicate => "tcp.opt_duplicate",
    UdpPktTooSmall => "udp.pkt_too_small",
    UdpHlenTooSmall => "udp.hlen_too_small",
    UdpLenInvalid => "udp.len_invalid",
    Icmpv4PktTooSmall => "icmpv4.pkt_too_small",
    Icmpv4UnknownType => "icmpv4.unknown_type",
    Icmpv4UnknownCode => "icmpv4.unknown_code",
    Icmpv4Ipv4TruncPkt => "icmpv4.ipv4_trunc_pkt",
    Icmpv4Ipv4UnknownVer => "icmpv4.ipv4_unknown_ver",
    Icmpv6PktTooSmall => "icmpv6.pkt_too_small",
    Icmpv6UnknownType => "icmpv6.unknown_type",
    Icmpv6UnknownCode => "icmpv6.unknown_code",
    Icmpv6UnassignedType => "icmpv6.unassigned_type",
    Icmpv6ExperimentationType => "icmpv6.experimentation_type",
    Icmpv6MldMessageWithInvalidHl => "icmpv6.mld_message_with_invalid_hl",
    Icmpv6Ipv6TruncPkt => "icmpv6.ipv6_trunc_pkt",
    Icmpv6Ipv6UnknownVersion => "icmpv6.ipv6_unknown_version",
}

impl DecodeEvent {
    /// Resolves a rule's `decode-event:` value. Accepts the name with or
    /// without Suricata's `decoder.` prefix, and the retired alias
    /// `udp.hlen_invalid` (now `udp.len_invalid`).
    pub fn from_name(name: &str) -> Option<DecodeEvent> {
        let name = name.trim();
        let name = name.strip_prefix("decoder.").unwrap_or(name);
        if name.eq_ignore_ascii_case("udp.hlen_invalid") {
            return Some(DecodeEvent::UdpLenInvalid);
        }
        DecodeEvent::ALL
            .iter()
            .copied()
            .find(|e| e.name().eq_ignore_ascii_case(name))
    }

    const fn bit(self) -> u128 {
        1u128 << (self as u8)
    }
}

impl std::fmt::Display for DecodeEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`DecodeEvent`]s (one bit each; no allocation).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DecodeEvents(u128);

impl DecodeEvents {
    /// The empty set.
    pub const fn new() -> Self {
        DecodeEvents(0)
    }

    /// Adds `event`.
    pub fn set(&mut self, event: DecodeEvent) {
        self.0 |= event.bit();
    }

    /// Whether `event` was raised.
    pub const fn contains(&self, event: DecodeEvent) -> bool {
        self.0 & event.bit() != 0
    }

    /// True when no event was raised.
    pub const fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Number of distinct events raised.
    pub const fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The raised events in bit order.
    pub fn iter(&self) -> impl Iterator<Item = DecodeEvent> + '_ {
        let bits = self.0;
        DecodeEvent::ALL
            .iter()
            .copied()
            .filter(move |e| bits & e.bit() != 0)
    }
}

impl std::fmt::Debug for DecodeEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.iter().map(DecodeEvent::name))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_in_bitset() {
        assert!(DecodeEvent::ALL.len() <= 128);
        for &e in DecodeEvent::ALL {
            assert_eq!(DecodeEvent::from_name(e.name()), Some(e));
        }
        assert_eq!(
            DecodeEvent::from_name("decoder.ipv4.trunc_pkt"),
            Some(DecodeEvent::Ipv4TruncPkt)
        );
        assert_eq!(
            DecodeEvent::from_name("udp.hlen_invalid"),
            Some(DecodeEvent::UdpLenInvalid)
        );
        assert_eq!(DecodeEvent::from_name("ipv4.nope"), None);
    }

    #[test]
    fn names_exist_in_suricata_rules_when_available() {
        let path = concat!(
            "/work/shared/corpus/rules/suricata-shipped/",
            "decoder-events.rules"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skip: {path} not present");
            return;
        };
        for &e in DecodeEvent::ALL {
            let needle = format!("decode-event:{};", e.name());
            assert!(
                text.contains(&needle),
                "{} not in Suricata's rules",
                e.name()
            );
        }
    }

    #[test]
    fn set_operations() {
        let mut s = DecodeEvents::new();
        assert!(s.is_empty());
        s.set(DecodeEvent::TcpOptDuplicate);
        s.set(DecodeEvent::EthernetPktTooSmall);
        s.set(DecodeEvent::TcpOptDuplicate);
        assert_eq!(s.len(), 2);
        assert!(s.contains(DecodeEvent::TcpOptDuplicate));
        let v: Vec<_> = s.iter().collect();
        assert_eq!(
            v,
            [
                DecodeEvent::EthernetPktTooSmall,
                DecodeEvent::TcpOptDuplicate
            ]
        );
    }
}
