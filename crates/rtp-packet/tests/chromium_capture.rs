//! An RTP packet exactly as a browser sends it: an Opus packet captured from Chromium 156
//! (Debian's `chromium`) in a loopback call with `--disable-webrtc-encryption` (see
//! docs/captures.md). The expected values are the ones `tshark -V` printed for the same
//! frame, with the extension ids of Chromium's default audio extmap: 1 ssrc-audio-level,
//! 2 abs-send-time, 3 transport-wide-cc.

use rtp_packet::extension::{AbsSendTime, AudioLevel, TransportSequenceNumber};
use rtp_packet::{ExtensionForm, PayloadType, RtpPacket};

const OPUS_PACKET: &str = concat!(
    "906f7f02", // V=2 P=0 X=1 CC=0, M=0 PT=111, sequence number 32514
    "3fdcd4b7", // timestamp 1071436983
    "7f5a6dda", // SSRC
    "bede0003", // one-byte extension block, 3 words
    "221178d6", // id 2 len 3: abs-send-time 0x1178d6
    "310182",   // id 3 len 2: transport-wide sequence number 386
    "1083",     // id 1 len 1: audio level, V=1, 3 -dBov
    "000000",   // padding to the word boundary
    "f8abc7bef5b9d4f771bd346436e27dc30fdc4a864a786ac70d88fc72b68a55b9666dc7b998c9a025edee5211a3e6e0167f56a5a45611c5dea885d2e2e7f1a07c63cfa5bcf393364a12259f1f2ae38ef5ae",
);

#[test]
fn chromium_opus_packet() {
    let bytes = hex::decode(OPUS_PACKET).unwrap();
    assert_eq!(bytes.len(), 218 / 2);
    let packet = RtpPacket::parse(&bytes).unwrap();
    assert_eq!(packet.version(), 2);
    assert!(!packet.padding() && packet.has_extension() && !packet.marker());
    assert_eq!(packet.csrc_count(), 0);
    assert_eq!(packet.payload_type(), PayloadType::new(111).unwrap());
    assert_eq!(packet.sequence_number(), 32514);
    assert_eq!(packet.timestamp(), 1_071_436_983);
    assert_eq!(packet.ssrc(), 0x7f5a_6dda);
    assert_eq!(packet.header_len(), 28);
    assert_eq!(packet.payload().len(), bytes.len() - 28);
    assert_eq!(packet.payload()[..4], [0xf8, 0xab, 0xc7, 0xbe]);

    let ext = packet.header_extension().unwrap();
    assert_eq!(ext.form(), Some(ExtensionForm::OneByte));
    let elements: Vec<_> = ext
        .elements()
        .map(|e| e.map(|e| (e.id, e.data.to_vec())))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        elements,
        [
            (2, vec![0x11, 0x78, 0xd6]),
            (3, vec![0x01, 0x82]),
            (1, vec![0x83])
        ]
    );
    let level: AudioLevel = ext.value(1).unwrap().unwrap();
    assert!(level.voice_activity());
    assert_eq!(level.level(), 3);
    let sent: AbsSendTime = ext.value(2).unwrap().unwrap();
    assert_eq!(sent.raw(), 0x11_78d6);
    assert_eq!(
        ext.value::<TransportSequenceNumber>(3).unwrap(),
        Some(TransportSequenceNumber(386))
    );
}
