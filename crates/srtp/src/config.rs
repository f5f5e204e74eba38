//! Per-context policy: replay window size, stream bound, SSRC policy, key derivation
//! rate, SRTCP encryption and cryptex.

use crate::error::{Error, Result};
use crate::replay::{MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW};

/// Which SSRCs a context accepts on unprotect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsrcPolicy {
    /// Any SSRC: a stream is created on its first authenticated packet (libsrtp's
    /// `ssrc_any_inbound`).
    Any,
    /// Only SSRCs registered with [`crate::Context::set_roc`]; others fail with
    /// [`Error::UnknownSsrc`].
    Registered,
}

/// How a [`crate::Context`] behaves. Start from [`Config::default`] and change fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Replay window size in packets (RFC 3711 §3.3.2), for SRTP and SRTCP each;
    /// 64 to 32768, default 128 as in libsrtp. Any size is honoured exactly: an index at
    /// most `replay_window - 1` behind the highest is accepted once. A sending context
    /// uses the same size for its record of indices sent.
    pub replay_window: usize,
    /// The most SSRC streams a context keeps; a packet that would create one more fails
    /// with [`Error::TooManyStreams`]. Default 4096.
    pub max_streams: usize,
    /// Which SSRCs unprotect accepts. Default [`SsrcPolicy::Any`].
    pub ssrc_policy: SsrcPolicy,
    /// The key derivation rate (RFC 3711 §4.3.1): 0 derives session keys once, otherwise
    /// a power of two up to 2^24 re-derives them every that many packets. Default 0.
    pub key_derivation_rate: u64,
    /// Whether SRTCP payloads are encrypted (the E flag, RFC 3711 §3.4). Ignored by
    /// the NULL profile, which never encrypts. Default true.
    pub encrypt_rtcp: bool,
    /// Cryptex (RFC 9335): protect encrypts the CSRC list and the header extension
    /// (marking the extension block 0xC0DE or 0xC2DE, inserting an empty one for CSRCs
    /// without an extension), and unprotect decrypts packets so marked while still
    /// accepting plain SRTP. Turn it on only when both sides signalled `a=cryptex`.
    /// Ignored by the NULL profile; SRTCP is unchanged. Default false.
    pub cryptex: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            replay_window: 128,
            max_streams: 4096,
            ssrc_policy: SsrcPolicy::Any,
            key_derivation_rate: 0,
            encrypt_rtcp: true,
            cryptex: false,
        }
    }
}

impl Config {
    /// Checks the values; returns the key derivation rate as a shift (`None` for 0).
    pub(crate) fn validate(&self) -> Result<Option<u32>> {
        if !(MIN_REPLAY_WINDOW..=MAX_REPLAY_WINDOW).contains(&self.replay_window) {
            return Err(Error::BadConfig(
                "replay_window must be between 64 and 32768",
            ));
        }
        if self.max_streams == 0 {
            return Err(Error::BadConfig("max_streams must be at least 1"));
        }
        match self.key_derivation_rate {
            0 => Ok(None),
            r if r.is_power_of_two() && r <= 1 << 24 => Ok(Some(r.trailing_zeros())),
            _ => Err(Error::BadConfig(
                "key_derivation_rate must be 0 or a power of two up to 2^24",
            )),
        }
    }
}
