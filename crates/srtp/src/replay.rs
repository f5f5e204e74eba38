//! The replay list (RFC 3711 §3.3.2): a sliding window of packet indices behind the
//! highest one, as a ring of bits. Checked before authentication, updated only after.
//! A sender keeps one too, over the indices it has protected, and refuses to use one
//! twice.
//!
//! **One window for the workspace.** SRTP, SRTCP and DTLS records (RFC 6347 §4.1.2.6)
//! all need the same thing: accept an index at most `size - 1` behind the highest once,
//! refuse anything older. The type is public so that `dtls`, which depends on this crate
//! for its key export already, uses it for its record layer instead of keeping a second
//! bitmap with its own edge cases. Its size is clamped to
//! [`MIN_REPLAY_WINDOW`]`..=`[`MAX_REPLAY_WINDOW`] rather than checked with a `Result`:
//! every caller picks a constant or a validated [`crate::Config`] value, and a clamp
//! keeps the memory bounded (at most 4 KiB of bits) without an error path nobody can
//! reach. Check and commit are separate so that a packet or record that fails
//! authentication changes nothing.
//!
//! The ring has exactly one bit per index of the window: `size` bits in
//! `ceil(size / 64)` words, the highest index at bit `head` and an index `d` behind it at
//! bit `head - d` modulo `size`. A window of `size` consecutive indices therefore never
//! has two indices on one bit, whatever `size` is. (An earlier ring rounded the storage
//! up to whole words and masked indices with `capacity - 1`, which is a modulus only for
//! powers of two: with 192, 320 or 1500 two indices inside the window shared a bit and a
//! replay passed.) Positions are kept relative to `head`, so no division is needed;
//! advancing clears the bits of the indices skipped a word at a time, so a jump costs at
//! most `size / 64` word writes, and nothing is allocated after `new`.

use crate::error::{Error, Result};

/// The smallest replay window RFC 3711 §3.3.2 allows.
pub const MIN_REPLAY_WINDOW: usize = 64;
/// The largest replay window this crate accepts (libsrtp's bound).
pub const MAX_REPLAY_WINDOW: usize = 0x8000;

/// A replay window over packet indices (48-bit for SRTP, 31-bit for SRTCP, 48-bit
/// sequence numbers for DTLS records): [`check`](Self::check) before authenticating,
/// [`commit`](Self::commit) after.
///
/// ```
/// use srtp::{Error, ReplayWindow};
///
/// let mut w = ReplayWindow::new(64);
/// w.check(100).unwrap();
/// w.commit(100);
/// assert_eq!(w.check(100), Err(Error::Replayed { index: 100 }));
/// assert_eq!(w.check(37), Ok(()));
/// assert_eq!(w.check(36), Err(Error::TooOld { index: 36, highest: 100 }));
/// ```
#[derive(Debug, Clone)]
pub struct ReplayWindow {
    /// One bit per index of the window.
    bits: Box<[u64]>,
    size: u64,
    /// The bit of the highest index, below `size`.
    head: u64,
    highest: Option<u64>,
}

impl ReplayWindow {
    /// A window accepting indices up to `size - 1` behind the highest, `size` clamped to
    /// [`MIN_REPLAY_WINDOW`]`..=`[`MAX_REPLAY_WINDOW`] (64 to 32768 indices).
    pub fn new(size: usize) -> Self {
        let size = size.clamp(MIN_REPLAY_WINDOW, MAX_REPLAY_WINDOW);
        Self {
            bits: vec![0; size.div_ceil(64)].into_boxed_slice(),
            size: size as u64,
            head: 0,
            highest: None,
        }
    }

    /// The highest index committed, if any.
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// How many indices the window spans: an index at most `size() - 1` behind the
    /// highest can still be accepted.
    pub fn size(&self) -> usize {
        self.size as usize
    }

    /// The word and mask of the index `behind` (< size) indices behind the highest.
    fn slot(&self, behind: u64) -> (usize, u64) {
        let pos = if self.head >= behind {
            self.head - behind
        } else {
            self.head + self.size - behind
        };
        ((pos / 64) as usize, 1u64 << (pos % 64))
    }

    /// Clears `count` (< size) consecutive bits from position `pos` on, wrapping at
    /// `size`, a word at a time.
    fn clear(&mut self, mut pos: u64, mut count: u64) {
        while count > 0 {
            if pos >= self.size {
                pos -= self.size;
            }
            let bit = pos % 64;
            let n = count.min(64 - bit).min(self.size - pos);
            let mask = if n == 64 {
                !0
            } else {
                ((1u64 << n) - 1) << bit
            };
            if let Some(w) = self.bits.get_mut((pos / 64) as usize) {
                *w &= !mask;
            }
            pos += n;
            count -= n;
        }
    }

    /// Whether `index` may be accepted (RFC 3711 §3.3.2): newer than the highest, or
    /// within the window and not yet committed. Changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Replayed`] for an index already committed, [`Error::TooOld`] for one
    /// `size()` or more behind the highest.
    pub fn check(&self, index: u64) -> Result<()> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if index > highest {
            return Ok(());
        }
        let behind = highest - index;
        if behind >= self.size {
            return Err(Error::TooOld { index, highest });
        }
        let (w, m) = self.slot(behind);
        if self.bits.get(w).is_some_and(|b| b & m != 0) {
            return Err(Error::Replayed { index });
        }
        Ok(())
    }

    /// Records `index` as received; call only after [`Self::check`] passed and the packet
    /// authenticated. An index newer than the highest slides the window forward; one
    /// behind the window is ignored.
    pub fn commit(&mut self, index: u64) {
        let behind = match self.highest {
            Some(h) if index <= h => h - index,
            Some(h) if index - h < self.size => {
                let ahead = index - h;
                self.clear(self.head + 1, ahead);
                self.head += ahead;
                if self.head >= self.size {
                    self.head -= self.size;
                }
                self.highest = Some(index);
                0
            }
            _ => {
                self.bits.fill(0);
                self.head = 0;
                self.highest = Some(index);
                0
            }
        };
        if behind < self.size {
            let (w, m) = self.slot(behind);
            if let Some(b) = self.bits.get_mut(w) {
                *b |= m;
            }
        }
    }

    /// Forgets every received index and restarts at `highest` (used when the caller sets
    /// the rollover counter).
    pub(crate) fn reset(&mut self, highest: Option<u64>) {
        self.bits.fill(0);
        self.head = 0;
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

    /// Every window size behaves as RFC 3711 §3.3.2 says, checked against a plain model
    /// (the set of committed indices and the highest): an index up to `size - 1` behind
    /// the highest is accepted once, one `size` or more behind is too old, a newer one is
    /// accepted. Sizes that are not powers of two used to alias slots inside the window.
    #[test]
    fn every_size_checks_exactly_size_indices_behind_the_highest() {
        for size in [
            64u64,
            128,
            192,
            320,
            1000,
            1500,
            MAX_REPLAY_WINDOW as u64 - 1,
        ] {
            let mut w = ReplayWindow::new(size as usize);
            let mut seen = std::collections::BTreeSet::new();
            let mut highest = 0u64;
            let mut rng = 0x9e37_79b9_7f4a_7c15u64;
            let mut next = |n: u64| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng % n
            };
            let start = 1u64 << 20;
            w.commit(start);
            seen.insert(start);
            highest = highest.max(start);
            for step in 0..3000 {
                // Mostly small steps forward, some late packets, some jumps of about
                // the window size, some replays.
                let index = match next(10) {
                    0..=4 => highest + 1 + next(3),
                    5 | 6 => highest.saturating_sub(next(size + 2)),
                    7 => highest + size - 2 + next(5),
                    _ => *seen
                        .iter()
                        .nth_back(next(seen.len().min(40) as u64) as usize)
                        .unwrap(),
                };
                let model = if index > highest {
                    Ok(())
                } else if highest - index >= size {
                    Err(Error::TooOld { index, highest })
                } else if seen.contains(&index) {
                    Err(Error::Replayed { index })
                } else {
                    Ok(())
                };
                assert_eq!(
                    w.check(index),
                    model,
                    "size {size}, step {step}, index {index}"
                );
                if model.is_ok() {
                    w.commit(index);
                    seen.insert(index);
                    highest = highest.max(index);
                }
                // The edges, every time: the oldest index the window holds and the one
                // just behind it.
                let oldest = highest + 1 - size;
                let want = if seen.contains(&oldest) {
                    Err(Error::Replayed { index: oldest })
                } else {
                    Ok(())
                };
                assert_eq!(w.check(oldest), want, "size {size}, step {step}, oldest");
                assert_eq!(
                    w.check(oldest - 1),
                    Err(Error::TooOld {
                        index: oldest - 1,
                        highest
                    }),
                    "size {size}, step {step}"
                );
            }
        }
    }

    /// The record-layer case DTLS relies on (RFC 6347 §4.1.2.6, a 64-record window): out
    /// of order within the window is accepted once, 65 behind is refused, and a jump past
    /// the whole window forgets everything behind it.
    #[test]
    fn a_64_window_slides_as_dtls_needs() {
        let mut w = ReplayWindow::new(64);
        assert_eq!(w.check(5), Ok(()));
        w.commit(5);
        assert_eq!(w.check(5), Err(Error::Replayed { index: 5 }));
        w.commit(3);
        assert_eq!(w.check(3), Err(Error::Replayed { index: 3 }));
        w.commit(70);
        assert_eq!(
            w.check(5),
            Err(Error::TooOld {
                index: 5,
                highest: 70
            })
        );
        assert_eq!(w.check(7), Ok(()));
        assert_eq!(w.check(70), Err(Error::Replayed { index: 70 }));
        w.commit(200);
        assert_eq!(w.check(199), Ok(()));
        assert_eq!(w.check(137), Ok(()));
        assert_eq!(
            w.check(136),
            Err(Error::TooOld {
                index: 136,
                highest: 200
            })
        );
    }

    #[test]
    fn sizes_are_clamped_to_the_bounds() {
        assert_eq!(ReplayWindow::new(0).size(), MIN_REPLAY_WINDOW);
        assert_eq!(ReplayWindow::new(usize::MAX).size(), MAX_REPLAY_WINDOW);
        assert_eq!(ReplayWindow::new(1000).size(), 1000);
        assert_eq!(ReplayWindow::new(64).highest(), None);
    }

    /// A counterexample for a 192-packet window: the old ring indexed slots with
    /// `index & 191`, under which 1024 and 1088 (64 apart, well inside the window) share
    /// slot 0, so advancing past 1088 forgot 1024 and its replay passed.
    #[test]
    fn a_192_window_refuses_a_replay_its_old_ring_let_through() {
        let mut w = ReplayWindow::new(192);
        w.commit(1024);
        w.commit(1089);
        assert_eq!(w.check(1024), Err(Error::Replayed { index: 1024 }));
        assert_eq!(w.check(1089), Err(Error::Replayed { index: 1089 }));
        assert_eq!(w.check(1088), Ok(()));
        assert_eq!(w.check(898), Ok(()));
        assert_eq!(
            w.check(897),
            Err(Error::TooOld {
                index: 897,
                highest: 1089
            })
        );
    }
}
