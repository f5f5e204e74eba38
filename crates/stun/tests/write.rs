//! Writing: every typed attribute round-trips through the parser, integrity and fingerprint
//! are patched in with the right length, and the writer refuses what RFC 8489 forbids.

use stun::{AttributeType, Class, Error, ErrorCode, Message, MessageWriter, Method, TransactionId};

const ID: TransactionId = TransactionId::new(*b"abcdefghijkl");

#[test]
fn ice_binding_request_round_trips() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, ID).unwrap();
    w.username("RFRAG:LFRAG")
        .unwrap()
        .priority(0x6e7f_1eff)
        .unwrap()
        .ice_controlling(0x0102_0304_0506_0708)
        .unwrap()
        .use_candidate()
        .unwrap()
        .message_integrity(b"remote-password")
        .unwrap()
        .message_integrity_sha256(b"remote-password")
        .unwrap();
    let len = w.finish_with_fingerprint().unwrap();
    let m = Message::parse(&buf[..len]).unwrap();
    assert_eq!(m.class(), Class::Request);
    assert_eq!(m.transaction_id(), ID);
    assert_eq!(m.username(), Some(Ok("RFRAG:LFRAG")));
    assert_eq!(m.priority(), Some(Ok(0x6e7f_1eff)));
    assert_eq!(m.ice_controlling(), Some(Ok(0x0102_0304_0506_0708)));
    assert_eq!(m.ice_controlled(), None);
    assert_eq!(m.use_candidate(), Ok(true));
    assert!(m.has_integrity() && m.has_integrity_sha256() && m.has_fingerprint());
    assert_eq!(m.verify_integrity(b"remote-password"), Ok(()));
    assert_eq!(m.verify_integrity_sha256(b"remote-password"), Ok(()));
    assert_eq!(
        m.verify_integrity_sha256(b"other"),
        Err(Error::IntegrityMismatch)
    );
    assert_eq!(m.verify_fingerprint(), Ok(()));
    // USE-CANDIDATE is a bare TLV: 00 25 00 00.
    let uc = m
        .attributes()
        .find(|a| a.attr_type() == AttributeType::USE_CANDIDATE)
        .unwrap();
    assert_eq!(uc.value(), b"");
}

#[test]
fn error_response_round_trips() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(&mut buf, Class::ErrorResponse, Method::BINDING, ID).unwrap();
    w.error_code(ErrorCode::new(ErrorCode::UNKNOWN_ATTRIBUTE, "Unknown Attribute").unwrap())
        .unwrap()
        .unknown_attributes(&[AttributeType::new(0x7777), AttributeType::new(0x0031)])
        .unwrap();
    let len = w.finish();
    // ERROR-CODE value: 00 00 04 14 then the reason.
    assert_eq!(&buf[20..28], &[0x00, 0x09, 0x00, 21, 0, 0, 4, 20]);
    let m = Message::parse(&buf[..len]).unwrap();
    assert_eq!(m.class(), Class::ErrorResponse);
    let e = m.error_code().unwrap().unwrap();
    assert_eq!((e.code(), e.reason()), (420, "Unknown Attribute"));
    let unknown: Vec<u16> = m
        .unknown_attributes()
        .unwrap()
        .unwrap()
        .map(AttributeType::value)
        .collect();
    assert_eq!(unknown, [0x7777, 0x0031]);
    assert_eq!(
        ErrorCode::new(200, ""),
        Err(Error::InvalidErrorCode {
            class: 2,
            number: 0
        })
    );
}

#[test]
fn nothing_but_fingerprint_follows_integrity() {
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, ID).unwrap();
    w.message_integrity(b"k").unwrap();
    assert_eq!(
        w.priority(1).err(),
        Some(Error::AttributeAfterIntegrity {
            attr_type: AttributeType::PRIORITY
        })
    );
    assert_eq!(
        w.message_integrity(b"k").err(),
        Some(Error::AttributeAfterIntegrity {
            attr_type: AttributeType::MESSAGE_INTEGRITY
        })
    );
}

#[test]
fn buffer_too_small_and_limits() {
    let mut small = [0u8; 19];
    assert_eq!(
        MessageWriter::new(&mut small, Class::Request, Method::BINDING, ID).err(),
        Some(Error::BufferTooSmall {
            needed: 20,
            got: 19
        })
    );
    let mut buf = [0u8; 30];
    let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, ID).unwrap();
    assert_eq!(
        w.ice_controlling(1).err(),
        Some(Error::BufferTooSmall {
            needed: 32,
            got: 30
        })
    );
    // Nothing was written: the message is still a valid empty request.
    assert_eq!(w.written_len(), 20);
    let long = "x".repeat(514);
    assert_eq!(
        w.username(&long).err(),
        Some(Error::ValueTooLong {
            attr_type: AttributeType::USERNAME,
            len: 514,
            max: 513
        })
    );
    let len = w.finish();
    assert_eq!(Message::parse(&buf[..len]).unwrap().attributes().count(), 0);
    assert_eq!(
        Method::new(0x1000).err(),
        Some(Error::InvalidMethod { method: 0x1000 })
    );
}
