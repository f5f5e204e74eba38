//! The sans-IO session core: datagrams and time in; datagrams, events, frames and the next
//! timeout out.
//!
//! **Parts that own their state.** A session touches six kinds of state, and each lives in
//! a struct with private fields in its own module: [`LocalSource`] (`local.rs`: our SSRC,
//! sequence, timestamp offset and sender statistics), [`Members`] (`members.rs`: the remote
//! sources, departed sources still playing out, the SSRC-conflict list), [`Destinations`]
//! (`latch.rs`: where RTP and RTCP go, and the latching that may move them),
//! [`SecurityState`] (`security.rs`: SRTP contexts, applied keys, DTLS associations),
//! [`RtcpTimer`] (`timing.rs`: RFC 3550 §6.3 scheduling) and [`Outbox`] (`outbox.rs`: the
//! bounded queues of datagrams and events, the pacer and spare buffers). `Session` holds
//! one of each and coordinates them: the receive path (`receive.rs`), RTCP (`report.rs`)
//! and DTLS (`security.rs`) are `impl Session` blocks that change a part only through its
//! methods. A rule that spans parts (RTCP latching waits while RTP is where signalling
//! said; a DTLS server adopts the address of its first ClientHello) is written once, in the
//! part that owns the state it changes.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use jitter_buffer::Playout;
use rand_core::CryptoRng;
use rtp_packet::extension::TransportSequenceNumber;
use rtp_packet::payload::comfort_noise::ComfortNoise;
use rtp_packet::payload::telephone_event::MAX_VOLUME;
use rtp_packet::{ClockRate, CsrcList, ExtensionForm, PacketWriter, PayloadType};

mod congestion;
mod connectivity;
mod feedback;
mod receive;
mod report;
mod security;

use crate::config::Config;
use crate::congestion::{Congestion, PacketResult};
use crate::dtmf::{Digit, DtmfReceiver, DtmfSender};
use crate::error::{Error, Result};
use crate::event::{Component, Counters, Event, Transmit};
use crate::feedback::FeedbackState;
use crate::ice::IceLite;
use crate::latch::Destinations;
use crate::local::LocalSource;
use crate::members::Members;
use crate::outbox::Outbox;
use crate::payload_map::{PayloadKind, PayloadMap};
use crate::source::SourceQuality;
use crate::timing::RtcpTimer;
use security::{Protection, SecurityState};

/// Room after an RTP or RTCP packet for the SRTP tag and MKI (AEAD tag 16, HMAC 10,
/// SRTCP index 4, MKI up to 16).
const SRTP_OVERHEAD: usize = 48;

/// Where the session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Sending and receiving.
    Open,
    /// [`Session::close`] was called; the BYE waits for BYE reconsideration.
    Closing,
    /// The BYE went out: nothing more happens.
    Closed,
}

/// An RTP session (RFC 3550), sans-IO.
///
/// Feed it datagrams with [`Session::handle_datagram`] and time with
/// [`Session::handle_timeout`] (when [`Session::poll_timeout`] says); take out datagrams
/// with [`Session::poll_transmit`], events with [`Session::poll_event`] and media with
/// [`Session::poll_playout`]. [`crate::Driver`] does all of this over tokio sockets.
///
/// Inside, it is made of parts that own their state (see the module documentation of
/// `session.rs`).
pub struct Session {
    config: Config,
    rng: Box<dyn CryptoRng + Send>,
    /// The instant given to [`Session::new`], and the wallclock at that instant
    /// (`config.wallclock_origin`, or the system clock read once then).
    origin: Instant,
    wallclock_origin: SystemTime,
    /// Shared, so that an RTCP compound can borrow it while the session sends.
    cname: std::sync::Arc<str>,
    local: LocalSource,
    members: Members,
    paths: Destinations,
    security: SecurityState,
    timer: RtcpTimer,
    /// The latest RTT measured from report blocks or DLRR about our stream.
    rtt: Option<Duration>,
    outbox: Outbox,
    counters: Counters,
    phase: Phase,
    /// Transport-wide congestion control (`congestion/`, glue in `session/congestion.rs`).
    congestion: Congestion,
    /// ICE-lite, when configured (`connectivity.rs`).
    ice: Option<IceLite>,
    /// RFC 4733 events to send (`dtmf.rs`).
    dtmf_tx: DtmfSender,
    /// RFC 4733 events the remote sources are sending (`dtmf.rs`).
    dtmf_rx: DtmfReceiver,
    /// RTCP feedback: AVPF timing, send history, RTX (`feedback.rs`, `crate::feedback`).
    feedback: FeedbackState,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("ssrc", &self.local.ssrc())
            .field("cname", &self.cname)
            .field("members", &self.members.count())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session starting at `now`, drawing its SSRC, CNAME (RFC 7022: random, stable for
    /// the session), sequence and timestamp offsets and RTCP randomisation from `rng`.
    /// With [`crate::Security::Dtls`] the handshake starts at once (a client's ClientHello is
    /// queued as soon as the remote address is known).
    pub fn new(
        now: Instant,
        mut config: Config,
        mut rng: Box<dyn CryptoRng + Send>,
    ) -> Result<Self> {
        if config.ice.is_some() {
            if !config.transport.rtcp_mux {
                return Err(Error::BadConfig(
                    "ICE-lite sessions multiplex RTCP (rtcp-mux)",
                ));
            }
            if config.transport.remote_rtp.is_some() || config.transport.remote_rtcp.is_some() {
                return Err(Error::BadConfig(
                    "with ICE the remote address comes from the nominating check",
                ));
            }
            // ICE decides where media goes; nothing may move it.
            config.transport.latching = false;
        }
        if let Some(mid) = &config.mid
            && (!(1..=14).contains(&mid.id) || !(1..=16).contains(&mid.mid.len()))
        {
            return Err(Error::BadConfig(
                "a MID extension has an ID of 1 to 14 and a MID of 1 to 16 bytes",
            ));
        }
        config.congestion.check().map_err(Error::BadConfig)?;
        if let (Some(mid), Some(id)) = (&config.mid, config.congestion.transport_sequence_id)
            && mid.id == id
        {
            return Err(Error::BadConfig(
                "the MID and transport-cc extensions share an ID",
            ));
        }
        if config.dtmf_interval.is_zero() || config.dtmf_timeout.is_zero() {
            return Err(Error::BadConfig(
                "the telephone-event interval and timeout are not zero",
            ));
        }
        if config.jitter_buffer.clock_rate != config.clock_rate {
            return Err(Error::ClockRateMismatch {
                session: config.clock_rate.hz(),
                jitter_buffer: config.jitter_buffer.clock_rate.hz(),
            });
        }
        jitter_buffer::JitterBuffer::new(config.jitter_buffer.clone())?;
        let cname = random_cname(rng.as_mut()).into();
        let random_ssrc = random_u32(rng.as_mut());
        let local = LocalSource::new(
            config.local_ssrc.unwrap_or(random_ssrc),
            random_u32(rng.as_mut()) as u16,
            random_u32(rng.as_mut()),
            config.clock_rate,
        );
        let unit = random_unit(rng.as_mut());
        // Drawn only when RTX is used, so that other sessions' random sequences stay as
        // they were.
        let (rtx_ssrc, rtx_seq) = match config.feedback.rtx {
            Some(_) if config.feedback.nack => {
                (random_u32(rng.as_mut()), random_u32(rng.as_mut()) as u16)
            }
            _ => (0, 0),
        };
        let mut timer = RtcpTimer::new(config.bandwidth, now, unit);
        if config.feedback.is_avpf() {
            timer.set_avpf(now, unit);
        }
        let mut session = Self {
            rng,
            origin: now,
            wallclock_origin: config.wallclock_origin.unwrap_or_else(SystemTime::now),
            cname,
            local,
            members: Members::new(
                config.max_remote_sources,
                config.jitter_buffer.clone(),
                config.bundled_video.clone(),
            ),
            paths: Destinations::new(&config.transport),
            security: SecurityState::new(&config.security),
            timer,
            feedback: FeedbackState::new(&config.feedback, rtx_ssrc, rtx_seq),
            rtt: None,
            outbox: Outbox::new(config.pacing_bps),
            counters: Counters::default(),
            phase: Phase::Open,
            ice: config.ice.clone().map(|ice| IceLite::new(ice, now)),
            dtmf_tx: DtmfSender::new(config.clock_rate, config.dtmf_interval),
            dtmf_rx: DtmfReceiver::new(config.max_remote_sources, config.dtmf_timeout),
            congestion: Congestion::new(&config.congestion, now),
            config,
        };
        session.configure_security(now)?;
        Ok(session)
    }

    /// Sets where the peer receives RTP and RTCP (from new signalling). With rtcp-mux the
    /// RTCP address is ignored. With ICE ([`Config::ice`]) the destination is the nominated
    /// address and this does nothing (a warning is logged).
    pub fn set_remote(&mut self, rtp: SocketAddr, rtcp: SocketAddr) {
        if self.ice.is_some() {
            tracing::warn!(%rtp, "set_remote ignored: ICE nominates the destination");
            return;
        }
        self.set_destination(rtp, rtcp);
    }

    fn set_destination(&mut self, rtp: SocketAddr, rtcp: SocketAddr) {
        self.paths.set_remote(normalise(rtp), normalise(rtcp));
        self.pump_dtls();
    }

    /// Applies the remote side of a transport read from the peer's SDP
    /// ([`crate::Transport::from_sdp`]): its RTP and RTCP addresses and reduced-size RTCP.
    /// Multiplexing is fixed when the sockets are bound, so a transport that disagrees
    /// with this session's `rtcp_mux` is refused.
    pub fn set_remote_transport(&mut self, transport: &crate::Transport) -> Result<()> {
        if transport.rtcp_mux != self.config.transport.rtcp_mux {
            return Err(Error::BadConfig(
                "the peer's rtcp-mux differs from this session's",
            ));
        }
        let rtp = transport.remote_rtp.ok_or(Error::NoRemote)?;
        let rtcp = transport.remote_rtcp.unwrap_or(rtp);
        self.config.transport.rtcp_rsize = transport.rtcp_rsize;
        self.set_remote(rtp, rtcp);
        Ok(())
    }

    /// Our SSRC (it changes after a collision, [`Event::SsrcCollision`]).
    pub fn local_ssrc(&self) -> u32 {
        self.local.ssrc()
    }

    /// Our CNAME (RFC 7022: random, stable for the session).
    pub fn cname(&self) -> &str {
        &self.cname
    }

    /// Where RTP goes now (configured or latched).
    pub fn remote_rtp(&self) -> Option<SocketAddr> {
        self.paths.rtp()
    }

    /// Where RTCP goes now: the signalled or latched RTCP address; without one, the RTP
    /// destination (rtcp-mux) or its port + 1 (RFC 3550 §11).
    pub fn remote_rtcp(&self) -> Option<SocketAddr> {
        self.paths.rtcp()
    }

    /// True when packets can be sent: no security, or SRTP keyed.
    pub fn is_keyed(&self) -> bool {
        self.security.is_keyed()
    }

    /// The validated remote sources' SSRCs.
    pub fn remote_sources(&self) -> impl Iterator<Item = u32> + '_ {
        self.members.validated().map(|(ssrc, _)| ssrc)
    }

    /// The CNAME a remote source announced in SDES, when it did.
    pub fn remote_cname(&self, ssrc: u32) -> Option<&str> {
        self.members.get(ssrc)?.cname.as_deref()
    }

    /// Quality figures of a remote source (loss, jitter, RTT, playout delay, MOS). Those
    /// of a source that left come with [`Event::SourceLeft`].
    pub fn quality(&self, ssrc: u32) -> Option<SourceQuality> {
        let source = self.members.get(ssrc)?;
        Some(source.quality(self.rtt, self.config.codec))
    }

    /// The latest RTT measured from report blocks about our stream.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// The session's datagram counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The bandwidth estimate for what we send, bits per second: the smaller of the
    /// delay-based (GCC-style trend line) and loss-based estimates computed from the peer's
    /// transport-cc (or RFC 8888) feedback (`docs/feedback-congestion.md`). `None` unless
    /// [`crate::CongestionControl::transport_sequence_id`] or
    /// [`crate::CongestionControl::ccfb_feedback`] is set; the configured start value until
    /// feedback arrives.
    pub fn bandwidth_estimate(&self) -> Option<u64> {
        self.congestion.estimate()
    }

    /// The next per-packet result computed from the peer's feedback (send time, arrival
    /// or loss, size), when [`crate::CongestionControl::packet_results`] asked for them.
    pub fn poll_packet_result(&mut self) -> Option<PacketResult> {
        self.congestion.poll_result()
    }

    /// Sends one RTP packet: `payload` with media `timestamp` (the session adds its random
    /// offset, RFC 3550 §5.1) and the marker bit; the sequence number is the session's.
    pub fn send(
        &mut self,
        now: Instant,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<()> {
        self.send_mixed(now, payload, timestamp, marker, &[])
    }

    /// As [`Session::send`], with the contributing sources of a mixer (RFC 3550 §7.1:
    /// CSRC list, at most 15).
    pub fn send_mixed(
        &mut self,
        now: Instant,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        csrcs: &[u32],
    ) -> Result<()> {
        let payload_type = self.config.payload_type;
        self.send_packet(now, payload_type, payload, timestamp, marker, csrcs)?;
        self.dtmf_tx.on_audio_sent(now, timestamp);
        Ok(())
    }

    /// As [`Session::send`], with payload type `payload_type`: the session's own
    /// ([`Config::payload_type`]), one of [`Config::payload_map`], or the static
    /// comfort-noise type 13. Any other is [`Error::UnknownPayloadType`]. The timestamp is in
    /// the session's media clock, as for every packet of the stream (RFC 3550 §5.1: one
    /// SSRC, one timestamp space). Packets of an audio payload type move the media clock
    /// that [`Session::send_dtmf`] reads.
    pub fn send_as(
        &mut self,
        now: Instant,
        payload_type: PayloadType,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<()> {
        let kind = self
            .route(payload_type)
            .filter(|_| {
                payload_type == self.config.payload_type
                    || payload_type == PayloadType::CN
                    || self.config.payload_map.get(payload_type).is_some()
            })
            .map(|(kind, _)| kind)
            .ok_or(Error::UnknownPayloadType {
                payload_type: payload_type.value(),
            })?;
        self.send_packet(now, payload_type, payload, timestamp, marker, &[])?;
        if kind == PayloadKind::Audio {
            self.dtmf_tx.on_audio_sent(now, timestamp);
        }
        Ok(())
    }

    /// Sends one comfort-noise packet (RFC 3389) at media `timestamp`, where the silence
    /// starts: with the payload map's `CN` payload type at the session's clock rate, or the
    /// static type 13 at 8000 Hz. Without one, [`Error::NoPayloadType`]. The application
    /// sends it when its speech stops (and again when the noise changes), and marks the
    /// next audio packet as a talkspurt start (RFC 3551 §4.1).
    pub fn send_comfort_noise(
        &mut self,
        now: Instant,
        noise: &ComfortNoise<'_>,
        timestamp: u32,
    ) -> Result<()> {
        let rate = self.config.clock_rate;
        let payload_type = self
            .config
            .payload_map
            .find(PayloadKind::ComfortNoise, rate)
            .or((rate == ClockRate::NARROWBAND).then_some(PayloadType::CN))
            .ok_or(Error::NoPayloadType { encoding: "CN" })?;
        let mut payload = [0u8; 256];
        let len = noise.write(&mut payload)?;
        let payload = payload.get(..len).unwrap_or_default();
        self.send_packet(now, payload_type, payload, timestamp, false, &[])
    }

    /// Sends the RFC 4733 telephone event `event` (a DTMF digit: 0–9, 10 `*`, 11 `#`, 12–15
    /// `A`–`D`; `rtp_packet::payload::telephone_event::dtmf_event` maps characters) lasting
    /// `duration` at `volume` (0 to 63, −dBm0), with the payload map's `telephone-event`
    /// payload type at the session's clock rate ([`Error::NoPayloadType`] without one).
    ///
    /// The first packet leaves at once (or when the digits queued before it are done, one
    /// digit at a time, at most 64 waiting): it carries the marker bit and the event's onset
    /// timestamp, the audio's media timestamp now (the last audio packet's timestamp plus
    /// the time since, at the session's clock rate). Updates follow every
    /// [`Config::dtmf_interval`] from [`Session::handle_timeout`], with the duration so far;
    /// the end packet goes three times; an event longer than 0xFFFF ticks is sent in
    /// segments (RFC 4733 §2.5.1, `rtp_packet::payload::telephone_event::EventSchedule`).
    /// Audio is not paused: the application may keep sending it, with its own timestamps,
    /// or stop while the digit plays (RFC 4733 lets a sender do either).
    ///
    /// Fails, sending nothing, when the session is closed, not keyed or has no remote, on a
    /// volume above 63, a duration of zero ticks or of 2^32 ticks or more, or a full queue.
    pub fn send_dtmf(
        &mut self,
        now: Instant,
        event: u8,
        duration: Duration,
        volume: u8,
    ) -> Result<()> {
        if self.phase != Phase::Open {
            return Err(Error::Closed);
        }
        if !self.security.is_keyed() {
            return Err(Error::NotKeyed);
        }
        self.paths.rtp().ok_or(Error::NoRemote)?;
        self.telephone_event_type()?;
        if volume > MAX_VOLUME {
            return Err(Error::InvalidDtmf("volume above 63"));
        }
        let duration_ticks = self.dtmf_tx.ticks(duration).ok_or(Error::InvalidDtmf(
            "duration of zero ticks or of 2^32 or more",
        ))?;
        if !self.dtmf_tx.push(Digit {
            event,
            duration_ticks,
            volume,
        }) {
            return Err(Error::InvalidDtmf("64 digits are already waiting"));
        }
        self.pump_dtmf(now);
        Ok(())
    }

    /// Telephone events queued or being sent by [`Session::send_dtmf`].
    pub fn dtmf_pending(&self) -> usize {
        self.dtmf_tx.pending()
    }

    /// The payload types the session routes ([`Config::payload_map`]).
    pub fn payload_map(&self) -> &PayloadMap {
        &self.config.payload_map
    }

    /// What a received packet of `payload_type` is and its clock rate, or `None` when the
    /// session does not know it (see [`Config::payload_map`]).
    pub(crate) fn route(&self, payload_type: PayloadType) -> Option<(PayloadKind, ClockRate)> {
        let map = &self.config.payload_map;
        if let Some(format) = map.get(payload_type) {
            return Some((format.kind, format.clock_rate));
        }
        if payload_type == self.config.payload_type {
            return Some((PayloadKind::Audio, self.config.clock_rate));
        }
        if payload_type == PayloadType::CN {
            return Some((PayloadKind::ComfortNoise, ClockRate::NARROWBAND));
        }
        map.is_empty()
            .then_some((PayloadKind::Audio, self.config.clock_rate))
    }

    fn telephone_event_type(&self) -> Result<PayloadType> {
        self.config
            .payload_map
            .find(PayloadKind::TelephoneEvent, self.config.clock_rate)
            .ok_or(Error::NoPayloadType {
                encoding: "telephone-event",
            })
    }

    /// Sends the telephone-event packets due at `now`.
    fn pump_dtmf(&mut self, now: Instant) {
        let Ok(payload_type) = self.telephone_event_type() else {
            return;
        };
        while let Some(packet) = self.dtmf_tx.poll(now, self.origin) {
            let sent = packet
                .report
                .to_bytes()
                .map_err(Error::from)
                .and_then(|bytes| {
                    self.send_packet(
                        now,
                        payload_type,
                        &bytes,
                        packet.timestamp,
                        packet.marker,
                        &[],
                    )
                });
            if let Err(error) = sent {
                tracing::debug!(%error, "telephone-event packet not sent");
            }
        }
    }

    /// Writes, protects and queues one RTP packet of `payload_type`.
    fn send_packet(
        &mut self,
        now: Instant,
        payload_type: PayloadType,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        csrcs: &[u32],
    ) -> Result<()> {
        if self.phase != Phase::Open {
            return Err(Error::Closed);
        }
        if payload.len() > self.config.max_payload {
            return Err(Error::PayloadTooLarge {
                max: self.config.max_payload,
                got: payload.len(),
            });
        }
        if !self.security.is_keyed() {
            return Err(Error::NotKeyed);
        }
        let destination = self.paths.rtp().ok_or(Error::NoRemote)?;
        let csrcs = CsrcList::from_slice(csrcs)?;
        let mut header = self.local.next_header(payload_type, timestamp);
        header.marker = marker;
        header.csrcs = csrcs;
        let mid = self.config.mid.as_ref();
        let transport_sequence = self.congestion.next_extension();
        // One-byte extension header (4) + element headers (1 each) + MID and transport-wide
        // sequence number, padded to 32 bits.
        let elements = mid.map_or(0, |m| 1 + m.mid.len())
            + transport_sequence.map_or(0, |_| crate::congestion::EXTENSION_ELEMENT_LEN);
        let extension_len = if elements == 0 {
            0
        } else {
            (4 + elements).next_multiple_of(4)
        };
        let mut buf = self.outbox.buffer();
        buf.resize(
            header.encoded_len() + extension_len + payload.len() + SRTP_OVERHEAD,
            0,
        );
        let written = PacketWriter::new(&mut buf, &header).and_then(|mut w| {
            if mid.is_some() || transport_sequence.is_some() {
                let mut extension = w.extension(ExtensionForm::OneByte)?;
                if let Some(mid) = mid {
                    extension.push(mid.id, mid.mid.as_bytes())?;
                }
                if let Some((id, seq)) = transport_sequence {
                    extension.push_value(id, &TransportSequenceNumber(seq))?;
                }
            }
            w.finish(payload, 0)
        });
        let rtx = self.config.feedback.rtx.is_some();
        if rtx && let Ok(len) = written {
            // RTX repairs from the packet before SRTP (`feedback/rtx.rs`).
            self.remember_sent(now, buf.get(..len).unwrap_or_default());
        }
        let protected = match (written, self.security.rtp()) {
            (Ok(len), Protection::Keyed(keys)) => keys
                .outbound
                .protect_rtp(&mut buf, len)
                .map_err(Error::from),
            (written, _) => written.map_err(Error::from),
        };
        let len = match protected {
            Ok(len) => len,
            Err(error) => {
                self.outbox.recycle(buf);
                return Err(error);
            }
        };
        buf.truncate(len);
        if srtp::is_cryptex(&buf) {
            self.counters.cryptex_sent += 1;
        }
        if !rtx {
            // Plain retransmission re-sends this very datagram (`feedback/rtx.rs`).
            self.remember_sent(now, &buf);
        }
        if self.congestion.records_sent() {
            let send_time = self.outbox.release_time(now);
            self.congestion
                .on_sent(send_time, len, header.sequence_number);
        }
        self.local.on_sent(now, header.timestamp, payload.len());
        self.counters.rtp_sent += 1;
        self.queue_rtp(now, destination, buf);
        Ok(())
    }

    /// Queues an RTP datagram for `destination` through the pacer (a full pacer drops it,
    /// counted).
    pub(crate) fn queue_rtp(&mut self, now: Instant, destination: SocketAddr, contents: Vec<u8>) {
        let transmit = Transmit {
            component: Component::Rtp,
            destination,
            contents,
        };
        if self.outbox.transmit_rtp(now, transmit) {
            self.counters.pacer_dropped += 1;
        }
    }

    /// Sends a STUN message (an ICE connectivity check or its response) from the
    /// `component` socket to `destination`. Only STUN passes here, so nothing else can
    /// leave unprotected.
    pub fn send_stun(
        &mut self,
        component: Component,
        destination: SocketAddr,
        message: &[u8],
    ) -> Result<()> {
        if rtp_packet::classify(message) != rtp_packet::PacketKind::Stun {
            return Err(Error::NotStun);
        }
        let contents = message.to_vec();
        self.outbox.transmit(Transmit {
            component,
            destination,
            contents,
        });
        Ok(())
    }

    /// Leaves the session: a BYE is sent (now, or after BYE reconsideration in sessions of
    /// 50 or more members, RFC 3550 §6.3.7), then [`Event::Closed`].
    pub fn close(&mut self, now: Instant) {
        if self.phase != Phase::Open {
            return;
        }
        self.phase = Phase::Closing;
        let members = self.members.count();
        let unit = random_unit(self.rng.as_mut());
        if self.timer.leave(now, members, 64, unit) {
            self.send_bye(now);
        }
    }

    /// True once the BYE went out.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.outbox.poll_transmit()
    }

    /// Hands a sent datagram's buffer back for reuse, so that a steady stream allocates
    /// nothing per packet.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.outbox.recycle(buffer);
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.outbox.poll_event()
    }

    /// When [`Session::handle_timeout`] must next be called (RTCP timer, DTLS
    /// retransmission, pacing, jitter-buffer playout, telephone events to send, received
    /// ones to time out).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        let others = [
            self.outbox.next_paced(),
            self.security.dtls_deadline(),
            self.members.next_playout(),
            self.ice.as_ref().and_then(IceLite::deadline),
            self.dtmf_tx.deadline(),
            self.dtmf_rx.deadline(),
            self.congestion.deadline(),
            self.feedback_deadline(),
        ];
        let next = others.into_iter().flatten().min();
        Some(next.map_or(self.timer.next(), |t| t.min(self.timer.next())))
    }

    /// The next frame or concealment due at `now` from any remote source's jitter
    /// buffer (a source that left with a BYE plays out what its buffer still holds), with
    /// the source's SSRC. The frame borrows the buffer until the next call.
    // Inlined into the caller, whose loop usually tests only `is_some()`: the frame is
    // then not copied out at all (see `Members::poll_playout`).
    #[inline]
    pub fn poll_playout(&mut self, now: Instant) -> Option<(u32, Playout<'_>)> {
        let watch = self.config.feedback.keyframe_on_loss && self.config.feedback.keyframes();
        let (feedback, max) = (&mut self.feedback, self.config.max_remote_sources);
        // A video frame lost at playout makes its source want a keyframe, asked for at
        // the next service call (the frame borrows the session until then). Only video
        // buffers: with a bundled video stream, the audio source's concealments are not
        // lost pictures. The members hand the playout straight back (see
        // `Members::poll_playout` for why it is not re-packed here).
        self.members.poll_playout(now, |ssrc, video, playout| {
            if watch && video && feedback::is_lost_video(playout) {
                feedback.on_lost_frame(ssrc, max);
            }
        })
    }

    /// Advances timers to `now`: DTLS retransmissions, telephone-event packets due
    /// ([`Session::send_dtmf`]), received events whose end packets were lost, pacing, the
    /// RTCP schedule (reports, source timeouts, a reconsidered BYE).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.consent_expired(now) {
            return;
        }
        if self.security.has_dtls() {
            self.dtls_timeout(now);
        }
        self.pump_dtmf(now);
        self.expire_dtmf(now);
        self.outbox.release_paced(now);
        self.send_congestion_feedback(now);
        if now >= self.timer.next() {
            self.on_rtcp_timer(now);
        }
        self.service_feedback(now);
    }

    /// The wallclock at `now`, as NTP (RFC 3550 §4).
    pub(crate) fn wallclock(&self, now: Instant) -> rtcp::NtpTime {
        let at: SystemTime = self.wallclock_origin + now.saturating_duration_since(self.origin);
        rtcp::NtpTime::from_system_time(at)
    }
}

/// `addr` with an IPv4-mapped IPv6 address turned back into IPv4 (dual-stack sockets).
fn normalise(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

pub(crate) fn random_u32(rng: &mut dyn CryptoRng) -> u32 {
    let mut b = [0u8; 4];
    rng.fill_bytes(&mut b);
    u32::from_be_bytes(b)
}

/// A random number in [0, 1).
fn random_unit(rng: &mut dyn CryptoRng) -> f64 {
    f64::from(random_u32(rng)) / (f64::from(u32::MAX) + 1.0)
}

/// An RFC 7022 §4.2 short-term persistent CNAME: 96 random bits, base64-encoded (16
/// characters).
fn random_cname(rng: &mut dyn CryptoRng) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = [0u8; 12];
    rng.fill_bytes(&mut bits);
    let mut out = String::with_capacity(16);
    for chunk in bits.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
        }
    }
    out
}
