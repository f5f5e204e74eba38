//! NTP timestamps as RTCP carries them (RFC 3550 §4): the 64-bit form of the sender report,
//! the middle-32-bit compact form of LSR, and delays in units of 1/65536 s (DLSR).
//!
//! All NTP arithmetic of the workspace lives here, on [`NtpTime`]: the compact form, the
//! conversions from and to `SystemTime` and `Duration`, signed differences that survive the
//! era rollover, and the one round-trip computation that report blocks (LSR/DLSR) and XR
//! DLRR sub-blocks (LRR/DLRR) share, because both echo a compact timestamp and the delay it
//! was held. `stats` and `rtp-session` use these rather than redoing the fixed-point maths.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
const UNIX_OFFSET: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, the fraction of a
/// second in the low 32 (RFC 3550 §4, RFC 5905 §6).
///
/// The seconds wrap in 2036. Following RFC 4330 §3, [`NtpTime::to_system_time`] reads a
/// seconds field with its top bit clear as the era after the wrap (2036–2104).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// The timestamp from its seconds and fraction halves.
    pub fn new(seconds: u32, fraction: u32) -> Self {
        Self((u64::from(seconds) << 32) | u64::from(fraction))
    }

    /// Whole seconds since 1900 (modulo 2^32).
    pub fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The fraction of a second, in units of 2^-32 s.
    pub fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// The middle 32 bits, the compact form carried in a report block's LSR field and in
    /// XR DLRR sub-blocks (RFC 3550 §6.4.1, RFC 3611 §4.5): 16.16 fixed-point seconds.
    pub fn compact(self) -> u32 {
        (self.0 >> 16) as u32
    }

    /// The timestamp of `time`. Times before 1970 give the Unix epoch.
    pub fn from_system_time(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = (since.as_secs() + UNIX_OFFSET) as u32;
        let fraction = ((u64::from(since.subsec_nanos()) << 32) / 1_000_000_000) as u32;
        Self::new(seconds, fraction)
    }

    /// The wall-clock time this timestamp stands for (RFC 4330 §3 era rule).
    pub fn to_system_time(self) -> SystemTime {
        let mut seconds = u64::from(self.seconds());
        if seconds & 0x8000_0000 == 0 {
            seconds += 1 << 32;
        }
        let nanos = (u64::from(self.fraction()) * 1_000_000_000) >> 32;
        let since_unix = Duration::new(seconds - UNIX_OFFSET, nanos as u32);
        UNIX_EPOCH + since_unix
    }

    /// `self − earlier` in seconds. The 64-bit difference is read as signed, so a pair
    /// straddling the 2036 era rollover still gives the small true difference.
    pub fn seconds_since(self, earlier: NtpTime) -> f64 {
        self.0.wrapping_sub(earlier.0) as i64 as f64 / 4_294_967_296.0
    }

    /// This timestamp moved by `delta` units of 2^-32 s (either way), wrapping at the era
    /// boundary like the field does.
    pub fn wrapping_add_signed(self, delta: i64) -> NtpTime {
        NtpTime(self.0.wrapping_add_signed(delta))
    }

    /// This timestamp moved by `ticks` of a media clock running at `clock_rate_hz` (either
    /// way), wrapping like [`wrapping_add_signed`](Self::wrapping_add_signed): the sender
    /// wallclock of the RTP timestamp `ticks` after the one an SR paired with `self`
    /// (RFC 3550 §6.4.1). Exact to 2^-32 s (truncated toward zero); a zero rate moves
    /// nothing.
    pub fn wrapping_add_ticks(self, ticks: i64, clock_rate_hz: u32) -> NtpTime {
        let units = (i128::from(ticks) << 32)
            .checked_div(i128::from(clock_rate_hz))
            .unwrap_or(0);
        self.wrapping_add_signed(units as i64)
    }

    /// A delay in the compact 16.16 form of DLSR and XR DLRR (units of 1/65536 s,
    /// RFC 3550 §6.4.1), saturating at the field's maximum (about 18.2 hours).
    pub fn duration_to_compact(delay: Duration) -> u32 {
        let units = delay.as_secs().saturating_mul(65536)
            + (u64::from(delay.subsec_nanos()) * 65536) / 1_000_000_000;
        u32::try_from(units).unwrap_or(u32::MAX)
    }

    /// The delay a compact 16.16 field (DLSR, DLRR) holds.
    pub fn compact_to_duration(units: u32) -> Duration {
        let secs = u64::from(units >> 16);
        let nanos = (u64::from(units & 0xffff) * 1_000_000_000) >> 16;
        Duration::new(secs, nanos as u32)
    }
}

/// Round-trip time from LSR/DLSR of a report block (RFC 3550 §6.4.1) or LRR/DLRR of an XR
/// DLRR sub-block answering an RRTR (RFC 3611 §4.5): `arrival` is when the report arrived
/// (local wallclock; its middle 32 bits are used), `last` and `delay` the two fields. The
/// round trip is `A − last − delay` in 1/65536 s, modulo 2^32.
///
/// `None` when `last` is 0 (no SR or RRTR received yet, §6.4.1), or when the result is
/// "negative" (more than half the range): the clocks or fields are inconsistent, and no
/// sample is better than an 18-hour one.
pub fn round_trip_time(arrival: NtpTime, last: u32, delay: u32) -> Option<Duration> {
    if last == 0 {
        return None;
    }
    let rtt = arrival.compact().wrapping_sub(last).checked_sub(delay)?;
    if rtt > 0x8000_0000 {
        return None;
    }
    Some(NtpTime::compact_to_duration(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ticks_move_a_timestamp_exactly() {
        let sr = NtpTime::new(1000, 0);
        assert_eq!(sr.wrapping_add_ticks(8000, 8000), NtpTime::new(1001, 0));
        assert_eq!(
            sr.wrapping_add_ticks(-4000, 8000),
            NtpTime::new(999, 1 << 31)
        );
        assert_eq!(
            sr.wrapping_add_ticks(45_000, 90_000),
            NtpTime::new(1000, 1 << 31)
        );
        assert_eq!(sr.wrapping_add_ticks(7, 0), sr);
    }

    #[test]
    fn system_time_round_trip_keeps_microseconds() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
        let ntp = NtpTime::from_system_time(t);
        // 1_700_000_000 + 2_208_988_800 seconds since 1900.
        assert_eq!(ntp.seconds(), 3_908_988_800);
        let back = ntp.to_system_time().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(back.as_secs(), 1_700_000_000);
        assert!((i64::from(back.subsec_nanos()) - 123_456_000).abs() <= 1);
    }

    #[test]
    fn era_after_2036_wrap() {
        // 2040-01-01T00:00:00Z is Unix 2_208_988_800; NTP seconds wrap past 2^32.
        let t = UNIX_EPOCH + Duration::from_secs(2_208_988_800);
        let ntp = NtpTime::from_system_time(t);
        assert_eq!(u64::from(ntp.seconds()), 2 * 2_208_988_800 - (1 << 32));
        assert_eq!(ntp.to_system_time(), t);
    }

    #[test]
    fn compact_is_middle_32_bits() {
        assert_eq!(NtpTime(0x1122_3344_5566_7788).compact(), 0x3344_5566);
    }

    #[test]
    fn rfc3550_rtt_example() {
        // RFC 3550 §6.4.1: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
        // DLSR = 0x0005:4000 (5.250 s): RTT = 6.125 s.
        let arrival = NtpTime::new(0xb710, 0x8000_0000);
        let rtt = round_trip_time(arrival, 0xb705_2000, 0x0005_4000);
        assert_eq!(rtt, Some(Duration::from_millis(6125)));
        let dlsr = Duration::from_millis(5250);
        assert_eq!(NtpTime::duration_to_compact(dlsr), 0x0005_4000);
        assert_eq!(NtpTime::compact_to_duration(0x0005_4000), dlsr);
        let too_long = Duration::from_secs(1 << 20);
        assert_eq!(NtpTime::duration_to_compact(too_long), u32::MAX);
    }

    #[test]
    fn rtt_uses_the_fraction_not_only_seconds() {
        // Sent at 100.25 s, held 0.125 s, answered at 100.5 s: 0.125 s, which a
        // seconds-only computation would call 0.
        let arrival = NtpTime::new(100, 0x8000_0000);
        let rtt = round_trip_time(arrival, 0x0064_4000, 0x0000_2000);
        assert_eq!(rtt, Some(Duration::from_millis(125)));
    }

    #[test]
    fn rtt_wraps_across_the_16_bit_seconds_boundary() {
        // LSR 0xffff:c000 (65535.75), DLSR 0.25 s, A = 0x0001:0000 of the next wrap.
        let arrival = NtpTime::new(0x0001_0001, 0);
        let rtt = round_trip_time(arrival, 0xffff_c000, 0x0000_4000);
        assert_eq!(rtt, Some(Duration::from_secs(1)));
    }

    #[test]
    fn no_sr_or_negative_gives_no_rtt() {
        let arrival = NtpTime::new(10, 0);
        assert_eq!(round_trip_time(arrival, 0, 0), None);
        assert_eq!(round_trip_time(arrival, 0x000a_0000, 0x0000_0001), None);
        assert_eq!(
            round_trip_time(arrival, 0x0009_0000, 0x0000_8000),
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn differences_across_the_era_rollover_are_small() {
        let before = NtpTime::new(u32::MAX, 0x8000_0000);
        let after = NtpTime::new(0, 0x4000_0000);
        assert_eq!(after.seconds_since(before), 0.75);
        assert_eq!(before.seconds_since(after), -0.75);
        assert_eq!(before.wrapping_add_signed(0xc000_0000), after);
        assert_eq!(after.wrapping_add_signed(-0xc000_0000), before);
    }
}
