//! IP protocol numbers to the names Suricata prints.
//!
//! Names are IANA's "Keyword" column of the Assigned Internet Protocol
//! Numbers registry, except number 4, which Suricata prints as `IP-in-IP`
//! (seen in its EVE output for IPv4-in-IPv4 flows). Numbers with no keyword
//! (unassigned, "any local network" and the like) print as three decimal
//! digits, `"143"`-style; fast.log prefixes those with `PROTO:`.

/// IANA keywords by protocol number; `None` where the registry has none.
const NAMES: [Option<&str>; 146] = {
    let mut t: [Option<&str>; 146] = [None; 146];
    let list: &[(usize, &str)] = &[
        (0, "HOPOPT"),
        (1, "ICMP"),
        (2, "IGMP"),
        (3, "GGP"),
        (4, "IP-in-IP"),
        (5, "ST"),
        (6, "TCP"),
        (7, "CBT"),
        (8, "EGP"),
        (9, "IGP"),
        (10, "BBN-RCC-MON"),
        (11, "NVP-II"),
        (12, "PUP"),
        (13, "ARGUS"),
        (14, "EMCON"),
        (15, "XNET"),
        (16, "CHAOS"),
        (17, "UDP"),
        (18, "MUX"),
        (19, "DCN-MEAS"),
        (20, "HMP"),
        (21, "PRM"),
        (22, "XNS-IDP"),
        (23, "TRUNK-1"),
        (24, "TRUNK-2"),
        (25, "LEAF-1"),
        (26, "LEAF-2"),
        (27, "RDP"),
        (28, "IRTP"),
        (29, "ISO-TP4"),
        (30, "NETBLT"),
        (31, "MFE-NSP"),
        (32, "MERIT-INP"),
        (33, "DCCP"),
        (34, "3PC"),
        (35, "IDPR"),
        (36, "XTP"),
        (37, "DDP"),
        (38, "IDPR-CMTP"),
        (39, "TP++"),
        (40, "IL"),
        (41, "IPv6"),
        (42, "SDRP"),
        (43, "IPv6-Route"),
        (44, "IPv6-Frag"),
        (45, "IDRP"),
        (46, "RSVP"),
        (47, "GRE"),
        (48, "DSR"),
        (49, "BNA"),
        (50, "ESP"),
        (51, "AH"),
        (52, "I-NLSP"),
        (53, "SWIPE"),
        (54, "NARP"),
        (55, "MOBILE"),
        (56, "TLSP"),
        (57, "SKIP"),
        (58, "IPv6-ICMP"),
        (59, "IPv6-NoNxt"),
        (60, "IPv6-Opts"),
        (62, "CFTP"),
        (64, "SAT-EXPAK"),
        (65, "KRYPTOLAN"),
        (66, "RVD"),
        (67, "IPPC"),
        (69, "SAT-MON"),
        (70, "VISA"),
        (71, "IPCV"),
        (72, "CPNX"),
        (73, "CPHB"),
        (74, "WSN"),
        (75, "PVP"),
        (76, "BR-SAT-MON"),
        (77, "SUN-ND"),
        (78, "WB-MON"),
        (79, "WB-EXPAK"),
        (80, "ISO-IP"),
        (81, "VMTP"),
        (82, "SECURE-VMTP"),
        (83, "VINES"),
        (84, "TTP"),
        (85, "NSFNET-IGP"),
        (86, "DGP"),
        (87, "TCF"),
        (88, "EIGRP"),
        (89, "OSPFIGP"),
        (90, "Sprite-RPC"),
        (91, "LARP"),
        (92, "MTP"),
        (93, "AX.25"),
        (94, "IPIP"),
        (95, "MICP"),
        (96, "SCC-SP"),
        (97, "ETHERIP"),
        (98, "ENCAP"),
        (100, "GMTP"),
        (101, "IFMP"),
        (102, "PNNI"),
        (103, "PIM"),
        (104, "ARIS"),
        (105, "SCPS"),
        (106, "QNX"),
        (107, "A/N"),
        (108, "IPComp"),
        (109, "SNP"),
        (110, "Compaq-Peer"),
        (111, "IPX-in-IP"),
        (112, "VRRP"),
        (113, "PGM"),
        (115, "L2TP"),
        (116, "DDX"),
        (117, "IATP"),
        (118, "STP"),
        (119, "SRP"),
        (120, "UTI"),
        (121, "SMP"),
        (122, "SM"),
        (123, "PTP"),
        (124, "ISIS"),
        (125, "FIRE"),
        (126, "CRTP"),
        (127, "CRUDP"),
        (128, "SSCOPMCE"),
        (129, "IPLT"),
        (130, "SPS"),
        (131, "PIPE"),
        (132, "SCTP"),
        (133, "FC"),
        (134, "RSVP-E2E-IGNORE"),
        (135, "Mobility-Header"),
        (136, "UDPLite"),
        (137, "MPLS-in-IP"),
        (138, "manet"),
        (139, "HIP"),
        (140, "Shim6"),
        (141, "WESP"),
        (142, "ROHC"),
        (143, "Ethernet"),
        (144, "AGGFRAG"),
        (145, "NSH"),
    ];
    let mut i = 0;
    while i < list.len() {
        t[list[i].0] = Some(list[i].1);
        i += 1;
    }
    t
};

/// IANA protocol number of ICMP.
pub const ICMP: u8 = 1;
/// IANA protocol number of TCP.
pub const TCP: u8 = 6;
/// IANA protocol number of UDP.
pub const UDP: u8 = 17;
/// IANA protocol number of ICMPv6.
pub const ICMPV6: u8 = 58;

/// The name Suricata prints for an IP protocol number, if it has one.
pub fn proto_name(proto: u8) -> Option<&'static str> {
    NAMES.get(usize::from(proto)).copied().flatten()
}

/// Appends the EVE `proto` value (without quotes): the name, or the number
/// as three digits.
pub fn write_proto(out: &mut Vec<u8>, proto: u8) {
    match proto_name(proto) {
        Some(n) => out.extend_from_slice(n.as_bytes()),
        None => write_3digits(out, proto),
    }
}

/// Appends `n` zero-padded to three digits.
pub(crate) fn write_3digits(out: &mut Vec<u8>, n: u8) {
    out.extend_from_slice(&[b'0' + n / 100, b'0' + n / 10 % 10, b'0' + n % 10]);
}

/// True for ICMP and ICMPv6, whose type and code stand where ports would.
pub fn is_icmp(proto: u8) -> bool {
    proto == ICMP || proto == ICMPV6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(proto_name(6), Some("TCP"));
        assert_eq!(proto_name(17), Some("UDP"));
        assert_eq!(proto_name(1), Some("ICMP"));
        assert_eq!(proto_name(58), Some("IPv6-ICMP"));
        assert_eq!(proto_name(41), Some("IPv6"));
        assert_eq!(proto_name(4), Some("IP-in-IP"));
        assert_eq!(proto_name(50), Some("ESP"));
        assert_eq!(proto_name(132), Some("SCTP"));
        assert_eq!(proto_name(61), None);
        assert_eq!(proto_name(200), None);
        let mut v = Vec::new();
        write_proto(&mut v, 253);
        assert_eq!(v, b"253");
        v.clear();
        write_proto(&mut v, 61);
        assert_eq!(v, b"061");
    }
}
