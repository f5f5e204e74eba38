//! AES-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag, as RFC 7714 uses it:
//! AES-CTR from the AES-NI backend and GHASH from the `ghash` crate, keyed once per
//! session key. Opening verifies the tag before it decrypts anything.

use crate::ctr::{Counter, apply};
use aes::cipher::array::Array;
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, optimization_barrier};

/// A GCM key: the AES key schedule and the GHASH key `H = E(K, 0^128)`.
pub struct Gcm<C> {
    aes: C,
    ghash: GHash,
}

impl<C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>> Gcm<C> {
    /// Keys GCM with an AES key schedule, computing the hash key `H = E(K, 0^128)`.
    pub fn new(aes: C) -> Self {
        let mut h = Array::<u8, U16>::default();
        aes.encrypt_block(&mut h);
        // H crosses from the AES crate's array type to GHASH's through a named value, so
        // each copy of the hash key can be wiped (an `&key.into()` temporary could not).
        let mut key = [0u8; 16];
        key.copy_from_slice(&h);
        let mut ghash_key = ghash::Key::from(key);
        let ghash = GHash::new(&ghash_key);
        ghash_key.as_mut_slice().zeroize();
        key.zeroize();
        h.as_mut_slice().zeroize();
        Self { aes, ghash }
    }

    /// `J0 = IV || 0^31 || 1` (SP 800-38D §7.1, step 2).
    fn j0(iv: &[u8; 12]) -> [u8; 16] {
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(iv);
        j0[15] = 1;
        j0
    }

    fn keystream(&self, j0: &[u8; 16], data: &mut [u8]) {
        let mut start = *j0;
        start[15] = 2;
        apply(&self.aes, start, Counter::Low32, data);
    }

    /// `GHASH(A || 0* || C || 0* || len(A) || len(C)) XOR E(K, J0)`.
    fn tag(&self, j0: &[u8; 16], aad: &[u8], ciphertext: &[u8]) -> [u8; 16] {
        let mut g = self.ghash.clone();
        g.update_padded(aad);
        g.update_padded(ciphertext);
        let mut lengths = [0u8; 16];
        lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(ciphertext.len() as u64 * 8).to_be_bytes());
        g.update(&[lengths.into()]);
        let mut s = g.finalize();
        // `mask` is a keystream block and `s` the hash that, with the public tag, gives
        // it away: both are wiped.
        let mut mask = Array::<u8, U16>::from(*j0);
        self.aes.encrypt_block(&mut mask);
        let mut tag = [0u8; 16];
        for ((t, s), m) in tag.iter_mut().zip(s.iter()).zip(mask.iter()) {
            *t = s ^ m;
        }
        mask.as_mut_slice().fill(0);
        s.as_mut_slice().fill(0);
        optimization_barrier(&mask);
        optimization_barrier(&s);
        tag
    }

    /// Encrypts `data` in place and returns the tag.
    pub fn seal(&self, iv: &[u8; 12], aad: &[u8], data: &mut [u8]) -> [u8; 16] {
        let mut j0 = Self::j0(iv);
        self.keystream(&j0, data);
        let tag = self.tag(&j0, aad, data);
        j0 = [0; 16];
        optimization_barrier(&j0);
        tag
    }

    /// Verifies `tag` (in constant time) and only then decrypts `data` in place.
    pub fn open(&self, iv: &[u8; 12], aad: &[u8], data: &mut [u8], tag: &[u8]) -> bool {
        let mut j0 = Self::j0(iv);
        let expected = self.tag(&j0, aad, data);
        let ok = bool::from(expected.as_slice().ct_eq(tag));
        if ok {
            self.keystream(&j0, data);
        }
        j0 = [0; 16];
        optimization_barrier(&j0);
        ok
    }
}
