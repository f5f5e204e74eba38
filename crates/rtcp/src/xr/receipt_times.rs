//! Packet Receipt Times report block (RFC 3611 §4.3).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     BT=3      | rsvd. |   T   |         block length          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        SSRC of source                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          begin_seq            |             end_seq           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |       Receipt time of packet begin_seq, ...                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::{Error, Result};
use crate::wire::{List, Reader, Writer};

/// Packet receipt times (RFC 3611 §4.3): the arrival time of each reported packet, in the
/// RTP timestamp clock of the source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PacketReceiptTimes<'a> {
    /// T: thinning (0–15).
    pub thinning: u8,
    /// SSRC of source.
    pub ssrc: u32,
    /// begin_seq.
    pub begin_seq: u16,
    /// end_seq.
    pub end_seq: u16,
    /// Receipt time of each packet from begin_seq, in RTP timestamp units.
    pub receipt_times: List<'a, u32>,
}

impl<'a> PacketReceiptTimes<'a> {
    pub(crate) fn decode(type_specific: u8, contents: &'a [u8]) -> Result<Self> {
        if contents.len() < 8 {
            return Err(Error::XrBlockSize {
                block_type: super::block_type::PACKET_RECEIPT_TIMES,
                length: 4 + contents.len(),
                expected: 12,
            });
        }
        let mut r = Reader::new(contents, "packet receipt times block");
        Ok(Self {
            thinning: type_specific & 0x0f,
            ssrc: r.u32()?,
            begin_seq: r.u16()?,
            end_seq: r.u16()?,
            receipt_times: List::parse_all(r.rest(), "receipt times")?,
        })
    }

    pub(crate) fn contents_size(&self) -> usize {
        8 + self.receipt_times.wire_size()
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.ssrc)?;
        w.u16(self.begin_seq)?;
        w.u16(self.end_seq)?;
        w.list(&self.receipt_times)
    }
}
