//! Exact behaviour on hand-made packet sequences: ordering, loss, lateness, duplicates,
//! wrap-around, resynchronisation, silence, video frames, capacity and configuration.

use jitter_buffer::{
    ConcealReason, Config, DelayMode, DiscardReason, Error, Insertion, JitterBuffer, MediaKind,
    NtpTime, PacketInfo, Playout,
};
use rtp_packet::{SequenceTracker, ValidationConfig};
use std::time::{Duration, Instant};

const MS: Duration = Duration::from_millis(1);

fn info(seq: u16, ts: u32) -> PacketInfo {
    PacketInfo {
        ssrc: 7,
        sequence_number: seq,
        timestamp: ts,
        marker: false,
        payload_type: 0,
    }
}

fn fixed(delay_ms: u64) -> JitterBuffer {
    let mut c = Config::audio(rtp_packet::ClockRate::NARROWBAND);
    c.delay = DelayMode::Fixed(MS * delay_ms as u32);
    JitterBuffer::new(c).expect("valid")
}

#[derive(Debug, PartialEq)]
enum Out {
    Frame(u16, u32, u64),
    Conceal(u16, u32, u32, ConcealReason, u64),
}

/// Polls at every event up to `until`, recording what came out and when (ms after t0).
fn drain(jb: &mut JitterBuffer, t0: Instant, until: Duration) -> Vec<Out> {
    let mut out = Vec::new();
    while let Some(t) = jb.poll_timeout() {
        if t > t0 + until {
            break;
        }
        while let Some(p) = jb.poll(t) {
            let at = |i: Instant| ((i - t0).as_micros() as u64 + 500) / 1000;
            out.push(match p {
                Playout::Frame(f) => {
                    Out::Frame(f.sequence_number(), f.timestamp(), at(f.playout_time()))
                }
                Playout::Conceal(c) => Out::Conceal(
                    c.sequence_number,
                    c.timestamp,
                    c.samples,
                    c.reason,
                    at(c.playout_time),
                ),
                other => panic!("a playout these tests do not know: {other:?}"),
            });
        }
    }
    out
}

#[test]
fn fixed_delay_plays_by_timestamp_in_order() {
    let mut jb = fixed(60);
    let t0 = Instant::now();
    // Arrival order 0, 2, 1, 3; each frame still plays 60 ms after the first's timeline.
    for (seq, at) in [(0u16, 0u32), (2, 41), (1, 45), (3, 60)] {
        assert_eq!(
            jb.insert(
                t0 + MS * at,
                info(seq, 160 * u32::from(seq)),
                &[seq as u8; 160]
            ),
            Insertion::Stored
        );
    }
    assert_eq!(
        drain(&mut jb, t0, MS * 1000),
        vec![
            Out::Frame(0, 0, 60),
            Out::Frame(1, 160, 80),
            Out::Frame(2, 320, 100),
            Out::Frame(3, 480, 120)
        ]
    );
    let m = jb.metrics();
    assert_eq!(
        (
            m.packets_received,
            m.packets_played,
            m.jitter_buffer_emitted_count
        ),
        (4, 4, 640)
    );
    assert_eq!(m.jitter_buffer_delay, MS * (60 + 35 + 59 + 60) * 160);
}

#[test]
fn a_missing_packet_is_concealed_at_its_time_and_a_late_one_dropped() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    jb.insert(t0, info(10, 1600), &[1; 160]);
    jb.insert(t0 + MS * 40, info(12, 1920), &[3; 160]);
    assert_eq!(jb.missing().collect::<Vec<_>>(), vec![11]);
    assert_eq!(
        drain(&mut jb, t0, MS * 100),
        vec![
            Out::Frame(10, 1600, 40),
            Out::Conceal(11, 1760, 160, ConcealReason::Lost, 60),
            Out::Frame(12, 1920, 80)
        ]
    );
    assert_eq!(jb.metrics().packets_lost, 1);
    assert_eq!(
        (
            jb.metrics().rfc3611_loss_rate(),
            jb.metrics().rfc3611_discard_rate()
        ),
        (85, 0)
    );
    // Packet 11 finally arrives: too late, and no longer lost (it was received).
    assert_eq!(
        jb.insert(t0 + MS * 200, info(11, 1760), &[2; 160]),
        Insertion::Late
    );
    let m = jb.metrics();
    assert_eq!(
        (
            m.packets_lost,
            m.packets_late,
            m.concealed_samples,
            m.concealment_events
        ),
        (0, 1, 160, 1)
    );
}

#[test]
fn a_late_successor_proves_a_loss_too() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    jb.insert(t0, info(1, 160), &[1; 160]);
    assert_eq!(drain(&mut jb, t0, MS * 100), vec![Out::Frame(1, 160, 40)]);
    // 2 never comes; 3 comes after its playout time: both are concealed in order.
    assert_eq!(
        jb.insert(t0 + MS * 150, info(3, 480), &[3; 160]),
        Insertion::Late
    );
    let now = t0 + MS * 150;
    let mut out = Vec::new();
    while let Some(Playout::Conceal(c)) = jb.poll(now) {
        out.push((c.sequence_number, c.timestamp, c.reason));
    }
    assert_eq!(
        out,
        vec![(2, 320, ConcealReason::Lost), (3, 480, ConcealReason::Late)]
    );
    assert_eq!(jb.poll_timeout(), None);
}

#[test]
fn duplicates_before_and_after_playout_are_dropped() {
    let mut jb = fixed(20);
    let t0 = Instant::now();
    jb.insert(t0, info(1, 160), &[1; 10]);
    assert_eq!(
        jb.insert(t0 + MS, info(1, 160), &[1; 10]),
        Insertion::Duplicate
    );
    drain(&mut jb, t0, MS * 100);
    assert_eq!(
        jb.insert(t0 + MS * 150, info(1, 160), &[1; 10]),
        Insertion::Duplicate
    );
    assert_eq!(jb.metrics().packets_duplicated, 2);
}

#[test]
fn sequence_and_timestamp_wrap_without_loss() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    let mut expected = Vec::new();
    for i in 0..6u32 {
        let seq = 65533u16.wrapping_add(i as u16);
        let ts = (u32::MAX - 319).wrapping_add(160 * i);
        jb.insert(t0 + MS * (20 * i), info(seq, ts), &[i as u8; 160]);
        expected.push(Out::Frame(seq, ts, 40 + 20 * u64::from(i)));
    }
    assert_eq!(drain(&mut jb, t0, MS * 1000), expected);
    assert_eq!(jb.metrics().packets_lost, 0);
}

#[test]
fn a_callers_sequence_verdict_is_used_without_unwrapping_again() {
    // A session validates the source once (RFC 3550 A.1, with probation) and hands the
    // verdict on; the buffer follows it instead of running its own tracker.
    let mut jb = fixed(40);
    let mut tracker = SequenceTracker::new(ValidationConfig::default());
    let t0 = Instant::now();
    let mut insert = |jb: &mut JitterBuffer, at: u32, seq: u16, ts: u32| {
        let verdict = tracker.update(seq);
        jb.insert_validated(t0 + MS * at, info(seq, ts), verdict, &[0; 160])
    };
    assert_eq!(
        insert(&mut jb, 0, 100, 0),
        Insertion::Discarded(DiscardReason::Unvalidated)
    );
    assert_eq!(insert(&mut jb, 20, 101, 160), Insertion::Stored);
    assert_eq!(insert(&mut jb, 40, 102, 320), Insertion::Stored);
    // The tracker holds a jump; its successor confirms it and the buffer resynchronises
    // on that very packet (a buffer unwrapping on its own would need one more).
    assert_eq!(
        insert(&mut jb, 60, 20_000, 90_000),
        Insertion::Discarded(DiscardReason::SequenceJump)
    );
    assert_eq!(insert(&mut jb, 80, 20_001, 90_160), Insertion::Stored);
    let m = jb.metrics();
    // Unvalidated, the jump, and the two packets still held when the restart came.
    assert_eq!((m.resyncs, m.packets_discarded), (1, 2 + 2));
    assert_eq!(
        drain(&mut jb, t0, MS * 1000),
        vec![Out::Frame(20_001, 90_160, 120)]
    );
}

#[test]
fn ssrc_change_and_confirmed_jump_resynchronise() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    jb.insert(t0, info(100, 0), &[0; 160]);
    jb.insert(t0 + MS * 20, info(101, 160), &[0; 160]);
    drain(&mut jb, t0, MS * 100);
    let on_8 = |seq, ts| PacketInfo {
        ssrc: 8,
        ..info(seq, ts)
    };
    // A new source: restart, its packets play on a fresh schedule.
    let stored = jb.insert(t0 + MS * 100, on_8(5000, 999_000), &[0; 160]);
    assert_eq!((stored, jb.metrics().resyncs), (Insertion::Stored, 1));
    assert_eq!(
        drain(&mut jb, t0, MS * 1000),
        vec![Out::Frame(5000, 999_000, 140)]
    );
    // A jump beyond MAX_DROPOUT is discarded until the next packet confirms it.
    let results = [
        jb.insert(t0 + MS * 200, on_8(5000 + 10_000, 0), &[0; 160]),
        jb.insert(t0 + MS * 220, on_8(5000 + 10_001, 160), &[0; 160]),
    ];
    assert_eq!(
        results,
        [
            Insertion::Discarded(DiscardReason::SequenceJump),
            Insertion::Stored
        ]
    );
    let m = jb.metrics();
    assert_eq!((m.resyncs, m.packets_discarded), (2, 1));
    assert_eq!(
        drain(&mut jb, t0, MS * 1000),
        vec![Out::Frame(15_001, 160, 260)]
    );
}

/// Frames carry the sender's wallclock of their timestamp once an SR's pair is known
/// (RFC 3550 §6.4.1), across the timestamp wrap, and another SSRC drops the pair.
#[test]
fn frames_carry_the_sender_wallclock_of_their_timestamp() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    let first = u32::MAX - 159;
    let mut wallclocks = Vec::new();
    let mut play = |jb: &mut JitterBuffer, seq: u16, ssrc: u32, at: u32| {
        let ts = first.wrapping_add(160 * u32::from(seq));
        jb.insert(
            t0 + MS * at,
            PacketInfo {
                ssrc,
                ..info(seq, ts)
            },
            &[0; 160],
        );
        let due = jb.poll_timeout().expect("due");
        match jb.poll(due) {
            Some(Playout::Frame(f)) => wallclocks.push(f.sender_wallclock()),
            other => panic!("expected a frame, got {other:?}"),
        }
    };
    play(&mut jb, 0, 7, 0);
    // The SR: RTP timestamp 0 (one frame after the first) was sampled at 1000.5 s.
    let sr = NtpTime::new(1000, 1 << 31);
    jb.set_sender_clock(sr, 0);
    assert_eq!(jb.sender_wallclock(8000), Some(NtpTime::new(1001, 1 << 31)));
    play(&mut jb, 1, 7, 20);
    play(&mut jb, 2, 7, 40);
    play(&mut jb, 3, 8, 60);
    assert_eq!(
        wallclocks,
        vec![
            None,
            Some(sr),
            // 160 ticks later: 20 ms, 2^32 / 50 units.
            Some(sr.wrapping_add_signed((1i64 << 32) / 50)),
            None
        ]
    );
}

#[test]
fn silence_is_not_loss_and_a_talkspurt_re_anchors() {
    let mut jb = fixed(40);
    let t0 = Instant::now();
    jb.insert(t0, info(1, 0), &[0; 160]);
    jb.insert(t0 + MS * 20, info(2, 160), &[0; 160]);
    // Two seconds of silence, then a talkspurt (marker) arriving 5 ms "early".
    let spurt = PacketInfo {
        marker: true,
        ..info(3, 160 * 102)
    };
    jb.insert(t0 + MS * 2035, spurt, &[0; 160]);
    jb.insert(t0 + MS * 2055, info(4, 160 * 103), &[0; 160]);
    assert_eq!(
        drain(&mut jb, t0, MS * 3000),
        vec![
            Out::Frame(1, 0, 40),
            Out::Frame(2, 160, 60),
            Out::Frame(3, 16_320, 2075),
            Out::Frame(4, 16_480, 2095)
        ]
    );
    let m = jb.metrics();
    assert_eq!((m.packets_lost, m.concealment_events), (0, 0));
}

#[test]
fn video_frames_complete_or_incomplete_with_their_gaps() {
    let mut c = Config::video();
    c.delay = DelayMode::Fixed(MS * 50);
    let mut jb = JitterBuffer::new(c).expect("valid");
    let t0 = Instant::now();
    // Three frames of three packets, marker on each last; packet 4 (frame 2) is lost.
    for seq in 0..9u16 {
        if seq == 4 {
            continue;
        }
        let frame = u32::from(seq / 3);
        let p = PacketInfo {
            marker: seq % 3 == 2,
            ..info(seq, 3000 * frame)
        };
        jb.insert(
            t0 + MS * (33 * frame + u32::from(seq % 3)),
            p,
            &[seq as u8; 100],
        );
    }
    assert_eq!(jb.missing().collect::<Vec<_>>(), vec![4]);
    let mut frames = Vec::new();
    while let Some(t) = jb.poll_timeout() {
        while let Some(Playout::Frame(f)) = jb.poll(t) {
            let payloads: Vec<u8> = f.payloads().map(|p| p[0]).collect();
            frames.push((
                f.timestamp(),
                f.is_complete(),
                f.missing().collect::<Vec<_>>(),
                payloads,
            ));
        }
    }
    assert_eq!(
        frames,
        vec![
            (0, true, vec![], vec![0, 1, 2]),
            (3000, false, vec![4], vec![3, 5]),
            (6000, true, vec![], vec![6, 7, 8]),
        ]
    );
    let m = jb.metrics();
    assert_eq!(
        (
            m.frames_incomplete,
            m.packets_lost,
            m.jitter_buffer_emitted_count,
            m.packets_played
        ),
        (1, 1, 3, 8)
    );
}

#[test]
fn a_video_frame_missing_its_first_or_its_marker_packet_is_incomplete() {
    let (t0, fixed) = (Instant::now(), DelayMode::Fixed(MS * 50));
    let mut jb = JitterBuffer::new(Config {
        delay: fixed,
        ..Config::video()
    })
    .expect("valid");
    // Four frames of three packets (timestamp 3000 × frame, marker on each last), 33 ms
    // apart; packet 3 (frame 1's first) and packet 8 (frame 2's marker) are lost.
    let sent = (0..12u16).filter(|&seq| seq != 3 && seq != 8);
    for (seq, frame) in sent.map(|seq| (seq, u32::from(seq / 3))) {
        let mut p = info(seq, 3000 * frame);
        p.marker = seq % 3 == 2;
        let at = t0 + MS * (33 * frame + u32::from(seq % 3));
        jb.insert(at, p, &[seq as u8; 100]);
    }
    let mut played = Vec::new();
    while let Some(t) = jb.poll_timeout() {
        while let Some(Playout::Frame(f)) = jb.poll(t) {
            let missing: Vec<u16> = f.missing().collect();
            let first_octets: Vec<u8> = f.payloads().map(|p| p[0]).collect();
            played.push((f.timestamp(), f.is_complete(), missing, first_octets));
        }
    }
    // Frame 2 ends where frame 3's timestamp begins; packet 8 is counted with frame 3,
    // which does not follow a marker packet and so cannot be known to be whole.
    let expected = vec![
        (0, true, vec![], vec![0, 1, 2]),
        (3000, false, vec![3], vec![4, 5]),
        (6000, false, vec![], vec![6, 7]),
        (9000, false, vec![8], vec![9, 10, 11]),
    ];
    assert_eq!(played, expected);
    let m = jb.metrics();
    let counts = (m.frames_incomplete, m.packets_lost, m.packets_played);
    assert_eq!((counts, m.jitter_buffer_emitted_count), ((3, 2, 10), 4));
}

#[test]
fn capacity_in_packets_and_bytes_holds() {
    let mut c = Config::audio(rtp_packet::ClockRate::NARROWBAND);
    c.capacity_packets = 16;
    let mut jb = JitterBuffer::new(c.clone()).expect("valid");
    let t0 = Instant::now();
    for i in 0..40u16 {
        jb.insert(t0, info(i, 160 * u32::from(i)), &[0; 160]);
        assert!(jb.buffered_packets() <= 16);
    }
    assert_eq!(jb.metrics().packets_overflowed, 24);
    c.capacity_packets = 64;
    c.max_payload = 200;
    c.capacity_bytes = 1000;
    let mut jb = JitterBuffer::new(c).expect("valid");
    for i in 0..40u16 {
        jb.insert(t0, info(i, 160 * u32::from(i)), &[0; 200]);
        assert!(jb.buffered_bytes() <= 1000);
    }
    assert_eq!(jb.buffered_packets(), 5);
    assert_eq!(jb.metrics().packets_overflowed, 35);
    assert_eq!(
        jb.insert(t0, info(40, 6400), &[0; 201]),
        Insertion::Discarded(DiscardReason::Oversize)
    );
}

#[test]
fn configurations_are_validated() {
    let base = Config::audio(rtp_packet::ClockRate::NARROWBAND);
    let check = |f: &dyn Fn(&mut Config), e: Error| {
        let mut c = base.clone();
        f(&mut c);
        assert_eq!(JitterBuffer::new(c).err(), Some(e));
    };
    check(
        &|c| c.capacity_packets = 8,
        Error::PacketCapacity {
            got: 8,
            min: 16,
            max: 16384,
        },
    );
    check(
        &|c| c.capacity_bytes = 100,
        Error::ByteCapacity {
            bytes: 100,
            max_payload: 1500,
        },
    );
    check(
        &|c| {
            c.delay = DelayMode::Adaptive {
                min: MS * 50,
                max: MS * 40,
                initial: MS * 45,
            }
        },
        Error::DelayBounds {
            min: MS * 50,
            max: MS * 40,
        },
    );
    check(&|c| c.quantile = 1.0, Error::Quantile(1.0));
    check(&|c| c.forget_factor = 0.0, Error::ForgetFactor(0.0));
    check(
        &|c| c.statistics_interval = Duration::ZERO,
        Error::ZeroStatisticsInterval,
    );
    check(
        &|c| c.frame_duration = Duration::ZERO,
        Error::ZeroFrameDuration,
    );
    assert_eq!(Config::video().kind, MediaKind::Video);
}
