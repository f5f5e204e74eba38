//! Session keys and the per-packet transforms: AES-CM with HMAC-SHA1 (RFC 3711 §4.1.1,
//! §4.2.1; RFC 6188), NULL with HMAC-SHA1 (RFC 3711 §4.1.3) and AES-GCM (RFC 7714).
//!
//! Keyed state is built once per session key: the AES key schedule, the HMAC inner and
//! outer hash states (cloned per packet, never re-keyed) and the GCM hash key. A packet
//! costs one keystream pass and one MAC pass, with no allocation.
//!
//! **Which primitives are RustCrypto's and which are ours.** AES-CM is
//! `ctr::Ctr128BE` over a borrowed encrypt-only key schedule; it replaced an eight-block
//! counter loop of ours when `benches/primitives.rs` found the `ctr` backend faster (it
//! keeps eight AES-NI blocks in flight with no staging copy). GCM is `crate::gcm`:
//! `ring`'s by default, `aes-gcm` without the `ring` feature (that module says why). The
//! keystream blocks, GCM's `E(K, J0)` mask and its GHASH working state are not wiped per
//! packet; they are stack temporaries derived from the session key, which stays in
//! memory (and is wiped on drop) as long as the context lives, so wiping them only
//! narrowed what a memory-disclosure bug could read, while the key itself is readable
//! the whole time. HMAC-SHA1 stays hand-assembled (`hmac_sha1`): it measured 10-15%
//! faster than `hmac::Hmac<sha1::Sha1>` on audio-sized packets, and a differential test
//! holds it to the crate byte for byte. docs/benchmarks.md has the figures.

use crate::cryptex;
use crate::gcm::Gcm;
use crate::hmac_sha1::HmacSha1;
use crate::kdf::{Label, Prf};
use crate::key::MasterKey;
use crate::profile::{ProtectionProfile, Transform};
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser, InnerIvInit, KeyInit, StreamCipherCore};
use aes::{Aes128Enc, Aes256Enc};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Which protocol a set of session keys serves; picks the labels of RFC 3711 §4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rtp,
    Rtcp,
}

enum Cipher {
    AesCm128 {
        aes: Box<Aes128Enc>,
        mac: Box<HmacSha1>,
    },
    AesCm256 {
        aes: Box<Aes256Enc>,
        mac: Box<HmacSha1>,
    },
    Null {
        mac: Box<HmacSha1>,
    },
    Gcm(Box<Gcm>),
}

/// XORs `data` with the AES-CM keystream `E(K, iv) || E(K, iv + 1) || ...`, the counter
/// counting modulo 2^128 (RFC 3711 §4.1.1). `Ctr128BE` adds the block number to the IV
/// with wrapping arithmetic and reports no limit on the blocks left, so the keystream
/// never runs out and the call cannot fail. The counter state is zeroized when the core
/// is dropped here (the `zeroize` feature of `ctr`).
fn aes_cm<C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>>(
    aes: &C,
    iv: &[u8; 16],
    data: &mut [u8],
) {
    ctr::CtrCore::<&C, ctr::flavors::Ctr128BE>::inner_iv_init(aes, iv.into())
        .apply_keystream_partial(data.into());
}

/// The session keys for one protocol (SRTP or SRTCP) under one master key and one
/// `index DIV kdr` value.
pub(crate) struct SessionKeys {
    cipher: Cipher,
    salt: [u8; 14],
}

/// The authentication tag failed to verify.
#[derive(Debug)]
pub(crate) struct AuthFailed;

impl SessionKeys {
    /// Derives the session keys (RFC 3711 §4.3) for `kind` with key-id `r`.
    pub(crate) fn derive(
        profile: ProtectionProfile,
        prf: &Prf,
        master: &MasterKey,
        kind: Kind,
        r: u64,
    ) -> Self {
        let (le, la, ls) = match kind {
            Kind::Rtp => (
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            ),
            Kind::Rtcp => (
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            ),
        };
        let mut key = [0u8; 32];
        let key_len = profile.master_key_len();
        let transform = profile.transform();
        if transform != Transform::Null {
            prf.derive(master.salt(), le, r, &mut key[..key_len]);
        }
        let mac = || {
            let mut auth = [0u8; 20];
            prf.derive(master.salt(), la, r, &mut auth);
            let mac = Box::new(HmacSha1::new(&auth));
            auth.zeroize();
            mac
        };
        let mut k16 = [0u8; 16];
        k16.copy_from_slice(&key[..16]);
        let cipher = match (transform, key_len) {
            (Transform::Null, _) => Cipher::Null { mac: mac() },
            (Transform::AesCm, 32) => Cipher::AesCm256 {
                aes: Box::new(Aes256Enc::new((&key).into())),
                mac: mac(),
            },
            (Transform::AesCm, _) => Cipher::AesCm128 {
                aes: Box::new(Aes128Enc::new((&k16).into())),
                mac: mac(),
            },
            // Key lengths come from the profile (16 or 32), which `Gcm::new` accepts.
            (Transform::AesGcm, _) => Cipher::Gcm(Box::new(
                Gcm::new(&key[..key_len]).unwrap_or_else(|| unreachable!()),
            )),
        };
        key.zeroize();
        k16.zeroize();
        // The session salt is derived straight into its final place (a local array moved
        // into `Self` would leave an unwiped copy behind).
        let mut keys = Self {
            cipher,
            salt: [0; 14],
        };
        let salt_len = profile.master_salt_len();
        prf.derive(master.salt(), ls, r, &mut keys.salt[..salt_len]);
        keys
    }

    /// The AES-CM IV of RFC 3711 §4.1.1: `(k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)`.
    fn cm_iv(&self, ssrc: u32, index: u64) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        for (d, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
            *d ^= s;
        }
        for (d, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
            *d ^= s;
        }
        iv
    }

    /// The GCM IV of RFC 7714 §8.1 (SRTP: `00 00 || SSRC || ROC || SEQ`) and §9.1
    /// (SRTCP: `00 00 || SSRC || 00 00 || 0 || index`), XORed with the salt. `tail` is
    /// the last six bytes.
    fn gcm_iv(&self, ssrc: u32, tail: [u8; 6]) -> [u8; 12] {
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&self.salt[..12]);
        for (d, s) in iv[2..6].iter_mut().zip(ssrc.to_be_bytes()) {
            *d ^= s;
        }
        for (d, s) in iv[6..].iter_mut().zip(tail) {
            *d ^= s;
        }
        iv
    }

    fn keystream(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        // The IV is the session salt XORed with public values: wiped after use.
        let mut iv = self.cm_iv(ssrc, index);
        match &self.cipher {
            Cipher::AesCm128 { aes, .. } => aes_cm(&**aes, &iv, data),
            Cipher::AesCm256 { aes, .. } => aes_cm(&**aes, &iv, data),
            Cipher::Null { .. } | Cipher::Gcm(_) => {}
        }
        iv = [0; 16];
        zeroize::optimization_barrier(&iv);
    }

    /// HMAC-SHA1 over `data || trailer` (RFC 3711 §4.2.1), full 20 bytes.
    fn hmac(&self, data: &[u8], trailer: &[u8]) -> [u8; 20] {
        let mac = match &self.cipher {
            Cipher::AesCm128 { mac, .. } | Cipher::AesCm256 { mac, .. } | Cipher::Null { mac } => {
                mac
            }
            Cipher::Gcm(_) => return [0; 20],
        };
        mac.mac(data, trailer)
    }

    /// Writes the tag of `data || trailer`, truncated to `tag`'s length (RFC 3711 §4.2).
    fn sign(&self, data: &[u8], trailer: &[u8], tag: &mut [u8]) {
        let t = self.hmac(data, trailer);
        tag.copy_from_slice(&t[..tag.len()]);
    }

    /// Compares the tag of `data || trailer` with `tag` in constant time.
    fn verify(&self, data: &[u8], trailer: &[u8], tag: &[u8]) -> Result<(), AuthFailed> {
        let t = self.hmac(data, trailer);
        if bool::from(t[..tag.len()].ct_eq(tag)) {
            Ok(())
        } else {
            Err(AuthFailed)
        }
    }

    pub(crate) fn is_aead(&self) -> bool {
        matches!(self.cipher, Cipher::Gcm(_))
    }

    /// Protects an RTP packet: `packet` is header and payload, `hdr_len` the header
    /// length, `tag` the tag's place. For AES-CM the payload is encrypted then the
    /// header and ciphertext are authenticated with the ROC appended (RFC 3711 §3.3);
    /// for GCM the header is the associated data (RFC 7714 §8).
    ///
    /// With `cryptex` (the CSRC list's length, the extension block already marked) the
    /// encrypted range is CSRCs, extension body and payload in crypto order (RFC 9335
    /// §6.2, `crate::cryptex`); what is authenticated stays the packet as sent.
    pub(crate) fn protect_rtp(
        &self,
        packet: &mut [u8],
        hdr_len: usize,
        ssrc: u32,
        index: u64,
        tag: &mut [u8],
        cryptex: Option<usize>,
    ) {
        let roc = ((index >> 16) as u32).to_be_bytes();
        let from = match cryptex {
            Some(csrc_len) => {
                cryptex::to_crypto_order(packet, csrc_len);
                cryptex::ENCRYPT_FROM
            }
            None => hdr_len,
        };
        match &self.cipher {
            Cipher::Gcm(_) => {
                let (aad, payload) = packet.split_at_mut(from);
                let t = self.gcm_seal(self.gcm_iv(ssrc, rtp_iv_tail(index)), aad, payload);
                tag.copy_from_slice(&t[..tag.len()]);
                if let Some(c) = cryptex {
                    cryptex::to_wire_order(packet, c);
                }
            }
            _ => {
                self.keystream(ssrc, index, &mut packet[from..]);
                if let Some(c) = cryptex {
                    cryptex::to_wire_order(packet, c);
                }
                self.sign(packet, &roc, tag);
            }
        }
    }

    /// Verifies then decrypts an RTP packet (`cryptex` as for [`Self::protect_rtp`]);
    /// on failure the packet is untouched.
    pub(crate) fn unprotect_rtp(
        &self,
        packet: &mut [u8],
        hdr_len: usize,
        ssrc: u32,
        index: u64,
        tag: &[u8],
        cryptex: Option<usize>,
    ) -> Result<(), AuthFailed> {
        let from = cryptex.map_or(hdr_len, |_| cryptex::ENCRYPT_FROM);
        match &self.cipher {
            Cipher::Gcm(_) => {
                if let Some(c) = cryptex {
                    cryptex::to_crypto_order(packet, c);
                }
                let (aad, payload) = packet.split_at_mut(from);
                let r = self.gcm_open(self.gcm_iv(ssrc, rtp_iv_tail(index)), aad, payload, tag);
                if let Some(c) = cryptex {
                    cryptex::to_wire_order(packet, c);
                }
                r
            }
            _ => {
                let roc = ((index >> 16) as u32).to_be_bytes();
                self.verify(packet, &roc, tag)?;
                if let Some(c) = cryptex {
                    cryptex::to_crypto_order(packet, c);
                }
                self.keystream(ssrc, index, &mut packet[from..]);
                if let Some(c) = cryptex {
                    cryptex::to_wire_order(packet, c);
                }
                Ok(())
            }
        }
    }

    /// Protects an RTCP packet for the HMAC profiles (RFC 3711 §3.4): encrypts
    /// `packet[8..]` when `encrypt`, then authenticates `packet || E|index`.
    /// `packet_and_trailer` holds the packet followed by the 4-byte E|index word, which
    /// this writes.
    pub(crate) fn protect_rtcp_hmac(
        &self,
        packet_and_trailer: &mut [u8],
        ssrc: u32,
        index: u32,
        encrypt: bool,
        tag: &mut [u8],
    ) {
        let n = packet_and_trailer.len() - 4;
        if encrypt {
            self.keystream(ssrc, u64::from(index), &mut packet_and_trailer[8..n]);
        }
        packet_and_trailer[n..].copy_from_slice(&e_index(encrypt, index));
        self.sign(packet_and_trailer, &[], tag);
    }

    /// Verifies then decrypts an RTCP packet for the HMAC profiles.
    pub(crate) fn unprotect_rtcp_hmac(
        &self,
        packet_and_trailer: &mut [u8],
        ssrc: u32,
        index: u32,
        encrypted: bool,
        tag: &[u8],
    ) -> Result<(), AuthFailed> {
        self.verify(packet_and_trailer, &[], tag)?;
        let n = packet_and_trailer.len() - 4;
        if encrypted {
            self.keystream(ssrc, u64::from(index), &mut packet_and_trailer[8..n]);
        }
        Ok(())
    }

    /// Protects an RTCP packet with GCM (RFC 7714 §9). `region` is the packet followed by
    /// room for the 16-byte tag and the 4-byte E|index word, written here in that order.
    pub(crate) fn protect_rtcp_gcm(&self, region: &mut [u8], ssrc: u32, index: u32, encrypt: bool) {
        let n = region.len() - 20;
        let iv = || self.gcm_iv(ssrc, rtcp_iv_tail(index));
        let ei = e_index(encrypt, index);
        let tag = if encrypt {
            let aad = gcm_rtcp_aad(&region[..8], ei);
            self.gcm_seal(iv(), &aad, &mut region[8..n])
        } else {
            // The whole packet and the E|index word are associated data (§9.2).
            region[n..n + 4].copy_from_slice(&ei);
            self.gcm_seal(iv(), &region[..n + 4], &mut [])
        };
        region[n..n + 16].copy_from_slice(&tag);
        region[n + 16..].copy_from_slice(&ei);
    }

    /// Verifies then decrypts a GCM RTCP packet; `region` as for
    /// [`Self::protect_rtcp_gcm`]. On return (success or not) the region's bytes after the
    /// packet hold what they held before.
    pub(crate) fn unprotect_rtcp_gcm(
        &self,
        region: &mut [u8],
        ssrc: u32,
        index: u32,
        encrypted: bool,
    ) -> Result<(), AuthFailed> {
        let n = region.len() - 20;
        let iv = || self.gcm_iv(ssrc, rtcp_iv_tail(index));
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&region[n..n + 16]);
        let mut ei = [0u8; 4];
        ei.copy_from_slice(&region[n + 16..]);
        if encrypted {
            let aad = gcm_rtcp_aad(&region[..8], ei);
            self.gcm_open(iv(), &aad, &mut region[8..n], &tag)
        } else {
            region[n..n + 4].copy_from_slice(&ei);
            let r = self.gcm_open(iv(), &region[..n + 4], &mut [], &tag);
            region[n..n + 16].copy_from_slice(&tag);
            r
        }
    }

    /// Seals with the IV `iv` (the session salt XORed with public values).
    /// Only a plaintext longer than SP 800-38D allows (2^36 - 32 bytes, a 64 GiB packet)
    /// is refused, before anything is written; such a packet goes out as zeros under an
    /// all-zero tag, which no receiver accepts, rather than as plaintext.
    fn gcm_seal(&self, iv: [u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        let sealed = match &self.cipher {
            Cipher::Gcm(g) => g.seal(&iv, aad, data),
            _ => Err(crate::gcm::GcmError),
        };
        sealed.unwrap_or_else(|_| {
            data.fill(0);
            [0; 16]
        })
    }

    /// Verifies and opens with the IV `iv` (as for [`Self::gcm_seal`]).
    fn gcm_open(
        &self,
        iv: [u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), AuthFailed> {
        let tag = <&[u8; 16]>::try_from(tag).map_err(|_| AuthFailed)?;
        match &self.cipher {
            Cipher::Gcm(g) => g.open(&iv, aad, data, tag),
            _ => Err(crate::gcm::GcmError),
        }
        .map_err(|_| AuthFailed)
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.salt.zeroize();
    }
}

fn rtp_iv_tail(index: u64) -> [u8; 6] {
    let b = index.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

fn rtcp_iv_tail(index: u32) -> [u8; 6] {
    let b = index.to_be_bytes();
    [0, 0, b[0], b[1], b[2], b[3]]
}

fn e_index(encrypt: bool, index: u32) -> [u8; 4] {
    (index | if encrypt { 0x8000_0000 } else { 0 }).to_be_bytes()
}

fn gcm_rtcp_aad(header: &[u8], ei: [u8; 4]) -> [u8; 12] {
    let mut aad = [0u8; 12];
    aad[..8].copy_from_slice(header);
    aad[8..].copy_from_slice(&ei);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    /// RFC 3711 Appendix B.2: the AES-CM keystream for session key 2B7E…, salt F0F1…FCFD,
    /// SSRC 0, index 0, over the whole 65282-block segment.
    #[test]
    fn rfc3711_b2_keystream() {
        let keys = SessionKeys {
            cipher: Cipher::AesCm128 {
                aes: Box::new(
                    Aes128Enc::new_from_slice(&hex("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap(),
                ),
                mac: Box::new(HmacSha1::new(&[0; 20])),
            },
            salt: hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap(),
        };
        assert_eq!(
            keys.cm_iv(0, 0)[..],
            hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000")
        );
        let mut seg = vec![0u8; 1_044_512];
        keys.keystream(0, 0, &mut seg);
        assert_eq!(
            seg[..48],
            hex(
                "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB
                 41E95B3BB0A2E8DD477901E4FCA894C0"
            )
        );
        assert_eq!(
            seg[seg.len() - 48..],
            hex(
                "EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE
                 6A2CC3787889374FBEB4C81B17BA6C44"
            )
        );
    }

    const RTP_7714: &str = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
                            69736120 696e2070 61727465 73207472 6573";
    const RTCP_7714: &str =
        "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                             deadbeef deadbeef deadbeef deadbeef deadbeef";

    /// Session keys given directly, as RFC 7714 §16 and §17 give them.
    fn gcm(key: &str) -> SessionKeys {
        let key = hex(key);
        let cipher = Cipher::Gcm(Box::new(Gcm::new(&key).unwrap()));
        let mut salt = [0; 14];
        salt[..12].copy_from_slice(&hex("517569642070726f2071756f"));
        SessionKeys { cipher, salt }
    }
    const K128: &str = "000102030405060708090a0b0c0d0e0f";
    const K256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn rtp_vector(key: &str, protected: &str) {
        let keys = gcm(key);
        let plain = hex(RTP_7714);
        let want = hex(protected);
        let mut buf = plain.clone();
        buf.resize(plain.len() + 16, 0);
        let (body, tag) = buf.split_at_mut(plain.len());
        keys.protect_rtp(body, 12, 0x5501_a0b2, 0xf17b, tag, None);
        assert_eq!(buf, want);
        let (body, tag) = buf.split_at_mut(plain.len());
        keys.unprotect_rtp(body, 12, 0x5501_a0b2, 0xf17b, tag, None)
            .unwrap();
        assert_eq!(body, &plain[..]);
        // A flipped bit fails and leaves the ciphertext as it was.
        let mut bad = want.clone();
        bad[20] ^= 1;
        let (body, tag) = bad.split_at_mut(plain.len());
        assert!(
            keys.unprotect_rtp(body, 12, 0x5501_a0b2, 0xf17b, tag, None)
                .is_err()
        );
        assert_eq!(body[..20], want[..20]);
        assert_eq!(body[21..], want[21..plain.len()]);
    }

    /// RFC 7714 §16.1.1 and §16.1.2.
    #[test]
    fn rfc7714_16_1_aes_128_gcm_srtp() {
        rtp_vector(
            K128,
            "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f
             42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce",
        );
    }

    /// RFC 7714 §16.2.1 and §16.2.2.
    #[test]
    fn rfc7714_16_2_aes_256_gcm_srtp() {
        rtp_vector(
            K256,
            "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3
             b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13",
        );
    }

    fn rtcp_vector(key: &str, encrypt: bool, protected: &str) {
        let keys = gcm(key);
        let plain = hex(RTCP_7714);
        let want = hex(protected);
        let mut buf = plain.clone();
        buf.resize(plain.len() + 20, 0);
        keys.protect_rtcp_gcm(&mut buf, 0x4d61_7273, 0x5d4, encrypt);
        assert_eq!(buf, want);
        keys.unprotect_rtcp_gcm(&mut buf, 0x4d61_7273, 0x5d4, encrypt)
            .unwrap();
        assert_eq!(buf[..plain.len()], plain[..]);
        assert_eq!(buf[plain.len()..], want[plain.len()..]);
        let mut bad = want.clone();
        bad[9] ^= 0x80;
        assert!(
            keys.unprotect_rtcp_gcm(&mut bad, 0x4d61_7273, 0x5d4, encrypt)
                .is_err()
        );
        assert_eq!(bad[10..], want[10..]);
    }

    /// RFC 7714 §17.1 (encryption) and §17.2 (decryption), AEAD_AES_128_GCM.
    #[test]
    fn rfc7714_17_1_aes_128_gcm_srtcp() {
        rtcp_vector(
            K128,
            true,
            "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1
             730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4",
        );
    }

    /// RFC 7714 §17.3 (tagging only), AEAD_AES_128_GCM.
    #[test]
    fn rfc7714_17_3_aes_128_gcm_srtcp_auth_only() {
        rtcp_vector(
            K128,
            false,
            "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef
             deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4",
        );
    }

    /// RFC 7714 §17.2 (verification and decryption), AEAD_AES_256_GCM.
    #[test]
    fn rfc7714_17_2_aes_256_gcm_srtcp() {
        rtcp_vector(
            K256,
            true,
            "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1
             110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4",
        );
    }

    /// RFC 7714 §17.4 (tagging only), AEAD_AES_256_GCM.
    #[test]
    fn rfc7714_17_4_aes_256_gcm_srtcp_auth_only() {
        rtcp_vector(
            K256,
            false,
            "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef
             deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4",
        );
    }

    /// RFC 6188 §7.1: the AES-256-CM keystream for the same counter values as RFC 3711
    /// B.2, its first and last three blocks.
    #[test]
    fn rfc6188_7_1_aes_256_cm_keystream() {
        let keys = SessionKeys {
            cipher: Cipher::AesCm256 {
                aes: Box::new(
                    Aes256Enc::new_from_slice(&hex(
                        "57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98",
                    ))
                    .unwrap(),
                ),
                mac: Box::new(HmacSha1::new(&[0; 20])),
            },
            salt: hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap(),
        };
        let mut seg = vec![0u8; 65282 * 16];
        keys.keystream(0, 0, &mut seg);
        assert_eq!(
            seg[..48],
            hex(
                "92bdd28a93c3f52511c677d08b5515a4 9da71b2378a854f67050756ded165bac
                 63c4868b7096d88421b563b8c94c9a31"
            )
        );
        assert_eq!(
            seg[seg.len() - 48..],
            hex(
                "cea518c90fd91ced9cbb18c078a54711 3dbc4814f4da5f00a08772b63c6a046d
                 6eb246913062a16891433e97dd01a57f"
            )
        );
    }

    /// RFC 7714 §16.1: the IV for SSRC 0x5501a0b2, ROC 0, SEQ 0xf17b.
    #[test]
    fn rfc7714_rtp_iv() {
        let keys = SessionKeys {
            cipher: Cipher::Gcm(Box::new(Gcm::new(&[0; 16]).unwrap())),
            salt: {
                let mut s = [0; 14];
                s[..12].copy_from_slice(&hex("517569642070726f2071756f"));
                s
            },
        };
        assert_eq!(
            keys.gcm_iv(0x5501_a0b2, rtp_iv_tail(0xf17b))[..],
            hex("51753c6580c2726f20718414")
        );
    }
}
