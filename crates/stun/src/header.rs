//! The 20-byte STUN header (RFC 8489 §5): message type (class and method), length, magic
//! cookie and transaction ID.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |0 0|     STUN Message Type     |         Message Length        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         Magic Cookie                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                     Transaction ID (96 bits)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! Message type:  M11 M10 M9 M8 M7 C1 M6 M5 M4 C0 M3 M2 M1 M0
//! ```

use crate::error::Error;
use core::fmt;

/// The fixed value of bytes 4..8 of every STUN message (RFC 8489 §5).
pub const MAGIC_COOKIE: u32 = 0x2112_A442;

/// Length of the STUN header (RFC 8489 §5).
pub const HEADER_LEN: usize = 20;

/// The class of a message: the two C bits of the message type (RFC 8489 §5, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// A request, which expects a response (0b00).
    Request,
    /// An indication, which expects none (0b01).
    Indication,
    /// A success response (0b10).
    SuccessResponse,
    /// An error response, carrying an ERROR-CODE (0b11).
    ErrorResponse,
}

impl Class {
    fn bits(self) -> u16 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::SuccessResponse => 0b10,
            Class::ErrorResponse => 0b11,
        }
    }

    fn from_bits(bits: u16) -> Self {
        match bits & 0b11 {
            0b00 => Class::Request,
            0b01 => Class::Indication,
            0b10 => Class::SuccessResponse,
            _ => Class::ErrorResponse,
        }
    }
}

/// A STUN method: the 12 M bits of the message type (RFC 8489 §5, §18.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Method(u16);

impl Method {
    /// Binding (0x001), the method of RFC 8489 and of ICE connectivity checks (RFC 8445 §7).
    pub const BINDING: Method = Method(0x001);

    /// A method from its 12-bit value.
    pub const fn new(value: u16) -> Result<Self, Error> {
        if value > 0x0FFF {
            Err(Error::InvalidMethod { method: value })
        } else {
            Ok(Method(value))
        }
    }

    /// The 12-bit value.
    pub const fn value(self) -> u16 {
        self.0
    }
}

/// The 96-bit transaction ID that pairs a response with its request (RFC 8489 §5, §6).
///
/// Requests need a uniformly random ID from a cryptographically secure generator; this
/// crate takes the bytes from the caller, who owns the generator.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId([u8; 12]);

impl TransactionId {
    /// A transaction ID from its 12 bytes.
    pub const fn new(bytes: [u8; 12]) -> Self {
        TransactionId(bytes)
    }

    /// The 12 bytes, in wire order.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// The 14-bit message type from a class and method (RFC 8489 §5, figure 3).
pub(crate) fn message_type(class: Class, method: Method) -> u16 {
    let m = method.0;
    let c = class.bits();
    (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
}

/// The class and method of a 14-bit message type.
pub(crate) fn split_message_type(t: u16) -> (Class, Method) {
    let class = Class::from_bits(((t >> 4) & 1) | ((t >> 7) & 2));
    let method = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80);
    (class, Method(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_type_bits_follow_figure_3() {
        assert_eq!(message_type(Class::Request, Method::BINDING), 0x0001);
        assert_eq!(message_type(Class::Indication, Method::BINDING), 0x0011);
        assert_eq!(
            message_type(Class::SuccessResponse, Method::BINDING),
            0x0101
        );
        assert_eq!(message_type(Class::ErrorResponse, Method::BINDING), 0x0111);
        let all = Method::new(0x0FFF).unwrap();
        assert_eq!(message_type(Class::ErrorResponse, all), 0x3FFF);
        for t in 0..=0x3FFFu16 {
            let (c, m) = split_message_type(t);
            assert_eq!(message_type(c, m), t);
        }
        assert_eq!(
            Method::new(0x1000),
            Err(Error::InvalidMethod { method: 0x1000 })
        );
    }
}
