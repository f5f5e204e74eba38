//! Endpoint resolution: where to send RTP and RTCP for each media section of a peer's
//! SDP, from `c=` (RFC 8866 §5.7), the `m=` port (RFC 8866 §5.14), `a=rtcp`
//! (RFC 3605 §2.1), `a=rtcp-mux` (RFC 5761 §5.1.1) and the RTP port + 1 default
//! (RFC 3550 §11).

use std::net::SocketAddr;

use crate::{Body, ConnectionAddress, Error, MediaSection, RtcpFlag};

/// Whether the local side multiplexes RTP and RTCP when the peer's SDP offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MuxPolicy {
    /// Use one port when the section carries `a=rtcp-mux`. Right for a peer's answer
    /// (an answer carries `a=rtcp-mux` only when multiplexing was agreed, RFC 8035) and
    /// for a peer's offer when the local answer will accept multiplexing.
    Accept,
    /// Never multiplex: RTCP goes to `a=rtcp` or RTP port + 1 even when `a=rtcp-mux`
    /// is present. A section with `a=rtcp-mux-only` then resolves to
    /// [`Resolution::MuxRequired`].
    Refuse,
}

/// A transport destination: a connection address and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    address: ConnectionAddress,
    port: u16,
}

impl Endpoint {
    /// The connection address (an IP address, multicast group or domain name).
    pub fn address(&self) -> &ConnectionAddress {
        &self.address
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, when the address is an IP address; `None` for a domain name,
    /// which the caller resolves.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.address.ip().map(|ip| SocketAddr::new(ip, self.port))
    }

    /// True for the JSEP placeholder `0.0.0.0`/`::` (RFC 8829 §5.2.1), such as the
    /// WebRTC `a=rtcp:9 IN IP4 0.0.0.0`: no destination yet; ICE (RFC 8839) will supply
    /// the real one.
    pub fn is_placeholder(&self) -> bool {
        self.address.is_unspecified()
    }
}

/// How the RTCP destination of a section was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RtcpSource {
    /// RTCP shares the RTP port (RFC 5761).
    Mux,
    /// From the `a=rtcp` attribute (RFC 3605 §2.1).
    Attribute,
    /// RTP port + 1 on the RTP address (RFC 3550 §11).
    NextPort,
}

/// The RTP and RTCP destinations of an active RTP media section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoints {
    rtp: Endpoint,
    rtcp: Endpoint,
    rtcp_source: RtcpSource,
}

impl Endpoints {
    /// Where to send RTP.
    pub fn rtp(&self) -> &Endpoint {
        &self.rtp
    }

    /// Where to send RTCP.
    pub fn rtcp(&self) -> &Endpoint {
        &self.rtcp
    }

    /// How the RTCP destination was found.
    pub fn rtcp_source(&self) -> RtcpSource {
        self.rtcp_source
    }

    /// True when RTP and RTCP share one port (RFC 5761).
    pub fn rtcp_mux(&self) -> bool {
        self.rtcp_source == RtcpSource::Mux
    }
}

/// What a media section means for transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resolution {
    /// `m=` port 0 without `a=bundle-only`: the stream is rejected or disabled
    /// (RFC 3264 §6, RFC 8866 §5.14).
    Rejected,
    /// `m=` port 0 with `a=bundle-only` (RFC 8843 §6): the section uses the transport of
    /// its BUNDLE group, which this crate does not resolve.
    BundleOnly,
    /// The transport protocol is not RTP (`UDP/DTLS/SCTP`, ...): there is no RTCP.
    NotRtp,
    /// The section carries `a=rtcp-mux-only` (RFC 8858 §4) but the policy is
    /// [`MuxPolicy::Refuse`]: an answer must reject the stream.
    MuxRequired,
    /// An active RTP stream and its destinations.
    Active(Endpoints),
}

impl MediaSection<'_> {
    /// Resolves where to send RTP and RTCP for this section; `session` is the
    /// session-level `c=` address, used when the section has none (RFC 8866 §5.7).
    ///
    /// RTP goes to the `m=` port at the `c=` address. RTCP goes, in this order of
    /// precedence: to the RTP port when `a=rtcp-mux` is present and `policy` accepts it;
    /// to the `a=rtcp` port and address (the `c=` address when it names none); to RTP
    /// port + 1 (RFC 3550 §11, RFC 8866 §5.14). With `a=rtcp-mux` accepted, `a=rtcp` is
    /// the fallback for peers that do not multiplex and is ignored.
    ///
    /// An odd `m=` port without `a=rtcp` breaks the parity rule of RFC 8866 §5.14, yet
    /// is common behind NATs; it is taken as the RTP port, with RTCP on the next port,
    /// as deployed SIP stacks do — not rounded down to even as RFC 3550 §11 suggests for
    /// a bare port number.
    ///
    /// Errors: [`Error::MissingConnection`], [`Error::RtcpPortZero`] (an active stream
    /// with `a=rtcp:0`), [`Error::RtcpPortOverflow`] (RTP on 65535 with nothing else).
    pub fn resolve(
        &self,
        session: Option<&ConnectionAddress>,
        policy: MuxPolicy,
    ) -> Result<Resolution, Error> {
        let media = self.index();
        if self.port() == 0 {
            return Ok(if self.bundle_only() {
                Resolution::BundleOnly
            } else {
                Resolution::Rejected
            });
        }
        if !self.is_rtp() {
            return Ok(Resolution::NotRtp);
        }
        if self.flags().contains(RtcpFlag::MuxOnly) && policy == MuxPolicy::Refuse {
            return Ok(Resolution::MuxRequired);
        }
        let address = self
            .connection()
            .or(session)
            .ok_or(Error::MissingConnection { media })?;
        let rtp = Endpoint {
            address: address.clone(),
            port: self.port(),
        };
        let (rtcp, rtcp_source) =
            if self.flags().contains(RtcpFlag::Mux) && policy == MuxPolicy::Accept {
                (rtp.clone(), RtcpSource::Mux)
            } else if let Some(attr) = self.rtcp() {
                if attr.port() == 0 {
                    return Err(Error::RtcpPortZero { media });
                }
                let endpoint = Endpoint {
                    address: attr.address().unwrap_or(address).clone(),
                    port: attr.port(),
                };
                (endpoint, RtcpSource::Attribute)
            } else {
                let port = self
                    .port()
                    .checked_add(1)
                    .ok_or(Error::RtcpPortOverflow { media })?;
                let endpoint = Endpoint {
                    address: address.clone(),
                    port,
                };
                (endpoint, RtcpSource::NextPort)
            };
        Ok(Resolution::Active(Endpoints {
            rtp,
            rtcp,
            rtcp_source,
        }))
    }
}

impl Body<'_> {
    /// Resolves every media section, in order (see [`MediaSection::resolve`]).
    ///
    /// ```
    /// use sdp_rtcp_attr::{Body, MuxPolicy, Resolution};
    ///
    /// let body = Body::scan("v=0\nc=IN IP4 192.0.2.1\nm=audio 49170 RTP/AVP 0\n")?;
    /// let Resolution::Active(ends) = &body.resolve(MuxPolicy::Accept)?[0] else { panic!() };
    /// assert_eq!(ends.rtcp().socket_addr(), Some("192.0.2.1:49171".parse().unwrap()));
    /// # Ok::<(), sdp_rtcp_attr::Error>(())
    /// ```
    pub fn resolve(&self, policy: MuxPolicy) -> Result<Vec<Resolution>, Error> {
        self.media()
            .iter()
            .map(|section| section.resolve(self.session_connection(), policy))
            .collect()
    }
}
