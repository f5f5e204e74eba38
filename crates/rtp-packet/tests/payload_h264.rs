//! H.264 (RFC 6184) through the public API: steady-state packetizing and depacketizing
//! allocate nothing, in both packetization modes and both output formats.

use rtp_packet::payload::h264::{H264Depacketizer, H264Packetizer, NalFormat, PacketizationMode};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// An access unit as an encoder writes it: AUD, SPS, PPS, then an IDR slice of `len`
/// octets (no zero octets inside, as emulation prevention guarantees).
fn access_unit(len: usize) -> Vec<u8> {
    let mut au = vec![0, 0, 0, 1, 0x09, 0xF0];
    au.extend_from_slice(&[0, 0, 0, 1, 0x67, 0x42, 0xE0, 0x1F, 0x8D, 0x68]);
    au.extend_from_slice(&[0, 0, 0, 1, 0x68, 0xCE, 0x3C, 0x80]);
    au.extend_from_slice(&[0, 0, 1, 0x65, 0x88]);
    au.extend((0..len).map(|i| (i % 254) as u8 + 1));
    au
}

#[test]
fn steady_state_packetizing_and_depacketizing_do_not_allocate() {
    for (mode, format, len) in [
        (PacketizationMode::NonInterleaved, NalFormat::AnnexB, 5000),
        (
            PacketizationMode::NonInterleaved,
            NalFormat::LengthPrefixed,
            5000,
        ),
        (PacketizationMode::SingleNalUnit, NalFormat::AnnexB, 1000),
    ] {
        let au = access_unit(len);
        let mut d = H264Depacketizer::default();
        let mut buf = [0u8; 1200];
        let mut out = vec![0u8; 8000];
        let mut sequence = 0u16;
        let mut run = |timestamp: u32, d: &mut H264Depacketizer| {
            let mut written = 0;
            for payload in H264Packetizer::from_annex_b(&au, mode, 1200).unwrap() {
                let n = payload.write(&mut buf).unwrap();
                let pushed = d
                    .push(&buf[..n], sequence, timestamp, payload.marker)
                    .unwrap();
                sequence = sequence.wrapping_add(1);
                if let Some(frame) = pushed.frame {
                    assert!(frame.is_self_contained());
                    written += frame.write(format, &mut out).unwrap();
                }
            }
            written
        };
        // The first access unit sizes the reassembler's buffers.
        let expected = len + 2 + 6 + 4 + 2 + 4 * 4;
        assert_eq!(run(0, &mut d), expected);
        let (allocations, written) = alloc_counter::count(|| run(3000, &mut d) + run(6000, &mut d));
        assert_eq!(written, 2 * expected, "{mode:?} {format:?}");
        assert_eq!(allocations, 0, "{mode:?} {format:?}");
    }
}
