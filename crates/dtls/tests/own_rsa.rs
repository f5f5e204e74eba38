//! Handshakes between our client and our server where one side or both hold an RSA
//! certificate of their own (OpenSSL-made test keys, loaded as DER PKCS#8).
#![cfg(feature = "ring")]

use dtls::{
    AlertDescription, Authentication, Certificate, CipherSuite, Config, Connection, Error, Event,
    HashFunction, SignatureScheme,
};
use std::sync::Arc;
use std::time::Instant;

mod common;
use common::{PEER, configs, pump, rng};

const CRT_2048: &[u8] = include_bytes!("../src/crypto/testdata/own-2048.crt.der");
const KEY_2048: &[u8] = include_bytes!("../src/crypto/testdata/own-2048.key.der");
const CRT_3072: &[u8] = include_bytes!("../src/crypto/testdata/own-3072.crt.der");
const KEY_3072: &[u8] = include_bytes!("../src/crypto/testdata/own-3072.key.der");

fn rsa_config(crt: &[u8], key: &[u8]) -> Config {
    let cert = Certificate::from_der(crt, key).unwrap();
    assert_eq!(cert.authentication(), Authentication::Rsa);
    // The ECDHE_RSA suites are DTLS 1.2's (tests/dtls13.rs has RSA-PSS in 1.3).
    let mut c = Config::new(cert);
    c.max_version = dtls::ProtocolVersion::Dtls12;
    c
}

fn connected(c: &mut Connection) -> Box<dtls::Connected> {
    while let Some(e) = c.poll_event() {
        if let Event::Connected(info) = e {
            return info;
        }
    }
    panic!("not connected")
}

/// A client and a server of these configurations, each requiring the other's
/// certificate, pumped to the end of the handshake.
fn handshake(cc: Config, sc: Config) -> (Box<dtls::Connected>, Box<dtls::Connected>) {
    let now = Instant::now();
    let (cfp, sfp) = (
        cc.certificate.fingerprint(HashFunction::Sha256),
        sc.certificate.fingerprint(HashFunction::Sha256),
    );
    let mut c = Connection::client_with_rng(Arc::new(cc), rng(60), now);
    let mut s = Connection::server_with_rng(Arc::new(sc), rng(61), PEER, now);
    c.require_peer_fingerprints(vec![sfp.clone()]).unwrap();
    s.require_peer_fingerprints(vec![cfp.clone()]).unwrap();
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let (ci, si) = (connected(&mut c), connected(&mut s));
    assert_eq!(ci.peer_fingerprint, Some(sfp));
    assert_eq!(si.peer_fingerprint, Some(cfp));
    assert_eq!(ci.cipher_suite, si.cipher_suite);
    (ci, si)
}

/// An RSA server picks the first ECDHE_RSA suite of its list although an ECDHE_ECDSA one
/// comes first, and signs its ServerKeyExchange with RSA-PSS/SHA-256 (the client offers
/// every scheme); the P-256 client's CertificateVerify is ECDSA.
#[test]
fn an_rsa_server_picks_ecdhe_rsa_and_signs_pss() {
    let (ci, si) = handshake(configs().0.clone(), rsa_config(CRT_2048, KEY_2048));
    assert_eq!(ci.cipher_suite, CipherSuite::EcdheRsaAes128GcmSha256);
    assert_eq!(
        ci.peer_signature_scheme,
        Some(SignatureScheme::RsaPssRsaeSha256)
    );
    assert_eq!(
        si.peer_signature_scheme,
        Some(SignatureScheme::EcdsaSecp256r1Sha256)
    );
}

/// An RSA client under an ECDSA server: the suite is ECDHE_ECDSA and the client's
/// CertificateVerify is RSA-PSS/SHA-256. Both RSA: ECDHE_RSA, PSS both ways.
#[test]
fn an_rsa_client_signs_its_certificate_verify() {
    let (ci, si) = handshake(rsa_config(CRT_3072, KEY_3072), configs().1.clone());
    assert_eq!(ci.cipher_suite, CipherSuite::EcdheEcdsaAes128GcmSha256);
    assert_eq!(
        si.peer_signature_scheme,
        Some(SignatureScheme::RsaPssRsaeSha256)
    );
    let (ci, si) = handshake(
        rsa_config(CRT_3072, KEY_3072),
        rsa_config(CRT_2048, KEY_2048),
    );
    assert_eq!(ci.cipher_suite, CipherSuite::EcdheRsaAes128GcmSha256);
    assert_eq!(
        ci.peer_signature_scheme,
        Some(SignatureScheme::RsaPssRsaeSha256)
    );
    assert_eq!(
        si.peer_signature_scheme,
        Some(SignatureScheme::RsaPssRsaeSha256)
    );
}

/// An RSA server and a client offering only ECDHE_ECDSA suites share none
/// (handshake_failure); the server's own list without ECDHE_RSA suites is the same.
#[test]
fn an_rsa_server_never_picks_an_ecdsa_suite() {
    let now = Instant::now();
    for client_only_ecdsa in [true, false] {
        let mut cc = configs().0.clone();
        let mut sc = rsa_config(CRT_2048, KEY_2048);
        let ecdsa: Vec<CipherSuite> = CipherSuite::ALL
            .into_iter()
            .filter(|s| s.authentication() == Authentication::Ecdsa)
            .collect();
        if client_only_ecdsa {
            cc.cipher_suites = ecdsa;
        } else {
            sc.cipher_suites = ecdsa;
        }
        let mut c = Connection::client_with_rng(Arc::new(cc), rng(62), now);
        let mut s = Connection::server_with_rng(Arc::new(sc), rng(63), PEER, now);
        c.dangerous_accept_any_peer_certificate();
        s.dangerous_accept_any_peer_certificate();
        let (client_err, server_err) = pump(&mut c, &mut s, now);
        assert_eq!(server_err, Some(Error::NoCommonCipherSuite));
        assert_eq!(
            client_err,
            Some(Error::PeerAlert(AlertDescription::HandshakeFailure))
        );
    }
}
