//! SRTP protection profiles: the cipher, authentication and key sizes of each crypto
//! suite, with their DTLS-SRTP identifiers (RFC 5764 §4.1.2, RFC 7714 §14.2).

/// The cryptographic transform family of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Transform {
    /// AES in counter mode with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1).
    AesCm,
    /// No encryption, HMAC-SHA1 authentication (RFC 3711 §4.1.3).
    Null,
    /// AES-GCM authenticated encryption (RFC 7714).
    AesGcm,
}

/// An SRTP protection profile (crypto suite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtectionProfile {
    /// AES-128 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 3711 §5, RFC 4568 §6.2.1).
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, HMAC-SHA1 with a 32-bit SRTP tag; SRTCP keeps 80 bits
    /// (RFC 4568 §6.2.2, RFC 5764 §4.1.2).
    AesCm128HmacSha1_32,
    /// AES-256 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 6188 §3, §6).
    AesCm256HmacSha1_80,
    /// AES-256 counter mode, HMAC-SHA1 with a 32-bit SRTP tag; SRTCP keeps 80 bits
    /// (RFC 6188 §6).
    AesCm256HmacSha1_32,
    /// AES-128 in Galois/counter mode with a 128-bit tag (RFC 7714 §12).
    AeadAes128Gcm,
    /// AES-256 in Galois/counter mode with a 128-bit tag (RFC 7714 §12).
    AeadAes256Gcm,
    /// No encryption, HMAC-SHA1 with an 80-bit tag (RFC 5764 §4.1.2). For testing only:
    /// packets travel in clear.
    NullHmacSha1_80,
}

impl ProtectionProfile {
    /// Every profile this crate implements.
    pub const ALL: [ProtectionProfile; 7] = [
        Self::AesCm128HmacSha1_80,
        Self::AesCm128HmacSha1_32,
        Self::AesCm256HmacSha1_80,
        Self::AesCm256HmacSha1_32,
        Self::AeadAes128Gcm,
        Self::AeadAes256Gcm,
        Self::NullHmacSha1_80,
    ];

    /// Each profile's parameters in one table, a row per profile as the RFCs list them
    /// (RFC 3711 §8.2, RFC 5764 §4.1.2, RFC 6188 §6, RFC 7714 §12, §14). The NULL
    /// profile still derives its authentication key with AES-128, so its master key is
    /// 16 bytes, as in libsrtp. Every HMAC profile keeps an 80-bit SRTCP tag.
    #[rustfmt::skip]
    fn suite(self) -> Suite {
        use Transform::{AesCm, AesGcm, Null};
        let (name, dtls_id, transform, key_len, salt_len, auth_key_len, rtp_tag_len, rtcp_tag_len) =
            match self {
                //                             SDES name                   DTLS id        transform key salt auth rtp rtcp
                Self::AesCm128HmacSha1_80 =>  ("AES_CM_128_HMAC_SHA1_80",  Some(0x0001),  AesCm,   16,  14,  20,  10,  10),
                Self::AesCm128HmacSha1_32 =>  ("AES_CM_128_HMAC_SHA1_32",  Some(0x0002),  AesCm,   16,  14,  20,  4,   10),
                Self::AesCm256HmacSha1_80 =>  ("AES_256_CM_HMAC_SHA1_80",  None,          AesCm,   32,  14,  20,  10,  10),
                Self::AesCm256HmacSha1_32 =>  ("AES_256_CM_HMAC_SHA1_32",  None,          AesCm,   32,  14,  20,  4,   10),
                Self::AeadAes128Gcm =>        ("AEAD_AES_128_GCM",         Some(0x0007),  AesGcm,  16,  12,  0,   16,  16),
                Self::AeadAes256Gcm =>        ("AEAD_AES_256_GCM",         Some(0x0008),  AesGcm,  32,  12,  0,   16,  16),
                Self::NullHmacSha1_80 =>      ("NULL_HMAC_SHA1_80",        Some(0x0005),  Null,    16,  14,  20,  10,  10),
            };
        Suite { name, dtls_id, transform, key_len, salt_len, auth_key_len, rtp_tag_len, rtcp_tag_len }
    }

    /// The DTLS-SRTP protection profile identifier (RFC 5764 §4.1.2, RFC 7714 §14.2), or
    /// `None` for the AES-256-CM profiles, which have no DTLS-SRTP registration.
    pub fn dtls_id(self) -> Option<u16> {
        self.suite().dtls_id
    }

    /// The profile a DTLS-SRTP identifier names (RFC 5764 §4.1.2, RFC 7714 §14.2).
    pub fn from_dtls_id(id: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.dtls_id() == Some(id))
    }

    /// The SDES crypto-suite name (RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.1).
    pub fn name(self) -> &'static str {
        self.suite().name
    }

    /// Master (and session encryption) key length in bytes. The NULL profile still
    /// derives its authentication key with AES-128, so its master key is 16 bytes, as in
    /// libsrtp.
    pub fn master_key_len(self) -> usize {
        self.suite().key_len
    }

    /// Master (and session) salt length in bytes: 14 for counter mode (RFC 3711 §8.2),
    /// 12 for GCM (RFC 7714 §12).
    pub fn master_salt_len(self) -> usize {
        self.suite().salt_len
    }

    /// The length of the SRTP authentication tag in bytes.
    pub fn rtp_tag_len(self) -> usize {
        self.suite().rtp_tag_len
    }

    /// The length of the SRTCP authentication tag in bytes (80 bits for every HMAC
    /// profile, RFC 5764 §4.1.2; 128 bits for GCM).
    pub fn rtcp_tag_len(self) -> usize {
        self.suite().rtcp_tag_len
    }

    /// The HMAC-SHA1 session authentication key length in bytes (RFC 3711 §8.2), zero for
    /// GCM.
    pub fn auth_key_len(self) -> usize {
        self.suite().auth_key_len
    }

    /// Bytes of DTLS-SRTP keying material this profile consumes: two master keys and two
    /// master salts (RFC 5764 §4.2).
    pub fn keying_material_len(self) -> usize {
        2 * (self.master_key_len() + self.master_salt_len())
    }

    pub(crate) fn transform(self) -> Transform {
        self.suite().transform
    }
}

/// One row of [`ProtectionProfile::suite`].
struct Suite {
    name: &'static str,
    dtls_id: Option<u16>,
    transform: Transform,
    key_len: usize,
    salt_len: usize,
    auth_key_len: usize,
    rtp_tag_len: usize,
    rtcp_tag_len: usize,
}

impl std::fmt::Display for ProtectionProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::ProtectionProfile as P;

    #[test]
    fn dtls_ids_are_the_registered_ones() {
        assert_eq!(P::AesCm128HmacSha1_80.dtls_id(), Some(1));
        assert_eq!(P::AesCm128HmacSha1_32.dtls_id(), Some(2));
        assert_eq!(P::NullHmacSha1_80.dtls_id(), Some(5));
        assert_eq!(P::AeadAes128Gcm.dtls_id(), Some(7));
        assert_eq!(P::AeadAes256Gcm.dtls_id(), Some(8));
        assert_eq!(P::AesCm256HmacSha1_80.dtls_id(), None);
        assert_eq!(P::from_dtls_id(7), Some(P::AeadAes128Gcm));
        assert_eq!(P::from_dtls_id(3), None);
    }

    #[test]
    fn lengths_follow_the_rfcs() {
        assert_eq!(P::AesCm128HmacSha1_80.keying_material_len(), 60);
        assert_eq!(P::AeadAes128Gcm.keying_material_len(), 56);
        assert_eq!(P::AeadAes256Gcm.keying_material_len(), 88);
        assert_eq!(P::AesCm256HmacSha1_32.keying_material_len(), 92);
        assert_eq!(P::AesCm128HmacSha1_32.rtp_tag_len(), 4);
        assert_eq!(P::AesCm128HmacSha1_32.rtcp_tag_len(), 10);
        assert_eq!(P::AeadAes256Gcm.rtp_tag_len(), 16);
    }
}
