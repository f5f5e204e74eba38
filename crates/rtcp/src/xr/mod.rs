//! XR: extended reports (RFC 3611).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|reserved |   PT=XR=207   |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                              SSRC                             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! :                         report blocks                         :
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! each block (§3):
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      BT       | type-specific |         block length          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! :             type-specific block contents                      :
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

mod dlrr;
mod receipt_times;
mod reference_time;
mod rle;
mod statistics;
mod voip_metrics;

pub use dlrr::{Dlrr, DlrrItem};
pub use receipt_times::PacketReceiptTimes;
pub use reference_time::ReceiverReferenceTime;
pub use rle::{RleChunk, RleReport};
pub use statistics::{StatisticsSummary, TtlOrHopLimit};
pub use voip_metrics::VoipMetrics;

use crate::error::{Error, Result};
use crate::header::{packet_type, split};
use crate::packet::Packet;
use crate::wire::{Element, List, Reader, Writer};
use std::borrow::Cow;

/// XR block type numbers (RFC 3611 §4, IANA "RTCP XR Block Type").
pub mod block_type {
    /// Loss RLE report block (§4.1).
    pub const LOSS_RLE: u8 = 1;
    /// Duplicate RLE report block (§4.2).
    pub const DUPLICATE_RLE: u8 = 2;
    /// Packet receipt times report block (§4.3).
    pub const PACKET_RECEIPT_TIMES: u8 = 3;
    /// Receiver reference time report block (§4.4).
    pub const RECEIVER_REFERENCE_TIME: u8 = 4;
    /// DLRR report block (§4.5).
    pub const DLRR: u8 = 5;
    /// Statistics summary report block (§4.6).
    pub const STATISTICS_SUMMARY: u8 = 6;
    /// VoIP metrics report block (§4.7).
    pub const VOIP_METRICS: u8 = 7;
}

/// An XR report block of a type this crate does not interpret, kept and skipped
/// (RFC 3611 §3: receivers ignore unknown block types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBlock<'a> {
    /// BT.
    pub block_type: u8,
    /// The type-specific octet.
    pub type_specific: u8,
    /// The block contents after its header (a multiple of 4 bytes).
    pub contents: Cow<'a, [u8]>,
}

/// One XR report block (RFC 3611 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XrBlock<'a> {
    /// Loss RLE (§4.1).
    LossRle(RleReport<'a>),
    /// Duplicate RLE (§4.2).
    DuplicateRle(RleReport<'a>),
    /// Packet receipt times (§4.3).
    PacketReceiptTimes(PacketReceiptTimes<'a>),
    /// Receiver reference time (§4.4).
    ReceiverReferenceTime(ReceiverReferenceTime),
    /// DLRR (§4.5).
    Dlrr(Dlrr<'a>),
    /// Statistics summary (§4.6).
    StatisticsSummary(StatisticsSummary),
    /// VoIP metrics (§4.7).
    VoipMetrics(VoipMetrics),
    /// Any other block type.
    Unknown(UnknownBlock<'a>),
}

/// Checks that a fixed-size block has its size.
pub(crate) fn expect_len(block_type: u8, contents: &[u8], expected: usize) -> Result<()> {
    if contents.len() != expected {
        return Err(Error::XrBlockSize {
            block_type,
            length: 4 + contents.len(),
            expected: 4 + expected,
        });
    }
    Ok(())
}

impl XrBlock<'_> {
    /// BT.
    pub fn block_type(&self) -> u8 {
        match self {
            Self::LossRle(_) => block_type::LOSS_RLE,
            Self::DuplicateRle(_) => block_type::DUPLICATE_RLE,
            Self::PacketReceiptTimes(_) => block_type::PACKET_RECEIPT_TIMES,
            Self::ReceiverReferenceTime(_) => block_type::RECEIVER_REFERENCE_TIME,
            Self::Dlrr(_) => block_type::DLRR,
            Self::StatisticsSummary(_) => block_type::STATISTICS_SUMMARY,
            Self::VoipMetrics(_) => block_type::VOIP_METRICS,
            Self::Unknown(u) => u.block_type,
        }
    }

    fn contents_size(&self) -> usize {
        match self {
            Self::LossRle(b) | Self::DuplicateRle(b) => b.contents_size(),
            Self::PacketReceiptTimes(b) => b.contents_size(),
            Self::ReceiverReferenceTime(_) => ReceiverReferenceTime::CONTENTS,
            Self::Dlrr(b) => b.items.wire_size(),
            Self::StatisticsSummary(_) => StatisticsSummary::CONTENTS,
            Self::VoipMetrics(_) => VoipMetrics::CONTENTS,
            Self::Unknown(u) => u.contents.len(),
        }
    }
}

impl<'a> Element<'a> for XrBlock<'a> {
    const FIXED_SIZE: Option<usize> = None;

    fn decode(bytes: &'a [u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, "XR block header");
        let bt = r.u8()?;
        let type_specific = r.u8()?;
        let declared = 4 + usize::from(r.u16()?) * 4;
        let contents = bytes.get(4..declared).ok_or(Error::XrBlockPastEnd {
            block_type: bt,
            declared,
            available: bytes.len(),
        })?;
        let block = match bt {
            block_type::LOSS_RLE => Self::LossRle(RleReport::decode(bt, type_specific, contents)?),
            block_type::DUPLICATE_RLE => {
                Self::DuplicateRle(RleReport::decode(bt, type_specific, contents)?)
            }
            block_type::PACKET_RECEIPT_TIMES => {
                Self::PacketReceiptTimes(PacketReceiptTimes::decode(type_specific, contents)?)
            }
            block_type::RECEIVER_REFERENCE_TIME => {
                Self::ReceiverReferenceTime(ReceiverReferenceTime::decode(contents)?)
            }
            block_type::DLRR => Self::Dlrr(Dlrr {
                items: List::parse_all(contents, "DLRR sub-blocks")?,
            }),
            block_type::STATISTICS_SUMMARY => {
                Self::StatisticsSummary(StatisticsSummary::decode(type_specific, contents)?)
            }
            block_type::VOIP_METRICS => Self::VoipMetrics(VoipMetrics::decode(contents)?),
            _ => Self::Unknown(UnknownBlock {
                block_type: bt,
                type_specific,
                contents: Cow::Borrowed(contents),
            }),
        };
        Ok((block, declared))
    }

    fn wire_size(&self) -> usize {
        4 + self.contents_size()
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let size = self.wire_size();
        let words = u16::try_from((size - 4) / 4).map_err(|_| Error::TooLong {
            what: "XR block",
            len: size,
            max: 4 + 65535 * 4,
        })?;
        let mut w = Writer::new(out, size)?;
        let type_specific = match self {
            Self::LossRle(b) | Self::DuplicateRle(b) => b.thinning & 0x0f,
            Self::PacketReceiptTimes(b) => b.thinning & 0x0f,
            Self::StatisticsSummary(b) => b.type_specific(),
            Self::Unknown(u) => u.type_specific,
            _ => 0,
        };
        w.u8(self.block_type())?;
        w.u8(type_specific)?;
        w.u16(words)?;
        match self {
            Self::LossRle(b) | Self::DuplicateRle(b) => b.encode(&mut w),
            Self::PacketReceiptTimes(b) => b.encode(&mut w),
            Self::ReceiverReferenceTime(b) => w.u64(b.ntp_time.0),
            Self::Dlrr(b) => w.list(&b.items),
            Self::StatisticsSummary(b) => b.encode(&mut w),
            Self::VoipMetrics(b) => b.encode(&mut w),
            Self::Unknown(u) => {
                if u.contents.len() % 4 != 0 {
                    return Err(Error::Unaligned {
                        what: "XR block contents",
                        len: u.contents.len(),
                    });
                }
                w.put(&u.contents)
            }
        }
    }
}

/// An extended report packet (RFC 3611 §2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedReport<'a> {
    /// SSRC of the packet's originator.
    pub ssrc: u32,
    /// The report blocks, in wire order.
    pub blocks: List<'a, XrBlock<'a>>,
}

impl<'a> Packet<'a> for ExtendedReport<'a> {
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let (_, body) = split(packet, packet_type::XR)?;
        let mut r = Reader::new(body, "extended report");
        let ssrc = r.u32()?;
        let blocks = List::parse_all(r.rest(), "XR blocks")?;
        Ok(Self { ssrc, blocks })
    }

    fn size(&self) -> usize {
        8 + self.blocks.wire_size()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let size = self.size();
        let mut w = Writer::packet(buf, 0, packet_type::XR, size)?;
        w.u32(self.ssrc)?;
        w.list(&self.blocks)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests;
