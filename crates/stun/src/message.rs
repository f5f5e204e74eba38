//! A parsed STUN message: a zero-copy view over a datagram (RFC 8489 §5, §14).

use crate::attribute::{
    self, AttributeType, Attributes, ErrorCode, RawAttribute, UnknownAttributes, padded,
};
use crate::error::Error;
use crate::header::{self, Class, HEADER_LEN, MAGIC_COOKIE, Method, TransactionId};
use crate::integrity::{self, INTEGRITY_LEN, INTEGRITY_SHA256_LEN};
use std::net::SocketAddr;

/// The longest USERNAME, in bytes (RFC 8489 §14.3).
const MAX_USERNAME_LEN: usize = 513;
/// The longest SOFTWARE description, in bytes (RFC 8489 §14.14).
const MAX_SOFTWARE_LEN: usize = 763;

/// A STUN message borrowed from the datagram that carried it.
///
/// [`Message::parse`] checks the framing: the header, the magic cookie, the length, every
/// attribute's bounds, the sizes of the integrity and fingerprint attributes and that
/// FINGERPRINT is last. Attribute values are checked when a getter reads them.
///
/// Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT,
/// and after MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are not covered by the
/// integrity, so RFC 8489 §14.5 and §14.6 say to ignore them: the typed getters and
/// [`Message::attribute`] do; [`Message::attributes`] lists every TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    buf: &'a [u8],
    /// End of the attributes the integrity covers (offset of the first integrity or
    /// fingerprint attribute, or the message's end).
    covered_end: usize,
    integrity: Option<usize>,
    integrity_sha256: Option<usize>,
    fingerprint: Option<usize>,
}

impl<'a> Message<'a> {
    /// Parses the STUN message that fills `datagram` (RFC 8489 §5, §6.3).
    pub fn parse(datagram: &'a [u8]) -> Result<Self, Error> {
        let buf = datagram;
        let (&header, body) = buf
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(Error::TruncatedHeader { got: buf.len() })?;
        if header[0] & 0xC0 != 0 {
            return Err(Error::NotStun {
                first_byte: header[0],
            });
        }
        let cookie = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        if cookie != MAGIC_COOKIE {
            return Err(Error::BadMagicCookie { found: cookie });
        }
        let length = u16::from_be_bytes([header[2], header[3]]);
        if length % 4 != 0 {
            return Err(Error::LengthNotMultipleOf4 { length });
        }
        if usize::from(length) != body.len() {
            return Err(Error::LengthMismatch {
                declared: usize::from(length),
                got: body.len(),
            });
        }
        let end = buf.len();
        let mut message = Message {
            buf,
            covered_end: end,
            integrity: None,
            integrity_sha256: None,
            fingerprint: None,
        };
        let mut offset = HEADER_LEN;
        // Every TLV is at least 4 bytes, so this runs at most 16 384 times.
        while let Some(&[t0, t1, l0, l1]) = buf.get(offset..).and_then(|r| r.first_chunk::<4>()) {
            let attr_type = AttributeType::new(u16::from_be_bytes([t0, t1]));
            let len = usize::from(u16::from_be_bytes([l0, l1]));
            let value_end = offset + 4 + len;
            if value_end > end {
                return Err(Error::TruncatedAttribute {
                    attr_type,
                    offset,
                    needed: value_end,
                    got: end,
                });
            }
            if message.fingerprint.is_some() {
                return Err(Error::AttributeAfterFingerprint { attr_type });
            }
            let wrong_len = Error::InvalidAttributeLength { attr_type, len };
            match attr_type {
                AttributeType::MESSAGE_INTEGRITY => {
                    if len != INTEGRITY_LEN {
                        return Err(wrong_len);
                    }
                    if message.integrity.is_none() && message.integrity_sha256.is_none() {
                        message.integrity = Some(offset);
                    }
                }
                AttributeType::MESSAGE_INTEGRITY_SHA256 => {
                    if !(16..=INTEGRITY_SHA256_LEN).contains(&len) || len % 4 != 0 {
                        return Err(wrong_len);
                    }
                    if message.integrity_sha256.is_none() {
                        message.integrity_sha256 = Some(offset);
                    }
                }
                AttributeType::FINGERPRINT => {
                    if len != 4 {
                        return Err(wrong_len);
                    }
                    message.fingerprint = Some(offset);
                }
                _ => {}
            }
            if matches!(
                attr_type,
                AttributeType::MESSAGE_INTEGRITY
                    | AttributeType::MESSAGE_INTEGRITY_SHA256
                    | AttributeType::FINGERPRINT
            ) {
                message.covered_end = message.covered_end.min(offset);
            }
            offset += 4 + padded(len);
        }
        Ok(message)
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    fn type_field(&self) -> u16 {
        u16::from_be_bytes([self.buf[0], self.buf[1]]) & 0x3FFF
    }

    /// The class: request, indication, success or error response (RFC 8489 §5).
    pub fn class(&self) -> Class {
        header::split_message_type(self.type_field()).0
    }

    /// The method (RFC 8489 §5); ICE uses [`Method::BINDING`].
    pub fn method(&self) -> Method {
        header::split_message_type(self.type_field()).1
    }

    /// The transaction ID (RFC 8489 §5).
    pub fn transaction_id(&self) -> TransactionId {
        let mut id = [0u8; 12];
        id.copy_from_slice(&self.buf[8..HEADER_LEN]);
        TransactionId::new(id)
    }

    /// Every attribute, in wire order, including the integrity and fingerprint attributes
    /// and any that follow the integrity (which the typed getters ignore).
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes::new(&self.buf[HEADER_LEN..])
    }

    /// The first attribute of type `attr_type` among those the integrity covers (or all, if
    /// the message has no integrity). For MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
    /// FINGERPRINT use the `verify_*` methods.
    pub fn attribute(&self, attr_type: AttributeType) -> Option<RawAttribute<'a>> {
        Attributes::new(&self.buf[HEADER_LEN..self.covered_end])
            .find(|a| a.attr_type() == attr_type)
    }

    fn value(&self, attr_type: AttributeType) -> Option<&'a [u8]> {
        self.attribute(attr_type).map(|a| a.value())
    }

    /// XOR-MAPPED-ADDRESS: the reflexive transport address a response reports
    /// (RFC 8489 §14.2).
    pub fn xor_mapped_address(&self) -> Option<Result<SocketAddr, Error>> {
        let id = self.transaction_id();
        self.value(AttributeType::XOR_MAPPED_ADDRESS)
            .map(|v| attribute::xor_address(v, &id))
    }

    /// USERNAME: for ICE, "remote-ufrag:local-ufrag" (RFC 8489 §14.3, RFC 8445 §7.2.2).
    pub fn username(&self) -> Option<Result<&'a str, Error>> {
        self.value(AttributeType::USERNAME)
            .map(|v| attribute::text(AttributeType::USERNAME, v, MAX_USERNAME_LEN))
    }

    /// SOFTWARE: the sender's description of itself (RFC 8489 §14.14).
    pub fn software(&self) -> Option<Result<&'a str, Error>> {
        self.value(AttributeType::SOFTWARE)
            .map(|v| attribute::text(AttributeType::SOFTWARE, v, MAX_SOFTWARE_LEN))
    }

    /// PRIORITY: the priority a peer-reflexive candidate learnt from this check would have
    /// (RFC 8445 §7.1.1, §16.1).
    pub fn priority(&self) -> Option<Result<u32, Error>> {
        self.value(AttributeType::PRIORITY)
            .map(|v| attribute::fixed::<4>(AttributeType::PRIORITY, v).map(u32::from_be_bytes))
    }

    /// USE-CANDIDATE: whether the controlling agent nominates this pair (RFC 8445 §7.1.2).
    /// `Ok(false)` when absent; an error when present with a value, which it never has.
    pub fn use_candidate(&self) -> Result<bool, Error> {
        match self.value(AttributeType::USE_CANDIDATE) {
            None => Ok(false),
            Some([]) => Ok(true),
            Some(v) => Err(Error::InvalidAttributeLength {
                attr_type: AttributeType::USE_CANDIDATE,
                len: v.len(),
            }),
        }
    }

    /// ICE-CONTROLLED: the sender's tie-breaker, sent when it is the controlled agent
    /// (RFC 8445 §7.1.3).
    pub fn ice_controlled(&self) -> Option<Result<u64, Error>> {
        self.tie_breaker(AttributeType::ICE_CONTROLLED)
    }

    /// ICE-CONTROLLING: the sender's tie-breaker, sent when it is the controlling agent
    /// (RFC 8445 §7.1.3).
    pub fn ice_controlling(&self) -> Option<Result<u64, Error>> {
        self.tie_breaker(AttributeType::ICE_CONTROLLING)
    }

    fn tie_breaker(&self, attr_type: AttributeType) -> Option<Result<u64, Error>> {
        self.value(attr_type)
            .map(|v| attribute::fixed::<8>(attr_type, v).map(u64::from_be_bytes))
    }

    /// ERROR-CODE: the code and reason of an error response (RFC 8489 §14.8).
    pub fn error_code(&self) -> Option<Result<ErrorCode<'a>, Error>> {
        self.value(AttributeType::ERROR_CODE).map(ErrorCode::parse)
    }

    /// UNKNOWN-ATTRIBUTES: the comprehension-required attributes a 420 response did not
    /// understand (RFC 8489 §14.13).
    pub fn unknown_attributes(&self) -> Option<Result<UnknownAttributes<'a>, Error>> {
        self.value(AttributeType::UNKNOWN_ATTRIBUTES)
            .map(UnknownAttributes::parse)
    }

    /// Whether the message carries a MESSAGE-INTEGRITY that [`Message::verify_integrity`]
    /// checks.
    pub fn has_integrity(&self) -> bool {
        self.integrity.is_some()
    }

    /// Whether the message carries a MESSAGE-INTEGRITY-SHA256.
    pub fn has_integrity_sha256(&self) -> bool {
        self.integrity_sha256.is_some()
    }

    /// Whether the message ends with a FINGERPRINT.
    pub fn has_fingerprint(&self) -> bool {
        self.fingerprint.is_some()
    }

    /// Checks MESSAGE-INTEGRITY, HMAC-SHA1 keyed with `key` (the short-term password's
    /// bytes), comparing in constant time (RFC 8489 §14.5, §9.1.3).
    pub fn verify_integrity(&self, key: &[u8]) -> Result<(), Error> {
        let offset = self.integrity.ok_or(Error::MissingIntegrity)?;
        let (prefix, length, received) = self.covered(offset);
        let computed = integrity::hmac_sha1(key, prefix, length);
        if integrity::macs_match(&computed, received) {
            Ok(())
        } else {
            Err(Error::IntegrityMismatch)
        }
    }

    /// Checks MESSAGE-INTEGRITY-SHA256, HMAC-SHA256 keyed with `key` and possibly truncated,
    /// comparing in constant time (RFC 8489 §14.6, §9.1.3).
    pub fn verify_integrity_sha256(&self, key: &[u8]) -> Result<(), Error> {
        let offset = self.integrity_sha256.ok_or(Error::MissingIntegritySha256)?;
        let (prefix, length, received) = self.covered(offset);
        let computed = integrity::hmac_sha256(key, prefix, length);
        if integrity::macs_match(&computed, received) {
            Ok(())
        } else {
            Err(Error::IntegrityMismatch)
        }
    }

    /// The bytes before the integrity attribute at `offset`, the length field the HMAC
    /// covers (the message ending with that attribute) and the attribute's value.
    fn covered(&self, offset: usize) -> (&'a [u8], u16, &'a [u8]) {
        let value = Attributes::new(&self.buf[offset..])
            .next()
            .map(|a| a.value())
            .unwrap_or_default();
        let length = offset + 4 + value.len() - HEADER_LEN;
        (&self.buf[..offset], length as u16, value)
    }

    /// Checks FINGERPRINT: CRC-32 of the message before it, XOR 0x5354554E
    /// (RFC 8489 §14.7).
    pub fn verify_fingerprint(&self) -> Result<(), Error> {
        let offset = self.fingerprint.ok_or(Error::MissingFingerprint)?;
        let computed = integrity::fingerprint(&self.buf[..offset]);
        let value = &self.buf[offset + 4..];
        let found = u32::from_be_bytes([value[0], value[1], value[2], value[3]]);
        if computed == found {
            Ok(())
        } else {
            Err(Error::FingerprintMismatch { computed, found })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MessageWriter, integrity};

    /// RFC 8489 §14.6 lets MESSAGE-INTEGRITY-SHA256 be truncated to 16–28 bytes in steps
    /// of 4; the HMAC's length field then counts the truncated attribute. The writer always
    /// writes 32 bytes, so this builds a 16-byte one by hand.
    #[test]
    fn truncated_integrity_sha256_verifies() {
        let key = b"key";
        let mut buf = [0u8; 64];
        let mut w = MessageWriter::new(
            &mut buf,
            Class::Request,
            Method::BINDING,
            TransactionId::new([5; 12]),
        )
        .unwrap();
        w.priority(7).unwrap();
        let len = w.finish();
        let total = len + 4 + 16;
        let length = (total - HEADER_LEN) as u16;
        buf[2..4].copy_from_slice(&length.to_be_bytes());
        let mac = integrity::hmac_sha256(key, &buf[..len], length);
        buf[len..len + 4].copy_from_slice(&[0x00, 0x1C, 0x00, 16]);
        buf[len + 4..total].copy_from_slice(&mac[..16]);
        let m = Message::parse(&buf[..total]).unwrap();
        assert_eq!(m.verify_integrity_sha256(key), Ok(()));
        assert_eq!(
            m.verify_integrity_sha256(b"other"),
            Err(Error::IntegrityMismatch)
        );
        // 12 bytes is below the minimum of 16.
        buf[len + 3] = 12;
        buf[2..4].copy_from_slice(&(length - 4).to_be_bytes());
        assert_eq!(
            Message::parse(&buf[..total - 4]),
            Err(Error::InvalidAttributeLength {
                attr_type: AttributeType::MESSAGE_INTEGRITY_SHA256,
                len: 12
            })
        );
    }
}
