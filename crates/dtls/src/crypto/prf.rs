//! The TLS 1.2 PRF (RFC 5246 §5) and what it derives: the master secret (RFC 5246 §8.1,
//! extended per RFC 7627 §4), the key block (§6.3), Finished verify_data (§7.4.9) and
//! exported keying material (RFC 5705 §4).

use crate::suite::PrfHash;
use hmac::{Hmac, KeyInit, Mac, digest::block_api::EagerHash};
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroizing;

/// HMAC of the concatenation of `parts` under `key`, wiped when dropped: in the PRF every
/// HMAC output is key material or leads to it.
fn hmac<D: EagerHash>(key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>>
where
    Hmac<D>: Mac + KeyInit,
{
    // HMAC accepts keys of every length, so this never fails.
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// P_hash (RFC 5246 §5): `A(i) = HMAC(secret, A(i-1))`, output
/// `HMAC(secret, A(1) + seed) || HMAC(secret, A(2) + seed) || ...`. The HMAC is keyed once
/// and its keyed state copied for each block (rather than keyed again, two compressions
/// each), the intermediate values stay on the stack, and the `A` after the last block is
/// not computed.
fn p_hash<D: EagerHash>(secret: &[u8], seed: &[u8], out: &mut [u8])
where
    Hmac<D>: Mac + KeyInit + Clone,
{
    // HMAC accepts keys of every length, so this never fails.
    let keyed = <Hmac<D> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    let mac = |parts: &[&[u8]]| {
        let mut m = keyed.clone();
        for p in parts {
            m.update(p);
        }
        Zeroizing::new(m.finalize().into_bytes())
    };
    let mut a = mac(&[seed]);
    let mut filled = 0;
    while filled < out.len() {
        let block = mac(&[&a[..], seed]);
        let n = block.len().min(out.len() - filled);
        out[filled..filled + n].copy_from_slice(&block[..n]);
        filled += n;
        if filled < out.len() {
            a = mac(&[&a[..]]);
        }
    }
}

/// PRF(secret, label, seed) filling `out` (RFC 5246 §5).
pub fn prf(hash: PrfHash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    // The seed can hold a session hash; wiped like the rest.
    let mut label_seed = Zeroizing::new(Vec::with_capacity(label.len() + seed.len()));
    label_seed.extend_from_slice(label);
    label_seed.extend_from_slice(seed);
    match hash {
        PrfHash::Sha256 => p_hash::<Sha256>(secret, &label_seed, out),
        PrfHash::Sha384 => p_hash::<Sha384>(secret, &label_seed, out),
    }
}

/// The hash of the handshake messages under the suite's PRF hash.
pub fn transcript_hash(hash: PrfHash, messages: &[u8]) -> Vec<u8> {
    match hash {
        PrfHash::Sha256 => Sha256::digest(messages).to_vec(),
        PrfHash::Sha384 => Sha384::digest(messages).to_vec(),
    }
}

/// HMAC-SHA256, used for cookies.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    hmac::<Sha256>(key, parts).to_vec()
}

/// The 48-byte master secret: RFC 7627 §4 when `session_hash` is given, otherwise
/// RFC 5246 §8.1 over the two randoms.
pub fn master_secret(
    hash: PrfHash,
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    session_hash: Option<&[u8]>,
) -> Zeroizing<[u8; 48]> {
    let mut ms = Zeroizing::new([0u8; 48]);
    match session_hash {
        Some(h) => prf(
            hash,
            pre_master_secret,
            b"extended master secret",
            h,
            &mut *ms,
        ),
        None => {
            let seed = [client_random.as_slice(), server_random.as_slice()].concat();
            prf(hash, pre_master_secret, b"master secret", &seed, &mut *ms);
        }
    }
    ms
}

/// verify_data for the client's or server's Finished (RFC 5246 §7.4.9).
pub fn verify_data(
    hash: PrfHash,
    master_secret: &[u8; 48],
    client: bool,
    transcript: &[u8],
) -> [u8; 12] {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    let mut out = [0u8; 12];
    prf(
        hash,
        master_secret,
        label,
        &transcript_hash(hash, transcript),
        &mut out,
    );
    out
}

/// `len` bytes of `PRF(master_secret, label, randoms[0] + randoms[1])`: the key block
/// (RFC 5246 §6.3, "key expansion", server_random first) and exported keying material
/// (RFC 5705 §4, the exporter's label, client_random first, no context).
pub fn expand(
    hash: PrfHash,
    master_secret: &[u8; 48],
    label: &[u8],
    randoms: [&[u8; 32]; 2],
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let seed = [randoms[0].as_slice(), randoms[1].as_slice()].concat();
    let mut out = Zeroizing::new(vec![0u8; len]);
    prf(hash, master_secret, label, &seed, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widely used TLS 1.2 PRF test vectors (IETF TLS WG mailing list, 2009): secret,
    /// seed and output for the label "test label".
    #[test]
    fn prf_vectors() {
        let vectors = [
            (
                PrfHash::Sha256,
                "9bbe436ba940f017b17652849a71db35",
                "a0ba9f936cda311827a6f796ffd5198c",
                concat!(
                    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a",
                    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab",
                    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701",
                    "87347b66"
                ),
            ),
            (
                PrfHash::Sha384,
                "b80b733d6ceefcdc71566ea48e5567df",
                "cd665cf6a8447dd6ff8b27555edb7465",
                concat!(
                    "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd",
                    "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd",
                    "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425",
                    "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6",
                    "91c8f3a26854308d5eaa3be85e0990703d73e56f"
                ),
            ),
        ];
        for (hash, secret, seed, expected) in vectors {
            let expected = hex::decode(expected).unwrap();
            let mut out = vec![0u8; expected.len()];
            prf(
                hash,
                &hex::decode(secret).unwrap(),
                b"test label",
                &hex::decode(seed).unwrap(),
                &mut out,
            );
            assert_eq!(out, expected, "{hash:?}");
        }
    }
}
