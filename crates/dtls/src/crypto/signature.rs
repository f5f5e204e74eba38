//! Signatures of the handshake (RFC 8422 §5.4 ServerKeyExchange, RFC 5246 §7.4.8
//! CertificateVerify): we sign with P-256/SHA-256, or with an RSA key of ours under
//! RSA-PSS or PKCS#1 v1.5; we verify P-256 and P-384 keys under SHA-256 or SHA-384 (TLS
//! 1.2 does not tie the hash to the curve, RFC 8422 §5.10), with DER `ECDSA-Sig-Value`
//! signatures, and RSA keys of 2048 to 4096 bits under RSASSA-PKCS1-v1_5 or RSASSA-PSS
//! (rsaEncryption keys, RFC 8446 §4.2.3's rsa_pss_rsae_*) with SHA-256, SHA-384 or
//! SHA-512.
//!
//! RSA, on either side, runs on `ring` (its PKCS#1 v1.5 and PSS verification, which also
//! bounds the modulus and checks the exponent, and its `RsaKeyPair` signing). Legacy SIP
//! gateways and OpenSSL's default certificates are RSA, and a WebRTC endpoint must accept
//! them; our own certificate is ECDSA P-256 by default (smaller, cheaper, and what every
//! browser makes) and RSA only on request ([`crate::Certificate::generate_rsa`]), for a
//! peer that insists on it. An RSA key of ours signs with the first of
//! rsa_pss_rsae_sha256/384/512, rsa_pkcs1_sha256/384/512 the peer lists (PSS before PKCS#1
//! v1.5, as RFC 8446 §4.2.3 ranks them); the PSS salt comes from `ring`'s
//! `SystemRandom`, the operating system's randomness, since `ring` takes no other source.
//! Without the `ring` feature there is no RSA: RSA certificates, the peer's or our own,
//! are refused (unsupported_certificate) and neither the ECDHE_RSA suites nor the RSA
//! schemes are offered. (RustCrypto's `rsa` 0.10 could verify and sign there, but it
//! only generates our keys, see `cert.rs`: one implementation does RSA signatures.) The
//! key size is bounded on our side too: below 2048 bits is too weak, above 4096 makes
//! every verification a CPU cost a peer chooses.
//!
//! Verification runs on `ring` when the `ring` feature is on (the default) and on
//! `p256`/`p384` otherwise. Verifying the peer's signature is the costliest public-key
//! operation of a handshake for each end, and `ring`'s (BoringSSL's P-256 and P-384
//! code) is several times faster than `p256` 0.14's (docs/benchmarks.md); `ring` is in
//! the build already for SRTP's GCM. Both are the libraries' own ECDSA verification of
//! a DER signature over the message; a test holds them to each other. ECDSA signing
//! stays on `p256`: it is deterministic (RFC 6979) and takes no random source, where
//! `ring`'s signing needs its own.

use crate::error::Error;
use crate::suite::{Authentication, SignatureScheme};
use p256::ecdsa::signature::Signer;

/// Our long-term signing key: ECDSA P-256 (the default), or RSA (with the `ring`
/// feature).
#[derive(Debug, Clone)]
pub enum SigningKey {
    /// ECDSA P-256, signing ecdsa_secp256r1_sha256.
    Ecdsa(EcdsaKey),
    /// RSA of 2048, 3072 or 4096 bits, signing rsa_pss_rsae_* or rsa_pkcs1_*.
    #[cfg(feature = "ring")]
    Rsa(RsaSigningKey),
}

/// The schemes an RSA key of ours signs with, in preference order: PSS before PKCS#1
/// v1.5 (RFC 8446 §4.2.3), SHA-256 first.
#[cfg(feature = "ring")]
const RSA_SIGNING_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
];

impl SigningKey {
    /// The suites' authentication this key serves (the server's certificate type).
    pub fn authentication(&self) -> Authentication {
        match self {
            SigningKey::Ecdsa(_) => Authentication::Ecdsa,
            #[cfg(feature = "ring")]
            SigningKey::Rsa(_) => Authentication::Rsa,
        }
    }

    /// The scheme to sign with, given the peer's signature_algorithms (or a
    /// CertificateRequest's list): ecdsa_secp256r1_sha256 for a P-256 key; for an RSA key
    /// the first of rsa_pss_rsae_sha256/384/512, rsa_pkcs1_sha256/384/512 the peer lists.
    /// `None` when the peer lists none we can sign with.
    pub fn choose_scheme(&self, offered: &[u16]) -> Option<SignatureScheme> {
        let ours: &[SignatureScheme] = match self {
            SigningKey::Ecdsa(_) => &[SignatureScheme::EcdsaSecp256r1Sha256],
            #[cfg(feature = "ring")]
            SigningKey::Rsa(_) => &RSA_SIGNING_SCHEMES,
        };
        ours.iter().copied().find(|s| offered.contains(&s.to_u16()))
    }

    /// A signature over `message` under `scheme` (one [`SigningKey::choose_scheme`]
    /// returned). A scheme of the other key type is an [`Error::Internal`]; so is a
    /// failure of `ring`'s RSA signing (its randomness for the PSS salt).
    pub fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            SigningKey::Ecdsa(key) if scheme == SignatureScheme::EcdsaSecp256r1Sha256 => {
                Ok(key.sign(message))
            }
            #[cfg(feature = "ring")]
            SigningKey::Rsa(key) if scheme.is_rsa() => key.sign(scheme, message),
            _ => Err(Error::Internal("signature scheme does not fit our key")),
        }
    }

    /// The key as a PKCS#8 `PrivateKeyInfo` (RFC 5208), DER-encoded.
    pub fn to_pkcs8_der(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        match self {
            SigningKey::Ecdsa(key) => key.to_pkcs8_der(),
            #[cfg(feature = "ring")]
            SigningKey::Rsa(key) => Ok(zeroize::Zeroizing::new(key.pkcs8.to_vec())),
        }
    }
}

/// An ECDSA P-256 key of ours, signing deterministically (RFC 6979).
#[derive(Clone)]
pub struct EcdsaKey(p256::ecdsa::SigningKey);

impl std::fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EcdsaKey(P-256, ..)")
    }
}

impl EcdsaKey {
    /// A key from its 32-byte scalar; `None` if the scalar is zero or not below the order.
    pub fn from_scalar(bytes: &[u8; 32]) -> Option<Self> {
        p256::ecdsa::SigningKey::from_slice(bytes)
            .ok()
            .map(EcdsaKey)
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
            .map(EcdsaKey)
            .map_err(|_| Error::CertificateLoad("not a PKCS#8 P-256 private key"))
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

/// The RSA key sizes our own certificate may hold: `ring` signs with 2048 to 4096-bit
/// keys whose primes are a multiple of 512 bits long, which leaves these three.
pub const RSA_SIGNING_BITS: [usize; 3] = [2048, 3072, 4096];

/// An RSA key of ours: `ring`'s key pair (which signs) and its PKCS#8 encoding (to save
/// it). Cloning shares both.
#[cfg(feature = "ring")]
#[derive(Clone)]
pub struct RsaSigningKey {
    pair: std::sync::Arc<ring::signature::RsaKeyPair>,
    pkcs8: std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>,
}

#[cfg(feature = "ring")]
impl std::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaSigningKey({} bits, ..)", self.bits())
    }
}

#[cfg(feature = "ring")]
impl RsaSigningKey {
    /// A key from a DER PKCS#8 `PrivateKeyInfo` holding an RSA key. A modulus other
    /// than 2048, 3072 or 4096 bits is [`Error::UnsupportedRsaKeySize`]; anything else
    /// `ring` refuses (encoding, inconsistent components, an exponent below 65537) is
    /// [`Error::CertificateLoad`].
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        // The size first, from the key's own encoding, so a 1024-bit key gets the typed
        // error rather than ring's generic rejection.
        // A DER reading only (PKCS#8, then PKCS#1's RSAPrivateKey): no arithmetic on the
        // key happens outside ring.
        let not_rsa = || Error::CertificateLoad("not a PKCS#8 RSA private key");
        let info = rsa::pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| not_rsa())?;
        if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
            return Err(not_rsa());
        }
        let key = rsa::pkcs1::RsaPrivateKeyRef::try_from(info.private_key.as_bytes())
            .map_err(|_| not_rsa())?;
        let bits = modulus_bits(key.modulus.as_bytes());
        if !RSA_SIGNING_BITS.contains(&bits) {
            return Err(Error::UnsupportedRsaKeySize(bits));
        }
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der)
            .map_err(|_| Error::CertificateLoad("an RSA private key ring refuses"))?;
        Ok(RsaSigningKey {
            pair: std::sync::Arc::new(pair),
            pkcs8: std::sync::Arc::new(zeroize::Zeroizing::new(der.to_vec())),
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.pair.public().modulus_len() * 8
    }

    /// The DER `RSAPublicKey` (RFC 8017 §A.1.1), as a certificate holds it.
    pub fn public_key_der(&self) -> &[u8] {
        self.pair.public().as_ref()
    }

    /// `ring`'s RSASSA-PSS (salt of the hash's length, from the operating system's
    /// randomness) or RSASSA-PKCS1-v1_5 signature over `message`.
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        use ring::signature as rs;
        let padding: &'static dyn rs::RsaEncoding = match scheme {
            SignatureScheme::RsaPssRsaeSha256 => &rs::RSA_PSS_SHA256,
            SignatureScheme::RsaPssRsaeSha384 => &rs::RSA_PSS_SHA384,
            SignatureScheme::RsaPssRsaeSha512 => &rs::RSA_PSS_SHA512,
            SignatureScheme::RsaPkcs1Sha256 => &rs::RSA_PKCS1_SHA256,
            SignatureScheme::RsaPkcs1Sha384 => &rs::RSA_PKCS1_SHA384,
            SignatureScheme::RsaPkcs1Sha512 => &rs::RSA_PKCS1_SHA512,
            SignatureScheme::EcdsaSecp256r1Sha256 | SignatureScheme::EcdsaSecp384r1Sha384 => {
                return Err(Error::Internal("signature scheme does not fit our key"));
            }
        };
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                padding,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| Error::Randomness)?;
        Ok(signature)
    }
}

/// The smallest RSA modulus accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits.
pub const RSA_MAX_BITS: usize = 4096;

/// A peer's RSA public key: the DER `RSAPublicKey` (RFC 8017 §A.1.1) of its certificate
/// and the modulus size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    der: Vec<u8>,
    bits: usize,
}

impl RsaKey {
    /// A key from its DER `RSAPublicKey` and the modulus' big-endian bytes (as the
    /// certificate's SubjectPublicKeyInfo holds them); fails with
    /// [`Error::UnsupportedRsaKeySize`] outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`].
    pub fn new(der: &[u8], modulus: &[u8]) -> Result<Self, Error> {
        let bits = modulus_bits(modulus);
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(Error::UnsupportedRsaKeySize(bits));
        }
        Ok(RsaKey {
            der: der.to_vec(),
            bits,
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The DER `RSAPublicKey`.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// The significant bits of a big-endian modulus (leading zero octets and bits aside).
fn modulus_bits(modulus: &[u8]) -> usize {
    match modulus.iter().position(|&b| b != 0) {
        Some(i) => (modulus.len() - i) * 8 - modulus[i].leading_zeros() as usize,
        None => 0,
    }
}

/// A peer's public key taken from its certificate.
#[derive(Debug, Clone)]
pub enum PeerKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// RSA, 2048 to 4096 bits (only built with the `ring` feature).
    Rsa(RsaKey),
}

impl PeerKey {
    /// The suites' authentication this key serves.
    pub fn authentication(&self) -> Authentication {
        match self {
            PeerKey::P256(_) | PeerKey::P384(_) => Authentication::Ecdsa,
            PeerKey::Rsa(_) => Authentication::Rsa,
        }
    }

    /// Verifies a signature over `message` under `scheme` (the scheme names the hash
    /// and, for RSA, the padding). A scheme we did not offer, or one of the other key
    /// type, is an illegal_parameter; a signature that does not verify is
    /// [`Error::BadSignature`].
    pub fn verify(&self, scheme: u16, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let scheme = SignatureScheme::from_u16(scheme)
            .ok_or(Error::IllegalParameter("signature scheme not offered"))?;
        if scheme.is_rsa() != (self.authentication() == Authentication::Rsa) {
            return Err(Error::IllegalParameter(
                "signature scheme does not fit the certificate's key",
            ));
        }
        let ok = self.verify_with(scheme, message, signature);
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// `ring`'s verification: the point as uncompressed SEC1, the algorithm named by the
    /// curve and the scheme's hash.
    #[cfg(feature = "ring")]
    fn verify_with(&self, scheme: SignatureScheme, message: &[u8], signature: &[u8]) -> bool {
        use SignatureScheme::{EcdsaSecp256r1Sha256 as Sha256, EcdsaSecp384r1Sha384 as Sha384};
        use ring::signature as rs;
        if let PeerKey::Rsa(key) = self {
            let alg: &'static rs::RsaParameters = match scheme {
                SignatureScheme::RsaPkcs1Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                SignatureScheme::RsaPkcs1Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                SignatureScheme::RsaPkcs1Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
                SignatureScheme::RsaPssRsaeSha256 => &rs::RSA_PSS_2048_8192_SHA256,
                SignatureScheme::RsaPssRsaeSha384 => &rs::RSA_PSS_2048_8192_SHA384,
                SignatureScheme::RsaPssRsaeSha512 => &rs::RSA_PSS_2048_8192_SHA512,
                Sha256 | Sha384 => return false,
            };
            return rs::UnparsedPublicKey::new(alg, &key.der)
                .verify(message, signature)
                .is_ok();
        }
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
            _ => false,
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
            _ => return false,
        };
        match self {
            PeerKey::P256(k) => p256::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
            PeerKey::P384(k) => p384::ecdsa::DerSignature::from_bytes(signature)
                .is_ok_and(|sig| k.verify_prehash(&digest, &sig).is_ok()),
            PeerKey::Rsa(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn sign_then_verify() {
        let key = EcdsaKey::from_scalar(&[7; 32]).unwrap();
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
            peer.verify(0x0203, b"transcript", &sig),
            Err(Error::IllegalParameter("signature scheme not offered"))
        );
        assert!(EcdsaKey::from_scalar(&[0; 32]).is_none());
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
            let s256 = EcdsaKey::from_scalar(&[i; 32]).unwrap();
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
                    _ => unreachable!("ECDSA schemes only"),
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
        let key = EcdsaKey::from_scalar(&[9; 32]).unwrap();
        assert_eq!(key.sign(b"m"), key.sign(b"m"));
    }
}

/// RSA verification against signatures OpenSSL made (`testdata/README.md`): exact verdicts
/// for good signatures, damaged ones, the wrong key, the wrong padding or hash, and keys
/// of refused sizes.
#[cfg(test)]
mod rsa_tests {
    use super::*;
    use crate::cert::peer_key;

    const MESSAGE: &[u8] = include_bytes!("testdata/message.bin");
    const A: &[u8] = include_bytes!("testdata/rsa-a.crt.der");
    const B: &[u8] = include_bytes!("testdata/rsa-b.crt.der");
    const C: &[u8] = include_bytes!("testdata/rsa-c.crt.der");
    const SHORT: &[u8] = include_bytes!("testdata/rsa-short.crt.der");

    /// (scheme, signature by key A, signature by key C).
    const SIGNATURES: [(u16, &[u8], &[u8]); 6] = [
        (
            0x0401,
            include_bytes!("testdata/rsa-a.pkcs1-sha256.sig"),
            include_bytes!("testdata/rsa-c.pkcs1-sha256.sig"),
        ),
        (
            0x0501,
            include_bytes!("testdata/rsa-a.pkcs1-sha384.sig"),
            include_bytes!("testdata/rsa-c.pkcs1-sha384.sig"),
        ),
        (
            0x0601,
            include_bytes!("testdata/rsa-a.pkcs1-sha512.sig"),
            include_bytes!("testdata/rsa-c.pkcs1-sha512.sig"),
        ),
        (
            0x0804,
            include_bytes!("testdata/rsa-a.pss-sha256.sig"),
            include_bytes!("testdata/rsa-c.pss-sha256.sig"),
        ),
        (
            0x0805,
            include_bytes!("testdata/rsa-a.pss-sha384.sig"),
            include_bytes!("testdata/rsa-c.pss-sha384.sig"),
        ),
        (
            0x0806,
            include_bytes!("testdata/rsa-a.pss-sha512.sig"),
            include_bytes!("testdata/rsa-c.pss-sha512.sig"),
        ),
    ];

    #[cfg(feature = "ring")]
    #[test]
    fn openssl_signatures_verify_and_damaged_ones_do_not() {
        let a = peer_key(A).unwrap();
        let b = peer_key(B).unwrap();
        let c = peer_key(C).unwrap();
        match (&a, &c) {
            (PeerKey::Rsa(ka), PeerKey::Rsa(kc)) => {
                assert_eq!((ka.bits(), kc.bits()), (2048, 3072));
            }
            other => panic!("not RSA keys: {other:?}"),
        }
        assert_eq!(a.authentication(), Authentication::Rsa);
        for (scheme, sig_a, sig_c) in SIGNATURES {
            assert_eq!(sig_a.len(), 256);
            assert_eq!(sig_c.len(), 384);
            assert_eq!(a.verify(scheme, MESSAGE, sig_a), Ok(()), "{scheme:#x}");
            assert_eq!(c.verify(scheme, MESSAGE, sig_c), Ok(()), "{scheme:#x}");
            // The wrong key: B is another RSA-2048 key, C another size.
            assert_eq!(b.verify(scheme, MESSAGE, sig_a), Err(Error::BadSignature));
            assert_eq!(c.verify(scheme, MESSAGE, sig_a), Err(Error::BadSignature));
            // One bit flipped, at three places of the signature and one of the message.
            for i in [0, 100, 255] {
                let mut bad = sig_a.to_vec();
                bad[i] ^= 0x01;
                assert_eq!(a.verify(scheme, MESSAGE, &bad), Err(Error::BadSignature));
            }
            let mut bad_msg = MESSAGE.to_vec();
            bad_msg[7] ^= 0x80;
            assert_eq!(a.verify(scheme, &bad_msg, sig_a), Err(Error::BadSignature));
            // Truncated and empty signatures.
            assert_eq!(
                a.verify(scheme, MESSAGE, &sig_a[..255]),
                Err(Error::BadSignature)
            );
            assert_eq!(a.verify(scheme, MESSAGE, &[]), Err(Error::BadSignature));
            // An RSA key under an ECDSA scheme, and the wrong padding or hash.
            assert_eq!(
                a.verify(0x0403, MESSAGE, sig_a),
                Err(Error::IllegalParameter(
                    "signature scheme does not fit the certificate's key"
                ))
            );
            for (other, _, _) in SIGNATURES {
                if other != scheme {
                    assert_eq!(
                        a.verify(other, MESSAGE, sig_a),
                        Err(Error::BadSignature),
                        "signed {scheme:#x}, checked {other:#x}"
                    );
                }
            }
        }
        // An ECDSA key under an RSA scheme.
        let ec = EcdsaKey::from_scalar(&[7; 32]).unwrap();
        let ec_peer =
            PeerKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&ec.public_point()).unwrap());
        assert_eq!(
            ec_peer.verify(0x0804, b"m", &ec.sign(b"m")),
            Err(Error::IllegalParameter(
                "signature scheme does not fit the certificate's key"
            ))
        );
    }

    #[cfg(feature = "ring")]
    #[test]
    fn key_sizes_outside_2048_to_4096_are_refused() {
        assert_eq!(
            peer_key(SHORT).unwrap_err(),
            Error::UnsupportedRsaKeySize(1024)
        );
        assert_eq!(
            Error::UnsupportedRsaKeySize(1024).alert(),
            crate::AlertDescription::UnsupportedCertificate
        );
        // The size is the modulus' significant bits, leading zero octets and bits aside.
        let mut m = vec![0u8; 514];
        m[1] = 0x01;
        assert_eq!(
            RsaKey::new(&[], &m),
            Err(Error::UnsupportedRsaKeySize(4097))
        );
        m[1] = 0xFF;
        assert_eq!(
            RsaKey::new(&[], &m),
            Err(Error::UnsupportedRsaKeySize(4104))
        );
        let mut m = vec![0u8; 257];
        m[1] = 0x80;
        assert_eq!(RsaKey::new(&[], &m).unwrap().bits(), 2048);
        m[1] = 0x7F;
        assert_eq!(
            RsaKey::new(&[], &m),
            Err(Error::UnsupportedRsaKeySize(2047))
        );
        assert_eq!(
            RsaKey::new(&[], &[0; 4]),
            Err(Error::UnsupportedRsaKeySize(0))
        );
        let m = [0xFFu8; 512];
        assert_eq!(RsaKey::new(&[], &m).unwrap().bits(), 4096);
    }

    /// Without `ring` no RSA verification exists: RSA certificates are refused and the
    /// RSA schemes are neither offered nor accepted.
    #[cfg(not(feature = "ring"))]
    #[test]
    fn without_ring_rsa_is_refused() {
        assert_eq!(peer_key(A).unwrap_err(), Error::UnsupportedCertificate);
        assert_eq!(peer_key(SHORT).unwrap_err(), Error::UnsupportedCertificate);
        assert_eq!(SignatureScheme::from_u16(0x0804), None);
        assert!(SignatureScheme::available().all(|s| !s.is_rsa()));
        let _ = (B, C, MESSAGE, SIGNATURES);
    }
}
