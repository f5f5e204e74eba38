//! Source validation and sequence-number accounting (RFC 3550 Appendix A.1).
//!
//! A source is accepted only after `min_sequential` packets in sequence (probation). After
//! that, a packet up to `max_dropout` ahead of the highest sequence number advances it (a
//! backwards step counts one more 2^16 cycle), a packet up to `max_misorder` behind it is
//! late or duplicated and still counted, and anything else is a jump that is held until the
//! next packet confirms it, in which case the source is assumed to have restarted.
//!
//! Extended sequence numbers are kept in 64 bits internally, offset by one cycle so that a
//! packet reordered to before the very first one still has a number; the 32-bit value of
//! RFC 3550 (`cycles` + `max_seq`) is derived from it for reports.

/// Tunables of RFC 3550 A.1, with the RFC's values as the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationConfig {
    /// Sequential packets needed before a source is valid (`MIN_SEQUENTIAL`, 2). A value of
    /// 0 behaves like 1: the first packet is accepted at once.
    pub min_sequential: u16,
    /// Largest forward jump still treated as loss rather than a restart (`MAX_DROPOUT`, 3000).
    pub max_dropout: u16,
    /// Largest backward step still treated as a late packet (`MAX_MISORDER`, 100).
    pub max_misorder: u16,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        Self {
            min_sequential: 2,
            max_dropout: 3000,
            max_misorder: 100,
        }
    }
}

/// What [`SequenceTracker::update`] made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqOutcome {
    /// The source is still on probation; the packet is not counted.
    Probation,
    /// The packet is counted. `in_order` is false for a late or duplicated packet.
    Accepted {
        /// The packet's extended sequence number (see [`SequenceTracker::extended_highest`]
        /// for the offset convention).
        extended: u64,
        /// True when the packet advanced the highest sequence number.
        in_order: bool,
    },
    /// A jump beyond `max_dropout` (or back beyond `max_misorder`); dropped unless the next
    /// packet follows it, which then restarts the source.
    BadSequence,
    /// The jump was confirmed: statistics were reset and the packet is the new base.
    Restarted {
        /// The packet's extended sequence number after the reset.
        extended: u64,
    },
}

/// One cycle of 16-bit sequence numbers.
const SEQ_MOD: u64 = 1 << 16;

/// RFC 3550 A.1 per-source sequence state plus the A.3 loss counters.
#[derive(Debug, Clone)]
pub struct SequenceTracker {
    config: ValidationConfig,
    started: bool,
    probation: u16,
    max_seq: u16,
    /// `cycles` of the RFC, as an extended-number offset (includes the internal one-cycle
    /// offset).
    cycles: u64,
    base_seq: u64,
    /// Sequence number that would confirm a jump, or `None` (the RFC's `RTP_SEQ_MOD + 1`).
    bad_seq: Option<u16>,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
}

impl SequenceTracker {
    /// A tracker for a source not yet heard from.
    pub fn new(config: ValidationConfig) -> Self {
        Self {
            config,
            started: false,
            probation: config.min_sequential.max(1),
            max_seq: 0,
            cycles: SEQ_MOD,
            base_seq: 0,
            bad_seq: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> ValidationConfig {
        self.config
    }

    /// RFC 3550 A.1 `init_seq`: `seq` becomes the base and the counters restart.
    fn init_seq(&mut self, seq: u16) {
        self.max_seq = seq;
        self.cycles = SEQ_MOD;
        self.base_seq = SEQ_MOD + u64::from(seq);
        self.bad_seq = None;
        self.received = 0;
        self.expected_prior = 0;
        self.received_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq` for a packet with sequence number `seq`.
    pub fn update(&mut self, seq: u16) -> SeqOutcome {
        if !self.started {
            self.started = true;
            self.max_seq = seq.wrapping_sub(1);
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqOutcome::Accepted {
                        extended: self.extended_max(),
                        in_order: true,
                    };
                }
            } else {
                self.probation = self.config.min_sequential.max(1) - 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    // With a probation of one packet, any packet starts the source.
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqOutcome::Accepted {
                        extended: self.extended_max(),
                        in_order: true,
                    };
                }
            }
            return SeqOutcome::Probation;
        }
        if udelta < self.config.max_dropout {
            if seq < self.max_seq {
                self.cycles += SEQ_MOD;
            }
            self.max_seq = seq;
            self.received += 1;
            SeqOutcome::Accepted {
                extended: self.extended_max(),
                in_order: true,
            }
        } else if u32::from(udelta) <= (1u32 << 16) - u32::from(self.config.max_misorder) {
            if self.bad_seq == Some(seq) {
                tracing::debug!(seq, "RTP sequence jump confirmed; source restarted");
                self.init_seq(seq);
                self.received += 1;
                SeqOutcome::Restarted {
                    extended: self.extended_max(),
                }
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                SeqOutcome::BadSequence
            }
        } else {
            // Late or duplicated: `max_seq - seq` steps behind the highest.
            let behind = u64::from(self.max_seq.wrapping_sub(seq));
            self.received += 1;
            SeqOutcome::Accepted {
                extended: self.extended_max() - behind,
                in_order: false,
            }
        }
    }

    fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    /// True once probation is over.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// The highest extended sequence number as RFC 3550 reports it (cycles in the upper
    /// 16 bits, `max_seq` in the lower), or `None` before the source is valid.
    pub fn extended_highest(&self) -> Option<u32> {
        self.is_valid()
            .then(|| (self.extended_max() - SEQ_MOD) as u32)
    }

    /// The highest extended sequence number in the internal 64-bit numbering used by
    /// [`SeqOutcome`], or `None` before the source is valid.
    pub fn extended_highest_internal(&self) -> Option<u64> {
        self.is_valid().then(|| self.extended_max())
    }

    /// The base (first counted) sequence number in the internal numbering.
    pub fn base_internal(&self) -> Option<u64> {
        self.is_valid().then_some(self.base_seq)
    }

    /// Packets counted since the source became valid (or restarted), duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// RFC 3550 A.3 `expected`: `extended_max - base_seq + 1`.
    pub fn expected(&self) -> u64 {
        if self.is_valid() {
            self.extended_max() + 1 - self.base_seq
        } else {
            0
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

    fn valid_tracker(first: u16) -> SequenceTracker {
        let mut t = SequenceTracker::new(ValidationConfig::default());
        assert_eq!(t.update(first), SeqOutcome::Probation);
        assert!(matches!(
            t.update(first.wrapping_add(1)),
            SeqOutcome::Accepted { .. }
        ));
        t
    }

    #[test]
    fn probation_needs_two_in_sequence_and_restarts_on_a_gap() {
        let mut t = SequenceTracker::new(ValidationConfig::default());
        assert_eq!(t.update(10), SeqOutcome::Probation);
        assert_eq!(t.update(20), SeqOutcome::Probation);
        assert!(!t.is_valid());
        assert_eq!(
            t.update(21),
            SeqOutcome::Accepted {
                extended: SEQ_MOD + 21,
                in_order: true
            }
        );
        assert_eq!(t.extended_highest(), Some(21));
        assert_eq!((t.expected(), t.received()), (1, 1));
    }

    #[test]
    fn wrap_counts_a_cycle_without_a_loss_spike() {
        let mut t = valid_tracker(65533);
        for seq in [65535u16, 0, 1] {
            assert!(matches!(
                t.update(seq),
                SeqOutcome::Accepted { in_order: true, .. }
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
            SeqOutcome::Accepted { in_order: true, .. }
        ));
        // 65535 arrives after 0: one step behind, in the previous cycle.
        assert_eq!(
            t.update(65535),
            SeqOutcome::Accepted {
                extended: SEQ_MOD + 65535,
                in_order: false
            }
        );
        assert_eq!(t.extended_highest(), Some(0x0001_0000));
        assert_eq!((t.expected(), t.received(), t.cumulative_lost()), (3, 3, 0));
    }

    #[test]
    fn jump_is_held_then_confirmed_as_restart() {
        let mut t = valid_tracker(100);
        assert_eq!(t.update(40_000), SeqOutcome::BadSequence);
        assert_eq!(
            t.update(40_001),
            SeqOutcome::Restarted {
                extended: SEQ_MOD + 40_001
            }
        );
        assert_eq!((t.expected(), t.received()), (1, 1));
        // An unconfirmed jump is dropped and the old numbering continues.
        assert_eq!(t.update(5), SeqOutcome::BadSequence);
        assert!(matches!(
            t.update(40_002),
            SeqOutcome::Accepted { in_order: true, .. }
        ));
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

    #[test]
    fn min_sequential_one_accepts_the_first_packet() {
        let mut t = SequenceTracker::new(ValidationConfig {
            min_sequential: 1,
            ..Default::default()
        });
        assert_eq!(
            t.update(7),
            SeqOutcome::Accepted {
                extended: SEQ_MOD + 7,
                in_order: true
            }
        );
        let mut t = SequenceTracker::new(ValidationConfig {
            min_sequential: 0,
            ..Default::default()
        });
        assert!(matches!(t.update(7), SeqOutcome::Accepted { .. }));
    }
}
