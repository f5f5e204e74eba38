//! The arrival model: how the sender's media clock maps onto the receiver's clock.
//!
//! Each packet gives an *offset* `o = arrival − media time` (a [`Time`]: the
//! arrival the packet would have had at media time zero). Without drift
//! and jitter the offset is constant; a sender clock running `ε` fast makes it a line of
//! slope `−ε/(1+ε) ≈ −ε` in media time, and jitter only ever adds to it. So the model keeps
//! the minimum offset of each two-second window of media time (the fastest packet, which
//! carries the least queueing) and predicts the *fastest arrival* of any timestamp: the
//! baseline from which relative delays are measured and playout times are set.
//!
//! The skew is fitted with a Theil–Sen estimator (the median of pairwise slopes, which a
//! delay step or a spike cannot drag) through each window's *mean* offset, not its
//! minimum: the minimum of a window moves with the spread of the delays (jitter falling
//! from σ = 50 ms to 5 ms around the same mean raises it by over a hundred milliseconds
//! within one window, which straddling pairs of windows would read as drift for the
//! minute the history holds both), while the mean moves only when the delay itself does.
//! This is the role of the skew estimation of GStreamer's rtpjitterbuffer and of the
//! inter-arrival statistics of WebRTC NetEq.

use crate::time::{NANOS_PER_SEC, Rate, Span, Time};

/// Seconds of media time per window whose minimum offset is kept.
const WINDOW_SECONDS: i64 = 2;
/// Windows kept for the skew fit (one minute of media).
const HISTORY: usize = 30;
/// The skew is refitted every this many windows: drift changes over minutes, and the fit
/// is the costliest step of the model.
const FIT_EVERY: usize = 8;
/// Recent windows whose minimum sets the baseline (about sixteen seconds).
const BASELINE_WINDOWS: usize = 8;
/// Pairs of windows closer than this in media time do not vote on the skew.
const MIN_PAIR_SPAN: Span = Span::from_millis(10_000);
/// Skews beyond ±2 % are not clock drift; the fit is clamped there.
const MAX_SKEW: f64 = 0.02;

#[derive(Debug, Clone, Copy, Default)]
struct Point {
    /// Media time since the model's origin.
    media: Span,
    /// Arrival minus media time.
    offset: Time,
}

/// The fitted relation between media time and arrival time. Declaration order is memory
/// order (`repr(C)`): what every packet reads comes first, the per-window state after.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct ArrivalModel {
    /// Receiver nanoseconds per RTP tick at the nominal rate.
    nanos_per_tick: Rate,
    /// Receiver nanoseconds per RTP tick as measured: the nominal rate times `1 + skew`.
    /// The skew itself is derived from it (the model stays within two cache lines), and
    /// the fastest arrival of a timestamp is one multiplication.
    skewed: Rate,
    origin_ts: i64,
    /// The end (exclusive timestamp) of the window being filled.
    current_window: Option<i64>,
    current_min: Point,
    /// `current_min` corrected for skew (`offset − skew × media`), kept with it so the
    /// per-packet baseline is a comparison, not a multiplication.
    current_base: Time,
    /// The skew-corrected minimum over the closed baseline windows.
    closed_baseline: Time,
    ticks_per_window: i64,
    /// Sums of the media times and offsets of the current window's packets (nanoseconds,
    /// wrapping: only an absurd flood of one window could wrap them, and then its mean is
    /// one outlier among the windows the fit's medians ignore) and their count.
    sum_media: i64,
    sum_offset: i64,
    count: i64,
    /// Out of line: read only when a window closes, so the state every packet touches
    /// stays within a few cache lines (many buffers side by side).
    minima: Box<[Point; HISTORY]>,
    /// The mean media time and offset of each window, for the skew fit.
    means: Box<[Point; HISTORY]>,
    stored: u32,
    head: u32,
    closed: u32,
}

/// Pairs of kept windows: the most slopes one fit weighs.
const PAIRS: usize = HISTORY * (HISTORY - 1) / 2;

impl ArrivalModel {
    pub(crate) fn new(clock_rate: rtp_packet::ClockRate, origin_ts: i64) -> Self {
        let hz = clock_rate.hz();
        Self {
            ticks_per_window: (WINDOW_SECONDS * i64::from(hz)).max(1),
            nanos_per_tick: Rate::from_f64(NANOS_PER_SEC as f64 / f64::from(hz)),
            skewed: Rate::from_f64(NANOS_PER_SEC as f64 / f64::from(hz)),
            origin_ts,
            current_window: None,
            current_min: Point::default(),
            current_base: Time::default(),
            minima: Box::new([Point::default(); HISTORY]),
            means: Box::new([Point::default(); HISTORY]),
            sum_media: 0,
            sum_offset: 0,
            count: 0,
            stored: 0,
            head: 0,
            closed: 0,
            closed_baseline: Time::MAX,
        }
    }

    /// Media time of an extended timestamp since the model's origin.
    pub(crate) fn media_time(&self, ext_ts: i64) -> Span {
        Span::of_ticks(ext_ts - self.origin_ts, self.nanos_per_tick)
    }

    /// Receiver seconds per media second, minus one: the estimated drift of the sender.
    pub(crate) fn skew(&self) -> f64 {
        self.skewed.to_f64() / self.nanos_per_tick.to_f64() - 1.0
    }

    /// Receiver nanoseconds per RTP tick as measured (the nominal rate times `1 + skew`).
    #[inline]
    pub(crate) fn skewed_nanos_per_tick(&self) -> f64 {
        self.skewed.to_f64()
    }

    /// Records a packet's arrival (on the receiver's clock). Returns how much later the
    /// fastest arrival of `ext_ts` is predicted now than before (negative: earlier; zero,
    /// for almost every packet, when the baseline did not move), so that delays measured
    /// against the old baseline can be re-expressed.
    #[inline]
    pub(crate) fn observe(&mut self, ext_ts: i64, arrival: Time) -> Span {
        let media = self.media_time(ext_ts);
        let point = Point {
            media,
            offset: arrival - media,
        };
        // The window ends at a timestamp; a division happens only when a window closes.
        match self.current_window {
            Some(end) if ext_ts < end => {
                self.sum_media = self.sum_media.wrapping_add(point.media.as_nanos());
                self.sum_offset = self
                    .sum_offset
                    .wrapping_add((point.offset - Time::default()).as_nanos());
                self.count += 1;
                if point.offset < self.current_min.offset {
                    let before = self.baseline();
                    self.set_current_min(point);
                    return self.baseline() - before;
                }
                Span::ZERO
            }
            _ => self.open_window(ext_ts, point),
        }
    }

    /// Closes the current window, if any, and opens the one holding `ext_ts` with `point`
    /// as its minimum; returns the move of `ext_ts`'s fastest arrival. Once per window:
    /// kept out of the per-packet path.
    #[cold]
    #[inline(never)]
    fn open_window(&mut self, ext_ts: i64, point: Point) -> Span {
        let before = self.fastest_arrival(ext_ts);
        let opened = self.current_window.is_some();
        if opened {
            self.close_window();
        }
        self.current_window = Some(self.window_end(ext_ts));
        self.set_current_min(point);
        self.sum_media = point.media.as_nanos();
        self.sum_offset = (point.offset - Time::default()).as_nanos();
        self.count = 1;
        if opened {
            self.fastest_arrival(ext_ts) - before
        } else {
            Span::ZERO
        }
    }

    /// The first timestamp after the window holding `ext_ts`.
    fn window_end(&self, ext_ts: i64) -> i64 {
        let index = (ext_ts - self.origin_ts).div_euclid(self.ticks_per_window);
        self.origin_ts + (index + 1) * self.ticks_per_window
    }

    /// The predicted arrival time of the fastest packet carrying `ext_ts`.
    #[inline]
    pub(crate) fn fastest_arrival(&self, ext_ts: i64) -> Time {
        self.baseline() + Span::of_ticks(ext_ts - self.origin_ts, self.skewed)
    }

    /// How much later than the fastest prediction a packet carrying `ext_ts` arrived
    /// (≥ 0, to the nanosecond, for every packet already observed in the baseline windows).
    #[inline]
    pub(crate) fn relative_delay(&self, ext_ts: i64, arrival: Time) -> Span {
        arrival - self.fastest_arrival(ext_ts)
    }

    /// Minimum skew-corrected offset over the current and the last few windows.
    #[inline]
    fn baseline(&self) -> Time {
        self.closed_baseline.min(self.current_base)
    }

    #[inline]
    fn set_current_min(&mut self, point: Point) {
        self.current_min = point;
        self.current_base = point.offset - point.media.scale(self.skew());
    }

    fn close_window(&mut self) {
        let head = self.head as usize % HISTORY;
        self.minima[head] = self.current_min;
        let count = self.count.max(1);
        self.means[head] = Point {
            media: Span::from_nanos(self.sum_media / count),
            offset: Time::default() + Span::from_nanos(self.sum_offset / count),
        };
        let head = (head + 1) % HISTORY;
        self.head = head as u32;
        let stored = (self.stored as usize + 1).min(HISTORY);
        self.stored = stored as u32;
        // `FIT_EVERY` divides 2³², so wrapping keeps the cadence.
        self.closed = self.closed.wrapping_add(1);
        if self.closed as usize % FIT_EVERY == 0 {
            self.fit_skew();
        }
        let skew = self.skew();
        self.closed_baseline = (0..stored.min(BASELINE_WINDOWS))
            .map(|k| self.minima[(head + HISTORY - 1 - k) % HISTORY])
            .map(|p| p.offset - p.media.scale(skew))
            .fold(Time::MAX, Time::min);
    }

    /// The slopes are gathered on the stack (3.4 KiB, once every [`FIT_EVERY`] windows)
    /// rather than in a buffer the model keeps: a kept buffer was the largest part of a
    /// jitter buffer after its histogram, for a computation made once every 16 seconds.
    fn fit_skew(&mut self) {
        let mut slopes = [0.0f64; PAIRS];
        let mut count = 0;
        let points = &self.means[..(self.stored as usize).min(HISTORY)];
        for (i, a) in points.iter().enumerate() {
            for b in points.iter().skip(i + 1) {
                let span = b.media - a.media;
                if (span >= MIN_PAIR_SPAN || span <= -MIN_PAIR_SPAN)
                    && let Some(slot) = slopes.get_mut(count)
                {
                    *slot = (b.offset - a.offset).ratio(span);
                    count += 1;
                }
            }
        }
        let slopes = &mut slopes[..count];
        if slopes.len() < 3 {
            return;
        }
        let mid = slopes.len() / 2;
        let (_, median, _) = slopes.select_nth_unstable_by(mid, f64::total_cmp);
        // Offsets are arrival − media, so their slope is (receiver s per media s) − 1.
        let skew = median.clamp(-MAX_SKEW, MAX_SKEW);
        self.skewed = Rate::from_f64(self.nanos_per_tick.to_f64() * (1.0 + skew));
        self.set_current_min(self.current_min);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Time {
        Time::default() + Span::from_secs_f64(s)
    }

    #[test]
    fn finds_half_a_percent_of_drift_through_jitter() {
        // Sender 0.5 % fast: 1 s of its media arrives in 1/1.005 s.
        let mut m = ArrivalModel::new(rtp_packet::ClockRate::NARROWBAND, 0);
        let mut seed = 1u64;
        for i in 0..6000i64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let jitter = (seed >> 40) as f64 / (1u64 << 24) as f64 * 0.060;
            let media = i as f64 * 0.020;
            m.observe(i * 160, secs(0.1 + media / 1.005 + jitter));
        }
        let expected = 1.0 / 1.005 - 1.0;
        assert!(
            (m.skew() - expected).abs() < 2e-4,
            "skew {} expected {expected}",
            m.skew()
        );
        let d = m
            .relative_delay(5999 * 160, secs(0.1 + 5999.0 * 0.020 / 1.005))
            .as_secs_f64();
        assert!(
            d.abs() < 0.005,
            "relative delay of a jitter-free packet {d}"
        );
    }
}
