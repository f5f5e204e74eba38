//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong when configuring statistics or building reports.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// RFC 3611 §4.7.2 requires the burst threshold Gmin to be at least 1.
    #[error("Gmin must be at least 1 (RFC 3611 §4.7.2)")]
    ZeroGmin,
    /// A window, history or trend length of zero was given where at least `min` is needed.
    #[error("{what} must hold at least {min} entries, got {got}")]
    WindowTooSmall {
        /// Which setting was too small.
        what: &'static str,
        /// The smallest accepted value.
        min: usize,
        /// The value given.
        got: usize,
    },
    /// A window or history length beyond the crate's bound was given.
    #[error("{what} may hold at most {max} entries, got {got}")]
    WindowTooLarge {
        /// Which setting was too large.
        what: &'static str,
        /// The largest accepted value.
        max: usize,
        /// The value given.
        got: usize,
    },
    /// A duration that must be positive (a window span, a packet interval) was zero.
    #[error("{what} must be a positive duration")]
    ZeroDuration {
        /// Which setting was zero.
        what: &'static str,
    },
    /// An alert threshold whose clear level is on the wrong side of its raise level, which
    /// would make the alert flap instead of holding (hysteresis needs a gap).
    #[error("alert clear level {clear} must lie on the safe side of raise level {raise}")]
    InvertedHysteresis {
        /// The level that raises the alert.
        raise: f64,
        /// The level that clears it.
        clear: f64,
    },
}

impl Error {
    /// Checks a window, history or slot count against the bounds of its setting.
    pub(crate) fn check_len(
        what: &'static str,
        got: usize,
        bounds: core::ops::RangeInclusive<usize>,
    ) -> Result<(), Self> {
        if got < *bounds.start() {
            Err(Self::WindowTooSmall {
                what,
                min: *bounds.start(),
                got,
            })
        } else if got > *bounds.end() {
            Err(Self::WindowTooLarge {
                what,
                max: *bounds.end(),
                got,
            })
        } else {
            Ok(())
        }
    }
}
