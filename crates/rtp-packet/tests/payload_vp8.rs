//! VP8 payload descriptor, payload header and packetizer (RFC 7741).

use rtp_packet::payload::PayloadDescriptor;
use rtp_packet::payload::vp8::{
    self, TemporalLayer, Vp8Depacketizer, Vp8Descriptor, Vp8Packetizer, Vp8PayloadHeader,
};
use rtp_packet::payload::{PayloadError, PictureId};

/// Every optional field present.
const FULL: [u8; 8] = [
    0x90, // X=1 R=0 N=0 S=1 R=0 PID=0
    0xF0, // I=1 L=1 T=1 K=1 RSV=0
    0x81, 0x23, // M=1, PictureID = 0x0123 (15 bits)
    0x05, // TL0PICIDX = 5
    0xAA, // TID=2 (10) Y=1 KEYIDX=10 (01010)
    0xDE, 0xAD, // VP8 data
];

#[test]
fn parses_every_field() {
    let (descriptor, data) = Vp8Descriptor::parse(&FULL).unwrap();
    assert_eq!(
        descriptor,
        Vp8Descriptor {
            non_reference: false,
            start_of_partition: true,
            partition_index: 0,
            picture_id: Some(PictureId::Long(0x0123)),
            tl0_pic_idx: Some(5),
            temporal_layer: Some(TemporalLayer {
                tid: 2,
                layer_sync: true
            }),
            key_idx: Some(10),
        }
    );
    assert_eq!(data, [0xDE, 0xAD]);
    assert_eq!(descriptor.encoded_len(), 6);
    let mut out = [0u8; 6];
    assert_eq!(descriptor.write(&mut out), Ok(6));
    assert_eq!(out, FULL[..6]);
    assert!(descriptor.starts_frame());
}

#[test]
fn minimal_and_partial_descriptors() {
    // X=0 N=1 S=0 PID=3: a single octet.
    let (d, data) = Vp8Descriptor::parse(&[0x23, 0x01]).unwrap();
    assert_eq!(
        d,
        Vp8Descriptor {
            non_reference: true,
            partition_index: 3,
            ..Vp8Descriptor::default()
        }
    );
    assert_eq!(data, [0x01]);
    assert!(!d.starts_frame());
    assert_eq!(d.encoded_len(), 1);

    // X=1 with I only, a 7-bit PictureID 17; the reserved R bit (0x40) is ignored.
    let (d, _) = Vp8Descriptor::parse(&[0xD0, 0x80, 0x11, 0x00]).unwrap();
    assert_eq!(d.picture_id, Some(PictureId::Short(17)));
    let mut out = [0u8; 3];
    assert_eq!(d.write(&mut out), Ok(3));
    assert_eq!(out, [0x90, 0x80, 0x11]); // written with R = 0

    // K only: the T/K octet is present, TID and Y are ignored.
    let (d, _) = Vp8Descriptor::parse(&[0x80, 0x10, 0xFF]).unwrap();
    assert_eq!((d.temporal_layer, d.key_idx), (None, Some(31)));
    // T only: KEYIDX is ignored.
    let (d, _) = Vp8Descriptor::parse(&[0x80, 0x20, 0xDF]).unwrap();
    assert_eq!(
        d.temporal_layer,
        Some(TemporalLayer {
            tid: 3,
            layer_sync: false
        })
    );
    assert_eq!(d.key_idx, None);
    // X=1 with no optional field is accepted (and written back without X).
    let (d, data) = Vp8Descriptor::parse(&[0x80, 0x00, 0x07]).unwrap();
    assert_eq!((d, data), (Vp8Descriptor::default(), &[0x07u8][..]));
}

#[test]
fn every_truncation_is_reported() {
    for len in 0..6 {
        assert_eq!(
            Vp8Descriptor::parse(&FULL[..len]),
            Err(PayloadError::Truncated {
                needed: len + 1,
                got: len
            }),
            "prefix of {len} octets"
        );
    }
    // I with a 7-bit PictureID, then L missing its octet.
    assert_eq!(
        Vp8Descriptor::parse(&[0x80, 0xC0, 0x05]),
        Err(PayloadError::Truncated { needed: 4, got: 3 })
    );
}

#[test]
fn writing_checks_field_widths_and_room() {
    let bad = |d: Vp8Descriptor| d.write(&mut [0u8; 8]);
    let base = Vp8Descriptor::default();
    assert_eq!(
        bad(Vp8Descriptor {
            partition_index: 8,
            ..base
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "PID",
            value: 8
        })
    );
    assert_eq!(
        bad(Vp8Descriptor {
            picture_id: Some(PictureId::Short(128)),
            ..base
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "picture ID",
            value: 128
        })
    );
    assert_eq!(
        bad(Vp8Descriptor {
            picture_id: Some(PictureId::Long(0x8000)),
            ..base
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "picture ID",
            value: 0x8000
        })
    );
    assert_eq!(
        bad(Vp8Descriptor {
            temporal_layer: Some(TemporalLayer {
                tid: 4,
                layer_sync: false
            }),
            ..base
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "TID",
            value: 4
        })
    );
    assert_eq!(
        bad(Vp8Descriptor {
            key_idx: Some(32),
            ..base
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "KEYIDX",
            value: 32
        })
    );
    let (full, _) = Vp8Descriptor::parse(&FULL).unwrap();
    assert_eq!(
        full.write(&mut [0u8; 5]),
        Err(PayloadError::BufferTooSmall { needed: 6, got: 5 })
    );
}

#[test]
fn picture_ids_wrap_within_their_width() {
    assert_eq!(PictureId::Short(127).next(), PictureId::Short(0));
    assert_eq!(PictureId::Long(0x7FFF).next(), PictureId::Long(0));
    assert_eq!(PictureId::Long(7).next().value(), 8);
}

#[test]
fn payload_header_tells_key_frames() {
    // 0x50 = Size0 010, H 1, VER 000, P 0: a shown key frame; first partition size
    // 2 + 8 × 0x2A + 2048 × 0x01 = 2386.
    assert_eq!(
        Vp8PayloadHeader::parse(&[0x50, 0x2A, 0x01, 0x9D]),
        Ok(Vp8PayloadHeader {
            key_frame: true,
            version: 0,
            show_frame: true,
            first_partition_size: 2386
        })
    );
    // 0x31 = Size0 001, H 1, VER 000, P 1: an inter frame.
    let inter = Vp8PayloadHeader::parse(&[0x31, 0x00, 0x00]).unwrap();
    assert!(!inter.key_frame);
    // 0x04 = VER 2.
    assert_eq!(Vp8PayloadHeader::parse(&[0x04, 0, 0]).unwrap().version, 2);
    assert_eq!(
        Vp8PayloadHeader::parse(&[0x50, 0x2A]),
        Err(PayloadError::Truncated { needed: 3, got: 2 })
    );
}

fn key_frame(len: usize) -> Vec<u8> {
    // A key frame payload header, then a recognisable pattern.
    let mut frame = vec![0x50, 0x2A, 0x01];
    frame.extend((0..len.saturating_sub(3)).map(|i| (i % 251) as u8));
    frame.truncate(len);
    frame
}

#[test]
fn packetizer_fits_the_mtu_and_marks_the_frame() {
    let frame = key_frame(1000);
    let template = Vp8Descriptor {
        picture_id: Some(PictureId::Long(300)),
        tl0_pic_idx: Some(9),
        // A caller's S and PID are replaced.
        partition_index: 5,
        ..Vp8Descriptor::default()
    };
    let fragments: Vec<_> = Vp8Packetizer::new(&frame, template, 300).unwrap().collect();
    // 5 descriptor octets leave 295 per packet: 4 packets of 250.
    assert_eq!(fragments.len(), 4);
    let mut joined = Vec::new();
    for (i, fragment) in fragments.iter().enumerate() {
        assert_eq!(fragment.descriptor.start_of_partition, i == 0);
        assert_eq!(fragment.descriptor.partition_index, 0);
        assert_eq!(fragment.descriptor.picture_id, Some(PictureId::Long(300)));
        assert_eq!(fragment.marker, i == 3);
        assert_eq!(fragment.data.len(), 250);
        let mut buf = [0u8; 300];
        let len = fragment.write(&mut buf).unwrap();
        assert_eq!(len, 255);
        // 0x90|0x10 for the first: X=1 S=1; then I=1 L=1; M=1 PictureID 300; TL0PICIDX 9.
        let first = if i == 0 { 0x90 } else { 0x80 };
        assert_eq!(buf[..5], [first, 0xC0, 0x81, 0x2C, 0x09]);
        joined.extend_from_slice(&buf[5..len]);
    }
    assert_eq!(joined, frame);
}

#[test]
fn packetizer_rejects_what_cannot_be_sent() {
    let d = Vp8Descriptor {
        picture_id: Some(PictureId::Short(1)),
        ..Vp8Descriptor::default()
    };
    assert_eq!(
        Vp8Packetizer::new(&[1, 2, 3], d, 3).unwrap_err(),
        PayloadError::MtuTooSmall { mtu: 3, needed: 4 }
    );
    assert_eq!(
        Vp8Packetizer::new(&[], d, 100).unwrap_err(),
        PayloadError::EmptyFrame
    );
    assert_eq!(
        Vp8Packetizer::new(
            &[1],
            Vp8Descriptor {
                key_idx: Some(40),
                ..d
            },
            100
        )
        .unwrap_err(),
        PayloadError::FieldOutOfRange {
            field: "KEYIDX",
            value: 40
        }
    );
    let fragment = Vp8Packetizer::new(&[1, 2, 3], d, 100)
        .unwrap()
        .next()
        .unwrap();
    assert_eq!(
        fragment.write(&mut [0u8; 4]),
        Err(PayloadError::BufferTooSmall { needed: 6, got: 4 })
    );
}

#[test]
fn packetize_then_reassemble_at_many_mtus() {
    for (frame_len, mtu) in [
        (1, 4),
        (10, 4),
        (1000, 7),
        (1000, 100),
        (5000, 1200),
        (1200, 1200),
        (50_000, 1400),
    ] {
        let frame = key_frame(frame_len);
        let template = Vp8Descriptor {
            picture_id: Some(PictureId::Short(3)),
            ..Vp8Descriptor::default()
        };
        let mut depacketizer = Vp8Depacketizer::default();
        let mut buf = vec![0u8; mtu];
        let packetizer = Vp8Packetizer::new(&frame, template, mtu).unwrap();
        let count = packetizer.len();
        let mut rebuilt = None;
        for (i, fragment) in packetizer.enumerate() {
            let len = fragment.write(&mut buf).unwrap();
            assert!(len <= mtu);
            let pushed = depacketizer
                .push(
                    &buf[..len],
                    65530u16.wrapping_add(i as u16),
                    90_000,
                    fragment.marker,
                )
                .unwrap();
            assert!(pushed.incomplete.is_empty());
            assert_eq!(pushed.discarded, None);
            if let Some(frame) = pushed.frame {
                assert_eq!(frame.first_sequence, 65530);
                assert_eq!(frame.last_sequence, 65530u16.wrapping_add(count as u16 - 1));
                assert_eq!(frame.descriptor.picture_id, Some(PictureId::Short(3)));
                assert!(frame.marker);
                if frame_len >= 3 {
                    assert!(frame.payload_header().unwrap().key_frame);
                }
                rebuilt = Some(frame.data.to_vec());
            }
        }
        assert_eq!(
            rebuilt.as_deref(),
            Some(&frame[..]),
            "frame {frame_len} at MTU {mtu}"
        );
        assert_eq!(depacketizer.waiting(), 0);
    }
}

#[test]
fn key_frames_are_detected_from_the_first_packet() {
    // S=1 PID=0, then a payload header with P=0.
    assert_eq!(vp8::is_key_frame(&[0x10, 0x50, 0x2A, 0x01]), Ok(true));
    // S=1 PID=0, then P=1: an inter frame.
    assert_eq!(vp8::is_key_frame(&[0x10, 0x31, 0x00, 0x00]), Ok(false));
    // S=0: a continuation packet, whatever its first octet.
    assert_eq!(vp8::is_key_frame(&[0x00, 0x50, 0x2A, 0x01]), Ok(false));
    // S=1 but PID=1: the start of a later partition.
    assert_eq!(vp8::is_key_frame(&[0x11, 0x50, 0x2A, 0x01]), Ok(false));
    // The payload header is cut short.
    assert_eq!(
        vp8::is_key_frame(&[0x10, 0x50]),
        Err(PayloadError::Truncated { needed: 3, got: 1 })
    );
    assert_eq!(
        vp8::is_key_frame(&[]),
        Err(PayloadError::Truncated { needed: 1, got: 0 })
    );
}
