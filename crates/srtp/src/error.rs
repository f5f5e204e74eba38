//! The crate's error type.

/// Everything that can go wrong when building a context or protecting and unprotecting a
/// packet. A packet that yields an error has changed no state of the context and its
/// buffer holds no plaintext that was not there before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet is shorter than its headers, MKI and authentication tag require.
    #[error("packet truncated: {needed} bytes needed, {got} available")]
    Truncated {
        /// Bytes the packet needs at least.
        needed: usize,
        /// Bytes it has.
        got: usize,
    },
    /// The caller's buffer has no room for the MKI and authentication tag.
    #[error("buffer too small: {needed} bytes needed, {got} available")]
    BufferTooSmall {
        /// Bytes the protected packet needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// The RTP packet handed to protect is malformed (RFC 3550 §5.1). The parser's error
    /// is the source, printed by whoever walks the chain, not repeated here.
    #[error("invalid RTP packet")]
    Rtp(#[from] rtp_packet::Error),
    /// The RTP or RTCP version field is not 2 (RFC 3550 §5.1, §6.4.1).
    #[error("unsupported RTP/RTCP version {0}")]
    BadVersion(u8),
    /// The authentication tag does not match (RFC 3711 §3.3 step 5, RFC 7714 §9.1).
    #[error("authentication failed")]
    AuthenticationFailed,
    /// The packet index was already received (RFC 3711 §3.3.2).
    #[error("replayed packet (index {index})")]
    Replayed {
        /// The packet index (48-bit for SRTP, 31-bit for SRTCP).
        index: u64,
    },
    /// The packet index lies behind the replay window (RFC 3711 §3.3.2).
    #[error("packet too old for the replay window (index {index}, highest {highest})")]
    TooOld {
        /// The packet index.
        index: u64,
        /// The highest index received so far.
        highest: u64,
    },
    /// Protect was asked to send a second packet under an SRTP index (SSRC, ROC and
    /// sequence number) this context already protected with: the same keystream or GCM
    /// nonce would cover two packets (RFC 3711 §9.1). Nothing was changed; send the
    /// packet with a new sequence number.
    #[error("SRTP index {index} of SSRC {ssrc:#010x} already used: not protected again")]
    IndexReused {
        /// The SSRC of the packet.
        ssrc: u32,
        /// The 48-bit packet index `2^16 * ROC + SEQ`.
        index: u64,
    },
    /// Protect was asked for an SRTP index so far behind the highest one sent that the
    /// send window no longer records whether it was used (refused as if it were), or
    /// for a sequence number that would need a ROC below the stream's first (then
    /// `index` is the bare sequence number). Nothing was changed.
    #[error(
        "SRTP index {index} of SSRC {ssrc:#010x} is behind the send window (highest sent {highest})"
    )]
    IndexTooOld {
        /// The SSRC of the packet.
        ssrc: u32,
        /// The 48-bit packet index.
        index: u64,
        /// The highest index sent so far.
        highest: u64,
    },
    /// The packet's MKI names no master key of this context (RFC 3711 §3.3 step 2).
    #[error("unknown MKI")]
    UnknownMki,
    /// The SSRC has no stream and the policy accepts only registered SSRCs.
    #[error("unknown SSRC {0:#010x}")]
    UnknownSsrc(u32),
    /// A new SSRC would exceed the configured bound on streams per context.
    #[error("stream limit of {limit} SSRCs reached")]
    TooManyStreams {
        /// The configured bound.
        limit: usize,
    },
    /// The master key has protected or unprotected as many packets as its lifetime allows
    /// (RFC 3711 §9.2: 2^48 SRTP, 2^31 SRTCP packets, or the lower SDES lifetime);
    /// re-key before sending or receiving more.
    #[error("master key lifetime exhausted: re-key required")]
    KeyExpired,
    /// The SRTP rollover counter or the SRTCP index cannot advance further.
    #[error("packet index exhausted: re-key required")]
    IndexExhausted,
    /// A key or salt of the wrong length for the profile (RFC 3711 §8.2, RFC 7714 §12).
    #[error("{what} must be {expected} bytes, got {got}")]
    BadKeyLength {
        /// Which input: "master key", "master salt", "key and salt", "keying material"
        /// or "MKI".
        what: &'static str,
        /// The length the profile requires.
        expected: usize,
        /// The length supplied.
        got: usize,
    },
    /// An invalid configuration value.
    #[error("invalid configuration: {0}")]
    BadConfig(&'static str),
    /// Cryptex (RFC 9335) is on and the packet's header extension is not RFC 8285's
    /// one-byte (0xBEDE) or two-byte (0x1000) form, the only ones cryptex can mark as
    /// encrypted (§5); the value is its "defined by profile" word.
    #[error("header extension profile {0:#06x} cannot be sent with cryptex (RFC 9335 §5)")]
    CryptexExtension(u16),
    /// A packet marked as cryptex-encrypted (0xC0DE or 0xC2DE) reached a context without
    /// [`crate::Config::cryptex`], to be sent or received: its header extension would be
    /// (or is) unreadable.
    #[error("cryptex packet received but cryptex (RFC 9335) is not enabled")]
    CryptexNotNegotiated,
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;
    use std::error::Error as _;

    /// Each cause is printed once: the message names the layer, the source says why.
    #[test]
    fn a_wrapped_rtp_error_is_printed_once() {
        let inner = rtp_packet::RtpPacket::parse(&[0x80]).unwrap_err();
        let e = Error::from(inner);
        assert_eq!(e.to_string(), "invalid RTP packet");
        assert_eq!(e.source().map(ToString::to_string), Some(inner.to_string()));
    }
}
