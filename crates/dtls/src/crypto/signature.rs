//! ECDSA signatures of the handshake (RFC 8422 §5.4 ServerKeyExchange, RFC 5246 §7.4.8
//! CertificateVerify): we sign with P-256/SHA-256; we verify P-256 and P-384 keys under
//! SHA-256 or SHA-384 (TLS 1.2 does not tie the hash to the curve, RFC 8422 §5.10).
//! Signatures are DER `ECDSA-Sig-Value`s.

use crate::error::Error;
use crate::suite::SignatureScheme;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::Digest;

/// Our long-term signing key: ECDSA P-256, signing deterministically (RFC 6979).
#[derive(Clone)]
pub struct SigningKey(p256::ecdsa::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(P-256, ..)")
    }
}

impl SigningKey {
    /// A key from its 32-byte scalar; `None` if the scalar is zero or not below the order.
    pub fn from_scalar(bytes: &[u8; 32]) -> Option<Self> {
        p256::ecdsa::SigningKey::from_slice(bytes)
            .ok()
            .map(SigningKey)
    }

    /// The key as a PKCS#8 `PrivateKeyInfo` (RFC 5208), DER-encoded.
    pub fn to_pkcs8_der(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        use p256::pkcs8::EncodePrivateKey;
        let doc = self
            .0
            .to_pkcs8_der()
            .map_err(|_| Error::CertificateLoad("cannot encode the private key"))?;
        Ok(zeroize::Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// A key from a DER PKCS#8 `PrivateKeyInfo` holding a P-256 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        use p256::pkcs8::DecodePrivateKey;
        p256::ecdsa::SigningKey::from_pkcs8_der(der)
            .map(SigningKey)
            .map_err(|_| Error::CertificateLoad("not a PKCS#8 P-256 private key"))
    }

    /// The scheme our signatures use.
    pub fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaSecp256r1Sha256
    }

    /// The uncompressed public point (65 bytes).
    pub fn public_point(&self) -> Vec<u8> {
        self.0.verifying_key().to_sec1_bytes().to_vec()
    }

    /// A DER signature over `message` with SHA-256.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::DerSignature = self.0.sign(message);
        sig.as_bytes().to_vec()
    }
}

/// A peer's public key taken from its certificate.
#[derive(Debug, Clone)]
pub enum PeerKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
}

impl PeerKey {
    /// Verifies a DER signature over `message` under `scheme` (the scheme names the hash).
    pub fn verify(&self, scheme: u16, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let scheme = SignatureScheme::from_u16(scheme)
            .ok_or(Error::IllegalParameter("signature scheme not offered"))?;
        let digest = match scheme {
            SignatureScheme::EcdsaSecp256r1Sha256 => sha2::Sha256::digest(message).to_vec(),
            SignatureScheme::EcdsaSecp384r1Sha384 => sha2::Sha384::digest(message).to_vec(),
        };
        let ok = match self {
            PeerKey::P256(k) => p256::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
            PeerKey::P384(k) => p384::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let key = SigningKey::from_scalar(&[7; 32]).unwrap();
        let sig = key.sign(b"transcript");
        let peer =
            PeerKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&key.public_point()).unwrap());
        peer.verify(0x0403, b"transcript", &sig).unwrap();
        assert_eq!(
            peer.verify(0x0403, b"other", &sig),
            Err(Error::BadSignature)
        );
        assert_eq!(
            peer.verify(0x0403, b"transcript", &[0x30, 0]),
            Err(Error::BadSignature)
        );
        assert_eq!(
            peer.verify(0x0503, b"transcript", &sig),
            Err(Error::BadSignature),
            "signed over SHA-256, checked over SHA-384"
        );
        assert_eq!(
            peer.verify(0x0804, b"transcript", &sig),
            Err(Error::IllegalParameter("signature scheme not offered"))
        );
        assert!(SigningKey::from_scalar(&[0; 32]).is_none());
    }

    #[test]
    fn p384_key_verifies_under_both_hashes() {
        use p384::ecdsa::signature::hazmat::PrehashSigner;
        let key = p384::ecdsa::SigningKey::from_slice(&[5; 48]).unwrap();
        let peer = PeerKey::P384(*key.verifying_key());
        for (scheme, digest) in [
            (0x0403, sha2::Sha256::digest(b"m").to_vec()),
            (0x0503, sha2::Sha384::digest(b"m").to_vec()),
        ] {
            let sig: p384::ecdsa::Signature = key.sign_prehash(&digest).unwrap();
            peer.verify(scheme, b"m", sig.to_der().as_bytes()).unwrap();
            assert_eq!(
                peer.verify(scheme, b"n", sig.to_der().as_bytes()),
                Err(Error::BadSignature)
            );
        }
    }

    #[test]
    fn signing_is_deterministic() {
        let key = SigningKey::from_scalar(&[9; 32]).unwrap();
        assert_eq!(key.sign(b"m"), key.sign(b"m"));
    }
}
