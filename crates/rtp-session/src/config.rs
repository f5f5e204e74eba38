//! How a session behaves: media, RTCP bandwidth, transport and security.

use crate::sockopt::SocketOptions;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rtp_packet::PayloadType;

use crate::payload_map::PayloadMap;

/// The RTCP bandwidth of a session (RFC 3550 §6.2, RFC 3556).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandwidth {
    /// The session bandwidth in bits per second (SDP `b=AS`, in kbit/s there). RTCP gets
    /// 5 % of it, a quarter for senders and the rest for receivers.
    pub session_bps: u64,
    /// SDP `b=RS`: the RTCP bandwidth of senders in bits per second (RFC 3556 §2).
    pub rtcp_senders_bps: Option<u64>,
    /// SDP `b=RR`: the RTCP bandwidth of receivers in bits per second (RFC 3556 §2).
    pub rtcp_receivers_bps: Option<u64>,
    /// Use the reduced minimum interval, 360 s divided by the session bandwidth in kbit/s
    /// (RFC 3550 §6.2), instead of 5 s.
    pub reduced_minimum: bool,
}

impl Bandwidth {
    /// A session of `session_bps` bits per second with the RFC 3550 defaults.
    pub fn new(session_bps: u64) -> Self {
        Self {
            session_bps,
            rtcp_senders_bps: None,
            rtcp_receivers_bps: None,
            reduced_minimum: false,
        }
    }
}

impl Default for Bandwidth {
    /// 64 kbit/s plus headers: one G.711 stream.
    fn default() -> Self {
        Self::new(80_000)
    }
}

/// How RTP and RTCP use the transport.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// Where the peer receives RTP, when known. Without it the session latches onto the
    /// first validated source's address.
    pub remote_rtp: Option<SocketAddr>,
    /// Where the peer receives RTCP (RTP port + 1, `a=rtcp`, or the RTP address when
    /// multiplexed).
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share one port (RFC 5761 `a=rtcp-mux`).
    pub rtcp_mux: bool,
    /// Reduced-size RTCP is accepted (RFC 5506 `a=rtcp-rsize`).
    pub rtcp_rsize: bool,
    /// Symmetric RTP: move to the address the peer's packets really come from (RFC 4961).
    pub latching: bool,
    /// Consecutive packets of the same SSRC from a new address before latching onto it.
    pub latch_probation: u32,
    /// How many times the session may move to another address after the first latch.
    pub max_relatches: u32,
    /// DSCP marking, buffer sizes and the IPv6-only choice for the sockets the driver or
    /// server binds (DSCP and buffer sizes also for sockets handed to
    /// [`crate::Driver::from_std`] and [`crate::Server::add_std`]); the sans-IO
    /// [`crate::Session`] ignores it.
    pub socket: SocketOptions,
    /// RTP and RTCP over TCP (RFC 4571) instead of UDP, connecting or listening: run by
    /// [`crate::TcpDriver`]. `None` (the default): UDP.
    pub tcp: Option<crate::TcpTransport>,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            remote_rtp: None,
            remote_rtcp: None,
            rtcp_mux: false,
            rtcp_rsize: false,
            latching: true,
            latch_probation: 3,
            max_relatches: 4,
            socket: SocketOptions::default(),
            tcp: None,
        }
    }
}

/// Where SRTP keys come from. Once anything but [`Security::None`] is configured, nothing
/// leaves the session in clear.
pub enum Security {
    /// Plain RTP and RTCP.
    None,
    /// SRTP with keys given by the application (SDES, RFC 4568, or pre-shared).
    Srtp(SrtpKeys),
    /// DTLS-SRTP (RFC 5764) on the media socket.
    Dtls {
        /// Client (sends the ClientHello) or server.
        role: dtls::Role,
        /// The DTLS configuration, with our certificate and the SRTP profiles offered.
        config: Arc<dtls::Config>,
        /// The fingerprints the peer's signalling announced (`a=fingerprint`, RFC 8122);
        /// the handshake fails unless the peer's certificate matches one. An empty list is
        /// refused with [`crate::Error::NoPeerFingerprints`].
        peer_fingerprints: Vec<dtls::Fingerprint>,
    },
    /// DTLS-SRTP that accepts **any** peer certificate: no authentication at all, so anyone
    /// who can reach the socket first (or sits on the path) can key the session. For tests
    /// and for peers whose fingerprint truly cannot be known; never the default, and logged
    /// loudly when used (`dtls::Connection::dangerous_accept_any_peer_certificate`).
    DangerousDtlsAnyPeer {
        /// Client (sends the ClientHello) or server.
        role: dtls::Role,
        /// The DTLS configuration, with our certificate and the SRTP profiles offered.
        config: Arc<dtls::Config>,
    },
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Security::None => f.write_str("None"),
            Security::Srtp(keys) => write!(f, "Srtp({keys:?})"),
            Security::Dtls { role, .. } => write!(f, "Dtls({role:?})"),
            Security::DangerousDtlsAnyPeer { role, .. } => {
                write!(f, "DangerousDtlsAnyPeer({role:?})")
            }
        }
    }
}

/// SRTP master keys the application gives (SDES `a=crypto`, RFC 4568, or pre-shared), with
/// the SRTP settings of both directions' contexts (replay window, SSRC policy, key
/// derivation rate...). `Debug` prints the profile, never the keys.
#[derive(Clone)]
pub struct SrtpKeys {
    /// The protection profile.
    pub profile: srtp::ProtectionProfile,
    /// The master key protecting what this side sends.
    pub local: srtp::MasterKey,
    /// The master key of what the peer sends.
    pub remote: srtp::MasterKey,
    /// The SRTP settings of both contexts.
    pub config: srtp::Config,
}

impl SrtpKeys {
    /// `local` and `remote` keys of `profile` with the default SRTP settings.
    pub fn new(
        profile: srtp::ProtectionProfile,
        local: srtp::MasterKey,
        remote: srtp::MasterKey,
    ) -> Self {
        Self {
            profile,
            local,
            remote,
            config: srtp::Config::default(),
        }
    }
}

impl std::fmt::Debug for SrtpKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpKeys")
            .field("profile", &self.profile.name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Everything a [`crate::Session`] needs. Start from [`Config::new`] and change fields
/// (the struct is `#[non_exhaustive]`, so fields can be added without breaking callers).
#[non_exhaustive]
#[derive(Debug)]
pub struct Config {
    /// The payload type of what this side sends: the main audio codec. Received packets of
    /// this type are audio whether or not [`Config::payload_map`] lists it.
    pub payload_type: PayloadType,
    /// The other payload types of the session, from `a=rtpmap`/`a=fmtp`
    /// ([`PayloadMap::from_sdp`]) or built by hand: telephone events (RFC 4733), comfort
    /// noise (RFC 3389) and other codecs, each routed by its kind. Empty (the default):
    /// every received payload type is audio, as before the map existed, except the static
    /// comfort-noise type 13. Not empty: a payload type that is neither listed nor
    /// [`Config::payload_type`] is counted in [`crate::Counters::unknown_payload_type`]
    /// and dropped.
    pub payload_map: PayloadMap,
    /// The update interval of RFC 4733 events sent with [`crate::Session::send_dtmf`]: one
    /// packet per interval (RFC 4733 §2.5.1.2). Default 50 ms.
    pub dtmf_interval: Duration,
    /// How long a received telephone event may go without a packet before it is taken as
    /// ended, when all its end packets were lost (RFC 4733 §2.5.2). Default 500 ms.
    pub dtmf_timeout: Duration,
    /// The RTP clock rate of the media, in Hz: the one media clock of the session, for
    /// what it sends, the statistics of what it receives and the jitter buffer (except a
    /// bundled video stream's, [`Config::bundled_video`]).
    pub clock_rate: rtp_packet::ClockRate,
    /// Receive-side jitter buffer settings, one buffer per remote source. Its
    /// `clock_rate` must equal [`Config::clock_rate`] ([`crate::Error::ClockRateMismatch`]
    /// otherwise); [`Config::set_media`] sets both.
    pub jitter_buffer: jitter_buffer::Config,
    /// The codec, for the E-model MOS estimate; `None` leaves MOS unknown.
    pub codec: Option<stats::Codec>,
    /// RTCP bandwidth.
    pub bandwidth: Bandwidth,
    /// Our SSRC; `None` (the default) draws a random one (RFC 3550 §8.1). Either way a
    /// collision replaces it with a random one ([`crate::Event::SsrcCollision`]).
    pub local_ssrc: Option<u32>,
    /// Addresses, multiplexing and latching.
    pub transport: Transport,
    /// SRTP keys, DTLS-SRTP or nothing.
    pub security: Security,
    /// The wallclock at the instant passed to [`crate::Session::new`], for SR NTP times.
    /// `None` (the default) reads the system clock once, in `Session::new`: the
    /// configuration itself never reads a clock, and a test or a replay sets a fixed origin
    /// to get the same NTP timestamps on every run.
    pub wallclock_origin: Option<SystemTime>,
    /// The most remote sources tracked at once; packets of more are dropped and counted.
    pub max_remote_sources: usize,
    /// The largest payload [`crate::Session::send`] accepts.
    pub max_payload: usize,
    /// Hand every received RTP packet to the application as [`crate::Event::RtpPacket`]
    /// too (it costs a copy per packet).
    pub raw_packets: bool,
    /// Add RFC 3611 XR blocks to each compound: a Receiver Reference Time block, and DLRR
    /// answers to the peers' ones, so that a participant that only receives can measure
    /// RTT too (RFC 3611 §4.4, §4.5).
    pub send_xr: bool,
    /// Pace outgoing RTP at this many bits per second (packets queue and leave when the
    /// budget allows, so a video frame's burst is spread out); `None` sends at once.
    pub pacing_bps: Option<u64>,
    /// The BYE reason sent on close.
    pub bye_reason: Option<String>,
    /// ICE-lite on the media socket (RFC 8445 §2.5): the session answers connectivity
    /// checks and sends only to the address they nominate (see `ice.rs`). Needs
    /// `transport.rtcp_mux` and no configured remote address; latching is off, since ICE
    /// decides where media goes. `None` (the default): STUN is handed to the application
    /// as [`crate::Event::Stun`].
    pub ice: Option<crate::IceConfig>,
    /// Write the media section's MID in every RTP packet sent (RFC 9143 §15), as a BUNDLE
    /// peer such as a browser expects.
    pub mid: Option<MidExtension>,
    /// Transport-wide congestion control: the transport-wide sequence number on every
    /// packet sent, transport-cc or RFC 8888 feedback on receive, and the bandwidth
    /// estimate (`docs/feedback-congestion.md`). Off by default.
    pub congestion: crate::CongestionControl,
    /// RTCP feedback (RFC 4585 AVPF, RFC 4588 RTX, RFC 5104 FIR): generic NACK with a send
    /// history, PLI/FIR, `trr-int` ([`crate::Feedback::from_sdp`]). Off by default.
    pub feedback: crate::Feedback,
    /// A video stream bundled with the session's audio on one transport (RFC 8843, what a
    /// browser's BUNDLE group does): a remote source whose RTP is of a
    /// [`crate::PayloadKind::Video`] payload type in [`Config::payload_map`] gets this
    /// jitter buffer, and statistics at its clock rate, instead of [`Config::jitter_buffer`].
    /// Then only video sources are NACKed and asked for keyframes ([`Config::feedback`]
    /// serves the video stream). `None` (the default): every source gets
    /// [`Config::jitter_buffer`], as a one-media session always did. See
    /// `docs/webrtc.md` for why one session carries both.
    pub bundled_video: Option<jitter_buffer::Config>,
}

/// The `urn:ietf:params:rtp-hdrext:sdes:mid` header extension (RFC 9143 §15): the local
/// extension ID the SDP negotiated (`a=extmap`) and the media section's `a=mid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MidExtension {
    /// The one-byte-header extension ID, 1 to 14.
    pub id: u8,
    /// The MID value, 1 to 16 bytes.
    pub mid: String,
}

impl Config {
    /// G.711 µ-law defaults: payload type 0 at 8 kHz, audio jitter buffer, 80 kbit/s
    /// session bandwidth, no security, the wallclock read when the session starts.
    pub fn new() -> Self {
        Self {
            payload_type: PayloadType::PCMU,
            payload_map: PayloadMap::new(),
            dtmf_interval: Duration::from_millis(50),
            dtmf_timeout: Duration::from_millis(500),
            clock_rate: rtp_packet::ClockRate::NARROWBAND,
            jitter_buffer: jitter_buffer::Config::audio(rtp_packet::ClockRate::NARROWBAND),
            codec: Some(stats::Codec::G711Plc),
            bandwidth: Bandwidth::default(),
            local_ssrc: None,
            transport: Transport::default(),
            security: Security::None,
            wallclock_origin: None,
            max_remote_sources: 64,
            max_payload: 1400,
            raw_packets: false,
            send_xr: false,
            pacing_bps: None,
            bye_reason: None,
            ice: None,
            mid: None,
            congestion: crate::CongestionControl::default(),
            feedback: crate::Feedback::default(),
            bundled_video: None,
        }
    }

    /// Sends `payload_type` and takes media at `clock_rate` Hz: sets the session's clock
    /// rate and the jitter buffer's to the same value, keeping the rest of the jitter
    /// buffer settings.
    pub fn set_media(&mut self, payload_type: PayloadType, clock_rate: rtp_packet::ClockRate) {
        self.payload_type = payload_type;
        self.clock_rate = clock_rate;
        self.jitter_buffer.clock_rate = clock_rate;
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
