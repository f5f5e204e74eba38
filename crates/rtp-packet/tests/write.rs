//! Writing RTP packets into caller buffers (RFC 3550 §5.1) and extension elements
//! (RFC 8285 §4).

use rtp_packet::extension::{AbsSendTime, AudioLevel, TransportSequenceNumber};
use rtp_packet::{
    CsrcList, Error, ExtensionForm, OwnedExtension, OwnedPacket, PacketWriter, PayloadType,
    RtpHeader, RtpPacket,
};

fn header() -> RtpHeader {
    let mut h = RtpHeader::new(
        PayloadType::new(111).unwrap(),
        0xfffe,
        0x0102_0304,
        0xa1b2_c3d4,
    );
    h.marker = true;
    h
}

#[test]
fn header_payload_and_padding() {
    let mut h = header();
    h.csrcs = CsrcList::from_slice(&[0x0a0b_0c0d]).unwrap();
    let mut buf = [0xeeu8; 64];
    let len = PacketWriter::new(&mut buf, &h)
        .unwrap()
        .finish(&[1, 2, 3], 4)
        .unwrap();
    assert_eq!(
        buf[..len],
        [
            0xa1, // V=2, P=1, X=0, CC=1
            0xef, // M=1, PT=111
            0xff, 0xfe, // sequence number
            0x01, 0x02, 0x03, 0x04, // timestamp
            0xa1, 0xb2, 0xc3, 0xd4, // SSRC
            0x0a, 0x0b, 0x0c, 0x0d, // CSRC
            1, 2, 3, // payload
            0, 0, 0, 4, // padding, count 4
        ]
    );
}

#[test]
fn one_byte_extension_is_padded_to_a_word() {
    let mut buf = [0xeeu8; 64];
    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    w.extension(ExtensionForm::OneByte)
        .unwrap()
        .push_value(1, &AudioLevel::new(false, 127).unwrap())
        .unwrap()
        .push_value(2, &AbsSendTime::new(0xab_cdef).unwrap())
        .unwrap();
    assert_eq!(w.header_len(), 24);
    let len = w.finish(&[0x55], 0).unwrap();
    assert_eq!(
        buf[..len],
        [
            0x90, 0xef, 0xff, 0xfe, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3,
            0xd4, // V=2 X=1; rest as above
            0xbe, 0xde, 0x00, 0x02, // one-byte profile, 2 words
            0x10, 0x7f, // ID 1, L=0: audio level V=0, 127
            0x22, 0xab, 0xcd, 0xef, // ID 2, L=2: abs-send-time
            0x00, 0x00, // padding
            0x55, // payload
        ]
    );
}

#[test]
fn two_byte_extension_with_empty_element() {
    let mut buf = [0xeeu8; 64];
    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    w.extension(ExtensionForm::TwoByte)
        .unwrap()
        .push(200, &[])
        .unwrap()
        .push_value(15, &TransportSequenceNumber(0x0102))
        .unwrap();
    let len = w.finish(&[], 0).unwrap();
    assert_eq!(
        buf[12..len],
        [
            0x10, 0x00, 0x00, 0x02, // two-byte profile 0x100 + appbits 0, 2 words
            200, 0, // ID 200, length 0
            15, 2, 0x01, 0x02, // ID 15 (valid in this form), length 2
            0, 0, // padding
        ]
    );
    assert_eq!(buf[0], 0x90);
}

#[test]
fn extension_ids_and_lengths_per_form() {
    use ExtensionForm::{OneByte, TwoByte};
    let bad_id = |id, form| Error::InvalidExtensionId { id, form };
    let bad_len = |id, len, form| Error::InvalidExtensionLength { id, len, form };
    // (form, id, value length, outcome): RFC 8285 §4.2 allows IDs 1–14 with 1–16 octets,
    // §4.3 IDs 1–255 with 0–255 octets.
    let cases = [
        (OneByte, 0, 1, Err(bad_id(0, OneByte))),
        (OneByte, 15, 1, Err(bad_id(15, OneByte))),
        (OneByte, 1, 0, Err(bad_len(1, 0, OneByte))),
        (OneByte, 1, 17, Err(bad_len(1, 17, OneByte))),
        (OneByte, 14, 16, Ok(())),
        (TwoByte, 0, 1, Err(bad_id(0, TwoByte))),
        (TwoByte, 1, 256, Err(bad_len(1, 256, TwoByte))),
        (TwoByte, 255, 255, Ok(())),
    ];
    for (form, id, len, outcome) in cases {
        let mut buf = [0u8; 600];
        let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
        let mut ext = w.extension(form).unwrap();
        assert_eq!(
            ext.push(id, &[0; 256][..len]).map(|_| ()),
            outcome,
            "{form:?} {id} {len}"
        );
    }
}

#[test]
fn only_one_extension() {
    let mut buf = [0u8; 64];
    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    w.extension(ExtensionForm::OneByte).unwrap();
    assert_eq!(
        w.raw_extension(0x1234, &[]).unwrap_err(),
        Error::ExtensionAlreadyWritten
    );
}

#[test]
fn raw_extension_must_be_words() {
    let mut buf = [0u8; 64];
    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    assert_eq!(
        w.raw_extension(0x1234, &[1, 2, 3]).unwrap_err(),
        Error::ExtensionNotWordAligned { len: 3 }
    );
    w.raw_extension(0x1234, &[1, 2, 3, 4]).unwrap();
    let len = w.finish(&[], 0).unwrap();
    assert_eq!(buf[12..len], [0x12, 0x34, 0x00, 0x01, 1, 2, 3, 4]);
}

#[test]
fn buffer_too_small_at_every_step() {
    let mut h = header();
    h.csrcs = CsrcList::from_slice(&[1, 2]).unwrap();
    assert_eq!(
        PacketWriter::new(&mut [0u8; 11], &h).unwrap_err(),
        Error::BufferTooSmall {
            needed: 20,
            got: 11
        }
    );
    assert_eq!(
        PacketWriter::new(&mut [0u8; 19], &h).unwrap_err(),
        Error::BufferTooSmall {
            needed: 20,
            got: 19
        }
    );

    let mut buf = [0u8; 28];
    let mut w = PacketWriter::new(&mut buf, &h).unwrap();
    let mut ext = w.extension(ExtensionForm::OneByte).unwrap();
    ext.push(1, &[0; 3]).unwrap();
    assert_eq!(
        ext.push(2, &[0]).unwrap_err(),
        Error::BufferTooSmall {
            needed: 32,
            got: 28
        }
    );
    assert_eq!(
        w.finish(&[0; 4], 0).unwrap_err(),
        Error::BufferTooSmall {
            needed: 32,
            got: 28
        }
    );

    let mut buf = [0u8; 20];
    let w = PacketWriter::new(&mut buf, &h).unwrap();
    assert_eq!(
        w.finish(&[], 1).unwrap_err(),
        Error::BufferTooSmall {
            needed: 21,
            got: 20
        }
    );
    let mut buf = [0u8; 20];
    let mut w = PacketWriter::new(&mut buf, &h).unwrap();
    assert_eq!(
        w.raw_extension(1, &[]).unwrap_err(),
        Error::BufferTooSmall {
            needed: 24,
            got: 20
        }
    );
}

#[test]
fn too_many_csrcs() {
    assert_eq!(
        CsrcList::from_slice(&[0; 16]),
        Err(Error::TooManyCsrcs { count: 16 })
    );
    let mut list = CsrcList::from_slice(&[0; 15]).unwrap();
    assert_eq!(list.push(1), Err(Error::TooManyCsrcs { count: 16 }));
}

#[test]
fn payload_type_is_seven_bits() {
    assert_eq!(
        PayloadType::new(128),
        Err(Error::InvalidPayloadType { value: 128 })
    );
    assert_eq!(PayloadType::new(127).map(u8::from), Ok(127));
}

#[test]
fn payload_written_in_place() {
    let mut buf = [0u8; 32];
    let len = PacketWriter::new(&mut buf, &header())
        .unwrap()
        .finish_with(4, 0, |p| p.copy_from_slice(b"opus"))
        .unwrap();
    assert_eq!(RtpPacket::parse(&buf[..len]).unwrap().payload(), b"opus");
}

#[test]
fn owned_packet_round_trip_slice_vec_and_bufmut() {
    let mut h = header();
    h.csrcs = CsrcList::from_slice(&[7, 8, 9]).unwrap();
    let packet = OwnedPacket {
        header: h,
        extension: Some(OwnedExtension {
            profile: 0xbede,
            data: vec![0x10, 0x01, 0, 0],
        }),
        payload: vec![9; 10],
        padding: 2,
    };
    let mut buf = [0u8; 64];
    let len = packet.write_to(&mut buf).unwrap();
    assert_eq!(len, packet.encoded_len());
    assert_eq!(packet.to_vec().unwrap(), buf[..len]);
    let mut bm = bytes::BytesMut::new();
    packet.put(&mut bm).unwrap();
    assert_eq!(bm[..], buf[..len]);
    assert_eq!(OwnedPacket::parse(&buf[..len]).unwrap(), packet);
    let parsed = RtpPacket::parse(&buf[..len]).unwrap();
    assert_eq!(parsed.csrcs().collect::<Vec<_>>(), [7, 8, 9]);
    assert_eq!(
        packet.header_extension().unwrap().get(1),
        Ok(Some(&[0x01][..]))
    );
}

#[test]
fn owned_packet_rejects_unaligned_extension_without_writing() {
    let packet = OwnedPacket {
        header: header(),
        extension: Some(OwnedExtension {
            profile: 1,
            data: vec![1],
        }),
        payload: vec![],
        padding: 0,
    };
    let mut out = Vec::new();
    assert_eq!(
        packet.put(&mut out),
        Err(Error::ExtensionNotWordAligned { len: 1 })
    );
    assert!(out.is_empty());
    assert_eq!(
        packet.write_to(&mut [0u8; 64]),
        Err(Error::ExtensionNotWordAligned { len: 1 })
    );
    let mut small = [0u8; 8];
    assert_eq!(
        OwnedPacket::new(header(), vec![]).put(&mut &mut small[..]),
        Err(Error::BufferTooSmall { needed: 12, got: 8 })
    );
}

#[test]
fn extension_length_field_limit() {
    // 65535 words is the most the 16-bit length field can say (RFC 3550 §5.3.1).
    let mut buf = vec![0u8; 300_000];
    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    let mut ext = w.extension(ExtensionForm::TwoByte).unwrap();
    // 1020 elements of 2 + 255 bytes fill exactly 262140 bytes = 65535 words.
    for _ in 0..1020 {
        ext.push(1, &[0xaa; 255]).unwrap();
    }
    assert_eq!(
        ext.push(1, &[0xaa; 255]).unwrap_err(),
        Error::ExtensionTooLong { len: 262_400 }
    );
    assert_eq!(w.header_len(), 12 + 4 + 262_140);
    let len = w.finish(&[], 0).unwrap();
    let packet = RtpPacket::parse(&buf[..len]).unwrap();
    assert_eq!(packet.header_extension().unwrap().elements().count(), 1020);

    let mut w = PacketWriter::new(&mut buf, &header()).unwrap();
    assert_eq!(
        w.raw_extension(1, &vec![0; 262_144]).unwrap_err(),
        Error::ExtensionTooLong { len: 262_144 }
    );
}
