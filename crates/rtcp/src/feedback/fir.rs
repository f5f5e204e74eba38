//! Full Intra Request (RFC 5104 §4.3.1).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                              SSRC                             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Seq nr.       |    Reserved                                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{FeedbackMessage, entries, feedback_packet, fmt, write_entries};
use crate::error::Result;
use crate::header::packet_type;
use crate::wire::{Element, List, Reader, Writer};

/// One FIR entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// SSRC: the media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Seq nr.: command sequence number, incremented per new request.
    pub sequence_number: u8,
}

impl Element<'_> for FirEntry {
    const FIXED_SIZE: Option<usize> = Some(8);

    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, "FIR entry");
        let ssrc = r.u32()?;
        let sequence_number = r.u8()?;
        Ok((
            Self {
                ssrc,
                sequence_number,
            },
            8,
        ))
    }

    fn wire_size(&self) -> usize {
        8
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(out, 8)?;
        w.u32(self.ssrc)?;
        w.u8(self.sequence_number)?;
        w.zeros(3)
    }
}

/// Full Intra Request (RFC 5104 §4.3.1): PSFB, FMT 4. The header's media SSRC is 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FullIntraRequest<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source (0 for FIR; the entries name the sources).
    pub media_ssrc: u32,
    /// The requests (at least one).
    pub entries: List<'a, FirEntry>,
}

impl<'a> FeedbackMessage<'a> for FullIntraRequest<'a> {
    const PACKET_TYPE: u8 = packet_type::PSFB;
    const FMT: u8 = fmt::FIR;

    fn ssrcs(&self) -> (u32, u32) {
        (self.sender_ssrc, self.media_ssrc)
    }

    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            entries: entries::<Self, _>(fci, false, "FIR FCI")?,
        })
    }

    fn fci_size(&self) -> usize {
        self.entries.wire_size()
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        write_entries::<Self, _>(w, false, &self.entries)
    }
}

feedback_packet!(FullIntraRequest<'a>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::error::Error;

    #[test]
    fn wire_bytes() {
        let bytes = [
            0x84, 0xce, 0x00, 0x04, // V=2 FMT=4 PT=206 length=4
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00, // SSRC of media source: 0
            0x12, 0x34, 0x56, 0x78, // FIR entry SSRC
            0x07, 0x00, 0x00, 0x00, // Seq nr. 7, reserved
        ];
        let fir = FullIntraRequest::parse(&bytes).unwrap();
        assert_eq!(
            fir.entries.iter().collect::<Vec<_>>(),
            [FirEntry {
                ssrc: 0x1234_5678,
                sequence_number: 7
            }]
        );
        assert_eq!(fir.to_vec().unwrap(), bytes);
        let half = [
            0x84, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,
        ];
        assert_eq!(
            FullIntraRequest::parse(&half),
            Err(Error::FciSize {
                packet_type: 206,
                fmt: 4,
                length: 4
            })
        );
    }
}
