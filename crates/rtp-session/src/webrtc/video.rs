//! The video section of a browser's offer, received over the audio section's transport
//! (RFC 8843 BUNDLE): VP8 (RFC 7741) with the feedback a browser offers for it.
//!
//! **One session for the BUNDLE transport.** A browser bundles its audio and video on one
//! ICE/DTLS transport, so one [`crate::Session`] (one socket, one DTLS association, one
//! SRTP context pair, one transport-wide sequence space) carries both. The session had one
//! media clock; the smallest sound extension is per-source media state: a remote source
//! whose RTP is of a video payload type in the payload map gets a video jitter buffer and
//! statistics at 90 kHz ([`crate::Config::bundled_video`]), and the feedback the video
//! section negotiated (NACK, PLI/FIR, RTX) serves only video sources. Transport-wide
//! congestion control is transport-wide anyway. What we send stays the audio stream: the
//! answer's video section is `recvonly`.

use rtp_packet::extension::{ExtensionValue, TransportSequenceNumber};
use sdp_rtcp_attr::{FeedbackSet, RtcpFb};
use sdp_types::{Mid, TypedAttribute};

use super::offer::PayloadFormat;
use super::{MediaDirection, SDES_MID_URI};

/// The transport-wide sequence number header extension's URI.
pub(super) fn transport_cc_uri() -> &'static str {
    TransportSequenceNumber::URI
}

/// What the answer and the session take from an accepted video section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VideoOffer {
    /// The section's index among the offer's `m=` lines.
    pub(super) index: usize,
    pub(super) mid: String,
    /// The first `VP8/90000` of the format list, with its `a=fmtp`.
    pub(super) vp8: PayloadFormat,
    /// The RTX payload type whose `apt` is VP8's (RFC 4588 §8.6), with its `a=fmtp`.
    pub(super) rtx: Option<PayloadFormat>,
    /// The `a=rtcp-fb` feedback offered for VP8.
    pub(super) feedback: FeedbackSet,
    pub(super) mid_extension_id: Option<u8>,
    pub(super) transport_cc_id: Option<u8>,
    pub(super) rtcp_rsize: bool,
    pub(super) direction: MediaDirection,
}

/// The `a=extmap` id of `uri` in `media`, if offered.
pub(super) fn extension_id(media: &sdp_types::Media, uri: &str) -> Option<u8> {
    media
        .get_attribute_values("extmap")
        .flatten()
        .filter_map(|v| v.parse::<sdp_types::ExtMap>().ok())
        .find(|e| e.uri == uri)
        .map(|e| e.id)
        .filter(|id| (1..=14).contains(id))
}

/// The `a=rtcp-fb` lines of `media` that parse.
pub(super) fn feedback_lines(media: &sdp_types::Media) -> Vec<RtcpFb> {
    media
        .get_attribute_values("rtcp-fb")
        .flatten()
        .filter_map(|v| RtcpFb::parse_value(v.trim()).ok())
        .collect()
}

impl VideoOffer {
    /// The first video section we can take: not rejected, `UDP/TLS/RTP/SAVPF`, with a mid
    /// in `bundle` (it must share the audio section's transport), `a=rtcp-mux` and
    /// `VP8/90000` among its formats. Any other video section is rejected in the answer
    /// as before.
    pub(super) fn find(session: &sdp_types::Session, bundle: &[String]) -> Option<VideoOffer> {
        session
            .medias
            .iter()
            .enumerate()
            .filter(|(_, m)| m.media.eq_ignore_ascii_case("video"))
            .filter(|(_, m)| m.port != 0 || m.has_attribute("bundle-only"))
            .find_map(|(index, m)| Self::of(index, m, bundle))
    }

    fn of(index: usize, media: &sdp_types::Media, bundle: &[String]) -> Option<VideoOffer> {
        if !media.proto.eq_ignore_ascii_case("UDP/TLS/RTP/SAVPF")
            || !media.has_attribute("rtcp-mux")
        {
            return None;
        }
        let mid = media
            .get_first_attribute_value(Mid::NAME)
            .flatten()
            .and_then(|v| v.parse::<Mid>().ok())?
            .0;
        if !bundle.contains(&mid) {
            return None;
        }
        let formats: Vec<u8> = media
            .fmt
            .split_whitespace()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter(|pt| *pt <= 127)
            .collect();
        let rtpmaps: Vec<sdp_types::RtpMap> = media
            .attributes_typed::<sdp_types::RtpMap>()
            .filter_map(Result::ok)
            .collect();
        let fmtp = |pt: u8| {
            media
                .get_attribute_values("fmtp")
                .flatten()
                .filter_map(|v| v.split_once(' '))
                .find(|(p, _)| p.parse::<u8>().ok() == Some(pt))
                .map(|(_, params)| params.trim().to_string())
                .filter(|p| !p.is_empty())
        };
        let rtpmap = |pt: u8| rtpmaps.iter().find(|r| r.payload_type == pt);
        let usable =
            |pt: &u8| rtp_packet::PayloadType::new(*pt).is_ok_and(|p| !p.conflicts_with_rtcp());
        let vp8 = formats.iter().copied().filter(usable).find(|pt| {
            rtpmap(*pt).is_some_and(|r| {
                r.encoding_name.eq_ignore_ascii_case("VP8") && r.clock_rate == 90_000
            })
        })?;
        let rtx = formats.iter().copied().filter(usable).find(|pt| {
            rtpmap(*pt).is_some_and(|r| {
                r.encoding_name.eq_ignore_ascii_case("rtx") && r.clock_rate == 90_000
            }) && fmtp(*pt).is_some_and(|f| {
                f.split(';')
                    .filter_map(|p| p.trim().strip_prefix("apt="))
                    .any(|apt| apt.parse::<u8>().ok() == Some(vp8))
            })
        });
        let lines = feedback_lines(media);
        let direction = media
            .attributes
            .iter()
            .filter(|a| a.value.is_none())
            .find_map(|a| MediaDirection::from_token(&a.attribute))
            .unwrap_or_default();
        Some(VideoOffer {
            index,
            mid,
            vp8: PayloadFormat {
                payload_type: vp8,
                fmtp: fmtp(vp8),
            },
            rtx: rtx.map(|pt| PayloadFormat {
                payload_type: pt,
                fmtp: fmtp(pt),
            }),
            feedback: FeedbackSet::for_payload_type(&lines, vp8),
            mid_extension_id: extension_id(media, SDES_MID_URI),
            transport_cc_id: extension_id(media, transport_cc_uri()),
            rtcp_rsize: media.has_attribute("rtcp-rsize"),
            direction,
        })
    }
}
