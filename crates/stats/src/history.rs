//! A bounded record of which recent packets arrived, arrived twice, or were discarded.
//!
//! RFC 3611 Loss RLE and Duplicate RLE blocks (§4.1, §4.2) describe packet by packet what
//! happened over a range of sequence numbers, and burst/gap metrics (§4.7.2) need the
//! received/lost pattern in sequence order. Both read this ring of bits, indexed by extended
//! sequence number. Its size is fixed when the statistics are created, so recording a packet
//! never allocates.

use crate::Error;

/// The largest history accepted, in packets (2^20 packets = 384 KiB of bits).
pub const MAX_HISTORY: usize = 1 << 20;

/// What [`ReceptionHistory::record`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Record {
    /// First copy of this packet.
    New,
    /// The packet had already been recorded.
    Duplicate,
    /// The packet is older than the history covers.
    TooOld,
}

/// Received / duplicated / discarded bits for the last `len` extended sequence numbers.
#[derive(Debug, Clone)]
pub struct ReceptionHistory {
    received: Vec<u64>,
    duplicated: Vec<u64>,
    discarded: Vec<u64>,
    mask: u64,
    /// Highest extended sequence number seen; `None` before the first packet.
    highest: Option<u64>,
}

impl ReceptionHistory {
    /// A history covering `len` packets, rounded up to a power of two of at least 64.
    pub fn new(len: usize) -> Result<Self, Error> {
        Error::check_len("reception history", len, 1..=MAX_HISTORY)?;
        let bits = len.next_power_of_two().max(64);
        let words = bits / 64;
        Ok(Self {
            received: vec![0; words],
            duplicated: vec![0; words],
            discarded: vec![0; words],
            mask: bits as u64 - 1,
            highest: None,
        })
    }

    /// How many packets the history covers.
    pub fn capacity(&self) -> u64 {
        self.mask + 1
    }

    /// The highest extended sequence number recorded.
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// The oldest extended sequence number still covered.
    pub fn oldest(&self) -> Option<u64> {
        self.highest.map(|h| h.saturating_sub(self.mask))
    }

    fn slot(&self, ext: u64) -> (usize, u64) {
        let i = ext & self.mask;
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn covers(&self, ext: u64) -> bool {
        matches!(self.highest, Some(h) if ext <= h && h - ext <= self.mask)
    }

    /// Moves the window forward so that `ext` is the highest, clearing the slots it reuses.
    /// Returns the previous highest.
    fn advance(&mut self, ext: u64) -> Option<u64> {
        let prev = self.highest;
        let first_new = match prev {
            Some(h) if ext <= h => return prev,
            Some(h) => h + 1,
            None => ext,
        };
        let span = ext - first_new + 1;
        if span > self.mask {
            self.received.fill(0);
            self.duplicated.fill(0);
            self.discarded.fill(0);
        } else {
            for e in first_new..=ext {
                let (w, b) = self.slot(e);
                self.received[w] &= !b;
                self.duplicated[w] &= !b;
                self.discarded[w] &= !b;
            }
        }
        self.highest = Some(ext);
        prev
    }

    /// Records the arrival of packet `ext`.
    pub fn record(&mut self, ext: u64) -> Record {
        self.advance(ext);
        if !self.covers(ext) {
            return Record::TooOld;
        }
        let (w, b) = self.slot(ext);
        if self.received[w] & b != 0 {
            self.duplicated[w] |= b;
            Record::Duplicate
        } else {
            self.received[w] |= b;
            Record::New
        }
    }

    /// Marks packet `ext` as received but discarded (too late for playout, RFC 3611 §4.7.1
    /// "discard rate"). Returns false when the packet is outside the history or was never
    /// recorded as received.
    pub fn mark_discarded(&mut self, ext: u64) -> bool {
        if !self.covers(ext) {
            return false;
        }
        let (w, b) = self.slot(ext);
        if self.received[w] & b == 0 {
            return false;
        }
        self.discarded[w] |= b;
        true
    }

    /// Whether packet `ext` was received, or `None` outside the history.
    pub fn is_received(&self, ext: u64) -> Option<bool> {
        self.covers(ext).then(|| {
            let (w, b) = self.slot(ext);
            self.received[w] & b != 0
        })
    }

    /// Whether packet `ext` arrived more than once, or `None` outside the history.
    pub fn is_duplicated(&self, ext: u64) -> Option<bool> {
        self.covers(ext).then(|| {
            let (w, b) = self.slot(ext);
            self.duplicated[w] & b != 0
        })
    }

    /// Whether packet `ext` was discarded, or `None` outside the history.
    pub fn is_discarded(&self, ext: u64) -> Option<bool> {
        self.covers(ext).then(|| {
            let (w, b) = self.slot(ext);
            self.discarded[w] & b != 0
        })
    }

    /// Forgets everything (after a source restart).
    pub fn clear(&mut self) {
        self.received.fill(0);
        self.duplicated.fill(0);
        self.discarded.fill(0);
        self.highest = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_new_duplicate_and_too_old() {
        let mut h = ReceptionHistory::new(64).unwrap();
        assert_eq!(h.record(1000), Record::New);
        assert_eq!(h.record(998), Record::New);
        assert_eq!(h.record(998), Record::Duplicate);
        assert_eq!(h.is_received(999), Some(false));
        assert_eq!(h.is_duplicated(998), Some(true));
        assert_eq!(h.record(900), Record::TooOld);
        assert_eq!(h.is_received(900), None);
        assert_eq!(h.oldest(), Some(1000 - 63));
    }

    #[test]
    fn reused_slots_are_cleared() {
        let mut h = ReceptionHistory::new(64).unwrap();
        h.record(10);
        assert!(h.mark_discarded(10));
        h.record(74); // reuses slot of 10
        assert_eq!(h.is_received(74 - 64), None);
        assert_eq!(h.is_discarded(74), Some(false));
        assert_eq!(h.record(74), Record::Duplicate);
        h.record(10_000); // far jump clears everything
        assert_eq!(h.is_received(9_999), Some(false));
        assert!(!h.mark_discarded(9_999));
    }

    #[test]
    fn sizes_are_bounded() {
        assert!(matches!(
            ReceptionHistory::new(0),
            Err(Error::WindowTooSmall { .. })
        ));
        assert!(matches!(
            ReceptionHistory::new(MAX_HISTORY + 1),
            Err(Error::WindowTooLarge { .. })
        ));
        assert_eq!(ReceptionHistory::new(100).unwrap().capacity(), 128);
    }
}
