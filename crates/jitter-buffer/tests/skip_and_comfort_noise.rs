//! Packets of the audio's sequence that are not audio: telephone events passed over with
//! `skip_validated` (RFC 4733 packets share the audio's sequence numbers), and comfort noise
//! stored with `insert_comfort_noise` (RFC 3389): neither is loss, neither conceals.

use jitter_buffer::{
    ConcealReason, Config, DelayMode, Insertion, JitterBuffer, PacketInfo, Playout,
};
use rtp_packet::{SeqVerdict, SequenceTracker, ValidationConfig};
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

fn fixed(delay_ms: u32) -> JitterBuffer {
    let mut c = Config::audio(rtp_packet::ClockRate::NARROWBAND);
    c.delay = DelayMode::Fixed(MS * delay_ms);
    JitterBuffer::new(c).expect("valid")
}

#[derive(Debug, PartialEq)]
enum Out {
    /// Sequence number, timestamp, payload type, playout time in ms after t0.
    Frame(u16, u32, u8, u64),
    /// Sequence number, samples, reason.
    Conceal(u16, u32, ConcealReason),
}

fn drain(jb: &mut JitterBuffer, t0: Instant, until: Duration) -> Vec<Out> {
    let mut out = Vec::new();
    while let Some(t) = jb.poll_timeout() {
        if t > t0 + until {
            break;
        }
        while let Some(p) = jb.poll(t) {
            let at = |i: Instant| ((i - t0).as_micros() as u64 + 500) / 1000;
            out.push(match p {
                Playout::Frame(f) => Out::Frame(
                    f.sequence_number(),
                    f.timestamp(),
                    f.payload_type(),
                    at(f.playout_time()),
                ),
                Playout::Conceal(c) => Out::Conceal(c.sequence_number, c.samples, c.reason),
                other => panic!("unexpected {other:?}"),
            });
        }
    }
    out
}

/// A packet stream as a session hands it on: unwrapped once, then inserted or skipped.
struct Feed {
    jb: JitterBuffer,
    seq: SequenceTracker,
    t0: Instant,
}

impl Feed {
    fn new(jb: JitterBuffer) -> Self {
        Self {
            jb,
            seq: SequenceTracker::new(ValidationConfig::NO_PROBATION),
            t0: Instant::now(),
        }
    }

    fn verdict(&mut self, seq: u16) -> SeqVerdict {
        self.seq.update(seq)
    }

    fn audio(&mut self, at_ms: u32, seq: u16, ts: u32, marker: bool) -> Insertion {
        let v = self.verdict(seq);
        let info = PacketInfo {
            marker,
            ..info(seq, ts)
        };
        self.jb
            .insert_validated(self.t0 + MS * at_ms, info, v, &[seq as u8; 160])
    }

    fn event(&mut self, at_ms: u32, seq: u16, onset: u32) -> Insertion {
        let v = self.verdict(seq);
        let info = PacketInfo {
            payload_type: 101,
            ..info(seq, onset)
        };
        self.jb.skip_validated(self.t0 + MS * at_ms, info, v)
    }

    fn noise(&mut self, at_ms: u32, seq: u16, ts: u32) -> Insertion {
        let v = self.verdict(seq);
        let info = PacketInfo {
            payload_type: 13,
            ..info(seq, ts)
        };
        self.jb
            .insert_comfort_noise(self.t0 + MS * at_ms, info, v, &[40])
    }
}

#[test]
fn events_between_audio_packets_take_no_playout_time() {
    // Audio every 20 ms; a digit's packets take sequence numbers 3, 5 and 7 while the
    // audio goes on (timestamps keep advancing by 160 per audio packet).
    let mut f = Feed::new(fixed(60));
    let mut ts = 0;
    for (at, seq) in (0u32..).step_by(20).zip(0u16..10) {
        if [3, 5, 7].contains(&seq) {
            assert_eq!(f.event(at, seq, 480), Insertion::Skipped);
        } else {
            assert_eq!(f.audio(at, seq, ts, seq == 0), Insertion::Stored);
            ts += 160;
        }
    }
    let out = drain(&mut f.jb, f.t0, MS * 2000);
    let expected: Vec<Out> = [0u16, 1, 2, 4, 6, 8, 9]
        .iter()
        .zip(0u32..)
        .map(|(&seq, n)| Out::Frame(seq, 160 * n, 0, 60 + 20 * u64::from(n)))
        .collect();
    assert_eq!(out, expected);
    let m = f.jb.metrics();
    assert_eq!(
        (m.packets_lost, m.concealed_samples, m.packets_played),
        (0, 0, 7)
    );
    assert_eq!(f.jb.buffered_packets(), 0);
}

#[test]
fn audio_resuming_after_a_digit_is_a_new_talkspurt_not_a_loss() {
    // Audio 0-4, the digit's packets 5-9 (no audio meanwhile), audio again from 10 with
    // the marker, 200 ms of media later.
    let mut f = Feed::new(fixed(60));
    for seq in 0u16..5 {
        f.audio(20 * u32::from(seq), seq, 160 * u32::from(seq), seq == 0);
    }
    for seq in 5u16..10 {
        assert_eq!(f.event(20 * u32::from(seq), seq, 800), Insertion::Skipped);
    }
    assert_eq!(f.event(190, 9, 800), Insertion::Duplicate);
    for seq in 10u16..13 {
        let ts = 800 + 1600 + 160 * u32::from(seq - 10);
        f.audio(20 * u32::from(seq), seq, ts, seq == 10);
    }
    let out = drain(&mut f.jb, f.t0, MS * 2000);
    let frames: Vec<u16> = out
        .iter()
        .map(|o| match o {
            Out::Frame(seq, ..) => *seq,
            other => panic!("only frames expected, got {other:?}"),
        })
        .collect();
    assert_eq!(frames, [0, 1, 2, 3, 4, 10, 11, 12]);
    let m = f.jb.metrics();
    assert_eq!((m.packets_lost, m.concealment_events), (0, 0));
    assert_eq!(m.packets_duplicated, 1);
    assert_eq!(f.jb.buffered_packets(), 0);
}

#[test]
fn a_lost_event_packet_is_a_gap_and_a_late_one_undoes_the_loss() {
    let mut f = Feed::new(fixed(40));
    for seq in 0u16..3 {
        f.audio(20 * u32::from(seq), seq, 160 * u32::from(seq), false);
    }
    // Sequence number 3 (an event packet) is missing when audio 4 arrives: the buffer
    // cannot know what it was and conceals it in time.
    f.audio(80, 4, 480, false);
    let out = drain(&mut f.jb, f.t0, MS * 200);
    assert!(
        out.contains(&Out::Conceal(3, 160, ConcealReason::Lost)),
        "{out:?}"
    );
    assert_eq!(f.jb.metrics().packets_lost, 1);
    // It arrives after all: late, and no longer lost.
    assert_eq!(f.event(300, 3, 480), Insertion::Late);
    let m = f.jb.metrics();
    assert_eq!((m.packets_lost, m.packets_late), (0, 1));
}

#[test]
fn skipping_before_any_audio_only_counts_the_packet() {
    let mut f = Feed::new(fixed(40));
    assert_eq!(f.event(0, 100, 0), Insertion::Skipped);
    assert_eq!(f.jb.poll_timeout(), None);
    assert_eq!(f.jb.metrics().packets_received, 1);
    f.audio(20, 101, 160, true);
    f.audio(40, 102, 320, false);
    let out = drain(&mut f.jb, f.t0, MS * 500);
    assert_eq!(out.len(), 2);
    assert_eq!(f.jb.metrics().packets_lost, 0);
}

#[test]
fn comfort_noise_plays_as_a_frame_and_the_silence_after_it_is_not_loss() {
    let mut f = Feed::new(fixed(60));
    for seq in 0u16..4 {
        f.audio(20 * u32::from(seq), seq, 160 * u32::from(seq), seq == 0);
    }
    // Silence: CN at 640, updated 80 ms later; nothing else for a second.
    assert_eq!(f.noise(80, 4, 640), Insertion::Stored);
    assert_eq!(f.noise(160, 5, 640 + 640), Insertion::Stored);
    // Talk again, with the marker; packet 7 is lost.
    f.audio(1080, 6, 8640, true);
    f.audio(1120, 8, 8960, false);
    let out = drain(&mut f.jb, f.t0, MS * 3000);
    assert_eq!(out[4], Out::Frame(4, 640, 13, 140));
    assert_eq!(out[5], Out::Frame(5, 1280, 13, 220));
    // The loss in the new talkspurt is one 20 ms packet: the 80 ms between the two CN
    // packets taught the buffer nothing.
    assert!(
        out.contains(&Out::Conceal(7, 160, ConcealReason::Lost)),
        "{out:?}"
    );
    let m = f.jb.metrics();
    assert_eq!(
        (m.packets_lost, m.concealment_events, m.packets_played),
        (1, 1, 8)
    );
}
