//! The SDP body scanner and endpoint resolution: any body either fails with an error or
//! scans, and its sections resolve (or fail) without panicking under both mux policies;
//! every a=rtcp found writes back to a line that parses to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sdp_rtcp_attr::{
    Body, LocalRtcp, LocalTransport, MuxPolicy, Resolution, RtcpAddressPolicy, RtcpAttribute,
    TransportAddress,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(body) = Body::scan(text) else {
        return;
    };
    assert!(body.media().len() <= Body::MAX_MEDIA_SECTIONS);
    let policy = RtcpAddressPolicy::rtp_address_only();
    for mux in [MuxPolicy::Accept, MuxPolicy::Refuse] {
        if let Ok(resolved) = body.resolve(mux) {
            for resolution in &resolved {
                if let Resolution::Active(ends) = resolution {
                    let _ = policy.accepts(ends);
                    assert_ne!(ends.rtcp().port(), 0);
                }
            }
        }
    }
    let local = LocalTransport::new(
        TransportAddress::new(([192, 0, 2, 1], 5004).into(), None).expect("valid"),
        LocalRtcp::MuxOrSeparate(
            TransportAddress::new(([192, 0, 2, 1], 5005).into(), None).expect("valid"),
        ),
        true,
    );
    for section in body.media() {
        if let Some(attr) = section.rtcp() {
            assert_eq!(RtcpAttribute::parse(&attr.to_string()).as_ref(), Ok(attr));
        }
        let _ = local.answer(section);
    }
});
