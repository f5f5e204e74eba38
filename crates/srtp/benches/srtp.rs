//! Criterion benchmarks: SRTP protect and unprotect of 160- and 1200-byte payloads for
//! AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM, and SRTCP protect; and protect of a
//! 160-byte payload with two CSRCs and a one-byte-header extension, with cryptex (RFC 9335)
//! and without.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use srtp::{Config, Context, MasterKey, ProtectionProfile};
use std::hint::black_box;

fn context(profile: ProtectionProfile) -> Context {
    context_with(profile, Config::default())
}

fn context_with(profile: ProtectionProfile, config: Config) -> Context {
    let key = MasterKey::new(
        profile,
        &vec![0x11; profile.master_key_len()],
        &vec![0x22; profile.master_salt_len()],
    )
    .expect("lengths match the profile");
    Context::new(profile, key, config).expect("the config is valid")
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

/// Protect with and without cryptex, on a packet whose CSRCs and extension cryptex
/// encrypts (so the extension-word rotation is part of what is measured).
fn bench_cryptex(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp-cryptex");
    for profile in [
        ProtectionProfile::AesCm128HmacSha1_80,
        ProtectionProfile::AeadAes128Gcm,
    ] {
        let mut plain = rtp(0, 1);
        plain[0] = 0x92; // X, two CSRCs
        plain.extend_from_slice(&[0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22]);
        plain.extend_from_slice(&[0xbe, 0xde, 0, 2, 0x10, 0xff, 0x31, 0x00, 0x01, 0x02, 0, 0]);
        plain.resize(plain.len() + 160, 0xab);
        g.throughput(Throughput::Bytes(160));
        for cryptex in [false, true] {
            let mut tx = context_with(
                profile,
                Config {
                    cryptex,
                    ..Config::default()
                },
            );
            let mut buf = vec![0u8; 1500];
            let mut seq = 0u16;
            let name = if cryptex { "cryptex" } else { "plain" };
            g.bench_function(BenchmarkId::new(name, format!("{profile}/160")), |b| {
                b.iter(|| {
                    buf[..plain.len()].copy_from_slice(&plain);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    black_box(tx.protect_rtp(&mut buf, plain.len()).expect("protect"))
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench, bench_cryptex);
criterion_main!(benches);
