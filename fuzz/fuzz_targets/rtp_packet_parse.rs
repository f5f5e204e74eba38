//! Parse arbitrary bytes as an RTP packet and read everything a receiver would: no input may
//! panic, and a packet that parses must account for every byte.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::extension::{
    AbsSendTime, AudioLevel, PlayoutDelay, TransportSequenceNumber, VideoOrientation,
};
use rtp_packet::{OwnedPacket, PacketKind, RtpPacket, classify};

/// RFC 7983 §7 and RFC 5761 §4, read independently: the first byte picks the protocol, and
/// for RTP/RTCP (version bits 10) the second byte with the marker bit set and a payload type
/// of 64–95 is an RTCP packet type (192–223).
fn reference_kind(data: &[u8]) -> PacketKind {
    let Some(&first) = data.first() else {
        return PacketKind::Other;
    };
    if first < 4 {
        PacketKind::Stun
    } else if (16..20).contains(&first) {
        PacketKind::Zrtp
    } else if (20..64).contains(&first) {
        PacketKind::Dtls
    } else if (64..80).contains(&first) {
        PacketKind::TurnChannel
    } else if first >> 6 == 2 {
        match data.get(1) {
            None => PacketKind::Other,
            Some(&second) if second & 0x80 != 0 && (64..96).contains(&(second & 0x7F)) => {
                PacketKind::Rtcp
            }
            Some(_) => PacketKind::Rtp,
        }
    } else {
        PacketKind::Other
    }
}

fuzz_target!(|data: &[u8]| {
    assert_eq!(classify(data), reference_kind(data));
    let Ok(p) = RtpPacket::parse(data) else {
        return;
    };
    assert_eq!(p.version(), 2);
    assert_eq!(
        p.header_len() + p.payload().len() + p.padding_len(),
        data.len()
    );
    assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
    assert_eq!(p.padding(), p.padding_len() > 0);
    let _ = (
        p.marker(),
        p.payload_type(),
        p.sequence_number(),
        p.timestamp(),
        p.ssrc(),
    );
    if let Some(ext) = p.header_extension() {
        assert_eq!(ext.data().len() % 4, 0);
        for element in ext.elements() {
            let Ok(element) = element else { break };
            assert!(element.data.len() <= 255);
        }
        // Lookup by ID must agree with iteration: the first element with the ID, or the
        // error that iteration reports before reaching it.
        for id in 0..=255u8 {
            let mut expected = Ok(None);
            for element in ext.elements() {
                match element {
                    Ok(e) if e.id == id => {
                        expected = Ok(Some(e.data));
                        break;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        expected = Err(err);
                        break;
                    }
                }
            }
            assert_eq!(ext.get(id), expected);
        }
        for id in [1, 2, 3, 15, 200] {
            let _ = ext.value::<AudioLevel>(id);
            let _ = ext.value::<AbsSendTime>(id);
            let _ = ext.value::<TransportSequenceNumber>(id);
            let _ = ext.value::<PlayoutDelay>(id);
            let _ = ext.value::<VideoOrientation>(id);
        }
    }
    let _ = format!("{p:?}");
    assert_eq!(OwnedPacket::from_packet(&p).encoded_len(), data.len());
});
