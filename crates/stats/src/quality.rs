//! Trend analysis of call quality: the slope of MOS and of loss over the last N intervals.

use crate::Error;
use crate::trend::TrendWindow;

/// Per-interval MOS and loss, and their least-squares slopes per interval.
#[derive(Debug, Clone)]
pub struct QualityTrends {
    interval: u64,
    mos: TrendWindow,
    loss: TrendWindow,
}

impl QualityTrends {
    /// Trends over the last `intervals` intervals (2 to
    /// [`MAX_TREND_WINDOW`](crate::MAX_TREND_WINDOW)).
    pub fn new(intervals: usize) -> Result<Self, Error> {
        Ok(Self {
            interval: 0,
            mos: TrendWindow::new(intervals)?,
            loss: TrendWindow::new(intervals)?,
        })
    }

    /// Adds one reporting interval's MOS and loss fraction; an unknown value leaves a hole
    /// rather than a made-up sample.
    pub fn push_interval(&mut self, mos: Option<f64>, loss_ratio: Option<f64>) {
        let x = self.interval as f64;
        if let Some(v) = mos {
            self.mos.push(x, v);
        }
        if let Some(v) = loss_ratio {
            self.loss.push(x, v);
        }
        self.interval += 1;
    }

    /// MOS change per interval, `None` with fewer than two known values.
    pub fn mos_slope(&self) -> Option<f64> {
        self.mos.slope()
    }

    /// Loss-fraction change per interval.
    pub fn loss_slope(&self) -> Option<f64> {
        self.loss.slope()
    }

    /// Mean MOS over the window.
    pub fn mean_mos(&self) -> Option<f64> {
        self.mos.mean()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_per_interval_skip_unknowns() {
        let mut q = QualityTrends::new(4).unwrap();
        // MOS 4.4, ?, 4.0, 3.8 at intervals 0..3: points (0,4.4) (2,4.0) (3,3.8);
        // x̄ = 5/3, ȳ = 4.0667; Sxy = (−5/3)(0.3333) + (1/3)(−0.0667) + (4/3)(−0.2667)
        //   = −0.5556 − 0.0222 − 0.3556 = −0.9333; Sxx = 25/9 + 1/9 + 16/9 = 42/9
        // → slope = −0.9333 / 4.6667 = −0.2.
        for (mos, loss) in [
            (Some(4.4), Some(0.0)),
            (None, Some(0.01)),
            (Some(4.0), Some(0.02)),
            (Some(3.8), Some(0.03)),
        ] {
            q.push_interval(mos, loss);
        }
        assert!((q.mos_slope().unwrap() + 0.2).abs() < 1e-12);
        assert!((q.loss_slope().unwrap() - 0.01).abs() < 1e-12);
        assert!((q.mean_mos().unwrap() - 12.2 / 3.0).abs() < 1e-12);
        assert_eq!(QualityTrends::new(8).unwrap().mos_slope(), None);
    }
}
