//! The buffer's internal time: whole nanoseconds, as an [`Instant`] offset from the epoch
//! (the first packet's arrival) and as signed spans.
//!
//! The interface speaks `Instant` and `Duration`; inside, the schedule and the arrival model
//! need two things those types cannot do. Spans are *signed*: an arrival offset
//! (`arrival − media time`) is negative whenever media time has run ahead of the receiver's
//! clock, a relative delay is briefly negative before the baseline catches up, a reordered
//! packet can arrive (on the caller's clock) before the epoch, and a drift correction
//! moves the schedule either way. And a schedule maps ticks to time through a *fractional*
//! rate (nanoseconds per tick times `1 + skew`), which is a ratio, not a `Duration`. So a
//! point in time is a [`Time`] (signed nanoseconds since the epoch) and a span a [`Span`]
//! (signed nanoseconds); both are exact, and only ratios (skew, slew, rates) and statistics
//! (histogram weights) are floating point.
//!
//! Conversions saturate (an instant more than 292 years from the epoch becomes the
//! extreme `i64`; a float cast saturates and takes NaN to zero); the arithmetic wraps, as
//! the `f64` it replaces never panicked either. An `i64` of nanoseconds covers ±292 years,
//! so a real stream never wraps; absurd instants give absurd playout times, never a panic.
//! Wrapping rather than saturating keeps each operation one instruction on the per-packet
//! path (saturating arithmetic cost about a fifth more instructions per packet).
//!
//! For the same reason the ratios the per-packet path multiplies by (nanoseconds per tick,
//! nominal or skewed) are held in fixed point ([`Rate`]), derived from an `f64` when they
//! change: a 64 × 64-bit multiply and a shift, instead of two conversions through `f64`,
//! each with the range checks of a saturating cast.

use std::ops::{Add, Neg, Sub};
use std::time::{Duration, Instant};

/// Nanoseconds per second.
pub(crate) const NANOS_PER_SEC: i64 = 1_000_000_000;

/// A point in time: signed nanoseconds since the buffer's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Time(i64);

/// A signed span of time in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Span(i64);

/// Nanoseconds per tick in fixed point with 32 fractional bits (range ±2³¹, resolution
/// 2⁻³²): a rate of 48 kHz ticks is good to a twentieth of a nanosecond over an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Rate(i64);

/// Fractional bits of [`Rate`].
const FRAC: u32 = 32;

impl Rate {
    /// The ratio, truncated to the fixed point (the cast saturates, NaN becomes zero; no
    /// rounding, which is a library call on baseline x86-64 and runs once per frame).
    #[inline]
    pub(crate) fn from_f64(ratio: f64) -> Self {
        Rate((ratio * (1u64 << FRAC) as f64) as i64)
    }

    /// The ratio as a float.
    #[inline]
    pub(crate) fn to_f64(self) -> f64 {
        // A power of two: multiplying by its inverse is exact, and cheaper than dividing.
        self.0 as f64 * (1.0 / (1u64 << FRAC) as f64)
    }

    /// `x × self`, rounded toward negative infinity (wrapping beyond `i64`).
    #[inline(always)]
    fn apply(self, x: i64) -> i64 {
        ((i128::from(x) * i128::from(self.0)) >> FRAC) as i64
    }
}

impl Time {
    /// Before every time the buffer sees (only ever compared, never added to).
    pub(crate) const MIN: Time = Time(i64::MIN);
    /// After every time the buffer sees (only ever compared, never added to).
    pub(crate) const MAX: Time = Time(i64::MAX);

    /// The time of `t` relative to `epoch` (negative when `t` is earlier).
    #[inline]
    pub(crate) fn since(epoch: Instant, t: Instant) -> Time {
        match t.checked_duration_since(epoch) {
            Some(d) => Time(nanos(d)),
            None => Time(nanos(epoch.saturating_duration_since(t)).saturating_neg()),
        }
    }

    /// The instant this time stands for (saturating at representable instants).
    #[inline]
    pub(crate) fn to_instant(self, epoch: Instant) -> Instant {
        let magnitude = Duration::from_nanos(self.0.unsigned_abs());
        if self.0 >= 0 {
            epoch.checked_add(magnitude).unwrap_or(epoch)
        } else {
            epoch.checked_sub(magnitude).unwrap_or(epoch)
        }
    }
}

impl Span {
    /// No time.
    pub(crate) const ZERO: Span = Span(0);

    /// A span of whole nanoseconds.
    pub(crate) const fn from_nanos(nanos: i64) -> Span {
        Span(nanos)
    }

    /// A span of whole milliseconds.
    pub(crate) const fn from_millis(millis: i64) -> Span {
        Span(millis * 1_000_000)
    }

    /// A (saturating) span from a duration.
    pub(crate) fn from_duration(d: Duration) -> Span {
        Span(nanos(d))
    }

    /// `ticks` at `nanos_per_tick`, rounded down to whole nanoseconds.
    #[inline(always)]
    pub(crate) fn of_ticks(ticks: i64, nanos_per_tick: Rate) -> Span {
        Span(nanos_per_tick.apply(ticks))
    }

    /// This span scaled by `factor`, truncated to whole nanoseconds (the cast saturates,
    /// NaN becomes zero). Off the per-packet path.
    pub(crate) fn scale(self, factor: f64) -> Span {
        Span((self.0 as f64 * factor) as i64)
    }

    /// `self / other` as a ratio (NaN or infinite when `other` is zero).
    #[inline]
    pub(crate) fn ratio(self, other: Span) -> f64 {
        self.0 as f64 / other.0 as f64
    }

    /// The nanoseconds of this span.
    pub(crate) const fn as_nanos(self) -> i64 {
        self.0
    }

    /// The span as a duration; zero when negative.
    #[inline]
    pub(crate) fn to_duration(self) -> Duration {
        Duration::from_nanos(self.non_negative_nanos())
    }

    /// The nanoseconds of this span, zero when negative.
    #[inline(always)]
    pub(crate) fn non_negative_nanos(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    /// The span in seconds, for tests and for statistics.
    #[cfg(test)]
    pub(crate) fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }

    /// A span of seconds (for tests).
    #[cfg(test)]
    pub(crate) fn from_secs_f64(secs: f64) -> Span {
        Span((secs * 1e9).round() as i64)
    }
}

/// The nanoseconds of a duration, saturating at `i64::MAX`.
#[inline(always)]
fn nanos(d: Duration) -> i64 {
    // Below this many seconds the nanoseconds fit: one comparison instead of checked steps.
    const FITS: u64 = (i64::MAX / NANOS_PER_SEC) as u64 - 1;
    let secs = d.as_secs();
    if secs <= FITS {
        secs as i64 * NANOS_PER_SEC + i64::from(d.subsec_nanos())
    } else {
        i64::MAX
    }
}

impl Sub for Time {
    type Output = Span;
    #[inline(always)]
    fn sub(self, rhs: Time) -> Span {
        Span(self.0.wrapping_sub(rhs.0))
    }
}

impl Add<Span> for Time {
    type Output = Time;
    #[inline(always)]
    fn add(self, rhs: Span) -> Time {
        Time(self.0.wrapping_add(rhs.0))
    }
}

impl Sub<Span> for Time {
    type Output = Time;
    #[inline(always)]
    fn sub(self, rhs: Span) -> Time {
        Time(self.0.wrapping_sub(rhs.0))
    }
}

impl Add for Span {
    type Output = Span;
    #[inline(always)]
    fn add(self, rhs: Span) -> Span {
        Span(self.0.wrapping_add(rhs.0))
    }
}

impl Sub for Span {
    type Output = Span;
    #[inline(always)]
    fn sub(self, rhs: Span) -> Span {
        Span(self.0.wrapping_sub(rhs.0))
    }
}

impl Neg for Span {
    type Output = Span;
    #[inline(always)]
    fn neg(self) -> Span {
        Span(self.0.saturating_neg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_multiply_to_the_nanosecond() {
        // One hour of 48 kHz ticks.
        let rate = Rate::from_f64(1e9 / 48_000.0);
        assert!((Span::of_ticks(172_800_000, rate).as_nanos() - 3_600_000_000_000).abs() <= 1);
        // Half a percent fast, for an hour.
        let skewed = Rate::from_f64(1e9 / 48_000.0 * 1.005);
        assert!((Span::of_ticks(172_800_000, skewed).as_nanos() - 3_618_000_000_000).abs() <= 1);
        assert_eq!(
            Span::of_ticks(-2, Rate::from_f64(250_000.0)),
            Span::from_millis(-0) - Span::from_nanos(500_000)
        );
    }

    #[test]
    fn instants_round_trip_either_side_of_the_epoch() {
        let epoch = Instant::now() + Duration::from_secs(10);
        for t in [
            epoch,
            epoch + Duration::from_nanos(1),
            epoch + Duration::from_secs(3600),
            epoch - Duration::from_nanos(7),
            epoch - Duration::from_secs(5),
        ] {
            assert_eq!(Time::since(epoch, t).to_instant(epoch), t);
        }
        assert_eq!(
            Time::since(epoch, epoch - Duration::from_millis(3)) - Time::default(),
            Span::from_millis(-3)
        );
    }

    #[test]
    fn conversions_saturate_and_arithmetic_never_panics() {
        let _ = Time::MAX + Span::from_nanos(1);
        let _ = Time::MIN - Span::from_nanos(1);
        let _ = (Time::MIN - Time::MAX).to_duration();
        let _ = -Span::from_nanos(i64::MIN);
        let _ = Span::of_ticks(i64::MAX, Rate::from_f64(1e9));
        let _ = Span::of_ticks(i64::MIN, Rate::from_f64(-2.0));
        assert_eq!(Span::from_nanos(7).scale(f64::NAN), Span::ZERO);
        assert_eq!(Rate::from_f64(f64::NAN), Rate::default());
        assert_eq!(Span::from_duration(Duration::MAX).as_nanos(), i64::MAX);
    }
}
