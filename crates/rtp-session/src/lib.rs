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
//!   `rand_core` CSPRNG (a seeded one makes tests deterministic).
//! - [`Driver`], the tokio driver: binds an even RTP port with RTCP on the next
//!   ([`PortRange`], or one port with rtcp-mux), runs the session on the caller's task and
//!   yields [`Output`]s (events, frames, concealments).
//!
//! What the core does: random local SSRC with collision resolution and loop detection
//! (RFC 3550 §8.2); remote sources validated by RFC 3550 A.1 probation, timed out after
//! five RTCP intervals, removed on BYE; an RFC 7022 random CNAME; RTCP timing of RFC 3550
//! §6.3/A.7 (5 % of the session bandwidth or `b=RS`/`b=RR`, sender and receiver shares,
//! 5 s or the reduced minimum, randomisation, timer, reverse and BYE reconsideration);
//! SR or RR + SDES CNAME compounds; RTT from report blocks; feedback packets handed to the
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
//! Not done here: RFC 4585 early-feedback timing (feedback is sent when asked).
//!
//! Two sessions keyed with SRTP, exchanging a packet and its RTCP through the sans-IO API:
//!
//! ```
//! use rtp_session::{Component, Config, Event, Security, Session};
//! use srtp::{MasterKey, ProtectionProfile};
//! use std::time::{Duration, Instant};
//!
//! let profile = ProtectionProfile::AesCm128HmacSha1_80;
//! let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]);
//! let (a_addr, b_addr) = ("192.0.2.1:5004".parse()?, "192.0.2.2:5004".parse()?);
//! let config = |remote, local_key, remote_key| -> Result<Config, srtp::Error> {
//!     let mut c = Config::new();
//!     c.transport.remote_rtp = Some(remote);
//!     c.transport.rtcp_mux = true;
//!     c.security = Security::Srtp { profile, local: local_key, remote: remote_key };
//!     Ok(c)
//! };
//! let now = Instant::now();
//! use rand_core::SeedableRng;
//! let rng = |seed| Box::new(chacha20::ChaCha20Rng::from_seed([seed; 32]));
//! let mut a = Session::new(config(b_addr, key(1)?, key(2)?)?, rng(1), now)?;
//! let mut b = Session::new(config(a_addr, key(2)?, key(1)?)?, rng(2), now)?;
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

mod config;
mod driver;
mod error;
mod event;
mod latch;
mod origin;
mod pacer;
mod ports;
mod receive;
mod report;
mod sdp;
mod security;
mod session;
mod source;
pub mod timing;

pub use config::{Bandwidth, Config, Security, Transport};
pub use driver::{Binding, Driver, MediaFrame, Output};
pub use error::{Error, Result};
pub use event::{Component, Counters, Event, LeaveReason, Transmit};
pub use ports::PortRange;
/// Re-exported for [`Transport::from_sdp`].
pub use sdp_rtcp_attr::MuxPolicy;
pub use session::{Session, normalise};
pub use source::SourceQuality;
