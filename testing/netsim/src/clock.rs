//! Clock drift: a clock that runs at `1 + ppm / 10⁶` times real time.

use std::time::{Duration, Instant};

/// A clock that drifts against real time by a constant rate, as a sender's sound card or
/// camera clock does against a receiver's. Both clocks read the same at `origin`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftingClock {
    origin: Instant,
    ppm: f64,
}

impl DriftingClock {
    /// A clock agreeing with real time at `origin` and running `ppm` parts per million fast
    /// (negative: slow). ±5000 ppm is ±0.5 %.
    pub fn new(origin: Instant, ppm: f64) -> Self {
        Self { origin, ppm }
    }

    /// The drift in parts per million.
    pub fn ppm(&self) -> f64 {
        self.ppm
    }

    /// What this clock reads at real instant `real`.
    pub fn local(&self, real: Instant) -> Instant {
        let elapsed = real.saturating_duration_since(self.origin).as_secs_f64();
        self.origin + secs(elapsed * (1.0 + self.ppm * 1e-6))
    }

    /// The real instant at which this clock reads `local`.
    pub fn real(&self, local: Instant) -> Instant {
        let elapsed = local.saturating_duration_since(self.origin).as_secs_f64();
        self.origin + secs(elapsed / (1.0 + self.ppm * 1e-6))
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_percent_fast_gains_eighteen_seconds_an_hour() {
        let origin = Instant::now();
        let clock = DriftingClock::new(origin, 5000.0);
        let hour = origin + Duration::from_secs(3600);
        let gained = clock.local(hour) - hour;
        assert!(
            (gained.as_secs_f64() - 18.0).abs() < 1e-6,
            "gained {gained:?}"
        );
        let back = clock.real(clock.local(hour));
        assert!(back.max(hour) - back.min(hour) < Duration::from_micros(1));
    }
}
