//! NTP timestamps as RTCP carries them (RFC 3550 §4): the 64-bit form of the sender report,
//! the middle-32-bit compact form of LSR, and delays in units of 1/65536 s (DLSR).

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
}

/// A delay in the 1/65536 s units of DLSR and XR DLRR (RFC 3550 §6.4.1), saturating at the
/// field's maximum (about 18.2 hours).
pub fn delay_to_units(delay: Duration) -> u32 {
    let units = delay.as_secs().saturating_mul(65536)
        + (u64::from(delay.subsec_nanos()) * 65536) / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// The delay a DLSR or DLRR field holds (units of 1/65536 s).
pub fn units_to_delay(units: u32) -> Duration {
    let secs = u64::from(units >> 16);
    let nanos = (u64::from(units & 0xffff) * 1_000_000_000) >> 16;
    Duration::new(secs, nanos as u32)
}

/// Round-trip time from a report block (RFC 3550 §6.4.1): `arrival` is the compact NTP
/// time the report arrived, `lsr` and `dlsr` its fields. `None` when no SR was received
/// yet (LSR 0) or the clocks give a negative result.
pub fn round_trip_time(arrival: u32, lsr: u32, dlsr: u32) -> Option<Duration> {
    if lsr == 0 {
        return None;
    }
    let rtt = arrival.wrapping_sub(lsr).checked_sub(dlsr)?;
    if rtt > 0x8000_0000 {
        return None;
    }
    Some(units_to_delay(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let rtt = round_trip_time(0xb710_8000, 0xb705_2000, 0x0005_4000).unwrap();
        assert_eq!(rtt, Duration::from_millis(6125));
        assert_eq!(delay_to_units(Duration::from_millis(5250)), 0x0005_4000);
        assert_eq!(units_to_delay(0x0005_4000), Duration::from_millis(5250));
        assert_eq!(round_trip_time(0xb710_8000, 0, 0), None);
        assert_eq!(delay_to_units(Duration::from_secs(1 << 20)), u32::MAX);
    }
}
