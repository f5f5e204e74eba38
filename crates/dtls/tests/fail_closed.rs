//! Issue #14: the connection fails closed. Nothing but an authenticated peer can end an
//! association; forged or malformed plaintext is dropped and counted; a peer is
//! authenticated by fingerprint or the handshake fails.

use dtls::internal::{ContentType, records};
use dtls::{AlertDescription, Connection, Error, Event, Received};
use std::time::Instant;

mod common;
use common::{
    configs, connected_pair, drain_events, fp, optional_client_certificate, pair, pair_of, pump,
    to_flight_5, unauthenticated,
};

/// The handshake message types of the plaintext handshake records in `datagram`.
fn handshake_types(datagram: &[u8]) -> Vec<u8> {
    records(datagram)
        .filter_map(Result::ok)
        .filter(|r| r.header.content_type == ContentType::Handshake && r.header.epoch == 0)
        .filter_map(|r| r.fragment.first().copied())
        .collect()
}

/// One plaintext epoch-0 record.
fn record(content_type: ContentType, seq: u64, payload: &[u8]) -> Vec<u8> {
    common::record(0, seq, content_type, payload)
}

// Finding 2: an empty fingerprint list authenticates nobody.

#[test]
fn empty_fingerprint_list_is_a_typed_error_and_changes_nothing() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    assert_eq!(
        c.require_peer_fingerprints(Vec::new()),
        Err(Error::NoPeerFingerprints)
    );
    assert_eq!(
        s.require_peer_fingerprints(Vec::new()),
        Err(Error::NoPeerFingerprints)
    );
    // The fingerprints set before still apply: the handshake authenticates both sides.
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
}

#[test]
fn client_without_fingerprints_fails_with_peer_not_authenticated() {
    let now = Instant::now();
    let (mut c, mut s) = unauthenticated(&configs().0, &configs().1, now);
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    let (ec, es) = pump(&mut c, &mut s, now);
    assert_eq!(ec, Some(Error::PeerNotAuthenticated));
    assert!(c.is_failed() && !s.is_connected());
    assert_eq!(c.srtp_keys().unwrap_err(), Error::NotConnected);
    // internal_error, not bad_certificate: the fault is ours, not the peer's.
    assert_eq!(
        Error::PeerNotAuthenticated.alert(),
        AlertDescription::InternalError
    );
    // The server learns of it once, from the call that delivered the alert.
    assert_eq!(es, Some(Error::PeerAlert(AlertDescription::InternalError)));
    assert!(s.is_failed());
    assert!(!drain_events(&mut s).is_empty(), "the alert is reported");
}

#[test]
fn server_without_fingerprints_fails_with_peer_not_authenticated() {
    let now = Instant::now();
    // Not even a configuration that does not require client certificates lets an
    // unconfigured server connect.
    let sc = optional_client_certificate();
    let (mut c, mut s) = unauthenticated(&configs().0, &sc, now);
    c.require_peer_fingerprints(vec![fp(&configs().1)]).unwrap();
    let (ec, es) = pump(&mut c, &mut s, now);
    assert_eq!(es, Some(Error::PeerNotAuthenticated));
    assert_eq!(ec, Some(Error::PeerAlert(AlertDescription::InternalError)));
    assert!(s.is_failed() && c.is_failed());
}

// Finding 3: fingerprints count even when the configuration does not require client
// certificates.

#[test]
fn server_with_fingerprints_requests_the_client_certificate_whatever_the_config() {
    let now = Instant::now();
    let sc = optional_client_certificate();
    // The client presents mallory's certificate, which the server did not announce.
    let (mut c, mut s) = unauthenticated(&configs().2, &sc, now);
    c.require_peer_fingerprints(vec![fp(&configs().1)]).unwrap();
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    let mut sent = Vec::new();
    let mut es = None;
    for _ in 0..8 {
        while let Some(d) = c.poll_transmit() {
            if let Err(e) = s.handle_datagram(now, d) {
                es.get_or_insert(e);
            }
        }
        while let Some(d) = s.poll_transmit() {
            sent.extend(handshake_types(d));
            let _ = c.handle_datagram(now, d);
        }
    }
    // HelloVerifyRequest, then ServerHello, Certificate, ServerKeyExchange,
    // CertificateRequest, ServerHelloDone.
    assert_eq!(sent, [3, 2, 11, 12, 13, 14]);
    assert_eq!(es, Some(Error::FingerprintMismatch));
    assert!(s.is_failed() && !c.is_connected());
}

#[test]
fn server_with_fingerprints_and_optional_certificate_reports_the_checked_client() {
    let now = Instant::now();
    let sc = optional_client_certificate();
    let (mut c, mut s) = pair_of(configs().0.clone(), sc, now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let Some(Event::Connected(info)) = drain_events(&mut s).into_iter().next() else {
        panic!("server connected");
    };
    assert_eq!(info.peer_fingerprint, Some(fp(&configs().0)));
}

// Finding 1: malformed plaintext never ends a call or a handshake.

/// The 14-byte datagram of issue #14: an epoch-0 ChangeCipherSpec whose body is 02.
const FORGED_CCS: [u8; 14] = [
    0x14, 0xFE, 0xFD, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0x01, 0x02,
];

/// One handshake fragment: header and body.
fn fragment(msg_type: u8, length: u32, message_seq: u16, offset: u32, body: &[u8]) -> Vec<u8> {
    let mut f = vec![msg_type];
    f.extend_from_slice(&length.to_be_bytes()[1..]);
    f.extend_from_slice(&message_seq.to_be_bytes());
    f.extend_from_slice(&offset.to_be_bytes()[1..]);
    f.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(body);
    f
}

/// Every kind of malformed plaintext record of issue #14, each as its own datagram.
fn malformed() -> Vec<(&'static str, Vec<u8>)> {
    let hs = |payload: &[u8]| record(ContentType::Handshake, 7, payload);
    // Whole messages whose bodies do not decode, for every message_seq a handshake uses
    // (ServerHelloDone, Finished and HelloRequest are left out: any body of theirs decodes
    // or is a well-formed message out of turn, which is meant to be fatal).
    let mut undecodable = Vec::new();
    for seq in 0..10u16 {
        for ty in [1u8, 2, 11, 12, 13, 15, 16] {
            undecodable.extend(hs(&fragment(ty, 1, seq, 0, &[0xFF])));
        }
    }
    vec![
        ("ChangeCipherSpec body 02", FORGED_CCS.to_vec()),
        ("handshake header cut short", hs(&[1, 0, 0, 5, 0])),
        (
            "fragment past the message length",
            hs(&fragment(1, 4, 1, 2, &[0; 4])),
        ),
        ("unknown handshake type", hs(&fragment(99, 0, 1, 0, &[]))),
        ("plaintext over 2^14 bytes", hs(&vec![0; (1 << 14) + 1])),
        ("alert body cut short", record(ContentType::Alert, 7, &[2])),
        ("message bodies that do not decode", undecodable),
    ]
}

fn srtp_key_material(c: &Connection) -> Vec<u8> {
    c.export_keying_material(dtls::SRTP_EXPORTER_LABEL, 60)
        .unwrap()
        .to_vec()
}

/// Application data still flows both ways.
fn assert_data_flows(c: &mut Connection, s: &mut Connection, now: Instant) {
    for client_sends in [true, false] {
        let (from, to) = if client_sends {
            (&mut *c, &mut *s)
        } else {
            (&mut *s, &mut *c)
        };
        from.send_application_data(b"still here").unwrap();
        let d = from.poll_transmit().unwrap().to_vec();
        to.handle_datagram(now, &d).unwrap();
        assert!(matches!(
            drain_events(to).as_slice(),
            [Event::ApplicationData(x)] if x == b"still here"
        ));
    }
}

#[test]
fn the_14_byte_datagram_leaves_an_established_call_up_in_either_role() {
    let now = Instant::now();
    for target_is_server in [false, true] {
        let (mut c, mut s) = connected_pair(now);
        let keys = srtp_key_material(&c);
        let victim = if target_is_server { &mut s } else { &mut c };
        assert_eq!(victim.dropped_records(), 0);
        assert_eq!(
            victim.handle_datagram(now, &FORGED_CCS),
            Ok(Received::Dropped)
        );
        assert!(victim.is_connected());
        assert!(victim.poll_transmit().is_none(), "nothing sent in answer");
        assert!(drain_events(victim).is_empty());
        assert_eq!(victim.dropped_records(), 1);
        assert_eq!(srtp_key_material(&c), keys);
        assert_eq!(srtp_key_material(&s), keys);
        assert_data_flows(&mut c, &mut s, now);
    }
}

#[test]
fn malformed_plaintext_after_the_handshake_is_dropped_and_counted_in_either_role() {
    let now = Instant::now();
    for (what, datagram) in malformed() {
        for target_is_server in [false, true] {
            let (mut c, mut s) = connected_pair(now);
            let keys = srtp_key_material(&c);
            let victim = if target_is_server { &mut s } else { &mut c };
            assert_eq!(
                victim.handle_datagram(now, &datagram),
                Ok(Received::Dropped),
                "{what}"
            );
            assert!(victim.is_connected(), "{what}");
            assert!(victim.poll_transmit().is_none(), "{what}: nothing sent");
            assert!(drain_events(victim).is_empty(), "{what}");
            assert!(victim.dropped_records() >= 1, "{what}: counted");
            assert_eq!(srtp_key_material(victim), keys, "{what}");
            assert_data_flows(&mut c, &mut s, now);
        }
    }
}

/// Hands `to` the junk, which must change nothing (fragments that parse may wait in the
/// reassembler, nothing is processed), then the real datagram `d`.
fn deliver_after_junk(to: &mut Connection, now: Instant, junk: &[u8], d: &[u8], what: &str) {
    let junk_outcome = to.handle_datagram(now, junk);
    assert!(
        matches!(junk_outcome, Ok(Received::Dropped | Received::Buffered)),
        "{what}: {junk_outcome:?}"
    );
    assert!(to.handle_datagram(now, d).is_ok(), "{what}");
}

#[test]
fn a_handshake_in_progress_survives_malformed_plaintext_in_every_state() {
    let now = Instant::now();
    for (what, junk) in malformed() {
        let (mut c, mut s) = pair(now);
        // The junk reaches each side before each of its peer's datagrams: the server while
        // it waits for a ClientHello, the client while it waits for a ServerHello, and both
        // in every later state.
        let mut delivered = 0;
        for _ in 0..16 {
            let mut moved = false;
            while let Some(d) = c.poll_transmit() {
                moved = true;
                deliver_after_junk(&mut s, now, &junk, d, what);
                delivered += 1;
            }
            while let Some(d) = s.poll_transmit() {
                moved = true;
                deliver_after_junk(&mut c, now, &junk, d, what);
                delivered += 1;
            }
            if !moved {
                break;
            }
        }
        assert!(c.is_connected() && s.is_connected(), "{what}");
        assert!(delivered >= 5, "{what}");
        assert!(
            c.dropped_records() >= 2 && s.dropped_records() >= 2,
            "{what}"
        );
    }
}

#[test]
fn a_malformed_client_hello_does_not_end_the_servers_wait() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    let hello = c.poll_transmit().unwrap().to_vec();
    // The real ClientHello cut inside its body, with its lengths left as they are.
    let mut cut = hello[..40].to_vec();
    cut[11..13].copy_from_slice(&27u16.to_be_bytes());
    cut[14..17].copy_from_slice(&[0, 0, 15]);
    cut[22..25].copy_from_slice(&[0, 0, 15]);
    dropped_then_the_real_hello_connects(&mut c, &mut s, now, &cut, &hello);
}

/// `junk` is dropped by the waiting server, counted and unanswered; the real `hello` after
/// it still completes the handshake.
fn dropped_then_the_real_hello_connects(
    c: &mut Connection,
    s: &mut Connection,
    now: Instant,
    junk: &[u8],
    hello: &[u8],
) {
    assert_eq!(s.handle_datagram(now, junk), Ok(Received::Dropped));
    assert!(s.poll_transmit().is_none(), "no answer to it");
    assert_eq!(s.dropped_records(), 1);
    s.handle_datagram(now, hello).unwrap();
    assert_eq!(pump(c, s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
}

#[test]
fn a_client_hello_numbered_near_the_sequence_limit_is_dropped_and_the_real_one_still_works() {
    // The server numbers its flight after the ClientHello that carried the cookie (so that
    // its ServerHello follows the stateless HelloVerifyRequest). A ClientHello whose record
    // number sits near 2^48 (anyone on the path who saw the cookie can send one from the
    // client's address) would leave the server no sequence numbers for its flight.
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    let hello = common::hello_with_cookie(&mut c, &mut s, now);
    let mut forged = hello.clone();
    forged[5..11].copy_from_slice(&(u64::pow(2, 48) - 2).to_be_bytes()[2..]);
    dropped_then_the_real_hello_connects(&mut c, &mut s, now, &forged, &hello);
}

// Finding 6: forged epoch-0 handshake messages after the handshake.

#[test]
fn a_datagram_of_forged_epoch_0_fragments_after_the_handshake_draws_nothing() {
    let now = Instant::now();
    for target_is_server in [false, true] {
        let (mut c, mut s) = connected_pair(now);
        let keys = srtp_key_material(&c);
        let victim = if target_is_server { &mut s } else { &mut c };
        // 115 empty ClientHellos and HelloRequests, message_seq 0 to 114, in one record.
        let mut payload = Vec::new();
        for seq in 0..115u16 {
            payload.extend(fragment(u8::from(seq % 2 == 0), 0, seq, 0, &[]));
        }
        let d = record(ContentType::Handshake, 9, &payload);
        assert_eq!(d.len(), 1393);
        for _ in 0..3 {
            assert_eq!(victim.handle_datagram(now, &d), Ok(Received::Dropped));
        }
        assert!(victim.poll_transmit().is_none(), "zero datagrams in answer");
        assert!(victim.is_connected());
        assert_eq!(victim.dropped_records(), 3);
        assert_eq!(srtp_key_material(victim), keys);
        assert_data_flows(&mut c, &mut s, now);
    }
}

#[test]
fn an_epoch_0_finished_after_the_read_epoch_is_1_is_not_accepted() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    // Run until the client's final flight reached the server: the server has read epoch 1
    // and waits for the client's Finished, which we hold back.
    to_flight_5(&mut c, &mut s, now);
    let flight5 = c.poll_transmit().unwrap().to_vec();
    let recs: Vec<_> = records(&flight5).map(Result::unwrap).collect();
    let last = recs.last().unwrap();
    assert_eq!(
        (last.header.content_type, last.header.epoch),
        (ContentType::Handshake, 1)
    );
    let finished_at = flight5.len() - 13 - last.fragment.len();
    s.handle_datagram(now, &flight5[..finished_at]).unwrap();
    // A forged plaintext Finished with the next message_seq (after the CertificateVerify,
    // the last plaintext handshake message).
    let cv = recs
        .iter()
        .rfind(|r| r.header.content_type == ContentType::Handshake && r.header.epoch == 0)
        .unwrap();
    assert_eq!(cv.fragment[0], 15, "CertificateVerify");
    let seq = u16::from_be_bytes([cv.fragment[4], cv.fragment[5]]) + 1;
    let forged = record(
        ContentType::Handshake,
        50,
        &fragment(20, 12, seq, 0, &[0xAB; 12]),
    );
    assert_eq!(s.handle_datagram(now, &forged), Ok(Received::Dropped));
    assert!(s.poll_transmit().is_none());
    assert!(!s.is_failed());
    assert_eq!(s.dropped_records(), 1);
    s.handle_datagram(now, &flight5[finished_at..]).unwrap();
    assert!(s.is_connected());
}

#[test]
fn a_server_hello_with_an_extension_we_did_not_offer_is_unsupported_extension() {
    let now = Instant::now();
    for session_ticket in [true, false] {
        let (mut c, _) = pair(now);
        c.poll_transmit().unwrap().to_vec();
        let mut body = common::server_hello_body(0xC02B, session_ticket);
        let expected = if session_ticket {
            Error::UnsupportedExtension(35)
        } else {
            // An extension type nobody offered, appended to the block: 0x7777, empty.
            let ext_len_at = 2 + 32 + 1 + 2 + 1;
            let n = u16::from_be_bytes([body[ext_len_at], body[ext_len_at + 1]]) + 4;
            body[ext_len_at..ext_len_at + 2].copy_from_slice(&n.to_be_bytes());
            body.extend_from_slice(&[0x77, 0x77, 0, 0]);
            Error::UnsupportedExtension(0x7777)
        };
        let d = record(
            ContentType::Handshake,
            0,
            &fragment(2, body.len() as u32, 0, 0, &body),
        );
        assert_eq!(c.handle_datagram(now, &d), Err(expected));
        // A fatal unsupported_extension (110) alert in the client's second epoch-0 record.
        assert_eq!(
            c.poll_transmit().unwrap().to_vec(),
            [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 2, 110]
        );
        assert!(c.is_failed());
    }
}

#[test]
fn server_with_fingerprints_fails_a_client_that_sends_no_certificate() {
    let now = Instant::now();
    let sc = optional_client_certificate();
    let (mut c, mut s) = pair_of(configs().0.clone(), sc, now);
    for _ in 0..2 {
        let d = c.poll_transmit().unwrap().to_vec();
        s.handle_datagram(now, &d).unwrap();
        let d = s.poll_transmit().unwrap().to_vec();
        c.handle_datagram(now, &d).unwrap();
    }
    // Flight 5 with its Certificate message emptied (RFC 5246 §7.4.6: a client without a
    // certificate sends an empty list).
    let flight5 = c.poll_transmit().unwrap().to_vec();
    let first = records(&flight5).next().unwrap().unwrap();
    assert_eq!(first.fragment[0], 11, "Certificate");
    let seq = u16::from_be_bytes([first.fragment[4], first.fragment[5]]);
    let mut d = record(
        ContentType::Handshake,
        first.header.sequence_number,
        &fragment(11, 3, seq, 0, &[0, 0, 0]),
    );
    d.extend_from_slice(&flight5[13 + first.fragment.len()..]);
    assert_eq!(s.handle_datagram(now, &d), Err(Error::CertificateRequired));
    let alert = s.poll_transmit().unwrap().to_vec();
    assert_eq!((alert[0], &alert[13..]), (21, &[2u8, 40][..]));
    assert!(s.is_failed());
}
