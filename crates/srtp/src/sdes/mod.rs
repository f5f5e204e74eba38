//! SDES: SRTP keys in SDP `a=crypto` attributes (RFC 4568), usable without a session
//! (a capture is decrypted with the keys of its signalling as well).
//!
//! - [`CryptoAttribute`] reads and writes one `a=crypto` line: tag, crypto suite
//!   ([`CryptoSuite`]: RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.1), one or more `inline:`
//!   keys ([`InlineKey`], with lifetime and MKI) and the session parameters
//!   ([`SessionParams`]: `KDR`, `UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP`,
//!   `UNAUTHENTICATED_SRTP`, `FEC_ORDER`, `FEC_KEY`, `WSH`). It makes fresh keys from a
//!   `rand_core` CSPRNG ([`CryptoAttribute::generate`]) and builds the [`crate::Context`] of
//!   one direction ([`CryptoAttribute::context`]).
//! - [`parse_offer`], [`answer_offer`] and [`accept_answer`] do the offer/answer of
//!   RFC 4568 §7.1; the result, [`Negotiated`], builds the sending and receiving contexts
//!   ([`Negotiated::contexts`]).
//!
//! # What is honoured and what is refused (fail closed)
//!
//! Nothing in a line is silently ignored if ignoring it would change what is protected:
//!
//! | line says | contexts built |
//! |---|---|
//! | a suite this crate implements (AES_CM_128_HMAC_SHA1_80/32, AES_256_CM_HMAC_SHA1_80/32, AEAD_AES_128_GCM, AEAD_AES_256_GCM) | that [`crate::ProtectionProfile`] |
//! | F8_128_HMAC_SHA1_80, AES_192_CM_HMAC_SHA1_80/32 | parsed and written, refused with [`SdesError::UnsupportedSuite`] (no F8 or AES-192 here) |
//! | several `inline:` keys | all of them, selected by MKI ([`crate::Context::with_keys`]); the first protects |
//! | lifetime | [`crate::MasterKey::with_lifetime`]: the key fails with [`crate::Error::KeyExpired`] after that many packets |
//! | `KDR=n` | [`crate::Config::key_derivation_rate`]` = 2^n` |
//! | `UNENCRYPTED_SRTCP` | [`crate::Config::encrypt_rtcp`]` = false` |
//! | `UNENCRYPTED_SRTP` with `UNENCRYPTED_SRTCP` on AES_CM_128_HMAC_SHA1_80 | [`crate::ProtectionProfile::NullHmacSha1_80`] (the same HMAC key derivation and tags, no encryption) |
//! | `UNENCRYPTED_SRTP` otherwise | refused: [`SdesError::UnsupportedSessionParam`] |
//! | `UNAUTHENTICATED_SRTP` | refused: this crate always authenticates |
//! | `WSH=n` | the replay window is at least `n` (at most [`crate::MAX_REPLAY_WINDOW`]: it is a hint) |
//! | `FEC_ORDER` | accepted: it orders FEC and SRTP, and this crate applies no FEC |
//! | `FEC_KEY` | refused: a separate key for FEC packets cannot be honoured |
//! | an unknown parameter | refused when parsing ([`SdesError::UnknownSessionParam`]), unless it starts with `-`, which RFC 4568 §6.3 lets a receiver ignore |
//!
//! Key material lives in [`zeroize::Zeroizing`] buffers, wiped on drop; `Debug` and
//! `Display` print `<redacted>` in its place, and errors never carry it. The written
//! line comes back as a [`zeroize::Zeroizing`] string for the same reason.

mod attribute;
mod negotiate;

pub use attribute::{
    CryptoAttribute, CryptoSuite, FecOrder, InlineKey, Lifetime, Mki, SessionParams,
};
pub use negotiate::{Negotiated, Priority, SrtpContexts, accept_answer, answer_offer, parse_offer};

/// Why an `a=crypto` line, an offer or an answer cannot be read or used. No variant
/// carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdesError {
    /// Nothing to read: an empty line, or an offer without `a=crypto` lines.
    #[error("no a=crypto attribute")]
    Empty,
    /// The line is not an `a=crypto` attribute, or a field is missing or malformed; the
    /// text says which part.
    #[error("malformed a=crypto attribute: {0}")]
    Syntax(&'static str),
    /// The tag is not 1 to 9 decimal digits (RFC 4568 §9.1).
    #[error("the tag must be 1 to 9 decimal digits")]
    BadTag,
    /// A crypto suite name this crate does not know (an answerer passes over such a line,
    /// RFC 4568 §7). Holds the name, cut to 64 characters.
    #[error("unknown crypto suite {0:?}")]
    UnknownSuite(String),
    /// A known crypto suite that the SRTP contexts of this crate cannot run (F8, AES-192).
    #[error("crypto suite {0} is not implemented by this SRTP crate")]
    UnsupportedSuite(CryptoSuite),
    /// A key method other than `inline` (the only one SRTP defines, RFC 4568 §6.1).
    #[error("unknown key method (only inline is defined for SRTP)")]
    UnknownKeyMethod,
    /// The key-salt of an `inline:` key is not base64 (RFC 4568 §6.1, RFC 4648 §4).
    #[error("inline key is not valid base64")]
    BadBase64,
    /// The decoded key-salt does not have the suite's master key + master salt length.
    #[error("{suite} needs a {expected}-byte key and salt, got {got} bytes")]
    KeyLength {
        /// The suite of the line.
        suite: CryptoSuite,
        /// Master key plus master salt length of the suite.
        expected: usize,
        /// Bytes decoded.
        got: usize,
    },
    /// A key lifetime that is not `2^n` or a decimal number of packets from 1 to 2^48
    /// (RFC 4568 §6.1, RFC 3711 §9.2).
    #[error("the key lifetime must be 2^n or a decimal count, from 1 to 2^48 packets")]
    BadLifetime,
    /// A malformed MKI, or MKIs that do not tell several keys apart; the text says which.
    #[error("bad MKI: {0}")]
    BadMki(&'static str),
    /// A known session parameter with a value out of its grammar (RFC 4568 §6.3); holds
    /// the parameter's name.
    #[error("bad value of session parameter {0}")]
    BadSessionParam(&'static str),
    /// A session parameter given twice in one line.
    #[error("session parameter {0} given twice")]
    DuplicateSessionParam(&'static str),
    /// A session parameter this crate does not know and that is not marked optional with
    /// a leading `-` (RFC 4568 §6.3). Holds its text, cut to 64 characters.
    #[error("unknown session parameter {0:?}")]
    UnknownSessionParam(String),
    /// A session parameter that the SRTP contexts cannot honour; refused rather than
    /// ignored (see the module documentation).
    #[error("session parameter {0} cannot be honoured by this SRTP crate")]
    UnsupportedSessionParam(&'static str),
    /// Two lines of one offer share a tag (RFC 4568 §4.1: tags are unique per media).
    #[error("tag {0} used twice in the offer")]
    DuplicateTag(u32),
    /// No offered line has a suite and parameters we accept.
    #[error("no offered a=crypto line is acceptable")]
    NoAcceptableOffer,
    /// The answer does not fit the offer (RFC 4568 §7.1.3); the text says how.
    #[error("the answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
    /// The two directions' lines set a parameter differently where one configuration has
    /// to serve both (the parameter's name).
    #[error("{0} differs between the two directions; one configuration serves both")]
    Asymmetric(&'static str),
    /// The SRTP context refused the keys or configuration.
    #[error("SRTP context not built")]
    Srtp(#[from] crate::Error),
}

/// Result with [`SdesError`].
pub type Result<T, E = SdesError> = std::result::Result<T, E>;

/// Text from the peer kept in an error, cut to at most 64 characters.
fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}
