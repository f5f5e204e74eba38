//! RFC 4733 telephone-event payloads: arbitrary bytes parse exactly when they are one or
//! more whole 4-octet reports, every report reads as the RFC's bit layout says, and what
//! parses writes back to the same octets with the reserved bit cleared. The first two
//! octets also drive an event schedule, whose packets must keep the §2.5.1 rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::payload::telephone_event::{
    EventSchedule, FINAL_REPORTS, MAX_SEGMENT, TelephoneEvent, reports,
};

fuzz_target!(|data: &[u8]| {
    let whole = !data.is_empty() && data.len() & 3 == 0;
    assert_eq!(TelephoneEvent::parse(data).is_ok(), whole);
    match reports(data) {
        Ok(all) => {
            assert!(whole);
            let mut n = 0;
            for (report, octets) in all.zip(data.chunks_exact(4)) {
                assert_eq!(report.event, octets[0]);
                assert_eq!(report.end, octets[1] & 0x80 != 0);
                assert_eq!(report.volume, octets[1] & 0x3f);
                assert_eq!(report.duration, u16::from_be_bytes([octets[2], octets[3]]));
                let written = report.to_bytes().expect("a parsed volume fits");
                assert_eq!(
                    written,
                    [octets[0], octets[1] & !0x40, octets[2], octets[3]]
                );
                n += 1;
            }
            assert_eq!(n, data.len() / 4);
        }
        Err(_) => assert!(!whole),
    }

    // A schedule from the input: a duration of up to ~4 segments, an interval of 1–4096
    // ticks but at least a 512th of the duration, so that one input is at most ~520
    // packets and the target stays fast enough to reach depth.
    if let [a, b, c, d, e, ..] = *data {
        let duration = u32::from_be_bytes([0, a & 0x03, b, c]);
        let interval = (u32::from(u16::from_be_bytes([d & 0x0f, e])) + 1).max(duration / 512 + 1);
        let Ok(schedule) = EventSchedule::new(a, b & 0x3f, u32::from(c) << 24, duration, interval)
        else {
            assert_eq!(duration, 0);
            return;
        };
        let mut segments_total = 0u64;
        let mut last_send = None;
        let mut ends = 0;
        let mut packets = 0u64;
        let mut current: Option<(u32, u16)> = None;
        for p in schedule {
            packets += 1;
            assert!(packets < 1_000_000);
            if let Some(prev) = last_send {
                assert_eq!(p.send_at, prev + u64::from(interval));
            } else {
                assert!(p.marker && p.send_at == 0);
            }
            assert!(p.marker == (packets == 1));
            last_send = Some(p.send_at);
            match current {
                Some((ts, d)) if ts == p.timestamp => {
                    assert!(p.report.duration >= d);
                    current = Some((ts, p.report.duration));
                }
                Some((ts, d)) => {
                    assert_eq!(d, MAX_SEGMENT);
                    assert_eq!(p.timestamp, ts.wrapping_add(u32::from(MAX_SEGMENT)));
                    segments_total += u64::from(d);
                    current = Some((p.timestamp, p.report.duration));
                }
                None => current = Some((p.timestamp, p.report.duration)),
            }
            if p.report.end {
                ends += 1;
            } else {
                assert_eq!(ends, 0, "nothing after an end but its copies");
            }
        }
        assert_eq!(ends, FINAL_REPORTS);
        let last = current.map_or(0, |(_, d)| u64::from(d));
        assert_eq!(segments_total + last, u64::from(duration));
    }
});
