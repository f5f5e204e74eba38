//! WebRTC offer/answer (JSEP, RFC 8829) for a browser calling this endpoint as an ICE-lite,
//! DTLS-SRTP, Opus audio peer that also receives the browser's VP8 camera.
//!
//! [`WebRtcOffer::parse`] reads a browser's offer and keeps what the session needs from its
//! first usable audio media section: the `mid` and the BUNDLE group (RFC 8843), the ICE
//! credentials and options (RFC 8839), every `a=fingerprint` (RFC 8122) and `a=setup`
//! (RFC 8842), rtcp-mux (RFC 5761, RFC 8858), the Opus payload type and its `a=fmtp`, the
//! telephone-event payload types (RFC 4733), the `urn:ietf:params:rtp-hdrext:sdes:mid`
//! header extension id (RFC 8843 §15), the offered direction and the browser's
//! `a=ssrc`/`a=msid`. [`WebRtcOffer::answer`] writes our answer from [`AnswerParams`].
//!
//! Parsing and writing SDP itself is the `sdp-types` crate's work (`docs/webrtc.md` says why
//! that crate); this module decides what a WebRTC audio offer must carry and what we answer.
//! No `sdp-types` type appears in this module's API.
//!
//! **Failing closed.** An offer is refused with a [`WebRtcSdpError`] unless it has an audio
//! section over `UDP/TLS/RTP/SAVPF` with a `mid`, ICE credentials, at least one fingerprint
//! whose hash function we support, a usable `a=setup`, `a=rtcp-mux` and Opus/48000/2. An offer
//! whose fingerprints are all of unknown hash functions is an error too: a peer is never
//! left unauthenticated.
//!
//! **Video, received.** The first video section in the audio section's BUNDLE group that
//! offers `VP8/90000` over the same profile is accepted `recvonly` (we receive the
//! browser's camera and send none) on the audio section's transport: VP8 (RFC 7741), its
//! RTX payload type (RFC 4588), `a=rtcp-fb` `nack`, `nack pli`, `ccm fir` and
//! `transport-cc` as offered, the transport-wide-cc header extension (in the audio section
//! too, at the same id: one transport, one sequence space) and `a=rtcp-rsize`.
//! [`WebRtcOffer::session_config`] configures the one session of that transport to match
//! ([`crate::Config::bundled_video`], [`crate::Config::feedback`],
//! [`crate::Config::congestion`]); `video.rs` says why one session carries both.
//! [`WebRtcOffer::refuse_video`] goes back to audio only.
//!
//! **What the answer leaves out, on purpose.** The session does not do it, and an answer may
//! only promise what the answerer does: no `goog-remb` (not generated), no header extension
//! but sdes:mid and transport-wide-cc, no H.264, VP9 or AV1 answered, no simulcast, no
//! feedback or transport-cc in an audio-only answer (which is as it always was). No
//! `a=rtcp-mux-only` either, although we multiplex only: RFC 8858 §4 forbids it in
//! answers, and the answer's `a=rtcp-mux` already binds both sides (RFC 8035). Opus is
//! accepted, and telephone-event at Opus's 48 kHz clock when offered (RFC 4733 DTMF, routed
//! by the session's payload map to [`crate::Event::Dtmf`]); not RED, G.722, PCMU, PCMA or
//! CN, and not telephone-event at 8 kHz, whose timestamps would run on another clock than
//! the Opus stream they share. Other media sections (a second video or audio section, data
//! channels, video outside the BUNDLE group or without VP8) are rejected with port 0
//! (RFC 8829 §5.3.1) and left out of the BUNDLE group. We are ICE-lite (RFC 8445 §2.5): all
//! our host candidates are in the answer, followed by `a=end-of-candidates`, and no
//! trickle.

mod answer;
mod config;
mod error;
mod offer;
mod video;

pub use answer::AnswerParams;
pub use error::WebRtcSdpError;
pub use offer::{RemoteSource, WebRtcOffer};

/// The DTLS setup role of an `a=setup` attribute (RFC 8842, RFC 4145 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this side sends the DTLS ClientHello.
    Active,
    /// `passive`: this side waits for the ClientHello.
    Passive,
    /// `actpass`: either; the answerer chooses (what an offer must say, RFC 8842).
    ActPass,
}

impl Setup {
    /// The attribute's token: `active`, `passive` or `actpass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
        }
    }
}

impl std::fmt::Display for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The direction of a media section (RFC 8866 §6.7), seen from the side that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaDirection {
    /// `sendrecv`, the default when no direction attribute is present.
    #[default]
    SendRecv,
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `inactive`.
    Inactive,
}

impl MediaDirection {
    /// The attribute's token.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaDirection::SendRecv => "sendrecv",
            MediaDirection::SendOnly => "sendonly",
            MediaDirection::RecvOnly => "recvonly",
            MediaDirection::Inactive => "inactive",
        }
    }

    /// True for `sendrecv` and `sendonly`.
    pub fn sends(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }

    /// True for `sendrecv` and `recvonly`.
    pub fn receives(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }

    /// The direction an answerer that wants `self` may answer to an offer of `offered`
    /// (RFC 3264 §6.1): it sends only if the offerer receives, and receives only if the
    /// offerer sends.
    pub fn answer_to(self, offered: MediaDirection) -> MediaDirection {
        let sends = self.sends() && offered.receives();
        let receives = self.receives() && offered.sends();
        match (sends, receives) {
            (true, true) => MediaDirection::SendRecv,
            (true, false) => MediaDirection::SendOnly,
            (false, true) => MediaDirection::RecvOnly,
            (false, false) => MediaDirection::Inactive,
        }
    }

    fn from_token(token: &str) -> Option<MediaDirection> {
        [
            MediaDirection::SendRecv,
            MediaDirection::SendOnly,
            MediaDirection::RecvOnly,
            MediaDirection::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(token))
    }
}

impl std::fmt::Display for MediaDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The URI of the RTP header extension that carries the `mid` (RFC 8843 §15).
pub const SDES_MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_direction_follows_rfc_3264() {
        use MediaDirection::*;
        let all = [SendRecv, SendOnly, RecvOnly, Inactive];
        let table = [
            // offered:   sendrecv  sendonly  recvonly  inactive
            (SendRecv, [SendRecv, RecvOnly, SendOnly, Inactive]),
            (SendOnly, [SendOnly, Inactive, SendOnly, Inactive]),
            (RecvOnly, [RecvOnly, RecvOnly, Inactive, Inactive]),
            (Inactive, [Inactive, Inactive, Inactive, Inactive]),
        ];
        for (wanted, answers) in table {
            for (offered, expected) in all.into_iter().zip(answers) {
                assert_eq!(wanted.answer_to(offered), expected, "{wanted} to {offered}");
            }
        }
        for d in all {
            assert_eq!(MediaDirection::from_token(d.as_str()), Some(d));
        }
        assert_eq!(MediaDirection::from_token("SENDRECV"), Some(SendRecv));
        assert_eq!(MediaDirection::from_token("both"), None);
    }
}
