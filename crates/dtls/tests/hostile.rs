//! Hostile and broken peers: the right alert for each failure, records that must be
//! dropped, close_notify both ways, and fragmentation that follows a lowered MTU.

use chacha20::ChaCha20Rng;
use dtls::CookieSecret;
use dtls::internal::{ClientHello, Extensions, HandshakeMessage, HandshakeType, UseSrtp};
use dtls::internal::{ContentType, DTLS_1_2, records};
use dtls::{AlertDescription, Connection, Error, Event, HashFunction, MIN_MTU, Received};
use rand_core::SeedableRng;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{
    PEER, configs, connected_pair, cookie_exchange, finish, handshake_record, pair, pump, record,
    to_flight_5,
};

fn client(now: Instant) -> Connection {
    pair(now).0
}

/// The fatal alert `c` queued, as (level, description) bytes of an epoch-0 record.
fn sent_alert(c: &mut Connection) -> [u8; 2] {
    let d = c.poll_transmit().expect("an alert").to_vec();
    assert_eq!(
        (d[0], &d[3..5]),
        (21, &[0u8, 0][..]),
        "an epoch-0 alert record"
    );
    [d[13], d[14]]
}

/// A client that has sent its ClientHello, waiting for the server's answer.
fn waiting_client(now: Instant) -> Connection {
    let mut c = client(now);
    c.poll_transmit().unwrap().to_vec();
    c
}

fn server_hello(cipher_suite: u16) -> Vec<u8> {
    common::server_hello_body(cipher_suite, false)
}

/// A plaintext message of a type the state cannot take proves nothing about its sender, so
/// it is dropped and counted: no alert, no failure, and its message_seq slot stays open for
/// the real message, with which the handshake completes.
#[test]
fn a_plaintext_message_out_of_turn_is_dropped_and_the_handshake_completes() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    for ty in [
        HandshakeType::ServerHelloDone,
        HandshakeType::HelloRequest,
        HandshakeType::ClientHello,
        HandshakeType::Finished,
    ] {
        let d = handshake_record(ty, 0, &[]);
        assert_eq!(c.handle_datagram(now, &d), Ok(Received::Dropped), "{ty:?}");
    }
    assert!(!c.is_failed());
    assert_eq!(c.dropped_records(), 4);
    // Only the ClientHello the client started with is queued: nothing answered the junk.
    let hello = c.poll_transmit().expect("the ClientHello").to_vec();
    assert_eq!(hello[13], 1, "a ClientHello");
    assert!(c.poll_transmit().is_none());
    s.handle_datagram(now, &hello).unwrap();
    finish(&mut c, &mut s, now);
}

#[test]
fn a_truncated_message_is_dropped_and_the_real_one_completes_the_handshake() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    cookie_exchange(&mut c, &mut s, now);
    // The real ServerHello, cut short inside its body (RFC 6347 §4.1.2.7: a message that
    // does not decode may be forged, so it is dropped, not fatal).
    let d = s.poll_transmit().unwrap().to_vec();
    let rec = records(&d).next().unwrap().unwrap();
    assert_eq!(rec.fragment[0], 2, "ServerHello");
    let seq = u16::from_be_bytes([rec.fragment[4], rec.fragment[5]]);
    let cut = handshake_record(HandshakeType::ServerHello, seq, &rec.fragment[12..32]);
    assert_eq!(c.handle_datagram(now, &cut), Ok(Received::Dropped));
    assert!(c.poll_transmit().is_none());
    assert!(!c.is_failed());
    assert_eq!(c.dropped_records(), 1);
    c.handle_datagram(now, &d).unwrap();
    finish(&mut c, &mut s, now);
}

#[test]
fn a_suite_we_did_not_offer_is_illegal_parameter() {
    let now = Instant::now();
    let mut c = waiting_client(now);
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: a CBC suite, never offered.
    let d = handshake_record(HandshakeType::ServerHello, 0, &server_hello(0xC027));
    assert_eq!(
        c.handle_datagram(now, &d),
        Err(Error::IllegalParameter("cipher suite we did not offer"))
    );
    assert_eq!(sent_alert(&mut c), [2, 47]);
    assert!(
        c.export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
            .is_err()
    );
}

/// A ClientHello to `server_with_cookie_secret` carrying a valid cookie.
fn hello_with_cookie(secret: &CookieSecret, mut hello: ClientHello) -> Vec<u8> {
    hello.cookie = dtls::internal::cookie(secret, PEER, &hello).to_vec();
    let mut body = Vec::new();
    HandshakeMessage::ClientHello(hello).write_body(&mut body);
    handshake_record(HandshakeType::ClientHello, 0, &body)
}

fn plain_hello(cipher_suites: Vec<u16>, srtp_profiles: Vec<u16>) -> ClientHello {
    ClientHello {
        client_version: DTLS_1_2,
        random: [5; 32],
        session_id: Vec::new(),
        cookie: Vec::new(),
        cipher_suites,
        compression_methods: vec![0],
        extensions: Extensions {
            supported_groups: Some(vec![23]),
            ec_point_formats: Some(vec![0]),
            signature_algorithms: Some(vec![0x0403]),
            use_srtp: Some(UseSrtp {
                profiles: srtp_profiles,
                mki: Vec::new(),
            }),
            extended_master_secret: true,
            session_ticket: false,
            renegotiation_info: Some(Vec::new()),
            connection_id: None,
        },
    }
}

fn cookie_server(now: Instant) -> (Connection, Arc<CookieSecret>) {
    let secret = Arc::new(CookieSecret::generate_with_rng(
        &mut ChaCha20Rng::from_seed([8; 32]),
    ));
    let rng = ChaCha20Rng::from_seed([4; 32]);
    let mut s = Connection::server_with_cookie_secret(
        Arc::new(configs().1.clone()),
        rng,
        secret.clone(),
        PEER,
        now,
    );
    let fp = configs().0.certificate.fingerprint(HashFunction::Sha256);
    s.require_peer_fingerprints(vec![fp]).unwrap();
    (s, secret)
}

#[test]
fn only_weak_suites_is_insufficient_security() {
    let now = Instant::now();
    let (mut s, secret) = cookie_server(now);
    // TLS_RSA_WITH_AES_128_CBC_SHA and TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA only.
    let d = hello_with_cookie(&secret, plain_hello(vec![0x002F, 0xC013], vec![7]));
    assert_eq!(s.handle_datagram(now, &d), Err(Error::InsufficientSecurity));
    assert_eq!(sent_alert(&mut s), [2, 71]);
}

#[test]
fn no_common_srtp_profile_is_handshake_failure() {
    let now = Instant::now();
    let (mut s, secret) = cookie_server(now);
    // SRTP_NULL_SHA1_80 only.
    let d = hello_with_cookie(&secret, plain_hello(vec![0xC02B], vec![0x0005]));
    assert_eq!(s.handle_datagram(now, &d), Err(Error::NoCommonSrtpProfile));
    assert_eq!(sent_alert(&mut s), [2, 40]);
}

#[test]
fn too_many_extensions_is_dropped_and_counted() {
    let now = Instant::now();
    let (mut s, secret) = cookie_server(now);
    let hello = plain_hello(vec![0xC02B], vec![7]);
    let mut body = Vec::new();
    HandshakeMessage::ClientHello(ClientHello {
        cookie: dtls::internal::cookie(&secret, PEER, &hello).to_vec(),
        ..hello.clone()
    })
    .write_body(&mut body);
    // Replace the extensions block with 65 empty unknown extensions.
    let old_len = {
        let mut at = 2 + 32;
        at += 1 + usize::from(body[at]); // session_id
        at += 1 + usize::from(body[at]); // cookie
        at += 2 + usize::from(u16::from_be_bytes([body[at], body[at + 1]])); // cipher_suites
        at += 1 + usize::from(body[at]); // compression_methods
        at
    };
    body.truncate(old_len);
    body.extend_from_slice(&(65u16 * 4).to_be_bytes());
    for ty in 0..65u16 {
        body.extend_from_slice(&(0x7000 + ty).to_be_bytes());
        body.extend_from_slice(&[0, 0]);
    }
    let d = handshake_record(HandshakeType::ClientHello, 0, &body);
    // A ClientHello that does not decode is dropped and counted, not fatal.
    assert_eq!(s.handle_datagram(now, &d), Ok(Received::Dropped));
    assert!(s.poll_transmit().is_none());
    assert!(!s.is_failed());
    assert_eq!(s.dropped_records(), 1);
    // The server still answers a good ClientHello.
    s.handle_datagram(now, &hello_with_cookie(&secret, hello))
        .unwrap();
    let flight4 = s.poll_transmit().unwrap().to_vec();
    assert_eq!(flight4[13], 2, "ServerHello");
}

#[test]
fn replayed_and_wrong_epoch_records_are_dropped() {
    let now = Instant::now();
    let (mut c, mut s) = connected_pair(now);
    c.send_application_data(b"once").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &d).unwrap();
    s.handle_datagram(now, &d).unwrap();
    assert!(matches!(s.poll_event(), Some(Event::ApplicationData(b)) if b == b"once"));
    assert!(s.poll_event().is_none(), "the replay is dropped");
    // The same record claiming epoch 2, or sent in the clear in epoch 0: dropped.
    let mut epoch2 = d.clone();
    epoch2[4] = 2;
    s.handle_datagram(now, &epoch2).unwrap();
    s.handle_datagram(now, &record(0, 9, ContentType::ApplicationData, b"plain"))
        .unwrap();
    // An unprotected fatal alert after the switch to epoch 1 could come from anyone.
    s.handle_datagram(now, &record(0, 10, ContentType::Alert, &[2, 40]))
        .unwrap();
    // A record that does not authenticate.
    let mut forged = d.clone();
    forged[10] = 0x77;
    s.handle_datagram(now, &forged).unwrap();
    assert!(s.poll_event().is_none());
    assert!(s.is_connected() && s.poll_transmit().is_none());
    // The replay, epoch 2, epoch-0 data, epoch-0 alert, forged record: each counted.
    assert_eq!(s.dropped_records(), 5);
}

#[test]
fn close_notify_both_ways() {
    let now = Instant::now();
    let (mut c, mut s) = connected_pair(now);
    c.close();
    assert!(!c.is_connected());
    assert_eq!(c.send_application_data(b"x"), Err(Error::NotConnected));
    let notify = c.poll_transmit().unwrap().to_vec();
    assert_eq!(&notify[..5], &[21, 0xFE, 0xFD, 0, 1], "encrypted alert");
    s.handle_datagram(now, &notify).unwrap();
    assert!(
        matches!(s.poll_event(), Some(Event::AlertReceived(a)) if a.description == AlertDescription::CloseNotify)
    );
    assert!(matches!(s.poll_event(), Some(Event::Closed)));
    assert!(!s.is_connected() && !s.is_failed());
    // The server answers with its own close_notify, which the closed client ignores.
    let answer = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &answer).unwrap();
    assert!(s.srtp_contexts().is_err());
}

#[test]
fn a_lowered_mtu_refragments_the_retransmission() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    cookie_exchange(&mut c, &mut s, now);
    // Flight 4 at the default MTU was "lost"; the path turns out to be narrow.
    while s.poll_transmit().is_some() {}
    s.set_mtu(100);
    assert_eq!(s.mtu(), MIN_MTU, "clamped");
    s.handle_timeout(now + Duration::from_secs(1)).unwrap();
    let mut sizes = Vec::new();
    let mut fragments = 0;
    while let Some(d) = s.poll_transmit() {
        sizes.push(d.len());
        fragments += records(d).count();
        c.handle_datagram(now, d).unwrap();
    }
    assert!(sizes.iter().all(|&n| n <= MIN_MTU), "{sizes:?}");
    assert!(sizes.len() >= 3 && fragments > 5, "{sizes:?}");
    finish(&mut c, &mut s, now);
}

#[test]
fn reversed_flight_is_buffered_and_completes() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    to_flight_5(&mut c, &mut s, now);
    // Flight 5 (Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec,
    // Finished), one record per datagram, delivered last record first.
    let mut recs = Vec::new();
    while let Some(d) = c.poll_transmit() {
        for r in records(d) {
            let r = r.unwrap();
            let mut one = Vec::new();
            r.header.write(&mut one);
            one.extend_from_slice(r.fragment);
            recs.push(one);
        }
    }
    assert_eq!(recs.len(), 5);
    for r in recs.iter().rev() {
        s.handle_datagram(now, r).unwrap();
    }
    assert!(s.is_connected(), "no retransmission needed");
    pump(&mut c, &mut s, now);
    assert!(c.is_connected());
}

#[test]
fn repeats_of_an_old_flight_draw_paced_resends() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    // Run the handshake by hand to keep the client's last epoch-0 handshake datagram
    // (flight 5: Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec and
    // Finished, the server having asked for a certificate).
    let mut flight5 = None;
    for _ in 0..16 {
        let mut moved = false;
        while let Some(d) = c.poll_transmit().map(<[u8]>::to_vec) {
            moved = true;
            if d[0] == 22 && d[3..5] == [0, 0] && d[13] != 1 {
                flight5 = Some(d.clone());
            }
            let _ = s.handle_datagram(now, &d);
        }
        while let Some(d) = s.poll_transmit() {
            moved = true;
            let _ = c.handle_datagram(now, d);
        }
        if !moved {
            break;
        }
    }
    assert!(c.is_connected() && s.is_connected());
    let repeat = flight5.expect("the client's flight 5");
    assert_eq!(repeat[13], 11, "Certificate");
    // Replays the client's flight `times` times at `at`; returns what the server sent.
    let mut replay = |at: Instant, times: usize| -> Vec<Vec<u8>> {
        for _ in 0..times {
            s.handle_datagram(at, &repeat).unwrap();
        }
        std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect()
    };
    // The server's last flight went out at `now`: repeats in the same instant (the flight
    // crossing ours) draw nothing.
    assert!(replay(now, 100).is_empty());
    // A second later, when the client's timer would repeat its flight, a hundred repeats
    // draw exactly one resend: one datagram starting with ChangeCipherSpec, as before.
    let resend = replay(now + Duration::from_secs(1), 100);
    assert_eq!(resend.len(), 1);
    assert_eq!(&resend[0][..5], &[20, 0xFE, 0xFD, 0, 0], "ChangeCipherSpec");
    // Within half the initial timeout (0.5 s) of that resend: nothing more.
    assert!(replay(now + Duration::from_millis(1499), 100).is_empty());
    assert_eq!(replay(now + Duration::from_millis(1500), 100).len(), 1);
    assert!(s.is_connected());
}

/// A ClientHello forged from the client's address makes the server send the client a
/// HelloVerifyRequest it did not ask for, whose cookie covers the forger's random. The
/// client follows the newer cookie when the server refuses the stale one, and the handshake
/// completes (before, the second HelloVerifyRequest failed it with unexpected_message).
#[test]
fn a_hello_verify_request_drawn_by_a_forged_client_hello_does_not_end_the_handshake() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    let mut body = Vec::new();
    HandshakeMessage::ClientHello(plain_hello(vec![0xC02B], vec![0x0007])).write_body(&mut body);
    s.handle_datagram(now, &handshake_record(HandshakeType::ClientHello, 0, &body))
        .unwrap();
    // The server's answer to the forgery reaches the client first.
    let forged_hvr = s.poll_transmit().expect("a HelloVerifyRequest").to_vec();
    assert_eq!(forged_hvr[13], 3, "a HelloVerifyRequest");
    c.handle_datagram(now, &forged_hvr).unwrap();
    finish(&mut c, &mut s, now);
    assert!(!c.is_failed() && !s.is_failed());
}
