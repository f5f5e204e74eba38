//! The cookie exchange (RFC 6347 §4.2.1): the first thing a server runs on datagrams from
//! an address it has no connection for. Each input is judged twice.
//!
//! As one datagram: a challenge is a well-formed HelloVerifyRequest record, and a
//! ClientHello that came whole, sent back with that cookie, is accepted from the same
//! address and challenged from another.
//!
//! As a sequence of datagrams from two addresses through one [`PendingHellos`] table, which
//! reassembles ClientHellos that come in fragments: each datagram is a two-byte big-endian
//! prefix (bit 15: from the second address; bit 14: the clock jumps by
//! [`HELLO_FRAGMENT_LIFETIME`] first, otherwise by 1 ms; the low 14 bits: the length) and
//! its bytes. The table never holds more than its bounds, a challenge is well formed and
//! never larger than what the address sent, and what is accepted is a whole ClientHello
//! carrying the cookie of the address it came from and of no other.
//!
//! Both passes judge for a server capped at DTLS 1.2. A third judges the datagram for a
//! server that allows 1.3: its challenge is either that HelloVerifyRequest or one
//! well-formed HelloRetryRequest record, never larger than the datagram, and nothing a
//! fuzzer can build without the secret is accepted as a 1.3 hello.

#![no_main]

use chacha20::ChaCha20Rng;
use dtls::internal::{ContentType, RECORD_HEADER_LEN, RecordHeader, records};
use dtls::internal::{HandshakeMessage, HandshakeType, encode_message, parse_fragments};
use dtls::{
    Certificate, Config, CookieSecret, HELLO_FRAGMENT_LIFETIME, HelloVerdict, MAX_CLIENT_HELLO_LEN,
    MAX_PENDING_HELLOS, PendingHellos, ProtocolVersion,
};
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const ADDRESS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5004);
const OTHER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 5004);

fn secret() -> &'static CookieSecret {
    static SECRET: OnceLock<CookieSecret> = OnceLock::new();
    SECRET.get_or_init(|| CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([9; 32])))
}

/// The server configurations a front end judges for: capped at DTLS 1.2, and allowing 1.3.
fn configs() -> &'static (Arc<Config>, Arc<Config>) {
    static CONFIGS: OnceLock<(Arc<Config>, Arc<Config>)> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let certificate =
            Certificate::generate_with_rng("front", &mut ChaCha20Rng::from_seed([8; 32]))
                .expect("a certificate");
        let mut v12 = Config::new(certificate);
        v12.max_version = ProtocolVersion::Dtls12;
        let mut v13 = v12.clone();
        v13.max_version = ProtocolVersion::Dtls13;
        (Arc::new(v12), Arc::new(v13))
    })
}

fn v12() -> &'static Arc<Config> {
    &configs().0
}

/// Checks that `hvr` is one epoch-0 handshake record holding one whole
/// HelloVerifyRequest, which is itself dropped; returns its cookie.
fn check_challenge(hvr: &[u8]) -> Vec<u8> {
    let mut all = records(hvr);
    let record = all.next().expect("a record").expect("a valid record");
    assert!(all.next().is_none());
    assert_eq!(record.header.content_type, ContentType::Handshake);
    assert_eq!(record.header.epoch, 0);
    let fragments = parse_fragments(record.fragment).expect("valid fragments");
    let [hvr_fragment] = fragments.as_slice() else {
        panic!("one message")
    };
    let Ok(HandshakeMessage::HelloVerifyRequest(request)) =
        HandshakeMessage::parse(hvr_fragment.header.msg_type, hvr_fragment.body)
    else {
        panic!("a HelloVerifyRequest")
    };
    assert!(!request.cookie.is_empty() && request.cookie.len() <= 255);
    let mut table = PendingHellos::new();
    assert_eq!(
        secret().verify_datagram(v12(), &mut table, Instant::now(), ADDRESS, hvr),
        HelloVerdict::Drop
    );
    assert!(table.is_empty());
    request.cookie
}

/// The input as one datagram, from a first ClientHello to the answer with its cookie.
fn one_datagram(data: &[u8]) {
    let now = Instant::now();
    let mut pending = PendingHellos::new();
    let HelloVerdict::Challenge(hvr) =
        secret().verify_datagram(v12(), &mut pending, now, ADDRESS, data)
    else {
        return;
    };
    let cookie = check_challenge(&hvr);
    assert!(hvr.len() <= data.len());

    // The client's answer: its ClientHello again, with the cookie, when the datagram's
    // first record started with it whole (otherwise the challenge answered a reassembled
    // ClientHello or one in a later record).
    let Some(Ok(original)) = records(data).next() else {
        return;
    };
    if original.header.content_type != ContentType::Handshake || original.header.epoch != 0 {
        return;
    }
    let Some(fragment) = parse_fragments(original.fragment)
        .ok()
        .and_then(|f| f.first().copied())
    else {
        return;
    };
    let h = fragment.header;
    if h.msg_type != HandshakeType::ClientHello
        || h.fragment_offset != 0
        || h.fragment_length != h.length
    {
        return;
    }
    let Ok(HandshakeMessage::ClientHello(mut hello)) =
        HandshakeMessage::parse(HandshakeType::ClientHello, fragment.body)
    else {
        panic!("a challenged whole ClientHello parses")
    };
    hello.cookie = cookie;
    let mut body = Vec::new();
    HandshakeMessage::ClientHello(hello).write_body(&mut body);
    let payload = encode_message(
        HandshakeType::ClientHello,
        h.message_seq.wrapping_add(1),
        &body,
    );
    let Ok(length) = u16::try_from(payload.len()) else {
        return;
    };
    let mut answer = Vec::with_capacity(RECORD_HEADER_LEN + payload.len());
    RecordHeader {
        length,
        ..original.header
    }
    .write(&mut answer);
    answer.extend_from_slice(&payload);
    assert_eq!(
        secret().verify_datagram(v12(), &mut pending, now, ADDRESS, &answer),
        HelloVerdict::Accept(answer.clone())
    );
    assert!(matches!(
        secret().verify_datagram(v12(), &mut pending, now, OTHER, &answer),
        HelloVerdict::Challenge(_)
    ));
}

/// Checks that the first whole ClientHello in `bytes` (the one judged) carries the
/// cookie issued to `address` and not the one issued to `other`.
fn check_accepted(bytes: &[u8], address: SocketAddr, other: SocketAddr) {
    for rec in records(bytes).map_while(Result::ok) {
        for f in parse_fragments(rec.fragment).unwrap_or_default() {
            let h = f.header;
            if h.msg_type == HandshakeType::ClientHello
                && h.fragment_offset == 0
                && h.fragment_length == h.length
            {
                let Ok(HandshakeMessage::ClientHello(hello)) =
                    HandshakeMessage::parse(HandshakeType::ClientHello, f.body)
                else {
                    panic!("an accepted ClientHello parses")
                };
                let cookie = |a| dtls::internal::cookie(secret(), a, &hello);
                assert_eq!(hello.cookie, cookie(address));
                assert_ne!(hello.cookie, cookie(other));
                return;
            }
        }
    }
    panic!("an accepted datagram holds a whole ClientHello")
}

/// The input as length-prefixed datagrams from two addresses through one table.
fn sequence(data: &[u8]) {
    let mut pending = PendingHellos::new();
    let mut now = Instant::now();
    let mut received = [0usize; 2];
    let mut rest = data;
    while let [a, b, tail @ ..] = rest {
        let prefix = u16::from_be_bytes([*a, *b]);
        let (datagram, next) = tail.split_at(usize::from(prefix & 0x3FFF).min(tail.len()));
        rest = next;
        let who = usize::from(prefix >> 15);
        let address = [ADDRESS, OTHER][who];
        now += if prefix & 0x4000 != 0 {
            HELLO_FRAGMENT_LIFETIME
        } else {
            Duration::from_millis(1)
        };
        received[who] += datagram.len();
        match secret().verify_datagram(v12(), &mut pending, now, address, datagram) {
            HelloVerdict::Challenge(hvr) => {
                check_challenge(&hvr);
                assert!(hvr.len() <= received[who], "amplification");
            }
            HelloVerdict::Accept(bytes) => check_accepted(&bytes, address, [OTHER, ADDRESS][who]),
            HelloVerdict::Buffered => assert!(!pending.is_empty()),
            _ => {}
        }
        assert!(pending.len() <= MAX_PENDING_HELLOS);
        assert!(pending.buffered_bytes() <= MAX_PENDING_HELLOS * MAX_CLIENT_HELLO_LEN);
    }
}

/// The input as one datagram to a front end that allows DTLS 1.3.
fn one_datagram_dtls13(data: &[u8]) {
    let mut pending = PendingHellos::new();
    match secret().verify_datagram(&configs().1, &mut pending, Instant::now(), ADDRESS, data) {
        HelloVerdict::Challenge(answer) => {
            assert!(answer.len() <= data.len(), "amplification");
            let mut all = records(&answer);
            let record = all.next().expect("a record").expect("a valid record");
            assert!(all.next().is_none());
            assert_eq!(record.header.content_type, ContentType::Handshake);
            assert_eq!(record.header.epoch, 0);
            let fragments = parse_fragments(record.fragment).expect("valid fragments");
            let [fragment] = fragments.as_slice() else {
                panic!("one message")
            };
            match fragment.header.msg_type {
                HandshakeType::HelloVerifyRequest => {
                    check_challenge(&answer);
                }
                HandshakeType::ServerHello => {
                    // RFC 8446's HelloRetryRequest random, after the legacy version.
                    assert_eq!(&fragment.body[2..6], &[0xCF, 0x21, 0xAD, 0x74]);
                }
                other => panic!("a challenge of type {other:?}"),
            }
        }
        HelloVerdict::Accept(bytes) => {
            // Only a 1.2 hello carrying the cookie could be: the fuzzer does not know it.
            check_accepted(&bytes, ADDRESS, OTHER)
        }
        HelloVerdict::Buffered => assert!(!pending.is_empty()),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    one_datagram(data);
    sequence(data);
    one_datagram_dtls13(data);
});
