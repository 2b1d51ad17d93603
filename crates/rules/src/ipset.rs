//! Normalised sets of IPv4 and IPv6 addresses as sorted, disjoint,
//! non-adjacent inclusive ranges.

use std::net::IpAddr;

/// Sorted disjoint inclusive ranges over an unsigned integer type.
pub(crate) fn normalise<T: Copy + Ord + num_like::Succ>(mut v: Vec<(T, T)>) -> Vec<(T, T)> {
    v.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        if let Some(last) = out.last_mut() {
            if last.1.succ().is_none_or(|n| lo <= n) {
                if hi > last.1 {
                    last.1 = hi;
                }
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

/// Complement within `0..=MAX`.
pub(crate) fn complement<T: Copy + Ord + num_like::Succ>(
    v: &[(T, T)],
    min: T,
    max: T,
) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let mut next = Some(min);
    for &(lo, hi) in v {
        if let Some(n) = next {
            if lo > n {
                out.push((n, lo.pred()));
            }
        }
        next = hi.succ();
    }
    if let Some(n) = next {
        if n <= max {
            out.push((n, max));
        }
    }
    out
}

pub(crate) mod num_like {
    /// Successor/predecessor for range arithmetic.
    pub trait Succ: Sized {
        fn succ(self) -> Option<Self>;
        fn pred(self) -> Self;
    }
    macro_rules! imp {
        ($($t:ty),*) => {$(impl Succ for $t {
            fn succ(self) -> Option<Self> { self.checked_add(1) }
            fn pred(self) -> Self { self - 1 }
        })*};
    }
    imp!(u16, u32, u128);
}

/// A set of IP addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl IpSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }
    /// Every IPv4 and IPv6 address.
    pub fn any() -> Self {
        IpSet {
            v4: vec![(0, u32::MAX)],
            v6: vec![(0, u128::MAX)],
        }
    }
    /// Inclusive range of one family (mixed families give an empty set).
    pub fn range(a: IpAddr, b: IpAddr) -> Self {
        match (a, b) {
            (IpAddr::V4(a), IpAddr::V4(b)) => IpSet {
                v4: vec![(a.into(), b.into())],
                v6: vec![],
            },
            (IpAddr::V6(a), IpAddr::V6(b)) => IpSet {
                v4: vec![],
                v6: vec![(a.into(), b.into())],
            },
            _ => IpSet::empty(),
        }
    }
    /// A CIDR block (host bits ignored).
    pub fn cidr(addr: IpAddr, prefix: u8) -> Self {
        match addr {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(prefix.min(32)))
                };
                IpSet {
                    v4: vec![(a & mask, (a & mask) | !mask)],
                    v6: vec![],
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                let mask = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(prefix.min(128)))
                };
                IpSet {
                    v4: vec![],
                    v6: vec![(a & mask, (a & mask) | !mask)],
                }
            }
        }
    }
    /// Union.
    pub fn union(&self, o: &IpSet) -> IpSet {
        IpSet {
            v4: normalise(self.v4.iter().chain(&o.v4).copied().collect()),
            v6: normalise(self.v6.iter().chain(&o.v6).copied().collect()),
        }
    }
    /// Complement.
    pub fn complement(&self) -> IpSet {
        IpSet {
            v4: complement(&self.v4, 0, u32::MAX),
            v6: complement(&self.v6, 0, u128::MAX),
        }
    }
    /// Difference `self − o`.
    pub fn difference(&self, o: &IpSet) -> IpSet {
        self.complement().union(o).complement()
    }
    /// Membership test (binary search).
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn find<T: Ord + Copy>(v: &[(T, T)], x: T) -> bool {
            let i = v.partition_point(|r| r.1 < x);
            i < v.len() && v[i].0 <= x
        }
        match ip {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        }
    }
    /// Whether the set holds every address of both families.
    pub fn is_any(&self) -> bool {
        self.v4 == [(0, u32::MAX)] && self.v6 == [(0, u128::MAX)]
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
    /// IPv4 ranges (inclusive, sorted).
    pub fn v4_ranges(&self) -> &[(u32, u32)] {
        &self.v4
    }
    /// IPv6 ranges (inclusive, sorted).
    pub fn v6_ranges(&self) -> &[(u128, u128)] {
        &self.v6
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ops() {
        let a = IpSet::cidr("10.0.0.0".parse().unwrap(), 8);
        assert!(a.contains("10.1.2.3".parse().unwrap()));
        assert!(!a.contains("11.0.0.0".parse().unwrap()));
        let c = a.complement();
        assert!(c.contains("11.0.0.0".parse().unwrap()) && c.contains("::1".parse().unwrap()));
        assert!(a.union(&c).is_any());
        let d = a.difference(&IpSet::cidr("10.0.0.5".parse().unwrap(), 32));
        assert!(
            !d.contains("10.0.0.5".parse().unwrap()) && d.contains("10.0.0.6".parse().unwrap())
        );
    }
}
