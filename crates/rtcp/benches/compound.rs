//! Parsing and writing the SR (one report block) + SDES (one CNAME) compound a browser
//! sends every few seconds, on the borrowed path.

use criterion::{Criterion, criterion_group, criterion_main};
use rtcp::{
    AnyPacket, Compound, NtpTime, Packet, ReportBlock, SenderReport, SourceDescription,
    write_compound,
};
use std::hint::black_box;

fn compound() -> Vec<u8> {
    let packets = [
        AnyPacket::SenderReport(SenderReport {
            ssrc: 0x902f_9e2e,
            ntp_time: NtpTime(0xda8b_d1fc_dddd_a05a),
            rtp_time: 0xaaf4_edd5,
            packet_count: 1,
            octet_count: 2,
            reports: vec![ReportBlock {
                ssrc: 0xbc5e_9a40,
                jitter: 273,
                ..Default::default()
            }]
            .into(),
            profile_extensions: Default::default(),
        }),
        AnyPacket::SourceDescription(SourceDescription::cname(
            0x902f_9e2e,
            "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}",
        )),
    ];
    let mut buf = vec![0u8; 1500];
    let n = write_compound(&packets, 0, &mut buf).expect("fits");
    buf.truncate(n);
    buf
}

fn bench(c: &mut Criterion) {
    let bytes = compound();
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
