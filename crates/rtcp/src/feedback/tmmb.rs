//! TMMBR and TMMBN (RFC 5104 §4.2.1, §4.2.2).
//!
//! ```text
//! FCI, one or more of:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                              SSRC                             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | MxTBR Exp |  MxTBR Mantissa                 |Measured Overhead|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{entry_list_message, fmt};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{FixedElement, Reader, Writer};

/// One TMMBR/TMMBN entry (RFC 5104 §4.2.1.1): a maximum total media bit rate as a 6-bit
/// exponent and a 17-bit mantissa (bit rate = mantissa × 2^exp bit/s), and the per-packet
/// overhead it assumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TmmbItem {
    /// SSRC: the media sender the limit applies to.
    pub ssrc: u32,
    /// MxTBR Exp (6 bits).
    pub exponent: u8,
    /// MxTBR Mantissa (17 bits).
    pub mantissa: u32,
    /// Measured Overhead, bytes per packet (9 bits).
    pub overhead: u16,
}

impl TmmbItem {
    /// An entry for `bitrate` bit/s, with the smallest exponent whose mantissa fits.
    pub fn new(ssrc: u32, bitrate: u64, overhead: u16) -> Self {
        let mut exponent = 0u8;
        while (bitrate >> exponent) > 0x1_ffff {
            exponent += 1;
        }
        Self {
            ssrc,
            exponent,
            mantissa: (bitrate >> exponent) as u32,
            overhead,
        }
    }

    /// The maximum total media bit rate, bit/s (saturating).
    pub fn bitrate(&self) -> u64 {
        u64::from(self.mantissa)
            .checked_shl(self.exponent.into())
            .filter(|b| b >> self.exponent == u64::from(self.mantissa))
            .unwrap_or(u64::MAX)
    }
}

impl FixedElement for TmmbItem {
    const SIZE: usize = 8;
    const WHAT: &'static str = "TMMBR/TMMBN entry";

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let ssrc = r.u32()?;
        let v = r.u32()?;
        Ok(Self {
            ssrc,
            exponent: (v >> 26) as u8,
            mantissa: (v >> 9) & 0x1_ffff,
            overhead: (v & 0x1ff) as u16,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        let fields = [
            ("MxTBR Exp", u32::from(self.exponent), 0x3f),
            ("MxTBR Mantissa", self.mantissa, 0x1_ffff),
            ("Measured Overhead", u32::from(self.overhead), 0x1ff),
        ];
        if let Some(&(what, value, _)) = fields.iter().find(|(_, value, max)| value > max) {
            return Err(Error::OutOfRange {
                what,
                value: value.into(),
            });
        }
        w.u32(self.ssrc)?;
        w.u32((u32::from(self.exponent) << 26) | (self.mantissa << 9) | u32::from(self.overhead))
    }
}

entry_list_message!(
    /// Temporary Maximum Media Stream Bit Rate Request (RFC 5104 §4.2.1): RTPFB, FMT 3.
    Tmmbr {
        /// SSRC of media source (0: the entries name the sources).
        media_ssrc,
        /// The entries (at least one).
        items: TmmbItem,
    }
    packet_type::RTPFB, fmt::TMMBR, "TMMBR FCI", allow_empty: false
);

entry_list_message!(
    /// Temporary Maximum Media Stream Bit Rate Notification (RFC 5104 §4.2.2): RTPFB,
    /// FMT 4. An empty bounding set is allowed.
    Tmmbn {
        /// SSRC of media source (0: the entries name the sources).
        media_ssrc,
        /// The entries (the bounding set; may be empty).
        items: TmmbItem,
    }
    packet_type::RTPFB, fmt::TMMBN, "TMMBN FCI", allow_empty: true
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrate() {
        assert_eq!(TmmbItem::new(1, 1_000_000, 40).bitrate(), 1_000_000);
        let largest = TmmbItem {
            exponent: 63,
            mantissa: 0x1_ffff,
            ..Default::default()
        };
        assert_eq!(largest.bitrate(), u64::MAX);
    }
}
