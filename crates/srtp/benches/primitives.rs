//! The crate's hand-assembled primitives, each raced against the plain RustCrypto
//! composition on SRTP-sized inputs (a 12-byte header plus 160 or 1200 bytes of payload):
//!
//! - HMAC-SHA1 over precomputed pads against `hmac::Hmac<sha1::Sha1>` (the header and
//!   payload, and the 4-byte ROC);
//! - GCM from `ctr::Ctr32BE` and `polyval` (`srtp::internal::Gcm`) against `aes_gcm::AesGcm`, seal
//!   and open of the payload with the 12-byte header as associated data.
//!
//! docs/benchmarks.md ("Hand-assembled crypto in srtp") records the figures.
//! `cargo bench -p srtp --bench primitives`.

use aes::Aes128Enc;
use aes::cipher::KeyInit;
use aes_gcm::aead::AeadInOut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::Mac;
use srtp::internal::{Gcm, HmacSha1};
use std::hint::black_box;

const PAYLOADS: [usize; 2] = [160, 1200];

fn hmac_sha1(c: &mut Criterion) {
    let mut g = c.benchmark_group("hmac_sha1");
    let key = [0x5a; 20];
    let hand = HmacSha1::new(&key);
    let crate_mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).expect("any key length");
    for payload in PAYLOADS {
        let len = 12 + payload;
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
    }
    g.finish();
}

fn gcm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gcm");
    let ours = Gcm::new(Aes128Enc::new(&[0x11; 16].into()));
    let theirs = aes_gcm::AesGcm::<Aes128Enc, aes_gcm::aead::consts::U12>::from(Aes128Enc::new(
        &[0x11; 16].into(),
    ));
    let iv = [0x33; 12];
    let aad = [0x80; 12];
    for payload in PAYLOADS {
        let mut data = vec![0xab; payload];
        g.throughput(Throughput::Bytes(payload as u64));
        g.bench_function(BenchmarkId::new("seal/composed", payload), |b| {
            b.iter(|| ours.seal(black_box(&iv), &aad, black_box(&mut data)))
        });
        g.bench_function(BenchmarkId::new("seal/aes_gcm_crate", payload), |b| {
            b.iter(|| {
                theirs.encrypt_inout_detached(
                    black_box(&iv).into(),
                    &aad,
                    black_box(&mut data[..]).into(),
                )
            })
        });
        // Open a sealed packet: the same ciphertext each time, restored after decryption.
        let mut sealed = vec![0xab; payload];
        let tag = ours.seal(&iv, &aad, &mut sealed).expect("short");
        let mut work = sealed.clone();
        g.bench_function(BenchmarkId::new("open/composed", payload), |b| {
            b.iter(|| {
                work.copy_from_slice(&sealed);
                ours.open(black_box(&iv), &aad, black_box(&mut work), &tag)
                    .expect("authentic")
            })
        });
        g.bench_function(BenchmarkId::new("open/aes_gcm_crate", payload), |b| {
            b.iter(|| {
                work.copy_from_slice(&sealed);
                theirs
                    .decrypt_inout_detached(
                        black_box(&iv).into(),
                        &aad,
                        black_box(&mut work[..]).into(),
                        (&tag).into(),
                    )
                    .expect("authentic")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hmac_sha1, gcm);
criterion_main!(benches);
