//! Sending whole IP packets built by warden (reject answers in NFQUEUE
//! mode, where there is no link layer to write to) through raw sockets:
//! `IPPROTO_RAW` on IPv4 and IPv6, so the header given is the header sent
//! (`IP_HDRINCL`). The kernel routes each packet by its destination, as it
//! would any packet this host sends.

use std::io;
use std::net::IpAddr;

/// Raw IPv4 and IPv6 sockets; either may be missing (no IPv6 on the
/// host), and sending that family then fails.
#[derive(Debug)]
pub struct RawIpSender {
    #[cfg(target_os = "linux")]
    v4: Option<std::os::fd::OwnedFd>,
    #[cfg(target_os = "linux")]
    v6: Option<std::os::fd::OwnedFd>,
}

/// The destination address of an IP packet, read from its header.
pub fn destination(packet: &[u8]) -> Option<IpAddr> {
    match packet.first()? >> 4 {
        4 => {
            let b: [u8; 4] = packet.get(16..20)?.try_into().ok()?;
            Some(IpAddr::from(b))
        }
        6 => {
            let b: [u8; 16] = packet.get(24..40)?.try_into().ok()?;
            Some(IpAddr::from(b))
        }
        _ => None,
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
impl RawIpSender {
    /// Opens both sockets (root or `CAP_NET_RAW`); fails only when
    /// neither opens.
    pub fn open() -> io::Result<RawIpSender> {
        use std::os::fd::{FromRawFd, OwnedFd};
        let open = |family: libc::c_int| {
            // SAFETY: plain FFI call; the result is checked.
            let fd = unsafe {
                libc::socket(
                    family,
                    libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                    libc::IPPROTO_RAW,
                )
            };
            if fd < 0 {
                Err(io::Error::last_os_error())
            } else {
                // SAFETY: a fresh descriptor owned by nobody else.
                Ok(unsafe { OwnedFd::from_raw_fd(fd) })
            }
        };
        let (v4, v6) = (open(libc::AF_INET), open(libc::AF_INET6));
        match (v4, v6) {
            (Err(e), Err(_)) => Err(e),
            (v4, v6) => Ok(RawIpSender {
                v4: v4.ok(),
                v6: v6.ok(),
            }),
        }
    }

    /// Sends one IP packet (header included) towards its destination.
    pub fn send(&self, packet: &[u8]) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let bad = || io::Error::new(io::ErrorKind::InvalidInput, "not an IP packet");
        let dst = destination(packet).ok_or_else(bad)?;
        let unsupported = || io::Error::new(io::ErrorKind::Unsupported, "no raw socket for it");
        let n = match dst {
            IpAddr::V4(a) => {
                let fd = self.v4.as_ref().ok_or_else(unsupported)?;
                // SAFETY: all-zero is a valid sockaddr_in.
                let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                sa.sin_family = libc::AF_INET as libc::sa_family_t;
                sa.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
                // SAFETY: `packet` and `sa` are live for the call, sizes passed.
                unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&sa as *const libc::sockaddr_in).cast(),
                        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    )
                }
            }
            IpAddr::V6(a) => {
                let fd = self.v6.as_ref().ok_or_else(unsupported)?;
                // SAFETY: all-zero is a valid sockaddr_in6.
                let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sa.sin6_addr.s6_addr = a.octets();
                // SAFETY: `packet` and `sa` are live for the call, sizes passed.
                unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&sa as *const libc::sockaddr_in6).cast(),
                        std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                    )
                }
            }
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl RawIpSender {
    /// Raw IP sockets are used on Linux only.
    pub fn open() -> io::Result<RawIpSender> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// Not available.
    pub fn send(&self, _packet: &[u8]) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_comes_from_the_ip_header() {
        let mut v4 = [0u8; 20];
        v4[0] = 0x45;
        v4[16..20].copy_from_slice(&[10, 1, 2, 3]);
        assert_eq!(destination(&v4), Some("10.1.2.3".parse().unwrap()));
        let mut v6 = [0u8; 40];
        v6[0] = 0x60;
        v6[39] = 1;
        assert_eq!(destination(&v6), Some("::1".parse().unwrap()));
        assert_eq!(destination(&v4[..10]), None);
        assert_eq!(destination(&[]), None);
        assert_eq!(destination(&[0x50; 40]), None);
    }
}
