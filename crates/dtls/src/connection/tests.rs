//! Failure paths that need to reach inside the connection.

use super::*;
use crate::cert::Certificate;
use crate::codec::Writer;
use crate::cookie;
use crate::handshake::HandshakeType;
use crate::handshake::encode_message;
use crate::record::{self, ContentType};
use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;

fn pair(now: Instant, client_cert: bool) -> (Connection, Connection) {
    let cert =
        |s| Certificate::generate_with_rng("t", &mut ChaCha20Rng::from_seed([s; 32])).unwrap();
    let mut sc = Config::new(cert(2));
    sc.require_client_certificate = client_cert;
    sc.max_version = crate::ProtocolVersion::Dtls12;
    let mut cc = Config::new(cert(1));
    cc.max_version = crate::ProtocolVersion::Dtls12;
    let (cfp, sfp) = (
        cc.certificate.fingerprint(HashFunction::Sha256),
        sc.certificate.fingerprint(HashFunction::Sha256),
    );
    let mut client =
        Connection::client_with_rng(Arc::new(cc), ChaCha20Rng::from_seed([3; 32]), now);
    let mut server = Connection::server_with_rng(
        Arc::new(sc),
        ChaCha20Rng::from_seed([4; 32]),
        "192.0.2.1:5000".parse().unwrap(),
        now,
    );
    client.require_peer_fingerprints(vec![sfp]).unwrap();
    if client_cert {
        server.require_peer_fingerprints(vec![cfp]).unwrap();
    } else {
        server.dangerous_accept_any_peer_certificate();
    }
    (client, server)
}

/// `rounds` times, hands every datagram the client has to the server and back.
fn exchange(client: &mut Connection, server: &mut Connection, now: Instant, rounds: usize) {
    for _ in 0..rounds {
        while let Some(d) = client.poll_transmit() {
            server.handle_datagram(now, d).unwrap();
        }
        while let Some(d) = server.poll_transmit() {
            client.handle_datagram(now, d).unwrap();
        }
    }
}

/// A pair without client authentication whose client has just written flight 5, and that
/// flight, not yet delivered.
fn at_flight_5(now: Instant) -> (Connection, Connection, Vec<u8>) {
    let (mut client, mut server) = pair(now, false);
    exchange(&mut client, &mut server, now, 2);
    let flight5 = client.poll_transmit().unwrap().to_vec();
    (client, server, flight5)
}

#[test]
fn wrong_client_finished_fails_with_decrypt_error_and_no_keys() {
    let now = Instant::now();
    let (mut client, mut server, flight5) = at_flight_5(now);
    let recs: Vec<_> = record::records(&flight5).map(|r| r.unwrap()).collect();
    assert_eq!(
        recs.len(),
        3,
        "ClientKeyExchange, ChangeCipherSpec, Finished"
    );
    let cke_len = record::RECORD_HEADER_LEN + recs[0].fragment.len();
    server.handle_datagram(now, &flight5[..cke_len]).unwrap();
    // The server's view of the handshake now differs from the client's.
    server.hs.transcript.push(0);
    let err = server
        .handle_datagram(now, &flight5[cke_len..])
        .unwrap_err();
    assert_eq!(err, Error::BadFinished);
    assert_eq!(err.alert(), AlertDescription::DecryptError);
    assert!(matches!(server.phase, Phase::Failed) && server.hs.transcript.is_empty());
    assert!(server.export_keying_material(b"x", 4).is_err());
    // The server has not sent its ChangeCipherSpec, so the alert goes out in epoch 0.
    let alert = server.poll_transmit().unwrap().to_vec();
    assert_eq!(alert, [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 2, 51]);
    assert_eq!(
        client.handle_datagram(now, &alert).unwrap_err(),
        Error::PeerAlert(AlertDescription::DecryptError)
    );
}

#[test]
fn renegotiation_is_refused_with_a_warning() {
    let now = Instant::now();
    let (mut client, mut server) = pair(now, true);
    exchange(&mut client, &mut server, now, 4);
    assert!(client.is_connected() && server.is_connected());
    server.begin_flight();
    server.add_message(&HandshakeMessage::HelloRequest, false);
    server.send_flight(now);
    let d = server.poll_transmit().unwrap().to_vec();
    client.handle_datagram(now, &d).unwrap();
    assert!(client.is_connected());
    let alert = client.poll_transmit().unwrap().to_vec();
    assert_eq!(&alert[..5], &[21, 0xFE, 0xFD, 0, 1], "an encrypted alert");
    while server.poll_event().is_some() {}
    server.handle_datagram(now, &alert).unwrap();
    assert!(matches!(
        server.poll_event(),
        Some(Event::AlertReceived(Alert {
            level: AlertLevel::Warning,
            description: AlertDescription::NoRenegotiation
        }))
    ));
    assert!(server.is_connected());
}

#[test]
fn new_session_ticket_is_accepted_and_ignored() {
    let now = Instant::now();
    // The server takes the client's ClientKeyExchange and ChangeCipherSpec, so it holds
    // the keys; its last flight is then written by hand with a NewSessionTicket first
    // (RFC 5077 §3.3), which the server's Finished covers.
    let (mut client, mut server, flight5) = at_flight_5(now);
    let recs: Vec<_> = record::records(&flight5).map(|r| r.unwrap()).collect();
    let upto_ccs = 2 * record::RECORD_HEADER_LEN + recs[0].fragment.len() + 1;
    server.handle_datagram(now, &flight5[..upto_ccs]).unwrap();
    let mut ticket_body = Vec::new();
    HandshakeMessage::NewSessionTicket.write_body(&mut ticket_body);
    let seq = server.next_send_seq;
    let ticket = encode_message(HandshakeType::NewSessionTicket, seq, &ticket_body);
    let mut transcript = client.hs.transcript.clone();
    transcript.extend_from_slice(&ticket);
    let Phase::ClientWaitChangeCipherSpec { keys, .. } = &client.phase else {
        panic!("the client waits for the server's ChangeCipherSpec");
    };
    let verify_data = keys.finished_data(false, &transcript);
    let finished = encode_message(HandshakeType::Finished, seq + 1, &verify_data);
    let mut datagram = Vec::new();
    server
        .seal_record(0, ContentType::Handshake, &ticket, &mut datagram)
        .unwrap();
    server
        .seal_record(0, ContentType::ChangeCipherSpec, &[1], &mut datagram)
        .unwrap();
    server
        .seal_record(1, ContentType::Handshake, &finished, &mut datagram)
        .unwrap();
    client.handle_datagram(now, &datagram).unwrap();
    assert!(client.is_connected());
}

/// The ClientHello datagram of a fresh client seeded with `seed`.
fn hello_from(config: &Arc<Config>, seed: u64, now: Instant) -> Vec<u8> {
    let mut s = [9u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    let mut c = Connection::client_with_rng(config.clone(), ChaCha20Rng::from_seed(s), now);
    c.poll_transmit().unwrap().to_vec()
}

/// The same ClientHello sent as two fragments in one datagram.
fn fragmented(hello: &[u8]) -> Vec<u8> {
    let body = &hello[record::RECORD_HEADER_LEN + 12..];
    let (a, b) = body.split_at(body.len() / 2);
    let mut out = Vec::new();
    for (offset, part) in [(0, a), (a.len(), b)] {
        let mut frag = hello[13..19].to_vec(); // type, length, message_seq
        frag.put_u24(offset as u32);
        frag.put_u24(part.len() as u32);
        frag.extend_from_slice(part);
        let mut rec = hello[..11].to_vec();
        rec.extend_from_slice(&(frag.len() as u16).to_be_bytes());
        rec.extend_from_slice(&frag);
        out.extend_from_slice(&rec);
    }
    out
}

#[test]
fn a_flood_of_hellos_without_cookies_leaves_no_state() {
    let now = Instant::now();
    let (_, mut server) = pair(now, true);
    let client_cfg = Arc::new(Config::new(
        Certificate::generate_with_rng("c", &mut ChaCha20Rng::from_seed([1; 32])).unwrap(),
    ));
    let secret = CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([7; 32]));
    let mut pending = cookie::PendingHellos::new();
    let front = server.config.clone();
    let mut challenges = 0;
    for i in 0..10_000u64 {
        let hello = hello_from(&client_cfg, i, now);
        // A front end answers every address and remembers none of them: a hello that
        // comes whole, or in fragments that all arrive, leaves nothing behind.
        let address: std::net::SocketAddr = format!("203.0.113.{}:{}", i % 250, 1024 + i)
            .parse()
            .unwrap();
        for datagram in [hello.clone(), fragmented(&hello)] {
            match secret.verify_datagram(&front, &mut pending, now, address, &datagram) {
                cookie::HelloVerdict::Challenge(hvr) => {
                    assert_eq!(hvr[13], 3);
                    assert!(hvr.len() <= datagram.len());
                    challenges += 1;
                }
                other => panic!("hello {i}: {other:?}"),
            }
            assert!(pending.is_empty());
            // A server connection does the same: a HelloVerifyRequest, and no state.
            server.handle_datagram(now, &datagram).unwrap();
            assert_eq!(server.poll_transmit().unwrap().to_vec()[13], 3);
            assert!(server.hello_fragments.is_none());
        }
    }
    assert_eq!(challenges, 20_000);
    assert_eq!(pending.dropped(), 0);
    assert!(matches!(server.phase, Phase::ServerWaitClientHello { .. }));
    assert_eq!(server.reassembler.buffered_bytes(), 0);
    assert!(server.early_records.is_empty() && server.flight.is_empty());
    assert!(server.hs.transcript.is_empty());
    assert_eq!((server.next_recv_seq, server.next_send_seq), (0, 0));
    assert_eq!(server.write_seq, [0, 0]);
}

#[test]
fn early_encrypted_records_are_bounded() {
    let now = Instant::now();
    let (mut client, mut server) = pair(now, false);
    exchange(&mut client, &mut server, now, 2);
    // Epoch-1 records before the ChangeCipherSpec wait, but only a few of them.
    let junk = [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 3, 1, 2, 3];
    for _ in 0..10 {
        client.handle_datagram(now, &junk).unwrap();
    }
    assert_eq!(client.early_records.len(), MAX_EARLY_RECORDS);
    // Once the keys switch, they are opened, fail to authenticate and are dropped.
    let flight5 = client.poll_transmit().unwrap().to_vec();
    server.handle_datagram(now, &flight5).unwrap();
    while let Some(d) = server.poll_transmit() {
        client.handle_datagram(now, d).unwrap();
    }
    assert!(client.is_connected());
    assert!(client.early_records.is_empty());
}

#[test]
fn the_write_sequence_never_wraps() {
    let now = Instant::now();
    let (mut client, mut server) = pair(now, true);
    exchange(&mut client, &mut server, now, 8);
    assert!(client.is_connected() && server.is_connected());
    client.write_seq[1] = record::MAX_SEQUENCE_NUMBER;
    // The last sequence number, 2^48 - 1, is still used...
    client.send_application_data(b"last").unwrap();
    let d = client.poll_transmit().unwrap().to_vec();
    assert_eq!(&d[3..11], &[0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    server.handle_datagram(now, &d).unwrap();
    while client.poll_event().is_some() {}
    // ...and the next record would reuse one: the connection fails instead, with no alert
    // (it would need a sequence number too) and no keys.
    assert_eq!(
        client.send_application_data(b"wrapped"),
        Err(Error::SequenceNumberExhausted)
    );
    assert!(client.poll_transmit().is_none());
    assert!(client.is_failed());
    assert!(client.srtp_keys().is_err());
    // Reported once, by the call that failed: no event repeats it.
    assert_eq!(client.state(), State::Failed);
    assert!(std::iter::from_fn(|| client.poll_event()).next().is_none());
    // Alerts and close_notify never wrap either.
    client.close();
    assert!(client.poll_transmit().is_none());
}

/// A fork continues exactly as the original: fed the same flight, both answer with the
/// same bytes and reach the same state, and neither disturbs the other.
#[cfg(feature = "fuzzing")]
#[test]
fn a_fork_continues_like_the_original() {
    let now = Instant::now();
    let (_client, mut server, flight5) = at_flight_5(now);
    let seeded = || ChaCha20Rng::from_seed([8; 32]);
    let mut fork = server.fork(Box::new(seeded()));
    let mut other = server.fork(Box::new(seeded()));
    // Spoil one copy: the others do not notice.
    other
        .handle_datagram(now, &[22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 99])
        .unwrap();
    assert_eq!(other.dropped_records(), server.dropped_records() + 1);
    server.handle_datagram(now, &flight5).unwrap();
    fork.handle_datagram(now, &flight5).unwrap();
    assert!(server.is_connected() && fork.is_connected());
    let drain = |c: &mut Connection| {
        std::iter::from_fn(|| c.poll_transmit().map(<[u8]>::to_vec)).collect::<Vec<_>>()
    };
    let (a, b) = (drain(&mut server), drain(&mut fork));
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_eq!(
        *server
            .export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
            .unwrap(),
        *fork
            .export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
            .unwrap()
    );
}

/// A connected DTLS 1.3 pair, with connection IDs (each side asks for `[7]`) or without.
fn connected13(now: Instant, cid: bool) -> (Connection, Connection) {
    let cert =
        |s| Certificate::generate_with_rng("t", &mut ChaCha20Rng::from_seed([s; 32])).unwrap();
    let config = |s| {
        let mut c = Config::new(cert(s));
        c.connection_id = cid.then(|| crate::ConnectionId::new([7]).unwrap());
        Arc::new(c)
    };
    let mut client = Connection::client_with_rng(config(1), ChaCha20Rng::from_seed([3; 32]), now);
    let mut server = Connection::server_with_rng(
        config(2),
        ChaCha20Rng::from_seed([4; 32]),
        "192.0.2.1:5000".parse().unwrap(),
        now,
    );
    client.dangerous_accept_any_peer_certificate();
    server.dangerous_accept_any_peer_certificate();
    exchange(&mut client, &mut server, now, 4);
    assert!(client.is_connected() && server.is_connected());
    assert_eq!(
        client.protocol_version(),
        Some(crate::ProtocolVersion::Dtls13)
    );
    assert_eq!(client.peer_connection_id().is_some(), cid);
    while client.poll_event().is_some() {}
    (client, server)
}

/// The server sends the client one post-handshake message in epoch 3; returns its datagram.
fn post_handshake13(server: &mut Connection, msg_type: u8, body: &[u8], now: Instant) -> Vec<u8> {
    let s = server.v13.as_mut().unwrap();
    s.begin_flight(true);
    s.add_message(3, msg_type, body, false);
    s.send_flight_with_timer(now);
    server.poll_transmit().unwrap().to_vec()
}

/// RFC 9147 §9: with CIDs negotiated, NewConnectionId and RequestConnectionId are
/// acknowledged and change nothing (we keep the handshake's CIDs); malformed, or without
/// CIDs negotiated, they end the association with the right error, never a panic.
#[test]
fn connection_id_messages_are_acknowledged_or_refused() {
    use crate::v13::messages::ty;
    let now = Instant::now();
    let (mut client, mut server) = connected13(now, true);
    // NewConnectionId: one CID (09), cid_immediate.
    let d = post_handshake13(&mut server, ty::NEW_CONNECTION_ID, &[0, 2, 1, 9, 0], now);
    assert_eq!(client.handle_datagram(now, &d), Ok(Received::Processed));
    assert!(client.is_connected());
    assert!(client.poll_transmit().is_some(), "an ACK");
    assert_eq!(client.peer_connection_id().unwrap().as_bytes(), &[7]);
    let d = post_handshake13(&mut server, ty::REQUEST_CONNECTION_ID, &[2], now);
    assert_eq!(client.handle_datagram(now, &d), Ok(Received::Processed));
    assert!(client.is_connected());
    assert_eq!(client.local_connection_id().unwrap().as_bytes(), &[7]);
    // A NewConnectionId whose CID runs past the list.
    let d = post_handshake13(&mut server, ty::NEW_CONNECTION_ID, &[0, 2, 5, 9, 0], now);
    assert_eq!(
        client.handle_datagram(now, &d),
        Err(Error::Truncated {
            what: "NewConnectionId",
            needed: 5,
            got: 1
        })
    );
    assert_eq!(client.state(), State::Failed);

    let (mut client, mut server) = connected13(now, false);
    let d = post_handshake13(&mut server, ty::NEW_CONNECTION_ID, &[0, 2, 1, 9, 0], now);
    assert!(matches!(
        client.handle_datagram(now, &d),
        Err(Error::UnexpectedMessage { .. })
    ));
    let (mut client, mut server) = connected13(now, false);
    let d = post_handshake13(&mut server, ty::REQUEST_CONNECTION_ID, &[1], now);
    assert!(matches!(
        client.handle_datagram(now, &d),
        Err(Error::UnexpectedMessage { .. })
    ));
}
