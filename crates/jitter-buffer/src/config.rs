//! Configuration of a [`crate::JitterBuffer`].

use crate::Error;
use rtp_packet::ClockRate;
use std::time::Duration;

/// Whether the stream is audio or video: it decides what a frame is and when the delay may
/// change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// One packet is one frame. The playout delay changes at talkspurt starts (a marker
    /// bit, RFC 3551 §4.1, or a timestamp gap with contiguous sequence numbers, which is
    /// how discontinuous transmission looks), so speech is not stretched or cut
    /// mid-sentence. Inside a talkspurt the delay grows right after a concealment, where
    /// playback is interrupted anyway; and once no talkspurt has started for ten seconds
    /// (continuous audio), it follows the target both ways a frame at a time, on frames
    /// marked with a [`crate::TimeStretch`] (see [`Config::time_stretch`]). Clock drift is
    /// followed continuously.
    Audio,
    /// A frame is every packet sharing one timestamp, ended by the marker bit (RFC 3550
    /// §5.1; RFC 7741 §4.1 for VP8). Frames are released complete or reported incomplete,
    /// and the delay adapts continuously.
    Video,
}

/// How the playout delay is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayMode {
    /// Adapt to the network: the target is a high quantile of the relative-delay histogram,
    /// clamped to `min..=max`; `initial` is used until statistics exist.
    Adaptive {
        /// The smallest target delay.
        min: Duration,
        /// The largest target delay.
        max: Duration,
        /// The target before any statistics exist.
        initial: Duration,
    },
    /// Always play this long after the predicted fastest arrival.
    Fixed(Duration),
}

const QUANTILE: f64 = 0.97;
const STATISTICS_INTERVAL: Duration = Duration::from_millis(100);
const FORGET_FACTOR: f64 = 0.9967;

/// Everything a [`crate::JitterBuffer`] needs to know about its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The RTP clock rate of the payload format (RFC 3551 §4.5); never zero by type.
    pub clock_rate: ClockRate,
    /// Audio or video.
    pub kind: MediaKind,
    /// Adaptive or fixed delay.
    pub delay: DelayMode,
    /// Fraction of arrival intervals whose worst relative delay the adaptive target should
    /// cover (a NetEq-style underrun quantile).
    pub quantile: f64,
    /// The span of arrivals whose largest relative delay makes one histogram sample.
    pub statistics_interval: Duration,
    /// Forget factor of the delay histogram per interval.
    pub forget_factor: f64,
    /// The most packets held at once; between 16 and 16384.
    pub capacity_packets: usize,
    /// The most payload bytes held at once.
    pub capacity_bytes: usize,
    /// Payloads longer than this are discarded. With `capacity_packets` it bounds memory.
    pub max_payload: usize,
    /// The duration of one packet assumed until the stream shows its own.
    pub frame_duration: Duration,
    /// Audio with adaptive delay: once no talkspurt has started for ten seconds, move the
    /// delay toward the target by shortening or lengthening single frames, reported on
    /// [`crate::Frame::time_stretch`] for the caller to carry out. Off, continuous audio
    /// keeps the delay it started with (and grows it only after a concealment). Ignored
    /// for video, whose delay follows the target anyway, and for a fixed delay.
    pub time_stretch: bool,
}

impl Config {
    /// Defaults for an audio stream at `clock_rate`: adaptive 20 ms..2 s, 20 ms frames,
    /// time-stretching on.
    pub fn audio(clock_rate: ClockRate) -> Self {
        Self {
            clock_rate,
            kind: MediaKind::Audio,
            delay: DelayMode::Adaptive {
                min: Duration::from_millis(20),
                max: Duration::from_secs(2),
                initial: Duration::from_millis(120),
            },
            quantile: QUANTILE,
            statistics_interval: STATISTICS_INTERVAL,
            forget_factor: FORGET_FACTOR,
            capacity_packets: 512,
            capacity_bytes: 256 * 1024,
            max_payload: 1500,
            frame_duration: Duration::from_millis(20),
            time_stretch: true,
        }
    }

    /// Defaults for a video stream at 90 kHz: adaptive 10 ms..2 s, 30 frames per second.
    pub fn video() -> Self {
        Self {
            clock_rate: ClockRate::VIDEO,
            kind: MediaKind::Video,
            delay: DelayMode::Adaptive {
                min: Duration::from_millis(10),
                max: Duration::from_secs(2),
                initial: Duration::from_millis(100),
            },
            quantile: QUANTILE,
            statistics_interval: STATISTICS_INTERVAL,
            forget_factor: FORGET_FACTOR,
            capacity_packets: 2048,
            capacity_bytes: 4 * 1024 * 1024,
            max_payload: 1500,
            frame_duration: Duration::from_nanos(33_333_333),
            time_stretch: false,
        }
    }

    /// The smallest supported packet capacity.
    pub const MIN_CAPACITY: usize = 16;
    /// The largest supported packet capacity: half of the window RFC 3550 A.1 leaves
    /// between a reordered packet and a restart.
    pub const MAX_CAPACITY: usize = 16384;

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !(Self::MIN_CAPACITY..=Self::MAX_CAPACITY).contains(&self.capacity_packets) {
            return Err(Error::PacketCapacity {
                got: self.capacity_packets,
                min: Self::MIN_CAPACITY,
                max: Self::MAX_CAPACITY,
            });
        }
        if self.capacity_bytes < self.max_payload {
            return Err(Error::ByteCapacity {
                bytes: self.capacity_bytes,
                max_payload: self.max_payload,
            });
        }
        if let DelayMode::Adaptive { min, max, .. } = self.delay
            && min > max
        {
            return Err(Error::DelayBounds { min, max });
        }
        if !(self.quantile > 0.0 && self.quantile < 1.0) {
            return Err(Error::Quantile(self.quantile));
        }
        if !(self.forget_factor > 0.0 && self.forget_factor < 1.0) {
            return Err(Error::ForgetFactor(self.forget_factor));
        }
        if self.statistics_interval.is_zero() {
            return Err(Error::ZeroStatisticsInterval);
        }
        if self.frame_duration.is_zero() {
            return Err(Error::ZeroFrameDuration);
        }
        Ok(())
    }
}
