//! The crate's error type: only a configuration can be wrong; packets never produce errors,
//! they produce an [`crate::Insertion`] saying what became of them.

use std::time::Duration;

/// Why a [`crate::Config`] was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet capacity is outside the supported range.
    #[error("packet capacity {got} outside {min}..={max}")]
    PacketCapacity {
        /// The configured capacity.
        got: usize,
        /// The smallest supported capacity.
        min: usize,
        /// The largest supported capacity.
        max: usize,
    },
    /// The byte capacity cannot hold even one packet of the largest accepted payload.
    #[error("byte capacity {bytes} below the largest accepted payload {max_payload}")]
    ByteCapacity {
        /// The configured byte capacity.
        bytes: usize,
        /// The configured largest payload.
        max_payload: usize,
    },
    /// The minimum delay is above the maximum delay.
    #[error("minimum delay {min:?} above maximum delay {max:?}")]
    DelayBounds {
        /// The configured minimum.
        min: Duration,
        /// The configured maximum.
        max: Duration,
    },
    /// The delay quantile must lie strictly between 0 and 1.
    #[error("delay quantile {0} not strictly between 0 and 1")]
    Quantile(f64),
    /// The histogram forget factor must lie strictly between 0 and 1.
    #[error("forget factor {0} not strictly between 0 and 1")]
    ForgetFactor(f64),
    /// The statistics interval must be positive.
    #[error("the statistics interval must be positive")]
    ZeroStatisticsInterval,
    /// The nominal frame duration must be positive.
    #[error("the nominal frame duration must be positive")]
    ZeroFrameDuration,
}
