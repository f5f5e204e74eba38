//! SRTP and SRTCP (RFC 3711) with the AES-CM (RFC 3711, RFC 6188), AES-GCM (RFC 7714)
//! and NULL profiles, protecting and unprotecting in place on the caller's buffer, and
//! cryptex (RFC 9335: CSRCs and header extension encrypted too) when [`Config::cryptex`]
//! says so.
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
//!
//! # Rules this crate keeps (fail closed)
//!
//! - **No index is used twice.** Protect keeps, per SSRC, the highest SRTP index sent
//!   and a window of `replay_window` indices behind it (libsrtp's sender-side replay
//!   database): an index already sent fails with [`Error::IndexReused`], one behind the
//!   window with [`Error::IndexTooOld`], and a late index never sent is allowed. The SRTCP
//!   index only counts up and stops at 2^31 - 1 ([`Error::IndexExhausted`]). A stream the
//!   context has sent on is never forgotten ([`Context::remove_stream`] keeps it) and its
//!   ROC and SRTCP index never move back ([`Context::set_roc`],
//!   [`Context::set_srtcp_index`]), so neither index can come round again
//!   under one master key. A repeated index would repeat the AES-CM keystream or the GCM
//!   nonce (RFC 3711 §9.1), which gives away plaintext and, for GCM, the hash key.
//! - **Replay windows of any size are exact.** A window of `n` packets
//!   ([`Config::replay_window`], 64 to 32768, not only powers of two) accepts an index
//!   at most `n - 1` behind the highest, once; anything older fails with
//!   [`Error::TooOld`], a repeat with [`Error::Replayed`]. (libsrtp2 rounds its window up
//!   to whole 32-bit words, so for a size that is not a multiple of 32 it accepts a few
//!   packets more; `cargo xtask interop libsrtp` checks both against each other.)
//! - **Key lifetimes bind both directions.** A master key protects or authenticates at
//!   most 2^48 SRTP and 2^31 SRTCP packets (RFC 3711 §9.2), or its SDES lifetime
//!   ([`MasterKey::with_lifetime`]); after that protect and unprotect fail with
//!   [`Error::KeyExpired`]. [`Context::rekey_due`] warns ahead of time.
//! - **Failures change nothing.** A packet that fails (bad tag, replay, reused index,
//!   expired key, unknown MKI) leaves the caller's buffer as it was and the context's
//!   ROC, windows, counters and streams untouched; nothing falls back to plaintext.
//! - **Key material is wiped.** Master keys, session keys and salts, the AES key
//!   schedules, the HMAC keyed states and the GHASH key are zeroized on drop; the
//!   intermediates of key derivation (PRF input and output blocks) as soon as they are
//!   used; per packet, the AES-CM IV and the counter state. The keystream blocks and
//!   GCM's tag mask live inside the `ctr` and GCM backends (`ring` or `aes-gcm`), which
//!   do not wipe them per packet (see `session`'s module documentation for why those
//!   crates are used anyway); `ring` does not wipe its keys either, so `gcm` overwrites
//!   them in place when they are dropped. [`MasterKey`] compares in constant time (`==` and
//!   [`subtle::ConstantTimeEq`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod context;
mod cryptex;
mod error;
mod gcm;
mod hmac_sha1;
mod index;
mod kdf;
mod key;
mod profile;
mod replay;
pub mod sdes;
mod session;
mod srtcp;
mod srtp;

pub use config::{Config, SsrcPolicy};
pub use context::{Context, KeyUsage, REKEY_MARGIN};
pub use error::{Error, Result};
pub use key::{DtlsSrtpKeys, MAX_MKI_LEN, MasterKey, SRTCP_MAX_LIFETIME, SRTP_MAX_LIFETIME};
pub use profile::ProtectionProfile;
pub use replay::{MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW, ReplayWindow};
pub use srtcp::MAX_SRTCP_INDEX;

/// The hand-assembled primitive (HMAC-SHA1 over precomputed pads), for
/// `benches/primitives.rs` to race against `hmac::Hmac<sha1::Sha1>`. Not part of the API.
#[doc(hidden)]
pub mod internal {
    pub use crate::hmac_sha1::HmacSha1;
}

#[cfg(test)]
mod test_util {
    /// Bytes from hex digits, ignoring the whitespace the RFC vectors are laid out with.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).expect("hex digits")
    }
}
