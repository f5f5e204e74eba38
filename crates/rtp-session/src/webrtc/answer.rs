//! Writing our answer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use dtls::{Fingerprint, Role};
use sdp_types::{
    Attribute, Candidate, CandidateAddress, CandidateType, Connection, EndOfCandidates, ExtMap,
    IceLite, IcePwd, IceUfrag, Media, Mid, Origin, RtcpMux, RtpMap, Session,
};

use super::offer::PayloadFormat;
use super::video::{self, VideoOffer};
use super::{MediaDirection, SDES_MID_URI, Setup, WebRtcOffer, WebRtcSdpError};

/// The most candidates an answer carries.
const MAX_CANDIDATES: usize = 64;

/// What our answer says about us. The ICE credentials and the certificate are the caller's
/// (it must generate fresh credentials per session, RFC 8839 §5.4); the rest has defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnswerParams {
    /// Our ICE username fragment: 4 to 256 ICE characters (`A-Za-z0-9+/`), at least 24
    /// bits of randomness.
    pub ice_ufrag: String,
    /// Our ICE password: 22 to 256 ICE characters, at least 128 bits of randomness.
    pub ice_pwd: String,
    /// The fingerprint of our DTLS certificate.
    pub fingerprint: Fingerprint,
    /// The DTLS role we take when the offer leaves the choice to us (`a=setup:actpass`):
    /// [`Role::Server`] answers `a=setup:passive`, [`Role::Client`] `a=setup:active`. An
    /// offer that chose (`active` or `passive`) decides instead; see
    /// [`WebRtcOffer::dtls_role_for_us`]. Default: [`Role::Server`].
    pub preferred_role: Role,
    /// Our host candidates: the addresses our socket answers STUN on, most preferred
    /// first. The first is also the `m=` port and `c=` address. At most 64, none
    /// unspecified, multicast, with port 0 or repeated.
    pub candidates: Vec<SocketAddr>,
    /// The SSRC we send with, announced with its CNAME when we send.
    pub ssrc: u32,
    /// Our RTCP CNAME: 1 to 255 visible ASCII characters.
    pub cname: String,
    /// Our `a=msid` as (stream id, track id), each 1 to 64 token characters (RFC 8830), so
    /// that the browser puts our track in a stream of that id; `None` writes no msid.
    /// Written only when we send.
    pub msid: Option<(String, String)>,
    /// The direction we want; the answer says the most of it the offer allows (RFC 3264
    /// §6.1). Default: [`MediaDirection::SendRecv`].
    pub direction: MediaDirection,
    /// The `o=` session id; only its low 63 bits are written (RFC 8829 §5.2.1 asks for a
    /// random 63-bit number). Default: the SSRC.
    pub session_id: u64,
    /// Answer the offer's `telephone-event/48000` (RFC 4733 DTMF at the Opus clock), which
    /// [`WebRtcOffer::session_config`] puts in the session's payload map so that its
    /// packets become [`crate::Event::Dtmf`] and [`crate::Session::send_dtmf`] can send.
    /// Default: true. Set it to false when the session is configured otherwise.
    pub telephone_event: bool,
    /// Answer the offer's `a=cryptex` (RFC 9335 §4) with ours, in every accepted
    /// section. Default: false. Set it together with `srtp_config.cryptex` of the
    /// `dtls::Config` given to [`WebRtcOffer::session_config`], which turns cryptex on
    /// only when the offer has it.
    pub cryptex: bool,
}

impl AnswerParams {
    /// Parameters with the defaults above: prefer being the DTLS server, send and receive,
    /// no msid, the SSRC as session id.
    pub fn new(
        ice_ufrag: impl Into<String>,
        ice_pwd: impl Into<String>,
        fingerprint: Fingerprint,
        candidates: Vec<SocketAddr>,
        ssrc: u32,
        cname: impl Into<String>,
    ) -> AnswerParams {
        AnswerParams {
            ice_ufrag: ice_ufrag.into(),
            ice_pwd: ice_pwd.into(),
            fingerprint,
            preferred_role: Role::Server,
            candidates,
            ssrc,
            cname: cname.into(),
            msid: None,
            direction: MediaDirection::SendRecv,
            session_id: u64::from(ssrc),
            telephone_event: true,
            cryptex: false,
        }
    }

    fn check(&self) -> Result<(), WebRtcSdpError> {
        let refuse = |reason| Err(WebRtcSdpError::InvalidAnswerParams { reason });
        if self.ice_ufrag.parse::<IceUfrag>().is_err() {
            return refuse("ICE ufrag is not 4 to 256 ICE characters");
        }
        if self.ice_pwd.parse::<IcePwd>().is_err() {
            return refuse("ICE password is not 22 to 256 ICE characters");
        }
        let digest_len = Fingerprint::of(self.fingerprint.hash, &[]).value.len();
        if self.fingerprint.value.len() != digest_len {
            return refuse("fingerprint length does not match its hash function");
        }
        if self.candidates.is_empty() {
            return refuse("no candidates");
        }
        if self.candidates.len() > MAX_CANDIDATES {
            return refuse("more than 64 candidates");
        }
        for (i, c) in self.candidates.iter().enumerate() {
            if c.ip().is_unspecified() || c.ip().is_multicast() || c.port() == 0 {
                return refuse("a candidate is unspecified, multicast or has port 0");
            }
            if self.candidates[..i].contains(c) {
                return refuse("a candidate is repeated");
            }
        }
        if self.cname.is_empty()
            || self.cname.len() > 255
            || !self.cname.bytes().all(|b| b.is_ascii_graphic())
        {
            return refuse("CNAME is not 1 to 255 visible ASCII characters");
        }
        if let Some((stream, track)) = &self.msid {
            if !is_msid_id(stream) || !is_msid_id(track) {
                return refuse("msid ids are not 1 to 64 token characters");
            }
        }
        Ok(())
    }
}

impl WebRtcOffer {
    /// Our answer to this offer (RFC 8829 §5.3), CRLF-terminated lines:
    ///
    /// - session level: `a=ice-lite`; `a=group:BUNDLE <mid> [<video mid>]` when the offer
    ///   bundled the audio section. No `a=msid-semantic`: RFC 8830 has none, and browsers take the
    ///   media-level `a=msid` without it (Chromium 156 does, `cargo xtask interop
    ///   chromium-sdp` checks);
    /// - the audio section: `m=audio <port> UDP/TLS/RTP/SAVPF <opus>`
    ///   (then the telephone-event payload type) and `c=` at the first candidate; the offer's `a=mid`; our ICE credentials,
    ///   fingerprint and `a=setup` (`passive` when we are the DTLS server, `active` when the
    ///   client, see [`WebRtcOffer::dtls_role_for_us`]); one host candidate per address with
    ///   RFC 8445 §5.1.2 priorities, then `a=end-of-candidates`; `a=rtcp-mux`; the
    ///   direction; the sdes:mid `a=extmap` with the offer's id; the Opus `a=rtpmap` with
    ///   the offer's `a=fmtp`; `telephone-event/48000` with the offer's payload type and
    ///   `a=fmtp` when offered (unless [`AnswerParams::telephone_event`] is false);
    ///   `a=cryptex` when offered and [`AnswerParams::cryptex`] (in the video section too); `a=msid` and
    ///   `a=ssrc:<ssrc> cname:<cname>` when we send;
    /// - the bundled VP8 section, when the offer has one ([`WebRtcOffer::video_mid`]):
    ///   `recvonly`, VP8 and its RTX payload type, the feedback offered of `nack`,
    ///   `nack pli`, `ccm fir`, `transport-cc`, the sdes:mid and transport-wide-cc
    ///   extensions, `a=rtcp-rsize` when offered; its mid joins the BUNDLE group, and the
    ///   audio section then also gets the transport-wide-cc extension,
    ///   `a=rtcp-fb:<opus> transport-cc` and `a=rtcp-rsize` when it offered them;
    /// - every other offered section rejected: port 0, its first format, its mid.
    ///
    /// No `a=rtcp-mux-only`, though we multiplex only: RFC 8858 §4 forbids it in an
    /// answer, where `a=rtcp-mux` already makes multiplexing mandatory both ways (RFC 8035).
    /// An audio-only offer gets no feedback (`a=rtcp-fb`), no `a=rtcp-rsize` and no header
    /// extension but sdes:mid: see the module documentation.
    pub fn answer(&self, params: &AnswerParams) -> Result<String, WebRtcSdpError> {
        params.check()?;
        let Some(first) = params.candidates.first() else {
            return Err(WebRtcSdpError::InvalidAnswerParams {
                reason: "no candidates",
            });
        };

        let origin = Origin::with_ip_addr(
            params.session_id & (u64::MAX >> 1),
            0,
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        );
        let mut session = Session::new(origin, "-");
        session.add_attribute(IceLite);
        if !self.bundle_group().is_empty() {
            // The offer's order of the mids we accept (RFC 8843 §7.3.2).
            let accepted: Vec<&str> = self
                .bundle_group()
                .iter()
                .map(String::as_str)
                .filter(|m| *m == self.mid() || Some(*m) == self.video_mid())
                .collect();
            session.add_attribute_with_value("group", format!("BUNDLE {}", accepted.join(" ")));
        }
        let direction = params.direction.answer_to(self.direction());
        let msid = params.msid.as_ref().filter(|_| direction.sends());

        for (index, section) in self.sections.iter().enumerate() {
            if let Some(video) = self.video.as_ref().filter(|v| v.index == index) {
                session.add_media(self.video_answer(video, params, *first));
                continue;
            }
            if index != self.media_index() {
                let mut rejected = Media {
                    media: section.media.clone(),
                    port: 0,
                    num_ports: None,
                    proto: section.proto.clone(),
                    fmt: section.first_format.clone(),
                    media_title: None,
                    connections: vec![Connection::from_ip_addr(Ipv4Addr::UNSPECIFIED)],
                    bandwidths: Vec::new(),
                    key: None,
                    attributes: Vec::new(),
                };
                if let Some(mid) = &section.mid {
                    rejected.add_attribute(Mid(mid.clone()));
                }
                session.add_media(rejected);
                continue;
            }
            session.add_media(self.audio_answer(params, *first, direction, msid));
        }

        let mut text = Vec::new();
        session
            .write(&mut text)
            .map_err(|_| WebRtcSdpError::InvalidAnswerParams {
                reason: "the SDP writer failed",
            })?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    fn audio_answer(
        &self,
        params: &AnswerParams,
        first: SocketAddr,
        direction: MediaDirection,
        msid: Option<&(String, String)>,
    ) -> Media {
        // Opus, and telephone-event at Opus's clock when offered (the session's payload map
        // routes it to `Event::Dtmf`, see `session_config`).
        let opus = self.opus();
        let events = self
            .telephone_event(48_000)
            .filter(|_| params.telephone_event)
            .filter(|f| {
                rtp_packet::PayloadType::new(f.payload_type).is_ok_and(|p| !p.conflicts_with_rtcp())
            });
        let formats: Vec<String> = std::iter::once(opus)
            .chain(events)
            .map(|f| f.payload_type.to_string())
            .collect();
        let mut media = Media {
            media: "audio".into(),
            port: first.port(),
            num_ports: None,
            proto: "UDP/TLS/RTP/SAVPF".into(),
            fmt: formats.join(" "),
            media_title: None,
            connections: vec![Connection::from_ip_addr(first.ip())],
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        };
        media.add_attribute(Mid(self.mid().to_string()));
        media.add_attribute(IceUfrag(params.ice_ufrag.clone()));
        media.add_attribute(IcePwd(params.ice_pwd.clone()));
        media.add_attribute_with_value("fingerprint", &params.fingerprint);
        let setup = match self.dtls_role_for_us(params.preferred_role) {
            Role::Client => Setup::Active,
            Role::Server => Setup::Passive,
        };
        media.add_attribute_with_value("setup", setup);
        for candidate in host_candidates(&params.candidates) {
            media.add_attribute(candidate);
        }
        media.add_attribute(EndOfCandidates);
        // RTP and RTCP on one port, in both directions (RFC 8035). Never `a=rtcp-mux-only`:
        // RFC 8858 §4 forbids it in an answer, where `a=rtcp-mux` already settles it.
        media.add_attribute(RtcpMux);
        if params.cryptex && self.cryptex() {
            media.add_attribute(Attribute::new("cryptex"));
        }
        media.add_attribute(Attribute::new(direction.as_str()));
        if let Some(id) = self.mid_extension_id() {
            media.add_attribute(ExtMap::new(id, SDES_MID_URI));
        }
        // With the video accepted, transport-wide congestion control covers the audio
        // too (one transport, one sequence space): the extension at the id the video
        // section uses, when the audio section offered the same one.
        let transport_cc = self.congestion_extension_id();
        if let Some(id) = transport_cc.filter(|id| self.audio_transport_cc.0 == Some(*id)) {
            media.add_attribute(ExtMap::new(id, video::transport_cc_uri()));
        }
        if self.video.is_some() && self.audio_rtcp_rsize {
            media.add_attribute(Attribute::new("rtcp-rsize"));
        }
        if let Some((stream, track)) = msid {
            media.add_attribute_with_value("msid", format!("{stream} {track}"));
        }
        add_format(&mut media, opus, "opus", Some("2"));
        if transport_cc.is_some() && self.audio_transport_cc == (transport_cc, true) {
            media
                .add_attribute_with_value("rtcp-fb", format!("{} transport-cc", opus.payload_type));
        }
        if let Some(events) = events {
            add_format(&mut media, events, "telephone-event", None);
        }
        if direction.sends() {
            media.add_attribute_with_value(
                "ssrc",
                format!("{} cname:{}", params.ssrc, params.cname),
            );
        }
        media
    }
}

impl WebRtcOffer {
    /// Our answer's video section: the bundle's port and address, the transport
    /// attributes repeated (as browsers write them), `recvonly` (we receive the browser's
    /// camera and send none), VP8 with the feedback offered for it that the session does
    /// (`nack`, `nack pli`, `ccm fir`, `transport-cc`), RTX with its `apt`, the sdes:mid and
    /// transport-wide-cc extensions, `a=rtcp-mux` and `a=rtcp-rsize` when offered.
    fn video_answer(&self, video: &VideoOffer, params: &AnswerParams, first: SocketAddr) -> Media {
        let mut formats = vec![video.vp8.payload_type.to_string()];
        if let Some(rtx) = &video.rtx {
            formats.push(rtx.payload_type.to_string());
        }
        let mut media = Media {
            media: "video".into(),
            port: first.port(),
            num_ports: None,
            proto: "UDP/TLS/RTP/SAVPF".into(),
            fmt: formats.join(" "),
            media_title: None,
            connections: vec![Connection::from_ip_addr(first.ip())],
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        };
        media.add_attribute(Mid(video.mid.clone()));
        media.add_attribute(IceUfrag(params.ice_ufrag.clone()));
        media.add_attribute(IcePwd(params.ice_pwd.clone()));
        media.add_attribute_with_value("fingerprint", &params.fingerprint);
        let setup = match self.dtls_role_for_us(params.preferred_role) {
            Role::Client => Setup::Active,
            Role::Server => Setup::Passive,
        };
        media.add_attribute_with_value("setup", setup);
        media.add_attribute(RtcpMux);
        // RFC 9335 §4: with BUNDLE, in every section of the group.
        if params.cryptex && self.cryptex() {
            media.add_attribute(Attribute::new("cryptex"));
        }
        if video.rtcp_rsize {
            media.add_attribute(Attribute::new("rtcp-rsize"));
        }
        let direction = MediaDirection::RecvOnly.answer_to(video.direction);
        media.add_attribute(Attribute::new(direction.as_str()));
        if let Some(id) = video.mid_extension_id {
            media.add_attribute(ExtMap::new(id, SDES_MID_URI));
        }
        if let Some(id) = self.congestion_extension_id() {
            media.add_attribute(ExtMap::new(id, video::transport_cc_uri()));
        }
        let pt = video.vp8.payload_type;
        media.add_attribute(RtpMap::new(pt, "VP8", 90_000));
        if let Some(fmtp) = &video.vp8.fmtp {
            media.add_attribute_with_value("fmtp", format!("{pt} {fmtp}"));
        }
        let fb = &video.feedback;
        let lines = [
            (fb.nack, "nack"),
            (fb.pli, "nack pli"),
            (fb.fir, "ccm fir"),
            (self.congestion_extension_id().is_some(), "transport-cc"),
        ];
        for (_, line) in lines.iter().filter(|(on, _)| *on) {
            media.add_attribute_with_value("rtcp-fb", format!("{pt} {line}"));
        }
        if let Some(rtx) = &video.rtx {
            media.add_attribute(RtpMap::new(rtx.payload_type, "rtx", 90_000));
            media.add_attribute_with_value("fmtp", format!("{} apt={pt}", rtx.payload_type));
        }
        media
    }
}

/// `a=rtpmap` (at 48 kHz) and, when the offer had one, `a=fmtp` of one payload format.
fn add_format(media: &mut Media, format: &PayloadFormat, name: &str, channels: Option<&str>) {
    let mut rtpmap = RtpMap::new(format.payload_type, name, 48_000);
    if let Some(channels) = channels {
        rtpmap.set_encoding_params(channels);
    }
    media.add_attribute(rtpmap);
    if let Some(fmtp) = &format.fmtp {
        media.add_attribute_with_value("fmtp", format!("{} {fmtp}", format.payload_type));
    }
}

/// One host candidate per address for component 1 (RTP; RTCP is multiplexed), in the
/// given order of preference, with the priorities of [`host_priority`]. Candidates share a
/// foundation when they share an IP address (same type, base and protocol, RFC 8445
/// §5.1.1.3).
fn host_candidates(addresses: &[SocketAddr]) -> Vec<Candidate> {
    let mut ips: Vec<IpAddr> = Vec::new();
    addresses
        .iter()
        .zip(0u32..)
        .map(|(address, index)| {
            let foundation = match ips.iter().position(|ip| *ip == address.ip()) {
                Some(i) => i + 1,
                None => {
                    ips.push(address.ip());
                    ips.len()
                }
            };
            Candidate::new(
                foundation,
                1,
                "udp",
                u64::from(host_priority(index)),
                CandidateAddress::IpAddr(address.ip()),
                address.port(),
                CandidateType::Host,
            )
        })
        .collect()
}

/// The RFC 8445 §5.1.2.1 priority of the `index`th host candidate of component 1:
/// 2^24 × type preference (126 for host) plus 2^8 × local preference (65535 for the first
/// address, one less for each next) plus 256 − component.
fn host_priority(index: u32) -> u32 {
    const HOST_TYPE_PREFERENCE: u32 = 126;
    const COMPONENT: u32 = 1;
    let local_preference = 65_535u32.saturating_sub(index);
    (HOST_TYPE_PREFERENCE << 24) + (local_preference << 8) + (256 - COMPONENT)
}

/// RFC 8830 msid-id: 1 to 64 RFC 8866 token characters.
fn is_msid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_priorities_follow_rfc_8445() {
        // 126 << 24 | 65535 << 8 | 255: what full ICE agents compute for a lone host
        // candidate of component 1.
        assert_eq!(host_priority(0), 2_130_706_431);
        assert_eq!(host_priority(1), 2_130_706_431 - 256);
        assert!(host_priority(63) > 125 << 24);
    }

    #[test]
    fn foundations_group_by_address() {
        let addresses: Vec<SocketAddr> = ["192.0.2.1:5000", "[2001:db8::1]:5000", "192.0.2.1:6000"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let foundations: Vec<String> = host_candidates(&addresses)
            .into_iter()
            .map(|c| c.foundation)
            .collect();
        assert_eq!(foundations, ["1", "2", "1"]);
    }

    #[test]
    fn msid_ids_are_tokens() {
        assert!(is_msid_id("stream-1"));
        assert!(is_msid_id(&"a".repeat(64)));
        assert!(!is_msid_id(&"a".repeat(65)));
        assert!(!is_msid_id(""));
        assert!(!is_msid_id("a b"));
        assert!(!is_msid_id("a\r\nb"));
    }
}
