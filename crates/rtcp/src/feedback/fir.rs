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

use super::{entry_list_message, fmt};
use crate::error::Result;
use crate::header::packet_type;
use crate::wire::{Element, Reader, Writer};

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

entry_list_message!(
    /// Full Intra Request (RFC 5104 §4.3.1): PSFB, FMT 4. The header's media SSRC is 0.
    FullIntraRequest {
        /// SSRC of media source (0 for FIR; the entries name the sources).
        media_ssrc,
        /// The requests (at least one).
        entries: FirEntry,
    }
    packet_type::PSFB, fmt::FIR, "FIR FCI", allow_empty: false
);
