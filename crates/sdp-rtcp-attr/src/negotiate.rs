//! The local direction: from the local RTP and RTCP ports (and the addresses a NAT maps
//! them to, as learned with STUN), the `a=rtcp` attribute to advertise — only when
//! RFC 3605 §2.1 needs it — and the RTCP attributes of an offer or an answer.

use std::fmt;
use std::net::SocketAddr;

use crate::{ConnectionAddress, Error, MediaSection, RtcpAttribute, RtcpFlag, RtcpFlags};

/// A local transport address and, when a NAT maps it, the public address peers must use
/// (RFC 3605 §1: the case that motivated `a=rtcp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransportAddress {
    local: SocketAddr,
    mapped: Option<SocketAddr>,
}

impl TransportAddress {
    /// A local address and its optional externally mapped address.
    ///
    /// Errors: [`Error::ZeroPort`] when either port is 0, [`Error::MulticastTransport`]
    /// when either address is a multicast group.
    pub fn new(local: SocketAddr, mapped: Option<SocketAddr>) -> Result<Self, Error> {
        for addr in std::iter::once(local).chain(mapped) {
            if addr.port() == 0 {
                return Err(Error::ZeroPort);
            }
            if addr.ip().is_multicast() {
                return Err(Error::MulticastTransport);
            }
        }
        Ok(Self { local, mapped })
    }

    /// The local (bound) address.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The externally mapped address, when there is one.
    pub fn mapped(&self) -> Option<SocketAddr> {
        self.mapped
    }

    /// The address to advertise in SDP: the mapped one when known, else the local one.
    pub fn advertised(&self) -> SocketAddr {
        self.mapped.unwrap_or(self.local)
    }
}

/// The `a=rtcp` attribute that tells a peer where RTCP for an RTP stream advertised at
/// `rtp` is received, or `None` when the default already says so.
///
/// RFC 3605 §2.1: the attribute is needed when the RTCP port is not RTP port + 1
/// (RFC 3550 §11) or the RTCP address is not the RTP (`c=`) address. The address part is
/// written only when the addresses differ. Both addresses must be unicast
/// ([`Error::MulticastTransport`]).
///
/// ```
/// use sdp_rtcp_attr::rtcp_attribute_for;
///
/// let rtp = "198.51.100.5:16384".parse()?;
/// assert_eq!(rtcp_attribute_for(rtp, "198.51.100.5:16385".parse()?)?, None);
/// assert_eq!(
///     rtcp_attribute_for(rtp, "198.51.100.5:16389".parse()?)?.map(|a| a.to_string()),
///     Some("a=rtcp:16389".to_string()),
/// );
/// assert_eq!(
///     rtcp_attribute_for(rtp, "203.0.113.7:16385".parse()?)?.map(|a| a.to_string()),
///     Some("a=rtcp:16385 IN IP4 203.0.113.7".to_string()),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rtcp_attribute_for(
    rtp: SocketAddr,
    rtcp: SocketAddr,
) -> Result<Option<RtcpAttribute>, Error> {
    if rtp.ip().is_multicast() || rtcp.ip().is_multicast() {
        return Err(Error::MulticastTransport);
    }
    Ok(needed_attribute(rtp, rtcp))
}

/// [`rtcp_attribute_for`] for addresses already known to be unicast.
fn needed_attribute(rtp: SocketAddr, rtcp: SocketAddr) -> Option<RtcpAttribute> {
    if rtcp.ip() != rtp.ip() {
        let address = ConnectionAddress::without_suffix(rtcp.ip());
        return Some(RtcpAttribute::with_address(rtcp.port(), address));
    }
    (rtp.port().checked_add(1) != Some(rtcp.port())).then(|| RtcpAttribute::new(rtcp.port()))
}

/// How the local side receives RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalRtcp {
    /// On its own port only; never multiplexed (a classic SIP phone).
    Separate(TransportAddress),
    /// Multiplexed with RTP when the peer agrees (RFC 5761), else on this port.
    MuxOrSeparate(TransportAddress),
    /// Only multiplexed with RTP (RFC 8858): no separate RTCP port exists.
    MuxOnly,
}

/// The local RTP transport of one media stream and how it takes RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTransport {
    rtp: TransportAddress,
    rtcp: LocalRtcp,
    reduced_size: bool,
}

impl LocalTransport {
    /// The local RTP address, how RTCP is received, and whether reduced-size RTCP
    /// (RFC 5506) is supported.
    pub fn new(rtp: TransportAddress, rtcp: LocalRtcp, reduced_size: bool) -> Self {
        Self {
            rtp,
            rtcp,
            reduced_size,
        }
    }

    /// The RTP transport address.
    pub fn rtp(&self) -> TransportAddress {
        self.rtp
    }

    /// How RTCP is received.
    pub fn rtcp(&self) -> LocalRtcp {
        self.rtcp
    }

    /// True when reduced-size RTCP (RFC 5506) is supported.
    pub fn reduced_size(&self) -> bool {
        self.reduced_size
    }

    /// The RTCP lines of an offer for this stream.
    ///
    /// `a=rtcp-mux` is offered unless RTCP is [`LocalRtcp::Separate`], and
    /// `a=rtcp-mux-only` with it for [`LocalRtcp::MuxOnly`] (RFC 8858 §4), whose RTCP
    /// port is then the RTP port — so `a=rtcp` names the RTP port, which RFC 8858 §4
    /// allows and which sends RTCP from peers that do not know `rtcp-mux` to the one
    /// open port.
    pub fn offer(&self) -> Advertisement {
        let rtp = self.rtp.advertised();
        let rtcp = match self.rtcp {
            LocalRtcp::Separate(t) | LocalRtcp::MuxOrSeparate(t) => t.advertised(),
            LocalRtcp::MuxOnly => rtp,
        };
        Advertisement {
            rtp,
            rtcp,
            rtcp_attribute: needed_attribute(rtp, rtcp),
            flags: RtcpFlags::default()
                .with(RtcpFlag::Mux, !matches!(self.rtcp, LocalRtcp::Separate(_)))
                .with(RtcpFlag::MuxOnly, matches!(self.rtcp, LocalRtcp::MuxOnly))
                .with(RtcpFlag::ReducedSize, self.reduced_size),
        }
    }

    /// The RTCP lines of an answer to `offer`, a media section of the peer's offer.
    ///
    /// The answer names the answerer's own RTCP port and address, derived from this
    /// transport alone: the offer's `a=rtcp` only says where the offerer receives, and
    /// is never echoed. Multiplexing is agreed when the offer carries `a=rtcp-mux` and
    /// the local side can multiplex (RFC 5761 §5.1.1; an answer never carries
    /// `a=rtcp-mux-only`, RFC 8858 §4); `a=rtcp-rsize` is answered when offered and
    /// supported (RFC 5506 §5).
    pub fn answer(&self, offer: &MediaSection<'_>) -> Answer {
        if offer.port() == 0 {
            return Answer::Reject(RejectReason::OfferedPortZero);
        }
        if !offer.is_rtp() {
            return Answer::Reject(RejectReason::NotRtp);
        }
        let rtp = self.rtp.advertised();
        let offered = offer.flags();
        let (rtcp, rtcp_mux) = match (self.rtcp, offered.contains(RtcpFlag::Mux)) {
            (LocalRtcp::Separate(_), _) if offered.contains(RtcpFlag::MuxOnly) => {
                return Answer::Reject(RejectReason::OfferRequiresMux);
            }
            (LocalRtcp::MuxOnly, false) => {
                return Answer::Reject(RejectReason::LocalRequiresMux);
            }
            (LocalRtcp::MuxOnly | LocalRtcp::MuxOrSeparate(_), true) => (rtp, true),
            (LocalRtcp::Separate(t) | LocalRtcp::MuxOrSeparate(t), _) => (t.advertised(), false),
        };
        Answer::Accept(Advertisement {
            rtp,
            rtcp,
            rtcp_attribute: needed_attribute(rtp, rtcp),
            flags: RtcpFlags::default().with(RtcpFlag::Mux, rtcp_mux).with(
                RtcpFlag::ReducedSize,
                offered.contains(RtcpFlag::ReducedSize) && self.reduced_size,
            ),
        })
    }
}

/// What to write in one media section of a local offer or answer: the RTP address for
/// `c=` and the `m=` port, and the RTCP attribute lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Advertisement {
    rtp: SocketAddr,
    rtcp: SocketAddr,
    rtcp_attribute: Option<RtcpAttribute>,
    flags: RtcpFlags,
}

impl Advertisement {
    /// The RTP address: its IP for the `c=` line, its port for the `m=` line.
    pub fn rtp(&self) -> SocketAddr {
        self.rtp
    }

    /// Where RTCP is received: the RTP address when multiplexing.
    pub fn rtcp(&self) -> SocketAddr {
        self.rtcp
    }

    /// The `a=rtcp` attribute, when one is needed (see [`rtcp_attribute_for`]).
    pub fn rtcp_attribute(&self) -> Option<&RtcpAttribute> {
        self.rtcp_attribute.as_ref()
    }

    /// The flag attributes to write (`a=rtcp-mux-only` in offers only).
    pub fn flags(&self) -> RtcpFlags {
        self.flags
    }
}

impl fmt::Display for Advertisement {
    /// Writes the attribute lines, each ended with CRLF, in the order `a=rtcp`,
    /// `a=rtcp-mux`, `a=rtcp-mux-only`, `a=rtcp-rsize`; nothing when none is needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(attr) = &self.rtcp_attribute {
            write!(f, "{attr}\r\n")?;
        }
        for flag in self.flags.iter() {
            write!(f, "{flag}\r\n")?;
        }
        Ok(())
    }
}

/// The answer for one offered media section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Answer {
    /// Accept the stream with these lines.
    Accept(Advertisement),
    /// Answer with port 0 (RFC 3264 §6), for this reason.
    Reject(RejectReason),
}

/// Why an answer rejects a media section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// The offer's `m=` port is 0: the stream was rejected or is bundle-only
    /// (RFC 8843 §6), which the BUNDLE logic answers, not this crate.
    OfferedPortZero,
    /// The offered transport protocol is not RTP.
    NotRtp,
    /// The offer carries `a=rtcp-mux-only` and the local side cannot multiplex
    /// (RFC 8858 §4).
    OfferRequiresMux,
    /// The local side can only multiplex and the offer lacks `a=rtcp-mux`.
    LocalRequiresMux,
}
