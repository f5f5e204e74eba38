//! Loss RLE and Duplicate RLE report blocks (RFC 3611 §4.1, §4.2).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   BT=1 or 2   | rsvd. |   T   |         block length          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        SSRC of source                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          begin_seq            |             end_seq           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          chunk 1              |             chunk 2           |
//! :                              ...                              :
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::{Error, Result};
use crate::wire::{FixedElement, List, Reader, Writer, pad4};

/// One 16-bit chunk of an RLE report block (RFC 3611 §4.1.1 – §4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RleChunk {
    /// Run length chunk: `length` (14 bits) consecutive packets, all received (run type
    /// 1) or all lost / not duplicated (run type 0).
    Run {
        /// Run type: true for a run of received (Loss RLE) or duplicated (Duplicate RLE)
        /// packets.
        received: bool,
        /// Run length (at most 16383).
        length: u16,
    },
    /// Bit vector chunk: 15 packets, most significant bit first, 1 = received
    /// (or duplicated).
    BitVector(u16),
    /// Null chunk (all zeros): pads the chunk list to 32 bits.
    Null,
}

impl FixedElement for RleChunk {
    const SIZE: usize = 2;
    const WHAT: &'static str = "RLE chunk";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let v = r.u16()?;
        Ok(if v == 0 {
            Self::Null
        } else if v & 0x8000 == 0 {
            Self::Run {
                received: v & 0x4000 != 0,
                length: v & 0x3fff,
            }
        } else {
            Self::BitVector(v & 0x7fff)
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        let v = match *self {
            Self::Null => 0,
            Self::Run { received, length } => {
                if length > 0x3fff {
                    return Err(Error::OutOfRange {
                        what: "RLE run length",
                        value: length.into(),
                    });
                }
                (u16::from(received) << 14) | length
            }
            Self::BitVector(bits) => 0x8000 | (bits & 0x7fff),
        };
        w.u16(v)
    }
}

/// A Loss RLE (§4.1) or Duplicate RLE (§4.2) report block: which packets of
/// `begin_seq..end_seq` arrived (or were duplicated), run-length encoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RleReport<'a> {
    /// T: thinning, 0–15: only packets whose sequence number is a multiple of 2^T are
    /// reported.
    pub thinning: u8,
    /// SSRC of source.
    pub ssrc: u32,
    /// begin_seq: the first sequence number reported.
    pub begin_seq: u16,
    /// end_seq: one past the last sequence number reported.
    pub end_seq: u16,
    /// The chunks, without the null chunk that pads the list to 32 bits.
    pub chunks: List<'a, RleChunk>,
}

impl<'a> RleReport<'a> {
    pub(crate) fn decode(block_type: u8, type_specific: u8, contents: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(contents, "RLE report block");
        if contents.len() < 8 {
            return Err(Error::XrBlockSize {
                block_type,
                length: 4 + contents.len(),
                expected: 12,
            });
        }
        let ssrc = r.u32()?;
        let begin_seq = r.u16()?;
        let end_seq = r.u16()?;
        let mut chunk_bytes = r.rest();
        if let [head @ .., 0, 0] = chunk_bytes {
            chunk_bytes = head;
        }
        Ok(Self {
            thinning: type_specific & 0x0f,
            ssrc,
            begin_seq,
            end_seq,
            chunks: List::parse_all(chunk_bytes, "RLE chunks")?,
        })
    }

    pub(crate) fn contents_size(&self) -> usize {
        8 + pad4(self.chunks.wire_size())
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.ssrc)?;
        w.u16(self.begin_seq)?;
        w.u16(self.end_seq)?;
        w.list(&self.chunks)?;
        if self.chunks.wire_size() % 4 != 0 {
            w.u16(0)?;
        }
        Ok(())
    }

    /// The packets the chunks describe, in order: `(sequence number, bit)`, where the bit
    /// is the run type or vector bit (1 = received for Loss RLE, duplicated for Duplicate
    /// RLE). Sequence numbers step by 2^T and stop at `end_seq`.
    pub fn packets(&self) -> impl Iterator<Item = (u16, bool)> + '_ {
        let step = 1u16 << self.thinning.min(15);
        let span = self.end_seq.wrapping_sub(self.begin_seq) as usize;
        let total = span.div_ceil(usize::from(step));
        self.chunks
            .iter()
            .flat_map(|chunk| {
                let (n, bits, run): (usize, u16, Option<bool>) = match chunk {
                    RleChunk::Run { received, length } => (usize::from(length), 0, Some(received)),
                    RleChunk::BitVector(bits) => (15, bits, None),
                    RleChunk::Null => (0, 0, None),
                };
                (0..n).map(move |i| match run {
                    Some(bit) => bit,
                    None => bits & (0x4000 >> i) != 0,
                })
            })
            .take(total)
            .enumerate()
            .map(move |(i, bit)| {
                (
                    self.begin_seq.wrapping_add((i as u16).wrapping_mul(step)),
                    bit,
                )
            })
    }
}
