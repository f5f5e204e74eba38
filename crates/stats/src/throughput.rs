//! Throughput and packet rate over a sliding time window.
//!
//! The window is split into a fixed number of equal slots (allocated once); each packet adds
//! to the slot of its instant, and slots that fall out of the window are zeroed as time
//! advances. Rates are the window's totals divided by the time it covers, so a stream that
//! just started is not reported at a fraction of its real rate.

use std::time::{Duration, Instant};

use crate::Error;

/// The largest number of slots accepted.
pub const MAX_SLOTS: usize = 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    packets: u64,
    bytes: u64,
}

/// Sliding-window packet and bit rates.
#[derive(Debug, Clone)]
pub struct Throughput {
    slots: Vec<Slot>,
    slot_len: Duration,
    start: Option<Instant>,
    /// Index (since `start`, in slot lengths) of the newest slot written.
    newest: u64,
}

impl Throughput {
    /// A window of length `window` split into `slots` slots (1 to [`MAX_SLOTS`]).
    pub fn new(window: Duration, slots: usize) -> Result<Self, Error> {
        Error::check_len("throughput slots", slots, 1..=MAX_SLOTS)?;
        let slot_len = window / slots as u32;
        if slot_len.is_zero() {
            return Err(Error::ZeroDuration {
                what: "throughput window",
            });
        }
        Ok(Self {
            slots: vec![Slot::default(); slots],
            slot_len,
            start: None,
            newest: 0,
        })
    }

    fn index(&self, start: Instant, at: Instant) -> u64 {
        (at.saturating_duration_since(start).as_nanos() / self.slot_len.as_nanos().max(1)) as u64
    }

    fn advance(&mut self, index: u64) {
        if index <= self.newest {
            return;
        }
        let n = self.slots.len() as u64;
        let clear = (index - self.newest).min(n);
        for k in 0..clear {
            let i = ((index - k) % n) as usize;
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = Slot::default();
            }
        }
        self.newest = index;
    }

    /// Counts a packet of `bytes` octets at `at`. Packets older than the window are ignored.
    pub fn record(&mut self, at: Instant, bytes: usize) {
        let start = *self.start.get_or_insert(at);
        let index = self.index(start, at);
        self.advance(index);
        let n = self.slots.len() as u64;
        if index + n <= self.newest {
            return;
        }
        if let Some(slot) = self.slots.get_mut((index % n) as usize) {
            slot.packets += 1;
            slot.bytes += bytes as u64;
        }
    }

    /// Totals over the window ending at `now` and the time they cover.
    fn totals(&mut self, now: Instant) -> Option<(Slot, Duration)> {
        let start = self.start?;
        let index = self.index(start, now);
        self.advance(index);
        let sum = self.slots.iter().fold(Slot::default(), |a, s| Slot {
            packets: a.packets + s.packets,
            bytes: a.bytes + s.bytes,
        });
        // The window is the n − 1 full slots before the current one plus the part of the
        // current slot that has elapsed.
        let elapsed = now.saturating_duration_since(start);
        let current_start = self
            .slot_len
            .saturating_mul(u32::try_from(index).unwrap_or(u32::MAX));
        let full = self.slot_len.saturating_mul(self.slots.len() as u32 - 1);
        let covered = elapsed.min(full + elapsed.saturating_sub(current_start));
        (!covered.is_zero()).then_some((sum, covered))
    }

    /// Packets per second over the window ending at `now`, `None` before any time passed.
    pub fn packet_rate(&mut self, now: Instant) -> Option<f64> {
        self.totals(now)
            .map(|(s, d)| s.packets as f64 / d.as_secs_f64())
    }

    /// Bits per second over the window ending at `now`.
    pub fn bit_rate(&mut self, now: Instant) -> Option<f64> {
        self.totals(now)
            .map(|(s, d)| s.bytes as f64 * 8.0 / d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_stream_rates() {
        // 50 packets/s of 160 bytes (G.711, 20 ms): 64 kbit/s over a 1 s window.
        let t0 = Instant::now();
        let mut t = Throughput::new(Duration::from_secs(1), 10).unwrap();
        for i in 0..100u32 {
            t.record(t0 + Duration::from_millis(20) * i, 160);
        }
        let now = t0 + Duration::from_secs(2);
        assert_eq!(t.packet_rate(now), Some(50.0));
        assert_eq!(t.bit_rate(now), Some(64_000.0));
    }

    #[test]
    fn young_stream_uses_elapsed_time_and_idle_decays_to_zero() {
        let t0 = Instant::now();
        let mut t = Throughput::new(Duration::from_secs(1), 10).unwrap();
        assert_eq!(t.packet_rate(t0), None);
        for i in 0..10u32 {
            t.record(t0 + Duration::from_millis(20) * i, 100);
        }
        // 10 packets in the first 200 ms → 50 packets/s, not 10.
        assert_eq!(t.packet_rate(t0 + Duration::from_millis(200)), Some(50.0));
        assert_eq!(t.packet_rate(t0 + Duration::from_secs(5)), Some(0.0));
    }

    #[test]
    fn bounds() {
        assert!(Throughput::new(Duration::from_secs(1), 0).is_err());
        assert!(Throughput::new(Duration::from_secs(1), MAX_SLOTS + 1).is_err());
        assert!(Throughput::new(Duration::ZERO, 4).is_err());
    }
}
