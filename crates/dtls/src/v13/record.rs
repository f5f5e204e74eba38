//! The DTLS 1.3 record layer (RFC 9147 §4): the unified header of protected records,
//! record-number encryption (§4.2.3), the 64-bit record number rebuilt from its low bits
//! (§4.2.2), and AEAD protection of `DTLSInnerPlaintext` (RFC 8446 §5.2, §5.3).
//!
//! What we send: `001 C 1 1 EE`, the peer's connection ID when one was negotiated and is
//! not empty (then C is set, RFC 9147 §9), a 16-bit sequence number and a length, so
//! several records can share a datagram. What we accept: a unified header with an 8- or
//! 16-bit sequence number, with or without a length, and with a connection ID of the
//! length we asked for (the session checks that it is ours) or, when we asked for none,
//! without one. The header bytes, CID included, are the AEAD's additional data.

use crate::error::Error;
use aes::cipher::BlockCipherEncrypt;
use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};
use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroizing;

/// The AEAD tag length of every suite here.
pub(crate) const TAG_LEN: usize = 16;
/// Bytes of the unified header we write.
pub(crate) const HEADER_LEN: usize = 5;
/// What protection adds to a plaintext: header, content type, tag.
pub(crate) const OVERHEAD: usize = HEADER_LEN + 1 + TAG_LEN;
/// Bytes of ciphertext the record-number mask is computed from.
const SAMPLE_LEN: usize = 16;

/// The record protection of a DTLS 1.3 suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aead {
    /// AES-128-GCM (TLS_AES_128_GCM_SHA256).
    Aes128Gcm,
    /// ChaCha20-Poly1305 (TLS_CHACHA20_POLY1305_SHA256).
    Chacha20Poly1305,
}

impl Aead {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Chacha20Poly1305 => 32,
        }
    }
}

/// The unified header's C bit: a connection ID follows the first byte.
pub const CID_BIT: u8 = 0b0001_0000;

/// A parsed unified header (RFC 9147 §4) and where its record's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnifiedHeader {
    /// The low two bits of the epoch.
    pub epoch_bits: u8,
    /// The sequence number bits as on the wire (still encrypted).
    pub sequence: u16,
    /// Whether the sequence number is 16 bits (else 8).
    pub long_sequence: bool,
    /// Length of the connection ID after the first byte (0 without the C bit).
    pub cid_len: usize,
    /// Length of the header in bytes.
    pub header_len: usize,
    /// Length of the encrypted record after the header.
    pub record_len: usize,
}

/// True when the first byte of a record is a unified header (`001xxxxx`).
pub fn is_unified(first: u8) -> bool {
    first & 0b1110_0000 == 0b0010_0000
}

/// Parses the unified header at the start of `buf`. A header with a connection ID is
/// refused (with none negotiated its length is unknown: see
/// [`parse_unified_header_with_cid`]); one without a length field runs to the end of the
/// datagram.
pub fn parse_unified_header(buf: &[u8]) -> Result<UnifiedHeader, Error> {
    parse_header(buf, None)
}

/// [`parse_unified_header`] for a receiver that asked for connection IDs of `cid_len`
/// bytes: a header with the C bit has that many bytes of CID after its first byte. With
/// `cid_len` 0 (we asked for none) a header with the C bit is refused.
pub fn parse_unified_header_with_cid(buf: &[u8], cid_len: usize) -> Result<UnifiedHeader, Error> {
    parse_header(buf, Some(cid_len).filter(|n| *n > 0))
}

fn parse_header(buf: &[u8], cid: Option<usize>) -> Result<UnifiedHeader, Error> {
    let first = *buf.first().ok_or(truncated(1, 0))?;
    if !is_unified(first) {
        return Err(Error::IllegalParameter("not a unified header"));
    }
    let cid_len = match (first & CID_BIT != 0, cid) {
        (false, _) => 0,
        (true, Some(n)) => n,
        (true, None) => {
            return Err(Error::IllegalParameter(
                "a unified header with a connection ID none was negotiated for",
            ));
        }
    };
    let long_sequence = first & 0b0000_1000 != 0;
    let length_present = first & 0b0000_0100 != 0;
    let seq_len = if long_sequence { 2 } else { 1 };
    let header_len = 1 + cid_len + seq_len + if length_present { 2 } else { 0 };
    let header = buf
        .get(..header_len)
        .ok_or(truncated(header_len, buf.len()))?;
    let s = 1 + cid_len;
    let sequence = if long_sequence {
        u16::from_be_bytes([header[s], header[s + 1]])
    } else {
        u16::from(header[s])
    };
    let record_len = if length_present {
        let l = usize::from(u16::from_be_bytes([
            header[header_len - 2],
            header[header_len - 1],
        ]));
        if buf.len() - header_len < l {
            return Err(truncated(header_len + l, buf.len()));
        }
        l
    } else {
        buf.len() - header_len
    };
    Ok(UnifiedHeader {
        epoch_bits: first & 0b11,
        sequence,
        long_sequence,
        cid_len,
        header_len,
        record_len,
    })
}

fn truncated(needed: usize, got: usize) -> Error {
    Error::Truncated {
        what: "unified header",
        needed,
        got,
    }
}

/// The full record number closest to `expected` whose low `bits` bits are `low`
/// (RFC 9147 §4.2.2).
pub fn reconstruct(expected: u64, low: u64, bits: u32) -> u64 {
    let window = 1u64 << bits;
    let mask = window - 1;
    let base = expected & !mask;
    let candidates = [
        base.wrapping_sub(window) | low,
        base | low,
        base.wrapping_add(window) | low,
    ];
    candidates
        .into_iter()
        .filter(|c| *c <= crate::record::MAX_SEQUENCE_NUMBER)
        .min_by_key(|c| c.abs_diff(expected))
        .unwrap_or(base | low)
}

#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Sealer {
    Aes128(Box<Aes128Gcm>),
    Chacha(Box<ChaCha20Poly1305>),
}

#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Masker {
    Aes128(Box<aes::Aes128>),
    Chacha(Zeroizing<[u8; 32]>),
}

/// One direction of one epoch: AEAD key, IV and record-number key.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Protection {
    sealer: Sealer,
    masker: Masker,
    iv: Zeroizing<[u8; 12]>,
}

impl Protection {
    pub(crate) fn new(aead: Aead, key: &[u8], iv: &[u8; 12], sn_key: &[u8]) -> Self {
        let (sealer, masker) = match aead {
            Aead::Aes128Gcm => (
                Sealer::Aes128(Box::new(
                    Aes128Gcm::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
                )),
                Masker::Aes128(Box::new(
                    aes::Aes128::new_from_slice(sn_key).unwrap_or_else(|_| unreachable!()),
                )),
            ),
            Aead::Chacha20Poly1305 => {
                let mut k = Zeroizing::new([0u8; 32]);
                k.copy_from_slice(sn_key);
                (
                    Sealer::Chacha(Box::new(
                        ChaCha20Poly1305::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
                    )),
                    Masker::Chacha(k),
                )
            }
        };
        Protection {
            sealer,
            masker,
            iv: Zeroizing::new(*iv),
        }
    }

    /// The per-record nonce: the IV XORed with the 64-bit record sequence number (the
    /// epoch is not part of it in DTLS 1.3, RFC 9147 §4.2.2).
    fn nonce(&self, sequence: u64) -> [u8; 12] {
        let mut nonce = *self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(sequence.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    /// The record-number mask from the first 16 bytes of ciphertext (RFC 9147 §4.2.3).
    fn mask(&self, sample: &[u8]) -> Option<[u8; 2]> {
        let sample: &[u8; SAMPLE_LEN] = sample.get(..SAMPLE_LEN)?.try_into().ok()?;
        let mut out = [0u8; 2];
        match &self.masker {
            Masker::Aes128(c) => {
                let mut block = (*sample).into();
                c.encrypt_block(&mut block);
                out.copy_from_slice(&block[..2]);
            }
            Masker::Chacha(k) => {
                let counter = u32::from_le_bytes([sample[0], sample[1], sample[2], sample[3]]);
                let nonce: [u8; 12] = sample[4..].try_into().ok()?;
                let mut c = chacha20::ChaCha20::new(&(**k).into(), &nonce.into());
                c.seek(u64::from(counter) * 64);
                c.apply_keystream(&mut out);
            }
        }
        Some(out)
    }

    /// Appends one protected record of `content_type` with `payload` as epoch `epoch`,
    /// record `sequence`, to `out`: the header with the connection ID `cid` (the C bit
    /// set when it is not empty), a 16-bit sequence number and a length, then the
    /// ciphertext, then the sequence number is masked.
    pub(crate) fn seal(
        &self,
        epoch: u64,
        sequence: u64,
        cid: &[u8],
        content_type: u8,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) {
        let start = out.len();
        let len = payload.len() + 1 + TAG_LEN;
        let c = if cid.is_empty() { 0 } else { CID_BIT };
        out.push(0b0010_1100 | c | (epoch & 0b11) as u8);
        out.extend_from_slice(cid);
        out.extend_from_slice(&(sequence as u16).to_be_bytes());
        out.extend_from_slice(&(len as u16).to_be_bytes());
        let body_start = out.len();
        out.extend_from_slice(payload);
        out.push(content_type);
        let nonce = self.nonce(sequence);
        let (head, body) = out.split_at_mut(body_start);
        let aad = &head[start..];
        let tag = match &self.sealer {
            Sealer::Aes128(k) => k
                .encrypt_inout_detached(&nonce.into(), aad, body.into())
                .map(<[u8; TAG_LEN]>::from),
            Sealer::Chacha(k) => k
                .encrypt_inout_detached(&nonce.into(), aad, body.into())
                .map(<[u8; TAG_LEN]>::from),
        }
        .unwrap_or_else(|_| unreachable!());
        out.extend_from_slice(&tag);
        let mask = self
            .mask(&out[body_start..])
            .unwrap_or_else(|| unreachable!());
        let at = start + 1 + cid.len();
        out[at] ^= mask[0];
        out[at + 1] ^= mask[1];
    }

    /// Unmasks the sequence number of a record: its low 8 or 16 bits.
    pub(crate) fn unmask(&self, header: &UnifiedHeader, record: &[u8]) -> Option<u64> {
        let mask = self.mask(record)?;
        Some(if header.long_sequence {
            u64::from(header.sequence ^ u16::from_be_bytes(mask))
        } else {
            u64::from(header.sequence as u8 ^ mask[0])
        })
    }

    /// Opens a record whose full sequence number is `sequence` (rebuilt by the caller
    /// from [`Protection::unmask`]): returns the content type and the content, or `None`
    /// when it does not authenticate or its inner plaintext has no content type.
    pub(crate) fn open(
        &self,
        header_bytes: &[u8],
        header: &UnifiedHeader,
        sequence: u64,
        record: &[u8],
    ) -> Option<(u8, Vec<u8>)> {
        let body_len = record.len().checked_sub(TAG_LEN)?;
        let mut aad = header_bytes.to_vec();
        let at = 1 + header.cid_len;
        if header.long_sequence {
            aad.get_mut(at..at + 2)?
                .copy_from_slice(&(sequence as u16).to_be_bytes());
        } else {
            *aad.get_mut(at)? = sequence as u8;
        }
        let (body, tag) = record.split_at(body_len);
        let mut plaintext = body.to_vec();
        let nonce = self.nonce(sequence);
        let tag: [u8; TAG_LEN] = tag.try_into().ok()?;
        let ok = match &self.sealer {
            Sealer::Aes128(k) => k.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                plaintext.as_mut_slice().into(),
                &tag.into(),
            ),
            Sealer::Chacha(k) => k.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                plaintext.as_mut_slice().into(),
                &tag.into(),
            ),
        };
        ok.ok()?;
        // DTLSInnerPlaintext: content, content type, zero padding (RFC 8446 §5.2).
        let end = plaintext.iter().rposition(|&b| b != 0)?;
        let content_type = plaintext[end];
        plaintext.truncate(end);
        Some((content_type, plaintext))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protection(aead: Aead) -> Protection {
        let k = vec![3u8; aead.key_len()];
        Protection::new(aead, &k, &[9; 12], &vec![5u8; aead.key_len()])
    }

    #[test]
    fn header_layout_mask_and_round_trip() {
        for aead in [Aead::Aes128Gcm, Aead::Chacha20Poly1305] {
            let p = protection(aead);
            let mut out = Vec::new();
            p.seal(2, 0x1_2345, &[], 22, b"hello", &mut out);
            assert_eq!(out[0], 0b0010_1110, "S and L set, epoch bits 10");
            assert_eq!(&out[3..5], &[0, 5 + 1 + 16]);
            assert_eq!(out.len(), 5 + 22);
            let h = parse_unified_header(&out).unwrap();
            assert_eq!(h.header_len, 5);
            assert_eq!(h.record_len, 22);
            // The sequence number on the wire is masked.
            let record = &out[5..];
            let mask = p.mask(record).unwrap();
            assert_eq!(h.sequence ^ u16::from_be_bytes(mask), 0x2345);
            let low = p.unmask(&h, record).unwrap();
            assert_eq!(low, 0x2345);
            let seq = reconstruct(0x1_2340, low, 16);
            assert_eq!(seq, 0x1_2345);
            assert_eq!(
                p.open(&out[..5], &h, seq, record),
                Some((22, b"hello".to_vec()))
            );
            // The wrong full number (same low bits) does not authenticate.
            assert_eq!(p.open(&out[..5], &h, 0x2345, record), None);
            let mut bad = out.clone();
            bad[7] ^= 1;
            assert_eq!(p.open(&bad[..5], &h, seq, &bad[5..]), None);
        }
    }

    #[test]
    fn truncated_and_foreign_headers_are_errors() {
        assert!(parse_unified_header(&[]).is_err());
        assert!(parse_unified_header(&[0b0010_1100, 0]).is_err());
        assert!(parse_unified_header(&[0b0010_1100, 0, 0, 0, 9, 1]).is_err());
        assert!(parse_unified_header(&[0b0011_0000, 0, 0]).is_err(), "CID");
        assert!(parse_unified_header_with_cid(&[0b0011_0000, 0, 0], 0).is_err());
        assert!(parse_unified_header(&[22, 0xfe, 0xfd]).is_err());
        let h = parse_unified_header(&[0b0010_0001, 7, 1, 2, 3]).unwrap();
        assert_eq!(
            (h.epoch_bits, h.sequence, h.header_len, h.record_len),
            (1, 7, 2, 3)
        );
    }

    #[test]
    fn reconstruction_picks_the_closest() {
        assert_eq!(reconstruct(0, 5, 16), 5);
        assert_eq!(reconstruct(0x1_0000, 0xFFFF, 16), 0xFFFF);
        assert_eq!(reconstruct(0xFFF0, 0x0002, 16), 0x1_0002);
        assert_eq!(reconstruct(0x300, 0x01, 8), 0x301);
        assert_eq!(reconstruct(0x3FF, 0x00, 8), 0x400);
    }

    /// RFC 9147 §4 with §9: `001 C S L EE`, the CID, the masked sequence number, the
    /// length; the additional data is the header as sent, CID included, with the sequence
    /// number unmasked.
    #[test]
    fn header_with_connection_id() {
        for aead in [Aead::Aes128Gcm, Aead::Chacha20Poly1305] {
            let p = protection(aead);
            let cid = [0xC1, 0xC2, 0xC3];
            let mut out = Vec::new();
            p.seal(3, 7, &cid, 23, b"media", &mut out);
            assert_eq!(out[0], 0b0011_1111, "C, S and L set, epoch bits 11");
            assert_eq!(&out[1..4], &cid);
            assert_eq!(&out[6..8], &[0, 5 + 1 + 16]);
            assert!(parse_unified_header(&out).is_err(), "no CID length known");
            let h = parse_unified_header_with_cid(&out, 3).unwrap();
            assert_eq!((h.cid_len, h.header_len, h.record_len), (3, 8, 22));
            let record = &out[8..];
            let seq = p.unmask(&h, record).unwrap();
            assert_eq!(seq, 7);
            assert_eq!(
                p.open(&out[..8], &h, 7, record),
                Some((23, b"media".to_vec()))
            );
            // The additional data is the header with the sequence number unmasked, so the
            // AEAD itself accepts exactly these bytes.
            let mut aad = out[..8].to_vec();
            aad[4..6].copy_from_slice(&7u16.to_be_bytes());
            let nonce = p.nonce(7);
            let mut body = record[..record.len() - TAG_LEN].to_vec();
            let tag: [u8; TAG_LEN] = record[record.len() - TAG_LEN..].try_into().unwrap();
            let ok = match &p.sealer {
                Sealer::Aes128(k) => k.decrypt_inout_detached(
                    &nonce.into(),
                    &aad,
                    body.as_mut_slice().into(),
                    &tag.into(),
                ),
                Sealer::Chacha(k) => k.decrypt_inout_detached(
                    &nonce.into(),
                    &aad,
                    body.as_mut_slice().into(),
                    &tag.into(),
                ),
            };
            assert!(ok.is_ok());
            assert_eq!(body, b"media\x17");
            // Another CID of the same length in the header does not authenticate.
            let mut other = out.clone();
            other[2] ^= 1;
            let h2 = parse_unified_header_with_cid(&other, 3).unwrap();
            assert_eq!(p.open(&other[..8], &h2, 7, &other[8..]), None);
        }
    }
}
