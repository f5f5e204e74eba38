//! The H.264 media type parameters of `a=fmtp` (RFC 6184 §8.1): `profile-level-id`,
//! `packetization-mode`, `level-asymmetry-allowed` and `sprop-parameter-sets`.

use core::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::packetizer::PacketizationMode;
use crate::payload::PayloadError;

/// Standard base64 (RFC 4648 §4), written with padding, read with or without it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `profile-level-id` (RFC 6184 §8.1): the three octets `profile_idc`, `profile-iop` (the
/// constraint_set0..5 flags and two reserved bits) and `level_idc` of the sequence
/// parameter set, written as six hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileLevelId {
    /// `profile_idc`: 66 Baseline, 77 Main, 88 Extended, 100 High and so on.
    pub profile_idc: u8,
    /// `profile-iop`: constraint_set0_flag in the top bit down to constraint_set5_flag.
    pub profile_iop: u8,
    /// `level_idc`: ten times the level (31 is level 3.1).
    pub level_idc: u8,
}

/// The profile a [`ProfileLevelId`] names (ITU-T H.264 Annex A; RFC 6184 Table 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum H264Profile {
    /// Constrained Baseline: Baseline with constraint_set1 (what WebRTC sends as 42e0..).
    ConstrainedBaseline,
    /// Baseline.
    Baseline,
    /// Main.
    Main,
    /// Extended.
    Extended,
    /// Constrained High: High with constraint_set4 and constraint_set5.
    ConstrainedHigh,
    /// High.
    High,
    /// High 10.
    High10,
    /// High 4:2:2.
    High422,
    /// High 4:4:4 Predictive.
    High444,
}

/// `(profile_idc, iop mask, iop value, profile)`, the first match wins: the constrained
/// profiles are subsets recognised by constraint flags, so they come first.
const PROFILES: [(u8, u8, u8, H264Profile); 12] = [
    // Constrained Baseline: Baseline, Main or Extended conforming to constraint_set1
    // (Baseline's constraints, x1xx0000), constraint_set0 on Main (1xxx0000), or set0
    // and set1 on Extended (11xx0000).
    (0x42, 0x4F, 0x40, H264Profile::ConstrainedBaseline),
    (0x4D, 0x8F, 0x80, H264Profile::ConstrainedBaseline),
    (0x58, 0xCF, 0xC0, H264Profile::ConstrainedBaseline),
    (0x42, 0x4F, 0x00, H264Profile::Baseline),
    (0x58, 0xCF, 0x80, H264Profile::Baseline),
    (0x4D, 0xAF, 0x00, H264Profile::Main),
    (0x58, 0xCF, 0x00, H264Profile::Extended),
    (0x64, 0xFF, 0x0C, H264Profile::ConstrainedHigh),
    (0x64, 0xFF, 0x00, H264Profile::High),
    (0x6E, 0xFF, 0x00, H264Profile::High10),
    (0x7A, 0xFF, 0x00, H264Profile::High422),
    (0xF4, 0xFF, 0x00, H264Profile::High444),
];

impl ProfileLevelId {
    /// Reads six hexadecimal digits.
    pub fn parse(value: &str) -> Result<Self, PayloadError> {
        let bad = PayloadError::H264FmtpValue {
            parameter: "profile-level-id",
        };
        if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad);
        }
        let octet = |i: usize| {
            value
                .get(i..i + 2)
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or(bad)
        };
        Ok(Self {
            profile_idc: octet(0)?,
            profile_iop: octet(2)?,
            level_idc: octet(4)?,
        })
    }

    /// The profile these octets name, if it is one of [`H264Profile`]'s.
    pub fn profile(&self) -> Option<H264Profile> {
        PROFILES
            .iter()
            .find(|&&(idc, mask, value, _)| {
                idc == self.profile_idc && self.profile_iop & mask == value
            })
            .map(|&(.., profile)| profile)
    }

    /// Whether the level is 1b: `level_idc` 11 with constraint_set3 for Baseline, Main
    /// and Extended, or `level_idc` 9 (ITU-T H.264 §A.3.1, §A.3.3).
    pub fn is_level_1b(&self) -> bool {
        let set3 = self.profile_iop & 0x10 != 0;
        self.level_idc == 9
            || (self.level_idc == 11 && set3 && matches!(self.profile_idc, 0x42 | 0x4D | 0x58))
    }
}

impl fmt::Display for ProfileLevelId {
    /// Six lower-case hexadecimal digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{:02x}",
            self.profile_idc, self.profile_iop, self.level_idc
        )
    }
}

/// The H.264 parameters of an `a=fmtp` value (RFC 6184 §8.1), read and written.
///
/// Parameters this type does not model are kept, in order, in `other`, and written back
/// after the known ones. Parameter names are matched without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct H264Fmtp {
    /// `profile-level-id`; RFC 6184 takes an absent one as 420010 (Baseline, level 1).
    pub profile_level_id: Option<ProfileLevelId>,
    /// `packetization-mode`; absent means mode 0. Mode 2 is refused when read.
    pub packetization_mode: PacketizationMode,
    /// `level-asymmetry-allowed=1`.
    pub level_asymmetry_allowed: bool,
    /// `sprop-parameter-sets`: the parameter set NAL units, decoded from base64.
    pub sprop_parameter_sets: Vec<Vec<u8>>,
    /// Other parameters, as `(name, value)`.
    pub other: Vec<(String, String)>,
}

impl H264Fmtp {
    /// Reads the parameters of an `a=fmtp:<pt> ` line, after the payload type:
    /// `name=value` pairs separated by `;` (spaces around them ignored).
    pub fn parse(value: &str) -> Result<Self, PayloadError> {
        let mut fmtp = Self::default();
        for pair in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("profile-level-id") {
                fmtp.profile_level_id = Some(ProfileLevelId::parse(value)?);
            } else if name.eq_ignore_ascii_case("packetization-mode") {
                fmtp.packetization_mode = match value {
                    "0" => PacketizationMode::SingleNalUnit,
                    "1" => PacketizationMode::NonInterleaved,
                    _ => {
                        return Err(PayloadError::H264FmtpValue {
                            parameter: "packetization-mode",
                        });
                    }
                };
            } else if name.eq_ignore_ascii_case("level-asymmetry-allowed") {
                fmtp.level_asymmetry_allowed = match value {
                    "0" => false,
                    "1" => true,
                    _ => {
                        return Err(PayloadError::H264FmtpValue {
                            parameter: "level-asymmetry-allowed",
                        });
                    }
                };
            } else if name.eq_ignore_ascii_case("sprop-parameter-sets") {
                fmtp.sprop_parameter_sets = value
                    .split(',')
                    .map(|set| match BASE64.decode(set.trim()) {
                        Ok(nal) if !nal.is_empty() => Ok(nal),
                        _ => Err(PayloadError::H264FmtpValue {
                            parameter: "sprop-parameter-sets",
                        }),
                    })
                    .collect::<Result<_, _>>()?;
            } else {
                fmtp.other.push((name.to_string(), value.to_string()));
            }
        }
        Ok(fmtp)
    }
}

impl fmt::Display for H264Fmtp {
    /// `profile-level-id`, `level-asymmetry-allowed` and `packetization-mode` when set
    /// (mode 0 is the default and left out), `sprop-parameter-sets`, then the others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        let mut pair = |f: &mut fmt::Formatter<'_>, name: &str, value: &dyn fmt::Display| {
            let result = write!(f, "{separator}{name}={value}");
            separator = ";";
            result
        };
        if let Some(id) = self.profile_level_id {
            pair(f, "profile-level-id", &id)?;
        }
        if self.level_asymmetry_allowed {
            pair(f, "level-asymmetry-allowed", &1)?;
        }
        if self.packetization_mode != PacketizationMode::SingleNalUnit {
            pair(f, "packetization-mode", &self.packetization_mode.number())?;
        }
        if !self.sprop_parameter_sets.is_empty() {
            let sets: Vec<String> = self
                .sprop_parameter_sets
                .iter()
                .map(|nal| BASE64.encode(nal))
                .collect();
            pair(f, "sprop-parameter-sets", &sets.join(","))?;
        }
        for (name, value) in &self.other {
            pair(f, name, value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_a_webrtc_fmtp_line() {
        let line = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";
        let fmtp = H264Fmtp::parse(line).unwrap();
        let id = ProfileLevelId {
            profile_idc: 0x42,
            profile_iop: 0xE0,
            level_idc: 31,
        };
        assert_eq!(fmtp.profile_level_id, Some(id));
        assert_eq!(id.profile(), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(fmtp.packetization_mode, PacketizationMode::NonInterleaved);
        assert!(fmtp.level_asymmetry_allowed);
        assert_eq!(
            fmtp.to_string(),
            "profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1"
        );
        assert_eq!(H264Fmtp::parse(&fmtp.to_string()), Ok(fmtp));
    }

    #[test]
    fn reads_sprop_parameter_sets_and_keeps_other_parameters() {
        // RFC 6184 §8.2.1's example: an SPS and a PPS.
        let line =
            "profile-level-id=42A01E; sprop-parameter-sets=Z0IACpZTBYmI,aMljiA==; max-fs=3600";
        let fmtp = H264Fmtp::parse(line).unwrap();
        assert_eq!(
            fmtp.sprop_parameter_sets,
            [
                vec![0x67, 0x42, 0x00, 0x0A, 0x96, 0x53, 0x05, 0x89, 0x88],
                vec![0x68, 0xC9, 0x63, 0x88]
            ]
        );
        assert_eq!(fmtp.packetization_mode, PacketizationMode::SingleNalUnit);
        assert_eq!(fmtp.other, [("max-fs".to_string(), "3600".to_string())]);
        assert_eq!(
            fmtp.to_string(),
            "profile-level-id=42a01e;sprop-parameter-sets=Z0IACpZTBYmI,aMljiA==;max-fs=3600"
        );
    }

    #[test]
    fn names_profiles_and_level_1b() {
        let named = |hex: &str| ProfileLevelId::parse(hex).unwrap().profile();
        assert_eq!(named("42e01f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(named("42001f"), Some(H264Profile::Baseline));
        assert_eq!(named("4d001f"), Some(H264Profile::Main));
        assert_eq!(named("4d801f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(named("58001f"), Some(H264Profile::Extended));
        assert_eq!(named("58c01f"), Some(H264Profile::ConstrainedBaseline));
        assert_eq!(named("64001f"), Some(H264Profile::High));
        assert_eq!(named("640c1f"), Some(H264Profile::ConstrainedHigh));
        assert_eq!(named("f4001f"), Some(H264Profile::High444));
        assert_eq!(named("42e11f"), None, "a reserved bit set");
        assert_eq!(named("2a001f"), None);
        assert!(ProfileLevelId::parse("42f00b").unwrap().is_level_1b());
        assert!(!ProfileLevelId::parse("42e00b").unwrap().is_level_1b());
        assert!(ProfileLevelId::parse("640009").unwrap().is_level_1b());
    }

    #[test]
    fn refuses_bad_values() {
        let bad = |parameter| Err(PayloadError::H264FmtpValue { parameter });
        assert_eq!(
            H264Fmtp::parse("profile-level-id=42e0"),
            bad("profile-level-id")
        );
        assert_eq!(
            H264Fmtp::parse("profile-level-id=42e01g"),
            bad("profile-level-id")
        );
        assert_eq!(
            H264Fmtp::parse("profile-level-id=+42e01"),
            bad("profile-level-id")
        );
        assert_eq!(
            H264Fmtp::parse("packetization-mode=2"),
            bad("packetization-mode")
        );
        assert_eq!(
            H264Fmtp::parse("level-asymmetry-allowed=yes"),
            bad("level-asymmetry-allowed")
        );
        assert_eq!(
            H264Fmtp::parse("sprop-parameter-sets=Z0IA,"),
            bad("sprop-parameter-sets")
        );
        assert_eq!(
            H264Fmtp::parse("sprop-parameter-sets=!!!!"),
            bad("sprop-parameter-sets")
        );
    }
}
