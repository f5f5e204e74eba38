//! Master keys: the secret a context derives its session keys from (RFC 3711 §3.2.1),
//! and the split of DTLS-SRTP keying material into one master key per direction
//! (RFC 5764 §4.2).

use crate::error::{Error, Result};
use crate::profile::ProtectionProfile;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

/// The most packets one master key may protect with SRTP (RFC 3711 §9.2).
pub const SRTP_MAX_LIFETIME: u64 = 1 << 48;
/// The most packets one master key may protect with SRTCP (RFC 3711 §9.2).
pub const SRTCP_MAX_LIFETIME: u64 = 1 << 31;
/// The longest MKI this crate accepts, in bytes (libsrtp's bound).
pub const MAX_MKI_LEN: usize = 128;

/// A master key and master salt, with an optional master key identifier (MKI) and a
/// lifetime (RFC 3711 §3.2.1, §8.1; RFC 4568 §6.1). The bytes are zeroized on drop and
/// never appear in `Debug` output.
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    key_len: usize,
    salt: [u8; 14],
    salt_len: usize,
    mki: Vec<u8>,
    lifetime: u64,
}

impl MasterKey {
    /// A master key for `profile` from its key and salt bytes, which must have the
    /// profile's lengths ([`ProtectionProfile::master_key_len`],
    /// [`ProtectionProfile::master_salt_len`]).
    pub fn new(profile: ProtectionProfile, key: &[u8], salt: &[u8]) -> Result<Self> {
        let (klen, slen) = (profile.master_key_len(), profile.master_salt_len());
        if key.len() != klen {
            return Err(Error::BadKeyLength {
                what: "master key",
                expected: klen,
                got: key.len(),
            });
        }
        if salt.len() != slen {
            return Err(Error::BadKeyLength {
                what: "master salt",
                expected: slen,
                got: salt.len(),
            });
        }
        // Copied straight into place: local arrays moved into `Self` would leave
        // unwiped copies of the key behind.
        let mut master = Self {
            key: [0; 32],
            key_len: klen,
            salt: [0; 14],
            salt_len: slen,
            mki: Vec::new(),
            lifetime: SRTP_MAX_LIFETIME,
        };
        master.key[..klen].copy_from_slice(key);
        master.salt[..slen].copy_from_slice(salt);
        Ok(master)
    }

    /// A master key from the concatenation `key || salt`, the form SDES carries in the
    /// `inline:` key parameter of an `a=crypto` line once base64-decoded (RFC 4568
    /// §6.1): [`ProtectionProfile::master_key_len`]` + `[`ProtectionProfile::master_salt_len`]
    /// bytes (30 for AES_CM_128_HMAC_SHA1_80). Follow with [`Self::with_lifetime`] and
    /// [`Self::with_mki`] for the line's optional lifetime and MKI.
    pub fn from_key_salt(profile: ProtectionProfile, key_salt: &[u8]) -> Result<Self> {
        let (klen, slen) = (profile.master_key_len(), profile.master_salt_len());
        if key_salt.len() != klen + slen {
            return Err(Error::BadKeyLength {
                what: "key and salt",
                expected: klen + slen,
                got: key_salt.len(),
            });
        }
        let (key, salt) = key_salt.split_at(klen);
        Self::new(profile, key, salt)
    }

    /// Attaches a master key identifier, carried in every packet this key protects and
    /// used by the receiver to pick the key (RFC 3711 §3.1). 1 to [`MAX_MKI_LEN`] bytes.
    pub fn with_mki(mut self, mki: &[u8]) -> Result<Self> {
        if mki.is_empty() || mki.len() > MAX_MKI_LEN {
            return Err(Error::BadKeyLength {
                what: "MKI",
                expected: MAX_MKI_LEN,
                got: mki.len(),
            });
        }
        self.mki = mki.to_vec();
        Ok(self)
    }

    /// Limits the number of SRTP packets this key may protect (the SDES key lifetime,
    /// RFC 4568 §6.1). Values above 2^48 are lowered to 2^48; SRTCP is further bounded by
    /// 2^31 (RFC 3711 §9.2).
    pub fn with_lifetime(mut self, packets: u64) -> Self {
        self.lifetime = packets.min(SRTP_MAX_LIFETIME);
        self
    }

    /// The master key identifier, empty when none is used.
    pub fn mki(&self) -> &[u8] {
        &self.mki
    }

    /// The number of SRTP packets this key may protect.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key[..self.key_len]
    }

    pub(crate) fn salt(&self) -> &[u8] {
        &self.salt[..self.salt_len]
    }
}

/// Compares every field: key and salt bytes in constant time (no early exit on the first
/// differing byte, so the time taken tells nothing about where two keys differ), and the
/// public MKI and lifetime as plain values. Two keys of different profiles' lengths are
/// unequal.
impl ConstantTimeEq for MasterKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        let same_shape = Choice::from(u8::from(
            self.key_len == other.key_len && self.salt_len == other.salt_len,
        ));
        // Whole fixed arrays: the unused tail is zero in both, so this compares exactly
        // the used bytes without a length-dependent branch.
        let bytes = self.key.ct_eq(&other.key) & self.salt.ct_eq(&other.salt);
        let public = Choice::from(u8::from(
            self.mki == other.mki && self.lifetime == other.lifetime,
        ));
        same_shape & bytes & public
    }
}

/// Equality through [`ConstantTimeEq::ct_eq`]: `a == b` compares the secret bytes in
/// constant time.
impl PartialEq for MasterKey {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for MasterKey {}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.salt.zeroize();
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("key", &format_args!("<{} bytes redacted>", self.key_len))
            .field("salt", &format_args!("<{} bytes redacted>", self.salt_len))
            .field("mki", &self.mki)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// The two master keys DTLS-SRTP exports (RFC 5764 §4.2): the client's write key
/// protects what the DTLS client sends, the server's what the server sends.
#[derive(Debug, Clone)]
pub struct DtlsSrtpKeys {
    /// The master key for packets the DTLS client sends.
    pub client_write: MasterKey,
    /// The master key for packets the DTLS server sends.
    pub server_write: MasterKey,
}

impl DtlsSrtpKeys {
    /// Splits exported keying material, laid out as client key | server key | client salt
    /// | server salt (RFC 5764 §4.2), into the two master keys. `material` must be exactly
    /// [`ProtectionProfile::keying_material_len`] bytes.
    pub fn from_keying_material(profile: ProtectionProfile, material: &[u8]) -> Result<Self> {
        let expected = profile.keying_material_len();
        if material.len() != expected {
            return Err(Error::BadKeyLength {
                what: "keying material",
                expected,
                got: material.len(),
            });
        }
        let (k, s) = (profile.master_key_len(), profile.master_salt_len());
        let (client_key, rest) = material.split_at(k);
        let (server_key, rest) = rest.split_at(k);
        let (client_salt, server_salt) = rest.split_at(s);
        Ok(Self {
            client_write: MasterKey::new(profile, client_key, client_salt)?,
            server_write: MasterKey::new(profile, server_key, server_salt)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4568 §6.1: the inline key is the master key followed by the master salt.
    #[test]
    fn an_sdes_key_salt_splits_at_the_key_length() {
        for profile in ProtectionProfile::ALL {
            let (k, s) = (profile.master_key_len(), profile.master_salt_len());
            let key_salt: Vec<u8> = (0..(k + s) as u8).collect();
            assert_eq!(
                MasterKey::from_key_salt(profile, &key_salt).unwrap(),
                MasterKey::new(profile, &key_salt[..k], &key_salt[k..]).unwrap(),
                "{profile}"
            );
            assert_eq!(
                MasterKey::from_key_salt(profile, &key_salt[1..]).unwrap_err(),
                Error::BadKeyLength {
                    what: "key and salt",
                    expected: k + s,
                    got: k + s - 1
                }
            );
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let k = MasterKey::new(
            ProtectionProfile::AesCm128HmacSha1_80,
            &[0xAB; 16],
            &[0xCD; 14],
        )
        .unwrap();
        let s = format!("{k:?}");
        assert!(
            !s.contains("171") && !s.contains("AB") && !s.contains("ab"),
            "{s}"
        );
        assert!(s.contains("16 bytes redacted"));
    }

    #[test]
    fn keying_material_splits_as_rfc_5764_lays_it_out() {
        let material: Vec<u8> = (0..60).collect();
        let keys =
            DtlsSrtpKeys::from_keying_material(ProtectionProfile::AesCm128HmacSha1_80, &material)
                .unwrap();
        assert_eq!(keys.client_write.key(), &material[0..16]);
        assert_eq!(keys.server_write.key(), &material[16..32]);
        assert_eq!(keys.client_write.salt(), &material[32..46]);
        assert_eq!(keys.server_write.salt(), &material[46..60]);
        assert_eq!(
            DtlsSrtpKeys::from_keying_material(ProtectionProfile::AeadAes128Gcm, &material)
                .unwrap_err(),
            Error::BadKeyLength {
                what: "keying material",
                expected: 56,
                got: 60
            }
        );
    }

    #[test]
    fn equality_compares_key_salt_mki_and_lifetime() {
        let p = ProtectionProfile::AesCm128HmacSha1_80;
        let k = |key: u8, salt: u8| MasterKey::new(p, &[key; 16], &[salt; 14]).unwrap();
        assert_eq!(k(1, 2), k(1, 2));
        assert!(bool::from(k(1, 2).ct_eq(&k(1, 2))));
        assert_ne!(k(1, 2), k(9, 2));
        assert_ne!(k(1, 2), k(1, 9));
        let mut last = [1u8; 16];
        last[15] = 0;
        assert_ne!(k(1, 2), MasterKey::new(p, &last, &[2; 14]).unwrap());
        assert_ne!(k(1, 2), k(1, 2).with_mki(&[1]).unwrap());
        assert_eq!(
            k(1, 2).with_mki(&[1]).unwrap(),
            k(1, 2).with_mki(&[1]).unwrap()
        );
        assert_ne!(k(1, 2), k(1, 2).with_lifetime(1000));
        // Same bytes, other lengths: a 256-bit key whose first half matches.
        let p256 = ProtectionProfile::AesCm256HmacSha1_80;
        let mut long = [0u8; 32];
        long[..16].copy_from_slice(&[1; 16]);
        assert_ne!(k(1, 2), MasterKey::new(p256, &long, &[2; 14]).unwrap());
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert_eq!(
            MasterKey::new(ProtectionProfile::AeadAes256Gcm, &[0; 16], &[0; 12]).unwrap_err(),
            Error::BadKeyLength {
                what: "master key",
                expected: 32,
                got: 16
            }
        );
        assert_eq!(
            MasterKey::new(ProtectionProfile::AeadAes128Gcm, &[0; 16], &[0; 14]).unwrap_err(),
            Error::BadKeyLength {
                what: "master salt",
                expected: 12,
                got: 14
            }
        );
    }
}
