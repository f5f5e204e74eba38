//! RTP clocks: timestamp ticks ↔ wall-clock durations and between clock rates
//! (RFC 3550 §5.1, RFC 3551 §4.1).

use crate::error::Error;
use core::num::NonZeroU32;
use core::time::Duration;

/// The rate of an RTP timestamp clock in Hz (RFC 3551 §6 gives the static payload types'
/// rates; dynamic ones are bound in SDP `a=rtpmap`). Never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockRate(NonZeroU32);

impl ClockRate {
    /// 8 kHz: G.711, G.722 (RFC 3551 §4.5.2), most narrowband audio.
    pub const NARROWBAND: Self = Self(NonZeroU32::new(8000).unwrap());
    /// 16 kHz: wideband audio, such as G.722's sampling (not its RTP clock, RFC 3551
    /// §4.5.2).
    pub const WIDEBAND: Self = Self(NonZeroU32::new(16_000).unwrap());
    /// 48 kHz: Opus (RFC 7587 §4.1).
    pub const OPUS: Self = Self(NonZeroU32::new(48_000).unwrap());
    /// 90 kHz: video (RFC 3551 §5).
    pub const VIDEO: Self = Self(NonZeroU32::new(90_000).unwrap());

    /// A clock of `hz` ticks per second; zero is [`Error::ZeroClockRate`].
    pub const fn new(hz: u32) -> Result<Self, Error> {
        match NonZeroU32::new(hz) {
            Some(hz) => Ok(Self(hz)),
            None => Err(Error::ZeroClockRate),
        }
    }

    /// Ticks per second.
    pub const fn hz(self) -> u32 {
        self.0.get()
    }

    /// The wall-clock span of `ticks` ticks (truncated to whole nanoseconds).
    pub fn ticks_to_duration(self, ticks: u64) -> Duration {
        let hz = u128::from(self.hz());
        let ticks = u128::from(ticks);
        let secs = ticks / hz;
        let nanos = (ticks % hz) * 1_000_000_000 / hz;
        Duration::new(u64::try_from(secs).unwrap_or(u64::MAX), nanos as u32)
    }

    /// The number of ticks in `duration`, rounded to the nearest tick.
    pub fn duration_to_ticks(self, duration: Duration) -> u64 {
        let ticks = (duration.as_nanos() * u128::from(self.hz()) + 500_000_000) / 1_000_000_000;
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// `ticks` of this clock expressed in ticks of `to`, rounded to nearest (e.g. a 20 ms
    /// Opus frame: 960 ticks at 48 kHz is 160 at 8 kHz).
    pub fn convert(self, ticks: u64, to: ClockRate) -> u64 {
        let from = u128::from(self.hz());
        let scaled = (u128::from(ticks) * u128::from(to.hz()) + from / 2) / from;
        u64::try_from(scaled).unwrap_or(u64::MAX)
    }
}

/// The signed distance in ticks from RTP timestamp `from` to `to`, modulo 2³²: positive
/// when `to` is later (RFC 3550 §5.1 timestamps wrap like sequence numbers).
#[inline]
pub const fn timestamp_distance(from: u32, to: u32) -> i64 {
    to.wrapping_sub(from) as i32 as i64
}
