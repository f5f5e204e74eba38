//! Every malformed attribute gets its own error variant.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;

use sdp_rtcp_attr::{
    AddrType, Attribute, ConnectionAddress, Error, RtcpAttribute, RtcpFlag, TransportAddress,
    rtcp_attribute_for,
};

#[path = "common/cases.rs"]
mod cases;

use cases::assert_errors;

fn rtcp(line: &str) -> Result<RtcpAttribute, Error> {
    line.parse()
}

/// Parses `a=rtcp:53020 IN <rest>`: the cases about the address name only what follows.
fn address(rest: &str) -> Result<RtcpAttribute, Error> {
    rtcp(&format!("a=rtcp:53020 IN {rest}"))
}

fn space(offset: usize) -> Error {
    Error::UnexpectedSpace { offset }
}

fn control(offset: usize, byte: u8) -> Error {
    Error::ControlCharacter { offset, byte }
}

fn takes_no_value(attribute: &'static str) -> Error {
    Error::UnexpectedValue { attribute }
}

fn mismatch(addrtype: AddrType) -> Error {
    Error::AddressTypeMismatch { addrtype }
}

#[test]
fn port_errors() {
    let cases: &[(&str, Error)] = &[
        ("a=rtcp:", Error::MissingPort),
        ("a=rtcp", Error::MissingPort),
        ("a=rtcp:65536", Error::PortTooLarge),
        ("a=rtcp:99999", Error::PortTooLarge),
        ("a=rtcp:4294967296", Error::PortTooLarge),
        ("a=rtcp:123456789012345678901234567890", Error::PortTooLarge),
        ("a=rtcp:053020", Error::PortLeadingZero),
        ("a=rtcp:00", Error::PortLeadingZero),
        ("a=rtcp:+53020", Error::PortSign { sign: '+' }),
        ("a=rtcp:-1", Error::PortSign { sign: '-' }),
        ("a=rtcp:5302a", Error::PortNotDigit { found: 'a' }),
        ("a=rtcp:0x10", Error::PortNotDigit { found: 'x' }),
        ("a=rtcp:53.5", Error::PortNotDigit { found: '.' }),
        ("a=rtcp:49170/2", Error::PortNotDigit { found: '/' }),
        ("a=rtcp:IN IP4 1.2.3.4", Error::PortNotDigit { found: 'I' }),
        ("a=rtcp:５３０２０", Error::PortNotDigit { found: '５' }),
        (
            "a=rtcp:5302b IN IP4 126.16.64.4",
            Error::PortNotDigit { found: 'b' },
        ),
        ("a=rtcp:70000 IN", Error::PortTooLarge),
    ];
    assert_errors(rtcp, cases);
}

#[test]
fn token_count_errors() {
    let cases: &[(&str, Error)] = &[
        ("a=rtcp:53020 IN", Error::IncompleteAddress { tokens: 2 }),
        (
            "a=rtcp:53020 IN IP4",
            Error::IncompleteAddress { tokens: 3 },
        ),
        (
            "a=rtcp:53020 IN IP4 126.16.64.4 extra",
            Error::TrailingData { offset: 31 },
        ),
        (
            "a=rtcp:53020 IN IP4 126.16.64.4 IN IP4 1.2.3.4",
            Error::TrailingData { offset: 31 },
        ),
    ];
    assert_errors(rtcp, cases);
}

#[test]
fn whitespace_errors() {
    let cases: &[(&str, Error)] = &[
        ("a=rtcp: 53020", space(7)),
        ("a=rtcp:53020 ", space(12)),
        ("a=rtcp:53020  IN IP4 1.2.3.4", space(13)),
        ("a=rtcp:53020 IN  IP4 1.2.3.4", space(16)),
        ("a=rtcp:53020 IN IP4 1.2.3.4 ", space(27)),
        ("a=rtcp: ", space(7)),
        ("a=rtcp 53020", space(6)),
        ("a=rtcp:53020\tIN IP4 1.2.3.4", control(12, b'\t')),
        ("a=rtcp:53020\r\n", control(12, b'\r')),
        ("a=rtcp:53020\n", control(12, b'\n')),
        ("a=rtcp:53020\0", control(12, 0)),
        ("a=rtcp:53\x7f020", control(9, 0x7f)),
        ("a=rtcp:53020 IN IP4 1.2.3.4\x1b", control(27, 0x1b)),
    ];
    assert_errors(rtcp, cases);
}

#[test]
fn framing_errors() {
    let not_rtcp = Error::NotAttribute {
        expected: "a=rtcp:",
    };
    for line in [
        "a=rtcpx:9",
        "a=rtcp-mux",
        "a=RTCP:9",
        "rtcp:9",
        " a=rtcp:9",
        "a =rtcp:9",
        "",
    ] {
        assert_eq!(rtcp(line), Err(not_rtcp.clone()), "{line:?}");
    }
    let cases: &[(&str, Error)] = &[
        ("a=rtcp-mux:1", takes_no_value("rtcp-mux")),
        ("a=rtcp-mux:", takes_no_value("rtcp-mux")),
        ("a=rtcp-mux-only:yes", takes_no_value("rtcp-mux-only")),
        ("a=rtcp-rsize:", takes_no_value("rtcp-rsize")),
        ("a=rtcp-mux\r", control(10, b'\r')),
        ("a=rtcp-rsize extra", takes_no_value("rtcp-rsize")),
    ];
    assert_errors(Attribute::parse, cases);
    assert_errors(RtcpFlag::parse, cases);
}

#[test]
fn type_errors() {
    let cases: &[(&str, Error)] = &[
        (
            "a=rtcp:53020 ATM NSAP 47.0005.80",
            Error::UnsupportedNetType,
        ),
        ("a=rtcp:53020 in IP4 1.2.3.4", Error::UnsupportedNetType),
        ("a=rtcp:53020 IN IP5 1.2.3.4", Error::UnsupportedAddrType),
        ("a=rtcp:53020 IN ip4 1.2.3.4", Error::UnsupportedAddrType),
        ("a=rtcp:53020 IN IP4 2001:db8::1", mismatch(AddrType::Ip4)),
        ("a=rtcp:53020 IN IP6 126.16.64.4", mismatch(AddrType::Ip6)),
        (
            "a=rtcp:53020 IN IP6 233.252.0.1/127",
            mismatch(AddrType::Ip6),
        ),
    ];
    assert_errors(rtcp, cases);
}

#[test]
fn address_errors() {
    let cases: &[(&str, Error)] = &[
        ("IP4 126.16.64.256", Error::InvalidIp4Address),
        ("IP4 126.016.64.4", Error::InvalidIp4Address),
        ("IP4 126.16.64", Error::InvalidIp4Address),
        ("IP4 126.16.64.4.5", Error::InvalidIp4Address),
        ("IP4 126..64.4", Error::InvalidIp4Address),
        ("IP4 1234", Error::InvalidIp4Address),
        ("IP4 /127", Error::InvalidIp4Address),
        ("IP4 zz::1", Error::InvalidIp4Address),
        ("IP6 2001:db8::1::2", Error::InvalidIp6Address),
        ("IP6 2001:db8:::1", Error::InvalidIp6Address),
        ("IP6 2001:db8::12345", Error::InvalidIp6Address),
        ("IP6 fe80::1%eth0", Error::InvalidIp6Address),
        ("IP6 [2001:db8::1]", Error::InvalidIp6Address),
        ("IP6 1.2.3.999", Error::InvalidIp6Address),
        ("IP6 ::ffff:1.2.3.04", Error::InvalidIp6Address),
        ("IP4 a.b", Error::InvalidFqdn),
        ("IP4 -host.example", Error::InvalidFqdn),
        ("IP4 host-.example", Error::InvalidFqdn),
        ("IP4 host..example", Error::InvalidFqdn),
        ("IP4 host.example.", Error::InvalidFqdn),
        ("IP4 host_1.example", Error::InvalidFqdn),
        ("IP4 hôte.example", Error::InvalidFqdn),
        ("IP4 host.example/127", Error::SuffixOnFqdn),
    ];
    assert_errors(address, cases);
    let long_label = format!("a=rtcp:1 IN IP4 {}.example", "a".repeat(64));
    assert_eq!(rtcp(&long_label), Err(Error::InvalidFqdn));
    let long_name = format!("a=rtcp:1 IN IP4 {}a", "abcdefghi.".repeat(26));
    assert_eq!(rtcp(&long_name), Err(Error::InvalidFqdn));
}

#[test]
fn multicast_errors() {
    let cases: &[(&str, Error)] = &[
        ("IP4 233.252.0.1", Error::MissingTtl),
        ("IP4 233.252.0.1/", Error::InvalidTtl),
        ("IP4 233.252.0.1/256", Error::InvalidTtl),
        ("IP4 233.252.0.1/0127", Error::InvalidTtl),
        ("IP4 233.252.0.1/00", Error::InvalidTtl),
        ("IP4 233.252.0.1/-1", Error::InvalidTtl),
        ("IP4 233.252.0.1/127/", Error::InvalidAddressCount),
        ("IP4 233.252.0.1/127/0", Error::InvalidAddressCount),
        ("IP4 233.252.0.1/127/03", Error::InvalidAddressCount),
        ("IP4 233.252.0.1/127/3/4", Error::InvalidAddressCount),
        ("IP4 233.252.0.1/127/4294967296", Error::InvalidAddressCount),
        ("IP4 239.255.255.255/127/2", Error::MulticastRangeOverflow),
        ("IP4 224.0.0.0/1/268435457", Error::MulticastRangeOverflow),
        ("IP4 126.16.64.4/127", Error::SuffixOnUnicast),
        ("IP6 2001:db8::1/3", Error::SuffixOnUnicast),
        ("IP6 ff15::101/127/3", Error::TtlOnIp6),
        ("IP6 ff15::101/0", Error::InvalidAddressCount),
        ("IP6 ff15::101/", Error::InvalidAddressCount),
        (
            "IP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/2",
            Error::MulticastRangeOverflow,
        ),
    ];
    assert_errors(address, cases);
}

#[test]
fn constructors_validate() {
    let group = Ipv4Addr::new(233, 252, 0, 1);
    assert_eq!(
        ConnectionAddress::from_ip(IpAddr::V4(group)),
        Err(Error::MissingTtl)
    );
    assert_eq!(
        ConnectionAddress::ip4_multicast(Ipv4Addr::new(192, 0, 2, 1), 1, None),
        Err(Error::NotMulticast)
    );
    assert_eq!(
        ConnectionAddress::ip4_multicast(Ipv4Addr::new(239, 255, 255, 254), 1, NonZeroU32::new(3)),
        Err(Error::MulticastRangeOverflow)
    );
    assert!(
        ConnectionAddress::ip4_multicast(Ipv4Addr::new(239, 255, 255, 254), 1, NonZeroU32::new(2))
            .is_ok()
    );
    assert_eq!(
        ConnectionAddress::ip6_multicast(Ipv6Addr::LOCALHOST, None),
        Err(Error::NotMulticast)
    );
    assert_eq!(
        ConnectionAddress::from_fqdn(AddrType::Ip4, "192.0.2.1"),
        Err(Error::InvalidFqdn)
    );
    assert_eq!(
        ConnectionAddress::from_fqdn(AddrType::Ip4, "x"),
        Err(Error::InvalidFqdn)
    );
    let local = "10.0.0.1:0".parse().unwrap();
    assert_eq!(TransportAddress::new(local, None), Err(Error::ZeroPort));
    let ok = "10.0.0.1:5004".parse().unwrap();
    assert_eq!(
        TransportAddress::new(ok, Some("203.0.113.1:0".parse().unwrap())),
        Err(Error::ZeroPort)
    );
    assert_eq!(
        TransportAddress::new("233.252.0.1:5004".parse().unwrap(), None),
        Err(Error::MulticastTransport)
    );
    assert_eq!(
        rtcp_attribute_for(ok, "[ff15::1]:5005".parse().unwrap()),
        Err(Error::MulticastTransport)
    );
}

#[test]
fn connection_address_from_str() {
    let address: ConnectionAddress = "IN IP4 192.0.2.1".parse().unwrap();
    assert_eq!(address.to_string(), "IN IP4 192.0.2.1");
    assert_eq!(
        "IN IP4".parse::<ConnectionAddress>(),
        Err(Error::IncompleteConnectionLine)
    );
    assert_eq!(
        "IN IP4 192.0.2.1 x".parse::<ConnectionAddress>(),
        Err(Error::TrailingData { offset: 16 })
    );
    assert_eq!(
        "".parse::<ConnectionAddress>(),
        Err(Error::IncompleteConnectionLine)
    );
}

#[test]
fn errors_name_the_rfc() {
    assert_eq!(
        Error::MissingPort.to_string(),
        "the port is missing (RFC 3605 §2.1, RFC 8866 §5.14)"
    );
    let wrapped = Error::AtLine {
        line: 7,
        source: Box::new(Error::PortTooLarge),
    };
    assert_eq!(wrapped.to_string(), "line 7");
    assert_eq!(
        std::error::Error::source(&wrapped).map(ToString::to_string),
        Some("port is larger than 65535".to_string())
    );
}
