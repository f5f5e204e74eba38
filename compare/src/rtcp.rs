//! RTCP workloads: the `rtcp` crate against webrtc-rs `rtcp` 0.17, on the compound a
//! sender emits every few seconds: SR with one report block, then SDES with one CNAME.

use crate::harness::{Target, Workload};
use bytes::Bytes;
use rtcp::{
    AnyPacket, Compound, NtpTime, Packet, ReportBlock, SenderReport, SourceDescription,
    write_compound,
};
use std::hint::black_box;
use webrtc_rtcp::sender_report::SenderReport as TheirSenderReport;
use webrtc_rtcp::source_description::SourceDescription as TheirSourceDescription;
use webrtc_util::marshal::{Marshal, MarshalSize};

const SSRC: u32 = 0x902f_9e2e;
const CNAME: &str = "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}";

fn sender_report() -> SenderReport<'static> {
    SenderReport {
        ssrc: SSRC,
        ntp_time: NtpTime(0xda8b_d1fc_dddd_a05a),
        rtp_time: 0xaaf4_edd5,
        packet_count: 1500,
        octet_count: 240_000,
        reports: vec![ReportBlock {
            ssrc: 0xbc5e_9a40,
            fraction_lost: 3,
            cumulative_lost: 12,
            extended_highest_sequence_number: 0x0001_46e1,
            jitter: 273,
            last_sr: 0x09f3_6432,
            delay_since_last_sr: 0x0002_4a79,
        }]
        .into(),
        profile_extensions: Default::default(),
    }
}

fn compound() -> Vec<u8> {
    let packets = [
        AnyPacket::SenderReport(sender_report()),
        AnyPacket::SourceDescription(SourceDescription::cname(SSRC, CNAME)),
    ];
    let mut buf = vec![0u8; 1500];
    let n = write_compound(&packets, 0, &mut buf).expect("fits");
    buf.truncate(n);
    buf
}

/// What a receiver reads from the compound: sender SSRC, RTP timestamp, the report's
/// extended highest sequence number and cumulative lost, and the CNAME's length.
fn read_ours(bytes: &[u8]) -> (u32, u32, u32, i64, usize) {
    let mut out = (0, 0, 0, 0, 0);
    for p in Compound::new(bytes) {
        match p.expect("valid") {
            AnyPacket::SenderReport(sr) => {
                out.0 = sr.ssrc;
                out.1 = sr.rtp_time;
                if let Some(b) = sr.reports.iter().next() {
                    out.2 = b.extended_highest_sequence_number;
                    out.3 = i64::from(b.cumulative_lost);
                }
            }
            AnyPacket::SourceDescription(sdes) => {
                if let Some(chunk) = sdes.chunks.iter().next() {
                    out.4 = chunk.items.iter().next().map_or(0, |i| i.text.len());
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

fn read_theirs(bytes: &Bytes) -> (u32, u32, u32, i64, usize) {
    let mut out = (0, 0, 0, 0, 0);
    let packets = webrtc_rtcp::packet::unmarshal(&mut bytes.clone()).expect("valid");
    for p in &packets {
        if let Some(sr) = p.as_any().downcast_ref::<TheirSenderReport>() {
            out.0 = sr.ssrc;
            out.1 = sr.rtp_time;
            if let Some(b) = sr.reports.first() {
                out.2 = b.last_sequence_number;
                out.3 = i64::from(b.total_lost);
            }
        } else if let Some(sdes) = p.as_any().downcast_ref::<TheirSourceDescription>()
            && let Some(chunk) = sdes.chunks.first()
        {
            out.4 = chunk.items.first().map_or(0, |i| i.text.len());
        }
    }
    out
}

pub fn workloads() -> Vec<Workload> {
    let ours_bytes = compound();
    let theirs_bytes = Bytes::from(ours_bytes.clone());

    // Sanity: both stacks read the same values from the same bytes, and write equivalent ones.
    assert_eq!(read_ours(&ours_bytes), read_theirs(&theirs_bytes));
    let their_packets = webrtc_rtcp::packet::unmarshal(&mut theirs_bytes.clone()).expect("valid");
    let their_sr = their_packets[0]
        .as_any()
        .downcast_ref::<TheirSenderReport>()
        .expect("SR first")
        .clone();
    let their_sdes = their_packets[1]
        .as_any()
        .downcast_ref::<TheirSourceDescription>()
        .expect("SDES second")
        .clone();
    // webrtc-rs ends the SDES chunk's padding with a count byte instead of zeros, so the
    // bytes differ there; what a reader gets from them must not.
    let their_bytes = [
        their_sr.marshal().expect("valid"),
        their_sdes.marshal().expect("valid"),
    ]
    .concat();
    assert_eq!(their_bytes.len(), ours_bytes.len());
    assert_eq!(read_ours(&their_bytes), read_ours(&ours_bytes));
    let sr = sender_report();
    let sdes = SourceDescription::cname(SSRC, CNAME);
    let mut our_out = vec![0u8; 1500];
    let mut their_out = vec![0u8; 1500];
    let parse_bytes = ours_bytes.clone();

    vec![
        Workload {
            name: "rtcp: parse SR (1 block) + SDES (CNAME)",
            ours: Box::new(move || {
                black_box(read_ours(black_box(&parse_bytes)));
            }),
            theirs: Box::new(move || {
                black_box(read_theirs(black_box(&theirs_bytes)));
            }),
            target: Target::FasterBy(5.0),
        },
        Workload {
            name: "rtcp: write SR (1 block) + SDES (CNAME)",
            ours: Box::new(move || {
                let out = black_box(&mut our_out);
                let n = black_box(&sr).write(out).expect("fits");
                let m = black_box(&sdes).write(&mut out[n..]).expect("fits");
                black_box(n + m);
            }),
            theirs: Box::new(move || {
                let out = black_box(&mut their_out);
                let sr = black_box(&their_sr);
                let n = sr.marshal_to(out).expect("fits");
                let m = black_box(&their_sdes)
                    .marshal_to(&mut out[n..])
                    .expect("fits");
                black_box((n + m, sr.marshal_size()));
            }),
            target: Target::FasterBy(2.0),
        },
    ]
}
