//! RFC 4733 telephone events and RFC 3389 comfort noise between two sessions, and the
//! payload map's routing: a digit sent by one session arrives at the other as exactly one
//! `Event::Dtmf` (clean and lossy links, lost end packets, duplicates, reordering, a long
//! event), its packets never reach playout, the audio around it keeps its sequence and
//! timestamps; comfort noise is silence, not loss; unknown payload types are dropped.

mod common;

use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, Pair, addr, clean, configs, rng};
use netsim::{Jitter, LinkConfig, Loss, Reorder};
use rtp_packet::RtpPacket;
use rtp_packet::payload::comfort_noise::ComfortNoise;
use rtp_packet::payload::telephone_event::{TelephoneEvent, dtmf_event};
use rtp_session::{
    ClockRate, Component, Config, Error, Event, PayloadMap, PayloadType, Playout, Session,
};

const TE: u8 = 101;
const MS: Duration = Duration::from_millis(1);

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).unwrap()
}

fn with_events(mut c: Config) -> Config {
    c.payload_map = PayloadMap::new().with(pt(TE), "telephone-event", ClockRate::NARROWBAND);
    c
}

fn dtmf_pair(link: LinkConfig, seed: u64) -> Pair {
    let (a, b) = configs(true);
    Pair::new(with_events(a), with_events(b), link, seed)
}

/// The `Event::Dtmf`s a side saw: (ssrc, event, duration, end received).
fn digits(events: &[Event]) -> Vec<(u32, u8, Duration, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Dtmf {
                ssrc,
                event,
                duration,
                end_received,
                ..
            } => Some((*ssrc, *event, *duration, *end_received)),
            _ => None,
        })
        .collect()
}

/// The RTP packets a side sent: (payload type, sequence number, timestamp, marker,
/// payload).
fn sent_rtp(p: &[rtp_session::Transmit]) -> Vec<(u8, u16, u32, bool, Vec<u8>)> {
    p.iter()
        .filter_map(|t| RtpPacket::parse(&t.contents).ok())
        .map(|r| {
            (
                r.payload_type().value(),
                r.sequence_number(),
                r.timestamp(),
                r.marker(),
                r.payload().to_vec(),
            )
        })
        .collect()
}

#[test]
fn a_digit_arrives_once_with_its_duration_and_never_as_audio() {
    let mut p = dtmf_pair(clean(), 1);
    p.run(Duration::from_secs(1));
    let now = p.now;
    p.a.send_dtmf(now, dtmf_event('5').unwrap(), MS * 160, 10)
        .unwrap();
    assert_eq!(p.a.dtmf_pending(), 1);
    p.run(Duration::from_secs(1));
    assert_eq!(p.a.dtmf_pending(), 0);
    let ssrc = p.a.local_ssrc();
    assert_eq!(digits(&p.b_seen.events), [(ssrc, 5, MS * 160, true)]);

    // What went out: 50 ms updates (50, 100, 150 ms), then the 160 ms end three times,
    // all with the onset timestamp, the marker on the first only.
    let sent = sent_rtp(&p.a_seen.sent);
    let events: Vec<_> = sent.iter().filter(|s| s.0 == TE).collect();
    let reports: Vec<TelephoneEvent> = events
        .iter()
        .map(|s| TelephoneEvent::parse(&s.4).unwrap())
        .collect();
    let durations: Vec<(u16, bool)> = reports.iter().map(|r| (r.duration, r.end)).collect();
    assert_eq!(
        durations,
        [
            (400, false),
            (800, false),
            (1200, false),
            (1280, true),
            (1280, true),
            (1280, true)
        ]
    );
    let markers: Vec<bool> = events.iter().map(|s| s.3).collect();
    assert_eq!(markers, [true, false, false, false, false, false]);
    let onset = events[0].2;
    assert!(events.iter().all(|s| s.2 == onset));
    assert_eq!(p.b.counters().telephone_event_packets, 6);

    // The audio around the digit: one sequence with the events' numbers in between, its
    // timestamps 160 apart throughout, and the onset where the audio was.
    let mut seqs: Vec<u16> = sent.iter().map(|s| s.1).collect();
    seqs.dedup();
    assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    let audio: Vec<_> = sent.iter().filter(|s| s.0 == 0).collect();
    assert!(audio.windows(2).all(|w| w[1].2.wrapping_sub(w[0].2) == 160));
    let before = audio
        .iter()
        .rfind(|s| s.1.wrapping_sub(events[0].1) > 0x8000)
        .unwrap();
    let after_onset = onset.wrapping_sub(before.2);
    assert!(
        after_onset <= 160,
        "onset {after_onset} ticks after the audio"
    );

    // Playout: every audio packet, no event packet, no concealment, no loss.
    let event_seqs: Vec<u16> = events.iter().map(|s| s.1).collect();
    assert!(
        p.b_seen
            .frames
            .iter()
            .all(|(_, seq)| !event_seqs.contains(seq))
    );
    assert_eq!(p.b_seen.concealed, 0);
    let q = p.b.quality(ssrc).unwrap();
    assert_eq!(q.cumulative_lost, 0);
    // Event packets, which repeat the onset timestamp, are not timed for jitter.
    assert!(q.jitter < MS, "{:?}", q.jitter);
}

#[test]
fn digits_in_a_row_each_arrive_once_in_order_over_a_lossy_link() {
    // Loss, duplicates and reordering on the way; the end packets are sent three times,
    // so each digit is reported once, and with its full duration unless all three were
    // lost.
    let link = LinkConfig {
        base_delay: MS * 40,
        jitter: Jitter::Gaussian { sigma: MS * 8 },
        loss: Loss::Random(0.05),
        reorder: Some(Reorder {
            probability: 0.2,
            depth: 3,
        }),
        duplicate: 0.2,
        ..LinkConfig::default()
    };
    for seed in 1..=4 {
        let mut p = dtmf_pair(link.clone(), seed);
        p.run(Duration::from_secs(1));
        let dialled = "0123456789*#ABCD";
        for digit in dialled.chars() {
            let now = p.now;
            p.a.send_dtmf(now, dtmf_event(digit).unwrap(), MS * 100, 12)
                .unwrap();
        }
        p.run(Duration::from_secs(6));
        let got = digits(&p.b_seen.events);
        let codes: Vec<u8> = got.iter().map(|d| d.1).collect();
        let expected: Vec<u8> = dialled.chars().map(|c| dtmf_event(c).unwrap()).collect();
        assert_eq!(codes, expected, "seed {seed}");
        for (_, code, duration, end) in &got {
            if *end {
                assert_eq!(*duration, MS * 100, "seed {seed}, event {code}");
            } else {
                assert!(*duration >= MS * 50, "seed {seed}, event {code}");
            }
        }
        let link_stats = p.ab.stats();
        assert!(link_stats.duplicated > 0 && link_stats.lost > 0);
        assert_eq!(p.b.counters().unknown_payload_type, 0);
    }
}

/// Two sessions on a wire the test controls: what `a` sends passes through `filter`, which
/// returns the datagrams to deliver (none, the one, copies, or held ones).
struct Wire {
    a: Session,
    b: Session,
    now: Instant,
    b_events: Vec<Event>,
    b_frames: Vec<(u16, u8)>,
    b_concealed: u64,
    ts: u32,
    a_audio: bool,
}

impl Wire {
    fn new(a: Config, b: Config) -> Self {
        let now = Instant::now();
        Self {
            a: Session::new(now, a, rng(7)).unwrap(),
            b: Session::new(now, b, rng(8)).unwrap(),
            now,
            b_events: Vec::new(),
            b_frames: Vec::new(),
            b_concealed: 0,
            ts: 0,
            a_audio: true,
        }
    }

    fn pair() -> Self {
        let (a, b) = configs(true);
        Self::new(with_events(a), with_events(b))
    }

    /// Runs for `duration` in 5 ms steps: `a` sends 20 ms audio while `a_audio`, its
    /// datagrams go through `filter` to `b` at once.
    fn run(&mut self, duration: Duration, filter: &mut dyn FnMut(Vec<u8>) -> Vec<Vec<u8>>) {
        let end = self.now + duration;
        let mut step = 0u32;
        while self.now < end {
            let now = self.now;
            if step % 4 == 0 && self.a_audio {
                self.a
                    .send(now, &[0xd5; 160], self.ts, self.ts == 0)
                    .unwrap();
            }
            if step % 4 == 0 {
                self.ts += 160;
            }
            self.a.handle_timeout(now);
            while let Some(t) = self.a.poll_transmit() {
                for mut d in filter(t.contents) {
                    self.b
                        .handle_datagram(now, Component::Rtp, addr(A_ADDR), &mut d);
                }
            }
            while self.b.poll_transmit().is_some() {}
            self.b.handle_timeout(now);
            while let Some(e) = self.b.poll_event() {
                self.b_events.push(e);
            }
            while let Some((_, playout)) = self.b.poll_playout(now) {
                match playout {
                    Playout::Frame(f) => {
                        self.b_frames.push((f.sequence_number(), f.payload_type()))
                    }
                    Playout::Conceal(_) => self.b_concealed += 1,
                    other => panic!("{other:?}"),
                }
            }
            self.now += MS * 5;
            step += 1;
        }
    }
}

fn is_event(d: &[u8]) -> Option<TelephoneEvent> {
    let p = RtpPacket::parse(d).ok()?;
    (p.payload_type().value() == TE).then(|| TelephoneEvent::parse(p.payload()).ok())?
}

fn pass(d: Vec<u8>) -> Vec<Vec<u8>> {
    vec![d]
}

#[test]
fn lost_end_packets_end_the_digit_after_the_timeout() {
    let mut w = Wire::pair();
    w.run(Duration::from_secs(1), &mut pass);
    let now = w.now;
    w.a.send_dtmf(now, 7, MS * 200, 10).unwrap();
    let sent_at = w.now;
    let mut drop_ends = |d: Vec<u8>| match is_event(&d) {
        Some(r) if r.end => vec![],
        _ => vec![d],
    };
    w.run(Duration::from_millis(500), &mut drop_ends);
    assert!(digits(&w.b_events).is_empty(), "not before the timeout");
    w.run(Duration::from_millis(500), &mut drop_ends);
    let got = digits(&w.b_events);
    // The last update seen said 150 ms (updates at 50, 100, 150; the 200 ms end is lost).
    assert_eq!(got, [(w.a.local_ssrc(), 7, MS * 150, false)]);
    let reported_at = w.now;
    assert!(
        reported_at - sent_at >= MS * 650,
        "150 ms of updates, then 500 ms"
    );
    assert!(w.b_frames.iter().all(|(_, pt)| *pt == 0));
    // The three lost packets are lost to the statistics, and the jitter buffer, which
    // cannot know what a missing sequence number held, conceals each like lost audio.
    assert_eq!(w.b.quality(w.a.local_ssrc()).unwrap().cumulative_lost, 3);
    assert_eq!(w.b_concealed, 3);
}

#[test]
fn a_newer_digit_ends_one_whose_end_packets_were_lost() {
    let mut w = Wire::pair();
    w.run(Duration::from_secs(1), &mut pass);
    let now = w.now;
    w.a.send_dtmf(now, 1, MS * 100, 10).unwrap();
    w.a.send_dtmf(now, 2, MS * 100, 10).unwrap();
    let mut drop_first_ends = |d: Vec<u8>| match is_event(&d) {
        Some(r) if r.end && r.event == 1 => vec![],
        _ => vec![d],
    };
    w.run(Duration::from_millis(300), &mut drop_first_ends);
    let got: Vec<(u8, Duration, bool)> = digits(&w.b_events)
        .into_iter()
        .map(|d| (d.1, d.2, d.3))
        .collect();
    assert_eq!(got, [(1, MS * 50, false), (2, MS * 100, true)]);
}

#[test]
fn every_packet_twice_and_the_updates_reversed_still_give_one_event() {
    let mut w = Wire::pair();
    w.run(Duration::from_millis(100), &mut pass);
    let played = w.b_frames.len();
    w.a_audio = false;
    let now = w.now;
    w.a.send_dtmf(now, 11, MS * 300, 5).unwrap();
    // Hold every update until the first end packet, then deliver them newest first, and
    // every packet twice.
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut shuffle = |d: Vec<u8>| match is_event(&d) {
        Some(r) if !r.end => {
            held.push(d);
            vec![]
        }
        Some(_) => {
            let mut out: Vec<Vec<u8>> = held.drain(..).rev().flat_map(|h| [h.clone(), h]).collect();
            out.push(d.clone());
            out.push(d);
            out
        }
        None => vec![d.clone(), d],
    };
    w.run(Duration::from_secs(1), &mut shuffle);
    let got = digits(&w.b_events);
    assert_eq!(got, [(w.a.local_ssrc(), 11, MS * 300, true)]);
    assert!(
        w.b_frames[played..].iter().all(|(_, pt)| *pt == 0),
        "nothing of an event is played out"
    );
    // Twice each of 5 updates (50 to 250 ms) and 3 end packets arrived; each counted.
    assert_eq!(w.b.counters().telephone_event_packets, 16);
}

#[test]
fn a_long_digit_is_sent_in_segments_and_reported_whole() {
    let mut w = Wire::pair();
    w.run(Duration::from_millis(100), &mut pass);
    let now = w.now;
    w.a.send_dtmf(now, 0, Duration::from_secs(9), 0).unwrap();
    let mut timestamps: Vec<u32> = Vec::new();
    let mut watch = |d: Vec<u8>| {
        if is_event(&d).is_some()
            && let Ok(p) = RtpPacket::parse(&d)
            && !timestamps.contains(&p.timestamp())
        {
            timestamps.push(p.timestamp());
        }
        vec![d]
    };
    w.run(Duration::from_secs(10), &mut watch);
    assert_eq!(timestamps.len(), 2, "two segments");
    assert_eq!(timestamps[1].wrapping_sub(timestamps[0]), 0xffff);
    assert_eq!(
        digits(&w.b_events),
        [(w.a.local_ssrc(), 0, Duration::from_secs(9), true)]
    );
    assert_eq!(w.b_concealed, 0);
}

#[test]
fn comfort_noise_is_silence_not_loss() {
    let mut w = Wire::pair();
    w.run(Duration::from_secs(1), &mut pass);
    // Speech stops: one CN packet where the silence starts, then nothing for a second.
    w.a_audio = false;
    let now = w.now;
    let ts = w.ts;
    w.a.send_comfort_noise(now, &ComfortNoise::new(50, &[1, 2, 3]).unwrap(), ts)
        .unwrap();
    w.run(Duration::from_secs(1), &mut pass);
    w.a_audio = true;
    w.run(Duration::from_secs(1), &mut pass);
    let ssrc = w.a.local_ssrc();
    assert_eq!(w.b.counters().comfort_noise_packets, 1);
    let cn: Vec<_> = w.b_frames.iter().filter(|(_, pt)| *pt == 13).collect();
    assert_eq!(cn.len(), 1, "played out as a frame of its own payload type");
    assert_eq!(w.b_concealed, 0);
    let q = w.b.quality(ssrc).unwrap();
    assert_eq!((q.cumulative_lost, q.concealed), (0, 0));
}

#[test]
fn unknown_payload_types_are_counted_and_dropped() {
    let (a, b) = configs(true);
    let mut a = with_events(a);
    a.payload_map.insert(rtp_session::PayloadFormat::new(
        pt(96),
        "opus",
        ClockRate::OPUS,
    ));
    let mut w = Wire::new(a, with_events(b));
    w.run(Duration::from_millis(200), &mut pass);
    let received = w.b.counters().rtp_received;
    let now = w.now;
    w.a.send_as(now, pt(96), &[1, 2, 3], 0, false).unwrap();
    w.run(Duration::from_millis(5), &mut pass);
    let c = w.b.counters();
    assert_eq!(c.unknown_payload_type, 1);
    assert_eq!(
        c.rtp_received,
        received + 1,
        "only the audio packet of that step"
    );
    assert!(w.b_frames.iter().all(|(_, pt)| *pt == 0));
}

#[test]
fn without_a_map_every_payload_type_is_audio_as_before() {
    let (a, b) = configs(true);
    let mut w = Wire::new(with_events(a), b);
    w.run(Duration::from_millis(200), &mut pass);
    let now = w.now;
    // The receiver maps nothing: a telephone-event packet is audio to it, as it always was.
    w.a.send_dtmf(now, 1, MS * 20, 10).unwrap();
    w.run(Duration::from_millis(300), &mut pass);
    assert_eq!(w.b.counters().unknown_payload_type, 0);
    assert_eq!(w.b.counters().telephone_event_packets, 0);
    assert!(digits(&w.b_events).is_empty());
}

#[test]
fn sending_refuses_what_the_session_cannot_send() {
    let (a, _) = configs(true);
    let now = Instant::now();
    let mut plain = Session::new(now, a, rng(1)).unwrap();
    assert!(matches!(
        plain.send_dtmf(now, 1, MS * 100, 10),
        Err(Error::NoPayloadType {
            encoding: "telephone-event"
        })
    ));
    assert!(matches!(
        plain.send_as(now, pt(101), &[0; 4], 0, false),
        Err(Error::UnknownPayloadType { payload_type: 101 })
    ));
    // PCMU's own type, and static CN at 8000 Hz, need no map.
    plain.send_as(now, pt(0), &[0; 160], 0, false).unwrap();
    plain
        .send_comfort_noise(now, &ComfortNoise::new(60, &[]).unwrap(), 160)
        .unwrap();
    let (a, _) = configs(true);
    let mut s = Session::new(now, with_events(a), rng(2)).unwrap();
    assert!(matches!(
        s.send_dtmf(now, 1, MS * 100, 64),
        Err(Error::InvalidDtmf(_))
    ));
    assert!(matches!(
        s.send_dtmf(now, 1, Duration::ZERO, 10),
        Err(Error::InvalidDtmf(_))
    ));
    // One on the wire and 64 waiting.
    for _ in 0..65 {
        s.send_dtmf(now, 1, MS * 100, 10).unwrap();
    }
    assert_eq!(s.dtmf_pending(), 65);
    assert!(matches!(
        s.send_dtmf(now, 1, MS * 100, 10),
        Err(Error::InvalidDtmf(_))
    ));
    let mut c = Config::new();
    c.dtmf_interval = Duration::ZERO;
    assert!(matches!(
        Session::new(now, c, rng(3)),
        Err(Error::BadConfig(_))
    ));
    let _ = addr(B_ADDR);
}
