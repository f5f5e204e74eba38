//! The NACK generator of one remote source (RFC 4585 §6.2.1).
//!
//! **What is missing** is the jitter buffer's word (`JitterBuffer::missing`: the sequence
//! numbers not received between the next packet to play and the newest received), read
//! after every packet the buffer takes. A number leaves the list when it arrives or when
//! playout passes it.
//!
//! **When to ask.** At once when a gap appears (the packet after it proves it), again
//! after each retry interval (`max(1.5·RTT, 20 ms)`: the answer had time to come), at
//! most `max_nack_retries` times. Never when the answer could not come back in time: a
//! missing packet's playout deadline is estimated when the gap is seen, as the arrival of
//! the packet that revealed it plus the buffer's current playout delay (the missing packet
//! is at or before that packet's frame, so it plays no later), and a request is sent only
//! while `now + RTT` is before it. What can no longer be asked for is dropped and counted.
//!
//! **Bounds.** At most `max_nack_tracked` numbers per source (the oldest are given up
//! first); the list and the scratch space are reused, so a steady stream allocates
//! nothing once they reached their size.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The shortest retry interval, whatever the RTT.
const MIN_RETRY: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy)]
struct Entry {
    seq: u16,
    deadline: Instant,
    sent: u8,
    last_sent: Option<Instant>,
}

/// What a pass over the tracker did, for the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Numbers dropped because the answer would come after the playout deadline.
    pub(crate) too_late: u64,
    /// Numbers dropped after the last retry, or for room.
    pub(crate) given_up: u64,
}

/// The missing packets of one source and when each was asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct NackTracker {
    /// In playout order.
    entries: Vec<Entry>,
    /// The next `entries`, built by `update` (kept to reuse its allocation).
    next: Vec<Entry>,
    scratch: VecDeque<u16>,
    /// The newest sequence number received so far: only numbers after it can become new
    /// requests.
    newest: Option<u16>,
}

impl NackTracker {
    /// Takes the buffer's current list of missing numbers (in playout order) after packet
    /// `seq` arrived; numbers new to the list get `deadline`. Only the newest `max` are
    /// kept.
    ///
    /// A number becomes a request only when it is revealed as a gap, that is when it is
    /// after the newest number received before (what libwebrtc's NACK module does too).
    /// A number dropped as too late or out of retries is never taken up again, and a
    /// buffer that restarted its stream (reporting as missing numbers it already played)
    /// causes no flood of requests.
    pub(crate) fn update(
        &mut self,
        missing: impl Iterator<Item = u16>,
        seq: u16,
        deadline: Instant,
        max: usize,
    ) {
        let previous = self.newest;
        if previous.is_none_or(|n| after(seq, n)) {
            self.newest = Some(seq);
        }
        self.scratch.clear();
        for seq in missing {
            if self.scratch.len() >= max {
                self.scratch.pop_front();
            }
            self.scratch.push_back(seq);
        }
        // Both lists are in playout order: one merge keeps what is still missing with its
        // history and adds what is new.
        self.next.clear();
        let mut old = self.entries.iter().peekable();
        for &seq in &self.scratch {
            // Skip what came before `seq` and is no longer missing.
            while old.next_if(|e| e.seq != seq && after(seq, e.seq)).is_some() {}
            match old.next_if(|e| e.seq == seq) {
                Some(e) => self.next.push(*e),
                None if previous.is_some_and(|n| !after(seq, n)) => {}
                None => self.next.push(Entry {
                    seq,
                    deadline,
                    sent: 0,
                    last_sent: None,
                }),
            }
        }
        std::mem::swap(&mut self.entries, &mut self.next);
    }

    /// True when `seq` is being asked for.
    #[cfg(test)]
    pub(crate) fn is_wanted(&self, seq: u16) -> bool {
        self.entries.iter().any(|e| e.seq == seq)
    }

    /// `seq` arrived (a retransmission): stop asking for it.
    pub(crate) fn received(&mut self, seq: u16) {
        self.entries.retain(|e| e.seq != seq);
    }

    /// The numbers to ask for at `now` with round-trip time `rtt`, appended to `out` in
    /// order; each is marked as asked. Numbers whose answer would be too late, or that
    /// were asked `max_retries` times, are dropped.
    /// At most `limit` numbers are taken; the rest stay due.
    pub(crate) fn due(
        &mut self,
        now: Instant,
        rtt: Duration,
        max_retries: u8,
        limit: usize,
        out: &mut Vec<u16>,
    ) -> Outcome {
        let retry = retry_interval(rtt);
        let mut outcome = Outcome::default();
        self.entries.retain_mut(|e| {
            if now + rtt > e.deadline {
                outcome.too_late += 1;
                return false;
            }
            if e.last_sent.is_some_and(|t| now < t + retry) {
                return true;
            }
            if e.sent >= max_retries {
                outcome.given_up += 1;
                return false;
            }
            if out.len() >= limit {
                return true;
            }
            e.sent += 1;
            e.last_sent = Some(now);
            out.push(e.seq);
            true
        });
        outcome
    }

    /// When the next retry falls due, if any number is waiting.
    pub(crate) fn next_due(&self, rtt: Duration) -> Option<Instant> {
        let retry = retry_interval(rtt);
        self.entries
            .iter()
            .map(|e| {
                e.last_sent
                    .map_or(e.deadline, |t| (t + retry).min(e.deadline))
            })
            .min()
    }

    /// Numbers tracked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// True when sequence number `a` comes after `b` (RFC 3550 arithmetic, half the space).
fn after(a: u16, b: u16) -> bool {
    (a.wrapping_sub(b) as i16) > 0
}

fn retry_interval(rtt: Duration) -> Duration {
    rtt.mul_f64(1.5).max(MIN_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn asks_at_once_then_after_each_retry_interval_until_the_limit() {
        let t0 = Instant::now();
        let mut nack = NackTracker::default();
        nack.update([5u16, 6].into_iter(), 7, t0 + 1000 * MS, 64);
        let mut out = Vec::new();
        let rtt = 50 * MS;
        assert_eq!(nack.due(t0, rtt, 2, 64, &mut out), Outcome::default());
        assert_eq!(out, [5, 6]);
        out.clear();
        nack.due(t0 + 74 * MS, rtt, 2, 64, &mut out);
        assert!(out.is_empty(), "retry interval 75 ms");
        assert_eq!(nack.next_due(rtt), Some(t0 + 75 * MS));
        nack.due(t0 + 75 * MS, rtt, 2, 64, &mut out);
        assert_eq!(out, [5, 6]);
        out.clear();
        let outcome = nack.due(t0 + 150 * MS, rtt, 2, 64, &mut out);
        assert!(out.is_empty());
        assert_eq!(outcome.given_up, 2);
        assert_eq!(nack.len(), 0);
    }

    #[test]
    fn never_asks_when_the_answer_would_miss_playout() {
        let t0 = Instant::now();
        let mut nack = NackTracker::default();
        nack.update([7u16].into_iter(), 8, t0 + 40 * MS, 64);
        let mut out = Vec::new();
        let outcome = nack.due(t0, 50 * MS, 10, 64, &mut out);
        assert!(out.is_empty());
        assert_eq!(outcome.too_late, 1);
    }

    #[test]
    fn arrivals_and_playout_leave_the_list_and_the_bound_holds() {
        let t0 = Instant::now();
        let mut nack = NackTracker::default();
        nack.update([1u16, 2, 3].into_iter(), 4, t0 + 500 * MS, 64);
        let mut out = Vec::new();
        nack.due(t0, 50 * MS, 10, 64, &mut out);
        assert_eq!(out, [1, 2, 3]);
        nack.update([3u16, 9].into_iter(), 10, t0 + 600 * MS, 64);
        assert!(!nack.is_wanted(1) && nack.is_wanted(3) && nack.is_wanted(9));
        // 3 keeps its history (asked at t0), 9 is new.
        out.clear();
        nack.due(t0 + 10 * MS, 50 * MS, 10, 64, &mut out);
        assert_eq!(out, [9]);
        nack.received(3);
        assert!(!nack.is_wanted(3));
        // Numbers at or before the newest received (10) that were not being asked for
        // are not taken up: 1 and 2 (played, or given up) stay out.
        nack.update([1u16, 2, 9, 12].into_iter(), 13, t0 + 600 * MS, 64);
        assert!(!nack.is_wanted(1) && !nack.is_wanted(2));
        assert!(nack.is_wanted(9) && nack.is_wanted(12));
        // Across the sequence wrap, and bounded to the newest 16.
        let mut nack = NackTracker::default();
        nack.update(std::iter::empty(), 65529, t0, 16);
        nack.update((65530u16..=65535).chain(0..20), 20, t0 + 600 * MS, 16);
        assert_eq!(nack.len(), 16);
        assert!(nack.is_wanted(19) && nack.is_wanted(4) && !nack.is_wanted(3));
        assert!(!nack.is_wanted(65535));
    }
}
