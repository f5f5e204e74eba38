//! RFC 3389 comfort noise: the noise level and the reflection coefficients.

use rtp_packet::payload::PayloadError;
use rtp_packet::payload::comfort_noise::{ComfortNoise, MAX_LEVEL};

#[test]
fn a_level_alone_is_white_noise() {
    // −64 dBov, no spectral information (order 0).
    let cn = ComfortNoise::parse(&[0x40]).unwrap();
    assert_eq!((cn.level(), cn.order()), (64, 0));
    assert!(cn.coefficients().is_empty());
    let mut out = [0xffu8; 2];
    assert_eq!(cn.write(&mut out), Ok(1));
    assert_eq!(out, [0x40, 0xff]);
}

#[test]
fn coefficients_follow_the_level_in_order() {
    let payload = [0x2a, 0x81, 0x7f, 0x00, 0xfe];
    let cn = ComfortNoise::parse(&payload).unwrap();
    assert_eq!(cn.level(), 42);
    assert_eq!(cn.coefficients(), &[0x81, 0x7f, 0x00, 0xfe]);
    assert_eq!((cn.order(), cn.encoded_len()), (4, 5));
    let built = ComfortNoise::new(42, &[0x81, 0x7f, 0x00, 0xfe]).unwrap();
    assert_eq!(built, cn);
    let mut out = [0u8; 5];
    assert_eq!(built.write(&mut out), Ok(5));
    assert_eq!(out, payload);
}

#[test]
fn malformed_payloads_are_refused() {
    assert_eq!(
        ComfortNoise::parse(&[]),
        Err(PayloadError::Truncated { needed: 1, got: 0 })
    );
    assert_eq!(
        ComfortNoise::parse(&[0x80, 1, 2]),
        Err(PayloadError::ComfortNoiseReservedBit { octet: 0x80 })
    );
    assert_eq!(
        ComfortNoise::new(MAX_LEVEL + 1, &[]),
        Err(PayloadError::FieldOutOfRange {
            field: "noise level",
            value: 128
        })
    );
    let cn = ComfortNoise::new(MAX_LEVEL, &[1, 2, 3]).unwrap();
    assert_eq!(
        cn.write(&mut [0u8; 3]),
        Err(PayloadError::BufferTooSmall { needed: 4, got: 3 })
    );
}
