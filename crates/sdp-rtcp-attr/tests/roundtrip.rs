//! Property-style round trips with a small deterministic generator: every valid
//! attribute written and parsed again is itself, every text the parser accepts is
//! written back byte for byte, and no mutated input panics.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;

use sdp_rtcp_attr::{AddrType, Attribute, Body, ConnectionAddress, MuxPolicy, RtcpAttribute};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn label(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    let len = 1 + rng.below(12) as usize;
    let mut s: String = (0..len).map(|_| *rng.pick(CHARS) as char).collect();
    // Labels neither start nor end with a hyphen; the last byte is also kept a letter
    // so that an all-digit name never looks like an IPv4 address.
    s.replace_range(0..1, "h");
    if len > 1 {
        s.replace_range(len - 1..len, "z");
    }
    s
}

fn ip6_text(rng: &mut Rng, addr: Ipv6Addr) -> String {
    match rng.below(3) {
        0 => addr.to_string(),
        1 => addr.to_string().to_uppercase(),
        _ => addr
            .segments()
            .iter()
            .map(|s| format!("{s:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

fn count(rng: &mut Rng, max: u64) -> Option<NonZeroU32> {
    match rng.below(2) {
        0 => None,
        _ => NonZeroU32::new(1 + rng.below(max) as u32),
    }
}

/// A random valid connection address, and its expected text.
fn address(rng: &mut Rng) -> (ConnectionAddress, String) {
    match rng.below(5) {
        0 => {
            let mut v4 = Ipv4Addr::from(rng.next() as u32);
            if v4.is_multicast() {
                v4 = Ipv4Addr::from(u32::from(v4) & 0x7fff_ffff);
            }
            let a = ConnectionAddress::from_ip(v4.into()).unwrap();
            (a, format!("IN IP4 {v4}"))
        }
        1 => {
            let group = Ipv4Addr::from(0xe000_0000 | (rng.next() as u32 & 0x0fff_ffff));
            let ttl = rng.below(256) as u8;
            let room = u64::from(0xefff_ffff - u32::from(group)) + 1;
            let n = count(rng, room.min(1000));
            let a = ConnectionAddress::ip4_multicast(group, ttl, n).unwrap();
            let suffix = n.map(|n| format!("/{n}")).unwrap_or_default();
            (a, format!("IN IP4 {group}/{ttl}{suffix}"))
        }
        2 => {
            let mut v6 = Ipv6Addr::from(u128::from(rng.next()) << 64 | u128::from(rng.next()));
            if rng.below(4) == 0 {
                v6 = Ipv6Addr::from(u128::from(v6) & 0xffff); // exercise "::" forms
            }
            let text = ip6_text(rng, v6);
            let line = format!("IN IP6 {text}");
            (line.parse().unwrap(), line)
        }
        3 => {
            let group = Ipv6Addr::from(0xff00u128 << 112 | u128::from(rng.next()));
            let n = count(rng, 1000);
            let a = ConnectionAddress::ip6_multicast(group, n).unwrap();
            let suffix = n.map(|n| format!("/{n}")).unwrap_or_default();
            (a, format!("IN IP6 {group}{suffix}"))
        }
        _ => {
            let labels = 1 + rng.below(4) as usize;
            let mut name = (0..labels)
                .map(|_| label(rng))
                .collect::<Vec<_>>()
                .join(".");
            while name.len() < 4 {
                name.push_str(".org");
            }
            let addrtype = *rng.pick(&[AddrType::Ip4, AddrType::Ip6]);
            let a = ConnectionAddress::from_fqdn(addrtype, &name).unwrap();
            (a, format!("IN {addrtype} {name}"))
        }
    }
}

fn attribute(rng: &mut Rng) -> (RtcpAttribute, String) {
    let port = match rng.below(8) {
        0 => 0,
        1 => 9,
        2 => 65535,
        _ => rng.below(65536) as u16,
    };
    if rng.below(3) == 0 {
        return (RtcpAttribute::new(port), format!("a=rtcp:{port}"));
    }
    let (address, text) = address(rng);
    (
        RtcpAttribute::with_address(port, address),
        format!("a=rtcp:{port} {text}"),
    )
}

#[test]
fn generated_attributes_round_trip() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let (attr, text) = attribute(&mut rng);
        assert_eq!(attr.to_string(), text);
        assert_eq!(text.parse::<RtcpAttribute>(), Ok(attr.clone()), "{text}");
        assert_eq!(
            Attribute::parse(&text),
            Ok(Some(Attribute::Rtcp(attr))),
            "{text}"
        );
    }
}

#[test]
fn mutated_attributes_never_panic_and_round_trip_when_accepted() {
    const BYTES: &[u8] = b" 0123456789:./-+aAfFxIPN\t\r\n\x00\x7f";
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut accepted = 0;
    for _ in 0..50_000 {
        let (_, text) = attribute(&mut rng);
        let mut bytes = text.into_bytes();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() as u64 + 1) as usize;
            match rng.below(3) {
                0 => bytes.insert(at, *rng.pick(BYTES)),
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ if at < bytes.len() => bytes[at] = *rng.pick(BYTES),
                _ => {}
            }
        }
        let Ok(mutated) = String::from_utf8(bytes) else {
            continue;
        };
        if let Ok(attr) = mutated.parse::<RtcpAttribute>() {
            accepted += 1;
            assert_eq!(attr.to_string(), mutated);
        }
    }
    // The mutations must leave some inputs valid, or this test checks nothing.
    assert!(
        accepted > 1_000,
        "only {accepted} mutated inputs were valid"
    );
}

#[test]
fn generated_bodies_keep_their_attributes() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..2_000 {
        let sections = 1 + rng.below(4) as usize;
        let mut text = String::from(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n",
        );
        let mut expected = Vec::new();
        for _ in 0..sections {
            let port = 1 + rng.below(65534) as u16;
            text.push_str(&format!(
                "m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            ));
            let (attr, line) = attribute(&mut rng);
            let attr = (rng.below(2) == 0).then(|| {
                text.push_str(&line);
                text.push_str("\r\n");
                attr
            });
            expected.push(attr);
        }
        let body = Body::scan(&text).unwrap();
        let found: Vec<_> = body.media().iter().map(|m| m.rtcp().cloned()).collect();
        assert_eq!(found, expected);
        // Resolution never panics; it fails only for a=rtcp:0 on these active streams.
        for (section, attr) in body.media().iter().zip(&expected) {
            let result = section.resolve(body.session_connection(), MuxPolicy::Refuse);
            assert_eq!(
                result.is_err(),
                attr.as_ref().is_some_and(|a| a.port() == 0)
            );
        }
    }
}
