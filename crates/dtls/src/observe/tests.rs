//! The observer on real handshakes of our own connection pair (fragmented, reordered,
//! retransmitted), checked against what the connections negotiated and logged.

use super::*;
use crate::keylog::{
    CLIENT_RANDOM_LABEL, Dtls13Secret, KeyLog, KeyLogEntries, export_dtls13_keying_material,
    export_dtls13_srtp_keying_material, export_keying_material, export_srtp_keying_material,
    format_line,
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

/// Runs the handshake between `client` and `server` to the end, each datagram handed to
/// the peer `repeat` times (retransmissions as a capture sees them; a repeat may be
/// refused, as a replay), then one application-data datagram from the server, which an
/// observer must skip; returns everything on the wire in order.
fn play(
    client: &mut Connection,
    server: &mut Connection,
    repeat: usize,
    now: Instant,
) -> Vec<(Side, Vec<u8>)> {
    let mut wire = Vec::new();
    let pass = |from, a: &mut Connection, b: &mut Connection, wire: &mut Vec<_>| {
        while let Some(d) = a.poll_transmit() {
            let d = d.to_vec();
            for _ in 0..repeat {
                let _ = b.handle_datagram(now, &d);
                wire.push((from, d.clone()));
            }
        }
    };
    for _ in 0..8 {
        pass(Side::Client, client, server, &mut wire);
        pass(Side::Server, server, client, &mut wire);
    }
    assert!(client.is_connected() && server.is_connected());
    server.send_application_data(b"media").unwrap();
    wire.push((Side::Server, server.poll_transmit().unwrap().to_vec()));
    wire
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
    let wire = play(&mut client, &mut server, repeat, now);
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
    assert_eq!(cipher_suite_name(0x1301), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(
        cipher_suite_name(0x1303),
        Some("TLS_CHACHA20_POLY1305_SHA256")
    );
    assert_eq!(cipher_suite_name(0x00FF), None);
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
    // A DTLS 1.3 unified header with its C bit (RFC 9147 §9) likewise.
    o.observe(&[0x3E, 0xAB, 0xCD, 0, 1, 0, 3, 1, 2, 3], Side::Server);
    let c = o.counters();
    assert_eq!((c.records, c.encrypted_records, c.malformed), (2, 2, 0));
}

/// A DTLS 1.3 handshake (the default version) between our client and server, both
/// logging to one in-memory key log, their configurations listing only `suite`, flights
/// fragmented to `mtu`, each datagram handed to the peer `repeat` times.
struct Run13 {
    client: Connection,
    server: Connection,
    client_info: Box<Connected>,
    server_info: Box<Connected>,
    wire: Vec<(Side, Vec<u8>)>,
    /// The key log as a file would hold it, parsed.
    entries: Arc<KeyLogEntries>,
    client_random: [u8; 32],
}

fn handshake13(mtu: usize, suite: crate::CipherSuite, repeat: usize, seed: u8) -> Run13 {
    let now = Instant::now();
    let cert =
        |s| Certificate::generate_with_rng("obs13", &mut ChaCha20Rng::from_seed([s; 32])).unwrap();
    let log = Arc::new(MemoryLog::default());
    let config = |s| {
        let mut c = Config::new(cert(s));
        c.mtu = mtu;
        c.cipher_suites = vec![suite];
        c.set_key_log(log.clone());
        c
    };
    let (mut client, mut server) = pair(config(seed), config(seed + 1), seed + 2, now);
    let wire = play(&mut client, &mut server, repeat, now);
    let client_info = connected(&mut client);
    let server_info = connected(&mut server);
    assert_eq!(client_info.version, crate::ProtocolVersion::Dtls13);
    let logged = log.0.lock().unwrap().clone();
    // Both endpoints log the five secrets of the one handshake.
    assert_eq!(logged.len(), 10);
    let client_random = logged[0].1;
    let text: String = logged
        .iter()
        .map(|(label, random, secret)| format_line(label, random, secret))
        .collect();
    let entries = KeyLogEntries::parse(&text);
    assert_eq!((entries.len(), entries.skipped_lines()), (5, 0));
    Run13 {
        client,
        server,
        client_info,
        server_info,
        wire,
        entries: Arc::new(entries),
        client_random,
    }
}

fn observe13<'a>(
    entries: &Arc<KeyLogEntries>,
    wire: impl IntoIterator<Item = &'a (Side, Vec<u8>)>,
) -> HandshakeObserver {
    let mut o = HandshakeObserver::with_key_log(entries.clone());
    for (from, d) in wire {
        o.observe(d, *from);
    }
    o
}

/// What each connection's `Connected` event says the observer must report.
fn check_against_connected(run: &Run13, s: &HandshakeSummary) {
    let (c, sv) = (&run.client_info, &run.server_info);
    assert_eq!(s.version, Some(0xFEFC));
    assert_eq!(s.client_random, Some(run.client_random));
    assert_eq!(s.cipher_suite, Some(c.cipher_suite.to_u16()));
    assert_eq!(s.cipher_suite, Some(sv.cipher_suite.to_u16()));
    assert_eq!(s.cipher_suite_name, Some(c.cipher_suite.name()));
    let profile = c.srtp_profile.and_then(|p| p.dtls_id());
    assert!(profile.is_some());
    assert_eq!(s.srtp_profile, profile);
    assert_eq!(s.srtp_profile, sv.srtp_profile.and_then(|p| p.dtls_id()));
    // The client's certificate is what the server authenticated, and the other way round.
    let fp = |info: &Connected| {
        let f = info.peer_fingerprint.as_ref().unwrap().to_string();
        f.strip_prefix("sha-256 ").unwrap().to_string()
    };
    assert_eq!(s.client_fingerprint, Some(fp(sv)));
    assert_eq!(s.server_fingerprint, Some(fp(c)));
    assert_eq!(
        s.client_fingerprint,
        Some(colon(sv.peer_certificate.as_ref().unwrap()))
    );
    assert_ne!(s.client_fingerprint, s.server_fingerprint);
}

#[test]
fn decrypts_a_dtls13_handshake_with_the_key_log_for_both_suites() {
    for (suite, mtu) in [
        (crate::CipherSuite::EcdheEcdsaAes128GcmSha256, 256),
        (crate::CipherSuite::EcdheEcdsaChacha20Poly1305Sha256, 1200),
    ] {
        let run = handshake13(mtu, suite, 1, 20);
        let o = observe13(&run.entries, &run.wire);
        let s = o.summary();
        check_against_connected(&run, &s);
        let c = o.counters();
        assert!(c.decrypted_records >= 4, "{c:?}");
        assert_eq!((c.undecryptable_records, c.malformed), (0, 0), "{c:?}");
        // The server's ACK and application data (epoch 3) are not opened.
        assert!(c.encrypted_records > c.decrypted_records, "{c:?}");

        // The logged exporter secret gives what both live connections export.
        let tls13 = run.client_info.cipher_suite.to_u16();
        let exporter = run
            .entries
            .dtls13_secret(Dtls13Secret::Exporter, &run.client_random)
            .unwrap();
        let len = run.client_info.srtp_profile.unwrap().keying_material_len();
        let mut material = vec![0u8; len];
        export_dtls13_srtp_keying_material(tls13, exporter, &mut material).unwrap();
        for live in [&run.client, &run.server] {
            let exported = live
                .export_keying_material(SRTP_EXPORTER_LABEL, len)
                .unwrap();
            assert_eq!(material, exported.to_vec());
        }
        let keys = srtp::DtlsSrtpKeys::from_keying_material(
            run.client_info.srtp_profile.unwrap(),
            &material,
        )
        .unwrap();
        assert_eq!(
            format!("{:?}", Some(keys)),
            format!("{:?}", run.server_info.srtp_keys)
        );
        let mut other = [0u8; 50];
        export_dtls13_keying_material(tls13, exporter, b"EXPORTER-test", &mut other).unwrap();
        assert_eq!(
            other.to_vec(),
            run.server
                .export_keying_material(b"EXPORTER-test", 50)
                .unwrap()
                .to_vec()
        );
    }
}

#[test]
fn dtls13_reordered_repeated_and_one_sided() {
    let run = handshake13(256, crate::CipherSuite::EcdheEcdsaAes128GcmSha256, 2, 30);
    // Every datagram twice: retransmissions as a capture sees them.
    let o = observe13(&run.entries, &run.wire);
    check_against_connected(&run, &o.summary());
    assert!(o.counters().retransmitted_fragments > 0);
    assert_eq!(o.counters().undecryptable_records, 0);
    // Reversed: the epoch-2 records come before the hellos that name their keys and are
    // held until then.
    let mut reversed = run.wire.clone();
    reversed.reverse();
    let o = observe13(&run.entries, &reversed);
    check_against_connected(&run, &o.summary());
    assert_eq!(o.counters().undecryptable_records, 0, "{:?}", o.counters());
    // Only the server's datagrams: no ClientHello, so no client random to find the keys by.
    let server_only = observe13(
        &run.entries,
        run.wire.iter().filter(|(s, _)| *s == Side::Server),
    );
    let s = server_only.summary();
    assert_eq!((s.srtp_profile, &s.server_fingerprint), (None, &None));
    assert_eq!(server_only.counters().decrypted_records, 0);
}

#[test]
fn dtls13_without_the_right_secrets_reports_what_it_did_before() {
    let run = handshake13(1200, crate::CipherSuite::EcdheEcdsaAes128GcmSha256, 1, 40);
    let plain = observe_all(&run.wire);
    let without = plain.summary();
    assert_eq!(without.version, Some(0xFEFC));
    assert_eq!(
        without.cipher_suite,
        Some(run.client_info.cipher_suite.to_u16())
    );
    assert_eq!(without.client_random, Some(run.client_random));
    assert!(without.server_random.is_some());
    assert_eq!(
        (
            &without.srtp_profile,
            &without.client_fingerprint,
            &without.server_fingerprint
        ),
        (&None, &None, &None)
    );
    let c = plain.counters();
    assert_eq!(
        (c.decrypted_records, c.undecryptable_records, c.malformed),
        (0, 0, 0),
        "{c:?}"
    );
    assert!(c.encrypted_records > 0);

    // A key log of another handshake, and one whose secrets are wrong: nothing opens, every
    // epoch-2 record is counted, the summary is the key-log-free one.
    let other = format_line(
        crate::keylog::CLIENT_HANDSHAKE_TRAFFIC_SECRET,
        &[1; 32],
        &[2; 32],
    );
    let mut wrong = String::new();
    for which in Dtls13Secret::ALL {
        wrong += &format_line(which.label(), &run.client_random, &[3; 32]);
    }
    for text in [other, wrong] {
        let o = observe13(&Arc::new(KeyLogEntries::parse(&text)), &run.wire);
        assert_eq!(o.summary(), without);
        let c = o.counters();
        assert_eq!(c.decrypted_records, 0);
        assert!(c.undecryptable_records >= 2, "{c:?}");
        assert_eq!(c.malformed, 0);
    }
    // Only the server's secret: its flight opens (profile, server certificate), the
    // client's does not.
    let server_secret = run
        .entries
        .dtls13_secret(Dtls13Secret::ServerHandshakeTraffic, &run.client_random)
        .unwrap();
    let text = format_line(
        crate::keylog::SERVER_HANDSHAKE_TRAFFIC_SECRET,
        &run.client_random,
        server_secret,
    );
    let o = observe13(&Arc::new(KeyLogEntries::parse(&text)), &run.wire);
    let s = o.summary();
    assert!(s.srtp_profile.is_some() && s.server_fingerprint.is_some());
    assert_eq!(s.client_fingerprint, None);
    assert!(o.counters().undecryptable_records > 0);
}

#[test]
fn dtls13_garbage_with_a_key_log_is_counted_never_fatal() {
    let run = handshake13(
        256,
        crate::CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        1,
        50,
    );
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let mut o = HandshakeObserver::with_key_log(run.entries.clone());
    // Each real datagram, then its truncations, a bit flip and noise with an epoch-2
    // unified header: the flipped and the noise records do not open.
    for (from, d) in &run.wire {
        o.observe(d, *from);
        for cut in [0, 1, 5, 13, d.len() / 2] {
            o.observe(&d[..cut.min(d.len())], *from);
        }
        let mut flipped = d.clone();
        let i = 5 + rng.next_u32() as usize % (d.len() - 5);
        flipped[i] ^= 1 << (rng.next_u32() % 8);
        o.observe(&flipped, *from);
        let mut noise = vec![0u8; 1 + rng.next_u32() as usize % 1500];
        rng.fill_bytes(&mut noise);
        noise[0] = 0x2E;
        o.observe(&noise, *from);
    }
    let c = o.counters();
    assert!(c.undecryptable_records > 0 && c.malformed > 0, "{c:?}");
    assert!(c.decrypted_records > 0, "{c:?}");
    // Held records stay within their bound: epoch-2 noise before any hello.
    let mut o = HandshakeObserver::with_key_log(run.entries.clone());
    for _ in 0..100 {
        let mut noise = vec![0u8; 1000];
        rng.fill_bytes(&mut noise);
        noise[..5].copy_from_slice(&[0x2E, 0, 0, 0x03, 0xE0]);
        noise.truncate(5 + 0x3E0);
        o.observe(&noise, Side::Server);
    }
    assert!(o.pending_bytes <= MAX_PENDING_PROTECTED_BYTES);
    assert_eq!(
        o.counters().undecryptable_records,
        100 - o.pending.len() as u64
    );
    // Then the real handshake: the noise fails, the handshake is read.
    for (from, d) in &run.wire {
        o.observe(d, *from);
    }
    check_against_connected(&run, &o.summary());
    assert_eq!(o.counters().undecryptable_records, 100);
}
