//! NTP timestamps and the compact "middle 32 bits" form (RFC 3550 §4, §6.4.1).
//!
//! RTCP carries wallclock time as a 64-bit NTP timestamp (seconds since 1900-01-01 in the
//! upper 32 bits, a binary fraction in the lower 32). Report blocks and XR DLRR sub-blocks
//! carry only the middle 32 bits (16 bits of seconds, 16 of fraction), so every delay
//! computed from them is in units of 1/65536 s and wraps every 65536 s (about 18 h).

use std::time::Duration;

/// Seconds from the NTP era origin (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp (RFC 3550 §4): 32 bits of seconds and 32 bits of fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTimestamp(pub u64);

impl NtpTimestamp {
    /// Builds a timestamp from its seconds and fraction words.
    pub const fn new(seconds: u32, fraction: u32) -> Self {
        Self(((seconds as u64) << 32) | fraction as u64)
    }

    /// The timestamp for a time given as a duration since the Unix epoch (for example
    /// `SystemTime::now().duration_since(UNIX_EPOCH)`). The seconds wrap modulo 2^32 as NTP's
    /// do (era 1 starts in 2036).
    pub fn from_unix(since_epoch: Duration) -> Self {
        let seconds = since_epoch.as_secs().wrapping_add(NTP_UNIX_OFFSET_SECS) as u32;
        Self::new(seconds, nanos_to_fraction(since_epoch.subsec_nanos()))
    }

    /// The seconds word.
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The fraction word, in units of 2^-32 s.
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// The middle 32 bits (RFC 3550 §6.4.1 "LSR"; RFC 3611 §4.5 "LRR").
    pub const fn middle_32(self) -> ShortNtp {
        ShortNtp((self.0 >> 16) as u32)
    }

    /// The time since the start of the NTP era as a duration (sub-nanosecond bits dropped).
    pub fn as_duration(self) -> Duration {
        Duration::new(u64::from(self.seconds()), fraction_to_nanos(self.fraction()))
    }

    /// `self − earlier` in seconds, taking the difference modulo 2^64 as signed so that a
    /// pair straddling the era rollover still gives the small true difference.
    pub fn seconds_since(self, earlier: NtpTimestamp) -> f64 {
        let diff = self.0.wrapping_sub(earlier.0) as i64;
        diff as f64 / 4_294_967_296.0
    }
}

/// The compact 32-bit NTP form: 16 bits of seconds, 16 bits of fraction (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ShortNtp(pub u32);

impl ShortNtp {
    /// Converts a duration to 1/65536 s units, saturating at the largest value (65535.99998 s),
    /// as DLSR and DLRR fields require (RFC 3550 §6.4.1, RFC 3611 §4.5).
    pub fn from_duration(d: Duration) -> Self {
        let units = (d.as_nanos() << 16) / 1_000_000_000;
        Self(u32::try_from(units).unwrap_or(u32::MAX))
    }

    /// The value as a duration (it is read as an unsigned 16.16 quantity).
    pub fn as_duration(self) -> Duration {
        let nanos = (u64::from(self.0) * 1_000_000_000) >> 16;
        Duration::from_nanos(nanos)
    }
}

fn nanos_to_fraction(nanos: u32) -> u32 {
    // nanos < 10^9, so the product fits in 62 bits and the quotient in 32.
    ((u64::from(nanos) << 32) / 1_000_000_000) as u32
}

fn fraction_to_nanos(fraction: u32) -> u32 {
    ((u64::from(fraction) * 1_000_000_000) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_bits_of_the_rfc_3550_example() {
        // RFC 3550 §6.4.1 figure: n SR(n) sent at NTP 46853.125 s, whose middle 32 bits
        // are 0xb705:2000.
        let sr = NtpTimestamp::new(0xb705, 0x2000_0000);
        assert_eq!(sr.middle_32(), ShortNtp(0xb705_2000));
    }

    #[test]
    fn unix_epoch_is_ntp_2208988800() {
        let t = NtpTimestamp::from_unix(Duration::new(0, 500_000_000));
        assert_eq!(t.seconds(), 2_208_988_800);
        assert_eq!(t.fraction(), 0x8000_0000);
        assert_eq!(t.as_duration(), Duration::new(2_208_988_800, 500_000_000));
    }

    #[test]
    fn short_ntp_round_trips_and_saturates() {
        assert_eq!(ShortNtp::from_duration(Duration::from_millis(5250)), ShortNtp(0x0005_4000));
        assert_eq!(ShortNtp(0x0005_4000).as_duration(), Duration::from_millis(5250));
        assert_eq!(ShortNtp::from_duration(Duration::from_secs(70_000)), ShortNtp(u32::MAX));
    }

    #[test]
    fn difference_across_the_era_rollover_is_small() {
        let before = NtpTimestamp::new(u32::MAX, 0x8000_0000);
        let after = NtpTimestamp::new(0, 0x4000_0000);
        assert_eq!(after.seconds_since(before), 0.75);
        assert_eq!(before.seconds_since(after), -0.75);
    }
}
