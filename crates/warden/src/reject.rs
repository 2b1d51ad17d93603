//! The answers a `reject` verdict sends: a TCP RST for TCP packets, an
//! ICMP/ICMPv6 port unreachable for anything else, addressed to the
//! packet's sender ([`Toward::Source`], sent back out of the interface the
//! packet came in on) or to its receiver ([`Toward::Destination`], sent out
//! of the interface it was heading to).
//!
//! Sequence numbers follow RFC 793's reset generation so that the
//! receiving stack accepts the reset at once: to the sender, `seq` is the
//! packet's acknowledgment number (0 when it carries none) and `ack` covers
//! the packet; to the receiver, which never got the dropped packet, `seq`
//! is the packet's own sequence number (exactly what it expects next).

use warden_packet::{build::Builder, tcp_flags, Packet};

/// Which end of the connection a reject answer goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Toward {
    /// The sender of the rejected packet.
    Source,
    /// The receiver the rejected packet was heading to.
    Destination,
}

/// Bytes of the offending IPv6 packet quoted in an ICMPv6 error (the
/// whole error then stays within the 1280-byte minimum MTU).
const ICMPV6_QUOTE_MAX: usize = 1280 - 40 - 8;

/// Builds the answer frame towards `to` for the rejected packet `p`
/// (an Ethernet frame, VLAN tags kept). `None` when the packet has no IP
/// layer, its addresses are of mixed families, or it is itself an ICMP
/// error or a reset (never answered, to avoid loops).
pub(crate) fn reject_frame(p: &Packet<'_>, to: Toward) -> Option<Vec<u8>> {
    let (src, dst) = (p.src_ip()?, p.dst_ip()?);
    if src.is_ipv4() != dst.is_ipv4() || p.frame.len() < 12 {
        return None;
    }
    let mut b = Builder::new();
    b.vlans = p.vlans().to_vec();
    let (frame_dst, frame_src) = (mac(&p.frame[0..6]), mac(&p.frame[6..12]));
    // the answer's addresses: towards the source it comes "from" the
    // destination; towards the destination "from" the source
    let (from, to_ip) = match to {
        Toward::Source => {
            b.src_mac = frame_dst;
            b.dst_mac = frame_src;
            (dst, src)
        }
        Toward::Destination => {
            b.src_mac = frame_src;
            b.dst_mac = frame_dst;
            (src, dst)
        }
    };
    if let Some(t) = &p.tcp {
        if t.flags & tcp_flags::RST != 0 {
            return None;
        }
        let (sp, dp) = (t.src_port, t.dst_port);
        let covered = (p.payload.len() as u32)
            .wrapping_add(u32::from(t.flags & tcp_flags::SYN != 0))
            .wrapping_add(u32::from(t.flags & tcp_flags::FIN != 0));
        let has_ack = t.flags & tcp_flags::ACK != 0;
        return Some(match to {
            Toward::Source => {
                let seq = if has_ack { t.ack } else { 0 };
                let ack = t.seq.wrapping_add(covered);
                b.window = 0;
                b.tcp(
                    from,
                    to_ip,
                    dp,
                    sp,
                    seq,
                    ack,
                    tcp_flags::RST | tcp_flags::ACK,
                    b"",
                )
            }
            Toward::Destination => {
                b.window = 0;
                let (flags, ack) = if has_ack {
                    (tcp_flags::RST | tcp_flags::ACK, t.ack)
                } else {
                    (tcp_flags::RST, 0)
                };
                b.tcp(from, to_ip, sp, dp, t.seq, ack, flags, b"")
            }
        });
    }
    if p.icmp()
        .is_some_and(|i| is_icmp_error(from.is_ipv4(), i.icmp_type))
    {
        return None;
    }
    let quoted = quote(p)?;
    let (ty, code) = if from.is_ipv4() { (3, 3) } else { (1, 4) };
    Some(b.icmp(from, to_ip, ty, code, [0; 4], quoted))
}

fn mac(b: &[u8]) -> [u8; 6] {
    let mut m = [0u8; 6];
    m.copy_from_slice(&b[..6]);
    m
}

fn is_icmp_error(v4: bool, icmp_type: u8) -> bool {
    if v4 {
        matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
    } else {
        icmp_type < 128
    }
}

/// The part of the offending IP packet an ICMP error quotes: IPv4 header
/// plus 8 bytes, or as much of the IPv6 packet as fits.
fn quote<'a>(p: &Packet<'a>) -> Option<&'a [u8]> {
    let (header, total, max) = match (&p.ipv4, &p.ipv6) {
        (Some(h), _) => (h.header, usize::from(h.total_len), usize::from(h.hlen) + 8),
        (None, Some(h)) => (h.header, 40 + usize::from(h.payload_len), ICMPV6_QUOTE_MAX),
        _ => return None,
    };
    let start = (header.as_ptr() as usize).checked_sub(p.frame.as_ptr() as usize)?;
    let rest = p.frame.get(start..)?;
    Some(&rest[..rest.len().min(total).min(max)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};
    use warden_packet::{build, decode, DecodeOptions, LinkType};

    const CHECK: DecodeOptions = DecodeOptions {
        checksum_validation: true,
    };
    fn a() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))
    }
    fn b() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))
    }

    #[test]
    fn rst_to_the_sender_comes_from_the_server_with_its_ack_as_seq() {
        let frame = Builder::new().tcp(
            a(),
            b(),
            40000,
            80,
            1000,
            5000,
            tcp_flags::ACK | tcp_flags::PSH,
            b"GET /bad HTTP/1.1\r\n\r\n",
        );
        let p = decode(LinkType::Ethernet, &frame, &CHECK);
        let out = reject_frame(&p, Toward::Source).unwrap();
        let r = decode(LinkType::Ethernet, &out, &CHECK);
        assert!(r.events.is_empty());
        assert_eq!((r.src_ip(), r.dst_ip()), (Some(b()), Some(a())));
        let t = r.tcp.as_ref().unwrap();
        assert_eq!((t.src_port, t.dst_port), (80, 40000));
        assert_eq!(t.flags, tcp_flags::RST | tcp_flags::ACK);
        assert_eq!(t.seq, 5000);
        assert_eq!(t.ack, 1000 + 21);
        assert_eq!(t.checksum_valid, Some(true));
        // Ethernet addresses swapped: it goes back where the packet came from
        assert_eq!(&out[0..6], &frame[6..12]);
        assert_eq!(&out[6..12], &frame[0..6]);
    }

    #[test]
    fn rst_to_the_receiver_uses_the_dropped_packets_sequence_number() {
        let frame =
            Builder::new()
                .vlan(42)
                .tcp(a(), b(), 40000, 80, 1000, 5000, tcp_flags::ACK, b"xyz");
        let p = decode(LinkType::Ethernet, &frame, &CHECK);
        let out = reject_frame(&p, Toward::Destination).unwrap();
        let r = decode(LinkType::Ethernet, &out, &CHECK);
        assert_eq!(r.vlans(), &[42]);
        assert_eq!((r.src_ip(), r.dst_ip()), (Some(a()), Some(b())));
        let t = r.tcp.as_ref().unwrap();
        assert_eq!((t.seq, t.ack), (1000, 5000));
        assert_eq!(&out[0..12], &frame[0..12]);
    }

    #[test]
    fn a_syn_without_ack_gets_a_zero_sequence_reset_acknowledging_it() {
        let frame = build::tcp_v4(
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            40000,
            80,
            77,
            0,
            tcp_flags::SYN,
            b"",
        );
        let p = decode(LinkType::Ethernet, &frame, &CHECK);
        let r_frame = reject_frame(&p, Toward::Source).unwrap();
        let r = decode(LinkType::Ethernet, &r_frame, &CHECK);
        let t = r.tcp.as_ref().unwrap();
        assert_eq!((t.seq, t.ack), (0, 78));
    }

    #[test]
    fn udp_gets_icmp_port_unreachable_quoting_header_and_eight_bytes() {
        let frame = Builder::new().udp(a(), b(), 5353, 53, b"0123456789abcdef");
        let p = decode(LinkType::Ethernet, &frame, &CHECK);
        let out = reject_frame(&p, Toward::Source).unwrap();
        let r = decode(LinkType::Ethernet, &out, &CHECK);
        assert_eq!((r.src_ip(), r.dst_ip()), (Some(b()), Some(a())));
        let i = r.icmp().unwrap();
        assert_eq!((i.icmp_type, i.code), (3, 3));
        assert_eq!(i.checksum_valid, Some(true));
        // After the 8-byte ICMP header: the IPv4 header (20) + 8 bytes of UDP
        assert_eq!(r.payload.len(), 28);
        assert_eq!(r.payload, &frame[14..14 + 28]);
    }

    #[test]
    fn ipv6_udp_gets_icmpv6_port_unreachable() {
        let s = "2001:db8::1".parse::<IpAddr>().unwrap();
        let d = "2001:db8::2".parse::<IpAddr>().unwrap();
        let frame = Builder::new().udp(s, d, 1, 2, b"hello");
        let p = decode(LinkType::Ethernet, &frame, &CHECK);
        let out = reject_frame(&p, Toward::Source).unwrap();
        let r = decode(LinkType::Ethernet, &out, &CHECK);
        let i = r.icmp().unwrap();
        assert_eq!((i.icmp_type, i.code), (1, 4));
        assert_eq!(i.checksum_valid, Some(true));
        assert_eq!(r.dst_ip(), Some(s));
    }

    #[test]
    fn resets_and_icmp_errors_are_never_answered() {
        let rst = Builder::new().tcp(a(), b(), 1, 2, 0, 0, tcp_flags::RST, b"");
        let p = decode(LinkType::Ethernet, &rst, &CHECK);
        assert!(reject_frame(&p, Toward::Source).is_none());
        let err = Builder::new().icmp(a(), b(), 3, 1, [0; 4], &[0x45; 28]);
        let p = decode(LinkType::Ethernet, &err, &CHECK);
        assert!(reject_frame(&p, Toward::Source).is_none());
        let garbage = [0u8; 5];
        let p = decode(LinkType::Ethernet, &garbage, &CHECK);
        assert!(reject_frame(&p, Toward::Source).is_none());
    }

    #[test]
    fn mangled_and_truncated_frames_never_panic() {
        // every prefix and some byte flips of frames of each kind
        let seeds = [
            Builder::new().tcp(a(), b(), 1, 2, 3, 4, tcp_flags::ACK, b"payload"),
            Builder::new().vlan(7).udp(a(), b(), 1, 2, b"payload"),
            Builder::new().icmp_echo(a(), b(), 1, 2, b"payload"),
            Builder::new().udp(
                "2001:db8::1".parse().unwrap(),
                "2001:db8::2".parse().unwrap(),
                1,
                2,
                b"payload",
            ),
        ];
        let mut x: u32 = 12345;
        for seed in &seeds {
            for cut in 0..=seed.len() {
                let mut f = seed[..cut].to_vec();
                for _ in 0..4 {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    if !f.is_empty() {
                        let i = (x as usize >> 8) % f.len();
                        f[i] ^= (x >> 24) as u8;
                    }
                    let p = decode(LinkType::Ethernet, &f, &CHECK);
                    for to in [Toward::Source, Toward::Destination] {
                        let _ = reject_frame(&p, to);
                    }
                }
            }
        }
    }
}
