//! The delay-based rate: the incoming (acknowledged) rate R_hat and the AIMD rate
//! controller of draft-ietf-rmcat-gcc-02 §5.5, driven by the over-use detector's signal.

use std::time::{Duration, Instant};

use super::delay::Signal;

/// §5.5: multiplicative increase per second, and the decrease factor.
const ETA: f64 = 1.08;
const BETA: f64 = 0.85;
/// §5.5: the estimate may not exceed 1.5 × R_hat (plus a little, so that a quiet sender
/// can still start).
const MAX_OVER_INCOMING: f64 = 1.5;
const INCOMING_SLACK_BPS: f64 = 10_000.0;
/// §5.5: the additive increase assumes 30 frames per second of 1,200-byte packets.
const FRAME_RATE: f64 = 30.0;
const PACKET_BITS: f64 = 1200.0 * 8.0;
/// §5.5: response time = 100 ms + RTT.
const RESPONSE_BASE: Duration = Duration::from_millis(100);
/// The incoming rate is measured over this much arrival time (§5.5: 0.5–1 s), in buckets.
const RATE_WINDOW_BUCKETS: usize = 10;
const RATE_BUCKET: Duration = Duration::from_millis(100);
/// No R_hat before this much arrival time was seen.
const RATE_MIN_SPAN: Duration = Duration::from_millis(500);

/// R_hat: bytes received per arrival-time bucket over the last second.
#[derive(Debug, Clone, Default)]
pub(crate) struct IncomingRate {
    buckets: [u64; RATE_WINDOW_BUCKETS],
    /// The bucket index (arrival time / bucket) of the newest bucket.
    newest: Option<u64>,
    first: Option<Duration>,
    latest: Duration,
}

impl IncomingRate {
    /// A packet of `size` bytes arrived at `arrival` (receiver clock).
    pub(crate) fn on_packet(&mut self, arrival: Duration, size: usize) {
        let index = (arrival.as_micros() / RATE_BUCKET.as_micros()) as u64;
        let newest = *self.newest.get_or_insert(index);
        if index > newest {
            let clear = (index - newest).min(RATE_WINDOW_BUCKETS as u64);
            for k in 0..clear {
                self.buckets[((index - k) % RATE_WINDOW_BUCKETS as u64) as usize] = 0;
            }
            self.newest = Some(index);
        } else if newest - index >= RATE_WINDOW_BUCKETS as u64 {
            return;
        }
        self.buckets[(index % RATE_WINDOW_BUCKETS as u64) as usize] += size as u64;
        self.first.get_or_insert(arrival);
        self.latest = self.latest.max(arrival);
    }

    /// Bits per second over the window, once enough arrival time was seen.
    pub(crate) fn bps(&self) -> Option<f64> {
        let span = self.latest.checked_sub(self.first?)?;
        if span < RATE_MIN_SPAN {
            return None;
        }
        let window = (RATE_BUCKET * RATE_WINDOW_BUCKETS as u32).min(span + RATE_BUCKET);
        let bytes: u64 = self.buckets.iter().sum();
        Some(bytes as f64 * 8.0 / window.as_secs_f64())
    }
}

/// §5.5's three states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Hold,
    Increase,
    Decrease,
}

/// The AIMD controller of §5.5.
#[derive(Debug, Clone)]
pub(crate) struct RateControl {
    state: State,
    estimate: f64,
    min: f64,
    max: f64,
    last_update: Option<Instant>,
    last_decrease: Option<Instant>,
    /// The mean and variance (normalised by the mean) of R_hat at decreases: where the
    /// link's capacity was last seen, for the additive increase near it.
    capacity: Option<(f64, f64)>,
}

impl RateControl {
    pub(crate) fn new(start: u64, min: u64, max: u64) -> Self {
        Self {
            state: State::Hold,
            estimate: start as f64,
            min: min as f64,
            max: max as f64,
            last_update: None,
            last_decrease: None,
            capacity: None,
        }
    }

    pub(crate) fn estimate(&self) -> f64 {
        self.estimate
    }

    /// One update at `now` with the detector's `signal`, the incoming rate and the RTT.
    pub(crate) fn update(
        &mut self,
        now: Instant,
        signal: Signal,
        incoming: Option<f64>,
        rtt: Duration,
    ) {
        // §5.5 state transitions: over-use → Decrease; under-use → Hold; normal → Increase
        // (from Hold or Increase; a Decrease holds first).
        self.state = match (signal, self.state) {
            (Signal::Overuse, _) => State::Decrease,
            (Signal::Underuse, _) => State::Hold,
            (Signal::Normal, State::Decrease) => State::Hold,
            (Signal::Normal, _) => State::Increase,
        };
        let dt = self
            .last_update
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        self.last_update = Some(now);
        match self.state {
            State::Hold => {}
            State::Increase => self.increase(dt, incoming, rtt),
            State::Decrease => self.decrease(now, incoming, rtt),
        }
        self.estimate = self.estimate.clamp(self.min, self.max);
    }

    fn increase(&mut self, dt: Duration, incoming: Option<f64>, rtt: Duration) {
        if let (Some(r), Some((mean, var))) = (incoming, self.capacity) {
            // Far above where the link was: it changed; back to multiplicative increase.
            let sd = (var * mean).sqrt();
            if r > mean + 3.0 * sd {
                self.capacity = None;
            }
        }
        let dt_s = dt.as_secs_f64().min(1.0);
        let mut next = if self.capacity.is_some() {
            // Near convergence: about one packet per response time.
            let response = (RESPONSE_BASE + rtt).as_secs_f64();
            let bits_per_frame = self.estimate / FRAME_RATE;
            let packets = (bits_per_frame / PACKET_BITS).ceil().max(1.0);
            let packet_bits = bits_per_frame / packets;
            let alpha = 0.5 * (dt_s / response).min(1.0);
            self.estimate + (alpha * packet_bits).max(1000.0 * dt_s.min(1.0))
        } else {
            self.estimate * ETA.powf(dt_s)
        };
        if let Some(r) = incoming {
            next = next.min((MAX_OVER_INCOMING * r + INCOMING_SLACK_BPS).max(self.estimate));
        }
        self.estimate = next;
    }

    fn decrease(&mut self, now: Instant, incoming: Option<f64>, rtt: Duration) {
        // One decrease per RTT (the previous one has not shown its effect yet).
        let wait = rtt.clamp(Duration::from_millis(10), Duration::from_millis(200));
        if self
            .last_decrease
            .is_some_and(|t| now.saturating_duration_since(t) < wait)
        {
            self.state = State::Hold;
            return;
        }
        self.last_decrease = Some(now);
        let Some(r) = incoming else {
            self.estimate *= BETA;
            self.state = State::Hold;
            return;
        };
        self.estimate = (BETA * r).min(self.estimate);
        // Where the link was: an exponential average of R_hat at decreases.
        self.capacity = Some(match self.capacity {
            None => (r, 0.4),
            Some((mean, var)) => {
                let mean = 0.95 * mean + 0.05 * r;
                let norm = mean.max(1.0);
                let var = 0.95 * var + 0.05 * (mean - r).powi(2) / norm;
                (mean, var.clamp(0.4, 2.5))
            }
        });
        // §5.5: after a decrease, hold.
        self.state = State::Hold;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aimd_increases_eight_percent_a_second_and_decreases_to_085_of_the_incoming_rate() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let rtt = Duration::from_millis(50);
        let mut r = RateControl::new(500_000, 30_000, 10_000_000);
        r.update(t0, Signal::Normal, None, rtt);
        r.update(t0 + s, Signal::Normal, None, rtt);
        assert!((r.estimate() - 540_000.0).abs() < 1e-6, "{}", r.estimate());
        // Never above 1.5 × R_hat + 10 kbit/s.
        r.update(t0 + s * 2, Signal::Normal, Some(300_000.0), rtt);
        assert!(
            (r.estimate() - 540_000.0).abs() < 1e-6,
            "held at {}",
            r.estimate()
        );
        // Over-use: 0.85 × R_hat, then hold.
        r.update(t0 + s * 3, Signal::Overuse, Some(400_000.0), rtt);
        assert!((r.estimate() - 340_000.0).abs() < 1e-6);
        // Near the capacity just seen: additive, about half a packet per response time
        // (not 8 %: that would be 27 kbit/s).
        r.update(t0 + s * 4, Signal::Normal, Some(400_000.0), rtt);
        let step = r.estimate() - 340_000.0;
        assert!((1_000.0..10_000.0).contains(&step), "{step}");
        // Under-use holds.
        let before = r.estimate();
        r.update(t0 + s * 6, Signal::Underuse, Some(400_000.0), rtt);
        assert_eq!(r.estimate(), before);
    }

    #[test]
    fn the_incoming_rate_is_measured_over_the_last_second_of_arrivals() {
        let mut rate = IncomingRate::default();
        // 1,250 bytes every 10 ms = 1 Mbit/s, for 2 s of arrival time.
        for i in 0..200u64 {
            assert_eq!(rate.bps().is_some(), i > 50, "{i}");
            rate.on_packet(Duration::from_millis(1000 + 10 * i), 1250);
        }
        let bps = rate.bps().unwrap();
        assert!((bps - 1_000_000.0).abs() < 20_000.0, "{bps}");
    }
}
