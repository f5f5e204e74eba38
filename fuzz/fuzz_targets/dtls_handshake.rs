//! DTLS handshake-message parsing (RFC 6347 §4.2.2) of arbitrary record plaintexts: never
//! panics, and every message that parses re-encodes to a body that parses to the same
//! message.
#![no_main]

use dtls::internal::{HandshakeMessage, parse_fragments};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(fragments) = parse_fragments(data) else {
        return;
    };
    for f in fragments {
        let Ok(msg) = HandshakeMessage::parse(f.header.msg_type, f.body) else {
            continue;
        };
        let mut body = Vec::new();
        msg.write_body(&mut body);
        assert_eq!(
            HandshakeMessage::parse(f.header.msg_type, &body).as_ref(),
            Ok(&msg)
        );
    }
});
