//! Sequence-number and timestamp unwrapping with the source validation of RFC 3550
//! Appendix A.1.
//!
//! Sequence numbers are 16 bits and timestamps 32 bits; both wrap. The buffer works on
//! 64-bit *extended* values so ordering and distances are plain integer arithmetic. A jump
//! of more than [`MAX_DROPOUT`] is believed only when the next packet confirms it (the
//! sender restarted); until then the packet is discarded, as A.1 prescribes.

/// RFC 3550 A.1: the largest forward jump accepted as ordinary loss.
pub const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: the largest backward step accepted as reordering rather than a restart.
pub const MAX_MISORDER: u16 = 100;

/// Extended values start this far above zero, so reordered packets from before the first
/// one never produce a negative number.
const EXTENDED_ORIGIN: i64 = 1 << 32;

/// What [`SequenceTracker::classify`] concluded about a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqVerdict {
    /// Ahead of (or equal to) everything seen: the new highest, extended.
    Newest(i64),
    /// Within [`MAX_MISORDER`] behind the highest: reordered or duplicated, extended.
    Older(i64),
    /// A large jump, not yet confirmed: discard the packet.
    Jump,
    /// A large jump confirmed by the packet after it: the caller resynchronises.
    Restart,
}

/// Tracks the highest sequence number of a source (RFC 3550 A.1 `max_seq`, `cycles`,
/// `bad_seq`).
#[derive(Debug, Clone)]
pub(crate) struct SequenceTracker {
    max_extended: i64,
    bad_seq: Option<u16>,
}

impl SequenceTracker {
    /// A tracker whose first packet is `seq`.
    pub(crate) fn new(seq: u16) -> Self {
        Self {
            max_extended: EXTENDED_ORIGIN + i64::from(seq),
            bad_seq: None,
        }
    }

    /// The extended highest sequence number.
    pub(crate) fn max_extended(&self) -> i64 {
        self.max_extended
    }

    pub(crate) fn classify(&mut self, seq: u16) -> SeqVerdict {
        let max_seq = self.max_extended as u16;
        let udelta = seq.wrapping_sub(max_seq);
        if udelta < MAX_DROPOUT {
            self.bad_seq = None;
            self.max_extended += i64::from(udelta);
            SeqVerdict::Newest(self.max_extended)
        } else if u32::from(udelta) <= 65536 - u32::from(MAX_MISORDER) {
            if self.bad_seq == Some(seq) {
                SeqVerdict::Restart
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                SeqVerdict::Jump
            }
        } else {
            SeqVerdict::Older(self.max_extended - (65536 - i64::from(udelta)))
        }
    }
}

/// Extends a 32-bit timestamp to the 64-bit value nearest a reference extended timestamp.
pub(crate) fn extend_timestamp(reference: i64, timestamp: u32) -> i64 {
    let delta = timestamp.wrapping_sub(reference as u32) as i32;
    reference + i64::from(delta)
}

/// The extended form of the first timestamp of a stream.
pub(crate) fn first_timestamp(timestamp: u32) -> i64 {
    EXTENDED_ORIGIN + i64::from(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_forward_and_backward() {
        let mut t = SequenceTracker::new(65534);
        let base = t.max_extended();
        assert_eq!(t.classify(65535), SeqVerdict::Newest(base + 1));
        assert_eq!(t.classify(1), SeqVerdict::Newest(base + 3));
        assert_eq!(t.classify(0), SeqVerdict::Older(base + 2));
        assert_eq!(t.classify(65534), SeqVerdict::Older(base));
    }

    #[test]
    fn large_jump_needs_confirmation() {
        let mut t = SequenceTracker::new(100);
        assert_eq!(t.classify(100 + MAX_DROPOUT), SeqVerdict::Jump);
        assert_eq!(t.classify(101), SeqVerdict::Newest(t.max_extended()));
        assert_eq!(t.classify(20_000), SeqVerdict::Jump);
        assert_eq!(t.classify(20_001), SeqVerdict::Restart);
        // A backward step larger than MAX_MISORDER is a jump too, and the packet after it
        // confirms a restart.
        let mut t = SequenceTracker::new(1000);
        assert_eq!(
            t.classify(1000 - MAX_MISORDER + 1),
            SeqVerdict::Older(t.max_extended() - 99)
        );
        assert_eq!(t.classify(1000 - MAX_MISORDER - 1), SeqVerdict::Jump);
        assert_eq!(t.classify(1000 - MAX_MISORDER), SeqVerdict::Restart);
    }

    #[test]
    fn timestamps_extend_across_the_wrap() {
        let r = first_timestamp(u32::MAX - 10);
        assert_eq!(extend_timestamp(r, 5), r + 16);
        assert_eq!(extend_timestamp(r, u32::MAX - 20), r - 10);
    }
}
