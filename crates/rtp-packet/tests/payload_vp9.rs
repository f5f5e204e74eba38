//! VP9 payload descriptor, scalability structure and packetizer (RFC 9628).

use rtp_packet::payload::PayloadDescriptor;
use rtp_packet::payload::vp9::{
    LayerIndices, PictureGroup, PictureGroupEntry, References, Resolution, Resolutions,
    ScalabilityStructure, Vp9Depacketizer, Vp9Descriptor, Vp9Packetizer,
};
use rtp_packet::payload::{PayloadError, PictureId};

/// Non-flexible mode with layer indices.
const NON_FLEXIBLE: [u8; 5] = [
    0xA8, // I=1 P=0 L=1 F=0 B=1 E=0 V=0 Z=0
    0x05, // M=0, PICTURE ID 5
    0x35, // TID=1 (001) U=1 SID=2 (010) D=1
    0x07, // TL0PICIDX 7
    0xEE, // VP9 data
];

/// Flexible mode with three reference indices.
const FLEXIBLE: [u8; 8] = [
    0xFD, // I=1 P=1 L=1 F=1 B=1 E=1 V=0 Z=1
    0x8F, 0xFF, // M=1, PICTURE ID 0x0FFF
    0x40, // TID=2 (010) U=0 SID=0 D=0
    0x03, // P_DIFF 1, N=1
    0x05, // P_DIFF 2, N=1
    0xFE, // P_DIFF 127, N=0
    0xEE, // VP9 data
];

/// A key frame with a scalability structure: two spatial layers with resolutions and a
/// picture group of two pictures.
const WITH_SS: [u8; 19] = [
    0x8E, // I=1 P=0 L=0 F=0 B=1 E=1 V=1 Z=0
    0x01, // M=0, PICTURE ID 1
    0x38, // N_S=1 (001) Y=1 G=1 and three reserved bits
    0x01, 0x40, 0x00, 0xB4, // layer 0: 320 × 180
    0x02, 0x80, 0x01, 0x68, // layer 1: 640 × 360
    0x02, // N_G = 2
    0x04, 0x04, // T=0 U=0 R=1; P_DIFF 4
    0x38, 0x01, 0x02, // T=1 U=1 R=2; P_DIFF 1, 2
    0xEE, 0xEF, // VP9 data
];

const RESOLUTIONS: [Resolution; 2] = [
    Resolution {
        width: 320,
        height: 180,
    },
    Resolution {
        width: 640,
        height: 360,
    },
];

fn picture_group() -> [PictureGroupEntry; 2] {
    [
        PictureGroupEntry {
            tid: 0,
            switching_up: false,
            references: References::new(&[4]).unwrap(),
        },
        PictureGroupEntry {
            tid: 1,
            switching_up: true,
            references: References::new(&[1, 2]).unwrap(),
        },
    ]
}

fn round_trips(wire: &[u8], data_len: usize) {
    let (descriptor, data) = Vp9Descriptor::parse(wire).unwrap();
    assert_eq!(data, &wire[wire.len() - data_len..]);
    let mut out = vec![0u8; descriptor.encoded_len()];
    assert_eq!(descriptor.write(&mut out), Ok(wire.len() - data_len));
    assert_eq!(out, &wire[..wire.len() - data_len]);
}

#[test]
fn non_flexible_mode() {
    let (d, data) = Vp9Descriptor::parse(&NON_FLEXIBLE).unwrap();
    assert_eq!(
        d,
        Vp9Descriptor {
            picture_id: Some(PictureId::Short(5)),
            layers: Some(LayerIndices {
                tid: 1,
                switching_up: true,
                sid: 2,
                inter_layer_dependency: true
            }),
            start_of_frame: true,
            tl0_pic_idx: Some(7),
            ..Vp9Descriptor::new()
        }
    );
    assert_eq!(data, [0xEE]);
    round_trips(&NON_FLEXIBLE, 1);
    // Only the mandatory octet: B=1 E=1.
    let (d, data) = Vp9Descriptor::parse(&[0x0C, 0x01]).unwrap();
    assert_eq!(
        (d.start_of_frame, d.end_of_frame, d.picture_id, data),
        (true, true, None, &[0x01u8][..])
    );
}

#[test]
fn flexible_mode_references() {
    let (d, _) = Vp9Descriptor::parse(&FLEXIBLE).unwrap();
    assert_eq!(d.picture_id, Some(PictureId::Long(0x0FFF)));
    assert!(d.flexible_mode && d.inter_picture_predicted && d.not_upper_reference);
    assert_eq!(d.references.as_slice(), [1, 2, 127]);
    assert_eq!(d.tl0_pic_idx, None);
    assert_eq!(d.layers.map(|l| l.tid), Some(2));
    round_trips(&FLEXIBLE, 1);
    // N=1 on the third P_DIFF announces a fourth.
    let mut four = FLEXIBLE;
    four[6] = 0xFF;
    assert_eq!(
        Vp9Descriptor::parse(&four),
        Err(PayloadError::Vp9TooManyReferences)
    );
    // F=1 without I.
    assert_eq!(
        Vp9Descriptor::parse(&[0x10, 0x00]),
        Err(PayloadError::Vp9FlexibleWithoutPictureId)
    );
    // F=1 and P=0: no P_DIFF octets follow.
    let (d, data) = Vp9Descriptor::parse(&[0x98, 0x01, 0xEE]).unwrap();
    assert!(d.references.is_empty());
    assert_eq!(data, [0xEE]);
}

#[test]
fn scalability_structure() {
    let (d, data) = Vp9Descriptor::parse(&WITH_SS).unwrap();
    assert_eq!(data, [0xEE, 0xEF]);
    let ss = d.scalability_structure.unwrap();
    assert_eq!(ss.spatial_layers, 2);
    assert_eq!(
        ss.resolutions.unwrap().iter().collect::<Vec<_>>(),
        RESOLUTIONS
    );
    assert_eq!(
        ss.picture_group.unwrap().iter().collect::<Vec<_>>(),
        picture_group()
    );
    round_trips(&WITH_SS, 2);
    // The same structure built by a caller is equal and writes the same octets.
    let group = picture_group();
    let built = Vp9Descriptor {
        picture_id: Some(PictureId::Short(1)),
        start_of_frame: true,
        end_of_frame: true,
        scalability_structure: Some(ScalabilityStructure {
            spatial_layers: 2,
            resolutions: Some(Resolutions::new(&RESOLUTIONS)),
            picture_group: Some(PictureGroup::new(&group)),
        }),
        ..Vp9Descriptor::new()
    };
    assert_eq!(built, d);
    let mut out = [0u8; 17];
    assert_eq!(built.write(&mut out), Ok(17));
    assert_eq!(out, WITH_SS[..17]);
    // N_S = 7 (8 layers) with neither Y nor G: one octet.
    let (d, data) = Vp9Descriptor::parse(&[0x02, 0xE0, 0xAB]).unwrap();
    let ss = d.scalability_structure.unwrap();
    assert_eq!(
        (ss.spatial_layers, ss.resolutions, ss.picture_group),
        (8, None, None)
    );
    assert_eq!(data, [0xAB]);
    // G=1 with N_G = 0.
    let (d, _) = Vp9Descriptor::parse(&[0x02, 0x08, 0x00]).unwrap();
    assert!(
        d.scalability_structure
            .unwrap()
            .picture_group
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_truncation_is_reported() {
    for (wire, descriptor_len) in [
        (&NON_FLEXIBLE[..], 4),
        (&FLEXIBLE[..], 7),
        (&WITH_SS[..], 17),
    ] {
        for len in 0..descriptor_len {
            assert_eq!(
                Vp9Descriptor::parse(&wire[..len]),
                Err(PayloadError::Truncated {
                    needed: len + 1,
                    got: len
                }),
                "prefix of {len} octets of {wire:02x?}"
            );
        }
    }
}

#[test]
fn writing_checks_the_flag_rules() {
    let (non_flexible, _) = Vp9Descriptor::parse(&NON_FLEXIBLE).unwrap();
    let (flexible, _) = Vp9Descriptor::parse(&FLEXIBLE).unwrap();
    let out_of_range = |field, value| PayloadError::FieldOutOfRange { field, value };
    let layers = |tid, sid| {
        Some(LayerIndices {
            tid,
            sid,
            ..LayerIndices::default()
        })
    };
    let cases = [
        (
            Vp9Descriptor {
                tl0_pic_idx: None,
                ..non_flexible
            },
            PayloadError::Vp9Tl0PicIdxMismatch,
        ),
        (
            Vp9Descriptor {
                tl0_pic_idx: Some(1),
                ..flexible
            },
            PayloadError::Vp9Tl0PicIdxMismatch,
        ),
        (
            Vp9Descriptor {
                references: References::default(),
                ..flexible
            },
            PayloadError::Vp9ReferencesMismatch,
        ),
        (
            Vp9Descriptor {
                inter_picture_predicted: false,
                ..flexible
            },
            PayloadError::Vp9ReferencesMismatch,
        ),
        (
            Vp9Descriptor {
                picture_id: None,
                ..flexible
            },
            PayloadError::Vp9FlexibleWithoutPictureId,
        ),
        (
            Vp9Descriptor {
                references: References::new(&[128]).unwrap(),
                ..flexible
            },
            out_of_range("P_DIFF", 128),
        ),
        (
            Vp9Descriptor {
                layers: layers(8, 0),
                ..non_flexible
            },
            out_of_range("TID", 8),
        ),
        (
            Vp9Descriptor {
                layers: layers(0, 9),
                ..non_flexible
            },
            out_of_range("SID", 9),
        ),
        (
            Vp9Descriptor {
                picture_id: Some(PictureId::Long(0x8000)),
                ..non_flexible
            },
            out_of_range("picture ID", 0x8000),
        ),
    ];
    for (descriptor, error) in cases {
        assert_eq!(
            descriptor.write(&mut [0u8; 64]),
            Err(error),
            "{descriptor:?}"
        );
    }
    assert_eq!(
        References::new(&[1, 2, 3, 4]),
        Err(PayloadError::Vp9TooManyReferences)
    );
    assert_eq!(
        non_flexible.write(&mut [0u8; 3]),
        Err(PayloadError::BufferTooSmall { needed: 4, got: 3 })
    );
}

#[test]
fn writing_checks_the_scalability_structure() {
    let with = |ss: ScalabilityStructure<'_>| {
        Vp9Descriptor {
            scalability_structure: Some(ss),
            ..Vp9Descriptor::new()
        }
        .write(&mut [0u8; 2048])
    };
    let ss = ScalabilityStructure {
        spatial_layers: 1,
        resolutions: None,
        picture_group: None,
    };
    assert_eq!(with(ss), Ok(2));
    for layers in [0, 9] {
        assert_eq!(
            with(ScalabilityStructure {
                spatial_layers: layers,
                ..ss
            }),
            Err(PayloadError::FieldOutOfRange {
                field: "N_S + 1",
                value: u32::from(layers)
            })
        );
    }
    assert_eq!(
        with(ScalabilityStructure {
            spatial_layers: 3,
            resolutions: Some(Resolutions::new(&RESOLUTIONS)),
            ..ss
        }),
        Err(PayloadError::Vp9ResolutionCount {
            layers: 3,
            resolutions: 2
        })
    );
    let bad_tid = [PictureGroupEntry {
        tid: 8,
        ..PictureGroupEntry::default()
    }];
    assert_eq!(
        with(ScalabilityStructure {
            picture_group: Some(PictureGroup::new(&bad_tid)),
            ..ss
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "T",
            value: 8
        })
    );
    let too_many = [PictureGroupEntry::default(); 256];
    assert_eq!(
        with(ScalabilityStructure {
            picture_group: Some(PictureGroup::new(&too_many)),
            ..ss
        }),
        Err(PayloadError::FieldOutOfRange {
            field: "N_G",
            value: 256
        })
    );
    // The largest picture group: 255 pictures with 3 references each.
    let refs = References::new(&[1, 2, 3]).unwrap();
    let largest = [PictureGroupEntry {
        tid: 7,
        switching_up: true,
        references: refs,
    }; 255];
    let d = Vp9Descriptor {
        scalability_structure: Some(ScalabilityStructure {
            picture_group: Some(PictureGroup::new(&largest)),
            ..ss
        }),
        ..Vp9Descriptor::new()
    };
    let mut buf = [0u8; 2048];
    let len = d.write(&mut buf).unwrap();
    assert_eq!(len, 1 + 1 + 1 + 255 * 4);
    let (parsed, rest) = Vp9Descriptor::parse(&buf[..len]).unwrap();
    assert_eq!((parsed, rest), (d, &[][..]));
}

#[test]
fn packetizer_sends_the_structure_once_and_marks_the_picture() {
    let group = picture_group();
    let template = Vp9Descriptor {
        picture_id: Some(PictureId::Long(1000)),
        layers: Some(LayerIndices::default()),
        tl0_pic_idx: Some(0),
        scalability_structure: Some(ScalabilityStructure {
            spatial_layers: 2,
            resolutions: Some(Resolutions::new(&RESOLUTIONS)),
            picture_group: Some(PictureGroup::new(&group)),
        }),
        ..Vp9Descriptor::new()
    };
    let frame: Vec<u8> = (0..400u16).map(|i| i as u8).collect();
    // The first descriptor is 5 + 15 = 20 octets, the others 5: at an MTU of 120 the
    // first carries 100 octets and three more split the remaining 300.
    let fragments: Vec<_> = Vp9Packetizer::new(&frame, template, true, 120)
        .unwrap()
        .collect();
    assert_eq!(
        fragments.iter().map(|f| f.data.len()).collect::<Vec<_>>(),
        [100, 100, 100, 100]
    );
    for (i, f) in fragments.iter().enumerate() {
        assert_eq!(f.descriptor.scalability_structure.is_some(), i == 0);
        assert_eq!(
            (f.descriptor.start_of_frame, f.descriptor.end_of_frame),
            (i == 0, i == 3)
        );
        assert_eq!(f.marker, i == 3);
        assert!(f.len() <= 120);
    }
    let last = Vp9Packetizer::new(&frame, template, false, 120)
        .unwrap()
        .last()
        .unwrap();
    assert!(last.descriptor.end_of_frame && !last.marker);
    assert_eq!(
        Vp9Packetizer::new(&frame, template, true, 20).unwrap_err(),
        PayloadError::MtuTooSmall {
            mtu: 20,
            needed: 21
        }
    );
}

#[test]
fn spatial_layers_reassemble_as_separate_frames() {
    let mut depacketizer = Vp9Depacketizer::default();
    let mut sequence = 100u16;
    for mtu in [30, 64, 1200] {
        for sid in 0..2u8 {
            let frame: Vec<u8> = (0..200).map(|i| (i as u8) ^ sid).collect();
            let template = Vp9Descriptor {
                picture_id: Some(PictureId::Short(mtu as u8 & 0x7F)),
                layers: Some(LayerIndices {
                    sid,
                    ..LayerIndices::default()
                }),
                tl0_pic_idx: Some(3),
                ..Vp9Descriptor::new()
            };
            let mut got = None;
            for fragment in Vp9Packetizer::new(&frame, template, sid == 1, mtu).unwrap() {
                let mut buf = vec![0u8; mtu];
                let len = fragment.write(&mut buf).unwrap();
                let pushed = depacketizer
                    .push(&buf[..len], sequence, mtu as u32, fragment.marker)
                    .unwrap();
                sequence = sequence.wrapping_add(1);
                assert!(pushed.incomplete.is_empty());
                if let Some(f) = pushed.frame {
                    assert_eq!(f.descriptor.layers.map(|l| l.sid), Some(sid));
                    assert_eq!(f.marker, sid == 1);
                    assert_eq!(f.timestamp, mtu as u32);
                    got = Some(f.data.to_vec());
                }
            }
            assert_eq!(got, Some(frame), "layer {sid} at MTU {mtu}");
        }
    }
}
