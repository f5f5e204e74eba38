//! First-byte demultiplexing of a shared port (RFC 7983 §7, RFC 5761 §4).

use rtp_packet::{PacketKind, classify};

#[test]
fn rfc7983_ranges() {
    let cases: &[(&[u8], PacketKind)] = &[
        (&[0x00, 0x01], PacketKind::Stun), // Binding request
        (&[0x03, 0x00], PacketKind::Stun),
        (&[0x04, 0x00], PacketKind::Other), // gap 4–15
        (&[0x10, 0x00], PacketKind::Zrtp),
        (&[0x13, 0x00], PacketKind::Zrtp),
        (&[0x14, 0xfe], PacketKind::Dtls),       // ChangeCipherSpec
        (&[0x16, 0xfe, 0xfd], PacketKind::Dtls), // Handshake, DTLS 1.2
        (&[0x3f], PacketKind::Dtls),
        (&[0x40, 0x00], PacketKind::TurnChannel),
        (&[0x4f, 0x00], PacketKind::TurnChannel),
        (&[0x50, 0x00], PacketKind::Other), // 80–127 unassigned
        (&[0x80, 0x00], PacketKind::Rtp),   // PT 0
        (&[0x80, 0xe0], PacketKind::Rtp),   // M=1 PT 96 → 224
        (&[0x80, 0xbf], PacketKind::Rtp),   // M=1 PT 63 → 191
        (&[0x80, 0xc8], PacketKind::Rtcp),  // SR (200) = M=1 PT 72
        (&[0x81, 0xc0], PacketKind::Rtcp),  // FIR (192), lower bound
        (&[0x8f, 0xdf], PacketKind::Rtcp),  // 223, upper bound
        (&[0xbf, 0x48], PacketKind::Rtp),   // PT 72 without marker stays RTP
        (&[0xc0, 0xc8], PacketKind::Other), // version 3
        (&[0x80], PacketKind::Other),       // lone byte
        (&[], PacketKind::Other),
    ];
    for (bytes, kind) in cases {
        assert_eq!(classify(bytes), *kind, "{bytes:02x?}");
    }
}
