//! Reading one H.264 RTP payload (RFC 6184 §5.6–5.8): a single NAL unit, a STAP-A, or an
//! FU-A. The structures of the interleaved mode are refused.

use super::nal::{is_packet_type, nal_type, types};
use crate::payload::PayloadError;

/// One H.264 RTP payload, read and checked (RFC 6184 §5.2).
///
/// Only the structures of packetization modes 0 and 1 are read: STAP-B, MTAP16, MTAP24
/// and FU-B (interleaved mode, §5.7.2, §5.8) are refused with
/// [`PayloadError::H264InterleavedUnsupported`], NAL unit types 0, 30 and 31 (reserved by
/// §5.4) with [`PayloadError::H264ReservedType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H264Packet<'a> {
    /// A single NAL unit packet (§5.6): the payload is the NAL unit, header included.
    Single(&'a [u8]),
    /// A single-time aggregation packet (§5.7.1): several NAL units of one access unit.
    StapA(StapA<'a>),
    /// A fragmentation unit (§5.8): part of one NAL unit.
    FuA(FuA<'a>),
}

/// A STAP-A payload whose NAL unit sizes were checked to tile it exactly.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |STAP-A NAL HDR |         NALU 1 Size           | NALU 1 HDR    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         NALU 1 Data  ...      | NALU 2 Size   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StapA<'a> {
    header: u8,
    units: &'a [u8],
    count: usize,
}

impl<'a> StapA<'a> {
    /// The STAP-A's own NAL unit header octet (F, NRI, type 24).
    pub fn header(&self) -> u8 {
        self.header
    }

    /// Number of NAL units aggregated, at least one.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always false: a STAP-A is only read with at least one NAL unit.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The aggregated NAL units, in order.
    pub fn nal_units(&self) -> StapUnits<'a> {
        StapUnits { rest: self.units }
    }
}

/// The NAL units of a checked STAP-A, in order.
#[derive(Debug, Clone)]
pub struct StapUnits<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for StapUnits<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (unit, rest) = split_unit(self.rest).ok()??;
        self.rest = rest;
        Some(unit)
    }
}

/// A NAL unit and what follows it.
type Split<'a> = (&'a [u8], &'a [u8]);

/// Splits the first size-prefixed NAL unit off a STAP-A body: `None` at its end.
fn split_unit(body: &[u8]) -> Result<Option<Split<'_>>, PayloadError> {
    match body {
        [] => Ok(None),
        [hi, lo, rest @ ..] => {
            let size = usize::from(u16::from_be_bytes([*hi, *lo]));
            if size == 0 {
                return Err(PayloadError::H264EmptyNal);
            }
            if size > rest.len() {
                return Err(PayloadError::H264StapLength {
                    declared: size,
                    available: rest.len(),
                });
            }
            Ok(Some(rest.split_at(size)))
        }
        [_] => Err(PayloadError::Truncated { needed: 2, got: 1 }),
    }
}

/// An FU-A payload (RFC 6184 §5.8).
///
/// ```text
///  FU indicator     FU header
/// +---------------+---------------+
/// |F|NRI|  Type   |S|E|R|  Type   |
/// +---------------+---------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuA<'a> {
    /// The FU indicator octet: F and NRI of the fragmented NAL unit, type 28.
    pub indicator: u8,
    /// S: this fragment starts the NAL unit.
    pub start: bool,
    /// E: this fragment ends the NAL unit.
    pub end: bool,
    /// The fragmented NAL unit's type.
    pub nal_type: u8,
    /// The fragment: a part of the NAL unit after its header octet.
    pub data: &'a [u8],
}

impl FuA<'_> {
    /// The header octet of the fragmented NAL unit, rebuilt from the FU indicator's F and
    /// NRI and the FU header's type (§5.8).
    pub fn nal_header(&self) -> u8 {
        (self.indicator & 0xE0) | self.nal_type
    }
}

const FU_START: u8 = 0x80;
const FU_END: u8 = 0x40;

impl<'a> H264Packet<'a> {
    /// Reads an RTP payload of packetization mode 0 or 1 (RFC 6184 §5.6–5.8).
    ///
    /// Refuses, besides a truncated payload: the interleaved-mode structures and reserved
    /// types (see the type's documentation); a STAP-A with no NAL unit, a NAL unit of size
    /// zero ([`PayloadError::H264EmptyNal`]), a size past the payload's end
    /// ([`PayloadError::H264StapLength`]) or an aggregated aggregation or fragmentation
    /// packet ([`PayloadError::H264PacketTypeAsNal`]); an FU-A with both S and E set
    /// ([`PayloadError::H264FuStartAndEnd`], forbidden by §5.8), with no fragment data, or
    /// fragmenting a packet type.
    pub fn parse(payload: &'a [u8]) -> Result<Self, PayloadError> {
        let header = *payload
            .first()
            .ok_or(PayloadError::Truncated { needed: 1, got: 0 })?;
        match nal_type(header) {
            types::STAP_A => {
                let units = payload.get(1..).unwrap_or_default();
                let mut rest = units;
                let mut count = 0;
                while let Some((unit, next)) = split_unit(rest)? {
                    // split_unit never yields an empty unit.
                    let inner = nal_type(unit.first().copied().unwrap_or(0));
                    if is_packet_type(inner) {
                        return Err(PayloadError::H264PacketTypeAsNal { nal_type: inner });
                    }
                    count += 1;
                    rest = next;
                }
                if count == 0 {
                    return Err(PayloadError::Truncated {
                        needed: 4,
                        got: payload.len(),
                    });
                }
                Ok(Self::StapA(StapA {
                    header,
                    units,
                    count,
                }))
            }
            types::FU_A => {
                let [indicator, fu, data @ ..] = payload else {
                    return Err(PayloadError::Truncated {
                        needed: 3,
                        got: payload.len(),
                    });
                };
                if data.is_empty() {
                    return Err(PayloadError::Truncated { needed: 3, got: 2 });
                }
                let fu_a = FuA {
                    indicator: *indicator,
                    start: fu & FU_START != 0,
                    end: fu & FU_END != 0,
                    nal_type: nal_type(*fu),
                    data,
                };
                if fu_a.start && fu_a.end {
                    return Err(PayloadError::H264FuStartAndEnd);
                }
                if is_packet_type(fu_a.nal_type) {
                    return Err(PayloadError::H264PacketTypeAsNal {
                        nal_type: fu_a.nal_type,
                    });
                }
                Ok(Self::FuA(fu_a))
            }
            t @ (types::STAP_B | types::MTAP16 | types::MTAP24 | types::FU_B) => {
                Err(PayloadError::H264InterleavedUnsupported { packet_type: t })
            }
            t @ (0 | 30 | 31) => Err(PayloadError::H264ReservedType { nal_type: t }),
            _ => Ok(Self::Single(payload)),
        }
    }

    /// The header octet of the first NAL unit the payload carries or starts; `None` for
    /// an FU-A that continues a NAL unit.
    pub fn first_nal_header(&self) -> Option<u8> {
        match self {
            Self::Single(nal) => nal.first().copied(),
            Self::StapA(stap) => stap.nal_units().next().and_then(|n| n.first().copied()),
            Self::FuA(fu) => fu.start.then(|| fu.nal_header()),
        }
    }

    /// Whether the payload begins with a NAL unit that can open an access unit (ITU-T
    /// H.264 §7.4.1.2.3): an access unit delimiter, SEI, sequence or picture parameter
    /// set, types 14 to 18, or the first slice of a picture (`first_mb_in_slice` = 0).
    /// Only a hint: a packet whose predecessor arrived is placed by that packet.
    pub fn may_start_access_unit(&self) -> bool {
        let Some(header) = self.first_nal_header() else {
            return false;
        };
        // The octet after the NAL header: the slice header starts with first_mb_in_slice,
        // ue(v), whose value 0 is the single bit 1.
        let after_header = match self {
            Self::Single(nal) => nal.get(1).copied(),
            Self::StapA(stap) => stap.nal_units().next().and_then(|n| n.get(1).copied()),
            Self::FuA(fu) => fu.data.first().copied(),
        };
        match nal_type(header) {
            types::SEI | types::SPS | types::PPS | types::AUD | 14..=18 => true,
            types::SLICE | types::PARTITION_A | types::IDR => {
                after_header.is_some_and(|b| b & 0x80 != 0)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_single_nal_unit_packet() {
        let payload = [0x65, 0x88, 0x80, 0x40];
        let packet = H264Packet::parse(&payload).unwrap();
        assert_eq!(packet, H264Packet::Single(&payload));
        assert_eq!(packet.first_nal_header(), Some(0x65));
        assert!(packet.may_start_access_unit());
        // A slice that is not the picture's first (first_mb_in_slice = 1: bits 010).
        assert!(
            !H264Packet::parse(&[0x41, 0x40])
                .unwrap()
                .may_start_access_unit()
        );
    }

    #[test]
    fn reads_a_stap_a() {
        // STAP-A (NRI 3) holding an SPS of 4 octets and a PPS of 2 (RFC 6184 Figure 7).
        let payload = [
            0x78, 0x00, 0x04, 0x67, 0x42, 0xE0, 0x1F, 0x00, 0x02, 0x68, 0xCE,
        ];
        let H264Packet::StapA(stap) = H264Packet::parse(&payload).unwrap() else {
            panic!("not a STAP-A");
        };
        assert_eq!((stap.header(), stap.len()), (0x78, 2));
        let units: Vec<&[u8]> = stap.nal_units().collect();
        assert_eq!(units, [&[0x67, 0x42, 0xE0, 0x1F][..], &[0x68, 0xCE]]);
    }

    #[test]
    fn refuses_hostile_stap_a() {
        let cases: [(&[u8], PayloadError); 6] = [
            (&[0x78], PayloadError::Truncated { needed: 4, got: 1 }),
            (
                &[0x78, 0x00, 0x05, 0x67, 0x42],
                PayloadError::H264StapLength {
                    declared: 5,
                    available: 2,
                },
            ),
            (
                &[0x78, 0x00, 0x00, 0x00, 0x01, 0x67],
                PayloadError::H264EmptyNal,
            ),
            (
                &[0x78, 0x00, 0x01, 0x67, 0x00],
                PayloadError::Truncated { needed: 2, got: 1 },
            ),
            (
                &[0x78, 0x00, 0x02, 0x7C, 0x85],
                PayloadError::H264PacketTypeAsNal { nal_type: 28 },
            ),
            (
                &[0x78, 0x00, 0x01, 0x78],
                PayloadError::H264PacketTypeAsNal { nal_type: 24 },
            ),
        ];
        for (payload, error) in cases {
            assert_eq!(H264Packet::parse(payload), Err(error), "{payload:02x?}");
        }
    }

    #[test]
    fn reads_and_refuses_fu_a() {
        let H264Packet::FuA(fu) = H264Packet::parse(&[0x7C, 0x85, 0x88, 0x80]).unwrap() else {
            panic!("not an FU-A");
        };
        assert_eq!(
            (fu.start, fu.end, fu.nal_type, fu.data, fu.nal_header()),
            (true, false, 5, &[0x88, 0x80][..], 0x65)
        );
        let cases: [(&[u8], PayloadError); 4] = [
            (&[0x7C], PayloadError::Truncated { needed: 3, got: 1 }),
            (&[0x7C, 0x85], PayloadError::Truncated { needed: 3, got: 2 }),
            (&[0x7C, 0xC5, 0x88], PayloadError::H264FuStartAndEnd),
            (
                &[0x7C, 0x9C, 0x88],
                PayloadError::H264PacketTypeAsNal { nal_type: 28 },
            ),
        ];
        for (payload, error) in cases {
            assert_eq!(H264Packet::parse(payload), Err(error), "{payload:02x?}");
        }
    }

    #[test]
    fn refuses_interleaved_and_reserved_types() {
        for t in [25u8, 26, 27, 29] {
            assert_eq!(
                H264Packet::parse(&[0x60 | t, 0, 0, 0, 0]),
                Err(PayloadError::H264InterleavedUnsupported { packet_type: t })
            );
        }
        for t in [0u8, 30, 31] {
            assert_eq!(
                H264Packet::parse(&[0x60 | t, 1]),
                Err(PayloadError::H264ReservedType { nal_type: t })
            );
        }
        assert_eq!(
            H264Packet::parse(&[]),
            Err(PayloadError::Truncated { needed: 1, got: 0 })
        );
    }
}
