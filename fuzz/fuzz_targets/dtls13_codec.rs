//! The DTLS 1.3 parsers (RFC 9147 §4 unified header, RFC 8446 §4 message bodies, RFC 9147
//! §7 ACK) on arbitrary bytes: nothing panics, every parsed message writes back to bytes
//! that parse to the same message, and a rebuilt record number has the low bits it was
//! built from. Connection IDs (RFC 9147 §9): a unified header parsed for a CID length has
//! its CID after the first byte exactly when the C bit is set, and NewConnectionId and
//! RequestConnectionId bodies parse without panicking.
#![no_main]

use dtls::internal::dtls13::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 11 {
        0 => {
            if let Ok(h) = parse_unified_header(body) {
                assert!(h.header_len + h.record_len <= body.len());
                assert!(is_unified(body[0]));
            }
        }
        1 => {
            if let Ok(ch) = ClientHello13::parse(body) {
                let mut out = Vec::new();
                ch.write_body(&mut out);
                assert_eq!(ClientHello13::parse(&out).as_ref(), Ok(&ch));
                let _ = ch.key_shares();
                let _ = ch.supported_versions();
                let _ = ch.extensions.cookie();
                let _ = ch.extensions.use_srtp();
                let _ = ch.extensions.u16_list(ext::SIGNATURE_ALGORITHMS);
            }
        }
        2 => {
            if let Ok(sh) = ServerHello13::parse(body) {
                let mut out = Vec::new();
                sh.write_body(&mut out);
                assert_eq!(ServerHello13::parse(&out).as_ref(), Ok(&sh));
                let _ = sh.selected_version();
                let _ = sh.key_share();
                let _ = sh.selected_group();
            }
        }
        3 => {
            if let Ok(c) = Certificate13::parse(body) {
                let mut out = Vec::new();
                c.write_body(&mut out);
                assert_eq!(Certificate13::parse(&out).as_ref(), Ok(&c));
            }
        }
        4 => {
            if let Ok(c) = CertificateRequest13::parse(body) {
                let mut out = Vec::new();
                c.write_body(&mut out);
                assert_eq!(CertificateRequest13::parse(&out).as_ref(), Ok(&c));
            }
        }
        5 => {
            if let Ok(c) = CertificateVerify13::parse(body) {
                let mut out = Vec::new();
                c.write_body(&mut out);
                assert_eq!(out, body);
            }
        }
        6 => {
            if let Ok(e) = parse_encrypted_extensions(body) {
                let mut out = Vec::new();
                write_extensions(&e, &mut out);
                assert_eq!(parse_encrypted_extensions(&out).as_ref(), Ok(&e));
            }
        }
        7 => {
            if let Ok(acks) = parse_ack(body) {
                assert_eq!(ack_body(&acks), body);
            }
            let _ = parse_key_update(body);
        }
        8 => {
            if let Ok(frags) = parse_fragments(body) {
                for f in frags {
                    assert!(f.offset as u64 + f.body.len() as u64 <= u64::from(f.length));
                }
            }
        }
        9 => {
            let Some((&cid_len, rest)) = body.split_first() else {
                return;
            };
            let cid_len = usize::from(cid_len);
            if let Ok(h) = parse_unified_header_with_cid(rest, cid_len) {
                assert!(h.header_len + h.record_len <= rest.len());
                let c = rest[0] & CID_BIT != 0;
                assert_eq!(h.cid_len, if c { cid_len } else { 0 });
                assert!(!c || cid_len > 0);
            }
            if let Ok((cids, usage)) = parse_new_connection_id(rest) {
                assert!(usage <= 1);
                assert!(cids.iter().all(|c| c.len() <= 255));
            }
            let _ = parse_request_connection_id(rest);
        }
        _ => {
            let [a, b, c, d, e, f, g, h, lo, hi, bits, ..] = body else {
                return;
            };
            let expected = u64::from_be_bytes([0, 0, *a, *b, *c, *d, *e, *f]) ^ u64::from(*g ^ *h);
            let bits = if bits % 2 == 0 { 8 } else { 16 };
            let low = u64::from(u16::from_be_bytes([*lo, *hi])) & ((1 << bits) - 1);
            let full = reconstruct(expected, low, bits);
            assert_eq!(full & ((1 << bits) - 1), low);
        }
    }
});
