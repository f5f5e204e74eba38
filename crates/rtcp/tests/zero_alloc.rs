//! The borrowed path allocates nothing: walking a compound, reading every field and list,
//! and writing the packets back into a caller's buffer.

use rtcp::{
    AnyPacket, Compound, NtpTime, Packet, ReportBlock, SenderReport, SourceDescription,
    write_compound,
};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

fn sr_sdes() -> Vec<u8> {
    let packets = [
        AnyPacket::SenderReport(SenderReport {
            ssrc: 0x1234_5678,
            ntp_time: NtpTime(0xe9c5_a27f_2c8d_5a6e),
            rtp_time: 1,
            packet_count: 2,
            octet_count: 3,
            reports: vec![ReportBlock {
                ssrc: 9,
                cumulative_lost: -1,
                ..Default::default()
            }]
            .into(),
            profile_extensions: Default::default(),
        }),
        AnyPacket::SourceDescription(SourceDescription::cname(0x1234_5678, "user@example.org")),
    ];
    let mut buf = vec![0u8; 1500];
    let n = write_compound(&packets, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn parse_read_and_write_without_allocating() {
    let bytes = sr_sdes();
    let mut out = [0u8; 1500];
    let (allocations, (lost, cname_len, written)) = alloc_counter::count(|| {
        let (mut lost, mut cname_len, mut written) = (0, 0, 0);
        for packet in Compound::new(&bytes) {
            let packet = packet.unwrap();
            match &packet {
                AnyPacket::SenderReport(sr) => {
                    lost += sr.reports.iter().map(|b| b.cumulative_lost).sum::<i32>()
                }
                AnyPacket::SourceDescription(sdes) => {
                    for chunk in sdes.chunks.iter() {
                        cname_len += chunk.items.iter().map(|i| i.text.len()).sum::<usize>();
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
            written += packet.write(&mut out[written..]).unwrap();
        }
        (lost, cname_len, written)
    });
    assert_eq!((lost, cname_len, written), (-1, 16, bytes.len()));
    assert_eq!(&out[..written], &bytes[..]);
    assert_eq!(allocations, 0);
}
