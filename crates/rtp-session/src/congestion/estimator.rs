//! The bandwidth estimate: packet results in, a bit rate out. Composes the delay-based
//! estimate (`delay.rs` groups and trend, `rate.rs` AIMD) and the loss-based bound
//! (`loss.rs`), as draft-ietf-rmcat-gcc-02 §5 and §6 describe: the estimate is the smaller
//! of the two.

use std::time::{Duration, Instant};

use super::PacketResult;
use super::delay::{Groups, Signal, Trendline};
use super::loss::LossBound;
use super::rate::{IncomingRate, RateControl};

/// The RTT assumed until one is measured.
const DEFAULT_RTT: Duration = Duration::from_millis(200);

/// The estimator's state.
#[derive(Debug, Clone)]
pub(crate) struct Estimator {
    groups: Groups,
    trend: Trendline,
    incoming: IncomingRate,
    rate: RateControl,
    loss: LossBound,
    /// Over-use seen in the results of the feedback being processed.
    overuse_seen: bool,
}

impl Estimator {
    pub(crate) fn new(start: u64, min: u64, max: u64) -> Self {
        Self {
            groups: Groups::default(),
            trend: Trendline::default(),
            incoming: IncomingRate::default(),
            rate: RateControl::new(start, min, max),
            loss: LossBound::new(start),
            overuse_seen: false,
        }
    }

    /// One packet's result (in send order within a feedback message).
    pub(crate) fn on_result(&mut self, result: &PacketResult) {
        self.loss.on_packet(result.arrival.is_some());
        let Some(arrival) = result.arrival else {
            return;
        };
        self.incoming.on_packet(arrival, result.size);
        if let Some(delta) = self.groups.on_packet(result.send_time, arrival) {
            self.overuse_seen |= self.trend.on_delta(delta) == Signal::Overuse;
        }
    }

    /// A feedback message was processed at `now`: the rate controller and the loss bound
    /// move.
    pub(crate) fn on_feedback(&mut self, now: Instant, rtt: Option<Duration>) {
        let signal = if self.overuse_seen {
            Signal::Overuse
        } else {
            self.trend.signal()
        };
        self.overuse_seen = false;
        let rtt = rtt.unwrap_or(DEFAULT_RTT);
        self.rate.update(now, signal, self.incoming.bps(), rtt);
        self.loss.update(now, self.rate.estimate());
    }

    /// The estimate, bits per second.
    pub(crate) fn estimate(&self) -> u64 {
        self.rate.estimate().min(self.loss.bound()) as u64
    }
}
