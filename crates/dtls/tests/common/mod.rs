//! What the integration tests share: certificates generated once, seeded connections, a
//! loss-free pump between two connections, and builders of raw records and messages.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use chacha20::ChaCha20Rng;
use dtls::internal::{
    ContentType, DTLS_1_2, Extensions, HandshakeMessage, HandshakeType, RecordHeader, ServerHello,
    UseSrtp, encode_message,
};
use dtls::{Certificate, Config, Connection, Error, Event, Fingerprint, HashFunction};
use rand_core::SeedableRng;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The client's transport address, as the server's owner sees it.
pub const PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5000);
/// Another client address.
pub const OTHER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 5000);

/// A generator whose output is fixed by `seed`.
pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// Client and server configurations, and a third certificate nobody announced (generated
/// once per test binary: certificates are slow in debug builds).
pub fn configs() -> &'static (Config, Config, Config) {
    static CONFIGS: OnceLock<(Config, Config, Config)> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        // These suites exercise DTLS 1.2; tests/dtls13.rs lifts the cap.
        let config = |seed, name| {
            let mut c = Config::new(Certificate::generate_with_rng(name, &mut rng(seed)).unwrap());
            c.max_version = dtls::ProtocolVersion::Dtls12;
            c
        };
        (
            config(1, "client"),
            config(2, "server"),
            config(9, "mallory"),
        )
    })
}

/// The server configuration with `require_client_certificate` off.
pub fn optional_client_certificate() -> Config {
    let mut sc = configs().1.clone();
    sc.require_client_certificate = false;
    sc
}

/// The SHA-256 fingerprint of a configuration's certificate.
pub fn fp(c: &Config) -> Fingerprint {
    c.certificate.fingerprint(HashFunction::Sha256)
}

/// A seeded client and server of the given configurations, not yet told how to
/// authenticate each other.
pub fn unauthenticated(cc: &Config, sc: &Config, now: Instant) -> (Connection, Connection) {
    let c = Connection::client_with_rng(Arc::new(cc.clone()), rng(3), now);
    let s = Connection::server_with_rng(Arc::new(sc.clone()), rng(4), PEER, now);
    (c, s)
}

/// A client and a server of the given configurations, each requiring the fingerprint of
/// the other's certificate in [`configs`].
pub fn pair_of(cc: Config, sc: Config, now: Instant) -> (Connection, Connection) {
    let (cfp, sfp) = (fp(&configs().0), fp(&configs().1));
    let (mut c, mut s) = unauthenticated(&cc, &sc, now);
    c.require_peer_fingerprints(vec![sfp]).unwrap();
    s.require_peer_fingerprints(vec![cfp]).unwrap();
    (c, s)
}

/// [`pair_of`] the client and server configurations.
pub fn pair(now: Instant) -> (Connection, Connection) {
    pair_of(configs().0.clone(), configs().1.clone(), now)
}

/// Moves datagrams both ways until both are quiet; returns the first error of each side.
pub fn pump(
    a: &mut Connection,
    b: &mut Connection,
    now: Instant,
) -> (Option<Error>, Option<Error>) {
    let (mut ea, mut eb) = (None, None);
    for _ in 0..16 {
        let mut moved = false;
        while let Some(d) = a.poll_transmit() {
            moved = true;
            if let Err(e) = b.handle_datagram(now, d) {
                eb.get_or_insert(e);
            }
        }
        while let Some(d) = b.poll_transmit() {
            moved = true;
            if let Err(e) = a.handle_datagram(now, d) {
                ea.get_or_insert(e);
            }
        }
        if !moved {
            break;
        }
    }
    (ea, eb)
}

/// Pumps until both are quiet, whatever errors the datagrams on the way draw, and checks
/// that the handshake completed on both sides.
pub fn finish(c: &mut Connection, s: &mut Connection, now: Instant) {
    pump(c, s, now);
    assert!(c.is_connected() && s.is_connected());
}

/// The cookie exchange (RFC 6347 §4.2.1): the ClientHello, the HelloVerifyRequest and the
/// ClientHello with the cookie, delivered; the server's flight 4 is left queued in `s`.
pub fn cookie_exchange(c: &mut Connection, s: &mut Connection, now: Instant) {
    let hello = hello_with_cookie(c, s, now);
    s.handle_datagram(now, &hello).unwrap();
}

/// The first half of [`cookie_exchange`]: the ClientHello and the HelloVerifyRequest
/// delivered; the ClientHello with the cookie is returned, not delivered.
pub fn hello_with_cookie(c: &mut Connection, s: &mut Connection, now: Instant) -> Vec<u8> {
    let hello = c.poll_transmit().expect("the ClientHello").to_vec();
    s.handle_datagram(now, &hello).unwrap();
    let hvr = s.poll_transmit().expect("a HelloVerifyRequest").to_vec();
    assert_eq!(hvr[13], 3, "a HelloVerifyRequest");
    c.handle_datagram(now, &hvr).unwrap();
    c.poll_transmit()
        .expect("the ClientHello with the cookie")
        .to_vec()
}

/// [`cookie_exchange`], then every datagram of the server's flight 4 delivered: the
/// client's flight 5 is left queued in `c`.
pub fn to_flight_5(c: &mut Connection, s: &mut Connection, now: Instant) {
    cookie_exchange(c, s, now);
    while let Some(d) = s.poll_transmit() {
        c.handle_datagram(now, d).unwrap();
    }
}

/// Every event queued.
pub fn drain_events(c: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

/// A connected [`pair`] with its events drained.
pub fn connected_pair(now: Instant) -> (Connection, Connection) {
    let (mut c, mut s) = pair(now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
    drain_events(&mut c);
    drain_events(&mut s);
    (c, s)
}

/// One plaintext record.
pub fn record(epoch: u16, seq: u64, content_type: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RecordHeader {
        content_type,
        version: DTLS_1_2,
        epoch,
        sequence_number: seq,
        length: payload.len() as u16,
    }
    .write(&mut out);
    out.extend_from_slice(payload);
    out
}

/// A plaintext epoch-0 handshake record carrying one whole message.
pub fn handshake_record(msg_type: HandshakeType, message_seq: u16, body: &[u8]) -> Vec<u8> {
    record(
        0,
        0,
        ContentType::Handshake,
        &encode_message(msg_type, message_seq, body),
    )
}

/// The body of a ServerHello that answers our client's hello: `cipher_suite`, use_srtp
/// with profile 7 (SRTP_AEAD_AES_128_GCM), extended master secret, secure renegotiation,
/// and session_ticket when asked for.
pub fn server_hello_body(cipher_suite: u16, session_ticket: bool) -> Vec<u8> {
    let mut body = Vec::new();
    HandshakeMessage::ServerHello(ServerHello {
        server_version: DTLS_1_2,
        random: [7; 32],
        session_id: Vec::new(),
        cipher_suite,
        compression_method: 0,
        extensions: Extensions {
            use_srtp: Some(UseSrtp {
                profiles: vec![0x0007],
                mki: Vec::new(),
            }),
            extended_master_secret: true,
            renegotiation_info: Some(Vec::new()),
            session_ticket,
            ..Extensions::default()
        },
    })
    .write_body(&mut body);
    body
}
