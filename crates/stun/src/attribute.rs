//! STUN attributes (RFC 8489 §14, RFC 8445 §16.1): the type registry, the raw TLV view and
//! the typed values that are more than one integer (XOR-MAPPED-ADDRESS, ERROR-CODE,
//! UNKNOWN-ATTRIBUTES).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Type                  |            Length             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Value (variable)                ....
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Length is the value's length before padding; each attribute is padded to a 32-bit
//! boundary with bytes a receiver ignores.

use crate::error::Error;
use crate::header::{MAGIC_COOKIE, TransactionId};
use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A STUN attribute type (RFC 8489 §14, §18.3). Types below 0x8000 are
/// comprehension-required, the rest comprehension-optional.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributeType(u16);

impl AttributeType {
    /// MAPPED-ADDRESS (RFC 8489 §14.1).
    pub const MAPPED_ADDRESS: AttributeType = AttributeType(0x0001);
    /// USERNAME (RFC 8489 §14.3).
    pub const USERNAME: AttributeType = AttributeType(0x0006);
    /// MESSAGE-INTEGRITY: HMAC-SHA1 (RFC 8489 §14.5).
    pub const MESSAGE_INTEGRITY: AttributeType = AttributeType(0x0008);
    /// ERROR-CODE (RFC 8489 §14.8).
    pub const ERROR_CODE: AttributeType = AttributeType(0x0009);
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).
    pub const UNKNOWN_ATTRIBUTES: AttributeType = AttributeType(0x000A);
    /// REALM (RFC 8489 §14.9), long-term credentials only.
    pub const REALM: AttributeType = AttributeType(0x0014);
    /// NONCE (RFC 8489 §14.10), long-term credentials only.
    pub const NONCE: AttributeType = AttributeType(0x0015);
    /// MESSAGE-INTEGRITY-SHA256: HMAC-SHA256 (RFC 8489 §14.6).
    pub const MESSAGE_INTEGRITY_SHA256: AttributeType = AttributeType(0x001C);
    /// USERHASH (RFC 8489 §14.4), long-term credentials only.
    pub const USERHASH: AttributeType = AttributeType(0x001E);
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    pub const XOR_MAPPED_ADDRESS: AttributeType = AttributeType(0x0020);
    /// PRIORITY (RFC 8445 §7.1.1, §16.1).
    pub const PRIORITY: AttributeType = AttributeType(0x0024);
    /// USE-CANDIDATE (RFC 8445 §7.1.2, §16.1).
    pub const USE_CANDIDATE: AttributeType = AttributeType(0x0025);
    /// SOFTWARE (RFC 8489 §14.14).
    pub const SOFTWARE: AttributeType = AttributeType(0x8022);
    /// ALTERNATE-SERVER (RFC 8489 §14.15).
    pub const ALTERNATE_SERVER: AttributeType = AttributeType(0x8023);
    /// FINGERPRINT: CRC-32 (RFC 8489 §14.7).
    pub const FINGERPRINT: AttributeType = AttributeType(0x8028);
    /// ICE-CONTROLLED (RFC 8445 §7.1.3, §16.1).
    pub const ICE_CONTROLLED: AttributeType = AttributeType(0x8029);
    /// ICE-CONTROLLING (RFC 8445 §7.1.3, §16.1).
    pub const ICE_CONTROLLING: AttributeType = AttributeType(0x802A);

    /// An attribute type from its 16-bit value.
    pub const fn new(value: u16) -> Self {
        AttributeType(value)
    }

    /// The 16-bit value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// Whether an agent that does not understand the attribute must reject the message
    /// (types 0x0000–0x7FFF, RFC 8489 §14).
    pub const fn is_comprehension_required(self) -> bool {
        self.0 < 0x8000
    }

    fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::MAPPED_ADDRESS => "MAPPED-ADDRESS",
            Self::USERNAME => "USERNAME",
            Self::MESSAGE_INTEGRITY => "MESSAGE-INTEGRITY",
            Self::ERROR_CODE => "ERROR-CODE",
            Self::UNKNOWN_ATTRIBUTES => "UNKNOWN-ATTRIBUTES",
            Self::REALM => "REALM",
            Self::NONCE => "NONCE",
            Self::MESSAGE_INTEGRITY_SHA256 => "MESSAGE-INTEGRITY-SHA256",
            Self::USERHASH => "USERHASH",
            Self::XOR_MAPPED_ADDRESS => "XOR-MAPPED-ADDRESS",
            Self::PRIORITY => "PRIORITY",
            Self::USE_CANDIDATE => "USE-CANDIDATE",
            Self::SOFTWARE => "SOFTWARE",
            Self::ALTERNATE_SERVER => "ALTERNATE-SERVER",
            Self::FINGERPRINT => "FINGERPRINT",
            Self::ICE_CONTROLLED => "ICE-CONTROLLED",
            Self::ICE_CONTROLLING => "ICE-CONTROLLING",
            _ => return None,
        })
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#06x}", self.0),
        }
    }
}

impl fmt::Debug for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AttributeType({self})")
    }
}

/// One attribute as it is on the wire: its type and its value without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    attr_type: AttributeType,
    value: &'a [u8],
}

impl<'a> RawAttribute<'a> {
    /// The attribute's type.
    pub fn attr_type(&self) -> AttributeType {
        self.attr_type
    }

    /// The value, without the padding.
    pub fn value(&self) -> &'a [u8] {
        self.value
    }
}

/// The attributes of a parsed message, in wire order ([`crate::Message::attributes`]).
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    rest: &'a [u8],
}

impl<'a> Attributes<'a> {
    /// Iterates the TLVs of `body`, the bytes after the header; stops at the first TLV that
    /// does not fit (which a parsed message never has).
    pub(crate) fn new(body: &'a [u8]) -> Self {
        Attributes { rest: body }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = RawAttribute<'a>;

    fn next(&mut self) -> Option<RawAttribute<'a>> {
        let (&[t0, t1, l0, l1], after) = self.rest.split_first_chunk::<4>()?;
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let value = after.get(..len)?;
        self.rest = after.get(padded(len)..).unwrap_or_default();
        Some(RawAttribute {
            attr_type: AttributeType(u16::from_be_bytes([t0, t1])),
            value,
        })
    }
}

/// `len` rounded up to a multiple of 4 (RFC 8489 §14).
pub(crate) const fn padded(len: usize) -> usize {
    (len + 3) & !3
}

/// An ERROR-CODE value (RFC 8489 §14.8): a code from 300 to 699 and a UTF-8 reason phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode<'a> {
    code: u16,
    reason: &'a str,
}

impl<'a> ErrorCode<'a> {
    /// Bad Request (RFC 8489 §14.8).
    pub const BAD_REQUEST: u16 = 400;
    /// Unauthenticated (RFC 8489 §14.8).
    pub const UNAUTHENTICATED: u16 = 401;
    /// Unknown Attribute: the response carries UNKNOWN-ATTRIBUTES (RFC 8489 §14.8).
    pub const UNKNOWN_ATTRIBUTE: u16 = 420;
    /// Role Conflict (RFC 8445 §7.3.1.1).
    pub const ROLE_CONFLICT: u16 = 487;
    /// Server Error (RFC 8489 §14.8).
    pub const SERVER_ERROR: u16 = 500;

    /// The longest reason phrase, in bytes (RFC 8489 §14.8).
    pub const MAX_REASON_LEN: usize = 763;

    /// An error code and reason phrase; the code must be 300–699 and the reason at most
    /// 763 bytes.
    pub fn new(code: u16, reason: &'a str) -> Result<Self, Error> {
        let (class, number) = (code / 100, code % 100);
        if !(3..=6).contains(&class) {
            return Err(Error::InvalidErrorCode { class, number });
        }
        if reason.len() > Self::MAX_REASON_LEN {
            return Err(Error::ValueTooLong {
                attr_type: AttributeType::ERROR_CODE,
                len: reason.len(),
                max: Self::MAX_REASON_LEN,
            });
        }
        Ok(ErrorCode { code, reason })
    }

    /// The code, class × 100 + number.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reason phrase.
    pub fn reason(&self) -> &'a str {
        self.reason
    }

    pub(crate) fn parse(value: &'a [u8]) -> Result<Self, Error> {
        let (&[_, _, class, number], reason) =
            value
                .split_first_chunk::<4>()
                .ok_or(Error::InvalidAttributeLength {
                    attr_type: AttributeType::ERROR_CODE,
                    len: value.len(),
                })?;
        let (class, number) = (u16::from(class & 0x07), u16::from(number));
        if !(3..=6).contains(&class) || number > 99 {
            return Err(Error::InvalidErrorCode { class, number });
        }
        let reason = text(AttributeType::ERROR_CODE, reason, Self::MAX_REASON_LEN)?;
        Ok(ErrorCode {
            code: class * 100 + number,
            reason,
        })
    }

    /// The value's four fixed bytes: 21 reserved bits, the class, the number.
    pub(crate) fn fixed(&self) -> [u8; 4] {
        [0, 0, (self.code / 100) as u8, (self.code % 100) as u8]
    }
}

/// The attribute types listed in an UNKNOWN-ATTRIBUTES value (RFC 8489 §14.13).
#[derive(Debug, Clone)]
pub struct UnknownAttributes<'a> {
    rest: &'a [u8],
}

impl<'a> UnknownAttributes<'a> {
    pub(crate) fn parse(value: &'a [u8]) -> Result<Self, Error> {
        if value.len() % 2 != 0 {
            return Err(Error::InvalidAttributeLength {
                attr_type: AttributeType::UNKNOWN_ATTRIBUTES,
                len: value.len(),
            });
        }
        Ok(UnknownAttributes { rest: value })
    }
}

impl Iterator for UnknownAttributes<'_> {
    type Item = AttributeType;

    fn next(&mut self) -> Option<AttributeType> {
        let (&[a, b], rest) = self.rest.split_first_chunk::<2>()?;
        self.rest = rest;
        Some(AttributeType(u16::from_be_bytes([a, b])))
    }
}

/// A UTF-8 text value of at most `max` bytes.
pub(crate) fn text(attr_type: AttributeType, value: &[u8], max: usize) -> Result<&str, Error> {
    if value.len() > max {
        return Err(Error::ValueTooLong {
            attr_type,
            len: value.len(),
            max,
        });
    }
    core::str::from_utf8(value).map_err(|_| Error::InvalidUtf8 { attr_type })
}

/// A big-endian integer value of exactly `N` bytes.
pub(crate) fn fixed<const N: usize>(
    attr_type: AttributeType,
    value: &[u8],
) -> Result<[u8; N], Error> {
    value.try_into().map_err(|_| Error::InvalidAttributeLength {
        attr_type,
        len: value.len(),
    })
}

const FAMILY_IPV4: u8 = 0x01;
const FAMILY_IPV6: u8 = 0x02;

/// Decodes an XOR-MAPPED-ADDRESS value (RFC 8489 §14.2): the port is XORed with the top
/// half of the magic cookie, an IPv4 address with the cookie, an IPv6 address with the
/// cookie followed by the transaction ID.
pub(crate) fn xor_address(value: &[u8], id: &TransactionId) -> Result<SocketAddr, Error> {
    let attr_type = AttributeType::XOR_MAPPED_ADDRESS;
    let (&[_, family, p0, p1], address) =
        value
            .split_first_chunk::<4>()
            .ok_or(Error::InvalidAttributeLength {
                attr_type,
                len: value.len(),
            })?;
    let port = u16::from_be_bytes([p0, p1]) ^ (MAGIC_COOKIE >> 16) as u16;
    let mask = xor_mask(id);
    let ip = match family {
        FAMILY_IPV4 => {
            let a: [u8; 4] = fixed(attr_type, address).map_err(|_| wrong_len(value))?;
            IpAddr::V4(Ipv4Addr::from(xor(a, &mask)))
        }
        FAMILY_IPV6 => {
            let a: [u8; 16] = fixed(attr_type, address).map_err(|_| wrong_len(value))?;
            IpAddr::V6(Ipv6Addr::from(xor(a, &mask)))
        }
        family => return Err(Error::InvalidAddressFamily { family }),
    };
    Ok(SocketAddr::new(ip, port))
}

fn wrong_len(value: &[u8]) -> Error {
    Error::InvalidAttributeLength {
        attr_type: AttributeType::XOR_MAPPED_ADDRESS,
        len: value.len(),
    }
}

/// Encodes `addr` as an XOR-MAPPED-ADDRESS value into `out` (8 or 20 bytes) and returns the
/// value's length.
pub(crate) fn write_xor_address(addr: SocketAddr, id: &TransactionId, out: &mut [u8; 20]) -> usize {
    let [p0, p1] = (addr.port() ^ (MAGIC_COOKIE >> 16) as u16).to_be_bytes();
    let mask = xor_mask(id);
    let (family, len) = match addr.ip() {
        IpAddr::V4(ip) => {
            let a = xor(ip.octets(), &mask);
            out[4..8].copy_from_slice(&a);
            (FAMILY_IPV4, 8)
        }
        IpAddr::V6(ip) => {
            let a = xor(ip.octets(), &mask);
            out[4..20].copy_from_slice(&a);
            (FAMILY_IPV6, 20)
        }
    };
    out[..4].copy_from_slice(&[0, family, p0, p1]);
    len
}

/// The magic cookie followed by the transaction ID.
fn xor_mask(id: &TransactionId) -> [u8; 16] {
    let mut mask = [0u8; 16];
    mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
    mask[4..].copy_from_slice(id.as_bytes());
    mask
}

fn xor<const N: usize>(mut a: [u8; N], mask: &[u8; 16]) -> [u8; N] {
    for (b, m) in a.iter_mut().zip(mask) {
        *b ^= m;
    }
    a
}
