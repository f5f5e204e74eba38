//! The SRTP key derivation function (RFC 3711 §4.3): AES in counter mode keyed with the
//! master key, run over the master salt XORed with a label and `index DIV kdr`.

use aes::cipher::array::Array;
use aes::cipher::consts::U16;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128Enc, Aes256Enc};
use zeroize::Zeroize;

/// The key derivation labels of RFC 3711 §4.3.1 and §4.3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Label {
    RtpEncryption = 0x00,
    RtpAuthentication = 0x01,
    RtpSalt = 0x02,
    RtcpEncryption = 0x03,
    RtcpAuthentication = 0x04,
    RtcpSalt = 0x05,
}

/// The AES-CM pseudo-random function keyed with a master key (RFC 3711 §4.3.3; the
/// AES-256 variant of RFC 6188 §4).
pub(crate) enum Prf {
    Aes128(Box<Aes128Enc>),
    Aes256(Box<Aes256Enc>),
}

impl Prf {
    /// `master_key` must be 16 or 32 bytes; [`crate::MasterKey`] guarantees it.
    pub(crate) fn new(master_key: &[u8]) -> Self {
        let mut k = [0u8; 32];
        let n = master_key.len().min(32);
        k[..n].copy_from_slice(&master_key[..n]);
        let prf = if n == 32 {
            Self::Aes256(Box::new(Aes256Enc::new((&k).into())))
        } else {
            let mut k16 = [0u8; 16];
            k16.copy_from_slice(&k[..16]);
            let prf = Self::Aes128(Box::new(Aes128Enc::new((&k16).into())));
            k16.zeroize();
            prf
        };
        k.zeroize();
        prf
    }

    /// Fills `out` with `PRF_n(k_master, x)` where `x = (label || r) XOR master_salt`,
    /// with `r = index DIV key_derivation_rate` (48 bits). A 12-byte (GCM) master salt is
    /// padded with zeros on the right to 112 bits, as libsrtp does (RFC 7714 §11).
    pub(crate) fn derive(&self, master_salt: &[u8], label: Label, r: u64, out: &mut [u8]) {
        let mut x = [0u8; 16];
        let n = master_salt.len().min(14);
        x[..n].copy_from_slice(&master_salt[..n]);
        // key_id = label (8 bits) || r (48 bits), right-aligned in the 112-bit x.
        x[7] ^= label as u8;
        for (i, b) in r.to_be_bytes()[2..].iter().enumerate() {
            x[8 + i] ^= b;
        }
        // `x` holds the master salt, `b` a block of derived key: both are wiped.
        let mut b = Array::<u8, U16>::default();
        for (counter, chunk) in out.chunks_mut(16).enumerate() {
            b.copy_from_slice(&x);
            b[14..].copy_from_slice(&(counter as u16).to_be_bytes());
            match self {
                Self::Aes128(c) => c.encrypt_block(&mut b),
                Self::Aes256(c) => c.encrypt_block(&mut b),
            }
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        b.as_mut_slice().zeroize();
        x.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    /// RFC 3711 Appendix B.3 (AES-128) and RFC 6188 §7.2 (AES_256_CM_PRF): master key,
    /// master salt, and the session key, salt and authentication key each label gives.
    #[test]
    fn rfc_key_derivation_vectors() {
        /// Master key, master salt, and what each label derives from them.
        type Vector = (&'static str, &'static str, [(Label, &'static str); 3]);
        let vectors: [Vector; 2] = [
            (
                "E1F97A0D3E018BE0D64FA32C06DE4139",
                "0EC675AD498AFEEBB6960B3AABE6",
                [
                    (Label::RtpEncryption, "C61E7A93744F39EE10734AFE3FF7A087"),
                    (Label::RtpSalt, "30CBBC08863D8C85D49DB34A9AE1"),
                    (
                        Label::RtpAuthentication,
                        "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
                         E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
                         6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2",
                    ),
                ],
            ),
            (
                "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
                "3b04803de51ee7c96423ab5b78d2",
                [
                    (
                        Label::RtpEncryption,
                        "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4",
                    ),
                    (Label::RtpSalt, "fa31791685ca444a9e07c6c64e93"),
                    (
                        Label::RtpAuthentication,
                        "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05",
                    ),
                ],
            ),
        ];
        for (master, salt, outputs) in vectors {
            let prf = Prf::new(&hex(master));
            for (label, want) in outputs {
                let want = hex(want);
                let mut got = vec![0; want.len()];
                prf.derive(&hex(salt), label, 0, &mut got);
                assert_eq!(got, want, "{label:?} from {master}");
            }
        }
    }

    /// A non-zero `r` lands in the low 48 bits of the key id (RFC 3711 §4.3.1): deriving
    /// with r = 1 equals deriving with r = 0 from a salt whose last byte is XORed by 1.
    #[test]
    fn r_is_xored_into_the_low_bytes() {
        let prf = Prf::new(&[7; 16]);
        let salt = [0x11; 14];
        let mut salt_x = salt;
        salt_x[13] ^= 1;
        let (mut a, mut b) = ([0; 16], [0; 16]);
        prf.derive(&salt, Label::RtcpSalt, 1, &mut a);
        prf.derive(&salt_x, Label::RtcpSalt, 0, &mut b);
        assert_eq!(a, b);
        prf.derive(&salt, Label::RtcpSalt, 0, &mut b);
        assert_ne!(a, b);
    }
}
