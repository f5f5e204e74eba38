//! The passive handshake observer (`dtls::observe::HandshakeObserver`) fed arbitrary
//! datagrams from both sides, mixed with intact and bit-flipped datagrams of a real,
//! fragmented handshake: nothing panics, the summary is always self-consistent, and when
//! every real datagram arrived intact at least once and nothing else did, in whatever order
//! and however repeated, the summary is exactly that of the real handshake.
//!
//! Every input is played twice: against a recorded DTLS 1.2 handshake with an observer
//! without a key log, and against a recorded DTLS 1.3 handshake (the default version, with
//! a HelloRetryRequest) with an observer given that handshake's key log
//! (`HandshakeObserver::with_key_log`), which opens the encrypted flights to report the
//! SRTP profile and both fingerprints. With only intact real datagrams no DTLS 1.3 record
//! may fail to open, whatever the order (records ahead of the hellos are held).
//!
//! Input: operations. `0, side, len(2), bytes`: an arbitrary datagram from `side & 1`
//! (0 client, 1 server). `1, index, offset(2), xor`: the real handshake's `index`-th
//! datagram (modulo its datagram count) from its real sender, with one byte flipped (`xor`
//! 0 delivers it intact).
#![no_main]

use chacha20::ChaCha20Rng;
use dtls::keylog::{KeyLog, KeyLogEntries, format_line};
use dtls::observe::{HandshakeObserver, HandshakeSummary, Side, cipher_suite_name};
use dtls::{Certificate, Config, Connection, HashFunction, ProtocolVersion};
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Every datagram of a handshake with its sender, the key log its endpoints wrote, and the
/// summary of observing them all in order (with the key log for DTLS 1.3).
struct Recorded {
    wire: Vec<(Side, Vec<u8>)>,
    key_log: Option<Arc<KeyLogEntries>>,
    summary: HandshakeSummary,
}

/// Keeps the NSS lines the endpoints log.
#[derive(Default)]
struct MemoryLog(Mutex<String>);

impl KeyLog for MemoryLog {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .expect("log")
            .push_str(&format_line(label, client_random, secret));
    }
}

impl Recorded {
    fn observer(&self) -> HandshakeObserver {
        match &self.key_log {
            Some(log) => HandshakeObserver::with_key_log(log.clone()),
            None => HandshakeObserver::new(),
        }
    }
}

/// A seeded handshake with flights fragmented to 256 bytes: DTLS 1.2 without a key log, or
/// DTLS 1.3 with both endpoints' key log.
fn record(dtls13: bool) -> Recorded {
    let now = Instant::now();
    let log = Arc::new(MemoryLog::default());
    let config = |s| {
        let cert = Certificate::generate_with_rng("fuzz", &mut ChaCha20Rng::from_seed([s; 32]))
            .expect("certificate");
        let mut c = Config::new(cert);
        c.mtu = 256;
        if dtls13 {
            c.set_key_log(log.clone());
        } else {
            c.max_version = ProtocolVersion::Dtls12;
        }
        c
    };
    let (cc, sc) = (config(1), config(2));
    let cfp = cc.certificate.fingerprint(HashFunction::Sha256);
    let sfp = sc.certificate.fingerprint(HashFunction::Sha256);
    let mut client =
        Connection::client_with_rng(Arc::new(cc), ChaCha20Rng::from_seed([3; 32]), now);
    let mut server = Connection::server_with_rng(
        Arc::new(sc),
        ChaCha20Rng::from_seed([4; 32]),
        "192.0.2.1:5000".parse().expect("address"),
        now,
    );
    client.require_peer_fingerprints(vec![sfp]).expect("one");
    server.require_peer_fingerprints(vec![cfp]).expect("one");
    let mut wire = Vec::new();
    for _ in 0..8 {
        while let Some(d) = client.poll_transmit() {
            let d = d.to_vec();
            server.handle_datagram(now, &d).expect("clean handshake");
            wire.push((Side::Client, d));
        }
        while let Some(d) = server.poll_transmit() {
            let d = d.to_vec();
            client.handle_datagram(now, &d).expect("clean handshake");
            wire.push((Side::Server, d));
        }
    }
    assert!(client.is_connected() && server.is_connected());
    let key_log = dtls13.then(|| Arc::new(KeyLogEntries::parse(&log.0.lock().expect("log"))));
    let mut recorded = Recorded {
        wire,
        key_log,
        summary: HandshakeSummary::default(),
    };
    let mut o = recorded.observer();
    for (side, d) in &recorded.wire {
        o.observe(d, *side);
    }
    let summary = o.summary();
    assert_eq!(summary.version, Some(if dtls13 { 0xFEFC } else { 0xFEFD }));
    assert!(summary.client_fingerprint.is_some() && summary.server_fingerprint.is_some());
    assert!(summary.srtp_profile.is_some());
    recorded.summary = summary;
    recorded
}

fn recorded() -> &'static [Recorded; 2] {
    static RECORDED: OnceLock<[Recorded; 2]> = OnceLock::new();
    RECORDED.get_or_init(|| [record(false), record(true)])
}

fn check_consistent(s: &HandshakeSummary) {
    assert_eq!(s.version.is_some(), s.server_random.is_some());
    assert_eq!(s.version.is_some(), s.cipher_suite.is_some());
    assert_eq!(
        s.cipher_suite_name,
        s.cipher_suite.and_then(cipher_suite_name)
    );
    for fp in [&s.client_fingerprint, &s.server_fingerprint]
        .into_iter()
        .flatten()
    {
        assert_eq!(fp.len(), 32 * 3 - 1, "{fp}");
        assert!(fp.bytes().enumerate().all(|(i, b)| if i % 3 == 2 {
            b == b':'
        } else {
            b.is_ascii_hexdigit() && !b.is_ascii_lowercase()
        }));
    }
    if s.version.is_none() {
        assert!(s.srtp_profile.is_none() && !s.extended_master_secret);
    }
}

fn play(recorded: &Recorded, data: &[u8]) {
    let wire = &recorded.wire;
    let mut o = recorded.observer();
    let mut rest = data;
    let mut tainted = false;
    let mut intact = vec![false; wire.len()];
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        if op % 2 == 0 {
            let [side, a, b, tail @ ..] = rest else { break };
            let len = usize::from(u16::from_be_bytes([*a, *b])).min(tail.len());
            let side = if side & 1 == 0 {
                Side::Client
            } else {
                Side::Server
            };
            o.observe(&tail[..len], side);
            tainted = true;
            rest = &tail[len..];
        } else {
            let [index, o1, o2, xor, tail @ ..] = rest else {
                break;
            };
            rest = tail;
            let i = usize::from(*index) % wire.len();
            let (side, original) = &wire[i];
            let mut d = original.clone();
            let at = usize::from(u16::from_be_bytes([*o1, *o2])) % d.len().max(1);
            if let Some(byte) = d.get_mut(at) {
                *byte ^= xor;
            }
            o.observe(&d, *side);
            if *xor == 0 {
                intact[i] = true;
            } else {
                tainted = true;
            }
        }
        check_consistent(&o.summary());
    }
    if !tainted {
        assert_eq!(o.counters().undecryptable_records, 0, "{:?}", o.counters());
        if intact.iter().all(|&b| b) {
            assert_eq!(o.summary(), recorded.summary);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for recorded in recorded() {
        play(recorded, data);
    }
});
