//! From a browser's offer to the [`Config`] of the session that answers it.

use std::sync::Arc;

use super::{WebRtcOffer, WebRtcSdpError};
use crate::config::{Bandwidth, Config, MidExtension, Security};
use crate::feedback::{Feedback, Rtx};
use crate::ice::{IceConfig, IceCredentials};
use crate::payload_map::{PayloadFormat, PayloadMap};
use dtls::Role;
use rtp_packet::{ClockRate, PayloadType};

/// The session bandwidth of a WebRTC audio call: Opus at the 32 kbit/s browsers send by
/// default, with packet overhead, rounded up. RTCP gets 5 % of it (RFC 3550 §6.2), so
/// reports go out at the 5-second minimum interval.
const OPUS_CALL_BPS: u64 = 64_000;

/// The session bandwidth of a call with the browser's camera: Chromium's VP8 ramps up to
/// about 2.5 Mbit/s, plus the audio. RTCP's 5 % of it leaves room for the feedback.
const VIDEO_CALL_BPS: u64 = 2_600_000;

impl WebRtcOffer {
    /// The configuration of a session answering this offer as an ICE-lite, DTLS-SRTP,
    /// Opus audio endpoint:
    ///
    /// - ICE-lite with our credentials `ice` and the browser's ufrag ([`Config::ice`]);
    /// - DTLS-SRTP in `role` (from [`WebRtcOffer::dtls_role_for_us`]) with `dtls` (our
    ///   certificate and profiles), requiring the browser's certificate to match one of its
    ///   `a=fingerprint`s (there is always one: [`WebRtcOffer::parse`] refuses an offer
    ///   without);
    /// - RTP and RTCP on one port, full-size RTCP for audio-only offers (our answer then
    ///   promises no `a=rtcp-rsize`);
    /// - Opus at the offer's payload type and 48 kHz, for what we send, the statistics and
    ///   the jitter buffer;
    /// - a payload map ([`Config::payload_map`]) of Opus and, when offered, the offer's
    ///   `telephone-event/48000` (RFC 4733), which [`WebRtcOffer::answer`] answers: the
    ///   browser's DTMF arrives as [`crate::Event::Dtmf`], [`crate::Session::send_dtmf`]
    ///   sends to it, and any other payload type is counted and dropped;
    /// - the MID header extension on what we send, when the offer negotiated its id;
    /// - cryptex (RFC 9335) in both SRTP contexts when `dtls.srtp_config.cryptex` asks for
    ///   it and the offer has `a=cryptex` ([`WebRtcOffer::cryptex`]); off when the offer
    ///   lacks it, since the browser could not read it (answer with
    ///   [`super::AnswerParams::cryptex`] to match);
    /// - 64 kbit/s of session bandwidth;
    /// - with the offer's bundled VP8 section ([`WebRtcOffer::video_mid`], answered by
    ///   [`WebRtcOffer::answer`]): VP8 at 90 kHz in the payload map, a video jitter buffer
    ///   for its sources ([`Config::bundled_video`]), [`Config::feedback`] with the
    ///   offered `nack`, `nack pli`, `ccm fir` and RTX (repairing VP8), transport-wide
    ///   congestion control ([`Config::congestion`]: the extension on every packet we send,
    ///   transport-cc feedback on what we receive) when the video section offered both the
    ///   extension and `transport-cc`, reduced-size RTCP when offered, and 2.6 Mbit/s of
    ///   session bandwidth (RTCP gets 5 %, room for the feedback).
    ///
    /// The codec for the MOS estimate is Opus as the `stats` crate can rate it: the
    /// narrowband E-model (G.107) with the study's narrowband Opus at 11 kbit/s (Ie 2.0),
    /// because the wideband and fullband models are not implemented. The MOS is therefore
    /// on the narrowband scale, like G.711's, and says how the network treats the call;
    /// it is not a fullband listening score.
    ///
    /// An Opus payload type that RTP cannot carry (one that collides with RTCP's packet
    /// types under rtcp-mux, RFC 5761 §4) is [`WebRtcSdpError::Malformed`].
    pub fn session_config(
        &self,
        ice: IceCredentials,
        dtls: Arc<dtls::Config>,
        role: Role,
    ) -> Result<Config, WebRtcSdpError> {
        let pt = self.opus_payload_type();
        let payload_type = PayloadType::new(pt)
            .ok()
            .filter(|p| !p.conflicts_with_rtcp())
            .ok_or_else(|| WebRtcSdpError::Malformed {
                attribute: "rtpmap",
                value: format!("{pt} opus/48000/2"),
            })?;
        let mut config = Config::new();
        config.set_media(payload_type, ClockRate::OPUS);
        let mut opus = PayloadFormat::new(payload_type, "opus", ClockRate::OPUS);
        opus.channels = Some(2);
        opus.fmtp = self.opus_fmtp().map(str::to_owned);
        let mut map = PayloadMap::new();
        map.insert(opus);
        let events = self
            .telephone_event(48_000)
            .and_then(|f| PayloadType::new(f.payload_type).ok().map(|pt| (pt, f)))
            .filter(|(pt, _)| !pt.conflicts_with_rtcp());
        if let Some((pt, format)) = events {
            let mut events = PayloadFormat::new(pt, "telephone-event", ClockRate::OPUS);
            events.fmtp = format.fmtp.clone();
            map.insert(events);
        }
        config.payload_map = map;
        config.codec = Some(stats::Codec::Opus(stats::OpusConfig {
            bandwidth: stats::OpusBandwidth::Narrowband,
            mode: stats::OpusMode::Cbr,
            kbps: 11,
        }));
        config.bandwidth = Bandwidth::new(OPUS_CALL_BPS);
        config.transport.rtcp_mux = true;
        config.transport.rtcp_rsize = false;
        let dtls = if dtls.srtp_config.cryptex && !self.cryptex() {
            let mut plain = (*dtls).clone();
            plain.srtp_config.cryptex = false;
            Arc::new(plain)
        } else {
            dtls
        };
        config.security = Security::Dtls {
            role,
            config: dtls,
            peer_fingerprints: self.fingerprints().to_vec(),
        };
        config.ice = Some(IceConfig::new(ice, Some(self.ice_ufrag().to_owned())));
        config.mid = self.mid_extension_id().map(|id| MidExtension {
            id,
            mid: self.mid().to_owned(),
        });
        self.configure_video(&mut config);
        Ok(config)
    }

    /// With a bundled video section accepted ([`WebRtcOffer::video_mid`]): VP8 in the
    /// payload map, a video jitter buffer for its sources ([`Config::bundled_video`]), the
    /// feedback the answer says (NACK, PLI, FIR, RTX), transport-wide congestion control
    /// when negotiated, `a=rtcp-rsize` when offered, and the bandwidth of a video call.
    fn configure_video(&self, config: &mut Config) {
        let Some(video) = &self.video else {
            return;
        };
        let Ok(vp8) = PayloadType::new(video.vp8.payload_type) else {
            return;
        };
        let mut format = PayloadFormat::new(vp8, "VP8", ClockRate::VIDEO);
        format.fmtp = video.vp8.fmtp.clone();
        config.payload_map.insert(format);
        config.bundled_video = Some(jitter_buffer::Config::video());
        let mut feedback = Feedback::new();
        feedback.apply(&video.feedback);
        feedback.transport_cc = self.congestion_extension_id().is_some();
        feedback.rtx = video
            .rtx
            .as_ref()
            .and_then(|r| PayloadType::new(r.payload_type).ok())
            .map(|payload_type| Rtx {
                payload_type,
                apt: vp8,
                ssrc: None,
            });
        config.feedback = feedback;
        if let Some(id) = self.congestion_extension_id() {
            config.congestion.transport_sequence_id = Some(id);
            config.congestion.transport_cc_feedback = true;
        }
        config.transport.rtcp_rsize = video.rtcp_rsize;
        config.bandwidth = Bandwidth::new(VIDEO_CALL_BPS);
    }
}
