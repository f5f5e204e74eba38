//! Report blocks generated here, written and parsed back by `rtcp`, give the same values.

mod common;

use common::source_with_misorder;
use std::time::{Duration, Instant};

use rtcp::xr::{RleChunk, XrBlock};
use rtcp::{ExtendedReport, NtpTime, Packet, ReceiverReport, SenderReport};
use stats::{
    Codec, EModel, MediaClock, ReceiverConfig, RxConfig, SenderStatistics, SourceStatistics,
    VoipInputs, VoipReport,
};

const REMOTE: u32 = 0x0bad_cafe;
const LOCAL: u32 = 0x0000_1234;

/// A source with 2 losses, 1 duplicate and some jitter: seqs 1 … 40 minus {17, 18}, with 25
/// sent twice. `max_misorder` 10, so packets up to 30 are final for burst metrics.
fn lossy_source(t0: Instant) -> SourceStatistics {
    let mut s = source_with_misorder(REMOTE, 10);
    for seq in 1u16..=40 {
        if seq == 17 || seq == 18 {
            continue;
        }
        let wobble = u64::from(seq % 3) * 2;
        let at = t0 + Duration::from_millis(20 * u64::from(seq) + wobble);
        s.on_packet(seq, u32::from(seq) * 160, 160, at);
        if seq == 25 {
            s.on_packet(
                seq,
                u32::from(seq) * 160,
                160,
                at + Duration::from_millis(1),
            );
        }
    }
    s.on_sender_report(
        NtpTime::new(3_900_000_000, 0x4000_0000),
        t0 + Duration::from_millis(500),
    );
    s
}

#[test]
fn receiver_report_block_round_trips() {
    let t0 = Instant::now();
    let mut s = lossy_source(t0);
    let (block, _) = s.report(t0 + Duration::from_millis(1000)).unwrap();
    // base 2 … 40 = 39 expected, 38 received (2 lost, 1 duplicate) → cumulative 1.
    assert_eq!(block.cumulative_lost, 1);
    assert_eq!(block.fraction_lost, 6); // 256 / 39 = 6.56
    assert_eq!(block.extended_highest_sequence_number, 40);
    // LSR: low 16 bits of the seconds, high 16 bits of the fraction.
    assert_eq!(block.last_sr, ((3_900_000_000u32 & 0xffff) << 16) | 0x4000);
    assert_eq!(block.delay_since_last_sr, 0x0000_8000); // 0.5 s
    let rr = ReceiverReport {
        ssrc: LOCAL,
        reports: vec![block].into(),
        ..Default::default()
    };
    let bytes = rr.to_vec().unwrap();
    let parsed = ReceiverReport::parse(&bytes).unwrap();
    assert_eq!(parsed.ssrc, LOCAL);
    assert_eq!(parsed.reports.iter().collect::<Vec<_>>(), [block]);
}

#[test]
fn negative_cumulative_loss_survives_the_wire() {
    let t0 = Instant::now();
    let mut s = SourceStatistics::new(
        REMOTE,
        ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND),
    )
    .unwrap();
    for seq in [1u16, 2, 3, 3, 3] {
        s.on_packet(seq, 0, 10, t0);
    }
    let (block, _) = s.report(t0).unwrap();
    assert_eq!(block.cumulative_lost, -2);
    let bytes = ReceiverReport {
        ssrc: LOCAL,
        reports: vec![block].into(),
        ..Default::default()
    }
    .to_vec()
    .unwrap();
    let parsed = ReceiverReport::parse(&bytes).unwrap();
    assert_eq!(
        parsed.reports.iter().next().map(|b| b.cumulative_lost),
        Some(-2)
    );
}

#[test]
fn sender_report_round_trips() {
    let t0 = Instant::now();
    let mut tx = SenderStatistics::new(
        LOCAL,
        MediaClock::new(t0, 90_000, rtp_packet::ClockRate::VIDEO),
    );
    for _ in 0..250 {
        tx.on_packet_sent(1100);
    }
    let mut rx = lossy_source(t0);
    let (block, _) = rx.report(t0 + Duration::from_secs(1)).unwrap();
    let wallclock = NtpTime::new(3_900_000_123, 0x8000_0000);
    let sr = tx.sender_report(t0 + Duration::from_millis(2500), wallclock, vec![block]);
    assert_eq!(sr.rtp_time, 90_000 + 225_000);
    let bytes = sr.to_vec().unwrap();
    let parsed = SenderReport::parse(&bytes).unwrap();
    assert_eq!(
        (
            parsed.ssrc,
            parsed.ntp_time,
            parsed.rtp_time,
            parsed.packet_count,
            parsed.octet_count
        ),
        (LOCAL, wallclock, 315_000, 250, 275_000)
    );
    assert_eq!(parsed.reports.iter().collect::<Vec<_>>(), [block]);
}

/// The per-packet bits RLE chunks stand for (RFC 3611 §4.1.1–4.1.2).
fn expand(chunks: &[RleChunk]) -> Vec<bool> {
    let mut bits = Vec::new();
    for c in chunks {
        match *c {
            RleChunk::Run { received, length } => {
                bits.extend(std::iter::repeat_n(received, usize::from(length)))
            }
            RleChunk::BitVector(v) => bits.extend((0..15).map(|i| v & (0x4000 >> i) != 0)),
            RleChunk::Null => {}
        }
    }
    bits
}

#[test]
fn xr_blocks_round_trip() {
    let t0 = Instant::now();
    let mut s = lossy_source(t0);
    s.on_receiver_reference_time(
        NtpTime::new(3_900_000_001, 0),
        t0 + Duration::from_millis(800),
    );
    let inputs = VoipInputs {
        codec: Codec::G711Plc.impairment(),
        end_system_delay: Some(Duration::from_millis(60)),
        rx_config: RxConfig {
            jb_rate: 3,
            ..Default::default()
        },
        jb_nominal: Some(Duration::from_millis(40)),
        jb_maximum: Some(Duration::from_millis(120)),
        jb_abs_max: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let voip = VoipReport::compute(
        &EModel::default(),
        s.burst_gap(),
        s.burst_analyzer().burst_ratio(),
        s.packet_interval(),
        Some(Duration::from_millis(80)),
        inputs,
    );
    let mut blocks = s.extended_report_blocks(Some(&voip));
    let dlrr = s.dlrr_item(t0 + Duration::from_millis(1800)).unwrap();
    assert_eq!(
        (dlrr.last_rr, dlrr.delay_since_last_rr),
        (((3_900_000_001u64 << 16) & 0xffff_ffff) as u32, 0x0001_0000)
    );
    blocks.push(XrBlock::Dlrr(rtcp::xr::Dlrr {
        items: vec![dlrr].into(),
    }));

    // Loss RLE over base 2 … 40: a run of 15 received (2–16); 17–31 as a bit vector
    // (0 0 then thirteen 1s: a run of two is shorter than a vector); a run of 9 received
    // (32–40).
    let XrBlock::LossRle(loss) = &blocks[0] else {
        panic!("first block is Loss RLE")
    };
    assert_eq!((loss.begin_seq, loss.end_seq), (2, 41));
    assert_eq!(
        loss.chunks.iter().collect::<Vec<_>>(),
        [
            RleChunk::Run {
                received: true,
                length: 15
            },
            RleChunk::BitVector(0b001_1111_1111_1111),
            RleChunk::Run {
                received: true,
                length: 9
            },
        ]
    );
    let XrBlock::StatisticsSummary(summary) = &blocks[2] else {
        panic!("third block is the summary")
    };
    assert_eq!((summary.lost_packets, summary.dup_packets), (2, 1));

    let xr = ExtendedReport {
        ssrc: LOCAL,
        blocks: blocks.clone().into(),
    };
    let bytes = xr.to_vec().unwrap();
    let parsed = ExtendedReport::parse(&bytes).unwrap();
    assert_eq!(parsed.ssrc, LOCAL);
    let parsed_blocks: Vec<XrBlock<'_>> = parsed.blocks.iter().collect();
    assert_eq!(parsed_blocks.len(), blocks.len());
    for (sent, got) in blocks.iter().zip(&parsed_blocks) {
        match (sent, got) {
            (XrBlock::LossRle(a), XrBlock::LossRle(b))
            | (XrBlock::DuplicateRle(a), XrBlock::DuplicateRle(b)) => {
                assert_eq!(
                    (a.ssrc, a.begin_seq, a.end_seq, a.thinning),
                    (b.ssrc, b.begin_seq, b.end_seq, b.thinning)
                );
                assert_eq!(
                    a.chunks.iter().collect::<Vec<_>>(),
                    b.chunks.iter().collect::<Vec<_>>()
                );
            }
            (a, b) => assert_eq!(a, b),
        }
    }
    // The duplicate RLE marks exactly seq 25.
    let XrBlock::DuplicateRle(dup) = &parsed_blocks[1] else {
        panic!("second block is Duplicate RLE")
    };
    let marked: Vec<u16> = expand(&dup.chunks.iter().collect::<Vec<_>>())
        .into_iter()
        .enumerate()
        .filter(|(_, d)| *d)
        .map(|(i, _)| dup.begin_seq + i as u16)
        .collect();
    assert_eq!(marked, [25]);
    let XrBlock::VoipMetrics(vm) = &parsed_blocks[3] else {
        panic!("fourth block is VoIP Metrics")
    };
    assert_eq!(
        (vm.ssrc, vm.gmin, vm.round_trip_delay, vm.end_system_delay),
        (REMOTE, 16, 80, 60)
    );
    assert_eq!(
        (vm.signal_level, vm.noise_level, vm.rerl, vm.ext_r_factor),
        (127, 127, 127, 127)
    );
    assert_eq!(
        (vm.jb_nominal, vm.jb_maximum, vm.jb_abs_max, vm.rx_config),
        (40, 120, 200, 3)
    );
    // Final packets 2 … 30 (29), lost 17 and 18:
    //   loss rate = ⌊2/29 · 256⌋ = 17; one burst {17, 18} (density 2/2 → 255, 40 ms);
    //   gaps 2–16 and 19–30 (27 packets, none lost, mean 13.5 · 20 ms = 270 ms).
    assert_eq!(
        (
            vm.loss_rate,
            vm.discard_rate,
            vm.burst_density,
            vm.gap_density
        ),
        (17, 0, 255, 0)
    );
    assert_eq!((vm.burst_duration, vm.gap_duration), (40, 270));
    // E-model: Ppl = 6.897 %, BurstR = 1/(p + q) with p = 1/26, q = 1/2 → 1.857;
    //   Ie,eff = 95 · 6.897 / (6.897/1.857 + 25.1) = 22.74;
    //   T = Ta = 80/2 + 60 = 100 ms, Tr = 200 ms → Id = 2.69 (echo only, Idd = 0);
    //   R = 94.77 − 1.41 − 2.69 − 22.74 = 67.93 → 68, MOS-CQ 3.50 → 35;
    //   MOS-LQ from R + Id = 70.62 → 3.63 → 36.
    assert_eq!((vm.r_factor, vm.mos_cq, vm.mos_lq), (68, 35, 36));
}
