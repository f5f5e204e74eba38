//! Malformed and tampered messages: each is rejected with the exact error that names what
//! is wrong (RFC 8489 §5, §6.3, §14).

use stun::{AttributeType, Class, Error, Message, MessageWriter, Method, TransactionId};

const KEY: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";

/// A Binding request with SOFTWARE "abc", MESSAGE-INTEGRITY and FINGERPRINT.
fn signed() -> Vec<u8> {
    let mut buf = [0u8; 128];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        Method::BINDING,
        TransactionId::new([1; 12]),
    )
    .unwrap();
    w.software("abc").unwrap().message_integrity(KEY).unwrap();
    let len = w.finish_with_fingerprint().unwrap();
    buf[..len].to_vec()
}

#[test]
fn layout_of_the_signed_message() {
    // header 20, SOFTWARE 4+4, MESSAGE-INTEGRITY 4+20, FINGERPRINT 4+4.
    let m = signed();
    assert_eq!(m.len(), 60);
    assert_eq!(&m[..4], &[0x00, 0x01, 0x00, 40]);
    assert_eq!(
        &m[20..28],
        &[0x80, 0x22, 0x00, 0x03, b'a', b'b', b'c', 0x00]
    );
    assert_eq!(&m[28..32], &[0x00, 0x08, 0x00, 0x14]);
    assert_eq!(&m[52..56], &[0x80, 0x28, 0x00, 0x04]);
}

#[test]
fn truncated_header() {
    let m = signed();
    assert_eq!(
        Message::parse(&m[..19]),
        Err(Error::TruncatedHeader { got: 19 })
    );
    assert_eq!(Message::parse(&[]), Err(Error::TruncatedHeader { got: 0 }));
}

#[test]
fn top_bits_set_is_not_stun() {
    let mut m = signed();
    m[0] |= 0x80;
    assert_eq!(Message::parse(&m), Err(Error::NotStun { first_byte: 0x80 }));
    // An RTP packet (version 2) starts with 0b10.
    let rtp = [
        0x80u8, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(
        Message::parse(&rtp),
        Err(Error::NotStun { first_byte: 0x80 })
    );
}

#[test]
fn bad_magic_cookie() {
    let mut m = signed();
    m[7] = 0x43;
    assert_eq!(
        Message::parse(&m),
        Err(Error::BadMagicCookie { found: 0x2112_a443 })
    );
}

#[test]
fn length_not_multiple_of_4() {
    let mut m = signed();
    m[3] = 39;
    assert_eq!(
        Message::parse(&m),
        Err(Error::LengthNotMultipleOf4 { length: 39 })
    );
}

#[test]
fn length_disagreeing_with_the_datagram() {
    let m = signed();
    assert_eq!(
        Message::parse(&m[..56]),
        Err(Error::LengthMismatch {
            declared: 40,
            got: 36
        })
    );
    let mut longer = m.clone();
    longer.extend_from_slice(&[0; 4]);
    assert_eq!(
        Message::parse(&longer),
        Err(Error::LengthMismatch {
            declared: 40,
            got: 44
        })
    );
}

#[test]
fn attribute_running_past_the_end() {
    let mut m = signed();
    // SOFTWARE claims 41 bytes, more than the 40 after the header.
    m[22..24].copy_from_slice(&41u16.to_be_bytes());
    assert_eq!(
        Message::parse(&m),
        Err(Error::TruncatedAttribute {
            attr_type: AttributeType::SOFTWARE,
            offset: 20,
            needed: 65,
            got: 60
        })
    );
}

#[test]
fn integrity_mismatch() {
    let m = signed();
    let parsed = Message::parse(&m).unwrap();
    assert_eq!(parsed.verify_integrity(KEY), Ok(()));
    assert_eq!(
        parsed.verify_integrity(b"wrong"),
        Err(Error::IntegrityMismatch)
    );
    // One bit of the covered SOFTWARE changed: the HMAC no longer matches.
    let mut tampered = m.clone();
    tampered[24] ^= 1;
    let parsed = Message::parse(&tampered).unwrap();
    assert_eq!(parsed.verify_integrity(KEY), Err(Error::IntegrityMismatch));
    // One bit of the HMAC itself changed.
    let mut tampered = m;
    tampered[51] ^= 0x80;
    let parsed = Message::parse(&tampered).unwrap();
    assert_eq!(parsed.verify_integrity(KEY), Err(Error::IntegrityMismatch));
}

#[test]
fn fingerprint_mismatch() {
    let mut m = signed();
    let found = u32::from_be_bytes([m[56], m[57], m[58], m[59]]);
    m[59] ^= 1;
    assert_eq!(
        Message::parse(&m).unwrap().verify_fingerprint(),
        Err(Error::FingerprintMismatch {
            computed: found,
            found: found ^ 1
        })
    );
}

#[test]
fn attribute_after_fingerprint() {
    let mut m = signed();
    m.extend_from_slice(&[0x80, 0x22, 0x00, 0x00]);
    m[3] += 4;
    assert_eq!(
        Message::parse(&m),
        Err(Error::AttributeAfterFingerprint {
            attr_type: AttributeType::SOFTWARE
        })
    );
}

#[test]
fn integrity_and_fingerprint_of_the_wrong_size() {
    let mut m = signed();
    // MESSAGE-INTEGRITY claiming 16 bytes (the parser then reads 4 of the HMAC as a TLV,
    // but stops at the first error).
    m[30..32].copy_from_slice(&16u16.to_be_bytes());
    assert_eq!(
        Message::parse(&m),
        Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::MESSAGE_INTEGRITY,
            len: 16
        })
    );
    let mut m = signed();
    m[54..56].copy_from_slice(&0u16.to_be_bytes());
    m.truncate(56);
    m[3] -= 4;
    assert_eq!(
        Message::parse(&m),
        Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::FINGERPRINT,
            len: 0
        })
    );
}

#[test]
fn missing_integrity_and_fingerprint() {
    let mut buf = [0u8; 20];
    let w = MessageWriter::new(
        &mut buf,
        Class::Indication,
        Method::BINDING,
        TransactionId::new([2; 12]),
    )
    .unwrap();
    let len = w.finish();
    let m = Message::parse(&buf[..len]).unwrap();
    assert_eq!(m.class(), Class::Indication);
    assert_eq!(m.verify_integrity(KEY), Err(Error::MissingIntegrity));
    assert_eq!(
        m.verify_integrity_sha256(KEY),
        Err(Error::MissingIntegritySha256)
    );
    assert_eq!(m.verify_fingerprint(), Err(Error::MissingFingerprint));
}

#[test]
fn attributes_after_integrity_are_ignored_by_getters() {
    // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY, other than
    // MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, are not covered and must be ignored.
    let mut buf = [0u8; 128];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::Request,
        Method::BINDING,
        TransactionId::new([3; 12]),
    )
    .unwrap();
    w.message_integrity(KEY).unwrap();
    let len = w.finish();
    let mut m = buf[..len].to_vec();
    m.extend_from_slice(&[0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4]);
    m[3] += 8;
    let parsed = Message::parse(&m).unwrap();
    assert_eq!(parsed.priority(), None);
    assert_eq!(parsed.attributes().count(), 2);
    // The HMAC's length field counts only up to MESSAGE-INTEGRITY, so it still verifies.
    assert_eq!(parsed.verify_integrity(KEY), Ok(()));
}

#[test]
fn invalid_attribute_values() {
    let mut buf = [0u8; 128];
    let mut w = MessageWriter::new(
        &mut buf,
        Class::ErrorResponse,
        Method::BINDING,
        TransactionId::new([4; 12]),
    )
    .unwrap();
    w.attribute(AttributeType::XOR_MAPPED_ADDRESS, &[0, 3, 0, 0, 1, 2, 3, 4])
        .unwrap()
        .attribute(AttributeType::USERNAME, &[0xff, 0xfe])
        .unwrap()
        .attribute(AttributeType::PRIORITY, &[1, 2, 3])
        .unwrap()
        .attribute(AttributeType::USE_CANDIDATE, &[0])
        .unwrap()
        .attribute(AttributeType::ICE_CONTROLLING, &[0; 4])
        .unwrap()
        .attribute(AttributeType::ERROR_CODE, &[0, 0, 7, 0])
        .unwrap()
        .attribute(AttributeType::UNKNOWN_ATTRIBUTES, &[0, 1, 2])
        .unwrap();
    let len = w.finish();
    let m = Message::parse(&buf[..len]).unwrap();
    assert_eq!(
        m.xor_mapped_address(),
        Some(Err(Error::InvalidAddressFamily { family: 3 }))
    );
    assert_eq!(
        m.username(),
        Some(Err(Error::InvalidUtf8 {
            attr_type: AttributeType::USERNAME
        }))
    );
    assert_eq!(
        m.priority(),
        Some(Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::PRIORITY,
            len: 3
        }))
    );
    assert_eq!(
        m.use_candidate(),
        Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::USE_CANDIDATE,
            len: 1
        })
    );
    assert_eq!(
        m.ice_controlling(),
        Some(Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::ICE_CONTROLLING,
            len: 4
        }))
    );
    assert_eq!(
        m.error_code(),
        Some(Err(Error::InvalidErrorCode {
            class: 7,
            number: 0
        }))
    );
    assert!(matches!(
        m.unknown_attributes(),
        Some(Err(Error::InvalidAttributeLength {
            attr_type: AttributeType::UNKNOWN_ATTRIBUTES,
            len: 3
        }))
    ));
}
