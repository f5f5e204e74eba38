//! Insert + poll per packet in steady state, for one buffer and for 1,000 buffers side by
//! side (a conference server's receive side). Zero allocations on this path are proven by
//! `tests/allocations.rs`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitter_buffer::{Config, JitterBuffer, PacketInfo, Playout};
use std::hint::black_box;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(20);

/// One receive stream: the next packet to insert and the time it arrives.
struct Feed {
    jb: JitterBuffer,
    seq: u16,
    ts: u32,
    now: Instant,
    ssrc: u32,
}

impl Feed {
    fn new(ssrc: u32, t0: Instant) -> Self {
        let jb =
            JitterBuffer::new(Config::audio(rtp_packet::ClockRate::OPUS)).expect("valid config");
        let mut feed = Self {
            jb,
            seq: 0,
            ts: 0,
            now: t0,
            ssrc,
        };
        for _ in 0..3000 {
            feed.step();
        }
        feed
    }

    /// Inserts one 20 ms Opus-sized packet with a little jitter and plays what is due.
    fn step(&mut self) -> usize {
        let info = PacketInfo {
            ssrc: self.ssrc,
            sequence_number: self.seq,
            timestamp: self.ts,
            marker: false,
            payload_type: 111,
        };
        let jitter = Duration::from_micros(u64::from(self.seq % 7) * 500);
        self.jb.insert(self.now + jitter, info, &[0x5a; 120]);
        let mut bytes = 0;
        while let Some(p) = self.jb.poll(self.now) {
            if let Playout::Frame(f) = p {
                bytes += f.payload().len();
            }
        }
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(960);
        self.now += FRAME;
        bytes
    }
}

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("jitter_buffer");
    group.throughput(Throughput::Elements(1));
    let mut feed = Feed::new(1, Instant::now());
    group.bench_function("insert_poll_per_packet", |b| {
        b.iter(|| black_box(feed.step()))
    });
    group.finish();
}

fn thousand(c: &mut Criterion) {
    let mut group = c.benchmark_group("jitter_buffer");
    group.throughput(Throughput::Elements(1000));
    let t0 = Instant::now();
    let mut feeds: Vec<Feed> = (0..1000).map(|i| Feed::new(i, t0)).collect();
    group.bench_function("1000_buffers_one_packet_each", |b| {
        b.iter(|| feeds.iter_mut().map(Feed::step).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, single, thousand);
criterion_main!(benches);
