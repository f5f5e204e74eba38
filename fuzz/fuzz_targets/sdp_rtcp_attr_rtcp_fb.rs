//! `a=rtcp-fb` (RFC 4585 §4.2): any line either fails with an error or parses to a value
//! that writes back byte for byte and parses again to itself; the feedback set of any
//! payload type built from it writes lines that parse back to the same set.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sdp_rtcp_attr::{FeedbackPayloadType, FeedbackSet, RtcpFb};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fb) = RtcpFb::parse(text) {
        let written = fb.to_string();
        assert_eq!(written, text, "a=rtcp-fb text → attribute → text is not the identity");
        assert_eq!(RtcpFb::parse(&written), Ok(fb.clone()));
        let pt = match fb.payload_type {
            FeedbackPayloadType::Any => 96,
            FeedbackPayloadType::Type(pt) => pt,
        };
        let set = FeedbackSet::for_payload_type([&fb], pt);
        let lines = set.lines(FeedbackPayloadType::Type(pt));
        assert_eq!(FeedbackSet::for_payload_type(&lines, pt), set);
    }
    if let Ok(fb) = RtcpFb::parse_value(text) {
        assert_eq!(fb.to_string().strip_prefix(RtcpFb::PREFIX), Some(text));
    }
});
