//! DTLS 1.3 (RFC 9147) between our client and our server: the handshake with its
//! HelloRetryRequest, version negotiation against 1.2-capped peers, the downgrade
//! sentinel, loss and retransmission, KeyUpdate, closure, and hostile input in every
//! state.

mod common;

use common::*;
use dtls::internal::dtls13::{is_unified, parse_unified_header};
use dtls::{
    AlertDescription, CipherSuite, Config, Connection, Error, Event, NamedGroup, ProtocolVersion,
    Received, State,
};
use std::time::{Duration, Instant};

fn v13(c: &Config) -> Config {
    let mut c = c.clone();
    c.max_version = ProtocolVersion::Dtls13;
    c
}

fn pair13(now: Instant) -> (Connection, Connection) {
    pair_of(v13(&configs().0), v13(&configs().1), now)
}

fn connected(c: &mut Connection) -> Box<dtls::Connected> {
    drain_events(c)
        .into_iter()
        .find_map(|e| match e {
            Event::Connected(i) => Some(i),
            _ => None,
        })
        .expect("a Connected event")
}

/// The handshake type of the first handshake record of an epoch-0 datagram.
fn handshake_type(d: &[u8]) -> u8 {
    assert_eq!(d[0], 22);
    d[13]
}

#[test]
fn handshake_negotiates_dtls13_with_a_retry_and_srtp_keys() {
    let now = Instant::now();
    let (mut c, mut s) = pair13(now);
    // Flight 1: the ClientHello offers 1.3 and 1.2; the server answers with a
    // HelloRetryRequest (a ServerHello with the special random) and keeps nothing.
    let ch1 = c.poll_transmit().unwrap().to_vec();
    assert_eq!(handshake_type(&ch1), 1);
    assert_eq!(s.handle_datagram(now, &ch1), Ok(Received::Processed));
    let hrr = s.poll_transmit().unwrap().to_vec();
    assert_eq!(handshake_type(&hrr), 2);
    assert_eq!(
        &hrr[13 + 12 + 2..13 + 12 + 2 + 4],
        &[0xCF, 0x21, 0xAD, 0x74]
    );
    assert!(
        hrr.len() <= ch1.len(),
        "never answer with more than was sent"
    );
    assert_eq!(s.state(), State::Handshaking);
    c.handle_datagram(now, &hrr).unwrap();
    // The rest: ServerHello in epoch 0, everything after it under unified headers.
    let (ec, es) = pump(&mut c, &mut s, now);
    assert_eq!((ec, es), (None, None));
    assert!(c.is_connected() && s.is_connected());
    let (ic, is) = (connected(&mut c), connected(&mut s));
    for i in [&ic, &is] {
        assert_eq!(i.version, ProtocolVersion::Dtls13);
        assert_eq!(i.cipher_suite, CipherSuite::Tls13Aes128GcmSha256);
        assert_eq!(i.key_exchange_group, NamedGroup::X25519);
        assert_eq!(i.srtp_profile, Some(srtp::ProtectionProfile::AeadAes128Gcm));
        assert!(i.peer_signature_scheme.is_some());
    }
    assert_eq!(ic.peer_fingerprint, Some(fp(&configs().1)));
    assert_eq!(is.peer_fingerprint, Some(fp(&configs().0)));
    assert!(ic.srtp_keys.is_some() && is.srtp_keys.is_some());
    assert_eq!(
        *c.export_keying_material(dtls::SRTP_EXPORTER_LABEL, 60)
            .unwrap(),
        *s.export_keying_material(dtls::SRTP_EXPORTER_LABEL, 60)
            .unwrap()
    );
    assert_eq!(
        *c.export_keying_material(b"EXPERIMENTAL-x", 40).unwrap(),
        *s.export_keying_material(b"EXPERIMENTAL-x", 40).unwrap()
    );
    let (mut protect, _) = c.srtp_contexts().unwrap().unwrap();
    let (_, mut unprotect) = s.srtp_contexts().unwrap().unwrap();
    let rtp = [0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0xAB, 0xCD];
    let mut buf = rtp.to_vec();
    buf.resize(rtp.len() + 32, 0);
    let n = protect.protect_rtp(&mut buf, rtp.len()).unwrap();
    let m = unprotect.unprotect_rtp(&mut buf[..n]).unwrap();
    assert_eq!(&buf[..m], &rtp);

    // Application data both ways, under unified headers of epoch 3.
    c.send_application_data(b"ping").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    assert!(is_unified(d[0]));
    assert_eq!(d[0] & 3, 3);
    s.handle_datagram(now, &d).unwrap();
    assert!(matches!(s.poll_event(), Some(Event::ApplicationData(p)) if p == b"ping"));
    // A replay is dropped and counted.
    let before = s.dropped_records();
    assert_eq!(s.handle_datagram(now, &d), Ok(Received::Dropped));
    assert_eq!(s.dropped_records(), before + 1);
    s.send_application_data(b"pong").unwrap();
    pump(&mut c, &mut s, now);
    assert!(matches!(c.poll_event(), Some(Event::ApplicationData(p)) if p == b"pong"));

    // close_notify ends both.
    c.close();
    pump(&mut c, &mut s, now);
    assert_eq!(c.state(), State::Closed);
    assert_eq!(s.state(), State::Closed);
    assert!(
        drain_events(&mut s)
            .iter()
            .any(|e| matches!(e, Event::Closed))
    );
}

#[test]
fn chacha_and_a_retry_that_names_the_group() {
    let now = Instant::now();
    let mut cc = v13(&configs().0);
    cc.groups = vec![NamedGroup::Secp256r1, NamedGroup::X25519];
    cc.cipher_suites = vec![CipherSuite::EcdheEcdsaChacha20Poly1305Sha256];
    let mut sc = v13(&configs().1);
    sc.groups = vec![NamedGroup::X25519];
    let (mut c, mut s) = pair_of(cc, sc, now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let i = connected(&mut c);
    assert_eq!(i.version, ProtocolVersion::Dtls13);
    assert_eq!(i.cipher_suite, CipherSuite::Tls13Chacha20Poly1305Sha256);
    assert_eq!(i.key_exchange_group, NamedGroup::X25519);
    assert!(s.is_connected());
}

#[test]
fn a_peer_capped_at_dtls12_gets_dtls12() {
    let now = Instant::now();
    for (cv, sv) in [
        (ProtocolVersion::Dtls13, ProtocolVersion::Dtls12),
        (ProtocolVersion::Dtls12, ProtocolVersion::Dtls13),
    ] {
        let (mut cc, mut sc) = (configs().0.clone(), configs().1.clone());
        cc.max_version = cv;
        sc.max_version = sv;
        let (mut c, mut s) = pair_of(cc, sc, now);
        assert_eq!(pump(&mut c, &mut s, now), (None, None));
        let (ic, is) = (connected(&mut c), connected(&mut s));
        assert_eq!(ic.version, ProtocolVersion::Dtls12);
        assert_eq!(is.version, ProtocolVersion::Dtls12);
        assert_eq!(ic.cipher_suite, CipherSuite::EcdheEcdsaAes128GcmSha256);
        assert_eq!(
            *c.export_keying_material(dtls::SRTP_EXPORTER_LABEL, 60)
                .unwrap(),
            *s.export_keying_material(dtls::SRTP_EXPORTER_LABEL, 60)
                .unwrap()
        );
    }
}

#[test]
fn a_downgrade_sentinel_in_a_dtls12_answer_fails_the_client() {
    let now = Instant::now();
    let mut sc = configs().1.clone();
    sc.max_version = ProtocolVersion::Dtls12;
    let (mut c, mut s) = pair_of(v13(&configs().0), sc, now);
    // Through the cookie exchange, then the 1.2 ServerHello with its random rewritten to
    // end in DOWNGRD\x01, as a 1.3-capable server negotiating 1.2 would write it.
    let ch = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &ch).unwrap();
    let hvr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hvr).unwrap();
    let ch2 = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &ch2).unwrap();
    let mut flight = s.poll_transmit().unwrap().to_vec();
    assert_eq!(handshake_type(&flight), 2);
    let random_end = 13 + 12 + 2 + 32;
    flight[random_end - 8..random_end].copy_from_slice(b"DOWNGRD\x01");
    // The 1.2 client took over after the HelloVerifyRequest; the sentinel check is the
    // same there: it fails with illegal_parameter.
    let err = c.handle_datagram(now, &flight).unwrap_err();
    assert_eq!(
        err,
        Error::IllegalParameter("downgrade sentinel in a 1.2 ServerHello")
    );
    assert_eq!(err.alert(), AlertDescription::IllegalParameter);
}

#[test]
fn a_downgrade_sentinel_fails_before_any_cookie() {
    // A 1.2 ServerHello straight after our 1.3 offer (a server without cookies).
    let now = Instant::now();
    let (mut c, _) = pair13(now);
    let _ch = c.poll_transmit().unwrap();
    let mut body = server_hello_body(0xC02B, false);
    body[2 + 24..2 + 32].copy_from_slice(b"DOWNGRD\x01");
    let d = handshake_record(dtls::internal::HandshakeType::ServerHello, 0, &body);
    let err = c.handle_datagram(now, &d).unwrap_err();
    assert_eq!(
        err,
        Error::IllegalParameter("downgrade sentinel in a 1.2 ServerHello")
    );
    assert!(c.is_failed());
}

#[test]
fn lost_flights_are_retransmitted_and_the_final_flight_acknowledged() {
    let mut now = Instant::now();
    let (mut c, mut s) = pair13(now);
    let ch1 = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &ch1).unwrap();
    let hrr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hrr).unwrap();
    let ch2 = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &ch2).unwrap();
    // The server's whole flight is lost.
    let lost: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert!(!lost.is_empty());
    now += Duration::from_millis(1001);
    s.handle_timeout(now).unwrap();
    let again: Vec<Vec<u8>> =
        std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert_eq!(again.len(), lost.len(), "the flight again");
    for d in &again {
        c.handle_datagram(now, d).unwrap();
    }
    assert!(c.is_connected());
    // The client's final flight is lost too: it comes again on the client's timer, and
    // the server's ACK stops it.
    let lost: Vec<Vec<u8>> = std::iter::from_fn(|| c.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert!(!lost.is_empty());
    assert!(c.poll_timeout().is_some());
    now += Duration::from_millis(1001);
    c.handle_timeout(now).unwrap();
    while let Some(d) = c.poll_transmit() {
        s.handle_datagram(now, d).unwrap();
    }
    assert!(s.is_connected());
    let ack = s.poll_transmit().expect("an ACK").to_vec();
    assert!(is_unified(ack[0]) && ack[0] & 3 == 3);
    // That ACK is lost as well: the client's next retransmission draws another.
    now += Duration::from_millis(2001);
    c.handle_timeout(now).unwrap();
    let mut acks = 0;
    while let Some(d) = c.poll_transmit() {
        s.handle_datagram(now, d).unwrap();
    }
    while let Some(d) = s.poll_transmit() {
        acks += 1;
        c.handle_datagram(now, d).unwrap();
    }
    assert!(acks > 0, "the server acknowledges the repeated flight");
    assert_eq!(c.poll_timeout(), None);
    c.handle_datagram(now, &ack).unwrap();
    assert_eq!(
        c.poll_timeout(),
        None,
        "acknowledged: nothing to retransmit"
    );
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn key_update_moves_both_directions_to_the_next_epoch() {
    let now = Instant::now();
    let (mut c, mut s) = pair13(now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    drain_events(&mut c);
    drain_events(&mut s);
    assert_eq!(s.update_keys(now, true), Ok(()));
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    for server_sends in [true, false] {
        let (a, b) = if server_sends {
            (&mut s, &mut c)
        } else {
            (&mut c, &mut s)
        };
        a.send_application_data(b"after").unwrap();
        let d = a.poll_transmit().unwrap().to_vec();
        assert_eq!(d[0] & 3, 0, "epoch 4");
        b.handle_datagram(now, &d).unwrap();
        assert!(matches!(b.poll_event(), Some(Event::ApplicationData(p)) if p == b"after"));
    }
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(s.poll_timeout(), None);
    // A second round, from the client, without a request.
    c.update_keys(now, false).unwrap();
    pump(&mut c, &mut s, now);
    c.send_application_data(b"five").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    assert_eq!(d[0] & 3, 1, "epoch 5");
    s.handle_datagram(now, &d).unwrap();
    assert!(matches!(s.poll_event(), Some(Event::ApplicationData(p)) if p == b"five"));
    // Not connected, or DTLS 1.2: no key update.
    let (mut c12, _) = pair(now);
    assert_eq!(c12.update_keys(now, false), Err(Error::NotConnected));
}

#[test]
fn a_wrong_fingerprint_fails_closed() {
    let now = Instant::now();
    let (mut c, mut s) = unauthenticated(&v13(&configs().0), &v13(&configs().1), now);
    c.require_peer_fingerprints(vec![fp(&configs().1)]).unwrap();
    s.require_peer_fingerprints(vec![fp(&configs().2)]).unwrap();
    let (ec, es) = pump(&mut c, &mut s, now);
    assert_eq!(es, Some(Error::FingerprintMismatch));
    assert_eq!(ec, Some(Error::PeerAlert(AlertDescription::BadCertificate)));
    assert!(c.is_failed() && s.is_failed());
    assert!(c.srtp_keys().is_err() && s.srtp_keys().is_err());
    // And the other way round.
    let (mut c, mut s) = unauthenticated(&v13(&configs().0), &v13(&configs().1), now);
    c.require_peer_fingerprints(vec![fp(&configs().2)]).unwrap();
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    let (ec, _) = pump(&mut c, &mut s, now);
    assert_eq!(ec, Some(Error::FingerprintMismatch));
    assert!(!s.is_connected());
}

/// Hostile datagrams, none of which can be authenticated: garbage, forged unified
/// records (random bodies, every epoch, short and long sequence numbers), truncated
/// unified headers, plaintext alerts and a plaintext KeyUpdate-typed handshake record.
fn hostile() -> Vec<Vec<u8>> {
    let mut out = vec![
        vec![],
        vec![0xFF; 40],
        vec![0x2F],
        vec![0x2C, 0],
        vec![0x2C, 0, 0, 0, 50, 1, 2],
        vec![0x3C, 0, 0, 0, 20],
        record(0, 99, dtls::internal::ContentType::Alert, &[2, 40]),
        record(0, 99, dtls::internal::ContentType::Alert, &[1, 0]),
        record(2, 0, dtls::internal::ContentType::Alert, &[2, 40]),
        record(
            0,
            98,
            dtls::internal::ContentType::Handshake,
            &[24, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0, 1, 1],
        ),
    ];
    for epoch in 0..4u8 {
        for first in [0x2C | epoch, 0x24 | epoch, 0x20 | epoch, 0x28 | epoch] {
            let mut d = vec![first, 0, 1];
            if first & 0x08 == 0 {
                d.pop();
            }
            if first & 0x04 != 0 {
                d.extend_from_slice(&[0, 24]);
            }
            d.extend((0..24u8).map(|i| i.wrapping_mul(37).wrapping_add(epoch)));
            out.push(d);
        }
    }
    out
}

fn assert_hostile_changes_nothing(x: &mut Connection, now: Instant) {
    let state = x.state();
    let events = drain_events(x).len();
    for d in hostile() {
        let before = x.dropped_records();
        assert_eq!(
            x.handle_datagram(now, &d),
            Ok(Received::Dropped),
            "{d:02x?}"
        );
        assert!(x.dropped_records() > before || d.is_empty(), "{d:02x?}");
        assert_eq!(x.state(), state);
        while x.poll_transmit().is_some() {}
        assert!(x.poll_event().is_none());
    }
    let _ = events;
}

#[test]
fn hostile_records_change_nothing_in_any_state() {
    let now = Instant::now();
    let (mut c, mut s) = pair13(now);
    // Fresh: the client waiting for its ServerHello.
    let ch1 = c.poll_transmit().unwrap().to_vec();
    assert_hostile_changes_nothing(&mut c, now);
    // Mid-handshake: the server waiting for the client's flight, the client with the
    // server's flight only half delivered.
    // Small datagrams, so that the server's flight takes several.
    let flight = retry_then_flight(&mut c, &mut s, &ch1, Some(300), now);
    assert_hostile_changes_nothing(&mut s, now);
    assert!(flight.len() > 2, "{} datagrams", flight.len());
    c.handle_datagram(now, &flight[0]).unwrap();
    assert_hostile_changes_nothing(&mut c, now);
    for d in &flight[1..] {
        c.handle_datagram(now, d).unwrap();
    }
    // A record of the server's flight with its sequence number altered does not open.
    let mut forged = flight[flight.len() - 1].clone();
    if let Ok(h) = parse_unified_header(&forged) {
        forged[1] ^= 0x40;
        let before = c.dropped_records();
        let _ = h;
        c.handle_datagram(now, &forged).unwrap();
        assert!(c.dropped_records() > before);
    }
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    // Established.
    assert!(c.is_connected() && s.is_connected());
    drain_events(&mut c);
    drain_events(&mut s);
    assert_hostile_changes_nothing(&mut c, now);
    assert_hostile_changes_nothing(&mut s, now);
    c.send_application_data(b"still here").unwrap();
    pump(&mut c, &mut s, now);
    assert!(matches!(s.poll_event(), Some(Event::ApplicationData(p)) if p == b"still here"));
}

#[test]
fn handshake_fails_after_its_timeout() {
    let mut now = Instant::now();
    let (mut c, _s) = pair13(now);
    let _ = c.poll_transmit();
    for _ in 0..12 {
        now += Duration::from_secs(8);
        if c.handle_timeout(now).is_err() {
            break;
        }
    }
    assert!(c.is_failed());
}

#[test]
fn the_retry_cookie_binds_the_address_and_its_bytes() {
    let now = Instant::now();
    let (mut c, mut s) = pair13(now);
    let ch1 = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &ch1).unwrap();
    let hrr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hrr).unwrap();
    let ch2 = c.poll_transmit().unwrap().to_vec();
    // The cookie (69 bytes) is the last 69 bytes of the HelloRetryRequest body's cookie
    // extension; find them in the second ClientHello.
    let cookie = &hrr[hrr.len() - 69..];
    let at = ch2
        .windows(69)
        .position(|w| w == cookie)
        .expect("the cookie echoed");
    // Altered, in every part: dropped without an answer or any state.
    for i in [0, 1, 3, 5, 40, 68] {
        let mut forged = ch2.clone();
        forged[at + i] ^= 1;
        s.handle_datagram(now, &forged).unwrap();
        assert!(s.poll_transmit().is_none(), "byte {i}");
        assert_eq!(s.state(), State::Handshaking);
        assert_eq!(s.protocol_version(), None);
    }
    // The same hello from another address: the cookie does not verify there.
    let mut other =
        Connection::server_with_rng(std::sync::Arc::new(v13(&configs().1)), rng(4), OTHER, now);
    other
        .require_peer_fingerprints(vec![fp(&configs().0)])
        .unwrap();
    other.handle_datagram(now, &ch2).unwrap();
    assert!(other.poll_transmit().is_none());
    // The genuine one starts the handshake.
    s.handle_datagram(now, &ch2).unwrap();
    assert!(s.poll_transmit().is_some());
    assert_eq!(s.protocol_version(), Some(ProtocolVersion::Dtls13));
    assert_eq!(c.protocol_version(), None, "the client has no answer yet");
}

/// One key log line: label, client random, secret.
type Logged = (String, [u8; 32], Vec<u8>);

#[derive(Default)]
struct MemoryLog(std::sync::Mutex<Vec<Logged>>);

impl dtls::KeyLog for MemoryLog {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), *client_random, secret.to_vec()));
    }
}

#[test]
fn key_log_records_the_five_tls13_secrets_on_both_sides() {
    let now = Instant::now();
    let (cl, sl) = (
        std::sync::Arc::new(MemoryLog::default()),
        std::sync::Arc::new(MemoryLog::default()),
    );
    let (mut cc, mut sc) = (v13(&configs().0), v13(&configs().1));
    cc.set_key_log(cl.clone());
    sc.set_key_log(sl.clone());
    let (mut c, mut s) = pair_of(cc, sc, now);
    let ch1 = c.poll_transmit().unwrap().to_vec();
    let random: [u8; 32] = ch1[13 + 12 + 2..13 + 12 + 34].try_into().unwrap();
    s.handle_datagram(now, &ch1).unwrap();
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let (cl, sl) = (cl.0.lock().unwrap().clone(), sl.0.lock().unwrap().clone());
    let labels: Vec<&str> = cl.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0",
            "EXPORTER_SECRET"
        ]
    );
    assert_eq!(cl, sl, "both sides log the same secrets");
    assert!(cl.iter().all(|(_, r, s)| *r == random && s.len() == 32));
}

#[test]
fn a_fragmented_server_hello_is_put_together() {
    let now = Instant::now();
    let (mut c, mut s) = pair13(now);
    let ch1 = c.poll_transmit().unwrap().to_vec();
    let flight = retry_then_flight(&mut c, &mut s, &ch1, None, now);
    // The ServerHello is the first record of the first datagram: cut it in two fragments,
    // sent second piece first, in records of their own.
    let d = &flight[0];
    let len = usize::from(u16::from_be_bytes([d[11], d[12]]));
    let (record, rest) = d.split_at(13 + len);
    let message = &record[13..];
    let body = &message[12..];
    let cut = body.len() / 2;
    let fragment = |seq: u8, offset: usize, part: &[u8]| {
        let mut f = message[..6].to_vec();
        f.extend_from_slice(&(offset as u32).to_be_bytes()[1..]);
        f.extend_from_slice(&(part.len() as u32).to_be_bytes()[1..]);
        f.extend_from_slice(part);
        let mut r = record[..11].to_vec();
        r[10] = seq;
        r.extend_from_slice(&(f.len() as u16).to_be_bytes());
        r.extend_from_slice(&f);
        r
    };
    assert_eq!(
        c.handle_datagram(now, &fragment(7, cut, &body[cut..])),
        Ok(Received::Buffered)
    );
    c.handle_datagram(now, &fragment(8, 0, &body[..cut]))
        .unwrap();
    c.handle_datagram(now, rest).unwrap();
    for d in &flight[1..] {
        c.handle_datagram(now, d).unwrap();
    }
    assert!(c.is_connected());
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(s.is_connected());
}

#[cfg(feature = "ring")]
#[test]
fn rsa_certificates_of_our_own_sign_rsa_pss_in_dtls13() {
    let now = Instant::now();
    let cert = |name| dtls::Certificate::generate_rsa(name, 2048).unwrap();
    let (mut cc, mut sc) = (
        Config::new(cert("rsa client")),
        Config::new(cert("rsa server")),
    );
    cc.max_version = ProtocolVersion::Dtls13;
    sc.max_version = ProtocolVersion::Dtls13;
    let (cfp, sfp) = (fp(&cc), fp(&sc));
    let (mut c, mut s) = unauthenticated(&cc, &sc, now);
    c.require_peer_fingerprints(vec![sfp]).unwrap();
    s.require_peer_fingerprints(vec![cfp]).unwrap();
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let (ic, is) = (connected(&mut c), connected(&mut s));
    for i in [&ic, &is] {
        assert_eq!(i.version, ProtocolVersion::Dtls13);
        assert_eq!(
            i.peer_signature_scheme,
            Some(dtls::SignatureScheme::RsaPssRsaeSha256)
        );
    }
}

/// A many-peer front end (`CookieSecret::verify_datagram`) whose configuration allows 1.3
/// answers a 1.3 offer with the same stateless HelloRetryRequest a server connection sends,
/// accepts only the second hello carrying the cookie it issued to that address, and the
/// connection it creates then speaks 1.3; capped at 1.2, it sends a HelloVerifyRequest.
#[test]
fn a_front_end_answers_a_dtls13_offer_with_a_retry_and_hands_on_a_dtls13_connection() {
    use dtls::{CookieSecret, HelloVerdict, PendingHellos};
    use std::sync::Arc;
    let now = Instant::now();
    let secret = Arc::new(CookieSecret::generate_with_rng(&mut rng(50)));
    let front = Arc::new(v13(&configs().1));
    let mut pending = PendingHellos::new();
    let mut client = Connection::client_with_rng(Arc::new(v13(&configs().0)), rng(51), now);
    client
        .require_peer_fingerprints(vec![fp(&configs().1)])
        .unwrap();
    let ch1 = client.poll_transmit().unwrap().to_vec();

    // The 1.2-capped front door challenges the same hello with a HelloVerifyRequest.
    let capped = Arc::new(configs().1.clone());
    let HelloVerdict::Challenge(hvr) =
        secret.verify_datagram(&capped, &mut pending, now, PEER, &ch1)
    else {
        panic!("a 1.2 front end challenges");
    };
    assert_eq!(handshake_type(&hvr), 3);

    let HelloVerdict::Challenge(hrr) =
        secret.verify_datagram(&front, &mut pending, now, PEER, &ch1)
    else {
        panic!("a 1.3 front end challenges too");
    };
    assert_eq!(handshake_type(&hrr), 2);
    assert_eq!(
        &hrr[13 + 12 + 2..13 + 12 + 2 + 4],
        &[0xCF, 0x21, 0xAD, 0x74]
    );
    assert!(
        hrr.len() <= ch1.len(),
        "never answer with more than was sent"
    );
    // Byte for byte what a server connection with the same secret answers.
    let mut direct =
        Connection::server_with_cookie_secret(front.clone(), rng(52), secret.clone(), PEER, now);
    direct.handle_datagram(now, &ch1).unwrap();
    assert_eq!(direct.poll_transmit().unwrap().to_vec(), hrr);
    assert!(pending.is_empty());

    client.handle_datagram(now, &hrr).unwrap();
    let ch2 = client.poll_transmit().unwrap().to_vec();
    // The cookie is bound to the address it was issued to: from elsewhere, dropped.
    assert_eq!(
        secret.verify_datagram(&front, &mut pending, now, OTHER, &ch2),
        HelloVerdict::Drop
    );
    // A cookie with one byte changed is dropped too.
    let mut forged = ch2.clone();
    let at = forged.len() - 40;
    forged[at] ^= 1;
    assert!(matches!(
        secret.verify_datagram(&front, &mut pending, now, PEER, &forged),
        HelloVerdict::Drop | HelloVerdict::Challenge(_)
    ));
    assert_eq!(
        secret.verify_datagram(&front, &mut pending, now, PEER, &ch2),
        HelloVerdict::Accept(ch2.clone())
    );
    assert!(pending.is_empty() && pending.dropped() == 0);

    let mut server = Connection::server_with_cookie_secret(front, rng(53), secret, PEER, now);
    server
        .require_peer_fingerprints(vec![fp(&configs().0)])
        .unwrap();
    server.handle_datagram(now, &ch2).unwrap();
    assert_eq!(pump(&mut client, &mut server, now), (None, None));
    assert!(client.is_connected() && server.is_connected());
    assert_eq!(connected(&mut server).version, ProtocolVersion::Dtls13);
    assert_eq!(connected(&mut client).version, ProtocolVersion::Dtls13);
}

/// From the client's first hello `ch1`: the HelloRetryRequest exchange, then the server's
/// flight, its datagrams cut to `mtu` when given.
fn retry_then_flight(
    c: &mut Connection,
    s: &mut Connection,
    ch1: &[u8],
    mtu: Option<usize>,
    now: Instant,
) -> Vec<Vec<u8>> {
    s.handle_datagram(now, ch1).unwrap();
    let hrr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hrr).unwrap();
    let ch2 = c.poll_transmit().unwrap().to_vec();
    if let Some(mtu) = mtu {
        s.set_mtu(mtu);
    }
    s.handle_datagram(now, &ch2).unwrap();
    std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect()
}

/// A fresh pair taken to the server's flight ([`retry_then_flight`], 300-byte datagrams),
/// undelivered.
fn server_flight_in_pieces(now: Instant) -> (Connection, Connection, Vec<Vec<u8>>) {
    let (mut c, mut s) = pair13(now);
    let ch1 = c.poll_transmit().unwrap().to_vec();
    let flight = retry_then_flight(&mut c, &mut s, &ch1, Some(300), now);
    assert!(flight.len() >= 3, "{} datagrams", flight.len());
    (c, s, flight)
}

fn total(datagrams: &[Vec<u8>]) -> usize {
    datagrams.iter().map(Vec::len).sum()
}

/// RFC 9147 §7.1 and §7.3: a gap in the server's flight makes the client acknowledge at
/// once what it kept; the server then sends only what that ACK left out, and the
/// handshake completes without waiting for a retransmission timer.
#[test]
fn a_gap_in_a_flight_is_acknowledged_at_once_and_only_the_rest_is_resent() {
    let now = Instant::now();
    let (mut c, mut s, flight) = server_flight_in_pieces(now);
    c.handle_datagram(now, &flight[0]).unwrap();
    assert!(c.poll_transmit().is_none(), "no gap yet: nothing to say");
    // The second datagram is lost; the third arrives and shows the gap.
    c.handle_datagram(now, &flight[2]).unwrap();
    let ack: Vec<Vec<u8>> = std::iter::from_fn(|| c.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert_eq!(ack.len(), 1, "one ACK");
    assert!(is_unified(ack[0][0]));
    s.handle_datagram(now, &ack[0]).unwrap();
    let rest: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert!(!rest.is_empty(), "the rest goes out at once");
    // Only what the ACK did not cover: not the ServerHello's datagram again.
    assert!(
        total(&rest) < total(&flight) - flight[0].len(),
        "{} bytes resent of {}",
        total(&rest),
        total(&flight)
    );
    for d in &rest {
        c.handle_datagram(now, d).unwrap();
    }
    assert!(c.is_connected(), "the client has the whole flight");
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(s.is_connected());
}

/// When the end of a flight is lost (no gap to see), the client acknowledges what came a
/// quarter of the retransmission timeout later, and the server resends only the end.
#[test]
fn a_lost_tail_is_acknowledged_after_a_quarter_timeout_and_only_the_tail_is_resent() {
    let now = Instant::now();
    let (mut c, mut s, flight) = server_flight_in_pieces(now);
    let last = flight.len() - 1;
    for d in &flight[..last] {
        c.handle_datagram(now, d).unwrap();
    }
    assert!(c.poll_transmit().is_none());
    let at = c.poll_timeout().expect("an ACK timer");
    let rto = dtls::Config::new(configs().0.certificate.clone()).initial_retransmit;
    assert!(at <= now + rto / 4, "{:?}", at - now);
    c.handle_timeout(at).unwrap();
    let ack = c.poll_transmit().expect("the ACK").to_vec();
    assert!(c.poll_transmit().is_none());
    s.handle_datagram(at, &ack).unwrap();
    let rest: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert!(!rest.is_empty());
    assert!(
        total(&rest) <= flight[last].len() + 64,
        "{} bytes resent for a {}-byte tail",
        total(&rest),
        flight[last].len()
    );
    for d in &rest {
        c.handle_datagram(at, d).unwrap();
    }
    assert!(c.is_connected());
    assert_eq!(pump(&mut c, &mut s, at), (None, None));
    assert!(s.is_connected());
}
