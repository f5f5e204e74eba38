//! The test vectors of RFC 5769 (STUN test vectors), byte for byte: each is parsed, its
//! attributes read, its integrity and fingerprint verified, and written again with
//! `MessageWriter` to the same bytes.
//!
//! The vectors pad USERNAME and SOFTWARE with spaces (0x20), which RFC 8489 §14 allows;
//! the writer pads with zeros unless told otherwise, so the writing tests set
//! `pad_with(0x20)` where the vector does, and compare the whole message, integrity and
//! fingerprint included.

use md5::{Digest, Md5};
use stun::{AttributeType, Class, Message, MessageWriter, Method, TransactionId};

/// The short-term password of §2.1–§2.3.
const PASSWORD: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";

fn bytes(hex: &str) -> Vec<u8> {
    let digits: String = hex.split_whitespace().collect();
    hex::decode(digits).unwrap()
}

const ID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];

/// RFC 5769 §2.1, sample request.
fn sample_request() -> Vec<u8> {
    bytes(
        "00 01 00 58
         21 12 a4 42
         b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 10
         53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
         00 24 00 04
         6e 00 01 ff
         80 29 00 08
         93 2f f9 b1 51 26 3b 36
         00 06 00 09
         65 76 74 6a 3a 68 36 76 59 20 20 20
         00 08 00 14
         9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
         80 28 00 04
         e5 7a 3b cf",
    )
    // 01 Binding request, length 0x58; cookie; transaction ID;
    // SOFTWARE "STUN test client"; PRIORITY 0x6e0001ff; ICE-CONTROLLED tie-breaker;
    // USERNAME "evtj:h6vY" + 3 bytes of 0x20 padding; MESSAGE-INTEGRITY; FINGERPRINT.
}

/// RFC 5769 §2.2, sample IPv4 response.
fn ipv4_response() -> Vec<u8> {
    bytes(
        "01 01 00 3c
         21 12 a4 42
         b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 0b
         74 65 73 74 20 76 65 63 74 6f 72 20
         00 20 00 08
         00 01 a1 47 e1 12 a6 43
         00 08 00 14
         2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
         80 28 00 04
         c0 7d 4c 96",
    )
    // Binding success response; SOFTWARE "test vector" + one 0x20 of padding;
    // XOR-MAPPED-ADDRESS family 1, port and address XORed; MESSAGE-INTEGRITY; FINGERPRINT.
}

/// RFC 5769 §2.3, sample IPv6 response.
fn ipv6_response() -> Vec<u8> {
    bytes(
        "01 01 00 48
         21 12 a4 42
         b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 0b
         74 65 73 74 20 76 65 63 74 6f 72 20
         00 20 00 14
         00 02 a1 47
         01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
         00 08 00 14
         a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
         80 28 00 04
         c8 fb 0b 4c",
    )
}

/// RFC 5769 §2.4, sample request with long-term authentication.
fn long_term_request() -> Vec<u8> {
    bytes(
        "00 01 00 60
         21 12 a4 42
         78 ad 34 33 c6 ad 72 c0 29 da 41 2e
         00 06 00 12
         e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
         00 15 00 1c
         66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
         00 14 00 0b
         65 78 61 6d 70 6c 65 2e 6f 72 67 00
         00 08 00 14
         f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66",
    )
    // USERNAME "マトリックス" (18 bytes + 2 zero bytes); NONCE; REALM "example.org" + one
    // zero byte; MESSAGE-INTEGRITY keyed with MD5("マトリックス:example.org:TheMatrIX").
}

#[test]
fn sample_request_parses_and_verifies() {
    let wire = sample_request();
    let m = Message::parse(&wire).unwrap();
    assert_eq!(m.class(), Class::Request);
    assert_eq!(m.method(), Method::BINDING);
    assert_eq!(m.transaction_id(), TransactionId::new(ID));
    assert_eq!(m.software(), Some(Ok("STUN test client")));
    assert_eq!(m.priority(), Some(Ok(0x6e00_01ff)));
    assert_eq!(m.ice_controlled(), Some(Ok(0x932f_f9b1_5126_3b36)));
    assert_eq!(m.ice_controlling(), None);
    assert_eq!(m.use_candidate(), Ok(false));
    assert_eq!(m.username(), Some(Ok("evtj:h6vY")));
    assert_eq!(m.xor_mapped_address(), None);
    assert_eq!(m.verify_integrity(PASSWORD), Ok(()));
    assert_eq!(m.verify_fingerprint(), Ok(()));
    assert_eq!(
        m.verify_integrity(b"VOkJxbRl1RmTxUk/WvJxBT"),
        Err(stun::Error::IntegrityMismatch)
    );
    let types: Vec<u16> = m.attributes().map(|a| a.attr_type().value()).collect();
    assert_eq!(types, [0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028]);
}

#[test]
fn sample_request_written_byte_for_byte() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        Method::BINDING,
        TransactionId::new(ID),
    )
    .unwrap();
    w.pad_with(0x20)
        .software("STUN test client")
        .unwrap()
        .priority(0x6e00_01ff)
        .unwrap()
        .ice_controlled(0x932f_f9b1_5126_3b36)
        .unwrap()
        .username("evtj:h6vY")
        .unwrap()
        .message_integrity(PASSWORD)
        .unwrap();
    let len = w.finish_with_fingerprint().unwrap();
    assert_eq!(hex::encode(&buf[..len]), hex::encode(sample_request()));
}

#[test]
fn ipv4_response_parses_and_verifies() {
    let wire = ipv4_response();
    let m = Message::parse(&wire).unwrap();
    assert_eq!(m.class(), Class::SuccessResponse);
    assert_eq!(m.method(), Method::BINDING);
    assert_eq!(m.software(), Some(Ok("test vector")));
    assert_eq!(
        m.xor_mapped_address(),
        Some(Ok("192.0.2.1:32853".parse().unwrap()))
    );
    assert_eq!(m.verify_integrity(PASSWORD), Ok(()));
    assert_eq!(m.verify_fingerprint(), Ok(()));
}

#[test]
fn ipv6_response_parses_and_verifies() {
    let wire = ipv6_response();
    let m = Message::parse(&wire).unwrap();
    assert_eq!(m.class(), Class::SuccessResponse);
    assert_eq!(
        m.xor_mapped_address(),
        Some(Ok("[2001:db8:1234:5678:11:2233:4455:6677]:32853"
            .parse()
            .unwrap()))
    );
    assert_eq!(m.verify_integrity(PASSWORD), Ok(()));
    assert_eq!(m.verify_fingerprint(), Ok(()));
}

fn write_response(addr: &str) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::SuccessResponse,
        Method::BINDING,
        TransactionId::new(ID),
    )
    .unwrap();
    w.pad_with(0x20)
        .software("test vector")
        .unwrap()
        .xor_mapped_address(addr.parse().unwrap())
        .unwrap()
        .message_integrity(PASSWORD)
        .unwrap();
    let len = w.finish_with_fingerprint().unwrap();
    buf[..len].to_vec()
}

#[test]
fn responses_written_byte_for_byte() {
    assert_eq!(
        hex::encode(write_response("192.0.2.1:32853")),
        hex::encode(ipv4_response())
    );
    assert_eq!(
        hex::encode(write_response(
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
        )),
        hex::encode(ipv6_response())
    );
}

/// The long-term key of §2.4. The crate itself leaves long-term credentials out; the test
/// makes the key so the vector's integrity can still be checked.
fn long_term_key() -> [u8; 16] {
    Md5::digest("マトリックス:example.org:TheMatrIX".as_bytes()).into()
}

#[test]
fn long_term_request_parses_and_verifies_with_md5_key() {
    let wire = long_term_request();
    let m = Message::parse(&wire).unwrap();
    assert_eq!(m.class(), Class::Request);
    assert_eq!(
        m.transaction_id().as_bytes(),
        &[
            0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e
        ]
    );
    assert_eq!(m.username(), Some(Ok("マトリックス")));
    assert_eq!(
        m.attribute(AttributeType::NONCE).unwrap().value(),
        b"f//499k954d6OL34oL9FSTvy64sA"
    );
    assert_eq!(
        m.attribute(AttributeType::REALM).unwrap().value(),
        b"example.org"
    );
    assert!(!m.has_fingerprint());
    assert_eq!(m.verify_fingerprint(), Err(stun::Error::MissingFingerprint));
    assert_eq!(m.verify_integrity(&long_term_key()), Ok(()));
    assert_eq!(
        m.verify_integrity(b"TheMatrIX"),
        Err(stun::Error::IntegrityMismatch)
    );
}

#[test]
fn long_term_request_written_byte_for_byte() {
    let mut buf = [0u8; 256];
    let id = TransactionId::new([
        0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
    ]);
    let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, id).unwrap();
    w.username("マトリックス")
        .unwrap()
        .attribute(AttributeType::NONCE, b"f//499k954d6OL34oL9FSTvy64sA")
        .unwrap()
        .attribute(AttributeType::REALM, b"example.org")
        .unwrap()
        .message_integrity(&long_term_key())
        .unwrap();
    let len = w.finish();
    assert_eq!(hex::encode(&buf[..len]), hex::encode(long_term_request()));
}
