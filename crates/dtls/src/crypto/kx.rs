//! Ephemeral ECDHE key agreement (RFC 8422 §5.10): X25519 (RFC 7748), P-256 and P-384 with
//! uncompressed points.

use crate::error::Error;
use crate::suite::NamedGroup;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Our ephemeral secret for one handshake.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub enum EphemeralSecret {
    /// An X25519 scalar.
    X25519(x25519_dalek::StaticSecret),
    /// A P-256 scalar.
    P256(p256::SecretKey),
    /// A P-384 scalar.
    P384(p384::SecretKey),
}

impl std::fmt::Debug for EphemeralSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EphemeralSecret(..)")
    }
}

impl EphemeralSecret {
    /// Draws a fresh secret for `group` from `rng`.
    pub fn generate(group: NamedGroup, rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        let mut wide = Zeroizing::new([0u8; 48]);
        match group {
            NamedGroup::X25519 => {
                rng.fill_bytes(&mut *bytes);
                EphemeralSecret::X25519(x25519_dalek::StaticSecret::from(*bytes))
            }
            NamedGroup::Secp256r1 => loop {
                // Zero or a value above the group order is drawn with probability ~2^-32.
                rng.fill_bytes(&mut *bytes);
                if let Ok(k) = p256::SecretKey::from_slice(&*bytes) {
                    break EphemeralSecret::P256(k);
                }
            },
            NamedGroup::Secp384r1 => loop {
                rng.fill_bytes(&mut *wide);
                if let Ok(k) = p384::SecretKey::from_slice(&*wide) {
                    break EphemeralSecret::P384(k);
                }
            },
        }
    }

    /// The group.
    pub fn group(&self) -> NamedGroup {
        match self {
            EphemeralSecret::X25519(_) => NamedGroup::X25519,
            EphemeralSecret::P256(_) => NamedGroup::Secp256r1,
            EphemeralSecret::P384(_) => NamedGroup::Secp384r1,
        }
    }

    /// Our public value as sent in ServerKeyExchange / ClientKeyExchange.
    pub fn public(&self) -> Vec<u8> {
        match self {
            EphemeralSecret::X25519(s) => x25519_dalek::PublicKey::from(s).as_bytes().to_vec(),
            EphemeralSecret::P256(s) => s.public_key().to_sec1_bytes().to_vec(),
            EphemeralSecret::P384(s) => s.public_key().to_sec1_bytes().to_vec(),
        }
    }

    /// The shared secret (the pre-master secret) with the peer's public value.
    pub fn agree(&self, peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            EphemeralSecret::X25519(s) => {
                let peer: [u8; 32] = peer.try_into().map_err(|_| Error::InvalidPublicKey)?;
                let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
                // RFC 8422 §5.11: an all-zero result means a small-order point.
                if bool::from(shared.as_bytes().ct_eq(&[0u8; 32])) {
                    return Err(Error::InvalidPublicKey);
                }
                Ok(Zeroizing::new(shared.as_bytes().to_vec()))
            }
            EphemeralSecret::P256(s) => nist_agree(s, peer),
            EphemeralSecret::P384(s) => nist_agree(s, peer),
        }
    }
}

/// ECDH on a NIST curve with the peer's uncompressed point (RFC 8422 §5.1.2: only the
/// uncompressed form is negotiated): the x coordinate of the shared point.
fn nist_agree<C>(
    secret: &p256::elliptic_curve::SecretKey<C>,
    peer: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error>
where
    C: p256::elliptic_curve::CurveArithmetic,
    p256::elliptic_curve::FieldBytesSize<C>: p256::elliptic_curve::sec1::ModulusSize,
    p256::elliptic_curve::AffinePoint<C>:
        p256::elliptic_curve::sec1::FromSec1Point<C> + p256::elliptic_curve::sec1::ToSec1Point<C>,
{
    use p256::elliptic_curve::array::typenum::Unsigned;
    let field_len = p256::elliptic_curve::FieldBytesSize::<C>::USIZE;
    if peer.len() != 1 + 2 * field_len || peer.first() != Some(&4) {
        return Err(Error::InvalidPublicKey);
    }
    let pk = p256::elliptic_curve::PublicKey::<C>::from_sec1_bytes(peer)
        .map_err(|_| Error::InvalidPublicKey)?;
    let shared = secret.diffie_hellman(&pk);
    Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn both_groups_agree() {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        for group in NamedGroup::ALL {
            let a = EphemeralSecret::generate(group, &mut rng);
            let b = EphemeralSecret::generate(group, &mut rng);
            assert_eq!(a.group(), group);
            let expected_len = match group {
                NamedGroup::X25519 => 32,
                NamedGroup::Secp256r1 => 65,
                NamedGroup::Secp384r1 => 97,
            };
            assert_eq!(a.public().len(), expected_len);
            assert_eq!(
                *a.agree(&b.public()).unwrap(),
                *b.agree(&a.public()).unwrap()
            );
        }
    }

    #[test]
    fn rejects_bad_points() {
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let x = EphemeralSecret::generate(NamedGroup::X25519, &mut rng);
        assert_eq!(x.agree(&[0; 32]).unwrap_err(), Error::InvalidPublicKey);
        assert_eq!(x.agree(&[9; 31]).unwrap_err(), Error::InvalidPublicKey);
        let p = EphemeralSecret::generate(NamedGroup::Secp256r1, &mut rng);
        let mut not_on_curve = vec![4];
        not_on_curve.extend([1; 64]);
        assert_eq!(p.agree(&not_on_curve).unwrap_err(), Error::InvalidPublicKey);
        let compressed = &p.public()[..33];
        assert_eq!(p.agree(compressed).unwrap_err(), Error::InvalidPublicKey);
    }
}
