//! SR: sender report (RFC 3550 §6.4.1).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|    RC   |   PT=SR=200   |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         SSRC of sender                        |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |              NTP timestamp, most significant word             |
//! |             NTP timestamp, least significant word             |
//! |                         RTP timestamp                         |
//! |                     sender's packet count                     |
//! |                      sender's octet count                     |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                 report blocks (RC × 24 bytes)                 |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                  profile-specific extensions                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::Result;
use crate::header::packet_type;
use crate::ntp::NtpTime;
use crate::packet::Packet;
use crate::report_block::{ReportBlock, parse_report, report_size, write_report};
use crate::wire::List;
use std::borrow::Cow;

/// A sender report (RFC 3550 §6.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport<'a> {
    /// SSRC of sender.
    pub ssrc: u32,
    /// NTP timestamp: the wall-clock time this report was sent.
    pub ntp_time: NtpTime,
    /// RTP timestamp: the same instant in the media clock.
    pub rtp_time: u32,
    /// sender's packet count.
    pub packet_count: u32,
    /// sender's octet count (payload octets only).
    pub octet_count: u32,
    /// Reception report blocks, at most 31.
    pub reports: List<'a, ReportBlock>,
    /// profile-specific extensions, kept as they came; written
    /// zero-padded to a multiple of 4 bytes.
    pub profile_extensions: Cow<'a, [u8]>,
}

impl<'a> Packet<'a> for SenderReport<'a> {
    #[inline]
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let parts =
            parse_report::<24>(packet, packet_type::SR, "sender report", "SR report blocks")?;
        let info = parts.fixed;
        let word = |i: usize| u32::from_be_bytes([info[i], info[i + 1], info[i + 2], info[i + 3]]);
        Ok(Self {
            ssrc: word(0),
            ntp_time: NtpTime::new(word(4), word(8)),
            rtp_time: word(12),
            packet_count: word(16),
            octet_count: word(20),
            reports: parts.reports,
            profile_extensions: parts.extensions,
        })
    }

    #[inline]
    fn size(&self) -> usize {
        report_size(24, &self.reports, &self.profile_extensions)
    }

    #[inline]
    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let mut info = [0u8; 24];
        info[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        info[4..12].copy_from_slice(&self.ntp_time.0.to_be_bytes());
        info[12..16].copy_from_slice(&self.rtp_time.to_be_bytes());
        info[16..20].copy_from_slice(&self.packet_count.to_be_bytes());
        info[20..24].copy_from_slice(&self.octet_count.to_be_bytes());
        write_report(
            buf,
            packet_type::SR,
            &info,
            &self.reports,
            &self.profile_extensions,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const SR: [u8; 56] = [
        0x81, 0xc8, 0x00, 0x0d, // V=2 P=0 RC=1, PT=200, length=13 words
        0x90, 0x2f, 0x9e, 0x2e, // SSRC of sender
        0xda, 0x8b, 0xd1, 0xfc, // NTP timestamp, most significant word
        0xdd, 0xdd, 0xa0, 0x5a, // NTP timestamp, least significant word
        0xaa, 0xf4, 0xed, 0xd5, // RTP timestamp
        0x00, 0x00, 0x00, 0x01, // sender's packet count
        0x00, 0x00, 0x00, 0x02, // sender's octet count
        0xbc, 0x5e, 0x9a, 0x40, // SSRC_1
        0x00, // fraction lost
        0x00, 0x00, 0x00, // cumulative number of packets lost
        0x00, 0x00, 0x46, 0xe1, // extended highest sequence number received
        0x00, 0x00, 0x01, 0x11, // interarrival jitter
        0x09, 0xf3, 0x64, 0x32, // LSR
        0x00, 0x02, 0x4a, 0x79, // DLSR
        0x12, 0x34, 0x56, 0x78, // profile-specific extension (one word)
    ];

    #[test]
    fn parses_and_writes_back() {
        let sr = SenderReport::parse(&SR).unwrap();
        assert_eq!(sr.ssrc, 0x902f_9e2e);
        assert_eq!(sr.ntp_time, NtpTime(0xda8b_d1fc_dddd_a05a));
        assert_eq!(sr.rtp_time, 0xaaf4_edd5);
        assert_eq!((sr.packet_count, sr.octet_count), (1, 2));
        let blocks: Vec<_> = sr.reports.iter().collect();
        assert_eq!(
            blocks,
            [ReportBlock {
                ssrc: 0xbc5e_9a40,
                fraction_lost: 0,
                cumulative_lost: 0,
                extended_highest_sequence_number: 0x46e1,
                jitter: 0x111,
                last_sr: 0x09f3_6432,
                delay_since_last_sr: 0x0002_4a79,
            }]
        );
        assert_eq!(&*sr.profile_extensions, &[0x12, 0x34, 0x56, 0x78]);
        assert_eq!(sr.to_vec().unwrap(), SR);
        let owned = SenderReport {
            reports: blocks.into(),
            ..sr.clone()
        };
        assert_eq!(owned.to_vec().unwrap(), SR);
    }

    #[test]
    fn report_count_larger_than_packet() {
        let mut bad = SR;
        bad[0] = 0x83; // RC=3, but only 28 bytes follow the sender info
        assert_eq!(
            SenderReport::parse(&bad),
            Err(Error::CountTooLarge {
                what: "SR report blocks",
                count: 3,
                needed: 72,
                got: 28
            })
        );
    }

    #[test]
    fn sender_info_truncated() {
        let bad = [0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1];
        assert_eq!(
            SenderReport::parse(&bad),
            Err(Error::Truncated {
                what: "sender report",
                needed: 24,
                got: 4
            })
        );
    }

    #[test]
    fn too_many_reports_to_write() {
        let sr = SenderReport {
            reports: vec![ReportBlock::default(); 32].into(),
            ..Default::default()
        };
        let mut buf = [0u8; 1024];
        assert_eq!(
            sr.write(&mut buf),
            Err(Error::TooMany {
                what: "RTCP header count",
                count: 32,
                max: 31
            })
        );
        assert_eq!(
            SenderReport::default().write(&mut buf[..27]),
            Err(Error::BufferTooSmall {
                needed: 28,
                got: 27
            })
        );
    }
}
