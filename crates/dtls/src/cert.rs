//! Certificates: a self-signed ECDSA P-256 certificate of our own (generated with rcgen),
//! the peer's certificate read with x509-parser, and RFC 8122 §5 fingerprints.

use crate::crypto::signature::{PeerKey, RsaKey, SigningKey};
use crate::error::Error;
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

/// The signer rcgen calls: our RustCrypto P-256 key.
struct RcgenSigner<'a> {
    key: &'a SigningKey,
    public: Vec<u8>,
}

impl rcgen::PublicKeyData for RcgenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign(msg))
    }
}

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
            if let Some(k) = SigningKey::from_scalar(&scalar) {
                break k;
            }
        };
        let mut serial = [0u8; 16];
        rng.fill_bytes(&mut serial);
        serial[0] &= 0x7F; // a positive INTEGER
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.serial_number = Some(rcgen::SerialNumber::from(serial.to_vec()));
        let signer = RcgenSigner {
            public: key.public_point(),
            key: &key,
        };
        let cert = params
            .self_signed(&signer)
            .map_err(Error::CertificateGeneration)?;
        Ok(Certificate {
            der: cert.der().to_vec(),
            key,
        })
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

    /// A certificate from its DER bytes and its DER PKCS#8 private key. Fails with
    /// [`Error::CertificateLoad`] when the key is not a P-256 key or does not belong to the
    /// certificate, and with the peer-certificate errors when the certificate does not
    /// parse.
    pub fn from_der(certificate: &[u8], private_key: &[u8]) -> Result<Self, Error> {
        let key = SigningKey::from_pkcs8_der(private_key)?;
        Self::with_key(certificate.to_vec(), key)
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

    /// Pairs a DER certificate with its key, checking that the key is the certificate's.
    fn with_key(der: Vec<u8>, key: SigningKey) -> Result<Self, Error> {
        match peer_key(&der)? {
            PeerKey::P256(pk) if pk.to_sec1_bytes().as_ref() == key.public_point() => {
                Ok(Certificate { der, key })
            }
            _ => Err(Error::CertificateLoad(
                "the private key does not belong to the certificate",
            )),
        }
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
        match peer_key(cert.der()).unwrap() {
            PeerKey::P256(pk) => {
                assert_eq!(
                    pk.to_sec1_bytes().to_vec(),
                    cert.signing_key().public_point()
                )
            }
            other => panic!("generated {other:?}"),
        }
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
        assert_eq!(
            from_pem.signing_key().sign(b"m"),
            cert.signing_key().sign(b"m")
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
