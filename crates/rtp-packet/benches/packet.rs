//! Parse and write benchmarks for the three workloads the side-by-side comparison also runs:
//! a plain 172-byte packet, a packet with 2 CSRCs and a one-byte extension block (audio
//! level + abs-send-time), and writing the plain packet.

use criterion::{Criterion, criterion_group, criterion_main};
use rtp_packet::extension::{AbsSendTime, AudioLevel};
use rtp_packet::{CsrcList, ExtensionForm, PacketWriter, PayloadType, RtpHeader, RtpPacket};
use std::hint::black_box;

fn plain_header() -> RtpHeader {
    RtpHeader::new(PayloadType::new(111).unwrap(), 4321, 960_000, 0x1234_5678)
}

fn plain_packet() -> Vec<u8> {
    let mut buf = [0u8; 172];
    let len = PacketWriter::new(&mut buf, &plain_header())
        .unwrap()
        .finish(&[0xab; 160], 0)
        .unwrap();
    buf[..len].to_vec()
}

fn extension_packet() -> Vec<u8> {
    let mut header = plain_header();
    header.csrcs = CsrcList::from_slice(&[0x1111_1111, 0x2222_2222]).unwrap();
    let mut buf = [0u8; 256];
    let mut w = PacketWriter::new(&mut buf, &header).unwrap();
    w.extension(ExtensionForm::OneByte)
        .unwrap()
        .push_value(1, &AudioLevel::new(true, 42).unwrap())
        .unwrap()
        .push_value(3, &AbsSendTime::new(0x12_3456).unwrap())
        .unwrap();
    let len = w.finish(&[0xab; 160], 0).unwrap();
    buf[..len].to_vec()
}

fn benches(c: &mut Criterion) {
    let plain = plain_packet();
    assert_eq!(plain.len(), 172);
    c.bench_function("parse plain 172-byte packet", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&plain)).unwrap();
            black_box((
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            ))
        })
    });

    let ext = extension_packet();
    c.bench_function("parse 2 CSRCs + audio level + abs-send-time", |b| {
        b.iter(|| {
            let p = RtpPacket::parse(black_box(&ext)).unwrap();
            let e = p.header_extension().unwrap();
            let level = e.value::<AudioLevel>(1).unwrap().unwrap();
            let sent = e.value::<AbsSendTime>(3).unwrap().unwrap();
            black_box((level, sent, p.payload().len()))
        })
    });

    let header = plain_header();
    let payload = [0xabu8; 160];
    let mut out = [0u8; 1500];
    c.bench_function("write plain 172-byte packet", |b| {
        b.iter(|| {
            let w = PacketWriter::new(black_box(&mut out), black_box(&header)).unwrap();
            black_box(w.finish(black_box(&payload), 0).unwrap())
        })
    });
}

criterion_group!(rtp_packet, benches);
criterion_main!(rtp_packet);
