//! The public-key operations of a handshake, each raced between the implementations the
//! crate could use: `p256` 0.14 (with its basepoint table) against `p256` 0.13 for the
//! four P-256 operations one end does per handshake (ephemeral key generation, ECDH,
//! ECDSA sign, ECDSA verify), and X25519's two. The crate uses whichever was faster for
//! each (src/crypto/kx.rs says which and why); docs/benchmarks.md records the figures.
//! `cargo bench -p dtls --bench primitives`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SCALAR: [u8; 32] = [7; 32];
const PEER_SCALAR: [u8; 32] = [9; 32];
const SIGNING_SCALAR: [u8; 32] = [5; 32];

fn p256(c: &mut Criterion) {
    let mut g = c.benchmark_group("p256");
    // A 300-byte message, about what a ServerKeyExchange signs (CertificateVerify signs
    // the transcript, a few kilobytes; the hashing is the same for both versions).
    let message = [0xab_u8; 300];

    // 0.14
    let sk14 = p256::SecretKey::from_slice(&SCALAR).expect("scalar");
    let peer14 = p256::SecretKey::from_slice(&PEER_SCALAR)
        .expect("scalar")
        .public_key();
    g.bench_function(BenchmarkId::new("keygen d·G", "0.14"), |b| {
        b.iter(|| black_box(&sk14).public_key().to_sec1_bytes())
    });
    g.bench_function(BenchmarkId::new("ecdh d·Q", "0.14"), |b| {
        b.iter(|| black_box(&sk14).diffie_hellman(black_box(&peer14)))
    });
    {
        use p256::ecdsa::signature::{Signer, Verifier};
        let key = p256::ecdsa::SigningKey::from_slice(&SIGNING_SCALAR).expect("scalar");
        let sig: p256::ecdsa::Signature = key.sign(&message);
        let vk = *key.verifying_key();
        g.bench_function(BenchmarkId::new("ecdsa sign", "0.14"), |b| {
            b.iter(|| -> p256::ecdsa::Signature { key.sign(black_box(&message)) })
        });
        g.bench_function(BenchmarkId::new("ecdsa verify", "0.14"), |b| {
            b.iter(|| {
                vk.verify(black_box(&message), black_box(&sig))
                    .expect("valid")
            })
        });
    }

    // 0.13
    let sk13 = p256_013::SecretKey::from_slice(&SCALAR).expect("scalar");
    let peer13 = p256_013::SecretKey::from_slice(&PEER_SCALAR)
        .expect("scalar")
        .public_key();
    g.bench_function(BenchmarkId::new("keygen d·G", "0.13"), |b| {
        b.iter(|| {
            use p256_013::elliptic_curve::sec1::ToEncodedPoint;
            black_box(&sk13).public_key().to_encoded_point(false)
        })
    });
    g.bench_function(BenchmarkId::new("ecdh d·Q", "0.13"), |b| {
        b.iter(|| {
            p256_013::ecdh::diffie_hellman(
                black_box(&sk13).to_nonzero_scalar(),
                black_box(&peer13).as_affine(),
            )
        })
    });
    {
        use p256_013::ecdsa::signature::{Signer, Verifier};
        let key = p256_013::ecdsa::SigningKey::from_slice(&SIGNING_SCALAR).expect("scalar");
        let sig: p256_013::ecdsa::Signature = key.sign(&message);
        let vk = *key.verifying_key();
        g.bench_function(BenchmarkId::new("ecdsa sign", "0.13"), |b| {
            b.iter(|| -> p256_013::ecdsa::Signature { key.sign(black_box(&message)) })
        });
        g.bench_function(BenchmarkId::new("ecdsa verify", "0.13"), |b| {
            b.iter(|| {
                vk.verify(black_box(&message), black_box(&sig))
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
