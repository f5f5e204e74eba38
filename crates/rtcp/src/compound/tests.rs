//! Compound datagrams: browser packets, the lenient walk, the strict check, padding.

use super::*;
use crate::feedback::PacketStatus;
use crate::ntp::NtpTime;
use crate::report_block::ReportBlock;
use crate::source_description::SdesItemType;

/// A compound in the layout Chrome sends without rtcp-rsize: SR, SDES (its 16-character
/// CNAME), then REMB. The REMB packet is verbatim a packet Chrome sent while receiving a
/// 6 Mb/s stream (quoted in webrtc-rs `rtcp` and pion's tests); the SR and SDES follow the
/// browser's field layout.
const BROWSER_COMPOUND: &str = concat!(
    // SR: V=2 RC=1 PT=200 length=12
    "81c8000c",
    "4874ed16", // SSRC of sender
    "e9c5a27f", // NTP timestamp, most significant word
    "2c8d5a6e", // NTP timestamp, least significant word
    "a2c1f6b0", // RTP timestamp
    "000001f4", // sender's packet count: 500
    "0004e200", // sender's octet count: 320000
    "00000001", // report block: SSRC_1
    "00000000", // fraction lost 0, cumulative lost 0
    "00003a98", // extended highest sequence number: 15000
    "00000010", // interarrival jitter: 16
    "a27f2c8d", // LSR
    "00008000", // DLSR: 0.5 s
    // SDES: V=2 SC=1 PT=202 length=6
    "81ca0006",
    "4874ed16",                         // SSRC
    "0110",                             // CNAME, 16 octets
    "2f584b724e4c7a6e4b4e4e5a79684d73", // "/XKrNLznKNNZyhMs"
    "0000",                             // null item, then padding to 32 bits
    // REMB (real Chrome bytes): FMT=15 PT=206 length=5
    "8fce0005",
    "00000001", // SSRC of packet sender: 1
    "00000000", // SSRC of media source: 0
    "52454d42", // "REMB"
    "011a20df", // Num SSRC=1, BR Exp=6, BR Mantissa=139487: 8927168 bit/s
    "4874ed16", // SSRC feedback
);

/// Transport-cc feedback as sent by Firefox (webrtc-rs/srtp issue 7): FMT=15 PT=205,
/// a run-length chunk of 5 small deltas, one byte of zero padding without the P bit.
const FIREFOX_TRANSPORT_CC: [u8; 28] = [
    0x8f, 0xcd, 0x00, 0x06, // V=2 FMT=15 PT=205 length=6
    0x41, 0xe3, 0xb8, 0x31, // SSRC of packet sender
    0x76, 0xf3, 0x4e, 0x60, // SSRC of media source
    0x2a, 0x3f, 0x00, 0x05, // base sequence number 10815, packet status count 5
    0x0c, 0xa2, 0xa6, 0x00, // reference time 827046, fb pkt. count 0
    0x20, 0x05, // run length chunk: small delta x5
    0xc8, 0x04, 0x00, 0x04, 0x00, // recv deltas: 50 ms, 1 ms, 0, 1 ms, 0
    0x00, // zero padding
];

/// Transport-cc feedback as sent by Chrome (captured by olivermichel/webrtc-analysis):
/// padded with the P bit and a one-byte padding count.
const CHROME_TRANSPORT_CC: [u8; 32] = [
    0xaf, 0xcd, 0x00, 0x07, // V=2 P=1 FMT=15 PT=205 length=7
    0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
    0xdd, 0x58, 0x6e, 0xb6, // SSRC of media source
    0x00, 0x01, 0x00, 0x09, // base sequence number 1, packet status count 9
    0x5e, 0x91, 0x10, 0x00, // reference time 6197520, fb pkt. count 0
    0x20, 0x09, // run length chunk: small delta x9
    0x1c, 0x0c, 0x2c, 0x38, 0x00, 0x04, 0x00, 0x08, 0x18, // recv deltas
    0x01, // padding count 1
];

#[test]
fn browser_compound() {
    let bytes = hex::decode(BROWSER_COMPOUND).unwrap();
    assert_eq!(validate(&bytes, Rules::default()), Ok(3));
    let packets: Vec<_> = Compound::new(&bytes).collect::<Result<_>>().unwrap();
    let [
        AnyPacket::SenderReport(sr),
        AnyPacket::SourceDescription(sdes),
        AnyPacket::ReceiverEstimatedMaximumBitrate(remb),
    ] = &packets[..]
    else {
        panic!("unexpected packets {packets:?}");
    };
    assert_eq!(sr.ssrc, 0x4874_ed16);
    assert_eq!(sr.ntp_time, NtpTime(0xe9c5_a27f_2c8d_5a6e));
    assert_eq!((sr.packet_count, sr.octet_count), (500, 320_000));
    let block = sr.reports.iter().next().unwrap();
    assert_eq!(
        block,
        ReportBlock {
            ssrc: 1,
            extended_highest_sequence_number: 15_000,
            jitter: 16,
            last_sr: 0xa27f_2c8d,
            delay_since_last_sr: 0x8000,
            ..Default::default()
        }
    );
    let chunk = sdes.chunks.iter().next().unwrap();
    assert_eq!(
        chunk.item(SdesItemType::Cname).as_deref(),
        Some(&b"/XKrNLznKNNZyhMs"[..])
    );
    assert_eq!(remb.bitrate, 8_927_168);
    assert_eq!(remb.ssrcs.iter().collect::<Vec<_>>(), [0x4874_ed16]);
    let written = write_compound_to_vec(&packets, 0);
    assert_eq!(
        written.as_deref(),
        Ok(&bytes[..]),
        "written back byte for byte"
    );
}

#[test]
fn browser_transport_cc() {
    // (base sequence number, packet status count, reference time), then the deltas.
    let cases = [
        (
            &FIREFOX_TRANSPORT_CC[..],
            (10815, 5, 0x0ca2a6),
            vec![200, 4, 0, 4, 0],
        ),
        (
            &CHROME_TRANSPORT_CC[..],
            (1, 9, 6_197_520),
            vec![0x1c, 0x0c, 0x2c, 0x38, 0, 4, 0, 8, 0x18],
        ),
    ];
    for (bytes, header, deltas) in cases {
        let tcc = TransportCc::parse(bytes).unwrap();
        let statuses: Vec<_> = tcc.packets().map(|(_, s)| s).collect();
        let expected: Vec<_> = deltas
            .into_iter()
            .map(|delta| PacketStatus::Received { delta })
            .collect();
        let fields = (
            tcc.base_sequence_number,
            tcc.packet_status_count,
            tcc.reference_time,
        );
        assert_eq!(fields, header);
        assert_eq!(statuses, expected);
    }
    let chrome = TransportCc::parse(&CHROME_TRANSPORT_CC).unwrap();
    // Written back with zero padding and no P bit, which reads the same.
    let again = chrome.to_vec().unwrap();
    assert_eq!(again[0], 0x8f);
    assert_eq!(&again[1..31], &CHROME_TRANSPORT_CC[1..31]);
    assert_eq!(TransportCc::parse(&again).unwrap(), chrome);
}

#[test]
fn unknown_types_are_kept_and_the_walk_goes_on() {
    let bytes = [
        0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, // RR, no blocks
        0x85, 0xd0, 0x00, 0x01, 1, 2, 3, 4, // PT=208 (unknown), count 5, one word
        0x89, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2, // PSFB FMT=9 (unknown feedback)
        0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 1, // BYE
    ];
    let packets: Vec<_> = Compound::new(&bytes).collect::<Result<_>>().unwrap();
    assert_eq!(packets.len(), 4);
    assert_eq!(
        packets[1],
        AnyPacket::Raw(RawPacket {
            bytes: (&bytes[8..16]).into()
        })
    );
    assert_eq!(packets[2].size(), 12);
    assert!(matches!(packets[3], AnyPacket::Goodbye(_)));
    let mut out = [0u8; 64];
    assert_eq!(write_compound(&packets, 0, &mut out), Ok(bytes.len()));
    assert_eq!(&out[..bytes.len()], &bytes);
}

#[test]
fn a_malformed_packet_does_not_hide_the_next() {
    let bytes = [
        0x82, 0xc9, 0x00, 0x01, 0, 0, 0, 1, // RR claiming 2 blocks, holding none
        0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 1, // BYE
        0x81, 0xcb, 0x00, 0x05, 0, 0, 0, 1, // BYE whose length runs past the end
    ];
    let results: Vec<_> = Compound::new(&bytes).collect();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0],
        Err(Error::CountTooLarge {
            what: "RR report blocks",
            count: 2,
            needed: 48,
            got: 0
        })
    );
    assert!(matches!(results[1], Ok(AnyPacket::Goodbye(_))));
    assert_eq!(
        results[2],
        Err(Error::LengthPastEnd {
            declared: 24,
            available: 8
        })
    );
    assert_eq!(
        validate(&bytes, Rules::default()),
        Err(Error::LengthPastEnd {
            declared: 24,
            available: 8
        })
    );
}

#[test]
fn strict_rules() {
    let rr = [0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1];
    let bye = [0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 1];
    let padded_bye = [0xa1, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4];
    assert_eq!(validate(&[], Rules::default()), Err(Error::EmptyCompound));
    assert_eq!(validate(&[rr, bye].concat(), Rules::default()), Ok(2));
    assert_eq!(
        validate(&[&rr[..], &padded_bye].concat(), Rules::default()),
        Ok(2)
    );
    assert_eq!(
        validate(
            &[&padded_bye[..], &rr].concat(),
            Rules { reduced_size: true }
        ),
        Err(Error::PaddingNotLast { index: 0 })
    );
    assert_eq!(
        validate(&bye, Rules::default()),
        Err(Error::FirstNotReport { packet_type: 203 })
    );
    assert_eq!(validate(&bye, Rules { reduced_size: true }), Ok(1));
    assert_eq!(
        validate(&[&rr[..], &[0x80, 0xcb]].concat(), Rules::default()),
        Err(Error::Truncated {
            what: "RTCP header",
            needed: 4,
            got: 2
        })
    );
    assert_eq!(
        validate(&[&rr[..], &[0x40, 0xcb, 0, 0]].concat(), Rules::default()),
        Err(Error::UnsupportedVersion { version: 1 })
    );
    let mut bad_pad = padded_bye;
    bad_pad[11] = 9;
    assert_eq!(
        validate(&[&rr[..], &bad_pad].concat(), Rules::default()),
        Err(Error::InvalidPadding {
            count: 9,
            available: 8
        })
    );
}

/// An RR and a BYE, and the datagram they make padded to 32 bytes.
fn rr_bye() -> ([AnyPacket<'static>; 2], Vec<u8>) {
    let packets = [
        AnyPacket::ReceiverReport(ReceiverReport {
            ssrc: 1,
            ..Default::default()
        }),
        AnyPacket::Goodbye(Goodbye {
            sources: vec![1].into(),
            reason: None,
        }),
    ];
    let mut padded = vec![
        0x80, 0xc9, 0x00, 0x01, // RR: P=0, length=1
        0x00, 0x00, 0x00, 0x01, // SSRC
        0xa1, 0xcb, 0x00, 0x05, // BYE: P=1 SC=1, length=5 (24 bytes with the padding)
        0x00, 0x00, 0x00, 0x01, // SSRC
    ];
    padded.extend([0u8; 15]); // padding
    padded.push(16); // padding count
    (packets, padded)
}

#[test]
fn padding_goes_on_the_last_packet() {
    let (packets, expected) = rr_bye();
    let mut out = [0u8; 64];
    let n = write_compound(&packets, 32, &mut out).unwrap();
    assert_eq!(&out[..n], &expected[..]);
    assert_eq!(validate(&out[..n], Rules::default()), Ok(2));
    let parsed: Vec<_> = Compound::new(&out[..n]).collect::<Result<_>>().unwrap();
    assert_eq!(parsed, packets);
    assert_eq!(
        write_compound(&packets, 16, &mut out),
        Ok(16),
        "already a multiple of 16"
    );
    assert_eq!(
        write_compound(&packets, 6, &mut out),
        Err(Error::Unaligned {
            what: "RTCP padding",
            len: 2
        })
    );
    assert_eq!(
        write_compound(&packets, 0, &mut out[..12]),
        Err(Error::BufferTooSmall {
            needed: 16,
            got: 12
        })
    );
}

#[test]
fn compound_into_a_new_vec() {
    let (packets, padded) = rr_bye();
    assert_eq!(write_compound_to_vec(&packets, 32), Ok(padded.clone()));
    let unpadded = [
        0x80, 0xc9, 0x00, 0x01, // RR: P=0, length=1
        0x00, 0x00, 0x00, 0x01, // SSRC
        0x81, 0xcb, 0x00, 0x01, // BYE: P=0 SC=1, length=1
        0x00, 0x00, 0x00, 0x01, // SSRC
    ];
    assert_eq!(write_compound_to_vec(&packets, 0), Ok(unpadded.to_vec()));
    assert_eq!(write_compound_to_vec(&packets, 16), Ok(unpadded.to_vec()));
    assert_eq!(write_compound_to_vec(&[], 32), Ok(Vec::new()));
    assert_eq!(
        write_compound_to_vec(&packets, 6),
        Err(Error::Unaligned {
            what: "RTCP padding",
            len: 2
        })
    );
    assert_eq!(
        write_compound_to_vec(&packets, 512),
        Err(Error::TooLong {
            what: "RTCP padding",
            len: 496,
            max: 255
        })
    );
}
