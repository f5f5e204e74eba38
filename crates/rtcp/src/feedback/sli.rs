//! Slice Loss Indication (RFC 4585 §6.3.2).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            First        |        Number           | PictureID |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{FeedbackMessage, entries, feedback_packet, fmt, write_entries};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{Element, List, Reader, Writer};

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

impl Element<'_> for SliEntry {
    const FIXED_SIZE: Option<usize> = Some(4);

    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let v = Reader::new(bytes, "SLI entry").u32()?;
        let entry = Self {
            first: (v >> 19) as u16,
            number: ((v >> 6) & 0x1fff) as u16,
            picture_id: (v & 0x3f) as u8,
        };
        Ok((entry, 4))
    }

    fn wire_size(&self) -> usize {
        4
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
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
        let v = (u32::from(self.first) << 19)
            | (u32::from(self.number) << 6)
            | u32::from(self.picture_id);
        Writer::new(out, 4)?.u32(v)
    }
}

/// Slice Loss Indication (RFC 4585 §6.3.2): PSFB, FMT 2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SliceLossIndication<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
    /// The lost runs (at least one).
    pub entries: List<'a, SliEntry>,
}

impl<'a> FeedbackMessage<'a> for SliceLossIndication<'a> {
    const PACKET_TYPE: u8 = packet_type::PSFB;
    const FMT: u8 = fmt::SLI;

    fn ssrcs(&self) -> (u32, u32) {
        (self.sender_ssrc, self.media_ssrc)
    }

    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            entries: entries::<Self, _>(fci, false, "SLI FCI")?,
        })
    }

    fn fci_size(&self) -> usize {
        self.entries.wire_size()
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        write_entries::<Self, _>(w, false, &self.entries)
    }
}

feedback_packet!(SliceLossIndication<'a>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;

    #[test]
    fn wire_bytes() {
        let bytes = [
            0x82, 0xce, 0x00, 0x03, // V=2 FMT=2 PT=206 length=3
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02, // SSRC of media source
            0x00, 0x08, 0x01,
            0x45, // First=1 (13 bits), Number=5 (13 bits), PictureID=5 (6 bits)
        ];
        let sli = SliceLossIndication::parse(&bytes).unwrap();
        assert_eq!(
            sli.entries.iter().collect::<Vec<_>>(),
            [SliEntry {
                first: 1,
                number: 5,
                picture_id: 5
            }]
        );
        assert_eq!(sli.to_vec().unwrap(), bytes);
        let odd = [0x82, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2];
        assert_eq!(
            SliceLossIndication::parse(&odd),
            Err(Error::FciSize {
                packet_type: 206,
                fmt: 2,
                length: 0
            })
        );
    }
}
