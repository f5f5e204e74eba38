//! Zero heap allocations per packet: parse, extension lookup, typed values and writing.

use rtp_packet::extension::{AbsSendTime, AudioLevel};
use rtp_packet::{CsrcList, ExtensionForm, PacketWriter, PayloadType, RtpHeader, RtpPacket};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn per_packet_paths_do_not_allocate() {
    let mut buf = [0u8; 256];
    let payload = [0x42u8; 160];
    let (allocations, len) = alloc_counter::count(|| {
        let mut header = RtpHeader::new(PayloadType::new(111).unwrap(), 65535, 960, 0x0102_0304);
        header.csrcs = CsrcList::from_slice(&[5, 6]).unwrap();
        let mut w = PacketWriter::new(&mut buf, &header).unwrap();
        w.extension(ExtensionForm::OneByte)
            .unwrap()
            .push_value(1, &AudioLevel::new(true, 40).unwrap())
            .unwrap()
            .push_value(3, &AbsSendTime::new(0x12_3456).unwrap())
            .unwrap();
        w.finish(&payload, 4).unwrap()
    });
    assert_eq!(allocations, 0);

    let (allocations, sum) = alloc_counter::count(|| {
        let p = RtpPacket::parse(&buf[..len]).unwrap();
        let ext = p.header_extension().unwrap();
        let level = ext.value::<AudioLevel>(1).unwrap().unwrap();
        let sent = ext.value::<AbsSendTime>(3).unwrap().unwrap();
        let csrcs: u32 = p.csrcs().sum();
        let elements = ext.elements().filter(Result::is_ok).count();
        u64::from(level.level())
            + u64::from(sent.raw())
            + u64::from(csrcs)
            + elements as u64
            + p.payload().len() as u64
            + u64::from(p.sequence_number())
    });
    assert_eq!(allocations, 0);
    assert_eq!(sum, 40 + 0x12_3456 + 11 + 2 + 160 + 65535);
}
