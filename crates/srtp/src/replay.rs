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

    /// One step of a scripted window: commit an index, or check one and expect it
    /// accepted, replayed, or too old for the given highest.
    enum Step {
        Commit(u64),
        Fresh(u64),
        Replayed(u64),
        TooOld(u64, u64),
    }
    use Step::*;

    /// Scripted windows, each with exact expectations.
    #[test]
    fn scripted_windows() {
        let scripts: [(usize, &str, &[Step]); 4] = [
            (
                128,
                "duplicates and old indices are refused; the ring's reused slots are \
                 cleared while advancing (1128)",
                &[
                    Commit(1000),
                    Replayed(1000),
                    Fresh(999),
                    Fresh(873),
                    TooOld(872, 1000),
                    Commit(999),
                    Replayed(999),
                    Commit(1200),
                    TooOld(1000, 1200),
                    Fresh(1199),
                    Fresh(1128),
                ],
            ),
            (
                1000,
                "a window of another size is honoured",
                &[
                    Commit(5000),
                    Fresh(4001),
                    TooOld(4000, 5000),
                    Commit(4500),
                    Commit(5100),
                    Replayed(4500),
                    Fresh(4501),
                ],
            ),
            (
                64,
                "the record-layer case DTLS relies on (RFC 6347 §4.1.2.6): out of order \
                 within the window accepted once, 65 behind refused, a jump past the \
                 whole window forgets everything behind it",
                &[
                    Fresh(5),
                    Commit(5),
                    Replayed(5),
                    Commit(3),
                    Replayed(3),
                    Commit(70),
                    TooOld(5, 70),
                    Fresh(7),
                    Replayed(70),
                    Commit(200),
                    Fresh(199),
                    Fresh(137),
                    TooOld(136, 200),
                ],
            ),
            (
                192,
                "a counterexample for the old ring, which indexed slots with `index & 191`: \
                 1024 and 1088 (64 apart, well inside the window) shared slot 0, so \
                 advancing past 1088 forgot 1024 and its replay passed",
                &[
                    Commit(1024),
                    Commit(1089),
                    Replayed(1024),
                    Replayed(1089),
                    Fresh(1088),
                    Fresh(898),
                    TooOld(897, 1089),
                ],
            ),
        ];
        for (size, what, script) in scripts {
            let mut w = ReplayWindow::new(size);
            for (i, step) in script.iter().enumerate() {
                let (index, want) = match *step {
                    Commit(index) => {
                        w.commit(index);
                        continue;
                    }
                    Fresh(index) => (index, Ok(())),
                    Replayed(index) => (index, Err(Error::Replayed { index })),
                    TooOld(index, highest) => (index, Err(Error::TooOld { index, highest })),
                };
                assert_eq!(w.check(index), want, "{what}: step {i}");
            }
        }
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

    #[test]
    fn sizes_are_clamped_to_the_bounds() {
        assert_eq!(ReplayWindow::new(0).size(), MIN_REPLAY_WINDOW);
        assert_eq!(ReplayWindow::new(usize::MAX).size(), MAX_REPLAY_WINDOW);
        assert_eq!(ReplayWindow::new(1000).size(), 1000);
        assert_eq!(ReplayWindow::new(64).highest(), None);
    }
}
