//! Pins the exact bytes of every flight of a handshake with seeded randomness.
//!
//! Certificates, randoms, ephemeral keys and cookie secrets come from seeded ChaCha20
//! generators and ECDSA signs deterministically (RFC 6979), so the whole exchange is a
//! function of the seeds. `tests/data/transcript.txt` holds the expected datagrams, one
//! per line as `<sender> <hex>`; regenerate it with `DTLS_BLESS=1 cargo test -p dtls
//! --test transcript` after an intended wire change, and review the diff.
//!
//! The pinned bytes are those of the default build: with the `ring` feature our
//! signature_algorithms and CertificateRequest also name the RSA schemes and rsa_sign,
//! which a build without it neither offers nor accepts.

#![cfg(feature = "ring")]

use chacha20::ChaCha20Rng;
use dtls::{Certificate, CipherSuite, Config, Connection, HashFunction, NamedGroup};
use rand_core::SeedableRng;
use srtp::ProtectionProfile;
use std::sync::Arc;
use std::time::Instant;

fn transcript() -> Vec<String> {
    let now = Instant::now();
    let config = |seed: u8| {
        let cert =
            Certificate::generate_with_rng("WebRTC", &mut ChaCha20Rng::from_seed([seed; 32]))
                .unwrap();
        let mut c = Config::new(cert);
        c.max_version = dtls::ProtocolVersion::Dtls12;
        c.cipher_suites = vec![CipherSuite::EcdheEcdsaAes128GcmSha256];
        c.groups = vec![NamedGroup::Secp256r1];
        c.srtp_profiles = vec![ProtectionProfile::AesCm128HmacSha1_80];
        c
    };
    let mut client =
        Connection::client_with_rng(Arc::new(config(1)), ChaCha20Rng::from_seed([11; 32]), now);
    let mut server = Connection::server_with_rng(
        Arc::new(config(2)),
        ChaCha20Rng::from_seed([22; 32]),
        "192.0.2.1:5000".parse().unwrap(),
        now,
    );
    let fp = |seed: u8| config(seed).certificate.fingerprint(HashFunction::Sha256);
    client.require_peer_fingerprints(vec![fp(2)]).unwrap();
    server.require_peer_fingerprints(vec![fp(1)]).unwrap();
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut lines = Vec::new();
    for _ in 0..8 {
        let mut moved = false;
        while let Some(d) = client.poll_transmit() {
            moved = true;
            lines.push(format!("client {}", hex(d)));
            server.handle_datagram(now, d).unwrap();
        }
        while let Some(d) = server.poll_transmit() {
            moved = true;
            lines.push(format!("server {}", hex(d)));
            client.handle_datagram(now, d).unwrap();
        }
        if !moved {
            break;
        }
    }
    assert!(client.is_connected() && server.is_connected());
    client.send_application_data(b"hello").unwrap();
    lines.push(format!("client {}", hex(client.poll_transmit().unwrap())));
    let keys = client
        .export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
        .unwrap();
    lines.push(format!("keying-material {}", hex(&keys)));
    lines
}

#[test]
fn every_flight_is_pinned() {
    let got = transcript();
    // Shape: ClientHello, HelloVerifyRequest, ClientHello with cookie, flight 4, flight 5,
    // ChangeCipherSpec + Finished, application data, exported keys.
    let senders: Vec<&str> = got.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        senders,
        [
            "client",
            "server",
            "client",
            "server",
            "client",
            "server",
            "client",
            "keying-material"
        ]
    );
    assert!(
        got[1].starts_with("server 16fefd0000000000000000"),
        "HVR echoes record seq 0"
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/transcript.txt");
    if std::env::var_os("DTLS_BLESS").is_some() {
        std::fs::write(path, got.join("\n") + "\n").unwrap();
    }
    let want = std::fs::read_to_string(path).unwrap();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "datagram {i} differs");
    }
    assert_eq!(transcript(), got, "the exchange is deterministic");
}
