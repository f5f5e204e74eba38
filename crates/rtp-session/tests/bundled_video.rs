//! A session carrying a browser's BUNDLE: Opus audio (the session's media, 48 kHz) and a
//! VP8 video stream with its RTX stream on one transport ([`Config::bundled_video`]). The
//! packets are written by hand, as a browser would send them from one address: the video
//! source gets a video jitter buffer (frames of several packets), only the video is NACKed
//! and asked for keyframes, and RTX repairs the video although two media sources are there.

mod common;

use std::time::{Duration, Instant};

use common::{A_ADDR, addr, rng};
use rtp_session::{
    ClockRate, Component, Config, Feedback, JitterBufferConfig, PayloadFormat, PayloadMap,
    PayloadType, Playout, Rtx, Session,
};

const AUDIO_SSRC: u32 = 0x1111_1111;
const VIDEO_SSRC: u32 = 0x2222_2222;
const RTX_SSRC: u32 = 0x3333_3333;
const OPUS: u8 = 111;
const VP8: u8 = 96;
const RTX: u8 = 97;
const MS: Duration = Duration::from_millis(1);

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).unwrap()
}

/// What `WebRtcOffer::session_config` gives for a Chromium offer with audio and video.
fn bundle_config(bundled: bool) -> Config {
    let mut c = Config::new();
    c.set_media(pt(OPUS), ClockRate::OPUS);
    c.jitter_buffer = JitterBufferConfig::audio(ClockRate::OPUS);
    let mut map = PayloadMap::new();
    map.insert(PayloadFormat::new(pt(OPUS), "opus", ClockRate::OPUS));
    map.insert(PayloadFormat::new(pt(VP8), "VP8", ClockRate::VIDEO));
    c.payload_map = map;
    c.bundled_video = bundled.then(JitterBufferConfig::video);
    let mut f = Feedback::new();
    f.nack = true;
    f.pli = true;
    f.initial_rtt = 20 * MS;
    f.rtx = Some(Rtx {
        payload_type: pt(RTX),
        apt: pt(VP8),
        ssrc: None,
    });
    c.feedback = f;
    c.local_ssrc = Some(0x0b0b_0b0b);
    c.transport.remote_rtp = Some(addr(A_ADDR));
    c.transport.rtcp_mux = true;
    c.transport.rtcp_rsize = true;
    c
}

fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt | if marker { 0x80 } else { 0 }];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// A played frame: source, payload type, packets, complete.
type Played = (u32, u8, usize, bool);

struct Receiver {
    session: Session,
    now: Instant,
    played: Vec<Played>,
    concealed: Vec<u32>,
    /// The next 20 ms tick of the stream.
    tick: u16,
}

impl Receiver {
    fn new(bundled: bool) -> Self {
        let now = Instant::now();
        Self {
            session: Session::new(now, bundle_config(bundled), rng(2)).unwrap(),
            now,
            played: Vec::new(),
            concealed: Vec::new(),
            tick: 0,
        }
    }

    fn deliver(&mut self, mut datagram: Vec<u8>) {
        self.session
            .handle_datagram(self.now, Component::Rtp, addr(A_ADDR), &mut datagram);
    }

    /// Runs the clock for `ms` milliseconds, playing out and sending what is due.
    fn run(&mut self, ms: u64) {
        let end = self.now + Duration::from_millis(ms);
        while self.now < end {
            self.now += MS;
            self.session.handle_timeout(self.now);
            while let Some((ssrc, playout)) = self.session.poll_playout(self.now) {
                match playout {
                    Playout::Frame(f) => self.played.push((
                        ssrc,
                        f.payload_type(),
                        f.payloads().count(),
                        f.is_complete(),
                    )),
                    Playout::Conceal(_) => self.concealed.push(ssrc),
                    _ => {}
                }
            }
            while self.session.poll_transmit().is_some() {}
        }
    }

    /// `ticks` more of 20 ms of audio (sequence number = tick), and every third tick a
    /// video frame of two packets (the first with a VP8 descriptor with S = 1, sequence
    /// numbers 2 × frame and the next), leaving out the sequence numbers in `*_lost`.
    fn stream(&mut self, ticks: u16, audio_lost: &[u16], video_lost: &[u16]) {
        let first = self.tick;
        self.tick += ticks;
        for i in first..self.tick {
            if !audio_lost.contains(&i) {
                let ts = u32::from(i) * 960;
                self.deliver(rtp(OPUS, i == 0, i, ts, AUDIO_SSRC, &[0xfc, 1, 2, 3]));
            }
            if i % 3 == 0 {
                let frame = i / 3;
                let ts = u32::from(frame) * 6000;
                for (k, marker) in [(0u16, false), (1, true)] {
                    let seq = frame * 2 + k;
                    if !video_lost.contains(&seq) {
                        let descriptor = if k == 0 { 0x10 } else { 0x00 };
                        let payload = [descriptor, 0x00, seq as u8, 7, 7, 7];
                        self.deliver(rtp(VP8, marker, seq, ts, VIDEO_SSRC, &payload));
                    }
                }
            }
            self.run(20);
        }
    }

    fn video_frames(&self) -> Vec<&Played> {
        self.played.iter().filter(|f| f.0 == VIDEO_SSRC).collect()
    }
}

#[test]
fn the_video_source_gets_a_video_buffer_and_the_audio_source_an_audio_one() {
    let mut r = Receiver::new(true);
    r.stream(60, &[], &[]);
    r.run(500);
    let video = r.video_frames();
    assert_eq!(video.len(), 20, "one frame per timestamp");
    // RFC 3550 A.1 probation holds a new source's first packet and plays it once the
    // second ends probation: the first frame is whole (a browser's first key frame too).
    assert!(
        video
            .iter()
            .all(|(ssrc, pt, packets, complete)| *ssrc == VIDEO_SSRC
                && *pt == VP8
                && *packets == 2
                && *complete),
        "{video:?}"
    );
    let audio: Vec<_> = r.played.iter().filter(|f| f.0 == AUDIO_SSRC).collect();
    assert_eq!(
        audio.len(),
        60,
        "the first packet held by probation, then played"
    );
    assert!(
        audio
            .iter()
            .all(|(_, pt, packets, _)| *pt == OPUS && *packets == 1)
    );
    let c = r.session.counters();
    assert_eq!((c.unknown_payload_type, c.nack_messages_sent), (0, 0));
}

#[test]
fn only_video_is_nacked_and_rtx_repairs_it_beside_the_audio_source() {
    let mut r = Receiver::new(true);
    // Audio packet 20 and video packet 21 (the second half of frame 10) are lost; the
    // gap shows when frame 11 arrives.
    r.stream(34, &[20], &[21]);
    let c = r.session.counters();
    assert_eq!(c.nack_messages_sent, 1, "one NACK, for the video");
    assert_eq!(c.nack_sequence_numbers_sent, 1);
    // The browser answers on its RTX stream: OSN 21, then the original payload.
    let mut payload = 21u16.to_be_bytes().to_vec();
    payload.extend_from_slice(&[0x00, 0x00, 21, 7, 7, 7]);
    r.deliver(rtp(RTX, true, 500, 10 * 6000, RTX_SSRC, &payload));
    r.stream(8, &[], &[]);
    r.run(500);
    let c = r.session.counters();
    assert_eq!((c.rtx_received, c.rtx_dropped), (1, 0));
    let video = r.video_frames();
    assert_eq!(video.len(), 14);
    assert!(video.iter().all(|f| f.3), "every video frame complete");
    assert_eq!(c.keyframe_requests_sent, 0);
}

#[test]
fn an_incomplete_video_frame_asks_for_a_keyframe_and_concealed_audio_does_not() {
    let mut r = Receiver::new(true);
    // A lost audio packet is concealed: no keyframe request, no NACK.
    r.stream(40, &[31], &[]);
    r.run(300);
    assert_eq!(r.concealed, [AUDIO_SSRC]);
    let c = r.session.counters();
    assert_eq!((c.keyframe_requests_sent, c.nack_messages_sent), (0, 0));
    // A video frame whose second half never comes plays incomplete: a PLI.
    let mut r = Receiver::new(true);
    r.stream(30, &[], &[13]);
    r.run(500);
    assert!(r.video_frames().iter().any(|f| !f.3));
    let c = r.session.counters();
    assert_eq!(c.keyframe_requests_sent, 1);
}

#[test]
fn without_bundled_video_every_source_shares_the_session_buffer_as_before() {
    let mut r = Receiver::new(false);
    r.stream(30, &[], &[]);
    r.run(500);
    // The audio buffer plays each VP8 packet on its own.
    let video = r.video_frames();
    assert!(!video.is_empty());
    assert!(video.iter().all(|f| f.2 == 1));
}

#[test]
fn a_video_source_first_heard_in_rtcp_gets_its_video_buffer_at_its_first_packet() {
    let mut r = Receiver::new(true);
    // A session with the video SSRC that has sent nothing: its first compound is an RR
    // with SDES, which makes the source a member with the session's (audio) buffer.
    let mut config = Config::new();
    config.local_ssrc = Some(VIDEO_SSRC);
    config.transport.remote_rtp = Some(addr(common::B_ADDR));
    config.transport.rtcp_mux = true;
    let mut sender = Session::new(r.now, config, rng(3)).unwrap();
    let rtcp = loop {
        if let Some(t) = sender.poll_transmit() {
            break t;
        }
        let at = sender.poll_timeout().unwrap();
        r.now = r.now.max(at);
        sender.handle_timeout(r.now);
    };
    assert_eq!(rtcp.contents[1], 201, "a receiver report");
    r.deliver(rtcp.contents.clone());
    assert_eq!(r.session.counters().rtcp_received, 1);
    r.stream(30, &[], &[]);
    r.run(500);
    let video = r.video_frames();
    assert_eq!(video.len(), 10);
    assert!(video[1..].iter().all(|f| f.2 == 2 && f.3), "{video:?}");
}
