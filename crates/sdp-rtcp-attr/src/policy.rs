//! The RFC 3605 §4 check: RTCP may only be redirected to addresses the application
//! accepts, so that an SDP body cannot turn a session into a flood of RTCP at a third
//! party.

use crate::{Cidr, ConnectionAddress, Endpoints};

/// Which RTCP destinations a session accepts: the RTP address, or an address inside one
/// of the configured networks (RFC 3605 §4).
///
/// ```
/// use sdp_rtcp_attr::{Body, MuxPolicy, Resolution, RtcpAddressPolicy};
///
/// let body = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 49170 RTP/AVP 0\na=rtcp:53020 IN IP4 203.0.113.9\n")?;
/// let Resolution::Active(ends) = &body.resolve(MuxPolicy::Accept)?[0] else { panic!() };
/// assert!(!RtcpAddressPolicy::rtp_address_only().accepts(ends));
/// assert!(RtcpAddressPolicy::with_networks(["203.0.113.0/24".parse()?]).accepts(ends));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RtcpAddressPolicy {
    networks: Vec<Cidr>,
}

impl RtcpAddressPolicy {
    /// Accepts RTCP only at the RTP address.
    pub fn rtp_address_only() -> Self {
        Self::default()
    }

    /// Accepts RTCP at the RTP address or inside any of `networks`.
    pub fn with_networks(networks: impl IntoIterator<Item = Cidr>) -> Self {
        Self {
            networks: networks.into_iter().collect(),
        }
    }

    /// The configured networks.
    pub fn networks(&self) -> &[Cidr] {
        &self.networks
    }

    /// True when the RTCP destination of `endpoints` is acceptable.
    #[must_use]
    pub fn accepts(&self, endpoints: &Endpoints) -> bool {
        self.accepts_address(endpoints.rtp().address(), endpoints.rtcp().address())
    }

    /// True when RTCP may go to `rtcp` for a stream whose RTP goes to `rtp`: the same
    /// host ([`ConnectionAddress::same_host`]), or an IP address inside a configured
    /// network. A domain name other than the RTP one is refused: resolve it and check
    /// the resulting address instead. The placeholder `0.0.0.0` is an address like any
    /// other, accepted only when the RTP address is the placeholder too or a network
    /// holds it.
    #[must_use]
    pub fn accepts_address(&self, rtp: &ConnectionAddress, rtcp: &ConnectionAddress) -> bool {
        rtcp.same_host(rtp)
            || rtcp
                .ip()
                .is_some_and(|ip| self.networks.iter().any(|net| net.contains(ip)))
    }
}
