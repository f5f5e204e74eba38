//! Configuration from SDP: the peer's RTP and RTCP endpoints, rtcp-mux, rtcp-mux-only and
//! rtcp-rsize through `sdp-rtcp-attr` (RFC 3605, 5761, 8858, 5506), and the bandwidth
//! lines `b=AS`, `b=RS`, `b=RR` (RFC 8866 §5.8, RFC 3556) that set the RTCP share, and
//! `a=cryptex` (RFC 9335 §4) for SDES-keyed SRTP ([`SrtpKeys::negotiate_cryptex`]).

use sdp_rtcp_attr::{Body, MuxPolicy, Resolution};

use crate::config::{Bandwidth, SrtpKeys, Transport};
use crate::error::{Error, Result};

impl Transport {
    /// The transport toward the peer whose SDP is `remote_sdp`, for its `index`th media
    /// section: RTP at the `m=` port and `c=` address; RTCP multiplexed (`a=rtcp-mux`
    /// accepted by `policy`), at `a=rtcp`, or on RTP port + 1; reduced-size RTCP when the
    /// section has `a=rtcp-rsize`. A section with `a=rtcp-mux-only` under
    /// [`MuxPolicy::Refuse`] is an error, as is a rejected or non-RTP section.
    pub fn from_sdp(remote_sdp: &str, index: usize, policy: MuxPolicy) -> Result<Self> {
        let body = Body::scan(remote_sdp)?;
        let section = body
            .media()
            .get(index)
            .ok_or(Error::InactiveMedia { index })?;
        let Resolution::Active(endpoints) = section.resolve(body.session_connection(), policy)?
        else {
            return Err(Error::InactiveMedia { index });
        };
        let rtp = endpoints
            .rtp()
            .socket_addr()
            .ok_or(Error::UnresolvedAddress)?;
        let rtcp = endpoints
            .rtcp()
            .socket_addr()
            .ok_or(Error::UnresolvedAddress)?;
        Ok(Self {
            remote_rtp: Some(rtp),
            remote_rtcp: Some(rtcp),
            rtcp_mux: endpoints.rtcp_mux(),
            rtcp_rsize: section
                .flags()
                .contains(sdp_rtcp_attr::RtcpFlag::ReducedSize),
            ..Self::default()
        })
    }
}

impl Bandwidth {
    /// The bandwidth of the `index`th media section of `sdp`: its `b=AS` (kbit/s), else the
    /// session-level one, else `default_bps`; `b=RS` and `b=RR` (bit/s, RFC 3556) likewise.
    /// Malformed `b=` lines are ignored.
    pub fn from_sdp(sdp: &str, index: usize, default_bps: u64) -> Self {
        let mut session = Bandwidth::new(default_bps);
        let mut media = None::<Bandwidth>;
        let mut section = None::<usize>;
        for line in sdp.lines().map(str::trim_end) {
            if line.starts_with("m=") {
                section = Some(section.map_or(0, |s| s + 1));
                if section == Some(index) {
                    media = Some(session);
                }
                continue;
            }
            let target = match section {
                None => &mut session,
                Some(s) if s == index => match media.as_mut() {
                    Some(m) => m,
                    None => continue,
                },
                Some(_) => continue,
            };
            let Some((kind, value)) = line.strip_prefix("b=").and_then(|v| v.split_once(':'))
            else {
                continue;
            };
            let Ok(value) = value.trim().parse::<u64>() else {
                continue;
            };
            match kind {
                "AS" => target.session_bps = value.saturating_mul(1000),
                "RS" => target.rtcp_senders_bps = Some(value),
                "RR" => target.rtcp_receivers_bps = Some(value),
                _ => {}
            }
        }
        media.unwrap_or(session)
    }
}

impl SrtpKeys {
    /// Turns cryptex (RFC 9335, [`srtp::Config::cryptex`]) on in both directions' SRTP
    /// contexts when our SDP `local_sdp` and the peer's `remote_sdp` both carry
    /// `a=cryptex` for media section `index` (at session level or in that section, §4),
    /// off otherwise; returns which. An `a=cryptex` with a value is not the attribute
    /// (it takes none) and does not count. An SDP that does not parse is
    /// [`crate::Error::SdpSyntax`], a missing section [`crate::Error::InactiveMedia`].
    ///
    /// Call it before the keys reach the session: a context's settings are fixed when it
    /// is made. Our `a=cryptex` line is the application's to write, as its `a=crypto`.
    pub fn negotiate_cryptex(
        &mut self,
        local_sdp: &str,
        remote_sdp: &str,
        index: usize,
    ) -> crate::Result<bool> {
        let on = has_cryptex(local_sdp, index)? && has_cryptex(remote_sdp, index)?;
        self.config.cryptex = on;
        Ok(on)
    }
}

/// Whether `sdp` says `a=cryptex` (no value) at session level or in media section
/// `index`.
pub(crate) fn has_cryptex(sdp: &str, index: usize) -> crate::Result<bool> {
    let session = sdp_types::Session::parse(sdp.as_bytes())
        .map_err(|e| crate::Error::SdpSyntax(e.to_string()))?;
    let media = session
        .medias
        .get(index)
        .ok_or(crate::Error::InactiveMedia { index })?;
    let flag = |attributes: &[sdp_types::Attribute]| {
        attributes
            .iter()
            .any(|a| a.attribute == "cryptex" && a.value.is_none())
    };
    Ok(flag(&session.attributes) || flag(&media.attributes))
}

/// Reads `sdp` with the `sdp-types` crate and hands `read` its media section `index`:
/// an SDP it cannot read is [`crate::Error::SdpSyntax`], a missing section
/// [`crate::Error::InactiveMedia`].
pub(crate) fn with_media_section<T>(
    sdp: &str,
    index: usize,
    read: impl FnOnce(&sdp_types::Media) -> crate::Result<T>,
) -> crate::Result<T> {
    let session = sdp_types::Session::parse(sdp.as_bytes())
        .map_err(|e| crate::Error::SdpSyntax(e.to_string()))?;
    let media = session
        .medias
        .get(index)
        .ok_or(crate::Error::InactiveMedia { index })?;
    read(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 198.51.100.5\r\ns=-\r\nc=IN IP4 198.51.100.5\r\nb=AS:128\r\nt=0 0\r\n\
        m=audio 16384 RTP/AVP 0\r\na=rtcp:16389 IN IP4 203.0.113.7\r\nb=RS:800\r\nb=RR:2400\r\n\
        m=audio 16390 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n\
        m=audio 0 RTP/AVP 0\r\n\
        m=audio 16400 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n";

    #[test]
    fn rtcp_attribute_sets_the_rtcp_destination() {
        let t = Transport::from_sdp(OFFER, 0, MuxPolicy::Accept).unwrap();
        assert_eq!(t.remote_rtp, Some("198.51.100.5:16384".parse().unwrap()));
        assert_eq!(t.remote_rtcp, Some("203.0.113.7:16389".parse().unwrap()));
        assert!(!t.rtcp_mux && !t.rtcp_rsize);
    }

    #[test]
    fn mux_and_rsize_follow_the_policy() {
        let t = Transport::from_sdp(OFFER, 1, MuxPolicy::Accept).unwrap();
        assert_eq!(t.remote_rtcp, Some("198.51.100.5:16390".parse().unwrap()));
        assert!(t.rtcp_mux && t.rtcp_rsize);
        let t = Transport::from_sdp(OFFER, 1, MuxPolicy::Refuse).unwrap();
        assert_eq!(t.remote_rtcp, Some("198.51.100.5:16391".parse().unwrap()));
        assert!(!t.rtcp_mux);
    }

    #[test]
    fn rejected_and_mux_only_sections_are_errors() {
        assert!(matches!(
            Transport::from_sdp(OFFER, 2, MuxPolicy::Accept),
            Err(Error::InactiveMedia { index: 2 })
        ));
        assert!(matches!(
            Transport::from_sdp(OFFER, 3, MuxPolicy::Refuse),
            Err(Error::InactiveMedia { index: 3 })
        ));
        assert!(matches!(
            Transport::from_sdp(OFFER, 9, MuxPolicy::Accept),
            Err(Error::InactiveMedia { index: 9 })
        ));
    }

    /// RFC 9335 §4: at session or media level, on both sides, or off.
    #[test]
    fn cryptex_needs_both_sides() {
        let sdp = |session: &str, media: &str| {
            format!(
                "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n{session}\
                 m=audio 5004 RTP/SAVP 0\r\n{media}m=audio 5006 RTP/SAVP 0\r\n"
            )
        };
        let session_level = sdp("a=cryptex\r\n", "");
        let media_level = sdp("", "a=cryptex\r\n");
        let without = sdp("", "");
        let with_value = sdp("", "a=cryptex:1\r\n");
        let key = || {
            srtp::MasterKey::new(srtp::ProtectionProfile::AeadAes128Gcm, &[1; 16], &[2; 12])
                .unwrap()
        };
        let mut keys = SrtpKeys::new(srtp::ProtectionProfile::AeadAes128Gcm, key(), key());
        assert!(
            keys.negotiate_cryptex(&session_level, &media_level, 0)
                .unwrap()
        );
        assert!(keys.config.cryptex);
        // The session-level attribute covers every section; the media-level one only its own.
        assert!(
            keys.negotiate_cryptex(&session_level, &session_level, 1)
                .unwrap()
        );
        assert!(
            !keys
                .negotiate_cryptex(&session_level, &media_level, 1)
                .unwrap()
        );
        assert!(!keys.config.cryptex);
        assert!(!keys.negotiate_cryptex(&media_level, &without, 0).unwrap());
        assert!(
            !keys
                .negotiate_cryptex(&media_level, &with_value, 0)
                .unwrap()
        );
        assert!(matches!(
            keys.negotiate_cryptex(&media_level, &media_level, 2),
            Err(Error::InactiveMedia { index: 2 })
        ));
        assert!(matches!(
            keys.negotiate_cryptex("a=cryptex", &media_level, 0),
            Err(Error::SdpSyntax(_))
        ));
    }

    #[test]
    fn bandwidth_lines_by_level() {
        let b = Bandwidth::from_sdp(OFFER, 0, 64_000);
        assert_eq!(
            (b.session_bps, b.rtcp_senders_bps, b.rtcp_receivers_bps),
            (128_000, Some(800), Some(2400))
        );
        let b = Bandwidth::from_sdp(OFFER, 1, 64_000);
        assert_eq!((b.session_bps, b.rtcp_senders_bps), (128_000, None));
        let b = Bandwidth::from_sdp("v=0\r\nm=audio 1 RTP/AVP 0\r\n", 0, 64_000);
        assert_eq!(b.session_bps, 64_000);
    }
}
