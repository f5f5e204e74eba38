//! The borrowed path allocates nothing: walking a compound, reading every field and list,
//! and writing the packets back into a caller's buffer.

use rtcp::{AnyPacket, Compound, Packet};

#[path = "fixtures/sr_sdes.rs"]
mod fixture;

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn parse_read_and_write_without_allocating() {
    let bytes = fixture::sr_sdes();
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
    assert_eq!(
        (lost, cname_len, written),
        (-1, fixture::CNAME.len(), bytes.len())
    );
    assert_eq!(&out[..written], &bytes[..]);
    assert_eq!(allocations, 0);
}
