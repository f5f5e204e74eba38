//! STUN messages (RFC 8489): arbitrary bytes, and messages generated from the input.
//!
//! 1. Whatever parses has consistent framing (its TLVs tile the body exactly), every getter
//!    and check runs without panicking, and the attributes the integrity covers, written
//!    again with `MessageWriter`, parse to the same header, attributes and typed values.
//! 2. A message built from the input with the writer (typed ICE attributes, integrity,
//!    fingerprint) parses back to exactly what was written and passes its checks, and
//!    fails them with another key or one flipped bit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use stun::{AttributeType, Class, ErrorCode, Message, MessageWriter, Method, TransactionId};

const KEY: &[u8] = b"VOkJxbRl1RmTxUk/WvJxBt";

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::parse(data) {
        check_parsed(&m);
    }
    generate(data);
});

fn check_parsed(m: &Message<'_>) {
    let body = m.as_bytes().len() - stun::HEADER_LEN;
    let tiled: usize = m
        .attributes()
        .map(|a| 4 + a.value().len().div_ceil(4) * 4)
        .sum();
    assert_eq!(tiled, body, "TLVs tile the body");
    let _ = (m.verify_integrity(KEY), m.verify_integrity_sha256(KEY));
    let _ = m.verify_fingerprint();
    assert_eq!(
        m.has_fingerprint(),
        m.verify_fingerprint() != Err(stun::Error::MissingFingerprint)
    );

    let covered = |a: &stun::RawAttribute<'_>| m.attribute(a.attr_type()).is_some();
    let mut buf = [0u8; 1 << 16];
    let mut w = MessageWriter::new(&mut buf, m.class(), m.method(), m.transaction_id())
        .expect("the header fits");
    let mut written = 0;
    for a in m.attributes().take_while(|a| {
        !matches!(
            a.attr_type(),
            AttributeType::MESSAGE_INTEGRITY
                | AttributeType::MESSAGE_INTEGRITY_SHA256
                | AttributeType::FINGERPRINT
        )
    }) {
        assert!(covered(&a));
        w.attribute(a.attr_type(), a.value())
            .expect("it fitted before");
        written += 1;
    }
    let len = w.finish();
    let again = Message::parse(&buf[..len]).expect("written bytes parse");
    assert_eq!(again.class(), m.class());
    assert_eq!(again.method(), m.method());
    assert_eq!(again.transaction_id(), m.transaction_id());
    assert_eq!(again.attributes().count(), written);
    assert!(again.attributes().zip(m.attributes()).all(|(a, b)| a == b));
    assert_eq!(again.xor_mapped_address(), m.xor_mapped_address());
    assert_eq!(again.username(), m.username());
    assert_eq!(again.software(), m.software());
    assert_eq!(again.priority(), m.priority());
    assert_eq!(again.use_candidate(), m.use_candidate());
    assert_eq!(again.ice_controlled(), m.ice_controlled());
    assert_eq!(again.ice_controlling(), m.ice_controlling());
    assert_eq!(again.error_code(), m.error_code());
    let unknown = |m: &Message<'_>| {
        m.unknown_attributes()
            .map(|r| r.map(|u| u.map(AttributeType::value).collect::<Vec<_>>()))
    };
    assert_eq!(unknown(&again), unknown(m));
}

/// Reads the input as a list of choices.
struct Choices<'a>(&'a [u8]);

impl<'a> Choices<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (&a, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(a)
    }
    fn text(&mut self) -> Option<&'a str> {
        let len = usize::from(self.byte()? % 32).min(self.0.len());
        let (t, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(core::str::from_utf8(t).unwrap_or("fallback"))
    }
}

#[derive(Default, Debug)]
struct Expected<'a> {
    address: Option<SocketAddr>,
    username: Option<&'a str>,
    priority: Option<u32>,
    use_candidate: bool,
    controlled: Option<u64>,
    controlling: Option<u64>,
    error: Option<(u16, &'a str)>,
}

fn generate(data: &[u8]) {
    let mut c = Choices(data);
    let (Some(head), Some(method), Some(id)) = (c.byte(), c.take::<2>(), c.take::<12>()) else {
        return;
    };
    let class = [
        Class::Request,
        Class::Indication,
        Class::SuccessResponse,
        Class::ErrorResponse,
    ][usize::from(head & 3)];
    let method = Method::new(u16::from_be_bytes(method) & 0x0FFF).expect("12 bits");
    let id = TransactionId::new(id);
    let mut buf = [0u8; 2048];
    let mut w = MessageWriter::new(&mut buf, class, method, id).expect("fits");
    w.pad_with(head);
    let mut want = Expected::default();
    while let Some(op) = c.byte() {
        // An attribute type appears once, so the first-match getters see what was written.
        match op % 8 {
            0 if want.address.is_none() => {
                let Some(a) = c.take::<18>() else { break };
                let port = u16::from_be_bytes([a[0], a[1]]);
                let ip = if a[2] & 1 == 0 {
                    IpAddr::V4(Ipv4Addr::new(a[3], a[4], a[5], a[6]))
                } else {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(&a[2..]);
                    IpAddr::V6(Ipv6Addr::from(o))
                };
                let addr = SocketAddr::new(ip, port);
                w.xor_mapped_address(addr).expect("fits");
                want.address = Some(addr);
            }
            1 if want.username.is_none() => {
                let Some(t) = c.text() else { break };
                w.username(t).expect("fits");
                want.username = Some(t);
            }
            2 if want.priority.is_none() => {
                let Some(p) = c.take::<4>() else { break };
                let p = u32::from_be_bytes(p);
                w.priority(p).expect("fits");
                want.priority = Some(p);
            }
            3 if !want.use_candidate => {
                w.use_candidate().expect("fits");
                want.use_candidate = true;
            }
            4 if want.controlled.is_none() => {
                let Some(t) = c.take::<8>() else { break };
                let t = u64::from_be_bytes(t);
                w.ice_controlled(t).expect("fits");
                want.controlled = Some(t);
            }
            5 if want.controlling.is_none() => {
                let Some(t) = c.take::<8>() else { break };
                let t = u64::from_be_bytes(t);
                w.ice_controlling(t).expect("fits");
                want.controlling = Some(t);
            }
            6 if want.error.is_none() => {
                let (Some(code), Some(reason)) = (c.take::<2>(), c.text()) else {
                    break;
                };
                let code = 300 + u16::from_be_bytes(code) % 400;
                let e = ErrorCode::new(code, reason).expect("300..=699, short reason");
                w.error_code(e).expect("fits");
                want.error = Some((code, reason));
            }
            _ => {}
        }
    }
    let integrity = head & 0x04 != 0;
    let sha256 = head & 0x08 != 0;
    let fingerprint = head & 0x10 != 0;
    if integrity {
        w.message_integrity(KEY).expect("fits");
    }
    if sha256 {
        w.message_integrity_sha256(KEY).expect("fits");
    }
    let len = if fingerprint {
        w.finish_with_fingerprint().expect("fits")
    } else {
        w.finish()
    };
    let wire = &buf[..len];
    let m = Message::parse(wire).expect("written messages parse");
    assert_eq!(
        (m.class(), m.method(), m.transaction_id()),
        (class, method, id)
    );
    assert_eq!(m.xor_mapped_address(), want.address.map(Ok));
    assert_eq!(m.username(), want.username.map(Ok));
    assert_eq!(m.priority(), want.priority.map(Ok));
    assert_eq!(m.use_candidate(), Ok(want.use_candidate));
    assert_eq!(m.ice_controlled(), want.controlled.map(Ok));
    assert_eq!(m.ice_controlling(), want.controlling.map(Ok));
    assert_eq!(
        m.error_code().map(|e| e.map(|e| (e.code(), e.reason()))),
        want.error.map(Ok)
    );
    assert_eq!(m.has_integrity(), integrity);
    assert_eq!(m.has_integrity_sha256(), sha256);
    assert_eq!(m.has_fingerprint(), fingerprint);
    if integrity {
        assert_eq!(m.verify_integrity(KEY), Ok(()));
        assert_eq!(
            m.verify_integrity(b"other"),
            Err(stun::Error::IntegrityMismatch)
        );
    }
    if sha256 {
        assert_eq!(m.verify_integrity_sha256(KEY), Ok(()));
        assert_eq!(
            m.verify_integrity_sha256(b"other"),
            Err(stun::Error::IntegrityMismatch)
        );
    }
    if fingerprint {
        assert_eq!(m.verify_fingerprint(), Ok(()));
    }
    // One flipped bit in the transaction ID breaks every check present.
    let mut flipped = [0u8; 2048];
    flipped[..len].copy_from_slice(wire);
    flipped[8] ^= 1;
    let f = Message::parse(&flipped[..len]).expect("the framing is unchanged");
    if integrity {
        assert_eq!(f.verify_integrity(KEY), Err(stun::Error::IntegrityMismatch));
    }
    if sha256 {
        assert_eq!(
            f.verify_integrity_sha256(KEY),
            Err(stun::Error::IntegrityMismatch)
        );
    }
    if fingerprint {
        assert!(f.verify_fingerprint().is_err());
    }
}
