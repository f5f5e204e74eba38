//! Loading a certificate of our own (`Certificate::from_der`, `from_pem`): the PKCS#8
//! private key read for its size and handed to `ring` (RSA) or `p256`, checked against
//! the certificate's key. The input's first byte picks what is fuzzed, the rest is it:
//!
//! - 0: an RSA private key under a fixed RSA-2048 certificate. It loads only if it is that
//!   certificate's key: the result is the certificate, RSA, and saves back the same key.
//! - 1: a certificate under that certificate's fixed private key. It loads only if its
//!   key is that RSA-2048 public key.
//! - 2: PEM text for both (split at the first NUL): what loads saves to PEM text that
//!   loads to the same certificate.
//!
//! Everything else is a typed error.

#![no_main]

use dtls::internal::{PeerKey, peer_key};
use dtls::{Authentication, Certificate, HashFunction};
use libfuzzer_sys::fuzz_target;

const CRT: &[u8] = include_bytes!("../../crates/dtls/src/crypto/testdata/own-2048.crt.der");
const KEY: &[u8] = include_bytes!("../../crates/dtls/src/crypto/testdata/own-2048.key.der");

fn rsa_public(der: &[u8]) -> Option<(usize, Vec<u8>)> {
    match peer_key(der) {
        Ok(PeerKey::Rsa(key)) => Some((key.bits(), key.der().to_vec())),
        _ => None,
    }
}

fn saves_and_reloads(cert: &Certificate) {
    let (crt_pem, key_pem) = cert.to_pem().expect("a loaded certificate saves as PEM");
    let again = Certificate::from_pem(&crt_pem, &key_pem).expect("and loads back");
    assert_eq!(again.der(), cert.der());
    assert_eq!(again.authentication(), cert.authentication());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(cert) = Certificate::from_der(CRT, rest) {
                assert_eq!(cert.der(), CRT);
                assert_eq!(cert.authentication(), Authentication::Rsa);
                let (_, key) = cert.to_der().unwrap();
                assert_eq!(&key[..], rest);
                assert_eq!(
                    cert.fingerprint(HashFunction::Sha256),
                    dtls::Fingerprint::of(HashFunction::Sha256, CRT)
                );
                saves_and_reloads(&cert);
            }
        }
        1 => {
            if let Ok(cert) = Certificate::from_der(rest, KEY) {
                assert_eq!(cert.authentication(), Authentication::Rsa);
                assert_eq!(rsa_public(cert.der()), rsa_public(CRT));
                assert_eq!(rsa_public(rest).map(|(bits, _)| bits), Some(2048));
                saves_and_reloads(&cert);
            }
        }
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let (crt, key) = text.split_once('\0').unwrap_or((text, ""));
            if let Ok(cert) = Certificate::from_pem(crt, key) {
                saves_and_reloads(&cert);
            }
        }
    }
});
