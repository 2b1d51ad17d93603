//! A memory budget shared by many reassemblers (Suricata's
//! `stream.reassembly.memcap`): a cap, an atomic count of reserved bytes and
//! a count of refusals. Share it with `Arc`; one budget per engine or per
//! worker.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Bytes that reassembly buffers may hold together.
#[derive(Debug)]
pub struct MemBudget {
    cap: usize,
    used: AtomicUsize,
    refused: AtomicU64,
}

impl MemBudget {
    /// A budget of `cap` bytes (0 = unlimited).
    pub fn new(cap: usize) -> Self {
        MemBudget {
            cap,
            used: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// The configured cap (0 = unlimited).
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Bytes currently reserved.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// How many reservations were refused because the cap was reached.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Reserves `n` bytes; false (and counted) when that would pass the cap.
    pub fn try_reserve(&self, n: usize) -> bool {
        if self.cap == 0 {
            self.used.fetch_add(n, Ordering::Relaxed);
            return true;
        }
        let ok = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                u.checked_add(n).filter(|&t| t <= self.cap)
            })
            .is_ok();
        if !ok {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Returns `n` previously reserved bytes.
    pub fn release(&self, n: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                Some(u.saturating_sub(n))
            });
    }
}

impl Default for MemBudget {
    /// Unlimited.
    fn default() -> Self {
        MemBudget::new(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_refuses_and_counts() {
        let b = MemBudget::new(10);
        assert!(b.try_reserve(6));
        assert!(!b.try_reserve(5));
        assert_eq!(b.refused(), 1);
        b.release(6);
        assert!(b.try_reserve(10));
        assert_eq!(b.used(), 10);
        let u = MemBudget::default();
        assert!(u.try_reserve(usize::MAX / 2));
    }
}
