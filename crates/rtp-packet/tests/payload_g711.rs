//! G.711 μ-law and A-law (ITU-T G.711) and the G.722 clock rule (RFC 3551 §4.5.2).

use core::time::Duration;

use rtp_packet::payload::{PayloadError, g711, g722};

#[test]
fn ulaw_known_code_words() {
    // Zero is the all-ones code word (G.711 inverts every bit of the character).
    assert_eq!(g711::ulaw_encode(0), 0xFF);
    // Full scale: sign 1 (positive), segment 7, step 15, inverted.
    assert_eq!(g711::ulaw_encode(i16::MAX), 0x80);
    assert_eq!(g711::ulaw_encode(i16::MIN), 0x00);
    assert_eq!(g711::ulaw_decode(0xFF), 0);
    assert_eq!(g711::ulaw_decode(0x7F), 0);
    assert_eq!(g711::ulaw_decode(0x80), 32124);
    assert_eq!(g711::ulaw_decode(0x00), -32124);
    // Segment 0, step 1: 14-bit value 2, that is 8 on the 16-bit scale.
    assert_eq!(g711::ulaw_decode(0xFE), 8);
}

#[test]
fn ulaw_segment_boundaries() {
    // G.711 Table 2a decision values (14-bit scale) where a new segment starts; the
    // sample just below stays at the last step of the previous segment.
    let boundaries = [31, 95, 223, 479, 991, 2015, 4063];
    for (segment, &decision) in boundaries.iter().enumerate() {
        let below = g711::ulaw_encode((decision - 1) * 4);
        let at = g711::ulaw_encode(decision * 4);
        assert_eq!(
            below,
            !((segment as u8) << 4 | 0x0F) | 0x80,
            "below {decision}"
        );
        assert_eq!(at, !(((segment as u8) + 1) << 4) | 0x80, "at {decision}");
    }
    // Beyond the overload point 8159 every magnitude clips to the last code.
    assert_eq!(g711::ulaw_encode(8159 * 4), 0x80);
    assert_eq!(g711::ulaw_encode(8158 * 4), 0x80);
    // The last step of segment 7 starts at decision value 7903.
    assert_eq!(g711::ulaw_encode(7903 * 4), 0x80);
    assert_eq!(g711::ulaw_encode(7902 * 4), 0x81);
}

#[test]
fn alaw_known_code_words() {
    // A-law has no zero: the smallest positive step is sent as 0xD5 (0x80 with even bits
    // inverted), the smallest negative as 0x55.
    assert_eq!(g711::alaw_encode(0), 0xD5);
    assert_eq!(g711::alaw_encode(-1), 0x55);
    assert_eq!(g711::alaw_encode(i16::MAX), 0xAA);
    assert_eq!(g711::alaw_encode(i16::MIN), 0x2A);
    assert_eq!(g711::alaw_decode(0xD5), 8);
    assert_eq!(g711::alaw_decode(0x55), -8);
    assert_eq!(g711::alaw_decode(0xAA), 32256);
    assert_eq!(g711::alaw_decode(0x2A), -32256);
}

#[test]
fn alaw_segment_boundaries() {
    // G.711 Table 1a: segments start at 32, 64, 128, ... on the 13-bit scale; segments 0
    // and 1 share one step size.
    let boundaries = [32, 64, 128, 256, 512, 1024, 2048];
    for (segment, &decision) in boundaries.iter().enumerate() {
        let below = g711::alaw_encode((decision - 1) * 8);
        let at = g711::alaw_encode(decision * 8);
        assert_eq!(
            below,
            ((segment as u8) << 4 | 0x0F) ^ 0xD5,
            "below {decision}"
        );
        assert_eq!(at, (((segment as u8) + 1) << 4) ^ 0xD5, "at {decision}");
    }
}

#[test]
fn every_code_word_round_trips() {
    for code in 0..=255u8 {
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(
            g711::ulaw_encode(g711::ulaw_decode(code)),
            expected,
            "μ-law {code:#04x}"
        );
        assert_eq!(
            g711::alaw_encode(g711::alaw_decode(code)),
            code,
            "A-law {code:#04x}"
        );
    }
}

#[test]
fn coding_is_monotonic_with_bounded_error() {
    let mut previous = (i32::MIN, i32::MIN);
    for sample in i16::MIN..=i16::MAX {
        let ulaw = i32::from(g711::ulaw_decode(g711::ulaw_encode(sample)));
        let alaw = i32::from(g711::alaw_decode(g711::alaw_encode(sample)));
        assert!(
            ulaw >= previous.0 && alaw >= previous.1,
            "not monotonic at {sample}"
        );
        previous = (ulaw, alaw);
        let s = i32::from(sample);
        if s.abs() < 32000 {
            // Half a step of the segment plus the bits below the law's resolution.
            let bound = (s.abs() + 132) / 32 + 8;
            assert!((ulaw - s).abs() <= bound, "μ-law error at {sample}: {ulaw}");
            assert!(
                (alaw - s).abs() <= bound + 8,
                "A-law error at {sample}: {alaw}"
            );
        }
    }
}

#[test]
fn slices_code_into_caller_buffers() {
    let samples = [0i16, 1000, -1000, i16::MAX];
    let mut octets = [0u8; 4];
    assert_eq!(g711::ulaw_encode_slice(&samples, &mut octets), Ok(4));
    assert_eq!(octets, [0xFF, 0xCE, 0x4E, 0x80]);
    let mut back = [0i16; 4];
    assert_eq!(g711::ulaw_decode_slice(&octets, &mut back), Ok(4));
    assert_eq!(back, [0, 988, -988, 32124]);
    assert_eq!(g711::alaw_encode_slice(&samples, &mut octets), Ok(4));
    assert_eq!(octets, [0xD5, 0xFA, 0x7A, 0xAA]);
    assert_eq!(g711::alaw_decode_slice(&octets, &mut back), Ok(4));
    assert_eq!(back, [8, 1008, -1008, 32256]);
    assert_eq!(
        g711::alaw_decode_slice(&octets, &mut [0i16; 3]),
        Err(PayloadError::BufferTooSmall { needed: 4, got: 3 })
    );
    assert_eq!(
        g711::ulaw_encode_slice(&samples, &mut [0u8; 2]),
        Err(PayloadError::BufferTooSmall { needed: 4, got: 2 })
    );
}

#[test]
fn g711_clock_and_frame_sizes() {
    assert_eq!(rtp_packet::PayloadType::PCMU.value(), 0);
    assert_eq!(rtp_packet::PayloadType::PCMA.value(), 8);
    assert_eq!(g711::CLOCK_RATE.hz(), 8000);
    assert_eq!(g711::samples_per_frame(Duration::from_millis(20)), Ok(160));
    assert_eq!(g711::samples_per_frame(Duration::from_millis(30)), Ok(240));
    assert_eq!(g711::samples_per_frame(Duration::from_micros(125)), Ok(1));
    assert_eq!(
        g711::samples_per_frame(Duration::from_micros(100)),
        Err(PayloadError::DurationNotWholeTicks {
            nanos: 100_000,
            clock_rate: 8000
        })
    );
    assert_eq!(
        g711::samples_per_frame(Duration::from_secs(600_000)),
        Err(PayloadError::DurationTooLong {
            nanos: 600_000_000_000_000,
            clock_rate: 8000
        })
    );
    assert_eq!(g711::frame_duration(160), Duration::from_millis(20));
    assert_eq!(g711::frame_duration(1), Duration::from_micros(125));
}

#[test]
fn g722_rtp_clock_runs_at_half_the_sampling_rate() {
    assert_eq!(rtp_packet::PayloadType::G722.value(), 9);
    assert_eq!(g722::RTP_CLOCK_RATE.hz(), 8000);
    assert_eq!(g722::SAMPLING_RATE.hz(), 16_000);
    let twenty_ms = Duration::from_millis(20);
    assert_eq!(g722::samples_per_frame(twenty_ms), Ok(320));
    assert_eq!(g722::timestamp_increment(twenty_ms), Ok(160));
    assert_eq!(g722::timestamp_increment(Duration::from_millis(10)), Ok(80));
    assert_eq!(g722::frame_duration(160), twenty_ms);
    // One 16 kHz sample is a whole sample but half an RTP tick.
    let one_sample = Duration::from_nanos(62_500);
    assert_eq!(g722::samples_per_frame(one_sample), Ok(1));
    assert_eq!(
        g722::timestamp_increment(one_sample),
        Err(PayloadError::DurationNotWholeTicks {
            nanos: 62_500,
            clock_rate: 8000
        })
    );
}
