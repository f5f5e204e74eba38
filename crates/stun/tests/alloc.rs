//! Zero heap allocations per message: writing, parsing, every getter and every check.

use stun::{Class, Message, MessageWriter, Method, TransactionId};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

#[test]
fn per_message_paths_do_not_allocate() {
    let mut buf = [0u8; 256];
    let key = b"VOkJxbRl1RmTxUk/WvJxBt";
    let (allocations, len) = alloc_counter::count(|| {
        let id = TransactionId::new([9; 12]);
        let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, id).unwrap();
        w.username("evtj:h6vY")
            .unwrap()
            .priority(0x6e00_01ff)
            .unwrap()
            .ice_controlled(0x932f_f9b1_5126_3b36)
            .unwrap()
            .use_candidate()
            .unwrap()
            .xor_mapped_address("[2001:db8::1]:3478".parse().unwrap())
            .unwrap()
            .message_integrity(key)
            .unwrap()
            .message_integrity_sha256(key)
            .unwrap();
        w.finish_with_fingerprint().unwrap()
    });
    assert_eq!(allocations, 0);

    let (allocations, sum) = alloc_counter::count(|| {
        let m = Message::parse(&buf[..len]).unwrap();
        m.verify_fingerprint().unwrap();
        m.verify_integrity(key).unwrap();
        m.verify_integrity_sha256(key).unwrap();
        let user = m.username().unwrap().unwrap().len() as u64;
        let priority = u64::from(m.priority().unwrap().unwrap());
        let tie = m.ice_controlled().unwrap().unwrap();
        let port = u64::from(m.xor_mapped_address().unwrap().unwrap().port());
        let attributes = m.attributes().count() as u64;
        user + priority + (tie & 0xff) + port + attributes + u64::from(m.use_candidate().unwrap())
    });
    assert_eq!(allocations, 0);
    assert_eq!(sum, 9 + 0x6e00_01ff + 0x36 + 3478 + 8 + 1);
}
