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
//! is a retransmission and is not reported again.

use std::time::{Duration, Instant};

/// One source's keyframe-request state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyframeRequester {
    last: Option<Instant>,
    pending: bool,
    fir_sequence: u8,
    /// The command number of the last FIR this source sent us (as a requester).
    last_fir_received: Option<u8>,
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

    /// A FIR from this source with command number `sequence`: true when it is a new
    /// request, false for a retransmission of the last one.
    pub(crate) fn fir_received(&mut self, sequence: u8) -> bool {
        let new = self.last_fir_received != Some(sequence);
        self.last_fir_received = Some(sequence);
        new
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
        let mut k = KeyframeRequester::default();
        assert!(k.fir_received(4));
        assert!(!k.fir_received(4));
        assert!(k.fir_received(5));
    }
}
