//! Statistics Summary report block (RFC 3611 §4.6).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     BT=6      |L|D|J|ToH|rsvd.|       block length = 9        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        SSRC of source                         |
//! |          begin_seq            |             end_seq           |
//! |                        lost_packets                           |
//! |                        dup_packets                            |
//! |                        min_jitter                             |
//! |                        max_jitter                             |
//! |                        mean_jitter                            |
//! |                        dev_jitter                             |
//! | min_ttl_or_hl | max_ttl_or_hl |mean_ttl_or_hl | dev_ttl_or_hl |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::{block_type, expect_len};
use crate::error::Result;
use crate::wire::{Reader, Writer};

/// ToH: what the TTL / hop limit fields hold (RFC 3611 §4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TtlOrHopLimit {
    /// 0: no TTL or hop limit values.
    #[default]
    None,
    /// 1: IPv4 TTL values.
    Ipv4Ttl,
    /// 2: IPv6 hop limit values.
    Ipv6HopLimit,
    /// 3: reserved, kept as it came.
    Reserved,
}

/// Statistics summary (RFC 3611 §4.6). The L, D, J and ToH flags live in the block
/// header's type-specific octet and say which of the fields below are meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatisticsSummary {
    /// L: lost_packets is reported.
    pub loss_report: bool,
    /// D: dup_packets is reported.
    pub duplicate_report: bool,
    /// J: the jitter fields are reported.
    pub jitter: bool,
    /// ToH: what the TTL / hop limit fields hold.
    pub ttl_or_hop_limit: TtlOrHopLimit,
    /// SSRC of source.
    pub ssrc: u32,
    /// begin_seq.
    pub begin_seq: u16,
    /// end_seq.
    pub end_seq: u16,
    /// lost_packets.
    pub lost_packets: u32,
    /// dup_packets.
    pub dup_packets: u32,
    /// min_jitter (timestamp units).
    pub min_jitter: u32,
    /// max_jitter.
    pub max_jitter: u32,
    /// mean_jitter.
    pub mean_jitter: u32,
    /// dev_jitter.
    pub dev_jitter: u32,
    /// min_ttl_or_hl.
    pub min_ttl_or_hl: u8,
    /// max_ttl_or_hl.
    pub max_ttl_or_hl: u8,
    /// mean_ttl_or_hl.
    pub mean_ttl_or_hl: u8,
    /// dev_ttl_or_hl.
    pub dev_ttl_or_hl: u8,
}

impl StatisticsSummary {
    pub(crate) const CONTENTS: usize = 36;

    pub(crate) fn type_specific(&self) -> u8 {
        let toh = match self.ttl_or_hop_limit {
            TtlOrHopLimit::None => 0,
            TtlOrHopLimit::Ipv4Ttl => 1,
            TtlOrHopLimit::Ipv6HopLimit => 2,
            TtlOrHopLimit::Reserved => 3,
        };
        (u8::from(self.loss_report) << 7)
            | (u8::from(self.duplicate_report) << 6)
            | (u8::from(self.jitter) << 5)
            | (toh << 3)
    }

    pub(crate) fn decode(type_specific: u8, contents: &[u8]) -> Result<Self> {
        expect_len(block_type::STATISTICS_SUMMARY, contents, Self::CONTENTS)?;
        let mut r = Reader::new(contents, "statistics summary block");
        Ok(Self {
            loss_report: type_specific & 0x80 != 0,
            duplicate_report: type_specific & 0x40 != 0,
            jitter: type_specific & 0x20 != 0,
            ttl_or_hop_limit: match (type_specific >> 3) & 3 {
                0 => TtlOrHopLimit::None,
                1 => TtlOrHopLimit::Ipv4Ttl,
                2 => TtlOrHopLimit::Ipv6HopLimit,
                _ => TtlOrHopLimit::Reserved,
            },
            ssrc: r.u32()?,
            begin_seq: r.u16()?,
            end_seq: r.u16()?,
            lost_packets: r.u32()?,
            dup_packets: r.u32()?,
            min_jitter: r.u32()?,
            max_jitter: r.u32()?,
            mean_jitter: r.u32()?,
            dev_jitter: r.u32()?,
            min_ttl_or_hl: r.u8()?,
            max_ttl_or_hl: r.u8()?,
            mean_ttl_or_hl: r.u8()?,
            dev_ttl_or_hl: r.u8()?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.ssrc)?;
        w.u16(self.begin_seq)?;
        w.u16(self.end_seq)?;
        for v in [
            self.lost_packets,
            self.dup_packets,
            self.min_jitter,
            self.max_jitter,
            self.mean_jitter,
            self.dev_jitter,
        ] {
            w.u32(v)?;
        }
        w.put(&[
            self.min_ttl_or_hl,
            self.max_ttl_or_hl,
            self.mean_ttl_or_hl,
            self.dev_ttl_or_hl,
        ])
    }
}
