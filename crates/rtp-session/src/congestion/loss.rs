//! The loss-based bound of draft-ietf-rmcat-gcc-02 §6.

use std::time::{Duration, Instant};

/// §6: loss above 10 % decreases, below 2 % increases; evaluated over at least this long
/// and this many packets.
const LOSS_HIGH: f64 = 0.10;
const LOSS_LOW: f64 = 0.02;
const LOSS_PERIOD: Duration = Duration::from_millis(1000);
const LOSS_MIN_PACKETS: u32 = 20;

/// §6: the loss-based bound As.
#[derive(Debug, Clone)]
pub(crate) struct LossBound {
    bound: f64,
    /// As is below the delay-based estimate because of loss; otherwise it follows it.
    limiting: bool,
    lost: u32,
    received: u32,
    since: Option<Instant>,
}

impl LossBound {
    pub(crate) fn new(start: u64) -> Self {
        Self {
            bound: start as f64,
            limiting: false,
            lost: 0,
            received: 0,
            since: None,
        }
    }

    pub(crate) fn on_packet(&mut self, received: bool) {
        if received {
            self.received += 1;
        } else {
            self.lost += 1;
        }
    }

    /// Evaluates the loss since the last evaluation, at most once per [`LOSS_PERIOD`]
    /// and over at least [`LOSS_MIN_PACKETS`]: above 10 % As = As(1 − 0.5p), below 2 %
    /// As = 1.05 As. `ceiling` is the delay-based estimate: As is a bound that never
    /// raises the estimate, and until loss pushes it down, it follows it.
    pub(crate) fn update(&mut self, now: Instant, ceiling: f64) {
        let since = *self.since.get_or_insert(now);
        let total = self.lost + self.received;
        if now.saturating_duration_since(since) >= LOSS_PERIOD && total >= LOSS_MIN_PACKETS {
            let p = f64::from(self.lost) / f64::from(total);
            if p > LOSS_HIGH {
                self.bound = self.bound.min(ceiling) * (1.0 - 0.5 * p);
                self.limiting = true;
            } else if p < LOSS_LOW && self.limiting {
                self.bound *= 1.05;
            }
            self.lost = 0;
            self.received = 0;
            self.since = Some(now);
        }
        if !self.limiting || self.bound >= ceiling {
            self.limiting = false;
            self.bound = ceiling;
        }
    }

    pub(crate) fn bound(&self) -> f64 {
        self.bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second(bound: &mut LossBound, t: Instant, lost: u32, received: u32, ceiling: f64) {
        for _ in 0..lost {
            bound.on_packet(false);
        }
        for _ in 0..received {
            bound.on_packet(true);
        }
        bound.update(t, ceiling);
    }

    #[test]
    fn heavy_loss_cuts_and_light_loss_recovers_by_five_percent_up_to_the_delay_estimate() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut b = LossBound::new(500_000);
        b.update(t0, 500_000.0);
        // 20 % loss over a second: As = 500 k × (1 − 0.1).
        second(&mut b, t0 + s, 20, 80, 500_000.0);
        assert!((b.bound() - 450_000.0).abs() < 1e-6, "{}", b.bound());
        // 5 % (between 2 and 10): unchanged.
        second(&mut b, t0 + s * 2, 5, 95, 500_000.0);
        assert!((b.bound() - 450_000.0).abs() < 1e-6);
        // No loss: +5 % a second until it meets the delay-based estimate, then follows it.
        second(&mut b, t0 + s * 3, 0, 100, 500_000.0);
        assert!((b.bound() - 472_500.0).abs() < 1e-6);
        second(&mut b, t0 + s * 4, 0, 100, 500_000.0);
        assert!((b.bound() - 496_125.0).abs() < 1e-6);
        second(&mut b, t0 + s * 5, 0, 100, 500_000.0);
        assert_eq!(b.bound(), 500_000.0);
        second(&mut b, t0 + s * 6, 0, 100, 640_000.0);
        assert_eq!(b.bound(), 640_000.0);
        // Too few packets: no verdict.
        second(&mut b, t0 + s * 7, 10, 5, 640_000.0);
        assert_eq!(b.bound(), 640_000.0);
    }
}
