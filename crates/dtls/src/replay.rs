//! The record replay window (RFC 6347 §4.1.2.6): a 64-record sliding bitmap per epoch.

/// Tracks which recent sequence numbers of one epoch were accepted.
///
/// A record is checked with [`ReplayWindow::is_fresh`] before decryption and marked with
/// [`ReplayWindow::accept`] only after it authenticated, so forged records change nothing.
#[derive(Debug, Clone, Default)]
pub struct ReplayWindow {
    /// Highest sequence number accepted, if any.
    latest: Option<u64>,
    /// Bit `i` set: `latest - i` was accepted.
    bitmap: u64,
}

/// Width of the window in records.
pub const REPLAY_WINDOW_SIZE: u64 = 64;

impl ReplayWindow {
    /// A window that has accepted nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when `seq` is new and not too old to judge.
    pub fn is_fresh(&self, seq: u64) -> bool {
        match self.latest {
            None => true,
            Some(latest) if seq > latest => true,
            Some(latest) => {
                let age = latest - seq;
                age < REPLAY_WINDOW_SIZE && self.bitmap & (1 << age) == 0
            }
        }
    }

    /// Marks `seq` as received.
    pub fn accept(&mut self, seq: u64) {
        match self.latest {
            None => {
                self.latest = Some(seq);
                self.bitmap = 1;
            }
            Some(latest) if seq > latest => {
                let shift = seq - latest;
                self.bitmap = if shift >= REPLAY_WINDOW_SIZE {
                    1
                } else {
                    (self.bitmap << shift) | 1
                };
                self.latest = Some(seq);
            }
            Some(latest) => {
                let age = latest - seq;
                if age < REPLAY_WINDOW_SIZE {
                    self.bitmap |= 1 << age;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides_and_rejects_replays() {
        let mut w = ReplayWindow::new();
        assert!(w.is_fresh(5));
        w.accept(5);
        assert!(!w.is_fresh(5));
        assert!(w.is_fresh(3));
        w.accept(3);
        assert!(!w.is_fresh(3));
        w.accept(70);
        assert!(!w.is_fresh(5), "5 is 65 behind 70, outside the window");
        assert!(w.is_fresh(7));
        assert!(!w.is_fresh(70));
        w.accept(200);
        assert!(w.is_fresh(199));
        assert!(!w.is_fresh(136));
        assert!(w.is_fresh(137));
    }
}
