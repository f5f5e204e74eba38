//! Slice Loss Indication (RFC 4585 §6.3.2).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            First        |        Number           | PictureID |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{entry_list_message, fmt};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{FixedElement, Reader, Writer};

/// One lost run of macroblocks (RFC 4585 §6.3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SliEntry {
    /// First: the first lost macroblock (13 bits).
    pub first: u16,
    /// Number: how many macroblocks were lost (13 bits).
    pub number: u16,
    /// PictureID: the six least significant bits of the codec's picture ID.
    pub picture_id: u8,
}

impl FixedElement for SliEntry {
    const SIZE: usize = 4;
    const WHAT: &'static str = "SLI entry";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let v = r.u32()?;
        Ok(Self {
            first: (v >> 19) as u16,
            number: ((v >> 6) & 0x1fff) as u16,
            picture_id: (v & 0x3f) as u8,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.first > 0x1fff || self.number > 0x1fff {
            let value = self.first.max(self.number).into();
            return Err(Error::OutOfRange {
                what: "SLI First/Number",
                value,
            });
        }
        if self.picture_id > 0x3f {
            return Err(Error::OutOfRange {
                what: "SLI PictureID",
                value: self.picture_id.into(),
            });
        }
        w.u32(
            (u32::from(self.first) << 19)
                | (u32::from(self.number) << 6)
                | u32::from(self.picture_id),
        )
    }
}

entry_list_message!(
    /// Slice Loss Indication (RFC 4585 §6.3.2): PSFB, FMT 2.
    SliceLossIndication {
        /// SSRC of media source.
        media_ssrc,
        /// The lost runs (at least one).
        entries: SliEntry,
    }
    packet_type::PSFB, fmt::SLI, "SLI FCI", allow_empty: false
);
