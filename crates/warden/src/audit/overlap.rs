//! Whether two rule headers can see the same packets: protocol (as a set
//! of transports plus the app-layer protocol), addresses and ports, in
//! either orientation of a flow. Set intersections walk the sorted ranges
//! without allocating, so comparing one rule with thousands stays cheap.

use warden_rules::{AppProto, IpSet, PortSet, Protocol};

pub const TCP: u8 = 1;
pub const UDP: u8 = 2;
pub const ICMP4: u8 = 4;
pub const ICMP6: u8 = 8;
pub const SCTP: u8 = 16;
/// IGMP and every other IP protocol.
pub const OTHER: u8 = 32;
pub const ALL: u8 = 63;

/// The transports a header protocol admits (bits above).
pub fn transports(p: Protocol) -> u8 {
    match p {
        Protocol::Ip | Protocol::Ipv4 | Protocol::Ipv6 | Protocol::Pkthdr => ALL,
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => TCP,
        Protocol::Udp | Protocol::UdpPkt => UDP,
        Protocol::Icmp => ICMP4 | ICMP6,
        Protocol::Icmpv4 => ICMP4,
        Protocol::Icmpv6 => ICMP6,
        Protocol::Sctp => SCTP,
        Protocol::App(a) => app_transports(a),
        _ => OTHER,
    }
}

/// The transports an application protocol runs over.
fn app_transports(a: AppProto) -> u8 {
    use AppProto as A;
    match a {
        A::Dns | A::Sip | A::Krb5 | A::Nfs | A::Dnp3 | A::Enip => TCP | UDP,
        A::Mdns | A::Quic | A::Dhcp | A::Ntp | A::Snmp | A::Tftp | A::Ike | A::BittorrentDht => UDP,
        _ => TCP,
    }
}

/// Whether two header app-layer protocols can be the same flow's.
pub fn apps_meet(a: Option<AppProto>, b: Option<AppProto>) -> bool {
    use AppProto as A;
    match (a, b) {
        (Some(x), Some(y)) if x != y => {
            let http = |p| matches!(p, A::Http | A::Http1 | A::Http2);
            // `http` covers both versions
            (x == A::Http && http(y)) || (y == A::Http && http(x))
        }
        _ => true,
    }
}

fn ranges_meet<T: Ord + Copy>(a: &[(T, T)], b: &[(T, T)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].1 < b[j].0 {
            i += 1;
        } else if b[j].1 < a[i].0 {
            j += 1;
        } else {
            return true;
        }
    }
    false
}

pub fn ips_meet(a: &IpSet, b: &IpSet) -> bool {
    ranges_meet(a.v4_ranges(), b.v4_ranges()) || ranges_meet(a.v6_ranges(), b.v6_ranges())
}

pub fn ports_meet(a: &PortSet, b: &PortSet) -> bool {
    ranges_meet(a.ranges(), b.ranges())
}

/// Whether every port of `inner` is in `outer`.
pub fn ports_within(inner: &PortSet, outer: &PortSet) -> bool {
    let o = outer.ranges();
    inner.ranges().iter().all(|&(lo, hi)| {
        let k = o.partition_point(|r| r.1 < lo);
        k < o.len() && o[k].0 <= lo && hi <= o[k].1
    })
}

/// One side of a header: addresses and ports.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub addr: &'a IpSet,
    pub port: &'a PortSet,
}

/// Whether some packet end can be on both sides. `ports` is false when
/// the transports compared have no ports.
pub fn sides_meet(a: Side<'_>, b: Side<'_>, ports: bool) -> bool {
    ips_meet(a.addr, b.addr) && (!ports || ports_meet(a.port, b.port))
}

/// Whether the sides share addresses and `a` has every port of `b`.
pub fn side_covers(a: Side<'_>, b: Side<'_>, ports: bool) -> bool {
    ips_meet(a.addr, b.addr) && (!ports || ports_within(b.port, a.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(ranges_meet(&[(1u16, 5), (10, 12)], &[(6, 9), (12, 20)]));
        assert!(!ranges_meet(&[(1u16, 5), (10, 11)], &[(6, 9), (12, 20)]));
        let net = IpSet::cidr("10.0.0.0".parse().unwrap(), 8);
        let host = IpSet::cidr("10.1.2.3".parse().unwrap(), 32);
        let other = IpSet::cidr("192.0.2.0".parse().unwrap(), 24);
        assert!(ips_meet(&host, &net));
        assert!(!ips_meet(&other, &net));
        assert!(ips_meet(&net, &IpSet::any()));
        assert!(ports_within(&PortSet::range(80, 81), &PortSet::any()));
        assert!(!ports_within(&PortSet::any(), &PortSet::range(873, 873)));
    }

    #[test]
    fn app_protocols() {
        assert!(apps_meet(Some(AppProto::Http), Some(AppProto::Http1)));
        assert!(!apps_meet(Some(AppProto::Http1), Some(AppProto::Http2)));
        assert!(!apps_meet(Some(AppProto::Tls), Some(AppProto::Http)));
        assert!(apps_meet(None, Some(AppProto::Tls)));
    }
}
