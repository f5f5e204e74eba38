//! Loss accounting (RFC 3550 Appendix A.3) over the shared source validation of A.1.
//!
//! Validation and unwrapping are [`rtp_packet::SequenceTracker`]'s: a source is accepted
//! only after `min_sequential` packets in sequence, a packet up to `max_dropout` ahead
//! advances the highest sequence number, one up to `max_misorder` behind is late or
//! duplicated and still counted, and a bigger jump is held until the next packet confirms
//! it as a restart. [`LossTracker`] adds what A.3 counts on top: the base, packets received
//! and the interval's priors. It unwraps nothing itself, so the session's one unwrap per
//! packet is this one, and the extended number it returns is handed on to the jitter
//! buffer.

use rtp_packet::{SeqVerdict, SequenceTracker, ValidationConfig};

/// RFC 3550 A.1 per-source sequence state plus the A.3 loss counters.
#[derive(Debug, Clone)]
pub struct LossTracker {
    sequence: SequenceTracker,
    /// The base (first counted) extended sequence number, once the source is valid.
    base_seq: Option<u64>,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
}

impl LossTracker {
    /// A tracker for a source not yet heard from.
    pub fn new(config: ValidationConfig) -> Self {
        Self {
            sequence: SequenceTracker::new(config),
            base_seq: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> ValidationConfig {
        self.sequence.config()
    }

    /// RFC 3550 A.1 `update_seq` for a packet with sequence number `seq`, counting it
    /// (A.3) when it is accepted. A restart (or the end of probation) makes the packet the
    /// new base and clears the counters, as A.1 `init_seq` does.
    #[inline]
    pub fn update(&mut self, seq: u16) -> SeqVerdict {
        let verdict = self.sequence.update(seq);
        match verdict {
            SeqVerdict::Accepted { extended, .. } => {
                if self.base_seq.is_none() {
                    self.init(extended);
                }
                self.received += 1;
            }
            SeqVerdict::Restarted { extended } => {
                self.init(extended);
                self.received += 1;
            }
            _ => {}
        }
        verdict
    }

    fn init(&mut self, base: u64) {
        self.base_seq = Some(base);
        self.received = 0;
        self.expected_prior = 0;
        self.received_prior = 0;
    }

    /// True once probation is over.
    pub fn is_valid(&self) -> bool {
        self.sequence.is_valid()
    }

    /// The highest extended sequence number as RFC 3550 reports it (cycles in the upper
    /// 16 bits, `max_seq` in the lower), or `None` before the source is valid.
    pub fn extended_highest(&self) -> Option<u32> {
        self.sequence.extended_highest()
    }

    /// The highest extended sequence number in [`SequenceTracker`]'s numbering (the one of
    /// [`SeqVerdict`]), or `None` before the source is valid.
    pub fn extended_highest_internal(&self) -> Option<u64> {
        self.sequence.highest()
    }

    /// The base (first counted) sequence number in [`SequenceTracker`]'s numbering.
    pub fn base_internal(&self) -> Option<u64> {
        self.base_seq
    }

    /// Packets counted since the source became valid (or restarted), duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// RFC 3550 A.3 `expected`: `extended_max - base_seq + 1`.
    pub fn expected(&self) -> u64 {
        match (self.sequence.highest(), self.base_seq) {
            (Some(highest), Some(base)) => highest + 1 - base,
            _ => 0,
        }
    }

    /// RFC 3550 A.3 cumulative number of packets lost: expected minus received. Signed:
    /// duplicates make it negative.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// RFC 3550 A.3 interval accounting: the counts since the previous call, which become
    /// the new "prior" values.
    pub fn take_interval(&mut self) -> IntervalLoss {
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        IntervalLoss {
            expected: expected_interval,
            received: received_interval,
        }
    }
}

/// Packets expected and received during one reporting interval (RFC 3550 A.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntervalLoss {
    /// `expected_interval`.
    pub expected: u64,
    /// `received_interval` (duplicates included).
    pub received: u64,
}

impl IntervalLoss {
    /// `lost_interval = expected_interval - received_interval`; negative with duplicates.
    pub fn lost(&self) -> i64 {
        self.expected as i64 - self.received as i64
    }

    /// The RR "fraction lost": `(lost_interval << 8) / expected_interval`, zero when nothing
    /// was expected or nothing (net) was lost.
    pub fn fraction_lost(&self) -> u8 {
        let lost = self.lost();
        if self.expected == 0 || lost <= 0 {
            0
        } else {
            // lost <= expected, so the quotient is at most 256; 256 only when all were lost.
            u8::try_from(((lost as u64) << 8) / self.expected).unwrap_or(u8::MAX)
        }
    }

    /// The fraction lost as a ratio in [0, 1], or `None` when nothing was expected.
    pub fn loss_ratio(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.lost().max(0) as f64 / self.expected as f64)
    }
}

/// Clamps a cumulative loss to the signed 24-bit range of the RR field (RFC 3550 §6.4.1:
/// 0x7fffff for positive overflow, 0x800000 for negative).
pub fn clamp_cumulative_lost(lost: i64) -> i32 {
    lost.clamp(-0x80_0000, 0x7f_ffff) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tracker past probation (RFC 3550 A.1, tested in `rtp_packet::sequence`): `first`
    /// was on probation, `first + 1` is the base.
    fn valid_tracker(first: u16) -> LossTracker {
        let mut t = LossTracker::new(ValidationConfig::default());
        for seq in [first, first.wrapping_add(1)] {
            t.update(seq);
        }
        assert_eq!((t.expected(), t.received()), (1, 1));
        t
    }

    #[test]
    fn probation_packets_are_not_counted() {
        let mut t = LossTracker::new(ValidationConfig::default());
        t.update(10);
        t.update(20);
        assert_eq!((t.is_valid(), t.expected(), t.received()), (false, 0, 0));
        t.update(21);
        assert_eq!(
            (t.base_internal(), t.extended_highest()),
            (Some(65536 + 21), Some(21))
        );
        assert_eq!((t.expected(), t.received()), (1, 1));
    }

    #[test]
    fn wrap_counts_a_cycle_without_a_loss_spike() {
        let mut t = valid_tracker(65533);
        for seq in [65535u16, 0, 1] {
            assert!(matches!(
                t.update(seq),
                SeqVerdict::Accepted { in_order: true, .. }
            ));
        }
        assert_eq!(t.extended_highest(), Some(0x0001_0001));
        // 65534, 65535, 0, 1 expected; 65534 received, 65535 received, 0, 1 received — but
        // the base is 65534 (second probation packet), so expected = 4 and received = 4.
        assert_eq!(t.expected(), 4);
        assert_eq!(t.cumulative_lost(), 0);
    }

    #[test]
    fn reorder_across_the_wrap_is_late_not_a_jump() {
        let mut t = valid_tracker(65533); // base 65534
        assert!(matches!(
            t.update(0),
            SeqVerdict::Accepted { in_order: true, .. }
        ));
        // 65535 arrives after 0: one step behind, in the previous cycle.
        assert_eq!(
            t.update(65535),
            SeqVerdict::Accepted {
                extended: 65536 + 65535,
                in_order: false
            }
        );
        assert_eq!(t.extended_highest(), Some(0x0001_0000));
        assert_eq!((t.expected(), t.received(), t.cumulative_lost()), (3, 3, 0));
    }

    #[test]
    fn a_confirmed_restart_starts_the_counts_again() {
        let mut t = valid_tracker(100);
        t.update(103);
        assert_eq!(t.cumulative_lost(), 1);
        t.update(40_000);
        assert_eq!(t.received(), 2, "an unconfirmed jump is not counted");
        t.update(40_001);
        assert_eq!((t.expected(), t.received(), t.cumulative_lost()), (1, 1, 0));
        assert_eq!(
            t.take_interval(),
            IntervalLoss {
                expected: 1,
                received: 1
            }
        );
    }

    #[test]
    fn duplicates_make_cumulative_loss_negative() {
        let mut t = valid_tracker(1); // base 2, received 1
        t.update(3);
        t.update(3);
        t.update(2);
        // expected 2..=3 = 2, received 4 → lost −2.
        assert_eq!(t.cumulative_lost(), -2);
        assert_eq!(clamp_cumulative_lost(t.cumulative_lost()), -2);
        let interval = t.take_interval();
        assert_eq!(interval.lost(), -2);
        assert_eq!(interval.fraction_lost(), 0);
    }

    #[test]
    fn fraction_lost_is_the_rfc_fixed_point() {
        let mut t = valid_tracker(0); // base 1
        for seq in [2u16, 4, 5, 8] {
            t.update(seq);
        }
        // expected 1..=8 = 8, received 1,2,4,5,8 = 5 → lost 3, fraction 3*256/8 = 96.
        let i = t.take_interval();
        assert_eq!(
            (i.expected, i.received, i.lost(), i.fraction_lost()),
            (8, 5, 3, 96)
        );
        assert_eq!(i.loss_ratio(), Some(0.375));
        // Next interval: 9..=12 expected, 9 and 12 received → lost 2 of 4 = 128/256.
        t.update(9);
        t.update(12);
        let i = t.take_interval();
        assert_eq!((i.expected, i.lost(), i.fraction_lost()), (4, 2, 128));
        assert_eq!(t.cumulative_lost(), 5);
    }

    #[test]
    fn cumulative_lost_clamps_to_24_bits() {
        assert_eq!(clamp_cumulative_lost(10_000_000), 0x7f_ffff);
        assert_eq!(clamp_cumulative_lost(-10_000_000), -0x80_0000);
    }
}
