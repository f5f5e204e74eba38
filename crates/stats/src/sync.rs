//! Media synchronisation: RTP↔NTP mapping from sender reports (RFC 3550 §6.4.1), the
//! audio/video offset (lip sync, RFC 3550 §5.1 "synchronization of media") and clock drift.
//!
//! Every SR pairs an NTP wallclock time with the RTP timestamp of the same instant. From
//! the latest pair, any RTP timestamp of the stream maps to the sender's wallclock; two
//! streams from the same sender (same CNAME) share that wallclock, which is what aligns
//! them. The RTP timestamp is unwrapped across SRs with signed 32-bit steps, so a stream
//! may run for any length of time as long as SRs come less than 2^31 ticks apart.

use std::time::Instant;

use rtcp::NtpTime;
use rtp_packet::ClockRate;
use rtp_packet::clock::timestamp_distance;

/// One SR's (NTP, RTP) pair and when it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SrPoint {
    ntp: NtpTime,
    rtp: u32,
    /// RTP timestamp unwrapped since the first SR.
    rtp_unwrapped: i64,
    arrival: Instant,
}

/// The wallclock mapping of one RTP stream, built from its SRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamClock {
    clock_rate: ClockRate,
    first: Option<SrPoint>,
    latest: Option<SrPoint>,
}

fn signed_seconds(later: Instant, earlier: Instant) -> f64 {
    if later >= earlier {
        later.duration_since(earlier).as_secs_f64()
    } else {
        -earlier.duration_since(later).as_secs_f64()
    }
}

impl StreamClock {
    /// A mapping for a stream with RTP clock rate `clock_rate`, with no SR yet.
    pub fn new(clock_rate: ClockRate) -> Self {
        Self {
            clock_rate,
            first: None,
            latest: None,
        }
    }

    /// Records an SR's NTP timestamp and RTP timestamp, received at `arrival`.
    pub fn on_sender_report(&mut self, ntp: NtpTime, rtp_timestamp: u32, arrival: Instant) {
        let rtp_unwrapped = match self.latest {
            Some(prev) => prev.rtp_unwrapped + timestamp_distance(prev.rtp, rtp_timestamp),
            None => 0,
        };
        let point = SrPoint {
            ntp,
            rtp: rtp_timestamp,
            rtp_unwrapped,
            arrival,
        };
        self.first.get_or_insert(point);
        self.latest = Some(point);
    }

    /// True once an SR has been seen.
    pub fn is_mapped(&self) -> bool {
        self.latest.is_some()
    }

    /// The sender's wallclock time at which RTP timestamp `rtp_timestamp` was sampled,
    /// from the latest SR; `None` before the first SR.
    pub fn ntp_of(&self, rtp_timestamp: u32) -> Option<NtpTime> {
        let sr = self.latest?;
        let ticks = timestamp_distance(sr.rtp, rtp_timestamp);
        Some(sr.ntp.wrapping_add_ticks(ticks, self.clock_rate.hz()))
    }

    /// The RTP timestamp the sender's media clock shows at wallclock time `ntp`, from the
    /// latest SR (the inverse of [`ntp_of`](Self::ntp_of)).
    pub fn rtp_of(&self, ntp: NtpTime) -> Option<u32> {
        let sr = self.latest?;
        let seconds = ntp.seconds_since(sr.ntp);
        let ticks = (seconds * f64::from(self.clock_rate.hz())).round() as i64;
        Some(sr.rtp.wrapping_add(ticks as u32))
    }

    /// Drift of the sender's media clock against its own wallclock, in parts per million,
    /// over the first and latest SR: `(ΔRTP / rate − ΔNTP) / ΔNTP × 10⁶`. Positive means the
    /// media clock runs fast. `None` until two SRs at different times.
    pub fn media_clock_drift_ppm(&self) -> Option<f64> {
        let (a, b) = (self.first?, self.latest?);
        let d_ntp = b.ntp.seconds_since(a.ntp);
        if d_ntp <= 0.0 {
            return None;
        }
        let d_media = (b.rtp_unwrapped - a.rtp_unwrapped) as f64 / f64::from(self.clock_rate.hz());
        Some((d_media - d_ntp) / d_ntp * 1e6)
    }

    /// Drift of the sender's wallclock against the local clock, in ppm, from the SRs'
    /// arrival times: `(ΔNTP − Δarrival) / Δarrival × 10⁶`. Network delay variation adds
    /// noise that shrinks as the SRs get further apart. `None` until two SRs.
    pub fn wallclock_drift_ppm(&self) -> Option<f64> {
        let (a, b) = (self.first?, self.latest?);
        let d_local = signed_seconds(b.arrival, a.arrival);
        if d_local <= 0.0 {
            return None;
        }
        Some((b.ntp.seconds_since(a.ntp) - d_local) / d_local * 1e6)
    }
}

/// The lip-sync offset between an audio and a video stream of the same sender, in seconds:
/// how much later the video packet arrived, relative to its capture time, than the audio
/// packet relative to its own. Positive means video lags (delay audio by that much to align
/// them); the unknown offset between sender and receiver clocks cancels out. `None` until
/// both streams have an SR.
pub fn av_offset(
    audio: &StreamClock,
    audio_timestamp: u32,
    audio_arrival: Instant,
    video: &StreamClock,
    video_timestamp: u32,
    video_arrival: Instant,
) -> Option<f64> {
    let audio_capture = audio.ntp_of(audio_timestamp)?;
    let video_capture = video.ntp_of(video_timestamp)?;
    Some(signed_seconds(video_arrival, audio_arrival) - video_capture.seconds_since(audio_capture))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ntp_secs(s: f64) -> NtpTime {
        NtpTime((s * 4_294_967_296.0) as u64)
    }

    #[test]
    fn maps_rtp_to_ntp_and_back_across_the_rtp_wrap() {
        let t0 = Instant::now();
        let mut c = StreamClock::new(ClockRate::NARROWBAND);
        assert_eq!(c.ntp_of(0), None);
        c.on_sender_report(ntp_secs(1000.0), u32::MAX - 3999, t0);
        // 4000 ticks before the wrap + 4000 after = 8000 ticks = 1 s later.
        assert_eq!(c.ntp_of(4000), Some(ntp_secs(1001.0)));
        // Half a second earlier than the SR.
        assert_eq!(c.ntp_of(u32::MAX - 7999), Some(ntp_secs(999.5)));
        assert_eq!(c.rtp_of(ntp_secs(1001.0)), Some(4000));
    }

    #[test]
    fn lip_sync_offset() {
        let t0 = Instant::now();
        let mut audio = StreamClock::new(ClockRate::NARROWBAND);
        let mut video = StreamClock::new(ClockRate::VIDEO);
        audio.on_sender_report(ntp_secs(1000.0), 0, t0);
        video.on_sender_report(ntp_secs(1000.0), 1000, t0);
        // Both captured at sender time 1001.0 s; audio arrives at +1.050 s, video at
        // +1.130 s → video lags by 80 ms.
        let off = av_offset(
            &audio,
            8000,
            t0 + Duration::from_millis(1050),
            &video,
            1000 + 90_000,
            t0 + Duration::from_millis(1130),
        )
        .unwrap();
        assert!((off - 0.080).abs() < 1e-6, "{off}");
        assert_eq!(
            av_offset(&audio, 0, t0, &StreamClock::new(ClockRate::VIDEO), 0, t0),
            None
        );
    }

    #[test]
    fn drift_from_two_srs() {
        let t0 = Instant::now();
        let mut c = StreamClock::new(ClockRate::NARROWBAND);
        assert_eq!(c.media_clock_drift_ppm(), None);
        c.on_sender_report(ntp_secs(100.0), 0, t0);
        // 10 s of wallclock, 80 008 ticks = 10.001 s of media: (10.001 − 10)/10 = 100 ppm.
        // Arrived 9.999 s later locally: (10 − 9.999)/9.999 = 100.01 ppm.
        c.on_sender_report(ntp_secs(110.0), 80_008, t0 + Duration::from_millis(9_999));
        assert!((c.media_clock_drift_ppm().unwrap() - 100.0).abs() < 1e-3);
        assert!((c.wallclock_drift_ppm().unwrap() - 1e6 * 0.001 / 9.999).abs() < 1e-3);
    }
}
