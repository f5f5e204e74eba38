//! Reading a browser's offer.

use dtls::{Fingerprint, HashFunction, Role};
use sdp_types::{IcePwd, IceUfrag, Mid, TypedAttribute};

use super::video::{self, VideoOffer};
use super::{MediaDirection, SDES_MID_URI, Setup, WebRtcSdpError};

/// The hash functions whose fingerprints we can check (those of `dtls`).
const HASHES: [HashFunction; 4] = [
    HashFunction::Sha1,
    HashFunction::Sha256,
    HashFunction::Sha384,
    HashFunction::Sha512,
];

/// The only media protocol we accept: DTLS-SRTP over UDP with the feedback profile, what
/// every browser offers for RTP (RFC 8829 §5.1.2).
const PROTOCOL: &str = "UDP/TLS/RTP/SAVPF";

/// A browser's SDP offer, reduced to what an ICE-lite, DTLS-SRTP, Opus audio answerer needs:
/// see [`WebRtcOffer::parse`] for what is read and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRtcOffer {
    media_index: usize,
    mid: String,
    bundle: Vec<String>,
    ice_ufrag: String,
    ice_pwd: String,
    ice_options: Vec<String>,
    fingerprints: Vec<Fingerprint>,
    setup: Setup,
    rtcp_mux_only: bool,
    opus: PayloadFormat,
    telephone_events: Vec<(PayloadFormat, u32)>,
    mid_extension_id: Option<u8>,
    direction: MediaDirection,
    msid: Option<String>,
    remote_sources: Vec<RemoteSource>,
    /// The bundled video section we can receive, if any.
    pub(super) video: Option<VideoOffer>,
    /// The audio section's transport-wide-cc `a=extmap` id and whether it offered
    /// `transport-cc` feedback for Opus, and `a=rtcp-rsize`.
    pub(super) audio_transport_cc: (Option<u8>, bool),
    pub(super) audio_rtcp_rsize: bool,
    /// `a=cryptex` (RFC 9335 §4) at session level or in the audio section.
    cryptex: bool,
    /// Every media section of the offer, for the answer to mirror (RFC 3264 §6).
    pub(super) sections: Vec<OfferedSection>,
}

/// A payload type with its `a=fmtp` parameters, as offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PayloadFormat {
    pub(super) payload_type: u8,
    pub(super) fmtp: Option<String>,
}

/// What the answer needs to reject or accept one offered media section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OfferedSection {
    pub(super) media: String,
    pub(super) proto: String,
    pub(super) first_format: String,
    pub(super) mid: Option<String>,
}

/// A media source the browser announced with `a=ssrc` (RFC 5576).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteSource {
    /// The SSRC.
    pub ssrc: u32,
    /// Its `cname` source attribute, if announced.
    pub cname: Option<String>,
    /// Its `msid` source attribute (`stream-id track-id`), if announced.
    pub msid: Option<String>,
}

impl WebRtcOffer {
    /// The longest offer [`WebRtcOffer::parse`] reads, in bytes.
    pub const MAX_LEN: usize = 128 * 1024;

    /// Reads a browser's offer. The audio section used is the first `m=audio` that is not
    /// rejected (port 0 without `a=bundle-only`). From it, or from the session level where
    /// the attribute may be there instead (media level wins, RFC 8839 §5.4, RFC 8122 §5,
    /// RFC 8842): `a=mid`; `a=ice-ufrag`, `a=ice-pwd`, `a=ice-options`; every
    /// `a=fingerprint` whose hash function we support (others are skipped); `a=setup`
    /// (`active` when absent, RFC 4145 §4); `a=rtcp-mux`, `a=rtcp-mux-only`; the first
    /// `opus/48000/2` of the format list and its `a=fmtp`; the telephone-event formats; the
    /// sdes:mid `a=extmap`; the direction; `a=msid` and the `a=ssrc` sources; `a=cryptex`
    /// (RFC 9335, media or session level, [`WebRtcOffer::cryptex`]). From the
    /// session level only: `a=group:BUNDLE`, and `a=ice-lite` (refused).
    ///
    /// Optional things that do not parse (an `a=extmap`, an `a=ssrc`, an `a=rtpmap` of
    /// another codec) are ignored; required ones that do not parse are errors. See
    /// [`WebRtcSdpError`] for every refusal.
    pub fn parse(sdp: &str) -> Result<WebRtcOffer, WebRtcSdpError> {
        if sdp.len() > Self::MAX_LEN {
            return Err(WebRtcSdpError::TooLarge {
                len: sdp.len(),
                max: Self::MAX_LEN,
            });
        }
        let session =
            sdp_types::Session::parse(sdp.as_bytes()).map_err(|e| WebRtcSdpError::Syntax {
                reason: e.to_string(),
            })?;
        if session.has_attribute("ice-lite") {
            return Err(WebRtcSdpError::IceLiteOfferer);
        }
        let sections = session.medias.iter().map(OfferedSection::of).collect();
        let (media_index, media) = session
            .medias
            .iter()
            .enumerate()
            .find(|(_, m)| {
                m.media.eq_ignore_ascii_case("audio")
                    && (m.port != 0 || m.has_attribute("bundle-only"))
            })
            .ok_or(WebRtcSdpError::NoAudio)?;
        if !media.proto.eq_ignore_ascii_case(PROTOCOL) {
            return Err(WebRtcSdpError::UnsupportedProtocol {
                proto: media.proto.clone(),
            });
        }
        let levels = Levels {
            media,
            session: &session,
        };

        let mid = match single(media.get_attribute_values(Mid::NAME), "mid")? {
            None => return Err(WebRtcSdpError::MissingMid),
            Some(v) => typed::<Mid>(v, "mid")?.0,
        };
        let ice_ufrag = match levels.single(IceUfrag::NAME, "ice-ufrag")? {
            None => return Err(WebRtcSdpError::MissingIceUfrag),
            Some(v) => typed::<IceUfrag>(v, "ice-ufrag")?.0,
        };
        let ice_pwd = match levels.single(IcePwd::NAME, "ice-pwd")? {
            None => return Err(WebRtcSdpError::MissingIcePwd),
            Some(v) => typed::<IcePwd>(v, "ice-pwd")?.0,
        };
        let ice_options = levels
            .values("ice-options")
            .flat_map(str::split_whitespace)
            .map(String::from)
            .collect();
        let fingerprints = fingerprints(levels.values("fingerprint"))?;
        let setup = match levels.single("setup", "setup")? {
            None => Setup::Active,
            Some(v) => parse_setup(v)?,
        };
        if !media.has_attribute("rtcp-mux") {
            return Err(WebRtcSdpError::MissingRtcpMux);
        }
        let rtcp_mux_only = media.has_attribute("rtcp-mux-only");

        let codecs = Codecs::of(media);
        let opus = codecs.opus().ok_or(WebRtcSdpError::NoOpus)?;
        let telephone_events = codecs.telephone_events();

        let mid_extension_id = levels
            .values("extmap")
            .filter_map(|v| v.parse::<sdp_types::ExtMap>().ok())
            .find(|e| e.uri == SDES_MID_URI)
            .map(|e| e.id);
        let direction = direction(media).or_else(|| direction_of(&session.attributes));
        let msid = media
            .get_attribute_values("msid")
            .flatten()
            .next()
            .map(String::from);
        let bundle: Vec<String> = session
            .get_attribute_values("group")
            .flatten()
            .map(|v| v.split_whitespace().collect::<Vec<_>>())
            .find(|g| {
                g.first().is_some_and(|s| s.eq_ignore_ascii_case("BUNDLE"))
                    && g.iter().skip(1).any(|m| *m == mid)
            })
            .map(|g| g.iter().skip(1).map(|s| s.to_string()).collect())
            .unwrap_or_default();

        let video = VideoOffer::find(&session, &bundle);
        let opus_feedback = sdp_rtcp_attr::FeedbackSet::for_payload_type(
            &video::feedback_lines(media),
            opus.payload_type,
        );
        let audio_transport_cc = (
            video::extension_id(media, video::transport_cc_uri()),
            opus_feedback.transport_cc,
        );
        let audio_rtcp_rsize = media.has_attribute("rtcp-rsize");
        // A property attribute: one with a value is not it.
        let cryptex = levels.values("cryptex").any(str::is_empty);

        Ok(WebRtcOffer {
            cryptex,
            video,
            audio_transport_cc,
            audio_rtcp_rsize,
            media_index,
            mid,
            bundle,
            ice_ufrag,
            ice_pwd,
            ice_options,
            fingerprints,
            setup,
            rtcp_mux_only,
            opus,
            telephone_events,
            mid_extension_id,
            direction: direction.unwrap_or_default(),
            msid,
            remote_sources: remote_sources(media),
            sections,
        })
    }

    /// Whether the browser can receive cryptex (RFC 9335 §4: `a=cryptex` at session
    /// level or in the audio section; with BUNDLE it is in every bundled section).
    pub fn cryptex(&self) -> bool {
        self.cryptex
    }

    /// The index of the audio section among the offer's `m=` lines (0 for the first).
    pub fn media_index(&self) -> usize {
        self.media_index
    }

    /// The audio section's `a=mid`.
    pub fn mid(&self) -> &str {
        &self.mid
    }

    /// The mids of the offer's `a=group:BUNDLE` that contains the audio section's mid, in
    /// order; empty when the audio section is not bundled.
    pub fn bundle_group(&self) -> &[String] {
        &self.bundle
    }

    /// The browser's ICE username fragment (4 to 256 ICE characters).
    pub fn ice_ufrag(&self) -> &str {
        &self.ice_ufrag
    }

    /// The browser's ICE password (22 to 256 ICE characters).
    pub fn ice_pwd(&self) -> &str {
        &self.ice_pwd
    }

    /// The ICE option tags (`trickle`, ...), in order.
    pub fn ice_options(&self) -> &[String] {
        &self.ice_options
    }

    /// The fingerprints of the browser's certificate whose hash function we support, in
    /// the offer's order; never empty. The DTLS handshake must match one of them.
    pub fn fingerprints(&self) -> &[Fingerprint] {
        &self.fingerprints
    }

    /// The offered `a=setup`.
    pub fn setup(&self) -> Setup {
        self.setup
    }

    /// Our DTLS role, given the role we prefer (RFC 8842, RFC 4145 §4): the browser
    /// `active` makes us the [`Role::Server`] (passive), the browser `passive` makes us the
    /// [`Role::Client`] (active), `actpass` leaves `preferred`.
    pub fn dtls_role_for_us(&self, preferred: Role) -> Role {
        match self.setup {
            Setup::Active => Role::Server,
            Setup::Passive => Role::Client,
            Setup::ActPass => preferred,
        }
    }

    /// True when the audio section also says `a=rtcp-mux-only` (RFC 8858): the browser
    /// has no fallback to a separate RTCP port. `a=rtcp-mux` itself is always there: an
    /// offer without it is refused.
    pub fn rtcp_mux_only(&self) -> bool {
        self.rtcp_mux_only
    }

    /// The payload type of the first `opus/48000/2` in the audio section's format list.
    pub fn opus_payload_type(&self) -> u8 {
        self.opus.payload_type
    }

    /// The `a=fmtp` parameters of the Opus payload type as offered (e.g.
    /// `minptime=10;useinbandfec=1`, RFC 7587 §6.1), if any.
    pub fn opus_fmtp(&self) -> Option<&str> {
        self.opus.fmtp.as_deref()
    }

    /// The payload type of `telephone-event` (RFC 4733) at `clock_rate` Hz, if offered.
    pub fn telephone_event_payload_type(&self, clock_rate: u32) -> Option<u8> {
        self.telephone_event(clock_rate).map(|f| f.payload_type)
    }

    pub(super) fn telephone_event(&self, clock_rate: u32) -> Option<&PayloadFormat> {
        self.telephone_events
            .iter()
            .find(|(_, rate)| *rate == clock_rate)
            .map(|(format, _)| format)
    }

    pub(super) fn opus(&self) -> &PayloadFormat {
        &self.opus
    }

    /// The id of the `urn:ietf:params:rtp-hdrext:sdes:mid` header extension (RFC 8843
    /// §15), if offered.
    pub fn mid_extension_id(&self) -> Option<u8> {
        self.mid_extension_id
    }

    /// The audio section's direction as the browser wrote it (`sendrecv` when absent).
    pub fn direction(&self) -> MediaDirection {
        self.direction
    }

    /// The audio section's `a=msid` value (`stream-id [track-id]`, RFC 8830), if any.
    pub fn msid(&self) -> Option<&str> {
        self.msid.as_deref()
    }

    /// The sources the audio section announces with `a=ssrc`, in order of first mention.
    pub fn remote_sources(&self) -> &[RemoteSource] {
        &self.remote_sources
    }

    /// The `a=mid` of the video section we can receive: the first video section in the
    /// audio section's BUNDLE group over `UDP/TLS/RTP/SAVPF` with rtcp-mux and
    /// `VP8/90000`; `None` when there is none (it is then rejected, as every other
    /// section).
    pub fn video_mid(&self) -> Option<&str> {
        self.video.as_ref().map(|v| v.mid.as_str())
    }

    /// The index of that video section among the offer's `m=` lines.
    pub fn video_index(&self) -> Option<usize> {
        self.video.as_ref().map(|v| v.index)
    }

    /// Its VP8 payload type (RFC 7741).
    pub fn vp8_payload_type(&self) -> Option<u8> {
        self.video.as_ref().map(|v| v.vp8.payload_type)
    }

    /// Its RTX payload type repairing VP8 (RFC 4588, `apt` = VP8's), when offered.
    pub fn video_rtx_payload_type(&self) -> Option<u8> {
        self.video
            .as_ref()
            .and_then(|v| v.rtx.as_ref())
            .map(|r| r.payload_type)
    }

    /// The feedback its `a=rtcp-fb` lines offer for VP8.
    pub fn video_feedback(&self) -> Option<sdp_rtcp_attr::FeedbackSet> {
        self.video.as_ref().map(|v| v.feedback)
    }

    /// The transport-wide congestion control header extension id we negotiate: the video
    /// section's, when it offered both the extension and `a=rtcp-fb:<vp8> transport-cc`.
    /// Audio-only offers negotiate none (their answers are as before).
    pub fn congestion_extension_id(&self) -> Option<u8> {
        self.video
            .as_ref()
            .filter(|v| v.feedback.transport_cc)
            .and_then(|v| v.transport_cc_id)
    }

    /// Refuses the video section: the answer rejects it with port 0 and
    /// [`WebRtcOffer::session_config`] configures audio only, as for an audio-only offer.
    pub fn refuse_video(&mut self) {
        self.video = None;
    }
}

impl OfferedSection {
    fn of(m: &sdp_types::Media) -> OfferedSection {
        OfferedSection {
            media: m.media.clone(),
            proto: m.proto.clone(),
            first_format: m.fmt.split_whitespace().next().unwrap_or("0").to_string(),
            mid: m
                .get_first_attribute_value(Mid::NAME)
                .flatten()
                .and_then(|v| v.parse::<Mid>().ok())
                .map(|m| m.0),
        }
    }
}

/// The media section and the session: where an attribute allowed at both levels is read.
struct Levels<'a> {
    media: &'a sdp_types::Media,
    session: &'a sdp_types::Session,
}

impl<'a> Levels<'a> {
    /// The values of `name` at media level if it is there, else at session level. A
    /// property attribute gives the empty string.
    fn values(&self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let at_media = self.media.has_attribute(name);
        let media = self.media.get_attribute_values(name);
        let session = self.session.get_attribute_values(name);
        let chosen: Box<dyn Iterator<Item = Option<&'a str>> + 'a> = if at_media {
            Box::new(media)
        } else {
            Box::new(session)
        };
        chosen.map(Option::unwrap_or_default)
    }

    /// The one value of `name` (see [`Levels::values`]).
    fn single(
        &self,
        name: &'a str,
        attribute: &'static str,
    ) -> Result<Option<&'a str>, WebRtcSdpError> {
        single(self.values(name).map(Some), attribute)
    }
}

/// The value of an attribute that may appear once, or several times with one value.
fn single<'a>(
    mut values: impl Iterator<Item = Option<&'a str>>,
    attribute: &'static str,
) -> Result<Option<&'a str>, WebRtcSdpError> {
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let first = first.unwrap_or_default();
    match values.map(Option::unwrap_or_default).find(|v| *v != first) {
        Some(other) => Err(WebRtcSdpError::Malformed {
            attribute,
            value: other.to_string(),
        }),
        None => Ok(Some(first)),
    }
}

fn typed<T: TypedAttribute>(value: &str, attribute: &'static str) -> Result<T, WebRtcSdpError> {
    value.parse().map_err(|_| WebRtcSdpError::Malformed {
        attribute,
        value: value.to_string(),
    })
}

fn parse_setup(value: &str) -> Result<Setup, WebRtcSdpError> {
    [Setup::ActPass, Setup::Active, Setup::Passive]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
        .ok_or_else(|| WebRtcSdpError::UnsupportedSetup {
            value: value.to_string(),
        })
}

/// The fingerprints we can check; one of a supported hash function that does not parse
/// refuses the offer, those of other hash functions are skipped.
fn fingerprints<'a>(
    values: impl Iterator<Item = &'a str>,
) -> Result<Vec<Fingerprint>, WebRtcSdpError> {
    let mut usable = Vec::new();
    let mut unsupported = None;
    let mut any = false;
    for value in values {
        any = true;
        let hash = value.split_whitespace().next().unwrap_or_default();
        if HASHES.iter().any(|h| h.name().eq_ignore_ascii_case(hash)) {
            let fingerprint = value.parse().map_err(|_| WebRtcSdpError::Malformed {
                attribute: "fingerprint",
                value: value.to_string(),
            })?;
            if !usable.contains(&fingerprint) {
                usable.push(fingerprint);
            }
        } else {
            unsupported.get_or_insert(hash);
        }
    }
    match (any, usable.is_empty(), unsupported) {
        (false, _, _) => Err(WebRtcSdpError::MissingFingerprint),
        (true, true, hash) => Err(WebRtcSdpError::UnsupportedFingerprint {
            hash: hash.unwrap_or_default().to_string(),
        }),
        (true, false, _) => Ok(usable),
    }
}

/// The audio section's formats: its `m=` format list and the `a=rtpmap` and `a=fmtp` of
/// each.
struct Codecs {
    formats: Vec<u8>,
    rtpmaps: Vec<sdp_types::RtpMap>,
    fmtps: Vec<(u8, String)>,
}

impl Codecs {
    fn of(media: &sdp_types::Media) -> Codecs {
        let formats = media
            .fmt
            .split_whitespace()
            .filter_map(|f| f.parse::<u8>().ok())
            // RTP payload types are 7 bits (RFC 3550 §5.1).
            .filter(|pt| *pt <= 127)
            .filter(|pt| *pt <= 127)
            .collect();
        let rtpmaps = media
            .attributes_typed::<sdp_types::RtpMap>()
            .filter_map(Result::ok)
            .collect();
        let fmtps = media
            .get_attribute_values("fmtp")
            .flatten()
            .filter_map(|v| {
                let (pt, params) = v.split_once(' ')?;
                Some((pt.parse().ok()?, params.trim().to_string()))
            })
            .collect();
        Codecs {
            formats,
            rtpmaps,
            fmtps,
        }
    }

    /// The first `a=rtpmap` of `pt` (a repeated mapping is the offerer's mistake; the
    /// first one is what its format list was read with).
    fn rtpmap(&self, pt: u8) -> Option<&sdp_types::RtpMap> {
        self.rtpmaps.iter().find(|r| r.payload_type == pt)
    }

    fn format(&self, pt: u8) -> PayloadFormat {
        PayloadFormat {
            payload_type: pt,
            fmtp: self
                .fmtps
                .iter()
                .find(|(p, _)| *p == pt)
                .map(|(_, params)| params.clone())
                .filter(|p| !p.is_empty()),
        }
    }

    /// The first Opus in the format list: `opus/48000/2`, the only form RFC 7587 §7 allows.
    fn opus(&self) -> Option<PayloadFormat> {
        self.formats
            .iter()
            .copied()
            .find(|pt| {
                self.rtpmap(*pt).is_some_and(|r| {
                    r.encoding_name.eq_ignore_ascii_case("opus")
                        && r.clock_rate == 48_000
                        && r.encoding_params.as_deref() == Some("2")
                })
            })
            .map(|pt| self.format(pt))
    }

    /// Each telephone-event format with its clock rate, the first one per rate.
    fn telephone_events(&self) -> Vec<(PayloadFormat, u32)> {
        let mut found: Vec<(PayloadFormat, u32)> = Vec::new();
        for pt in &self.formats {
            let Some(r) = self.rtpmap(*pt) else { continue };
            if r.encoding_name.eq_ignore_ascii_case("telephone-event")
                && !found.iter().any(|(_, rate)| *rate == r.clock_rate)
            {
                found.push((self.format(*pt), r.clock_rate));
            }
        }
        found
    }
}

fn direction(media: &sdp_types::Media) -> Option<MediaDirection> {
    direction_of(&media.attributes)
}

fn direction_of(attributes: &[sdp_types::Attribute]) -> Option<MediaDirection> {
    attributes
        .iter()
        .filter(|a| a.value.is_none())
        .find_map(|a| MediaDirection::from_token(&a.attribute))
}

/// The `a=ssrc` sources, grouped by SSRC; lines that do not parse are skipped.
fn remote_sources(media: &sdp_types::Media) -> Vec<RemoteSource> {
    let mut sources: Vec<RemoteSource> = Vec::new();
    for value in media.get_attribute_values("ssrc").flatten() {
        let Some((ssrc, attribute)) = value.split_once(' ') else {
            continue;
        };
        let Ok(ssrc) = ssrc.parse::<u32>() else {
            continue;
        };
        let (name, attr_value) = match attribute.split_once(':') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (attribute, None),
        };
        if !sources.iter().any(|s| s.ssrc == ssrc) {
            sources.push(RemoteSource {
                ssrc,
                cname: None,
                msid: None,
            });
        }
        let Some(source) = sources.iter_mut().find(|s| s.ssrc == ssrc) else {
            continue;
        };
        if name.eq_ignore_ascii_case("cname") && source.cname.is_none() {
            source.cname = attr_value;
        } else if name.eq_ignore_ascii_case("msid") && source.msid.is_none() {
            source.msid = attr_value;
        }
    }
    sources
}
