//! RFC 3611 XR report blocks built from the receiver statistics: Loss RLE (§4.1),
//! Duplicate RLE (§4.2), Statistics Summary (§4.6) and VoIP Metrics (§4.7), as the `rtcp`
//! crate's types.
//!
//! The run-length encoding is greedy: a run of at least 15 equal packets (or one that
//! reaches the end of the range) becomes a run chunk, anything else a 15-packet bit
//! vector, whose bits past the end of the range are zero as §4.1.2 requires.

use rtcp::xr::{RleChunk, RleReport, StatisticsSummary, TtlOrHopLimit, VoipMetrics, XrBlock};

use crate::receiver::{SeqRange, SourceStatistics, TransitSummary};
use crate::voip::VoipReport;

/// Longest run a run-length chunk holds (14 bits).
const MAX_RUN: u64 = 0x3fff;
/// Packets a bit-vector chunk holds.
const VECTOR_BITS: u64 = 15;
/// An RLE block's range must be shorter than the 16-bit sequence space so that
/// `begin_seq`/`end_seq` are unambiguous.
const MAX_RANGE: u64 = 0xffff;

/// Run-length encodes `bit` over `range` (RFC 3611 §4.1.1–4.1.2).
pub fn rle_chunks(range: SeqRange, bit: impl Fn(u64) -> bool) -> Vec<RleChunk> {
    let mut chunks = Vec::new();
    let mut i = range.begin;
    while i < range.end {
        let first = bit(i);
        let mut run = 1;
        while i + run < range.end && run < MAX_RUN && bit(i + run) == first {
            run += 1;
        }
        if run >= VECTOR_BITS || i + run == range.end {
            chunks.push(RleChunk::Run {
                received: first,
                length: run as u16,
            });
            i += run;
        } else {
            let mut v = 0u16;
            for k in 0..VECTOR_BITS {
                if i + k < range.end && bit(i + k) {
                    v |= 0x4000 >> k;
                }
            }
            chunks.push(RleChunk::BitVector(v));
            i += VECTOR_BITS;
        }
    }
    chunks
}

/// Keeps the newest part of `range` that 16-bit sequence numbers can express.
fn expressible(range: SeqRange) -> SeqRange {
    SeqRange {
        begin: range.begin.max(range.end.saturating_sub(MAX_RANGE)),
        end: range.end,
    }
}

fn rle_report(ssrc: u32, range: SeqRange, bit: impl Fn(u64) -> bool) -> RleReport<'static> {
    let range = expressible(range);
    RleReport {
        thinning: 0,
        ssrc,
        begin_seq: range.begin as u16,
        end_seq: range.end as u16,
        chunks: rle_chunks(range, bit).into(),
    }
}

/// A Loss RLE block (§4.1) for `range`: 1 = received.
pub fn loss_rle(stats: &SourceStatistics, range: SeqRange) -> XrBlock<'static> {
    let h = stats.history();
    XrBlock::LossRle(rle_report(stats.ssrc(), range, |e| {
        h.is_received(e).unwrap_or(false)
    }))
}

/// A Duplicate RLE block (§4.2) for `range`: 1 = duplicated.
pub fn duplicate_rle(stats: &SourceStatistics, range: SeqRange) -> XrBlock<'static> {
    let h = stats.history();
    XrBlock::DuplicateRle(rle_report(stats.ssrc(), range, |e| {
        h.is_duplicated(e).unwrap_or(false)
    }))
}

/// A Statistics Summary block (§4.6) for `range`: lost and duplicated packets and the
/// min/max/mean/deviation of the transit-time differences seen in it. TTL is not known to
/// this layer, so ToH is "none".
pub fn statistics_summary(
    stats: &SourceStatistics,
    range: SeqRange,
    transit: &TransitSummary,
) -> XrBlock<'static> {
    let range = expressible(range);
    let h = stats.history();
    let (mut lost, mut dup) = (0u32, 0u32);
    for e in range.begin..range.end {
        lost += u32::from(!h.is_received(e).unwrap_or(false));
        dup += u32::from(h.is_duplicated(e).unwrap_or(false));
    }
    XrBlock::StatisticsSummary(StatisticsSummary {
        loss_report: true,
        duplicate_report: true,
        jitter: transit.count > 0,
        ttl_or_hop_limit: TtlOrHopLimit::None,
        ssrc: stats.ssrc(),
        begin_seq: range.begin as u16,
        end_seq: range.end as u16,
        lost_packets: lost,
        dup_packets: dup,
        min_jitter: transit.min,
        max_jitter: transit.max,
        mean_jitter: transit.mean(),
        dev_jitter: transit.deviation(),
        min_ttl_or_hl: 0,
        max_ttl_or_hl: 0,
        mean_ttl_or_hl: 0,
        dev_ttl_or_hl: 0,
    })
}

/// A VoIP Metrics block (§4.7) for source `ssrc` from a computed report.
pub fn voip_metrics(ssrc: u32, report: &VoipReport) -> XrBlock<'static> {
    XrBlock::VoipMetrics(VoipMetrics {
        ssrc,
        loss_rate: report.loss_rate_byte(),
        discard_rate: report.discard_rate_byte(),
        burst_density: report.bursts.burst_density(),
        gap_density: report.bursts.gap_density(),
        burst_duration: report.burst_duration_ms(),
        gap_duration: report.gap_duration_ms(),
        round_trip_delay: report.round_trip_delay_ms(),
        end_system_delay: report.end_system_delay_ms(),
        signal_level: report.signal_level_byte(),
        noise_level: report.noise_level_byte(),
        rerl: report.rerl_byte(),
        gmin: report.bursts.gmin,
        r_factor: report.r_factor_byte(),
        ext_r_factor: report.external_r_byte(),
        mos_lq: report.mos_lq_byte(),
        mos_cq: report.mos_cq_byte(),
        rx_config: report.inputs.rx_config.to_byte(),
        jb_nominal: ms16(report.inputs.jb_nominal),
        jb_maximum: ms16(report.inputs.jb_maximum),
        jb_abs_max: ms16(report.inputs.jb_abs_max),
    })
}

fn ms16(d: Option<std::time::Duration>) -> u16 {
    d.map_or(0, |d| u16::try_from(d.as_millis()).unwrap_or(u16::MAX))
}

impl SourceStatistics {
    /// Closes the XR interval and builds its Loss RLE, Duplicate RLE and Statistics Summary
    /// blocks, plus a VoIP Metrics block when `voip` is given. Empty before the source is
    /// valid.
    pub fn extended_report_blocks(&mut self, voip: Option<&VoipReport>) -> Vec<XrBlock<'static>> {
        let Some((range, transit)) = self.take_xr_interval() else {
            return Vec::new();
        };
        let mut blocks = vec![
            loss_rle(self, range),
            duplicate_rle(self, range),
            statistics_summary(self, range, &transit),
        ];
        if let Some(v) = voip {
            blocks.push(voip_metrics(self.ssrc(), v));
        }
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(bits: &[bool]) -> Vec<RleChunk> {
        rle_chunks(
            SeqRange {
                begin: 100,
                end: 100 + bits.len() as u64,
            },
            |e| bits[(e - 100) as usize],
        )
    }

    #[test]
    fn long_runs_become_run_chunks_and_mixed_stretches_bit_vectors() {
        // 20 received, then L R L R… for 15, then 3 lost reaching the end.
        let mut bits = vec![true; 20];
        bits.extend((0..15).map(|i| i % 2 == 1));
        bits.extend([false; 3]);
        assert_eq!(
            encode(&bits),
            [
                RleChunk::Run {
                    received: true,
                    length: 20
                },
                RleChunk::BitVector(0b010_1010_1010_1010),
                RleChunk::Run {
                    received: false,
                    length: 3
                },
            ]
        );
    }

    #[test]
    fn short_tail_vector_is_zero_padded() {
        // R L R then end: the vector holds 1 0 1 and twelve zero bits.
        assert_eq!(
            encode(&[true, false, true]),
            [RleChunk::BitVector(0b101_0000_0000_0000)]
        );
        assert_eq!(encode(&[]), []);
    }

    #[test]
    fn runs_split_at_the_14_bit_limit() {
        let bits = vec![true; 0x3fff + 5];
        assert_eq!(
            encode(&bits),
            [
                RleChunk::Run {
                    received: true,
                    length: 0x3fff
                },
                RleChunk::Run {
                    received: true,
                    length: 5
                }
            ]
        );
    }
}
