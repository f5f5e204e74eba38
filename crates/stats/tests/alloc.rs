//! Updating receiver statistics allocates nothing: every table is sized at construction.

use std::time::{Duration, Instant};

use stats::{ReceiverConfig, SourceStatistics, Throughput};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn per_packet_update_does_not_allocate() {
    let t0 = Instant::now();
    let mut s = SourceStatistics::new(1, ReceiverConfig::new(rtp_packet::ClockRate::OPUS)).unwrap();
    let mut rate = Throughput::new(Duration::from_secs(1), 10).unwrap();
    let (allocations, counted) = alloc_counter::count(|| {
        let mut counted = 0u64;
        for n in 0u32..20_000 {
            // Loss every 10th, a swap every 7th, a duplicate every 13th, and a wrap of the
            // 16-bit sequence number a third of the way through.
            if n % 10 == 0 {
                continue;
            }
            let seq = match n % 7 {
                0 => n - 1,
                6 => n + 1,
                _ => n,
            };
            let at = t0 + Duration::from_millis(u64::from(n) * 20);
            let seq16 = seq.wrapping_add(58_000) as u16;
            s.on_packet(seq16, seq.wrapping_mul(960), 120, at);
            if n % 13 == 0 {
                s.on_packet(seq16, seq.wrapping_mul(960), 120, at);
            }
            rate.record(at, 132);
            counted += 1;
        }
        counted
    });
    assert_eq!(allocations, 0);
    assert!(counted > 17_000);
    assert!(s.loss().extended_highest().unwrap() > 0x0001_0000);
    assert!(s.duplicates() > 1000);
}
