//! RFC 8285 header-extension elements: both forms, padding, ID 0 and 15, truncation, typed
//! values and the extmap table.

use rtp_packet::extension::{
    AbsSendTime, AudioLevel, Element, ExtensionMap, ExtensionValue, PlayoutDelay, Rotation,
    TransportSequenceNumber, VideoOrientation,
};
use rtp_packet::{Error, ExtensionForm, HeaderExtension};
use std::time::Duration;

fn elements(ext: HeaderExtension<'_>) -> Vec<Result<Element<'_>, Error>> {
    ext.elements().collect()
}

fn ok(id: u8, data: &[u8]) -> Result<Element<'_>, Error> {
    Ok(Element { id, data })
}

#[test]
fn rfc8285_one_byte_example() {
    // RFC 8285 §4.2 figure: profile 0xBEDE, length 3.
    let data = [
        0x10, 0xaa, // ID 1, L=0: one byte
        0x21, 0xbb, 0xbb, // ID 2, L=1: two bytes
        0x00, 0x00, // two padding bytes between elements
        0x33, 0xcc, 0xcc, 0xcc, 0xcc, // ID 3, L=3: four bytes
    ];
    let ext = HeaderExtension::new(0xbede, &data);
    assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
    assert_eq!(ext.appbits(), None);
    assert_eq!(
        elements(ext),
        [ok(1, &[0xaa]), ok(2, &[0xbb; 2]), ok(3, &[0xcc; 4])]
    );
    assert_eq!(ext.get(3), Ok(Some(&[0xcc; 4][..])));
    assert_eq!(ext.get(4), Ok(None));
}

#[test]
fn rfc8285_two_byte_example() {
    // RFC 8285 §4.3 figure: profile 0x100 with appbits 0x5, length 3.
    let data = [
        0x01, 0x00, // ID 1, length 0
        0x02, 0x01, 0xbb, // ID 2, length 1
        0x00, // padding
        0x03, 0x04, 0xcc, 0xcc, 0xcc, 0xcc, // ID 3, length 4
    ];
    let ext = HeaderExtension::new(0x1005, &data);
    assert_eq!(ext.form(), Some(ExtensionForm::TwoByte));
    assert_eq!(ext.appbits(), Some(5));
    assert_eq!(
        elements(ext),
        [ok(1, &[]), ok(2, &[0xbb]), ok(3, &[0xcc; 4])]
    );
}

#[test]
fn one_byte_id_15_stops_processing() {
    let data = [
        0x10, 0x01, // ID 1, one byte
        0xf3, 0x00, // ID 15: processing stops; its length is ignored
        0x20, 0x02, // ID 2 would follow but must not be seen
        0x00, 0x00,
    ];
    let ext = HeaderExtension::new(0xbede, &data);
    assert_eq!(elements(ext), [ok(1, &[0x01])]);
    assert_eq!(ext.get(2), Ok(None));
}

#[test]
fn one_byte_id_0_with_length_is_malformed() {
    let data = [0x10, 0x01, 0x01, 0xff, 0x20, 0x02, 0x00, 0x00];
    let ext = HeaderExtension::new(0xbede, &data);
    let err = Error::InvalidExtensionId {
        id: 0,
        form: ExtensionForm::OneByte,
    };
    assert_eq!(elements(ext), [ok(1, &[0x01]), Err(err)]);
    assert_eq!(ext.get(2), Err(err));
}

#[test]
fn two_byte_id_15_is_an_ordinary_id() {
    let data = [0x0f, 0x01, 0x07, 0x00];
    assert_eq!(
        elements(HeaderExtension::new(0x1000, &data)),
        [ok(15, &[7])]
    );
}

#[test]
fn truncated_elements() {
    let truncated = |id, needed, got| Error::TruncatedExtensionElement { id, needed, got };
    let cases: [(&str, u16, [u8; 4], Error); 3] = [
        (
            "one-byte: ID 1 says 4 octets but only 3 remain in the block",
            0xbede,
            [0x13, 0x01, 0x02, 0x03],
            truncated(1, 5, 4),
        ),
        (
            "two-byte: the length octet itself is missing",
            0x1000,
            [0x00, 0x00, 0x00, 0x09],
            truncated(9, 2, 1),
        ),
        (
            "two-byte: length 255 with two octets after it",
            0x1000,
            [0x09, 0xff, 0x00, 0x00],
            truncated(9, 257, 4),
        ),
    ];
    for (what, profile, data, error) in cases {
        assert_eq!(
            elements(HeaderExtension::new(profile, &data)),
            [Err(error)],
            "{what}"
        );
    }
}

#[test]
fn other_profiles_have_no_elements() {
    let ext = HeaderExtension::new(0xabac, &[1, 2, 3, 4]);
    assert_eq!(ext.form(), None);
    assert_eq!(elements(ext), [Err(Error::NotRfc8285 { profile: 0xabac })]);
    assert_eq!(ext.get(1), Err(Error::NotRfc8285 { profile: 0xabac }));
}

#[test]
fn all_padding_block_is_empty() {
    assert_eq!(elements(HeaderExtension::new(0xbede, &[0; 8])), []);
    assert_eq!(elements(HeaderExtension::new(0x1000, &[0; 4])), []);
}

#[test]
fn audio_level_rfc6464() {
    // V=1, level 0x55 = 85 -dBov.
    let v = AudioLevel::parse(&[0xd5]).unwrap();
    assert!(v.voice_activity());
    assert_eq!(v.level(), 85);
    assert_eq!(v.to_bytes(), [0xd5]);
    assert_eq!(
        AudioLevel::new(false, 128),
        Err(Error::ExtensionValueRange {
            name: "audio level",
            value: 128,
            max: 127
        })
    );
    assert_eq!(
        AudioLevel::parse(&[1, 2]),
        Err(Error::ExtensionValueLength {
            name: "audio level",
            expected: 1,
            got: 2
        })
    );
    assert_eq!(
        AudioLevel::URI,
        "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    );
}

#[test]
fn abs_send_time_fixed_point() {
    // 1.5 s is 1.5 × 2^18 = 0x06_0000 in 6.18 fixed point.
    let t = AbsSendTime::from_duration(Duration::from_millis(1500));
    assert_eq!(t.raw(), 0x06_0000);
    assert_eq!(t.to_bytes(), [0x06, 0x00, 0x00]);
    assert_eq!(t.to_duration(), Duration::from_millis(1500));
    // 65 s wraps to 1 s.
    assert_eq!(
        AbsSendTime::from_duration(Duration::from_secs(65)).raw(),
        0x04_0000
    );
    // NTP 1.5 s: seconds 1, fraction 0x8000_0000.
    assert_eq!(
        AbsSendTime::from_ntp(0x0000_0001_8000_0000).raw(),
        0x06_0000
    );
    assert_eq!(
        AbsSendTime::parse(&[0x12, 0x34, 0x56]).unwrap().raw(),
        0x12_3456
    );
    assert_eq!(
        AbsSendTime::new(0x100_0000).unwrap_err(),
        Error::ExtensionValueRange {
            name: "abs-send-time",
            value: 0x100_0000,
            max: 0xff_ffff
        }
    );
    assert_eq!(
        AbsSendTime::parse(&[1]),
        Err(Error::ExtensionValueLength {
            name: "abs-send-time",
            expected: 3,
            got: 1
        })
    );
}

#[test]
fn transport_sequence_number() {
    assert_eq!(
        TransportSequenceNumber::parse(&[0xbe, 0xef]),
        Ok(TransportSequenceNumber(0xbeef))
    );
    assert_eq!(TransportSequenceNumber(0x0102).to_bytes(), [1, 2]);
    assert!(TransportSequenceNumber::parse(&[1, 2, 3]).is_err());
}

#[test]
fn playout_delay_12_bit_fields() {
    // min 0x123, max 0x456 (×10 ms).
    let d = PlayoutDelay::parse(&[0x12, 0x34, 0x56]).unwrap();
    assert_eq!((d.min_units(), d.max_units()), (0x123, 0x456));
    assert_eq!(d.min(), Duration::from_millis(2910));
    assert_eq!(d.max(), Duration::from_millis(11_100));
    assert_eq!(d.to_bytes(), [0x12, 0x34, 0x56]);
    assert_eq!(
        PlayoutDelay::new(0, 4096),
        Err(Error::ExtensionValueRange {
            name: "playout delay",
            value: 4096,
            max: 4095
        })
    );
}

#[test]
fn video_orientation_cvo_byte() {
    // C=1 F=0 R=01 (90°).
    let v = VideoOrientation::parse(&[0x09]).unwrap();
    assert_eq!(
        v,
        VideoOrientation {
            back_camera: true,
            horizontal_flip: false,
            rotation: Rotation::Deg90
        }
    );
    let w = VideoOrientation {
        back_camera: false,
        horizontal_flip: true,
        rotation: Rotation::Deg270,
    };
    assert_eq!(w.to_bytes(), [0x07]);
    assert_eq!(VideoOrientation::parse(&[0x07]), Ok(w));
    assert_eq!(VideoOrientation::URI, "urn:3gpp:video-orientation");
}

#[test]
fn extmap_binds_ids_and_uris() {
    let mut map = ExtensionMap::new();
    map.insert_value::<AudioLevel>(1).unwrap();
    map.insert_value::<AbsSendTime>(3).unwrap();
    assert_eq!(
        map.insert(0, "urn:x"),
        Err(Error::ExtmapIdOutOfRange { id: 0 })
    );
    assert_eq!(map.insert(1, "urn:x"), Err(Error::ExtmapIdInUse { id: 1 }));
    assert_eq!(map.insert(1, AudioLevel::URI), Ok(()));
    assert_eq!(map.id_of::<AbsSendTime>(), Some(3));
    assert_eq!(map.uri(1), Some(AudioLevel::URI));
    assert_eq!(map.id_of::<PlayoutDelay>(), None);
    assert_eq!(map.form(), ExtensionForm::OneByte);
    map.insert(15, "urn:x").unwrap();
    assert_eq!(map.form(), ExtensionForm::TwoByte);
    // Rebinding a URI moves it.
    map.insert_value::<AbsSendTime>(4).unwrap();
    assert_eq!(map.id_of::<AbsSendTime>(), Some(4));
    assert_eq!(map.uri(3), None);
    assert_eq!(map.len(), 3);
    assert_eq!(map.remove(15).map(|e| e.uri), Some("urn:x".to_string()));

    let data = [0x10, 0x85, 0x42, 0x00, 0x00, 0x01, 0x00, 0x00];
    let ext = HeaderExtension::new(0xbede, &data);
    assert_eq!(
        map.value::<AudioLevel>(&ext),
        Ok(Some(AudioLevel::new(true, 5).unwrap()))
    );
    assert_eq!(
        map.value::<AbsSendTime>(&ext),
        Ok(Some(AbsSendTime::new(1).unwrap()))
    );
    assert_eq!(map.value::<PlayoutDelay>(&ext), Ok(None));
}
