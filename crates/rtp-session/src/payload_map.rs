//! The payload types a session knows: which codec, clock rate and route each one has, from
//! `a=rtpmap` / `a=fmtp` (RFC 8866 §6.6, §6.15) or the RFC 3551 static table.
//!
//! The session routes every received RTP packet by its payload type: audio of a codec goes
//! to the statistics and the jitter buffer; RFC 4733 telephone events become
//! [`crate::Event::Dtmf`] and are never played out; RFC 3389 comfort noise is played out as
//! a frame that marks silence; anything the map does not know is counted
//! ([`crate::Counters::unknown_payload_type`]) and dropped before it touches any state.

use rtp_packet::{ClockRate, PayloadType};

use crate::error::Result;

/// What a payload type carries, which decides its route through the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadKind {
    /// Media of a codec: statistics and the jitter buffer, played out as frames.
    Audio,
    /// RFC 4733 telephone events (`telephone-event`): reported as [`crate::Event::Dtmf`],
    /// counted in the statistics, never in the jitter buffer's playout.
    TelephoneEvent,
    /// RFC 3389 comfort noise (`CN`): played out as a frame of its own payload type,
    /// where the application plays noise until the next frame (silence, not loss).
    ComfortNoise,
    /// Video of a codec (`VP8`, `VP9`, `H264`, `H265`, `AV1`): statistics and the jitter
    /// buffer like audio; in a session that also carries audio
    /// ([`crate::Config::bundled_video`]) its sources get a video jitter buffer at the
    /// format's clock rate, and only they are NACKed and asked for keyframes.
    Video,
}

impl PayloadKind {
    /// The route of an encoding name (compared case-insensitively, as SDP does):
    /// `telephone-event`, `CN`, the video codecs of [`PayloadKind::Video`], anything else
    /// is audio.
    pub fn of_encoding(encoding: &str) -> PayloadKind {
        const VIDEO: [&str; 5] = ["VP8", "VP9", "H264", "H265", "AV1"];
        if encoding.eq_ignore_ascii_case("telephone-event") {
            PayloadKind::TelephoneEvent
        } else if encoding.eq_ignore_ascii_case("CN") {
            PayloadKind::ComfortNoise
        } else if VIDEO.iter().any(|v| encoding.eq_ignore_ascii_case(v)) {
            PayloadKind::Video
        } else {
            PayloadKind::Audio
        }
    }
}

/// One payload type's binding: `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]` and its
/// `a=fmtp` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadFormat {
    /// The payload type.
    pub payload_type: PayloadType,
    /// The route, from the encoding name.
    pub kind: PayloadKind,
    /// The encoding name as SDP wrote it (`PCMU`, `opus`, `telephone-event`, `CN`...).
    pub encoding: String,
    /// The RTP clock rate.
    pub clock_rate: ClockRate,
    /// The channel count, when given.
    pub channels: Option<u8>,
    /// The `a=fmtp` parameters, when given (for telephone-event, the events list such as
    /// `0-15`, RFC 4733 §2.4.1).
    pub fmtp: Option<String>,
}

impl PayloadFormat {
    /// `payload_type` bound to `encoding` at `clock_rate`, routed by its encoding name
    /// ([`PayloadKind::of_encoding`]), no channel count and no fmtp.
    pub fn new(payload_type: PayloadType, encoding: &str, clock_rate: ClockRate) -> Self {
        Self {
            payload_type,
            kind: PayloadKind::of_encoding(encoding),
            encoding: encoding.to_owned(),
            clock_rate,
            channels: None,
            fmtp: None,
        }
    }

    /// The RFC 3551 §6 static binding of `payload_type`, if it has one (PCMU, PCMA, G722,
    /// CN at 13...).
    pub fn from_static(payload_type: PayloadType) -> Option<Self> {
        let row = payload_type.static_payload()?;
        let mut format = Self::new(
            payload_type,
            row.encoding,
            ClockRate::new(row.clock_rate).ok()?,
        );
        format.channels = row.channels;
        Some(format)
    }
}

/// The payload types a session knows, at most one binding per type (0–127).
///
/// The session's own [`crate::Config::payload_type`] and [`crate::Config::clock_rate`] are
/// its main audio codec whether or not the map lists them. With an **empty** map the
/// session routes as it always did: every payload type is audio, except the static comfort
/// noise type 13, which RFC 3551 assigns and which is always comfort noise. Once the map
/// has an entry, a payload type that is neither in it nor the session's own is unknown:
/// counted and dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayloadMap {
    /// Sorted by payload type, one entry per type.
    formats: Vec<PayloadFormat>,
}

impl PayloadMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `format.payload_type` to `format`, returning the binding it replaces.
    pub fn insert(&mut self, format: PayloadFormat) -> Option<PayloadFormat> {
        let pt = format.payload_type;
        match self.formats.binary_search_by_key(&pt, |f| f.payload_type) {
            Ok(i) => self
                .formats
                .get_mut(i)
                .map(|slot| std::mem::replace(slot, format)),
            Err(i) => {
                self.formats.insert(i, format);
                None
            }
        }
    }

    /// Binds `payload_type` to `encoding` at `clock_rate` ([`PayloadFormat::new`]), for
    /// building a map by hand: `map.with(pt, "telephone-event", rate)`.
    pub fn with(
        mut self,
        payload_type: PayloadType,
        encoding: &str,
        clock_rate: ClockRate,
    ) -> Self {
        self.insert(PayloadFormat::new(payload_type, encoding, clock_rate));
        self
    }

    /// The binding of `payload_type`.
    pub fn get(&self, payload_type: PayloadType) -> Option<&PayloadFormat> {
        self.formats
            .binary_search_by_key(&payload_type, |f| f.payload_type)
            .ok()
            .and_then(|i| self.formats.get(i))
    }

    /// Every binding, by payload type.
    pub fn iter(&self) -> impl Iterator<Item = &PayloadFormat> {
        self.formats.iter()
    }

    /// True when nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.formats.is_empty()
    }

    /// The first payload type of `kind` at `clock_rate`.
    pub fn find(&self, kind: PayloadKind, clock_rate: ClockRate) -> Option<PayloadType> {
        self.formats
            .iter()
            .find(|f| f.kind == kind && f.clock_rate == clock_rate)
            .map(|f| f.payload_type)
    }

    /// The payload types bound in the `index`th media section of `sdp`: each format of its
    /// `m=` line with its `a=rtpmap` and `a=fmtp`, or, for a static payload type without
    /// an `a=rtpmap`, its RFC 3551 binding. Formats that are not payload types (above 127),
    /// have no binding, or bind a clock rate of zero are left out (a packet of theirs is
    /// then unknown and dropped). The SDP is read by the `sdp-types` crate; one it cannot
    /// read is [`crate::Error::SdpSyntax`], a missing section
    /// [`crate::Error::InactiveMedia`].
    pub fn from_sdp(sdp: &str, index: usize) -> Result<Self> {
        crate::sdp::with_media_section(sdp, index, |media| {
            let rtpmaps: Vec<sdp_types::RtpMap> = media
                .attributes_typed::<sdp_types::RtpMap>()
                .filter_map(std::result::Result::ok)
                .collect();
            let fmtps: Vec<(u8, String)> = media
                .get_attribute_values("fmtp")
                .flatten()
                .filter_map(|v| {
                    let (pt, params) = v.trim().split_once(' ')?;
                    Some((pt.parse().ok()?, params.trim().to_owned()))
                })
                .collect();
            let mut map = PayloadMap::new();
            for pt in media
                .fmt
                .split_whitespace()
                .filter_map(|f| f.parse::<u8>().ok())
            {
                let Ok(payload_type) = PayloadType::new(pt) else {
                    continue;
                };
                if map.get(payload_type).is_some() {
                    continue;
                }
                // The first a=rtpmap of a type is the one its format list was written with.
                let bound = match rtpmaps.iter().find(|r| r.payload_type == pt) {
                    Some(r) => ClockRate::new(r.clock_rate).ok().map(|rate| {
                        let mut f = PayloadFormat::new(payload_type, &r.encoding_name, rate);
                        f.channels = r.encoding_params.as_deref().and_then(|c| c.parse().ok());
                        f
                    }),
                    None => PayloadFormat::from_static(payload_type),
                };
                let Some(mut format) = bound else {
                    continue;
                };
                format.fmtp = fmtps
                    .iter()
                    .find(|(p, _)| *p == pt)
                    .map(|(_, params)| params.clone())
                    .filter(|p| !p.is_empty());
                map.insert(format);
            }
            Ok(map)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const SDP: &str = "v=0\r\n\
o=- 1 1 IN IP4 192.0.2.1\r\n\
s=-\r\n\
c=IN IP4 192.0.2.1\r\n\
t=0 0\r\n\
m=audio 5004 RTP/AVP 0 8 101 13 105 96\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=rtpmap:105 CN/16000\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=rtpmap:96 L16/8000\r\n\
a=fmtp:96 useinbandfec=1\r\n\
m=video 0 RTP/AVP 31\r\n";

    fn pt(n: u8) -> PayloadType {
        PayloadType::new(n).unwrap()
    }

    #[test]
    fn rtpmap_fmtp_and_the_static_table_make_the_map() {
        let map = PayloadMap::from_sdp(SDP, 0).unwrap();
        let kinds: Vec<(u8, PayloadKind, &str, u32)> = map
            .iter()
            .map(|f| {
                (
                    f.payload_type.value(),
                    f.kind,
                    f.encoding.as_str(),
                    f.clock_rate.hz(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (0, PayloadKind::Audio, "PCMU", 8000),
                (8, PayloadKind::Audio, "PCMA", 8000),
                (13, PayloadKind::ComfortNoise, "CN", 8000),
                (96, PayloadKind::Audio, "opus", 48_000),
                (101, PayloadKind::TelephoneEvent, "telephone-event", 8000),
                (105, PayloadKind::ComfortNoise, "CN", 16_000),
            ]
        );
        assert_eq!(map.get(pt(101)).unwrap().fmtp.as_deref(), Some("0-16"));
        assert_eq!(map.get(pt(96)).unwrap().channels, Some(2));
        assert_eq!(
            map.get(pt(96)).unwrap().fmtp.as_deref(),
            Some("useinbandfec=1")
        );
        assert_eq!(map.get(pt(0)).unwrap().channels, Some(1));
        assert_eq!(
            map.find(PayloadKind::TelephoneEvent, ClockRate::NARROWBAND),
            Some(pt(101))
        );
        assert_eq!(map.find(PayloadKind::TelephoneEvent, ClockRate::OPUS), None);
        assert_eq!(
            map.find(PayloadKind::ComfortNoise, ClockRate::WIDEBAND),
            Some(pt(105))
        );
        assert_eq!(
            PayloadMap::from_sdp(SDP, 1)
                .unwrap()
                .get(pt(31))
                .unwrap()
                .encoding,
            "H261"
        );
    }

    #[test]
    fn missing_sections_and_unreadable_sdp_are_errors() {
        assert!(matches!(
            PayloadMap::from_sdp(SDP, 2),
            Err(Error::InactiveMedia { index: 2 })
        ));
        assert!(matches!(
            PayloadMap::from_sdp("not sdp", 0),
            Err(Error::SdpSyntax(_))
        ));
    }

    #[test]
    fn unbound_dynamic_types_are_left_out_and_insert_replaces() {
        let sdp = SDP.replace("a=rtpmap:105 CN/16000\r\n", "");
        let mut map = PayloadMap::from_sdp(&sdp, 0).unwrap();
        assert!(map.get(pt(105)).is_none());
        let old = map.insert(PayloadFormat::new(
            pt(101),
            "telephone-event",
            ClockRate::OPUS,
        ));
        assert_eq!(old.map(|f| f.clock_rate), Some(ClockRate::NARROWBAND));
        assert_eq!(map.get(pt(101)).unwrap().clock_rate, ClockRate::OPUS);
        let built = PayloadMap::new().with(pt(110), "TELEPHONE-EVENT", ClockRate::OPUS);
        assert_eq!(
            built.get(pt(110)).unwrap().kind,
            PayloadKind::TelephoneEvent
        );
    }
}
