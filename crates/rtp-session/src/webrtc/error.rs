//! Why an offer is refused or an answer is not written.

/// Why [`super::WebRtcOffer::parse`] refused an offer, or [`super::WebRtcOffer::answer`]
/// refused its parameters. Each refusal of an offer names what is missing or wrong, so that
/// signalling can tell the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebRtcSdpError {
    /// The offer is longer than [`super::WebRtcOffer::MAX_LEN`] bytes.
    #[error("SDP offer of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The offer's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The offer is not an SDP session description (the SDP parser's reason).
    #[error("not an SDP session description: {reason}")]
    Syntax {
        /// What the SDP parser said.
        reason: String,
    },
    /// No audio media section that is not rejected (port 0 without `a=bundle-only`).
    #[error("the offer has no active audio media section")]
    NoAudio,
    /// The audio section's protocol is not `UDP/TLS/RTP/SAVPF` (DTLS-SRTP with feedback
    /// profile over UDP, RFC 5764 §8, RFC 8829 §5.1.2).
    #[error("unsupported media protocol `{proto}`; expected UDP/TLS/RTP/SAVPF")]
    UnsupportedProtocol {
        /// The offered protocol.
        proto: String,
    },
    /// The audio section has no `a=mid` (RFC 8843 requires one for BUNDLE).
    #[error("the audio section has no a=mid")]
    MissingMid,
    /// No `a=ice-ufrag` at media or session level.
    #[error("the offer has no a=ice-ufrag")]
    MissingIceUfrag,
    /// No `a=ice-pwd` at media or session level.
    #[error("the offer has no a=ice-pwd")]
    MissingIcePwd,
    /// The offerer is ICE-lite too: two lite agents run no connectivity checks at all
    /// (RFC 8445 §6.1.1, §2.5), and we rely on the peer's.
    #[error("the offerer is ICE-lite; one side must be a full ICE agent")]
    IceLiteOfferer,
    /// No `a=fingerprint` at media or session level: the peer could not be authenticated.
    #[error("the offer has no a=fingerprint")]
    MissingFingerprint,
    /// Every `a=fingerprint` uses a hash function we do not support (we support sha-1,
    /// sha-256, sha-384 and sha-512): the peer could not be authenticated.
    #[error("no a=fingerprint with a supported hash function (offered `{hash}`)")]
    UnsupportedFingerprint {
        /// The first unsupported hash function offered.
        hash: String,
    },
    /// `a=setup` is neither `actpass`, `active` nor `passive` (e.g. `holdconn`).
    #[error("unsupported a=setup:{value}")]
    UnsupportedSetup {
        /// The offered value.
        value: String,
    },
    /// The audio section has no `a=rtcp-mux`; we multiplex RTP and RTCP on one port only
    /// (RFC 8858).
    #[error("the audio section has no a=rtcp-mux; only multiplexed RTCP is supported")]
    MissingRtcpMux,
    /// The audio section offers no `opus/48000/2` in its format list.
    #[error("the audio section offers no opus/48000/2")]
    NoOpus,
    /// A required attribute is present but malformed, or is present twice with different
    /// values.
    #[error("malformed a={attribute}:{value}")]
    Malformed {
        /// The attribute's name.
        attribute: &'static str,
        /// Its value as offered.
        value: String,
    },
    /// [`super::AnswerParams`] cannot be written as an answer.
    #[error("answer parameters refused: {reason}")]
    InvalidAnswerParams {
        /// Which parameter, and why.
        reason: &'static str,
    },
}
