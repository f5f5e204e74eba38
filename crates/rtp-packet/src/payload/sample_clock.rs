//! Conversions between a frame duration and a count of clock ticks at a fixed rate, shared
//! by the audio formats.

use core::time::Duration;

use super::PayloadError;
use crate::ClockRate;

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// Number of ticks of a `rate` clock in `duration`, when that is a whole number that fits
/// a `u32` (an RTP timestamp increment).
pub(crate) fn ticks_in(duration: Duration, rate: ClockRate) -> Result<u32, PayloadError> {
    let rate = rate.hz();
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
