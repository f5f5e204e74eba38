//! Per-packet cost of updating receiver statistics (RFC 3550 A.1 + A.3 + A.8 + history +
//! burst metrics).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stats::{ReceiverConfig, SourceStatistics};

fn per_packet(c: &mut Criterion) {
    let mut group = c.benchmark_group("receiver");
    group.throughput(Throughput::Elements(1));
    let start = Instant::now();
    let mut source = SourceStatistics::new(
        0x1234_5678,
        ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND),
    )
    .expect("valid config");
    let mut seq: u16 = 0;
    let mut ts: u32 = 0;
    let mut arrival = start;
    group.bench_function("on_packet_in_order", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            ts = ts.wrapping_add(160);
            arrival += Duration::from_millis(20);
            black_box(source.on_packet(black_box(seq), black_box(ts), 160, arrival))
        })
    });
    let mut lossy = SourceStatistics::new(
        0x1234_5678,
        ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND),
    )
    .expect("valid config");
    let mut n: u32 = 0;
    group.bench_function("on_packet_with_loss_and_reorder", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            // Every 10th packet is lost and every 7th swapped with its predecessor.
            let s = if n % 7 == 0 {
                n.wrapping_sub(1)
            } else if n % 7 == 6 {
                n.wrapping_add(1)
            } else {
                n
            };
            if n % 10 == 0 {
                return;
            }
            arrival += Duration::from_millis(20);
            black_box(lossy.on_packet(s as u16, s.wrapping_mul(160), 160, arrival));
        })
    });
    group.finish();
}

criterion_group!(benches, per_packet);
criterion_main!(benches);
