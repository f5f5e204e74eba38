//! Issue #14: the connection fails closed. Nothing but an authenticated peer can end an
//! association; forged or malformed plaintext is dropped and counted; a peer is
//! authenticated by fingerprint or the handshake fails.

use dtls::record::{ContentType, DTLS_1_2, RecordHeader, records};
use dtls::{
    AlertDescription, Certificate, ChaChaRandom, Config, Connection, Error, Event, HashFunction,
};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Client and server configurations, and a third certificate nobody announced.
fn configs() -> &'static (Config, Config, Config) {
    static CONFIGS: OnceLock<(Config, Config, Config)> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let cert = |s: u8, n| Certificate::generate(n, &mut ChaChaRandom::from_seed([s; 32]));
        (
            Config::new(cert(1, "client").unwrap()),
            Config::new(cert(2, "server").unwrap()),
            Config::new(cert(9, "mallory").unwrap()),
        )
    })
}

fn fp(c: &Config) -> dtls::Fingerprint {
    c.certificate.fingerprint(HashFunction::Sha256)
}

fn rng(seed: u8) -> Box<ChaChaRandom> {
    Box::new(ChaChaRandom::from_seed([seed; 32]))
}

/// A client and a server of the given configurations, each requiring the other's
/// fingerprint.
fn pair_of(cc: Config, sc: Config, now: Instant) -> (Connection, Connection) {
    let (cfp, sfp) = (fp(&configs().0), fp(&configs().1));
    let mut c = Connection::client(Arc::new(cc), rng(3), now);
    let mut s = Connection::server(Arc::new(sc), rng(4), b"peer", now);
    c.require_peer_fingerprints(vec![sfp]).unwrap();
    s.require_peer_fingerprints(vec![cfp]).unwrap();
    (c, s)
}

fn pair(now: Instant) -> (Connection, Connection) {
    pair_of(configs().0.clone(), configs().1.clone(), now)
}

/// Moves datagrams both ways until both are quiet; returns the first error of each side.
fn pump(a: &mut Connection, b: &mut Connection, now: Instant) -> (Option<Error>, Option<Error>) {
    let (mut ea, mut eb) = (None, None);
    for _ in 0..16 {
        let mut moved = false;
        while let Some(d) = a.poll_transmit() {
            moved = true;
            if let Err(e) = b.handle_datagram(now, &d) {
                eb.get_or_insert(e);
            }
        }
        while let Some(d) = b.poll_transmit() {
            moved = true;
            if let Err(e) = a.handle_datagram(now, &d) {
                ea.get_or_insert(e);
            }
        }
        if !moved {
            break;
        }
    }
    (ea, eb)
}

fn drain_events(c: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn connected_pair(now: Instant) -> (Connection, Connection) {
    let (mut c, mut s) = pair(now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
    drain_events(&mut c);
    drain_events(&mut s);
    (c, s)
}

/// The handshake message types of the plaintext handshake records in `datagram`.
fn handshake_types(datagram: &[u8]) -> Vec<u8> {
    records(datagram)
        .filter_map(Result::ok)
        .filter(|r| r.header.content_type == ContentType::Handshake && r.header.epoch == 0)
        .filter_map(|r| r.fragment.first().copied())
        .collect()
}

/// One plaintext epoch-0 record.
fn record(content_type: ContentType, seq: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RecordHeader {
        content_type,
        version: DTLS_1_2,
        epoch: 0,
        sequence_number: seq,
        length: payload.len() as u16,
    }
    .write(&mut out);
    out.extend_from_slice(payload);
    out
}

// Finding 2: an empty fingerprint list authenticates nobody.

#[test]
fn empty_fingerprint_list_is_a_typed_error_and_changes_nothing() {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    assert_eq!(
        c.require_peer_fingerprints(Vec::new()),
        Err(Error::NoPeerFingerprints)
    );
    assert_eq!(
        s.require_peer_fingerprints(Vec::new()),
        Err(Error::NoPeerFingerprints)
    );
    // The fingerprints set before still apply: the handshake authenticates both sides.
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
}

#[test]
fn client_without_fingerprints_fails_with_peer_not_authenticated() {
    let now = Instant::now();
    let mut c = Connection::client(Arc::new(configs().0.clone()), rng(3), now);
    let mut s = Connection::server(Arc::new(configs().1.clone()), rng(4), b"peer", now);
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    let (ec, _) = pump(&mut c, &mut s, now);
    assert_eq!(ec, Some(Error::PeerNotAuthenticated));
    assert!(c.is_failed() && !s.is_connected());
    assert_eq!(c.srtp_keys().unwrap_err(), Error::NotConnected);
    // internal_error, not bad_certificate: the fault is ours, not the peer's.
    assert_eq!(
        Error::PeerNotAuthenticated.alert(),
        AlertDescription::InternalError
    );
    assert!(matches!(
        drain_events(&mut s).last(),
        Some(Event::Failed(Error::PeerAlert(
            AlertDescription::InternalError
        )))
    ));
}

#[test]
fn server_without_fingerprints_fails_with_peer_not_authenticated() {
    let now = Instant::now();
    let mut sc = configs().1.clone();
    // Not even a configuration that does not require client certificates lets an
    // unconfigured server connect.
    sc.require_client_certificate = false;
    let mut c = Connection::client(Arc::new(configs().0.clone()), rng(3), now);
    let mut s = Connection::server(Arc::new(sc), rng(4), b"peer", now);
    c.require_peer_fingerprints(vec![fp(&configs().1)]).unwrap();
    let (ec, es) = pump(&mut c, &mut s, now);
    assert_eq!(es, Some(Error::PeerNotAuthenticated));
    assert_eq!(ec, Some(Error::PeerAlert(AlertDescription::InternalError)));
    assert!(s.is_failed() && c.is_failed());
}

// Finding 3: fingerprints count even when the configuration does not require client
// certificates.

#[test]
fn server_with_fingerprints_requests_the_client_certificate_whatever_the_config() {
    let now = Instant::now();
    let mut sc = configs().1.clone();
    sc.require_client_certificate = false;
    // The client presents mallory's certificate, which the server did not announce.
    let mut c = Connection::client(Arc::new(configs().2.clone()), rng(3), now);
    let mut s = Connection::server(Arc::new(sc), rng(4), b"peer", now);
    c.require_peer_fingerprints(vec![fp(&configs().1)]).unwrap();
    s.require_peer_fingerprints(vec![fp(&configs().0)]).unwrap();
    let mut sent = Vec::new();
    let mut es = None;
    for _ in 0..8 {
        while let Some(d) = c.poll_transmit() {
            if let Err(e) = s.handle_datagram(now, &d) {
                es.get_or_insert(e);
            }
        }
        while let Some(d) = s.poll_transmit() {
            sent.extend(handshake_types(&d));
            let _ = c.handle_datagram(now, &d);
        }
    }
    // HelloVerifyRequest, then ServerHello, Certificate, ServerKeyExchange,
    // CertificateRequest, ServerHelloDone.
    assert_eq!(sent, [3, 2, 11, 12, 13, 14]);
    assert_eq!(es, Some(Error::FingerprintMismatch));
    assert!(s.is_failed() && !c.is_connected());
}

#[test]
fn server_with_fingerprints_and_optional_certificate_reports_the_checked_client() {
    let now = Instant::now();
    let mut sc = configs().1.clone();
    sc.require_client_certificate = false;
    let (mut c, mut s) = pair_of(configs().0.clone(), sc, now);
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    let Some(Event::Connected(info)) = drain_events(&mut s).into_iter().next() else {
        panic!("server connected");
    };
    assert_eq!(info.peer_fingerprint, Some(fp(&configs().0)));
}
