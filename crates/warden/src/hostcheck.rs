//! `-T` checks of the host a live configuration would run on: do the
//! interfaces exist, do both sides of an inline pair carry the same MTU,
//! is anything going to move packets around warden (a Linux bridge the
//! interface is enslaved to, kernel IP forwarding between addressed
//! interfaces), and are receive offloads on that merge segments for good
//! (LRO).
//!
//! Problems that make inline mode wrong are errors (`-T` exits non-zero);
//! the rest are warnings an operator should read before going inline.

use std::path::Path;

use crate::live::Interfaces;

/// One finding about the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// Errors fail `-T`; warnings do not.
    pub(crate) error: bool,
    pub(crate) message: String,
}

impl Finding {
    fn error(message: String) -> Finding {
        Finding {
            error: true,
            message,
        }
    }

    fn warning(message: String) -> Finding {
        Finding {
            error: false,
            message,
        }
    }
}

/// What `-T` can learn about one interface, read from `/sys` and the
/// kernel; `None` when the interface does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IfaceFacts {
    pub(crate) mtu: Option<u32>,
    /// The bridge (or bond) the interface is enslaved to.
    pub(crate) master: Option<String>,
    /// Large receive offload on (merges segments; the originals are lost).
    pub(crate) lro: Option<bool>,
    /// The interface has an IP address of its own.
    pub(crate) addressed: bool,
}

/// Facts about the host that matter for a live run.
pub(crate) trait Host {
    fn iface(&self, name: &str) -> Option<IfaceFacts>;
    /// `net.ipv4.ip_forward` (or the IPv6 equivalent) is on.
    fn forwarding(&self) -> bool;
}

/// Checks the interfaces of a live run against the host.
pub(crate) fn check(ifaces: &Interfaces, inline: bool, host: &dyn Host) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut any_addressed = Vec::new();
    for (a, b) in &ifaces.entries {
        let fa = facts(host, a, &mut out);
        let fb = b.as_deref().map(|b| (b, facts(host, b, &mut out)));
        for (name, f) in std::iter::once((a.as_str(), &fa)).chain(fb.iter().map(|(n, f)| (*n, f))) {
            let Some(f) = f else { continue };
            if let (true, Some(m)) = (inline, &f.master) {
                out.push(Finding::error(format!(
                    "interface {name} is enslaved to {m}: the kernel forwards its frames around warden \
                     (remove it: ip link set {name} nomaster)"
                )));
            }
            if f.lro == Some(true) {
                out.push(Finding::warning(format!(
                    "interface {name}: large receive offload (LRO) is on; merged segments cannot be \
                     forwarded or inspected as sent (ethtool -K {name} lro off)"
                )));
            }
            if inline && f.addressed {
                any_addressed.push(name.to_string());
            }
        }
        if let (Some(Some(x)), Some((bn, Some(y)))) = (Some(&fa), &fb) {
            if let (Some(ma), Some(mb)) = (x.mtu, y.mtu) {
                if ma != mb {
                    out.push(Finding::error(format!(
                        "inline pair {a}:{bn}: MTU {ma} on {a} but {mb} on {bn}; frames larger than \
                         the smaller one cannot cross (ip link set {bn} mtu {ma})"
                    )));
                }
            }
        }
    }
    if inline && !any_addressed.is_empty() && host.forwarding() {
        out.push(Finding::warning(format!(
            "kernel IP forwarding is on and {} ha{} IP addresses: routed traffic can pass without \
             warden (sysctl -w net.ipv4.ip_forward=0, or remove the addresses)",
            any_addressed.join(", "),
            if any_addressed.len() == 1 { "s" } else { "ve" }
        )));
    }
    out
}

fn facts(host: &dyn Host, name: &str, out: &mut Vec<Finding>) -> Option<IfaceFacts> {
    let f = host.iface(name);
    if f.is_none() {
        out.push(Finding::error(format!("interface {name} does not exist")));
    }
    f
}

/// The machine warden runs on.
pub(crate) struct ThisHost;

impl Host for ThisHost {
    fn iface(&self, name: &str) -> Option<IfaceFacts> {
        let dir = Path::new("/sys/class/net").join(name);
        if name.contains('/') || !dir.exists() {
            return None;
        }
        let mtu = std::fs::read_to_string(dir.join("mtu"))
            .ok()
            .and_then(|s| s.trim().parse().ok());
        let master = std::fs::read_link(dir.join("master"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        Some(IfaceFacts {
            mtu,
            master,
            lro: sys::lro(name),
            addressed: sys::has_address(name),
        })
    }

    fn forwarding(&self) -> bool {
        let on = |p: &str| std::fs::read_to_string(p).is_ok_and(|s| s.trim() == "1");
        on("/proc/sys/net/ipv4/ip_forward") || on("/proc/sys/net/ipv6/conf/all/forwarding")
    }
}

/// The two kernel queries `/sys` does not answer.
#[allow(unsafe_code)]
mod sys {
    use std::ffi::CStr;

    const SIOCETHTOOL: libc::c_ulong = 0x8946;
    const ETHTOOL_GFLAGS: u32 = 0x25;
    const ETH_FLAG_LRO: u32 = 1 << 15;

    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }

    #[repr(C)]
    struct IfReq {
        name: [libc::c_char; libc::IFNAMSIZ],
        data: *mut libc::c_void,
        _pad: [u8; 16],
    }

    /// Whether LRO is on, by the ethtool flags ioctl (`None` when the
    /// driver does not say).
    pub(super) fn lro(name: &str) -> Option<bool> {
        if name.len() >= libc::IFNAMSIZ {
            return None;
        }
        // SAFETY: a datagram socket used only for the ioctl, closed below.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
        if fd < 0 {
            return None;
        }
        let mut value = EthtoolValue {
            cmd: ETHTOOL_GFLAGS,
            data: 0,
        };
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: (&mut value as *mut EthtoolValue).cast(),
            _pad: [0; 16],
        };
        for (d, s) in req.name.iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        // SAFETY: `req` is a valid ifreq whose data points at `value`,
        // both alive for the call.
        let rc = unsafe { libc::ioctl(fd, SIOCETHTOOL, &mut req as *mut IfReq) };
        // SAFETY: closing the socket opened above.
        unsafe { libc::close(fd) };
        (rc == 0).then_some(value.data & ETH_FLAG_LRO != 0)
    }

    /// Whether the interface holds an IPv4 address or a global IPv6 one.
    pub(super) fn has_address(name: &str) -> bool {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        // SAFETY: getifaddrs fills `head` with a list freed below.
        if unsafe { libc::getifaddrs(&mut head) } != 0 {
            return false;
        }
        let mut found = false;
        let mut cur = head;
        while !cur.is_null() {
            // SAFETY: `cur` walks the list getifaddrs returned.
            let ifa = unsafe { &*cur };
            cur = ifa.ifa_next;
            if ifa.ifa_name.is_null() || ifa.ifa_addr.is_null() {
                continue;
            }
            // SAFETY: a NUL-terminated name owned by the list.
            let n = unsafe { CStr::from_ptr(ifa.ifa_name) };
            if n.to_bytes() != name.as_bytes() {
                continue;
            }
            // SAFETY: ifa_addr is non-null and starts with the family.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if family == libc::AF_INET {
                found = true;
            } else if family == libc::AF_INET6 {
                // SAFETY: an AF_INET6 address is a sockaddr_in6.
                let a = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                let b = a.sin6_addr.s6_addr;
                // link-local fe80::/10 addresses do not route
                if !(b[0] == 0xfe && b[1] & 0xc0 == 0x80) {
                    found = true;
                }
            }
        }
        // SAFETY: freeing the list getifaddrs allocated.
        unsafe { libc::freeifaddrs(head) };
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fake {
        ifaces: HashMap<&'static str, IfaceFacts>,
        forwarding: bool,
    }

    impl Host for Fake {
        fn iface(&self, name: &str) -> Option<IfaceFacts> {
            self.ifaces.get(name).cloned()
        }
        fn forwarding(&self) -> bool {
            self.forwarding
        }
    }

    fn plain(mtu: u32) -> IfaceFacts {
        IfaceFacts {
            mtu: Some(mtu),
            master: None,
            lro: Some(false),
            addressed: false,
        }
    }

    fn pair(a: &str, b: &str) -> Interfaces {
        Interfaces {
            entries: vec![(a.into(), Some(b.into()))],
        }
    }

    #[test]
    fn a_clean_pair_has_no_findings() {
        let h = Fake {
            ifaces: HashMap::from([("eth0", plain(1500)), ("eth1", plain(1500))]),
            forwarding: true,
        };
        assert!(check(&pair("eth0", "eth1"), true, &h).is_empty());
    }

    #[test]
    fn missing_interface_mtu_mismatch_and_bridge_are_errors() {
        let mut bridged = plain(9000);
        bridged.master = Some("br0".into());
        let h = Fake {
            ifaces: HashMap::from([("eth0", plain(1500)), ("eth1", bridged)]),
            forwarding: false,
        };
        let f = check(&pair("eth0", "eth1"), true, &h);
        assert!(f.iter().all(|f| f.error), "{f:?}");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0]
            .message
            .starts_with("interface eth1 is enslaved to br0"));
        assert!(f[1]
            .message
            .starts_with("inline pair eth0:eth1: MTU 1500 on eth0 but 9000 on eth1"));
        let f = check(&pair("eth0", "eth9"), true, &h);
        assert_eq!(f[0].message, "interface eth9 does not exist");
    }

    #[test]
    fn lro_and_forwarding_between_addressed_interfaces_are_warnings() {
        let mut a = plain(1500);
        a.lro = Some(true);
        a.addressed = true;
        let h = Fake {
            ifaces: HashMap::from([("eth0", a), ("eth1", plain(1500))]),
            forwarding: true,
        };
        let f = check(&pair("eth0", "eth1"), true, &h);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| !f.error));
        assert!(f[0].message.contains("(LRO) is on"));
        assert!(f[1]
            .message
            .starts_with("kernel IP forwarding is on and eth0 has IP addresses"));
        // a passive interface may be bridged or addressed: that is a mirror
        let passive = Interfaces {
            entries: vec![("eth0".into(), None)],
        };
        assert_eq!(check(&passive, false, &h).len(), 1, "only the LRO note");
    }

    #[test]
    fn loopback_exists_on_this_host() {
        let f = ThisHost.iface("lo").expect("lo");
        assert_eq!(f.master, None);
        assert!(f.addressed);
        assert!(ThisHost.iface("no-such-if0").is_none());
        assert!(ThisHost.iface("../lo").is_none());
    }
}
