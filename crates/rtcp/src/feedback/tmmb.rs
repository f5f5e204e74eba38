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

use super::{FeedbackMessage, entries, feedback_packet, fmt, write_entries};
use crate::error::{Error, Result};
use crate::header::packet_type;
use crate::wire::{Element, List, Reader, Writer};

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

impl Element<'_> for TmmbItem {
    const FIXED_SIZE: Option<usize> = Some(8);

    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let mut r = Reader::new(bytes, "TMMBR/TMMBN entry");
        let ssrc = r.u32()?;
        let v = r.u32()?;
        let item = Self {
            ssrc,
            exponent: (v >> 26) as u8,
            mantissa: (v >> 9) & 0x1_ffff,
            overhead: (v & 0x1ff) as u16,
        };
        Ok((item, 8))
    }

    fn wire_size(&self) -> usize {
        8
    }

    fn encode(&self, out: &mut [u8]) -> Result<()> {
        if self.exponent > 0x3f {
            return Err(Error::OutOfRange {
                what: "MxTBR Exp",
                value: self.exponent.into(),
            });
        }
        if self.mantissa > 0x1_ffff {
            return Err(Error::OutOfRange {
                what: "MxTBR Mantissa",
                value: self.mantissa.into(),
            });
        }
        if self.overhead > 0x1ff {
            return Err(Error::OutOfRange {
                what: "Measured Overhead",
                value: self.overhead.into(),
            });
        }
        let mut w = Writer::new(out, 8)?;
        w.u32(self.ssrc)?;
        w.u32((u32::from(self.exponent) << 26) | (self.mantissa << 9) | u32::from(self.overhead))
    }
}

macro_rules! tmmb_message {
    ($(#[$doc:meta])* $name:ident, $fmt:expr, $what:literal, $allow_empty:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name<'a> {
            /// SSRC of packet sender.
            pub sender_ssrc: u32,
            /// SSRC of media source (0: the entries name the sources).
            pub media_ssrc: u32,
            /// The entries.
            pub items: List<'a, TmmbItem>,
        }

        impl<'a> FeedbackMessage<'a> for $name<'a> {
            const PACKET_TYPE: u8 = packet_type::RTPFB;
            const FMT: u8 = $fmt;

            fn ssrcs(&self) -> (u32, u32) {
                (self.sender_ssrc, self.media_ssrc)
            }

            fn from_fci(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self> {
                let items = entries::<Self, _>(fci, $allow_empty, $what)?;
                Ok(Self { sender_ssrc, media_ssrc, items })
            }

            fn fci_size(&self) -> usize {
                self.items.wire_size()
            }

            fn write_fci(&self, w: &mut Writer<'_>) -> Result<()> {
                write_entries::<Self, _>(w, $allow_empty, &self.items)
            }
        }

        feedback_packet!($name<'a>);
    };
}

tmmb_message!(
    /// Temporary Maximum Media Stream Bit Rate Request (RFC 5104 §4.2.1): RTPFB, FMT 3.
    Tmmbr,
    fmt::TMMBR,
    "TMMBR FCI",
    false
);

tmmb_message!(
    /// Temporary Maximum Media Stream Bit Rate Notification (RFC 5104 §4.2.2): RTPFB,
    /// FMT 4. An empty bounding set is allowed.
    Tmmbn,
    fmt::TMMBN,
    "TMMBN FCI",
    true
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;

    #[test]
    fn tmmbr_wire_bytes() {
        let tmmbr = Tmmbr {
            sender_ssrc: 1,
            media_ssrc: 0,
            items: vec![TmmbItem::new(0x1234_5678, 1_000_000, 40)].into(),
        };
        let bytes = tmmbr.to_vec().unwrap();
        // 1_000_000 = 125_000 × 2^3
        assert_eq!(
            bytes,
            [
                0x83, 0xcd, 0x00, 0x04, // V=2 FMT=3 PT=205 length=4
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00, // SSRC of media source
                0x12, 0x34, 0x56, 0x78, // SSRC
                0x0f, 0xd0, 0x90,
                0x28, // Exp=3 (6 bits), Mantissa=125000 (17 bits), Overhead=40 (9 bits)
            ]
        );
        let parsed = Tmmbr::parse(&bytes).unwrap();
        assert_eq!(parsed, tmmbr);
        assert_eq!(
            parsed.items.iter().next().map(|i| i.bitrate()),
            Some(1_000_000)
        );
        let empty = [0x83, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(
            Tmmbr::parse(&empty),
            Err(Error::FciSize {
                packet_type: 205,
                fmt: 3,
                length: 0
            })
        );
    }

    #[test]
    fn tmmbn_may_be_empty() {
        let empty = [
            0x84, 0xcd, 0x00, 0x02, // V=2 FMT=4 PT=205 length=2
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00, // SSRC of media source
        ];
        let tmmbn = Tmmbn::parse(&empty).unwrap();
        assert!(tmmbn.items.is_empty());
        assert_eq!(tmmbn.to_vec().unwrap(), empty);
        assert_eq!(
            TmmbItem {
                exponent: 63,
                mantissa: 0x1_ffff,
                ..Default::default()
            }
            .bitrate(),
            u64::MAX
        );
    }
}
