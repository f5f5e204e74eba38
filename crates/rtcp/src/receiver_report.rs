//! RR: receiver report (RFC 3550 §6.4.2).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|    RC   |   PT=RR=201   |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     SSRC of packet sender                     |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                 report blocks (RC × 24 bytes)                 |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                  profile-specific extensions                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::Result;
use crate::header::packet_type;
use crate::packet::Packet;
use crate::report_block::{ReportBlock, parse_report, report_size, write_report};
use crate::wire::List;
use std::borrow::Cow;

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport<'a> {
    /// SSRC of packet sender.
    pub ssrc: u32,
    /// Reception report blocks, at most 31.
    pub reports: List<'a, ReportBlock>,
    /// profile-specific extensions, kept as they came; written
    /// zero-padded to a multiple of 4 bytes.
    pub profile_extensions: Cow<'a, [u8]>,
}

impl<'a> Packet<'a> for ReceiverReport<'a> {
    #[inline]
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let what = "receiver report";
        let parts = parse_report::<4>(packet, packet_type::RR, what, "RR report blocks")?;
        Ok(Self {
            ssrc: u32::from_be_bytes(*parts.fixed),
            reports: parts.reports,
            profile_extensions: parts.extensions,
        })
    }

    #[inline]
    fn size(&self) -> usize {
        report_size(4, &self.reports, &self.profile_extensions)
    }

    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let ssrc = self.ssrc.to_be_bytes();
        write_report(
            buf,
            packet_type::RR,
            &ssrc,
            &self.reports,
            &self.profile_extensions,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn empty_rr_and_one_block() {
        let empty = [
            0x80, 0xc9, 0x00, 0x01, // V=2 RC=0 PT=201 length=1
            0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        ];
        let rr = ReceiverReport::parse(&empty).unwrap();
        assert_eq!((rr.ssrc, rr.reports.len()), (1, 0));
        assert_eq!(rr.to_vec().unwrap(), empty);

        let one = ReceiverReport {
            ssrc: 0x0102_0304,
            reports: vec![ReportBlock {
                ssrc: 5,
                cumulative_lost: 3,
                ..Default::default()
            }]
            .into(),
            profile_extensions: Cow::Borrowed(&[]),
        };
        let bytes = one.to_vec().unwrap();
        assert_eq!(
            bytes,
            [
                0x81, 0xc9, 0x00, 0x07, // RC=1 PT=201 length=7
                0x01, 0x02, 0x03, 0x04, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x05, // SSRC_1
                0x00, 0x00, 0x00, 0x03, // fraction lost 0, cumulative lost 3
                0, 0, 0, 0, // extended highest sequence number
                0, 0, 0, 0, // jitter
                0, 0, 0, 0, // LSR
                0, 0, 0, 0, // DLSR
            ]
        );
        assert_eq!(ReceiverReport::parse(&bytes).unwrap(), one);
    }

    #[test]
    fn wrong_type_and_bad_lengths() {
        let mut sr = [0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1];
        assert_eq!(
            ReceiverReport::parse(&sr),
            Err(Error::WrongPacketType {
                expected: 201,
                got: 200
            })
        );
        sr[1] = 0xc9;
        sr[3] = 0x02; // length says 12 bytes
        assert_eq!(
            ReceiverReport::parse(&sr),
            Err(Error::LengthPastEnd {
                declared: 12,
                available: 8
            })
        );
        assert_eq!(
            ReceiverReport::parse(&[0x80, 0xc9]),
            Err(Error::Truncated {
                what: "RTCP header",
                needed: 4,
                got: 2
            })
        );
        assert_eq!(
            ReceiverReport::parse(&[0x40, 0xc9, 0, 0]),
            Err(Error::UnsupportedVersion { version: 1 })
        );
        // P=1 with a padding count larger than the body.
        assert_eq!(
            ReceiverReport::parse(&[0xa0, 0xc9, 0, 1, 0, 0, 0, 9]),
            Err(Error::InvalidPadding {
                count: 9,
                available: 4
            })
        );
    }
}
