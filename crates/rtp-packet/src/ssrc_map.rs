//! A hash map keyed by SSRC (RFC 3550 §8.1), for every per-source table of the stack: SRTP
//! streams, session members.
//!
//! SSRCs are chosen at random, entries are created only for authenticated or bounded
//! sources, and lookups run once per packet, so SipHash's resistance to crafted keys buys
//! little here and costs a noticeable share of a small packet's budget. The hash is the
//! SplitMix64 finalizer over the SSRC XORed with a per-map random key: one multiply-xorshift
//! chain, no allocation, and a caller cannot predict which SSRCs collide. The hasher's
//! methods are `#[inline]` so the SRTP lookup compiles to the same code as when the hash
//! lived in `srtp`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

/// A map keyed by SSRC, hashed with [`SsrcHash`]. Create it with `SsrcMap::default()`.
pub type SsrcMap<V> = HashMap<u32, V, SsrcHash>;

/// Builds [`SsrcHasher`]s with a key drawn from the standard library's random source.
#[derive(Clone)]
pub struct SsrcHash {
    key: u64,
}

impl core::fmt::Debug for SsrcHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The key is what keeps collisions unpredictable: never printed.
        f.debug_struct("SsrcHash").finish_non_exhaustive()
    }
}

impl Default for SsrcHash {
    fn default() -> Self {
        let key = std::collections::hash_map::RandomState::new().hash_one(0x5352_5450u32);
        Self { key }
    }
}

impl BuildHasher for SsrcHash {
    type Hasher = SsrcHasher;

    #[inline]
    fn build_hasher(&self) -> SsrcHasher {
        SsrcHasher {
            key: self.key,
            state: 0,
        }
    }
}

/// Hashes one SSRC (other input is folded in the same way, word by word).
#[derive(Debug, Clone)]
pub struct SsrcHasher {
    key: u64,
    state: u64,
}

impl SsrcHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let mut z = (self.state ^ word ^ self.key).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.state = z ^ (z >> 31);
    }
}

impl Hasher for SsrcHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The buckets (low 12 bits of the hash) 4096 SSRCs fall into.
    fn buckets(b: &SsrcHash, ssrcs: impl Iterator<Item = u32>) -> usize {
        ssrcs
            .map(|s| b.hash_one(s) & 4095)
            .collect::<HashSet<u64>>()
            .len()
    }

    #[test]
    fn nearby_and_high_bit_ssrcs_spread_over_buckets() {
        for _ in 0..50 {
            let b = SsrcHash::default();
            // A random function fills about 63% of 4096 buckets with 4096 keys; without the
            // finalizer, SSRCs differing only in high bits would share a bucket.
            for n in [
                buckets(&b, 0..4096u32),
                buckets(&b, (0..4096u32).map(|s| s << 20)),
                buckets(&b, (0..4096u32).map(|s| 0x5ca1_ab1e ^ (s << 13))),
            ] {
                assert!(n > 2400, "{n}");
            }
        }
    }

    #[test]
    fn maps_differ_in_key() {
        let (a, b) = (SsrcHash::default(), SsrcHash::default());
        assert_ne!(
            (0..8u32).map(|s| a.hash_one(s)).collect::<Vec<_>>(),
            (0..8u32).map(|s| b.hash_one(s)).collect::<Vec<_>>()
        );
    }
}
