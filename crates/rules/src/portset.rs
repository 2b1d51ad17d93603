//! Normalised sets of ports as sorted, disjoint inclusive ranges.

use crate::ipset::{complement as range_complement, normalise as range_normalise};

/// A set of TCP/UDP ports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortSet {
    ranges: Vec<(u16, u16)>,
}

impl PortSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }
    /// All ports.
    pub fn any() -> Self {
        PortSet {
            ranges: vec![(0, u16::MAX)],
        }
    }
    /// Inclusive range.
    pub fn range(lo: u16, hi: u16) -> Self {
        PortSet {
            ranges: if lo <= hi { vec![(lo, hi)] } else { vec![] },
        }
    }
    /// Union.
    pub fn union(&self, o: &PortSet) -> PortSet {
        PortSet {
            ranges: range_normalise(self.ranges.iter().chain(&o.ranges).copied().collect()),
        }
    }
    /// Complement.
    pub fn complement(&self) -> PortSet {
        PortSet {
            ranges: range_complement(&self.ranges, 0, u16::MAX),
        }
    }
    /// Difference `self − o`.
    pub fn difference(&self, o: &PortSet) -> PortSet {
        self.complement().union(o).complement()
    }
    /// Membership.
    pub fn contains(&self, p: u16) -> bool {
        let i = self.ranges.partition_point(|r| r.1 < p);
        i < self.ranges.len() && self.ranges[i].0 <= p
    }
    /// Whether all ports are included.
    pub fn is_any(&self) -> bool {
        self.ranges == [(0, u16::MAX)]
    }
    /// Whether no port is included.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
    /// The ranges (inclusive, sorted).
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.ranges
    }
}
