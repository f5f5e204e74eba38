//! The crate's one hand-assembled primitive, HMAC-SHA1 over precomputed pads, raced
//! against the plain RustCrypto composition `hmac::Hmac<sha1::Sha1>` on SRTP-sized inputs
//! (a 12-byte header plus 160 or 1200 bytes of payload, and the 4-byte ROC), and beside
//! `ring`'s HMAC-SHA1 (with the default `ring` feature). The AES-CM
//! and GCM races that retired the crate's own keystream and GCM are in the history
//! (commit "srtp: benches/primitives.rs races each hand-assembled primitive ..."); docs/
//! benchmarks.md ("Hand-assembled crypto in srtp") records all the figures.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use srtp::internal::HmacSha1;
use std::hint::black_box;

const SIZES: [usize; 2] = [172, 1212];

fn hmac_sha1(c: &mut Criterion) {
    let mut g = c.benchmark_group("hmac_sha1");
    let key = [0x5a; 20];
    let hand = HmacSha1::new(&key);
    let crate_mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).expect("any key length");
    for len in SIZES {
        let data = vec![0xab; len];
        let roc = [0, 0, 0, 1];
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("hand", len), |b| {
            b.iter(|| black_box(hand.mac(black_box(&data), &roc)))
        });
        g.bench_function(BenchmarkId::new("hmac_crate", len), |b| {
            b.iter(|| {
                let mut m = crate_mac.clone();
                m.update(black_box(&data));
                m.update(&roc);
                black_box(m.finalize().into_bytes())
            })
        });
        // `ring`'s HMAC-SHA1 (its SHA-1 is portable Rust, no SHA-NI), for comparison.
        #[cfg(feature = "ring")]
        {
            let ring_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
            g.bench_function(BenchmarkId::new("ring", len), |b| {
                b.iter(|| {
                    let mut m = ring::hmac::Context::with_key(&ring_key);
                    m.update(black_box(&data));
                    m.update(&roc);
                    black_box(m.sign())
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, hmac_sha1);
criterion_main!(benches);
