//! Absolute send time (the WebRTC `abs-send-time` extension).

use super::value::{ExtensionValue, exact};
use crate::error::Error;
use core::time::Duration;

/// The sender's clock when the packet left, as 24 bits of 6.18 fixed-point seconds (the low
/// 6 bits of the NTP seconds and the top 18 bits of the NTP fraction): wraps every 64 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbsSendTime(u32);

impl AbsSendTime {
    /// The raw 24-bit field, failing above `0xFF_FFFF`.
    pub const fn new(raw: u32) -> Result<Self, Error> {
        if raw > 0xff_ffff {
            return Err(Error::ExtensionValueRange {
                name: "abs-send-time",
                value: raw,
                max: 0xff_ffff,
            });
        }
        Ok(Self(raw))
    }

    /// Takes bits 14–37 of a 64-bit NTP timestamp (RFC 3550 §4).
    pub const fn from_ntp(ntp: u64) -> Self {
        Self(((ntp >> 14) & 0xff_ffff) as u32)
    }

    /// The time since some epoch, modulo 64 s, at the field's 2⁻¹⁸ s resolution (rounded
    /// to nearest).
    pub fn from_duration(since_epoch: Duration) -> Self {
        let units = (since_epoch.as_nanos() * (1 << 18) + 500_000_000) / 1_000_000_000;
        Self((units & 0xff_ffff) as u32)
    }

    /// The raw 24-bit field.
    pub const fn raw(&self) -> u32 {
        self.0
    }

    /// The field as a duration within the 64 s cycle.
    pub fn to_duration(&self) -> Duration {
        Duration::from_nanos((u64::from(self.0) * 1_000_000_000) >> 18)
    }
}

impl ExtensionValue for AbsSendTime {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    type Bytes = [u8; 3];

    fn parse(data: &[u8]) -> Result<Self, Error> {
        let [a, b, c] = exact::<3>("abs-send-time", data)?;
        Ok(Self(u32::from_be_bytes([0, a, b, c])))
    }

    fn to_bytes(&self) -> [u8; 3] {
        let [_, a, b, c] = self.0.to_be_bytes();
        [a, b, c]
    }
}
