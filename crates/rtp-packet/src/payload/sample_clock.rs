//! Conversions between a frame duration and a count of clock ticks at a fixed rate, shared
//! by the audio formats.

use core::time::Duration;

use super::PayloadError;

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// Number of ticks of a `rate` Hz clock in `duration`, when that is a whole number that
/// fits a `u32` (an RTP timestamp increment).
pub(crate) fn ticks_in(duration: Duration, rate: u32) -> Result<u32, PayloadError> {
    let scaled = duration.as_nanos() * u128::from(rate);
    if scaled % NANOS_PER_SECOND != 0 {
        return Err(PayloadError::DurationNotWholeTicks {
            nanos: duration.as_nanos(),
            clock_rate: rate,
        });
    }
    u32::try_from(scaled / NANOS_PER_SECOND).map_err(|_| PayloadError::DurationTooLong {
        nanos: duration.as_nanos(),
        clock_rate: rate,
    })
}

/// Duration of `ticks` ticks of a `rate` Hz clock, rounded down to the nanosecond.
pub(crate) fn duration_of(ticks: u32, rate: u32) -> Duration {
    let nanos = u128::from(ticks) * NANOS_PER_SECOND / u128::from(rate.max(1));
    // `ticks` < 2^32 and `rate` >= 1, so `nanos` < 2^32 * 10^9 < 2^64.
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}
