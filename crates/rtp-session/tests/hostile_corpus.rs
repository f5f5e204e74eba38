//! Every datagram of the `hostile` corpus against live sessions: a keyed DTLS-SRTP
//! association in each role (from the peer's own address), a handshake in progress (from
//! the peer's address and from a third one), and a session carrying media (from a third
//! address). Each must survive: still keyed, no `DtlsFailed`, every media packet sent
//! after the attack begins played out, and the drops counted.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use rtp_session::{Component, Counters, Event, Session};

const THIRD: &str = "198.51.100.9:5004";

/// Every counter of a datagram the session dropped.
fn drops(c: Counters) -> u64 {
    c.unprotect_failures
        + c.dropped_unkeyed
        + c.malformed
        + c.rtcp_unexpected_source
        + c.unknown
        + c.dtls_foreign
        + c.dtls_dropped
        + c.address_conflicts
        + c.loops
}

fn failures(events: &[Event]) -> usize {
    count(events, |e| matches!(e, Event::DtlsFailed { .. }))
}

/// Sends every case to `session` from `from` on the RTP port (RTCP multiplexed). Returns
/// the number of cases after which no drop counter moved and no STUN event was queued.
fn attack(session: &mut Session, now: std::time::Instant, from: SocketAddr) -> Vec<String> {
    let mut uncounted = Vec::new();
    for case in hostile::corpus() {
        let before = drops(session.counters());
        let mut bytes = case.bytes.clone();
        session.handle_datagram(now, Component::Rtp, from, &mut bytes);
        let mut stun = false;
        let mut events = Vec::new();
        while let Some(e) = session.poll_event() {
            stun |= matches!(e, Event::Stun { .. });
            events.push(e);
        }
        assert_eq!(failures(&events), 0, "{}: {events:?}", case.name);
        if drops(session.counters()) == before && !stun {
            uncounted.push(case.name);
        }
    }
    uncounted
}

/// The sequence numbers of the RTP `sent` from index `from` on.
fn rtp_sequences(seen: &Seen, from: usize) -> BTreeSet<u16> {
    seen.sent[from..]
        .iter()
        .filter(|t| rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtp)
        .map(|t| u16::from_be_bytes([t.contents[2], t.contents[3]]))
        .collect()
}

/// Stops the media, lets the buffers play out, and checks that every packet each side
/// sent from the marks on was played out by the other.
fn nothing_lost(p: &mut Pair, a_mark: usize, b_mark: usize) {
    p.run(Duration::from_secs(2));
    p.a_sends = false;
    p.b_sends = false;
    p.run(Duration::from_secs(2));
    for (sender, receiver, mark, name) in [
        (&p.a_seen, &p.b_seen, a_mark, "a→b"),
        (&p.b_seen, &p.a_seen, b_mark, "b→a"),
    ] {
        let sent = rtp_sequences(sender, mark);
        assert!(sent.len() >= 90, "{name}: media flowed ({})", sent.len());
        let played: BTreeSet<u16> = receiver.frames.iter().map(|(_, s)| *s).collect();
        let missing: Vec<_> = sent.difference(&played).collect();
        assert!(missing.is_empty(), "{name}: lost {missing:?}");
    }
    for (seen, session) in [(&p.a_seen, &p.a), (&p.b_seen, &p.b)] {
        assert_eq!(failures(&seen.events), 0, "{:?}", seen.events);
        assert!(session.is_keyed());
    }
}

/// (a) A keyed association in each role takes the corpus from its peer's own address.
#[test]
fn keyed_association_survives_the_corpus_from_its_peer() {
    let mut p = dtls_pair(true, 101);
    p.run(Duration::from_secs(2));
    assert!(p.a.is_keyed() && p.b.is_keyed());
    let (a_mark, b_mark) = (p.a_seen.sent.len(), p.b_seen.sent.len());
    let (before_a, before_b) = (p.a.counters(), p.b.counters());
    let (now, a_from, b_from) = (p.now, p.a_from, p.b_from);
    let client = attack(&mut p.a, now, b_from);
    let server = attack(&mut p.b, now, a_from);
    // Every case is counted: the session's own drops, or the association's.
    for uncounted in [&client, &server] {
        assert!(uncounted.is_empty(), "{uncounted:?}");
    }
    assert!(p.a.counters().dtls_dropped > before_a.dtls_dropped + 100);
    assert!(p.b.counters().unprotect_failures > before_b.unprotect_failures + 50);
    nothing_lost(&mut p, a_mark, b_mark);
}

/// (b) A handshake in progress, in each role, takes the corpus from a third address at
/// every step of the handshake, and completes.
#[test]
fn handshake_survives_the_corpus_from_a_third_address() {
    let mut p = dtls_pair(true, 103);
    let third = addr(THIRD);
    for _ in 0..4 {
        let now = p.now;
        for session in [&mut p.a, &mut p.b] {
            let uncounted = attack(session, now, third);
            assert!(
                uncounted.iter().all(|n| n.starts_with("other/")),
                "{uncounted:?}"
            );
        }
        p.run(Duration::from_millis(25));
    }
    assert!(
        p.a.counters().dtls_foreign >= 4 * 200,
        "{:?}",
        p.a.counters()
    );
    assert!(p.b.counters().dtls_foreign >= 4 * 200);
    p.run(Duration::from_secs(2));
    assert!(p.a.is_keyed() && p.b.is_keyed());
    let (a_mark, b_mark) = (p.a_seen.sent.len(), p.b_seen.sent.len());
    nothing_lost(&mut p, a_mark, b_mark);
    // Nothing ever answered the third address.
    for t in p.a_seen.sent.iter().chain(&p.b_seen.sent) {
        assert_ne!(t.destination, third);
    }
}

/// (c) A live DTLS-SRTP session carrying media both ways takes the corpus from a third
/// address, on both components when RTCP is not multiplexed: every case is counted.
#[test]
fn live_session_survives_the_corpus_from_a_third_address() {
    for mux in [true, false] {
        let mut p = dtls_pair(mux, 107);
        p.run(Duration::from_secs(2));
        assert!(p.a.is_keyed() && p.b.is_keyed());
        let (a_mark, b_mark) = (p.a_seen.sent.len(), p.b_seen.sent.len());
        let third = addr(THIRD);
        // Interleaved with the media: a slice of the corpus every 20 ms.
        let corpus = hostile::corpus();
        for chunk in corpus.chunks(40) {
            let now = p.now;
            for session in [&mut p.a, &mut p.b] {
                for component in [Component::Rtp, Component::Rtcp] {
                    if mux && component == Component::Rtcp {
                        continue;
                    }
                    for case in chunk {
                        let before = drops(session.counters());
                        let mut bytes = case.bytes.clone();
                        session.handle_datagram(now, component, third, &mut bytes);
                        let stun =
                            rtp_packet::classify(&case.bytes) == rtp_packet::PacketKind::Stun;
                        assert!(
                            stun || drops(session.counters()) > before,
                            "mux {mux} {component:?} {}: not counted",
                            case.name
                        );
                    }
                }
            }
            p.run(Duration::from_millis(20));
        }
        nothing_lost(&mut p, a_mark, b_mark);
    }
}

/// (b) A handshake in progress, in each role, takes the corpus from the peer's own address
/// at every step of the handshake, and completes. Before the handshake authenticates the
/// peer, its address proves nothing, so this rests on the dtls layer dropping (and
/// counting) unauthenticated records instead of failing, including well-formed plaintext
/// messages the state cannot take (a HelloRequest, a Finished or a ClientHello sent to a
/// client waiting for its ServerHello).
///
/// Two things differ from the keyed case. Well-formed plaintext alerts, and the corpus's one
/// well-formed ServerHello (which offers no extended master secret), are left out: until
/// the handshake completes, the peer's address is all that tells its messages apart, so a
/// well-formed message of the expected type that breaks the protocol, or a plaintext alert
/// (how a real peer reports a failed handshake: OpenSSL sends its bad_certificate that
/// way), may end the handshake (`plaintext_close_notify_from_the_peer_ends_the_handshake_with_an_event`
/// checks that it is reported). And not every case is counted as a drop: a handshake
/// rightly holds some of them (epoch-1 records ahead of the peer's ChangeCipherSpec,
/// fragments of a later message_seq), which are bounded and then dropped.
#[test]
fn handshake_survives_the_corpus_from_its_peer() {
    let mut p = dtls_pair(true, 109);
    let corpus: Vec<_> = hostile::corpus()
        .into_iter()
        .filter(|c| !is_plaintext_alert(&c.bytes) && c.name != "dtls/server_hello_unsolicited")
        .collect();
    for _ in 0..4 {
        let (now, a_from, b_from) = (p.now, p.a_from, p.b_from);
        for (session, from) in [(&mut p.a, b_from), (&mut p.b, a_from)] {
            for case in &corpus {
                let mut bytes = case.bytes.clone();
                session.handle_datagram(now, Component::Rtp, from, &mut bytes);
                let mut events = Vec::new();
                while let Some(e) = session.poll_event() {
                    events.push(e);
                }
                assert_eq!(failures(&events), 0, "{}: {events:?}", case.name);
            }
        }
        p.run(Duration::from_millis(25));
    }
    p.run(Duration::from_secs(2));
    assert!(p.a.is_keyed() && p.b.is_keyed());
    let (a_mark, b_mark) = (p.a_seen.sent.len(), p.b_seen.sent.len());
    nothing_lost(&mut p, a_mark, b_mark);
}

/// A plaintext close_notify from the peer's address during a DTLS 1.2 handshake ends it,
/// and the application hears of it (before, the association closed silently and never
/// keyed). DTLS 1.3 takes no alert in the clear: the same datagram changes nothing there
/// ([`plaintext_close_notify_changes_nothing_in_dtls13`]).
#[test]
fn plaintext_close_notify_from_the_peer_ends_the_handshake_with_an_event() {
    let certs = Certs::new(111);
    let fp_b = fingerprint(&certs.b);
    let (mut a, mut b) = dtls_configs(true, certs, fp_b);
    dtls12(&mut a);
    dtls12(&mut b);
    let mut p = Pair::new(a, b, clean(), 111);
    let close_notify = hostile::corpus()
        .into_iter()
        .find(|c| c.name == "dtls/alert_epoch_0_warning_close_notify")
        .expect("the corpus has a plaintext close_notify");
    let (now, b_from) = (p.now, p.b_from);
    let mut bytes = close_notify.bytes.clone();
    p.a.handle_datagram(now, Component::Rtp, b_from, &mut bytes);
    let mut events = Vec::new();
    while let Some(e) = p.a.poll_event() {
        events.push(e);
    }
    assert_eq!(failures(&events), 1, "{events:?}");
    assert!(!p.a.is_keyed());
}

/// DTLS 1.3 (the default): a plaintext close_notify from the peer's address during the
/// handshake is dropped and counted, and the handshake completes.
#[test]
fn plaintext_close_notify_changes_nothing_in_dtls13() {
    let mut p = dtls_pair(true, 113);
    let close_notify = hostile::corpus()
        .into_iter()
        .find(|c| c.name == "dtls/alert_epoch_0_warning_close_notify")
        .expect("the corpus has a plaintext close_notify");
    let (now, b_from) = (p.now, p.b_from);
    let before = p.a.counters().dtls_dropped;
    let mut bytes = close_notify.bytes.clone();
    p.a.handle_datagram(now, Component::Rtp, b_from, &mut bytes);
    assert_eq!(p.a.counters().dtls_dropped, before + 1);
    let mut events = Vec::new();
    while let Some(e) = p.a.poll_event() {
        events.push(e);
    }
    assert_eq!(failures(&events), 0, "{events:?}");
    p.run(Duration::from_secs(2));
    assert!(p.a.is_keyed() && p.b.is_keyed());
}

/// (e) Sessions with RTCP feedback negotiated (NACK with RTX, PLI, FIR) and no SRTP take
/// the corpus from their peer's own address, so every RTCP feedback message in it reaches
/// the NACK, RTX and keyframe code: nothing panics, what they send in answer is bounded,
/// and the media keeps playing.
#[test]
fn feedback_sessions_survive_the_corpus_from_their_peer() {
    let (mut a, mut b) = configs(true);
    for c in [&mut a, &mut b] {
        let mut f = rtp_session::Feedback::new();
        f.nack = true;
        f.pli = true;
        f.fir = true;
        f.rtx = Some(rtp_session::Rtx {
            payload_type: rtp_session::PayloadType::new(97).unwrap(),
            apt: rtp_session::PayloadType::PCMU,
            ssrc: None,
        });
        c.feedback = f;
        // Reduced-size RTCP lets lone feedback messages of the corpus through validation.
        c.transport.rtcp_rsize = true;
    }
    let mut p = Pair::new(a, b, clean(), 113);
    p.run(Duration::from_secs(2));
    let (a_mark, b_mark) = (p.a_seen.sent.len(), p.b_seen.sent.len());
    let (now, a_from, b_from) = (p.now, p.a_from, p.b_from);
    let (a_ssrc, b_ssrc) = (p.a.local_ssrc(), p.b.local_ssrc());
    for (session, from, ours, peer) in [
        (&mut p.a, b_from, a_ssrc, b_ssrc),
        (&mut p.b, a_from, b_ssrc, a_ssrc),
    ] {
        attack(session, now, from);
        // The corpus's RTCP does not pass validation as feedback; well-formed hostile
        // feedback does: NACK storms for our SSRC and another, PLI and FIR for another,
        // a FIR naming us repeated, RTX packets without an OSN or for nothing missing.
        let fb = |fmt: u8, pt: u8, media: u32, fci: &[u8]| {
            let words = (8 + fci.len()) / 4;
            let mut v = vec![0x80 | fmt, pt];
            v.extend((words as u16).to_be_bytes());
            v.extend(peer.to_be_bytes());
            v.extend(media.to_be_bytes());
            v.extend(fci);
            v
        };
        let storm: Vec<u8> = (0..300u16)
            .flat_map(|i| [(i >> 8) as u8, i as u8, 0xff, 0xff])
            .collect();
        let mut fir_us = ours.to_be_bytes().to_vec();
        fir_us.extend([7, 0, 0, 0]);
        let rtx = |payload: &[u8]| {
            let mut v = vec![0x80, 97, 0, 9, 0, 0, 0, 0, 0x0b, 0xad, 0xbe, 0xef];
            v.extend(payload);
            v
        };
        let cases = [
            fb(1, 205, ours, &storm),
            fb(1, 205, 0x1234_5678, &storm),
            fb(1, 206, 0x1234_5678, &[]),
            fb(4, 206, 0, &[0, 0, 0, 9, 1, 0, 0, 0]),
            fb(4, 206, 0, &fir_us),
            fb(4, 206, 0, &fir_us),
            rtx(&[]),
            rtx(&[0x12]),
            rtx(&[0x12, 0x34, 1, 2, 3]),
        ];
        for _ in 0..3 {
            for case in &cases {
                let mut bytes = case.clone();
                session.handle_datagram(now, Component::Rtp, from, &mut bytes);
            }
        }
        let answers = std::iter::from_fn(|| session.poll_transmit()).count();
        // At most the history's packets once each within an RTT, plus feedback packets.
        assert!(answers <= 1100, "{answers}");
        let keyframes = std::iter::from_fn(|| session.poll_event())
            .filter(|e| matches!(e, Event::KeyframeRequested { .. }))
            .count();
        assert_eq!(keyframes, 1, "the repeated FIR is reported once");
        let c = session.counters();
        assert_eq!(c.nack_messages_received, 3);
        assert_eq!(c.nack_sequence_numbers_ignored, 3 * (300 * 17 - 512));
        assert_eq!(c.feedback_unknown_ssrc, 3 * 3);
        assert_eq!(c.rtx_dropped + c.rtx_duplicates, 3 * 3);
        assert!(c.retransmissions_sent <= 1024, "{c:?}");
    }
    nothing_lost(&mut p, a_mark, b_mark);
}
