//! G.722 wideband audio: the RTP clock rule (RFC 3551 §4.5.2).
//!
//! G.722 samples audio at 16 000 Hz, but for historical reasons its RTP clock rate is
//! 8000 Hz: the RTP timestamp advances by half the number of samples, which is exactly one
//! tick per payload octet at the 64 kbit/s mode (RFC 3551 §4.5.2). This module is that
//! rule as typed arithmetic; it does not encode or decode audio.

use core::time::Duration;

use super::PayloadError;
use super::sample_clock::ticks_in;
use crate::ClockRate;

/// Rate of the G.722 RTP clock (RFC 3551 §4.5.2), although the codec samples at
/// [`SAMPLING_RATE`]. Its static payload type is [`PayloadType::G722`](crate::PayloadType::G722).
pub const RTP_CLOCK_RATE: ClockRate = ClockRate::NARROWBAND;
/// Rate at which G.722 samples audio (ITU-T G.722 §1).
pub const SAMPLING_RATE: ClockRate = ClockRate::WIDEBAND;

/// RTP timestamp increment for a G.722 frame of the given duration (RFC 3551 §4.5.2):
/// 20 ms advances the timestamp by 160 although the frame holds 320 samples.
///
/// Fails when the duration is not a whole number of 62.5 µs sample periods (two samples
/// share one RTP tick, so the increment would not be whole) or is too long.
pub fn timestamp_increment(frame: Duration) -> Result<u32, PayloadError> {
    ticks_in(frame, RTP_CLOCK_RATE)
}

/// Audio samples (at 16 kHz) in a G.722 frame of the given duration: 20 ms is 320.
pub fn samples_per_frame(frame: Duration) -> Result<u32, PayloadError> {
    ticks_in(frame, SAMPLING_RATE)
}

/// Duration of the audio between two RTP timestamps `increment` ticks apart
/// (RFC 3551 §4.5.2): 160 is 20 ms.
pub fn frame_duration(increment: u32) -> Duration {
    RTP_CLOCK_RATE.ticks_to_duration(u64::from(increment))
}
