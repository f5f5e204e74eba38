//! A tour of `rtp-packet`: write packets with CSRCs, both header-extension forms and padding
//! into a stack buffer, parse them back without copying, read typed extension values through
//! an `a=extmap` table, keep an owned copy, classify datagrams on a shared port, extend
//! sequence numbers across the 65535 → 0 wrap, and see how malformed input is reported.
//!
//! Run with `cargo run -p rtp-stack-examples --example packet_tour`.

use rtp_packet::extension::{AbsSendTime, AudioLevel, ExtensionMap, TransportSequenceNumber};
use rtp_packet::sequence::ExtendedSequence;
use rtp_packet::{
    ClockRate, CsrcList, Error, ExtensionForm, OwnedPacket, PacketWriter, PayloadType, RtpHeader,
    RtpPacket, classify,
};
use std::time::Duration;

fn describe(label: &str, packet: &RtpPacket<'_>, extmap: &ExtensionMap) -> Result<(), Error> {
    println!("{label}: {} bytes", packet.as_bytes().len());
    println!(
        "  V={} P={} X={} CC={} M={} PT={:?} seq={} ts={} SSRC={:#010x}",
        packet.version(),
        packet.padding(),
        packet.has_extension(),
        packet.csrc_count(),
        packet.marker(),
        packet.payload_type(),
        packet.sequence_number(),
        packet.timestamp(),
        packet.ssrc()
    );
    let csrcs: Vec<String> = packet.csrcs().map(|c| format!("{c:#010x}")).collect();
    println!("  CSRCs: [{}]", csrcs.join(", "));
    if let Some(ext) = packet.header_extension() {
        println!(
            "  extension profile {:#06x} ({:?}), {} data bytes",
            ext.profile(),
            ext.form(),
            ext.data().len()
        );
        for element in ext.elements() {
            let element = element?;
            let uri = extmap.uri(element.id).unwrap_or("(not negotiated)");
            println!(
                "    id {:>3} len {:>2}: {} {uri}",
                element.id,
                element.data.len(),
                hex::encode(element.data)
            );
        }
        if let Some(level) = extmap.value::<AudioLevel>(&ext)? {
            println!(
                "    audio level: -{} dBov, voice={}",
                level.level(),
                level.voice_activity()
            );
        }
        if let Some(sent) = extmap.value::<AbsSendTime>(&ext)? {
            println!(
                "    abs-send-time: {:?} into the 64 s cycle",
                sent.to_duration()
            );
        }
        if let Some(seq) = extmap.value::<TransportSequenceNumber>(&ext)? {
            println!("    transport-wide sequence number: {}", seq.0);
        }
    }
    println!(
        "  header {} bytes, payload {} bytes, padding {} bytes",
        packet.header_len(),
        packet.payload().len(),
        packet.padding_len()
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    let mut extmap = ExtensionMap::new();
    extmap.insert_value::<AudioLevel>(1)?;
    extmap.insert_value::<AbsSendTime>(3)?;
    extmap.insert_value::<TransportSequenceNumber>(5)?;

    // 1. An Opus packet from a mixer: two CSRCs, a one-byte extension block, 4 bytes of padding.
    let opus = PayloadType::new(111)?;
    let mut header = RtpHeader::new(
        opus,
        65534,
        ClockRate::OPUS.duration_to_ticks(Duration::from_secs(3)) as u32,
        0x5eed_0001,
    );
    header.marker = true;
    header.csrcs = CsrcList::from_slice(&[0xc0de_0001, 0xc0de_0002])?;
    let mut buf = [0u8; 1500];
    let mut writer = PacketWriter::new(&mut buf, &header)?;
    writer
        .extension(extmap.form())?
        .push_value(1, &AudioLevel::new(true, 38)?)?
        .push_value(3, &AbsSendTime::from_duration(Duration::from_millis(1_250)))?
        .push_value(5, &TransportSequenceNumber(4242))?;
    let len = writer.finish(&[0x78; 20], 4)?;
    println!("wrote {len} bytes: {}\n", hex::encode(&buf[..len]));
    describe(
        "parsed one-byte-extension packet",
        &RtpPacket::parse(&buf[..len])?,
        &extmap,
    )?;

    // 2. The two-byte form: IDs above 14 and empty elements.
    extmap.insert(200, "urn:example:empty-marker")?;
    let header = RtpHeader::new(PayloadType::new(96)?, 65535, 90_000, 0x5eed_0002);
    let mut two = [0u8; 256];
    let mut writer = PacketWriter::new(&mut two, &header)?;
    writer
        .extension(ExtensionForm::TwoByte)?
        .push(200, &[])?
        .push_value(5, &TransportSequenceNumber(4243))?;
    let two_len = writer.finish(b"video", 0)?;
    println!();
    describe(
        "parsed two-byte-extension packet",
        &RtpPacket::parse(&two[..two_len])?,
        &extmap,
    )?;

    // 3. An owned copy survives the receive buffer and writes back to identical bytes.
    let owned = OwnedPacket::parse(&buf[..len])?;
    buf.fill(0);
    let again = owned.to_vec()?;
    println!(
        "\nowned copy: {} payload bytes, rewritten to {} bytes, re-parses: {}",
        owned.payload.len(),
        again.len(),
        RtpPacket::parse(&again).is_ok()
    );

    // 4. One port, many protocols (RFC 7983): classify by the first bytes.
    println!("\ndemultiplexing:");
    for (what, datagram) in [
        ("STUN binding request", &[0x00u8, 0x01][..]),
        ("DTLS handshake", &[0x16, 0xfe, 0xfd]),
        ("RTCP sender report", &[0x80, 0xc8]),
        ("our RTP packet", &again[..]),
    ] {
        println!("  {what:<22} -> {:?}", classify(datagram));
    }

    // 5. Extended sequence numbers across the wrap, with reordering.
    let mut tracker = ExtendedSequence::new();
    print!("\nextended sequence numbers:");
    for seq in [65533u16, 65535, 0, 65534, 2, 1] {
        if let Some(extended) = tracker.extend(seq) {
            print!(" {seq}->{extended}");
        }
    }
    println!(" (rollover counter {})", tracker.rollover_counter());

    // 6. Malformed input is a typed error, never a panic.
    println!("\nmalformed input:");
    let mut bad = again.clone();
    bad[0] = 0x40;
    println!(
        "  version 1:          {}",
        RtpPacket::parse(&bad).unwrap_err()
    );
    println!(
        "  cut inside CSRCs:   {}",
        RtpPacket::parse(&again[..15]).unwrap_err()
    );
    let last = again.len() - 1;
    bad = again.clone();
    bad[last] = 200;
    println!(
        "  padding count 200:  {}",
        RtpPacket::parse(&bad).unwrap_err()
    );
    Ok(())
}
