//! Playout delay limits (the WebRTC `playout-delay` extension).

use super::value::{ExtensionValue, exact};
use crate::error::Error;
use core::time::Duration;

/// The minimum and maximum delay the sender asks the receiver to hold frames for: two 12-bit
/// fields in units of 10 ms (0–40.95 s), packed in three bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlayoutDelay {
    min: u16,
    max: u16,
}

impl PlayoutDelay {
    /// The largest value of either field, in 10 ms units.
    pub const MAX_UNITS: u16 = 0x0fff;

    /// Limits in units of 10 ms, each 0–4095.
    pub const fn new(min_units: u16, max_units: u16) -> Result<Self, Error> {
        if min_units > Self::MAX_UNITS {
            return Err(range(min_units));
        }
        if max_units > Self::MAX_UNITS {
            return Err(range(max_units));
        }
        Ok(Self {
            min: min_units,
            max: max_units,
        })
    }

    /// The minimum delay in 10 ms units.
    pub const fn min_units(&self) -> u16 {
        self.min
    }

    /// The maximum delay in 10 ms units.
    pub const fn max_units(&self) -> u16 {
        self.max
    }

    /// The minimum delay.
    pub fn min(&self) -> Duration {
        Duration::from_millis(10 * u64::from(self.min))
    }

    /// The maximum delay.
    pub fn max(&self) -> Duration {
        Duration::from_millis(10 * u64::from(self.max))
    }
}

const fn range(units: u16) -> Error {
    Error::ExtensionValueRange {
        name: "playout delay",
        value: units as u32,
        max: PlayoutDelay::MAX_UNITS as u32,
    }
}

impl ExtensionValue for PlayoutDelay {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
    type Bytes = [u8; 3];

    fn parse(data: &[u8]) -> Result<Self, Error> {
        let [a, b, c] = exact::<3>("playout delay", data)?;
        Ok(Self {
            min: u16::from(a) << 4 | u16::from(b >> 4),
            max: u16::from(b & 0x0f) << 8 | u16::from(c),
        })
    }

    fn to_bytes(&self) -> [u8; 3] {
        [
            (self.min >> 4) as u8,
            ((self.min & 0x0f) << 4) as u8 | (self.max >> 8) as u8,
            self.max as u8,
        ]
    }
}
