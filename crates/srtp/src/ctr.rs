//! AES counter-mode keystream over a borrowed key schedule: eight counter blocks are
//! encrypted per call (the AES-NI backend pipelines them) and XORed into the data. Used by
//! AES-CM (RFC 3711 §4.1.1, a 128-bit counter) and by GCM (SP 800-38D, a 32-bit counter).

use aes::cipher::array::Array;
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser};
use zeroize::optimization_barrier;

/// How the counter block advances.
#[derive(Clone, Copy)]
pub enum Counter {
    /// The whole block is a 128-bit big-endian counter (RFC 3711 §4.1.1).
    Full,
    /// Only the last 32 bits count, modulo 2^32 (SP 800-38D `inc32`).
    Low32,
}

const PAR: usize = 8;

/// XORs `data` with the keystream `E(K, iv) || E(K, iv + 1) || ...`. The keystream
/// blocks left in the working buffer are wiped before returning.
pub fn apply<C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>>(
    aes: &C,
    iv: [u8; 16],
    counter: Counter,
    data: &mut [u8],
) {
    let mut ctr = u128::from_be_bytes(iv);
    let mut blocks = [Array::<u8, U16>::default(); PAR];
    let mut used = 0;
    for chunk in data.chunks_mut(PAR * 16) {
        let n = chunk.len().div_ceil(16);
        used = used.max(n);
        for block in &mut blocks[..n] {
            block.copy_from_slice(&ctr.to_be_bytes());
            ctr = match counter {
                Counter::Full => ctr.wrapping_add(1),
                Counter::Low32 => (ctr & !0xffff_ffff) | u128::from((ctr as u32).wrapping_add(1)),
            };
        }
        aes.encrypt_blocks(&mut blocks[..n]);
        for (d, k) in chunk.chunks_mut(16).zip(&blocks) {
            match <&mut [u8; 16]>::try_from(&mut *d) {
                Ok(d) => {
                    let mut key = [0u8; 16];
                    key.copy_from_slice(k);
                    *d = (u128::from_ne_bytes(*d) ^ u128::from_ne_bytes(key)).to_ne_bytes();
                }
                Err(_) => d.iter_mut().zip(k).for_each(|(d, k)| *d ^= k),
            }
        }
    }
    for block in &mut blocks[..used] {
        block.as_mut_slice().fill(0);
    }
    ctr = 0;
    optimization_barrier(&blocks);
    optimization_barrier(&ctr);
}
