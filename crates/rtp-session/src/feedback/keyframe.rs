//! Keyframe requests of one remote source: PLI (RFC 4585 §6.3.1) or FIR (RFC 5104
//! §4.3.1), asked for by the application or by the jitter buffer's loss of a frame.
//!
//! **Rate limit.** A request goes at most once per `max(keyframe_interval, RTT)`: the
//! sender needs about an RTT to see it and the keyframe needs time to arrive, so asking
//! again sooner only costs bandwidth (and a FIR resent sooner would be a new command).
//! Requests within the interval are counted and dropped; the one sent covers them.
//!
//! **FIR numbering.** Each new FIR carries the next command sequence number for that
//! source (RFC 5104 §4.3.1.2); a received FIR repeating the last number of its requester
//! is a retransmission and is not reported again (`FirSeen`).

use std::time::{Duration, Instant};

/// One source's keyframe-request state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyframeRequester {
    last: Option<Instant>,
    pending: bool,
    fir_sequence: u8,
}

impl KeyframeRequester {
    /// A request at `now`: true when it is taken (pending until sent), false when the
    /// rate limit drops it.
    pub(crate) fn request(&mut self, now: Instant, interval: Duration) -> bool {
        if self.pending {
            return true;
        }
        if self.last.is_some_and(|t| now < t + interval) {
            return false;
        }
        self.pending = true;
        true
    }

    /// True when a request waits to be sent.
    pub(crate) fn is_pending(&self) -> bool {
        self.pending
    }

    /// The pending request went at `now`; returns the FIR command number to use.
    pub(crate) fn sent(&mut self, now: Instant) -> u8 {
        self.pending = false;
        self.last = Some(now);
        let n = self.fir_sequence;
        self.fir_sequence = self.fir_sequence.wrapping_add(1);
        n
    }
}

/// The last FIR command number of each requester (RFC 5104 §4.3.1.2: a FIR repeating it
/// is a retransmission), for at most `max` requesters, the oldest forgotten first. Kept
/// apart from the members: a requester sending reduced-size RTCP may never become one.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirSeen {
    last: Vec<(u32, u8)>,
}

impl FirSeen {
    /// True when `sequence` from `requester` is a new request.
    pub(crate) fn is_new(&mut self, requester: u32, sequence: u8, max: usize) -> bool {
        if let Some(i) = self.last.iter().position(|(r, _)| *r == requester) {
            let (_, previous) = self.last.remove(i);
            self.last.push((requester, sequence));
            return previous != sequence;
        }
        if self.last.len() >= max.max(1) {
            self.last.remove(0);
        }
        self.last.push((requester, sequence));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_request_per_interval_with_increasing_fir_numbers() {
        let t0 = Instant::now();
        let interval = Duration::from_millis(300);
        let mut k = KeyframeRequester::default();
        assert!(k.request(t0, interval));
        assert!(k.request(t0, interval), "merged into the pending one");
        assert_eq!(k.sent(t0), 0);
        assert!(!k.request(t0 + Duration::from_millis(299), interval));
        assert!(!k.is_pending());
        assert!(k.request(t0 + interval, interval));
        assert_eq!(k.sent(t0 + interval), 1);
    }

    #[test]
    fn a_repeated_fir_number_is_a_retransmission() {
        let mut seen = FirSeen::default();
        assert!(seen.is_new(1, 4, 2));
        assert!(!seen.is_new(1, 4, 2));
        assert!(seen.is_new(2, 4, 2), "another requester");
        assert!(seen.is_new(1, 5, 2));
        // Bounded: a third requester evicts the oldest.
        assert!(seen.is_new(3, 0, 2));
        assert_eq!(seen.last.len(), 2);
    }
}
