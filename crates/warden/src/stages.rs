//! Per-stage time accounting for `warden bench`: where a packet's time
//! goes (capture, decode, flow/stream, app-layer, detection, output).
//!
//! The clock works by laps: each call to [`StageClock::lap`] charges the
//! time since the previous lap to the stage just finished, so the stages
//! add up to the whole processing time with no gaps. The engine times its
//! prefilter share of detection with the same tick counter. A worker holds an
//! `Option<StageClock>`: normal runs keep `None` and pay one predictable
//! branch per stage boundary, no clock reads.

use std::time::Instant;

/// The stages of the packet path, in the order a packet meets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Taking the next frame from the capture (memory, in a benchmark)
    /// or from the dispatcher's channel.
    Capture = 0,
    /// Link to transport decoding, counters.
    Decode = 1,
    /// Flow lookup and timeouts, TCP state, defragmentation, reassembly.
    FlowStream = 2,
    /// Protocol detection and parsing (HTTP, TLS, DNS...).
    AppLayer = 3,
    /// Rule evaluation: prefilter and verification (split by the engine).
    Detect = 4,
    /// EVE and fast.log rendering and writing.
    Output = 5,
}

/// Number of [`Stage`]s.
pub const STAGES: usize = 6;

impl Stage {
    pub const ALL: [Stage; STAGES] = [
        Stage::Capture,
        Stage::Decode,
        Stage::FlowStream,
        Stage::AppLayer,
        Stage::Detect,
        Stage::Output,
    ];

    /// The key used in the benchmark report.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Capture => "capture",
            Stage::Decode => "decode",
            Stage::FlowStream => "flow_stream",
            Stage::AppLayer => "app_layer",
            Stage::Detect => "detect",
            Stage::Output => "output",
        }
    }
}

/// Nanoseconds spent per stage since the clock started.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimes {
    pub ns: [u64; STAGES],
}

impl StageTimes {
    pub fn get(&self, s: Stage) -> u64 {
        self.ns[s as usize]
    }

    pub fn total(&self) -> u64 {
        self.ns.iter().sum()
    }

    /// Adds another worker's times.
    pub fn add(&mut self, other: &StageTimes) {
        for (a, b) in self.ns.iter_mut().zip(other.ns) {
            *a += b;
        }
    }
}

/// A lap clock over the stages. On x86-64 it reads the time-stamp
/// counter (a few nanoseconds a read, against ~25 for the system clock,
/// which at millions of packets a second would itself be a stage), scaled
/// to nanoseconds against the system clock when read out.
pub struct StageClock {
    started: Instant,
    started_ticks: u64,
    last: u64,
    ticks: [u64; STAGES],
}

use warden_detect::ticks;

impl StageClock {
    pub fn start() -> StageClock {
        let t = ticks();
        StageClock {
            started: Instant::now(),
            started_ticks: t,
            last: t,
            ticks: [0; STAGES],
        }
    }

    /// Charges the time since the last lap to `s`.
    #[inline]
    pub fn lap(&mut self, s: Stage) {
        let now = ticks();
        self.ticks[s as usize] += now.wrapping_sub(self.last);
        self.last = now;
    }

    /// Nanoseconds per tick, measured over the clock's life.
    fn scale(&self) -> f64 {
        let elapsed_ns = self.started.elapsed().as_nanos() as f64;
        let elapsed_ticks = ticks().wrapping_sub(self.started_ticks).max(1) as f64;
        elapsed_ns / elapsed_ticks
    }

    /// The stage times so far, in nanoseconds.
    pub fn times(&self) -> StageTimes {
        let scale = self.scale();
        let mut t = StageTimes::default();
        for (ns, ticks) in t.ns.iter_mut().zip(self.ticks) {
            *ns = (ticks as f64 * scale) as u64;
        }
        t
    }

    /// `ticks` (of [`warden_detect::ticks`]) in nanoseconds.
    pub fn ns_of(&self, ticks: u64) -> u64 {
        (ticks as f64 * self.scale()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laps_charge_the_stage_just_finished() {
        let mut c = StageClock::start();
        std::thread::sleep(std::time::Duration::from_millis(5));
        c.lap(Stage::Decode);
        c.lap(Stage::Output);
        let t = c.times();
        assert!(t.get(Stage::Decode) >= 5_000_000);
        assert!(t.get(Stage::Output) < t.get(Stage::Decode));
        assert_eq!(t.get(Stage::Capture), 0);
        assert_eq!(t.total(), t.ns.iter().sum::<u64>());
    }
}
