//! Comfort noise (RFC 3389): what a sender using discontinuous transmission sends when it
//! stops sending speech, so that the receiver fills the silence with noise like the
//! sender's background instead of dead air.
//!
//! The payload is a noise level and, optionally, the spectral shape of the noise as
//! reflection coefficients of an all-pole model (RFC 3389 §3):
//!
//! ```text
//!  0 1 2 3 4 5 6 7   0 1 2 3 4 5 6 7        0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+ +-+-+-+-+-+-+-+-+      +-+-+-+-+-+-+-+-+
//! |0|   level     | |      N1       | ...  |      NK       |
//! +-+-+-+-+-+-+-+-+ +-+-+-+-+-+-+-+-+      +-+-+-+-+-+-+-+-+
//! ```
//!
//! The level is in −dBov, 0 to 127 (§3.1); each coefficient is one quantized octet
//! (§3.2), and their number is the model order (zero: white noise at that level). The
//! static payload type is [`PayloadType::CN`](crate::PayloadType::CN) at 8000 Hz (RFC 3551
//! §6); SDP binds dynamic ones at other clock rates (`a=rtpmap:<pt> CN/16000`). A CN
//! packet's RTP timestamp is where the noise starts (RFC 3389 §4), in the audio's clock: a
//! receiver plays it as the start of silence, not as lost audio.

use super::PayloadError;

/// The quietest level, −127 dBov (RFC 3389 §3.1: seven bits).
pub const MAX_LEVEL: u8 = 127;

/// A comfort-noise payload (RFC 3389 §3): the noise level and the reflection coefficients
/// of its spectrum, borrowed from the packet or the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComfortNoise<'a> {
    level: u8,
    coefficients: &'a [u8],
}

impl<'a> ComfortNoise<'a> {
    /// Noise at `level` −dBov with the quantized reflection `coefficients` (possibly none).
    /// A level above [`MAX_LEVEL`] is [`PayloadError::FieldOutOfRange`].
    pub fn new(level: u8, coefficients: &'a [u8]) -> Result<Self, PayloadError> {
        if level > MAX_LEVEL {
            return Err(PayloadError::FieldOutOfRange {
                field: "noise level",
                value: u32::from(level),
            });
        }
        Ok(Self {
            level,
            coefficients,
        })
    }

    /// Reads a CN payload. An empty payload is [`PayloadError::Truncated`]; a first octet
    /// with its reserved top bit set is [`PayloadError::ComfortNoiseReservedBit`] (RFC 3389
    /// §3.1 leaves that bit zero, so such a payload is not comfort noise).
    pub fn parse(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let (&level, coefficients) = payload
            .split_first()
            .ok_or(PayloadError::Truncated { needed: 1, got: 0 })?;
        if level & 0x80 != 0 {
            return Err(PayloadError::ComfortNoiseReservedBit { octet: level });
        }
        Ok(Self {
            level,
            coefficients,
        })
    }

    /// The noise level in −dBov: 0 is the loudest (0 dBov), 127 the quietest.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The quantized reflection coefficients N1…NK (RFC 3389 §3.2), in order.
    pub fn coefficients(&self) -> &'a [u8] {
        self.coefficients
    }

    /// The model order K: how many reflection coefficients there are.
    pub fn order(&self) -> usize {
        self.coefficients.len()
    }

    /// Octets [`ComfortNoise::write`] writes: the level and the coefficients.
    pub fn encoded_len(&self) -> usize {
        1 + self.coefficients.len()
    }

    /// Writes the payload into the front of `out`; returns its length. Fails with
    /// [`PayloadError::BufferTooSmall`] when `out` is shorter than
    /// [`ComfortNoise::encoded_len`].
    pub fn write(&self, out: &mut [u8]) -> Result<usize, PayloadError> {
        let needed = self.encoded_len();
        let got = out.len();
        let (first, rest) = out
            .get_mut(..needed)
            .and_then(|o| o.split_first_mut())
            .ok_or(PayloadError::BufferTooSmall { needed, got })?;
        *first = self.level;
        rest.copy_from_slice(self.coefficients);
        Ok(needed)
    }
}
