//! IP networks in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), the
//! configuration of the RFC 3605 §4 RTCP address check.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::{Error, syntax};

/// An IPv4 or IPv6 network: an address whose bits past `prefix` are zero, and the
/// prefix length.
///
/// ```
/// use sdp_rtcp_attr::Cidr;
///
/// let net: Cidr = "198.51.100.0/24".parse()?;
/// assert!(net.contains("198.51.100.77".parse()?));
/// assert!(!net.contains("198.51.101.1".parse()?));
/// assert!(net.contains("::ffff:198.51.100.77".parse()?));
/// assert_eq!(net.to_string(), "198.51.100.0/24");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The network `network/prefix`.
    ///
    /// Errors: [`Error::CidrPrefixTooLong`] when `prefix` exceeds 32 (IPv4) or 128
    /// (IPv6); [`Error::CidrHostBits`] when `network` has bits set past the prefix.
    pub fn new(network: IpAddr, prefix: u8) -> Result<Self, Error> {
        let max = max_prefix(network);
        if prefix > max {
            return Err(Error::CidrPrefixTooLong { prefix, max });
        }
        if masked(network, prefix) != bits(network) {
            return Err(Error::CidrHostBits);
        }
        Ok(Self { network, prefix })
    }

    /// The network address.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// True when `ip` is in this network. An IPv4-mapped IPv6 address
    /// (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2) is also tried as its IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.matches(ip) || self.matches(ip.to_canonical())
    }

    fn matches(&self, ip: IpAddr) -> bool {
        max_prefix(ip) == max_prefix(self.network) && masked(ip, self.prefix) == bits(self.network)
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// The address as a 128-bit number (IPv4 in the low 32 bits).
fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address with every bit past `prefix` cleared.
fn masked(ip: IpAddr, prefix: u8) -> u128 {
    let width = u32::from(max_prefix(ip));
    let host_bits = width.saturating_sub(u32::from(prefix));
    let host_mask = 1u128.checked_shl(host_bits).map_or(u128::MAX, |b| b - 1);
    bits(ip) & !host_mask
}

impl FromStr for Cidr {
    type Err = Error;

    /// Parses `address/prefix`, such as `10.0.0.0/8` or `2001:db8::/32`; the prefix is
    /// a decimal number without leading zeros.
    fn from_str(text: &str) -> Result<Self, Error> {
        let (address, prefix) = text.split_once('/').ok_or(Error::InvalidCidr)?;
        let network = address.parse().map_err(|_| Error::InvalidCidr)?;
        let prefix = match prefix {
            "0" => 0,
            other => syntax::positive_integer(other)
                .and_then(|p| u8::try_from(p).ok())
                .ok_or(Error::InvalidCidr)?,
        };
        Self::new(network, prefix)
    }
}

impl fmt::Display for Cidr {
    /// Writes `address/prefix`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Result<Cidr, Error> {
        text.parse()
    }

    #[test]
    fn parses_and_writes_both_families() {
        for text in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "192.0.2.1/32",
            "2001:db8::/32",
            "::/0",
            "::1/128",
        ] {
            assert_eq!(cidr(text).map(|c| c.to_string()).as_deref(), Ok(text));
        }
    }

    #[test]
    fn rejects_malformed_networks() {
        assert_eq!(cidr("10.0.0.0"), Err(Error::InvalidCidr));
        assert_eq!(cidr("10.0.0.0/"), Err(Error::InvalidCidr));
        assert_eq!(cidr("10.0.0.0/08"), Err(Error::InvalidCidr));
        assert_eq!(cidr("10.0.0.0/-8"), Err(Error::InvalidCidr));
        assert_eq!(cidr("10.0.0.0/256"), Err(Error::InvalidCidr));
        assert_eq!(cidr("host/8"), Err(Error::InvalidCidr));
        assert_eq!(
            cidr("10.0.0.0/33"),
            Err(Error::CidrPrefixTooLong {
                prefix: 33,
                max: 32
            })
        );
        assert_eq!(
            cidr("2001:db8::/129"),
            Err(Error::CidrPrefixTooLong {
                prefix: 129,
                max: 128
            })
        );
        assert_eq!(cidr("192.0.2.1/24"), Err(Error::CidrHostBits));
        assert_eq!(cidr("2001:db8::1/64"), Err(Error::CidrHostBits));
    }

    #[test]
    fn containment_at_the_edges() {
        let net = cidr("192.0.2.128/25").unwrap();
        assert!(net.contains("192.0.2.128".parse().unwrap()));
        assert!(net.contains("192.0.2.255".parse().unwrap()));
        assert!(!net.contains("192.0.2.127".parse().unwrap()));
        assert!(!net.contains("192.0.3.0".parse().unwrap()));
        assert!(!net.contains("::ffff:192.0.2.127".parse().unwrap()));
        let all4 = cidr("0.0.0.0/0").unwrap();
        assert!(all4.contains("255.255.255.255".parse().unwrap()));
        assert!(!all4.contains("2001:db8::1".parse().unwrap()));
        let v6 = cidr("2001:db8:ab00::/40").unwrap();
        assert!(v6.contains("2001:db8:abff:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:ac00::".parse().unwrap()));
        assert!(!v6.contains("192.0.2.1".parse().unwrap()));
        let mapped = cidr("::ffff:0:0/96").unwrap();
        assert!(mapped.contains("::ffff:192.0.2.1".parse().unwrap()));
    }
}
