//! Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI.

use super::{fci_size, fmt, parse, writer};
use crate::error::Result;
use crate::header::packet_type;
use crate::packet::Packet;

/// Picture Loss Indication (RFC 4585 §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PictureLossIndication {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
}

impl Packet<'_> for PictureLossIndication {
    fn parse(packet: &[u8]) -> Result<Self> {
        let fb = parse(packet, packet_type::PSFB, fmt::PLI)?;
        if !fb.fci.is_empty() {
            return Err(fci_size(packet_type::PSFB, fmt::PLI, fb.fci));
        }
        Ok(Self {
            sender_ssrc: fb.sender_ssrc,
            media_ssrc: fb.media_ssrc,
        })
    }

    fn size(&self) -> usize {
        12
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let w = writer(
            buf,
            12,
            packet_type::PSFB,
            fmt::PLI,
            self.sender_ssrc,
            self.media_ssrc,
        )?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

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
