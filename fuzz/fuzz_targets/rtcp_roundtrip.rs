//! parse → write → parse: every packet the parser accepts can be written, the written
//! bytes parse again, and writing that is byte-for-byte stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtcp::{AnyPacket, Compound, Packet};

fuzz_target!(|data: &[u8]| {
    for packet in Compound::new(data).flatten() {
        let first = packet.to_vec().expect("a parsed packet can be written");
        assert_eq!(first.len(), packet.size());
        let again = AnyPacket::parse(&first).expect("written bytes parse");
        let second = again.to_vec().expect("a parsed packet can be written");
        assert_eq!(first, second, "writing is stable");
        assert_eq!(AnyPacket::parse(&second).expect("parses"), again);
    }
});
