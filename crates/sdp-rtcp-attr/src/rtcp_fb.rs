//! `a=rtcp-fb` (RFC 4585 §4.2, with the RFC 5104 §7.1 `ccm` values): which RTCP feedback
//! a payload type (or every one, `*`) accepts.
//!
//! ```text
//! rtcp-fb-syntax = "a=rtcp-fb:" rtcp-fb-pt SP rtcp-fb-val CRLF
//! rtcp-fb-pt     = "*" / fmt
//! rtcp-fb-val    = "ack" rtcp-fb-ack-param / "nack" rtcp-fb-nack-param
//!                / "trr-int" SP 1*DIGIT / rtcp-fb-id rtcp-fb-param
//! rtcp-fb-id     = 1*(alpha-numeric / "-" / "_")
//! rtcp-fb-param  = SP "app" [SP byte-string] / SP token [SP byte-string] / ; empty
//! ```
//!
//! **Typed where the stack acts, kept as text where it does not.** The values a session
//! uses (`nack`, `nack pli`, `ccm fir`, `goog-remb`, `transport-cc`, `trr-int`) are
//! variants of [`FeedbackValue`]; every other well-formed value is kept as its id and
//! parameter text ([`FeedbackValue::Other`]), so that a line always writes back byte for
//! byte. Keywords are matched as browsers and RFC examples write them (lower case): a
//! value spelled otherwise is still accepted, as `Other`, and simply not acted on.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The payload type an `a=rtcp-fb` line applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedbackPayloadType {
    /// `*`: every payload type of the media section (RFC 4585 §4.2).
    Any,
    /// One RTP payload type, 0 to 127.
    Type(u8),
}

impl FeedbackPayloadType {
    /// True when the line applies to `payload_type`.
    pub fn covers(self, payload_type: u8) -> bool {
        match self {
            FeedbackPayloadType::Any => true,
            FeedbackPayloadType::Type(pt) => pt == payload_type,
        }
    }
}

/// What feedback the line announces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FeedbackValue {
    /// `nack`: generic NACK (RFC 4585 §6.2.1).
    Nack,
    /// `nack pli`: Picture Loss Indication (RFC 4585 §6.3.1).
    NackPli,
    /// `ccm fir`: Full Intra Request (RFC 5104 §4.3.1).
    CcmFir,
    /// `goog-remb`: receiver estimated maximum bitrate.
    GoogRemb,
    /// `transport-cc`: transport-wide congestion control feedback.
    TransportCc,
    /// `trr-int <ms>`: the minimum interval between regular RTCP reports, in
    /// milliseconds (RFC 4585 §3.6.2, §4.2).
    TrrInt(u32),
    /// Any other value: `id` (`ack`, `nack`, `ccm`, `app`, ...) and the parameter text after
    /// it, if any (`sli`, `rpsi`, `tmmbr`, ...), as written.
    Other {
        /// The rtcp-fb-id.
        id: String,
        /// The parameters after the id and one space, as written.
        param: Option<String>,
    },
}

/// One `a=rtcp-fb` attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RtcpFb {
    /// The payload type it applies to.
    pub payload_type: FeedbackPayloadType,
    /// The feedback.
    pub value: FeedbackValue,
}

/// The most characters an `a=rtcp-fb` value may have; longer lines are refused
/// ([`Error::RtcpFbTooLong`]) before they are copied.
pub const MAX_RTCP_FB_LEN: usize = 256;

impl RtcpFb {
    /// The attribute line prefix.
    pub const PREFIX: &'static str = "a=rtcp-fb:";

    /// `value` for every payload type (`*`).
    pub fn any(value: FeedbackValue) -> Self {
        Self {
            payload_type: FeedbackPayloadType::Any,
            value,
        }
    }

    /// `value` for payload type `payload_type`.
    pub fn for_type(payload_type: u8, value: FeedbackValue) -> Self {
        Self {
            payload_type: FeedbackPayloadType::Type(payload_type),
            value,
        }
    }

    /// Parses a whole line, `a=rtcp-fb:<pt> <value>` (no line ending).
    pub fn parse(line: &str) -> Result<Self, Error> {
        let value = line.strip_prefix(Self::PREFIX).ok_or(Error::NotAttribute {
            expected: Self::PREFIX,
        })?;
        Self::parse_value(value)
    }

    /// Parses the attribute value, after `a=rtcp-fb:` (as an SDP library hands it).
    pub fn parse_value(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_RTCP_FB_LEN {
            return Err(Error::RtcpFbTooLong {
                max: MAX_RTCP_FB_LEN,
            });
        }
        if let Some(offset) = text.bytes().position(|b| b.is_ascii_control()) {
            return Err(Error::ControlCharacter {
                offset,
                byte: text.as_bytes()[offset],
            });
        }
        let (pt, rest) = text.split_once(' ').ok_or(Error::RtcpFbMissingValue)?;
        let payload_type = if pt == "*" {
            FeedbackPayloadType::Any
        } else {
            FeedbackPayloadType::Type(parse_payload_type(pt)?)
        };
        let (id, param) = match rest.split_once(' ') {
            Some((id, param)) => (id, Some(param)),
            None => (rest, None),
        };
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::RtcpFbBadId);
        }
        if let Some(param) = param
            && (param.is_empty() || param.starts_with(' ') || param.ends_with(' '))
        {
            return Err(Error::RtcpFbBadParameter);
        }
        let value = match (id, param) {
            ("nack", None) => FeedbackValue::Nack,
            ("nack", Some("pli")) => FeedbackValue::NackPli,
            ("ccm", Some("fir")) => FeedbackValue::CcmFir,
            ("goog-remb", None) => FeedbackValue::GoogRemb,
            ("transport-cc", None) => FeedbackValue::TransportCc,
            ("trr-int", Some(ms)) => FeedbackValue::TrrInt(parse_trr_int(ms)?),
            ("trr-int", None) => return Err(Error::RtcpFbBadTrrInt),
            (id, param) => FeedbackValue::Other {
                id: id.to_owned(),
                param: param.map(str::to_owned),
            },
        };
        Ok(Self {
            payload_type,
            value,
        })
    }

    /// True when this line announces `value` for `payload_type` (directly or with `*`).
    pub fn announces(&self, payload_type: u8, value: &FeedbackValue) -> bool {
        self.payload_type.covers(payload_type) && &self.value == value
    }
}

fn parse_payload_type(text: &str) -> Result<u8, Error> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::RtcpFbBadPayloadType);
    }
    // No leading zeros: the type writes back as it came.
    if text.len() > 1 && text.starts_with('0') {
        return Err(Error::RtcpFbBadPayloadType);
    }
    match text.parse::<u8>() {
        Ok(pt) if pt <= 127 => Ok(pt),
        _ => Err(Error::RtcpFbBadPayloadType),
    }
}

fn parse_trr_int(text: &str) -> Result<u32, Error> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return Err(Error::RtcpFbBadTrrInt);
    }
    text.parse().map_err(|_| Error::RtcpFbBadTrrInt)
}

impl fmt::Display for FeedbackPayloadType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedbackPayloadType::Any => f.write_str("*"),
            FeedbackPayloadType::Type(pt) => write!(f, "{pt}"),
        }
    }
}

impl fmt::Display for FeedbackValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedbackValue::Nack => f.write_str("nack"),
            FeedbackValue::NackPli => f.write_str("nack pli"),
            FeedbackValue::CcmFir => f.write_str("ccm fir"),
            FeedbackValue::GoogRemb => f.write_str("goog-remb"),
            FeedbackValue::TransportCc => f.write_str("transport-cc"),
            FeedbackValue::TrrInt(ms) => write!(f, "trr-int {ms}"),
            FeedbackValue::Other { id, param: None } => f.write_str(id),
            FeedbackValue::Other {
                id,
                param: Some(param),
            } => write!(f, "{id} {param}"),
        }
    }
}

impl fmt::Display for RtcpFb {
    /// The whole line, `a=rtcp-fb:<pt> <value>`, without a line ending.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} {}", Self::PREFIX, self.payload_type, self.value)
    }
}

impl FromStr for RtcpFb {
    type Err = Error;

    /// As [`RtcpFb::parse`].
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// What a media section's `a=rtcp-fb` lines allow for one payload type: the feedback a
/// session acts on. Build it with [`FeedbackSet::for_payload_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedbackSet {
    /// `nack`.
    pub nack: bool,
    /// `nack pli`.
    pub pli: bool,
    /// `ccm fir`.
    pub fir: bool,
    /// `goog-remb`.
    pub remb: bool,
    /// `transport-cc`.
    pub transport_cc: bool,
    /// `trr-int`, in milliseconds: the payload type's own line if any, else the `*` one.
    pub trr_int: Option<u32>,
}

impl FeedbackSet {
    /// The feedback `lines` allow for `payload_type` (lines for `*` count for every type).
    pub fn for_payload_type<'a>(lines: impl IntoIterator<Item = &'a RtcpFb>, pt: u8) -> Self {
        let mut set = Self::default();
        let mut trr_any = None;
        for line in lines {
            if !line.payload_type.covers(pt) {
                continue;
            }
            match line.value {
                FeedbackValue::Nack => set.nack = true,
                FeedbackValue::NackPli => set.pli = true,
                FeedbackValue::CcmFir => set.fir = true,
                FeedbackValue::GoogRemb => set.remb = true,
                FeedbackValue::TransportCc => set.transport_cc = true,
                FeedbackValue::TrrInt(ms) if line.payload_type == FeedbackPayloadType::Any => {
                    trr_any = Some(ms);
                }
                FeedbackValue::TrrInt(ms) => set.trr_int = Some(ms),
                FeedbackValue::Other { .. } => {}
            }
        }
        set.trr_int = set.trr_int.or(trr_any);
        set
    }

    /// True when anything at all is negotiated (the AVPF profile's feedback is in use).
    pub fn any(&self) -> bool {
        self.nack || self.pli || self.fir || self.remb || self.transport_cc
    }

    /// The `a=rtcp-fb` lines announcing this set for `payload_type`, in a fixed order.
    pub fn lines(&self, payload_type: FeedbackPayloadType) -> Vec<RtcpFb> {
        let mut out = Vec::new();
        let mut push = |on: bool, value: FeedbackValue| {
            if on {
                out.push(RtcpFb {
                    payload_type,
                    value,
                });
            }
        };
        push(self.remb, FeedbackValue::GoogRemb);
        push(self.transport_cc, FeedbackValue::TransportCc);
        push(self.fir, FeedbackValue::CcmFir);
        push(self.nack, FeedbackValue::Nack);
        push(self.pli, FeedbackValue::NackPli);
        if let Some(ms) = self.trr_int {
            push(true, FeedbackValue::TrrInt(ms));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_lines_parse_typed_and_write_back() {
        let cases = [
            ("a=rtcp-fb:96 goog-remb", FeedbackValue::GoogRemb),
            ("a=rtcp-fb:96 transport-cc", FeedbackValue::TransportCc),
            ("a=rtcp-fb:96 ccm fir", FeedbackValue::CcmFir),
            ("a=rtcp-fb:96 nack", FeedbackValue::Nack),
            ("a=rtcp-fb:96 nack pli", FeedbackValue::NackPli),
        ];
        for (line, value) in cases {
            let fb = RtcpFb::parse(line).unwrap();
            assert_eq!(fb, RtcpFb::for_type(96, value));
            assert_eq!(fb.to_string(), line);
        }
    }

    #[test]
    fn rfc_4585_examples() {
        // RFC 4585 §4.2/§4.3 examples: wildcard, trr-int, app and ack values.
        let fb = RtcpFb::parse("a=rtcp-fb:* trr-int 100").unwrap();
        assert_eq!(fb, RtcpFb::any(FeedbackValue::TrrInt(100)));
        let fb = RtcpFb::parse("a=rtcp-fb:98 nack rpsi").unwrap();
        assert_eq!(
            fb.value,
            FeedbackValue::Other {
                id: "nack".into(),
                param: Some("rpsi".into())
            }
        );
        assert_eq!(fb.to_string(), "a=rtcp-fb:98 nack rpsi");
        let fb = RtcpFb::parse("a=rtcp-fb:* ack app foo bar").unwrap();
        assert_eq!(fb.to_string(), "a=rtcp-fb:* ack app foo bar");
        let fb = RtcpFb::parse("a=rtcp-fb:31 ccm tmmbr smaxpr=120").unwrap();
        assert_eq!(fb.payload_type, FeedbackPayloadType::Type(31));
    }

    #[test]
    fn malformed_lines_are_typed_errors() {
        let cases = [
            (
                "a=rtcp:5000",
                Error::NotAttribute {
                    expected: "a=rtcp-fb:",
                },
            ),
            ("a=rtcp-fb:96", Error::RtcpFbMissingValue),
            ("a=rtcp-fb:128 nack", Error::RtcpFbBadPayloadType),
            ("a=rtcp-fb:096 nack", Error::RtcpFbBadPayloadType),
            ("a=rtcp-fb:x nack", Error::RtcpFbBadPayloadType),
            ("a=rtcp-fb: nack", Error::RtcpFbBadPayloadType),
            ("a=rtcp-fb:96 ", Error::RtcpFbBadId),
            ("a=rtcp-fb:96 na/ck", Error::RtcpFbBadId),
            ("a=rtcp-fb:96 nack ", Error::RtcpFbBadParameter),
            ("a=rtcp-fb:96 nack  pli", Error::RtcpFbBadParameter),
            ("a=rtcp-fb:* trr-int", Error::RtcpFbBadTrrInt),
            ("a=rtcp-fb:* trr-int 99999999999", Error::RtcpFbBadTrrInt),
            ("a=rtcp-fb:* trr-int 010", Error::RtcpFbBadTrrInt),
            ("a=rtcp-fb:* trr-int -1", Error::RtcpFbBadTrrInt),
            (
                "a=rtcp-fb:96 nack\tpli",
                Error::ControlCharacter {
                    offset: 7,
                    byte: b'\t',
                },
            ),
        ];
        for (line, error) in cases {
            assert_eq!(RtcpFb::parse(line), Err(error), "{line}");
        }
        let long = format!("a=rtcp-fb:96 x {}", "y".repeat(300));
        assert_eq!(
            RtcpFb::parse(&long),
            Err(Error::RtcpFbTooLong {
                max: MAX_RTCP_FB_LEN
            })
        );
    }

    #[test]
    fn upper_case_keywords_are_kept_but_not_acted_on() {
        let fb = RtcpFb::parse("a=rtcp-fb:96 NACK").unwrap();
        assert!(matches!(fb.value, FeedbackValue::Other { .. }));
        assert_eq!(fb.to_string(), "a=rtcp-fb:96 NACK");
    }

    #[test]
    fn set_for_a_payload_type_merges_wildcard_lines() {
        let lines: Vec<RtcpFb> = [
            "a=rtcp-fb:* nack",
            "a=rtcp-fb:96 nack pli",
            "a=rtcp-fb:97 ccm fir",
            "a=rtcp-fb:* trr-int 50",
            "a=rtcp-fb:96 trr-int 200",
        ]
        .iter()
        .map(|l| RtcpFb::parse(l).unwrap())
        .collect();
        let set = FeedbackSet::for_payload_type(&lines, 96);
        assert_eq!(
            set,
            FeedbackSet {
                nack: true,
                pli: true,
                trr_int: Some(200),
                ..FeedbackSet::default()
            }
        );
        let set = FeedbackSet::for_payload_type(&lines, 97);
        assert!(set.nack && set.fir && !set.pli);
        assert_eq!(set.trr_int, Some(50));
        let written: Vec<String> = set
            .lines(FeedbackPayloadType::Type(97))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            written,
            [
                "a=rtcp-fb:97 ccm fir",
                "a=rtcp-fb:97 nack",
                "a=rtcp-fb:97 trr-int 50"
            ]
        );
    }
}
