//! A DTLS server past the cookie exchange, a client past the server's flight, and a
//! connected pair (RFC 6347), each fed arbitrary datagrams and mutated copies of what the
//! real peer sends next: nothing panics, and a side that is not connected exposes no keys.
//!
//! Input: a stage byte, then operations. `0, len(2), bytes`: an arbitrary datagram.
//! `1, index, offset(2), xor`: the real peer's `index`-th datagram with one byte flipped
//! (`xor` 0 delivers it intact). `2, seconds`: time passes (retransmission, timeout).
#![no_main]

use dtls::cookie::CookieSecret;
use dtls::{Certificate, ChaChaRandom, Config, Connection};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

fn configs() -> &'static (Arc<Config>, Arc<Config>) {
    static CONFIGS: OnceLock<(Arc<Config>, Arc<Config>)> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let cert = |s| {
            Certificate::generate("fuzz", &mut ChaChaRandom::from_seed([s; 32]))
                .expect("certificate")
        };
        (
            Arc::new(Config::new(cert(1))),
            Arc::new(Config::new(cert(2))),
        )
    })
}

fn drain(c: &mut Connection) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| c.poll_transmit()).collect()
}

fn deliver(to: &mut Connection, datagrams: &[Vec<u8>], now: Instant) {
    for d in datagrams {
        to.handle_datagram(now, d).expect("a clean handshake");
    }
}

/// The connection under test and the datagrams its real peer would send it next.
fn stage(which: u8, now: Instant) -> (Connection, Vec<Vec<u8>>) {
    let (cc, sc) = configs();
    let secret = Arc::new(CookieSecret::generate(&mut ChaChaRandom::from_seed(
        [5; 32],
    )));
    let mut client =
        Connection::client(cc.clone(), Box::new(ChaChaRandom::from_seed([3; 32])), now);
    let mut server = Connection::server_with_cookie_secret(
        sc.clone(),
        Box::new(ChaChaRandom::from_seed([4; 32])),
        secret,
        b"peer",
        now,
    );
    client.dangerous_accept_any_peer_certificate();
    server.dangerous_accept_any_peer_certificate();
    // ClientHello, HelloVerifyRequest; ClientHello with the cookie, flight 4.
    for round in 0..2 {
        let d = drain(&mut client);
        deliver(&mut server, &d, now);
        let d = drain(&mut server);
        deliver(&mut client, &d, now);
        if round == 1 && which.is_multiple_of(3) {
            // The server, past the cookie, waits for flight 5.
            return (server, drain(&mut client));
        }
    }
    let flight5 = drain(&mut client);
    deliver(&mut server, &flight5, now);
    let flight6 = drain(&mut server);
    if which % 3 == 1 {
        return (client, flight6);
    }
    deliver(&mut client, &flight6, now);
    server
        .send_application_data(b"media keys are ready")
        .expect("connected");
    let mut data = drain(&mut server);
    server.close();
    data.extend(drain(&mut server));
    (client, data)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let now = Instant::now();
    let (mut conn, peer) = stage(which, now);
    let mut t = now;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 3 {
            0 => {
                let [a, b, tail @ ..] = rest else { break };
                let len = usize::from(u16::from_be_bytes([*a, *b])).min(tail.len());
                let _ = conn.handle_datagram(t, &tail[..len]);
                rest = &tail[len..];
            }
            1 => {
                let [index, o1, o2, xor, tail @ ..] = rest else {
                    break;
                };
                rest = tail;
                let Some(original) = peer.get(usize::from(*index) % peer.len().max(1)) else {
                    continue;
                };
                let mut d = original.clone();
                if let Some(len) = std::num::NonZeroUsize::new(d.len()) {
                    d[usize::from(u16::from_be_bytes([*o1, *o2])) % len] ^= xor;
                }
                let _ = conn.handle_datagram(t, &d);
            }
            _ => {
                let [secs, tail @ ..] = rest else { break };
                rest = tail;
                t += Duration::from_secs(u64::from(*secs));
                let _ = conn.handle_timeout(t);
            }
        }
        while conn.poll_transmit().is_some() {}
        while conn.poll_event().is_some() {}
    }
    if !conn.is_connected() {
        assert!(
            conn.export_keying_material(b"EXTRACTOR-dtls_srtp", 60)
                .is_err()
        );
        assert!(conn.srtp_contexts().is_err());
    }
});
