//! RFC 3389 comfort-noise payloads: arbitrary bytes parse exactly when they have a level
//! octet with its reserved bit clear, the level and coefficients are the octets as sent,
//! and what parses writes back byte for byte.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::payload::comfort_noise::ComfortNoise;

fuzz_target!(|data: &[u8]| {
    let valid = data.first().is_some_and(|l| l & 0x80 == 0);
    match ComfortNoise::parse(data) {
        Ok(cn) => {
            assert!(valid);
            assert_eq!(cn.level(), data[0]);
            assert_eq!(cn.coefficients(), &data[1..]);
            assert_eq!(cn.encoded_len(), data.len());
            let mut out = vec![0u8; data.len()];
            assert_eq!(cn.write(&mut out), Ok(data.len()));
            assert_eq!(out, data);
            assert_eq!(ComfortNoise::new(cn.level(), cn.coefficients()), Ok(cn));
            if !data.is_empty() {
                assert!(cn.write(&mut out[1..]).is_err());
            }
        }
        Err(_) => assert!(!valid),
    }
});
