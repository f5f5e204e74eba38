//! `a=rtcp` and the RTCP flag attributes: any line either fails with an error or parses
//! to a value that writes back byte for byte and parses again to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sdp_rtcp_attr::{Attribute, ConnectionAddress, RtcpAttribute};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(attr) = RtcpAttribute::parse(text) {
        let written = attr.to_string();
        assert_eq!(
            written, text,
            "a=rtcp text → attribute → text is not the identity"
        );
        assert_eq!(RtcpAttribute::parse(&written), Ok(attr));
    }
    if let Ok(attr) = RtcpAttribute::parse_value(text) {
        assert_eq!(
            attr.to_string().strip_prefix(RtcpAttribute::PREFIX),
            Some(text)
        );
    }
    if let Ok(Some(attr)) = Attribute::parse(text) {
        assert_eq!(attr.to_string(), text);
    }
    if let Ok(address) = text.parse::<ConnectionAddress>() {
        assert_eq!(address.to_string(), text);
    }
});
