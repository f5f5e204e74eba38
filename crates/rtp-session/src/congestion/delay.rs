//! The delay-based half of the estimate: packet groups and their inter-group delay
//! variation (draft-ietf-rmcat-gcc-02 §5.1, §5.2), the trend of the accumulated delay
//! (a linear regression over a window, which replaces the Kalman filter of §5.3 as
//! libwebrtc's implementation did), and the over-use detector with its adaptive threshold
//! (§5.4).
//!
//! Everything here runs on the sender from transport-cc results: send times in our clock,
//! arrival times in the receiver's.

use std::time::{Duration, Instant};

/// §5.2: packets sent within this time of a group's first one belong to the group.
const BURST_TIME: Duration = Duration::from_millis(5);
/// §5.2: a packet arriving within this time of the group's last, with a negative delay
/// variation, belongs to it too (a burst the network delivered together)...
const BURST_ARRIVAL: Duration = Duration::from_millis(5);
/// ...as long as the group spans less than this in arrival time.
const MAX_BURST_SPAN: Duration = Duration::from_millis(100);
/// An arrival-time jump this large (a receiver clock reset, a long outage) restarts the
/// groups instead of being read as delay.
const ARRIVAL_JUMP: Duration = Duration::from_secs(3);
/// Regression window, in group deltas, the smoothing of the accumulated delay, and the
/// gain from slope to the value the threshold is compared with.
const WINDOW: usize = 20;
const SMOOTHING: f64 = 0.9;
const TREND_GAIN: f64 = 4.0;
/// §5.4: the threshold's start, bounds, gains up and down, the largest excess that still
/// moves it, and the most time one update may count.
const THRESHOLD_START_MS: f64 = 12.5;
const THRESHOLD_MIN_MS: f64 = 6.0;
const THRESHOLD_MAX_MS: f64 = 600.0;
const K_UP: f64 = 0.01;
const K_DOWN: f64 = 0.00018;
const MAX_EXCESS_MS: f64 = 15.0;
const MAX_UPDATE_MS: f64 = 100.0;
/// §5.4: over-use is signalled after the trend stayed above the threshold this long.
const OVERUSE_TIME_MS: f64 = 10.0;

/// The detector's verdict (§5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The delay trend is within the threshold.
    Normal,
    /// The delay grows: queues are building.
    Overuse,
    /// The delay falls: queues are draining.
    Underuse,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    first_send: Instant,
    last_send: Instant,
    first_arrival: Duration,
    last_arrival: Duration,
}

/// §5.1–5.2: packet groups and the delay variation between consecutive ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Groups {
    current: Option<Group>,
    previous: Option<Group>,
}

/// One inter-group delay variation: d(i) in ms, with the arrival time of the group's
/// last packet and the send-time spacing of the two groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GroupDelta {
    pub(crate) delay_ms: f64,
    pub(crate) arrival: Duration,
    pub(crate) send_delta_ms: f64,
}

impl Groups {
    /// A received packet, in send order. Returns the delta between the two groups before
    /// it when it starts a new group.
    pub(crate) fn on_packet(&mut self, send: Instant, arrival: Duration) -> Option<GroupDelta> {
        let Some(current) = self.current.as_mut() else {
            self.current = Some(Group {
                first_send: send,
                last_send: send,
                first_arrival: arrival,
                last_arrival: arrival,
            });
            return None;
        };
        if send < current.first_send {
            // Sent before the group started: reordered feedback; not used.
            return None;
        }
        if belongs(current, send, arrival) {
            current.last_send = current.last_send.max(send);
            current.last_arrival = current.last_arrival.max(arrival);
            return None;
        }
        let done = *current;
        *current = Group {
            first_send: send,
            last_send: send,
            first_arrival: arrival,
            last_arrival: arrival,
        };
        let delta = self.previous.and_then(|previous| {
            let send_delta = done.last_send.saturating_duration_since(previous.last_send);
            let arrival_delta = done.last_arrival.checked_sub(previous.last_arrival)?;
            if arrival_delta > send_delta + ARRIVAL_JUMP {
                return None;
            }
            Some(GroupDelta {
                delay_ms: ms(arrival_delta) - ms(send_delta),
                arrival: done.last_arrival,
                send_delta_ms: ms(send_delta),
            })
        });
        let jumped = self
            .previous
            .is_some_and(|p| done.last_arrival.checked_sub(p.last_arrival).is_none());
        self.previous = if jumped { None } else { Some(done) };
        delta
    }
}

/// §5.2: whether a packet sent at `send`, arriving at `arrival`, is part of `group`.
fn belongs(group: &Group, send: Instant, arrival: Duration) -> bool {
    if send.saturating_duration_since(group.first_send) <= BURST_TIME {
        return true;
    }
    let arrival_delta = arrival.saturating_sub(group.last_arrival);
    let send_delta = send.saturating_duration_since(group.last_send);
    let variation = ms(arrival_delta) - ms(send_delta);
    variation < 0.0
        && arrival_delta <= BURST_ARRIVAL
        && arrival.saturating_sub(group.first_arrival) < MAX_BURST_SPAN
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The trend of the accumulated delay and the over-use detector (§5.4).
#[derive(Debug, Clone)]
pub(crate) struct Trendline {
    /// Group deltas seen, accumulated and smoothed delay.
    deltas: u32,
    accumulated_ms: f64,
    smoothed_ms: f64,
    /// (arrival ms since the first, smoothed delay ms), a ring of [`WINDOW`].
    points: [(f64, f64); WINDOW],
    filled: usize,
    next: usize,
    first_arrival: Option<Duration>,
    /// The latest slope × gain, and the one before.
    trend: f64,
    previous_trend: f64,
    threshold_ms: f64,
    last_threshold_update: Option<Duration>,
    overuse_ms: Option<f64>,
    overuse_count: u32,
    signal: Signal,
}

impl Default for Trendline {
    fn default() -> Self {
        Self {
            deltas: 0,
            accumulated_ms: 0.0,
            smoothed_ms: 0.0,
            points: [(0.0, 0.0); WINDOW],
            filled: 0,
            next: 0,
            first_arrival: None,
            trend: 0.0,
            previous_trend: 0.0,
            threshold_ms: THRESHOLD_START_MS,
            last_threshold_update: None,
            overuse_ms: None,
            overuse_count: 0,
            signal: Signal::Normal,
        }
    }
}

impl Trendline {
    /// Takes one inter-group delay variation; returns the detector's verdict.
    pub(crate) fn on_delta(&mut self, delta: GroupDelta) -> Signal {
        self.deltas = self.deltas.saturating_add(1);
        self.accumulated_ms += delta.delay_ms;
        self.smoothed_ms = SMOOTHING * self.smoothed_ms + (1.0 - SMOOTHING) * self.accumulated_ms;
        let first = *self.first_arrival.get_or_insert(delta.arrival);
        let x = ms(delta.arrival.saturating_sub(first));
        self.points[self.next] = (x, self.smoothed_ms);
        self.next = (self.next + 1) % WINDOW;
        self.filled = (self.filled + 1).min(WINDOW);
        if self.filled == WINDOW
            && let Some(slope) = slope(&self.points)
        {
            self.previous_trend = self.trend;
            self.trend = slope * f64::from(self.deltas.min(60)) * TREND_GAIN;
        }
        self.detect(delta)
    }

    /// §5.4: compares the trend with the threshold, then adapts the threshold.
    fn detect(&mut self, delta: GroupDelta) -> Signal {
        let m = self.trend;
        if m > self.threshold_ms {
            let over = match self.overuse_ms {
                None => delta.send_delta_ms / 2.0,
                Some(t) => t + delta.send_delta_ms,
            };
            self.overuse_ms = Some(over);
            self.overuse_count += 1;
            if over > OVERUSE_TIME_MS && self.overuse_count > 1 && m >= self.previous_trend {
                self.overuse_ms = Some(0.0);
                self.overuse_count = 0;
                self.signal = Signal::Overuse;
            }
        } else if m < -self.threshold_ms {
            self.overuse_ms = None;
            self.overuse_count = 0;
            self.signal = Signal::Underuse;
        } else {
            self.overuse_ms = None;
            self.overuse_count = 0;
            self.signal = Signal::Normal;
        }
        self.adapt_threshold(m, delta.arrival);
        self.signal
    }

    /// §5.4: del_var_th moves towards |m| — quickly up (K_u), slowly down (K_d) — unless
    /// |m| is far above it (a spike, not a trend); clamped to 6–600 ms.
    fn adapt_threshold(&mut self, m: f64, now: Duration) {
        let last = self.last_threshold_update.replace(now);
        if m.abs() > self.threshold_ms + MAX_EXCESS_MS {
            return;
        }
        let k = if m.abs() < self.threshold_ms {
            K_DOWN
        } else {
            K_UP
        };
        let dt = last.map_or(0.0, |l| ms(now.saturating_sub(l)).min(MAX_UPDATE_MS));
        self.threshold_ms += k * (m.abs() - self.threshold_ms) * dt;
        self.threshold_ms = self.threshold_ms.clamp(THRESHOLD_MIN_MS, THRESHOLD_MAX_MS);
    }

    /// The latest verdict.
    pub(crate) fn signal(&self) -> Signal {
        self.signal
    }
}

/// The least-squares slope of `points`, or `None` when x does not vary.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), &(x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    (den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_split_at_five_milliseconds_of_send_time() {
        let t0 = Instant::now();
        let mut g = Groups::default();
        let ms = Duration::from_millis;
        // Group 1: sent at 0, 2 ms; group 2: at 20, 22; group 3 starts at 40.
        assert_eq!(g.on_packet(t0, ms(100)), None);
        assert_eq!(g.on_packet(t0 + ms(2), ms(103)), None);
        assert_eq!(g.on_packet(t0 + ms(20), ms(121)), None);
        assert_eq!(g.on_packet(t0 + ms(22), ms(127)), None);
        let d = g.on_packet(t0 + ms(40), ms(140)).unwrap();
        // Last packets: sent 2 → 22 (20 ms), arrived 103 → 127 (24 ms): +4 ms.
        assert!((d.delay_ms - 4.0).abs() < 1e-9, "{d:?}");
        assert!((d.send_delta_ms - 20.0).abs() < 1e-9);
        assert_eq!(d.arrival, ms(127));
    }

    #[test]
    fn a_burst_arriving_together_stays_one_group() {
        let t0 = Instant::now();
        let mut g = Groups::default();
        let ms = Duration::from_millis;
        g.on_packet(t0, ms(100));
        // Sent 8 ms later but arrived 1 ms after: queued behind the first; same group.
        assert_eq!(g.on_packet(t0 + ms(8), ms(101)), None);
        assert_eq!(g.on_packet(t0 + ms(30), ms(130)), None);
        assert!(g.on_packet(t0 + ms(60), ms(160)).is_some());
    }

    #[test]
    fn a_growing_delay_is_overuse_and_a_steady_one_is_normal() {
        let mut t = Trendline::default();
        let delta = |i: u32, d: f64| GroupDelta {
            delay_ms: d,
            arrival: Duration::from_millis(u64::from(i) * 20),
            send_delta_ms: 20.0,
        };
        for i in 0..40 {
            assert_eq!(t.on_delta(delta(i, 0.0)), Signal::Normal);
        }
        // Each group arrives 2 ms later than sent: the queue grows 100 ms/s.
        let overuse = (40..80).find(|&i| t.on_delta(delta(i, 2.0)) == Signal::Overuse);
        assert!(overuse.is_some_and(|i| i < 60), "{overuse:?}");
        // Draining: negative variation.
        let underuse = (80..120).find(|&i| t.on_delta(delta(i, -2.0)) == Signal::Underuse);
        assert!(underuse.is_some(), "{underuse:?}");
    }
}
