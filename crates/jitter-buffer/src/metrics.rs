//! Counters for RFC 3611 XR reports and the W3C `RTCInboundRtpStreamStats` dictionary.

use std::time::Duration;

/// What the buffer has done, cumulatively. Field names follow `RTCInboundRtpStreamStats`
/// (W3C webrtc-stats §8.6) where it has them; RFC 3611 §4.7 (VoIP metrics: discard rate,
/// jitter buffer nominal/maximum delay) is derived from the same counters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Packets handed to `insert`, duplicates and discarded ones included
    /// (`packetsReceived`).
    pub packets_received: u64,
    /// Packets released to the caller in a played frame.
    pub packets_played: u64,
    /// Packets that arrived after their playout time and were dropped. Together with
    /// overflow and invalid packets they make `packetsDiscarded`; RFC 3611 §4.7.1
    /// counts them in the discard rate.
    pub packets_late: u64,
    /// Packets never received by their playout time, declared lost (`packetsLost` as the
    /// buffer sees it: a late packet counts as late, not lost).
    pub packets_lost: u64,
    /// Second and later copies of a packet, dropped (`packetsDuplicated` in RFC 3611
    /// §4.1's sense).
    pub packets_duplicated: u64,
    /// Packets dropped for reasons other than lateness and duplication: over capacity,
    /// oversize payload, unconfirmed sequence jumps, flushed on a resynchronisation.
    pub packets_discarded: u64,
    /// Of `packets_discarded`, those pushed out because the buffer was full.
    pub packets_overflowed: u64,
    /// Samples the caller was told to conceal (`concealedSamples`).
    pub concealed_samples: u64,
    /// Runs of consecutive concealment (`concealmentEvents`).
    pub concealment_events: u64,
    /// Samples of extra concealment the caller played while audio raised its delay inside a
    /// talkspurt, right after a loss, and samples added to frames marked
    /// [`crate::TimeStretch::Lengthen`] (`insertedSamplesForDeceleration`).
    pub inserted_samples_for_deceleration: u64,
    /// Samples removed from frames marked [`crate::TimeStretch::Shorten`]
    /// (`removedSamplesForAcceleration`).
    pub removed_samples_for_acceleration: u64,
    /// Audio frames released with [`crate::TimeStretch::Shorten`], to lower the delay on
    /// continuous audio. They are played (shorter), so they are neither lost nor late, and
    /// count in `packets_played` too.
    pub frames_shortened: u64,
    /// Audio frames released with [`crate::TimeStretch::Lengthen`], to raise the delay on
    /// continuous audio without waiting for a loss.
    pub frames_lengthened: u64,
    /// Sum over emitted samples (audio) or frames (video) of the time from arrival to
    /// release (`jitterBufferDelay`).
    pub jitter_buffer_delay: Duration,
    /// Samples (audio) or frames (video) released (`jitterBufferEmittedCount`).
    pub jitter_buffer_emitted_count: u64,
    /// Sum over emitted samples or frames of the target delay at release
    /// (`jitterBufferTargetDelay`).
    pub jitter_buffer_target_delay: Duration,
    /// Video frames released incomplete (`framesDropped` candidates; the caller decides
    /// between decoding, NACK and PLI).
    pub frames_incomplete: u64,
    /// Times the stream was restarted: SSRC change or confirmed sequence jump
    /// (RFC 3550 A.1).
    pub resyncs: u64,
}

impl Metrics {
    /// `packetsDiscarded` of W3C webrtc-stats: late, overflowed and otherwise dropped.
    pub fn packets_discarded_total(&self) -> u64 {
        self.packets_late + self.packets_discarded
    }

    /// RFC 3611 §4.7.1 loss rate: packets lost as a fraction of the packets the buffer has
    /// accounted for (played, lost, late or overflowed), in 1/256 units, rounded down.
    pub fn rfc3611_loss_rate(&self) -> u8 {
        self.fraction_256(self.packets_lost)
    }

    /// RFC 3611 §4.7.1 discard rate: packets discarded for late arrival or buffer overflow,
    /// as a fraction of the same total, in 1/256 units, rounded down.
    pub fn rfc3611_discard_rate(&self) -> u8 {
        self.fraction_256(self.packets_late + self.packets_overflowed)
    }

    fn fraction_256(&self, part: u64) -> u8 {
        let total =
            self.packets_played + self.packets_lost + self.packets_late + self.packets_overflowed;
        if total == 0 {
            return 0;
        }
        u8::try_from(u128::from(part) * 256 / u128::from(total)).unwrap_or(u8::MAX)
    }

    /// Mean time played media spent in the buffer (`jitterBufferDelay /
    /// jitterBufferEmittedCount`).
    pub fn mean_buffer_delay(&self) -> Duration {
        // Whole nanoseconds, truncated; zero before anything was emitted.
        let mean = self
            .jitter_buffer_delay
            .as_nanos()
            .checked_div(u128::from(self.jitter_buffer_emitted_count))
            .unwrap_or(0);
        Duration::from_nanos(u64::try_from(mean).unwrap_or(u64::MAX))
    }
}
