//! In-memory handshakes between our client and our server with a fake clock.

use chacha20::ChaCha20Rng;
use dtls::Authentication;
use dtls::{
    AlertDescription, Certificate, CipherSuite, Config, Connection, Error, Event, Fingerprint,
    HashFunction, NamedGroup, Received, SRTP_EXPORTER_LABEL, SignatureScheme, State,
};
use rand_core::SeedableRng;
use srtp::ProtectionProfile;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{OTHER, PEER, cookie_exchange, rng, to_flight_5};

const PROFILES: [ProtectionProfile; 4] = [
    ProtectionProfile::AesCm128HmacSha1_80,
    ProtectionProfile::AesCm128HmacSha1_32,
    ProtectionProfile::AeadAes128Gcm,
    ProtectionProfile::AeadAes256Gcm,
];

fn config(seed: u8) -> Config {
    let cert =
        Certificate::generate_with_rng("WebRTC", &mut ChaCha20Rng::from_seed([seed; 32])).unwrap();
    // This suite exercises DTLS 1.2 (tests/dtls13.rs covers 1.3).
    let mut c = Config::new(cert);
    c.max_version = dtls::ProtocolVersion::Dtls12;
    c
}

/// The datagrams the client and the server sent.
type Flights = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// Moves datagrams between the two until neither has anything to send; returns the
/// datagrams each side sent, in order.
fn pump(
    client: &mut Connection,
    server: &mut Connection,
    now: Instant,
) -> Result<Flights, (bool, Error)> {
    let mut sent = (Vec::new(), Vec::new());
    for _ in 0..32 {
        let mut moved = false;
        while let Some(d) = client.poll_transmit() {
            moved = true;
            sent.0.push(d.to_vec());
            server.handle_datagram(now, d).map_err(|e| (false, e))?;
        }
        while let Some(d) = server.poll_transmit() {
            moved = true;
            sent.1.push(d.to_vec());
            client.handle_datagram(now, d).map_err(|e| (true, e))?;
        }
        if !moved {
            break;
        }
    }
    Ok(sent)
}

/// Makes each side require the other's certificate (those of `config(1)` and `config(2)`).
fn authenticate(client: &mut Connection, server: &mut Connection) {
    static FPS: std::sync::OnceLock<(Fingerprint, Fingerprint)> = std::sync::OnceLock::new();
    let (c, s) = FPS.get_or_init(|| {
        (
            config(1).certificate.fingerprint(HashFunction::Sha256),
            config(2).certificate.fingerprint(HashFunction::Sha256),
        )
    });
    client.require_peer_fingerprints(vec![s.clone()]).unwrap();
    server.require_peer_fingerprints(vec![c.clone()]).unwrap();
}

/// A client (`config(1)`, seeded with `client_seed`) and a server (`config(2)`) that
/// require each other's certificates.
fn authenticated_pair(client_seed: u8, server_seed: u8, now: Instant) -> (Connection, Connection) {
    let mut client = Connection::client_with_rng(Arc::new(config(1)), rng(client_seed), now);
    let mut server = Connection::server_with_rng(Arc::new(config(2)), rng(server_seed), PEER, now);
    authenticate(&mut client, &mut server);
    (client, server)
}

fn connected(c: &mut Connection) -> Option<Box<dtls::Connected>> {
    while let Some(e) = c.poll_event() {
        if let Event::Connected(info) = e {
            return Some(info);
        }
    }
    None
}

#[test]
fn matrix_of_suites_groups_and_profiles() {
    let now = Instant::now();
    let mut n = 0u8;
    // Our certificate is ECDSA: the ECDSA suites are the ones we complete with ourselves.
    for suite in CipherSuite::ALL
        .into_iter()
        .filter(|s| s.authentication() == Authentication::Ecdsa)
    {
        for group in NamedGroup::ALL {
            for profile in PROFILES {
                n = n.wrapping_add(1);
                let mut cc = config(1);
                cc.cipher_suites = vec![suite];
                cc.groups = vec![group];
                cc.srtp_profiles = vec![profile];
                let sc = config(2);
                let server_fp = sc.certificate.fingerprint(HashFunction::Sha256);
                let client_fp = cc.certificate.fingerprint(HashFunction::Sha1);
                let mut client = Connection::client_with_rng(Arc::new(cc), rng(n), now);
                let mut server =
                    Connection::server_with_rng(Arc::new(sc), rng(n ^ 0x80), PEER, now);
                client
                    .require_peer_fingerprints(vec![server_fp.clone()])
                    .unwrap();
                server.require_peer_fingerprints(vec![client_fp]).unwrap();
                pump(&mut client, &mut server, now).unwrap();
                let ci = connected(&mut client).expect("client connected");
                let si = connected(&mut server).expect("server connected");
                assert_eq!(ci.cipher_suite, suite);
                assert_eq!(si.cipher_suite, suite);
                assert_eq!(ci.key_exchange_group, group);
                assert_eq!(si.key_exchange_group, group);
                assert_eq!(ci.srtp_profile, Some(profile));
                assert_eq!(si.srtp_profile, Some(profile));
                assert!(ci.extended_master_secret && si.extended_master_secret);
                assert_eq!(
                    (ci.peer_signature_scheme, si.peer_signature_scheme),
                    (
                        Some(SignatureScheme::EcdsaSecp256r1Sha256),
                        Some(SignatureScheme::EcdsaSecp256r1Sha256)
                    )
                );
                assert_eq!(ci.peer_fingerprint.as_ref(), Some(&server_fp));
                let ck = ci.srtp_keys.as_ref().unwrap();
                let sk = si.srtp_keys.as_ref().unwrap();
                assert_eq!(
                    format!("{:?}", ck.client_write),
                    format!("{:?}", sk.client_write)
                );
                let len = profile.keying_material_len();
                assert_eq!(
                    *client
                        .export_keying_material(SRTP_EXPORTER_LABEL, len)
                        .unwrap(),
                    *server
                        .export_keying_material(SRTP_EXPORTER_LABEL, len)
                        .unwrap()
                );
                // SRTP: what the client protects, the server's remote context unprotects.
                let (mut c_local, _) = client.srtp_contexts().unwrap().unwrap();
                let (_, mut s_remote) = server.srtp_contexts().unwrap().unwrap();
                let mut pkt = vec![0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0xAB, 0xCD];
                let len0 = pkt.len();
                pkt.resize(len0 + 16 + 16, 0);
                let protected = c_local.protect_rtp(&mut pkt, len0).unwrap();
                pkt.truncate(protected);
                let plain = s_remote.unprotect_rtp(&mut pkt).unwrap();
                assert_eq!(
                    &pkt[..plain],
                    &[0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0xAB, 0xCD]
                );
                // Application data both ways, then close_notify.
                client.send_application_data(b"ping").unwrap();
                server.send_application_data(b"pong").unwrap();
                pump(&mut client, &mut server, now).unwrap();
                assert!(
                    matches!(server.poll_event(), Some(Event::ApplicationData(d)) if d == b"ping")
                );
                assert!(
                    matches!(client.poll_event(), Some(Event::ApplicationData(d)) if d == b"pong")
                );
                client.close();
                pump(&mut client, &mut server, now).unwrap();
                let events: Vec<_> = std::iter::from_fn(|| server.poll_event()).collect();
                assert!(matches!(events.last(), Some(Event::Closed)), "{events:?}");
            }
        }
    }
}

#[test]
fn server_preference_decides() {
    let now = Instant::now();
    let cc = config(1);
    let mut sc = config(2);
    sc.cipher_suites = vec![
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        CipherSuite::EcdheEcdsaAes128GcmSha256,
    ];
    sc.groups = vec![NamedGroup::Secp256r1, NamedGroup::X25519];
    sc.srtp_profiles = vec![
        ProtectionProfile::AesCm128HmacSha1_32,
        ProtectionProfile::AeadAes128Gcm,
    ];
    let mut client = Connection::client_with_rng(Arc::new(cc), rng(3), now);
    let mut server = Connection::server_with_rng(Arc::new(sc), rng(4), PEER, now);
    authenticate(&mut client, &mut server);
    pump(&mut client, &mut server, now).unwrap();
    let ci = connected(&mut client).unwrap();
    assert_eq!(
        ci.cipher_suite,
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256
    );
    assert_eq!(
        ci.srtp_profile,
        Some(ProtectionProfile::AesCm128HmacSha1_32)
    );
}

/// With an ECDSA certificate our server never picks an ECDHE_RSA suite: a client that
/// offers only one finds no suite in common (handshake_failure), and one that offers both
/// gets the ECDSA suite even when the server's own list puts the RSA one first.
#[test]
fn our_server_never_picks_an_rsa_suite() {
    let now = Instant::now();
    let mut cc = config(1);
    cc.cipher_suites = vec![CipherSuite::EcdheRsaAes128GcmSha256];
    let mut client = Connection::client_with_rng(Arc::new(cc), rng(40), now);
    let mut server = Connection::server_with_rng(Arc::new(config(2)), rng(41), PEER, now);
    authenticate(&mut client, &mut server);
    let (client_side, err) = pump(&mut client, &mut server, now).unwrap_err();
    assert!(!client_side);
    assert_eq!(err, Error::NoCommonCipherSuite);
    assert_eq!(err.alert(), AlertDescription::HandshakeFailure);

    let mut cc = config(1);
    cc.cipher_suites = vec![
        CipherSuite::EcdheRsaAes256GcmSha384,
        CipherSuite::EcdheEcdsaAes256GcmSha384,
    ];
    let mut sc = config(2);
    sc.cipher_suites = vec![
        CipherSuite::EcdheRsaAes256GcmSha384,
        CipherSuite::EcdheEcdsaAes256GcmSha384,
    ];
    let mut client = Connection::client_with_rng(Arc::new(cc), rng(42), now);
    let mut server = Connection::server_with_rng(Arc::new(sc), rng(43), PEER, now);
    authenticate(&mut client, &mut server);
    pump(&mut client, &mut server, now).unwrap();
    assert_eq!(
        connected(&mut client).unwrap().cipher_suite,
        CipherSuite::EcdheEcdsaAes256GcmSha384
    );
}

/// RFC 5246 §7.4.2: under an ECDHE_RSA suite the server's certificate must hold an RSA
/// key. A ServerHello rewritten to name ECDHE_RSA, followed by our server's ECDSA
/// certificate, fails at the certificate with unsupported_certificate. (Without `ring`
/// the client offers no ECDHE_RSA suite to be rewritten to.)
#[cfg(feature = "ring")]
#[test]
fn an_ecdsa_certificate_under_an_rsa_suite_is_refused() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(44, 45, now);
    cookie_exchange(&mut client, &mut server, now);
    let mut d = server.poll_transmit().expect("flight 4").to_vec();
    // The ServerHello (2) is the first record: header 13, handshake header 12, version 2,
    // random 32, session id of the length byte that follows, then the suite.
    assert_eq!((d[0], d[13]), (22, 2));
    let sid_len = usize::from(d[13 + 12 + 2 + 32]);
    let at = 13 + 12 + 2 + 32 + 1 + sid_len;
    assert_eq!(
        u16::from_be_bytes([d[at], d[at + 1]]),
        CipherSuite::EcdheEcdsaAes128GcmSha256.to_u16()
    );
    d[at..at + 2].copy_from_slice(&CipherSuite::EcdheRsaAes128GcmSha256.to_u16().to_be_bytes());
    let err = client.handle_datagram(now, &d).unwrap_err();
    assert_eq!(err, Error::UnsupportedCertificate);
    assert_eq!(err.alert(), AlertDescription::UnsupportedCertificate);
}

#[test]
fn no_client_certificate_when_not_required() {
    let now = Instant::now();
    let mut sc = config(2);
    sc.require_client_certificate = false;
    let mut client = Connection::client_with_rng(Arc::new(config(1)), rng(5), now);
    let mut server = Connection::server_with_rng(Arc::new(sc), rng(6), PEER, now);
    authenticate(&mut client, &mut server);
    // Only the explicit opt-out lets a client in without a certificate.
    server.dangerous_accept_any_peer_certificate();
    pump(&mut client, &mut server, now).unwrap();
    assert!(connected(&mut client).unwrap().peer_certificate.is_some());
    assert!(connected(&mut server).unwrap().peer_certificate.is_none());
}

#[test]
fn wrong_fingerprint_fails_with_bad_certificate_and_no_keys() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(7, 8, now);
    let other = config(9).certificate.fingerprint(HashFunction::Sha256);
    client.require_peer_fingerprints(vec![other]).unwrap();
    let (client_side, err) = pump(&mut client, &mut server, now).unwrap_err();
    assert!(client_side);
    assert_eq!(err, Error::FingerprintMismatch);
    assert_eq!(err.alert(), AlertDescription::BadCertificate);
    let alert = client.poll_transmit().unwrap().to_vec();
    assert_eq!(alert, [21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 2, 42]);
    assert!(!client.is_connected());
    assert_eq!(
        client.export_keying_material(b"x", 8).unwrap_err(),
        Error::NotConnected
    );
    assert!(client.srtp_keys().is_err());
    assert!(connected(&mut client).is_none());
    // The server hears the alert and fails too.
    assert_eq!(
        server.handle_datagram(now, &alert).unwrap_err(),
        Error::PeerAlert(AlertDescription::BadCertificate)
    );
}

/// Finds the handshake record of `msg_type` in a plaintext datagram and flips a byte
/// `from_end` bytes before the end of its body.
fn corrupt_message(datagram: &mut [u8], msg_type: u8, from_end: usize) -> bool {
    let mut at = 0;
    while at + 13 <= datagram.len() {
        let len = usize::from(u16::from_be_bytes([datagram[at + 11], datagram[at + 12]]));
        let body = at + 13;
        if datagram[at] == 22 && datagram[body] == msg_type {
            datagram[body + len - from_end] ^= 0x01;
            return true;
        }
        at = body + len;
    }
    false
}

#[test]
fn bad_server_key_exchange_signature_fails_with_decrypt_error() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(10, 11, now);
    cookie_exchange(&mut client, &mut server, now);
    let d = server.poll_transmit().expect("flight 4").to_vec();
    // ServerKeyExchange (12): the last byte of the DER signature's s value.
    assert_bad_signature_fails(&mut client, d, 12, now);
}

#[test]
fn bad_certificate_verify_fails_with_decrypt_error() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(12, 13, now);
    to_flight_5(&mut client, &mut server, now);
    // Flight 5 from the client: corrupt the CertificateVerify signature.
    let d = client.poll_transmit().unwrap().to_vec();
    assert_bad_signature_fails(&mut server, d, 15, now);
}

/// Corrupts the last byte of the message of type `msg_type` in `datagram` (its
/// signature) and checks that `to` fails with decrypt_error and exports nothing.
fn assert_bad_signature_fails(
    to: &mut Connection,
    mut datagram: Vec<u8>,
    msg_type: u8,
    now: Instant,
) {
    assert!(corrupt_message(&mut datagram, msg_type, 1));
    let err = to.handle_datagram(now, &datagram).unwrap_err();
    assert_eq!(err, Error::BadSignature);
    assert_eq!(err.alert(), AlertDescription::DecryptError);
    assert!(to.export_keying_material(b"x", 8).is_err());
}

#[test]
fn retransmits_on_timer_and_times_out() {
    let now = Instant::now();
    let mut client = Connection::client_with_rng(Arc::new(config(1)), rng(14), now);
    let first = client.poll_transmit().unwrap().to_vec();
    assert_eq!(client.poll_timeout(), Some(now + Duration::from_secs(1)));
    client
        .handle_timeout(now + Duration::from_millis(999))
        .unwrap();
    assert!(client.poll_transmit().is_none());
    client.handle_timeout(now + Duration::from_secs(1)).unwrap();
    let again = client.poll_transmit().unwrap().to_vec();
    assert_eq!(first[13..], again[13..], "same ClientHello");
    assert_eq!(again[10], 1, "new record sequence number");
    assert_eq!(client.poll_timeout(), Some(now + Duration::from_secs(3)));
    assert_eq!(
        client
            .handle_timeout(now + Duration::from_secs(60))
            .unwrap_err(),
        Error::HandshakeTimeout
    );
    assert!(client.export_keying_material(b"x", 8).is_err());
}

#[test]
fn lost_server_finished_is_recovered_by_retransmission() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(15, 16, now);
    for _ in 0..3 {
        let d = client.poll_transmit().unwrap().to_vec();
        server.handle_datagram(now, &d).unwrap();
        if server.is_connected() {
            break;
        }
        let d = server.poll_transmit().unwrap().to_vec();
        client.handle_datagram(now, &d).unwrap();
    }
    assert!(server.is_connected());
    // Drop the server's last flight; the client retransmits flight 5 on its timer and the
    // server answers with its last flight again.
    while server.poll_transmit().is_some() {}
    client.handle_timeout(now + Duration::from_secs(1)).unwrap();
    let later = now + Duration::from_secs(1);
    pump(&mut client, &mut server, later).unwrap();
    assert!(client.is_connected());
}

#[test]
fn server_keeps_no_state_for_hellos_without_cookie() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(17, 18, now);
    let hello = client.poll_transmit().unwrap().to_vec();
    for _ in 0..3 {
        server.handle_datagram(now, &hello).unwrap();
        let hvr = server.poll_transmit().unwrap().to_vec();
        assert_eq!(hvr[0], 22);
        assert_eq!(hvr[13], 3, "HelloVerifyRequest");
        assert_eq!(
            &hvr[3..11],
            &hello[3..11],
            "echoes the ClientHello's record number"
        );
        assert_eq!(server.poll_timeout(), Some(now + Duration::from_secs(60)));
    }
    // A cookie for another address is refused with another HelloVerifyRequest.
    let mut other = Connection::server_with_rng(Arc::new(config(2)), rng(18), OTHER, now);
    let hvr = {
        server.handle_datagram(now, &hello).unwrap();
        server.poll_transmit().unwrap().to_vec()
    };
    client.handle_datagram(now, &hvr).unwrap();
    let hello2 = client.poll_transmit().unwrap().to_vec();
    other.handle_datagram(now, &hello2).unwrap();
    assert_eq!(other.poll_transmit().unwrap().to_vec()[13], 3);
}

#[test]
fn first_client_hello_with_dtls_1_0_record_version_is_accepted() {
    let now = Instant::now();
    let (mut client, mut server) = authenticated_pair(19, 20, now);
    let mut hello = client.poll_transmit().unwrap().to_vec();
    hello[1..3].copy_from_slice(&[0xFE, 0xFF]);
    server.handle_datagram(now, &hello).unwrap();
    let hvr = server.poll_transmit().unwrap().to_vec();
    assert_eq!(&hvr[13..14], &[3]);
    // DTLS 1.0 as the HelloVerifyRequest's server_version (RFC 6347 §4.2.1).
    assert_eq!(&hvr[25..27], &[0xFE, 0xFF]);
    client.handle_datagram(now, &hvr).unwrap();
    pump(&mut client, &mut server, now).unwrap();
    assert!(client.is_connected() && server.is_connected());
}

#[test]
fn stateless_front_end_accepts_only_returned_cookies() {
    use dtls::{CookieSecret, HelloVerdict, PendingHellos};
    let now = Instant::now();
    let secret = Arc::new(CookieSecret::generate_with_rng(
        &mut ChaCha20Rng::from_seed([30; 32]),
    ));
    let mut pending = PendingHellos::new();
    let front = Arc::new(config(2));
    let mut client = Connection::client_with_rng(Arc::new(config(1)), rng(21), now);
    let hello = client.poll_transmit().unwrap().to_vec();
    assert_eq!(
        secret.verify_datagram(&front, &mut pending, now, PEER, &[22, 0xFE]),
        HelloVerdict::Drop
    );
    let HelloVerdict::Challenge(hvr) =
        secret.verify_datagram(&front, &mut pending, now, PEER, &hello)
    else {
        panic!("first hello must be challenged");
    };
    assert_eq!(hvr[13], 3, "HelloVerifyRequest");
    assert!(hvr.len() <= hello.len(), "no amplification");
    client.handle_datagram(now, &hvr).unwrap();
    let hello2 = client.poll_transmit().unwrap().to_vec();
    assert!(matches!(
        secret.verify_datagram(&front, &mut pending, now, OTHER, &hello2),
        HelloVerdict::Challenge(_)
    ));
    // A hello that came whole is handed on as it came.
    assert_eq!(
        secret.verify_datagram(&front, &mut pending, now, PEER, &hello2),
        HelloVerdict::Accept(hello2.clone())
    );
    assert!(pending.is_empty());
    let mut server = Connection::server_with_cookie_secret(front, rng(22), secret, PEER, now);
    authenticate(&mut client, &mut server);
    server.handle_datagram(now, &hello2).unwrap();
    pump(&mut client, &mut server, now).unwrap();
    assert!(client.is_connected() && server.is_connected());
}

#[test]
fn reloaded_certificates_keep_their_fingerprints_and_complete_a_handshake() {
    let now = Instant::now();
    let reload_pem = |c: Config| {
        let (cert, key) = c.certificate.to_pem().unwrap();
        Config::new(Certificate::from_pem(&cert, &key).unwrap())
    };
    let reload_der = |c: Config| {
        let (cert, key) = c.certificate.to_der().unwrap();
        Config::new(Certificate::from_der(&cert, &key).unwrap())
    };
    // `authenticate` requires the fingerprints of the certificates as generated.
    let mut client = Connection::client_with_rng(Arc::new(reload_pem(config(1))), rng(23), now);
    let mut server =
        Connection::server_with_rng(Arc::new(reload_der(config(2))), rng(24), PEER, now);
    authenticate(&mut client, &mut server);
    pump(&mut client, &mut server, now).unwrap();
    let ci = connected(&mut client).unwrap();
    let si = connected(&mut server).unwrap();
    assert_eq!(
        ci.peer_fingerprint,
        Some(config(2).certificate.fingerprint(HashFunction::Sha256))
    );
    assert_eq!(
        si.peer_fingerprint,
        Some(config(1).certificate.fingerprint(HashFunction::Sha256))
    );
}

#[test]
fn handle_datagram_says_whether_a_datagram_was_processed_buffered_or_dropped() {
    let now = Instant::now();
    let mut cc = config(1);
    cc.mtu = dtls::MIN_MTU;
    let mut sc = config(2);
    sc.mtu = dtls::MIN_MTU;
    let mut client = Connection::client_with_rng(Arc::new(cc), rng(25), now);
    let mut server = Connection::server_with_rng(Arc::new(sc), rng(26), PEER, now);
    authenticate(&mut client, &mut server);
    assert_eq!(client.state(), State::Handshaking);
    assert_eq!(
        server.handle_datagram(now, &[0xFF; 20]),
        Ok(Received::Dropped)
    );
    // The first ClientHello draws a HelloVerifyRequest; the second one flight 4.
    for _ in 0..2 {
        let hello = client.poll_transmit().unwrap().to_vec();
        assert_eq!(server.handle_datagram(now, &hello), Ok(Received::Processed));
        let answer: Vec<Vec<u8>> =
            std::iter::from_fn(|| server.poll_transmit().map(<[u8]>::to_vec)).collect();
        if answer.len() == 1 {
            assert_eq!(
                client.handle_datagram(now, &answer[0]),
                Ok(Received::Processed)
            );
            continue;
        }
        // Flight 4 cut to the MTU: its last datagram alone is held for the earlier ones.
        let (last, rest) = answer.split_last().unwrap();
        assert_eq!(client.handle_datagram(now, last), Ok(Received::Buffered));
        for d in rest {
            assert_eq!(client.handle_datagram(now, d), Ok(Received::Processed));
        }
    }
    pump(&mut client, &mut server, now).unwrap();
    assert_eq!(
        (client.state(), server.state()),
        (State::Connected, State::Connected)
    );
    client.close();
    assert_eq!(client.state(), State::Closed);
    assert_eq!(
        client.handle_datagram(now, &[0xFF; 20]),
        Ok(Received::Dropped)
    );
}
