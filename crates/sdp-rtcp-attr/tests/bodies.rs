//! Whole SDP bodies: scanning, level rules, endpoint resolution, offers and answers, and
//! the RFC 3605 §4 address check.

use std::net::SocketAddr;
use std::num::NonZeroU16;

use sdp_rtcp_attr::{
    Answer, Body, Endpoints, Error, LocalRtcp, LocalTransport, MuxPolicy, RejectReason, Resolution,
    RtcpAddressPolicy, RtcpSource, TransportAddress,
};

/// A Chrome-style offer: BUNDLE, ICE placeholders, rtcp-mux in every RTP section, and a
/// data channel.
const BROWSER_OFFER: &str = "v=0\r
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
s=-\r
t=0 0\r
a=group:BUNDLE 0 1 2\r
a=extmap-allow-mixed\r
a=msid-semantic: WMS stream\r
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0 8 126\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:8D:1A:BB:EA:33:0C:A4:60:A8:8E\r
a=setup:actpass\r
a=mid:0\r
a=sendrecv\r
a=msid:stream audio0\r
a=rtcp-mux\r
a=rtpmap:111 opus/48000/2\r
a=rtcp-fb:111 transport-cc\r
a=fmtp:111 minptime=10;useinbandfec=1\r
a=rtpmap:126 telephone-event/8000\r
a=ssrc:1001 cname:4TOk42mSjXCkVIa6\r
m=video 9 UDP/TLS/RTP/SAVPF 96 97\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=mid:1\r
a=sendrecv\r
a=rtcp-mux\r
a=rtcp-rsize\r
a=rtpmap:96 VP8/90000\r
a=rtcp-fb:96 nack pli\r
a=rtpmap:97 rtx/90000\r
a=fmtp:97 apt=96\r
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
c=IN IP4 0.0.0.0\r
a=mid:2\r
a=sctp-port:5000\r
";

/// A SIP phone's offer: separate RTP and RTCP ports, audio RTCP mapped by a NAT to
/// another address, video with its own c= line, and a disabled stream.
const SIP_OFFER: &str = "v=0\r
o=alice 2890844526 2890844526 IN IP4 198.51.100.5\r
s=call\r
c=IN IP4 198.51.100.5\r
t=0 0\r
m=audio 16384 RTP/AVP 0 8 101\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-15\r
a=rtcp:16385 IN IP4 203.0.113.7\r
a=sendrecv\r
m=video 16386 RTP/AVP 96\r
c=IN IP4 198.51.100.6\r
a=rtpmap:96 H264/90000\r
a=rtcp:50001\r
m=audio 16388 RTP/AVP 0\r
m=audio 0 RTP/AVP 0\r
";

fn active(resolution: &Resolution) -> &Endpoints {
    match resolution {
        Resolution::Active(endpoints) => endpoints,
        other => panic!("expected an active stream, got {other:?}"),
    }
}

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

#[test]
fn browser_offer_sections() {
    let body = Body::scan(BROWSER_OFFER).unwrap();
    assert_eq!(body.session_connection(), None);
    let media = body.media();
    assert_eq!(media.len(), 3);
    assert_eq!(
        (
            media[0].index(),
            media[0].line(),
            media[0].media(),
            media[0].port()
        ),
        (0, 8, "audio", 9)
    );
    assert_eq!(media[0].proto(), "UDP/TLS/RTP/SAVPF");
    assert_eq!(
        media[0].rtcp().unwrap().to_string(),
        "a=rtcp:9 IN IP4 0.0.0.0"
    );
    assert_eq!(media[0].rtcp_line(), Some(10));
    assert!(media[0].rtcp_mux() && !media[0].rtcp_mux_only() && !media[0].rtcp_rsize());
    assert!(media[1].rtcp_mux() && media[1].rtcp_rsize());
    assert_eq!(
        (media[2].media(), media[2].is_rtp()),
        ("application", false)
    );
    assert_eq!(media[2].rtcp(), None);
}

#[test]
fn browser_offer_resolution() {
    let body = Body::scan(BROWSER_OFFER).unwrap();
    let resolved = body.resolve(MuxPolicy::Accept).unwrap();
    assert_eq!(resolved.len(), 3);
    for section in &resolved[..2] {
        let ends = active(section);
        assert_eq!(ends.rtp().socket_addr(), Some(addr("0.0.0.0:9")));
        assert_eq!(ends.rtcp(), ends.rtp());
        assert_eq!(ends.rtcp_source(), RtcpSource::Mux);
        assert!(ends.rtcp_mux());
        assert!(ends.rtp().is_placeholder() && ends.rtcp().is_placeholder());
    }
    assert_eq!(resolved[2], Resolution::NotRtp);

    // Without multiplexing, the a=rtcp placeholder applies.
    let refused = body.resolve(MuxPolicy::Refuse).unwrap();
    let ends = active(&refused[0]);
    assert_eq!(ends.rtcp_source(), RtcpSource::Attribute);
    assert_eq!(ends.rtcp().socket_addr(), Some(addr("0.0.0.0:9")));
    assert!(!ends.rtcp_mux());
}

#[test]
fn sip_offer_resolution_with_crlf_and_lf() {
    let lf = SIP_OFFER.replace("\r\n", "\n");
    let no_final_newline = lf.trim_end_matches('\n').to_string();
    for text in [SIP_OFFER, lf.as_str(), no_final_newline.as_str()] {
        let body = Body::scan(text).unwrap();
        assert_eq!(
            body.session_connection()
                .map(ToString::to_string)
                .as_deref(),
            Some("IN IP4 198.51.100.5")
        );
        let resolved = body.resolve(MuxPolicy::Accept).unwrap();
        assert_eq!(resolved.len(), 4);

        let audio = active(&resolved[0]);
        assert_eq!(audio.rtp().socket_addr(), Some(addr("198.51.100.5:16384")));
        assert_eq!(audio.rtcp().socket_addr(), Some(addr("203.0.113.7:16385")));
        assert_eq!(audio.rtcp_source(), RtcpSource::Attribute);

        // a=rtcp without an address uses the section's own c= line.
        let video = active(&resolved[1]);
        assert_eq!(video.rtp().socket_addr(), Some(addr("198.51.100.6:16386")));
        assert_eq!(video.rtcp().socket_addr(), Some(addr("198.51.100.6:50001")));

        let second_audio = active(&resolved[2]);
        assert_eq!(
            second_audio.rtcp().socket_addr(),
            Some(addr("198.51.100.5:16389"))
        );
        assert_eq!(second_audio.rtcp_source(), RtcpSource::NextPort);

        assert_eq!(resolved[3], Resolution::Rejected);
    }
}

#[test]
fn odd_rtp_port_and_port_count() {
    let body = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=video 49171/2 RTP/AVP 31\n").unwrap();
    assert_eq!(body.media()[0].port_count(), NonZeroU16::new(2));
    let resolved = body.resolve(MuxPolicy::Accept).unwrap();
    // RFC 8866 §5.14: the m= port is the RTP port, odd or not.
    assert_eq!(active(&resolved[0]).rtcp().port(), 49172);
}

#[test]
fn fqdn_and_ipv6_connections() {
    let body = Body::scan(
        "v=0\nc=IN IP6 2001:DB8::1\nm=audio 5004 RTP/AVP 0\nm=audio 6000 RTP/AVP 0\nc=IN IP4 media.example.com\na=rtcp:7000 IN IP6 2001:db8::2\n",
    )
    .unwrap();
    let resolved = body.resolve(MuxPolicy::Accept).unwrap();
    let first = active(&resolved[0]);
    assert_eq!(first.rtcp().socket_addr(), Some(addr("[2001:db8::1]:5005")));
    assert_eq!(first.rtp().address().to_string(), "IN IP6 2001:DB8::1");
    let second = active(&resolved[1]);
    assert_eq!(second.rtp().address().fqdn(), Some("media.example.com"));
    assert_eq!(second.rtp().socket_addr(), None);
    assert_eq!(
        second.rtcp().socket_addr(),
        Some(addr("[2001:db8::2]:7000"))
    );
}

#[test]
fn bundle_only_and_mux_only() {
    let body = Body::scan(
        "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\na=rtcp-mux-only\r\na=rtcp:9 IN IP4 0.0.0.0\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\na=bundle-only\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n",
    )
    .unwrap();
    assert!(body.media()[0].rtcp_mux_only());
    assert!(body.media()[1].bundle_only());
    let accepted = body.resolve(MuxPolicy::Accept).unwrap();
    assert_eq!(active(&accepted[0]).rtcp_source(), RtcpSource::Mux);
    assert_eq!(accepted[1], Resolution::BundleOnly);
    let refused = body.resolve(MuxPolicy::Refuse).unwrap();
    assert_eq!(refused[0], Resolution::MuxRequired);
    assert_eq!(refused[1], Resolution::BundleOnly);
}

#[test]
fn level_rules() {
    let cases: &[(&str, Error)] = &[
        (
            "v=0\r\na=rtcp:53020\r\nm=audio 49170 RTP/AVP 0\r\n",
            Error::SessionLevelAttribute {
                line: 2,
                attribute: "rtcp",
            },
        ),
        (
            "v=0\na=rtcp-mux\nm=audio 49170 RTP/AVP 0\n",
            Error::SessionLevelAttribute {
                line: 2,
                attribute: "rtcp-mux",
            },
        ),
        (
            "v=0\na=rtcp-mux-only\n",
            Error::SessionLevelAttribute {
                line: 2,
                attribute: "rtcp-mux-only",
            },
        ),
        (
            "v=0\na=rtcp-rsize\n",
            Error::SessionLevelAttribute {
                line: 2,
                attribute: "rtcp-rsize",
            },
        ),
        // The level rule comes before the syntax of the misplaced line.
        (
            "v=0\na=rtcp:junk\n",
            Error::SessionLevelAttribute {
                line: 2,
                attribute: "rtcp",
            },
        ),
        (
            "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\na=sendrecv\r\na=rtcp:53022\r\n",
            Error::DuplicateRtcp {
                line: 6,
                first_line: 4,
            },
        ),
        (
            "v=0\nc=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n",
            Error::DuplicateConnection { line: 3 },
        ),
        (
            "v=0\nm=audio 1 RTP/AVP 0\nc=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n",
            Error::DuplicateConnection { line: 4 },
        ),
        (
            "v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp-mux-only\n",
            Error::MuxOnlyWithoutMux { line: 3 },
        ),
        (
            "v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp-mux\na=rtcp-mux-only\na=rtcp:5005\n",
            Error::MuxOnlyRtcpMismatch { line: 6 },
        ),
        (
            "v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp-mux\na=rtcp-mux-only\na=rtcp:5004 IN IP4 192.0.2.9\n",
            Error::MuxOnlyRtcpMismatch { line: 6 },
        ),
    ];
    for (text, error) in cases {
        assert_eq!(Body::scan(text), Err(error.clone()), "{text:?}");
    }
    // The same a=rtcp in two different sections is fine, and so is a repeated flag.
    let body = Body::scan(
        "v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp:6000\na=rtcp-mux\na=rtcp-mux\nm=audio 5006 RTP/AVP 0\na=rtcp:6000\n",
    )
    .unwrap();
    assert_eq!(body.media().len(), 2);
    // RFC 8858 §4: a=rtcp matching the RTP port and address is allowed with mux-only.
    assert!(
        Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp-mux\na=rtcp-mux-only\na=rtcp:5004 IN IP4 192.0.2.1\n")
            .is_ok()
    );
}

#[test]
fn line_errors_carry_the_line_number() {
    let at = |line: usize, error: Error| Error::AtLine {
        line,
        source: Box::new(error),
    };
    let cases: &[(&str, Error)] = &[
        (
            "v=0\nm=audio 1 RTP/AVP 0\na=rtcp:65536\n",
            at(3, Error::PortTooLarge),
        ),
        (
            "v=0\nm=audio 1 RTP/AVP 0\na=rtcp:53020 IN\n",
            at(3, Error::IncompleteAddress { tokens: 2 }),
        ),
        (
            "v=0\nm=audio 1 RTP/AVP 0\na=rtcp:1 IN IP4 ::1\r\n",
            at(
                3,
                Error::AddressTypeMismatch {
                    addrtype: sdp_rtcp_attr::AddrType::Ip4,
                },
            ),
        ),
        (
            "v=0\nm=audio 1 RTP/AVP 0\na=rtcp:1\r\r\n",
            at(
                3,
                Error::ControlCharacter {
                    offset: 8,
                    byte: b'\r',
                },
            ),
        ),
        (
            "v=0\nm=audio 1 RTP/AVP 0\na=rtcp-mux:x\n",
            at(
                3,
                Error::UnexpectedValue {
                    attribute: "rtcp-mux",
                },
            ),
        ),
        ("v=0\nc=IN IP4 300.1.1.1\n", at(2, Error::InvalidIp4Address)),
        ("v=0\nc=IN IP4\n", at(2, Error::IncompleteConnectionLine)),
        (
            "v=0\nc=IN IP4 192.0.2.1 x\n",
            at(2, Error::TrailingData { offset: 18 }),
        ),
        (
            "v=0\nc=IN  IP4 192.0.2.1\n",
            at(2, Error::UnexpectedSpace { offset: 5 }),
        ),
        (
            "v=0\nc=IN IP4 192.0.2.1\x00\n",
            at(
                2,
                Error::ControlCharacter {
                    offset: 18,
                    byte: 0,
                },
            ),
        ),
        ("v=0\nm=audio 70000 RTP/AVP 0\n", at(2, Error::PortTooLarge)),
        (
            "v=0\nm=audio -1 RTP/AVP 0\n",
            at(2, Error::PortSign { sign: '-' }),
        ),
        (
            "v=0\nm=audio 1 RTP/AVP\n",
            at(2, Error::IncompleteMediaLine),
        ),
        ("v=0\nm=audio\n", at(2, Error::IncompleteMediaLine)),
        ("v=0\nm=\n", at(2, Error::IncompleteMediaLine)),
        (
            "v=0\nm=audio 1 RTP/AVP 0 \n",
            at(2, Error::UnexpectedSpace { offset: 19 }),
        ),
        (
            "v=0\nm=audio 1/0 RTP/AVP 0\n",
            at(2, Error::InvalidPortCount),
        ),
        (
            "v=0\nm=audio 1/65536 RTP/AVP 0\n",
            at(2, Error::InvalidPortCount),
        ),
        (
            "v=0\nm=audio 1/x RTP/AVP 0\n",
            at(2, Error::InvalidPortCount),
        ),
    ];
    for (text, error) in cases {
        assert_eq!(Body::scan(text), Err(error.clone()), "{text:?}");
    }
}

#[test]
fn malformed_lines() {
    let cases: &[(&str, usize)] = &[
        ("", 1),
        ("v=0\n\nm=audio 1 RTP/AVP 0\n", 2),
        ("v=0\n\n", 2),
        ("v=0\r\nx\r\n", 2),
        ("v=0\nA=rtcp:9\n", 2),
        ("v=0\n a=rtcp:9\n", 2),
        ("v=0\na\n", 2),
        ("v=0\n=x\n", 2),
    ];
    for (text, line) in cases {
        assert_eq!(
            Body::scan(text),
            Err(Error::MalformedLine { line: *line }),
            "{text:?}"
        );
    }
}

#[test]
fn other_lines_are_ignored_unread() {
    let body = Body::scan(
        "v=0\no=whatever \x01 garbage\ns=\u{1F600}\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtpmap:this is not checked\na=rtcp-fb:*\nb=AS:bogus\na=rtcpx:1\n",
    )
    .unwrap();
    assert_eq!(body.media()[0].rtcp(), None);
}

#[test]
fn media_section_limit() {
    let mut text = String::from("v=0\nc=IN IP4 192.0.2.1\n");
    for _ in 0..Body::MAX_MEDIA_SECTIONS {
        text.push_str("m=audio 5004 RTP/AVP 0\n");
    }
    assert_eq!(
        Body::scan(&text).unwrap().media().len(),
        Body::MAX_MEDIA_SECTIONS
    );
    text.push_str("m=audio 5004 RTP/AVP 0\n");
    assert_eq!(
        Body::scan(&text),
        Err(Error::TooManyMediaSections {
            limit: Body::MAX_MEDIA_SECTIONS
        })
    );
}

#[test]
fn resolution_errors() {
    let no_c =
        Body::scan("v=0\nm=audio 5004 RTP/AVP 0\nc=IN IP4 192.0.2.1\nm=audio 5006 RTP/AVP 0\n")
            .unwrap();
    assert_eq!(
        no_c.resolve(MuxPolicy::Accept),
        Err(Error::MissingConnection { media: 1 })
    );
    let zero = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 5004 RTP/AVP 0\na=rtcp:0\n").unwrap();
    assert_eq!(
        zero.resolve(MuxPolicy::Accept),
        Err(Error::RtcpPortZero { media: 0 })
    );
    // ...but a=rtcp:0 on a rejected stream is harmless.
    let rejected = Body::scan("v=0\nm=audio 0 RTP/AVP 0\na=rtcp:0\n").unwrap();
    assert_eq!(
        rejected.resolve(MuxPolicy::Accept),
        Ok(vec![Resolution::Rejected])
    );
    let top = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 65535 RTP/AVP 0\n").unwrap();
    assert_eq!(
        top.resolve(MuxPolicy::Accept),
        Err(Error::RtcpPortOverflow { media: 0 })
    );
    let top_mux =
        Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 65535 RTP/AVP 0\na=rtcp-mux\n").unwrap();
    assert_eq!(
        active(&top_mux.resolve(MuxPolicy::Accept).unwrap()[0])
            .rtcp()
            .port(),
        65535
    );
}

fn transport(local: &str, mapped: Option<&str>) -> TransportAddress {
    TransportAddress::new(addr(local), mapped.map(addr)).unwrap()
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
    assert!(rsize.rtcp_rsize() && rsize.rtcp_mux() && rsize.rtcp_mux_only());
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
        let expected = if offer.rtcp_mux() {
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
    let local = LocalTransport::new(
        rtp,
        LocalRtcp::Separate(transport("192.0.2.50:6001", None)),
        false,
    );
    // The offer's a=rtcp:16385 IN IP4 203.0.113.7 is the offerer's; the answer has
    // nothing to say because our RTCP is on RTP port + 1.
    let Answer::Accept(answer) = local.answer(&offer.media()[0]) else {
        panic!()
    };
    assert_eq!(answer.rtcp_attribute(), None);
    assert_eq!(answer.to_string(), "");
    assert_eq!(answer.rtp(), addr("192.0.2.50:6000"));
    assert_eq!(answer.rtcp(), addr("192.0.2.50:6001"));

    let local = LocalTransport::new(
        rtp,
        LocalRtcp::Separate(transport("192.0.2.50:6011", None)),
        false,
    );
    let Answer::Accept(answer) = local.answer(&offer.media()[1]) else {
        panic!()
    };
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
    let Answer::Accept(audio) = mux_only.answer(&offer.media()[0]) else {
        panic!()
    };
    // Multiplexed on our RTP port; never rtcp-mux-only in an answer (RFC 8858 §4); no
    // rtcp-rsize because the audio offer lacks it (RFC 5506 §5).
    assert_eq!(audio.to_string(), "a=rtcp:61000\r\na=rtcp-mux\r\n");
    assert_eq!(audio.rtcp(), audio.rtp());
    let Answer::Accept(video) = mux_only.answer(&offer.media()[1]) else {
        panic!()
    };
    assert_eq!(
        video.to_string(),
        "a=rtcp:61000\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
    );
    assert_eq!(
        mux_only.answer(&offer.media()[2]),
        Answer::Reject(RejectReason::NotRtp)
    );

    // Able to multiplex but with a fallback port: multiplexing wins.
    let either = LocalTransport::new(
        rtp,
        LocalRtcp::MuxOrSeparate(transport("10.1.1.1:50001", None)),
        false,
    );
    let Answer::Accept(audio) = either.answer(&offer.media()[0]) else {
        panic!()
    };
    assert!(audio.rtcp_mux());
    assert_eq!(audio.rtcp(), addr("203.0.113.30:61000"));

    // Unable to multiplex: separate RTCP; the offer only said it could multiplex.
    let separate = LocalTransport::new(
        rtp,
        LocalRtcp::Separate(transport("10.1.1.1:50001", Some("203.0.113.30:61001"))),
        false,
    );
    let Answer::Accept(audio) = separate.answer(&offer.media()[0]) else {
        panic!()
    };
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
    let separate = LocalTransport::new(
        rtp,
        LocalRtcp::Separate(transport("192.0.2.9:7001", None)),
        false,
    );
    assert_eq!(
        separate.answer(&mux_only_offer.media()[0]),
        Answer::Reject(RejectReason::OfferRequiresMux)
    );
    let mux_only = LocalTransport::new(rtp, LocalRtcp::MuxOnly, false);
    assert_eq!(
        mux_only.answer(&plain_offer.media()[0]),
        Answer::Reject(RejectReason::LocalRequiresMux)
    );
    let either = LocalTransport::new(
        rtp,
        LocalRtcp::MuxOrSeparate(transport("192.0.2.9:7001", None)),
        false,
    );
    let Answer::Accept(answer) = either.answer(&plain_offer.media()[0]) else {
        panic!()
    };
    // RFC 8035: no rtcp-mux in an answer to an offer without it.
    assert_eq!(answer.to_string(), "");
}

#[test]
fn rfc3605_section_4_address_check() {
    let body = Body::scan(
        "v=0\r\nc=IN IP4 198.51.100.5\r\nm=audio 16384 RTP/AVP 0\r\na=rtcp:16389 IN IP4 198.51.100.5\r\nm=audio 16390 RTP/AVP 0\r\na=rtcp:16391 IN IP4 203.0.113.7\r\nm=audio 16392 RTP/AVP 0\r\na=rtcp:16393 IN IP6 ::ffff:198.51.100.5\r\nm=audio 16394 RTP/AVP 0\r\nc=IN IP4 host.example.com\r\na=rtcp:1 IN IP4 HOST.example.com\r\nm=audio 16396 RTP/AVP 0\r\nc=IN IP4 host.example.com\r\na=rtcp:1 IN IP4 other.example.com\r\n",
    )
    .unwrap();
    let resolved = body.resolve(MuxPolicy::Accept).unwrap();
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
