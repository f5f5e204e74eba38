//! A stream's figures over time for the plots, in buckets of one second.
//!
//! The series is the only per-stream state that grows with the capture's *duration*, so it
//! is bounded: at most [`MAX_BUCKETS`] buckets; when a stream outlasts them, neighbouring
//! buckets are merged in pairs and the bucket width doubles (a two-hour call plots in
//! 2-second buckets). Memory stays a few tens of KiB per stream whatever the capture size.

use std::time::Duration;

/// The most buckets a series keeps.
pub const MAX_BUCKETS: usize = 2048;

/// One bucket's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bucket {
    /// Packets received.
    pub packets: u64,
    /// Packets found missing (sequence gaps opened in this bucket).
    pub lost: u64,
    /// Jitter at the end of the bucket, seconds.
    pub jitter: f64,
    /// Largest inter-arrival gap, seconds.
    pub max_gap: f64,
    /// Sum of inter-arrival gaps, seconds (for the mean).
    pub gap_sum: f64,
}

impl Bucket {
    fn merge(&mut self, other: &Bucket) {
        self.packets += other.packets;
        self.lost += other.lost;
        if other.packets > 0 {
            self.jitter = other.jitter;
        }
        self.max_gap = self.max_gap.max(other.max_gap);
        self.gap_sum += other.gap_sum;
    }

    /// Loss in the bucket, percent of the packets expected in it.
    pub fn loss_percent(&self) -> f64 {
        let expected = self.packets + self.lost;
        if expected == 0 {
            0.0
        } else {
            self.lost as f64 * 100.0 / expected as f64
        }
    }

    /// Mean inter-arrival gap, seconds.
    pub fn mean_gap(&self) -> Option<f64> {
        (self.packets > 0).then(|| self.gap_sum / self.packets as f64)
    }
}

/// Buckets from a start time.
#[derive(Debug, Clone)]
pub struct Series {
    start: Duration,
    width_secs: u64,
    buckets: Vec<Bucket>,
}

impl Series {
    /// An empty series starting at `start`.
    pub fn new(start: Duration) -> Self {
        Self {
            start,
            width_secs: 1,
            buckets: Vec::new(),
        }
    }

    /// Adds a packet at `at`: `lost` packets found missing with it, the gap since the one
    /// before, the jitter after it (seconds).
    pub fn on_packet(&mut self, at: Duration, lost: u64, gap: Duration, jitter: f64) {
        let secs = at.saturating_sub(self.start).as_secs();
        let mut index = (secs / self.width_secs) as usize;
        while index >= MAX_BUCKETS {
            self.halve();
            index = (secs / self.width_secs) as usize;
        }
        if self.buckets.len() <= index {
            self.buckets.resize(index + 1, Bucket::default());
        }
        let b = &mut self.buckets[index];
        b.packets += 1;
        b.lost += lost;
        b.jitter = jitter;
        let g = gap.as_secs_f64();
        b.max_gap = b.max_gap.max(g);
        b.gap_sum += g;
    }

    fn halve(&mut self) {
        let merged: Vec<Bucket> = self
            .buckets
            .chunks(2)
            .map(|pair| {
                let mut b = pair[0];
                if let Some(second) = pair.get(1) {
                    b.merge(second);
                }
                b
            })
            .collect();
        self.buckets = merged;
        self.width_secs *= 2;
    }

    /// Width of a bucket, seconds.
    pub fn width_secs(&self) -> u64 {
        self.width_secs
    }

    /// The buckets, the first starting at the stream's first packet.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_stream_stays_bounded() {
        let mut s = Series::new(Duration::ZERO);
        for sec in 0..10_000u64 {
            s.on_packet(
                Duration::from_secs(sec),
                1,
                Duration::from_millis(20),
                0.001,
            );
        }
        assert!(s.buckets().len() <= MAX_BUCKETS);
        assert_eq!(s.width_secs(), 8);
        assert_eq!(s.buckets().iter().map(|b| b.packets).sum::<u64>(), 10_000);
        assert_eq!(s.buckets()[0].loss_percent(), 50.0);
    }
}
