//! The relative-delay histogram with exponential forgetting from which the adaptive target
//! delay is read (the design of WebRTC NetEq's delay manager).
//!
//! Like NetEq's underrun optimiser, the histogram does not record every packet: it records
//! the largest relative delay of each interval of arrivals, the delay that would have
//! avoided every underrun in that interval. A quantile of those maxima is a delay that
//! avoids underruns in that fraction of intervals, and a burst of late packets (a delay
//! spike) counts once rather than once per packet, so a rare spike does not raise the delay
//! of the minutes that follow it.
//!
//! Forgetting is done by growing the weight of each new sample by `1 / forget_factor`
//! instead of shrinking every bin, so adding a sample is O(1); the bins are rescaled only
//! when the weight grows large, a few times per million packets.
//!
//! Delays come in and the quantile goes out as [`Span`]s; a delay picks its bin by integer
//! division, and only the bin weights and the interpolation within a bin are floating point
//! (statistics, not time).
//!
//! **Memory.** The histogram is most of what a running audio session holds (audio's 2 s
//! maximum is 2,001 bins of 1 ms), so it is kept small two ways, neither of which changes
//! what it computes beyond rounding. The bins are `f32`: a bin is a sum of sample weights
//! read only as a fraction of the total, and single precision puts an error of about 10⁻⁷
//! on each addition (the total and the mass below the quantile stay `f64`; the mass below
//! is recomputed from the bins at every rescale, shedding the difference). And only the
//! first [`FIRST_BINS`] (256 ms at audio's 1 ms) exist until a delay lands beyond them; a
//! bin not allocated reads as zero, which is what it would hold. A stream whose interval
//! maxima stay under 256 ms (a LAN, a calm Internet path) holds 1 KiB instead of 8 KiB; the
//! first larger one allocates the rest at once, so a stream allocates here at most once
//! after its creation (growing in steps would allocate again at every new largest delay,
//! which a long call under changing load keeps finding).

use crate::time::{Span, Time};

/// A histogram of packet delays relative to the fastest recent packet, in fixed-width bins,
/// that tracks one quantile incrementally: the quantile moves a bin or so per sample, so
/// keeping its bin and the mass below it makes reading it O(1).
#[derive(Debug, Clone)]
pub(crate) struct DelayHistogram {
    /// The bins recorded so far: `bin_count` at most, grown as delays reach them.
    bins: Vec<f32>,
    /// The configured number of bins; the last collects everything above.
    bin_count: usize,
    bin_width: Span,
    weight: f64,
    total: f64,
    forget_factor: f64,
    quantile: f64,
    /// The bin holding the quantile, and the mass of the bins below it.
    at: usize,
    below: f64,
}

/// The sample weight at which the bins are rescaled: low enough that the bins' sum
/// (the weight over `1 − forget_factor`, at most 10¹⁶ times it for an `f64` factor below
/// one) stays inside `f32`, high enough that a rescale comes a few times an hour.
const RESCALE_ABOVE: f64 = 1e20;

/// Bins allocated at creation; the rest come at once with the first delay beyond them.
const FIRST_BINS: usize = 256;

/// Reduces per-packet relative delays to per-interval maxima and feeds them to a
/// [`DelayHistogram`] and to a [`RecentPeak`].
/// Declaration order is memory order (`repr(C)`): the per-packet fields first, the
/// per-interval histogram after.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct DelayStatistics {
    interval_start: Option<Time>,
    interval: Span,
    interval_max: Span,
    /// The targets these statistics give, worked out when they change (once per interval
    /// or baseline move) rather than on every read.
    pub(crate) targets: Targets,
    bounds: TargetBounds,
    pub(crate) histogram: DelayHistogram,
    pub(crate) recent: RecentPeak,
}

/// The configured range of an adaptive target, and its value before any statistics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetBounds {
    pub(crate) min: Span,
    pub(crate) max: Span,
    pub(crate) initial: Span,
}

impl TargetBounds {
    /// `delay` within the bounds (not `clamp`, which panics on `min > max`; a validated
    /// configuration has none).
    fn bound(&self, delay: Span) -> Span {
        delay.min(self.max).max(self.min)
    }
}

/// The adaptive targets, both within the configured bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Targets {
    /// The histogram's quantile (the initial delay before any statistics).
    pub(crate) long: Span,
    /// After a calm the histogram has not caught up with (the twelve-second peak below
    /// its quantile), the recent quantile: continuous audio's target (see `RecentPeak`).
    pub(crate) calm: Option<Span>,
}

/// Seconds of arrivals whose largest relative delay [`RecentPeak`] keeps.
const PEAK_SECONDS: usize = 12;
/// The span of one bucket of [`RecentPeak`].
const PEAK_BUCKET: Span = Span::from_millis(1000);
/// Interval maxima [`RecentPeak`] keeps for its recent quantile: twelve seconds of the
/// default 100 ms intervals.
const RECENT_INTERVALS: usize = 120;

/// The recent past of the relative delays: the largest of the last [`PEAK_SECONDS`]
/// seconds of arrivals (one-second buckets, the oldest replaced), and the histogram's
/// quantile over only the last [`RECENT_INTERVALS`] interval maxima.
///
/// The histogram forgets slowly, on purpose: a calm minute between bursts must not lower
/// the delay the bursts need. But when the network has really calmed down, the histogram's
/// quantile takes minutes to leave the old delays behind (the old mass must fall below
/// `1 − quantile`). The recent peak says when that has happened: in a steady network the
/// peak of twelve seconds (hundreds of packets) lies above the quantile of the interval
/// maxima, so a twelve-second peak *below* the quantile is a calm the histogram has not
/// caught up with. Continuous audio then aims at the recent quantile, the same statistic
/// as the histogram's over the calm alone: what the histogram will settle to once it has
/// forgotten. Talkspurt audio and video keep the histogram's quantile: lowering their
/// delay after every calm spell of a bursty network costs late packets when the next
/// burst comes (measured: the bursty and spike profiles' late loss rose by about a third),
/// and talkspurt audio is not stuck with its delay the way continuous audio was.
///
/// The delays are relative to the arrival model's fastest-arrival baseline; when the
/// baseline moves, [`DelayStatistics::shift`] re-expresses them against the new one, so
/// they stay statements about arrival times.
#[derive(Debug, Clone)]
pub(crate) struct RecentPeak {
    buckets: [Span; PEAK_SECONDS],
    head: usize,
    filled: usize,
    bucket_start: Option<Time>,
    bucket_max: Span,
    /// The largest of the closed buckets, and of them and the current one.
    closed_peak: Span,
    peak: Span,
    /// The last interval maxima, a ring (out of line: touched once per interval).
    intervals: Box<[Span; RECENT_INTERVALS]>,
    interval_head: usize,
    /// Which largest of the kept maxima is the quantile (1 = the largest).
    rank: usize,
    /// The quantile of the kept maxima, worked out once a second and only while the peak
    /// is below the histogram's quantile (the only time it is read): a selection over 120
    /// values at every interval would cost more than the rest of the per-packet path.
    quantile: Option<Span>,
    /// A bucket closed since the quantile was last worked out.
    refresh_quantile: bool,
}

impl RecentPeak {
    fn new(quantile: f64) -> Self {
        let above = ((1.0 - quantile) * RECENT_INTERVALS as f64).round();
        Self {
            buckets: [Span::ZERO; PEAK_SECONDS],
            head: 0,
            filled: 0,
            bucket_start: None,
            bucket_max: Span::ZERO,
            closed_peak: Span::ZERO,
            peak: Span::ZERO,
            intervals: Box::new([Span::ZERO; RECENT_INTERVALS]),
            interval_head: 0,
            // The cast saturates; a validated quantile is strictly inside (0, 1).
            rank: (above as usize).clamp(1, RECENT_INTERVALS),
            quantile: None,
            refresh_quantile: false,
        }
    }

    /// Records an interval's largest delay, the interval having started at `at`; once a
    /// second, works out the recent quantile if the peak is below `long_quantile`. Once
    /// per interval, not per packet.
    fn add(&mut self, delay: Span, at: Time, long_quantile: Span) {
        match self.bucket_start {
            Some(start) if at >= start && at < start + PEAK_BUCKET => {
                self.bucket_max = self.bucket_max.max(delay);
            }
            Some(start) if at >= start => {
                if let Some(bucket) = self.buckets.get_mut(self.head) {
                    *bucket = self.bucket_max;
                }
                self.head = (self.head + 1) % PEAK_SECONDS;
                self.filled = (self.filled + 1).min(PEAK_SECONDS);
                self.bucket_start = Some(at);
                self.bucket_max = delay;
                self.quantile = None;
                self.refresh_quantile = true;
                self.closed_peak = self
                    .buckets
                    .iter()
                    .take(self.filled)
                    .fold(Span::from_nanos(i64::MIN), |a, &b| a.max(b));
            }
            // The first interval, or time went back (a caller's clock): start over.
            _ => {
                self.filled = 0;
                self.closed_peak = Span::from_nanos(i64::MIN);
                self.bucket_start = Some(at);
                self.bucket_max = delay;
            }
        }
        self.peak = self.closed_peak.max(self.bucket_max);
        if let Some(slot) = self.intervals.get_mut(self.interval_head) {
            *slot = delay;
        }
        self.interval_head = (self.interval_head + 1) % RECENT_INTERVALS;
        // Only read once the buckets cover PEAK_SECONDS, by when (at the default
        // interval) the ring is full too; before that its zeros only lower a value
        // nobody reads.
        if std::mem::take(&mut self.refresh_quantile)
            && self.filled == PEAK_SECONDS
            && self.peak < long_quantile
        {
            self.quantile = Some(self.ranked());
        }
    }

    /// The `rank`-th largest of the kept interval maxima. A high quantile has a small
    /// rank (4 of 120 at 0.97): a scan keeping the largest few is a tenth of the cost of
    /// a selection over a copy of the ring.
    fn ranked(&self) -> Span {
        const FEW: usize = 16;
        if self.rank <= FEW {
            let mut top = [Span::from_nanos(i64::MIN); FEW];
            let top = &mut top[..self.rank];
            for &delay in self.intervals.iter() {
                // `top` is sorted largest first; `delay` goes in if it beats the last.
                if top.last().is_some_and(|&last| delay > last) {
                    let at = top.partition_point(|&t| t >= delay);
                    top[at..].rotate_right(1);
                    top[at] = delay;
                }
            }
            top.last().copied().unwrap_or(Span::ZERO)
        } else {
            let mut sorted = *self.intervals;
            *sorted.select_nth_unstable(RECENT_INTERVALS - self.rank).1
        }
    }

    /// The largest delay of the last [`PEAK_SECONDS`] seconds and the quantile of the
    /// last [`RECENT_INTERVALS`] intervals, once [`PEAK_SECONDS`] are known. The quantile
    /// is worked out once a second while the peak is below the histogram's quantile; in
    /// the second after the peak fell below it, the peak stands in for it.
    pub(crate) fn peaks(&self) -> Option<(Span, Span)> {
        (self.filled == PEAK_SECONDS).then_some((self.peak, self.quantile.unwrap_or(self.peak)))
    }

    fn shift(&mut self, by: Span) {
        for bucket in self.buckets.iter_mut().chain(self.intervals.iter_mut()) {
            *bucket = *bucket - by;
        }
        self.bucket_max = self.bucket_max - by;
        self.closed_peak = self.closed_peak - by;
        self.peak = self.peak - by;
        self.quantile = self.quantile.map(|q| q - by);
    }
}

impl DelayStatistics {
    /// Statistics whose samples are the maxima of `interval` of arrivals, giving targets
    /// within `bounds`.
    pub(crate) fn new(histogram: DelayHistogram, interval: Span, bounds: TargetBounds) -> Self {
        let mut statistics = Self {
            recent: RecentPeak::new(histogram.quantile),
            histogram,
            interval,
            interval_start: None,
            interval_max: Span::ZERO,
            targets: Targets {
                long: bounds.initial,
                calm: None,
            },
            bounds,
        };
        statistics.refresh_targets();
        statistics
    }

    fn refresh_targets(&mut self) {
        let raw = if self.histogram.is_empty() {
            self.bounds.initial
        } else {
            self.histogram.quantile()
        };
        self.targets = Targets {
            long: self.bounds.bound(raw),
            calm: match self.recent.peaks() {
                Some((peak, level)) if peak < raw => Some(self.bounds.bound(level)),
                _ => None,
            },
        };
    }

    /// The baseline the delays are measured from moved later by `by`: re-expresses the
    /// delays of the recent peak and of the interval being collected against it. (The
    /// histogram keeps its samples as they were: it is a statistic of many minutes, which
    /// the baseline's small moves do not bias.)
    #[cold]
    pub(crate) fn shift(&mut self, by: Span) {
        self.interval_max = self.interval_max - by;
        self.recent.shift(by);
        self.refresh_targets();
    }

    /// Records a packet's relative delay at its arrival time.
    #[inline(always)]
    pub(crate) fn observe(&mut self, delay: Span, arrival: Time) {
        match self.interval_start {
            Some(start) if arrival >= start + self.interval || arrival < start => {
                self.close_interval(start);
                self.interval_start = Some(arrival);
                self.interval_max = delay;
            }
            Some(_) => self.interval_max = self.interval_max.max(delay),
            None => {
                self.interval_start = Some(arrival);
                self.interval_max = delay;
            }
        }
    }
}

impl DelayStatistics {
    /// Records the largest delay of the interval that started at `start`. Once per
    /// interval: kept out of the per-packet path.
    #[inline(never)]
    fn close_interval(&mut self, start: Time) {
        self.histogram.add(self.interval_max);
        let long = self.histogram.quantile();
        self.recent.add(self.interval_max, start, long);
        self.refresh_targets();
    }
}

impl DelayHistogram {
    /// `bin_count` bins of `bin_width` (the last collects everything above; a width below
    /// one nanosecond counts as one), tracking quantile `quantile`.
    pub(crate) fn new(
        bin_count: usize,
        bin_width: Span,
        forget_factor: f64,
        quantile: f64,
    ) -> Self {
        Self {
            bins: vec![0.0; FIRST_BINS.min(bin_count.max(1))],
            bin_count: bin_count.max(1),
            bin_width: bin_width.max(Span::from_nanos(1)),
            weight: 1.0,
            total: 0.0,
            forget_factor,
            quantile,
            at: 0,
            below: 0.0,
        }
    }

    /// Records one relative delay (negative values count as zero). Once per interval, not
    /// per packet: kept out of line.
    #[inline(never)]
    pub(crate) fn add(&mut self, delay: Span) {
        let last = self.bin_count - 1;
        // `bin_width` is at least one nanosecond, and a negative delay falls in bin zero.
        let bin = delay.non_negative_nanos() / self.bin_width.non_negative_nanos().max(1);
        let index = usize::try_from(bin).unwrap_or(usize::MAX).min(last);
        if index >= self.bins.len() {
            self.grow(index);
        }
        if let Some(bin) = self.bins.get_mut(index) {
            *bin += self.weight as f32;
        }
        if index < self.at {
            self.below += self.weight;
        }
        self.total += self.weight;
        self.weight /= self.forget_factor;
        if self.weight > RESCALE_ABOVE {
            let scale = 1.0 / self.weight;
            self.bins.iter_mut().for_each(|b| *b *= scale as f32);
            self.total *= scale;
            self.weight = 1.0;
            // Recompute exactly, shedding the rounding of the incremental sums.
            self.below = self.bins.iter().take(self.at).map(|&b| f64::from(b)).sum();
        }
        self.rebalance();
    }

    /// Allocates every bin (`index` lies beyond the first ones).
    #[cold]
    fn grow(&mut self, index: usize) {
        let len = self.bin_count.max(index + 1);
        self.bins.reserve_exact(len - self.bins.len());
        self.bins.resize(len, 0.0);
    }

    /// The weight of bin `index` (zero past the allocated bins).
    fn bin(&self, index: usize) -> f64 {
        self.bins.get(index).map_or(0.0, |&b| f64::from(b))
    }

    /// Moves the tracked bin so that `below < quantile × total <= below + bins[at]`.
    fn rebalance(&mut self) {
        let wanted = self.quantile * self.total;
        let last = self.bin_count - 1;
        while self.at < last && self.below + self.bin(self.at) < wanted {
            self.below += self.bin(self.at);
            self.at += 1;
        }
        while self.at > 0 && self.below >= wanted {
            self.at -= 1;
            self.below -= self.bin(self.at);
        }
        if self.below < 0.0 {
            self.below = 0.0;
        }
    }

    /// Whether any sample has been recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.total <= 0.0
    }

    /// The delay below which the tracked fraction of the (weighted) samples lie,
    /// interpolated within the bin.
    pub(crate) fn quantile(&self) -> Span {
        let wanted = self.quantile * self.total;
        let bin = self.bin(self.at);
        let within = if bin > 0.0 {
            ((wanted - self.below) / bin).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.bin_width.scale(self.at as f64 + within)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(secs: f64) -> Span {
        Span::from_secs_f64(secs)
    }

    const BOUNDS: TargetBounds = TargetBounds {
        min: Span::ZERO,
        max: Span::from_millis(1000),
        initial: Span::from_millis(100),
    };

    fn time(secs: f64) -> Time {
        Time::default() + span(secs)
    }

    #[test]
    fn a_burst_counts_once_per_interval() {
        let mut st = DelayStatistics::new(
            DelayHistogram::new(400, span(0.001), 0.99, 0.95),
            span(0.5),
            BOUNDS,
        );
        for i in 0..1000 {
            let t = f64::from(i) * 0.02;
            // Packets 500..510 arrive together, 100..300 ms late: one interval's maximum.
            let d = if (500..510).contains(&i) {
                0.1 + f64::from(i - 500) * 0.02
            } else {
                0.005
            };
            st.observe(span(d), time(t));
        }
        assert!(
            st.histogram.quantile().as_secs_f64() < 0.006,
            "q95 {:?}",
            st.histogram.quantile()
        );
        assert!(
            st.histogram.bins.iter().skip(200).sum::<f32>() > 0.0,
            "the spike is still recorded"
        );
    }

    #[test]
    fn the_recent_peak_covers_twelve_seconds_and_follows_the_baseline() {
        let mut st = DelayStatistics::new(
            DelayHistogram::new(400, span(0.001), 0.99, 0.95),
            span(0.1),
            BOUNDS,
        );
        let at = |i: i32| time(f64::from(i) * 0.01);
        // Twelve seconds at 50 ms, then calm at 5 ms.
        for i in 0..1200 {
            st.observe(span(0.050), at(i));
        }
        assert_eq!(st.recent.peaks(), None, "not twelve whole seconds yet");
        for i in 1200..2000 {
            st.observe(span(0.005), at(i));
        }
        assert_eq!(st.recent.peaks(), Some((span(0.050), span(0.050))));
        for i in 2000..2500 {
            st.observe(span(0.005), at(i));
        }
        assert_eq!(st.recent.peaks(), Some((span(0.005), span(0.005))));
        // Six intervals of 20 ms, one 30 ms: the 95 % quantile of 120 is the 6th largest.
        for i in 2500..2570 {
            let d = match i {
                2560 => 0.030,
                _ if i % 10 == 0 => 0.020,
                _ => 0.005,
            };
            st.observe(span(d), at(i));
        }
        // Worked out when the next second starts.
        for i in 2570..2620 {
            st.observe(span(0.005), at(i));
        }
        assert_eq!(st.recent.peaks(), Some((span(0.030), span(0.020))));
        // The baseline moves 2 ms later: the same arrivals are 2 ms less late.
        st.shift(span(0.002));
        assert_eq!(st.recent.peaks(), Some((span(0.028), span(0.018))));
    }

    #[test]
    fn the_recent_quantile_is_the_ranked_interval_maximum_either_way() {
        for (quantile, rank) in [(0.97, 4), (0.5, 60)] {
            let mut peak = RecentPeak::new(quantile);
            assert_eq!(peak.rank, rank);
            for (i, slot) in peak.intervals.iter_mut().enumerate() {
                // A shuffled 0..120 ms.
                *slot = Span::from_millis((i as i64 * 47) % 120);
            }
            assert_eq!(peak.ranked(), Span::from_millis(120 - rank as i64));
        }
    }

    #[test]
    fn quantile_of_uniform_samples() {
        let mut h = DelayHistogram::new(100, span(0.001), 0.9999, 0.95);
        for i in 0..10_000 {
            h.add(span(f64::from(i % 100) * 0.001 + 0.0005));
        }
        let q = h.quantile().as_secs_f64();
        assert!((q - 0.095).abs() < 0.0015, "q95 {q}");
    }

    #[test]
    fn forgetting_follows_a_change() {
        let mut h = DelayHistogram::new(200, span(0.001), 0.999, 0.99);
        for _ in 0..5000 {
            h.add(span(0.150));
        }
        assert!(
            (h.quantile().as_secs_f64() - 0.15).abs() < 0.001,
            "q99 {:?}",
            h.quantile()
        );
        for _ in 0..5000 {
            h.add(span(0.010));
        }
        // After 5000 packets at forget 0.999 the old mass is e^-5 < 1 %.
        assert!(h.quantile().as_secs_f64() < 0.012, "q99 {:?}", h.quantile());
    }

    /// The histogram as it was before its bins were made `f32` and lazily allocated: `f64`
    /// bins, all of them from the start, the quantile found by a scan.
    struct Reference {
        bins: Vec<f64>,
        weight: f64,
        forget: f64,
        quantile: f64,
    }

    impl Reference {
        fn add(&mut self, delay: Span, width: Span) {
            let last = self.bins.len() - 1;
            let index =
                ((delay.non_negative_nanos() / width.non_negative_nanos()) as usize).min(last);
            self.bins[index] += self.weight;
            self.weight /= self.forget;
        }

        fn quantile(&self, width: Span) -> f64 {
            let wanted = self.quantile * self.bins.iter().sum::<f64>();
            let mut below = 0.0;
            for (i, &b) in self.bins.iter().enumerate() {
                if below + b >= wanted && b > 0.0 {
                    return width.as_secs_f64() * (i as f64 + (wanted - below) / b);
                }
                below += b;
            }
            width.as_secs_f64() * (self.bins.len() - 1) as f64
        }
    }

    #[test]
    fn f32_bins_grown_on_demand_give_the_f64_quantile_to_rounding() {
        let width = span(0.001);
        let mut h = DelayHistogram::new(2001, width, 0.9967, 0.97);
        let mut r = Reference {
            bins: vec![0.0; 2001],
            weight: 1.0,
            forget: 0.9967,
            quantile: 0.97,
        };
        let mut seed = 7u64;
        let mut worst: f64 = 0.0;
        // 40,000 intervals: past the first rescale (about 14,000 at this forget factor).
        for i in 0..40_000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            // Mostly 0–60 ms, one in fifty a spike of up to 900 ms.
            let delay = if i % 50 == 7 { u * 0.9 } else { u * 0.06 };
            h.add(span(delay));
            r.add(span(delay), width);
            // The reference's weights overflow nowhere in this run (0.9967^-40000 ≈ 1e57).
            worst = worst.max((h.quantile().as_secs_f64() - r.quantile(width)).abs());
        }
        assert!(worst < 1e-6, "largest difference {worst} s");
        // The spikes reached bin 900: every bin exists now.
        assert_eq!(h.bins.len(), 2001);
    }

    #[test]
    fn the_bins_past_256_ms_come_with_the_first_delay_past_them() {
        let mut h = DelayHistogram::new(2001, span(0.001), 0.9967, 0.97);
        assert_eq!(h.bins.len(), FIRST_BINS);
        for _ in 0..100 {
            h.add(span(0.030));
        }
        h.add(span(0.250));
        assert_eq!(h.bins.len(), FIRST_BINS, "bin 250 is among the first");
        assert!((h.quantile().as_secs_f64() - 0.030).abs() < 0.001);
        h.add(span(0.300));
        assert_eq!(h.bins.len(), 2001);
        // Beyond the last bin: everything above collects in it.
        h.add(span(5.0));
        assert_eq!(h.bins.len(), 2001);
        assert!(h.bins[2000] > 0.0);
        // A small histogram is allocated whole.
        assert_eq!(
            DelayHistogram::new(100, span(0.001), 0.99, 0.9).bins.len(),
            100
        );
    }

    #[test]
    fn rescaling_keeps_the_shape() {
        let mut h = DelayHistogram::new(10, span(0.01), 0.99, 0.9);
        for i in 0..100_000 {
            h.add(span(if i % 2 == 0 { 0.005 } else { 0.055 }));
        }
        assert!(h.weight <= RESCALE_ABOVE);
        assert!(
            (h.quantile().as_secs_f64() - 0.058).abs() < 0.002,
            "q90 {:?}",
            h.quantile()
        );
    }
}
