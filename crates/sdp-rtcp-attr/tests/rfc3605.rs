//! The examples of RFC 3605 §2.1 and attribute lines seen in real SIP and WebRTC SDP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;

use sdp_rtcp_attr::{AddrType, Attribute, ConnectionAddress, Error, RtcpAttribute, RtcpFlag};

/// Parses `line`, checks it writes back byte for byte, and returns it.
fn exact(line: &str) -> RtcpAttribute {
    let attr: RtcpAttribute = line.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
    assert_eq!(attr.to_string(), line);
    attr
}

#[test]
fn rfc3605_example_1_port_only() {
    // m=audio 49170 RTP/AVP 0
    // a=rtcp:53020
    let attr = exact("a=rtcp:53020");
    assert_eq!(attr, RtcpAttribute::new(53020));
    assert_eq!(attr.port(), 53020);
    assert_eq!(attr.address(), None);
    assert_eq!(attr.addrtype(), None);
}

#[test]
fn rfc3605_example_2_ipv4() {
    // m=audio 49170 RTP/AVP 0
    // a=rtcp:53020 IN IP4 126.16.64.4
    let attr = exact("a=rtcp:53020 IN IP4 126.16.64.4");
    let address = ConnectionAddress::from_ip(IpAddr::V4(Ipv4Addr::new(126, 16, 64, 4))).unwrap();
    assert_eq!(attr, RtcpAttribute::with_address(53020, address));
    assert_eq!(attr.addrtype(), Some(AddrType::Ip4));
}

#[test]
fn rfc3605_example_3_ipv6_keeps_its_spelling() {
    // m=audio 49170 RTP/AVP 0
    // a=rtcp:53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD
    let attr = exact("a=rtcp:53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD");
    let address = attr.address().unwrap();
    assert_eq!(address.addrtype(), AddrType::Ip6);
    assert_eq!(
        address.ip(),
        Some(IpAddr::V6(Ipv6Addr::new(
            0x2001, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd
        )))
    );
    // The same host built from the number is written in RFC 5952 form: equal host,
    // different spelling.
    let canonical = ConnectionAddress::from_ip(address.ip().unwrap()).unwrap();
    assert!(canonical.same_host(address));
    assert_eq!(
        canonical.to_string(),
        "IN IP6 2001:2345:6789:abcd:ef01:2345:6789:abcd"
    );
}

#[test]
fn webrtc_placeholder() {
    let attr = exact("a=rtcp:9 IN IP4 0.0.0.0");
    assert_eq!(attr, RtcpAttribute::webrtc_placeholder());
    assert!(attr.address().unwrap().is_unspecified());
}

#[test]
fn sip_lines() {
    exact("a=rtcp:16385 IN IP4 198.51.100.5");
    exact("a=rtcp:65535");
    exact("a=rtcp:0");
    exact("a=rtcp:1");
    exact("a=rtcp:9 IN IP6 ::");
    exact("a=rtcp:50001 IN IP6 2001:db8::5");
    exact("a=rtcp:50001 IN IP6 ::ffff:192.0.2.1");
    exact("a=rtcp:50001 IN IP6 fe80::1");
}

#[test]
fn domain_names() {
    let attr = exact("a=rtcp:53020 IN IP4 media.example.com");
    let address = attr.address().unwrap();
    assert_eq!(address.fqdn(), Some("media.example.com"));
    assert_eq!(address.ip(), None);
    let v6 = exact("a=rtcp:53020 IN IP6 Media-1.Example.NET");
    assert_eq!(v6.addrtype(), Some(AddrType::Ip6));
    // Names compare without case, and only within one address type.
    for (addrtype, same) in [(AddrType::Ip6, true), (AddrType::Ip4, false)] {
        let other = ConnectionAddress::from_fqdn(addrtype, "media-1.example.net").unwrap();
        assert_eq!(
            v6.address().unwrap().same_host(&other),
            same,
            "{addrtype:?}"
        );
    }
    exact("a=rtcp:53020 IN IP4 mediaserver");
    exact("a=rtcp:53020 IN IP4 1.2.3.4a");
}

#[test]
fn multicast_with_ttl_and_count() {
    let attr = exact("a=rtcp:53020 IN IP4 233.252.0.1/127");
    let address = attr.address().unwrap();
    assert_eq!(address.ttl(), Some(127));
    assert_eq!(address.count(), None);
    assert!(address.is_multicast());

    let attr = exact("a=rtcp:53020 IN IP4 233.252.0.1/0/3");
    let address = attr.address().unwrap();
    assert_eq!(address.ttl(), Some(0));
    assert_eq!(address.count(), NonZeroU32::new(3));
    assert_eq!(
        *address,
        ConnectionAddress::ip4_multicast(Ipv4Addr::new(233, 252, 0, 1), 0, NonZeroU32::new(3))
            .unwrap()
    );

    exact("a=rtcp:53020 IN IP4 239.255.255.255/255/1");
    exact("a=rtcp:53020 IN IP4 224.0.0.0/1/268435456");

    let attr = exact("a=rtcp:53020 IN IP6 ff15::101/3");
    let address = attr.address().unwrap();
    assert_eq!(address.ttl(), None);
    assert_eq!(address.count(), NonZeroU32::new(3));
    exact("a=rtcp:53020 IN IP6 FF15::101");
}

#[test]
fn value_parser_matches_line_parser() {
    for value in ["53020", "53020 IN IP4 126.16.64.4", "9 IN IP6 ::"] {
        let line = format!("a=rtcp:{value}");
        assert_eq!(RtcpAttribute::parse_value(value), line.parse());
    }
}

#[test]
fn flags_round_trip() {
    for (line, flag) in [
        ("a=rtcp-mux", RtcpFlag::Mux),
        ("a=rtcp-mux-only", RtcpFlag::MuxOnly),
        ("a=rtcp-rsize", RtcpFlag::ReducedSize),
    ] {
        assert_eq!(line.parse(), Ok(flag));
        assert_eq!(flag.to_string(), line);
        assert_eq!(Attribute::parse(line), Ok(Some(Attribute::Flag(flag))));
        assert_eq!(Attribute::parse(line).unwrap().unwrap().to_string(), line);
    }
}

#[test]
fn other_attributes_are_not_ours() {
    for line in [
        "a=rtcp-fb:96 nack pli",
        "a=rtcp-xr:rcvr-rtt=all",
        "a=rtcp-muxx",
        "a=RTCP:9",
        "a=rtpmap:0 PCMU/8000",
        "m=audio 9 RTP/AVP 0",
        "",
    ] {
        assert_eq!(Attribute::parse(line), Ok(None), "{line}");
    }
    assert_eq!(
        RtcpFlag::parse("a=rtcp-fb:96 nack"),
        Err(Error::NotAttribute {
            expected: "a=rtcp-mux, a=rtcp-mux-only or a=rtcp-rsize"
        })
    );
    assert_eq!(
        RtcpFlag::parse("a=rtcp:9"),
        Err(Error::NotAttribute {
            expected: "a=rtcp-mux, a=rtcp-mux-only or a=rtcp-rsize"
        })
    );
}
