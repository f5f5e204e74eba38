//! The crate's error type: one variant per way a STUN message can be malformed, fail its
//! checks, or not fit the buffer it is written into.

use crate::attribute::AttributeType;

/// Everything that can go wrong when parsing, checking or writing a STUN message
/// (RFC 8489 §5, §14, §15; RFC 8445 §16.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The datagram is shorter than the 20-byte STUN header (RFC 8489 §5).
    #[error("STUN header truncated: needed 20 bytes, got {got}")]
    TruncatedHeader {
        /// Bytes available.
        got: usize,
    },
    /// One of the two most significant bits of the message is set; every STUN message
    /// starts with two zero bits (RFC 8489 §5), so this is not STUN.
    #[error("first byte {first_byte:#04x} has a top bit set: not a STUN message")]
    NotStun {
        /// The first byte of the datagram.
        first_byte: u8,
    },
    /// The magic cookie field is not 0x2112A442 (RFC 8489 §5).
    #[error("STUN magic cookie is {found:#010x}, expected 0x2112a442")]
    BadMagicCookie {
        /// The value found in bytes 4..8.
        found: u32,
    },
    /// The message length is not a multiple of 4; every attribute is padded to a 32-bit
    /// boundary, so the length always is (RFC 8489 §5).
    #[error("STUN message length {length} is not a multiple of 4")]
    LengthNotMultipleOf4 {
        /// The message length field.
        length: u16,
    },
    /// The message length field disagrees with the bytes after the header
    /// (RFC 8489 §5: a datagram carries exactly one message).
    #[error("STUN message length says {declared} bytes after the header, the datagram has {got}")]
    LengthMismatch {
        /// The message length field.
        declared: usize,
        /// Bytes after the 20-byte header.
        got: usize,
    },
    /// An attribute's value runs past the end of the message (RFC 8489 §14).
    #[error(
        "STUN attribute {attr_type} at offset {offset} truncated: needed {needed} bytes, got {got}"
    )]
    TruncatedAttribute {
        /// The attribute's type.
        attr_type: AttributeType,
        /// Offset of the attribute's type field in the message.
        offset: usize,
        /// Message bytes the attribute's value needs.
        needed: usize,
        /// Message bytes available.
        got: usize,
    },
    /// An attribute follows FINGERPRINT, which must be the last attribute (RFC 8489 §14.7).
    #[error("STUN attribute {attr_type} follows FINGERPRINT, which must be last")]
    AttributeAfterFingerprint {
        /// The type of the attribute after FINGERPRINT.
        attr_type: AttributeType,
    },
    /// An attribute's value has a length its definition does not allow (e.g. a
    /// MESSAGE-INTEGRITY that is not 20 bytes, a PRIORITY that is not 4).
    #[error("STUN attribute {attr_type} has a value of {len} bytes, which its definition forbids")]
    InvalidAttributeLength {
        /// The attribute's type.
        attr_type: AttributeType,
        /// The length found, or given to the writer.
        len: usize,
    },
    /// A text attribute (USERNAME, SOFTWARE, REALM, an ERROR-CODE reason) longer than its
    /// definition allows (RFC 8489 §14.3, §14.8, §14.9, §14.14).
    #[error("STUN attribute {attr_type} of {len} bytes exceeds its maximum of {max}")]
    ValueTooLong {
        /// The attribute's type.
        attr_type: AttributeType,
        /// The length found, or given to the writer.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A text attribute that is not UTF-8 (RFC 8489 §14.3, §14.8, §14.14).
    #[error("STUN attribute {attr_type} is not UTF-8")]
    InvalidUtf8 {
        /// The attribute's type.
        attr_type: AttributeType,
    },
    /// An address attribute's family is neither 0x01 (IPv4) nor 0x02 (IPv6)
    /// (RFC 8489 §14.1, §14.2).
    #[error("STUN address family {family:#04x} is neither IPv4 (0x01) nor IPv6 (0x02)")]
    InvalidAddressFamily {
        /// The family octet.
        family: u8,
    },
    /// An ERROR-CODE whose class is not 3–6 or whose number is above 99 (RFC 8489 §14.8).
    #[error("STUN error code class {class}, number {number} is outside 300..=699")]
    InvalidErrorCode {
        /// The hundreds digit (the Class field).
        class: u16,
        /// The code modulo 100 (the Number field).
        number: u16,
    },
    /// A method above 0xFFF, which the 12 method bits cannot carry (RFC 8489 §5).
    #[error("STUN method {method:#x} does not fit in 12 bits")]
    InvalidMethod {
        /// The rejected method.
        method: u16,
    },
    /// The message has no MESSAGE-INTEGRITY to verify (RFC 8489 §14.5).
    #[error("STUN message has no MESSAGE-INTEGRITY")]
    MissingIntegrity,
    /// The message has no MESSAGE-INTEGRITY-SHA256 to verify (RFC 8489 §14.6).
    #[error("STUN message has no MESSAGE-INTEGRITY-SHA256")]
    MissingIntegritySha256,
    /// The message has no FINGERPRINT to verify (RFC 8489 §14.7).
    #[error("STUN message has no FINGERPRINT")]
    MissingFingerprint,
    /// The HMAC in MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 does not match the key
    /// (RFC 8489 §9.1.3, §9.1.4).
    #[error("STUN message integrity check failed")]
    IntegrityMismatch,
    /// The CRC-32 in FINGERPRINT does not match the message (RFC 8489 §14.7).
    #[error("STUN fingerprint {found:#010x} does not match the computed {computed:#010x}")]
    FingerprintMismatch {
        /// The value the message bytes give.
        computed: u32,
        /// The value in the attribute.
        found: u32,
    },
    /// A buffer to write into is too small.
    #[error("buffer too small: needed {needed} bytes, got {got}")]
    BufferTooSmall {
        /// Bytes the write needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// The message would exceed the 16-bit length field, or an attribute value the 16-bit
    /// attribute length (RFC 8489 §5, §14).
    #[error("STUN message or attribute of {len} bytes exceeds a 16-bit length field")]
    MessageTooLong {
        /// The length that did not fit.
        len: usize,
    },
    /// The writer was asked for an attribute after MESSAGE-INTEGRITY or
    /// MESSAGE-INTEGRITY-SHA256, where only the other integrity attribute and FINGERPRINT
    /// may follow (RFC 8489 §14.5, §14.6).
    #[error("STUN attribute {attr_type} cannot follow the message integrity")]
    AttributeAfterIntegrity {
        /// The attribute's type.
        attr_type: AttributeType,
    },
}
