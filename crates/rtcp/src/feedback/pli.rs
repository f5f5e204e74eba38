//! Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI.

use super::{FeedbackMessage, fci_size, feedback_packet, fmt};
use crate::error::Result;
use crate::header::packet_type;
use crate::wire::Writer;

/// Picture Loss Indication (RFC 4585 §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PictureLossIndication {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
}

impl FeedbackMessage<'_> for PictureLossIndication {
    const PACKET_TYPE: u8 = packet_type::PSFB;
    const FMT: u8 = fmt::PLI;

    fn ssrcs(&self) -> (u32, u32) {
        (self.sender_ssrc, self.media_ssrc)
    }

    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &[u8]) -> Result<Self> {
        if !fci.is_empty() {
            return Err(fci_size::<Self>(fci.len()));
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
        })
    }

    fn fci_size(&self) -> usize {
        0
    }

    fn write_fci(&self, _: &mut Writer<'_>) -> Result<()> {
        Ok(())
    }
}

feedback_packet!(PictureLossIndication);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::Packet;

    #[test]
    fn wire_bytes() {
        let bytes = [
            0x81, 0xce, 0x00, 0x02, // V=2 FMT=1 PT=206 length=2
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x4b, 0xc4, 0xfc, 0xb4, // SSRC of media source
        ];
        let pli = PictureLossIndication::parse(&bytes).unwrap();
        assert_eq!(
            pli,
            PictureLossIndication {
                sender_ssrc: 1,
                media_ssrc: 0x4bc4_fcb4
            }
        );
        assert_eq!(pli.to_vec().unwrap(), bytes);
        let with_fci = [0x81, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0];
        assert_eq!(
            PictureLossIndication::parse(&with_fci),
            Err(Error::FciSize {
                packet_type: 206,
                fmt: 1,
                length: 4
            })
        );
    }
}
