//! Transport-wide congestion control through the session: the extension on every packet
//! sent, transport-cc feedback generated on receive and consumed on send, results and the
//! estimate, a real Chromium feedback datagram, and malformed feedback counted.

mod common;

use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, Pair, addr, configs, rng};
use rtcp::Packet;
use rtcp::feedback::CongestionControlFeedback;
use rtp_packet::RtpPacket;
use rtp_packet::extension::TransportSequenceNumber;
use rtp_session::{Component, Config, CongestionControl, Event, PacketResult, Session};

const TWCC_ID: u8 = 5;

fn with_transport_cc(mut c: Config) -> Config {
    c.congestion = CongestionControl {
        transport_sequence_id: Some(TWCC_ID),
        transport_cc_feedback: true,
        packet_results: true,
        ..CongestionControl::default()
    };
    c.transport.rtcp_rsize = true;
    c
}

fn transport_sequence(datagram: &[u8]) -> Option<u16> {
    let packet = RtpPacket::parse(datagram).ok()?;
    let value = packet
        .header_extension()?
        .value::<TransportSequenceNumber>(TWCC_ID)
        .ok()??;
    Some(value.0)
}

#[test]
fn both_sides_send_the_extension_and_consume_each_others_feedback_over_a_lossy_link() {
    let (a, b) = configs(true);
    let mut pair = Pair::new(
        with_transport_cc(a),
        with_transport_cc(b),
        common::lossy(),
        7,
    );
    pair.run(Duration::from_secs(10));

    // Every RTP packet A sent carries the next transport-wide sequence number.
    let sequences: Vec<u16> = pair
        .a_seen
        .sent
        .iter()
        .filter(|t| rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtp)
        .map(|t| transport_sequence(&t.contents).expect("the extension"))
        .collect();
    assert_eq!(sequences.len(), 501); // 10 s of 20 ms frames, both ends included
    assert!(sequences.iter().enumerate().all(|(i, &s)| s == i as u16));

    // B sent feedback on its own cadence (50 pps of 180 bytes, 72 kbit/s: the 5 % rule
    // gives about 150 ms); A consumed it, none reached the application.
    let (ca, cb) = (pair.a.counters(), pair.b.counters());
    assert!((60..=90).contains(&cb.transport_feedback_sent), "{cb:?}");
    let delivered = pair.ba.stats().delivered;
    assert!(ca.transport_feedback_received > 0 && ca.transport_feedback_received <= delivered);
    assert_eq!(ca.transport_feedback_malformed, 0);
    assert!(
        !pair
            .a_seen
            .events
            .iter()
            .any(|e| matches!(e, Event::Feedback { .. }))
    );

    // Results: one per packet reported (a late arrival after a loss report adds one).
    let mut results: Vec<PacketResult> = Vec::new();
    while let Some(r) = pair.a.poll_packet_result() {
        results.push(r);
    }
    let received = results.iter().filter(|r| r.arrival.is_some()).count() as u64;
    let lost = results.iter().filter(|r| r.arrival.is_none()).count() as u64;
    let link = pair.ab.stats();
    assert!(results.len() >= 450, "{}", results.len());
    assert!(
        received <= link.delivered,
        "{received} of {}",
        link.delivered
    );
    assert!(lost >= 1, "the lossy link lost {} packets", link.lost);
    // Sizes are the datagrams' (12 header + 8 extension + 160 payload).
    assert!(
        results.iter().all(|r| r.size == 180),
        "{:?}",
        results.first()
    );
    // Arrival minus send time stays within the link's delay range (same origin offset).
    let origin = results.iter().map(|r| r.send_time).min().unwrap();
    let offsets: Vec<i128> = results
        .iter()
        .filter_map(|r| {
            let arrival = r.arrival?.as_micros() as i128;
            Some(arrival - (r.send_time - origin).as_micros() as i128)
        })
        .collect();
    let spread = offsets.iter().max().unwrap() - offsets.iter().min().unwrap();
    assert!(spread < 400_000, "one-way delay varies by {spread} µs");
    let estimate = pair.a.bandwidth_estimate().unwrap();
    assert!((30_000..=10_000_000).contains(&estimate), "{estimate}");
}

/// Frame 20483 of `crates/rtcp/tests/chromium_capture.rs`: transport-cc feedback as
/// Chromium 156 sent it, alone in its datagram with the P bit, in a call without
/// rtcp-rsize: base 6102, 7 packets, deltas 5 1 0 0 1 5 0 (× 250 µs).
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

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a_chromium_feedback_datagram_maps_to_our_packets() {
    let (mut config, _) = configs(true);
    config.congestion.transport_sequence_id = Some(TWCC_ID);
    config.congestion.packet_results = true;
    // No rtcp-rsize: Chromium still sends transport-cc alone, and it is taken.
    let t0 = Instant::now();
    let mut a = Session::new(t0, config, rng(3)).unwrap();
    let mut sizes = Vec::new();
    for i in 0..6110u32 {
        let now = t0 + Duration::from_millis(u64::from(i));
        a.send(now, &vec![0; 100 + (i % 3) as usize], 160 * i, false)
            .unwrap();
        let t = a.poll_transmit().unwrap();
        assert_eq!(transport_sequence(&t.contents), Some(i as u16));
        sizes.push(t.contents.len());
        a.recycle(t.contents);
    }
    let now = t0 + Duration::from_secs(7);
    let mut datagram = unhex(CHROMIUM_TRANSPORT_CC);
    a.handle_datagram(now, Component::Rtp, addr(B_ADDR), &mut datagram);
    assert_eq!(a.counters().transport_feedback_received, 1);
    assert_eq!(a.counters().malformed, 0);
    let results: Vec<PacketResult> = std::iter::from_fn(|| a.poll_packet_result()).collect();
    let base = Duration::from_millis(64) * (33_446 + (1 << 24));
    let ticks = [5u64, 6, 6, 6, 7, 12, 12];
    assert_eq!(results.len(), 7);
    for (i, r) in results.iter().enumerate() {
        let seq = 6102 + i;
        assert_eq!(r.sequence as usize, seq);
        assert_eq!(r.send_time, t0 + Duration::from_millis(seq as u64));
        assert_eq!(r.size, sizes[seq]);
        assert_eq!(
            r.arrival,
            Some(base + Duration::from_micros(250 * ticks[i]))
        );
    }
    let _ = A_ADDR;
}

#[test]
fn malformed_transport_cc_is_counted_and_dropped() {
    let (mut config, _) = configs(true);
    config.congestion.transport_sequence_id = Some(TWCC_ID);
    let t0 = Instant::now();
    let mut a = Session::new(t0, config, rng(4)).unwrap();
    // A well-framed transport-cc packet whose chunk is a run of reserved symbols.
    let mut datagram = vec![
        0x8f, 0xcd, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0x60, 0x05, 0, 0,
    ];
    a.handle_datagram(t0, Component::Rtp, addr(B_ADDR), &mut datagram);
    assert_eq!(a.counters().transport_feedback_malformed, 1);
    assert_eq!(a.counters().transport_feedback_received, 0);
    assert!(a.poll_event().is_none());
    // Without transport-cc configured, the same packet is the application's feedback.
    let (config, _) = configs(true);
    let mut b = Session::new(t0, config, rng(5)).unwrap();
    let mut compound = vec![0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1];
    compound.extend_from_slice(&datagram);
    b.handle_datagram(t0, Component::Rtp, addr(B_ADDR), &mut compound);
    assert!(matches!(b.poll_event(), Some(Event::NewSource { .. })));
    assert!(matches!(b.poll_event(), Some(Event::Feedback { .. })));
}

#[test]
fn bad_settings_are_refused() {
    let (mut config, _) = configs(true);
    config.congestion.transport_sequence_id = Some(15);
    assert!(Session::new(Instant::now(), config, rng(1)).is_err());
    let (mut config, _) = configs(true);
    config.congestion.min_bitrate_bps = 0;
    assert!(Session::new(Instant::now(), config, rng(1)).is_err());
}

#[test]
fn ccfb_is_sent_when_negotiated_instead() {
    let (mut a, mut b) = configs(true);
    a.congestion.ccfb_feedback = true;
    a.congestion.packet_results = true;
    b.congestion.ccfb_feedback = true;
    a.transport.rtcp_rsize = true;
    b.transport.rtcp_rsize = true;
    let mut pair = Pair::new(a, b, common::clean(), 9);
    pair.b_sends = false;
    pair.run(Duration::from_secs(3));
    let b_ssrc = pair.b.local_ssrc();
    let a_ssrc = pair.a.local_ssrc();
    let reports: Vec<_> = pair
        .b_seen
        .sent
        .iter()
        .filter_map(|t| {
            let f = CongestionControlFeedback::parse(&t.contents).ok()?;
            let streams = f.reports.iter();
            let streams: Vec<_> = streams
                .map(|r| (r.ssrc, r.begin_seq, r.metrics.len()))
                .collect();
            Some((f.sender_ssrc, streams))
        })
        .collect();
    // G.711 is 69 kbit/s of RTP: the 5 % rule spaces reports about 160 ms apart. (A
    // negotiated RFC 8888 too, but B sends no media.)
    assert!((17..=21).contains(&reports.len()), "{reports:?}");
    assert_eq!(
        pair.b.counters().transport_feedback_sent,
        reports.len() as u64
    );
    // Each reports A's stream from where the previous one ended, without gaps or overlaps.
    let mut next = None;
    let mut covered = 0;
    for (sender, streams) in &reports {
        assert_eq!(*sender, b_ssrc);
        let [(ssrc, begin, count)] = streams[..] else {
            panic!("{streams:?}")
        };
        assert_eq!(ssrc, a_ssrc);
        if let Some(n) = next {
            assert_eq!(begin, n);
        }
        next = Some(begin.wrapping_add(count as u16));
        covered += count;
    }
    assert!(covered >= 140, "{covered}");
    // A consumes the reports about its stream: one result per packet (none lost on this
    // link), sent and arrived 20 ms apart to within the 1/1024 s of the offsets.
    assert_eq!(
        pair.a.counters().transport_feedback_received,
        reports.len() as u64
    );
    assert!(
        !pair
            .a_seen
            .events
            .iter()
            .any(|e| matches!(e, Event::Feedback { .. }))
    );
    let results: Vec<PacketResult> = std::iter::from_fn(|| pair.a.poll_packet_result()).collect();
    assert_eq!(results.len(), covered);
    assert!(results.iter().all(|r| r.arrival.is_some()));
    let first = &results[0];
    for r in &results {
        let sent = (r.send_time - first.send_time).as_secs_f64();
        let arrived = (r.arrival.unwrap().as_secs_f64()) - first.arrival.unwrap().as_secs_f64();
        assert!((arrived - sent).abs() < 0.002, "{r:?}");
    }
    assert!(pair.a.bandwidth_estimate().is_some());
}

/// A FIFO served at `bps`, dropping what would queue more than `limit` bytes.
struct Bottleneck {
    bps: f64,
    limit: usize,
    free_at: Instant,
    queue: std::collections::VecDeque<(Instant, usize)>,
}

impl Bottleneck {
    fn admit(&mut self, now: Instant, size: usize) -> Option<Instant> {
        while self.queue.front().is_some_and(|&(t, _)| t <= now) {
            self.queue.pop_front();
        }
        if self.queue.iter().map(|&(_, s)| s).sum::<usize>() + size > self.limit {
            return None;
        }
        let done = self.free_at.max(now) + Duration::from_secs_f64(size as f64 * 8.0 / self.bps);
        self.free_at = done;
        self.queue.push_back((done, size));
        Some(done)
    }
}

/// A sends 1,000-byte payloads at its estimate, starting at `start_bps`, through a
/// 1 Mbit/s link (40 kB queue, 20 ms each way) to B for 30 s; B's transport-cc feedback
/// comes back on a clean path. Returns the estimate at the end of each second, in kbit/s.
fn follow_the_estimate(start_bps: u64) -> Vec<u64> {
    let (a, b) = configs(true);
    let mut a = with_transport_cc(a);
    a.congestion.start_bitrate_bps = start_bps;
    let t0 = Instant::now();
    let mut a = Session::new(t0, a, rng(11)).unwrap();
    let mut b = Session::new(t0, with_transport_cc(b), rng(12)).unwrap();
    let mut link = Bottleneck {
        bps: 1_000_000.0,
        limit: 40_000,
        free_at: t0,
        queue: Default::default(),
    };
    let one_way = Duration::from_millis(20);
    let mut to_b: std::collections::VecDeque<(Instant, Vec<u8>)> = Default::default();
    let mut to_a: std::collections::VecDeque<(Instant, Vec<u8>)> = Default::default();
    let mut next_send = t0;
    let mut ts = 0u32;
    let mut estimates = Vec::new();
    let (mut sent_bytes, mut dropped) = (0usize, 0u32);
    for ms in 0..30_000u32 {
        let now = t0 + Duration::from_millis(u64::from(ms));
        while next_send <= now {
            a.send(next_send, &[0x42; 1000], ts, false).unwrap();
            ts = ts.wrapping_add(90);
            let rate = a.bandwidth_estimate().unwrap() as f64;
            next_send += Duration::from_secs_f64(1040.0 * 8.0 / rate);
        }
        while let Some(t) = a.poll_transmit() {
            let size = t.contents.len();
            sent_bytes += size;
            match link.admit(now, size + 28) {
                Some(done) => to_b.push_back((done + one_way, t.contents)),
                None => dropped += 1,
            }
        }
        while to_b.front().is_some_and(|(t, _)| *t <= now) {
            let (_, mut d) = to_b.pop_front().unwrap();
            b.handle_datagram(now, Component::Rtp, addr(A_ADDR), &mut d);
        }
        b.handle_timeout(now);
        while let Some(t) = b.poll_transmit() {
            to_a.push_back((now + one_way, t.contents));
        }
        while b.poll_playout(now).is_some() {}
        while b.poll_event().is_some() {}
        while to_a.front().is_some_and(|(t, _)| *t <= now) {
            let (_, mut d) = to_a.pop_front().unwrap();
            a.handle_datagram(now, Component::Rtp, addr(B_ADDR), &mut d);
        }
        a.handle_timeout(now);
        while a.poll_event().is_some() {}
        while a.poll_packet_result().is_some() {}
        if ms % 1000 == 999 {
            estimates.push(a.bandwidth_estimate().unwrap() / 1000);
        }
    }
    eprintln!(
        "from {start_bps} bit/s, each second (kbit/s): {estimates:?}; {dropped} of {sent_bytes} bytes dropped"
    );
    assert!(a.counters().transport_feedback_received > 150);
    estimates
}

#[test]
fn a_sender_following_its_estimate_settles_near_the_bottleneck() {
    // Within 20 s from a low or a high start, and from then on, the estimate stays within
    // 65–115 % of the link (which carries IP/UDP overhead too).
    for start in [300_000, 3_000_000] {
        let estimates = follow_the_estimate(start);
        let tail = &estimates[20..];
        assert!(
            tail.iter().all(|&k| (650..=1150).contains(&k)),
            "{estimates:?}"
        );
    }
}

#[test]
fn with_pacing_the_send_time_is_when_the_pacer_releases_the_packet() {
    let (a, b) = configs(true);
    let mut a = with_transport_cc(a);
    a.pacing_bps = Some(200_000);
    let t0 = Instant::now();
    let mut a = Session::new(t0, a, rng(21)).unwrap();
    let mut b = Session::new(t0, with_transport_cc(b), rng(22)).unwrap();
    // A burst of five packets at t0 leaves one every (1,020 bytes × 8 / 200 kbit/s).
    for i in 0..5u32 {
        a.send(t0, &[0; 1000], 90 * i, false).unwrap();
    }
    let mut now = t0;
    let mut sizes = Vec::new();
    while sizes.len() < 5 {
        a.handle_timeout(now);
        while let Some(mut t) = a.poll_transmit() {
            sizes.push(t.contents.len());
            b.handle_datagram(now, Component::Rtp, addr(A_ADDR), &mut t.contents);
        }
        now = a
            .poll_timeout()
            .unwrap()
            .max(now + Duration::from_micros(1));
    }
    let later = t0 + Duration::from_millis(400);
    b.handle_timeout(later);
    while let Some(mut t) = b.poll_transmit() {
        a.handle_datagram(later, Component::Rtp, addr(B_ADDR), &mut t.contents);
    }
    let results: Vec<PacketResult> = std::iter::from_fn(|| a.poll_packet_result()).collect();
    assert_eq!(results.len(), 5);
    let spacing = Duration::from_secs_f64(sizes[0] as f64 * 8.0 / 200_000.0);
    for (i, r) in results.iter().enumerate() {
        let expected = t0 + spacing * i as u32;
        let error = r.send_time.max(expected) - r.send_time.min(expected);
        assert!(
            error < Duration::from_micros(5),
            "{i}: {:?}",
            r.send_time - t0
        );
        assert_eq!(r.size, sizes[i]);
    }
}
