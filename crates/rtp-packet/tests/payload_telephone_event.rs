//! RFC 4733 telephone events: the event report on the wire and the sender's schedule
//! (§2.5.1: marker, timestamps, durations, the three final reports, long-event segments).

use rtp_packet::payload::PayloadError;
use rtp_packet::payload::telephone_event::{
    EventSchedule, MAX_SEGMENT, ScheduledReport, TelephoneEvent, dtmf_digit, dtmf_event, reports,
};

#[test]
fn reports_have_exact_bytes() {
    // Digit 5 at −10 dBm0, 400 ticks so far.
    let update = TelephoneEvent::new(5, 10, 400).unwrap();
    assert_eq!(update.to_bytes().unwrap(), [0x05, 0x0a, 0x01, 0x90]);
    // The end: E set, R zero, duration 800.
    let end = TelephoneEvent {
        end: true,
        duration: 800,
        ..update
    };
    assert_eq!(end.to_bytes().unwrap(), [0x05, 0x8a, 0x03, 0x20]);
    // `#` (11) at the quietest volume with the longest duration.
    let hash = TelephoneEvent::new(dtmf_event('#').unwrap(), 63, 0xffff).unwrap();
    assert_eq!(hash.to_bytes().unwrap(), [0x0b, 0x3f, 0xff, 0xff]);
    let mut out = [0u8; 6];
    assert_eq!(end.write(&mut out), Ok(4));
    assert_eq!(out, [0x05, 0x8a, 0x03, 0x20, 0, 0]);
    assert_eq!(
        end.write(&mut [0u8; 3]),
        Err(PayloadError::BufferTooSmall { needed: 4, got: 3 })
    );
}

#[test]
fn reports_parse_back_and_ignore_the_reserved_bit() {
    let parsed = TelephoneEvent::parse(&[0x05, 0x8a, 0x03, 0x20]).unwrap();
    assert_eq!(
        parsed,
        TelephoneEvent {
            event: 5,
            end: true,
            volume: 10,
            duration: 800
        }
    );
    // R set by a careless sender: ignored (RFC 4733 §2.3.2).
    assert_eq!(TelephoneEvent::parse(&[0x05, 0xca, 0x03, 0x20]), Ok(parsed));
    assert_eq!(dtmf_digit(parsed.event), Some('5'));
}

#[test]
fn short_and_ragged_payloads_are_refused() {
    for len in 0..4 {
        assert_eq!(
            TelephoneEvent::parse(&[0u8; 4][..len]),
            Err(PayloadError::Truncated {
                needed: 4,
                got: len
            })
        );
        assert!(reports(&[0u8; 4][..len]).is_err());
    }
    for len in [5, 6, 7, 9] {
        assert_eq!(
            TelephoneEvent::parse(&[0u8; 9][..len]),
            Err(PayloadError::TelephoneEventLength { len })
        );
        assert!(matches!(
            reports(&[0u8; 9][..len]).map(|_| ()),
            Err(PayloadError::TelephoneEventLength { .. })
        ));
    }
}

#[test]
fn several_reports_in_one_payload_are_all_read() {
    let payload = [0x01, 0x8a, 0x03, 0x20, 0x02, 0x0a, 0x00, 0xa0];
    let all: Vec<TelephoneEvent> = reports(&payload).unwrap().collect();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].event, all[0].end, all[0].duration), (1, true, 800));
    assert_eq!((all[1].event, all[1].end, all[1].duration), (2, false, 160));
    assert_eq!(TelephoneEvent::parse(&payload).unwrap(), all[0]);
}

#[test]
fn volumes_above_63_are_refused() {
    let refused = PayloadError::FieldOutOfRange {
        field: "volume",
        value: 64,
    };
    assert_eq!(TelephoneEvent::new(1, 64, 0), Err(refused));
    let bad = TelephoneEvent {
        event: 1,
        end: false,
        volume: 64,
        duration: 0,
    };
    assert_eq!(bad.to_bytes(), Err(refused));
    assert_eq!(bad.write(&mut [0u8; 4]), Err(refused));
    assert!(EventSchedule::new(1, 64, 0, 800, 160).is_err());
}

#[test]
fn zero_durations_and_intervals_are_refused() {
    assert_eq!(
        EventSchedule::new(1, 10, 0, 0, 160).err(),
        Some(PayloadError::FieldOutOfRange {
            field: "duration",
            value: 0
        })
    );
    assert_eq!(
        EventSchedule::new(1, 10, 0, 800, 0).err(),
        Some(PayloadError::FieldOutOfRange {
            field: "interval",
            value: 0
        })
    );
}

fn summary(p: &ScheduledReport) -> (u64, u32, bool, bool, u16) {
    (
        p.send_at,
        p.timestamp,
        p.marker,
        p.report.end,
        p.report.duration,
    )
}

#[test]
fn a_short_digit_starts_with_the_marker_and_ends_three_times() {
    // 160 ms at 8000 Hz (1280 ticks), updates every 20 ms (160 ticks).
    let packets: Vec<_> = EventSchedule::new(1, 10, 4000, 1280, 160)
        .unwrap()
        .map(|p| summary(&p))
        .collect();
    let mut expected = vec![(0, 4000, true, false, 160)];
    for n in 1..7u16 {
        expected.push((u64::from(n) * 160, 4000, false, false, (n + 1) * 160));
    }
    for n in 7..10 {
        expected.push((n * 160, 4000, false, true, 1280));
    }
    assert_eq!(packets, expected);
}

#[test]
fn a_duration_that_is_not_a_whole_number_of_intervals_ends_early() {
    // 50 ms of updates, a 70 ms digit: the second packet already reports the end.
    let packets: Vec<_> = EventSchedule::new(9, 0, 0, 560, 400)
        .unwrap()
        .map(|p| summary(&p))
        .collect();
    assert_eq!(
        packets,
        [
            (0, 0, true, false, 400),
            (400, 0, false, true, 560),
            (800, 0, false, true, 560),
            (1200, 0, false, true, 560),
        ]
    );
    // Shorter than one interval: the first packet is already an end, with the marker.
    let packets: Vec<_> = EventSchedule::new(9, 0, 0, 100, 400)
        .unwrap()
        .map(|p| summary(&p))
        .collect();
    assert_eq!(
        packets,
        [
            (0, 0, true, true, 100),
            (400, 0, false, true, 100),
            (800, 0, false, true, 100),
        ]
    );
}

#[test]
fn a_long_event_is_sent_in_segments() {
    // 0xFFFF + 1000 ticks at 8000 Hz (8.32 s), updates every 20 ms; the onset close to
    // the timestamp's wrap, so the second segment's timestamp wraps.
    let total = u32::from(MAX_SEGMENT) + 1000;
    let onset = u32::MAX - 100;
    let packets: Vec<ScheduledReport> = EventSchedule::new(0, 7, onset, total, 160)
        .unwrap()
        .collect();
    // Send times are one interval apart, from the onset.
    for (n, p) in packets.iter().enumerate() {
        assert_eq!(p.send_at, n as u64 * 160);
    }
    assert_eq!(packets.iter().filter(|p| p.marker).count(), 1);
    assert!(packets[0].marker);
    // First segment: timestamp at the onset, durations up to 0xFFFF, never the E bit.
    let first: Vec<_> = packets.iter().filter(|p| p.timestamp == onset).collect();
    assert!(first.iter().all(|p| !p.report.end));
    let full: Vec<_> = first
        .iter()
        .filter(|p| p.report.duration == MAX_SEGMENT)
        .collect();
    assert_eq!(full.len(), 3, "the segment's final report, three times");
    assert!(
        first
            .windows(2)
            .all(|w| w[0].report.duration <= w[1].report.duration)
    );
    // Second segment: starts where the first ended, without the marker, counts from there.
    let second_ts = onset.wrapping_add(u32::from(MAX_SEGMENT));
    assert_eq!(second_ts, 0xFFFF - 101);
    let second: Vec<_> = packets
        .iter()
        .filter(|p| p.timestamp == second_ts)
        .collect();
    assert_eq!(first.len() + second.len(), packets.len());
    assert!(second.iter().all(|p| !p.marker));
    let ends: Vec<_> = second.iter().filter(|p| p.report.end).collect();
    assert_eq!(ends.len(), 3);
    assert!(ends.iter().all(|p| p.report.duration == 1000));
    assert_eq!(packets.last().map(|p| p.report.end), Some(true));
    // The first segment fills at 409.6 intervals: its final report goes in the interval
    // that reaches 0xFFFF (packet 409), then twice more; the next segment's first report
    // (packet 412) covers 413 intervals from the onset.
    assert_eq!(packets[409].report.duration, MAX_SEGMENT);
    assert_eq!(packets[412].timestamp, second_ts);
    assert_eq!(
        u32::from(packets[412].report.duration),
        413 * 160 - u32::from(MAX_SEGMENT)
    );
}

#[test]
fn an_event_of_exactly_one_segment_ends_with_0xffff() {
    let packets: Vec<_> = EventSchedule::new(3, 0, 0, u32::from(MAX_SEGMENT), 4096)
        .unwrap()
        .collect();
    assert!(packets.iter().all(|p| p.timestamp == 0));
    let ends: Vec<_> = packets.iter().filter(|p| p.report.end).collect();
    assert_eq!(ends.len(), 3);
    assert!(ends.iter().all(|p| p.report.duration == MAX_SEGMENT));
}

#[test]
fn a_very_long_event_has_one_segment_per_0xffff_ticks() {
    let total = 3 * u32::from(MAX_SEGMENT) + 5;
    let packets: Vec<_> = EventSchedule::new(3, 0, 0, total, 400).unwrap().collect();
    let mut timestamps: Vec<u32> = packets.iter().map(|p| p.timestamp).collect();
    timestamps.dedup();
    assert_eq!(timestamps, [0, 0xffff, 2 * 0xffff, 3 * 0xffff]);
    // The durations of the segments' final reports add up to the event's.
    let mut sum = 0u32;
    for ts in timestamps {
        let last = packets.iter().rfind(|p| p.timestamp == ts).unwrap();
        sum += u32::from(last.report.duration);
    }
    assert_eq!(sum, total);
}
