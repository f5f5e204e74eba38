//! NAL units as the packetizer takes them: an Annex B byte stream (ITU-T H.264 Annex B)
//! or a list of NAL units, walked without allocating.

use crate::payload::PayloadError;

/// NAL unit types the payload format names (ITU-T H.264 Table 7-1, RFC 6184 §5.4).
pub(crate) mod types {
    /// Coded slice of a non-IDR picture.
    pub const SLICE: u8 = 1;
    /// Coded slice data partition A.
    pub const PARTITION_A: u8 = 2;
    /// Coded slice of an IDR picture.
    pub const IDR: u8 = 5;
    /// Supplemental enhancement information.
    pub const SEI: u8 = 6;
    /// Sequence parameter set.
    pub const SPS: u8 = 7;
    /// Picture parameter set.
    pub const PPS: u8 = 8;
    /// Access unit delimiter.
    pub const AUD: u8 = 9;
    /// Single-time aggregation packet A (RFC 6184 §5.7.1).
    pub const STAP_A: u8 = 24;
    /// Single-time aggregation packet B (interleaved mode).
    pub const STAP_B: u8 = 25;
    /// Multi-time aggregation packet with 16-bit offsets.
    pub const MTAP16: u8 = 26;
    /// Multi-time aggregation packet with 24-bit offsets.
    pub const MTAP24: u8 = 27;
    /// Fragmentation unit A (RFC 6184 §5.8).
    pub const FU_A: u8 = 28;
    /// Fragmentation unit B (interleaved mode).
    pub const FU_B: u8 = 29;
}

/// The type field of a NAL unit header octet (`F | NRI | Type`, RFC 6184 §5.3).
pub(crate) fn nal_type(header: u8) -> u8 {
    header & 0x1F
}

/// Whether `nal_type` is one RFC 6184 takes for its own packet structures (24 to 29) or
/// reserves (0, 30, 31, §5.4): not a NAL unit that can travel in an RTP payload.
pub(crate) fn is_packet_type(nal_type: u8) -> bool {
    nal_type == 0 || nal_type >= types::STAP_A
}

/// Checks that a NAL unit given to the packetizer can be sent: not empty, and not of a
/// type a receiver would read as a packet structure or refuse as reserved.
pub(crate) fn check_nal(nal: &[u8]) -> Result<(), PayloadError> {
    let header = *nal.first().ok_or(PayloadError::H264EmptyNal)?;
    if is_packet_type(nal_type(header)) {
        return Err(PayloadError::H264PacketTypeAsNal {
            nal_type: nal_type(header),
        });
    }
    Ok(())
}

/// The NAL units of one access unit, walked in order: a cheap, copyable cursor.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Nals<'a> {
    /// An Annex B byte stream: the part not walked yet.
    AnnexB(&'a [u8]),
    /// A list of NAL units: the ones not walked yet.
    List(&'a [&'a [u8]]),
}

impl<'a> Nals<'a> {
    /// A cursor over an Annex B byte stream. Fails unless the stream starts with a start
    /// code (after any leading zero octets, Annex B's `leading_zero_8bits`).
    pub(crate) fn annex_b(stream: &'a [u8]) -> Result<Self, PayloadError> {
        let zeros = stream.iter().take_while(|&&b| b == 0).count();
        if zeros < 2 || stream.get(zeros) != Some(&1) {
            return Err(PayloadError::H264NotAnnexB);
        }
        Ok(Self::AnnexB(stream.get(zeros + 1..).unwrap_or_default()))
    }
}

impl<'a> Iterator for Nals<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            Self::List(list) => {
                let (first, rest) = list.split_first()?;
                *list = rest;
                Some(first)
            }
            Self::AnnexB(rest) => loop {
                if rest.is_empty() {
                    return None;
                }
                // The NAL unit runs to the next start code; zero octets before it are
                // Annex B's trailing_zero_8bits (a NAL unit never ends in 0x00, H.264
                // §7.4.1), and an empty run between start codes holds no NAL unit.
                let (unit, next) = match find_start_code(rest) {
                    Some(at) => (&rest[..at], &rest[at + 3..]),
                    None => (&rest[..], &[][..]),
                };
                *rest = next;
                let end = unit.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                if end > 0 {
                    return Some(&unit[..end]);
                }
            },
        }
    }
}

/// Offset of the first `00 00 01` in `data`.
fn find_start_code(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(window) = data.get(i..i + 3) {
        match window {
            [0, 0, 1] => return Some(i),
            // The window cannot hold a start code before its last zero.
            [_, _, b] if *b > 1 => i += 3,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(stream: &[u8]) -> Result<Vec<Vec<u8>>, PayloadError> {
        Ok(Nals::annex_b(stream)?.map(<[u8]>::to_vec).collect())
    }

    #[test]
    fn splits_annex_b_at_three_and_four_octet_start_codes() {
        let stream = [
            0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xCE, 0, 0, 0, 0, 1, 0x65, 0x88, 0x84, 0,
        ];
        assert_eq!(
            walk(&stream),
            Ok(vec![
                vec![0x67, 0x42],
                vec![0x68, 0xCE],
                vec![0x65, 0x88, 0x84]
            ])
        );
        // An empty run between start codes and zero padding hold no NAL unit.
        assert_eq!(
            walk(&[0, 0, 1, 0, 0, 1, 0x09, 0xF0, 0, 0]),
            Ok(vec![vec![0x09, 0xF0]])
        );
        assert_eq!(walk(&[0, 0, 1]), Ok(vec![]));
        // Octets of a NAL unit that merely look like part of a start code stay.
        assert_eq!(
            walk(&[0, 0, 1, 0x41, 0, 0, 2, 1]),
            Ok(vec![vec![0x41, 0, 0, 2, 1]])
        );
    }

    #[test]
    fn refuses_a_stream_without_a_leading_start_code() {
        for bad in [
            &[][..],
            &[0x65, 0, 0, 1, 0x65],
            &[0, 1, 0x65],
            &[0, 0, 2, 0x65],
        ] {
            assert_eq!(walk(bad), Err(PayloadError::H264NotAnnexB), "{bad:?}");
        }
    }

    #[test]
    fn checks_nal_units_before_sending() {
        assert_eq!(check_nal(&[]), Err(PayloadError::H264EmptyNal));
        assert_eq!(
            check_nal(&[0x7C, 0x85]),
            Err(PayloadError::H264PacketTypeAsNal { nal_type: 28 })
        );
        assert_eq!(
            check_nal(&[0x00, 0x85]),
            Err(PayloadError::H264PacketTypeAsNal { nal_type: 0 })
        );
        assert_eq!(check_nal(&[0x65]), Ok(()));
    }
}
