//! Where randomness comes from: client and server randoms, ephemeral keys, cookie secrets
//! and certificate keys.
//!
//! Why `rand_core` and not a trait of our own: every RustCrypto crate and every RNG crate
//! already speaks `rand_core`'s [`CryptoRng`], so a caller passes whatever generator it
//! has (a seeded `chacha20::ChaCha20Rng` for reproducible tests, its own OS-backed one in
//! production) without depending on this crate to get one. The constructors without an
//! RNG argument seed a ChaCha20 generator from the operating system once
//! ([`getrandom`]); that can fail only on a system without a randomness source, which is
//! reported as [`crate::Error::Randomness`] rather than a panic.

use crate::error::Error;
use chacha20::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use zeroize::Zeroizing;

/// The generator a connection owns.
pub(crate) type BoxedRng = Box<dyn CryptoRng + Send>;

/// A ChaCha20 generator seeded from the operating system.
pub(crate) fn os_rng() -> Result<ChaCha20Rng, Error> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *seed).map_err(|_| Error::Randomness)?;
    Ok(ChaCha20Rng::from_seed(*seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn seeded_output_is_the_chacha20_keystream() {
        let mut a = ChaCha20Rng::from_seed([0; 32]);
        let mut x = [0u8; 40];
        a.fill_bytes(&mut x);
        // RFC 8439 Appendix A.1 test vector #1: all-zero key and nonce, block 0. The
        // pinned transcripts rely on the generator being exactly this keystream.
        assert_eq!(&x[..8], &[0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90]);
        let mut b = os_rng().unwrap();
        let mut c = os_rng().unwrap();
        let (mut y, mut z) = ([0u8; 32], [0u8; 32]);
        b.fill_bytes(&mut y);
        c.fill_bytes(&mut z);
        assert_ne!(y, z, "two OS seeds differ");
    }
}
