//! Criterion benchmarks: SRTP protect and unprotect of 160- and 1200-byte payloads for
//! AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM, and SRTCP protect.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use srtp::{Config, Context, MasterKey, ProtectionProfile};
use std::hint::black_box;

fn context(profile: ProtectionProfile) -> Context {
    let key = MasterKey::new(
        profile,
        &vec![0x11; profile.master_key_len()],
        &vec![0x22; profile.master_salt_len()],
    )
    .expect("lengths match the profile");
    Context::new(profile, key, Config::default()).expect("default config is valid")
}

fn rtp(payload: usize, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0x60];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef]);
    p.resize(12 + payload, 0xab);
    p
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp");
    for profile in [
        ProtectionProfile::AesCm128HmacSha1_80,
        ProtectionProfile::AeadAes128Gcm,
    ] {
        for payload in [160usize, 1200] {
            let plain = rtp(payload, 1);
            g.throughput(Throughput::Bytes(payload as u64));
            let id = format!("{profile}/{payload}");
            let mut tx = context(profile);
            let mut buf = vec![0u8; 1500];
            // The sequence number lives across criterion's calls of the routine: the
            // context refuses to protect an index twice.
            let mut seq = 0u16;
            g.bench_function(BenchmarkId::new("protect", &id), |b| {
                b.iter(|| {
                    buf[..plain.len()].copy_from_slice(&plain);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    black_box(tx.protect_rtp(&mut buf, plain.len()).expect("protect"))
                })
            });
            // Unprotect a fresh copy of one protected packet each time, with a window
            // that never sees it again: a new context per batch would dominate, so the
            // sequence number advances and each packet is protected ahead of time.
            let mut tx = context(profile);
            let packets: Vec<Vec<u8>> = (0..4096u16)
                .map(|seq| {
                    let mut b = vec![0u8; 1500];
                    let p = rtp(payload, seq);
                    b[..p.len()].copy_from_slice(&p);
                    let n = tx.protect_rtp(&mut b, p.len()).expect("protect");
                    b.truncate(n);
                    b
                })
                .collect();
            g.bench_function(BenchmarkId::new("unprotect", &id), |b| {
                let mut rx = context(profile);
                let mut i = 0usize;
                let mut work = vec![0u8; 1500];
                b.iter(|| {
                    if i == packets.len() {
                        rx = context(profile);
                        i = 0;
                    }
                    let p = &packets[i];
                    i += 1;
                    work[..p.len()].copy_from_slice(p);
                    black_box(rx.unprotect_rtp(&mut work[..p.len()]).expect("unprotect"))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
