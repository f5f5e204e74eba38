//! An RTP session (RFC 3550) with RTCP, SRTP and DTLS-SRTP over UDP.
//!
//! Composes the lower crates: `rtp-packet` and `rtcp` for the wire, `srtp` and `dtls` for
//! security, `jitter-buffer` for playout, `stats` for reception statistics and quality,
//! `sdp-rtcp-attr` for configuration from SDP. Two layers:
//!
//! - [`Session`], the sans-IO core: [`Session::handle_datagram`] and
//!   [`Session::handle_timeout`] take datagrams and time in; [`Session::poll_transmit`],
//!   [`Session::poll_event`], [`Session::poll_playout`] and [`Session::poll_timeout`]
//!   hand datagrams, [`Event`]s, frames and the next deadline out. Randomness (SSRC,
//!   CNAME, sequence and timestamp offsets, RTCP jitter, DTLS) comes from an injected
//!   `rand_core` CSPRNG (a seeded [`ChaCha20Rng`] makes tests deterministic).
//! - [`Driver`], the tokio driver: binds an even RTP port with RTCP on the next
//!   ([`PortRange`], or one port with rtcp-mux), runs the session on the caller's task and
//!   yields [`Output`]s (events, frames, concealments).
//! - [`TcpDriver`], the same session over one TCP connection (RFC 4571 framing, RFC 4145
//!   active or passive setup) for TCP candidates and SBCs: RTP and RTCP multiplexed, SRTP as
//!   on UDP, fixed receive and send bounds (`docs/tcp.md`).
//! - [`Server`], the many-session driver: thousands of sessions on a few worker threads
//!   (one per core), each thread polling its shard's sockets at once and keeping one
//!   timer heap; the application's [`Handler`] per session gets events, lent frames and
//!   its own wake-ups (a media clock), with no task or allocation per session or packet.
//!
//! What the core does: random local SSRC with collision resolution and loop detection
//! (RFC 3550 §8.2); remote sources validated by RFC 3550 A.1 probation, timed out after
//! five RTCP intervals, removed on BYE; an RFC 7022 random CNAME; RTCP timing of RFC 3550
//! §6.3/A.7 (5 % of the session bandwidth or `b=RS`/`b=RR`, sender and receiver shares,
//! 5 s or the reduced minimum, randomisation, timer, reverse and BYE reconsideration);
//! SR or RR + SDES CNAME compounds; RTT from report blocks; each played frame carries its
//! sender wallclock from the source's latest SR (RFC 3550 §6.4.1: [`Frame::sender_wallclock`],
//! for lip sync across sessions); feedback packets handed to the
//! application; RFC 7983 demultiplexing of RTP, RTCP, DTLS and STUN on one port;
//! symmetric RTP latching; SRTP/SRTCP on every packet once keyed, from application keys or
//! DTLS-SRTP in either role with the peer fingerprint checked; nothing sent in clear once
//! security is configured. Optional: RFC 3611 XR (RRTR/DLRR) for RTT without sending
//! media, RTP pacing, raw packets beside frames. The application sends RTCP feedback with
//! [`Session::send_feedback`] and STUN with [`Session::send_stun`]; configuration from SDP
//! comes from [`Transport::from_sdp`] and [`Bandwidth::from_sdp`].
//!
//! Without rtcp-mux, DTLS-SRTP runs one association per component (RFC 5764 §4.1): the
//! RTCP port's handshake keys SRTCP.
//!
//! Failing closed: DTLS is accepted only from the component's expected remote, a keyed
//! association reads only its own epoch, a DTLS failure tells the peer (its alert) and the
//! application ([`Event::DtlsFailed`]), peers are always authenticated by fingerprint
//! unless [`Security::DangerousDtlsAnyPeer`] says otherwise, re-applied SRTP keys keep
//! their running contexts, and the RTP and RTCP destinations move only after a probation
//! run of authenticated packets (the RTCP one never away from a signalled address while RTP
//! is where signalling said). The rules and their reasons are in `security.rs` and
//! `latch.rs`.
//!
//! SSRC collisions between two remote participants are detected as RFC 3550 §8.2 asks,
//! without cutting off a peer whose address changes (see [`Event::SourceConflict`]).
//!
//! Transport-wide congestion control, when [`Config::congestion`] says it was negotiated:
//! the transport-wide sequence number on every packet, transport-cc or RFC 8888 feedback
//! on receive, and from the peer's transport-cc, per-packet results
//! ([`Session::poll_packet_result`]) and a GCC-style [`Session::bandwidth_estimate`]
//! (docs/feedback-congestion.md).
//!
//! RTCP feedback, when negotiated ([`Config::feedback`], [`Feedback::from_sdp`] from
//! `a=rtcp-fb`): RFC 4585 AVPF timing (immediate, early and regular modes, `trr-int`),
//! generic NACKs driven by the jitter buffer's missing packets and playout deadline, a
//! bounded send history answering NACKs with RTX (RFC 4588) or plain retransmission, RTX
//! unwrapped on receive, PLI/FIR requested ([`Session::request_keyframe`], and on frames
//! lost at playout) and received ([`Event::KeyframeRequested`]); `docs/feedback.md`.
//!
//! **Why the API has this shape.** One crate to name: an application configures, runs and
//! reads a session through `rtp_session` alone, so the lower layers' types it meets (the
//! DTLS identity and role, SRTP keys and settings, jitter-buffer settings and playout, the
//! statistics types of events, payload types) are re-exported here, and the crates stay
//! usable on their own underneath. One sans-IO shape: every method that takes time takes the
//! `Instant` first, datagrams go out in buffers the caller hands back ([`Session::recycle`]),
//! and each failure is reported once (an error's message names the layer, its
//! [`std::error::Error::source`] gives the cause). One source of truth per concept: the
//! session has one media clock ([`Config::clock_rate`], which the jitter buffer's must equal:
//! [`Error::ClockRateMismatch`]; [`Config::set_media`] sets both; a video stream bundled
//! beside the audio brings its own in [`Config::bundled_video`]), and SDES keys carry their
//! SRTP settings ([`SrtpKeys`]). What the session learned outlives a source: its final
//! [`SourceQuality`] comes with [`Event::SourceLeft`], rather than from a table of departed
//! sources that would need a bound and an eviction rule of its own. Outputs and counters are
//! `#[non_exhaustive]`, so that they can grow without breaking users.
//!
//! Inside, the session is made of parts that own their state, each in its own module:
//! the local source, the remote members, the destinations and their latching, the security
//! state, the RTCP timer and the outgoing queues; `Session` composes them and coordinates
//! (see `session.rs`).
//!
//! Two sessions keyed with SRTP, exchanging a packet and its RTCP through the sans-IO API:
//!
//! ```
//! use rtp_session::{
//!     ChaCha20Rng, Component, Config, Event, MasterKey, ProtectionProfile, Security, Session,
//!     SeedableRng, SrtpKeys,
//! };
//! use std::time::{Duration, Instant};
//!
//! let profile = ProtectionProfile::AesCm128HmacSha1_80;
//! let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]);
//! let (a_addr, b_addr) = ("192.0.2.1:5004".parse()?, "192.0.2.2:5004".parse()?);
//! let config = |remote, local_key, remote_key| {
//!     let mut c = Config::new();
//!     c.transport.remote_rtp = Some(remote);
//!     c.transport.rtcp_mux = true;
//!     c.security = Security::Srtp(SrtpKeys::new(profile, local_key, remote_key));
//!     c
//! };
//! let now = Instant::now();
//! let rng = |seed| Box::new(ChaCha20Rng::from_seed([seed; 32]));
//! let mut a = Session::new(now, config(b_addr, key(1)?, key(2)?), rng(1))?;
//! let mut b = Session::new(now, config(a_addr, key(2)?, key(1)?), rng(2))?;
//!
//! // Two packets: RFC 3550 A.1 probation validates the source on the second.
//! for i in 0..2u16 {
//!     a.send(now, &[0xff; 160], 160 * u32::from(i), i == 0)?;
//!     let mut t = a.poll_transmit().expect("an SRTP packet");
//!     assert_ne!(&t.contents[12..172], &[0xff; 160][..]); // encrypted
//!     b.handle_datagram(now, Component::Rtp, a_addr, &mut t.contents);
//! }
//! let Some(Event::NewSource { ssrc, .. }) = b.poll_event() else { panic!("new source") };
//! assert_eq!(ssrc, a.local_ssrc());
//!
//! // RTCP: the first report goes out within the first (halved, randomised) interval.
//! let later = now + Duration::from_secs(5);
//! a.handle_timeout(later);
//! let mut report = a.poll_transmit().expect("an SRTCP compound");
//! b.handle_datagram(later, Component::Rtp, a_addr, &mut report.contents);
//! assert_eq!(b.counters().rtcp_received, 1);
//! assert_eq!(b.remote_cname(ssrc), Some(a.cname()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch_io;
mod config;
mod congestion;
mod driver;
mod dtmf;
mod error;
mod event;
mod feedback;
mod ice;
mod latch;
mod local;
mod members;
mod origin;
mod outbox;
mod pacer;
mod payload_map;
mod ports;
mod sdp;
mod server;
mod session;
mod sockopt;
mod source;
mod tcp;
mod timing;

pub use config::{Bandwidth, Config, MidExtension, Security, SrtpKeys, Transport};
pub use congestion::{CongestionControl, PacketResult};
pub use driver::{Binding, Driver, MediaFrame, Output, ReceiveFilter};
pub use error::{Error, Result};
pub use event::{Component, Counters, Event, LeaveReason, Transmit};
pub use feedback::{Feedback, KeyframeKind, Rtx};
pub use ice::{IceConfig, IceCredentials};
pub use payload_map::{PayloadFormat, PayloadKind, PayloadMap};
pub use ports::PortRange;
pub use server::{Handler, Server, SessionId, Stopped};
pub use session::Session;
pub use sockopt::{Dscp, SocketOptions};
pub use source::SourceQuality;
/// RTP and RTCP over TCP (RFC 4571, RFC 4145).
pub use tcp::{
    TcpCloseReason, TcpCounters, TcpDriver, TcpMedia, TcpPeerSetup, TcpSetup, TcpTransport,
    media_lines as tcp_media_lines,
};
pub use timing::{IntervalInputs, deterministic_interval};

// WebRTC offer/answer: a browser's offer read, our ICE-lite DTLS-SRTP Opus answer written.
mod webrtc;
pub use webrtc::{
    AnswerParams, MediaDirection, RemoteSource, SDES_MID_URI, Setup, WebRtcOffer, WebRtcSdpError,
};

// The lower layers' types a session's user meets, so that `rtp_session` is the one crate
// an application needs to name: the DTLS identity and roles of `Security::Dtls`, the SRTP
// keys of `SrtpKeys`, the jitter buffer's settings and output, the statistics the session
// reports and the RTP and RTCP types its methods take.
/// Randomness: the session takes any `rand_core` CSPRNG; [`ChaCha20Rng`] seeded with
/// [`SeedableRng::from_seed`] makes a run repeatable, [`ChaCha20Rng::from_rng`] over the
/// operating system's source is what production code wants.
pub use chacha20::ChaCha20Rng;
/// The DTLS versions ([`DtlsConfig::max_version`] caps what is negotiated).
pub use dtls::ProtocolVersion as DtlsVersion;
pub use dtls::{
    Certificate, CipherSuite, Config as DtlsConfig, Error as DtlsError, Fingerprint, HashFunction,
    KeyLog, KeyLogFile, NamedGroup, Role,
};
pub use rand_core::{CryptoRng, SeedableRng};

/// A ChaCha20 generator seeded once from the operating system's randomness source: what a
/// [`Session`] or [`Driver`] in production takes. Fails only on a system without one.
pub fn os_rng() -> Result<ChaCha20Rng> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| Error::Randomness)?;
    let rng = ChaCha20Rng::from_seed(seed);
    seed.fill(0);
    Ok(rng)
}
pub use jitter_buffer::{
    ConcealReason, Concealment, Config as JitterBufferConfig, DelayMode, Frame, MediaKind, Playout,
    TimeStretch,
};
pub use rtcp::AnyPacket as RtcpPacket;
/// The sender wallclock of delivered frames ([`Frame::sender_wallclock`],
/// [`MediaFrame::sender_wallclock`]) and of RTCP sender reports.
pub use rtcp::NtpTime;
pub use rtp_packet::{ClockRate, PayloadType};
/// Re-exported for [`WebRtcOffer::video_feedback`].
pub use sdp_rtcp_attr::FeedbackSet;
/// Re-exported for [`Transport::from_sdp`].
pub use sdp_rtcp_attr::MuxPolicy;
pub use srtp::{Config as SrtpConfig, MasterKey, ProtectionProfile, SsrcPolicy};
// SDES (RFC 4568): `srtp::sdes` re-exported, with `SrtpKeys::from_sdes`.
pub mod sdes;
pub use stats::{AlertEvent, Codec, Metric, OpusBandwidth, OpusConfig, OpusMode};
