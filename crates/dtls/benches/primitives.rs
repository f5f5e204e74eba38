//! The public-key operations of a handshake: the four P-256 operations one end does per
//! handshake (ephemeral key generation, ECDH, ECDSA sign, ECDSA verify, on `p256` 0.14
//! with its basepoint table) and X25519's two. docs/benchmarks.md records the figures and
//! why the faster `p256` 0.13 ECDH is not used (it would bring a second RustCrypto
//! generation into the lock file), and ECDSA verification on `ring`, which the handshake
//! uses with the default `ring` feature. `cargo bench -p dtls --bench primitives`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SCALAR: [u8; 32] = [7; 32];
const PEER_SCALAR: [u8; 32] = [9; 32];
const SIGNING_SCALAR: [u8; 32] = [5; 32];

fn p256(c: &mut Criterion) {
    let mut g = c.benchmark_group("p256");
    // A 300-byte message, about what a ServerKeyExchange signs (CertificateVerify signs
    // the transcript, a few kilobytes).
    let message = [0xab_u8; 300];

    let sk14 = p256::SecretKey::from_slice(&SCALAR).expect("scalar");
    let peer14 = p256::SecretKey::from_slice(&PEER_SCALAR)
        .expect("scalar")
        .public_key();
    g.bench_function("keygen d·G", |b| {
        b.iter(|| black_box(&sk14).public_key().to_sec1_bytes())
    });
    g.bench_function("ecdh d·Q", |b| {
        b.iter(|| black_box(&sk14).diffie_hellman(black_box(&peer14)))
    });
    {
        use p256::ecdsa::signature::{Signer, Verifier};
        let key = p256::ecdsa::SigningKey::from_slice(&SIGNING_SCALAR).expect("scalar");
        let sig: p256::ecdsa::Signature = key.sign(&message);
        let vk = *key.verifying_key();
        g.bench_function("ecdsa sign", |b| {
            b.iter(|| -> p256::ecdsa::Signature { key.sign(black_box(&message)) })
        });
        g.bench_function("ecdsa verify", |b| {
            b.iter(|| {
                vk.verify(black_box(&message), black_box(&sig))
                    .expect("valid")
            })
        });
        // What the handshake verifies with under the default `ring` feature.
        let point = vk.to_sec1_point(false);
        let der = sig.to_der();
        let ring_key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            point.as_bytes(),
        );
        g.bench_function("ecdsa verify (ring)", |b| {
            b.iter(|| {
                ring_key
                    .verify(black_box(&message), black_box(der.as_bytes()))
                    .expect("valid")
            })
        });
    }

    g.finish();
}

fn x25519(c: &mut Criterion) {
    let mut g = c.benchmark_group("x25519");
    let secret = x25519_dalek::StaticSecret::from(SCALAR);
    let peer = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(PEER_SCALAR));
    g.bench_function("keygen (basepoint table)", |b| {
        b.iter(|| x25519_dalek::PublicKey::from(black_box(&secret)))
    });
    g.bench_function("dh", |b| {
        b.iter(|| black_box(&secret).diffie_hellman(black_box(&peer)))
    });
    g.finish();
}

criterion_group!(benches, p256, x25519);
criterion_main!(benches);
