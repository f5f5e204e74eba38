//! Sequence-number arithmetic modulo 2¹⁶ and the extended (rollover-counted) sequence number
//! (RFC 3550 §5.1, A.1).
//!
//! Sequence numbers wrap from 65535 to 0, so "newer" means "less than half the number space
//! ahead" (serial-number arithmetic as in RFC 1982). That relation is not transitive, which
//! is why these are functions and not an `Ord` implementation.
//!
//! Two unwrappers live here, for two jobs. [`SequenceTracker`] is RFC 3550 A.1's
//! `update_seq`: probation, `MAX_DROPOUT`/`MAX_MISORDER` and a restart confirmed by two
//! sequential packets after a big jump. It is the one a receiver runs, once per packet: the
//! session hands its extended number to the statistics and the jitter buffer, which never
//! unwrap again. [`ExtendedSequence`] places each number in the cycle nearest the highest
//! seen, without validation: for streams already validated or authenticated (payload
//! reassembly, captures). Why not one type: A.1 must refuse and hold packets that a
//! nearest-cycle unwrapper would place, and a reassembler below the session has no use for
//! probation.

/// The signed distance from `from` to `to` going forward, in −32768..=32767: positive when
/// `to` is newer. Exactly half the space apart counts as −32768 (older).
#[inline]
pub const fn distance(from: u16, to: u16) -> i32 {
    to.wrapping_sub(from) as i16 as i32
}

/// True when `a` is newer than `b` (comes after it, modulo 2¹⁶).
#[inline]
pub const fn is_newer(a: u16, b: u16) -> bool {
    distance(b, a) > 0
}

/// Tracks the rollover counter of one stream and extends 16-bit sequence numbers to 64 bits
/// (`rollover_counter << 16 | seq`, RFC 3550 §6.4.1 "extended highest sequence number"),
/// correctly for packets reordered across the 65535 → 0 wrap.
///
/// Each packet is placed in whichever cycle puts it closest to the highest extended number
/// seen so far, so a late 65534 after a 2 that already wrapped stays in the old cycle, and
/// a 0 after a 65535 starts the next one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtendedSequence {
    highest: Option<u64>,
    first_cycle: u32,
}

impl ExtendedSequence {
    /// A tracker that has seen no packet; the first packet is in cycle 0.
    pub const fn new() -> Self {
        Self {
            highest: None,
            first_cycle: 0,
        }
    }

    /// A tracker whose first packet is in cycle `rollover_counter` (for a stream whose
    /// counter is already known, e.g. from SRTP state).
    pub const fn with_rollover_counter(rollover_counter: u32) -> Self {
        Self {
            highest: None,
            first_cycle: rollover_counter,
        }
    }

    /// Extends `seq` and records it. Returns `None` for a packet that would belong to the
    /// cycle before cycle 0 (it precedes the stream's first packet across a wrap).
    #[inline]
    pub fn extend(&mut self, seq: u16) -> Option<u64> {
        let Some(highest) = self.highest else {
            let first = u64::from(self.first_cycle) << 16 | u64::from(seq);
            self.highest = Some(first);
            return Some(first);
        };
        let extended = highest.checked_add_signed(i64::from(distance(highest as u16, seq)))?;
        if extended > highest {
            self.highest = Some(extended);
        }
        Some(extended)
    }

    /// The highest extended sequence number seen.
    pub const fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// The current rollover counter: the cycle of the highest sequence number seen.
    pub const fn rollover_counter(&self) -> u32 {
        match self.highest {
            Some(h) => (h >> 16) as u32,
            None => self.first_cycle,
        }
    }
}

/// RFC 3550 A.1 `MIN_SEQUENTIAL`: packets in sequence before a source is valid.
pub const MIN_SEQUENTIAL: u16 = 2;
/// RFC 3550 A.1 `MAX_DROPOUT`: the largest forward jump accepted as ordinary loss.
pub const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1 `MAX_MISORDER`: the largest backward step accepted as reordering rather
/// than a restart.
pub const MAX_MISORDER: u16 = 100;

/// One cycle of 16-bit sequence numbers (RFC 3550 A.1 `RTP_SEQ_MOD`).
const SEQ_MOD: u64 = 1 << 16;

/// The tunables of RFC 3550 A.1 source validation, with the RFC's values as the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationConfig {
    /// Sequential packets needed before a source is valid ([`MIN_SEQUENTIAL`]). A value of
    /// 0 behaves like 1: the first packet is accepted at once.
    pub min_sequential: u16,
    /// Largest forward jump still treated as loss rather than a restart ([`MAX_DROPOUT`]).
    pub max_dropout: u16,
    /// Largest backward step still treated as a late packet ([`MAX_MISORDER`]).
    pub max_misorder: u16,
}

impl ValidationConfig {
    /// The RFC's values, except that the first packet is accepted at once: for a consumer
    /// (such as a jitter buffer) that trusts its caller to have validated the source.
    pub const NO_PROBATION: Self = Self {
        min_sequential: 1,
        max_dropout: MAX_DROPOUT,
        max_misorder: MAX_MISORDER,
    };
}

impl Default for ValidationConfig {
    fn default() -> Self {
        Self {
            min_sequential: MIN_SEQUENTIAL,
            max_dropout: MAX_DROPOUT,
            max_misorder: MAX_MISORDER,
        }
    }
}

/// What [`SequenceTracker::update`] made of a packet's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeqVerdict {
    /// The source is still on probation; the packet is not counted.
    Probation,
    /// The packet belongs to the stream.
    Accepted {
        /// The packet's extended sequence number (see [`SequenceTracker`] for the
        /// numbering).
        extended: u64,
        /// True when the packet advanced (or repeated) the highest sequence number; false
        /// for a late or duplicated older packet.
        in_order: bool,
    },
    /// A jump beyond `max_dropout` (or back beyond `max_misorder`); dropped unless the next
    /// packet follows it, which then restarts the source.
    BadSequence,
    /// The jump was confirmed: the source restarted and the packet is the new base, in a
    /// numbering that starts again (extended numbers before it are not comparable).
    Restarted {
        /// The packet's extended sequence number after the restart.
        extended: u64,
    },
}

impl SeqVerdict {
    /// The extended sequence number of a packet that belongs to the stream.
    pub const fn extended(self) -> Option<u64> {
        match self {
            Self::Accepted { extended, .. } | Self::Restarted { extended } => Some(extended),
            Self::Probation | Self::BadSequence => None,
        }
    }
}

/// RFC 3550 A.1 source validation and sequence extension for one source: `max_seq`,
/// `cycles`, `bad_seq` and `probation`, as `update_seq` keeps them.
///
/// Extended sequence numbers are 64-bit and start one cycle up (the first packet of cycle
/// 0 is `65536 + seq`), so a packet reordered to before the very first one still has a
/// number; [`SequenceTracker::extended_highest`] gives the RFC's 32-bit value for reports.
/// Every layer above unwraps with this one tracker, once per packet, and passes the
/// extended number on.
#[derive(Debug, Clone)]
pub struct SequenceTracker {
    config: ValidationConfig,
    started: bool,
    probation: u16,
    max_seq: u16,
    /// `cycles` of the RFC, plus the one-cycle offset of the numbering.
    cycles: u64,
    /// Sequence number that would confirm a jump, or `None` (the RFC's `RTP_SEQ_MOD + 1`).
    bad_seq: Option<u16>,
}

impl SequenceTracker {
    /// A tracker for a source not yet heard from.
    pub const fn new(config: ValidationConfig) -> Self {
        Self {
            config,
            started: false,
            probation: if config.min_sequential == 0 {
                1
            } else {
                config.min_sequential
            },
            max_seq: 0,
            cycles: SEQ_MOD,
            bad_seq: None,
        }
    }

    /// The configuration in use.
    pub const fn config(&self) -> ValidationConfig {
        self.config
    }

    /// RFC 3550 A.1 `init_seq`: `seq` becomes the base.
    fn init_seq(&mut self, seq: u16) -> u64 {
        self.max_seq = seq;
        self.cycles = SEQ_MOD;
        self.bad_seq = None;
        self.extended_max()
    }

    /// RFC 3550 A.1 `update_seq` for a packet with sequence number `seq`.
    #[inline]
    pub fn update(&mut self, seq: u16) -> SeqVerdict {
        if !self.started {
            self.started = true;
            self.max_seq = seq.wrapping_sub(1);
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
            } else {
                // A gap restarts the run; with a run of one, this packet completes it.
                self.probation = self.config.min_sequential.max(1) - 1;
            }
            self.max_seq = seq;
            if self.probation > 0 {
                return SeqVerdict::Probation;
            }
            let extended = self.init_seq(seq);
            return SeqVerdict::Accepted {
                extended,
                in_order: true,
            };
        }
        if udelta < self.config.max_dropout {
            if seq < self.max_seq {
                self.cycles += SEQ_MOD;
            }
            self.max_seq = seq;
            SeqVerdict::Accepted {
                extended: self.extended_max(),
                in_order: true,
            }
        } else if u32::from(udelta) <= (1u32 << 16) - u32::from(self.config.max_misorder) {
            if self.bad_seq == Some(seq) {
                tracing::debug!(seq, "RTP sequence jump confirmed; source restarted");
                SeqVerdict::Restarted {
                    extended: self.init_seq(seq),
                }
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                SeqVerdict::BadSequence
            }
        } else {
            // Late or duplicated: `max_seq - seq` steps behind the highest.
            let behind = u64::from(self.max_seq.wrapping_sub(seq));
            SeqVerdict::Accepted {
                extended: self.extended_max() - behind,
                in_order: false,
            }
        }
    }

    fn extended_max(&self) -> u64 {
        self.cycles + u64::from(self.max_seq)
    }

    /// True once probation is over.
    pub const fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// The highest extended sequence number in this tracker's numbering, or `None` before
    /// the source is valid.
    pub fn highest(&self) -> Option<u64> {
        self.is_valid().then(|| self.extended_max())
    }

    /// The highest extended sequence number as RFC 3550 §6.4.1 reports it (cycles in the
    /// upper 16 bits, `max_seq` in the lower), or `None` before the source is valid.
    pub fn extended_highest(&self) -> Option<u32> {
        self.highest().map(|h| (h - SEQ_MOD) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The extended number of `seq` in the first cycle.
    const fn first(seq: u16) -> u64 {
        SEQ_MOD + seq as u64
    }

    fn valid_tracker(first: u16) -> SequenceTracker {
        let mut t = SequenceTracker::new(ValidationConfig::default());
        assert_eq!(t.update(first), SeqVerdict::Probation);
        assert!(matches!(
            t.update(first.wrapping_add(1)),
            SeqVerdict::Accepted { .. }
        ));
        t
    }

    #[test]
    fn probation_needs_two_in_sequence_and_restarts_on_a_gap() {
        let mut t = SequenceTracker::new(ValidationConfig::default());
        assert_eq!(t.update(10), SeqVerdict::Probation);
        assert_eq!(t.update(20), SeqVerdict::Probation);
        assert!(!t.is_valid());
        assert_eq!(t.extended_highest(), None);
        assert_eq!(
            t.update(21),
            SeqVerdict::Accepted {
                extended: first(21),
                in_order: true
            }
        );
        assert_eq!(t.extended_highest(), Some(21));
    }

    #[test]
    fn wraps_forward_and_backward() {
        let mut t = SequenceTracker::new(ValidationConfig::NO_PROBATION);
        let base = t.update(65534).extended().expect("accepted at once");
        assert_eq!(base, first(65534));
        let got = [65535, 1, 0, 65534].map(|s| t.update(s));
        assert_eq!(
            got,
            [
                SeqVerdict::Accepted {
                    extended: base + 1,
                    in_order: true
                },
                SeqVerdict::Accepted {
                    extended: base + 3,
                    in_order: true
                },
                SeqVerdict::Accepted {
                    extended: base + 2,
                    in_order: false
                },
                SeqVerdict::Accepted {
                    extended: base,
                    in_order: false
                },
            ]
        );
        assert_eq!(t.extended_highest(), Some(0x0001_0001));
    }

    #[test]
    fn jump_is_held_then_confirmed_as_restart() {
        let mut t = valid_tracker(100);
        assert_eq!(t.update(40_000), SeqVerdict::BadSequence);
        assert_eq!(
            t.update(40_001),
            SeqVerdict::Restarted {
                extended: first(40_001)
            }
        );
        // An unconfirmed jump is dropped and the old numbering continues.
        assert_eq!(t.update(5), SeqVerdict::BadSequence);
        assert_eq!(
            t.update(40_002),
            SeqVerdict::Accepted {
                extended: first(40_002),
                in_order: true
            }
        );
    }

    #[test]
    fn a_jump_is_confirmed_by_its_successor_even_after_in_order_packets() {
        // RFC 3550 A.1 keeps `bad_seq` across in-order packets.
        let mut t = valid_tracker(100);
        assert_eq!(t.update(100 + MAX_DROPOUT + 1), SeqVerdict::BadSequence);
        assert!(matches!(
            t.update(102),
            SeqVerdict::Accepted { in_order: true, .. }
        ));
        assert_eq!(
            t.update(100 + MAX_DROPOUT + 2),
            SeqVerdict::Restarted {
                extended: first(100 + MAX_DROPOUT + 2)
            }
        );
    }

    #[test]
    fn a_backward_step_beyond_max_misorder_is_a_jump() {
        let mut t = valid_tracker(999);
        assert_eq!(
            t.update(1000 - MAX_MISORDER + 1),
            SeqVerdict::Accepted {
                extended: first(1000) - 99,
                in_order: false
            }
        );
        assert_eq!(t.update(1000 - MAX_MISORDER - 1), SeqVerdict::BadSequence);
        assert_eq!(
            t.update(1000 - MAX_MISORDER),
            SeqVerdict::Restarted {
                extended: first(1000 - MAX_MISORDER)
            }
        );
    }

    #[test]
    fn min_sequential_zero_or_one_accepts_the_first_packet() {
        for min_sequential in [0, 1] {
            let mut t = SequenceTracker::new(ValidationConfig {
                min_sequential,
                ..Default::default()
            });
            assert_eq!(
                t.update(7),
                SeqVerdict::Accepted {
                    extended: first(7),
                    in_order: true
                }
            );
        }
    }
}
