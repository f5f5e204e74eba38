//! Certificates: a self-signed certificate of our own (generated with rcgen; ECDSA P-256
//! by default, RSA of 2048, 3072 or 4096 bits on request), the peer's certificate read
//! with x509-parser, and RFC 8122 §5 fingerprints.
//!
//! An RSA key of ours is generated with RustCrypto's `rsa` 0.10 and then handed, as
//! PKCS#8, to `ring`, which does every signing (the certificate's own signature, the
//! ServerKeyExchange and the CertificateVerify); loading reads the key's size from its DER
//! alone and gives the key to `ring`. `ring` cannot generate RSA keys, and `rsa` is the
//! maintained pure-Rust crate that can. Its private-key operations were the subject of
//! RUSTSEC-2023-0071 (the Marvin timing attack), which 0.10's move to constant-time
//! `crypto-bigint` arithmetic is meant to close (its README still points at open
//! hardening work); key generation handles no attacker-chosen input in any case, but signing
//! stays on `ring`, the code that already verifies RSA peers here. So RSA certificates of
//! our own need the `ring` feature, like RSA peers: without it
//! [`Certificate::generate_rsa`] and the loaders refuse them with
//! [`Error::UnsupportedCertificate`].
//!
//! Why `rsa` 0.10 and a workspace `rust-version` of 1.87 rather than `rsa` 0.9 and 1.85:
//! 0.10 is of the RustCrypto generation the workspace keeps one copy of (`rand_core` 0.10,
//! `digest` 0.11, `pkcs8` 0.11), so it adds three crates (`rsa`, `pkcs1`, `crypto-primes`)
//! and draws its primes from our own `CryptoRng`, seeded in tests. 0.9 would add eighteen,
//! with second copies of `rand_core`, `digest`, `der`, `spki`, `pkcs8`, `signature`,
//! `const-oid`, `crypto-common` and `getrandom`, an adapter to `rand_core` 0.6, the
//! advisory (0.9 has no fixed release), and, with `num-bigint-dig`, key generation some
//! thirty times slower in a debug build (a 2048-bit key in about 30 s against 0.9 s
//! here; 3072 bits in about 3 s with 0.10), which every debug test and interop run pays.
//! The price of 1.87 is that clippy then suggests `is_multiple_of` at some 45 places,
//! allowed workspace-wide for now (Cargo.toml); the toolchain in use is newer anyway.

use crate::crypto::signature::{EcdsaKey, PeerKey, RSA_SIGNING_BITS, RsaKey, SigningKey};
use crate::error::Error;
use crate::suite::{Authentication, SignatureScheme};
use rand_core::CryptoRng;
use sha2::Digest;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Our certificate and its private key.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    key: SigningKey,
}

/// The signer rcgen calls: our key, signing the certificate ECDSA-with-SHA256 or
/// sha256WithRSAEncryption (PKCS#1 v1.5, what every X.509 stack verifies).
struct RcgenSigner<'a> {
    key: &'a SigningKey,
    /// The subjectPublicKey bits: the SEC1 point, or the DER `RSAPublicKey`.
    public: Vec<u8>,
}

impl rcgen::PublicKeyData for RcgenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self.key.authentication() {
            Authentication::Ecdsa => &rcgen::PKCS_ECDSA_P256_SHA256,
            Authentication::Rsa => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let scheme = match self.key.authentication() {
            Authentication::Ecdsa => SignatureScheme::EcdsaSecp256r1Sha256,
            Authentication::Rsa => SignatureScheme::RsaPkcs1Sha256,
        };
        self.key
            .sign(scheme, msg)
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// The default RSA key size of [`Certificate::generate_rsa`]'s callers: 2048 bits, what
/// OpenSSL and most SIP gateways make.
pub const RSA_DEFAULT_BITS: usize = 2048;

impl Certificate {
    /// Generates a self-signed ECDSA P-256 certificate for `common_name` (WebRTC uses a
    /// fresh one per peer connection, RFC 8827 §6.5). Key and serial come from the
    /// operating system's randomness.
    pub fn generate(common_name: &str) -> Result<Self, Error> {
        Self::generate_with_rng(common_name, &mut crate::random::os_rng()?)
    }

    /// [`Certificate::generate`] with key and serial drawn from `rng` (a seeded generator
    /// makes the certificate reproducible).
    pub fn generate_with_rng(
        common_name: &str,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let key = loop {
            let mut scalar = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(&mut *scalar);
            if let Some(k) = EcdsaKey::from_scalar(&scalar) {
                break k;
            }
        };
        let public = key.public_point();
        Self::self_signed(common_name, SigningKey::Ecdsa(key), public, rng)
    }

    /// Generates a self-signed RSA certificate of `bits` bits (2048, the usual choice,
    /// 3072 or 4096; [`RSA_DEFAULT_BITS`]) for `common_name`, for a peer that insists on
    /// RSA (a server of ours then picks an ECDHE_RSA suite). Key and serial come from the
    /// operating system's randomness. Any other size is
    /// [`Error::UnsupportedRsaKeySize`]; without the `ring` feature every size is
    /// [`Error::UnsupportedCertificate`]. Finding the primes takes a time that varies
    /// from key to key and grows steeply with the size: about 1 s for 2048 bits and 3 s
    /// for 3072 in a debug build here, far less optimised.
    pub fn generate_rsa(common_name: &str, bits: usize) -> Result<Self, Error> {
        Self::generate_rsa_with_rng(common_name, bits, &mut crate::random::os_rng()?)
    }

    /// [`Certificate::generate_rsa`] with key and serial drawn from `rng` (a seeded
    /// generator makes the certificate reproducible).
    pub fn generate_rsa_with_rng(
        common_name: &str,
        bits: usize,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        if !cfg!(feature = "ring") {
            return Err(Error::UnsupportedCertificate);
        }
        if !RSA_SIGNING_BITS.contains(&bits) {
            return Err(Error::UnsupportedRsaKeySize(bits));
        }
        #[cfg(feature = "ring")]
        {
            use rsa::pkcs8::EncodePrivateKey;
            let private = rsa::PrivateKey::new(rng, bits)
                .map_err(|_| Error::Internal("RSA key generation failed"))?;
            let pkcs8 = private
                .to_pkcs8_der()
                .map_err(|_| Error::Internal("cannot encode the RSA private key"))?;
            let key = crate::crypto::signature::RsaSigningKey::from_pkcs8_der(pkcs8.as_bytes())?;
            let public = key.public_key_der().to_vec();
            Self::self_signed(common_name, SigningKey::Rsa(key), public, rng)
        }
        #[cfg(not(feature = "ring"))]
        {
            let _ = (common_name, rng);
            Err(Error::UnsupportedCertificate)
        }
    }

    /// Signs a certificate for `common_name` over `key`, with a random positive serial.
    fn self_signed(
        common_name: &str,
        key: SigningKey,
        public: Vec<u8>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let mut serial = [0u8; 16];
        rng.fill_bytes(&mut serial);
        serial[0] &= 0x7F; // a positive INTEGER
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.serial_number = Some(rcgen::SerialNumber::from(serial.to_vec()));
        let signer = RcgenSigner { public, key: &key };
        let cert = params
            .self_signed(&signer)
            .map_err(Error::CertificateGeneration)?;
        Ok(Certificate {
            der: cert.der().to_vec(),
            key,
        })
    }

    /// The key type of this certificate, which decides the suites a server of ours can
    /// pick (ECDHE_ECDSA or ECDHE_RSA).
    pub fn authentication(&self) -> Authentication {
        self.key.authentication()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate (DER) and its private key as a DER PKCS#8 `PrivateKeyInfo`
    /// (RFC 5208), to store and reload with [`Certificate::from_der`].
    pub fn to_der(&self) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), Error> {
        Ok((self.der.clone(), self.key.to_pkcs8_der()?))
    }

    /// A certificate from its DER bytes and its DER PKCS#8 private key: a P-256 key, or
    /// (with the `ring` feature) an RSA key of 2048, 3072 or 4096 bits. Fails with
    /// [`Error::CertificateLoad`] when the key is not of the certificate's type or does
    /// not belong to it, with [`Error::UnsupportedRsaKeySize`] for an RSA key of another
    /// size, with [`Error::UnsupportedCertificate`] for an RSA certificate without `ring`
    /// (or a key type we cannot sign with), and with the peer-certificate errors when the
    /// certificate does not parse.
    pub fn from_der(certificate: &[u8], private_key: &[u8]) -> Result<Self, Error> {
        let der = certificate.to_vec();
        let mismatch =
            || Error::CertificateLoad("the private key does not belong to the certificate");
        match peer_key(certificate)? {
            #[cfg(feature = "ring")]
            PeerKey::Rsa(public) => {
                if !RSA_SIGNING_BITS.contains(&public.bits()) {
                    return Err(Error::UnsupportedRsaKeySize(public.bits()));
                }
                let key = crate::crypto::signature::RsaSigningKey::from_pkcs8_der(private_key)?;
                if key.public_key_der() != public.der() {
                    return Err(mismatch());
                }
                Ok(Certificate {
                    der,
                    key: SigningKey::Rsa(key),
                })
            }
            #[cfg(not(feature = "ring"))]
            PeerKey::Rsa(_) => Err(Error::UnsupportedCertificate),
            PeerKey::P256(public) => {
                let key = EcdsaKey::from_pkcs8_der(private_key)?;
                if public.to_sec1_bytes().as_ref() != key.public_point() {
                    return Err(mismatch());
                }
                Ok(Certificate {
                    der,
                    key: SigningKey::Ecdsa(key),
                })
            }
            PeerKey::P384(_) => Err(Error::UnsupportedCertificate),
        }
    }

    /// The certificate (`CERTIFICATE`) and its private key (`PRIVATE KEY`, PKCS#8) as
    /// PEM text (RFC 7468), to store and reload with [`Certificate::from_pem`].
    pub fn to_pem(&self) -> Result<(String, Zeroizing<String>), Error> {
        use p256::pkcs8::der::pem::{LineEnding, encode_string};
        let (cert, key) = self.to_der()?;
        let encode = |label, der: &[u8]| {
            encode_string(label, LineEnding::LF, der)
                .map_err(|_| Error::CertificateLoad("cannot encode PEM"))
        };
        Ok((
            encode("CERTIFICATE", &cert)?,
            Zeroizing::new(encode("PRIVATE KEY", &key)?),
        ))
    }

    /// A certificate from the PEM texts [`Certificate::to_pem`] writes: one `CERTIFICATE`
    /// block and one PKCS#8 `PRIVATE KEY` block.
    pub fn from_pem(certificate: &str, private_key: &str) -> Result<Self, Error> {
        use p256::pkcs8::der::pem::decode_vec;
        let decode = |text: &str, want: &str| match decode_vec(text.trim().as_bytes()) {
            Ok((label, der)) if label == want => Ok(Zeroizing::new(der)),
            Ok(_) => Err(Error::CertificateLoad("unexpected PEM label")),
            Err(_) => Err(Error::CertificateLoad("malformed PEM")),
        };
        let cert = decode(certificate, "CERTIFICATE")?;
        let key = decode(private_key, "PRIVATE KEY")?;
        Self::from_der(&cert, &key)
    }

    /// The signing key.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// This certificate's fingerprint under `hash` (for our SDP's `a=fingerprint`).
    pub fn fingerprint(&self, hash: HashFunction) -> Fingerprint {
        Fingerprint::of(hash, &self.der)
    }
}

/// The public key of a peer certificate: an X.509 id-ecPublicKey on P-256 or P-384, or
/// (with the `ring` feature) an rsaEncryption key of 2048 to 4096 bits.
pub fn peer_key(der: &[u8]) -> Result<PeerKey, Error> {
    use x509_parser::oid_registry::{
        OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    };
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|_| Error::BadCertificate)?;
    let spki = cert.public_key();
    if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
        if !cfg!(feature = "ring") {
            return Err(Error::UnsupportedCertificate);
        }
        return match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                RsaKey::new(spki.subject_public_key.as_ref(), rsa.modulus).map(PeerKey::Rsa)
            }
            _ => Err(Error::BadCertificate),
        };
    }
    if spki.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY {
        return Err(Error::UnsupportedCertificate);
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .ok_or(Error::UnsupportedCertificate)?;
    let point: &[u8] = spki.subject_public_key.as_ref();
    if curve == OID_EC_P256 {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(PeerKey::P256)
            .map_err(|_| Error::BadCertificate)
    } else if curve == OID_NIST_EC_P384 {
        p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .map(PeerKey::P384)
            .map_err(|_| Error::BadCertificate)
    } else {
        Err(Error::UnsupportedCertificate)
    }
}

/// A hash function of the RFC 8122 §5 `a=fingerprint` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashFunction {
    /// "sha-1".
    Sha1,
    /// "sha-256".
    Sha256,
    /// "sha-384".
    Sha384,
    /// "sha-512".
    Sha512,
}

impl HashFunction {
    /// The token of the SDP attribute.
    pub fn name(self) -> &'static str {
        match self {
            HashFunction::Sha1 => "sha-1",
            HashFunction::Sha256 => "sha-256",
            HashFunction::Sha384 => "sha-384",
            HashFunction::Sha512 => "sha-512",
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashFunction::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashFunction::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashFunction::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashFunction::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// A certificate fingerprint (RFC 8122 §5): a hash function and the hash of the DER
/// certificate, written `sha-256 AB:CD:...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The hash function.
    pub hash: HashFunction,
    /// The digest of the DER certificate.
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(hash: HashFunction, der: &[u8]) -> Self {
        Fingerprint {
            hash,
            value: hash.digest(der),
        }
    }

    /// True when `der` hashes to this fingerprint (compared in constant time).
    pub fn matches(&self, der: &[u8]) -> bool {
        bool::from(self.hash.digest(der).ct_eq(&self.value))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.hash.name())?;
        for (i, b) in self.value.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = Error;

    /// Parses `hash-func SP fingerprint` (RFC 8122 §5); the hash token is case-insensitive,
    /// as are the hex digits.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, hex) = s.trim().split_once(' ').ok_or(Error::InvalidFingerprint)?;
        let hash = [
            HashFunction::Sha1,
            HashFunction::Sha256,
            HashFunction::Sha384,
            HashFunction::Sha512,
        ]
        .into_iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .ok_or(Error::InvalidFingerprint)?;
        let value = hex
            .trim()
            .split(':')
            .map(|pair| {
                if pair.len() == 2 {
                    u8::from_str_radix(pair, 16).map_err(|_| Error::InvalidFingerprint)
                } else {
                    Err(Error::InvalidFingerprint)
                }
            })
            .collect::<Result<Vec<u8>, Error>>()?;
        if value.len() != hash.digest(&[]).len() {
            return Err(Error::InvalidFingerprint);
        }
        Ok(Fingerprint { hash, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn generated_certificate_parses_and_fingerprints() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let cert = Certificate::generate_with_rng("WebRTC", &mut rng).unwrap();
        match (peer_key(cert.der()).unwrap(), cert.signing_key()) {
            (PeerKey::P256(pk), SigningKey::Ecdsa(key)) => {
                assert_eq!(pk.to_sec1_bytes().to_vec(), key.public_point())
            }
            other => panic!("generated {other:?}"),
        }
        assert_eq!(cert.authentication(), Authentication::Ecdsa);
        for hash in [
            HashFunction::Sha1,
            HashFunction::Sha256,
            HashFunction::Sha384,
            HashFunction::Sha512,
        ] {
            let fp = cert.fingerprint(hash);
            let text = fp.to_string();
            assert!(text.starts_with(hash.name()));
            assert_eq!(text.parse::<Fingerprint>().unwrap(), fp);
            assert!(fp.matches(cert.der()));
            assert!(!fp.matches(b"other"));
        }
        let again =
            Certificate::generate_with_rng("WebRTC", &mut ChaCha20Rng::from_seed([3; 32])).unwrap();
        assert_eq!(
            again.der(),
            cert.der(),
            "generation is deterministic under a seed"
        );
    }

    #[test]
    fn a_certificate_survives_pem_and_der_round_trips() {
        let cert =
            Certificate::generate_with_rng("saved", &mut ChaCha20Rng::from_seed([4; 32])).unwrap();
        let fp = cert.fingerprint(HashFunction::Sha256);
        let (cert_pem, key_pem) = cert.to_pem().unwrap();
        assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let from_pem = Certificate::from_pem(&cert_pem, &key_pem).unwrap();
        assert_eq!(from_pem.fingerprint(HashFunction::Sha256), fp);
        assert_eq!(from_pem.der(), cert.der());
        // The same key signs the same bytes the same way (RFC 6979).
        let p256 = SignatureScheme::EcdsaSecp256r1Sha256;
        assert_eq!(
            from_pem.signing_key().sign(p256, b"m"),
            cert.signing_key().sign(p256, b"m")
        );
        let (der, key_der) = cert.to_der().unwrap();
        let from_der = Certificate::from_der(&der, &key_der).unwrap();
        assert_eq!(from_der.fingerprint(HashFunction::Sha256), fp);

        let other =
            Certificate::generate_with_rng("other", &mut ChaCha20Rng::from_seed([5; 32])).unwrap();
        let (_, other_key) = other.to_der().unwrap();
        assert_eq!(
            Certificate::from_der(&der, &other_key).unwrap_err(),
            Error::CertificateLoad("the private key does not belong to the certificate")
        );
        assert_eq!(
            Certificate::from_der(&der, b"junk").unwrap_err(),
            Error::CertificateLoad("not a PKCS#8 P-256 private key")
        );
        assert_eq!(
            Certificate::from_pem(&key_pem, &key_pem).unwrap_err(),
            Error::CertificateLoad("unexpected PEM label")
        );
        assert_eq!(
            Certificate::from_pem("-----BEGIN CERTIFICATE-----\n!!\n", &key_pem).unwrap_err(),
            Error::CertificateLoad("malformed PEM")
        );
    }

    #[test]
    fn fingerprint_of_abc_and_parse_errors() {
        let fp = Fingerprint::of(HashFunction::Sha256, b"abc");
        assert_eq!(
            fp.to_string(),
            "sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:\
             B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert_eq!(
            "SHA-256 ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad"
                .parse::<Fingerprint>()
                .unwrap(),
            fp
        );
        assert_eq!(
            "md5 AA".parse::<Fingerprint>(),
            Err(Error::InvalidFingerprint)
        );
        assert_eq!(
            "sha-1 AA:BB".parse::<Fingerprint>(),
            Err(Error::InvalidFingerprint)
        );
        assert_eq!(
            "sha-1".parse::<Fingerprint>(),
            Err(Error::InvalidFingerprint)
        );
        assert_eq!(peer_key(b"junk").unwrap_err(), Error::BadCertificate);
    }
}

/// RSA certificates of our own: OpenSSL-made keys loaded and signing exactly as OpenSSL
/// does (PKCS#1 v1.5 is deterministic), PSS signatures that verify, generation, and the
/// sizes and mismatches refused.
#[cfg(all(test, feature = "ring"))]
mod rsa_tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    const MESSAGE: &[u8] = include_bytes!("crypto/testdata/message.bin");
    const CRT_2048: &[u8] = include_bytes!("crypto/testdata/own-2048.crt.der");
    const KEY_2048: &[u8] = include_bytes!("crypto/testdata/own-2048.key.der");
    const CRT_3072: &[u8] = include_bytes!("crypto/testdata/own-3072.crt.der");
    const KEY_3072: &[u8] = include_bytes!("crypto/testdata/own-3072.key.der");
    const CRT_2560: &[u8] = include_bytes!("crypto/testdata/own-2560.crt.der");
    const KEY_2560: &[u8] = include_bytes!("crypto/testdata/own-2560.key.der");
    const CRT_1024: &[u8] = include_bytes!("crypto/testdata/own-1024.crt.der");
    const KEY_1024: &[u8] = include_bytes!("crypto/testdata/own-1024.key.der");

    #[test]
    fn pkcs1_signatures_equal_openssls_byte_for_byte() {
        let cert = Certificate::from_der(CRT_2048, KEY_2048).unwrap();
        assert_eq!(cert.authentication(), Authentication::Rsa);
        for (scheme, openssl) in [
            (
                SignatureScheme::RsaPkcs1Sha256,
                &include_bytes!("crypto/testdata/own-2048.pkcs1-sha256.sig")[..],
            ),
            (
                SignatureScheme::RsaPkcs1Sha384,
                include_bytes!("crypto/testdata/own-2048.pkcs1-sha384.sig"),
            ),
            (
                SignatureScheme::RsaPkcs1Sha512,
                include_bytes!("crypto/testdata/own-2048.pkcs1-sha512.sig"),
            ),
        ] {
            let ours = cert.signing_key().sign(scheme, MESSAGE).unwrap();
            assert_eq!(ours, openssl, "{scheme:?}");
        }
        for (crt, key, openssl) in [
            (
                CRT_3072,
                KEY_3072,
                &include_bytes!("crypto/testdata/own-3072.pkcs1-sha256.sig")[..],
            ),
            (
                include_bytes!("crypto/testdata/own-4096.crt.der"),
                include_bytes!("crypto/testdata/own-4096.key.der"),
                include_bytes!("crypto/testdata/own-4096.pkcs1-sha256.sig"),
            ),
        ] {
            let cert = Certificate::from_der(crt, key).unwrap();
            let ours = cert
                .signing_key()
                .sign(SignatureScheme::RsaPkcs1Sha256, MESSAGE)
                .unwrap();
            assert_eq!(ours, openssl);
        }
    }

    /// PSS signatures are salted, so they differ each time; each verifies under the
    /// certificate's key with its own scheme, and under no other.
    #[test]
    fn pss_signatures_verify_under_the_certificate_only_with_their_scheme() {
        for (crt, key, len) in [(CRT_2048, KEY_2048, 256), (CRT_3072, KEY_3072, 384)] {
            let cert = Certificate::from_der(crt, key).unwrap();
            let public = peer_key(cert.der()).unwrap();
            for scheme in [
                SignatureScheme::RsaPssRsaeSha256,
                SignatureScheme::RsaPssRsaeSha384,
                SignatureScheme::RsaPssRsaeSha512,
            ] {
                let a = cert.signing_key().sign(scheme, MESSAGE).unwrap();
                let b = cert.signing_key().sign(scheme, MESSAGE).unwrap();
                assert_eq!((a.len(), b.len()), (len, len));
                assert_ne!(a, b, "a fresh salt each time");
                assert_eq!(public.verify(scheme.to_u16(), MESSAGE, &a), Ok(()));
                assert_eq!(public.verify(scheme.to_u16(), MESSAGE, &b), Ok(()));
                assert_eq!(
                    public.verify(scheme.to_u16(), &MESSAGE[1..], &a),
                    Err(Error::BadSignature)
                );
                for other in SignatureScheme::available().filter(|s| s.is_rsa() && *s != scheme) {
                    assert_eq!(
                        public.verify(other.to_u16(), MESSAGE, &a),
                        Err(Error::BadSignature),
                        "signed {scheme:?}, checked {other:?}"
                    );
                }
            }
            assert_eq!(
                cert.signing_key()
                    .sign(SignatureScheme::EcdsaSecp256r1Sha256, MESSAGE),
                Err(Error::Internal("signature scheme does not fit our key"))
            );
        }
    }

    /// The scheme follows the peer's list: PSS-SHA256 when offered, PKCS#1 when the peer
    /// offers only that, nothing for an ECDSA-only peer; and the other way round for a
    /// P-256 key.
    #[test]
    fn scheme_choice_follows_the_peer_list() {
        let rsa = Certificate::from_der(CRT_2048, KEY_2048).unwrap();
        let rsa = rsa.signing_key();
        use SignatureScheme as S;
        let all: Vec<u16> = SignatureScheme::available().map(|s| s.to_u16()).collect();
        assert_eq!(rsa.choose_scheme(&all), Some(S::RsaPssRsaeSha256));
        // OpenSSL's order lists PKCS#1 SHA-256 before PSS SHA-384: our order decides.
        assert_eq!(
            rsa.choose_scheme(&[0x0403, 0x0401, 0x0805]),
            Some(S::RsaPssRsaeSha384)
        );
        assert_eq!(
            rsa.choose_scheme(&[0x0601, 0x0401]),
            Some(S::RsaPkcs1Sha256)
        );
        assert_eq!(rsa.choose_scheme(&[0x0601]), Some(S::RsaPkcs1Sha512));
        // rsa_pss_pss_sha256 (0x0809) needs an RSASSA-PSS key, which ours is not.
        assert_eq!(rsa.choose_scheme(&[0x0403, 0x0503, 0x0809]), None);
        assert_eq!(rsa.choose_scheme(&[]), None);
        let ec =
            Certificate::generate_with_rng("ec", &mut ChaCha20Rng::from_seed([1; 32])).unwrap();
        assert_eq!(
            ec.signing_key().choose_scheme(&all),
            Some(S::EcdsaSecp256r1Sha256)
        );
        assert_eq!(ec.signing_key().choose_scheme(&[0x0804, 0x0401]), None);
    }

    #[test]
    fn generated_rsa_certificates_are_self_signed_reproducible_and_reload() {
        let mut rng = ChaCha20Rng::from_seed([6; 32]);
        let cert = Certificate::generate_rsa_with_rng("rsa", RSA_DEFAULT_BITS, &mut rng).unwrap();
        assert_eq!(cert.authentication(), Authentication::Rsa);
        let public = match peer_key(cert.der()).unwrap() {
            PeerKey::Rsa(k) => k,
            other => panic!("generated {other:?}"),
        };
        assert_eq!(public.bits(), 2048);
        // The certificate's own signature: sha256WithRSAEncryption over the TBS part,
        // by the certificate's key.
        use x509_parser::prelude::FromDer;
        let (_, parsed) = x509_parser::certificate::X509Certificate::from_der(cert.der()).unwrap();
        assert_eq!(
            parsed.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
        );
        assert_eq!(parsed.subject().to_string(), "CN=rsa");
        assert_eq!(
            peer_key(cert.der()).unwrap().verify(
                SignatureScheme::RsaPkcs1Sha256.to_u16(),
                parsed.tbs_certificate.as_ref(),
                parsed.signature_value.as_ref(),
            ),
            Ok(())
        );
        let again = Certificate::generate_rsa_with_rng(
            "rsa",
            RSA_DEFAULT_BITS,
            &mut ChaCha20Rng::from_seed([6; 32]),
        )
        .unwrap();
        assert_eq!(
            again.der(),
            cert.der(),
            "generation is deterministic under a seed"
        );

        let (cert_pem, key_pem) = cert.to_pem().unwrap();
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let reloaded = Certificate::from_pem(&cert_pem, &key_pem).unwrap();
        assert_eq!(
            reloaded.fingerprint(HashFunction::Sha256),
            cert.fingerprint(HashFunction::Sha256)
        );
        let pkcs1 = SignatureScheme::RsaPkcs1Sha256;
        assert_eq!(
            reloaded.signing_key().sign(pkcs1, MESSAGE),
            cert.signing_key().sign(pkcs1, MESSAGE)
        );
        let (der, key_der) = cert.to_der().unwrap();
        assert_eq!(
            Certificate::from_der(&der, &key_der).unwrap().der(),
            cert.der()
        );
    }

    #[test]
    fn sizes_outside_2048_3072_4096_and_mismatched_keys_are_refused() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        for bits in [0, 1024, 2047, 2560, 4097, 8192] {
            assert_eq!(
                Certificate::generate_rsa_with_rng("x", bits, &mut rng).unwrap_err(),
                Error::UnsupportedRsaKeySize(bits)
            );
        }
        // A 1024-bit certificate is refused as the peer's would be; a 2560-bit one is
        // inside what we verify but not what ring signs with.
        assert_eq!(
            Certificate::from_der(CRT_1024, KEY_1024).unwrap_err(),
            Error::UnsupportedRsaKeySize(1024)
        );
        assert_eq!(
            Certificate::from_der(CRT_2560, KEY_2560).unwrap_err(),
            Error::UnsupportedRsaKeySize(2560)
        );
        // A 1024-bit key under a 2048-bit certificate: the key's own size is checked.
        assert_eq!(
            Certificate::from_der(CRT_2048, KEY_1024).unwrap_err(),
            Error::UnsupportedRsaKeySize(1024)
        );
        assert_eq!(
            Certificate::from_der(CRT_2048, KEY_3072).unwrap_err(),
            Error::CertificateLoad("the private key does not belong to the certificate")
        );
        let ec = Certificate::generate_with_rng("ec", &mut rng).unwrap();
        let (ec_der, ec_key) = ec.to_der().unwrap();
        assert_eq!(
            Certificate::from_der(CRT_2048, &ec_key).unwrap_err(),
            Error::CertificateLoad("not a PKCS#8 RSA private key")
        );
        assert_eq!(
            Certificate::from_der(&ec_der, KEY_2048).unwrap_err(),
            Error::CertificateLoad("not a PKCS#8 P-256 private key")
        );
        assert_eq!(
            Certificate::from_der(CRT_2048, b"junk").unwrap_err(),
            Error::CertificateLoad("not a PKCS#8 RSA private key")
        );
    }
}

/// Without `ring` no RSA certificate of our own exists: generating or loading one is
/// refused with unsupported_certificate, whatever the size.
#[cfg(all(test, not(feature = "ring")))]
mod without_ring_tests {
    use super::*;

    #[test]
    fn rsa_certificates_of_our_own_are_refused() {
        for bits in [1024, 2048, 3072, 4096] {
            assert_eq!(
                Certificate::generate_rsa("x", bits).unwrap_err(),
                Error::UnsupportedCertificate
            );
        }
        assert_eq!(
            Certificate::from_der(
                include_bytes!("crypto/testdata/own-2048.crt.der"),
                include_bytes!("crypto/testdata/own-2048.key.der"),
            )
            .unwrap_err(),
            Error::UnsupportedCertificate
        );
    }
}
