//! The stateless cookie exchange (RFC 6347 §4.2.1): the first thing a server runs on a
//! datagram from an address it has no connection for. Arbitrary datagrams are judged
//! without state; a challenge is a well-formed HelloVerifyRequest record, and the same
//! ClientHello sent back with that cookie is accepted from the same address and challenged
//! from another.

#![no_main]

use chacha20::ChaCha20Rng;
use dtls::internal::{ContentType, RECORD_HEADER_LEN, RecordHeader, records};
use dtls::internal::{HandshakeMessage, HandshakeType, encode_message, parse_fragments};
use dtls::{CookieSecret, HelloVerdict};
use libfuzzer_sys::fuzz_target;
use rand_core::SeedableRng;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;

const ADDRESS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5004);
const OTHER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 5004);

fn secret() -> &'static CookieSecret {
    static SECRET: OnceLock<CookieSecret> = OnceLock::new();
    SECRET.get_or_init(|| CookieSecret::generate_with_rng(&mut ChaCha20Rng::from_seed([9; 32])))
}

fuzz_target!(|data: &[u8]| {
    let HelloVerdict::Challenge(hvr) = secret().verify_datagram(ADDRESS, data) else {
        return;
    };
    // The challenge: one epoch-0 handshake record holding one whole HelloVerifyRequest.
    let mut all = records(&hvr);
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
    assert_eq!(secret().verify_datagram(ADDRESS, &hvr), HelloVerdict::Drop);

    // The client's answer: its ClientHello again, with the cookie.
    let (original, _) = dtls::internal::Record::parse(data).expect("a challenged record parses");
    let fragment = parse_fragments(original.fragment).expect("a challenged hello parses")[0];
    let Ok(HandshakeMessage::ClientHello(mut hello)) =
        HandshakeMessage::parse(HandshakeType::ClientHello, fragment.body)
    else {
        panic!("a challenged datagram holds a ClientHello")
    };
    hello.cookie = request.cookie.clone();
    let mut body = Vec::new();
    HandshakeMessage::ClientHello(hello).write_body(&mut body);
    let payload = encode_message(
        HandshakeType::ClientHello,
        fragment.header.message_seq.wrapping_add(1),
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
        secret().verify_datagram(ADDRESS, &answer),
        HelloVerdict::Accept
    );
    assert!(matches!(
        secret().verify_datagram(OTHER, &answer),
        HelloVerdict::Challenge(_)
    ));
});
