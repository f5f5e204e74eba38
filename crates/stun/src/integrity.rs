//! MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6)
//! and FINGERPRINT (CRC-32, RFC 8489 §14.7): the computations shared by the parser and the
//! writer.
//!
//! The HMAC covers the message up to the integrity attribute, with the header's length
//! field set as if the integrity attribute were the last one; attributes after it
//! (FINGERPRINT) do not count. The key is the short-term password's bytes (RFC 8489 §9.1.1,
//! what ICE uses, RFC 8445 §7.2.2). Long-term credentials, whose key is
//! MD5(username ":" realm ":" password) after OpaqueString, are out of scope: a caller that
//! has such a key can still pass its bytes.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Length of an HMAC-SHA1 value (RFC 8489 §14.5).
pub const INTEGRITY_LEN: usize = 20;

/// Length of a full HMAC-SHA256 value; MESSAGE-INTEGRITY-SHA256 may be truncated to as few
/// as 16 bytes, in steps of 4 (RFC 8489 §14.6).
pub const INTEGRITY_SHA256_LEN: usize = 32;

/// The value XORed with the CRC-32 to make FINGERPRINT ("STUN", RFC 8489 §14.7).
pub const FINGERPRINT_XOR: u32 = 0x5354_554E;

/// HMAC-SHA1 of `prefix` (the message up to the integrity attribute) with the length field
/// replaced by `length`.
pub(crate) fn hmac_sha1(key: &[u8], prefix: &[u8], length: u16) -> [u8; INTEGRITY_LEN] {
    // HMAC takes a key of any length, so this never fails.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    feed(&mut mac, prefix, length);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `prefix` with the length field replaced by `length`.
pub(crate) fn hmac_sha256(key: &[u8], prefix: &[u8], length: u16) -> [u8; INTEGRITY_SHA256_LEN] {
    // HMAC takes a key of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    feed(&mut mac, prefix, length);
    mac.finalize().into_bytes().into()
}

fn feed(mac: &mut impl Mac, prefix: &[u8], length: u16) {
    mac.update(prefix.get(..2).unwrap_or_default());
    mac.update(&length.to_be_bytes());
    mac.update(prefix.get(4..).unwrap_or_default());
}

/// The FINGERPRINT value of `prefix`, the message up to the FINGERPRINT attribute with the
/// length field already counting it.
pub(crate) fn fingerprint(prefix: &[u8]) -> u32 {
    crc32fast::hash(prefix) ^ FINGERPRINT_XOR
}

/// Whether the `received` MAC equals the first `received.len()` bytes of `computed`, in
/// time that does not depend on where they differ.
pub(crate) fn macs_match(computed: &[u8], received: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    computed
        .get(..received.len())
        .is_some_and(|c| bool::from(c.ct_eq(received)))
}
