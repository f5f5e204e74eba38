//! A full in-memory handshake (ECDHE P-256, ECDSA P-256, both sides authenticated) and
//! AES-128-GCM application-data records of 1200 bytes through a connected pair. The
//! handshake's CPU time beside OpenSSL's, driven the same way, is `cargo xtask bench
//! handshake` (benches/handshake_cpu.rs and xtask/c/dtls_handshake_bench.c).

use chacha20::ChaCha20Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dtls::{Certificate, CipherSuite, Config, Connection, Event, HashFunction, NamedGroup};
use rand_core::SeedableRng;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn configs() -> (Arc<Config>, Arc<Config>) {
    let make = |seed: u8| {
        let cert = Certificate::generate_with_rng("bench", &mut ChaCha20Rng::from_seed([seed; 32]))
            .expect("certificate");
        let mut c = Config::new(cert);
        c.cipher_suites = vec![CipherSuite::EcdheEcdsaAes128GcmSha256];
        c.groups = vec![NamedGroup::Secp256r1];
        Arc::new(c)
    };
    (make(1), make(2))
}

/// Client and server, connected.
fn handshake(
    client_cfg: &Arc<Config>,
    server_cfg: &Arc<Config>,
    seed: u8,
) -> (Connection, Connection) {
    let now = Instant::now();
    let crng = ChaCha20Rng::from_seed([seed; 32]);
    let srng = ChaCha20Rng::from_seed([seed ^ 0xFF; 32]);
    let mut client = Connection::client_with_rng(client_cfg.clone(), crng, now);
    let server_fp = server_cfg.certificate.fingerprint(HashFunction::Sha256);
    client
        .require_peer_fingerprints(vec![server_fp])
        .expect("fingerprint");
    let client_fp = client_cfg.certificate.fingerprint(HashFunction::Sha256);
    let mut server = Connection::server_with_rng(
        server_cfg.clone(),
        srng,
        "192.0.2.1:5004".parse().unwrap(),
        now,
    );
    server
        .require_peer_fingerprints(vec![client_fp])
        .expect("fingerprint");
    while !(client.is_connected() && server.is_connected()) {
        let mut moved = false;
        while let Some(d) = client.poll_transmit() {
            moved = true;
            server.handle_datagram(now, d).expect("server");
        }
        while let Some(d) = server.poll_transmit() {
            moved = true;
            client.handle_datagram(now, d).expect("client");
        }
        assert!(moved, "handshake stalled");
    }
    (client, server)
}

fn bench(c: &mut Criterion) {
    let (cc, sc) = configs();
    let mut seed = 0u8;
    c.bench_function(
        "dtls handshake P-256 ECDHE+ECDSA, mutual auth (both sides)",
        |b| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                black_box(handshake(&cc, &sc, seed))
            })
        },
    );

    let (mut client, mut server) = handshake(&cc, &sc, 0);
    while server.poll_event().is_some() {}
    let payload = vec![0x5A; 1200];
    let mut g = c.benchmark_group("dtls records AES-128-GCM");
    g.throughput(Throughput::Elements(1));
    g.bench_function("1200-byte application data: seal + open", |b| {
        b.iter(|| {
            client.send_application_data(&payload).expect("send");
            let d = client.poll_transmit().expect("record").to_vec();
            server.handle_datagram(Instant::now(), &d).expect("open");
            match server.poll_event() {
                Some(Event::ApplicationData(data)) => black_box(data),
                other => panic!("expected application data, got {other:?}"),
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

criterion_main!(benches);
