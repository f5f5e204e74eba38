//! Opus packets (RFC 6716 §3) carried over RTP (RFC 7587).

use core::time::Duration;

use rtp_packet::payload::PayloadError;
use rtp_packet::payload::opus::{
    Bandwidth, CLOCK_RATE, FrameCountCode, MAX_PACKET_SAMPLES, Mode, OpusPacket, Toc,
};

fn frames<'a>(packet: &OpusPacket<'a>) -> Vec<&'a [u8]> {
    packet.frames().collect()
}

#[test]
fn toc_fields_follow_table_2() {
    // 0x78 = 01111 0 00: config 15 (hybrid fullband 20 ms), mono, code 0.
    let toc = Toc::new(0x78);
    assert_eq!(toc.config(), 15);
    assert_eq!(toc.mode(), Mode::Hybrid);
    assert_eq!(toc.bandwidth(), Bandwidth::Fullband);
    assert_eq!(toc.frame_samples(), 960);
    assert!(!toc.stereo());
    assert_eq!(toc.frame_count_code(), FrameCountCode::One);
    // 0xFD = 11111 1 01: config 31 (CELT fullband 20 ms), stereo, code 1.
    let toc = Toc::new(0xFD);
    assert_eq!(
        (toc.mode(), toc.bandwidth(), toc.frame_samples()),
        (Mode::Celt, Bandwidth::Fullband, 960)
    );
    assert!(toc.stereo());
    assert_eq!(toc.frame_count_code(), FrameCountCode::TwoEqual);
    // Every configuration's mode, bandwidth and frame size (RFC 6716 Table 2).
    let table: [(Mode, Bandwidth, [u32; 4]); 8] = [
        (Mode::Silk, Bandwidth::Narrowband, [480, 960, 1920, 2880]),
        (Mode::Silk, Bandwidth::Mediumband, [480, 960, 1920, 2880]),
        (Mode::Silk, Bandwidth::Wideband, [480, 960, 1920, 2880]),
        (Mode::Hybrid, Bandwidth::SuperWideband, [480, 960, 480, 960]),
        (Mode::Celt, Bandwidth::Narrowband, [120, 240, 480, 960]),
        (Mode::Celt, Bandwidth::Wideband, [120, 240, 480, 960]),
        (Mode::Celt, Bandwidth::SuperWideband, [120, 240, 480, 960]),
        (Mode::Celt, Bandwidth::Fullband, [120, 240, 480, 960]),
    ];
    for (group, (mode, bandwidth, sizes)) in table.iter().enumerate() {
        for (i, &size) in sizes.iter().enumerate() {
            let config = (group * 4 + i) as u8;
            let toc = Toc::new(config << 3);
            let bandwidth = if config == 14 || config == 15 {
                Bandwidth::Fullband
            } else {
                *bandwidth
            };
            assert_eq!(
                (toc.mode(), toc.bandwidth(), toc.frame_samples()),
                (*mode, bandwidth, size),
                "config {config}"
            );
        }
    }
}

#[test]
fn code_0_is_one_frame() {
    // TOC 0xF8: CELT fullband 20 ms, mono, code 0; then three octets of frame.
    let packet = OpusPacket::parse(&[0xF8, 1, 2, 3]).unwrap();
    assert_eq!(packet.frame_count(), 1);
    assert_eq!(frames(&packet), [&[1u8, 2, 3][..]]);
    assert_eq!(packet.duration(), 960);
    assert_eq!(packet.duration_time(), Duration::from_millis(20));
    assert_eq!(CLOCK_RATE.hz(), 48_000);
    // A TOC byte alone is one empty (DTX) frame.
    let dtx = OpusPacket::parse(&[0xF8]).unwrap();
    assert_eq!(frames(&dtx), [&[][..]]);
}

#[test]
fn code_1_is_two_equal_frames() {
    // TOC 0xF9: code 1; four octets split in two.
    let packet = OpusPacket::parse(&[0xF9, 1, 2, 3, 4]).unwrap();
    assert_eq!(frames(&packet), [&[1u8, 2][..], &[3, 4][..]]);
    assert_eq!(packet.duration(), 1920);
    assert_eq!(
        OpusPacket::parse(&[0xF9, 1, 2, 3]),
        Err(PayloadError::OpusUnequalHalves { len: 3 })
    );
}

#[test]
fn code_2_has_a_coded_first_length() {
    // TOC 0xFA: code 2; first frame 2 octets, the second takes the rest.
    let packet = OpusPacket::parse(&[0xFA, 2, 10, 11, 12]).unwrap();
    assert_eq!(frames(&packet), [&[10u8, 11][..], &[12][..]]);
    // Two-octet length: 252 + 4 × 1 = 256.
    let mut long = vec![0xFA, 252, 1];
    long.extend(std::iter::repeat_n(7, 256 + 5));
    let packet = OpusPacket::parse(&long).unwrap();
    let lens: Vec<usize> = packet.frames().map(<[u8]>::len).collect();
    assert_eq!(lens, [256, 5]);
    assert_eq!(
        OpusPacket::parse(&[0xFA, 5, 1]),
        Err(PayloadError::OpusFrameExceedsPacket {
            declared: 5,
            available: 1
        })
    );
    assert_eq!(
        OpusPacket::parse(&[0xFA]),
        Err(PayloadError::Truncated { needed: 2, got: 0 })
    );
    // A two-octet length missing its second octet.
    assert_eq!(
        OpusPacket::parse(&[0xFA, 253]),
        Err(PayloadError::Truncated { needed: 2, got: 1 })
    );
}

#[test]
fn code_3_constant_bitrate() {
    // TOC 0x7B: config 15 (20 ms), code 3. Count octet 0x03: v = 0, p = 0, M = 3.
    let packet = OpusPacket::parse(&[0x7B, 0x03, 1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(frames(&packet), [&[1u8, 2][..], &[3, 4][..], &[5, 6][..]]);
    assert_eq!(packet.duration(), 2880);
    assert_eq!(packet.padding_len(), 0);
    assert_eq!(
        OpusPacket::parse(&[0x7B, 0x03, 1, 2, 3, 4, 5]),
        Err(PayloadError::OpusCbrNotDivisible { len: 5, frames: 3 })
    );
}

#[test]
fn code_3_variable_bitrate_with_padding() {
    // Count octet 0xC2: v = 1, p = 1, M = 2. Padding length 2, first frame length 1,
    // frames [9] and [8, 7], then two padding octets.
    let packet = OpusPacket::parse(&[0x7B, 0xC2, 2, 1, 9, 8, 7, 0, 0]).unwrap();
    assert_eq!(frames(&packet), [&[9u8][..], &[8, 7][..]]);
    assert_eq!(packet.padding_len(), 2);
    // Padding length 255 means 254 octets and another length octet: 254 + 1 = 255.
    let mut padded = vec![0x7B, 0x41, 255, 1, 0xAA];
    padded.extend([0u8; 255]);
    let packet = OpusPacket::parse(&padded).unwrap();
    assert_eq!(packet.padding_len(), 255);
    assert_eq!(frames(&packet), [&[0xAAu8][..]]);
    assert_eq!(
        OpusPacket::parse(&[0x7B, 0x41, 10, 1, 2]),
        Err(PayloadError::OpusPaddingExceedsPacket {
            padding: 10,
            available: 2
        })
    );
    assert_eq!(
        OpusPacket::parse(&[0x7B, 0x82, 5, 1, 2]),
        Err(PayloadError::OpusFrameExceedsPacket {
            declared: 5,
            available: 2
        })
    );
    assert_eq!(
        OpusPacket::parse(&[0x7B, 0x41]),
        Err(PayloadError::Truncated { needed: 1, got: 0 })
    );
}

#[test]
fn code_3_frame_count_bounds() {
    assert_eq!(
        OpusPacket::parse(&[0x7B, 0x00]),
        Err(PayloadError::OpusNoFrames)
    );
    assert_eq!(
        OpusPacket::parse(&[0x7B]),
        Err(PayloadError::Truncated { needed: 2, got: 1 })
    );
    // Config 16 (CELT 2.5 ms): 48 frames are exactly 120 ms, 49 are too many.
    let mut max = vec![0x83, 48];
    max.extend([0u8; 48]);
    let packet = OpusPacket::parse(&max).unwrap();
    assert_eq!(packet.frame_count(), 48);
    assert_eq!(packet.duration(), MAX_PACKET_SAMPLES);
    assert_eq!(
        OpusPacket::parse(&[0x83, 49]),
        Err(PayloadError::OpusTooLong { samples: 5880 })
    );
    // Config 3 (SILK 60 ms): three frames are 180 ms.
    assert_eq!(
        OpusPacket::parse(&[0x1B, 3]),
        Err(PayloadError::OpusTooLong { samples: 8640 })
    );
    // The largest count, 63, is checked before any length is read.
    assert_eq!(
        OpusPacket::parse(&[0xFB, 0xBF]),
        Err(PayloadError::OpusTooLong { samples: 60480 })
    );
}

#[test]
fn frames_are_at_most_1275_octets() {
    assert_eq!(OpusPacket::parse(&[]), Err(PayloadError::OpusEmpty));
    let mut packet = vec![0xF8];
    packet.extend([0u8; 1275]);
    assert!(OpusPacket::parse(&packet).is_ok());
    packet.push(0);
    assert_eq!(
        OpusPacket::parse(&packet),
        Err(PayloadError::OpusFrameTooLong { len: 1276 })
    );
    // Code 1 with two 1276-octet halves.
    let mut halves = vec![0xF9];
    halves.extend([0u8; 2552]);
    assert_eq!(
        OpusPacket::parse(&halves),
        Err(PayloadError::OpusFrameTooLong { len: 1276 })
    );
}
