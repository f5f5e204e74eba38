//! Client-to-mixer audio level (RFC 6464).

use super::value::{ExtensionValue, exact};
use crate::error::Error;

/// The audio level of the packet's audio and whether it contains voice (RFC 6464 §3):
/// one byte, `V | level`, the level in -dBov from 0 (loudest) to 127 (silence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AudioLevel {
    voice: bool,
    level: u8,
}

impl AudioLevel {
    /// A value with voice activity flag `voice` and `level` in -dBov, 0–127.
    pub const fn new(voice: bool, level: u8) -> Result<Self, Error> {
        if level > 127 {
            return Err(Error::ExtensionValueRange {
                name: "audio level",
                value: level as u32,
                max: 127,
            });
        }
        Ok(Self { voice, level })
    }

    /// The V flag: the sender's voice activity detector found speech.
    pub const fn voice_activity(&self) -> bool {
        self.voice
    }

    /// The level in -dBov: 0 is the loudest signal, 127 silence (or lower).
    pub const fn level(&self) -> u8 {
        self.level
    }
}

impl ExtensionValue for AudioLevel {
    const URI: &'static str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    type Bytes = [u8; 1];

    fn parse(data: &[u8]) -> Result<Self, Error> {
        let [byte] = exact::<1>("audio level", data)?;
        Ok(Self {
            voice: byte & 0x80 != 0,
            level: byte & 0x7f,
        })
    }

    fn to_bytes(&self) -> [u8; 1] {
        [u8::from(self.voice) << 7 | self.level]
    }
}
