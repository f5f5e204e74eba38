//! Each hand-assembled primitive of the crate raced against the plain RustCrypto
//! composition it replaces, on SRTP-sized inputs (a 12-byte header plus 160 or 1200 bytes
//! of payload): HMAC-SHA1 with precomputed pads against `hmac::Hmac<sha1::Sha1>`, the
//! AES-ICM keystream against `ctr::Ctr128BE<aes::Aes128>`, and GCM against
//! `aes_gcm::AesGcm`. docs/benchmarks.md ("Hand-assembled crypto in srtp") records the
//! figures and what was kept.

use aes::Aes128Enc;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use aes_gcm::aead::AeadInOut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::Mac;
use srtp::internal::{Counter, HmacSha1, ctr_apply};
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
    }
    g.finish();
}

fn aes_icm(c: &mut Criterion) {
    let mut g = c.benchmark_group("aes_icm");
    let aes = Aes128Enc::new(&[0x11; 16].into());
    let iv = [0x22; 16];
    for len in SIZES {
        let mut data = vec![0xab; len];
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("hand", len), |b| {
            b.iter(|| ctr_apply(&aes, black_box(iv), Counter::Full, black_box(&mut data)))
        });
        g.bench_function(BenchmarkId::new("ctr_crate", len), |b| {
            b.iter(|| {
                let core = ctr::CtrCore::<&Aes128Enc, ctr::flavors::Ctr128BE>::inner_iv_init(
                    &aes,
                    &black_box(iv).into(),
                );
                StreamCipherCoreWrapper::from_core(core).apply_keystream(black_box(&mut data))
            })
        });
    }
    g.finish();
}

fn gcm(c: &mut Criterion) {
    let mut g = c.benchmark_group("aes_gcm");
    let key = [0x11; 16];
    let hand = srtp::internal::Gcm::new(Aes128Enc::new(&key.into()));
    let crate_gcm = aes_gcm::Aes128Gcm::new(&key.into());
    let iv = [0x33; 12];
    let aad = [0x80; 12];
    for len in [160usize, 1200] {
        let mut data = vec![0xab; len];
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("hand_seal", len), |b| {
            b.iter(|| black_box(hand.seal(black_box(&iv), &aad, black_box(&mut data))))
        });
        g.bench_function(BenchmarkId::new("aes_gcm_crate_seal", len), |b| {
            b.iter(|| {
                black_box(
                    crate_gcm
                        .encrypt_inout_detached(
                            &black_box(iv).into(),
                            &aad,
                            black_box(&mut data[..]).into(),
                        )
                        .expect("short input"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hmac_sha1, aes_icm, gcm);
criterion_main!(benches);
