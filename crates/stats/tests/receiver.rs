//! RFC 3550 Appendix A through `SourceStatistics`: hand-made arrival sequences with the
//! expected loss, jitter and report-block values worked out in the comments.

mod common;

use common::source_with_misorder;
use std::time::{Duration, Instant};

use rtcp::NtpTime;
use stats::{MediaClock, PacketVerdict, ReceiverConfig, SenderStatistics, SourceStatistics};

const SSRC: u32 = 0x5eed_0001;

fn ms(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

#[test]
fn loss_and_jitter_on_a_hand_made_sequence() {
    // 8 kHz, 20 ms packets, timestamp = 160·seq, packet n due at 20·n ms.
    //   seq 1 @ 20 ms  probation (not counted)
    //   seq 2 @ 40 ms  base; arrival clock epoch → transit = 0 − 320 = −320
    //   seq 3 @ 60     transit −320, D = 0
    //   seq 4          lost
    //   seq 5 @ 100    D = 0
    //   seq 6 @ 125    5 ms (40 ticks) late: D = 40
    //   seq 7 @ 140    on time again: D = 40
    //   seq 8 @ 160    D = 0
    // J×16: 0, 0, 40, 40 + 40 − ((40+8)>>4 = 3) = 77, 77 + 0 − ((77+8)>>4 = 5) = 72
    // → jitter 72 >> 4 = 4 ticks.
    // expected = 8 − 2 + 1 = 7, received 6, lost 1, fraction = (1 << 8) / 7 = 36.
    let t0 = Instant::now();
    let mut s = SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND))
        .unwrap();
    let arrivals = [
        (1u16, 20u64),
        (2, 40),
        (3, 60),
        (5, 100),
        (6, 125),
        (7, 140),
        (8, 160),
    ];
    let verdicts: Vec<_> = arrivals
        .iter()
        .map(|&(seq, at)| s.on_packet(seq, u32::from(seq) * 160, 160, ms(t0, at)))
        .collect();
    assert_eq!(verdicts[0], PacketVerdict::Probation);
    assert!(
        verdicts[1..]
            .iter()
            .all(|v| matches!(v, PacketVerdict::Counted { in_order: true, .. }))
    );
    assert_eq!(s.jitter(), 4);
    assert_eq!(s.jitter_duration(), Duration::from_nanos(562_500)); // 72/16/8000 s
    let (block, interval) = s.report(ms(t0, 200)).unwrap();
    assert_eq!(
        (interval.expected, interval.received, interval.lost()),
        (7, 6, 1)
    );
    assert_eq!(block.fraction_lost, 36);
    assert_eq!(block.cumulative_lost, 1);
    assert_eq!(block.extended_highest_sequence_number, 8);
    assert_eq!(block.jitter, 4);
    assert_eq!((block.last_sr, block.delay_since_last_sr), (0, 0));
    assert_eq!(s.packet_interval(), Some(Duration::from_millis(20)));
}

#[test]
fn wrap_and_reordering_across_the_wrap_give_no_spike() {
    // Sequence numbers 65530 … 3 with 65534/65535 and 1/2 swapped in flight; timestamps
    // wrap at the same time. Each packet arrives 30 ms after it was sent, except the two
    // overtaken ones, which arrive 20 ms later than that (just after their successor).
    let t0 = Instant::now();
    let mut s = SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND))
        .unwrap();
    let ts0 = u32::MAX - 4 * 160 + 1;
    let seqs: [u16; 10] = [65530, 65531, 65532, 65533, 65535, 65534, 0, 2, 1, 3];
    for seq in seqs {
        let n = u64::from(seq.wrapping_sub(65530)); // packet index 0..=9
        let late = if seq == 65534 || seq == 1 { 20 } else { 0 };
        let v = s.on_packet(
            seq,
            ts0.wrapping_add(n as u32 * 160),
            160,
            ms(t0, 20 * n + 30 + late),
        );
        assert!(
            !matches!(
                v,
                PacketVerdict::BadSequence | PacketVerdict::Restarted { .. }
            ),
            "{seq}: {v:?}"
        );
    }
    let (block, interval) = s.report(ms(t0, 400)).unwrap();
    // base 65531: expected 65531 … 3 = 9 packets, all received once.
    assert_eq!((interval.expected, interval.received), (9, 9));
    assert_eq!((block.fraction_lost, block.cumulative_lost), (0, 0));
    // One wrap: cycles = 1, max_seq = 3.
    assert_eq!(block.extended_highest_sequence_number, 0x0001_0003);
    // |D| is 160 ticks (20 ms) at most for each overtaken packet and its neighbours, so
    // the estimate stays far below one packet time — no 2^32 or 65536 artefact.
    // Relative transit (arrival ticks − timestamp) is 240 for on-time packets and 400 for
    // the two held back, so from the third counted packet on
    // D = 0, 0, 0, 160, 160, 0, 160, 160 and
    // J×16 = 0, 0, 0, 160, 310, 291, 433, 566 → 566 >> 4 = 35 ticks (4.4 ms).
    assert_eq!(s.jitter(), 35);
}

#[test]
fn duplicates_make_cumulative_loss_negative_in_the_report_block() {
    let t0 = Instant::now();
    let mut s = SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND))
        .unwrap();
    let seqs = [10u16, 11, 12, 12, 13, 13];
    let mut verdicts = Vec::new();
    for (i, seq) in seqs.iter().enumerate() {
        verdicts.push(s.on_packet(*seq, u32::from(*seq) * 160, 160, ms(t0, 20 * i as u64)));
    }
    assert!(matches!(verdicts[3], PacketVerdict::Duplicate { .. }));
    assert!(matches!(verdicts[5], PacketVerdict::Duplicate { .. }));
    // expected 11 … 13 = 3, received 5 (RFC 3550 counts duplicates) → lost −2.
    let (block, interval) = s.report(ms(t0, 200)).unwrap();
    assert_eq!(interval.lost(), -2);
    assert_eq!(block.cumulative_lost, -2);
    assert_eq!(block.fraction_lost, 0);
    assert_eq!(s.duplicates(), 2);
}

#[test]
fn burst_metrics_from_the_packet_stream() {
    // Gmin 16, max_misorder 4 (so packets become final 4 behind the highest).
    // Base is seq 2. Lost: 20, 21, 23 (a burst of 4 packets, 3 lost) and 100 (isolated).
    // Fed up to 200 → final up to 196.
    //   gap 1: 2 … 19   = 18 packets, 0 lost
    //   burst: 20 … 23  = 4 packets, 3 lost
    //   gap 2: 24 … 196 = 173 packets, 1 lost
    let t0 = Instant::now();
    let mut s = source_with_misorder(SSRC, 4);
    for seq in 1u16..=200 {
        if [20, 21, 23, 100].contains(&seq) {
            continue;
        }
        s.on_packet(seq, u32::from(seq) * 160, 160, ms(t0, 20 * u64::from(seq)));
    }
    let b = s.burst_gap();
    assert_eq!((b.bursts, b.burst_packets, b.burst_losses), (1, 4, 3));
    assert_eq!((b.gaps, b.gap_packets, b.gap_losses), (2, 191, 1));
    assert_eq!((b.burst_density(), b.gap_density()), (192, 1)); // 3/4·256, 1/191·256 = 1.34
    assert_eq!(b.burst_duration_ms(20.0), 80);
    assert_eq!(b.gap_duration_ms(20.0), 1910); // 191/2 packets · 20 ms
}

#[test]
fn rtt_from_a_known_lsr_dlsr_pair_end_to_end() {
    // RFC 3550 §6.4.1: the SR with NTP 46853.125 s (middle bits 0xb705:2000) reaches the
    // receiver, which reports 5.25 s later (DLSR 0x0005:4000); the RR reaches the sender
    // at NTP 46864.5 s → RTT 46864.5 − 46853.125 − 5.25 = 6.125 s.
    let t0 = Instant::now();
    let mut rx =
        SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND))
            .unwrap();
    rx.on_packet(1, 0, 160, t0);
    rx.on_packet(2, 160, 160, ms(t0, 20));
    rx.on_sender_report(NtpTime::new(0xb705, 0x2000_0000), t0);
    let (block, _) = rx.report(ms(t0, 5250)).unwrap();
    assert_eq!(
        (block.last_sr, block.delay_since_last_sr),
        (0xb705_2000, 0x0005_4000)
    );
    let mut tx = SenderStatistics::new(
        SSRC,
        MediaClock::new(t0, 0, rtp_packet::ClockRate::NARROWBAND),
    );
    let rtt = tx.on_report_block(&block, NtpTime::new(0xb710, 0x8000_0000));
    assert_eq!(rtt, Some(Duration::from_millis(6125)));
}

#[test]
fn discarded_packets_count_as_discards_in_burst_metrics() {
    // max_misorder 2: packet 10 is marked discarded by the playout buffer before it is final.
    let t0 = Instant::now();
    let mut s = source_with_misorder(SSRC, 2);
    let mut ext10 = None;
    for seq in 1u16..=30 {
        if let PacketVerdict::Counted { extended, .. } =
            s.on_packet(seq, u32::from(seq) * 160, 160, ms(t0, 20 * u64::from(seq)))
        {
            if seq == 10 {
                ext10 = Some(extended);
            }
        }
        if seq == 11 {
            assert!(s.mark_discarded(ext10.unwrap()));
        }
    }
    // Final: 2 … 28 = 27 packets, one discarded (isolated: a gap discard), none lost.
    let b = s.burst_gap();
    assert_eq!((b.packets, b.lost, b.discarded), (27, 0, 1));
    assert_eq!((b.bursts, b.gaps, b.gap_losses), (0, 1, 1));
    // Already final packets can no longer be marked.
    assert!(!s.mark_discarded(ext10.unwrap()));
}

#[test]
fn hostile_sequences_never_panic_and_keep_invariants() {
    // A deterministic pseudo-random stream of arbitrary sequence numbers, timestamps and
    // arrival steps (including restarts, huge jumps and duplicates), with reports in between.
    let t0 = Instant::now();
    let mut s =
        SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::VIDEO)).unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut at = t0;
    let mut seq: u16 = 0;
    for i in 0..200_000u32 {
        let r = next();
        seq = match r % 8 {
            0 => r as u16,                                  // anywhere
            1 => seq.wrapping_sub((r >> 8) as u16 % 200),   // late or duplicate
            _ => seq.wrapping_add(1 + (r >> 8) as u16 % 3), // forward with small gaps
        };
        at += Duration::from_micros((r >> 20) % 50_000);
        s.on_packet(seq, (r >> 32) as u32, (r % 1500) as usize, at);
        if i % 5000 == 0 {
            if let Some((block, interval)) = s.report(at) {
                assert!(block.cumulative_lost >= -0x80_0000 && block.cumulative_lost <= 0x7f_ffff);
                assert!(interval.fraction_lost() == 0 || interval.lost() > 0);
            }
            let blocks = s.extended_report_blocks(None);
            assert!(blocks.len() == 3 || blocks.is_empty());
            let b = s.burst_gap();
            assert_eq!(b.burst_packets + b.gap_packets, b.packets);
        }
    }
}

#[test]
fn untimed_packets_count_for_loss_but_not_for_jitter() {
    // Audio every 20 ms on time; seq 5..=9 are telephone-event packets every 20 ms that
    // all carry their event's onset timestamp (RFC 4733 §2.5.1.2), and the audio after
    // the digit goes on at the media clock.
    let t0 = Instant::now();
    let run = |untimed: bool| {
        let mut s =
            SourceStatistics::new(SSRC, ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND))
                .unwrap();
        for seq in 0u16..15 {
            let at = ms(t0, 20 * u64::from(seq));
            if (5..10).contains(&seq) {
                if untimed {
                    s.on_untimed_packet(seq, 4, at);
                } else {
                    s.on_packet(seq, 800, 4, at);
                }
            } else {
                s.on_packet(seq, 160 * u32::from(seq), 160, at);
            }
        }
        s
    };
    let s = run(true);
    assert_eq!(s.loss().cumulative_lost(), 0);
    assert_eq!(s.packets(), 14, "all but the first, held on probation");
    assert_eq!(s.jitter(), 0);
    // Fed as timed packets, the repeated timestamps look like growing delay.
    assert!(run(false).jitter() > 40, "{}", run(false).jitter());
}
