//! Reference Picture Selection Indication (RFC 4585 §6.3.3).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      PB       |0| Payload Type|    Native RPSI bit string     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   defined per codec          ...                | Padding (0) |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{Fci, fci_size, feedback_packet, fmt};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{Writer, pad4};
use std::borrow::Cow;

/// Reference Picture Selection Indication (RFC 4585 §6.3.3): PSFB, FMT 3.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReferencePictureSelectionIndication<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
    /// Payload Type (7 bits) the bit string is meaningful for.
    pub payload_type: u8,
    /// Native RPSI bit string, in whole bytes; its last `unused_bits` bits are not part of
    /// it.
    pub bit_string: Cow<'a, [u8]>,
    /// Bits at the end of the last byte of `bit_string` that are padding (0–7).
    pub unused_bits: u8,
}

impl ReferencePictureSelectionIndication<'_> {
    /// Length of the native bit string in bits.
    pub fn bit_len(&self) -> usize {
        (self.bit_string.len() * 8).saturating_sub(self.unused_bits.into())
    }
}

impl<'a> Fci<'a> for ReferencePictureSelectionIndication<'a> {
    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        let err = || fci_size::<Self>(fci.len());
        let (&[pb, pt], string) = fci.split_first_chunk::<2>().ok_or_else(err)?;
        if fci.len() % 4 != 0 || usize::from(pb) > string.len() * 8 {
            return Err(err());
        }
        let bits = string.len() * 8 - usize::from(pb);
        let bytes = bits.div_ceil(8);
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            payload_type: pt & 0x7f,
            bit_string: Cow::Borrowed(string.get(..bytes).unwrap_or(&[])),
            unused_bits: (bytes * 8 - bits) as u8,
        })
    }

    fn fci_size(&self) -> usize {
        pad4(2 + self.bit_string.len())
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.unused_bits > 7 {
            return Err(Error::OutOfRange {
                what: "RPSI unused bits",
                value: self.unused_bits.into(),
            });
        }
        let padding = self.fci_size() - 2 - self.bit_string.len();
        let pb = padding * 8 + usize::from(self.unused_bits);
        let pb = u8::try_from(pb).map_err(|_| Error::OutOfRange {
            what: "RPSI PB",
            value: pb as u64,
        })?;
        w.u8(pb)?;
        w.u8(self.payload_type & 0x7f)?;
        w.put(&self.bit_string)?;
        w.zeros(padding)
    }
}

feedback_packet!(
    ReferencePictureSelectionIndication<'a>,
    packet_type::PSFB,
    fmt::RPSI
);
