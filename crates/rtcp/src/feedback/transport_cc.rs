//! Transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): RTPFB, FMT 15.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|  FMT=15 |    PT=205     |           length              |
//! |                     SSRC of packet sender                     |
//! |                      SSRC of media source                     |
//! |      base sequence number     |      packet status count      |
//! |                 reference time                | fb pkt. count |
//! |          packet chunk         |         packet chunk          |
//! .                                                               .
//! |         packet chunk          |  recv delta   |  recv delta   |
//! .                                                               .
//! |           recv delta          |  recv delta   | zero padding  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{Fci, feedback_packet, fmt};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{Element, FixedElement, List, Reader, Writer, count_field, pad4};
use std::borrow::Cow;

/// A packet status symbol (§3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusSymbol {
    /// 00: packet not received.
    NotReceived,
    /// 01: packet received, small delta (one byte, 0–63.75 ms).
    SmallDelta,
    /// 10: packet received, large or negative delta (two bytes, signed).
    LargeDelta,
    /// 11: reserved.
    Reserved,
}

impl StatusSymbol {
    fn from_bits(bits: u16) -> Self {
        match bits & 3 {
            0 => Self::NotReceived,
            1 => Self::SmallDelta,
            2 => Self::LargeDelta,
            _ => Self::Reserved,
        }
    }

    fn bits(self) -> u16 {
        match self {
            Self::NotReceived => 0,
            Self::SmallDelta => 1,
            Self::LargeDelta => 2,
            Self::Reserved => 3,
        }
    }

    fn delta_size(self) -> usize {
        match self {
            Self::SmallDelta => 1,
            Self::LargeDelta => 2,
            _ => 0,
        }
    }
}

/// A packet status chunk (§3.1.3, §3.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChunk {
    /// Run length chunk: `run_length` (13 bits) packets with the same symbol.
    RunLength {
        /// The symbol of every packet in the run.
        symbol: StatusSymbol,
        /// Run length.
        run_length: u16,
    },
    /// Status vector chunk with 14 one-bit symbols (0 not received, 1 small delta), first
    /// packet in the most significant of the 14 bits.
    OneBitVector(u16),
    /// Status vector chunk with 7 two-bit symbols, first packet most significant.
    TwoBitVector(u16),
}

impl StatusChunk {
    /// How many packets the chunk describes.
    pub fn len(self) -> usize {
        match self {
            Self::RunLength { run_length, .. } => run_length.into(),
            Self::OneBitVector(_) => 14,
            Self::TwoBitVector(_) => 7,
        }
    }

    /// True for a run of length 0.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The symbol of the chunk's `i`-th packet.
    pub fn symbol(self, i: usize) -> StatusSymbol {
        match self {
            Self::RunLength { symbol, .. } => symbol,
            Self::OneBitVector(bits) => {
                if (bits >> (13 - i.min(13))) & 1 == 1 {
                    StatusSymbol::SmallDelta
                } else {
                    StatusSymbol::NotReceived
                }
            }
            Self::TwoBitVector(bits) => StatusSymbol::from_bits(bits >> (12 - 2 * i.min(6))),
        }
    }
}

impl FixedElement for StatusChunk {
    const SIZE: usize = 2;
    const WHAT: &'static str = "transport-cc packet chunk";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let v = r.u16()?;
        Ok(match v >> 14 {
            0 | 1 => Self::RunLength {
                symbol: StatusSymbol::from_bits(v >> 13),
                run_length: v & 0x1fff,
            },
            2 => Self::OneBitVector(v & 0x3fff),
            _ => Self::TwoBitVector(v & 0x3fff),
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        let v = match *self {
            Self::RunLength { symbol, run_length } => {
                if run_length > 0x1fff {
                    return Err(Error::OutOfRange {
                        what: "transport-cc run length",
                        value: run_length.into(),
                    });
                }
                (symbol.bits() << 13) | run_length
            }
            Self::OneBitVector(bits) => 0x8000 | (bits & 0x3fff),
            Self::TwoBitVector(bits) => 0xc000 | (bits & 0x3fff),
        };
        w.u16(v)
    }
}

/// What the feedback says about one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketStatus {
    /// Not received (yet).
    NotReceived,
    /// Received, `delta` × 250 µs after the previous received packet (or the reference time
    /// for the first).
    Received {
        /// recv delta, in 250 µs ticks.
        delta: i16,
    },
}

/// Transport-wide congestion control feedback (RTPFB, FMT 15).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransportCc<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
    /// base sequence number: the transport-wide sequence number of the first packet.
    pub base_sequence_number: u16,
    /// packet status count: packets described, from the base sequence number.
    pub packet_status_count: u16,
    /// reference time: signed 24 bits, in multiples of 64 ms.
    pub reference_time: i32,
    /// fb pkt. count: this feedback's sequence number, modulo 256.
    pub fb_pkt_count: u8,
    /// The packet status chunks.
    pub chunks: List<'a, StatusChunk>,
    /// The recv delta bytes, one or two per received packet as the symbols say.
    pub recv_deltas: Cow<'a, [u8]>,
}

impl TransportCc<'static> {
    /// Builds the feedback for `packets`, the statuses of the packets from
    /// `base_sequence_number` on, choosing run-length or vector chunks and small or large
    /// deltas.
    pub fn build(
        sender_ssrc: u32,
        media_ssrc: u32,
        base_sequence_number: u16,
        reference_time: i32,
        fb_pkt_count: u8,
        packets: &[PacketStatus],
    ) -> Result<Self> {
        let packet_status_count = count_field("transport-cc packet status count", packets.len())?;
        let symbols: Vec<StatusSymbol> = packets
            .iter()
            .map(|p| match *p {
                PacketStatus::NotReceived => StatusSymbol::NotReceived,
                PacketStatus::Received { delta } if (0..=255).contains(&delta) => {
                    StatusSymbol::SmallDelta
                }
                PacketStatus::Received { .. } => StatusSymbol::LargeDelta,
            })
            .collect();
        let mut chunks = Vec::new();
        let mut i = 0;
        while let Some(&first) = symbols.get(i) {
            let rest = symbols.get(i..).unwrap_or(&[]);
            let run = rest
                .iter()
                .take(0x1fff)
                .take_while(|&&s| s == first)
                .count();
            let window14 = rest.get(..rest.len().min(14)).unwrap_or(&[]);
            let small_only = !window14.contains(&StatusSymbol::LargeDelta);
            if run >= 14 || (!small_only && run >= 7) {
                chunks.push(StatusChunk::RunLength {
                    symbol: first,
                    run_length: run as u16,
                });
                i += run;
            } else if small_only {
                let bits = window14.iter().enumerate().fold(0u16, |acc, (j, s)| {
                    acc | (u16::from(*s == StatusSymbol::SmallDelta) << (13 - j))
                });
                chunks.push(StatusChunk::OneBitVector(bits));
                i += window14.len();
            } else {
                let window7 = rest.get(..rest.len().min(7)).unwrap_or(&[]);
                let bits = window7
                    .iter()
                    .enumerate()
                    .fold(0u16, |acc, (j, s)| acc | (s.bits() << (12 - 2 * j)));
                chunks.push(StatusChunk::TwoBitVector(bits));
                i += window7.len();
            }
        }
        let mut recv_deltas = Vec::new();
        for p in packets {
            if let PacketStatus::Received { delta } = *p {
                if (0..=255).contains(&delta) {
                    recv_deltas.push(delta as u8);
                } else {
                    recv_deltas.extend_from_slice(&delta.to_be_bytes());
                }
            }
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            base_sequence_number,
            packet_status_count,
            reference_time,
            fb_pkt_count,
            chunks: chunks.into(),
            recv_deltas: Cow::Owned(recv_deltas),
        })
    }
}

impl<'a> TransportCc<'a> {
    /// The status symbols of the `packet_status_count` packets.
    pub fn symbols(&self) -> impl Iterator<Item = StatusSymbol> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| (0..c.len()).map(move |i| c.symbol(i)))
            .take(self.packet_status_count.into())
    }

    /// Every packet described: its transport-wide sequence number and status.
    pub fn packets(&self) -> impl Iterator<Item = (u16, PacketStatus)> + '_ {
        let mut deltas: &[u8] = &self.recv_deltas;
        self.symbols().enumerate().map(move |(i, s)| {
            let seq = self.base_sequence_number.wrapping_add(i as u16);
            let status = match s {
                StatusSymbol::SmallDelta => {
                    let (d, rest) = deltas.split_first().map_or((0, &[][..]), |(d, r)| (*d, r));
                    deltas = rest;
                    PacketStatus::Received { delta: d.into() }
                }
                StatusSymbol::LargeDelta => {
                    let (d, rest) = deltas
                        .split_first_chunk::<2>()
                        .map_or((0, &[][..]), |(d, r)| (i16::from_be_bytes(*d), r));
                    deltas = rest;
                    PacketStatus::Received { delta: d }
                }
                _ => PacketStatus::NotReceived,
            };
            (seq, status)
        })
    }
}

impl<'a> Fci<'a> for TransportCc<'a> {
    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(fci, "transport-cc FCI");
        let base_sequence_number = r.u16()?;
        let packet_status_count = r.u16()?;
        let reference = r.u24()?;
        let reference_time = ((reference << 8) as i32) >> 8;
        let fb_pkt_count = r.u8()?;
        let mut covered = 0usize;
        let mut n_chunks = 0;
        let mut delta_bytes = 0;
        while covered < usize::from(packet_status_count) {
            let (chunk, _) = StatusChunk::decode(r.take(2)?)?;
            for i in 0..chunk.len().min(usize::from(packet_status_count) - covered) {
                let s = chunk.symbol(i);
                if s == StatusSymbol::Reserved {
                    return Err(Error::ReservedStatusSymbol { index: covered + i });
                }
                delta_bytes += s.delta_size();
            }
            covered += chunk.len();
            n_chunks += 1;
        }
        let chunk_bytes = fci.get(8..8 + 2 * n_chunks).unwrap_or(&[]);
        let recv_deltas = r.take(delta_bytes)?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            base_sequence_number,
            packet_status_count,
            reference_time,
            fb_pkt_count,
            chunks: List::Wire {
                bytes: chunk_bytes,
                count: n_chunks,
            },
            recv_deltas: Cow::Borrowed(recv_deltas),
        })
    }

    fn fci_size(&self) -> usize {
        pad4(8 + self.chunks.wire_size() + self.recv_deltas.len())
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        if !(-0x80_0000..=0x7f_ffff).contains(&self.reference_time) {
            return Err(Error::OutOfRange {
                what: "transport-cc reference time",
                value: self.reference_time as u64,
            });
        }
        let unpadded = 8 + self.chunks.wire_size() + self.recv_deltas.len();
        w.u16(self.base_sequence_number)?;
        w.u16(self.packet_status_count)?;
        w.u24(self.reference_time as u32 & 0xff_ffff)?;
        w.u8(self.fb_pkt_count)?;
        w.list(&self.chunks)?;
        w.put(&self.recv_deltas)?;
        w.zeros(pad4(unpadded) - unpadded)
    }
}

feedback_packet!(TransportCc<'a>, packet_type::RTPFB, fmt::TRANSPORT_CC);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;

    #[test]
    fn long_runs_use_run_length_chunks() {
        let mut statuses = vec![PacketStatus::NotReceived; 20];
        statuses.extend([PacketStatus::Received { delta: 1 }; 3]);
        let built = TransportCc::build(1, 2, 65530, -1, 0, &statuses).unwrap();
        assert_eq!(
            built.chunks.iter().collect::<Vec<_>>(),
            [
                StatusChunk::RunLength {
                    symbol: StatusSymbol::NotReceived,
                    run_length: 20
                },
                StatusChunk::OneBitVector(0b11100000000000),
            ]
        );
        let bytes = built.to_vec().unwrap();
        assert_eq!(
            &bytes[12..20],
            &[0xff, 0xfa, 0x00, 0x17, 0xff, 0xff, 0xff, 0x00]
        );
        let parsed = TransportCc::parse(&bytes).unwrap();
        assert_eq!(
            parsed.packets().last(),
            Some((
                65530u16.wrapping_add(22),
                PacketStatus::Received { delta: 1 }
            ))
        );
    }

    #[test]
    fn malformed() {
        let head = [
            0x8f, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0,
        ];
        // Three packets announced, no chunk.
        assert_eq!(
            TransportCc::parse(&head),
            Err(Error::Truncated {
                what: "transport-cc FCI",
                needed: 10,
                got: 8
            })
        );
        // A run of reserved symbols.
        let mut reserved = [0u8; 24];
        reserved[..20].copy_from_slice(&head);
        reserved[3] = 5;
        reserved[20..22].copy_from_slice(&[0x60, 0x03]);
        assert_eq!(
            TransportCc::parse(&reserved),
            Err(Error::ReservedStatusSymbol { index: 0 })
        );
        // Two small deltas announced, none present.
        reserved[20..22].copy_from_slice(&[0x20, 0x03]);
        assert_eq!(
            TransportCc::parse(&reserved),
            Err(Error::Truncated {
                what: "transport-cc FCI",
                needed: 13,
                got: 12
            })
        );
    }
}
