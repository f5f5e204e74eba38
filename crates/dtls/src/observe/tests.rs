//! The observer on real handshakes of our own connection pair (fragmented, reordered,
//! retransmitted), checked against what the connections negotiated and logged.

use super::*;
use crate::keylog::{
    CLIENT_RANDOM_LABEL, KeyLog, export_keying_material, export_srtp_keying_material,
};
use crate::{Certificate, Config, Connected, Connection, Event, SRTP_EXPORTER_LABEL};
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One key log call: label, client random, secret.
type Logged = (String, [u8; 32], Vec<u8>);

/// Keeps what a connection logged, in memory.
#[derive(Default)]
struct MemoryLog(Mutex<Vec<Logged>>);

impl KeyLog for MemoryLog {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), *client_random, secret.to_vec()));
    }
}

struct Run {
    client: Connection,
    client_info: Box<Connected>,
    server_info: Box<Connected>,
    /// Every datagram in the order it was sent, with its sender.
    wire: Vec<(Side, Vec<u8>)>,
    log: Arc<MemoryLog>,
    client_der: Vec<u8>,
    server_der: Vec<u8>,
}

fn connected(c: &mut Connection) -> Box<Connected> {
    loop {
        match c.poll_event() {
            Some(Event::Connected(info)) => return info,
            Some(_) => {}
            None => panic!("not connected"),
        }
    }
}

/// A client and a server with `cc` and `sc`, each requiring the other's fingerprint, their
/// randomness seeded from `seed` and `seed + 1`.
fn pair(cc: Config, sc: Config, seed: u8, now: Instant) -> (Connection, Connection) {
    let cfp = cc.certificate.fingerprint(HashFunction::Sha256);
    let sfp = sc.certificate.fingerprint(HashFunction::Sha256);
    let mut client =
        Connection::client_with_rng(Arc::new(cc), ChaCha20Rng::from_seed([seed; 32]), now);
    let mut server = Connection::server_with_rng(
        Arc::new(sc),
        ChaCha20Rng::from_seed([seed + 1; 32]),
        "192.0.2.1:5000".parse().unwrap(),
        now,
    );
    client.require_peer_fingerprints(vec![sfp]).unwrap();
    server.require_peer_fingerprints(vec![cfp]).unwrap();
    (client, server)
}

/// A seeded handshake with the key log on the client, flights fragmented to `mtu`, each
/// datagram handed to the peer `repeat` times (retransmissions as a capture sees them).
fn handshake(mtu: usize, suite: crate::CipherSuite, repeat: usize) -> Run {
    let now = Instant::now();
    let cert =
        |s| Certificate::generate_with_rng("obs", &mut ChaCha20Rng::from_seed([s; 32])).unwrap();
    let log = Arc::new(MemoryLog::default());
    let mut cc = Config::new(cert(1));
    // The observer reads DTLS 1.2 handshakes.
    cc.max_version = crate::ProtocolVersion::Dtls12;
    cc.mtu = mtu;
    cc.set_key_log(log.clone());
    let mut sc = Config::new(cert(2));
    sc.mtu = mtu;
    sc.cipher_suites = vec![suite];
    let (client_der, server_der) = (cc.certificate.der().to_vec(), sc.certificate.der().to_vec());
    let (mut client, mut server) = pair(cc, sc, 3, now);
    let mut wire = Vec::new();
    let pass = |from, a: &mut Connection, b: &mut Connection, wire: &mut Vec<_>| {
        while let Some(d) = a.poll_transmit() {
            let d = d.to_vec();
            for _ in 0..repeat {
                b.handle_datagram(now, &d).unwrap();
                wire.push((from, d.clone()));
            }
        }
    };
    for _ in 0..8 {
        pass(Side::Client, &mut client, &mut server, &mut wire);
        pass(Side::Server, &mut server, &mut client, &mut wire);
    }
    assert!(client.is_connected() && server.is_connected());
    // Application data after the handshake: encrypted, to be skipped.
    server.send_application_data(b"media").unwrap();
    wire.push((Side::Server, server.poll_transmit().unwrap().to_vec()));
    let client_info = connected(&mut client);
    let server_info = connected(&mut server);
    Run {
        client,
        client_info,
        server_info,
        wire,
        log,
        client_der,
        server_der,
    }
}

fn colon(der: &[u8]) -> String {
    let fp = Fingerprint::of(HashFunction::Sha256, der).to_string();
    fp.strip_prefix("sha-256 ").unwrap().to_string()
}

/// The summary a correct observer must give for `run`, from the connections themselves.
fn expected(run: &Run, server_random: [u8; 32]) -> HandshakeSummary {
    let logged = run.log.0.lock().unwrap();
    let info = &run.client_info;
    HandshakeSummary {
        version: Some(0xFEFD),
        client_random: Some(logged[0].1),
        server_random: Some(server_random),
        cipher_suite: Some(info.cipher_suite.to_u16()),
        cipher_suite_name: Some(info.cipher_suite.name()),
        srtp_profile: info.srtp_profile.and_then(|p| p.dtls_id()),
        extended_master_secret: info.extended_master_secret,
        client_fingerprint: Some(colon(&run.client_der)),
        server_fingerprint: Some(colon(&run.server_der)),
    }
}

fn observe_all<'a>(wire: impl IntoIterator<Item = &'a (Side, Vec<u8>)>) -> HandshakeObserver {
    let mut o = HandshakeObserver::new();
    for (from, d) in wire {
        o.observe(d, *from);
    }
    o
}

#[test]
fn summarises_a_fragmented_handshake_and_the_key_log_derives_its_srtp_keys() {
    let run = handshake(256, crate::CipherSuite::EcdheEcdsaAes128GcmSha256, 1);
    let o = observe_all(&run.wire);
    let s = o.summary();
    let server_random = s.server_random.expect("ServerHello seen");
    assert_eq!(s, expected(&run, server_random));
    // The certificates did not fit one datagram: reassembly was needed.
    assert!(run.client_der.len() > 256 && run.server_der.len() > 256);
    assert_eq!(
        run.server_info
            .peer_fingerprint
            .as_ref()
            .map(|f| f.to_string()),
        Some(format!("sha-256 {}", s.client_fingerprint.clone().unwrap()))
    );

    // One CLIENT_RANDOM line per handshake, and what it logged plus the observed randoms
    // give the keying material the live connection exports.
    let logged = run.log.0.lock().unwrap().clone();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].0, CLIENT_RANDOM_LABEL);
    let ms: [u8; 48] = logged[0].2.clone().try_into().unwrap();
    let len = run.client_info.srtp_profile.unwrap().keying_material_len();
    let mut material = vec![0u8; len];
    export_srtp_keying_material(
        &ms,
        &s.client_random.unwrap(),
        &server_random,
        &mut material,
    );
    let live = run
        .client
        .export_keying_material(SRTP_EXPORTER_LABEL, len)
        .unwrap();
    assert_eq!(material, live.to_vec());
    let c = o.counters();
    assert!(c.encrypted_records >= 3, "{c:?}");
    assert_eq!((c.malformed, c.retransmitted_fragments), (0, 0), "{c:?}");
}

#[test]
fn sha384_suite_and_retransmissions() {
    let run = handshake(1200, crate::CipherSuite::EcdheEcdsaAes256GcmSha384, 2);
    let o = observe_all(&run.wire);
    let s = o.summary();
    assert_eq!(s, expected(&run, s.server_random.unwrap()));
    assert!(o.counters().retransmitted_fragments > 0);
    let logged = run.log.0.lock().unwrap().clone();
    let ms: [u8; 48] = logged[0].2.clone().try_into().unwrap();
    let mut material = [0u8; 60];
    export_keying_material(
        crate::CipherSuite::EcdheEcdsaAes256GcmSha384,
        &ms,
        b"EXPORTER-test",
        &s.client_random.unwrap(),
        &s.server_random.unwrap(),
        &mut material,
    );
    let live = run
        .client
        .export_keying_material(b"EXPORTER-test", 60)
        .unwrap();
    assert_eq!(material.as_slice(), live.as_slice());
}

#[test]
fn fragments_in_any_order() {
    let run = handshake(256, crate::CipherSuite::EcdheEcdsaChacha20Poly1305Sha256, 1);
    let mut wire = run.wire.clone();
    wire.reverse();
    // Reversed, the ServerHello still arrives and every fragment is placed.
    let reversed = observe_all(&wire).summary();
    assert_eq!(reversed, expected(&run, reversed.server_random.unwrap()));
    // Only the server's datagrams: the client's half stays unknown.
    let server_only = observe_all(run.wire.iter().filter(|(s, _)| *s == Side::Server)).summary();
    assert_eq!(server_only.client_random, None);
    assert_eq!(server_only.client_fingerprint, None);
    assert_eq!(server_only.server_fingerprint, reversed.server_fingerprint);
}

#[test]
fn garbage_is_counted_never_fatal() {
    let run = handshake(256, crate::CipherSuite::EcdheEcdsaAes128GcmSha256, 1);
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let mut o = HandshakeObserver::new();
    // Truncations and bit flips of every real datagram, and random bytes, from both sides.
    for (from, d) in &run.wire {
        for cut in [0, 1, 13, 25, d.len() / 2] {
            o.observe(&d[..cut.min(d.len())], *from);
        }
        let mut flipped = d.clone();
        let i = rng.next_u32() as usize % d.len();
        flipped[i] ^= 1 << (rng.next_u32() % 8);
        o.observe(&flipped, *from);
        let mut noise = vec![0u8; rng.next_u32() as usize % 1500];
        rng.fill_bytes(&mut noise);
        o.observe(&noise, *from);
    }
    assert!(o.counters().malformed > 0);
    // A handshake record claiming message_seq 70, and one of a 40 kB message.
    let mut o = HandshakeObserver::new();
    let mut rec = vec![22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13];
    rec.extend([11, 0, 0, 1, 0, 70, 0, 0, 0, 0, 0, 1, 0]);
    o.observe(&rec, Side::Server);
    let mut big = vec![22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13];
    big.extend([11, 0, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    o.observe(&big, Side::Server);
    assert_eq!(o.counters().malformed, 2);
    assert_eq!(o.summary(), HandshakeSummary::default());
}

#[test]
fn suite_names() {
    assert_eq!(
        cipher_suite_name(0xC02B),
        Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(
        cipher_suite_name(0xC02F),
        Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(cipher_suite_name(0x1301), None);
}

/// A DTLS 1.3 handshake (the default) is named as 1.3, with its randoms and suite; its
/// SRTP profile and certificates are encrypted, so they stay unknown.
#[test]
fn a_dtls13_handshake_is_named_as_such() {
    let now = Instant::now();
    let cert =
        |s| Certificate::generate_with_rng("obs", &mut ChaCha20Rng::from_seed([s; 32])).unwrap();
    let (mut client, mut server) = pair(Config::new(cert(5)), Config::new(cert(6)), 7, now);
    let mut o = HandshakeObserver::new();
    for _ in 0..8 {
        while let Some(d) = client.poll_transmit() {
            let d = d.to_vec();
            o.observe(&d, Side::Client);
            server.handle_datagram(now, &d).unwrap();
        }
        while let Some(d) = server.poll_transmit() {
            let d = d.to_vec();
            o.observe(&d, Side::Server);
            client.handle_datagram(now, &d).unwrap();
        }
    }
    let info = connected(&mut client);
    let s = o.summary();
    assert_eq!(s.version, Some(0xFEFC));
    assert_eq!(s.cipher_suite, Some(info.cipher_suite.to_u16()));
    assert!(s.client_random.is_some() && s.server_random.is_some());
    assert_eq!(s.srtp_profile, None);
    assert_eq!(s.client_fingerprint, None);
    assert_eq!(s.server_fingerprint, None);
}

/// A tls12_cid record (RFC 9146) counts as encrypted, not malformed: its CID length is
/// the receiver's, so the observer stops at it.
#[test]
fn a_connection_id_record_is_encrypted_not_malformed() {
    let mut o = HandshakeObserver::new();
    let d = [
        25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 2, 0xAB, 0xCD, 0, 1, 0x99,
    ];
    o.observe(&d, Side::Client);
    let c = o.counters();
    assert_eq!((c.records, c.encrypted_records, c.malformed), (1, 1, 0));
}
