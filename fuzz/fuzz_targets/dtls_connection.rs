//! A DTLS server and a client fed arbitrary datagrams (RFC 6347): neither panics, and a
//! failed connection exposes no keys.
#![no_main]

use chacha20::ChaCha20Rng;
use dtls::{Certificate, Config, Connection};
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const PEER: std::net::SocketAddr = std::net::SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)),
    5000,
);

fn config() -> Arc<Config> {
    static CONFIG: OnceLock<Arc<Config>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let cert = Certificate::generate_with_rng("fuzz", &mut ChaCha20Rng::from_seed([1; 32]))
                .expect("certificate");
            Arc::new(Config::new(cert))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let mut server =
        Connection::server_with_rng(config(), ChaCha20Rng::from_seed([2; 32]), PEER, now);
    let mut client = Connection::client_with_rng(config(), ChaCha20Rng::from_seed([3; 32]), now);
    server.dangerous_accept_any_peer_certificate();
    client.dangerous_accept_any_peer_certificate();
    // Datagrams are separated by a two-byte big-endian length.
    let mut rest = data;
    let mut t = now;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let datagram = &rest[2..2 + len];
        rest = &rest[2 + len..];
        t += Duration::from_millis(100);
        let _ = server.handle_datagram(t, datagram);
        let _ = client.handle_datagram(t, datagram);
        let _ = server.handle_timeout(t);
        let _ = client.handle_timeout(t);
        while server.poll_transmit().is_some() {}
        while client.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
        while client.poll_event().is_some() {}
    }
    for c in [&server, &client] {
        if !c.is_connected() {
            assert!(
                c.export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
                    .is_err()
            );
        }
    }
});
