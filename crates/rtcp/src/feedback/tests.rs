//! Every feedback message on the wire: one table of messages that parse to a value and
//! write back to the same bytes, and one of malformed messages with their exact errors.

use super::*;
use crate::error::Error;
use crate::{AnyPacket, Packet};
use std::borrow::Cow;

/// Messages whose bytes parse to the value and whose value writes the bytes.
fn round_trips() -> Vec<(&'static [u8], AnyPacket<'static>)> {
    vec![
        (
            &[
                0x81, 0xce, 0x00, 0x02, // V=2 FMT=1 PT=206 (PLI) length=2
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x4b, 0xc4, 0xfc, 0xb4, // SSRC of media source
            ],
            AnyPacket::PictureLossIndication(PictureLossIndication {
                sender_ssrc: 1,
                media_ssrc: 0x4bc4_fcb4,
            }),
        ),
        (
            &[
                0x84, 0xce, 0x00, 0x04, // V=2 FMT=4 PT=206 (FIR) length=4
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00, // SSRC of media source: 0
                0x12, 0x34, 0x56, 0x78, // FIR entry SSRC
                0x07, 0x00, 0x00, 0x00, // Seq nr. 7, reserved
            ],
            AnyPacket::FullIntraRequest(FullIntraRequest {
                sender_ssrc: 1,
                media_ssrc: 0,
                entries: vec![FirEntry {
                    ssrc: 0x1234_5678,
                    sequence_number: 7,
                }]
                .into(),
            }),
        ),
        (
            &[
                0x82, 0xce, 0x00, 0x03, // V=2 FMT=2 PT=206 (SLI) length=3
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02, // SSRC of media source
                0x00, 0x08, 0x01, 0x45, // First=1, Number=5 (13 bits each), PictureID=5
            ],
            AnyPacket::SliceLossIndication(SliceLossIndication {
                sender_ssrc: 1,
                media_ssrc: 2,
                entries: vec![SliEntry {
                    first: 1,
                    number: 5,
                    picture_id: 5,
                }]
                .into(),
            }),
        ),
        (
            &[
                0x81, 0xcd, 0x00, 0x03, // V=2 FMT=1 PT=205 (generic NACK) length=3
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02, // SSRC of media source
                0x00, 0x64, 0x00, 0x05, // PID=100, BLP=0b101: 101 and 103 lost too
            ],
            AnyPacket::GenericNack(GenericNack {
                sender_ssrc: 1,
                media_ssrc: 2,
                pairs: vec![NackPair { pid: 100, blp: 5 }].into(),
            }),
        ),
        (
            &[
                0x8f, 0xce, 0x00, 0x05, // V=2 FMT=15 PT=206 (AFB) length=5
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00, // SSRC of media source
                b'R', b'E', b'M', b'B', // unique identifier
                0x01, 0x13, 0x12, 0xd0, // Num SSRC=1, BR Exp=4, BR Mantissa=0x312d0 (201424)
                0x12, 0x34, 0x56, 0x78, // SSRC feedback
            ],
            AnyPacket::ReceiverEstimatedMaximumBitrate(ReceiverEstimatedMaximumBitrate {
                sender_ssrc: 1,
                media_ssrc: 0,
                bitrate: 201_424 << 4,
                ssrcs: vec![0x1234_5678].into(),
            }),
        ),
        (
            &[
                0x83, 0xce, 0x00, 0x03, // V=2 FMT=3 PT=206 (RPSI) length=3
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02, // SSRC of media source
                0x04, 0x60, 0xab, 0xc0, // PB=4, PT=96, 12-bit string 0xab 0xc_
            ],
            AnyPacket::ReferencePictureSelectionIndication(ReferencePictureSelectionIndication {
                sender_ssrc: 1,
                media_ssrc: 2,
                payload_type: 96,
                bit_string: Cow::Borrowed(&[0xab, 0xc0]),
                unused_bits: 4,
            }),
        ),
        (
            &[
                0x83, 0xcd, 0x00, 0x04, // V=2 FMT=3 PT=205 (TMMBR) length=4
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00, // SSRC of media source
                0x12, 0x34, 0x56, 0x78, // SSRC
                0x0f, 0xd0, 0x90, 0x28, // Exp=3, Mantissa=125000 (1 Mbit/s), Overhead=40
            ],
            AnyPacket::Tmmbr(Tmmbr {
                sender_ssrc: 1,
                media_ssrc: 0,
                items: vec![TmmbItem::new(0x1234_5678, 1_000_000, 40)].into(),
            }),
        ),
        (
            &[
                0x84, 0xcd, 0x00, 0x02, // V=2 FMT=4 PT=205 (TMMBN) length=2
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00, // SSRC of media source; empty bounding set
            ],
            AnyPacket::Tmmbn(Tmmbn {
                sender_ssrc: 1,
                media_ssrc: 0,
                items: Vec::new().into(),
            }),
        ),
        (
            &[
                0x8b, 0xcd, 0x00, 0x06, // V=2 FMT=11 PT=205 (CCFB) length=6
                0x00, 0x00, 0x00, 0x01, // SSRC of RTCP packet sender
                0x00, 0x00, 0x00, 0x02, // SSRC of 1st RTP stream
                0x00, 0x64, 0x00, 0x03, // begin_seq 100, num_reports 3
                0x80, 0x10, 0x00, 0x00, // R=1 ECN=00 ATO=16; R=0 (lost)
                0xe0, 0x04, 0x00, 0x00, // R=1 ECN=11 (CE) ATO=4; padding to 32 bits
                0x12, 0x34, 0x56, 0x78, // Report Timestamp
            ],
            AnyPacket::CongestionControlFeedback(CongestionControlFeedback {
                sender_ssrc: 1,
                reports: vec![CcfbStreamReport {
                    ssrc: 2,
                    begin_seq: 100,
                    metrics: vec![
                        CcfbMetric {
                            received: true,
                            ecn: Ecn::NotEct,
                            arrival_time_offset: 16,
                        },
                        CcfbMetric::default(),
                        CcfbMetric {
                            received: true,
                            ecn: Ecn::Ce,
                            arrival_time_offset: 4,
                        },
                    ]
                    .into(),
                }]
                .into(),
                report_timestamp: 0x1234_5678,
            }),
        ),
        (
            &[
                0x8f, 0xcd, 0x00, 0x07, // V=2 FMT=15 PT=205 (transport-cc) length=7
                0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02, // SSRC of media source
                0x00, 0x0a, 0x00, 0x05, // base sequence number 10, packet status count 5
                0x00, 0x00, 0x10, 0x03, // reference time 16 (x64 ms), fb pkt. count 3
                0x20, 0x02, // run length chunk: symbol 01 (small delta), run length 2
                0xd8, 0x00, // two-bit vector: 01 10 00 ...: small, large, not received
                0x04, 0x05, 0x06, // recv deltas (small): 4, 5, 6
                0xff, 0xfe, // recv delta (large): -2
                0x00, 0x00, 0x00, // zero padding
            ],
            AnyPacket::TransportCc(TransportCc {
                sender_ssrc: 1,
                media_ssrc: 2,
                base_sequence_number: 10,
                packet_status_count: 5,
                reference_time: 16,
                fb_pkt_count: 3,
                chunks: vec![
                    StatusChunk::RunLength {
                        symbol: StatusSymbol::SmallDelta,
                        run_length: 2,
                    },
                    StatusChunk::TwoBitVector(0x1800),
                ]
                .into(),
                recv_deltas: Cow::Borrowed(&[4, 5, 6, 0xff, 0xfe]),
            }),
        ),
    ]
}

#[test]
fn wire_bytes() {
    for (bytes, expected) in round_trips() {
        assert_eq!(
            AnyPacket::parse(bytes).as_ref(),
            Ok(&expected),
            "{bytes:02x?}"
        );
        assert_eq!(expected.size(), bytes.len(), "{expected:?}");
        assert_eq!(expected.to_vec().unwrap(), bytes, "{expected:?}");
    }
}

#[test]
fn malformed() {
    let fci_size = |packet_type, fmt, length| Error::FciSize {
        packet_type,
        fmt,
        length,
    };
    let cases: [(&[u8], Error); 8] = [
        // PLI with an FCI word.
        (
            &[0x81, 0xce, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0],
            fci_size(206, 1, 4),
        ),
        // FIR with half an entry.
        (
            &[
                0x84, 0xce, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,
            ],
            fci_size(206, 4, 4),
        ),
        // SLI, NACK and TMMBR without an entry.
        (
            &[0x82, 0xce, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2],
            fci_size(206, 2, 0),
        ),
        (
            &[0x81, 0xcd, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2],
            fci_size(205, 1, 0),
        ),
        (
            &[0x83, 0xcd, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0],
            fci_size(205, 3, 0),
        ),
        // RPSI whose PB (32) exceeds its 16-bit string.
        (
            &[0x83, 0xce, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x20, 0x60, 0, 0],
            fci_size(206, 3, 4),
        ),
        // REMB announcing two SSRCs, holding one.
        (
            &[
                0x8f, 0xce, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, b'R', b'E', b'M', b'B', 0x02, 0x13, 0x12,
                0xd0, 0x12, 0x34, 0x56, 0x78,
            ],
            Error::RembSsrcCount {
                declared: 2,
                available: 1,
            },
        ),
        // CCFB whose num_reports (9) runs past its 8 bytes of metric blocks.
        (
            &[
                0x8b, 0xcd, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x64, 0, 9, 0x80, 0x10, 0, 0, 0xe0,
                0x04, 0, 0, 0x12, 0x34, 0x56, 0x78,
            ],
            Error::CountTooLarge {
                what: "CCFB metric blocks",
                count: 9,
                needed: 18,
                got: 8,
            },
        ),
    ];
    for (bytes, error) in cases {
        assert_eq!(AnyPacket::parse(bytes), Err(error), "{bytes:02x?}");
    }
    assert_eq!(
        GenericNack::parse(&[0x82, 0xcd, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]),
        Err(Error::WrongFormat {
            packet_type: 205,
            expected: 1,
            got: 2
        })
    );
}

#[test]
fn rpsi_reads_any_padding() {
    let padded = [
        0x83, 0xce, 0x00, 0x04, // V=2 FMT=3 PT=206 length=4
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        0x00, 0x00, 0x00, 0x02, // SSRC of media source
        0x24, 0x60, 0xab, 0xc0, // PB=36 padding bits, PT=96, bit string 0xab 0xc_
        0x00, 0x00, 0x00, 0x00, // padding
    ];
    let rpsi = ReferencePictureSelectionIndication::parse(&padded).unwrap();
    assert_eq!(rpsi.bit_len(), 12);
    assert_eq!(
        AnyPacket::ReferencePictureSelectionIndication(rpsi),
        round_trips()[5].1
    );
}

#[test]
fn transport_cc_packets_and_build() {
    let tcc = round_trips()
        .into_iter()
        .find_map(|(_, packet)| match packet {
            AnyPacket::TransportCc(tcc) => Some(tcc),
            _ => None,
        })
        .unwrap();
    let packets = [
        (10, PacketStatus::Received { delta: 4 }),
        (11, PacketStatus::Received { delta: 5 }),
        (12, PacketStatus::Received { delta: 6 }),
        (13, PacketStatus::Received { delta: -2 }),
        (14, PacketStatus::NotReceived),
    ];
    assert_eq!(tcc.packets().collect::<Vec<_>>(), packets);
    let statuses: Vec<_> = packets.iter().map(|p| p.1).collect();
    let built = TransportCc::build(1, 2, 10, 16, 3, &statuses).unwrap();
    assert_eq!(built.packets().collect::<Vec<_>>(), packets);
    assert_eq!(TransportCc::parse(&built.to_vec().unwrap()).unwrap(), built);
}
