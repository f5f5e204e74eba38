//! The replay list (RFC 3711 §3.3.2): a sliding window of received packet indices behind
//! the highest one, as a ring of bits. Checked before authentication, updated only after.

use crate::error::{Error, Result};

/// The smallest replay window RFC 3711 §3.3.2 allows.
pub const MIN_REPLAY_WINDOW: usize = 64;
/// The largest replay window this crate accepts (libsrtp's bound).
pub const MAX_REPLAY_WINDOW: usize = 0x8000;

/// A replay window over packet indices (48-bit for SRTP, 31-bit for SRTCP).
#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    bits: Box<[u64]>,
    size: u64,
    highest: Option<u64>,
}

impl ReplayWindow {
    /// A window accepting indices up to `size - 1` behind the highest.
    pub(crate) fn new(size: usize) -> Self {
        Self {
            bits: vec![0; size.div_ceil(64)].into_boxed_slice(),
            size: size as u64,
            highest: None,
        }
    }

    /// The highest index received, if any.
    pub(crate) fn highest(&self) -> Option<u64> {
        self.highest
    }

    fn capacity(&self) -> u64 {
        self.bits.len() as u64 * 64
    }

    fn slot(&self, index: u64) -> (usize, u64) {
        let pos = index & (self.capacity() - 1);
        ((pos / 64) as usize, 1u64 << (pos % 64))
    }

    /// Whether `index` may be accepted (RFC 3711 §3.3.2); changes nothing.
    pub(crate) fn check(&self, index: u64) -> Result<()> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if index > highest {
            return Ok(());
        }
        if highest - index >= self.size {
            return Err(Error::TooOld { index, highest });
        }
        let (w, m) = self.slot(index);
        if self.bits.get(w).is_some_and(|b| b & m != 0) {
            return Err(Error::Replayed { index });
        }
        Ok(())
    }

    /// Records `index` as received; call only after [`Self::check`] passed and the packet
    /// authenticated.
    pub(crate) fn commit(&mut self, index: u64) {
        match self.highest {
            Some(h) if index <= h => {}
            Some(h) if index - h < self.capacity() => {
                for i in h + 1..=index {
                    let (w, m) = self.slot(i);
                    if let Some(b) = self.bits.get_mut(w) {
                        *b &= !m;
                    }
                }
                self.highest = Some(index);
            }
            _ => {
                self.bits.fill(0);
                self.highest = Some(index);
            }
        }
        let (w, m) = self.slot(index);
        if let Some(b) = self.bits.get_mut(w) {
            *b |= m;
        }
    }

    /// Forgets every received index and restarts at `highest` (used when the caller sets
    /// the rollover counter).
    pub(crate) fn reset(&mut self, highest: Option<u64>) {
        self.bits.fill(0);
        self.highest = highest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_old_indices_are_refused() {
        let mut w = ReplayWindow::new(128);
        w.commit(1000);
        assert_eq!(w.check(1000), Err(Error::Replayed { index: 1000 }));
        assert_eq!(w.check(999), Ok(()));
        assert_eq!(w.check(873), Ok(()));
        assert_eq!(
            w.check(872),
            Err(Error::TooOld {
                index: 872,
                highest: 1000
            })
        );
        w.commit(999);
        assert_eq!(w.check(999), Err(Error::Replayed { index: 999 }));
        w.commit(1200);
        assert_eq!(
            w.check(1000),
            Err(Error::TooOld {
                index: 1000,
                highest: 1200
            })
        );
        assert_eq!(w.check(1199), Ok(()));
        // Slots reused by the ring must have been cleared while advancing.
        assert_eq!(w.check(1128), Ok(()));
    }

    #[test]
    fn a_window_of_another_size_is_honoured() {
        let mut w = ReplayWindow::new(1000);
        w.commit(5000);
        assert_eq!(w.check(4001), Ok(()));
        assert_eq!(
            w.check(4000),
            Err(Error::TooOld {
                index: 4000,
                highest: 5000
            })
        );
        w.commit(4500);
        w.commit(5100);
        assert_eq!(w.check(4500), Err(Error::Replayed { index: 4500 }));
        assert_eq!(w.check(4501), Ok(()));
    }
}
