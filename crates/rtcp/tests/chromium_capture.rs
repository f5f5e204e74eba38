//! RTCP exactly as a browser sends it: datagrams captured from Chromium 156 (Debian's
//! `chromium`) in a loopback call between two `RTCPeerConnection`s (audio from an
//! oscillator, video from a canvas), run with `--disable-webrtc-encryption` so that the
//! RTCP on the wire is plaintext, and captured with `tshark -i any -f udp`.
//!
//! The expected values are the ones tshark 4.0 printed for the same frames (`tshark -V`),
//! so each assertion is a check against an independent dissector, not against our writer.
//! Chromium (without `rtcp-rsize` in this call) sends its reports as SR + SDES (+ XR DLRR)
//! and RR + XR RRTR compounds, and its transport-wide congestion control feedback as
//! separate datagrams, with the P bit when the FCI needs padding.

use rtcp::feedback::{PacketStatus, TransportCc};
use rtcp::xr::XrBlock;
use rtcp::{AnyPacket, Compound, NtpTime, Packet, ReportBlock, Rules, SdesItemType, validate};

/// Frame 463: the audio sender's SR + SDES + XR (DLRR), 80 bytes.
const SR_SDES_XR: &str = concat!(
    "80c80006",                         // SR: V=2 P=0 RC=0 PT=200 length=6
    "499a5e0e",                         // SSRC of sender
    "eeabbc23b6048e04",                 // NTP timestamp
    "84554e67",                         // RTP timestamp 2220183143
    "0000007b",                         // sender's packet count 123
    "0000e409",                         // sender's octet count 58377
    "81ca0006",                         // SDES: V=2 SC=1 PT=202 length=6
    "499a5e0e",                         // chunk SSRC
    "0110",                             // CNAME, 16 octets
    "68744d48355133634832306e366a7858", // "htMH5Q3cH20n6jxX"
    "0000",                             // END, padding
    "80cf0005",                         // XR: PT=207 length=5
    "499a5e0e",                         // SSRC of originator
    "05000003",                         // block type 5 (DLRR), length 3
    "00000001",                         // SSRC_1
    "bc22eb44",                         // last RR 3156405060
    "0000cac0",                         // delay since last RR 51904
);

/// Frame 542: the audio receiver's RR (one block) + XR (receiver reference time), 52 bytes.
const RR_XR: &str = concat!(
    "81c90007",         // RR: RC=1 PT=201 length=7
    "00000001",         // SSRC of packet sender
    "499a5e0e",         // SSRC_1
    "00000000",         // fraction lost 0, cumulative lost 0
    "000066ed",         // extended highest sequence number 26349
    "000045a2",         // interarrival jitter 17826
    "bc2c0f5c",         // LSR
    "00007645",         // DLSR 30277
    "80cf0004",         // XR: PT=207 length=4
    "00000001",         // SSRC of originator
    "04000002",         // block type 4 (RRTR), length 2
    "eeabbc2c8e14f052", // NTP timestamp
);

/// Frame 20483: transport-cc with the P bit: 7 packets in one run-length chunk, 32 bytes.
const TRANSPORT_CC_PADDED: &str = concat!(
    "afcd0007",       // V=2 P=1 FMT=15 PT=205 length=7
    "fa17fa17",       // SSRC of packet sender
    "499a5e0e",       // SSRC of media source
    "17d60007",       // base sequence number 6102, packet status count 7
    "0082a667",       // reference time 33446, feedback packet count 103
    "2007",           // run-length chunk: small delta x 7
    "05010000010500", // receive deltas (x 250 us)
    "000003",         // padding, count 3
);

/// Frame 993: transport-cc without padding, 24 bytes.
const TRANSPORT_CC: &str = concat!(
    "8fcd0005", // V=2 P=0 FMT=15 PT=205 length=5
    "fa17fa17", // SSRC of packet sender
    "499a5e0e", // SSRC of media source
    "011f0002", // base sequence number 287, packet status count 2
    "0081add3", // reference time 33197, feedback packet count 211
    "2002",     // run-length chunk: small delta x 2
    "b203",     // receive deltas: 44.5 ms, 0.75 ms
);

/// The packets of a captured compound datagram (hex), checked on the way: the datagram
/// passes the strict RFC 3550 check, every packet parses, and writing the packets back
/// gives the capture byte for byte.
fn capture(text: &str) -> Vec<AnyPacket<'static>> {
    // Leaked so the packets, which borrow the datagram, can leave the helper.
    let bytes: &'static [u8] = hex::decode(text).unwrap().leak();
    let packets: Vec<_> = Compound::new(bytes).collect::<Result<_, _>>().unwrap();
    assert_eq!(validate(bytes, Rules::default()), Ok(packets.len()));
    let written = rtcp::write_compound_to_vec(&packets, 0);
    assert_eq!(written.as_deref(), Ok(bytes), "written back byte for byte");
    packets
}

#[test]
fn sender_report_sdes_and_dlrr() {
    let packets = capture(SR_SDES_XR);
    let [
        AnyPacket::SenderReport(sr),
        AnyPacket::SourceDescription(sdes),
        AnyPacket::ExtendedReport(xr),
    ] = &packets[..]
    else {
        panic!("unexpected packets {packets:?}");
    };
    assert_eq!(sr.ssrc, 0x499a_5e0e);
    assert_eq!(sr.ntp_time, NtpTime(0xeeab_bc23_b604_8e04));
    assert_eq!(sr.rtp_time, 2_220_183_143);
    assert_eq!((sr.packet_count, sr.octet_count), (123, 58_377));
    assert_eq!(sr.reports.iter().count(), 0);
    let chunk = sdes.chunks.iter().next().unwrap();
    assert_eq!(chunk.source, 0x499a_5e0e);
    assert_eq!(
        chunk.item(SdesItemType::Cname).as_deref(),
        Some(&b"htMH5Q3cH20n6jxX"[..])
    );
    assert_eq!(xr.ssrc, 0x499a_5e0e);
    let blocks: Vec<_> = xr.blocks.iter().collect();
    let [XrBlock::Dlrr(dlrr)] = &blocks[..] else {
        panic!("unexpected XR blocks {blocks:?}");
    };
    let item = dlrr.items.iter().next().unwrap();
    assert_eq!(
        (item.ssrc, item.last_rr, item.delay_since_last_rr),
        (1, 3_156_405_060, 51_904)
    );
}

#[test]
fn receiver_report_and_reference_time() {
    let packets = capture(RR_XR);
    let [AnyPacket::ReceiverReport(rr), AnyPacket::ExtendedReport(xr)] = &packets[..] else {
        panic!("unexpected packets {packets:?}");
    };
    assert_eq!(rr.ssrc, 1);
    assert_eq!(
        rr.reports.iter().collect::<Vec<_>>(),
        [ReportBlock {
            ssrc: 0x499a_5e0e,
            fraction_lost: 0,
            cumulative_lost: 0,
            extended_highest_sequence_number: 26_349,
            jitter: 17_826,
            last_sr: 0xbc2c_0f5c,
            delay_since_last_sr: 30_277,
        }]
    );
    let blocks: Vec<_> = xr.blocks.iter().collect();
    let [XrBlock::ReceiverReferenceTime(rrtr)] = &blocks[..] else {
        panic!("unexpected XR blocks {blocks:?}");
    };
    assert_eq!(rrtr.ntp_time, NtpTime(0xeeab_bc2c_8e14_f052));
}

#[test]
fn transport_cc_feedback() {
    // A feedback message alone in its datagram is a reduced-size packet (RFC 5506).
    let padded = hex::decode(TRANSPORT_CC_PADDED).unwrap();
    assert!(validate(&padded, Rules::default()).is_err());
    assert_eq!(validate(&padded, Rules { reduced_size: true }), Ok(1));
    let tcc = TransportCc::parse(&padded).unwrap();
    assert_eq!(
        (tcc.sender_ssrc, tcc.media_ssrc),
        (0xfa17_fa17, 0x499a_5e0e)
    );
    assert_eq!(
        (tcc.base_sequence_number, tcc.packet_status_count),
        (6102, 7)
    );
    assert_eq!((tcc.reference_time, tcc.fb_pkt_count), (33_446, 103));
    assert_eq!(
        tcc.packets().collect::<Vec<_>>(),
        [5, 1, 0, 0, 1, 5, 0]
            .into_iter()
            .enumerate()
            .map(|(i, delta)| (6102 + i as u16, PacketStatus::Received { delta }))
            .collect::<Vec<_>>()
    );

    let plain = hex::decode(TRANSPORT_CC).unwrap();
    let tcc = TransportCc::parse(&plain).unwrap();
    assert_eq!(
        (tcc.base_sequence_number, tcc.packet_status_count),
        (287, 2)
    );
    assert_eq!((tcc.reference_time, tcc.fb_pkt_count), (33_197, 211));
    assert_eq!(
        tcc.packets().map(|(_, s)| s).collect::<Vec<_>>(),
        [0xb2, 0x03].map(|delta| PacketStatus::Received { delta })
    );
    assert_eq!(tcc.to_vec().unwrap(), plain, "written back byte for byte");
}
