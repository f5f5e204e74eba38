//! Generic NACK (RFC 4585 §6.2.1).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            PID                |             BLP               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{entry_list_message, fmt};
use crate::header::packet_type;
use crate::wire::wire_record;

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

wire_record!(NackPair, "NACK pair", 4: pid: u16, blp: u16);

entry_list_message!(
    /// Generic NACK (RFC 4585 §6.2.1): RTPFB, FMT 1.
    GenericNack {
        /// SSRC of media source.
        media_ssrc,
        /// The PID/BLP pairs (at least one).
        pairs: NackPair,
    }
    packet_type::RTPFB, fmt::NACK, "NACK FCI", allow_empty: false
);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_lists_its_losses() {
        let pair = NackPair {
            pid: 100,
            blp: 0b101,
        };
        assert_eq!(pair.lost().collect::<Vec<_>>(), [100, 101, 103]);
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
