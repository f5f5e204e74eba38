//! The negotiable parameters: cipher suites (RFC 8422 §6, RFC 7905), named groups
//! (RFC 8422 §5.1.1) and signature schemes (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3).

/// A cipher suite this implementation speaks: ECDHE key exchange, ECDSA or RSA
/// authentication of the server and an AEAD record protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xC02B, RFC 5289), mandatory for WebRTC.
    EcdheEcdsaAes128GcmSha256,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xC02C, RFC 5289).
    EcdheEcdsaAes256GcmSha384,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA9, RFC 7905).
    EcdheEcdsaChacha20Poly1305Sha256,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xC02F, RFC 5289): a server with an RSA
    /// certificate. Needs the `ring` feature (RSA signing and verification).
    EcdheRsaAes128GcmSha256,
    /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xC030, RFC 5289).
    EcdheRsaAes256GcmSha384,
    /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA8, RFC 7905).
    EcdheRsaChacha20Poly1305Sha256,
    /// TLS_AES_128_GCM_SHA256 (0x1301, RFC 8446), DTLS 1.3 only: negotiated when the
    /// configuration lists an AES-128-GCM suite.
    Tls13Aes128GcmSha256,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303, RFC 8446), DTLS 1.3 only: negotiated when the
    /// configuration lists a ChaCha20-Poly1305 suite.
    Tls13Chacha20Poly1305Sha256,
}

/// How a cipher suite authenticates the server: the key type its certificate must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// An ECDSA key (P-256 or P-384).
    Ecdsa,
    /// An RSA key (2048 to 4096 bits), signing PKCS#1 v1.5 or PSS.
    Rsa,
}

/// The PRF hash of a cipher suite (RFC 5246 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrfHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

/// The record protection of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkCipher {
    /// AES-128-GCM with a 4-byte implicit and 8-byte explicit nonce (RFC 5288 §3).
    Aes128Gcm,
    /// AES-256-GCM with a 4-byte implicit and 8-byte explicit nonce (RFC 5288 §3).
    Aes256Gcm,
    /// ChaCha20-Poly1305 with a 12-byte IV XORed with the sequence number (RFC 7905 §2).
    Chacha20Poly1305,
}

impl BulkCipher {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            BulkCipher::Aes128Gcm => 16,
            BulkCipher::Aes256Gcm | BulkCipher::Chacha20Poly1305 => 32,
        }
    }

    /// Implicit IV (fixed_iv) length taken from the key block.
    pub fn fixed_iv_len(self) -> usize {
        match self {
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm => 4,
            BulkCipher::Chacha20Poly1305 => 12,
        }
    }

    /// Explicit nonce bytes carried in every record.
    pub fn explicit_nonce_len(self) -> usize {
        match self {
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm => 8,
            BulkCipher::Chacha20Poly1305 => 0,
        }
    }

    /// Bytes a protected record adds to its plaintext.
    pub fn overhead(self) -> usize {
        self.explicit_nonce_len() + 16
    }
}

impl CipherSuite {
    /// Every suite, in the default preference order (ECDSA first). A server of ours picks
    /// among the suites of its certificate's key type only: ECDHE_ECDSA for the default
    /// P-256 certificate, ECDHE_RSA for an RSA one.
    pub const ALL: [CipherSuite; 6] = [
        CipherSuite::EcdheEcdsaAes128GcmSha256,
        CipherSuite::EcdheEcdsaAes256GcmSha384,
        CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        CipherSuite::EcdheRsaAes128GcmSha256,
        CipherSuite::EcdheRsaAes256GcmSha384,
        CipherSuite::EcdheRsaChacha20Poly1305Sha256,
    ];

    /// The suites this build can complete: every one with the `ring` feature, the ECDSA
    /// ones without it (RSA verification runs on `ring` only). [`crate::Config::new`]
    /// offers these.
    pub fn available() -> Vec<CipherSuite> {
        CipherSuite::ALL
            .into_iter()
            .filter(|s| s.authentication() == Authentication::Ecdsa || cfg!(feature = "ring"))
            .collect()
    }

    /// The key type the server's certificate must hold under this suite (the DTLS 1.3
    /// suites do not bind it; they report ECDSA, the only key our own certificates hold).
    pub fn authentication(self) -> Authentication {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256
            | CipherSuite::EcdheEcdsaAes256GcmSha384
            | CipherSuite::EcdheEcdsaChacha20Poly1305Sha256
            | CipherSuite::Tls13Aes128GcmSha256
            | CipherSuite::Tls13Chacha20Poly1305Sha256 => Authentication::Ecdsa,
            CipherSuite::EcdheRsaAes128GcmSha256
            | CipherSuite::EcdheRsaAes256GcmSha384
            | CipherSuite::EcdheRsaChacha20Poly1305Sha256 => Authentication::Rsa,
        }
    }

    /// The IANA value.
    pub fn to_u16(self) -> u16 {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => 0xC02B,
            CipherSuite::EcdheEcdsaAes256GcmSha384 => 0xC02C,
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => 0xCCA9,
            CipherSuite::EcdheRsaAes128GcmSha256 => 0xC02F,
            CipherSuite::EcdheRsaAes256GcmSha384 => 0xC030,
            CipherSuite::EcdheRsaChacha20Poly1305Sha256 => 0xCCA8,
            CipherSuite::Tls13Aes128GcmSha256 => 0x1301,
            CipherSuite::Tls13Chacha20Poly1305Sha256 => 0x1303,
        }
    }

    /// The suite for an IANA value, if this implementation speaks it.
    pub fn from_u16(v: u16) -> Option<Self> {
        CipherSuite::ALL.into_iter().find(|s| s.to_u16() == v)
    }

    /// The PRF hash.
    pub fn prf_hash(self) -> PrfHash {
        match self {
            CipherSuite::EcdheEcdsaAes256GcmSha384 | CipherSuite::EcdheRsaAes256GcmSha384 => {
                PrfHash::Sha384
            }
            _ => PrfHash::Sha256,
        }
    }

    /// The record protection.
    pub fn bulk_cipher(self) -> BulkCipher {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256
            | CipherSuite::EcdheRsaAes128GcmSha256
            | CipherSuite::Tls13Aes128GcmSha256 => BulkCipher::Aes128Gcm,
            CipherSuite::EcdheEcdsaAes256GcmSha384 | CipherSuite::EcdheRsaAes256GcmSha384 => {
                BulkCipher::Aes256Gcm
            }
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256
            | CipherSuite::EcdheRsaChacha20Poly1305Sha256
            | CipherSuite::Tls13Chacha20Poly1305Sha256 => BulkCipher::Chacha20Poly1305,
        }
    }

    /// The IANA name, as OpenSSL's `-cipher` list knows it under its own alias.
    pub fn name(self) -> &'static str {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            CipherSuite::EcdheEcdsaAes256GcmSha384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => {
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            }
            CipherSuite::EcdheRsaAes128GcmSha256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            CipherSuite::EcdheRsaAes256GcmSha384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            CipherSuite::EcdheRsaChacha20Poly1305Sha256 => {
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
            }
            CipherSuite::Tls13Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            CipherSuite::Tls13Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }
}

/// An ECDHE group (RFC 8422 §5.1.1, RFC 7748 for X25519).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedGroup {
    /// x25519(29).
    X25519,
    /// secp256r1(23), a.k.a. P-256.
    Secp256r1,
    /// secp384r1(24), a.k.a. P-384.
    Secp384r1,
}

impl NamedGroup {
    /// Every group, in the default preference order.
    pub const ALL: [NamedGroup; 3] = [
        NamedGroup::X25519,
        NamedGroup::Secp256r1,
        NamedGroup::Secp384r1,
    ];

    /// The IANA value.
    pub fn to_u16(self) -> u16 {
        match self {
            NamedGroup::X25519 => 29,
            NamedGroup::Secp256r1 => 23,
            NamedGroup::Secp384r1 => 24,
        }
    }

    /// The group for an IANA value, if this implementation speaks it.
    pub fn from_u16(v: u16) -> Option<Self> {
        NamedGroup::ALL.into_iter().find(|g| g.to_u16() == v)
    }
}

/// A signature scheme (RFC 5246 §7.4.1.4.1 hash/signature pairs, named as in RFC 8446).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// ecdsa_secp256r1_sha256 (0x0403): what our own P-256 key signs with.
    EcdsaSecp256r1Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503): verified when a peer's certificate holds a P-384 key.
    EcdsaSecp384r1Sha384,
    /// rsa_pss_rsae_sha256 (0x0804): RSA-PSS with SHA-256 and MGF1-SHA-256, salt of the
    /// hash's length (RFC 8446 §4.2.3), under an rsaEncryption key.
    RsaPssRsaeSha256,
    /// rsa_pss_rsae_sha384 (0x0805).
    RsaPssRsaeSha384,
    /// rsa_pss_rsae_sha512 (0x0806).
    RsaPssRsaeSha512,
    /// rsa_pkcs1_sha256 (0x0401): RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// rsa_pkcs1_sha384 (0x0501).
    RsaPkcs1Sha384,
    /// rsa_pkcs1_sha512 (0x0601).
    RsaPkcs1Sha512,
}

impl SignatureScheme {
    /// Every scheme we verify, in preference order (PSS before PKCS#1 v1.5, as RFC 8446
    /// §4.2.3 ranks them); an RSA key of ours signs with the RSA ones in this order.
    pub const ALL: [SignatureScheme; 8] = [
        SignatureScheme::EcdsaSecp256r1Sha256,
        SignatureScheme::EcdsaSecp384r1Sha384,
        SignatureScheme::RsaPssRsaeSha256,
        SignatureScheme::RsaPssRsaeSha384,
        SignatureScheme::RsaPssRsaeSha512,
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
    ];

    /// The schemes this build verifies, which our signature_algorithms offers: every one
    /// with the `ring` feature, the ECDSA ones without it.
    pub fn available() -> impl Iterator<Item = SignatureScheme> {
        SignatureScheme::ALL
            .into_iter()
            .filter(|s| !s.is_rsa() || cfg!(feature = "ring"))
    }

    /// True for the RSA schemes (PKCS#1 v1.5 and PSS).
    pub fn is_rsa(self) -> bool {
        !matches!(
            self,
            SignatureScheme::EcdsaSecp256r1Sha256 | SignatureScheme::EcdsaSecp384r1Sha384
        )
    }

    /// The IANA value.
    pub fn to_u16(self) -> u16 {
        match self {
            SignatureScheme::EcdsaSecp256r1Sha256 => 0x0403,
            SignatureScheme::EcdsaSecp384r1Sha384 => 0x0503,
            SignatureScheme::RsaPssRsaeSha256 => 0x0804,
            SignatureScheme::RsaPssRsaeSha384 => 0x0805,
            SignatureScheme::RsaPssRsaeSha512 => 0x0806,
            SignatureScheme::RsaPkcs1Sha256 => 0x0401,
            SignatureScheme::RsaPkcs1Sha384 => 0x0501,
            SignatureScheme::RsaPkcs1Sha512 => 0x0601,
        }
    }

    /// The scheme for an IANA value, if this build verifies it (see
    /// [`SignatureScheme::available`]).
    pub fn from_u16(v: u16) -> Option<Self> {
        SignatureScheme::available().find(|s| s.to_u16() == v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_values_round_trip() {
        for s in CipherSuite::ALL {
            assert_eq!(CipherSuite::from_u16(s.to_u16()), Some(s));
        }
        assert_eq!(CipherSuite::EcdheEcdsaAes128GcmSha256.to_u16(), 0xC02B);
        assert_eq!(
            CipherSuite::from_u16(0xC02F),
            Some(CipherSuite::EcdheRsaAes128GcmSha256)
        );
        assert_eq!(CipherSuite::EcdheRsaChacha20Poly1305Sha256.to_u16(), 0xCCA8);
        assert_eq!(
            CipherSuite::from_u16(0xC027),
            None,
            "CBC suites are not spoken"
        );
        assert_eq!(
            CipherSuite::EcdheRsaAes256GcmSha384.prf_hash(),
            PrfHash::Sha384
        );
        assert_eq!(NamedGroup::from_u16(29), Some(NamedGroup::X25519));
        assert_eq!(NamedGroup::from_u16(24), Some(NamedGroup::Secp384r1));
        assert_eq!(NamedGroup::from_u16(25), None);
        assert_eq!(
            SignatureScheme::from_u16(0x0503),
            Some(SignatureScheme::EcdsaSecp384r1Sha384)
        );
        assert_eq!(
            CipherSuite::EcdheEcdsaAes256GcmSha384.prf_hash(),
            PrfHash::Sha384
        );
        assert_eq!(BulkCipher::Chacha20Poly1305.overhead(), 16);
        assert_eq!(BulkCipher::Aes128Gcm.overhead(), 24);
    }
}
