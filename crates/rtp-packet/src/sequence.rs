//! Sequence-number arithmetic modulo 2¹⁶ and the extended (rollover-counted) sequence number
//! (RFC 3550 §5.1, A.1).
//!
//! Sequence numbers wrap from 65535 to 0, so "newer" means "less than half the number space
//! ahead" (serial-number arithmetic as in RFC 1982). That relation is not transitive, which
//! is why these are functions and not an `Ord` implementation.

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
