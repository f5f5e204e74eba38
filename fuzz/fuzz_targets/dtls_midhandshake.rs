//! A DTLS server past the cookie exchange, a client past the server's flight, and a
//! connected pair, in DTLS 1.2 (RFC 6347) and in DTLS 1.3 (RFC 9147: past the
//! HelloRetryRequest, waiting for the server's flight, connected), each fed arbitrary datagrams and mutated copies of what the
//! real peer sends next: nothing panics, and a side that is not connected exposes no keys.
//!
//! Stages 6-11 are stages 0-5 with connection IDs negotiated (RFC 9146, RFC 9147 §9: the
//! client asks for a 2-byte CID, the server for an 8-byte one), so the mutated records
//! are `tls12_cid` records and unified headers with the C bit.
//!
//! Input: a stage byte (0-2 DTLS 1.2, 3-5 DTLS 1.3, 6-11 the same with CIDs), then operations. `0, len(2), bytes`: an arbitrary datagram.
//! `1, index, offset(2), xor`: the real peer's `index`-th datagram with one byte flipped
//! (`xor` 0 delivers it intact). `2, seconds`: time passes (retransmission, timeout).
//!
//! Speed: each stage is reached once, by replaying a recorded handshake into seeded
//! connections, and every input runs on a fork of that connection (`dtls::internal::fork`,
//! behind the crate's `fuzzing` feature) with a fixed seed and the stage's own clock, so an
//! input costs only what it makes the connection do: about 100 executions/s when every
//! input replayed the handshake, thousands now.
#![no_main]

use chacha20::ChaCha20Rng;
use dtls::CookieSecret;
use dtls::{
    Certificate, Config, Connection, ConnectionId, Fingerprint, HashFunction, ProtocolVersion,
};
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const PEER: std::net::SocketAddr = std::net::SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)),
    5000,
);

fn configs(v13: bool, cid: bool) -> &'static (Arc<Config>, Arc<Config>) {
    static CONFIGS: OnceLock<[(Arc<Config>, Arc<Config>); 4]> = OnceLock::new();
    &CONFIGS.get_or_init(|| {
        let config = |s, version, cid: Option<&[u8]>| {
            let mut c = Config::new(
                Certificate::generate_with_rng("fuzz", &mut ChaCha20Rng::from_seed([s; 32]))
                    .expect("certificate"),
            );
            c.max_version = version;
            c.connection_id = cid.map(|b| ConnectionId::new(b.to_vec()).expect("short CID"));
            Arc::new(c)
        };
        [
            (ProtocolVersion::Dtls12, false),
            (ProtocolVersion::Dtls13, false),
            (ProtocolVersion::Dtls12, true),
            (ProtocolVersion::Dtls13, true),
        ]
        .map(|(version, cid)| {
            (
                config(1, version, cid.then_some(&[0xC1, 0xC2][..])),
                config(2, version, cid.then_some(&[0x5E; 8][..])),
            )
        })
    })[usize::from(v13) + 2 * usize::from(cid)]
}

fn drain(c: &mut Connection) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| c.poll_transmit().map(<[u8]>::to_vec)).collect()
}

fn deliver(to: &mut Connection, datagrams: &[Vec<u8>], now: Instant) {
    for d in datagrams {
        to.handle_datagram(now, d).expect("a clean handshake");
    }
}

fn cookie_secret() -> Arc<CookieSecret> {
    Arc::new(CookieSecret::generate_with_rng(
        &mut ChaCha20Rng::from_seed([5; 32]),
    ))
}

/// Each side authenticates the other by its certificate fingerprint (RFC 8122), as a real
/// DTLS-SRTP endpoint does, so the server requests and checks the client certificate.
fn fingerprint(config: &Config) -> Vec<Fingerprint> {
    vec![config.certificate.fingerprint(HashFunction::Sha256)]
}

fn new_client(now: Instant, v13: bool, cid: bool) -> Connection {
    let (client, server) = configs(v13, cid);
    let mut c = Connection::client_with_rng(client.clone(), ChaCha20Rng::from_seed([3; 32]), now);
    c.require_peer_fingerprints(fingerprint(server))
        .expect("one fingerprint");
    c
}

fn new_server(now: Instant, v13: bool, cid: bool) -> Connection {
    let (client, server) = configs(v13, cid);
    let mut s = Connection::server_with_cookie_secret(
        server.clone(),
        ChaCha20Rng::from_seed([4; 32]),
        cookie_secret(),
        PEER,
        now,
    );
    s.require_peer_fingerprints(fingerprint(client))
        .expect("one fingerprint");
    s
}

/// How to bring a fresh, identically seeded connection to one stage: the flights its peer
/// sent it, in order, and what the peer sends next (the datagrams the fuzzer mutates).
struct Script {
    server: bool,
    flights: Vec<Vec<Vec<u8>>>,
    peer: Vec<Vec<u8>>,
}

/// Runs one real handshake and records, for each stage, what the side under test received.
///
/// Both sides are seeded, so a fresh connection fed the recorded flights reaches exactly the
/// state the recorded one was in; that replay runs once per stage ([`stages`]), and each
/// input works on a fork of its result.
fn record(now: Instant, v13: bool, cid: bool) -> [Script; 3] {
    let mut client = new_client(now, v13, cid);
    let mut server = new_server(now, v13, cid);
    let hello = drain(&mut client);
    deliver(&mut server, &hello, now);
    let verify_request = drain(&mut server);
    deliver(&mut client, &verify_request, now);
    let hello_with_cookie = drain(&mut client);
    deliver(&mut server, &hello_with_cookie, now);
    let flight4 = drain(&mut server);
    deliver(&mut client, &flight4, now);
    let flight5 = drain(&mut client);
    deliver(&mut server, &flight5, now);
    let flight6 = drain(&mut server);
    deliver(&mut client, &flight6, now);
    assert!(client.is_connected() && server.is_connected());
    assert_eq!(client.peer_connection_id().is_some(), cid);
    server
        .send_application_data(b"media keys are ready")
        .expect("connected");
    let mut data = drain(&mut server);
    server.close();
    data.extend(drain(&mut server));
    [
        // The server, past the cookie, waits for flight 5.
        Script {
            server: true,
            flights: vec![hello, hello_with_cookie],
            peer: flight5,
        },
        // DTLS 1.2: the client waits for flight 6. DTLS 1.3: the client, past the
        // HelloRetryRequest, waits for the server's flight (it is connected once that
        // flight's Finished verifies, so there is no later stage before connected).
        if v13 {
            Script {
                server: false,
                flights: vec![verify_request.clone()],
                peer: flight4.clone(),
            }
        } else {
            Script {
                server: false,
                flights: vec![verify_request.clone(), flight4.clone()],
                peer: flight6.clone(),
            }
        },
        // The client is connected; the server sends data, then closes.
        Script {
            server: false,
            flights: vec![verify_request, flight4, flight6],
            peer: data,
        },
    ]
}

fn scripts() -> &'static [Script] {
    static SCRIPTS: OnceLock<Vec<Script>> = OnceLock::new();
    SCRIPTS.get_or_init(|| {
        let now = Instant::now();
        let mut all: Vec<Script> = Vec::new();
        for cid in [false, true] {
            for v13 in [false, true] {
                all.extend(record(now, v13, cid));
            }
        }
        all
    })
}

/// The connection under test at stage `which` and the datagrams its real peer would send
/// it next, built by replaying the recorded flights.
fn replay(which: u8, now: Instant) -> (Connection, &'static [Vec<u8>]) {
    let script = &scripts()[usize::from(which % 12)];
    let v13 = which % 6 >= 3;
    let cid = which % 12 >= 6;
    let mut conn = if script.server {
        new_server(now, v13, cid)
    } else {
        new_client(now, v13, cid)
    };
    if !script.server {
        drain(&mut conn);
    }
    for flight in &script.flights {
        deliver(&mut conn, flight, now);
        drain(&mut conn);
    }
    assert_eq!(
        conn.is_connected(),
        which % 3 == 2,
        "the replay reaches its stage"
    );
    (conn, &script.peer)
}

/// The twelve stages, built once, and the time they were built at, which every input starts
/// from (a sans-IO connection knows only the times it is given).
struct Stages {
    built: Instant,
    connections: Vec<(Connection, &'static [Vec<u8>])>,
}

fn stages() -> &'static Mutex<Stages> {
    static STAGES: OnceLock<Mutex<Stages>> = OnceLock::new();
    STAGES.get_or_init(|| {
        let built = Instant::now();
        let connections = (0..12).map(|which| replay(which, built)).collect();
        Mutex::new(Stages { built, connections })
    })
}

/// A fork of stage `which`, with a fixed seed so an input always behaves the same.
fn stage(which: u8) -> (Connection, &'static [Vec<u8>], Instant) {
    let stages = stages().lock().unwrap_or_else(|e| e.into_inner());
    let (conn, peer) = &stages.connections[usize::from(which % 12)];
    let fork = dtls::internal::fork(conn, ChaCha20Rng::from_seed([6; 32]));
    (fork, peer, stages.built)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let (mut conn, peer, now) = stage(which);
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
