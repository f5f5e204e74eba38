//! DTLS record-layer parsing (RFC 6347 §4.1, RFC 9146 §4 for `tls12_cid` records) of
//! arbitrary datagrams: never panics, a parsed header writes back to the bytes it came
//! from, a CID record's CID sits after its sequence number, and `dtls::connection_id`
//! finds a CID of exactly the length asked for, or none.
//!
//! Input: a CID-length byte (0: no CID negotiated, n: n - 1 bytes), then the datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cid, data)) = data.split_first() else {
        return;
    };
    let cid_len = cid.checked_sub(1).map(usize::from);
    let mut offset = 0;
    for rec in dtls::internal::records_with_cid(data, cid_len) {
        let Ok(rec) = rec else { break };
        assert_eq!(rec.raw, &data[offset..offset + rec.raw.len()]);
        match rec.cid {
            Some(cid) => {
                assert_eq!(Some(cid.len()), cid_len);
                assert_eq!(rec.raw[0], dtls::internal::TLS12_CID);
                assert_eq!(&rec.raw[11..11 + cid.len()], cid);
                assert_eq!(rec.raw.len(), 13 + cid.len() + rec.fragment.len());
            }
            None => {
                let mut header = Vec::new();
                rec.header.write(&mut header);
                assert_eq!(
                    header[..],
                    data[offset..offset + dtls::internal::RECORD_HEADER_LEN]
                );
                assert_eq!(
                    rec.raw.len(),
                    dtls::internal::RECORD_HEADER_LEN + rec.fragment.len()
                );
            }
        }
        offset += rec.raw.len();
    }
    if let Some(n) = cid_len
        && let Some(found) = dtls::connection_id(data, n)
    {
        assert_eq!(found.len(), n);
    }
});
