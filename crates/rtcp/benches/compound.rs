//! Parsing and writing the SR (one report block) + SDES (one CNAME) compound a browser
//! sends every few seconds, on the borrowed path.

use criterion::{Criterion, criterion_group, criterion_main};
use rtcp::{Compound, Packet, SenderReport, SourceDescription};
use std::hint::black_box;

#[path = "../tests/fixtures/sr_sdes.rs"]
mod fixture;

fn bench(c: &mut Criterion) {
    let bytes = fixture::sr_sdes();
    c.bench_function("parse SR+SDES compound", |b| {
        b.iter(|| {
            for p in Compound::new(black_box(&bytes)) {
                let _ = black_box(p);
            }
        })
    });
    let sr = SenderReport::parse(&bytes[..52]).expect("valid SR");
    let sdes = SourceDescription::parse(&bytes[52..]).expect("valid SDES");
    let mut out = [0u8; 1500];
    c.bench_function("write SR+SDES compound", |b| {
        b.iter(|| {
            let n = black_box(&sr).write(&mut out).expect("fits");
            let m = black_box(&sdes).write(&mut out[n..]).expect("fits");
            black_box(n + m)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
