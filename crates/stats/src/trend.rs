//! Least-squares trends over the last N samples (for MOS, loss and delay trends).
//!
//! A fixed ring of `(x, y)` pairs allocated once; the slope is the ordinary least-squares
//! estimate `Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²`, computed on demand over at most N points.

use crate::Error;

/// The largest window accepted.
pub const MAX_TREND_WINDOW: usize = 4096;

/// The last `capacity` samples of a quantity and their least-squares slope.
#[derive(Debug, Clone)]
pub struct TrendWindow {
    samples: Vec<(f64, f64)>,
    next: usize,
    len: usize,
}

impl TrendWindow {
    /// A window of `capacity` samples (2 to [`MAX_TREND_WINDOW`]).
    pub fn new(capacity: usize) -> Result<Self, Error> {
        Error::check_len("trend window", capacity, 2..=MAX_TREND_WINDOW)?;
        Ok(Self {
            samples: vec![(0.0, 0.0); capacity],
            next: 0,
            len: 0,
        })
    }

    /// Adds a sample at abscissa `x` (for example seconds, or the interval index); non-finite
    /// values are ignored.
    pub fn push(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        if let Some(slot) = self.samples.get_mut(self.next) {
            *slot = (x, y);
        }
        self.next = (self.next + 1) % self.samples.len();
        self.len = (self.len + 1).min(self.samples.len());
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no sample is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn held(&self) -> &[(f64, f64)] {
        self.samples.get(..self.len).unwrap_or(&[])
    }

    /// The least-squares slope dy/dx, or `None` with fewer than two samples or all at the
    /// same x.
    pub fn slope(&self) -> Option<f64> {
        if self.len < 2 {
            return None;
        }
        let n = self.len as f64;
        let (sx, sy) = self
            .held()
            .iter()
            .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
        let (mx, my) = (sx / n, sy / n);
        let (sxy, sxx) = self.held().iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
            (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
        });
        (sxx > 0.0).then(|| sxy / sxx)
    }

    /// The mean of the held y values.
    pub fn mean(&self) -> Option<f64> {
        (self.len > 0).then(|| self.held().iter().map(|&(_, y)| y).sum::<f64>() / self.len as f64)
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }
}

/// Direction of a trend, with a dead band so noise does not read as change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// Slope above the dead band.
    Rising,
    /// Slope within the dead band.
    Steady,
    /// Slope below the dead band.
    Falling,
}

impl Trend {
    /// Classifies `slope` with dead band `±dead_band`.
    pub fn classify(slope: f64, dead_band: f64) -> Self {
        if slope > dead_band {
            Trend::Rising
        } else if slope < -dead_band {
            Trend::Falling
        } else {
            Trend::Steady
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_of_noise_free_ring() {
        let mut w = TrendWindow::new(4).unwrap();
        assert_eq!(w.slope(), None);
        w.push(0.0, 1.0);
        assert_eq!(w.slope(), None);
        // y = 1 + 0.5x at x = 0..3 → slope 0.5.
        for x in 1..4 {
            w.push(x as f64, 1.0 + 0.5 * x as f64);
        }
        assert_eq!(w.slope(), Some(0.5));
        // Push (4, 0): window now x = 1..4, y = 1.5, 2, 2.5, 0.
        // x̄ = 2.5, ȳ = 1.5; Σ(x−x̄)(y−ȳ) = (−1.5)(0) + (−0.5)(0.5) + (0.5)(1) + (1.5)(−1.5)
        //   = −0.25 + 0.5 − 2.25 = −2; Σ(x−x̄)² = 5 → slope −0.4.
        w.push(4.0, 0.0);
        assert!((w.slope().unwrap() + 0.4).abs() < 1e-12);
        assert_eq!(w.mean(), Some(1.5));
    }

    #[test]
    fn bounds_and_classification() {
        assert!(TrendWindow::new(1).is_err());
        assert!(TrendWindow::new(MAX_TREND_WINDOW + 1).is_err());
        let mut w = TrendWindow::new(3).unwrap();
        w.push(1.0, 1.0);
        w.push(1.0, 2.0);
        assert_eq!(w.slope(), None);
        w.push(f64::NAN, 1.0);
        assert_eq!(w.len(), 2);
        assert_eq!(Trend::classify(0.2, 0.1), Trend::Rising);
        assert_eq!(Trend::classify(-0.05, 0.1), Trend::Steady);
        assert_eq!(Trend::classify(-0.2, 0.1), Trend::Falling);
    }
}
