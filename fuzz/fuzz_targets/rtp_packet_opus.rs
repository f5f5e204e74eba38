//! Opus packet framing (RFC 6716 §3.2, checked against R1–R7 of §3.4): arbitrary bytes
//! parse exactly when an independent reading of the RFC accepts them, and then to the same
//! frames, padding and duration.
//!
//! The reference below is written from the RFC's text, deliberately in a different shape
//! (one pass over a cursor, lengths collected first) from the crate's parser, so a shared
//! misreading is unlikely to hide.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::payload::opus::{self, OpusPacket};

/// Frame duration in 48 kHz samples for a TOC configuration (RFC 6716 §3.1, Table 2).
fn reference_frame_samples(config: u8) -> u32 {
    // 2.5 ms = 120 samples at 48 kHz.
    let tenths_of_2_5ms = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    120 * tenths_of_2_5ms
}

/// A frame length of one or two octets (RFC 6716 §3.2.1).
fn reference_length(cursor: &mut &[u8]) -> Option<usize> {
    let (&first, after) = cursor.split_first()?;
    if first < 252 {
        *cursor = after;
        return Some(usize::from(first));
    }
    let (&second, after) = after.split_first()?;
    *cursor = after;
    Some(usize::from(second) * 4 + usize::from(first))
}

/// The frames and padding length of a valid packet, or `None` when §3.4 rejects it.
fn reference(packet: &[u8]) -> Option<(Vec<&[u8]>, usize)> {
    const MAX: usize = 1275;
    let (&toc, mut cursor) = packet.split_first()?;
    let lengths: Vec<usize>;
    let mut padding = 0;
    match toc & 3 {
        0 => lengths = vec![cursor.len()],
        1 => {
            if cursor.len() % 2 == 1 {
                return None;
            }
            lengths = vec![cursor.len() / 2; 2];
        }
        2 => {
            let first = reference_length(&mut cursor)?;
            let second = cursor.len().checked_sub(first)?;
            lengths = vec![first, second];
        }
        _ => {
            let (&count_byte, after) = cursor.split_first()?;
            cursor = after;
            let count = usize::from(count_byte & 0x3F);
            if count == 0 || reference_frame_samples(toc >> 3) as usize * count > 5760 {
                return None;
            }
            if count_byte & 0x40 != 0 {
                loop {
                    let (&p, after) = cursor.split_first()?;
                    cursor = after;
                    padding += if p == 255 { 254 } else { usize::from(p) };
                    if p != 255 {
                        break;
                    }
                }
            }
            let mut declared = Vec::new();
            if count_byte & 0x80 != 0 {
                for _ in 1..count {
                    declared.push(reference_length(&mut cursor)?);
                }
            }
            let data = cursor.len().checked_sub(padding)?;
            if count_byte & 0x80 != 0 {
                let last = data.checked_sub(declared.iter().sum())?;
                declared.push(last);
            } else {
                if data % count != 0 {
                    return None;
                }
                declared = vec![data / count; count];
            }
            lengths = declared;
        }
    }
    if lengths.iter().any(|&l| l > MAX) {
        return None;
    }
    let mut frames = Vec::with_capacity(lengths.len());
    for len in lengths {
        let (frame, after) = cursor.split_at(len);
        frames.push(frame);
        cursor = after;
    }
    assert_eq!(cursor.len(), padding, "the reference consumed everything");
    Some((frames, padding))
}

fuzz_target!(|data: &[u8]| {
    let parsed = OpusPacket::parse(data);
    let expected = reference(data);
    match (&parsed, &expected) {
        (Ok(p), Some((frames, padding))) => {
            assert_eq!(p.toc().byte(), data[0]);
            assert_eq!(p.frame_count(), frames.len());
            assert!((1..=opus::MAX_FRAMES).contains(&p.frame_count()));
            assert!(p.frames().eq(frames.iter().copied()), "frames differ");
            assert_eq!(p.padding_len(), *padding);
            let samples = reference_frame_samples(data[0] >> 3) * frames.len() as u32;
            assert_eq!(
                p.toc().frame_samples(),
                reference_frame_samples(data[0] >> 3)
            );
            assert_eq!(p.duration(), samples);
            if data[0] & 3 == 3 {
                assert!(p.duration() <= opus::MAX_PACKET_SAMPLES);
            }
            assert_eq!(
                p.duration_time().as_nanos(),
                u128::from(samples) * 1_000_000_000 / 48_000
            );
        }
        (Err(_), None) => {}
        _ => panic!("parser {parsed:?} disagrees with RFC 6716 reading {expected:?}"),
    }
});
