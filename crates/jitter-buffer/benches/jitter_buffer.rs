//! Insert + poll per packet in steady state, for one audio and one video buffer and for 1,000 buffers side by
//! side (a conference server's receive side). Zero allocations on this path are proven by
//! `tests/allocations.rs`.

mod common;

use common::Feed;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Instant;

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("jitter_buffer");
    group.throughput(Throughput::Elements(1));
    let mut feed = Feed::new(1, Instant::now()).expect("valid config");
    group.bench_function("insert_poll_per_packet", |b| {
        b.iter(|| black_box(feed.step()))
    });
    let mut video = Feed::video(2, Instant::now()).expect("valid config");
    group.bench_function("video_insert_poll_per_packet", |b| {
        b.iter(|| black_box(video.step()))
    });
    group.finish();
}

fn thousand(c: &mut Criterion) {
    let mut group = c.benchmark_group("jitter_buffer");
    group.throughput(Throughput::Elements(1000));
    let t0 = Instant::now();
    let mut feeds: Vec<Feed> = (0..1000)
        .map(|i| Feed::new(i, t0).expect("valid config"))
        .collect();
    group.bench_function("1000_buffers_one_packet_each", |b| {
        b.iter(|| feeds.iter_mut().map(Feed::step).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, single, thousand);
criterion_main!(benches);
