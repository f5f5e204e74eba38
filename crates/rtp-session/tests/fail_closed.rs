//! The session fails closed at its joints (issue #14): DTLS only from the expected remote,
//! failures told to the peer and to the application, no unauthenticated peer, no SRTP
//! keystream reuse when keys are re-applied, and RTCP destinations that move only after
//! probation.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use rtp_session::{Component, Config, Event, Security, Session, SrtpKeys};

const THIRD: &str = "198.51.100.9:5004";

/// A fatal handshake_failure alert in the clear (epoch 0), as anyone can forge it.
fn forged_fatal_alert() -> Vec<u8> {
    vec![21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 2, 2, 40]
}

/// A ClientHello whose body is two bytes long: it cannot parse.
fn malformed_client_hello() -> Vec<u8> {
    let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14];
    d.extend_from_slice(&[1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0xfe, 0xfd]);
    d
}

fn failures(events: &[Event]) -> usize {
    count(events, |e| matches!(e, Event::DtlsFailed { .. }))
}

/// Finding 1: a handshake in progress is not killed by DTLS from a third address; the
/// datagrams are dropped and counted.
#[test]
fn dtls_from_a_third_address_is_dropped_and_counted() {
    for mux in [true, false] {
        let mut p = dtls_pair(mux, 71);
        let third = addr(THIRD);
        // The client has queued its ClientHello; the server waits for one.
        p.a.handle_datagram(p.now, Component::Rtp, third, &mut forged_fatal_alert());
        p.b.handle_datagram(p.now, Component::Rtp, third, &mut malformed_client_hello());
        p.b.handle_datagram(p.now, Component::Rtp, third, &mut forged_fatal_alert());
        assert_eq!(p.a.counters().dtls_foreign, 1, "mux {mux}");
        assert_eq!(p.b.counters().dtls_foreign, 2, "mux {mux}");
        p.run(Duration::from_secs(3));
        for (seen, session) in [(&p.a_seen, &p.a), (&p.b_seen, &p.b)] {
            assert_eq!(failures(&seen.events), 0, "mux {mux}: {:?}", seen.events);
            assert!(session.is_keyed(), "mux {mux}");
            assert_eq!(
                count(&seen.events, |e| matches!(e, Event::DtlsConnected { .. })),
                1
            );
        }
        // Nothing was ever sent to the third address.
        for t in p.a_seen.sent.iter().chain(&p.b_seen.sent) {
            assert_ne!(t.destination, third);
        }
        // Once keyed, the same from the third address changes nothing either.
        let keyed_a = p.a.counters();
        p.a.handle_datagram(p.now, Component::Rtp, third, &mut forged_fatal_alert());
        p.b.handle_datagram(p.now, Component::Rtp, third, &mut forged_fatal_alert());
        assert_eq!(p.a.counters().dtls_foreign, keyed_a.dtls_foreign + 1);
        let frames = p.b_seen.frames.len();
        p.run(Duration::from_secs(1));
        assert!(p.b_seen.frames.len() >= frames + 45, "media continues");
        assert_eq!(failures(&p.a_seen.events) + failures(&p.b_seen.events), 0);
    }
}

/// Finding 1: a DTLS failure is an event, and the fatal alert the connection queued reaches
/// the peer before the association is dropped.
#[test]
fn a_dtls_failure_is_reported_and_its_alert_sent_to_the_peer_and_nothing_else() {
    let wrong = fingerprint(&Certs::new(6).a);
    // DTLS 1.2, whose alert goes out in the clear (a 1.3 one is encrypted).
    let (mut a, mut b) = dtls_configs(true, Certs::new(5), wrong);
    dtls12(&mut a);
    dtls12(&mut b);
    let mut p = Pair::new(a, b, clean(), 43);
    p.run(Duration::from_secs(5));
    assert_eq!(
        count(&p.a_seen.events, |e| matches!(
            e,
            Event::DtlsFailed {
                error: dtls::Error::FingerprintMismatch
            }
        )),
        1,
        "{:?}",
        p.a_seen.events
    );
    // A fatal bad_certificate alert (RFC 5246 §7.2.2), in the clear at epoch 0, to the peer.
    let alerts: Vec<_> = p
        .a_seen
        .sent
        .iter()
        .filter(|t| t.contents.first() == Some(&21))
        .collect();
    assert_eq!(alerts.len(), 1, "{:?}", p.a_seen.sent);
    assert_eq!(alerts[0].destination, addr(B_ADDR));
    assert_eq!(&alerts[0].contents[..5], &[21, 0xfe, 0xfd, 0, 0]);
    assert_eq!(&alerts[0].contents[11..], &[0, 2, 2, 42]);
    assert!(!p.a.is_keyed() && !p.b.is_keyed());
    // Nothing but DTLS ever left, and no media arrived.
    assert!(
        p.a_seen
            .sent
            .iter()
            .all(|t| rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Dtls)
    );
    assert!(p.b_seen.frames.is_empty());
}

/// Without rtcp-mux each component has its own association (RFC 5764 §4.1); when one fails,
/// the session drops both, and the peer hears of each: the failed one's fatal alert, and
/// for the other a close_notify (or its own alert), never silence.
#[test]
fn without_mux_a_failure_on_one_component_is_announced_on_both() {
    let wrong = fingerprint(&Certs::new(6).a);
    // DTLS 1.2, whose alerts go out in the clear (1.3 ones are encrypted).
    let (mut a, mut b) = dtls_configs(false, Certs::new(5), wrong);
    dtls12(&mut a);
    dtls12(&mut b);
    let mut p = Pair::new(a, b, clean(), 47);
    p.run(Duration::from_secs(5));
    assert_eq!(failures(&p.a_seen.events), 1, "{:?}", p.a_seen.events);
    let alerts = |component: Component| {
        p.a_seen
            .sent
            .iter()
            .filter(|t| t.component == component && t.contents.first() == Some(&21))
            .map(|t| (t.destination, t.contents[11..].to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(alerts(Component::Rtp), [(addr(B_ADDR), vec![0, 2, 2, 42])]);
    let rtcp = alerts(Component::Rtcp);
    assert_eq!(rtcp.len(), 1, "{:?}", p.a_seen.sent);
    assert_eq!(rtcp[0].0, next_port(addr(B_ADDR), false));
    assert!(
        rtcp[0].1 == [0, 2, 1, 0] || rtcp[0].1 == [0, 2, 2, 42],
        "close_notify or bad_certificate: {:?}",
        rtcp[0].1
    );
    assert!(!p.a.is_keyed() && !p.b.is_keyed());
    assert!(failures(&p.b_seen.events) >= 1, "{:?}", p.b_seen.events);
}

fn dtls_config(role: dtls::Role, cert: dtls::Certificate, peers: Vec<dtls::Fingerprint>) -> Config {
    let (mut c, _) = configs(true);
    c.security = dtls_security(role, cert, peers);
    c
}

/// Finding 2: no fingerprint means no peer authentication, which is a configuration
/// error; only the loudly named opt-out connects to any certificate.
#[test]
fn an_empty_fingerprint_list_is_a_configuration_error() {
    let certs = Certs::new(8);
    let now = std::time::Instant::now();
    let c = dtls_config(dtls::Role::Client, certs.a.clone(), vec![]);
    assert!(matches!(
        Session::new(now, c, rng(1)),
        Err(rtp_session::Error::NoPeerFingerprints)
    ));
    // start_dtls refuses it too, and leaves the session as it was.
    let fp_b = certs.b.fingerprint(dtls::HashFunction::Sha256);
    let c = dtls_config(dtls::Role::Client, certs.a.clone(), vec![fp_b]);
    let mut s = Session::new(now, c, rng(1)).unwrap();
    let config = std::sync::Arc::new(dtls::Config::new(certs.a.clone()));
    assert!(matches!(
        s.start_dtls(now, dtls::Role::Client, config, vec![]),
        Err(rtp_session::Error::NoPeerFingerprints)
    ));

    // The opt-out connects without checking.
    let (mut a, _) = configs(true);
    a.security = Security::DangerousDtlsAnyPeer {
        role: dtls::Role::Client,
        config: std::sync::Arc::new(dtls::Config::new(certs.a.clone())),
    };
    let fp_a = fingerprint(&certs.a);
    let (_, mut b) = configs(true);
    b.security = dtls_security(dtls::Role::Server, certs.b, vec![fp_a]);
    let mut p = Pair::new(a, b, clean(), 83);
    p.run(Duration::from_secs(2));
    assert!(p.a.is_keyed() && p.b.is_keyed());
}

/// Finding 4: re-applying the keys in use (a re-INVITE repeating its crypto line) keeps the
/// running contexts; after a sequence wrap a restarted context would reuse keystream.
#[test]
fn reapplied_srtp_keys_keep_the_rollover_counter() {
    let (mut c, _) = configs(true);
    c.security = Security::Srtp(SrtpKeys::new(PROFILE, key(1), key(2)));
    let mut now = std::time::Instant::now();
    let mut a = Session::new(now, c, rng(91)).unwrap();
    // A receiver that never hears of the re-apply.
    let mut receiver = srtp::Context::new(PROFILE, key(1), srtp::Config::default()).unwrap();
    let mut ciphertexts = std::collections::HashSet::new();
    let mut first_seq = None;
    let mut wrapped = false;
    let mut after_wrap = 0u32;
    let mut reapplied = false;
    let payload = [0xd5u8; 160];
    let mut ts = 0u32;
    loop {
        a.send(now, &payload, ts, false).unwrap();
        ts = ts.wrapping_add(160);
        now += Duration::from_millis(20);
        let t = a.poll_transmit().unwrap();
        let seq = u16::from_be_bytes([t.contents[2], t.contents[3]]);
        let first = *first_seq.get_or_insert(seq);
        // Every packet's keystream is new: its ciphertext of the same payload is unique.
        let mut ct = [0u8; 32];
        ct.copy_from_slice(&t.contents[12..44]);
        assert!(ciphertexts.insert(ct), "keystream repeated at seq {seq}");
        let mut copy = t.contents.clone();
        let len = receiver
            .unprotect_rtp(&mut copy)
            .unwrap_or_else(|e| panic!("seq {seq} (wrapped {wrapped}): {e}"));
        assert_eq!(&copy[12..len], &payload[..]);
        a.recycle(t.contents);
        if seq == 0 && !wrapped {
            wrapped = true;
        }
        if wrapped && seq == 5 && !reapplied {
            a.set_srtp_keys(SrtpKeys::new(PROFILE, key(1), key(2)))
                .unwrap();
            reapplied = true;
        }
        if wrapped {
            after_wrap += 1;
            // Past every sequence number the first cycle used: a context restarted at
            // ROC 0 would have repeated one of them.
            if after_wrap > u32::from(first).max(16) + 10 {
                break;
            }
        }
    }
    assert!(reapplied);
    // New keys start fresh contexts, which a receiver with those keys follows.
    a.set_srtp_keys(SrtpKeys::new(PROFILE, key(3), key(2)))
        .unwrap();
    let mut rekeyed = srtp::Context::new(PROFILE, key(3), srtp::Config::default()).unwrap();
    for i in 0..20u32 {
        a.send(now, &payload, ts + 160 * i, false).unwrap();
        let mut t = a.poll_transmit().unwrap();
        let len = rekeyed.unprotect_rtp(&mut t.contents).unwrap();
        assert_eq!(&t.contents[12..len], &payload[..]);
    }
}

/// Finding 7: with the peer's RTCP address known from signalling (RFC 3605), RTCP from
/// another port of the peer (GStreamer's rtpbin sends from its own socket) is taken but
/// moves nothing; reports keep going where the peer listens.
#[test]
fn rtcp_from_another_port_never_moves_a_signalled_destination() {
    for latching in [false, true] {
        let (mut a, b) = configs(false);
        a.transport.latching = latching;
        let mut p = Pair::new(a, b, clean(), 61);
        p.run(Duration::from_secs(1));
        let configured = p.a.remote_rtcp();
        let other_port = SocketAddr::new(p.b_from.ip(), 47_000);
        let before = p.a.counters().rtcp_received;
        for i in 0..10 {
            p.a.handle_datagram(p.now, Component::Rtcp, other_port, &mut receiver_report());
            assert_eq!(p.a.counters().rtcp_received, before + i + 1, "accepted");
            assert_eq!(p.a.remote_rtcp(), configured, "latching {latching}");
        }
    }
}

/// Finding 7: without a signalled RTCP address, RTCP latching needs the same probation run
/// as RTP: one compound from a new port moves nothing.
#[test]
fn rtcp_latching_needs_a_probation_run() {
    let (mut a, b) = configs(false);
    a.transport.remote_rtcp = None;
    let probation = a.transport.latch_probation as usize;
    let mut p = Pair::new(a, b, clean(), 63);
    // Until one is learnt, RTCP goes to RTP port + 1 (RFC 3550 §11), as ffmpeg expects.
    assert_eq!(p.a.remote_rtcp(), Some(next_port(p.b_from, false)));
    p.run(Duration::from_secs(20));
    // b's RTCP port, learnt from its own compounds.
    assert_eq!(p.a.remote_rtcp(), Some(next_port(p.b_from, false)));
    let other_port = SocketAddr::new(p.b_from.ip(), 47_000);
    for _ in 1..probation {
        p.a.handle_datagram(p.now, Component::Rtcp, other_port, &mut receiver_report());
        assert_eq!(p.a.remote_rtcp(), Some(next_port(p.b_from, false)));
    }
    p.a.handle_datagram(p.now, Component::Rtcp, other_port, &mut receiver_report());
    assert_eq!(p.a.remote_rtcp(), Some(other_port));
}

/// Finding 1, the rule's one exception: a server that knows no remote yet adopts the source
/// of the first ClientHello, and from then on takes DTLS only from there.
#[test]
fn a_server_without_a_remote_adopts_the_first_client_hello_only() {
    let mut p = dtls_pair(true, 73);
    // The server was told nothing about the client.
    let (mut b, _) = configs(true);
    b.transport.remote_rtp = None;
    b.transport.remote_rtcp = None;
    let certs = Certs::new(73);
    b.security = dtls_security(dtls::Role::Server, certs.b, vec![fingerprint(&certs.a)]);
    p.b = Session::new(p.now, b, rng(74)).unwrap();
    assert_eq!(p.b.remote_rtp(), None);
    // Junk that is not a ClientHello adopts nothing.
    let third = addr(THIRD);
    p.b.handle_datagram(p.now, Component::Rtp, third, &mut forged_fatal_alert());
    assert_eq!((p.b.remote_rtp(), p.b.counters().dtls_foreign), (None, 1));
    p.run(Duration::from_secs(3));
    assert_eq!(p.b.remote_rtp(), Some(addr(A_ADDR)));
    assert!(p.a.is_keyed() && p.b.is_keyed());
    // Another ClientHello from elsewhere is now foreign.
    let hello = p.a_seen.sent[0].contents.clone();
    p.b.handle_datagram(p.now, Component::Rtp, third, &mut hello.clone());
    assert_eq!(p.b.counters().dtls_foreign, 2);
    assert_eq!(failures(&p.b_seen.events), 0);
}

/// Finding 4, the receiving side: re-applied keys keep the replay window, so a packet
/// already taken is still refused.
#[test]
fn reapplied_srtp_keys_keep_the_replay_window() {
    let mut p = srtp_pair(clean(), 97, true);
    p.run(Duration::from_secs(1));
    p.a.send(p.now, &[7; 160], 0, false).unwrap();
    let packet = p.a.poll_transmit().unwrap().contents;
    let taken = p.b.counters();
    p.b.handle_datagram(p.now, Component::Rtp, p.a_from, &mut packet.clone());
    assert_eq!(p.b.counters().rtp_received, taken.rtp_received + 1);
    p.b.set_srtp_keys(SrtpKeys::new(PROFILE, key(2), key(1)))
        .unwrap();
    p.b.handle_datagram(p.now, Component::Rtp, p.a_from, &mut packet.clone());
    assert_eq!(
        p.b.counters().unprotect_failures,
        taken.unprotect_failures + 1
    );
    assert_eq!(p.b.counters().rtp_received, taken.rtp_received + 1);
}

/// A keyed association reads only epoch 1, yet still answers the peer's repeated final
/// flight (its Finished is at epoch 1) when the peer lost our last flight.
#[test]
fn a_keyed_server_still_answers_a_repeated_final_flight() {
    // The DTLS 1.2 flights (tests/security.rs and the dtls crate cover 1.3's).
    let certs = Certs::new(79);
    let fp_b = fingerprint(&certs.b);
    let (mut a, mut b) = dtls_configs(true, certs, fp_b);
    dtls12(&mut a);
    dtls12(&mut b);
    let mut p = Pair::new(a, b, clean(), 79);
    let (a_from, b_from) = (p.a_from, p.b_from);
    let mut now = p.now;
    let deliver = |from: &mut Session, to: &mut Session, addr: SocketAddr, now| {
        let mut n = 0;
        while let Some(mut t) = from.poll_transmit() {
            to.handle_datagram(now, t.component, addr, &mut t.contents);
            n += 1;
        }
        n
    };
    // ClientHello, HelloVerifyRequest, ClientHello with cookie, server flight, client
    // flight: the server is keyed.
    for _ in 0..2 {
        deliver(&mut p.a, &mut p.b, a_from, now);
        deliver(&mut p.b, &mut p.a, b_from, now);
    }
    deliver(&mut p.a, &mut p.b, a_from, now);
    assert!(p.b.is_keyed() && !p.a.is_keyed());
    // The server's ChangeCipherSpec and Finished are lost.
    while p.b.poll_transmit().is_some() {}
    // The client times out and repeats its flight; the keyed server reads only its epoch-1
    // Finished (the rest is dropped and counted) and answers it.
    let before = p.b.counters().dtls_dropped;
    for _ in 0..10 {
        now += Duration::from_secs(1);
        p.a.handle_timeout(now);
        if deliver(&mut p.a, &mut p.b, a_from, now) > 0 {
            break;
        }
    }
    // The repeated flight's plaintext records were dropped and counted.
    assert!(p.b.counters().dtls_dropped > before, "{:?}", p.b.counters());
    assert!(
        deliver(&mut p.b, &mut p.a, b_from, now) > 0,
        "the server answered"
    );
    assert!(p.a.is_keyed());
    while let Some(e) = p.a.poll_event() {
        assert!(!matches!(e, Event::DtlsFailed { .. }), "{e:?}");
    }
}

/// Asks for connection ID `cid` in a DTLS configuration (RFC 9146).
fn with_cid(config: &mut Config, cid: &[u8]) {
    if let Security::Dtls { config, .. } = &mut config.security {
        let mut c = (**config).clone();
        c.connection_id = Some(dtls::ConnectionId::new(cid.to_vec()).unwrap());
        *config = std::sync::Arc::new(c);
    }
}

/// RFC 9146 §6: a DTLS record carrying the server's connection ID from a new address moves
/// the peer's address only when it authenticates and is newer than every record before: a
/// replay of the client's Finished, or a forged record with the right CID, moves nothing;
/// the client's retransmitted final flight (new record numbers) from the new address does,
/// and the server's answer goes there.
#[test]
fn a_cid_record_from_a_new_address_moves_the_peer_only_when_authentic_and_newer() {
    let certs = Certs::new(91);
    let fp_b = fingerprint(&certs.b);
    let (mut a, mut b) = dtls_configs(true, certs, fp_b);
    dtls12(&mut a);
    dtls12(&mut b);
    with_cid(&mut a, &[0xA1; 4]);
    let server_cid = [0xB1, 0xB2, 0xB3, 0xB4, 0xB5];
    with_cid(&mut b, &server_cid);
    let mut now = std::time::Instant::now();
    let mut sa = Session::new(now, a, rng(91)).unwrap();
    let mut sb = Session::new(now, b, rng(92)).unwrap();
    let (a_addr, b_addr, moved) = (addr(A_ADDR), addr(B_ADDR), addr(THIRD));
    // The handshake by hand; once the server is keyed, its final flight is withheld.
    let mut final_flight = Vec::new();
    for _ in 0..10 {
        while let Some(t) = sa.poll_transmit() {
            final_flight = t.contents.clone();
            sb.handle_datagram(now, Component::Rtp, a_addr, &mut t.contents.clone());
        }
        if sb.is_keyed() {
            break;
        }
        while let Some(t) = sb.poll_transmit() {
            sa.handle_datagram(now, Component::Rtp, b_addr, &mut t.contents.clone());
        }
    }
    assert!(sb.is_keyed() && !sa.is_keyed());
    while sb.poll_transmit().is_some() {}
    while sb.poll_event().is_some() {}
    assert_eq!(dtls::connection_id(&final_flight, 5), Some(&server_cid[..]));
    let foreign = sb.counters().dtls_foreign;
    // A replay of the client's final flight from the new address.
    sb.handle_datagram(now, Component::Rtp, moved, &mut final_flight.clone());
    assert_eq!(sb.remote_rtp(), Some(a_addr));
    // A forged tls12_cid record with the right CID.
    let mut forged = vec![25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9];
    forged.extend_from_slice(&server_cid);
    forged.extend_from_slice(&[0, 40]);
    forged.extend_from_slice(&[0x5A; 40]);
    sb.handle_datagram(now, Component::Rtp, moved, &mut forged);
    assert_eq!(sb.remote_rtp(), Some(a_addr));
    // A CID record from a third address that carries another CID is foreign outright.
    let mut other = forged.clone();
    other[11] ^= 1;
    sb.handle_datagram(now, Component::Rtp, moved, &mut other);
    assert_eq!(sb.remote_rtp(), Some(a_addr));
    assert_eq!(sb.counters().dtls_foreign, foreign + 3);
    assert!(sb.poll_transmit().is_none());
    // The client's timer resends its final flight under new record numbers.
    now += Duration::from_millis(1500);
    sa.handle_timeout(now);
    let resent: Vec<Vec<u8>> = std::iter::from_fn(|| sa.poll_transmit())
        .map(|t| t.contents)
        .filter(|d| dtls::connection_id(d, 5).is_some())
        .collect();
    assert_eq!(resent.len(), 1);
    assert_ne!(resent[0], final_flight);
    sb.handle_datagram(now, Component::Rtp, moved, &mut resent[0].clone());
    assert_eq!(sb.remote_rtp(), Some(moved));
    let events: Vec<Event> = std::iter::from_fn(|| sb.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Latched { address } if *address == moved)),
        "{events:?}"
    );
    // The server's answer (its final flight again) goes to the new address.
    let answers: Vec<_> = std::iter::from_fn(|| sb.poll_transmit()).collect();
    assert!(!answers.is_empty());
    assert!(answers.iter().all(|t| t.destination == moved));
    assert_eq!(sb.counters().dtls_foreign, foreign + 3);
}
