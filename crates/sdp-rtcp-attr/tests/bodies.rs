//! Whole SDP bodies: scanning, level rules and endpoint resolution.

#[path = "common/cases.rs"]
mod cases;
mod common;

use std::num::NonZeroU16;

use cases::assert_errors;
use common::{BROWSER_OFFER, SIP_OFFER, active, addr, resolve};
use sdp_rtcp_attr::{Body, Error, MediaSection, MuxPolicy, Resolution, RtcpFlag, RtcpSource};

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
    let flags = |section: &MediaSection<'_>| section.flags().iter().collect::<Vec<_>>();
    assert_eq!(flags(&media[0]), [RtcpFlag::Mux]);
    assert_eq!(flags(&media[1]), [RtcpFlag::Mux, RtcpFlag::ReducedSize]);
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
    let resolved = resolve(
        "v=0\nc=IN IP6 2001:DB8::1\nm=audio 5004 RTP/AVP 0\nm=audio 6000 RTP/AVP 0\nc=IN IP4 media.example.com\na=rtcp:7000 IN IP6 2001:db8::2\n",
    );
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
    assert!(body.media()[0].flags().contains(RtcpFlag::MuxOnly));
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
    assert_errors(Body::scan, cases);
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
    assert_errors(Body::scan, cases);
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
