//! The connection address of `a=rtcp` and `c=`: `nettype SP addrtype SP
//! connection-address` (RFC 8866 §5.7 and §9), with unicast IPv4 and IPv6, IPv4
//! multicast with TTL and address count, IPv6 multicast with address count, and domain
//! names.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;
use std::str::FromStr;

use crate::Error;
use crate::syntax;

/// The only network type RFC 8866 §5.7 defines: `IN`, the Internet.
pub const NETTYPE_IN: &str = "IN";

/// The address type of a connection address (RFC 8866 §5.7): `IP4` or `IP6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrType {
    /// `IP4`: an IPv4 address or a domain name to be resolved to one.
    Ip4,
    /// `IP6`: an IPv6 address or a domain name to be resolved to one.
    Ip6,
}

impl AddrType {
    /// The token as it appears in SDP: `IP4` or `IP6`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrType::Ip4 => "IP4",
            AddrType::Ip6 => "IP6",
        }
    }

    /// Parses the `addrtype` token; any token other than `IP4` or `IP6` (tokens are
    /// case-sensitive in SDP) is [`Error::UnsupportedAddrType`].
    pub fn parse(token: &str) -> Result<Self, Error> {
        match token {
            "IP4" => Ok(AddrType::Ip4),
            "IP6" => Ok(AddrType::Ip6),
            _ => Err(Error::UnsupportedAddrType),
        }
    }
}

impl fmt::Display for AddrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A connection address with its network and address type, as written after `c=` or
/// after the port of `a=rtcp` (RFC 8866 §5.7): `IN IP4 192.0.2.1`,
/// `IN IP4 233.252.0.1/127/3`, `IN IP6 2001:db8::1`, `IN IP6 ff15::101/3`,
/// `IN IP4 host.example.com`.
///
/// Constructors check every rule of RFC 8866 §5.7, so a value always writes back as
/// valid SDP. The network type is always `IN`; other network types are refused
/// ([`Error::UnsupportedNetType`]).
///
/// Round trips are exact: IPv4 text has one spelling (no leading zeros, RFC 8866 §9), and
/// IPv6 and domain-name text are kept as written (`2001:DB8::1` stays upper case). Compare
/// hosts with [`ConnectionAddress::same_host`] rather than `==`, which also compares the
/// spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionAddress {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    Ip4(Ipv4Addr),
    Ip4Multicast {
        group: Ipv4Addr,
        ttl: u8,
        count: Option<NonZeroU32>,
    },
    /// Unicast or multicast; `count` only ever set for multicast.
    Ip6 {
        addr: Ipv6Addr,
        text: Box<str>,
        count: Option<NonZeroU32>,
    },
    Fqdn {
        addrtype: AddrType,
        name: Box<str>,
    },
}

/// Last address of the IPv4 multicast block 224.0.0.0/4.
const IP4_MULTICAST_END: u32 = 0xefff_ffff;

impl ConnectionAddress {
    /// A unicast IP address, or an IPv6 multicast group without an address count.
    ///
    /// An IPv4 multicast group needs a TTL (RFC 8866 §5.7): use
    /// [`ConnectionAddress::ip4_multicast`]; here it is [`Error::MissingTtl`].
    pub fn from_ip(ip: IpAddr) -> Result<Self, Error> {
        match ip {
            IpAddr::V4(v4) if v4.is_multicast() => Err(Error::MissingTtl),
            _ => Ok(Self::without_suffix(ip)),
        }
    }

    /// An address written without `/ttl` or `/count`; the caller has checked that `ip`
    /// is not an IPv4 multicast group, which needs a TTL.
    pub(crate) fn without_suffix(ip: IpAddr) -> Self {
        debug_assert!(!matches!(ip, IpAddr::V4(v4) if v4.is_multicast()));
        match ip {
            IpAddr::V4(v4) => Self {
                repr: Repr::Ip4(v4),
            },
            IpAddr::V6(v6) => Self::ip6_text(v6, v6.to_string().into(), None),
        }
    }

    /// An IPv4 multicast group with its TTL and, optionally, the number of consecutive
    /// groups (`233.252.0.1/127/3`, RFC 8866 §5.7).
    ///
    /// Errors: [`Error::NotMulticast`] outside 224.0.0.0/4,
    /// [`Error::MulticastRangeOverflow`] when the groups run past 239.255.255.255.
    pub fn ip4_multicast(
        group: Ipv4Addr,
        ttl: u8,
        count: Option<NonZeroU32>,
    ) -> Result<Self, Error> {
        if !group.is_multicast() {
            return Err(Error::NotMulticast);
        }
        if let Some(n) = count {
            let last = u32::from(group).checked_add(n.get() - 1);
            if last.is_none_or(|last| last > IP4_MULTICAST_END) {
                return Err(Error::MulticastRangeOverflow);
            }
        }
        Ok(Self {
            repr: Repr::Ip4Multicast { group, ttl, count },
        })
    }

    /// An IPv6 multicast group with, optionally, the number of consecutive groups
    /// (`ff15::101/3`, RFC 8866 §5.7; IPv6 multicast has no TTL).
    ///
    /// Errors: [`Error::NotMulticast`] outside ff00::/8,
    /// [`Error::MulticastRangeOverflow`] when the groups run past the end of the
    /// address space.
    pub fn ip6_multicast(group: Ipv6Addr, count: Option<NonZeroU32>) -> Result<Self, Error> {
        Self::ip6_multicast_text(group, group.to_string().into(), count)
    }

    /// A domain name to be resolved to an address of `addrtype` (RFC 8866 §5.7).
    ///
    /// The name must satisfy RFC 8866 §9 `FQDN` and the RFC 1035 label rules, and must
    /// not be a dotted-quad number ([`Error::InvalidFqdn`]).
    pub fn from_fqdn(addrtype: AddrType, name: &str) -> Result<Self, Error> {
        if syntax::looks_like_ip4(name) || !syntax::is_fqdn(name) {
            return Err(Error::InvalidFqdn);
        }
        Ok(Self {
            repr: Repr::Fqdn {
                addrtype,
                name: name.into(),
            },
        })
    }

    /// Parses `nettype SP addrtype SP connection-address` starting at byte `at` of its
    /// line (control characters already rejected).
    pub(crate) fn parse_at(value: &str, at: usize) -> Result<Self, Error> {
        match syntax::tokens::<3>(value, at)? {
            ([(nettype, _), (addrtype, _), (address, _)], 3) => {
                Self::from_tokens(nettype, addrtype, address)
            }
            _ => Err(Error::IncompleteConnectionLine),
        }
    }

    /// Parses the three tokens `nettype addrtype connection-address`.
    pub(crate) fn from_tokens(nettype: &str, addrtype: &str, address: &str) -> Result<Self, Error> {
        if nettype != NETTYPE_IN {
            return Err(Error::UnsupportedNetType);
        }
        let addrtype = AddrType::parse(addrtype)?;
        let (base, suffix) = match address.split_once('/') {
            Some((base, suffix)) => (base, Some(suffix)),
            None => (address, None),
        };
        let invalid = match addrtype {
            AddrType::Ip4 => Error::InvalidIp4Address,
            AddrType::Ip6 => Error::InvalidIp6Address,
        };
        if base.is_empty() {
            return Err(invalid);
        }
        if syntax::looks_like_ip4(base) {
            let v4 = syntax::ip4_address(base).ok_or(invalid)?;
            if addrtype != AddrType::Ip4 {
                return Err(Error::AddressTypeMismatch { addrtype });
            }
            return Self::ip4_with_suffix(v4, suffix);
        }
        if base.contains(':') {
            let Some(v6) = syntax::ip6_address(base) else {
                return Err(invalid);
            };
            if addrtype != AddrType::Ip6 {
                return Err(Error::AddressTypeMismatch { addrtype });
            }
            return Self::ip6_with_suffix(v6, base, suffix);
        }
        if suffix.is_some() {
            return Err(Error::SuffixOnFqdn);
        }
        Self::from_fqdn(addrtype, base)
    }

    fn ip4_with_suffix(v4: Ipv4Addr, suffix: Option<&str>) -> Result<Self, Error> {
        match (v4.is_multicast(), suffix) {
            (false, None) => Ok(Self {
                repr: Repr::Ip4(v4),
            }),
            (false, Some(_)) => Err(Error::SuffixOnUnicast),
            (true, None) => Err(Error::MissingTtl),
            (true, Some(suffix)) => {
                let (ttl, count) = match suffix.split_once('/') {
                    Some((ttl, count)) => (ttl, Some(count)),
                    None => (suffix, None),
                };
                let ttl = syntax::ttl(ttl).ok_or(Error::InvalidTtl)?;
                let count = count.map(address_count).transpose()?;
                Self::ip4_multicast(v4, ttl, count)
            }
        }
    }

    fn ip6_with_suffix(v6: Ipv6Addr, text: &str, suffix: Option<&str>) -> Result<Self, Error> {
        match (v6.is_multicast(), suffix) {
            (_, None) => Ok(Self::ip6_text(v6, text.into(), None)),
            (false, Some(_)) => Err(Error::SuffixOnUnicast),
            (true, Some(suffix)) if suffix.contains('/') => Err(Error::TtlOnIp6),
            (true, Some(count)) => {
                Self::ip6_multicast_text(v6, text.into(), Some(address_count(count)?))
            }
        }
    }

    fn ip6_text(addr: Ipv6Addr, text: Box<str>, count: Option<NonZeroU32>) -> Self {
        Self {
            repr: Repr::Ip6 { addr, text, count },
        }
    }

    fn ip6_multicast_text(
        group: Ipv6Addr,
        text: Box<str>,
        count: Option<NonZeroU32>,
    ) -> Result<Self, Error> {
        if !group.is_multicast() {
            return Err(Error::NotMulticast);
        }
        if let Some(n) = count {
            if u128::from(group)
                .checked_add(u128::from(n.get() - 1))
                .is_none()
            {
                return Err(Error::MulticastRangeOverflow);
            }
        }
        Ok(Self::ip6_text(group, text, count))
    }

    /// The address type: `IP4` or `IP6`.
    pub fn addrtype(&self) -> AddrType {
        match &self.repr {
            Repr::Ip4(_) | Repr::Ip4Multicast { .. } => AddrType::Ip4,
            Repr::Ip6 { .. } => AddrType::Ip6,
            Repr::Fqdn { addrtype, .. } => *addrtype,
        }
    }

    /// The IP address (for multicast, the first group); `None` for a domain name.
    pub fn ip(&self) -> Option<IpAddr> {
        match &self.repr {
            Repr::Ip4(v4) => Some(IpAddr::V4(*v4)),
            Repr::Ip4Multicast { group, .. } => Some(IpAddr::V4(*group)),
            Repr::Ip6 { addr, .. } => Some(IpAddr::V6(*addr)),
            Repr::Fqdn { .. } => None,
        }
    }

    /// The domain name, as written; `None` for an IP address.
    pub fn fqdn(&self) -> Option<&str> {
        match &self.repr {
            Repr::Fqdn { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The TTL of an IPv4 multicast address (RFC 8866 §5.7); `None` otherwise.
    pub fn ttl(&self) -> Option<u8> {
        match &self.repr {
            Repr::Ip4Multicast { ttl, .. } => Some(*ttl),
            _ => None,
        }
    }

    /// The number of consecutive multicast groups, when written (RFC 8866 §5.7).
    pub fn count(&self) -> Option<NonZeroU32> {
        match &self.repr {
            Repr::Ip4Multicast { count, .. } | Repr::Ip6 { count, .. } => *count,
            _ => None,
        }
    }

    /// True for a multicast group.
    pub fn is_multicast(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_multicast())
    }

    /// True for `0.0.0.0` or `::`: the placeholder JSEP (RFC 8829 §5.2.1) writes before
    /// ICE candidates exist, which names no destination.
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    /// True when both name the same host: equal IP addresses (an IPv4-mapped IPv6
    /// address equals its IPv4 address) or domain names equal ignoring ASCII case
    /// (RFC 4343). TTL, address count and spelling are ignored.
    pub fn same_host(&self, other: &ConnectionAddress) -> bool {
        match (self.ip(), other.ip(), self.fqdn(), other.fqdn()) {
            (Some(a), Some(b), _, _) => a.to_canonical() == b.to_canonical(),
            (_, _, Some(a), Some(b)) => {
                self.addrtype() == other.addrtype() && a.eq_ignore_ascii_case(b)
            }
            _ => false,
        }
    }
}

/// RFC 8866 §9 `numaddr = integer`.
fn address_count(token: &str) -> Result<NonZeroU32, Error> {
    syntax::positive_integer(token)
        .and_then(NonZeroU32::new)
        .ok_or(Error::InvalidAddressCount)
}

impl FromStr for ConnectionAddress {
    type Err = Error;

    /// Parses `nettype SP addrtype SP connection-address`, the value of a `c=` line.
    fn from_str(text: &str) -> Result<Self, Error> {
        syntax::reject_controls(text)?;
        Self::parse_at(text, 0)
    }
}

impl fmt::Display for ConnectionAddress {
    /// Writes `IN <addrtype> <address>[/<ttl>][/<count>]`, exactly as RFC 8866 §5.7
    /// spells it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{NETTYPE_IN} {} ", self.addrtype())?;
        match &self.repr {
            Repr::Ip4(v4) => write!(f, "{v4}"),
            Repr::Ip4Multicast { group, ttl, count } => {
                write!(f, "{group}/{ttl}")?;
                count.map_or(Ok(()), |n| write!(f, "/{n}"))
            }
            Repr::Ip6 { text, count, .. } => {
                f.write_str(text)?;
                count.map_or(Ok(()), |n| write!(f, "/{n}"))
            }
            Repr::Fqdn { name, .. } => f.write_str(name),
        }
    }
}
