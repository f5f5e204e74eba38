//! Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI.

use super::{Fci, fci_size, feedback_packet, fmt};
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

impl Fci<'_> for PictureLossIndication {
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

feedback_packet!(PictureLossIndication, packet_type::PSFB, fmt::PLI);
