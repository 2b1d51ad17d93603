//! The memory-mapped receive ring of an AF_PACKET socket (`TPACKET_V2`):
//! the kernel writes each frame into a slot of a ring shared with warden,
//! so reading a frame needs no system call.
//!
//! Each slot starts with a `tpacket2_hdr` (status, lengths, VLAN tag),
//! then the sender's `sockaddr_ll`, then (with `PACKET_VNET_HDR`) the
//! 10-byte offload header right before the frame. A slot belongs to the
//! kernel until its status says `TP_STATUS_USER`; [`RxRing::next`] copies
//! the frame out and hands the slot back.
//!
//! Slots are 128 KiB so that a segmentation-offload super-packet (64 KiB
//! of IP) fits whole.

#![allow(unsafe_code)]

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::afpacket::{FrameMeta, VnetHdr, HEADROOM, VNET_HDR_LEN};

const PACKET_RX_RING: libc::c_int = 5;
const PACKET_VERSION: libc::c_int = 10;
const TPACKET_V2: libc::c_int = 1;
const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;
const TP_STATUS_COPY: u32 = 1 << 1;
const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;
const PACKET_OUTGOING: u8 = 4;

/// Bytes per slot (a page multiple, one slot per block).
const SLOT: usize = 128 * 1024;
/// Slots in the ring (4 MiB per socket).
const SLOTS: usize = 32;
/// `tpacket2_hdr` size, and where the `sockaddr_ll` follows it.
const HDR_LEN: usize = 32;
/// Offset of `sll_pkttype` inside `sockaddr_ll`.
const SLL_PKTTYPE: usize = 10;

/// `struct tpacket_req`.
#[repr(C)]
struct TpacketReq {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
}

/// A mapped receive ring; unmapped on drop.
#[derive(Debug)]
pub(crate) struct RxRing {
    base: *mut u8,
    len: usize,
    next: std::cell::Cell<usize>,
}

// SAFETY: the mapping belongs to this value alone (the kernel side is
// synchronised through the status words); moving it to another thread is
// sound. It is not `Sync`: `next` advances an unsynchronised cursor.
unsafe impl Send for RxRing {}

impl RxRing {
    /// Switches socket `fd` to TPACKET_V2 and maps a receive ring. Must
    /// be called before the socket is bound.
    pub(crate) fn setup(fd: libc::c_int) -> io::Result<RxRing> {
        let version = TPACKET_V2;
        // SAFETY: the option value lives across the call, its size given.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_PACKET,
                PACKET_VERSION,
                (&version as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let req = TpacketReq {
            block_size: SLOT as u32,
            block_nr: SLOTS as u32,
            frame_size: SLOT as u32,
            frame_nr: SLOTS as u32,
        };
        // SAFETY: as above.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_PACKET,
                PACKET_RX_RING,
                (&req as *const TpacketReq).cast(),
                std::mem::size_of::<TpacketReq>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let len = SLOT * SLOTS;
        // SAFETY: mapping the ring the kernel just allocated for `fd`.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(RxRing {
            base: base.cast(),
            len,
            next: std::cell::Cell::new(0),
        })
    }

    fn status(&self, slot: *mut u8) -> &AtomicU32 {
        // SAFETY: every slot starts with the 4-byte-aligned status word,
        // shared with the kernel; it is only accessed atomically.
        unsafe { &*(slot as *const AtomicU32) }
    }

    /// Copies the next ready frame into `buf` (leaving `HEADROOM` free
    /// bytes before it) and returns the slot to the kernel. `Ok(None)`
    /// when no frame is waiting.
    pub(crate) fn next(&self, buf: &mut [u8]) -> io::Result<Option<FrameMeta>> {
        let i = self.next.get();
        // SAFETY: i < SLOTS, so the slot lies inside the mapping.
        let slot = unsafe { self.base.add(i * SLOT) };
        let status = self.status(slot).load(Ordering::Acquire);
        if status & TP_STATUS_USER == 0 {
            return Ok(None);
        }
        // SAFETY: the slot is ours until handed back; the header fields
        // are read without assuming alignment.
        let (len, snaplen, mac, tci, tpid, pkttype) = unsafe {
            let rd32 = |o: usize| std::ptr::read_unaligned(slot.add(o) as *const u32);
            let rd16 = |o: usize| std::ptr::read_unaligned(slot.add(o) as *const u16);
            (
                rd32(4) as usize,
                rd32(8) as usize,
                usize::from(rd16(12)),
                rd16(24),
                rd16(26),
                *slot.add(HDR_LEN + SLL_PKTTYPE),
            )
        };
        let mut meta = FrameMeta {
            offset: HEADROOM,
            truncated: status & TP_STATUS_COPY != 0 || snaplen < len,
            vlan_tpid: 0x8100,
            outgoing: pkttype == PACKET_OUTGOING,
            ..FrameMeta::default()
        };
        if status & TP_STATUS_VLAN_VALID != 0 || tci != 0 {
            meta.vlan_tci = Some(tci);
            if status & TP_STATUS_VLAN_TPID_VALID != 0 && tpid != 0 {
                meta.vlan_tpid = tpid;
            }
        }
        let room = buf.len().saturating_sub(HEADROOM);
        let fits = mac >= VNET_HDR_LEN && mac + snaplen <= SLOT;
        if fits {
            let mut hdr = [0u8; VNET_HDR_LEN];
            let n = snaplen.min(room);
            // SAFETY: mac - 10 .. mac + snaplen lies inside the slot
            // (checked above); `buf` has room for `n` bytes after HEADROOM.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    slot.add(mac - VNET_HDR_LEN),
                    hdr.as_mut_ptr(),
                    VNET_HDR_LEN,
                );
                std::ptr::copy_nonoverlapping(slot.add(mac), buf.as_mut_ptr().add(HEADROOM), n);
            }
            meta.vnet = VnetHdr::parse(&hdr);
            meta.len = n;
            meta.truncated |= n < snaplen;
        } else {
            meta.truncated = true;
        }
        self.status(slot).store(TP_STATUS_KERNEL, Ordering::Release);
        self.next.set((i + 1) % SLOTS);
        Ok(Some(meta))
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the mapping made in `setup`.
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}
