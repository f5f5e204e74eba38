//! RTCP feedback between two sans-IO sessions with a manual clock: the exact bytes of the
//! NACK, PLI, FIR and RTX packets the session writes, RFC 4585 timing (immediate, then
//! regular, trr-int), plain retransmission under SRTP, and hostile feedback.

mod common;

use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, addr, key, rng};
use rtp_session::{
    ClockRate, Component, Config, Event, Feedback, JitterBufferConfig, KeyframeKind, PayloadType,
    Rtx, Security, Session, SrtpKeys, Transmit,
};

const A_SSRC: u32 = 0x0a0a_0a0a;
const B_SSRC: u32 = 0x0b0b_0b0b;
const RTX_SSRC: u32 = 0x0c0c_0c0c;
const MS: Duration = Duration::from_millis(1);

fn vp8() -> PayloadType {
    PayloadType::new(96).unwrap()
}

fn video_config(ssrc: u32, remote: &str, feedback: Feedback) -> Config {
    let mut c = Config::new();
    c.set_media(vp8(), ClockRate::VIDEO);
    c.jitter_buffer = JitterBufferConfig::video();
    c.codec = None;
    c.local_ssrc = Some(ssrc);
    c.transport.remote_rtp = Some(addr(remote));
    c.transport.rtcp_mux = true;
    c.transport.rtcp_rsize = true;
    c.feedback = feedback;
    c
}

fn nack_feedback() -> Feedback {
    let mut f = Feedback::new();
    f.nack = true;
    f.pli = true;
    f.initial_rtt = 20 * MS;
    f
}

fn with_rtx(mut f: Feedback) -> Feedback {
    f.rtx = Some(Rtx {
        payload_type: PayloadType::new(97).unwrap(),
        apt: vp8(),
        ssrc: Some(RTX_SSRC),
    });
    f
}

struct Two {
    a: Session,
    b: Session,
    now: Instant,
    seq: u32,
}

impl Two {
    fn new(a: Config, b: Config) -> Self {
        let now = Instant::now();
        Self {
            a: Session::new(now, a, rng(1)).unwrap(),
            b: Session::new(now, b, rng(2)).unwrap(),
            now,
            seq: 0,
        }
    }

    /// `a` sends one one-packet frame; returns the datagram.
    fn a_sends(&mut self) -> Transmit {
        let ts = self.seq * 3000;
        self.seq += 1;
        self.a.send(self.now, &[0x10, 1, 2, 3], ts, true).unwrap();
        self.a.poll_transmit().expect("an RTP packet")
    }

    fn deliver_b(&mut self, mut t: Transmit) {
        self.b
            .handle_datagram(self.now, Component::Rtp, addr(A_ADDR), &mut t.contents);
    }

    fn deliver_a(&mut self, mut t: Transmit) {
        self.a
            .handle_datagram(self.now, Component::Rtp, addr(B_ADDR), &mut t.contents);
    }

    /// Moves the clock to `b`'s next timeout and serves it (playout drained).
    fn b_advance(&mut self) {
        while self.b.poll_playout(self.now).is_some() {}
        self.now = self.b.poll_timeout().unwrap().max(self.now);
        self.b.handle_timeout(self.now);
        while self.b.poll_playout(self.now).is_some() {}
    }

    fn b_transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.b.poll_transmit()).collect()
    }

    fn a_transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.a.poll_transmit()).collect()
    }

    /// `a` sends frames 0..n, all delivered except those in `lost`; returns the
    /// datagrams `a` sent, by frame.
    fn stream(&mut self, n: u32, lost: &[u32]) -> Vec<Transmit> {
        let mut sent = Vec::new();
        for i in 0..n {
            let t = self.a_sends();
            if !lost.contains(&i) {
                self.deliver_b(t.clone());
            }
            sent.push(t);
            self.now += 33 * MS;
        }
        sent
    }
}

fn rtp_seq(datagram: &[u8]) -> u16 {
    u16::from_be_bytes([datagram[2], datagram[3]])
}

fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

#[test]
fn a_gap_is_nacked_in_the_same_call_as_a_reduced_size_generic_nack() {
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, nack_feedback()),
        video_config(B_SSRC, A_ADDR, nack_feedback()),
    );
    let sent = t.stream(4, &[]);
    assert!(t.b_transmits().is_empty(), "nothing missing yet");
    // Frame 4 is lost, frame 5 arrives: the NACK leaves in that handle_datagram call.
    let lost = t.a_sends();
    let next = t.a_sends();
    t.deliver_b(next);
    let out = t.b_transmits();
    assert_eq!(out.len(), 1);
    let pid = rtp_seq(&lost.contents);
    let mut want = vec![0x81, 205, 0x00, 0x03];
    want.extend(be32(B_SSRC));
    want.extend(be32(A_SSRC));
    want.extend(pid.to_be_bytes());
    want.extend([0, 0]);
    assert_eq!(
        out[0].contents, want,
        "RFC 4585 §6.2.1 NACK, RFC 5506 reduced size"
    );
    assert_eq!(out[0].destination, addr(A_ADDR));
    let c = t.b.counters();
    assert_eq!((c.nack_messages_sent, c.nack_sequence_numbers_sent), (1, 1));
    assert_eq!(c.early_feedback_sent, 1);
    assert_eq!(sent.len(), 4);
}

#[test]
fn a_full_compound_carries_the_nack_after_rr_and_sdes_without_rsize() {
    let mut a = video_config(A_SSRC, B_ADDR, nack_feedback());
    let mut b = video_config(B_SSRC, A_ADDR, nack_feedback());
    a.transport.rtcp_rsize = false;
    b.transport.rtcp_rsize = false;
    let mut t = Two::new(a, b);
    t.stream(3, &[]);
    let _lost1 = t.a_sends();
    let lost2 = t.a_sends();
    let lost3 = t.a_sends();
    let _ = (lost2, lost3);
    let next = t.a_sends();
    t.deliver_b(next);
    let out = t.b_transmits();
    assert_eq!(out.len(), 1);
    let bytes = &out[0].contents;
    // RR with no report blocks (8 bytes), then SDES CNAME, then the NACK.
    assert_eq!(
        &bytes[..8],
        &[[0x80, 201, 0, 1].as_slice(), &be32(B_SSRC)].concat()[..]
    );
    assert_eq!(bytes[9], 202);
    let nack = &bytes[bytes.len() - 16..];
    let pid = rtp_seq(&_lost1.contents);
    let mut want = vec![0x81, 205, 0x00, 0x03];
    want.extend(be32(B_SSRC));
    want.extend(be32(A_SSRC));
    want.extend(pid.to_be_bytes());
    want.extend([0b0000_0000, 0b0000_0011]); // pid+1, pid+2
    assert_eq!(nack, want.as_slice());
    // a reads it as a NACK of its own stream and answers with plain retransmissions.
    t.deliver_a(out[0].clone());
    assert_eq!(t.a.counters().nack_messages_received, 1);
    assert_eq!(t.a.counters().retransmissions_sent, 3);
}

#[test]
fn only_one_early_packet_per_regular_interval_then_the_regular_compound_carries_it() {
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, nack_feedback()),
        video_config(B_SSRC, A_ADDR, nack_feedback()),
    );
    t.stream(3, &[]);
    t.a_sends();
    let next = t.a_sends();
    t.deliver_b(next);
    assert_eq!(t.b_transmits().len(), 1, "the first NACK is early");
    // Another loss at once: allow_early is false until the regular compound is due.
    t.a_sends();
    let next = t.a_sends();
    t.deliver_b(next);
    assert!(t.b_transmits().is_empty(), "no second early packet");
    assert_eq!(t.b.counters().nack_messages_sent, 2, "decided, waiting");
    // The regular compound (SR/RR + SDES + NACK) carries it when the timer fires.
    let due = t.b.poll_timeout().unwrap();
    assert!(due > t.now);
    let mut compound = None;
    while compound.is_none() {
        t.b_advance();
        compound = t
            .b_transmits()
            .into_iter()
            .find(|x| x.contents[1] == 201 || x.contents[1] == 200);
        assert!(t.now < due + Duration::from_secs(2));
    }
    let compound = compound.unwrap();
    let nack_at = compound.contents.len() - 16;
    assert_eq!(compound.contents[nack_at + 1], 205);
    assert_eq!(t.b.counters().early_feedback_sent, 1);
}

#[test]
fn trr_int_spaces_regular_compounds() {
    let mut fa = nack_feedback();
    fa.trr_interval = Duration::from_millis(1000);
    let mut a = video_config(A_SSRC, B_ADDR, fa.clone());
    let mut b = video_config(B_SSRC, A_ADDR, fa);
    a.bandwidth = rtp_session::Bandwidth::new(1_000_000);
    b.bandwidth = rtp_session::Bandwidth::new(1_000_000);
    let mut t = Two::new(a, b);
    let start = t.now;
    let mut compounds = Vec::new();
    while t.now < start + Duration::from_secs(10) {
        t.b_advance();
        for x in t.b_transmits() {
            compounds.push(t.now);
            assert_eq!(x.contents[1], 201);
        }
    }
    // Without trr-int AVPF at 1 Mbit/s would send one every few tens of ms; with it the
    // gaps are at least 0.5 × 1000 ms.
    assert!(
        compounds.len() >= 5 && compounds.len() <= 21,
        "{}",
        compounds.len()
    );
    for w in compounds.windows(2) {
        assert!(
            w[1] - w[0] >= Duration::from_millis(500),
            "{:?}",
            w[1] - w[0]
        );
    }
    assert!(t.b.counters().regular_rtcp_suppressed > 50);
}

#[test]
fn rtx_answers_a_nack_on_its_own_ssrc_and_payload_type_and_is_unwrapped() {
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, with_rtx(nack_feedback())),
        video_config(B_SSRC, A_ADDR, with_rtx(nack_feedback())),
    );
    t.stream(3, &[]);
    let lost = t.a_sends();
    let next = t.a_sends();
    t.deliver_b(next);
    let nack = t.b_transmits().pop().unwrap();
    t.deliver_a(nack);
    let rtx = t.a_transmits().pop().expect("an RTX packet");
    // RFC 4588 §4: PT 97 with the marker kept, the RTX stream's own sequence number, the
    // original timestamp, the RTX SSRC, then the OSN and the original payload.
    let original = &lost.contents;
    assert_eq!(rtx.contents[0], original[0]);
    assert_eq!(rtx.contents[1], 0x80 | 97);
    assert_eq!(&rtx.contents[4..8], &original[4..8]);
    assert_eq!(&rtx.contents[8..12], &be32(RTX_SSRC));
    assert_eq!(&rtx.contents[12..14], &original[2..4]);
    assert_eq!(&rtx.contents[14..], &original[12..]);
    // A second NACK for it within an RTT is suppressed.
    let before = t.b.counters();
    t.deliver_b(rtx.clone());
    let c = t.b.counters();
    assert_eq!(c.rtx_received, before.rtx_received + 1);
    assert_eq!(c.rtp_received, before.rtp_received + 1);
    // The same RTX again is a duplicate.
    t.deliver_b(rtx);
    assert_eq!(t.b.counters().rtx_duplicates, 1);
    // The frame plays complete: every sequence number of a's stream reaches playout.
    t.now += Duration::from_secs(1);
    let mut played = Vec::new();
    while let Some((ssrc, p)) = t.b.poll_playout(t.now) {
        if let rtp_session::Playout::Frame(f) = p {
            assert_eq!(ssrc, A_SSRC);
            played.push(f.sequence_number());
        }
    }
    assert!(played.contains(&rtp_seq(original)), "{played:?}");
}

#[test]
fn plain_retransmission_under_srtp_resends_the_same_datagram() {
    let profile = common::PROFILE;
    let mut a = video_config(A_SSRC, B_ADDR, nack_feedback());
    let mut b = video_config(B_SSRC, A_ADDR, nack_feedback());
    a.security = Security::Srtp(SrtpKeys::new(profile, key(1), key(2)));
    b.security = Security::Srtp(SrtpKeys::new(profile, key(2), key(1)));
    let mut t = Two::new(a, b);
    t.stream(3, &[]);
    let lost = t.a_sends();
    let next = t.a_sends();
    t.deliver_b(next);
    let nack = t.b_transmits().pop().expect("an SRTCP NACK");
    t.deliver_a(nack);
    let again = t.a_transmits().pop().expect("a retransmission");
    assert_eq!(
        again.contents, lost.contents,
        "the very SRTP datagram, no index reused"
    );
    let before = t.b.counters();
    t.deliver_b(again.clone());
    let c = t.b.counters();
    assert_eq!(c.rtp_received, before.rtp_received + 1);
    assert_eq!(c.unprotect_failures, before.unprotect_failures);
    // A replay of it now fails SRTP's replay check, as any replay does.
    t.deliver_b(again);
    assert_eq!(t.b.counters().unprotect_failures, c.unprotect_failures + 1);
}

#[test]
fn pli_requests_are_exact_rate_limited_and_surface_as_events() {
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, nack_feedback()),
        video_config(B_SSRC, A_ADDR, nack_feedback()),
    );
    t.stream(3, &[]);
    assert!(t.b.request_keyframe(t.now, A_SSRC).unwrap());
    let out = t.b_transmits();
    assert_eq!(out.len(), 1);
    let want = [[0x81, 206, 0, 2].as_slice(), &be32(B_SSRC), &be32(A_SSRC)].concat();
    assert_eq!(out[0].contents, want, "RFC 4585 §6.3.1 PLI");
    // Within the 300 ms interval: merged.
    t.now += 100 * MS;
    assert!(!t.b.request_keyframe(t.now, A_SSRC).unwrap());
    assert_eq!(t.b.counters().keyframe_requests_limited, 1);
    t.deliver_a(out[0].clone());
    let event = std::iter::from_fn(|| t.a.poll_event())
        .find(|e| matches!(e, Event::KeyframeRequested { .. }));
    match event {
        Some(Event::KeyframeRequested {
            ssrc,
            requester,
            kind,
        }) => assert_eq!((ssrc, requester, kind), (A_SSRC, B_SSRC, KeyframeKind::Pli)),
        other => panic!("{other:?}"),
    }
    assert!(t.b.request_keyframe(t.now, 0x1234).is_err(), "not a source");
}

#[test]
fn fir_when_only_ccm_fir_is_negotiated_with_increasing_command_numbers() {
    let mut f = Feedback::new();
    f.fir = true;
    f.keyframe_interval = 100 * MS;
    f.initial_rtt = 20 * MS;
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, f.clone()),
        video_config(B_SSRC, A_ADDR, f),
    );
    t.stream(3, &[]);
    let mut firs = Vec::new();
    for _ in 0..2 {
        assert!(t.b.request_keyframe(t.now, A_SSRC).unwrap());
        // allow_early: the second waits for the regular compound.
        let deadline = t.now + Duration::from_secs(3);
        loop {
            let out = t.b_transmits();
            if let Some(x) = out.into_iter().next() {
                firs.push(x);
                break;
            }
            t.b_advance();
            assert!(t.now < deadline);
        }
        t.now += 200 * MS;
    }
    let fir = |x: &Transmit| x.contents[x.contents.len() - 20..].to_vec();
    let want = |n: u8| {
        [
            [0x84, 206, 0, 4].as_slice(),
            &be32(B_SSRC),
            &[0, 0, 0, 0],
            &be32(A_SSRC),
            &[n, 0, 0, 0],
        ]
        .concat()
    };
    assert_eq!(fir(&firs[0]), want(0), "RFC 5104 §4.3.1 FIR");
    assert_eq!(fir(&firs[1]), want(1));
    // a reports each once, and a repeated command number not again.
    t.deliver_a(firs[0].clone());
    t.deliver_a(firs[0].clone());
    t.deliver_a(firs[1].clone());
    let kinds: Vec<_> = std::iter::from_fn(|| t.a.poll_event())
        .filter_map(|e| match e {
            Event::KeyframeRequested { kind, .. } => Some(kind),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, [KeyframeKind::Fir, KeyframeKind::Fir]);
}

#[test]
fn hostile_nacks_are_bounded_and_fail_closed() {
    let mut t = Two::new(
        video_config(A_SSRC, B_ADDR, with_rtx(nack_feedback())),
        video_config(B_SSRC, A_ADDR, nack_feedback()),
    );
    let sent = t.stream(40, &[]);
    let first = rtp_seq(&sent[0].contents);
    t.a_transmits();
    // A NACK for an SSRC a does not send: counted, nothing sent.
    let mut foreign = vec![0x81, 205, 0, 3];
    foreign.extend(be32(B_SSRC));
    foreign.extend(be32(0xdead_beef));
    foreign.extend([0, 1, 0xff, 0xff]);
    t.deliver_a(Transmit {
        component: Component::Rtp,
        destination: addr(A_ADDR),
        contents: foreign,
    });
    assert!(t.a_transmits().is_empty());
    assert_eq!(t.a.counters().feedback_unknown_ssrc, 1);
    // A storm: 200 pairs with every BLP bit set (3400 sequence numbers).
    let mut storm = vec![0x81, 205];
    storm.extend(((2 + 200) as u16).to_be_bytes());
    storm.extend(be32(B_SSRC));
    storm.extend(be32(A_SSRC));
    for i in 0..200u16 {
        storm.extend(first.wrapping_sub(100).wrapping_add(i * 17).to_be_bytes());
        storm.extend([0xff, 0xff]);
    }
    for _ in 0..3 {
        t.deliver_a(Transmit {
            component: Component::Rtp,
            destination: addr(A_ADDR),
            contents: storm.clone(),
        });
    }
    let c = t.a.counters();
    let resent = t.a_transmits().len() as u64;
    assert_eq!(resent, c.retransmissions_sent);
    assert!(
        resent <= 40,
        "each packet of the history at most once per RTT: {resent}"
    );
    assert_eq!(c.nack_sequence_numbers_ignored, 3 * (3400 - 512));
    assert!(
        c.retransmissions_missing > 0 && c.retransmissions_suppressed > 0,
        "{c:?}"
    );
}
