//! The injected randomness source: randoms, ephemeral keys, cookie secrets and certificate
//! keys all come from a [`Random`] the caller provides, so tests can seed it.

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};

/// A source of cryptographically strong random bytes.
pub trait Random: Send {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

/// A ChaCha20 keystream generator: deterministic from a 32-byte seed, or seeded once from
/// the operating system with [`ChaChaRandom::from_os`].
pub struct ChaChaRandom {
    seed: [u8; 32],
    stream: u64,
    cipher: ChaCha20,
}

impl std::fmt::Debug for ChaChaRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChaChaRandom(..)")
    }
}

impl ChaChaRandom {
    /// A generator whose output is fixed by `seed` (for tests and reproducible runs).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        ChaChaRandom {
            seed,
            stream: 0,
            cipher: Self::cipher(&seed, 0),
        }
    }

    /// A generator seeded from the operating system's randomness.
    pub fn from_os() -> Result<Self, crate::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| crate::Error::Randomness)?;
        Ok(Self::from_seed(seed))
    }

    fn cipher(seed: &[u8; 32], stream: u64) -> ChaCha20 {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&stream.to_le_bytes());
        ChaCha20::new(seed.into(), &nonce.into())
    }
}

impl Drop for ChaChaRandom {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
    }
}

impl Random for ChaChaRandom {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.fill(0);
        // A stream ends after 256 GiB; move on to the next nonce when it does.
        while self.cipher.try_apply_keystream(dest).is_err() {
            self.stream = self.stream.wrapping_add(1);
            self.cipher = Self::cipher(&self.seed, self.stream);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_output_is_the_chacha20_keystream() {
        let mut a = ChaChaRandom::from_seed([0; 32]);
        let mut b = ChaChaRandom::from_seed([0; 32]);
        let mut x = [0u8; 40];
        let mut y = [0u8; 40];
        a.fill(&mut x);
        b.fill(&mut y[..13]);
        b.fill(&mut y[13..]);
        assert_eq!(x, y, "output does not depend on how it is asked for");
        // RFC 8439 Appendix A.1 test vector #1: all-zero key and nonce, block 0.
        assert_eq!(&x[..8], &[0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90]);
        let mut c = ChaChaRandom::from_seed([1; 32]);
        let mut z = [0u8; 40];
        c.fill(&mut z);
        assert_ne!(x, z);
    }
}
