//! The RFC 3551 §6 static payload-type table, the dynamic range and clock conversions.

use rtp_packet::clock::timestamp_distance;
use rtp_packet::{ClockRate, Error, MediaKind, PayloadType, StaticPayload};
use std::time::Duration;

fn pt(v: u8) -> PayloadType {
    PayloadType::new(v).unwrap()
}

#[test]
fn static_table_rows() {
    let row = |encoding, media, clock_rate, channels| {
        Some(StaticPayload {
            encoding,
            media,
            clock_rate,
            channels,
        })
    };
    // G.722 samples at 16 kHz but its RTP clock is 8000 Hz (RFC 3551 §4.5.2).
    let rows = [
        (0, row("PCMU", MediaKind::Audio, 8000, Some(1))),
        (8, row("PCMA", MediaKind::Audio, 8000, Some(1))),
        (9, row("G722", MediaKind::Audio, 8000, Some(1))),
        (10, row("L16", MediaKind::Audio, 44_100, Some(2))),
        (14, row("MPA", MediaKind::Audio, 90_000, None)),
        (18, row("G729", MediaKind::Audio, 8000, Some(1))),
        (26, row("JPEG", MediaKind::Video, 90_000, None)),
        (33, row("MP2T", MediaKind::AudioVideo, 90_000, None)),
        (34, row("H263", MediaKind::Video, 90_000, None)),
    ];
    for (value, expected) in rows {
        assert_eq!(pt(value).static_payload(), expected, "{value}");
    }
    for unassigned in [1, 2, 19, 20, 24, 27, 29, 30, 35, 72, 95, 96, 127] {
        assert_eq!(pt(unassigned).static_payload(), None, "{unassigned}");
    }
}

#[test]
fn lookup_by_encoding() {
    assert_eq!(
        PayloadType::from_static("pcmu", 8000, None),
        Some(PayloadType::PCMU)
    );
    assert_eq!(
        PayloadType::from_static("L16", 44_100, Some(2)),
        Some(pt(10))
    );
    assert_eq!(
        PayloadType::from_static("L16", 44_100, Some(1)),
        Some(pt(11))
    );
    assert_eq!(PayloadType::from_static("DVI4", 16_000, None), Some(pt(6)));
    assert_eq!(PayloadType::from_static("opus", 48_000, Some(2)), None);
}

#[test]
fn dynamic_range_and_rtcp_conflicts() {
    assert!(!pt(95).is_dynamic());
    assert!(pt(96).is_dynamic());
    assert!(pt(127).is_dynamic());
    assert!(pt(72).conflicts_with_rtcp() && pt(76).conflicts_with_rtcp());
    assert!(!pt(71).conflicts_with_rtcp() && !pt(77).conflicts_with_rtcp());
    assert_eq!(
        format!("{:?}", PayloadType::G722),
        "PayloadType(9 G722/8000)"
    );
    assert_eq!(format!("{:?}", pt(111)), "PayloadType(111)");
}

#[test]
fn clock_conversions() {
    assert_eq!(ClockRate::new(0), Err(Error::ZeroClockRate));
    let opus = ClockRate::OPUS;
    assert_eq!(opus.duration_to_ticks(Duration::from_millis(20)), 960);
    assert_eq!(opus.ticks_to_duration(960), Duration::from_millis(20));
    assert_eq!(opus.convert(960, ClockRate::NARROWBAND), 160);
    assert_eq!(
        ClockRate::VIDEO.ticks_to_duration(3000),
        Duration::from_nanos(33_333_333)
    );
    assert_eq!(
        ClockRate::VIDEO.duration_to_ticks(Duration::from_nanos(33_333_334)),
        3000
    );
    let cd = ClockRate::new(44_100).unwrap();
    assert_eq!(cd.convert(441, ClockRate::OPUS), 480);
    assert_eq!(cd.ticks_to_duration(u64::MAX).as_secs(), u64::MAX / 44_100);
}

#[test]
fn timestamp_wrap() {
    assert_eq!(timestamp_distance(u32::MAX - 79, 80), 160);
    assert_eq!(timestamp_distance(80, u32::MAX - 79), -160);
}
