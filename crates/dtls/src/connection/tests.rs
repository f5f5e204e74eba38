//! Failure paths that need to reach inside the connection.

use super::*;
use crate::cert::Certificate;
use crate::handshake::HandshakeType;
use crate::random::ChaChaRandom;

fn pair(now: Instant, client_cert: bool) -> (Connection, Connection) {
    let cert = |s| Certificate::generate("t", &mut ChaChaRandom::from_seed([s; 32])).unwrap();
    let mut sc = Config::new(cert(2));
    sc.require_client_certificate = client_cert;
    let client = Connection::client(
        Arc::new(Config::new(cert(1))),
        Box::new(ChaChaRandom::from_seed([3; 32])),
        now,
    );
    let server = Connection::server(
        Arc::new(sc),
        Box::new(ChaChaRandom::from_seed([4; 32])),
        b"peer",
        now,
    );
    (client, server)
}

#[test]
fn wrong_client_finished_fails_with_decrypt_error_and_no_keys() {
    let now = Instant::now();
    let (mut client, mut server) = pair(now, false);
    for _ in 0..2 {
        let d = client.poll_transmit().unwrap();
        server.handle_datagram(now, &d).unwrap();
        let d = server.poll_transmit().unwrap();
        client.handle_datagram(now, &d).unwrap();
    }
    let flight5 = client.poll_transmit().unwrap();
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
    assert!(server.session.is_none() && server.hs.master_secret.is_none());
    assert!(server.export_keying_material(b"x", 4).is_err());
    // The server has not sent its ChangeCipherSpec, so the alert goes out in epoch 0.
    let alert = server.poll_transmit().unwrap();
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
    for _ in 0..4 {
        while let Some(d) = client.poll_transmit() {
            server.handle_datagram(now, &d).unwrap();
        }
        while let Some(d) = server.poll_transmit() {
            client.handle_datagram(now, &d).unwrap();
        }
    }
    assert!(client.is_connected() && server.is_connected());
    server.begin_flight();
    server.add_message(&HandshakeMessage::HelloRequest, false);
    server.send_flight();
    let d = server.poll_transmit().unwrap();
    client.handle_datagram(now, &d).unwrap();
    assert!(client.is_connected());
    let alert = client.poll_transmit().unwrap();
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
    let (mut client, mut server) = pair(now, false);
    for _ in 0..2 {
        let d = client.poll_transmit().unwrap();
        server.handle_datagram(now, &d).unwrap();
        let d = server.poll_transmit().unwrap();
        client.handle_datagram(now, &d).unwrap();
    }
    // The server takes the client's ClientKeyExchange and ChangeCipherSpec, so it holds
    // the keys; its last flight is then written by hand with a NewSessionTicket first
    // (RFC 5077 §3.3), which the server's Finished covers.
    let flight5 = client.poll_transmit().unwrap();
    let recs: Vec<_> = record::records(&flight5).map(|r| r.unwrap()).collect();
    let upto_ccs = 2 * record::RECORD_HEADER_LEN + recs[0].fragment.len() + 1;
    server.handle_datagram(now, &flight5[..upto_ccs]).unwrap();
    let mut ticket_body = Vec::new();
    HandshakeMessage::NewSessionTicket.write_body(&mut ticket_body);
    let seq = server.next_send_seq;
    let ticket = encode_message(HandshakeType::NewSessionTicket, seq, &ticket_body);
    let mut transcript = client.hs.transcript.clone();
    transcript.extend_from_slice(&ticket);
    let suite = client.hs.suite.unwrap();
    let ms = client.hs.master_secret.as_ref().unwrap();
    let verify_data = prf::verify_data(suite.prf_hash(), ms, false, &transcript);
    let finished = encode_message(HandshakeType::Finished, seq + 1, &verify_data);
    let mut datagram = server.seal_record(0, ContentType::Handshake, &ticket);
    datagram.extend(server.seal_record(0, ContentType::ChangeCipherSpec, &[1]));
    datagram.extend(server.seal_record(1, ContentType::Handshake, &finished));
    client.handle_datagram(now, &datagram).unwrap();
    assert!(client.is_connected());
}
