//! The local direction: offers and answers built from local and NAT-mapped transport
//! addresses, and the RFC 3605 §4 address check.

mod common;

use common::{BROWSER_OFFER, SIP_OFFER, active, addr, resolve};
use sdp_rtcp_attr::{
    Advertisement, Answer, Body, Endpoints, LocalRtcp, LocalTransport, MediaSection, MuxPolicy,
    RejectReason, Resolution, RtcpAddressPolicy, RtcpFlag, TransportAddress,
};

fn transport(local: &str, mapped: Option<&str>) -> TransportAddress {
    TransportAddress::new(addr(local), mapped.map(addr)).unwrap()
}

/// A local transport with RTCP on its own port `rtcp` (mapped by a NAT to `mapped`).
fn separate(rtp: TransportAddress, rtcp: &str, mapped: Option<&str>) -> LocalTransport {
    LocalTransport::new(rtp, LocalRtcp::Separate(transport(rtcp, mapped)), false)
}

/// A local transport that multiplexes when offered, with `rtcp` as its fallback port.
fn mux_or_separate(rtp: TransportAddress, rtcp: &str) -> LocalTransport {
    LocalTransport::new(rtp, LocalRtcp::MuxOrSeparate(transport(rtcp, None)), false)
}

/// The answer `local` gives to `section`, which must accept the stream.
fn accepted(local: &LocalTransport, section: &MediaSection<'_>) -> Advertisement {
    match local.answer(section) {
        Answer::Accept(answer) => answer,
        other => panic!("expected an accepted stream, got {other:?}"),
    }
}

#[test]
fn offers_emit_rtcp_only_when_needed() {
    let rtp = transport("192.0.2.10:5004", None);
    let cases: &[(LocalRtcp, &str)] = &[
        (LocalRtcp::Separate(transport("192.0.2.10:5005", None)), ""),
        (
            LocalRtcp::Separate(transport("192.0.2.10:5007", None)),
            "a=rtcp:5007\r\n",
        ),
        (
            LocalRtcp::Separate(transport("192.0.2.11:5005", None)),
            "a=rtcp:5005 IN IP4 192.0.2.11\r\n",
        ),
        (
            LocalRtcp::Separate(transport("[2001:db8::11]:5005", None)),
            "a=rtcp:5005 IN IP6 2001:db8::11\r\n",
        ),
        (
            LocalRtcp::MuxOrSeparate(transport("192.0.2.10:5005", None)),
            "a=rtcp-mux\r\n",
        ),
        (
            LocalRtcp::MuxOnly,
            "a=rtcp:5004\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n",
        ),
    ];
    for (rtcp, lines) in cases {
        let offer = LocalTransport::new(rtp, *rtcp, false).offer();
        assert_eq!(offer.to_string(), *lines, "{rtcp:?}");
        assert_eq!(offer.rtp(), addr("192.0.2.10:5004"));
    }
    let rsize = LocalTransport::new(rtp, LocalRtcp::MuxOnly, true).offer();
    assert_eq!(rsize.flags().iter().collect::<Vec<_>>(), RtcpFlag::ALL);
    assert_eq!(rsize.rtcp(), addr("192.0.2.10:5004"));
}

#[test]
fn offers_behind_nat_use_the_mapped_addresses() {
    // Local ports are consecutive, but the NAT maps them apart: the offer must say so.
    let rtp = transport("10.0.0.2:5004", Some("203.0.113.20:40000"));
    let rtcp = transport("10.0.0.2:5005", Some("203.0.113.20:40007"));
    let offer = LocalTransport::new(rtp, LocalRtcp::Separate(rtcp), false).offer();
    assert_eq!(offer.rtp(), addr("203.0.113.20:40000"));
    assert_eq!(offer.to_string(), "a=rtcp:40007\r\n");
    // Mapped consecutively: nothing to say.
    let rtcp = transport("10.0.0.2:5005", Some("203.0.113.20:40001"));
    let offer = LocalTransport::new(rtp, LocalRtcp::Separate(rtcp), false).offer();
    assert_eq!(offer.rtcp_attribute(), None);
    // Mapped to another public address.
    let rtcp = transport("10.0.0.2:5005", Some("203.0.113.21:40001"));
    let offer = LocalTransport::new(rtp, LocalRtcp::Separate(rtcp), false).offer();
    assert_eq!(offer.to_string(), "a=rtcp:40001 IN IP4 203.0.113.21\r\n");
}

#[test]
fn advertised_offers_resolve_back_to_the_advertised_addresses() {
    let rtp = transport("10.0.0.2:5004", Some("203.0.113.20:40000"));
    for rtcp in [
        LocalRtcp::Separate(transport("10.0.0.2:5005", Some("203.0.113.20:40001"))),
        LocalRtcp::Separate(transport("10.0.0.2:5005", Some("203.0.113.20:40007"))),
        LocalRtcp::Separate(transport("10.0.0.2:5005", Some("198.51.100.1:9999"))),
        LocalRtcp::MuxOrSeparate(transport("10.0.0.2:5005", Some("198.51.100.1:9999"))),
        LocalRtcp::MuxOnly,
    ] {
        let offer = LocalTransport::new(rtp, rtcp, true).offer();
        let text = format!(
            "v=0\r\nc=IN IP4 {}\r\nm=audio {} RTP/AVP 0\r\n{offer}",
            offer.rtp().ip(),
            offer.rtp().port()
        );
        let body = Body::scan(&text).unwrap();
        // A peer that does not multiplex must find our separate (or only) RTCP port.
        let ends = body.resolve(MuxPolicy::Refuse).unwrap();
        if let LocalRtcp::MuxOnly = rtcp {
            assert_eq!(ends[0], Resolution::MuxRequired);
        } else {
            assert_eq!(
                active(&ends[0]).rtcp().socket_addr(),
                Some(offer.rtcp()),
                "{text}"
            );
        }
        let ends = body.resolve(MuxPolicy::Accept).unwrap();
        let expected = if offer.flags().contains(RtcpFlag::Mux) {
            offer.rtp()
        } else {
            offer.rtcp()
        };
        assert_eq!(
            active(&ends[0]).rtcp().socket_addr(),
            Some(expected),
            "{text}"
        );
    }
}

#[test]
fn answers_carry_the_answerers_own_rtcp_port() {
    let offer = Body::scan(SIP_OFFER).unwrap();
    let rtp = transport("192.0.2.50:6000", None);
    let local = separate(rtp, "192.0.2.50:6001", None);
    // The offer's a=rtcp:16385 IN IP4 203.0.113.7 is the offerer's; the answer has
    // nothing to say because our RTCP is on RTP port + 1.
    let answer = accepted(&local, &offer.media()[0]);
    assert_eq!(answer.rtcp_attribute(), None);
    assert_eq!(answer.to_string(), "");
    assert_eq!(answer.rtp(), addr("192.0.2.50:6000"));
    assert_eq!(answer.rtcp(), addr("192.0.2.50:6001"));

    let local = separate(rtp, "192.0.2.50:6011", None);
    let answer = accepted(&local, &offer.media()[1]);
    assert_eq!(answer.to_string(), "a=rtcp:6011\r\n");
    assert!(!answer.to_string().contains("50001"));

    assert_eq!(
        local.answer(&offer.media()[3]),
        Answer::Reject(RejectReason::OfferedPortZero)
    );
}

#[test]
fn answers_to_a_browser_offer() {
    let offer = Body::scan(BROWSER_OFFER).unwrap();
    let rtp = transport("10.1.1.1:50000", Some("203.0.113.30:61000"));
    let mux_only = LocalTransport::new(rtp, LocalRtcp::MuxOnly, true);
    let audio = accepted(&mux_only, &offer.media()[0]);
    // Multiplexed on our RTP port; never rtcp-mux-only in an answer (RFC 8858 §4); no
    // rtcp-rsize because the audio offer lacks it (RFC 5506 §5).
    assert_eq!(audio.to_string(), "a=rtcp:61000\r\na=rtcp-mux\r\n");
    assert_eq!(audio.rtcp(), audio.rtp());
    let video = accepted(&mux_only, &offer.media()[1]);
    assert_eq!(
        video.to_string(),
        "a=rtcp:61000\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
    );
    assert_eq!(
        mux_only.answer(&offer.media()[2]),
        Answer::Reject(RejectReason::NotRtp)
    );

    // Able to multiplex but with a fallback port: multiplexing wins.
    let either = mux_or_separate(rtp, "10.1.1.1:50001");
    let audio = accepted(&either, &offer.media()[0]);
    assert!(audio.flags().contains(RtcpFlag::Mux));
    assert_eq!(audio.rtcp(), addr("203.0.113.30:61000"));

    // Unable to multiplex: separate RTCP; the offer only said it could multiplex.
    let separate = separate(rtp, "10.1.1.1:50001", Some("203.0.113.30:61001"));
    let audio = accepted(&separate, &offer.media()[0]);
    assert_eq!(audio.to_string(), "");
}

#[test]
fn mux_rejections() {
    let mux_only_offer = Body::scan(
        "v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 UDP/TLS/RTP/SAVPF 111\na=rtcp-mux\na=rtcp-mux-only\n",
    )
    .unwrap();
    let plain_offer = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\n").unwrap();
    let rtp = transport("192.0.2.9:7000", None);
    let separate = separate(rtp, "192.0.2.9:7001", None);
    assert_eq!(
        separate.answer(&mux_only_offer.media()[0]),
        Answer::Reject(RejectReason::OfferRequiresMux)
    );
    let mux_only = LocalTransport::new(rtp, LocalRtcp::MuxOnly, false);
    assert_eq!(
        mux_only.answer(&plain_offer.media()[0]),
        Answer::Reject(RejectReason::LocalRequiresMux)
    );
    let either = mux_or_separate(rtp, "192.0.2.9:7001");
    let answer = accepted(&either, &plain_offer.media()[0]);
    // RFC 8035: no rtcp-mux in an answer to an offer without it.
    assert_eq!(answer.to_string(), "");
}

#[test]
fn rfc3605_section_4_address_check() {
    let resolved = resolve(
        "v=0\r\nc=IN IP4 198.51.100.5\r\nm=audio 16384 RTP/AVP 0\r\na=rtcp:16389 IN IP4 198.51.100.5\r\nm=audio 16390 RTP/AVP 0\r\na=rtcp:16391 IN IP4 203.0.113.7\r\nm=audio 16392 RTP/AVP 0\r\na=rtcp:16393 IN IP6 ::ffff:198.51.100.5\r\nm=audio 16394 RTP/AVP 0\r\nc=IN IP4 host.example.com\r\na=rtcp:1 IN IP4 HOST.example.com\r\nm=audio 16396 RTP/AVP 0\r\nc=IN IP4 host.example.com\r\na=rtcp:1 IN IP4 other.example.com\r\n",
    );
    let ends: Vec<&Endpoints> = resolved.iter().map(active).collect();
    let strict = RtcpAddressPolicy::rtp_address_only();
    assert!(strict.networks().is_empty());
    assert_eq!(
        ends.iter().map(|e| strict.accepts(e)).collect::<Vec<_>>(),
        [true, false, true, true, false]
    );
    let open = RtcpAddressPolicy::with_networks([
        "203.0.113.0/24".parse().unwrap(),
        "2001:db8::/32".parse().unwrap(),
    ]);
    assert_eq!(
        ends.iter().map(|e| open.accepts(e)).collect::<Vec<_>>(),
        [true, true, true, true, false]
    );
    let narrow = RtcpAddressPolicy::with_networks(["203.0.113.8/29".parse().unwrap()]);
    assert!(!narrow.accepts(ends[1]));
}
