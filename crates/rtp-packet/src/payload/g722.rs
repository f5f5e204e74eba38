//! G.722 wideband audio: the RTP clock rule (RFC 3551 §4.5.2).
//!
//! G.722 samples audio at 16 000 Hz, but for historical reasons its RTP clock rate is
//! 8000 Hz: the RTP timestamp advances by half the number of samples, which is exactly one
//! tick per payload octet at the 64 kbit/s mode (RFC 3551 §4.5.2). This module is that
//! rule as typed arithmetic; it does not encode or decode audio.

use core::time::Duration;

use super::PayloadError;
use super::sample_clock::{duration_of, ticks_in};

/// Static RTP payload type of G.722 (RFC 3551 §6, Table 4).
pub const PAYLOAD_TYPE: u8 = 9;
/// Rate of the G.722 RTP clock in Hz (RFC 3551 §4.5.2), although the codec samples at
/// [`SAMPLING_RATE`].
pub const RTP_CLOCK_RATE: u32 = 8000;
/// Rate at which G.722 samples audio, in Hz (ITU-T G.722 §1).
pub const SAMPLING_RATE: u32 = 16_000;

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
    duration_of(increment, RTP_CLOCK_RATE)
}
