//! Parsing RTP packets (RFC 3550 §5.1) and every way a packet can be malformed (RFC 3550 A.1).

use rtp_packet::extension::{AbsSendTime, AudioLevel};
use rtp_packet::{Error, ExtensionForm, PayloadType, RtpPacket};

/// Every header field set: padding, a one-byte extension, two CSRCs, marker.
const FULL: [u8; 37] = [
    0xb2, // V=2, P=1, X=1, CC=2
    0xe0, // M=1, PT=96
    0x12, 0x34, // sequence number 0x1234
    0xde, 0xad, 0xbe, 0xef, // timestamp
    0x11, 0x22, 0x33, 0x44, // SSRC
    0x00, 0x00, 0x00, 0x01, // CSRC 1
    0x00, 0x00, 0x00, 0x02, // CSRC 2
    0xbe, 0xde, 0x00, 0x02, // profile 0xBEDE (RFC 8285 one-byte), length 2 words
    0x10, 0xaa, // ID 1, L=0: audio level V=1, 42 -dBov
    0x32, 0x01, 0x02, 0x03, // ID 3, L=2: abs-send-time 0x010203
    0x00, 0x00, // padding to the word boundary
    0xca, 0xfe, // payload
    0x00, 0x00, 0x03, // RTP padding, count 3
];

#[test]
fn plain_packet_fields() {
    let bytes = [
        0x80, // V=2, P=0, X=0, CC=0
        0x00, // M=0, PT=0 (PCMU)
        0xff, 0xff, // sequence number 65535
        0x00, 0x00, 0x00, 0xa0, // timestamp 160
        0xca, 0xfe, 0xba, 0xbe, // SSRC
        0x7f, 0x7f, 0x7f, // payload
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(p.version(), 2);
    assert!(!p.padding());
    assert!(!p.has_extension());
    assert_eq!(p.csrc_count(), 0);
    assert!(!p.marker());
    assert_eq!(p.payload_type(), PayloadType::PCMU);
    assert_eq!(p.sequence_number(), 65535);
    assert_eq!(p.timestamp(), 160);
    assert_eq!(p.ssrc(), 0xcafe_babe);
    assert_eq!(p.csrcs().count(), 0);
    assert_eq!(p.header_extension(), None);
    assert_eq!(p.header_len(), 12);
    assert_eq!(p.payload(), &[0x7f, 0x7f, 0x7f]);
    assert_eq!(p.padding_len(), 0);
    assert_eq!(p.as_bytes(), &bytes);
}

#[test]
fn every_field_set() {
    let p = RtpPacket::parse(&FULL).unwrap();
    assert!(p.padding());
    assert!(p.has_extension());
    assert_eq!(p.csrc_count(), 2);
    assert!(p.marker());
    assert_eq!(p.payload_type().value(), 96);
    assert_eq!(p.sequence_number(), 0x1234);
    assert_eq!(p.timestamp(), 0xdead_beef);
    assert_eq!(p.ssrc(), 0x1122_3344);
    assert_eq!(p.csrcs().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(p.csrcs().len(), 2);
    let ext = p.header_extension().unwrap();
    assert_eq!(ext.profile(), 0xbede);
    assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
    assert_eq!(ext.data(), &FULL[24..32]);
    assert_eq!(
        ext.value::<AudioLevel>(1),
        Ok(Some(AudioLevel::new(true, 42).unwrap()))
    );
    assert_eq!(
        ext.value::<AbsSendTime>(3),
        Ok(Some(AbsSendTime::new(0x01_0203).unwrap()))
    );
    assert_eq!(p.header_len(), 32);
    assert_eq!(p.payload(), &[0xca, 0xfe]);
    assert_eq!(p.padding_len(), 3);
}

#[test]
fn padding_may_fill_everything_after_the_header() {
    // V=2 P=1, PT 0, seq 1, ts 0, SSRC 0; four padding bytes and no payload.
    let bytes = [0xa0, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(p.payload(), &[] as &[u8]);
    assert_eq!(p.padding_len(), 4);
}

#[test]
fn empty_extension_block_is_valid() {
    // V=2 X=1; profile 0xBEDE with length 0.
    let bytes = [
        0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xbe, 0xde, 0x00, 0x00, 0xaa,
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    let ext = p.header_extension().unwrap();
    assert_eq!(ext.data(), &[] as &[u8]);
    assert_eq!(ext.elements().count(), 0);
    assert_eq!(p.payload(), &[0xaa]);
}

#[test]
fn truncated_fixed_header() {
    for len in 0..12 {
        assert_eq!(
            RtpPacket::parse(&FULL[..len]),
            Err(Error::TruncatedHeader {
                needed: 12,
                got: len
            })
        );
    }
}

#[test]
fn versions_other_than_two() {
    for (first, version) in [(0x00, 0), (0x40, 1), (0xc0, 3)] {
        let mut bytes = [0u8; 12];
        bytes[0] = first;
        assert_eq!(
            RtpPacket::parse(&bytes),
            Err(Error::UnsupportedVersion { version })
        );
    }
}

/// `FULL` with octet `at` set to `value`.
fn full_with(at: usize, value: u8) -> Vec<u8> {
    let mut bytes = FULL.to_vec();
    bytes[at] = value;
    bytes
}

#[test]
fn malformed_packets_give_exact_errors() {
    let cases: [(&str, Vec<u8>, Error); 8] = [
        (
            "CC=2 but only one CSRC present",
            [&[0x82][..], &[0; 15]].concat(),
            Error::TruncatedCsrcList {
                count: 2,
                needed: 20,
                got: 16,
            },
        ),
        (
            "CC=15 with nothing after the fixed header",
            [&[0x8f][..], &[0; 11]].concat(),
            Error::TruncatedCsrcList {
                count: 15,
                needed: 72,
                got: 12,
            },
        ),
        (
            "X=1, only two octets of the four-octet extension header",
            [&[0x90][..], &[0; 11], &[0xbe, 0xde]].concat(),
            Error::TruncatedExtension {
                needed: 16,
                got: 14,
            },
        ),
        (
            "X=1, length says 2 words but only one follows",
            [
                &[0x90][..],
                &[0; 11],
                &[0xbe, 0xde, 0x00, 0x02, 0x10, 0xff, 0, 0],
            ]
            .concat(),
            Error::TruncatedExtension {
                needed: 24,
                got: 20,
            },
        ),
        (
            "X=1, CC=1: the extension header must follow the CSRC",
            [&[0x91][..], &[0; 14], &[7]].concat(),
            Error::TruncatedExtension {
                needed: 20,
                got: 16,
            },
        ),
        (
            "padding count 0",
            full_with(36, 0),
            Error::ZeroPaddingLength,
        ),
        (
            "5 octets follow the 32-octet header; a count of 6 reaches into the extension",
            full_with(36, 6),
            Error::PaddingTooLong {
                padding: 6,
                available: 5,
            },
        ),
        (
            "padding bit on a bare header: the count octet is the SSRC's last",
            [&[0xa0][..], &[0; 10], &[1]].concat(),
            Error::PaddingTooLong {
                padding: 1,
                available: 0,
            },
        ),
    ];
    for (what, bytes, error) in cases {
        assert_eq!(RtpPacket::parse(&bytes), Err(error), "{what}");
    }
}

#[test]
fn debug_shows_fields_not_bytes() {
    let p = RtpPacket::parse(&FULL).unwrap();
    let s = format!("{p:?}");
    assert!(s.contains("sequence_number: 4660"), "{s}");
    assert!(s.contains("csrcs: [1, 2]"), "{s}");
    assert!(s.contains("id: 3, data: [1, 2, 3]"), "{s}");
}
