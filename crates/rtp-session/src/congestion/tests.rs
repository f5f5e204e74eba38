//! The congestion-control parts against exact bytes and simulated links.

use std::time::{Duration, Instant};

use rtcp::Packet;
use rtcp::feedback::{CongestionControlFeedback, PacketStatus, TransportCc};

use super::PacketResult;
use super::ccfb::CcfbReceiver;
use super::estimator::Estimator;
use super::history::SendHistory;
use super::twcc::TwccReceiver;

fn ms(v: f64) -> Duration {
    Duration::from_secs_f64(v / 1000.0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The feedback due at `at`, written out, parsed back by the `rtcp` crate.
fn feedback(rx: &mut TwccReceiver, at: Instant) -> Vec<u8> {
    let built = rx.poll_feedback(at, 0x1111_1111).expect("feedback due");
    let bytes = built.to_vec().unwrap();
    let parsed = TransportCc::parse(&bytes).unwrap();
    assert_eq!(
        parsed.to_vec().unwrap(),
        bytes,
        "the rtcp crate reads what we wrote"
    );
    bytes
}

fn statuses(bytes: &[u8]) -> Vec<(u16, Option<i16>)> {
    TransportCc::parse(bytes)
        .unwrap()
        .packets()
        .map(|(seq, s)| match s {
            PacketStatus::Received { delta } => (seq, Some(delta)),
            PacketStatus::NotReceived => (seq, None),
        })
        .collect()
}

#[test]
fn transport_cc_feedback_exact_bytes_across_a_wrap_a_gap_reordering_and_large_deltas() {
    let t0 = Instant::now();
    let mut rx = TwccReceiver::new(t0);
    let ssrc = 0x2222_2222;
    // (sequence, arrival ms): 0 is lost; 2 comes 100.5 ms after 1; 3 arrives before 2.
    for (seq, at) in [
        (65534, 1000.0),
        (65535, 1001.25),
        (1, 1010.0),
        (2, 1110.5),
        (3, 1109.0),
    ] {
        rx.on_packet(t0 + ms(at), ssrc, seq, 1200);
    }
    assert_eq!(rx.deadline(), Some(t0 + ms(100.0)));
    let first = feedback(&mut rx, t0 + ms(1200.0));
    // Reference time 15 × 64 ms = 960 ms; deltas in 250 µs ticks from there: 160, 5,
    // (lost), 35, 402 (large), −6 (large). One two-bit vector chunk: 1 1 0 1 2 2.
    assert_eq!(
        hex(&first),
        concat!(
            "8fcd0007", "11111111", "22222222", "fffe0006", // base 65534, 6 statuses
            "00000f00", // reference time 15, feedback count 0
            "d468",     // two-bit vector: small small lost small large large
            "a00523", "0192", "fffa",   // deltas
            "000000", // zero padding
        )
    );
    assert_eq!(
        statuses(&first),
        [
            (65534, Some(160)),
            (65535, Some(5)),
            (0, None),
            (1, Some(35)),
            (2, Some(402)),
            (3, Some(-6)),
        ]
    );
    assert_eq!(rx.deadline(), None, "everything reported");

    // 4 arrives, 5..=34 are lost, 35 arrives: a one-bit vector, then runs.
    rx.on_packet(t0 + ms(1150.0), ssrc, 4, 1200);
    rx.on_packet(t0 + ms(1160.0), ssrc, 35, 1200);
    let second = feedback(&mut rx, t0 + ms(1500.0));
    assert_eq!(
        hex(&second),
        concat!(
            "8fcd0006", "11111111", "22222222", "00040020", // base 4, 32 statuses
            "00001101", // reference time 17 (1088 ms), feedback count 1
            "a000",     // one-bit vector: received, then 13 lost
            "0011",     // run of 17 lost
            "2001",     // run of 1 small delta
            "f828",     // deltas 248, 40
        )
    );

    // 0 arrives after it was reported lost: the next feedback goes back to it, and the
    // packets after it are reported again, with negative deltas where they arrived earlier.
    rx.on_packet(t0 + ms(1600.0), ssrc, 0, 1200);
    let third = feedback(&mut rx, t0 + ms(1800.0));
    assert_eq!(
        hex(&third),
        concat!(
            "8fcd0008", "11111111", "22222222", "00000024", // base 0, 36 statuses
            "00001902", // reference time 25 (1600 ms), feedback count 2
            "da90",     // two-bit vector: small large large large small lost lost
            "001c",     // run of 28 lost
            "2001",     // run of 1 small delta
            "00", "f6c8", "0192", "fffa", "a4", "28", // deltas 0, −2360, 402, −6, 164, 40
            "00", // zero padding
        )
    );
    assert_eq!(statuses(&third)[..2], [(0, Some(0)), (1, Some(-2360))]);

    // Two packets 9.05 s apart: more than a two-byte delta holds (8.19 s), so two messages,
    // each with its own reference time.
    rx.on_packet(t0 + ms(1850.0), ssrc, 36, 1200);
    rx.on_packet(t0 + ms(10900.0), ssrc, 37, 1200);
    let fourth = feedback(&mut rx, t0 + ms(11000.0));
    assert_eq!(
        hex(&fourth),
        concat!(
            "8fcd0005", "11111111", "22222222", "00240001", "00001c03", "2001", "e800"
        ),
    );
    assert!(
        rx.poll_feedback(t0 + ms(11000.0), 1).is_none(),
        "the rest waits"
    );
    let fifth = feedback(&mut rx, t0 + ms(11300.0));
    assert_eq!(
        hex(&fifth),
        concat!(
            "8fcd0005", "11111111", "22222222", "00250001", "0000aa04", "2001", "5000"
        ),
    );
    assert_eq!(rx.given_up(), 0);
}

#[test]
fn feedback_cadence_follows_the_incoming_rate() {
    let t0 = Instant::now();
    let mut rx = TwccReceiver::new(t0);
    // 1 Mbit/s: 1250-byte packets every 10 ms.
    let mut seq = 0u16;
    let mut now = t0;
    for step in 1..=100u32 {
        now = t0 + Duration::from_millis(10) * step;
        rx.on_packet(now, 1, seq, 1250);
        seq = seq.wrapping_add(1);
        if rx.deadline().is_some_and(|d| d <= now) {
            rx.poll_feedback(now, 2).unwrap();
        }
    }
    assert_eq!(rx.interval(), Duration::from_millis(50), "fast at 1 Mbit/s");
    // 20 kbit/s: 50-byte packets every 20 ms.
    for step in 1..=100u32 {
        now += Duration::from_millis(20);
        rx.on_packet(now, 1, seq, 50);
        seq = seq.wrapping_add(1);
        let _ = step;
        if rx.deadline().is_some_and(|d| d <= now) {
            rx.poll_feedback(now, 2).unwrap();
        }
    }
    assert_eq!(
        rx.interval(),
        Duration::from_millis(250),
        "slow at 20 kbit/s"
    );
    // A burst of more than a message's worth of packets within one interval: feedback
    // leaves early and no message exceeds 500 statuses.
    let start = now;
    let mut messages = Vec::new();
    for i in 0..1200u32 {
        now = start + Duration::from_micros(100) * i;
        rx.on_packet(now, 1, seq, 1200);
        seq = seq.wrapping_add(1);
        while rx.deadline().is_some_and(|d| d <= now) {
            let Some(fb) = rx.poll_feedback(now, 2) else {
                break;
            };
            messages.push((
                now - start,
                fb.packet_status_count,
                fb.to_vec().unwrap().len(),
            ));
        }
    }
    assert!(messages.len() >= 4, "{messages:?}");
    assert!(
        messages.iter().all(|&(_, n, len)| n <= 500 && len <= 1200),
        "{messages:?}"
    );
    assert!(
        messages[1].0 < Duration::from_millis(50),
        "early, {messages:?}"
    );
}

#[test]
fn ccfb_reports_exact_bytes() {
    let t0 = Instant::now();
    let mut rx = CcfbReceiver::new(t0);
    // Stream A: 100, 101 (lost 102), 103; stream B: 7.
    rx.on_packet(t0 + ms(1000.0), 0xaaaa_aaaa, 100, 200);
    rx.on_packet(t0 + ms(1010.0), 0xaaaa_aaaa, 101, 200);
    rx.on_packet(t0 + ms(1050.0), 0xaaaa_aaaa, 103, 200);
    rx.on_packet(t0 + ms(1090.0), 0xbbbb_bbbb, 7, 200);
    let now = t0 + ms(1100.0);
    let reports = rx.poll_feedback(now).unwrap();
    let packet = CongestionControlFeedback {
        sender_ssrc: 0x1111_1111,
        reports: rtcp::List::Wire {
            bytes: reports.bytes,
            count: reports.count,
        },
        report_timestamp: 0x1234_5678,
    };
    let bytes = packet.to_vec().unwrap();
    // Offsets before the report in 1/1024 s: 100 ms → 102, 90 ms → 92, 50 ms → 51,
    // 10 ms → 10 (floored).
    assert_eq!(
        hex(&bytes),
        concat!(
            "8bcd0009", "11111111", "aaaaaaaa", "00640004", "8066", "805c", "0000", "8033",
            "bbbbbbbb", "00070001", "800a", "0000", "12345678",
        )
    );
    let parsed = CongestionControlFeedback::parse(&bytes).unwrap();
    let streams: Vec<_> = parsed.reports.iter().collect();
    assert_eq!(streams.len(), 2);
    let metrics: Vec<_> = streams[0].metrics.iter().collect();
    assert_eq!(
        metrics
            .iter()
            .map(|m| (m.received, m.arrival_time_offset))
            .collect::<Vec<_>>(),
        [(true, 102), (true, 92), (false, 0), (true, 51)]
    );
    assert!(rx.deadline().is_none());
}

/// Real Chromium 156 transport-cc feedback (frame 20483 of the capture in
/// `crates/rtcp/tests/chromium_capture.rs`): P bit, base 6102, 7 packets in one run-length
/// chunk, reference time 33446, deltas 5 1 0 0 1 5 0 (× 250 µs).
const CHROMIUM_TRANSPORT_CC: &str = concat!(
    "afcd0007",
    "fa17fa17",
    "499a5e0e",
    "17d60007",
    "0082a667",
    "2007",
    "05010000010500",
    "000003",
);

#[test]
fn chromium_feedback_becomes_per_packet_results() {
    let t0 = Instant::now();
    let mut history = SendHistory::default();
    for i in 0..6110u32 {
        assert_eq!(history.next_sequence(), i as u16);
        history.on_sent(
            t0 + Duration::from_millis(u64::from(i)),
            1000 + i as usize % 7,
            i as u16,
        );
    }
    let bytes: Vec<u8> = (0..CHROMIUM_TRANSPORT_CC.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&CHROMIUM_TRANSPORT_CC[i..i + 2], 16).unwrap())
        .collect();
    let feedback = TransportCc::parse(&bytes).unwrap();
    let mut results = Vec::new();
    assert_eq!(history.on_feedback(&feedback, |r| results.push(r)), 0);
    let base = Duration::from_millis(64) * (33_446 + (1 << 24));
    let expected: Vec<PacketResult> = [5u64, 1, 0, 0, 1, 5, 0]
        .iter()
        .scan(0u64, |ticks, d| {
            *ticks += d;
            Some(*ticks)
        })
        .enumerate()
        .map(|(i, ticks)| {
            let seq = 6102 + i as u32;
            PacketResult {
                sequence: seq as u16,
                send_time: t0 + Duration::from_millis(u64::from(seq)),
                arrival: Some(base + Duration::from_micros(250 * ticks)),
                size: 1000 + seq as usize % 7,
            }
        })
        .collect();
    assert_eq!(results, expected);
    // The same feedback again gives nothing new; feedback about packets never sent is
    // counted, not reported.
    results.clear();
    history.on_feedback(&feedback, |r| results.push(r));
    assert!(results.is_empty());
    let unsent =
        TransportCc::build(1, 2, 7000, 0, 1, &[PacketStatus::Received { delta: 4 }]).unwrap();
    assert_eq!(history.on_feedback(&unsent, |r| results.push(r)), 1);
    assert!(results.is_empty());
}

#[test]
fn a_loss_then_a_late_arrival_is_reported_twice_and_reference_times_unwrap() {
    let t0 = Instant::now();
    let mut history = SendHistory::default();
    for i in 0..4u64 {
        history.on_sent(t0 + Duration::from_millis(i), 100, i as u16);
    }
    let lost = [
        PacketStatus::Received { delta: 4 },
        PacketStatus::NotReceived,
        PacketStatus::Received { delta: 8 },
    ];
    // Reference time at the top of the 24-bit range, then just past the wrap.
    let first = TransportCc::build(1, 2, 0, 0x7f_ffff, 0, &lost).unwrap();
    let mut results = Vec::new();
    history.on_feedback(&first, |r| results.push(r));
    assert_eq!(
        results
            .iter()
            .map(|r| r.arrival.is_some())
            .collect::<Vec<_>>(),
        [true, false, true]
    );
    let late = [
        PacketStatus::Received { delta: 0 },
        PacketStatus::Received { delta: 4 },
    ];
    let second = TransportCc::build(1, 2, 1, -0x80_0000, 1, &late).unwrap();
    results.clear();
    history.on_feedback(&second, |r| results.push(r));
    // 1 is now received; 2 was already. 64 ms after the first message's reference.
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].sequence, 1);
    let first_base = Duration::from_millis(64) * (0x7f_ffff + (1 << 24));
    assert_eq!(
        results[0].arrival,
        Some(first_base + Duration::from_millis(64))
    );
}

/// A bottleneck link: a FIFO served at `capacity_bps`, holding at most `queue_bytes`
/// (drop-tail), then `delay` of propagation.
struct Bottleneck {
    capacity_bps: f64,
    queue_bytes: usize,
    delay: Duration,
    /// When the link is free next, and the bytes queued (departure times, sizes).
    busy_until: Instant,
    queued: std::collections::VecDeque<(Instant, usize)>,
}

impl Bottleneck {
    /// When a packet sent at `now` arrives, or `None` when the queue drops it.
    fn send(&mut self, now: Instant, size: usize) -> Option<Instant> {
        while self.queued.front().is_some_and(|&(t, _)| t <= now) {
            self.queued.pop_front();
        }
        let backlog: usize = self.queued.iter().map(|&(_, s)| s).sum();
        if backlog + size > self.queue_bytes {
            return None;
        }
        let start = self.busy_until.max(now);
        let done = start + Duration::from_secs_f64(size as f64 * 8.0 / self.capacity_bps);
        self.busy_until = done;
        self.queued.push_back((done, size));
        Some(done + self.delay)
    }
}

/// Sends 1200-byte packets at the estimate through a 1 Mbit/s bottleneck for `seconds`,
/// with transport-cc feedback every 50 ms over a 25 ms return path; returns the estimate
/// every second.
fn simulate(start_bps: u64, seconds: u32) -> Vec<u64> {
    let t0 = Instant::now();
    let mut estimator = Estimator::new(start_bps, 30_000, 10_000_000);
    let mut history = SendHistory::default();
    let mut receiver = TwccReceiver::new(t0);
    let mut link = Bottleneck {
        capacity_bps: 1_000_000.0,
        queue_bytes: 60_000, // 480 ms at 1 Mbit/s
        delay: Duration::from_millis(25),
        busy_until: t0,
        queued: Default::default(),
    };
    let mut in_flight: std::collections::VecDeque<(Instant, u16)> = Default::default();
    let mut feedback_in_flight: std::collections::VecDeque<(Instant, Vec<u8>)> = Default::default();
    let step = Duration::from_millis(1);
    let mut next_send = t0;
    let mut figures = Vec::new();
    for tick in 0..(seconds * 1000) {
        let now = t0 + step * tick;
        while next_send <= now {
            let seq = history.next_sequence();
            history.on_sent(next_send, 1200, seq);
            if let Some(at) = link.send(next_send, 1200) {
                in_flight.push_back((at, seq));
            }
            let rate = estimator.estimate() as f64;
            next_send += Duration::from_secs_f64(1200.0 * 8.0 / rate);
        }
        // Arrivals are in order (one FIFO).
        while in_flight.front().is_some_and(|&(t, _)| t <= now) {
            let (at, seq) = in_flight.pop_front().unwrap();
            receiver.on_packet(at, 7, seq, 1200);
        }
        if receiver.deadline().is_some_and(|d| d <= now) {
            while let Some(fb) = receiver.poll_feedback(now, 9) {
                let bytes = fb.to_vec().unwrap();
                feedback_in_flight.push_back((now + Duration::from_millis(25), bytes));
            }
        }
        while feedback_in_flight.front().is_some_and(|(t, _)| *t <= now) {
            let (_, bytes) = feedback_in_flight.pop_front().unwrap();
            let fb = TransportCc::parse(&bytes).unwrap();
            history.on_feedback(&fb, |r| estimator.on_result(&r));
            estimator.on_feedback(now, Some(Duration::from_millis(50)));
        }
        if tick % 1000 == 999 {
            figures.push(estimator.estimate());
        }
    }
    figures
}

#[test]
fn the_estimate_converges_near_a_bottleneck_from_below_and_above() {
    let from_low = simulate(300_000, 40);
    let from_high = simulate(5_000_000, 40);
    eprintln!("from 300 kbit/s: {from_low:?}");
    eprintln!("from 5 Mbit/s: {from_high:?}");
    for (name, figures) in [("low", &from_low), ("high", &from_high)] {
        // Over the last 15 s the estimate stays within 70–110 % of the 1 Mbit/s capacity,
        // and averages 80–100 % of it.
        let tail = &figures[25..];
        assert!(
            tail.iter().all(|&e| (700_000..=1_100_000).contains(&e)),
            "{name}: {figures:?}"
        );
        let mean = tail.iter().sum::<u64>() / tail.len() as u64;
        assert!((800_000..=1_000_000).contains(&mean), "{name}: mean {mean}");
    }
    // From below, the multiplicative increase (8 %/s, §5.5) reaches 80 % of the capacity
    // within 16 s; from above, the first decrease comes within the first second.
    assert!(from_low[..16].iter().any(|&e| e >= 800_000), "{from_low:?}");
    assert!(from_high[0] < 1_000_000, "{from_high:?}");
}

#[test]
fn rfc_8888_reports_map_to_results_by_rtp_sequence_number() {
    use rtcp::feedback::{CcfbMetric, Ecn};
    let t0 = Instant::now();
    let mut history = SendHistory::default();
    // Transport-wide 0..4 carry RTP sequence numbers 65534, 65535, 0, 1.
    for i in 0..4u16 {
        history.on_sent(
            t0 + Duration::from_millis(u64::from(i) * 20),
            200,
            65534u16.wrapping_add(i),
        );
    }
    let metric = |received, ato| CcfbMetric {
        received,
        ecn: Ecn::NotEct,
        arrival_time_offset: ato,
    };
    // Report timestamp 2.0 s (NTP 16.16); offsets 102, lost, 0x1FFF (unavailable), 10.
    let metrics = [
        metric(true, 102),
        metric(false, 0),
        metric(true, 0x1fff),
        metric(true, 10),
    ];
    let mut results = Vec::new();
    let unknown = history.on_ccfb(65534, metrics.into_iter(), 0x0002_0000, |r| results.push(r));
    assert_eq!(unknown, 0);
    let report_us = ((1u64 << 32) + 0x2_0000) * 1_000_000 / 65_536;
    let at = |ato: u64| Some(Duration::from_micros(report_us - ato * 1_000_000 / 1024));
    let got: Vec<_> = results
        .iter()
        .map(|r| (r.sequence, r.arrival, r.size))
        .collect();
    assert_eq!(got, [(0, at(102), 200), (1, None, 200), (3, at(10), 200)]);
    // A stream report about sequence numbers never sent is counted.
    assert_eq!(
        history.on_ccfb(500, [metric(true, 1)].into_iter(), 0x0002_1000, |_| {}),
        1
    );
}
