//! Writing STUN messages into a caller's buffer, without allocating (RFC 8489 §5, §14).

use crate::attribute::{self, AttributeType, ErrorCode, padded};
use crate::error::Error;
use crate::header::{self, Class, HEADER_LEN, MAGIC_COOKIE, Method, TransactionId};
use crate::integrity::{self, INTEGRITY_SHA256_LEN};
use core::fmt;
use std::net::SocketAddr;

/// Writes one STUN message into a `&mut [u8]`, in wire order: the header (on creation),
/// attributes, then optionally MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256, then
/// [`MessageWriter::finish`] or [`MessageWriter::finish_with_fingerprint`].
///
/// The header's length field is kept current after every attribute, so the integrity
/// attributes cover exactly what RFC 8489 §14.5 says. Padding is zeros unless
/// [`MessageWriter::pad_with`] says otherwise (RFC 8489 §14 lets it be any value).
///
/// ```
/// use stun::{Class, Message, MessageWriter, Method, TransactionId};
///
/// let mut buf = [0u8; 128];
/// let id = TransactionId::new(*b"0123456789ab");
/// let mut w = MessageWriter::new(&mut buf, Class::Request, Method::BINDING, id)?;
/// w.username("remote:local")?.priority(0x6e00_01ff)?.ice_controlling(42)?.use_candidate()?;
/// w.message_integrity(b"password")?;
/// let len = w.finish_with_fingerprint()?;
///
/// let m = Message::parse(&buf[..len])?;
/// assert_eq!(m.username(), Some(Ok("remote:local")));
/// assert_eq!(m.ice_controlling(), Some(Ok(42)));
/// assert_eq!(m.use_candidate(), Ok(true));
/// m.verify_integrity(b"password")?;
/// # Ok::<(), stun::Error>(())
/// ```
pub struct MessageWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    transaction_id: TransactionId,
    padding: u8,
    has_integrity: bool,
    has_integrity_sha256: bool,
}

impl<'b> MessageWriter<'b> {
    /// Writes the header of a `class` `method` message with `transaction_id` at the start of
    /// `buf`, with no attributes yet.
    pub fn new(
        buf: &'b mut [u8],
        class: Class,
        method: Method,
        transaction_id: TransactionId,
    ) -> Result<Self, Error> {
        let got = buf.len();
        let head = buf
            .first_chunk_mut::<HEADER_LEN>()
            .ok_or(Error::BufferTooSmall {
                needed: HEADER_LEN,
                got,
            })?;
        head[..2].copy_from_slice(&header::message_type(class, method).to_be_bytes());
        head[2..4].copy_from_slice(&[0, 0]);
        head[4..8].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        head[8..].copy_from_slice(transaction_id.as_bytes());
        Ok(MessageWriter {
            buf,
            len: HEADER_LEN,
            transaction_id,
            padding: 0,
            has_integrity: false,
            has_integrity_sha256: false,
        })
    }

    /// Fills the padding of the attributes written from now on with `byte` instead of zero.
    /// RFC 5769's test vectors pad with spaces (0x20).
    pub fn pad_with(&mut self, byte: u8) -> &mut Self {
        self.padding = byte;
        self
    }

    /// The bytes written so far, header included.
    pub fn written_len(&self) -> usize {
        self.len
    }

    /// Appends an attribute with `value` verbatim; rejected after the integrity attributes.
    pub fn attribute(
        &mut self,
        attr_type: AttributeType,
        value: &[u8],
    ) -> Result<&mut Self, Error> {
        self.check_open(attr_type)?;
        self.put(attr_type, value.len(), |out| out.copy_from_slice(value))?;
        Ok(self)
    }

    fn check_open(&self, attr_type: AttributeType) -> Result<(), Error> {
        if self.has_integrity || self.has_integrity_sha256 {
            Err(Error::AttributeAfterIntegrity { attr_type })
        } else {
            Ok(())
        }
    }

    /// Appends one TLV of `len` value bytes that `fill` writes, pads it and updates the
    /// header's length field.
    fn put(
        &mut self,
        attr_type: AttributeType,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), Error> {
        let value_len = u16::try_from(len).map_err(|_| Error::MessageTooLong { len })?;
        let start = self.len;
        let end = start + 4 + padded(len);
        let message_len = end - HEADER_LEN;
        let length_field =
            u16::try_from(message_len).map_err(|_| Error::MessageTooLong { len: message_len })?;
        let got = self.buf.len();
        let slot = self
            .buf
            .get_mut(start..end)
            .ok_or(Error::BufferTooSmall { needed: end, got })?;
        let (tl, rest) = slot.split_at_mut(4);
        tl[..2].copy_from_slice(&attr_type.value().to_be_bytes());
        tl[2..].copy_from_slice(&value_len.to_be_bytes());
        let (value, pad) = rest.split_at_mut(len);
        fill(value);
        pad.fill(self.padding);
        self.buf[2..4].copy_from_slice(&length_field.to_be_bytes());
        self.len = end;
        Ok(())
    }

    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2).
    pub fn xor_mapped_address(&mut self, addr: SocketAddr) -> Result<&mut Self, Error> {
        let mut value = [0u8; 20];
        let len = attribute::write_xor_address(addr, &self.transaction_id, &mut value);
        self.attribute(AttributeType::XOR_MAPPED_ADDRESS, &value[..len])
    }

    /// USERNAME, at most 513 bytes (RFC 8489 §14.3).
    pub fn username(&mut self, username: &str) -> Result<&mut Self, Error> {
        self.text(AttributeType::USERNAME, username, 513)
    }

    /// SOFTWARE, at most 763 bytes (RFC 8489 §14.14).
    pub fn software(&mut self, software: &str) -> Result<&mut Self, Error> {
        self.text(AttributeType::SOFTWARE, software, 763)
    }

    fn text(
        &mut self,
        attr_type: AttributeType,
        text: &str,
        max: usize,
    ) -> Result<&mut Self, Error> {
        if text.len() > max {
            return Err(Error::ValueTooLong {
                attr_type,
                len: text.len(),
                max,
            });
        }
        self.attribute(attr_type, text.as_bytes())
    }

    /// PRIORITY (RFC 8445 §7.1.1).
    pub fn priority(&mut self, priority: u32) -> Result<&mut Self, Error> {
        self.attribute(AttributeType::PRIORITY, &priority.to_be_bytes())
    }

    /// USE-CANDIDATE, which has no value (RFC 8445 §7.1.2).
    pub fn use_candidate(&mut self) -> Result<&mut Self, Error> {
        self.attribute(AttributeType::USE_CANDIDATE, &[])
    }

    /// ICE-CONTROLLED with the agent's tie-breaker (RFC 8445 §7.1.3).
    pub fn ice_controlled(&mut self, tie_breaker: u64) -> Result<&mut Self, Error> {
        self.attribute(AttributeType::ICE_CONTROLLED, &tie_breaker.to_be_bytes())
    }

    /// ICE-CONTROLLING with the agent's tie-breaker (RFC 8445 §7.1.3).
    pub fn ice_controlling(&mut self, tie_breaker: u64) -> Result<&mut Self, Error> {
        self.attribute(AttributeType::ICE_CONTROLLING, &tie_breaker.to_be_bytes())
    }

    /// ERROR-CODE (RFC 8489 §14.8).
    pub fn error_code(&mut self, error: ErrorCode<'_>) -> Result<&mut Self, Error> {
        let attr_type = AttributeType::ERROR_CODE;
        self.check_open(attr_type)?;
        let reason = error.reason().as_bytes();
        self.put(attr_type, 4 + reason.len(), |out| {
            let (fixed, text) = out.split_at_mut(4);
            fixed.copy_from_slice(&error.fixed());
            text.copy_from_slice(reason);
        })?;
        Ok(self)
    }

    /// UNKNOWN-ATTRIBUTES listing `types` (RFC 8489 §14.13).
    pub fn unknown_attributes(&mut self, types: &[AttributeType]) -> Result<&mut Self, Error> {
        let attr_type = AttributeType::UNKNOWN_ATTRIBUTES;
        self.check_open(attr_type)?;
        self.put(attr_type, 2 * types.len(), |out| {
            for (slot, t) in out.chunks_exact_mut(2).zip(types) {
                slot.copy_from_slice(&t.value().to_be_bytes());
            }
        })?;
        Ok(self)
    }

    /// Appends MESSAGE-INTEGRITY, HMAC-SHA1 keyed with `key` (the short-term password's
    /// bytes) over the message so far (RFC 8489 §14.5). Only MESSAGE-INTEGRITY-SHA256 and
    /// FINGERPRINT may follow.
    pub fn message_integrity(&mut self, key: &[u8]) -> Result<&mut Self, Error> {
        let attr_type = AttributeType::MESSAGE_INTEGRITY;
        self.check_open(attr_type)?;
        self.put(attr_type, integrity::INTEGRITY_LEN, |_| {})?;
        let start = self.len - 4 - integrity::INTEGRITY_LEN;
        let length = (self.len - HEADER_LEN) as u16;
        let mac = integrity::hmac_sha1(key, &self.buf[..start], length);
        self.buf[start + 4..self.len].copy_from_slice(&mac);
        self.has_integrity = true;
        Ok(self)
    }

    /// Appends MESSAGE-INTEGRITY-SHA256, the full 32-byte HMAC-SHA256 keyed with `key` over
    /// the message so far, MESSAGE-INTEGRITY included if written (RFC 8489 §14.6). Only
    /// FINGERPRINT may follow.
    pub fn message_integrity_sha256(&mut self, key: &[u8]) -> Result<&mut Self, Error> {
        let attr_type = AttributeType::MESSAGE_INTEGRITY_SHA256;
        if self.has_integrity_sha256 {
            return Err(Error::AttributeAfterIntegrity { attr_type });
        }
        self.put(attr_type, INTEGRITY_SHA256_LEN, |_| {})?;
        let start = self.len - 4 - INTEGRITY_SHA256_LEN;
        let length = (self.len - HEADER_LEN) as u16;
        let mac = integrity::hmac_sha256(key, &self.buf[..start], length);
        self.buf[start + 4..self.len].copy_from_slice(&mac);
        self.has_integrity_sha256 = true;
        Ok(self)
    }

    /// Ends the message and returns its length.
    pub fn finish(self) -> usize {
        self.len
    }

    /// Appends FINGERPRINT (RFC 8489 §14.7), ends the message and returns its length.
    pub fn finish_with_fingerprint(mut self) -> Result<usize, Error> {
        self.put(AttributeType::FINGERPRINT, 4, |_| {})?;
        let start = self.len - 8;
        let crc = integrity::fingerprint(&self.buf[..start]);
        self.buf[start + 4..self.len].copy_from_slice(&crc.to_be_bytes());
        Ok(self.len)
    }
}

impl fmt::Debug for MessageWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageWriter")
            .field("written", &self.len)
            .field("capacity", &self.buf.len())
            .field("transaction_id", &self.transaction_id)
            .field("has_integrity", &self.has_integrity)
            .field("has_integrity_sha256", &self.has_integrity_sha256)
            .finish()
    }
}
