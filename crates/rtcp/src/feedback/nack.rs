//! Generic NACK (RFC 4585 §6.2.1).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            PID                |             BLP               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{FeedbackMessage, entries, feedback_packet, fmt, write_entries};
use crate::error::Result;
use crate::header::packet_type;
use crate::wire::{Element, List, Reader, Writer};

/// One NACK entry: a lost packet (PID) and a bitmask of the 16 after it (BLP: bit i set
/// means PID + i + 1 is lost too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackPair {
    /// PID: packet ID of a lost packet.
    pub pid: u16,
    /// BLP: bitmask of following lost packets.
    pub blp: u16,
}

impl NackPair {
    /// Every sequence number this pair reports lost, PID first.
    pub fn lost(self) -> impl Iterator<Item = u16> {
        core::iter::once(self.pid).chain(
            (0..16u16)
                .filter(move |i| self.blp & (1 << i) != 0)
                .map(move |i| self.pid.wrapping_add(i + 1)),
        )
    }
}

impl Element<'_> for NackPair {
    const FIXED_SIZE: Option<usize> = Some(4);

    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, "NACK pair");
        Ok((
            Self {
                pid: r.u16()?,
                blp: r.u16()?,
            },
            4,
        ))
    }

    fn wire_size(&self) -> usize {
        4
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(out, 4)?;
        w.u16(self.pid)?;
        w.u16(self.blp)
    }
}

/// Generic NACK (RFC 4585 §6.2.1): RTPFB, FMT 1.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GenericNack<'a> {
    /// SSRC of packet sender.
    pub sender_ssrc: u32,
    /// SSRC of media source.
    pub media_ssrc: u32,
    /// The PID/BLP pairs (at least one).
    pub pairs: List<'a, NackPair>,
}

impl GenericNack<'_> {
    /// Packs lost sequence numbers, given in sending order (wrapping allowed), into PID/BLP
    /// pairs: each pair covers its PID and the 16 numbers after it.
    pub fn pairs_from_lost(lost: &[u16]) -> Vec<NackPair> {
        let mut pairs: Vec<NackPair> = Vec::new();
        for &seq in lost {
            match pairs.last_mut() {
                Some(p) if seq == p.pid => {}
                Some(p) if (1..=16).contains(&seq.wrapping_sub(p.pid)) => {
                    p.blp |= 1 << (seq.wrapping_sub(p.pid) - 1);
                }
                _ => pairs.push(NackPair { pid: seq, blp: 0 }),
            }
        }
        pairs
    }

    /// Every sequence number reported lost, pair by pair.
    pub fn lost(&self) -> impl Iterator<Item = u16> + '_ {
        self.pairs.iter().flat_map(NackPair::lost)
    }
}

impl<'a> FeedbackMessage<'a> for GenericNack<'a> {
    const PACKET_TYPE: u8 = packet_type::RTPFB;
    const FMT: u8 = fmt::NACK;

    fn ssrcs(&self) -> (u32, u32) {
        (self.sender_ssrc, self.media_ssrc)
    }

    fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            pairs: entries::<Self, _>(fci, false, "NACK FCI")?,
        })
    }

    fn fci_size(&self) -> usize {
        self.pairs.wire_size()
    }

    fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
        write_entries::<Self, _>(w, false, &self.pairs)
    }
}

feedback_packet!(GenericNack<'a>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::error::Error;

    #[test]
    fn wire_bytes() {
        let bytes = [
            0x81, 0xcd, 0x00, 0x03, // V=2 FMT=1 PT=205 length=3
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02, // SSRC of media source
            0x00, 0x64, 0x00, 0x05, // PID=100, BLP=0b101: 101 and 103 lost too
        ];
        let nack = GenericNack::parse(&bytes).unwrap();
        assert_eq!(nack.lost().collect::<Vec<_>>(), [100, 101, 103]);
        assert_eq!(nack.to_vec().unwrap(), bytes);
        assert_eq!(
            GenericNack::parse(&[0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]),
            Err(Error::FciSize {
                packet_type: 205,
                fmt: 1,
                length: 0
            })
        );
        assert_eq!(
            GenericNack::parse(&[0x82, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]),
            Err(Error::WrongFormat {
                packet_type: 205,
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn lost_to_pairs_and_back() {
        let lost = [65534, 65535, 0, 16, 17, 40];
        let pairs = GenericNack::pairs_from_lost(&lost);
        assert_eq!(
            pairs,
            [
                NackPair {
                    pid: 65534,
                    blp: 0b11
                }, // 65535 and 0 across the wrap
                NackPair { pid: 16, blp: 0b1 }, // 18 after 65534: a new pair, with 17
                NackPair { pid: 40, blp: 0 },
            ]
        );
        let nack = GenericNack {
            pairs: pairs.into(),
            ..Default::default()
        };
        assert_eq!(nack.lost().collect::<Vec<_>>(), lost);
    }
}
