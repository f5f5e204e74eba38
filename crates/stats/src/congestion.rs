//! Congestion indicators: the trend of one-way delay and the trend of loss.
//!
//! A growing queue shows up as relative one-way delay (arrival time minus RTP timestamp,
//! both on the media clock) rising steadily, before any packet is lost; a sustained rise in
//! the loss fraction follows. Both are least-squares slopes over a bounded window
//! ([`TrendWindow`]), so the indicator ignores single outliers.

use std::time::Instant;

use crate::Error;
use crate::jitter::ArrivalClock;
use crate::trend::{Trend, TrendWindow};
use rtp_packet::ClockRate;
use rtp_packet::clock::timestamp_distance;

/// Settings of a [`CongestionMonitor`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CongestionConfig {
    /// Packets over which the delay slope is estimated.
    pub delay_window: usize,
    /// Reporting intervals over which the loss slope is estimated.
    pub loss_window: usize,
    /// Delay slope (ms of added delay per second) above which delay is rising.
    pub delay_slope_ms_per_s: f64,
    /// Loss slope (change of loss fraction per second) above which loss is rising.
    pub loss_slope_per_s: f64,
}

impl Default for CongestionConfig {
    fn default() -> Self {
        Self {
            delay_window: 64,
            loss_window: 8,
            delay_slope_ms_per_s: 5.0,
            loss_slope_per_s: 0.001,
        }
    }
}

/// The indicators at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CongestionState {
    /// Slope of relative one-way delay, ms per second; `None` with too few samples.
    pub delay_slope_ms_per_s: Option<f64>,
    /// Slope of the loss fraction per second; `None` with too few intervals.
    pub loss_slope_per_s: Option<f64>,
    /// Direction of the delay trend (`None` when unknown).
    pub delay_trend: Option<Trend>,
    /// Direction of the loss trend (`None` when unknown).
    pub loss_trend: Option<Trend>,
}

impl CongestionState {
    /// True when delay or loss is rising beyond its dead band.
    pub fn is_congested(&self) -> bool {
        self.delay_trend == Some(Trend::Rising) || self.loss_trend == Some(Trend::Rising)
    }
}

/// Tracks delay and loss trends for one stream.
#[derive(Debug, Clone)]
pub struct CongestionMonitor {
    config: CongestionConfig,
    clock_rate: ClockRate,
    clock: Option<ArrivalClock>,
    origin: Option<Instant>,
    first_transit: Option<u32>,
    delay: TrendWindow,
    loss: TrendWindow,
}

impl CongestionMonitor {
    /// A monitor for a stream with RTP clock rate `clock_rate`.
    pub fn new(clock_rate: ClockRate, config: CongestionConfig) -> Result<Self, Error> {
        Ok(Self {
            config,
            clock_rate,
            clock: None,
            origin: None,
            first_transit: None,
            delay: TrendWindow::new(config.delay_window)?,
            loss: TrendWindow::new(config.loss_window)?,
        })
    }

    fn seconds(&mut self, at: Instant) -> f64 {
        let origin = *self.origin.get_or_insert(at);
        at.saturating_duration_since(origin).as_secs_f64()
    }

    /// Adds a packet's RTP timestamp and arrival.
    pub fn on_packet(&mut self, rtp_timestamp: u32, arrival: Instant) {
        let clock = *self
            .clock
            .get_or_insert_with(|| ArrivalClock::new(arrival, self.clock_rate));
        let transit = clock.ticks(arrival).wrapping_sub(rtp_timestamp);
        let first = *self.first_transit.get_or_insert(transit);
        let relative_ms =
            timestamp_distance(first, transit) as f64 * 1000.0 / f64::from(self.clock_rate.hz());
        let x = self.seconds(arrival);
        self.delay.push(x, relative_ms);
    }

    /// Adds the loss fraction (0–1) of a reporting interval ending at `at`.
    pub fn on_interval(&mut self, at: Instant, loss_ratio: f64) {
        let x = self.seconds(at);
        self.loss.push(x, loss_ratio);
    }

    /// The current indicators.
    pub fn state(&self) -> CongestionState {
        let delay = self.delay.slope();
        let loss = self.loss.slope();
        CongestionState {
            delay_slope_ms_per_s: delay,
            loss_slope_per_s: loss,
            delay_trend: delay.map(|s| Trend::classify(s, self.config.delay_slope_ms_per_s)),
            loss_trend: loss.map(|s| Trend::classify(s, self.config.loss_slope_per_s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A monitor given 40 packets of 8 kHz audio sent every 20 ms and received every
    /// `arrival_ms`, then the loss fraction `loss(k)` of four 5 s intervals.
    fn monitor(arrival_ms: u32, loss: impl Fn(u32) -> Option<f64>) -> CongestionState {
        let t0 = Instant::now();
        let mut m =
            CongestionMonitor::new(ClockRate::NARROWBAND, CongestionConfig::default()).unwrap();
        for i in 0..40u32 {
            m.on_packet(
                i * 160,
                t0 + Duration::from_millis(u64::from(arrival_ms * i)),
            );
        }
        for k in 0..4u32 {
            if let Some(fraction) = loss(k) {
                m.on_interval(t0 + Duration::from_secs(u64::from(5 * k)), fraction);
            }
        }
        m.state()
    }

    #[test]
    fn growing_queue_is_rising_delay() {
        // Each packet waits 1 ms longer than the previous: delay grows 1 ms per 21 ms.
        let s = monitor(21, |_| None);
        assert!(
            (s.delay_slope_ms_per_s.unwrap() - 1000.0 / 21.0).abs() < 0.5,
            "{s:?}"
        );
        assert_eq!(s.delay_trend, Some(Trend::Rising));
        assert_eq!(s.loss_trend, None);
        assert!(s.is_congested());
    }

    #[test]
    fn steady_stream_is_not_congested() {
        let s = monitor(20, |_| Some(0.01));
        assert_eq!(s.delay_trend, Some(Trend::Steady));
        assert_eq!(s.loss_slope_per_s, Some(0.0));
        assert!(!s.is_congested());
    }

    #[test]
    fn rising_loss() {
        // Loss 0 %, 5 %, 10 %, 15 % at 5 s intervals → slope 0.01 per second.
        let s = monitor(20, |k| Some(0.05 * f64::from(k)));
        assert!((s.loss_slope_per_s.unwrap() - 0.01).abs() < 1e-12);
        assert_eq!(s.loss_trend, Some(Trend::Rising));
    }
}
