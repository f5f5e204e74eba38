//! Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2): an
//! application layer feedback message (PSFB, FMT 15, RFC 4585 §6.4).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P| FMT=15  |   PT=206      |             length            |
//! |                  SSRC of packet sender                        |
//! |                  SSRC of media source (0)                     |
//! |  Unique identifier 'R' 'E' 'M' 'B'                            |
//! |  Num SSRC     | BR Exp    |  BR Mantissa                      |
//! |   SSRC feedback                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{Fci, fci_size, feedback_packet, fmt};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{List, Reader, Writer, count_field};

/// Receiver Estimated Maximum Bitrate (REMB): PSFB, FMT 15, identifier "REMB".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverEstimatedMaximumBitrate<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source (always 0 for REMB).
    pub media_ssrc: u32,
    /// The estimate, bit/s: BR Mantissa (18 bits) × 2^BR Exp (6 bits). Written with the
    /// smallest exponent that fits, rounding down; read
    /// saturating at `u64::MAX`.
    pub bitrate: u64,
    /// SSRC feedback: the streams the estimate applies to (at most 255).
    pub ssrcs: List<'a, u32>,
}

impl ReceiverEstimatedMaximumBitrate<'_> {
    /// The unique identifier at the start of the FCI.
    pub const IDENTIFIER: [u8; 4] = *b"REMB";

    /// True when a PSFB/AFB FCI carries a REMB.
    pub(crate) fn is_remb(packet: &[u8]) -> bool {
        packet.get(12..16) == Some(&Self::IDENTIFIER[..])
    }
}

impl<'a> Fci<'a> for ReceiverEstimatedMaximumBitrate<'a> {
    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(fci, "REMB FCI");
        if fci.len() < 8 || r.array::<4>()? != Self::IDENTIFIER {
            return Err(fci_size::<Self>(fci.len()));
        }
        let num = usize::from(r.u8()?);
        let v = r.u24()?;
        let exponent = v >> 18;
        let mantissa = u64::from(v & 0x3_ffff);
        let ssrcs = r.rest();
        if ssrcs.len() != num * 4 {
            return Err(Error::RembSsrcCount {
                declared: num,
                available: ssrcs.len() / 4,
            });
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            bitrate: mantissa
                .checked_shl(exponent)
                .filter(|b| b >> exponent == mantissa)
                .unwrap_or(u64::MAX),
            ssrcs: List::parse_all(ssrcs, "REMB SSRC feedback")?,
        })
    }

    fn fci_size(&self) -> usize {
        8 + self.ssrcs.wire_size()
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        let num: u8 = count_field("REMB SSRC feedback", self.ssrcs.len())?;
        let mut exponent = 0u32;
        while (self.bitrate >> exponent) > 0x3_ffff {
            exponent += 1;
        }
        let mantissa = (self.bitrate >> exponent) as u32;
        w.put(&Self::IDENTIFIER)?;
        w.u8(num)?;
        w.u24((exponent << 18) | mantissa)?;
        w.list(&self.ssrcs)
    }
}

feedback_packet!(
    ReceiverEstimatedMaximumBitrate<'a>,
    packet_type::PSFB,
    fmt::AFB
);
