//! The reception report block shared by SR and RR (RFC 3550 §6.4.1).
//!
//! ```text
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |                 SSRC_1 (SSRC of first source)                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | fraction lost |       cumulative number of packets lost       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           extended highest sequence number received           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      interarrival jitter                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         last SR (LSR)                         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   delay since last SR (DLSR)                  |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! ```

use crate::error::{Error, Result};
use crate::header::split;
use crate::wire::{Element, List, Writer, pad4};
use std::borrow::Cow;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// SSRC_n: the source this block reports on.
    pub ssrc: u32,
    /// fraction lost: packets lost since the previous report, as a fixed-point fraction
    /// with the binary point at the left edge.
    pub fraction_lost: u8,
    /// cumulative number of packets lost: a signed 24-bit value (duplicates can make it
    /// negative). Written clamped to -2^23 ..= 2^23 - 1.
    pub cumulative_lost: i32,
    /// extended highest sequence number received: cycles in the high 16 bits.
    pub extended_highest_sequence_number: u32,
    /// interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// last SR (LSR): the middle 32 bits of the last SR's NTP timestamp, or 0.
    pub last_sr: u32,
    /// delay since last SR (DLSR), in units of 1/65536 s, or 0.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    /// Size of a report block in bytes.
    pub const SIZE: usize = 24;
    /// Largest cumulative number lost the signed 24-bit field holds.
    pub const MAX_CUMULATIVE_LOST: i32 = 0x7f_ffff;
    /// Smallest cumulative number lost the signed 24-bit field holds.
    pub const MIN_CUMULATIVE_LOST: i32 = -0x80_0000;
}

impl Element<'_> for ReportBlock {
    const FIXED_SIZE: Option<usize> = Some(Self::SIZE);

    #[inline]
    fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let b = bytes
            .first_chunk::<{ Self::SIZE }>()
            .ok_or(Error::Truncated {
                what: "report block",
                needed: Self::SIZE,
                got: bytes.len(),
            })?;
        let word = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let lost = word(4) & 0x00ff_ffff;
        Ok((
            Self {
                ssrc: word(0),
                fraction_lost: b[4],
                // Sign-extend the 24-bit two's complement value.
                cumulative_lost: ((lost << 8) as i32) >> 8,
                extended_highest_sequence_number: word(8),
                jitter: word(12),
                last_sr: word(16),
                delay_since_last_sr: word(20),
            },
            Self::SIZE,
        ))
    }

    #[inline]
    fn wire_size(&self) -> usize {
        Self::SIZE
    }

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<()> {
        let lost = self
            .cumulative_lost
            .clamp(Self::MIN_CUMULATIVE_LOST, Self::MAX_CUMULATIVE_LOST);
        let mut b = [0u8; Self::SIZE];
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&(lost as u32 & 0xff_ffff).to_be_bytes());
        b[4] = self.fraction_lost;
        b[8..12].copy_from_slice(&self.extended_highest_sequence_number.to_be_bytes());
        b[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        b[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        b[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
        Writer::new(out, Self::SIZE)?.put(&b)
    }
}

/// An SR or RR as [`parse_report`] splits it.
pub(crate) struct ReportParts<'a, const N: usize> {
    /// The fixed fields after the header (RR: the SSRC; SR: the sender info).
    pub(crate) fixed: &'a [u8; N],
    /// The report blocks.
    pub(crate) reports: List<'a, ReportBlock>,
    /// The profile-specific extensions.
    pub(crate) extensions: Cow<'a, [u8]>,
}

/// Parses the layout SR and RR share (RFC 3550 §6.4.1–6.4.2): the header, the `N` bytes of
/// fixed fields (`what`), RC report blocks and the profile-specific extensions.
#[inline]
pub(crate) fn parse_report<'a, const N: usize>(
    packet: &'a [u8],
    packet_type: u8,
    what: &'static str,
    blocks: &'static str,
) -> Result<ReportParts<'a, N>> {
    let (h, body) = split(packet, packet_type)?;
    let (fixed, rest) = body.split_first_chunk::<N>().ok_or(Error::Truncated {
        what,
        needed: N,
        got: body.len(),
    })?;
    let (reports, extensions) = List::parse_count(rest, h.count.into(), blocks)?;
    Ok(ReportParts {
        fixed,
        reports,
        extensions: Cow::Borrowed(extensions),
    })
}

/// Size of an SR or RR with `fixed` bytes of fixed fields.
#[inline]
pub(crate) fn report_size(
    fixed: usize,
    reports: &List<'_, ReportBlock>,
    extensions: &[u8],
) -> usize {
    4 + fixed + reports.wire_size() + pad4(extensions.len())
}

/// Writes an SR or RR: the header, the fixed fields, the report blocks, and the
/// profile-specific extensions zero-padded to a multiple of 4 bytes.
#[inline]
pub(crate) fn write_report(
    buf: &mut [u8],
    packet_type: u8,
    fixed: &[u8],
    reports: &List<'_, ReportBlock>,
    extensions: &[u8],
) -> Result<usize> {
    let size = report_size(fixed.len(), reports, extensions);
    let mut w = Writer::packet(buf, reports.len(), packet_type, size)?;
    w.put(fixed)?;
    w.list(reports)?;
    w.put(extensions)?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: [u8; 24] = [
        0x90, 0x2f, 0x9e, 0x2e, // SSRC_1
        0x40, // fraction lost: 64/256
        0xff, 0xff, 0xfe, // cumulative lost: -2 (24-bit two's complement)
        0x00, 0x01, 0x10, 0x00, // extended highest seq: cycle 1, seq 0x1000
        0x00, 0x00, 0x00, 0x2a, // jitter: 42
        0xb7, 0x05, 0x20, 0x00, // LSR
        0x00, 0x05, 0x40, 0x00, // DLSR: 5.25 s
    ];

    #[test]
    fn negative_cumulative_lost() {
        let (b, n) = ReportBlock::decode(&BLOCK).unwrap();
        assert_eq!(n, 24);
        assert_eq!(b.cumulative_lost, -2);
        assert_eq!(b.extended_highest_sequence_number, 0x0001_1000);
        let mut out = [0u8; 24];
        b.encode(&mut out).unwrap();
        assert_eq!(out, BLOCK);
    }

    #[test]
    fn cumulative_lost_clamped_when_written() {
        let mut out = [0u8; 24];
        let b = ReportBlock {
            cumulative_lost: 10_000_000,
            ..Default::default()
        };
        b.encode(&mut out).unwrap();
        assert_eq!(out[5..8], [0x7f, 0xff, 0xff]);
        let b = ReportBlock {
            cumulative_lost: -10_000_000,
            ..Default::default()
        };
        b.encode(&mut out).unwrap();
        assert_eq!(out[5..8], [0x80, 0x00, 0x00]);
        assert_eq!(
            ReportBlock::decode(&out).unwrap().0.cumulative_lost,
            -0x80_0000
        );
    }
}
