//! RTP workloads: `rtp-packet` against webrtc-rs `rtp` 0.17.

use crate::harness::{Target, Workload};
use bytes::Bytes;
use rtp_packet::extension::{AbsSendTime, AudioLevel};
use rtp_packet::{CsrcList, ExtensionForm, PacketWriter, PayloadType, RtpHeader, RtpPacket};
use std::hint::black_box;
use webrtc_rtp::extension::abs_send_time_extension::AbsSendTimeExtension;
use webrtc_rtp::extension::audio_level_extension::AudioLevelExtension;
use webrtc_rtp::packet::Packet;
use webrtc_util::marshal::{Marshal, Unmarshal};

const PAYLOAD: [u8; 160] = [0xab; 160];

fn plain_header() -> RtpHeader {
    RtpHeader::new(
        PayloadType::new(111).expect("111 < 128"),
        4321,
        960_000,
        0x1234_5678,
    )
}

fn plain_packet() -> Vec<u8> {
    let mut buf = [0u8; 172];
    let len = PacketWriter::new(&mut buf, &plain_header())
        .and_then(|w| w.finish(&PAYLOAD, 0))
        .expect("172 bytes fit");
    buf[..len].to_vec()
}

/// 2 CSRCs and a one-byte extension block: audio level (ID 1) and abs-send-time (ID 3).
fn extension_packet() -> Vec<u8> {
    let mut header = plain_header();
    header.csrcs = CsrcList::from_slice(&[0x1111_1111, 0x2222_2222]).expect("2 CSRCs");
    let mut buf = [0u8; 256];
    let mut w = PacketWriter::new(&mut buf, &header).expect("header fits");
    w.extension(ExtensionForm::OneByte)
        .and_then(|mut e| {
            e.push_value(1, &AudioLevel::new(true, 42)?)?
                .push_value(3, &AbsSendTime::new(0x12_3456)?)?;
            Ok(())
        })
        .expect("extension fits");
    let len = w.finish(&PAYLOAD, 0).expect("packet fits");
    buf[..len].to_vec()
}

pub fn workloads() -> Vec<Workload> {
    let plain = plain_packet();
    let plain_bytes = Bytes::from(plain.clone());
    let ext = extension_packet();
    let ext_bytes = Bytes::from(ext.clone());

    // Sanity: both stacks read the same fields from the same bytes.
    let theirs = Packet::unmarshal(&mut ext_bytes.clone()).expect("webrtc-rs parses our packet");
    let ours = RtpPacket::parse(&ext).expect("we parse our packet");
    assert_eq!(theirs.header.csrc, ours.csrcs().collect::<Vec<_>>());
    assert_eq!(&theirs.payload[..], ours.payload());

    let their_packet =
        Packet::unmarshal(&mut plain_bytes.clone()).expect("webrtc-rs parses our packet");
    let header = plain_header();
    let mut our_out = vec![0u8; 1500];
    let mut their_out = vec![0u8; 1500];

    vec![
        Workload {
            name: "rtp: parse plain 172-byte packet",
            ours: Box::new(move || {
                let p = RtpPacket::parse(black_box(&plain)).expect("valid");
                black_box((
                    p.sequence_number(),
                    p.timestamp(),
                    p.ssrc(),
                    p.payload().len(),
                ));
            }),
            theirs: Box::new(move || {
                let p = Packet::unmarshal(&mut black_box(&plain_bytes).clone()).expect("valid");
                black_box((
                    p.header.sequence_number,
                    p.header.timestamp,
                    p.header.ssrc,
                    p.payload.len(),
                ));
            }),
            target: Target::FasterBy(5.0),
        },
        Workload {
            name: "rtp: parse 2 CSRCs + audio level + abs-send-time",
            ours: Box::new(move || {
                let p = RtpPacket::parse(black_box(&ext)).expect("valid");
                let e = p.header_extension().expect("has extension");
                let level = e.value::<AudioLevel>(1).expect("valid").expect("present");
                let sent = e.value::<AbsSendTime>(3).expect("valid").expect("present");
                black_box((
                    level.level(),
                    level.voice_activity(),
                    sent.raw(),
                    p.payload().len(),
                ));
            }),
            theirs: Box::new(move || {
                let p = Packet::unmarshal(&mut black_box(&ext_bytes).clone()).expect("valid");
                let level = AudioLevelExtension::unmarshal(
                    &mut p.header.get_extension(1).expect("present"),
                )
                .expect("valid");
                let sent = AbsSendTimeExtension::unmarshal(
                    &mut p.header.get_extension(3).expect("present"),
                )
                .expect("valid");
                black_box((level.level, level.voice, sent.timestamp, p.payload.len()));
            }),
            target: Target::FasterBy(5.0),
        },
        Workload {
            name: "rtp: write plain 172-byte packet",
            ours: Box::new(move || {
                let w =
                    PacketWriter::new(black_box(&mut our_out), black_box(&header)).expect("fits");
                black_box(w.finish(black_box(&PAYLOAD), 0).expect("fits"));
            }),
            theirs: Box::new(move || {
                black_box(
                    black_box(&their_packet)
                        .marshal_to(black_box(&mut their_out))
                        .expect("fits"),
                );
            }),
            target: Target::NoSlower,
        },
    ]
}
