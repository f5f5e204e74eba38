//! AES-GCM with the 96-bit IV and 128-bit tag of RFC 7714 §8 and §9, over one of two
//! backends chosen at build time:
//!
//! - **`ring`** (the default `ring` feature): `ring::aead::LessSafeKey`, whose x86-64 and
//!   AArch64 code runs AES-NI (or VAES) and carry-less multiplication from BoringSSL's
//!   assembly, detected at run time. On this project's reference machine it seals a
//!   160-byte payload in 0.4× the CPU time of `aes-gcm` 0.11 (docs/benchmarks.md), which
//!   is what takes SRTP's GCM under the 150 ns an audio packet was given.
//! - **`aes-gcm`** (without the feature): `aes_gcm::AesGcm` over the encrypt-only `aes`
//!   key schedule, pure Rust with its `zeroize` feature.
//!
//! Two things differ between them and are handled here so the rest of the crate sees one
//! behaviour. (1) `ring` decrypts and authenticates in one pass and zero-fills the buffer
//! when the tag does not match, where this crate promises that a packet failing
//! authentication keeps its bytes: the ciphertext is copied aside first (on the stack
//! up to 2048 bytes, a heap copy above that, which no packet within an
//! Ethernet MTU needs) and put back on failure. (2) `ring` does not wipe key material
//! when a key is dropped (it has no `zeroize` support). Its key is plain data held
//! inline (the AES round keys and the GHASH key table), so [`Gcm`]'s `Drop` overwrites it
//! in place with the key of all zeros, behind an optimization barrier that keeps the
//! stores from being removed as dead. `aes-gcm` wipes its own state (`zeroize`).
//!
//! Per packet, neither backend wipes the keystream, the tag mask `E(K, J0)` or its GHASH
//! working state; `crate::session` says why such temporaries are not wiped.

/// A GCM key for one direction of one session: AES-128 or AES-256.
pub(crate) struct Gcm(Backend);

/// GCM refused: the tag did not verify, or the data is longer than SP 800-38D allows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GcmError;

/// Ciphertexts up to this many bytes are copied aside on the stack while `ring` opens
/// them (see the module documentation); longer ones are copied to the heap.
#[cfg(feature = "ring")]
const OPEN_STACK_COPY: usize = 2048;

#[cfg(feature = "ring")]
type Backend = ring::aead::LessSafeKey;

// Boxed as a whole by `session`, so the size difference costs 256 bytes of one heap
// block, not a copy.
#[cfg(not(feature = "ring"))]
#[allow(clippy::large_enum_variant)]
enum Backend {
    Aes128(aes_gcm::AesGcm<aes::Aes128Enc, aes::cipher::consts::U12>),
    Aes256(aes_gcm::AesGcm<aes::Aes256Enc, aes::cipher::consts::U12>),
}

#[cfg(feature = "ring")]
impl Gcm {
    /// GCM under `key`, 16 or 32 bytes (AES-128 or AES-256); `None` for other lengths.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        Some(Gcm(Self::ring_key(key)?))
    }

    fn ring_key(key: &[u8]) -> Option<ring::aead::LessSafeKey> {
        let alg = match key.len() {
            16 => &ring::aead::AES_128_GCM,
            32 => &ring::aead::AES_256_GCM,
            _ => return None,
        };
        let unbound = ring::aead::UnboundKey::new(alg, key).ok()?;
        Some(ring::aead::LessSafeKey::new(unbound))
    }

    /// Encrypts `data` in place and returns the tag over `aad` and the ciphertext. Data
    /// longer than GCM allows is refused before anything is written.
    pub(crate) fn seal(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; 16], GcmError> {
        let nonce = ring::aead::Nonce::assume_unique_for_key(*iv);
        let tag = self
            .0
            .seal_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), data)
            .map_err(|_| GcmError)?;
        let mut out = [0u8; 16];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Verifies `tag` over `aad` and the ciphertext `data` and decrypts `data` in place;
    /// on a mismatch `data` holds the ciphertext it held before.
    pub(crate) fn open(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), GcmError> {
        // Two stack sizes, so an audio packet does not pay for clearing 2 KiB.
        if data.len() <= 256 {
            self.open_saving::<256>(iv, aad, data, tag)
        } else {
            self.open_saving::<OPEN_STACK_COPY>(iv, aad, data, tag)
        }
    }

    /// [`Self::open`] with the ciphertext copied aside into `N` bytes of stack (or the heap
    /// when it is longer) and put back if the tag does not match.
    fn open_saving<const N: usize>(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), GcmError> {
        let mut stack = [0u8; N];
        let mut heap = Vec::new();
        let saved: &mut [u8] = if data.len() <= N {
            &mut stack[..data.len()]
        } else {
            heap.resize(data.len(), 0);
            &mut heap
        };
        saved.copy_from_slice(data);
        let nonce = ring::aead::Nonce::assume_unique_for_key(*iv);
        let tag = ring::aead::Tag::from(*tag);
        match self
            .0
            .open_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), tag, data, 0..)
        {
            Ok(_) => Ok(()),
            Err(_) => {
                data.copy_from_slice(saved);
                Err(GcmError)
            }
        }
    }
}

#[cfg(feature = "ring")]
impl Drop for Gcm {
    /// Overwrites the key in place with the all-zero key of the same size (see the module
    /// documentation); the barrier keeps the stores.
    fn drop(&mut self) {
        let zero = [0u8; 32];
        let len = self.0.algorithm().key_len();
        if let Some(k) = Self::ring_key(&zero[..len]) {
            self.0 = k;
            zeroize::optimization_barrier(&self.0);
        }
    }
}

#[cfg(not(feature = "ring"))]
impl Gcm {
    /// GCM under `key`, 16 or 32 bytes (AES-128 or AES-256); `None` for other lengths.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        use aes::cipher::KeyInit;
        Some(Gcm(match key.len() {
            16 => Backend::Aes128(aes::Aes128Enc::new_from_slice(key).ok()?.into()),
            32 => Backend::Aes256(aes::Aes256Enc::new_from_slice(key).ok()?.into()),
            _ => return None,
        }))
    }

    /// Encrypts `data` in place and returns the tag over `aad` and the ciphertext. Data
    /// longer than GCM allows is refused before anything is written.
    pub(crate) fn seal(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; 16], GcmError> {
        use aes_gcm::aead::AeadInOut;
        let nonce = iv.into();
        match &self.0 {
            Backend::Aes128(g) => g.encrypt_inout_detached(nonce, aad, data.into()),
            Backend::Aes256(g) => g.encrypt_inout_detached(nonce, aad, data.into()),
        }
        .map(Into::into)
        .map_err(|_| GcmError)
    }

    /// Verifies `tag` over `aad` and the ciphertext `data`, then decrypts `data` in place;
    /// on a mismatch `data` is left as it was.
    pub(crate) fn open(
        &self,
        iv: &[u8; 12],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; 16],
    ) -> Result<(), GcmError> {
        use aes_gcm::aead::AeadInOut;
        let nonce = iv.into();
        let tag = tag.into();
        match &self.0 {
            Backend::Aes128(g) => g.decrypt_inout_detached(nonce, aad, data.into(), tag),
            Backend::Aes256(g) => g.decrypt_inout_detached(nonce, aad, data.into(), tag),
        }
        .map_err(|_| GcmError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::KeyInit;
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

    /// The backend in use against `aes_gcm::AesGcm` (pure Rust, independent of `ring`):
    /// random 128- and 256-bit keys, IVs, associated data of 0 to 100 bytes and data of 0
    /// to 3000 bytes (both sides of the stack copy) give the same ciphertext and tag; open
    /// undoes seal, and a flipped bit in the data or the tag fails and leaves the data as
    /// it was.
    #[test]
    fn matches_the_aes_gcm_crate() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..600 {
            let key = rng.bytes(if round % 2 == 0 { 16 } else { 32 });
            let iv: [u8; 12] = rng.bytes(12).try_into().unwrap();
            let (aad_len, len) = (rng.next() as usize % 101, rng.next() as usize % 3001);
            let aad = rng.bytes(aad_len);
            let plain = rng.bytes(len);
            let g = Gcm::new(&key).unwrap();
            let mut ours = plain.clone();
            let tag = g.seal(&iv, &aad, &mut ours).unwrap();
            let mut theirs = plain.clone();
            let their_tag: [u8; 16] = if key.len() == 16 {
                aes_gcm::AesGcm::<aes::Aes128Enc, aes_gcm::aead::consts::U12>::from(
                    aes::Aes128Enc::new_from_slice(&key).unwrap(),
                )
                .encrypt_inout_detached((&iv).into(), &aad, (&mut theirs[..]).into())
                .unwrap()
                .into()
            } else {
                aes_gcm::AesGcm::<aes::Aes256Enc, aes_gcm::aead::consts::U12>::from(
                    aes::Aes256Enc::new_from_slice(&key).unwrap(),
                )
                .encrypt_inout_detached((&iv).into(), &aad, (&mut theirs[..]).into())
                .unwrap()
                .into()
            };
            assert_eq!(ours, theirs, "round {round}");
            assert_eq!(tag, their_tag, "round {round}");
            let mut back = ours.clone();
            g.open(&iv, &aad, &mut back, &tag).unwrap();
            assert_eq!(back, plain, "round {round}");
            if !ours.is_empty() {
                let mut bad = ours.clone();
                let i = rng.next() as usize % bad.len();
                bad[i] ^= 1 << (rng.next() % 8);
                let before = bad.clone();
                assert_eq!(g.open(&iv, &aad, &mut bad, &tag), Err(GcmError));
                assert_eq!(bad, before, "round {round}");
            }
            let mut bad_tag = tag;
            bad_tag[rng.next() as usize % 16] ^= 0x80;
            let mut same = ours.clone();
            assert_eq!(g.open(&iv, &aad, &mut same, &bad_tag), Err(GcmError));
            assert_eq!(same, ours, "round {round}");
        }
    }

    #[test]
    fn other_key_lengths_are_refused() {
        assert!(Gcm::new(&[0; 24]).is_none());
        assert!(Gcm::new(&[]).is_none());
    }
}
