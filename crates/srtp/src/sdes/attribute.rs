//! One `a=crypto` attribute (RFC 4568 §4, §6, §9): its parts, its grammar both ways, and
//! the SRTP context it describes.

use super::{Result, SdesError, bounded};
use crate::config::Config;
use crate::context::Context;
use crate::key::{MasterKey, SRTP_MAX_LIFETIME};
use crate::profile::ProtectionProfile;
use crate::replay::MAX_REPLAY_WINDOW;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rand_core::CryptoRng;
use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Standard base64 (RFC 4648 §4), written with padding; read with or without it (some
/// peers leave it off), never with stray bits after the last byte.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The longest key-salt of any suite: a 256-bit key and a 112-bit salt.
const MAX_KEY_SALT: usize = 32 + 14;

/// An SRTP crypto suite named in `a=crypto` (RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.1).
/// Every suite is read and written; [`CryptoSuite::profile`] says which ones the SRTP
/// contexts of this crate run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CryptoSuite {
    /// `AES_CM_128_HMAC_SHA1_80` (RFC 4568 §6.2.1).
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32` (RFC 4568 §6.2.2).
    AesCm128HmacSha1_32,
    /// `F8_128_HMAC_SHA1_80` (RFC 4568 §6.2.3): AES in f8 mode, not implemented here.
    F8_128HmacSha1_80,
    /// `AES_192_CM_HMAC_SHA1_80` (RFC 6188 §6): not implemented here.
    Aes192CmHmacSha1_80,
    /// `AES_192_CM_HMAC_SHA1_32` (RFC 6188 §6): not implemented here.
    Aes192CmHmacSha1_32,
    /// `AES_256_CM_HMAC_SHA1_80` (RFC 6188 §6).
    Aes256CmHmacSha1_80,
    /// `AES_256_CM_HMAC_SHA1_32` (RFC 6188 §6).
    Aes256CmHmacSha1_32,
    /// `AEAD_AES_128_GCM` (RFC 7714 §14.1).
    AeadAes128Gcm,
    /// `AEAD_AES_256_GCM` (RFC 7714 §14.1).
    AeadAes256Gcm,
}

impl CryptoSuite {
    /// Every suite this module reads and writes.
    pub const ALL: [CryptoSuite; 9] = [
        Self::AesCm128HmacSha1_80,
        Self::AesCm128HmacSha1_32,
        Self::F8_128HmacSha1_80,
        Self::Aes192CmHmacSha1_80,
        Self::Aes192CmHmacSha1_32,
        Self::Aes256CmHmacSha1_80,
        Self::Aes256CmHmacSha1_32,
        Self::AeadAes128Gcm,
        Self::AeadAes256Gcm,
    ];

    /// Name, master key length, master salt length, and the profile that runs it.
    #[rustfmt::skip]
    fn row(self) -> (&'static str, usize, usize, Option<ProtectionProfile>) {
        use ProtectionProfile as P;
        match self {
            Self::AesCm128HmacSha1_80 => ("AES_CM_128_HMAC_SHA1_80", 16, 14, Some(P::AesCm128HmacSha1_80)),
            Self::AesCm128HmacSha1_32 => ("AES_CM_128_HMAC_SHA1_32", 16, 14, Some(P::AesCm128HmacSha1_32)),
            Self::F8_128HmacSha1_80 =>   ("F8_128_HMAC_SHA1_80",     16, 14, None),
            Self::Aes192CmHmacSha1_80 => ("AES_192_CM_HMAC_SHA1_80", 24, 14, None),
            Self::Aes192CmHmacSha1_32 => ("AES_192_CM_HMAC_SHA1_32", 24, 14, None),
            Self::Aes256CmHmacSha1_80 => ("AES_256_CM_HMAC_SHA1_80", 32, 14, Some(P::AesCm256HmacSha1_80)),
            Self::Aes256CmHmacSha1_32 => ("AES_256_CM_HMAC_SHA1_32", 32, 14, Some(P::AesCm256HmacSha1_32)),
            Self::AeadAes128Gcm =>       ("AEAD_AES_128_GCM",        16, 12, Some(P::AeadAes128Gcm)),
            Self::AeadAes256Gcm =>       ("AEAD_AES_256_GCM",        32, 12, Some(P::AeadAes256Gcm)),
        }
    }

    /// The name as `a=crypto` writes it.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The suite of a name. The names are ABNF literals (RFC 4568 §9.2), so case does not
    /// matter.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Master key length in bytes.
    pub fn key_len(self) -> usize {
        self.row().1
    }

    /// Master salt length in bytes: 14 for counter mode and f8, 12 for GCM.
    pub fn salt_len(self) -> usize {
        self.row().2
    }

    /// The length of the decoded `inline:` key-salt: key and salt together.
    pub fn key_salt_len(self) -> usize {
        self.key_len() + self.salt_len()
    }

    /// The SRTP profile that runs this suite, or [`SdesError::UnsupportedSuite`] for the
    /// ones this crate does not implement (F8, AES-192).
    pub fn profile(self) -> Result<ProtectionProfile> {
        self.row().3.ok_or(SdesError::UnsupportedSuite(self))
    }

    /// The suite of a profile; `None` for the NULL profile, which has no SDES name.
    pub fn from_profile(profile: ProtectionProfile) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.row().3 == Some(profile))
    }
}

impl fmt::Display for CryptoSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CryptoSuite {
    type Err = SdesError;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s).ok_or_else(|| SdesError::UnknownSuite(bounded(s)))
    }
}

/// A master key lifetime (RFC 4568 §6.1): the most SRTP (and SRTCP) packets the key may
/// protect, written `2^n` or as a decimal count. From 1 to 2^48 packets (RFC 3711 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifetime {
    /// `2^n` packets, `n` from 0 to 48.
    PowerOfTwo(u8),
    /// A decimal count of packets, from 1 to 2^48.
    Packets(u64),
}

impl Lifetime {
    /// The number of packets.
    pub fn packets(self) -> u64 {
        match self {
            Self::PowerOfTwo(n) => 1u64.checked_shl(u32::from(n)).unwrap_or(u64::MAX),
            Self::Packets(n) => n,
        }
    }

    fn validate(self) -> Result<Self> {
        let ok = match self {
            Self::PowerOfTwo(n) => n <= 48,
            Self::Packets(n) => (1..=SRTP_MAX_LIFETIME).contains(&n),
        };
        ok.then_some(self).ok_or(SdesError::BadLifetime)
    }

    fn parse(text: &str) -> Result<Self> {
        let lifetime = match text.strip_prefix("2^") {
            Some(exponent) => decimal(exponent)
                .and_then(|n| u8::try_from(n).ok())
                .map(Self::PowerOfTwo),
            None => decimal(text).map(Self::Packets),
        };
        lifetime.ok_or(SdesError::BadLifetime)?.validate()
    }
}

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PowerOfTwo(n) => write!(f, "2^{n}"),
            Self::Packets(n) => write!(f, "{n}"),
        }
    }
}

/// A master key identifier as SDES writes it, `value:length` (RFC 4568 §6.1): a decimal
/// value carried in `length` bytes (1 to 128, [`crate::MAX_MKI_LEN`]), big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mki {
    value: u64,
    length: u8,
}

impl Mki {
    /// An MKI of `value` in `length` bytes; [`SdesError::BadMki`] unless `length` is 1 to
    /// 128 and `value` fits in it.
    pub fn new(value: u64, length: usize) -> Result<Self> {
        let length = u8::try_from(length)
            .ok()
            .filter(|l| (1..=128).contains(l))
            .ok_or(SdesError::BadMki("the length must be 1 to 128 bytes"))?;
        if length < 8 && value >> (8 * u32::from(length)) != 0 {
            return Err(SdesError::BadMki("the value does not fit in its length"));
        }
        Ok(Self { value, length })
    }

    /// The value.
    pub fn value(self) -> u64 {
        self.value
    }

    /// The length in bytes.
    pub fn length(self) -> usize {
        usize::from(self.length)
    }

    /// The MKI as it travels in each packet: `length` bytes, the value big-endian.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut bytes = vec![0u8; self.length()];
        let value = self.value.to_be_bytes();
        let n = value.len().min(bytes.len());
        let at = bytes.len() - n;
        bytes[at..].copy_from_slice(&value[value.len() - n..]);
        bytes
    }

    fn parse(text: &str) -> Result<Self> {
        let (value, length) = text
            .split_once(':')
            .ok_or(SdesError::BadMki("not value:length"))?;
        let length = Some(length)
            .filter(|l| l.len() <= 3)
            .and_then(decimal)
            .ok_or(SdesError::BadMki("the length must be 1 to 128 bytes"))?;
        let value = decimal(value).ok_or(SdesError::BadMki(
            "the value must be a decimal number below 2^64",
        ))?;
        Self::new(value, usize::try_from(length).unwrap_or(usize::MAX))
    }
}

impl fmt::Display for Mki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.value, self.length)
    }
}

/// One `inline:` key of an `a=crypto` line (RFC 4568 §6.1): master key and salt, with an
/// optional lifetime and MKI. The bytes are zeroized on drop, compared in constant time,
/// and never printed: `Debug` and `Display` show `<redacted>`.
#[derive(Clone)]
pub struct InlineKey {
    key_salt: Zeroizing<Vec<u8>>,
    lifetime: Option<Lifetime>,
    mki: Option<Mki>,
}

impl InlineKey {
    /// A key of `suite` from its master key and salt concatenated, which must be
    /// [`CryptoSuite::key_salt_len`] bytes.
    pub fn new(suite: CryptoSuite, key_salt: &[u8]) -> Result<Self> {
        check_len(suite, key_salt.len())?;
        let mut bytes = Zeroizing::new(Vec::with_capacity(key_salt.len()));
        bytes.extend_from_slice(key_salt);
        Ok(Self {
            key_salt: bytes,
            lifetime: None,
            mki: None,
        })
    }

    /// A fresh random key of `suite` from a CSPRNG (RFC 4568 §6.1, RFC 3711 §8.1: the
    /// master key and salt are random), with no lifetime or MKI.
    pub fn generate(suite: CryptoSuite, rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; suite.key_salt_len()]);
        rng.fill_bytes(&mut bytes);
        Self {
            key_salt: bytes,
            lifetime: None,
            mki: None,
        }
    }

    /// Sets the lifetime; [`SdesError::BadLifetime`] outside 1 to 2^48 packets.
    pub fn with_lifetime(mut self, lifetime: Lifetime) -> Result<Self> {
        self.lifetime = Some(lifetime.validate()?);
        Ok(self)
    }

    /// Sets the MKI.
    pub fn with_mki(mut self, mki: Mki) -> Self {
        self.mki = Some(mki);
        self
    }

    /// The lifetime, if the line gave one (otherwise the key lives for the RFC 3711 §9.2
    /// maximum).
    pub fn lifetime(&self) -> Option<Lifetime> {
        self.lifetime
    }

    /// The MKI, if the line gave one.
    pub fn mki(&self) -> Option<Mki> {
        self.mki
    }

    /// The secret master key and salt, concatenated: for handing to another SRTP
    /// implementation (GStreamer's `srtpenc` takes its `key` property in this form). Keep
    /// the bytes out of logs.
    pub fn expose_key_salt(&self) -> &[u8] {
        &self.key_salt
    }

    /// The [`MasterKey`] of this key for `profile`, with its lifetime and MKI.
    pub fn master_key(&self, profile: ProtectionProfile) -> Result<MasterKey> {
        let mut master = MasterKey::from_key_salt(profile, &self.key_salt)?;
        if let Some(lifetime) = self.lifetime {
            master = master.with_lifetime(lifetime.packets());
        }
        if let Some(mki) = self.mki {
            master = master.with_mki(&mki.to_bytes())?;
        }
        Ok(master)
    }

    /// Reads `key-salt ["|" lifetime] ["|" mki]` (RFC 4568 §6.1, §9.2).
    fn parse(suite: CryptoSuite, info: &str) -> Result<Self> {
        let mut parts = info.split('|');
        let encoded = parts.next().unwrap_or_default();
        let (lifetime, mki) = match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => (None, None),
            (Some(one), None, _) if one.contains(':') => (None, Some(Mki::parse(one)?)),
            (Some(one), None, _) => (Some(Lifetime::parse(one)?), None),
            (Some(lifetime), Some(mki), None) => {
                (Some(Lifetime::parse(lifetime)?), Some(Mki::parse(mki)?))
            }
            (Some(_), Some(_), Some(_)) => {
                return Err(SdesError::Syntax("more than key|lifetime|MKI in a key"));
            }
        };
        // Decoded into a buffer with room for all of it, so that nothing reallocates and
        // leaves an unwiped copy behind.
        let mut key_salt = Zeroizing::new(Vec::with_capacity(encoded.len()));
        BASE64
            .decode_vec(encoded, &mut key_salt)
            .map_err(|_| SdesError::BadBase64)?;
        check_len(suite, key_salt.len())?;
        Ok(Self {
            key_salt,
            lifetime,
            mki,
        })
    }

    /// Writes `inline:key-salt[|lifetime][|mki]`, the key as `<redacted>` when `redact`.
    fn write(&self, w: &mut impl fmt::Write, redact: bool) -> fmt::Result {
        w.write_str("inline:")?;
        if redact {
            w.write_str("<redacted>")?;
        } else {
            let mut text = Zeroizing::new([0u8; MAX_KEY_SALT.div_ceil(3) * 4]);
            let n = BASE64
                .encode_slice(&*self.key_salt, &mut *text)
                .map_err(|_| fmt::Error)?;
            w.write_str(std::str::from_utf8(&text[..n]).map_err(|_| fmt::Error)?)?;
        }
        if let Some(lifetime) = self.lifetime {
            write!(w, "|{lifetime}")?;
        }
        if let Some(mki) = self.mki {
            write!(w, "|{mki}")?;
        }
        Ok(())
    }
}

/// The key bytes in constant time, lifetime and MKI as plain values.
impl PartialEq for InlineKey {
    fn eq(&self, other: &Self) -> bool {
        let bytes: bool = self.key_salt.as_slice().ct_eq(&other.key_salt).into();
        bytes & (self.lifetime == other.lifetime) & (self.mki == other.mki)
    }
}

impl Eq for InlineKey {}

impl fmt::Debug for InlineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlineKey")
            .field(
                "key_salt",
                &format_args!("<{} bytes redacted>", self.key_salt.len()),
            )
            .field("lifetime", &self.lifetime)
            .field("mki", &self.mki)
            .finish()
    }
}

impl fmt::Display for InlineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

/// `FEC_ORDER` (RFC 4568 §6.3.5): whether FEC is applied before or after SRTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FecOrder {
    /// `FEC_SRTP`: FEC first, then SRTP (the default).
    FecSrtp,
    /// `SRTP_FEC`: SRTP first, then FEC.
    SrtpFec,
}

impl FecOrder {
    fn name(self) -> &'static str {
        match self {
            Self::FecSrtp => "FEC_SRTP",
            Self::SrtpFec => "SRTP_FEC",
        }
    }
}

/// The session parameters of an `a=crypto` line (RFC 4568 §6.3). Start from
/// [`SessionParams::default`] (none given) and set fields; [`CryptoAttribute::with_params`]
/// checks the values.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionParams {
    /// `KDR=n`: the key derivation rate is 2^n packets, `n` from 0 to 24 (RFC 4568
    /// §6.3.1). `None`: session keys are derived once.
    pub kdr: Option<u8>,
    /// `UNENCRYPTED_SRTP`: SRTP payloads are not encrypted.
    pub unencrypted_srtp: bool,
    /// `UNENCRYPTED_SRTCP`: SRTCP payloads are not encrypted (the E flag is 0).
    pub unencrypted_srtcp: bool,
    /// `UNAUTHENTICATED_SRTP`: SRTP packets carry no authentication tag.
    pub unauthenticated_srtp: bool,
    /// `FEC_ORDER`: the order of FEC and SRTP.
    pub fec_order: Option<FecOrder>,
    /// `FEC_KEY`: separate keys for the FEC stream, empty when not given.
    pub fec_key: Vec<InlineKey>,
    /// `WSH=n`: the replay window size the sender suggests, at least 64 packets.
    pub wsh: Option<u32>,
    /// Parameters marked optional with a leading `-` (RFC 4568 §6.3), kept as written;
    /// their meaning is not known here, and RFC 4568 allows them to be ignored.
    pub optional: Vec<String>,
}

impl SessionParams {
    /// Reads the parameters after the key parameters, one per whitespace-separated field.
    fn parse<'a>(suite: CryptoSuite, fields: impl Iterator<Item = &'a str>) -> Result<Self> {
        let mut p = Self::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for field in fields {
            if field.starts_with('-') {
                if field.len() < 2 {
                    return Err(SdesError::Syntax("an optional session parameter is empty"));
                }
                p.optional.push(field.to_owned());
                continue;
            }
            let (name, value) = match field.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (field, None),
            };
            let known = [
                "KDR",
                "UNENCRYPTED_SRTP",
                "UNENCRYPTED_SRTCP",
                "UNAUTHENTICATED_SRTP",
                "FEC_ORDER",
                "FEC_KEY",
                "WSH",
            ];
            // Only the name: a misspelt FEC_KEY would otherwise put its key in the error.
            let Some(name) = known.into_iter().find(|k| k.eq_ignore_ascii_case(name)) else {
                return Err(SdesError::UnknownSessionParam(bounded(name)));
            };
            if seen.contains(&name) {
                return Err(SdesError::DuplicateSessionParam(name));
            }
            seen.push(name);
            let bad = SdesError::BadSessionParam(name);
            match (name, value) {
                ("UNENCRYPTED_SRTP", None) => p.unencrypted_srtp = true,
                ("UNENCRYPTED_SRTCP", None) => p.unencrypted_srtcp = true,
                ("UNAUTHENTICATED_SRTP", None) => p.unauthenticated_srtp = true,
                ("KDR", Some(v)) if (1..=2).contains(&v.len()) => {
                    p.kdr = Some(
                        decimal(v)
                            .and_then(|n| u8::try_from(n).ok())
                            .filter(|&n| n <= 24)
                            .ok_or(bad)?,
                    );
                }
                ("WSH", Some(v)) if v.len() >= 2 => {
                    p.wsh = Some(
                        decimal(v)
                            .and_then(|n| u32::try_from(n).ok())
                            .filter(|&n| n >= 64)
                            .ok_or(bad)?,
                    );
                }
                ("FEC_ORDER", Some(v)) => {
                    p.fec_order = Some(
                        [FecOrder::FecSrtp, FecOrder::SrtpFec]
                            .into_iter()
                            .find(|o| o.name().eq_ignore_ascii_case(v))
                            .ok_or(bad)?,
                    );
                }
                ("FEC_KEY", Some(v)) => p.fec_key = parse_key_params(suite, v)?,
                _ => return Err(bad),
            }
        }
        Ok(p)
    }

    /// Checks values set by hand against the grammar, as [`Self::parse`] would.
    fn validate(&self, suite: CryptoSuite) -> Result<()> {
        if self.kdr.is_some_and(|n| n > 24) {
            return Err(SdesError::BadSessionParam("KDR"));
        }
        if self.wsh.is_some_and(|n| n < 64) {
            return Err(SdesError::BadSessionParam("WSH"));
        }
        for key in &self.fec_key {
            check_len(suite, key.key_salt.len())?;
        }
        check_mkis(&self.fec_key)?;
        for p in &self.optional {
            let visible = p.bytes().all(|b| (0x21..=0x7e).contains(&b));
            if !p.starts_with('-') || p.len() < 2 || !visible {
                return Err(SdesError::Syntax(
                    "an optional session parameter is `-` and visible characters",
                ));
            }
        }
        Ok(())
    }

    /// Writes each parameter after a space, in the order of RFC 4568 §9.2's grammar.
    fn write(&self, w: &mut impl fmt::Write, redact: bool) -> fmt::Result {
        if let Some(n) = self.kdr {
            write!(w, " KDR={n}")?;
        }
        let flags = [
            (self.unencrypted_srtp, "UNENCRYPTED_SRTP"),
            (self.unencrypted_srtcp, "UNENCRYPTED_SRTCP"),
            (self.unauthenticated_srtp, "UNAUTHENTICATED_SRTP"),
        ];
        for (_, name) in flags.iter().filter(|(set, _)| *set) {
            write!(w, " {name}")?;
        }
        if let Some(order) = self.fec_order {
            write!(w, " FEC_ORDER={}", order.name())?;
        }
        if !self.fec_key.is_empty() {
            w.write_str(" FEC_KEY=")?;
            write_keys(&self.fec_key, w, redact)?;
        }
        if let Some(n) = self.wsh {
            write!(w, " WSH={n}")?;
        }
        for p in &self.optional {
            if redact {
                write!(w, " {}", redacted_optional(p))?;
            } else {
                write!(w, " {p}")?;
            }
        }
        Ok(())
    }

    /// An upper bound of the written length, so that the written line never reallocates.
    fn written_len_bound(&self) -> usize {
        128 + self.fec_key.len() * KEY_LEN_BOUND
            + self.optional.iter().map(|p| p.len() + 1).sum::<usize>()
    }
}

/// An optional parameter as `Debug` and `Display` show it: its meaning is unknown, so only
/// its name (`-` and the letters, digits and `_` after it) is shown, and whatever follows
/// is redacted as if it were a key.
fn redacted_optional(param: &str) -> String {
    // Byte offsets of ASCII characters, so every slice below falls on a char boundary.
    let name_len = param.starts_with('-') as usize
        + param
            .bytes()
            .skip(param.starts_with('-') as usize)
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
    let (name, rest) = param.split_at(name_len);
    match rest {
        "" => param.to_owned(),
        _ if rest.starts_with('=') => format!("{name}=<redacted>"),
        _ => format!("{name}<redacted>"),
    }
}

/// Every field, the FEC keys redacted as [`InlineKey`] does, and the optional parameters
/// as their names (their meaning is unknown, so their values are treated as secret).
impl fmt::Debug for SessionParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let optional: Vec<String> = self.optional.iter().map(|p| redacted_optional(p)).collect();
        f.debug_struct("SessionParams")
            .field("kdr", &self.kdr)
            .field("unencrypted_srtp", &self.unencrypted_srtp)
            .field("unencrypted_srtcp", &self.unencrypted_srtcp)
            .field("unauthenticated_srtp", &self.unauthenticated_srtp)
            .field("fec_order", &self.fec_order)
            .field("fec_key", &self.fec_key)
            .field("wsh", &self.wsh)
            .field("optional", &optional)
            .finish()
    }
}

/// The most one written key takes: `inline:`, 64 base64 characters, `|2^48` or a 15-digit
/// count, `|` and a 20-digit value, `:128`, `;`.
const KEY_LEN_BOUND: usize = 7 + 64 + 16 + 1 + 20 + 4 + 1;

/// One `a=crypto` attribute (RFC 4568 §4, §6): a tag, a crypto suite, one or more keys and
/// the session parameters.
///
/// Read with [`CryptoAttribute::parse`], written with [`CryptoAttribute::to_line`] (a
/// zeroizing string: it holds the keys). `Debug` and `Display` show everything but the
/// keys.
///
/// ```
/// use srtp::sdes::{CryptoAttribute, CryptoSuite};
/// use srtp::Config;
///
/// let line = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
/// let attr = CryptoAttribute::parse(line)?;
/// assert_eq!((attr.tag(), attr.suite()), (1, CryptoSuite::AesCm128HmacSha1_80));
/// assert_eq!(attr.to_line().as_str(), line);
/// assert_eq!(attr.to_string(), "1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4");
/// // The context that unprotects what this line's owner sends (a capture, say).
/// let context = attr.context(&Config::default())?;
/// assert_eq!(context.profile().name(), "AES_CM_128_HMAC_SHA1_80");
/// # Ok::<(), srtp::sdes::SdesError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    tag: u32,
    suite: CryptoSuite,
    keys: Vec<InlineKey>,
    params: SessionParams,
}

impl CryptoAttribute {
    /// The highest tag: nine decimal digits (RFC 4568 §9.1).
    pub const MAX_TAG: u32 = 999_999_999;

    /// A line with one key and no session parameters. Fails with [`SdesError::BadTag`]
    /// above [`Self::MAX_TAG`] and [`SdesError::KeyLength`] for a key of another suite.
    pub fn new(tag: u32, suite: CryptoSuite, key: InlineKey) -> Result<Self> {
        if tag > Self::MAX_TAG {
            return Err(SdesError::BadTag);
        }
        check_len(suite, key.key_salt.len())?;
        Ok(Self {
            tag,
            suite,
            keys: vec![key],
            params: SessionParams::default(),
        })
    }

    /// A line with one fresh random key ([`InlineKey::generate`]).
    pub fn generate(
        tag: u32,
        suite: CryptoSuite,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self> {
        Self::new(tag, suite, InlineKey::generate(suite, rng))
    }

    /// Adds a key. With several keys, each needs an MKI, all of one length and distinct
    /// values ([`SdesError::BadMki`]), so that a receiver can tell them apart.
    pub fn with_key(mut self, key: InlineKey) -> Result<Self> {
        check_len(self.suite, key.key_salt.len())?;
        self.keys.push(key);
        check_mkis(&self.keys)?;
        Ok(self)
    }

    /// Replaces the session parameters, after checking them against the grammar.
    pub fn with_params(mut self, params: SessionParams) -> Result<Self> {
        params.validate(self.suite)?;
        self.params = params;
        Ok(self)
    }

    /// Reads an attribute line, `a=crypto:<value>` or `crypto:<value>` (see
    /// [`Self::parse_value`]); a trailing CRLF or LF is allowed.
    pub fn parse(line: &str) -> Result<Self> {
        Self::parse_value(attribute_value(line)?)
    }

    /// Reads the value of an attribute, `tag crypto-suite key-params *session-param`
    /// (RFC 4568 §9.1, §9.2), fields separated by spaces or tabs.
    pub fn parse_value(value: &str) -> Result<Self> {
        let mut fields = fields(value)?;
        let tag = parse_tag(fields.next().ok_or(SdesError::Empty)?)?;
        let suite_name = fields.next().ok_or(SdesError::Syntax("no crypto suite"))?;
        if !suite_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(SdesError::Syntax(
                "the crypto suite is not letters, digits and _",
            ));
        }
        let suite: CryptoSuite = suite_name.parse()?;
        let keys = parse_key_params(
            suite,
            fields
                .next()
                .ok_or(SdesError::Syntax("no key parameters"))?,
        )?;
        let params = SessionParams::parse(suite, fields)?;
        Ok(Self {
            tag,
            suite,
            keys,
            params,
        })
    }

    /// The tag: what an answer names to accept this line (RFC 4568 §4.1).
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The crypto suite.
    pub fn suite(&self) -> CryptoSuite {
        self.suite
    }

    /// The keys, at least one, in the order written.
    pub fn keys(&self) -> &[InlineKey] {
        &self.keys
    }

    /// The session parameters.
    pub fn params(&self) -> &SessionParams {
        &self.params
    }

    /// The attribute value, `tag crypto-suite inline:... params`, with the keys in base64.
    /// A zeroizing string: it holds the keys.
    pub fn to_value(&self) -> Zeroizing<String> {
        let bound = 32 + self.keys.len() * KEY_LEN_BOUND + self.params.written_len_bound();
        let mut text = Zeroizing::new(String::with_capacity(bound));
        // Writing into a String cannot fail.
        let _ = self.write(&mut *text, false);
        text
    }

    /// The whole SDP line, `a=crypto:` and [`Self::to_value`], without the line end.
    pub fn to_line(&self) -> Zeroizing<String> {
        let value = self.to_value();
        let mut line = Zeroizing::new(String::with_capacity(value.len() + 9));
        line.push_str("a=crypto:");
        line.push_str(&value);
        line
    }

    /// The SRTP profile that runs this line: its suite's ([`CryptoSuite::profile`]),
    /// changed or refused by the session parameters as the module documentation lists.
    pub fn profile(&self) -> Result<ProtectionProfile> {
        let profile = self.suite.profile()?;
        let p = &self.params;
        if p.unauthenticated_srtp {
            return Err(SdesError::UnsupportedSessionParam("UNAUTHENTICATED_SRTP"));
        }
        if !p.fec_key.is_empty() {
            return Err(SdesError::UnsupportedSessionParam("FEC_KEY"));
        }
        if !p.unencrypted_srtp {
            return Ok(profile);
        }
        // AES_CM_128_HMAC_SHA1_80 without encryption of either protocol is exactly the NULL
        // profile: the same AES-128 key derivation, HMAC-SHA1 key and 80-bit tags.
        if profile == ProtectionProfile::AesCm128HmacSha1_80 && p.unencrypted_srtcp {
            Ok(ProtectionProfile::NullHmacSha1_80)
        } else {
            Err(SdesError::UnsupportedSessionParam("UNENCRYPTED_SRTP"))
        }
    }

    /// `base` with this line's session parameters applied: the key derivation rate (`KDR`,
    /// none means 0), SRTCP encryption (`UNENCRYPTED_SRTCP`) and a replay window of at
    /// least `WSH` packets (capped at [`crate::MAX_REPLAY_WINDOW`]; it is a hint).
    pub fn config(&self, base: &Config) -> Config {
        let mut config = base.clone();
        config.key_derivation_rate = self.params.kdr.map_or(0, |n| 1 << n);
        config.encrypt_rtcp = !self.params.unencrypted_srtcp;
        if let Some(wsh) = self.params.wsh {
            let wsh = usize::try_from(wsh).unwrap_or(MAX_REPLAY_WINDOW);
            config.replay_window = config.replay_window.max(wsh.min(MAX_REPLAY_WINDOW));
        }
        config
    }

    /// The master keys of the line for [`Self::profile`], in order, each with its
    /// lifetime and MKI.
    pub fn master_keys(&self) -> Result<Vec<MasterKey>> {
        let profile = self.profile()?;
        self.keys.iter().map(|k| k.master_key(profile)).collect()
    }

    /// The SRTP context this line keys: it protects what the line's owner sends, or
    /// unprotects it on the other side. Every key is in it, selected by MKI, and the first
    /// protects; `base` supplies what the line does not say (see [`Self::config`]).
    pub fn context(&self, base: &Config) -> Result<Context> {
        Ok(Context::with_keys(
            self.profile()?,
            self.master_keys()?,
            self.config(base),
        )?)
    }

    fn write(&self, w: &mut impl fmt::Write, redact: bool) -> fmt::Result {
        write!(w, "{} {} ", self.tag, self.suite)?;
        write_keys(&self.keys, w, redact)?;
        self.params.write(w, redact)
    }
}

/// The attribute value with every key shown as `<redacted>`.
impl fmt::Display for CryptoAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

impl std::str::FromStr for CryptoAttribute {
    type Err = SdesError;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// The tag of an attribute line, when that much of it reads: for finding repeated tags
/// among lines that fail to parse later on.
pub(super) fn peek_tag(line: &str) -> Option<u32> {
    parse_tag(fields(attribute_value(line).ok()?).ok()?.next()?).ok()
}

/// The value of `a=crypto:<value>` or `crypto:<value>`, without a trailing CRLF or LF.
fn attribute_value(line: &str) -> Result<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.trim_matches([' ', '\t']).is_empty() {
        return Err(SdesError::Empty);
    }
    line.strip_prefix("a=")
        .unwrap_or(line)
        .strip_prefix("crypto:")
        .ok_or(SdesError::Syntax("not an a=crypto attribute"))
}

/// The whitespace-separated fields of a value of visible ASCII characters.
fn fields(value: &str) -> Result<impl Iterator<Item = &str>> {
    if !value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b))
    {
        return Err(SdesError::Syntax("a character that is not visible ASCII"));
    }
    let mut fields = value
        .split([' ', '\t'])
        .filter(|f| !f.is_empty())
        .peekable();
    if fields.peek().is_none() {
        return Err(SdesError::Empty);
    }
    Ok(fields)
}

fn parse_tag(text: &str) -> Result<u32> {
    Some(text)
        .filter(|t| t.len() <= 9)
        .and_then(decimal)
        .and_then(|t| u32::try_from(t).ok())
        .ok_or(SdesError::BadTag)
}

/// Reads `key-param *(";" key-param)` (RFC 4568 §9.1).
fn parse_key_params(suite: CryptoSuite, text: &str) -> Result<Vec<InlineKey>> {
    let mut keys = Vec::new();
    for param in text.split(';') {
        let (method, info) = param
            .split_once(':')
            .ok_or(SdesError::Syntax("a key parameter is not method:info"))?;
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(SdesError::Syntax(
                "a key method is not letters, digits and _",
            ));
        }
        if !method.eq_ignore_ascii_case("inline") {
            return Err(SdesError::UnknownKeyMethod);
        }
        keys.push(InlineKey::parse(suite, info)?);
    }
    check_mkis(&keys)?;
    Ok(keys)
}

fn write_keys(keys: &[InlineKey], w: &mut impl fmt::Write, redact: bool) -> fmt::Result {
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            w.write_char(';')?;
        }
        key.write(w, redact)?;
    }
    Ok(())
}

/// Several keys are told apart by MKI: each has one, all of one length, no two alike.
fn check_mkis(keys: &[InlineKey]) -> Result<()> {
    if keys.len() < 2 {
        return Ok(());
    }
    let mkis: Vec<Mki> = keys
        .iter()
        .map(|k| k.mki)
        .collect::<Option<_>>()
        .ok_or(SdesError::BadMki("several keys need an MKI each"))?;
    if mkis.iter().any(|m| m.length != mkis[0].length) {
        return Err(SdesError::BadMki(
            "the MKIs of several keys differ in length",
        ));
    }
    for (i, m) in mkis.iter().enumerate() {
        if mkis[..i].iter().any(|o| o.value == m.value) {
            return Err(SdesError::BadMki("two keys have the same MKI"));
        }
    }
    Ok(())
}

fn check_len(suite: CryptoSuite, got: usize) -> Result<()> {
    let expected = suite.key_salt_len();
    if got != expected {
        return Err(SdesError::KeyLength {
            suite,
            expected,
            got,
        });
    }
    Ok(())
}

/// A non-empty run of decimal digits (leading zeros allowed) that fits a `u64`.
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
