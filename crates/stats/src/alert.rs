//! Quality alerts: threshold crossings with hysteresis, reported as events.
//!
//! An alert is raised when a metric crosses its raise level and cleared only when it comes
//! back past a separate clear level, so a value hovering around one threshold produces one
//! event, not a stream of them. An unknown value (no measurement) changes nothing.

use crate::Error;

/// The metrics alerts watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Fraction lost (0–1) in the last interval; high is bad.
    Loss,
    /// Interarrival jitter in milliseconds; high is bad.
    Jitter,
    /// Round-trip time in milliseconds; high is bad.
    Rtt,
    /// Estimated MOS; low is bad.
    Mos,
}

impl Metric {
    const ALL: [Metric; 4] = [Metric::Loss, Metric::Jitter, Metric::Rtt, Metric::Mos];

    fn index(self) -> usize {
        match self {
            Metric::Loss => 0,
            Metric::Jitter => 1,
            Metric::Rtt => 2,
            Metric::Mos => 3,
        }
    }

    fn low_is_bad(self) -> bool {
        self == Metric::Mos
    }
}

/// Raise and clear levels for one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    raise: f64,
    clear: f64,
}

impl Threshold {
    /// Levels for `metric`. For metrics where high is bad the clear level must be below the
    /// raise level; for MOS, above it.
    pub fn new(metric: Metric, raise: f64, clear: f64) -> Result<Self, Error> {
        let ordered = if metric.low_is_bad() {
            clear > raise
        } else {
            clear < raise
        };
        if !ordered || !raise.is_finite() || !clear.is_finite() {
            return Err(Error::InvertedHysteresis { raise, clear });
        }
        Ok(Self { raise, clear })
    }

    /// The raising level.
    pub fn raise(&self) -> f64 {
        self.raise
    }

    /// The clearing level.
    pub fn clear(&self) -> f64 {
        self.clear
    }
}

/// An alert transition.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum AlertEvent {
    /// `metric` crossed its raise level with `value`.
    Raised {
        /// The metric.
        metric: Metric,
        /// The value that crossed.
        value: f64,
    },
    /// `metric` came back past its clear level with `value`.
    Cleared {
        /// The metric.
        metric: Metric,
        /// The value that crossed back.
        value: f64,
    },
}

/// Watches the four metrics; a metric without a threshold is not watched.
#[derive(Debug, Clone, Default)]
pub struct AlertMonitor {
    thresholds: [Option<Threshold>; 4],
    active: [bool; 4],
}

impl AlertMonitor {
    /// A monitor watching nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Typical VoIP levels: loss above 5 % (clear below 2 %), jitter above 30 ms (clear
    /// below 20 ms), RTT above 300 ms (clear below 250 ms) and MOS below 3.6 (clear above
    /// 3.8). These are operator choices, not standard values.
    pub fn voip_defaults() -> Self {
        let mut m = Self::new();
        let levels = [
            (Metric::Loss, 0.05, 0.02),
            (Metric::Jitter, 30.0, 20.0),
            (Metric::Rtt, 300.0, 250.0),
            (Metric::Mos, 3.6, 3.8),
        ];
        for (metric, raise, clear) in levels {
            if let Ok(t) = Threshold::new(metric, raise, clear) {
                m.set_threshold(metric, t);
            }
        }
        m
    }

    /// Sets (or replaces) the threshold of `metric`.
    pub fn set_threshold(&mut self, metric: Metric, threshold: Threshold) {
        if let Some(slot) = self.thresholds.get_mut(metric.index()) {
            *slot = Some(threshold);
        }
    }

    /// Whether the alert of `metric` is currently raised.
    pub fn is_active(&self, metric: Metric) -> bool {
        self.active.get(metric.index()).copied().unwrap_or(false)
    }

    /// The metrics whose alert is raised.
    pub fn active(&self) -> impl Iterator<Item = Metric> + '_ {
        Metric::ALL.into_iter().filter(|m| self.is_active(*m))
    }

    /// Feeds a new value of `metric`; returns the transition it causes, if any.
    pub fn update(&mut self, metric: Metric, value: Option<f64>) -> Option<AlertEvent> {
        let value = value.filter(|v| v.is_finite())?;
        let i = metric.index();
        let threshold = (*self.thresholds.get(i)?)?;
        let active = self.active.get_mut(i)?;
        let low_bad = metric.low_is_bad();
        let past_raise = if low_bad {
            value < threshold.raise
        } else {
            value > threshold.raise
        };
        let past_clear = if low_bad {
            value > threshold.clear
        } else {
            value < threshold.clear
        };
        if !*active && past_raise {
            *active = true;
            tracing::debug!(?metric, value, "quality alert raised");
            Some(AlertEvent::Raised { metric, value })
        } else if *active && past_clear {
            *active = false;
            tracing::debug!(?metric, value, "quality alert cleared");
            Some(AlertEvent::Cleared { metric, value })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hysteresis_gives_one_event_per_crossing() {
        let mut m = AlertMonitor::voip_defaults();
        let losses = [0.01, 0.06, 0.04, 0.055, 0.03, 0.019, 0.04];
        let events: Vec<_> = losses
            .iter()
            .filter_map(|&v| m.update(Metric::Loss, Some(v)))
            .collect();
        assert_eq!(
            events,
            [
                AlertEvent::Raised {
                    metric: Metric::Loss,
                    value: 0.06
                },
                AlertEvent::Cleared {
                    metric: Metric::Loss,
                    value: 0.019
                }
            ]
        );
    }

    #[test]
    fn mos_alerts_on_low_values_and_unknown_changes_nothing() {
        let mut m = AlertMonitor::voip_defaults();
        assert_eq!(
            m.update(Metric::Mos, Some(3.5)),
            Some(AlertEvent::Raised {
                metric: Metric::Mos,
                value: 3.5
            })
        );
        assert_eq!(m.update(Metric::Mos, None), None);
        assert!(m.is_active(Metric::Mos));
        assert_eq!(m.update(Metric::Mos, Some(3.7)), None);
        assert_eq!(
            m.update(Metric::Mos, Some(3.9)),
            Some(AlertEvent::Cleared {
                metric: Metric::Mos,
                value: 3.9
            })
        );
        assert_eq!(m.active().count(), 0);
    }

    #[test]
    fn inverted_levels_are_rejected_and_unwatched_metrics_are_silent() {
        assert!(Threshold::new(Metric::Rtt, 100.0, 150.0).is_err());
        assert!(Threshold::new(Metric::Mos, 3.8, 3.6).is_err());
        assert!(Threshold::new(Metric::Jitter, 30.0, 30.0).is_err());
        let mut m = AlertMonitor::new();
        assert_eq!(m.update(Metric::Rtt, Some(10_000.0)), None);
    }
}
