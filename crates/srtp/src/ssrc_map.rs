//! The hash behind the per-SSRC stream map: the SplitMix64 finalizer over the SSRC XORed
//! with a per-context random key. SipHash's DoS resistance buys little here (streams are
//! created only by authenticated packets and their number is bounded) and costs a
//! noticeable share of a small packet's budget.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

/// A stream map keyed by SSRC.
pub(crate) type SsrcMap<V> = HashMap<u32, V, SsrcHash>;

/// Builds [`SsrcHasher`]s with a key drawn from the standard library's random source.
#[derive(Clone)]
pub(crate) struct SsrcHash {
    key: u64,
}

impl Default for SsrcHash {
    fn default() -> Self {
        let key = std::collections::hash_map::RandomState::new().hash_one(0x5352_5450u32);
        Self { key }
    }
}

impl BuildHasher for SsrcHash {
    type Hasher = SsrcHasher;

    fn build_hasher(&self) -> SsrcHasher {
        SsrcHasher {
            key: self.key,
            state: 0,
        }
    }
}

/// Hashes one SSRC (other input is folded in the same way, word by word).
pub(crate) struct SsrcHasher {
    key: u64,
    state: u64,
}

impl SsrcHasher {
    fn mix(&mut self, word: u64) {
        let mut z = (self.state ^ word ^ self.key).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.state = z ^ (z >> 31);
    }
}

impl Hasher for SsrcHasher {
    fn finish(&self) -> u64 {
        self.state
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(w));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_and_high_bit_ssrcs_spread_over_buckets() {
        for _ in 0..50 {
            spread(&SsrcHash::default());
        }
    }

    fn spread(b: &SsrcHash) {
        let low: std::collections::HashSet<u64> =
            (0..4096u32).map(|s| b.hash_one(s) & 4095).collect();
        let high: std::collections::HashSet<u64> =
            (0..4096u32).map(|s| b.hash_one(s << 20) & 4095).collect();
        // A random function fills about 63% of 4096 buckets with 4096 keys.
        assert!(low.len() > 2400, "{}", low.len());
        assert!(high.len() > 2400, "{}", high.len());
    }
}
