//! Live capture and injection on one Linux network interface through an
//! `AF_PACKET` raw socket.
//!
//! [`AfPacket`] owns one socket bound to one interface and does the four
//! things an inline bridge needs from the kernel:
//!
//! - reads whole Ethernet frames with their metadata ([`FrameMeta`]): the
//!   VLAN tag the kernel stripped into the auxiliary data, and the
//!   `virtio_net_hdr` that describes checksum offload and segmentation
//!   offload (veth and most NICs hand over TCP "super-packets" with only a
//!   partial checksum);
//! - writes frames back out with that same header, so the kernel finishes
//!   the checksum and segments the super-packet on the way out: a TCP
//!   transfer crosses the bridge byte for byte;
//! - on a bridge port, ignores the frames this host sends, its own
//!   included (`PACKET_IGNORE_OUTGOING`, with the `sll_pkttype` flag for
//!   older kernels); a passive tap on a host's interface keeps them;
//! - puts the interface in promiscuous mode for as long as the socket lives.
//!
//! Frames are read from a memory-mapped `TPACKET_V2` ring (`rx_ring`) when
//! the kernel provides one, else with `recvmsg`; both fill the same
//! [`FrameMeta`].
//!
//! The buffer handed to [`AfPacket::recv`] keeps [`HEADROOM`] free bytes
//! before the frame so a stripped VLAN tag can be put back in place
//! ([`restore_vlan_tag`]) without copying the frame.
//!
//! Only Linux has AF_PACKET; elsewhere [`AfPacket::open`] fails.

#![allow(unsafe_code)]

use std::io;

/// Size of the `virtio_net_hdr` the kernel puts before every frame
/// (`PACKET_VNET_HDR`).
pub const VNET_HDR_LEN: usize = 10;

/// Free bytes [`AfPacket::recv`] leaves before the frame for a VLAN tag.
pub const HEADROOM: usize = 4;

/// `virtio_net_hdr` flag: the checksum at `csum_start + csum_offset` is
/// only the pseudo-header sum; whoever transmits must finish it.
pub const VNET_F_NEEDS_CSUM: u8 = 1;

/// `virtio_net_hdr` as Linux reads and writes it on packet sockets (little
/// endian fields on every host warden runs on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `VNET_F_NEEDS_CSUM` and friends.
    pub flags: u8,
    /// Segmentation offload kind (0 = none, 1 = TCPv4, 3 = UDP, 4 = TCPv6,
    /// 0x80 = ECN bit).
    pub gso_type: u8,
    /// Length of the headers to copy into every segment.
    pub hdr_len: u16,
    /// Payload bytes per segment.
    pub gso_size: u16,
    /// Where the checksummed region starts, from the frame's first byte.
    pub csum_start: u16,
    /// Where the checksum field lies, from `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// Reads the header from its 10 wire bytes.
    pub fn parse(b: &[u8; VNET_HDR_LEN]) -> VnetHdr {
        let u = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u(2),
            gso_size: u(4),
            csum_start: u(6),
            csum_offset: u(8),
        }
    }

    /// The header's 10 wire bytes.
    pub fn to_bytes(self) -> [u8; VNET_HDR_LEN] {
        let mut b = [0u8; VNET_HDR_LEN];
        b[0] = self.flags;
        b[1] = self.gso_type;
        b[2..4].copy_from_slice(&self.hdr_len.to_le_bytes());
        b[4..6].copy_from_slice(&self.gso_size.to_le_bytes());
        b[6..8].copy_from_slice(&self.csum_start.to_le_bytes());
        b[8..10].copy_from_slice(&self.csum_offset.to_le_bytes());
        b
    }

    /// Whether the frame's transport checksum is partial (not yet
    /// computed), so validating it would wrongly fail.
    pub fn checksum_partial(&self) -> bool {
        self.flags & VNET_F_NEEDS_CSUM != 0
    }

    /// The same header for the frame after `n` bytes were inserted before
    /// the network layer (a VLAN tag).
    pub fn shifted(self, n: u16) -> VnetHdr {
        let bump = |v: u16| if v == 0 { 0 } else { v.saturating_add(n) };
        VnetHdr {
            hdr_len: bump(self.hdr_len),
            csum_start: if self.checksum_partial() {
                self.csum_start.saturating_add(n)
            } else {
                self.csum_start
            },
            ..self
        }
    }
}

/// What the kernel said about one received frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameMeta {
    /// Offset of the frame's first byte in the buffer given to `recv`.
    pub offset: usize,
    /// Frame length (as received, without a stripped VLAN tag).
    pub len: usize,
    /// The frame did not fit in the buffer and was cut.
    pub truncated: bool,
    /// Offload header of the frame.
    pub vnet: VnetHdr,
    /// VLAN TCI the kernel removed from the frame, if any.
    pub vlan_tci: Option<u16>,
    /// TPID of that tag (0x8100 when the kernel does not say).
    pub vlan_tpid: u16,
    /// The frame is one this host sent (never forwarded again).
    pub outgoing: bool,
}

/// Puts a VLAN tag the kernel stripped back into the frame, using the
/// headroom before it. `buf[offset..offset + len]` is the frame; returns
/// the new `(offset, len)`, or `None` when there is no headroom or the
/// frame is shorter than two MAC addresses.
pub fn restore_vlan_tag(
    buf: &mut [u8],
    offset: usize,
    len: usize,
    tpid: u16,
    tci: u16,
) -> Option<(usize, usize)> {
    if offset < 4 || len < 12 || offset + len > buf.len() {
        return None;
    }
    let start = offset - 4;
    buf.copy_within(offset..offset + 12, start);
    buf[start + 12..start + 14].copy_from_slice(&tpid.to_be_bytes());
    buf[start + 14..start + 16].copy_from_slice(&tci.to_be_bytes());
    Some((start, len + 4))
}

#[cfg(target_os = "linux")]
mod sys {
    //! Constants of the Linux packet-socket ABI (linux/if_packet.h).
    pub const SOL_PACKET: libc::c_int = 263;
    pub const PACKET_ADD_MEMBERSHIP: libc::c_int = 1;
    pub const PACKET_AUXDATA: libc::c_int = 8;
    pub const PACKET_VNET_HDR: libc::c_int = 15;
    pub const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
    pub const PACKET_MR_PROMISC: libc::c_ushort = 1;
    pub const PACKET_OUTGOING: u8 = 4;
    pub const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
    pub const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;

    /// `struct tpacket_auxdata`.
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    pub struct AuxData {
        pub status: u32,
        pub len: u32,
        pub snaplen: u32,
        pub mac: u16,
        pub net: u16,
        pub vlan_tci: u16,
        pub vlan_tpid: u16,
    }

    /// `struct packet_mreq`.
    #[repr(C)]
    pub struct PacketMreq {
        pub ifindex: libc::c_int,
        pub kind: libc::c_ushort,
        pub alen: libc::c_ushort,
        pub address: [u8; 8],
    }
}

/// A raw packet socket bound to one interface (see the module docs).
#[derive(Debug)]
pub struct AfPacket {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
    /// The mapped receive ring, when the kernel gave one (frames are
    /// then read without a system call each).
    #[cfg(target_os = "linux")]
    ring: Option<crate::rx_ring::RxRing>,
    name: String,
    ifindex: i32,
    ignore_outgoing: bool,
}

#[cfg(target_os = "linux")]
fn setsockopt_int(
    fd: libc::c_int,
    level: libc::c_int,
    opt: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `v` lives across the call and its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(target_os = "linux")]
impl AfPacket {
    /// Opens a socket on interface `name`: all protocols, offload header
    /// and VLAN metadata on, promiscuous; `skip_outgoing` asks the kernel
    /// not to queue frames sent out of the interface (a bridge port).
    pub fn open(name: &str, skip_outgoing: bool) -> io::Result<AfPacket> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        let cname = std::ffi::CString::new(name)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name has a NUL"))?;
        // SAFETY: plain FFI call with a valid C string.
        let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface named {name}"),
            ));
        }
        // protocol 0 until bound: nothing is queued from other interfaces
        // SAFETY: plain FFI call; the result is checked.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let s = fd.as_raw_fd();
        setsockopt_int(s, sys::SOL_PACKET, sys::PACKET_VNET_HDR, 1)?;
        setsockopt_int(s, sys::SOL_PACKET, sys::PACKET_AUXDATA, 1)?;
        // older kernels lack it; the sll_pkttype check covers them
        let ignore_outgoing = skip_outgoing
            && setsockopt_int(s, sys::SOL_PACKET, sys::PACKET_IGNORE_OUTGOING, 1).is_ok();
        // a ring needs the offload header option set first; without one
        // (old kernel, no memory) frames are read with recvmsg
        let ring = crate::rx_ring::RxRing::setup(s).ok();
        // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: `sll` is a valid sockaddr_ll and its size is passed.
        let rc = unsafe {
            libc::bind(
                s,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let mreq = sys::PacketMreq {
            ifindex: ifindex as i32,
            kind: sys::PACKET_MR_PROMISC,
            alen: 0,
            address: [0; 8],
        };
        // SAFETY: `mreq` lives across the call and its size is passed.
        let rc = unsafe {
            libc::setsockopt(
                s,
                sys::SOL_PACKET,
                sys::PACKET_ADD_MEMBERSHIP,
                (&mreq as *const sys::PacketMreq).cast(),
                std::mem::size_of::<sys::PacketMreq>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(AfPacket {
            fd,
            ring,
            name: name.to_string(),
            ifindex: ifindex as i32,
            ignore_outgoing,
        })
    }

    /// The raw descriptor, for `poll`.
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    /// The kernel's counters for this socket since the last call
    /// (`PACKET_STATISTICS`, which resets them): frames it queued to the
    /// socket and frames it dropped because the socket or ring was full.
    pub fn kernel_stats(&self) -> io::Result<KernelStats> {
        #[repr(C)]
        #[derive(Default)]
        struct TpacketStats {
            packets: u32,
            drops: u32,
        }
        let mut st = TpacketStats::default();
        let mut len = std::mem::size_of::<TpacketStats>() as libc::socklen_t;
        // SAFETY: `st` is a writable buffer of `len` bytes, the layout of
        // the kernel's `struct tpacket_stats`.
        let rc = unsafe {
            libc::getsockopt(
                self.raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut TpacketStats).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(KernelStats {
            packets: u64::from(st.packets),
            drops: u64::from(st.drops),
        })
    }

    /// Reads one frame without blocking into `buf` (which should hold at
    /// least `HEADROOM + VNET_HDR_LEN + 65536` bytes). `Ok(None)` when
    /// nothing is waiting.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<FrameMeta>> {
        if buf.len() < HEADROOM + VNET_HDR_LEN {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer too small",
            ));
        }
        if let Some(ring) = &self.ring {
            return ring.next(buf);
        }
        let data = &mut buf[HEADROOM..];
        let mut iov = libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: data.len(),
        };
        // room for one tpacket_auxdata control message
        let mut control = [0u64; 8];
        // SAFETY: all-zero is a valid sockaddr_ll / msghdr.
        let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: every pointer in `msg` refers to live, writable memory of
        // the declared size.
        let n = unsafe {
            libc::recvmsg(
                self.raw_fd(),
                &mut msg,
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        let n = n as usize;
        let got = n.min(data.len());
        if got < VNET_HDR_LEN {
            // not even the offload header: nothing usable
            return Ok(Some(FrameMeta {
                offset: HEADROOM + VNET_HDR_LEN,
                truncated: true,
                ..FrameMeta::default()
            }));
        }
        let mut hdr = [0u8; VNET_HDR_LEN];
        hdr.copy_from_slice(&data[..VNET_HDR_LEN]);
        let mut meta = FrameMeta {
            offset: HEADROOM + VNET_HDR_LEN,
            len: got - VNET_HDR_LEN,
            truncated: n > data.len() || msg.msg_flags & libc::MSG_TRUNC != 0,
            vnet: VnetHdr::parse(&hdr),
            vlan_tci: None,
            vlan_tpid: 0x8100,
            outgoing: from.sll_pkttype == sys::PACKET_OUTGOING,
        };
        if let Some(aux) = aux_data(&msg) {
            if aux.status & sys::TP_STATUS_VLAN_VALID != 0 || aux.vlan_tci != 0 {
                meta.vlan_tci = Some(aux.vlan_tci);
                if aux.status & sys::TP_STATUS_VLAN_TPID_VALID != 0 && aux.vlan_tpid != 0 {
                    meta.vlan_tpid = aux.vlan_tpid;
                }
            }
        }
        Ok(Some(meta))
    }

    /// Writes one frame out of this interface with its offload header
    /// (`VnetHdr::default()` for a frame with complete checksums).
    pub fn send(&self, vnet: &VnetHdr, frame: &[u8]) -> io::Result<()> {
        let hdr = vnet.to_bytes();
        let mut iov = [
            libc::iovec {
                iov_base: hdr.as_ptr() as *mut libc::c_void,
                iov_len: hdr.len(),
            },
            libc::iovec {
                iov_base: frame.as_ptr() as *mut libc::c_void,
                iov_len: frame.len(),
            },
        ];
        // SAFETY: all-zero is a valid msghdr.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iov.as_mut_ptr();
        msg.msg_iovlen = iov.len() as _;
        loop {
            // SAFETY: the iovecs point to live buffers of the given
            // lengths, which the kernel only reads.
            let n = unsafe { libc::sendmsg(self.raw_fd(), &msg, 0) };
            if n >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Whether frames come through a memory-mapped ring (`TPACKET_V2`).
    pub fn uses_ring(&self) -> bool {
        self.ring.is_some()
    }

    /// Whether the kernel drops this socket's own frames before they are
    /// queued (`PACKET_IGNORE_OUTGOING`, Linux 4.20+).
    pub fn ignores_outgoing(&self) -> bool {
        self.ignore_outgoing
    }
}

#[cfg(target_os = "linux")]
fn aux_data(msg: &libc::msghdr) -> Option<sys::AuxData> {
    // SAFETY: `msg` was filled by recvmsg; the CMSG macros walk the
    // control buffer it describes and the read is unaligned-safe.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            let h = &*c;
            if h.cmsg_level == sys::SOL_PACKET
                && h.cmsg_type == sys::PACKET_AUXDATA
                && h.cmsg_len as usize
                    >= libc::CMSG_LEN(std::mem::size_of::<sys::AuxData>() as u32) as usize
            {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(c) as *const sys::AuxData
                ));
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
impl AfPacket {
    /// AF_PACKET exists only on Linux.
    pub fn open(_name: &str, _skip_outgoing: bool) -> io::Result<AfPacket> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "AF_PACKET live capture needs Linux",
        ))
    }
    /// Not available.
    pub fn raw_fd(&self) -> i32 {
        -1
    }
    /// Not available.
    pub fn recv(&self, _buf: &mut [u8]) -> io::Result<Option<FrameMeta>> {
        Ok(None)
    }
    /// Not available.
    pub fn send(&self, _vnet: &VnetHdr, _frame: &[u8]) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// Not available.
    pub fn ignores_outgoing(&self) -> bool {
        false
    }
    /// Not available.
    pub fn uses_ring(&self) -> bool {
        false
    }
    /// Not available.
    pub fn kernel_stats(&self) -> io::Result<KernelStats> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Kernel counters of a packet socket ([`AfPacket::kernel_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelStats {
    /// Frames the kernel queued to the socket (drops included, as the
    /// kernel counts them).
    pub packets: u64,
    /// Frames dropped because the socket buffer or ring was full.
    pub drops: u64,
}

impl AfPacket {
    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The interface index.
    pub fn ifindex(&self) -> i32 {
        self.ifindex
    }
}

/// Waits until one of `fds` is readable or `timeout_ms` passed; fills
/// `ready` with a flag per descriptor. A signal interrupting the wait is
/// not an error (nothing is ready).
#[cfg(target_os = "linux")]
pub fn wait_readable(fds: &[i32], ready: &mut Vec<bool>, timeout_ms: i32) -> io::Result<()> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `pfds` is a live array of the given length.
    let rc = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
    ready.clear();
    if rc < 0 {
        let e = io::Error::last_os_error();
        ready.resize(fds.len(), false);
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(())
        } else {
            Err(e)
        };
    }
    ready.extend(pfds.iter().map(|p| p.revents & libc::POLLIN != 0));
    Ok(())
}

/// Not available off Linux.
#[cfg(not(target_os = "linux"))]
pub fn wait_readable(fds: &[i32], ready: &mut Vec<bool>, _timeout_ms: i32) -> io::Result<()> {
    ready.clear();
    ready.resize(fds.len(), false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vnet_header_round_trips_little_endian() {
        let h = VnetHdr {
            flags: VNET_F_NEEDS_CSUM,
            gso_type: 1,
            hdr_len: 66,
            gso_size: 1448,
            csum_start: 34,
            csum_offset: 16,
        };
        let b = h.to_bytes();
        assert_eq!(b, [1, 1, 66, 0, 0xa8, 0x05, 34, 0, 16, 0]);
        assert_eq!(VnetHdr::parse(&b), h);
        assert!(h.checksum_partial());
    }

    #[test]
    fn shifting_for_a_vlan_tag_moves_checksum_start_and_header_length() {
        let h = VnetHdr {
            flags: VNET_F_NEEDS_CSUM,
            gso_type: 1,
            hdr_len: 66,
            gso_size: 1448,
            csum_start: 34,
            csum_offset: 16,
        };
        let s = h.shifted(4);
        assert_eq!((s.csum_start, s.hdr_len, s.csum_offset), (38, 70, 16));
        // nothing to move in a header without offload
        assert_eq!(VnetHdr::default().shifted(4), VnetHdr::default());
    }

    #[test]
    fn restoring_a_vlan_tag_rebuilds_the_tagged_frame() {
        let mut buf = vec![0u8; 4 + 20];
        let frame: Vec<u8> = (1..=20).collect();
        buf[4..].copy_from_slice(&frame);
        let (off, len) = restore_vlan_tag(&mut buf, 4, 20, 0x8100, 0x2064).unwrap();
        assert_eq!((off, len), (0, 24));
        assert_eq!(&buf[..12], &frame[..12]);
        assert_eq!(&buf[12..16], &[0x81, 0x00, 0x20, 0x64]);
        assert_eq!(&buf[16..24], &frame[12..20]);
    }

    #[test]
    fn restoring_a_vlan_tag_refuses_without_headroom_or_short_frames() {
        let mut buf = vec![0u8; 30];
        assert_eq!(restore_vlan_tag(&mut buf, 0, 20, 0x8100, 1), None);
        assert_eq!(restore_vlan_tag(&mut buf, 4, 10, 0x8100, 1), None);
        assert_eq!(restore_vlan_tag(&mut buf, 4, 100, 0x8100, 1), None);
    }

    #[test]
    fn opening_a_missing_interface_is_an_error_not_a_panic() {
        assert!(AfPacket::open("no-such-if0", true).is_err());
        assert!(AfPacket::open("bad\0name", false).is_err());
    }
}
