//! AEAD record protection (RFC 5246 §6.2.3.3 with the DTLS sequence number of RFC 6347
//! §4.1.2.1): AES-GCM per RFC 5288 §3, ChaCha20-Poly1305 per RFC 7905 §2.

use crate::record::{ContentType, epoch_and_sequence};
use crate::suite::BulkCipher;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroizing;

const TAG_LEN: usize = 16;

/// The longest RFC 9146 additional data: 23 fixed bytes and a 255-byte CID.
const MAX_CID_AAD: usize = 23 + crate::cid::MAX_CONNECTION_ID_LEN;

#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Key {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    Chacha(Box<ChaCha20Poly1305>),
}

/// The protection of one direction of one epoch: key and implicit IV.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct RecordCipher {
    key: Key,
    fixed_iv: Zeroizing<Vec<u8>>,
    bulk: BulkCipher,
}

impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordCipher")
            .field("bulk", &self.bulk)
            .finish_non_exhaustive()
    }
}

/// The identity of a record that the AEAD binds: epoch, sequence number, type, version.
#[derive(Debug, Clone, Copy)]
pub struct RecordId {
    /// Epoch.
    pub epoch: u16,
    /// 48-bit sequence number.
    pub sequence_number: u64,
    /// Content type.
    pub content_type: ContentType,
    /// Record version.
    pub version: u16,
}

impl RecordId {
    fn aad(&self, plaintext_len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&epoch_and_sequence(self.epoch, self.sequence_number));
        aad[8] = self.content_type.to_u8();
        aad[9..11].copy_from_slice(&self.version.to_be_bytes());
        aad[11..].copy_from_slice(&(plaintext_len as u16).to_be_bytes());
        aad
    }

    /// The additional data of a `tls12_cid` record under an AEAD (RFC 9146 §5.3):
    /// `seq_num_placeholder` (eight 0xFF), tls12_cid, cid_length, tls12_cid, version,
    /// epoch, sequence_number, cid, and the length of the `DTLSInnerPlaintext`. The
    /// content type of `self` is not used (the outer type is always tls12_cid).
    pub fn cid_aad(&self, cid: &[u8], inner_plaintext_len: usize) -> Vec<u8> {
        let mut buf = [0u8; MAX_CID_AAD];
        let n = self.write_cid_aad(cid, inner_plaintext_len, &mut buf);
        buf[..n].to_vec()
    }

    /// [`RecordId::cid_aad`] into a stack buffer (nothing allocated per record); returns
    /// its length. A CID is at most 255 bytes (`ConnectionId` holds no longer one).
    fn write_cid_aad(
        &self,
        cid: &[u8],
        inner_plaintext_len: usize,
        buf: &mut [u8; MAX_CID_AAD],
    ) -> usize {
        let cid = &cid[..cid.len().min(crate::cid::MAX_CONNECTION_ID_LEN)];
        let t = crate::cid::TLS12_CID;
        buf[..8].fill(0xFF);
        buf[8..11].copy_from_slice(&[t, cid.len() as u8, t]);
        buf[11..13].copy_from_slice(&self.version.to_be_bytes());
        buf[13..21].copy_from_slice(&epoch_and_sequence(self.epoch, self.sequence_number));
        buf[21..21 + cid.len()].copy_from_slice(cid);
        let end = 21 + cid.len();
        buf[end..end + 2].copy_from_slice(&(inner_plaintext_len as u16).to_be_bytes());
        end + 2
    }
}

impl RecordCipher {
    /// A cipher from the write key and IV taken from the key block. `key` and `fixed_iv` must
    /// have the lengths of `bulk` (the key block is cut to them).
    pub fn new(bulk: BulkCipher, key: &[u8], fixed_iv: &[u8]) -> Self {
        // Lengths come from `bulk`, so construction cannot fail.
        let key = match bulk {
            BulkCipher::Aes128Gcm => Key::Aes128(Box::new(
                Aes128Gcm::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            )),
            BulkCipher::Aes256Gcm => Key::Aes256(Box::new(
                Aes256Gcm::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            )),
            BulkCipher::Chacha20Poly1305 => Key::Chacha(Box::new(
                ChaCha20Poly1305::new_from_slice(key).unwrap_or_else(|_| unreachable!()),
            )),
        };
        RecordCipher {
            key,
            fixed_iv: Zeroizing::new(fixed_iv.to_vec()),
            bulk,
        }
    }

    fn nonce(&self, id: &RecordId) -> [u8; 12] {
        let seq = epoch_and_sequence(id.epoch, id.sequence_number);
        let mut nonce = [0u8; 12];
        match self.bulk {
            BulkCipher::Aes128Gcm | BulkCipher::Aes256Gcm => {
                nonce[..4].copy_from_slice(&self.fixed_iv);
                nonce[4..].copy_from_slice(&seq);
            }
            BulkCipher::Chacha20Poly1305 => {
                nonce.copy_from_slice(&self.fixed_iv);
                for (n, s) in nonce[4..].iter_mut().zip(seq) {
                    *n ^= s;
                }
            }
        }
        nonce
    }

    /// Bytes a protected fragment adds to its plaintext (explicit nonce and tag).
    pub fn overhead(&self) -> usize {
        self.bulk.overhead()
    }

    /// The protected fragment for `plaintext`: explicit nonce (GCM), ciphertext, tag.
    #[cfg(test)]
    pub fn seal(&self, id: &RecordId, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.seal_into(id, plaintext, &mut out);
        out
    }

    /// Appends the protected fragment for `plaintext` to `out` (explicit nonce for GCM,
    /// ciphertext, tag), encrypting in place: nothing is allocated when `out` has room.
    pub fn seal_into(&self, id: &RecordId, plaintext: &[u8], out: &mut Vec<u8>) {
        self.seal_with_aad(id, &id.aad(plaintext.len()), &[plaintext], out);
    }

    /// [`RecordCipher::seal_into`] for a `tls12_cid` record: the `DTLSInnerPlaintext` is
    /// `payload` followed by its real `content_type` (no padding), and the additional data
    /// is RFC 9146's ([`RecordId::cid_aad`]).
    pub fn seal_cid_into(
        &self,
        id: &RecordId,
        cid: &[u8],
        payload: &[u8],
        content_type: u8,
        out: &mut Vec<u8>,
    ) {
        let mut aad = [0u8; MAX_CID_AAD];
        let n = id.write_cid_aad(cid, payload.len() + 1, &mut aad);
        self.seal_with_aad(id, &aad[..n], &[payload, &[content_type]], out);
    }

    fn seal_with_aad(&self, id: &RecordId, aad: &[u8], plaintext: &[&[u8]], out: &mut Vec<u8>) {
        let explicit = self.bulk.explicit_nonce_len();
        let start = out.len();
        out.extend_from_slice(&epoch_and_sequence(id.epoch, id.sequence_number)[..explicit]);
        for part in plaintext {
            out.extend_from_slice(part);
        }
        let nonce = self.nonce(id);
        let body = &mut out[start + explicit..];
        let mut tag = [0u8; TAG_LEN];
        // Records are at most 2^14 bytes, far below every AEAD's limit.
        match &self.key {
            Key::Aes128(k) => k
                .encrypt_inout_detached(&nonce.into(), aad, body.into())
                .map(|t| tag.copy_from_slice(&t)),
            Key::Aes256(k) => k
                .encrypt_inout_detached(&nonce.into(), aad, body.into())
                .map(|t| tag.copy_from_slice(&t)),
            Key::Chacha(k) => k
                .encrypt_inout_detached(&nonce.into(), aad, body.into())
                .map(|t| tag.copy_from_slice(&t)),
        }
        .unwrap_or_else(|_| unreachable!());
        out.extend_from_slice(&tag);
    }

    /// The plaintext of a protected fragment, or `None` when it does not authenticate.
    pub fn open(&self, id: &RecordId, fragment: &[u8]) -> Option<Vec<u8>> {
        self.open_with_aad(fragment, id, |len| id.aad(len).to_vec())
    }

    /// The `DTLSInnerPlaintext` of a protected `tls12_cid` fragment (RFC 9146 §5.3), or
    /// `None` when it does not authenticate.
    pub fn open_cid(&self, id: &RecordId, cid: &[u8], fragment: &[u8]) -> Option<Vec<u8>> {
        self.open_with_aad(fragment, id, |len| id.cid_aad(cid, len))
    }

    fn open_with_aad(
        &self,
        fragment: &[u8],
        id: &RecordId,
        aad: impl FnOnce(usize) -> Vec<u8>,
    ) -> Option<Vec<u8>> {
        let explicit = self.bulk.explicit_nonce_len();
        let plaintext_len = fragment.len().checked_sub(explicit + TAG_LEN)?;
        let mut nonce = self.nonce(id);
        if explicit > 0 {
            nonce[4..].copy_from_slice(fragment.get(..explicit)?);
        }
        let (body, tag) = fragment.get(explicit..)?.split_at(plaintext_len);
        let mut plaintext = body.to_vec();
        let aad = aad(plaintext_len);
        let ok = match &self.key {
            Key::Aes128(k) => k.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                plaintext.as_mut_slice().into(),
                tag.try_into().ok()?,
            ),
            Key::Aes256(k) => k.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                plaintext.as_mut_slice().into(),
                tag.try_into().ok()?,
            ),
            Key::Chacha(k) => k.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                plaintext.as_mut_slice().into(),
                tag.try_into().ok()?,
            ),
        };
        ok.ok().map(|()| plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seq: u64) -> RecordId {
        RecordId {
            epoch: 1,
            sequence_number: seq,
            content_type: ContentType::ApplicationData,
            version: 0xFEFD,
        }
    }

    #[test]
    fn gcm_record_layout_and_round_trip() {
        let c = RecordCipher::new(BulkCipher::Aes128Gcm, &[7; 16], &[1, 2, 3, 4]);
        let sealed = c.seal(&id(5), b"hello");
        assert_eq!(sealed.len(), 8 + 5 + 16);
        assert_eq!(
            &sealed[..8],
            &[0, 1, 0, 0, 0, 0, 0, 5],
            "explicit nonce is epoch||seq"
        );
        assert_eq!(c.open(&id(5), &sealed).unwrap(), b"hello");
        assert_eq!(
            c.open(&id(6), &sealed),
            None,
            "sequence number is authenticated"
        );
        let mut bad = sealed.clone();
        bad[10] ^= 1;
        assert_eq!(c.open(&id(5), &bad), None);
        assert_eq!(c.open(&id(5), &sealed[..20]), None);
    }

    #[test]
    fn chacha_nonce_xor_and_round_trip() {
        let c = RecordCipher::new(BulkCipher::Chacha20Poly1305, &[9; 32], &[0xFF; 12]);
        assert_eq!(
            c.nonce(&id(0x0102)),
            [
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFD
            ]
        );
        let sealed = c.seal(&id(3), b"data");
        assert_eq!(sealed.len(), 4 + 16);
        assert_eq!(c.open(&id(3), &sealed).unwrap(), b"data");
        let c256 = RecordCipher::new(BulkCipher::Aes256Gcm, &[1; 32], &[0; 4]);
        let sealed = c256.seal(&id(0), b"");
        assert_eq!(c256.open(&id(0), &sealed).unwrap(), b"");
    }

    /// RFC 9146 §5.3's additional data, laid out by hand from the RFC's structure.
    #[test]
    fn cid_additional_data_is_rfc9146s() {
        let aad = id(5).cid_aad(&[0xC1, 0xC2, 0xC3], 0x0106);
        assert_eq!(
            aad,
            [
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // seq_num_placeholder
                25,   // tls12_cid
                3,    // cid_length
                25,   // tls12_cid
                0xFE, 0xFD, // DTLSCiphertext.version
                0x00, 0x01, // epoch
                0x00, 0x00, 0x00, 0x00, 0x00, 0x05, // sequence_number
                0xC1, 0xC2, 0xC3, // cid
                0x01, 0x06, // length_of_DTLSInnerPlaintext
            ]
        );
        // A maximal CID: 255 bytes, its length byte 0xFF.
        let long = id(0).cid_aad(&[7; 255], 0);
        assert_eq!(long.len(), 23 + 255);
        assert_eq!(long[9], 0xFF);
        assert_eq!(&long[21..276], &[7; 255][..]);
        assert_eq!(&long[276..], &[0, 0]);
    }

    #[test]
    fn cid_records_bind_the_cid() {
        let c = RecordCipher::new(BulkCipher::Aes128Gcm, &[7; 16], &[1, 2, 3, 4]);
        let mut sealed = Vec::new();
        c.seal_cid_into(&id(9), &[1, 2], b"hi", 23, &mut sealed);
        assert_eq!(c.open_cid(&id(9), &[1, 2], &sealed).unwrap(), b"hi\x17");
        assert_eq!(c.open_cid(&id(9), &[1, 3], &sealed), None, "CID is bound");
        assert_eq!(
            c.open_cid(&id(9), &[1], &sealed),
            None,
            "CID length is bound"
        );
        assert_eq!(c.open(&id(9), &sealed), None, "not the 1.2 additional data");
        let mut plain = Vec::new();
        c.seal_into(&id(9), b"hi\x17", &mut plain);
        assert_eq!(c.open_cid(&id(9), &[], &plain), None);
    }
}
