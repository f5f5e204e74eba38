//! parse → write → parse gives the same packet: through the owned packet (every byte but the
//! padding contents identical), and through `PacketWriter` with the RFC 8285 elements
//! rewritten one by one (same elements in the same order).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::extension::Element;
use rtp_packet::{OwnedPacket, PacketWriter, RtpHeader, RtpPacket};

fn same_packet(a: &RtpPacket<'_>, b: &RtpPacket<'_>) {
    assert_eq!(a.marker(), b.marker());
    assert_eq!(a.payload_type(), b.payload_type());
    assert_eq!(a.sequence_number(), b.sequence_number());
    assert_eq!(a.timestamp(), b.timestamp());
    assert_eq!(a.ssrc(), b.ssrc());
    assert!(a.csrcs().eq(b.csrcs()));
    assert_eq!(a.payload(), b.payload());
}

fuzz_target!(|data: &[u8]| {
    let Ok(first) = RtpPacket::parse(data) else {
        return;
    };

    let owned = OwnedPacket::from_packet(&first);
    let mut buf = vec![0u8; data.len()];
    let len = owned
        .write_to(&mut buf)
        .expect("an owned copy of a parsed packet is writable");
    assert_eq!(len, data.len());
    let second = RtpPacket::parse(&buf).expect("what we write parses");
    same_packet(&first, &second);
    assert_eq!(first.header_extension(), second.header_extension());
    assert_eq!(first.padding_len(), second.padding_len());
    let unpadded = data.len() - first.padding_len();
    assert_eq!(buf[..unpadded], data[..unpadded]);
    assert_eq!(OwnedPacket::from_packet(&second), owned);

    // Rewrite the RFC 8285 elements through the element writer when they are all valid.
    let Some(ext) = first.header_extension() else {
        return;
    };
    let Some(form) = ext.form() else { return };
    let Ok(elements) = ext.elements().collect::<Result<Vec<Element<'_>>, _>>() else {
        return;
    };
    let mut buf = vec![0u8; data.len() + 4];
    let mut w = PacketWriter::new(&mut buf, &RtpHeader::from_packet(&first)).expect("header fits");
    let mut e = w.extension(form).expect("extension header fits");
    for element in &elements {
        e.push(element.id, element.data)
            .expect("a parsed element can be written back");
    }
    let len = w
        .finish(first.payload(), first.padding_len() as u8)
        .expect("packet fits");
    let third = RtpPacket::parse(&buf[..len]).expect("what we write parses");
    same_packet(&first, &third);
    let rewritten = third.header_extension().expect("extension written");
    assert_eq!(rewritten.form(), Some(form));
    assert!(
        rewritten
            .elements()
            .map(Result::unwrap)
            .eq(elements.iter().copied())
    );
});
