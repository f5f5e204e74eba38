//! The `a=rtcp` attribute (RFC 3605 §2.1): the port, and optionally the address, on
//! which a media stream receives RTCP when it is not RTP port + 1 on the `c=` address.

use std::fmt;
use std::net::Ipv4Addr;

use nom::Parser;
use nom::bytes::complete::tag;

use crate::address::{AddrType, ConnectionAddress};
use crate::{Error, syntax};

/// The RTCP attribute of RFC 3605 §2.1:
///
/// ```text
/// rtcp-attribute = "a=rtcp:" port [nettype space addrtype space connection-address] CRLF
/// ```
///
/// `port` and `connection-address` follow RFC 8866 §9 and §5.7 (see
/// [`ConnectionAddress`]). Parsing is strict and writing is exact: for every value
/// `v`, `v.to_string().parse() == Ok(v)`, and every text the parser accepts is written
/// back byte for byte. Text that has no exact typed form is rejected rather than
/// rewritten: a port with a leading zero (`a=rtcp:053020`) is
/// [`Error::PortLeadingZero`]. IPv6 addresses and domain names keep their spelling.
///
/// The line terminator is not part of the value: parse a line without its CRLF, and
/// [`Display`](fmt::Display) writes none.
///
/// ```
/// use sdp_rtcp_attr::RtcpAttribute;
///
/// let attr: RtcpAttribute = "a=rtcp:53020 IN IP4 126.16.64.4".parse()?;
/// assert_eq!(attr.port(), 53020);
/// assert_eq!(attr.address().and_then(|a| a.ip()), Some("126.16.64.4".parse()?));
/// assert_eq!(attr.to_string(), "a=rtcp:53020 IN IP4 126.16.64.4");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RtcpAttribute {
    port: u16,
    address: Option<ConnectionAddress>,
}

impl RtcpAttribute {
    /// The text before the value: `a=rtcp:`.
    pub const PREFIX: &'static str = "a=rtcp:";

    /// `a=rtcp:<port>`: RTCP on `port` at the address of the `c=` line.
    ///
    /// Every port is representable; port 0 parses and writes, and endpoint resolution
    /// refuses it for an active stream ([`Error::RtcpPortZero`]).
    pub fn new(port: u16) -> Self {
        Self {
            port,
            address: None,
        }
    }

    /// `a=rtcp:<port> IN <addrtype> <address>`: RTCP on `port` at `address`.
    pub fn with_address(port: u16, address: ConnectionAddress) -> Self {
        Self {
            port,
            address: Some(address),
        }
    }

    /// `a=rtcp:9 IN IP4 0.0.0.0`, the placeholder JSEP (RFC 8829 §5.2.1) writes in
    /// offers made before ICE candidates are gathered.
    pub fn webrtc_placeholder() -> Self {
        Self::with_address(
            9,
            ConnectionAddress::without_suffix(Ipv4Addr::UNSPECIFIED.into()),
        )
    }

    /// The RTCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The RTCP address, when the attribute names one.
    pub fn address(&self) -> Option<&ConnectionAddress> {
        self.address.as_ref()
    }

    /// The address type of the named address, when there is one.
    pub fn addrtype(&self) -> Option<AddrType> {
        self.address.as_ref().map(ConnectionAddress::addrtype)
    }

    /// Parses a whole attribute line, `a=rtcp:` included, without its line terminator.
    ///
    /// `a=rtcp` without the colon is [`Error::MissingPort`]; any other attribute is
    /// [`Error::NotAttribute`].
    pub fn parse(line: &str) -> Result<Self, Error> {
        syntax::reject_controls(line)?;
        let not_rtcp = Error::NotAttribute {
            expected: Self::PREFIX,
        };
        let name = "a=rtcp";
        let (rest, _) = tag::<_, _, ()>(name)
            .parse(line)
            .map_err(|_| not_rtcp.clone())?;
        match rest.strip_prefix(':') {
            Some(value) => Self::value_at(value, Self::PREFIX.len()),
            None if rest.is_empty() => Err(Error::MissingPort),
            None if rest.starts_with(' ') => Err(Error::UnexpectedSpace { offset: name.len() }),
            None => Err(not_rtcp),
        }
    }

    /// Parses only the value, the text after `a=rtcp:`, for callers whose own SDP parser
    /// has already split the attribute. Error offsets count from the start of `value`.
    pub fn parse_value(value: &str) -> Result<Self, Error> {
        syntax::reject_controls(value)?;
        Self::value_at(value, 0)
    }

    fn value_at(value: &str, at: usize) -> Result<Self, Error> {
        match syntax::tokens::<4>(value, at)? {
            (_, 0) => Err(Error::MissingPort),
            ([(port, _), ..], 1) => Ok(Self::new(syntax::port(port)?)),
            ([(port, _), (nettype, _), (addrtype, _), (address, _)], 4) => {
                let port = syntax::port(port)?;
                let address = ConnectionAddress::from_tokens(nettype, addrtype, address)?;
                Ok(Self::with_address(port, address))
            }
            ([(port, _), ..], tokens) => {
                // Report a bad port before the missing tokens: it is the first error.
                syntax::port(port)?;
                Err(Error::IncompleteAddress { tokens })
            }
        }
    }
}

syntax::from_str_by_parse!(RtcpAttribute);

impl fmt::Display for RtcpAttribute {
    /// Writes `a=rtcp:<port>[ IN <addrtype> <address>]` without a line terminator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.port)?;
        match &self.address {
            Some(address) => write!(f, " {address}"),
            None => Ok(()),
        }
    }
}
