//! Pacing of outgoing RTP: a leaky bucket that spreads a burst (a video frame's packets)
//! over time at a configured bit rate, so the network sees a smooth flow.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::event::Transmit;

/// The most packets waiting; beyond it the oldest are dropped (a sender far above its
/// pacing rate must adapt, not queue forever).
const MAX_QUEUED: usize = 1024;

/// Queued RTP and the earliest time the next may leave.
#[derive(Debug)]
pub(crate) struct Pacer {
    bytes_per_second: f64,
    next_release: Option<Instant>,
    queue: VecDeque<(Instant, Transmit)>,
}

impl Pacer {
    pub(crate) fn new(bits_per_second: u64) -> Self {
        Self {
            bytes_per_second: (bits_per_second.max(8) as f64) / 8.0,
            next_release: None,
            queue: VecDeque::new(),
        }
    }

    /// Queues `transmit`, sent at `now`, for release at its paced time. Returns true when
    /// the queue was full and its oldest packet was dropped.
    pub(crate) fn push(&mut self, now: Instant, transmit: Transmit) -> bool {
        let release = self.next_release.map_or(now, |t| t.max(now));
        let spacing =
            Duration::from_secs_f64(transmit.contents.len() as f64 / self.bytes_per_second);
        self.next_release = Some(release + spacing);
        let full = self.queue.len() >= MAX_QUEUED;
        if full {
            self.queue.pop_front();
        }
        self.queue.push_back((release, transmit));
        full
    }

    /// When a packet pushed at `now` will be released.
    pub(crate) fn release_time(&self, now: Instant) -> Instant {
        self.next_release.map_or(now, |t| t.max(now))
    }

    /// The next packet due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Transmit> {
        if self.queue.front()?.0 <= now {
            self.queue.pop_front().map(|(_, t)| t)
        } else {
            None
        }
    }

    /// The next queued packet, due or not.
    pub(crate) fn pop_any(&mut self) -> Option<Transmit> {
        self.queue.pop_front().map(|(_, t)| t)
    }

    /// When the next queued packet is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.queue.front().map(|(t, _)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Component;

    fn packet(len: usize) -> Transmit {
        Transmit {
            component: Component::Rtp,
            destination: "192.0.2.1:5004".parse().unwrap(),
            contents: vec![0; len],
        }
    }

    #[test]
    fn a_burst_is_spread_at_the_rate() {
        // 1 Mbit/s = 125 000 B/s: a 1250-byte packet every 10 ms.
        let mut pacer = Pacer::new(1_000_000);
        let t0 = Instant::now();
        for _ in 0..5 {
            pacer.push(t0, packet(1250));
        }
        let mut released = Vec::new();
        let mut now = t0;
        while released.len() < 5 {
            while pacer.pop_due(now).is_some() {
                released.push(now - t0);
            }
            now = pacer.next_due().unwrap_or(now);
        }
        let ms: Vec<u128> = released.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, vec![0, 10, 20, 30, 40]);
    }

    #[test]
    fn an_idle_pacer_sends_at_once() {
        let mut pacer = Pacer::new(1_000_000);
        let t0 = Instant::now();
        pacer.push(t0, packet(1250));
        assert!(pacer.pop_due(t0).is_some());
        let later = t0 + Duration::from_secs(1);
        pacer.push(later, packet(1250));
        assert!(pacer.pop_due(later).is_some());
    }
}
