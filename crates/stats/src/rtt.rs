//! Round-trip time from RTCP (RFC 3550 §6.4.1 LSR/DLSR, RFC 3611 §4.4–4.5 RRTR/DLRR).
//!
//! Both mechanisms echo the middle 32 bits of an NTP timestamp and the delay the peer held
//! it, so the round trip is `A − LSR − DLSR` in 1/65536 s, where A is the arrival time of the
//! report in the same compact form. The subtraction is modulo 2^32; a result that is
//! "negative" (more than half the range) means clocks or fields are inconsistent and gives
//! no sample rather than an 18-hour RTT. An LSR of zero means no SR was received yet
//! (§6.4.1), so no sample either.

use std::time::Duration;

use rtcp::NtpTime;

/// RTT from a report block: `arrival` is when the RR/SR carrying it arrived (local NTP
/// time, full 64 bits; its middle 32 bits are used), `lsr` and `dlsr` are the block's
/// fields. `None` when LSR is 0 or the result is negative.
pub fn rtt_from_report(arrival: NtpTime, lsr: u32, dlsr: u32) -> Option<Duration> {
    rtcp::round_trip_time(arrival.compact(), lsr, dlsr)
}

/// RTT from an XR DLRR sub-block answering our RRTR (RFC 3611 §4.5): `lrr` and `dlrr` are
/// the sub-block's "last RR" and "delay since last RR" fields. `None` when LRR is 0 or the
/// result is negative.
pub fn rtt_from_dlrr(arrival: NtpTime, lrr: u32, dlrr: u32) -> Option<Duration> {
    rtcp::round_trip_time(arrival.compact(), lrr, dlrr)
}

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
    fn rfc_3550_figure_2_example() {
        // RFC 3550 §6.4.1: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
        // DLSR = 0x0005:4000 (5.250 s) → delay 0x0006:2000 = 6.125 s.
        let arrival = NtpTime::new(0xb710, 0x8000_0000);
        let rtt = rtt_from_report(arrival, 0xb705_2000, 0x0005_4000);
        assert_eq!(rtt, Some(Duration::from_millis(6125)));
    }

    #[test]
    fn uses_the_fraction_not_only_seconds() {
        // Sent at 100.25 s, held 0.125 s, answered at 100.5 s → 0.125 s, which a
        // seconds-only computation would call 0.
        let arrival = NtpTime::new(100, 0x8000_0000);
        let rtt = rtt_from_report(arrival, 0x0064_4000, 0x0000_2000);
        assert_eq!(rtt, Some(Duration::from_millis(125)));
    }

    #[test]
    fn wraps_across_the_16_bit_seconds_boundary() {
        // LSR 0xffff:c000 (65535.75), DLSR 0.25 s, A = 0x0001:0000 of the next wrap.
        let arrival = NtpTime::new(0x0001_0001, 0);
        let rtt = rtt_from_report(arrival, 0xffff_c000, 0x0000_4000);
        assert_eq!(rtt, Some(Duration::from_secs(1)));
    }

    #[test]
    fn no_sr_or_negative_gives_no_sample() {
        let arrival = NtpTime::new(10, 0);
        assert_eq!(rtt_from_report(arrival, 0, 0), None);
        assert_eq!(rtt_from_report(arrival, 0x000a_0000, 0x0000_0001), None);
        assert_eq!(
            rtt_from_dlrr(arrival, 0x0009_0000, 0x0000_8000),
            Some(Duration::from_millis(500))
        );
    }

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
