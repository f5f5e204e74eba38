//! Round-trip time statistics. The samples come from [`rtcp::round_trip_time`], the one
//! computation for report blocks (RFC 3550 §6.4.1 LSR/DLSR) and XR DLRR sub-blocks
//! (RFC 3611 §4.5): the NTP arithmetic lives on `rtcp::NtpTime`, in the lowest crate that
//! carries the fields, and this module only keeps the running figures.

use std::time::Duration;

/// Running RTT statistics: the latest sample, the smallest and largest, and a smoothed value
/// (gain 1/8, as TCP's SRTT of RFC 6298).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RttStats {
    latest: Option<Duration>,
    min: Option<Duration>,
    max: Option<Duration>,
    smoothed: Option<Duration>,
    samples: u64,
}

impl RttStats {
    /// No samples yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample.
    pub fn add(&mut self, rtt: Duration) {
        self.latest = Some(rtt);
        self.min = Some(self.min.map_or(rtt, |m| m.min(rtt)));
        self.max = Some(self.max.map_or(rtt, |m| m.max(rtt)));
        self.smoothed = Some(match self.smoothed {
            None => rtt,
            Some(s) => (s * 7 + rtt) / 8,
        });
        self.samples += 1;
    }

    /// The most recent sample.
    pub fn latest(&self) -> Option<Duration> {
        self.latest
    }

    /// The smallest sample.
    pub fn min(&self) -> Option<Duration> {
        self.min
    }

    /// The largest sample.
    pub fn max(&self) -> Option<Duration> {
        self.max
    }

    /// The smoothed RTT.
    pub fn smoothed(&self) -> Option<Duration> {
        self.smoothed
    }

    /// Number of samples.
    pub fn samples(&self) -> u64 {
        self.samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_stats() {
        let mut s = RttStats::new();
        assert_eq!(s.smoothed(), None);
        s.add(Duration::from_millis(80));
        s.add(Duration::from_millis(160));
        assert_eq!(s.latest(), Some(Duration::from_millis(160)));
        assert_eq!(
            (s.min(), s.max()),
            (
                Some(Duration::from_millis(80)),
                Some(Duration::from_millis(160))
            )
        );
        assert_eq!(s.smoothed(), Some(Duration::from_millis(90)));
        assert_eq!(s.samples(), 2);
    }
}
