//! Cryptex (RFC 9335): SRTP that encrypts the CSRC list and the RTP header extension
//! along with the payload.
//!
//! With [`crate::Config::cryptex`] on, protect marks a packet's RFC 8285 extension block
//! as encrypted by rewriting its "defined by profile" word (0xBEDE becomes 0xC0DE, the
//! two-byte form 0x1000 becomes 0xC2DE, §5) and encrypts everything after the fixed
//! header except the extension block's first four bytes (§6.1). A packet with CSRCs but
//! no extension gets an empty 0xC0DE block first (§5.1), so the receiver can tell that
//! its CSRCs are encrypted; a packet with neither is protected as plain SRTP. Unprotect
//! decrypts a packet whose block says 0xC0DE or 0xC2DE and puts 0xBEDE or 0x1000 back;
//! any other packet is plain SRTP, which a cryptex receiver still accepts (§5.2: once
//! negotiated, the sender picks per packet). RTCP is unchanged.
//!
//! **The transform.** The encrypted region is not contiguous on the wire when there are
//! CSRCs: the clear extension word sits between the CSRC list and the extension body.
//! RFC 9335 §6.2 defines the keystream (and, for GCM, the associated data: fixed header
//! and extension word) as if that word stood right after the fixed header. This module
//! moves it there ([`to_crypto_order`], a rotation of at most 64 bytes in place), the
//! cipher runs over one contiguous range from byte 16, and [`to_wire_order`] moves it
//! back; the HMAC profiles authenticate the wire order, as RFC 3711 does. libsrtp 2.8
//! works the same way, which is what makes the ciphertexts byte-equal.
//!
//! **What is refused.** With cryptex on, protect refuses a packet whose extension is
//! not RFC 8285's one-byte or two-byte form (two-byte with non-zero "appbits"
//! included: the cryptex ids leave no room for them, §5), with
//! [`Error::CryptexExtension`]: sending it in clear is what the peer asked not to get,
//! and guessing a layout is worse. A context without cryptex refuses a packet marked
//! 0xC0DE or 0xC2DE ([`Error::CryptexNotNegotiated`]) in both directions: received, its
//! extension block cannot be read; to be sent, it would go out claiming an encryption it
//! does not have, and every receiver (ours, libsrtp's with cryptex off too) would misread
//! it. Refusing both ways keeps protect and unprotect inverse to each other. The NULL profile encrypts nothing, so cryptex does not apply to
//! it in either direction (as the E flag of [`crate::Config::encrypt_rtcp`]).

use crate::error::{Error, Result};

/// RFC 8285 one-byte header extensions.
const ONE_BYTE: u16 = 0xBEDE;
/// RFC 8285 two-byte header extensions with zero "appbits".
const TWO_BYTE: u16 = 0x1000;
/// RFC 9335: encrypted one-byte header extensions.
pub(crate) const CRYPTEX_ONE_BYTE: u16 = 0xC0DE;
/// RFC 9335: encrypted two-byte header extensions.
pub(crate) const CRYPTEX_TWO_BYTE: u16 = 0xC2DE;

/// The fixed RTP header's length; the cryptex region starts 4 bytes after it.
const FIXED: usize = 12;

/// How protect treats one packet under cryptex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendPlan {
    /// No CSRCs and no extension: plain SRTP.
    Plain,
    /// The extension block (after `csrc_len` bytes of CSRCs) gets the cryptex id `id`.
    Mark { csrc_len: usize, id: u16 },
    /// CSRCs without an extension: an empty 0xC0DE block is inserted after them.
    Insert { csrc_len: usize },
}

impl SendPlan {
    /// The bytes the packet grows by (the inserted empty block).
    pub(crate) fn growth(self) -> usize {
        match self {
            Self::Insert { .. } => 4,
            _ => 0,
        }
    }

    /// Decides how to send the RTP packet `packet` (already parsed, so its CSRC list
    /// and extension word are there).
    pub(crate) fn plan(packet: &[u8]) -> Result<Self> {
        let first = packet.first().copied().unwrap_or(0);
        let csrc_len = 4 * usize::from(first & 0x0f);
        if first & 0x10 == 0 {
            return Ok(if csrc_len == 0 {
                Self::Plain
            } else {
                Self::Insert { csrc_len }
            });
        }
        let id = profile_at(packet, FIXED + csrc_len);
        match id {
            Some(ONE_BYTE) => Ok(Self::Mark {
                csrc_len,
                id: CRYPTEX_ONE_BYTE,
            }),
            Some(TWO_BYTE) => Ok(Self::Mark {
                csrc_len,
                id: CRYPTEX_TWO_BYTE,
            }),
            other => Err(Error::CryptexExtension(other.unwrap_or(0))),
        }
    }

    /// Rewrites `buf[..len]` to the packet that goes on the wire before encryption:
    /// the extension word marked, or an empty marked block inserted (`buf` has room:
    /// the caller checked `len + growth()`). Returns the CSRC length for the transform,
    /// or `None` for plain SRTP.
    pub(crate) fn apply(self, buf: &mut [u8], len: usize) -> Option<usize> {
        match self {
            Self::Plain => None,
            Self::Mark { csrc_len, id } => {
                let at = FIXED + csrc_len;
                buf[at..at + 2].copy_from_slice(&id.to_be_bytes());
                Some(csrc_len)
            }
            Self::Insert { csrc_len } => {
                let at = FIXED + csrc_len;
                buf.copy_within(at..len, at + 4);
                buf[at..at + 4].copy_from_slice(&[0xC0, 0xDE, 0, 0]);
                buf[0] |= 0x10;
                Some(csrc_len)
            }
        }
    }
}

/// The "defined by profile" word at `at`, if the packet is that long.
fn profile_at(packet: &[u8], at: usize) -> Option<u16> {
    match packet.get(at..at + 2) {
        Some(&[hi, lo]) => Some(u16::from_be_bytes([hi, lo])),
        _ => None,
    }
}

/// Whether an SRTP packet whose header (`hdr_len` bytes, checked by the caller) has been
/// read is a cryptex packet: `Some(csrc_len)` when its extension word is 0xC0DE or
/// 0xC2DE.
pub(crate) fn received(packet: &[u8]) -> Option<usize> {
    let first = *packet.first()?;
    if first & 0x10 == 0 {
        return None;
    }
    let csrc_len = 4 * usize::from(first & 0x0f);
    match profile_at(packet, FIXED + csrc_len)? {
        CRYPTEX_ONE_BYTE | CRYPTEX_TWO_BYTE => Some(csrc_len),
        _ => None,
    }
}

/// Whether an SRTP packet, as it is on the wire, says it was protected with cryptex
/// (RFC 9335 §5): its X bit is set and the word after its CSRC list is 0xC0DE or 0xC2DE.
/// Reads only the header; any slice is accepted (a short one is not cryptex). For
/// counting what a peer sends: unprotect needs no help from it.
pub fn is_cryptex(packet: &[u8]) -> bool {
    received(packet).is_some()
}

/// Puts the RFC 8285 id back on a decrypted cryptex packet (§5.2).
pub(crate) fn unmark(packet: &mut [u8], csrc_len: usize) {
    let at = FIXED + csrc_len;
    let plain = match profile_at(packet, at) {
        Some(CRYPTEX_TWO_BYTE) => TWO_BYTE,
        _ => ONE_BYTE,
    };
    packet[at..at + 2].copy_from_slice(&plain.to_be_bytes());
}

/// Moves the extension word from after the CSRC list to right after the fixed header,
/// so that CSRCs, extension body and payload form one range from byte 16 (§6.2).
pub(crate) fn to_crypto_order(packet: &mut [u8], csrc_len: usize) {
    if csrc_len > 0 {
        packet[FIXED..FIXED + csrc_len + 4].rotate_right(4);
    }
}

/// Undoes [`to_crypto_order`].
pub(crate) fn to_wire_order(packet: &mut [u8], csrc_len: usize) {
    if csrc_len > 0 {
        packet[FIXED..FIXED + csrc_len + 4].rotate_left(4);
    }
}

/// Where the cryptex encrypted range starts: after the fixed header and, in crypto order,
/// the extension word.
pub(crate) const ENCRYPT_FROM: usize = FIXED + 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_cryptex_reads_the_word_after_the_csrcs() {
        // X set, two CSRCs, then the extension word.
        let mut p = vec![0x92u8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(&[0xC0, 0xDE, 0, 0]);
        assert!(is_cryptex(&p));
        p[20..22].copy_from_slice(&[0xC2, 0xDE]);
        assert!(is_cryptex(&p));
        p[20..22].copy_from_slice(&[0xBE, 0xDE]);
        assert!(!is_cryptex(&p));
        p[20..22].copy_from_slice(&[0xC0, 0xDE]);
        p[0] = 0x82; // X clear: the word is payload.
        assert!(!is_cryptex(&p));
        p[0] = 0x92;
        assert!(!is_cryptex(&p[..21]), "too short to hold the word");
        assert!(!is_cryptex(&[]));
    }

    #[test]
    fn plan_follows_rfc_9335_section_5() {
        let mut p = vec![0x80u8; 12];
        assert_eq!(SendPlan::plan(&p), Ok(SendPlan::Plain));
        p[0] = 0x82;
        p.extend_from_slice(&[0; 8]);
        assert_eq!(SendPlan::plan(&p), Ok(SendPlan::Insert { csrc_len: 8 }));
        p[0] = 0x92;
        p.extend_from_slice(&[0xBE, 0xDE, 0, 0]);
        assert_eq!(
            SendPlan::plan(&p),
            Ok(SendPlan::Mark {
                csrc_len: 8,
                id: CRYPTEX_ONE_BYTE
            })
        );
        p[20..22].copy_from_slice(&[0x10, 0x00]);
        assert_eq!(
            SendPlan::plan(&p),
            Ok(SendPlan::Mark {
                csrc_len: 8,
                id: CRYPTEX_TWO_BYTE
            })
        );
        // Two-byte with appbits, a non-RFC 8285 profile, and an already marked block.
        for id in [0x1001u16, 0xABCD, CRYPTEX_ONE_BYTE] {
            p[20..22].copy_from_slice(&id.to_be_bytes());
            assert_eq!(SendPlan::plan(&p), Err(Error::CryptexExtension(id)));
        }
    }

    #[test]
    fn insert_puts_an_empty_block_after_the_csrcs() {
        let mut buf = [0u8; 32];
        let pkt = [
            0x81, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 9, 9, 9, 0xAA, 0xBB,
        ];
        buf[..pkt.len()].copy_from_slice(&pkt);
        let plan = SendPlan::plan(&pkt).unwrap();
        assert_eq!(plan.apply(&mut buf, pkt.len()), Some(4));
        assert_eq!(
            buf[..pkt.len() + plan.growth()],
            [
                0x91, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 9, 9, 9, 0xC0, 0xDE, 0, 0, 0xAA, 0xBB
            ]
        );
        assert_eq!(received(&buf), Some(4));
        unmark(&mut buf, 4);
        assert_eq!(buf[16..20], [0xBE, 0xDE, 0, 0]);
        assert_eq!(received(&buf), None);
    }

    #[test]
    fn crypto_order_round_trips() {
        let mut p: Vec<u8> = (0..40).collect();
        to_crypto_order(&mut p, 8);
        assert_eq!(p[12..24], [20, 21, 22, 23, 12, 13, 14, 15, 16, 17, 18, 19]);
        to_wire_order(&mut p, 8);
        assert_eq!(p, (0..40).collect::<Vec<u8>>());
    }
}
