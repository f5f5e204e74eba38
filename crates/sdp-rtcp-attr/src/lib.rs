//! The SDP attributes that say where RTCP goes: `a=rtcp` (RFC 3605), `a=rtcp-mux`
//! (RFC 5761), `a=rtcp-mux-only` (RFC 8858) and `a=rtcp-rsize` (RFC 5506).
//!
//! SIP and WebRTC applications use this crate to learn where a peer wants RTCP, and to
//! say where they receive it — which differs from RTP port + 1 behind a NAT, the reason
//! RFC 3605 exists.
//!
//! - [`RtcpAttribute`]: the typed `a=rtcp` attribute, parsed strictly against the
//!   RFC 3605 §2.1 ABNF and written back byte for byte; [`ConnectionAddress`] for its
//!   address (IPv4, IPv6, multicast with TTL and count, domain names; RFC 8866 §5.7).
//! - [`RtcpFlag`]: the property attributes `a=rtcp-mux`, `a=rtcp-mux-only`,
//!   `a=rtcp-rsize`; [`Attribute`] recognises any of the four in a line.
//! - [`Body`]: a scanner over a whole SDP body that finds the `c=` and `m=` lines and
//!   these attributes per media section, and enforces their level rules.
//! - [`Body::resolve`] / [`MediaSection::resolve`]: the RTP and RTCP destinations of
//!   each media section ([`Resolution`], [`Endpoints`]).
//! - [`LocalTransport`]: the local direction — the `a=rtcp` attribute only when needed
//!   ([`rtcp_attribute_for`]), offers, and answers that carry the answerer's own RTCP
//!   port.
//! - [`RtcpFb`]: `a=rtcp-fb` (RFC 4585 §4.2, RFC 5104 §7.1), typed for the feedback a
//!   session acts on (`nack`, `nack pli`, `ccm fir`, `goog-remb`, `transport-cc`,
//!   `trr-int`), and [`FeedbackSet`], what one payload type negotiated.
//! - [`RtcpAddressPolicy`] and [`Cidr`]: the RFC 3605 §4 check that refuses RTCP
//!   redirection to addresses the application does not accept.
//!
//! **This is not a general SDP library.** [`Body::scan`] reads `m=`, `c=` and this
//! crate's attributes, and skips every other line unread. Use an SDP library to read or
//! write the rest of a session description.
//!
//! Every malformed input is a specific [`Error`] variant; nothing panics, whatever the
//! input (the `sdp_rtcp_attr_*` fuzz targets check this).
//!
//! # Parse an attribute
//!
//! The three examples of RFC 3605 §2.1:
//!
//! ```
//! use sdp_rtcp_attr::{AddrType, RtcpAttribute};
//!
//! let plain: RtcpAttribute = "a=rtcp:53020".parse()?;
//! assert_eq!((plain.port(), plain.address()), (53020, None));
//!
//! let v4: RtcpAttribute = "a=rtcp:53020 IN IP4 126.16.64.4".parse()?;
//! assert_eq!(v4.address().and_then(|a| a.ip()), Some("126.16.64.4".parse()?));
//!
//! let line = "a=rtcp:53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD";
//! let v6: RtcpAttribute = line.parse()?;
//! assert_eq!(v6.addrtype(), Some(AddrType::Ip6));
//! assert_eq!(v6.to_string(), line); // byte for byte, upper case kept
//!
//! // Malformed input is a specific error.
//! assert_eq!(
//!     "a=rtcp:70000".parse::<RtcpAttribute>(),
//!     Err(sdp_rtcp_attr::Error::PortTooLarge)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Resolve the endpoints of an SDP body
//!
//! A SIP offer whose RTCP is mapped by a NAT to a separate port and address, and a video
//! stream with RTCP on RTP port + 1:
//!
//! ```
//! use sdp_rtcp_attr::{Body, MuxPolicy, Resolution, RtcpSource};
//!
//! let sdp = "v=0\r\n\
//!            o=- 1 1 IN IP4 198.51.100.5\r\n\
//!            s=-\r\n\
//!            c=IN IP4 198.51.100.5\r\n\
//!            t=0 0\r\n\
//!            m=audio 16384 RTP/AVP 0\r\n\
//!            a=rtcp:16389 IN IP4 203.0.113.7\r\n\
//!            m=video 16390 RTP/AVP 31\r\n";
//! let body = Body::scan(sdp)?;
//! let resolved = body.resolve(MuxPolicy::Accept)?;
//!
//! let Resolution::Active(audio) = &resolved[0] else { panic!("audio is active") };
//! assert_eq!(audio.rtp().socket_addr(), Some("198.51.100.5:16384".parse()?));
//! assert_eq!(audio.rtcp().socket_addr(), Some("203.0.113.7:16389".parse()?));
//! assert_eq!(audio.rtcp_source(), RtcpSource::Attribute);
//!
//! let Resolution::Active(video) = &resolved[1] else { panic!("video is active") };
//! assert_eq!(video.rtcp().socket_addr(), Some("198.51.100.5:16391".parse()?));
//! assert_eq!(video.rtcp_source(), RtcpSource::NextPort);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Build an answer
//!
//! The answer names the answerer's own RTCP port — here a NAT maps the local ports
//! 5004/5005 to 203.0.113.20:40000/40007 — and never repeats the offerer's:
//!
//! ```
//! use sdp_rtcp_attr::{Answer, Body, LocalRtcp, LocalTransport, TransportAddress};
//!
//! let offer = Body::scan("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\na=rtcp-rsize\r\n")?;
//!
//! let rtp = TransportAddress::new("10.0.0.2:5004".parse()?, Some("203.0.113.20:40000".parse()?))?;
//! let rtcp = TransportAddress::new("10.0.0.2:5005".parse()?, Some("203.0.113.20:40007".parse()?))?;
//! let local = LocalTransport::new(rtp, LocalRtcp::Separate(rtcp), true);
//!
//! let Answer::Accept(answer) = local.answer(&offer.media()[0]) else { panic!("accepted") };
//! assert_eq!(answer.rtp(), "203.0.113.20:40000".parse()?); // for c= and m=
//! assert_eq!(answer.to_string(), "a=rtcp:40007\r\na=rtcp-rsize\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod attribute;
mod cidr;
mod error;
mod negotiate;
mod policy;
mod resolve;
mod rtcp;
mod rtcp_fb;
mod scan;
mod syntax;

pub use address::{AddrType, ConnectionAddress, NETTYPE_IN};
pub use attribute::{Attribute, RtcpFlag, RtcpFlags};
pub use cidr::Cidr;
pub use error::Error;
pub use negotiate::{
    Advertisement, Answer, LocalRtcp, LocalTransport, RejectReason, TransportAddress,
    rtcp_attribute_for,
};
pub use policy::RtcpAddressPolicy;
pub use resolve::{Endpoint, Endpoints, MuxPolicy, Resolution, RtcpSource};
pub use rtcp::RtcpAttribute;
pub use rtcp_fb::{FeedbackPayloadType, FeedbackSet, FeedbackValue, MAX_RTCP_FB_LEN, RtcpFb};
pub use scan::{Body, MediaSection};
