//! DTLS record-layer parsing (RFC 6347 §4.1) of arbitrary datagrams: never panics, and a
//! parsed header writes back to the bytes it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut offset = 0;
    for rec in dtls::internal::records(data) {
        let Ok(rec) = rec else { break };
        let mut header = Vec::new();
        rec.header.write(&mut header);
        assert_eq!(
            header[..],
            data[offset..offset + dtls::internal::RECORD_HEADER_LEN]
        );
        offset += dtls::internal::RECORD_HEADER_LEN + rec.fragment.len();
    }
});
