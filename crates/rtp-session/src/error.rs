//! The crate's error type.

use std::net::SocketAddr;

/// Everything that can go wrong in a session. Each variant that wraps a lower layer's error
/// names the layer and leaves the cause to [`std::error::Error::source`], so a report that
/// walks the chain prints every cause once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an RTP packet failed (payload too large for the buffer, too many CSRCs).
    #[error("RTP packet not written")]
    Rtp(#[from] rtp_packet::Error),
    /// Building or writing an RTCP packet failed.
    #[error("RTCP packet not written")]
    Rtcp(#[from] rtcp::Error),
    /// SRTP or SRTCP protection failed.
    #[error("SRTP protection failed")]
    Srtp(#[from] srtp::Error),
    /// The DTLS handshake failed.
    #[error("DTLS failed")]
    Dtls(#[from] dtls::Error),
    /// The jitter buffer or statistics rejected the configuration.
    #[error("jitter buffer configuration refused")]
    JitterBuffer(#[from] jitter_buffer::Error),
    /// The statistics rejected the configuration.
    #[error("statistics configuration refused")]
    Stats(#[from] stats::Error),
    /// The SDP could not be read or resolved.
    #[error("SDP not usable")]
    Sdp(#[from] sdp_rtcp_attr::Error),
    /// Security is configured but no SRTP keys exist yet (DTLS still running): nothing is
    /// sent in clear (RFC 3711 §3, RFC 5764 §5.1.2).
    #[error("SRTP is configured but not keyed yet")]
    NotKeyed,
    /// There is no remote address to send to.
    #[error("no remote address to send to")]
    NoRemote,
    /// The session was closed.
    #[error("the session is closed")]
    Closed,
    /// [`crate::Session::send_stun`] was given something that is not a STUN message
    /// (RFC 7983: first byte 0–3); media and RTCP go only through the session.
    #[error("not a STUN message")]
    NotStun,
    /// A payload larger than [`crate::Config::max_payload`].
    #[error("payload of {got} bytes exceeds the limit of {max}")]
    PayloadTooLarge {
        /// The limit.
        max: usize,
        /// The payload's size.
        got: usize,
    },
    /// The SDP has no active RTP media section at this index.
    #[error("SDP media section {index} is not an active RTP stream")]
    InactiveMedia {
        /// The media section's index.
        index: usize,
    },
    /// The SDP gives a connection address that is not an IP address.
    #[error("SDP endpoint is not an IP socket address")]
    UnresolvedAddress,
    /// A socket operation failed.
    #[error("socket operation failed (local address {address:?})")]
    Io {
        /// The local address involved, when known.
        address: Option<SocketAddr>,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A DiffServ code point past 6 bits ([`crate::Dscp::new`]).
    #[error("DSCP {0} does not fit in 6 bits")]
    BadDscp(u8),
    /// No even port in the configured range could be bound with its RTCP neighbour.
    #[error("no free port pair in {first}..={last}")]
    NoFreePort {
        /// The range's first port.
        first: u16,
        /// The range's last port.
        last: u16,
    },
    /// DTLS-SRTP was asked for with no peer fingerprint: the peer could not be
    /// authenticated (RFC 8122 §5 requires one). [`crate::Security::DangerousDtlsAnyPeer`]
    /// is the explicit opt-out.
    #[error("DTLS-SRTP needs at least one peer fingerprint to authenticate the peer")]
    NoPeerFingerprints,
    /// [`crate::Config::clock_rate`] and the jitter buffer's clock rate differ: the session
    /// has one media clock, for statistics, playout and the codec alike.
    #[error("clock rate {session} Hz differs from the jitter buffer's {jitter_buffer} Hz")]
    ClockRateMismatch {
        /// [`crate::Config::clock_rate`].
        session: u32,
        /// `Config::jitter_buffer.clock_rate`.
        jitter_buffer: u32,
    },
    /// A payload type the session does not know: neither [`crate::Config::payload_type`]
    /// nor in [`crate::Config::payload_map`].
    #[error("payload type {payload_type} is not in the session's payload map")]
    UnknownPayloadType {
        /// The payload type asked for.
        payload_type: u8,
    },
    /// No payload type of this encoding at the session's clock rate is in the payload map
    /// (`telephone-event` for [`crate::Session::send_dtmf`], `CN` for
    /// [`crate::Session::send_comfort_noise`]).
    #[error("no {encoding} payload type at the session's clock rate")]
    NoPayloadType {
        /// The encoding name.
        encoding: &'static str,
    },
    /// A telephone event that cannot be sent: a volume above 63, a duration of zero ticks
    /// or of more than 2^32 - 1, or a full queue.
    #[error("telephone event refused: {0}")]
    InvalidDtmf(&'static str),
    /// A payload could not be written (a value out of its field's range).
    #[error("payload not written")]
    Payload(#[from] rtp_packet::payload::PayloadError),
    /// The SDP could not be read (`sdp-types`' message).
    #[error("SDP not readable: {0}")]
    SdpSyntax(String),
    /// An invalid configuration value.
    #[error("bad configuration: {0}")]
    BadConfig(&'static str),
    /// The operating system's randomness source failed ([`crate::os_rng`]).
    #[error("the operating system's randomness source failed")]
    Randomness,
    /// The [`crate::Server`] worker that owns the session is gone (stopped, or its
    /// thread ended), or the session is not (or no longer) there.
    #[error("the server worker or session is gone")]
    ServerGone,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
