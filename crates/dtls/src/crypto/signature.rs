//! ECDSA signatures of the handshake (RFC 8422 §5.4 ServerKeyExchange, RFC 5246 §7.4.8
//! CertificateVerify): we sign with P-256/SHA-256; we verify P-256 and P-384 keys under
//! SHA-256 or SHA-384 (TLS 1.2 does not tie the hash to the curve, RFC 8422 §5.10).
//! Signatures are DER `ECDSA-Sig-Value`s.
//!
//! Verification runs on `ring` when the `ring` feature is on (the default) and on
//! `p256`/`p384` otherwise. Verifying the peer's signature is the costliest public-key
//! operation of a handshake for each end, and `ring`'s (BoringSSL's P-256 and P-384
//! code) is several times faster than `p256` 0.14's (docs/benchmarks.md); `ring` is in
//! the build already for SRTP's GCM. Both are the libraries' own ECDSA verification of
//! a DER signature over the message; a test holds them to each other. Signing stays on
//! `p256`: it is deterministic (RFC 6979) and takes no random source, where `ring`'s
//! signing needs its own.

use crate::error::Error;
use crate::suite::SignatureScheme;
use p256::ecdsa::signature::Signer;

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
        let ok = self.verify_with(scheme, message, signature);
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// `ring`'s verification: the point as uncompressed SEC1, the algorithm named by the
    /// curve and the scheme's hash.
    #[cfg(feature = "ring")]
    fn verify_with(&self, scheme: SignatureScheme, message: &[u8], signature: &[u8]) -> bool {
        use SignatureScheme::{EcdsaSecp256r1Sha256 as Sha256, EcdsaSecp384r1Sha384 as Sha384};
        use ring::signature as rs;
        let verify = |alg: &'static rs::EcdsaVerificationAlgorithm, point: &[u8]| {
            rs::UnparsedPublicKey::new(alg, point)
                .verify(message, signature)
                .is_ok()
        };
        match (self, scheme) {
            (PeerKey::P256(k), Sha256) => verify(
                &rs::ECDSA_P256_SHA256_ASN1,
                k.to_sec1_point(false).as_bytes(),
            ),
            (PeerKey::P256(k), Sha384) => verify(
                &rs::ECDSA_P256_SHA384_ASN1,
                k.to_sec1_point(false).as_bytes(),
            ),
            (PeerKey::P384(k), Sha256) => verify(
                &rs::ECDSA_P384_SHA256_ASN1,
                k.to_sec1_point(false).as_bytes(),
            ),
            (PeerKey::P384(k), Sha384) => verify(
                &rs::ECDSA_P384_SHA384_ASN1,
                k.to_sec1_point(false).as_bytes(),
            ),
        }
    }

    /// `p256`/`p384`'s verification of the scheme's digest.
    #[cfg(not(feature = "ring"))]
    fn verify_with(&self, scheme: SignatureScheme, message: &[u8], signature: &[u8]) -> bool {
        self.verify_rustcrypto(scheme, message, signature)
    }

    /// `p256`/`p384`'s verification of the scheme's digest (also the reference the `ring`
    /// path is tested against).
    #[cfg(any(test, not(feature = "ring")))]
    fn verify_rustcrypto(&self, scheme: SignatureScheme, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        use sha2::Digest;
        let digest = match scheme {
            SignatureScheme::EcdsaSecp256r1Sha256 => sha2::Sha256::digest(message).to_vec(),
            SignatureScheme::EcdsaSecp384r1Sha384 => sha2::Sha384::digest(message).to_vec(),
        };
        match self {
            PeerKey::P256(k) => p256::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
            PeerKey::P384(k) => p384::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

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

    /// The verification in use (`ring` with the default features) against `p256`/`p384`'s:
    /// both accept the same signatures and refuse the same damaged ones, for P-256 and
    /// P-384 keys under both schemes: valid signatures, each with one bit flipped in the
    /// signature or the message, and signatures over another hash.
    #[test]
    fn verification_agrees_with_rustcrypto() {
        use p384::ecdsa::signature::hazmat::PrehashSigner;
        let mut agreed = [0usize; 2];
        for i in 1..=24u8 {
            let msg: Vec<u8> = (0..(i as usize * 37)).map(|j| (j as u8) ^ i).collect();
            let s256 = SigningKey::from_scalar(&[i; 32]).unwrap();
            let p256k = PeerKey::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&s256.public_point()).unwrap(),
            );
            let s384 = p384::ecdsa::SigningKey::from_slice(&[i; 48]).unwrap();
            let p384k = PeerKey::P384(*s384.verifying_key());
            for (scheme, code) in [
                (SignatureScheme::EcdsaSecp256r1Sha256, 0x0403),
                (SignatureScheme::EcdsaSecp384r1Sha384, 0x0503),
            ] {
                let digest = match scheme {
                    SignatureScheme::EcdsaSecp256r1Sha256 => sha2::Sha256::digest(&msg).to_vec(),
                    SignatureScheme::EcdsaSecp384r1Sha384 => sha2::Sha384::digest(&msg).to_vec(),
                };
                let sig256: p256::ecdsa::Signature =
                    p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(&s256.0, &digest)
                        .unwrap();
                let sig384: p384::ecdsa::Signature = s384.sign_prehash(&digest).unwrap();
                for (key, sig) in [
                    (&p256k, sig256.to_der().as_bytes().to_vec()),
                    (&p384k, sig384.to_der().as_bytes().to_vec()),
                ] {
                    let mut cases = vec![(msg.clone(), sig.clone(), true)];
                    let mut bad_sig = sig.clone();
                    let k = (i as usize * 7) % bad_sig.len();
                    bad_sig[k] ^= 1 << (i % 8);
                    cases.push((msg.clone(), bad_sig, false));
                    let mut bad_msg = msg.clone();
                    bad_msg[i as usize % msg.len()] ^= 0x10;
                    cases.push((bad_msg, sig.clone(), false));
                    for (m, sg, valid) in cases {
                        let ours = key.verify(code, &m, &sg).is_ok();
                        let reference = key.verify_rustcrypto(scheme, &m, &sg);
                        assert_eq!(ours, reference, "key {i} scheme {code:#x}");
                        if valid {
                            assert!(ours, "key {i} scheme {code:#x}");
                        }
                        agreed[usize::from(ours)] += 1;
                    }
                }
            }
        }
        // 24 keys x 2 curves x 2 schemes: every valid signature verified, every damaged
        // case (one bit of the DER signature or of the message) failed.
        assert_eq!(agreed, [192, 96]);
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
