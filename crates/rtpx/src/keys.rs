//! SRTP keys and where they come from: `--key` specs, `a=crypto` lines of SDP files
//! (both read by `srtp::sdes`), and DTLS-SRTP keys derived from a key log.
//!
//! A key says which packets it is for with a [`Selector`]. A capture rarely says which
//! SSRC an SDP key belongs to, so a stream is bound to a key by trial: the first packets
//! of an SRTP stream are unprotected with each key whose selector matches, most specific
//! first, and the key that authenticates one is bound to the stream for good (an HMAC or
//! GCM tag that verifies is proof enough; a wrong key never does).

use std::net::SocketAddr;

use srtp::sdes::{CryptoAttribute, CryptoSuite};
use srtp::{Context, MasterKey, ProtectionProfile};

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The spec is not `<selector>=inline:<base64>[,<profile>]`.
    #[error("key spec {0:?}: expected <ssrc|port>=inline:<base64>[,<profile>]")]
    Syntax(String),
    /// The selector is not an SSRC, a port, `any`.
    #[error(
        "key selector {0:?}: expected 0xSSRC, ssrc:N, port:N, a port number (up to 65535), a larger SSRC, or any"
    )]
    Selector(String),
    /// An unknown profile name.
    #[error("unknown SRTP profile {0:?}")]
    Profile(String),
    /// The key or its line does not parse or cannot run (from `srtp::sdes`).
    #[error("{0}")]
    Sdes(#[from] srtp::sdes::SdesError),
    /// The SRTP context refused the key.
    #[error("{0}")]
    Srtp(#[from] srtp::Error),
}

/// Which packets a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// Packets of this SSRC.
    Ssrc(u32),
    /// Packets from or to this UDP/TCP port.
    Port(u16),
    /// Packets from `src` to `dst` (DTLS-SRTP: one direction of the handshake's flow).
    Flow {
        /// Sender.
        src: SocketAddr,
        /// Receiver.
        dst: SocketAddr,
    },
    /// Any packet (keys from SDP files): bound by trial.
    Any,
}

impl Selector {
    /// How well the selector matches a packet, higher first; `None` when it does not. For
    /// RTCP (`rtcp`), a port selector also matches the port above it (RFC 3550 §11: RTCP
    /// on the RTP port + 1).
    pub fn rank(&self, ssrc: u32, src: SocketAddr, dst: SocketAddr, rtcp: bool) -> Option<u8> {
        let port = |p: u16, q: u16| p == q || (rtcp && p.checked_add(1) == Some(q));
        match *self {
            Self::Ssrc(s) => (s == ssrc).then_some(3),
            Self::Flow { src: s, dst: d } => (s == src && d == dst).then_some(2),
            Self::Port(p) => (port(p, src.port()) || port(p, dst.port())).then_some(1),
            Self::Any => Some(0),
        }
    }
}

#[derive(Clone)]
enum Material {
    Sdes(Box<CryptoAttribute>),
    Master(ProtectionProfile, MasterKey),
}

/// One key with its selector and where it came from.
#[derive(Clone)]
pub struct KeyEntry {
    /// Which packets it is for.
    pub selector: Selector,
    /// Where it came from (`--key 1`, `call.sdp line 12`, `key log`), for the report;
    /// never the key itself.
    pub origin: String,
    material: Material,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("selector", &self.selector)
            .field("origin", &self.origin)
            .field("profile", &self.profile().map(|p| p.name()))
            .finish()
    }
}

/// The replay window of every context rtpx builds: the largest, so that packets the
/// capture holds out of order still authenticate.
const REPLAY_WINDOW: usize = srtp::MAX_REPLAY_WINDOW;

impl KeyEntry {
    /// A key from an `a=crypto` attribute.
    pub fn from_crypto(selector: Selector, origin: String, attr: CryptoAttribute) -> Self {
        Self {
            selector,
            origin,
            material: Material::Sdes(Box::new(attr)),
        }
    }

    /// A master key of `profile` (DTLS-SRTP).
    pub fn from_master(
        selector: Selector,
        origin: String,
        profile: ProtectionProfile,
        key: MasterKey,
    ) -> Self {
        Self {
            selector,
            origin,
            material: Material::Master(profile, key),
        }
    }

    /// The SRTP profile.
    pub fn profile(&self) -> Result<ProtectionProfile, KeyError> {
        match &self.material {
            Material::Sdes(a) => Ok(a.profile()?),
            Material::Master(p, _) => Ok(*p),
        }
    }

    /// A fresh receiving context for this key.
    pub fn context(&self) -> Result<Context, KeyError> {
        let base = srtp::Config {
            replay_window: REPLAY_WINDOW,
            ..srtp::Config::default()
        };
        match &self.material {
            Material::Sdes(a) => Ok(a.context(&base)?),
            Material::Master(p, k) => Ok(Context::new(*p, k.clone(), base)?),
        }
    }
}

/// Parses a `--key` spec: `<selector>=inline:<base64>[|lifetime][|mki:len][,<profile>]`.
/// The selector is `0x<hex>` or `ssrc:<n>` (an SSRC), `port:<n>` or a decimal number up to
/// 65535 (a port), a larger decimal number (an SSRC), or `any`. The profile is an SDES
/// suite name (default `AES_CM_128_HMAC_SHA1_80`) or a DTLS-SRTP profile name.
pub fn parse_key_spec(spec: &str, origin: String) -> Result<KeyEntry, KeyError> {
    let (sel, rest) = spec
        .split_once('=')
        .ok_or_else(|| KeyError::Syntax(redact(spec)))?;
    let selector = parse_selector(sel.trim())?;
    let (params, profile) = match rest.rsplit_once(',') {
        Some((p, prof)) => (p.trim(), Some(prof.trim())),
        None => (rest.trim(), None),
    };
    if !params.starts_with("inline:") {
        return Err(KeyError::Syntax(redact(spec)));
    }
    let suite = match profile {
        None => CryptoSuite::AesCm128HmacSha1_80,
        Some(name) => suite_named(name).ok_or_else(|| KeyError::Profile(name.to_owned()))?,
    };
    let attr = CryptoAttribute::parse_value(&format!("1 {} {params}", suite.name()))?;
    attr.profile()?;
    Ok(KeyEntry::from_crypto(selector, origin, attr))
}

fn redact(spec: &str) -> String {
    match spec.split_once("inline:") {
        Some((head, _)) => format!("{head}inline:<redacted>"),
        None => spec.chars().take(40).collect(),
    }
}

fn parse_selector(sel: &str) -> Result<Selector, KeyError> {
    let bad = || KeyError::Selector(sel.to_owned());
    if sel.eq_ignore_ascii_case("any") || sel == "*" {
        return Ok(Selector::Any);
    }
    if let Some(hex) = sel.strip_prefix("0x").or_else(|| sel.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16)
            .map(Selector::Ssrc)
            .map_err(|_| bad());
    }
    if let Some(n) = sel.strip_prefix("ssrc:") {
        let n = n.trim();
        let v = match n.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16),
            None => n.parse(),
        };
        return v.map(Selector::Ssrc).map_err(|_| bad());
    }
    if let Some(n) = sel.strip_prefix("port:") {
        return n.trim().parse().map(Selector::Port).map_err(|_| bad());
    }
    match sel.parse::<u64>() {
        Ok(n) if n <= 65535 => Ok(Selector::Port(n as u16)),
        Ok(n) => u32::try_from(n).map(Selector::Ssrc).map_err(|_| bad()),
        Err(_) => Err(bad()),
    }
}

/// An SDES suite by its name, or by the DTLS-SRTP profile name of RFC 5764 / RFC 7714
/// (`SRTP_AES128_CM_HMAC_SHA1_80`, `SRTP_AEAD_AES_128_GCM`...), case-insensitively.
fn suite_named(name: &str) -> Option<CryptoSuite> {
    let upper = name.to_ascii_uppercase();
    if let Some(s) = CryptoSuite::from_name(&upper) {
        return Some(s);
    }
    let profile = match upper.as_str() {
        "SRTP_AES128_CM_HMAC_SHA1_80" | "SRTP_AES128_CM_SHA1_80" => {
            ProtectionProfile::AesCm128HmacSha1_80
        }
        "SRTP_AES128_CM_HMAC_SHA1_32" | "SRTP_AES128_CM_SHA1_32" => {
            ProtectionProfile::AesCm128HmacSha1_32
        }
        "SRTP_AEAD_AES_128_GCM" => ProtectionProfile::AeadAes128Gcm,
        "SRTP_AEAD_AES_256_GCM" => ProtectionProfile::AeadAes256Gcm,
        _ => return None,
    };
    CryptoSuite::from_profile(profile)
}

/// The keys and payload-type bindings an SDP file holds.
#[derive(Debug, Default)]
pub struct SdpInfo {
    /// Every usable `a=crypto` line, selector [`Selector::Any`].
    pub keys: Vec<KeyEntry>,
    /// `a=crypto` lines that could not be used, with the reason (no key material).
    pub refused: Vec<String>,
    /// `(payload type, encoding, clock rate)` from `a=rtpmap` (and static types).
    pub rtpmap: Vec<(u8, String, u32)>,
}

/// Reads the `a=crypto` and `a=rtpmap` lines of an SDP body; `name` labels the keys.
pub fn read_sdp(name: &str, body: &str) -> SdpInfo {
    let mut info = SdpInfo::default();
    for (i, line) in body.lines().enumerate() {
        let line = line.trim();
        if line.starts_with("a=crypto:") {
            let origin = format!("{name} line {}", i + 1);
            match CryptoAttribute::parse(line).and_then(|a| a.profile().map(|_| a)) {
                Ok(attr) => info
                    .keys
                    .push(KeyEntry::from_crypto(Selector::Any, origin, attr)),
                Err(e) => info.refused.push(format!("{origin}: {e}")),
            }
        }
    }
    for index in 0..64 {
        match rtp_session::PayloadMap::from_sdp(body, index) {
            Ok(map) => {
                for f in map.iter() {
                    info.rtpmap.push((
                        f.payload_type.value(),
                        f.encoding.clone(),
                        f.clock_rate.hz(),
                    ));
                }
            }
            Err(_) => break,
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

    #[test]
    fn selectors() {
        for (s, want) in [
            ("0x1234", Selector::Ssrc(0x1234)),
            ("ssrc:7", Selector::Ssrc(7)),
            ("port:5004", Selector::Port(5004)),
            ("5004", Selector::Port(5004)),
            ("3735928559", Selector::Ssrc(0xdead_beef)),
            ("any", Selector::Any),
        ] {
            assert_eq!(parse_selector(s).unwrap(), want, "{s}");
        }
        assert!(parse_selector("99999999999").is_err());
        assert!(parse_selector("port:70000").is_err());
    }

    #[test]
    fn key_specs() {
        let k = parse_key_spec(&format!("0xdeadbeef={KEY}"), "k".into()).unwrap();
        assert_eq!(k.selector, Selector::Ssrc(0xdead_beef));
        assert_eq!(k.profile().unwrap(), ProtectionProfile::AesCm128HmacSha1_80);
        let k = parse_key_spec(&format!("5004={KEY},AES_CM_128_HMAC_SHA1_32"), "k".into()).unwrap();
        assert_eq!(k.profile().unwrap(), ProtectionProfile::AesCm128HmacSha1_32);
        assert!(k.context().is_ok());
        let e = parse_key_spec("5004=inline:AAAA", "k".into()).unwrap_err();
        assert!(matches!(e, KeyError::Sdes(_)), "{e}");
        let e = parse_key_spec(&format!("5004={KEY},ROT13"), "k".into()).unwrap_err();
        assert!(matches!(e, KeyError::Profile(_)));
        // A spec that fails never echoes its key.
        let e = parse_key_spec(&format!("x{KEY}"), "k".into()).unwrap_err();
        assert!(!e.to_string().contains("WVNf"), "{e}");
    }

    #[test]
    fn sdp_keys_and_rtpmaps() {
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio 5004 RTP/SAVP 0 96\r\na=rtpmap:96 opus/48000/2\r\n\
             a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY}\r\na=crypto:2 F8_128_HMAC_SHA1_80 {KEY}\r\n"
        );
        let info = read_sdp("call.sdp", &sdp);
        assert_eq!(info.keys.len(), 1);
        assert_eq!(info.keys[0].origin, "call.sdp line 8");
        assert_eq!(info.refused.len(), 1);
        assert_eq!(
            info.rtpmap,
            vec![(0, "PCMU".into(), 8000), (96, "opus".into(), 48000)]
        );
    }
}
