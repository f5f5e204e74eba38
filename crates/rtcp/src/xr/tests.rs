//! Wire bytes of every XR block type (RFC 3611 §4), and malformed blocks.

use super::*;
use crate::ntp::NtpTime;

/// An XR packet from SSRC 1 holding `blocks` (a whole number of words).
fn xr(blocks: &[u8]) -> Vec<u8> {
    let length = u8::try_from(blocks.len() / 4 + 1).unwrap();
    let mut packet = vec![0x80, 0xcf, 0x00, length, 0, 0, 0, 1];
    packet.extend_from_slice(blocks);
    packet
}

fn parse_one(bytes: &[u8]) -> XrBlock<'_> {
    let xr = ExtendedReport::parse(bytes).unwrap();
    assert_eq!(xr.blocks.len(), 1);
    assert_eq!(xr.to_vec().unwrap(), bytes, "written back byte for byte");
    xr.blocks.iter().next().unwrap()
}

#[test]
fn loss_rle_with_both_chunk_kinds_and_thinning() {
    let bytes = xr(&[
        0x01, 0x02, 0x00, 0x03, // BT=1 (Loss RLE), rsvd=0 T=2, block length=3
        0x00, 0x00, 0x00, 0x02, // SSRC of source
        0x00, 0x00, 0x00, 0x50, // begin_seq=0, end_seq=80
        0x40, 0x05, // run length chunk: run type 1 (received), run length 5
        0xc0, 0x01, // bit vector chunk: 100000000000001
    ]);
    let XrBlock::LossRle(rle) = parse_one(&bytes) else {
        panic!("not Loss RLE")
    };
    assert_eq!(
        (rle.thinning, rle.ssrc, rle.begin_seq, rle.end_seq),
        (2, 2, 0, 80)
    );
    assert_eq!(
        rle.chunks.iter().collect::<Vec<_>>(),
        [
            RleChunk::Run {
                received: true,
                length: 5
            },
            RleChunk::BitVector(0x4001)
        ]
    );
    let packets: Vec<_> = rle.packets().collect();
    // T=2: every 4th sequence number; 80/4 = 20 packets, 5 from the run, 15 from the vector.
    assert_eq!(packets.len(), 20);
    assert_eq!(packets[0], (0, true));
    assert_eq!(packets[5], (20, true));
    assert_eq!(packets[6], (24, false));
    assert_eq!(packets[19], (76, true));
}

#[test]
fn duplicate_rle_padded_with_a_null_chunk() {
    let bytes = xr(&[
        0x02, 0x00, 0x00, 0x03, // BT=2 (Duplicate RLE), T=0, block length=3
        0x00, 0x00, 0x00, 0x02, // SSRC of source
        0x00, 0x0a, 0x00, 0x14, // begin_seq=10, end_seq=20
        0x00, 0x0a, // run length chunk: run type 0 (not duplicated), run length 10
        0x00, 0x00, // null chunk: padding
    ]);
    let XrBlock::DuplicateRle(rle) = parse_one(&bytes) else {
        panic!("not Duplicate RLE")
    };
    assert_eq!(
        rle.chunks.iter().collect::<Vec<_>>(),
        [RleChunk::Run {
            received: false,
            length: 10
        }]
    );
    assert!(rle.packets().all(|(_, dup)| !dup));
}

#[test]
fn packet_receipt_times() {
    let bytes = xr(&[
        0x03, 0x00, 0x00, 0x04, // BT=3, T=0, block length=4
        0x00, 0x00, 0x00, 0x02, // SSRC of source
        0x00, 0x0a, 0x00, 0x0c, // begin_seq=10, end_seq=12
        0x00, 0x00, 0x03, 0xe8, // receipt time of packet 10: 1000
        0x00, 0x00, 0x07, 0xd0, // receipt time of packet 11: 2000
    ]);
    let XrBlock::PacketReceiptTimes(prt) = parse_one(&bytes) else {
        panic!("not receipt times")
    };
    assert_eq!(prt.receipt_times.iter().collect::<Vec<_>>(), [1000, 2000]);
}

#[test]
fn receiver_reference_time_and_dlrr() {
    let bytes = xr(&[
        0x04, 0x00, 0x00, 0x02, // BT=4, reserved, block length=2
        0xe8, 0x00, 0x00, 0x00, // NTP timestamp, most significant word
        0x80, 0x00, 0x00, 0x00, // NTP timestamp, least significant word
        0x05, 0x00, 0x00, 0x03, // BT=5 (DLRR), reserved, block length=3
        0x00, 0x00, 0x00, 0x02, // SSRC_1
        0x00, 0x01, 0x00, 0x00, // last RR
        0x00, 0x00, 0x80, 0x00, // delay since last RR: 0.5 s
    ]);
    let xr = ExtendedReport::parse(&bytes).unwrap();
    assert_eq!(
        xr.blocks.iter().collect::<Vec<_>>(),
        [
            XrBlock::ReceiverReferenceTime(ReceiverReferenceTime {
                ntp_time: NtpTime(0xe800_0000_8000_0000)
            }),
            XrBlock::Dlrr(Dlrr {
                items: vec![DlrrItem {
                    ssrc: 2,
                    last_rr: 0x0001_0000,
                    delay_since_last_rr: 0x8000
                }]
                .into()
            }),
        ]
    );
    assert_eq!(xr.to_vec().unwrap(), bytes);
}

#[test]
fn statistics_summary_flags_in_type_specific_octet() {
    let bytes = xr(&[
        0x06, 0xe8, 0x00, 0x09, // BT=6, L=1 D=1 J=1 ToH=01 (IPv4 TTL) rsvd=0, length=9
        0x00, 0x00, 0x00, 0x02, // SSRC of source
        0x00, 0x01, 0x00, 0x65, // begin_seq=1, end_seq=101
        0x00, 0x00, 0x00, 0x03, // lost_packets=3
        0x00, 0x00, 0x00, 0x01, // dup_packets=1
        0x00, 0x00, 0x00, 0x0a, // min_jitter=10
        0x00, 0x00, 0x00, 0x1e, // max_jitter=30
        0x00, 0x00, 0x00, 0x14, // mean_jitter=20
        0x00, 0x00, 0x00, 0x05, // dev_jitter=5
        0x3c, 0x40, 0x3e, 0x01, // TTL min=60 max=64 mean=62 dev=1
    ]);
    let XrBlock::StatisticsSummary(s) = parse_one(&bytes) else {
        panic!("not stats summary")
    };
    assert!(s.loss_report && s.duplicate_report && s.jitter);
    assert_eq!(s.ttl_or_hop_limit, TtlOrHopLimit::Ipv4Ttl);
    assert_eq!(
        (
            s.lost_packets,
            s.dup_packets,
            s.mean_jitter,
            s.max_ttl_or_hl
        ),
        (3, 1, 20, 64)
    );
}

#[test]
fn voip_metrics() {
    let bytes = xr(&[
        0x07, 0x00, 0x00, 0x08, // BT=7, reserved, block length=8
        0x00, 0x00, 0x00, 0x02, // SSRC of source
        0x0a, 0x05, 0x40, 0x02, // loss rate, discard rate, burst density, gap density
        0x00, 0x78, 0x05, 0xdc, // burst duration=120 ms, gap duration=1500 ms
        0x00, 0x96, 0x00, 0x28, // round trip delay=150 ms, end system delay=40 ms
        0xe2, 0xb0, 0x7f, 0x10, // signal level=-30, noise level=-80, RERL=127 (n/a), Gmin=16
        0x5d, 0x7f, 0x29, 0x7f, // R factor=93, ext. R=127 (n/a), MOS-LQ=4.1, MOS-CQ=127 (n/a)
        0x51, 0x00, 0x00, 0x3c, // RX config, reserved, JB nominal=60 ms
        0x00, 0x78, 0x00, 0xc8, // JB maximum=120 ms, JB abs max=200 ms
    ]);
    let XrBlock::VoipMetrics(v) = parse_one(&bytes) else {
        panic!("not VoIP metrics")
    };
    assert_eq!(v.r_factor(), Some(93));
    assert_eq!(v.ext_r_factor(), None);
    assert_eq!(v.mos_lq(), Some(4.1));
    assert_eq!(v.mos_cq(), None);
    assert_eq!(v.signal_level as i8, -30);
    assert_eq!((v.jb_nominal, v.jb_maximum, v.jb_abs_max), (60, 120, 200));
    assert_eq!(VoipMetrics::mos_field(Some(4.1)), 41);
    assert_eq!(VoipMetrics::mos_field(None), VoipMetrics::UNAVAILABLE);
}

#[test]
fn unknown_block_kept_and_skipped() {
    let bytes = xr(&[
        0x2a, 0x55, 0x00, 0x01, // BT=42 (unknown), type-specific=0x55, block length=1
        0xde, 0xad, 0xbe, 0xef, // its contents
        0x04, 0x00, 0x00, 0x02, // BT=4, block length=2
        0x00, 0x00, 0x00, 0x01, // NTP timestamp, most significant word
        0x00, 0x00, 0x00, 0x02, // NTP timestamp, least significant word
    ]);
    let xr = ExtendedReport::parse(&bytes).unwrap();
    let blocks: Vec<_> = xr.blocks.iter().collect();
    assert_eq!(
        blocks[0],
        XrBlock::Unknown(UnknownBlock {
            block_type: 42,
            type_specific: 0x55,
            contents: Cow::Borrowed(&[0xde, 0xad, 0xbe, 0xef]),
        })
    );
    assert_eq!(blocks[1].block_type(), block_type::RECEIVER_REFERENCE_TIME);
    assert_eq!(xr.to_vec().unwrap(), bytes);
}

#[test]
fn malformed_blocks() {
    let size = |block_type, length, expected| Error::XrBlockSize {
        block_type,
        length,
        expected,
    };
    let truncated = |what, needed, got| Error::Truncated { what, needed, got };
    let cases = [
        // Block length 5 words past the end of the packet.
        (
            xr(&[0x04, 0, 0, 5]),
            Error::XrBlockPastEnd {
                block_type: 4,
                declared: 24,
                available: 4,
            },
        ),
        // Receiver reference time with one word instead of two, and with none.
        (xr(&[0x04, 0, 0, 1, 0, 0, 0, 0]), size(4, 8, 12)),
        (xr(&[0x04, 0, 0, 0]), size(4, 4, 12)),
        // VoIP metrics with block length 1.
        (xr(&[0x07, 0, 0, 1, 0, 0, 0, 0]), size(7, 8, 36)),
        // DLRR whose contents are not whole sub-blocks.
        (
            xr(&[0x05, 0, 0, 1, 0, 0, 0, 0]),
            truncated("DLRR sub-blocks", 12, 4),
        ),
        // Loss RLE without begin_seq/end_seq.
        (xr(&[0x01, 0, 0, 1, 0, 0, 0, 0]), size(1, 8, 12)),
        // A block header cut short: padding (P=1, count 6) leaves 2 bytes after the SSRC.
        (
            vec![0xa0, 0xcf, 0, 3, 0, 0, 0, 1, 0x04, 0, 0, 0, 0, 0, 0, 6],
            truncated("XR block header", 4, 2),
        ),
    ];
    for (bytes, error) in cases {
        assert_eq!(ExtendedReport::parse(&bytes), Err(error), "{bytes:02x?}");
    }
}
