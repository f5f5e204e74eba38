//! The small DTLS parsers a peer's bytes reach outside the record and handshake layers:
//! alert bodies (RFC 5246 §7.2), the public key of a peer certificate (X.509 DER, the input
//! of `x509-parser`, ECDSA or RSA), and `a=fingerprint` values (RFC 8122 §5).
//!
//! An alert parses exactly when it is two bytes with level 1 or 2, and writes back to
//! itself; a certificate either yields a key (an RSA one of 2048 to 4096 bits) or a typed
//! error; a fingerprint that parses prints to text that parses to itself, and matches
//! exactly the DER it was made from.

#![no_main]

use dtls::HashFunction;
use dtls::internal::{PeerKey, peer_key};
use dtls::{Alert, Fingerprint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Alert::parse(data) {
        Ok(alert) => assert_eq!(alert.to_bytes(), data),
        Err(_) => assert!(data.len() != 2 || !(1..=2).contains(&data[0])),
    }

    // An RSA key is only ever accepted inside the bounds (RFC 8017 keys of 2048 to 4096
    // bits); anything else is a typed error.
    if let Ok(PeerKey::Rsa(key)) = peer_key(data) {
        assert!((2048..=4096).contains(&key.bits()));
    }

    for hash in [HashFunction::Sha1, HashFunction::Sha256] {
        let fingerprint = Fingerprint::of(hash, data);
        assert!(fingerprint.matches(data));
        let text = fingerprint.to_string();
        assert_eq!(text.parse::<Fingerprint>().as_ref(), Ok(&fingerprint));
        if let Some((_, rest)) = data.split_last() {
            assert!(!fingerprint.matches(rest));
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(fingerprint) = text.parse::<Fingerprint>()
    {
        let written = fingerprint.to_string();
        assert_eq!(written.parse::<Fingerprint>().as_ref(), Ok(&fingerprint));
        assert!(written.eq_ignore_ascii_case(&written.to_ascii_uppercase()));
    }
});
