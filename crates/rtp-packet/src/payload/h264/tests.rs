//! Round trips and hostile streams through the H.264 packetizer and depacketizer.

use super::*;
use crate::payload::PayloadError;
use crate::payload::reassembly::{Discarded, Incomplete, ReassemblyLimits};

const SPS: &[u8] = &[0x67, 0x42, 0xE0, 0x1F, 0x8D, 0x68];
const PPS: &[u8] = &[0x68, 0xCE, 0x3C, 0x80];
/// An IDR slice (NRI 3), first_mb_in_slice = 0.
fn idr(len: usize) -> Vec<u8> {
    let mut nal = vec![0x65, 0x88];
    nal.extend((0..len - 2).map(|i| (i % 251) as u8 | 1));
    nal
}

/// Every payload of a packetizer, written out, with its marker bit.
fn packets(packetizer: H264Packetizer<'_>) -> Vec<(Vec<u8>, bool)> {
    let expected = packetizer.remaining();
    let out: Vec<_> = packetizer
        .map(|p| {
            let mut buf = vec![0u8; p.len()];
            assert_eq!(p.write(&mut buf), Ok(p.len()));
            (buf, p.marker)
        })
        .collect();
    assert_eq!(out.len(), expected);
    out
}

#[test]
fn mode_1_aggregates_parameter_sets_and_fragments_a_large_slice() {
    let slice = idr(25);
    let nals = [SPS, PPS, &slice[..]];
    let packetizer =
        H264Packetizer::from_nal_units(&nals, PacketizationMode::NonInterleaved, 12 + 3).unwrap();
    let got = packets(packetizer);
    // STAP-A (RFC 6184 §5.7.1): header with the largest NRI (3) and type 24, then each
    // NAL unit behind its 16-bit size. 1 + 2 + 6 + 2 + 4 = 15 octets: exactly the MTU.
    let mut stap = vec![0x78, 0x00, 0x06];
    stap.extend_from_slice(SPS);
    stap.extend_from_slice(&[0x00, 0x04]);
    stap.extend_from_slice(PPS);
    // FU-A (§5.8): 24 octets after the IDR header, 13 room per FU: 2 payloads of 12.
    let fu = |header: u8, data: &[u8]| [&[0x7C, header][..], data].concat();
    let expected = vec![
        (stap, false),
        (fu(0x85, &slice[1..13]), false),
        (fu(0x45, &slice[13..]), true),
    ];
    assert_eq!(got, expected);
}

#[test]
fn single_nal_unit_packets_carry_the_nal_unit_as_it_is() {
    let slice = idr(10);
    let nals = [SPS, PPS, &slice[..]];
    for mode in [
        PacketizationMode::SingleNalUnit,
        PacketizationMode::NonInterleaved,
    ] {
        // An MTU of 10 leaves no room to aggregate (SPS + PPS take 1 + 8 + 6).
        let got = packets(H264Packetizer::from_nal_units(&nals, mode, 10).unwrap());
        let expected = vec![
            (SPS.to_vec(), false),
            (PPS.to_vec(), false),
            (slice.clone(), true),
        ];
        assert_eq!(got, expected, "{mode:?}");
    }
}

#[test]
fn mode_0_refuses_a_nal_unit_over_the_mtu() {
    let slice = idr(1201);
    let nals = [SPS, &slice[..]];
    assert_eq!(
        H264Packetizer::from_nal_units(&nals, PacketizationMode::SingleNalUnit, 1200).err(),
        Some(PayloadError::H264NalTooLarge {
            len: 1201,
            mtu: 1200
        })
    );
}

#[test]
fn the_packetizer_refuses_bad_input() {
    let mode = PacketizationMode::NonInterleaved;
    let err = |nals: &[&[u8]]| H264Packetizer::from_nal_units(nals, mode, 1200).err();
    assert_eq!(err(&[]), Some(PayloadError::EmptyFrame));
    assert_eq!(err(&[SPS, &[]]), Some(PayloadError::H264EmptyNal));
    assert_eq!(
        err(&[&[0x78, 0, 1, 0x09]]),
        Some(PayloadError::H264PacketTypeAsNal { nal_type: 24 })
    );
    assert_eq!(
        H264Packetizer::from_annex_b(&[0x67, 0, 0, 1, 0x68], mode, 1200).err(),
        Some(PayloadError::H264NotAnnexB)
    );
    assert_eq!(
        H264Packetizer::from_annex_b(&[0, 0, 1, 0, 0], mode, 1200).err(),
        Some(PayloadError::EmptyFrame)
    );
    assert_eq!(
        H264Packetizer::from_nal_units(&[SPS], mode, 0).err(),
        Some(PayloadError::MtuTooSmall { mtu: 0, needed: 1 })
    );
    let slice = idr(10);
    assert_eq!(
        H264Packetizer::from_nal_units(&[&slice[..]], mode, 2).err(),
        Some(PayloadError::MtuTooSmall { mtu: 2, needed: 3 })
    );
}

/// The payloads of `nals` in mode 1 at `mtu`, without their marker bits.
fn mode_1(nals: &[&[u8]], mtu: usize) -> Vec<Vec<u8>> {
    let packetizer =
        H264Packetizer::from_nal_units(nals, PacketizationMode::NonInterleaved, mtu).unwrap();
    without_markers(packetizer)
}

/// A packetizer's payloads, without their marker bits.
fn without_markers(packetizer: H264Packetizer<'_>) -> Vec<Vec<u8>> {
    packets(packetizer).into_iter().map(|(p, _)| p).collect()
}

/// Pushes `payloads` as consecutive packets of one timestamp from `first_seq`, the last
/// with the marker bit; returns the frames handed out, as Annex B.
fn depacketize(
    d: &mut H264Depacketizer,
    payloads: &[Vec<u8>],
    first_seq: u16,
    ts: u32,
) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let last = i + 1 == payloads.len();
        let seq = first_seq.wrapping_add(i as u16);
        let pushed = d.push(payload, seq, ts, last).expect("parses");
        if let Some(f) = pushed.frame {
            let mut out = vec![0u8; f.output_len()];
            assert_eq!(f.write(NalFormat::AnnexB, &mut out), Ok(out.len()));
            frames.push(out);
        }
    }
    frames
}

fn annex_b(nals: &[&[u8]]) -> Vec<u8> {
    nals.iter()
        .flat_map(|n| [&[0, 0, 0, 1][..], n].concat())
        .collect()
}

#[test]
fn round_trips_annex_b_through_both_modes_and_both_outputs() {
    let slice = idr(3000);
    let p_slice = [0x41, 0x9A, 0x02, 0x03];
    let input = [
        &[0, 0, 0, 1][..],
        SPS,
        &[0, 0, 1],
        PPS,
        &[0, 0, 1],
        &slice,
        &[0, 0, 0, 1],
        &p_slice,
        &[0, 0],
    ]
    .concat();
    let expected = annex_b(&[SPS, PPS, &slice, &p_slice]);
    for (mode, mtu) in [
        (PacketizationMode::SingleNalUnit, 3000),
        (PacketizationMode::NonInterleaved, 1200),
        (PacketizationMode::NonInterleaved, 100),
    ] {
        let payloads = without_markers(H264Packetizer::from_annex_b(&input, mode, mtu).unwrap());
        assert!(payloads.iter().all(|p| p.len() <= mtu));
        let mut d = H264Depacketizer::new(ReassemblyLimits {
            max_packets: 512,
            max_payload_len: 3000,
        });
        let frames = depacketize(&mut d, &payloads, 65530, 90_000);
        assert_eq!(
            frames,
            std::slice::from_ref(&expected),
            "{mode:?} at MTU {mtu}"
        );
        assert_eq!(d.waiting(), 0);
    }
    // Length-prefixed output of the same access unit.
    let payloads = without_markers(
        H264Packetizer::from_annex_b(&input, PacketizationMode::NonInterleaved, 500).unwrap(),
    );
    let mut d = H264Depacketizer::default();
    let mut frame = None;
    for (i, p) in payloads.iter().enumerate() {
        let pushed = d
            .push(p, i as u16, 7, i + 1 == payloads.len())
            .expect("parses");
        if let Some(f) = pushed.frame {
            assert!(f.idr && f.sps && f.pps && f.is_self_contained());
            assert_eq!(f.nal_units, 4);
            let mut out = vec![0u8; f.output_len() + 3];
            let n = f.write(NalFormat::LengthPrefixed, &mut out).unwrap();
            frame = Some(out[..n].to_vec());
        }
    }
    let prefixed: Vec<u8> = [SPS, PPS, &slice, &p_slice]
        .iter()
        .flat_map(|n| [&(n.len() as u32).to_be_bytes()[..], n].concat())
        .collect();
    assert_eq!(frame, Some(prefixed));
}

#[test]
fn detects_key_frames_and_missing_packets() {
    let slice = idr(2000);
    let key = [SPS, PPS, &slice[..]];
    let p_slice = [0x41, 0x9A, 0x55, 0x01];
    let delta = [&p_slice[..]];
    let (key_payloads, delta_payloads) = (mode_1(&key, 1000), mode_1(&delta, 1000));
    assert_eq!(key_payloads.len(), 4, "STAP-A and three FU-As");
    let mut d = H264Depacketizer::default();
    // Key frame at seq 100..=103, delta at 104, a second delta at 105 whose packet 105 is
    // lost, a third delta at 106.
    let sent = key_payloads
        .iter()
        .enumerate()
        .map(|(i, p)| (p, 100 + i as u16, 3000, i == 3))
        .chain([
            (&delta_payloads[0], 104, 6000, true),
            (&delta_payloads[0], 106, 12000, true),
        ]);
    let mut seen = Vec::new();
    for (payload, seq, ts, marker) in sent {
        if let Some(f) = d.push(payload, seq, ts, marker).unwrap().frame {
            let (first, last) = (f.first_sequence, f.last_sequence);
            seen.push((f.timestamp, f.idr, f.sps, f.pps, first, last));
        }
    }
    assert_eq!(
        seen,
        [
            (3000, true, true, true, 100, 103),
            (6000, false, false, false, 104, 104),
            // 105 lost: 106 follows a gap after a frame end, and is a slice with
            // first_mb_in_slice = 0, so it starts its own access unit.
            (12000, false, false, false, 106, 106),
        ]
    );
}

#[test]
fn a_frame_missing_its_middle_or_head_is_not_handed_out() {
    let slice = idr(3000);
    let payloads = mode_1(&[&slice[..]], 1000);
    assert_eq!(payloads.len(), 4);
    // Middle lost: 10, 12, 13 of 10..=13.
    let mut d = H264Depacketizer::default();
    for (i, seq) in [(0, 10u16), (2, 12), (3, 13)] {
        let pushed = d.push(&payloads[i], seq, 90, i == 3).unwrap();
        assert_eq!(pushed.frame, None);
    }
    assert_eq!(
        d.flush(),
        Incomplete {
            frames: 1,
            packets: 3
        }
    );
    // Head lost, after an earlier frame ended at 9: the FU-A middle cannot start one.
    let mut d = H264Depacketizer::default();
    assert!(d.push(&[0x41, 0x9A], 9, 0, true).unwrap().frame.is_some());
    for (i, seq) in [(1, 11u16), (2, 12), (3, 13)] {
        assert_eq!(d.push(&payloads[i], seq, 90, i == 3).unwrap().frame, None);
    }
    assert_eq!(d.waiting(), 3);
}

#[test]
fn a_late_first_packet_completes_its_frame_and_releases_the_next() {
    let mut d = H264Depacketizer::default();
    // 20 is a P slice that is not a picture's first (first_mb_in_slice = 1), of frame B;
    // 19 ends frame A. 20 cannot be known to start B until 19 arrives.
    let b = [0x41, 0x40, 0x07];
    let pushed = d.push(&b, 20, 200, true).unwrap();
    assert_eq!(pushed.frame, None);
    let a = [0x41, 0x9A, 0x01];
    let pushed = d.push(&a, 19, 100, true).unwrap();
    assert_eq!(pushed.frame.map(|f| f.timestamp), Some(100));
    let ready = d.next_ready().expect("B is whole");
    assert_eq!(ready.frame.map(|f| f.timestamp), Some(200));
    assert!(d.next_ready().is_none());
    assert_eq!(d.waiting(), 0);
}

#[test]
fn a_head_reordered_behind_a_first_slice_is_late() {
    // The documented limit of inferring starts: with the packet before unknown, a slice
    // with first_mb_in_slice = 0 is taken to open its access unit. When the STAP-A with
    // the parameter sets arrives after the whole IDR slice, the access unit has already
    // been handed out without them (and says so), and the STAP-A is late.
    let slice = idr(2500);
    let nals = [SPS, PPS, &slice[..]];
    let payloads = mode_1(&nals, 1000);
    let mut d = H264Depacketizer::default();
    assert!(d.push(&[0x41, 0x9A], 49, 0, true).unwrap().frame.is_some());
    let n = payloads.len();
    let mut seen = Vec::new();
    for i in (1..n).chain([0]) {
        let pushed = d.push(&payloads[i], 50 + i as u16, 90, i + 1 == n).unwrap();
        if let Some(f) = pushed.frame {
            seen.push((f.idr, f.sps, f.pps, f.first_sequence));
        }
        if i == 0 {
            assert_eq!(pushed.discarded, Some(Discarded::Late));
        }
    }
    assert_eq!(seen, [(true, false, false, 51)]);
    // Reordering that keeps the head first, or any order inside the access unit after
    // the head, waits for the whole access unit.
    let mut d = H264Depacketizer::default();
    assert!(d.push(&[0x41, 0x9A], 49, 0, true).unwrap().frame.is_some());
    let mut seen = Vec::new();
    for i in [0].into_iter().chain((1..n).rev()) {
        let pushed = d.push(&payloads[i], 50 + i as u16, 90, i + 1 == n).unwrap();
        if let Some(f) = pushed.frame {
            seen.push((f.is_self_contained(), f.first_sequence, f.last_sequence));
        }
    }
    assert_eq!(seen, [(true, 50, 50 + n as u16 - 1)]);
}

#[test]
fn hostile_fragment_chains_are_rejected_whole() {
    let cases: [(&[&[u8]], &str); 5] = [
        (
            &[&[0x7C, 0x05, 0xAA], &[0x7C, 0x45, 0xBB]],
            "FU without start",
        ),
        (
            &[&[0x7C, 0x85, 0xAA], &[0x7C, 0x05, 0xBB]],
            "FU never ended",
        ),
        (
            &[&[0x7C, 0x85, 0xAA], &[0x7C, 0x41, 0xBB]],
            "FU type changes",
        ),
        (
            &[&[0x7C, 0x85, 0xAA], &[0x65, 0x88], &[0x7C, 0x45, 0xBB]],
            "NAL inside an FU",
        ),
        (
            &[
                &[0x7C, 0x85, 0xAA],
                &[0x7C, 0x85, 0xBB],
                &[0x7C, 0x45, 0xCC],
            ],
            "two starts",
        ),
    ];
    for (payloads, what) in cases {
        let mut d = H264Depacketizer::default();
        let mut rejected = None;
        let n = payloads.len();
        for (i, p) in payloads.iter().enumerate() {
            let pushed = d.push(p, 7 + i as u16, 90, i + 1 == n).unwrap();
            assert_eq!(pushed.frame, None, "{what}");
            if pushed.rejected.is_some() {
                rejected = Some((pushed.rejected, pushed.incomplete));
            }
        }
        let expected = (
            Some(PayloadError::H264BrokenFragments),
            Incomplete {
                frames: 1,
                packets: n,
            },
        );
        // A chain that starts with a continuation is never known to start: given up
        // only when flushed.
        if what == "FU without start" {
            assert_eq!(rejected, None);
            assert_eq!(
                d.flush(),
                Incomplete {
                    frames: 1,
                    packets: 2
                }
            );
        } else {
            assert_eq!(rejected, Some(expected), "{what}");
        }
    }
}

#[test]
fn hostile_payloads_are_refused_and_change_nothing() {
    let mut d = H264Depacketizer::default();
    let bad: [(&[u8], PayloadError); 6] = [
        (&[0x7C, 0xC5, 0xAA], PayloadError::H264FuStartAndEnd),
        (
            &[0x78, 0x00, 0x09, 0x67],
            PayloadError::H264StapLength {
                declared: 9,
                available: 1,
            },
        ),
        (&[0x78, 0x00, 0x00], PayloadError::H264EmptyNal),
        (
            &[0x79, 0x00, 0x00, 0x00, 0x02, 0x67, 0x42],
            PayloadError::H264InterleavedUnsupported { packet_type: 25 },
        ),
        (
            &[0x7D, 0x85, 0x00, 0x00, 0xAA],
            PayloadError::H264InterleavedUnsupported { packet_type: 29 },
        ),
        (&[], PayloadError::Truncated { needed: 1, got: 0 }),
    ];
    for (payload, error) in bad {
        assert_eq!(
            d.push(payload, 1, 90, true).err(),
            Some(error),
            "{payload:02x?}"
        );
        assert_eq!(d.waiting(), 0);
    }
    let pushed = d.push(&[0x65, 0x88], 1, 90, true).unwrap();
    assert!(
        pushed
            .frame
            .is_some_and(|f| f.idr && !f.is_self_contained())
    );
    assert_eq!(
        d.push(&[0x65, 0x88], 1, 90, true).unwrap().discarded,
        Some(Discarded::Late)
    );
}

#[test]
fn output_needs_room_and_a_payload_limit_holds() {
    let mut d = H264Depacketizer::new(ReassemblyLimits {
        max_packets: 4,
        max_payload_len: 8,
    });
    assert_eq!(
        d.push(&[0x65; 9], 1, 90, true).err(),
        Some(PayloadError::PayloadTooLarge { len: 9, max: 8 })
    );
    let pushed = d.push(&[0x65, 0x88, 0x01], 1, 90, true).unwrap();
    let frame = pushed.frame.unwrap();
    assert_eq!(frame.output_len(), 7);
    let mut small = [0u8; 6];
    assert_eq!(
        frame.write(NalFormat::AnnexB, &mut small),
        Err(PayloadError::BufferTooSmall { needed: 7, got: 6 })
    );
    assert_eq!(small, [0; 6]);
}
