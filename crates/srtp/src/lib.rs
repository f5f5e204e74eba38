//! SRTP and SRTCP (RFC 3711) with the AES-CM (RFC 3711, RFC 6188), AES-GCM (RFC 7714)
//! and NULL profiles, protecting and unprotecting in place on the caller's buffer.
//!
//! A [`Context`] holds one direction's master keys ([`MasterKey`], several when selected
//! by MKI) and the state of each SSRC: rollover counter and replay windows (RFC 3711
//! §3.3.1, §3.3.2), created on a stream's first authenticated packet and bounded in
//! number. DTLS-SRTP exports its keying material as [`DtlsSrtpKeys`]; the DTLS client
//! protects with `client_write` and unprotects with `server_write`.
//!
//! Every packet operation is allocation-free once the stream exists, authenticates
//! before it decrypts, compares tags in constant time, and leaves buffer and context
//! unchanged when it fails. Key material is zeroized on drop and never printed.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod context;
mod ctr;
mod error;
mod gcm;
mod hmac_sha1;
mod index;
mod kdf;
mod key;
mod profile;
mod replay;
mod session;
mod srtcp;
mod srtp;
mod ssrc_map;

pub use config::{Config, SsrcPolicy};
pub use context::{Context, KeyUsage, REKEY_MARGIN};
pub use error::{Error, Result};
pub use key::{DtlsSrtpKeys, MAX_MKI_LEN, MasterKey, SRTCP_MAX_LIFETIME, SRTP_MAX_LIFETIME};
pub use profile::ProtectionProfile;
pub use replay::{MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW};
pub use srtcp::MAX_SRTCP_INDEX;

#[cfg(test)]
mod test_util {
    /// Bytes from hex digits, ignoring whitespace.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        digits
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }
}
