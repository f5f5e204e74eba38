//! Continuous audio: moving the playout delay inside a talkspurt by shortening or
//! lengthening single frames, as WebRTC NetEq's *accelerate* and *preemptive expand* do.
//!
//! Audio with talkspurts changes its delay where one starts, in the silence before it. A
//! stream without them (no marker bits, no silence: music, a continuous codec, a sender
//! without DTX) would keep its first delay for ever, however much calmer the network has
//! become. Once no talkspurt has started for [`CONTINUOUS_AFTER_SECONDS`], the buffer
//! treats the stream as continuous and follows the target itself, one frame at a time:
//!
//! - when it holds more than the target by over [`SHORTEN_ABOVE`], it releases a frame
//!   marked [`TimeStretch::Shorten`] (at most one frame's worth) and schedules the next
//!   frame that much earlier;
//! - when the target exceeds what it holds by over [`LENGTHEN_BELOW`], it marks a frame
//!   [`TimeStretch::Lengthen`] and schedules the next one that much later;
//! - never more often than once in [`MIN_FRAMES_BETWEEN`] frames, so the change is spread
//!   thin (at most 10 % faster or slower), and preferably on a quiet frame: for G.711
//!   (payload types 0 and 8, whose samples can be read without a decoder) a frame whose
//!   mean amplitude is at most a quarter of the stream's usual level (12 dB down), or near
//!   silence; for other
//!   payloads, which the buffer cannot judge, at the pace alone. A change waits at most
//!   [`MAX_QUIET_WAIT`] frames for a quiet one.
//!
//! The caller carries the change out on the frame it is told about: it decodes the frame as
//! usual, then removes (or adds) that many samples, by time-scale modification or, for a
//! whole frame at a quiet point, by simply dropping (or repeating) it. Frames shortened or
//! lengthened are still played, so they count in neither loss nor lateness; their samples
//! are counted in [`crate::Metrics::removed_samples_for_acceleration`] and
//! [`crate::Metrics::inserted_samples_for_deceleration`].

use crate::time::Span;

/// A change of the playout delay carried out on one audio frame. The frame is due at its
/// [`playout_time`](crate::Frame::playout_time) as usual; the next frame is due that many
/// samples earlier (`Shorten`) or later (`Lengthen`) than the frame's length would say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeStretch {
    /// Play `samples` fewer samples than the frame holds (NetEq's *accelerate*): decode it,
    /// then remove that many (time-scale compression, or dropping the frame when `samples`
    /// is its whole length). Never more than one frame.
    Shorten {
        /// Samples to remove, in RTP clock ticks (samples per channel).
        samples: u32,
    },
    /// Play `samples` more samples than the frame holds (NetEq's *preemptive expand*):
    /// stretch it, or follow it with that much concealment. Never more than one frame.
    Lengthen {
        /// Samples to add, in RTP clock ticks (samples per channel).
        samples: u32,
    },
}

impl TimeStretch {
    /// The change of the playout delay in samples: negative when shortening.
    pub fn delta_samples(self) -> i64 {
        match self {
            TimeStretch::Shorten { samples } => -i64::from(samples),
            TimeStretch::Lengthen { samples } => i64::from(samples),
        }
    }
}

/// Media seconds without a talkspurt start after which audio counts as continuous.
pub(crate) const CONTINUOUS_AFTER_SECONDS: i64 = 10;
/// Shorten when the delay held exceeds the target by more than this.
pub(crate) const SHORTEN_ABOVE: Span = Span::from_millis(2);
/// Lengthen when the target exceeds the delay held by more than this.
pub(crate) const LENGTHEN_BELOW: Span = Span::from_millis(2);
/// The fewest frames from one change to the next.
pub(crate) const MIN_FRAMES_BETWEEN: u32 = 10;
/// The most frames a change waits for a quiet one (half a second: longer than a syllable).
pub(crate) const MAX_QUIET_WAIT: u32 = 25;
/// A G.711 frame whose mean amplitude is below this (about −54 dBov) is quiet whatever the
/// stream's level.
const SILENCE_LEVEL: u32 = 64;

/// What a stream remembers between changes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StretchState {
    /// Frames released since the last change.
    pub(crate) since_change: u32,
    /// Frames a wanted change has waited for a quiet one.
    pub(crate) waited: u32,
    /// Running mean amplitude of the G.711 frames judged (0 until one is).
    pub(crate) level: u32,
}

impl StretchState {
    /// Whether a change may happen on a frame with this payload now: the pace allows it,
    /// and the frame is quiet or the change has waited long enough. Updates the waiting
    /// count and the stream's level.
    pub(crate) fn may_change(&mut self, payload_type: u8, payload: &[u8]) -> bool {
        if self.since_change < MIN_FRAMES_BETWEEN {
            return false;
        }
        let Some(level) = g711_level(payload_type, payload) else {
            // Opaque payload: the pace alone decides.
            return true;
        };
        let usual = self.level;
        self.level = if usual == 0 {
            level
        } else {
            // An exponential mean over about sixteen judged frames.
            (usual * 15 + level) / 16
        };
        let quiet = level < SILENCE_LEVEL || level.saturating_mul(4) <= usual;
        if quiet || self.waited >= MAX_QUIET_WAIT {
            return true;
        }
        self.waited += 1;
        false
    }

    /// A change was made on the frame just released.
    pub(crate) fn changed(&mut self) {
        self.since_change = 0;
        self.waited = 0;
    }
}

/// The mean absolute amplitude of a G.711 payload (16-bit scale), for the static payload
/// types whose coding is fixed (RFC 3551 §6: 0 is PCMU, 8 is PCMA); `None` for any other.
fn g711_level(payload_type: u8, payload: &[u8]) -> Option<u32> {
    use rtp_packet::payload::g711::{alaw_decode, ulaw_decode};
    let decode: fn(u8) -> i16 = match payload_type {
        0 => ulaw_decode,
        8 => alaw_decode,
        _ => return None,
    };
    if payload.is_empty() {
        return None;
    }
    let sum: u64 = payload
        .iter()
        .map(|&code| u64::from(decode(code).unsigned_abs()))
        .sum();
    u32::try_from(sum / payload.len() as u64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtp_packet::payload::g711::{alaw_encode, ulaw_encode};

    fn tone(amplitude: f64, encode: fn(i16) -> u8) -> Vec<u8> {
        (0..160)
            .map(|i| encode((amplitude * (f64::from(i) * 0.3).sin()) as i16))
            .collect()
    }

    #[test]
    fn g711_levels_follow_the_amplitude_and_other_payloads_are_opaque() {
        for (pt, encode) in [(0u8, ulaw_encode as fn(i16) -> u8), (8, alaw_encode)] {
            let loud = g711_level(pt, &tone(10_000.0, encode)).expect("G.711");
            let soft = g711_level(pt, &tone(1_000.0, encode)).expect("G.711");
            // The mean of |sin| is 2/π.
            assert!((6000..6800).contains(&loud), "pt {pt}: {loud}");
            assert!((560..720).contains(&soft), "pt {pt}: {soft}");
            assert!(g711_level(pt, &tone(0.0, encode)).expect("G.711") < SILENCE_LEVEL);
        }
        assert_eq!(g711_level(111, &[0x55; 160]), None);
        assert_eq!(g711_level(0, &[]), None);
    }

    #[test]
    fn a_change_waits_for_its_pace_then_for_a_quiet_frame() {
        let loud = tone(10_000.0, ulaw_encode);
        let quiet = tone(1_000.0, ulaw_encode);
        let mut st = StretchState::default();
        assert!(!st.may_change(0, &quiet), "too soon after the start");
        st.since_change = MIN_FRAMES_BETWEEN;
        // The first judged frame sets the level: a loud one is not quiet.
        assert!(!st.may_change(0, &loud));
        // A tenth of the level is quiet.
        assert!(st.may_change(0, &quiet));
        st.changed();
        st.since_change = MIN_FRAMES_BETWEEN;
        // Only loud frames: the change goes ahead after waiting its longest.
        let mut waited = 0;
        while !st.may_change(0, &loud) {
            waited += 1;
        }
        assert_eq!(waited, MAX_QUIET_WAIT);
        // An opaque payload changes at the pace alone.
        st.changed();
        st.since_change = MIN_FRAMES_BETWEEN;
        assert!(st.may_change(96, &[0; 40]));
    }
}
