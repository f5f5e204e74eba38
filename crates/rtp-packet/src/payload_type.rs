//! Payload types: the 7-bit PT field and the RFC 3551 static assignments.

use crate::error::Error;
use core::fmt;

/// An RTP payload type, 0–127 (RFC 3550 §5.1). Carries the RFC 3551 §6 static table and the
/// dynamic range 96–127.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(u8);

/// Whether a static payload type carries audio, video or both (RFC 3551 §6, Tables 4 and 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// Audio encodings (Table 4).
    Audio,
    /// Video encodings (Table 5).
    Video,
    /// Both (MP2T, Table 5).
    AudioVideo,
}

/// One row of the RFC 3551 §6 static payload-type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StaticPayload {
    /// The encoding name as registered (and as used in SDP `a=rtpmap`).
    pub encoding: &'static str,
    /// Audio, video or both.
    pub media: MediaKind,
    /// The RTP clock rate in Hz. For G722 it is 8000 although the codec samples at 16 kHz
    /// (RFC 3551 §4.5.2).
    pub clock_rate: u32,
    /// The number of audio channels, when the table fixes it.
    pub channels: Option<u8>,
}

const fn audio(encoding: &'static str, clock_rate: u32, channels: u8) -> Option<StaticPayload> {
    Some(StaticPayload {
        encoding,
        media: MediaKind::Audio,
        clock_rate,
        channels: Some(channels),
    })
}

const fn video(encoding: &'static str, media: MediaKind) -> Option<StaticPayload> {
    Some(StaticPayload {
        encoding,
        media,
        clock_rate: 90_000,
        channels: None,
    })
}

/// RFC 3551 §6 Tables 4 and 5, indexed by payload type 0–34; everything above is unassigned,
/// reserved (72–76) or dynamic (96–127).
const STATIC: [Option<StaticPayload>; 35] = [
    audio("PCMU", 8000, 1),
    None, // reserved
    None, // reserved (formerly G721)
    audio("GSM", 8000, 1),
    audio("G723", 8000, 1),
    audio("DVI4", 8000, 1),
    audio("DVI4", 16_000, 1),
    audio("LPC", 8000, 1),
    audio("PCMA", 8000, 1),
    audio("G722", 8000, 1),
    audio("L16", 44_100, 2),
    audio("L16", 44_100, 1),
    audio("QCELP", 8000, 1),
    audio("CN", 8000, 1),
    // MPA: the channel count is carried in the payload, not fixed by the table.
    Some(StaticPayload {
        encoding: "MPA",
        media: MediaKind::Audio,
        clock_rate: 90_000,
        channels: None,
    }),
    audio("G728", 8000, 1),
    audio("DVI4", 11_025, 1),
    audio("DVI4", 22_050, 1),
    audio("G729", 8000, 1),
    None, // reserved
    None, // 20-24 unassigned audio
    None,
    None,
    None,
    None,
    video("CelB", MediaKind::Video),
    video("JPEG", MediaKind::Video),
    None, // unassigned
    video("nv", MediaKind::Video),
    None, // 29-30 unassigned
    None,
    video("H261", MediaKind::Video),
    video("MPV", MediaKind::Video),
    video("MP2T", MediaKind::AudioVideo),
    video("H263", MediaKind::Video),
];

impl PayloadType {
    /// The first dynamic payload type (RFC 3551 §6).
    pub const DYNAMIC_MIN: u8 = 96;
    /// The last dynamic payload type (RFC 3551 §6).
    pub const DYNAMIC_MAX: u8 = 127;
    /// PCMU, G.711 μ-law (RFC 3551 §4.5.14).
    pub const PCMU: Self = Self(0);
    /// PCMA, G.711 A-law (RFC 3551 §4.5.14).
    pub const PCMA: Self = Self(8);
    /// G722 (RFC 3551 §4.5.2).
    pub const G722: Self = Self(9);
    /// Comfort noise (RFC 3389, RFC 3551 Table 4).
    pub const CN: Self = Self(13);

    /// A payload type, failing with [`Error::InvalidPayloadType`] above 127.
    #[inline]
    pub const fn new(value: u8) -> Result<Self, Error> {
        if value > 127 {
            Err(Error::InvalidPayloadType { value })
        } else {
            Ok(Self(value))
        }
    }

    /// The payload type held in the low seven bits of `byte` (the second header octet).
    #[inline]
    pub(crate) const fn from_low_bits(byte: u8) -> Self {
        Self(byte & 0x7f)
    }

    /// The numeric value, 0–127.
    #[inline]
    pub const fn value(self) -> u8 {
        self.0
    }

    /// True for 96–127, which SDP binds to an encoding (RFC 3551 §6).
    #[inline]
    pub const fn is_dynamic(self) -> bool {
        self.0 >= Self::DYNAMIC_MIN
    }

    /// True for 72–76, which RFC 3551 §6 (and RFC 5761 §4) reserve so that RTP and RTCP
    /// can share a port: with the marker bit set they look like RTCP packet types 200–204.
    #[inline]
    pub const fn conflicts_with_rtcp(self) -> bool {
        self.0 >= 72 && self.0 <= 76
    }

    /// The RFC 3551 §6 static assignment, if this payload type has one.
    #[inline]
    pub fn static_payload(self) -> Option<StaticPayload> {
        STATIC.get(usize::from(self.0)).copied().flatten()
    }

    /// The RFC 3551 static payload type with this encoding, clock rate and channel count
    /// (encoding compared case-insensitively, as SDP does).
    pub fn from_static(encoding: &str, clock_rate: u32, channels: Option<u8>) -> Option<Self> {
        (0u8..).zip(STATIC.iter()).find_map(|(pt, row)| {
            let row = row.as_ref()?;
            let channels_match =
                row.channels == channels || (channels.is_none() && row.channels == Some(1));
            (row.encoding.eq_ignore_ascii_case(encoding)
                && row.clock_rate == clock_rate
                && channels_match)
                .then_some(Self(pt))
        })
    }
}

impl TryFrom<u8> for PayloadType {
    type Error = Error;

    fn try_from(value: u8) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<PayloadType> for u8 {
    fn from(pt: PayloadType) -> u8 {
        pt.0
    }
}

impl fmt::Debug for PayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.static_payload() {
            Some(s) => write!(f, "PayloadType({} {}/{})", self.0, s.encoding, s.clock_rate),
            None => write!(f, "PayloadType({})", self.0),
        }
    }
}

impl fmt::Display for PayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
