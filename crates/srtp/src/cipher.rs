//! EXPERIMENT (reverted in the next commit): AES-GCM (NIST SP 800-38D as RFC 7714 uses
//! it: 96-bit IV, 128-bit tag) composed from `ctr::Ctr32BE` and the `polyval` universal
//! hash, with all GHASH blocks (associated data, ciphertext, lengths) staged through one
//! four-block buffer so POLYVAL's aggregated path (one reduction per four blocks) takes
//! all but the last few; `aes-gcm` feeds the three parts separately and reduces each
//! part's leftover blocks one by one. GHASH is POLYVAL over byte-reversed blocks with the
//! key `mulX(ByteReverse(H))` (RFC 8452 Appendix A), as the `ghash` crate does.
//!
//! Raced against `aes-gcm` by `benches/primitives.rs` on 160- and 1200-byte payloads it
//! was no faster (seal within noise of the crate, open a little slower): the reductions
//! saved are paid back in staging the byte-reversed blocks, and both pay the same
//! per-packet clone and wipe of the keyed POLYVAL state. docs/benchmarks.md has the
//! figures. The keystream was tried too, eight counter blocks per AES call with the last
//! batch padded to eight, and lost to `ctr` (on AES-NI the leftover single blocks overlap
//! in the pipeline, while padding adds whole blocks of work).

use aes::cipher::array::Array;
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser, InnerIvInit, StreamCipherCore};
use polyval::Polyval;
use polyval::hazmat::FieldElement;
use polyval::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// GHASH input for one packet, staged four blocks at a time for POLYVAL's aggregated
/// path, into a copy of the session's keyed POLYVAL state.
struct Ghash<'a> {
    polyval: &'a mut Polyval,
    staged: [polyval::Block; 4],
    n: usize,
}

impl Ghash<'_> {
    /// One GHASH block, byte-reversed into POLYVAL's order.
    #[inline(always)]
    fn block(&mut self, block: &[u8]) {
        let slot = &mut self.staged[self.n];
        for (d, s) in slot.iter_mut().zip(block.iter().rev()) {
            *d = *s;
        }
        self.n += 1;
        if self.n == self.staged.len() {
            self.polyval.update(&self.staged);
            self.n = 0;
        }
    }

    /// `bytes` as whole blocks, a trailing partial block padded with zeros.
    fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(16);
        for c in chunks.by_ref() {
            self.block(c);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut b = [0u8; 16];
            b[..tail.len()].copy_from_slice(tail);
            self.block(&b);
        }
    }

    /// The length block and whatever is still staged.
    fn lengths(&mut self, aad_len: usize, data_len: usize) {
        let mut lengths = [0u8; 16];
        lengths[..8].copy_from_slice(&(aad_len as u64 * 8).to_be_bytes());
        lengths[8..].copy_from_slice(&(data_len as u64 * 8).to_be_bytes());
        self.block(&lengths);
        self.polyval.update(&self.staged[..self.n]);
        self.n = 0;
    }
}

/// AES-GCM with a 96-bit IV and a 128-bit tag (RFC 7714 §8, §9), over an encrypt-only
/// AES key schedule.
pub struct Gcm<C> {
    aes: C,
    /// POLYVAL keyed with `mulX(ByteReverse(H))`, `H = E(K, 0^128)`, nothing absorbed.
    ghash: Polyval,
}

/// GCM refused: the tag did not verify, or the data is longer than SP 800-38D allows.
#[derive(Debug, PartialEq, Eq)]
pub struct GcmError;

/// The most bytes GCM encrypts under one IV (SP 800-38D §5.2.1.1: 2^39 - 256 bits), so
/// that the 32-bit block counter never wraps.
pub const GCM_MAX_DATA: u64 = (1 << 36) - 32;

impl<C> Gcm<C>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>,
{
    /// GCM under the key schedule `aes`.
    pub fn new(aes: C) -> Self {
        let mut h = Array::<u8, U16>::default();
        aes.encrypt_block(&mut h);
        let mut key = FieldElement::from(h).reverse().mulx();
        let ghash = Polyval::new(&key.into());
        h.zeroize();
        key.zeroize();
        Gcm { aes, ghash }
    }

    /// The CTR core at `J0` and the tag mask `E(K, J0)`; the core then stands at
    /// `inc32(J0)`, the first data block's counter (SP 800-38D §7.1).
    fn init(&self, iv: &[u8; 12]) -> (ctr::CtrCore<&C, ctr::flavors::Ctr32BE>, [u8; 16]) {
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(iv);
        j0[15] = 1;
        let mut core =
            ctr::CtrCore::<&C, ctr::flavors::Ctr32BE>::inner_iv_init(&self.aes, (&j0).into());
        let mut mask = Array::<u8, U16>::default();
        core.write_keystream_block(&mut mask);
        (core, mask.into())
    }

    /// GHASH of `aad` and the ciphertext `data`, masked. The POLYVAL state is a copy of
    /// the session's (`polyval` has no way to read a result without consuming the state),
    /// wiped by `polyval` when `finalize` drops it.
    fn tag(&self, mask: &[u8; 16], aad: &[u8], data: &[u8]) -> [u8; 16] {
        let mut polyval = self.ghash.clone();
        let mut ghash = Ghash {
            polyval: &mut polyval,
            staged: Default::default(),
            n: 0,
        };
        ghash.bytes(aad);
        ghash.bytes(data);
        ghash.lengths(aad.len(), data.len());
        let sum = polyval.finalize();
        let mut tag = [0u8; 16];
        for ((t, s), m) in tag.iter_mut().zip(sum.iter().rev()).zip(mask) {
            *t = s ^ m;
        }
        tag
    }

    /// Encrypts `data` in place and returns the tag over `aad` and the ciphertext. Data
    /// longer than [`GCM_MAX_DATA`] is refused before anything is written.
    pub fn seal(&self, iv: &[u8; 12], aad: &[u8], data: &mut [u8]) -> Result<[u8; 16], GcmError> {
        if data.len() as u64 > GCM_MAX_DATA {
            return Err(GcmError);
        }
        let (core, mut mask) = self.init(iv);
        // Cannot fail for data within GCM_MAX_DATA (the 32-bit counter does not wrap); it
        // would fail before writing anything.
        let sealed = core
            .try_apply_keystream_partial(data.into())
            .map(|()| self.tag(&mask, aad, data))
            .map_err(|_| GcmError);
        mask.zeroize();
        sealed
    }

    /// Verifies `tag` over `aad` and the ciphertext `data`, then decrypts `data` in place;
    /// on a mismatch (or data longer than [`GCM_MAX_DATA`]) `data` is left as it was.
    pub fn open(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), GcmError> {
        if data.len() as u64 > GCM_MAX_DATA {
            return Err(GcmError);
        }
        let (core, mut mask) = self.init(iv);
        let ok = bool::from(self.tag(&mask, aad, data).ct_eq(tag));
        mask.zeroize();
        if !ok {
            return Err(GcmError);
        }
        core.try_apply_keystream_partial(data.into())
            .map_err(|_| GcmError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::KeyInit;
    use aes::{Aes128Enc, Aes256Enc};
    use aes_gcm::aead::AeadInOut;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    /// Differential test against `aes_gcm::AesGcm`: random keys, IVs, associated data of
    /// 0 to 100 bytes and plaintexts of 0 to 2100 bytes give the same ciphertext and tag;
    /// open undoes seal, and a flipped bit anywhere fails and leaves the data untouched.
    #[test]
    fn gcm_matches_the_aes_gcm_crate() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..1500 {
            let iv: [u8; 12] = rng.bytes(12).try_into().unwrap();
            let (aad_len, len) = (rng.next() as usize % 101, rng.next() as usize % 2101);
            let aad = rng.bytes(aad_len);
            let plain = rng.bytes(len);
            let mut ours = plain.clone();
            let mut theirs = plain.clone();
            let (tag, their_tag): ([u8; 16], [u8; 16]) = if round % 2 == 0 {
                let key = rng.bytes(16);
                let g = Gcm::new(Aes128Enc::new_from_slice(&key).unwrap());
                let t = g.seal(&iv, &aad, &mut ours).unwrap();
                let c = aes_gcm::AesGcm::<Aes128Enc, aes_gcm::aead::consts::U12>::from(
                    Aes128Enc::new_from_slice(&key).unwrap(),
                );
                let tt = c
                    .encrypt_inout_detached((&iv).into(), &aad, (&mut theirs[..]).into())
                    .unwrap();
                assert_eq!(ours, theirs, "round {round}");
                let mut back = ours.clone();
                g.open(&iv, &aad, &mut back, &t).unwrap();
                assert_eq!(back, plain);
                if !back.is_empty() {
                    let mut bad = ours.clone();
                    let i = rng.next() as usize % bad.len();
                    bad[i] ^= 1 << (rng.next() % 8);
                    let before = bad.clone();
                    assert_eq!(g.open(&iv, &aad, &mut bad, &t), Err(GcmError));
                    assert_eq!(bad, before);
                }
                let mut bad_tag = t;
                bad_tag[rng.next() as usize % 16] ^= 0x80;
                let mut same = ours.clone();
                assert_eq!(g.open(&iv, &aad, &mut same, &bad_tag), Err(GcmError));
                assert_eq!(same, ours);
                (t, tt.into())
            } else {
                let key = rng.bytes(32);
                let g = Gcm::new(Aes256Enc::new_from_slice(&key).unwrap());
                let t = g.seal(&iv, &aad, &mut ours).unwrap();
                let c = aes_gcm::AesGcm::<Aes256Enc, aes_gcm::aead::consts::U12>::from(
                    Aes256Enc::new_from_slice(&key).unwrap(),
                );
                let tt = c
                    .encrypt_inout_detached((&iv).into(), &aad, (&mut theirs[..]).into())
                    .unwrap();
                let mut back = ours.clone();
                g.open(&iv, &aad, &mut back, &t).unwrap();
                assert_eq!(back, plain);
                (t, tt.into())
            };
            assert_eq!(ours, theirs, "round {round}");
            assert_eq!(tag, their_tag, "round {round}");
        }
    }
}
