//! The sans-IO session core: datagrams and time in; datagrams, events, frames and the next
//! timeout out.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use jitter_buffer::{JitterBuffer, Playout};
use rand_core::CryptoRng;
use rtp_packet::{CsrcList, PacketWriter, RtpHeader};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::event::{Component, Counters, Event, Transmit};
use crate::latch::{Latch, RtcpLatch};
use crate::pacer::Pacer;
use crate::security::{AppliedKeys, DtlsLink, RtcpCrypto};
use crate::source::{SourceQuality, SourceTable};
use crate::timing::RtcpTimer;

/// Room after an RTP or RTCP packet for the SRTP tag and MKI (AEAD tag 16, HMAC 10,
/// SRTCP index 4, MKI up to 16).
pub(crate) const SRTP_OVERHEAD: usize = 48;
/// The most buffers kept for reuse.
const MAX_SPARE_BUFFERS: usize = 64;
/// The most events or datagrams queued before the oldest are dropped.
const MAX_QUEUE: usize = 4096;

/// Where the session stands with SRTP.
pub(crate) enum Crypto {
    /// No security configured: RTP and RTCP in clear.
    Clear,
    /// Security configured, keys not there yet (DTLS running, or failed).
    Pending,
    /// Keyed: one context protects what we send, the other unprotects what we receive.
    Keyed {
        outbound: Box<srtp::Context>,
        inbound: Box<srtp::Context>,
    },
}

/// Our own sending source (RFC 3550 §8: a random SSRC, sequence number and timestamp
/// offset).
pub(crate) struct LocalSource {
    pub(crate) ssrc: u32,
    pub(crate) sequence: u16,
    pub(crate) timestamp_offset: u32,
    pub(crate) stats: Option<stats::SenderStatistics>,
    /// The last RTP packet sent: a sender while within two RTCP intervals.
    pub(crate) last_sent: Option<Instant>,
}

/// An RTP session (RFC 3550), sans-IO.
///
/// Feed it datagrams with [`Session::handle_datagram`] and time with
/// [`Session::handle_timeout`] (when [`Session::poll_timeout`] says); take out datagrams
/// with [`Session::poll_transmit`], events with [`Session::poll_event`] and media with
/// [`Session::poll_playout`]. [`crate::Driver`] does all of this over tokio sockets.
pub struct Session {
    pub(crate) config: Config,
    pub(crate) rng: Box<dyn CryptoRng + Send>,
    pub(crate) origin: Instant,
    pub(crate) cname: String,
    pub(crate) local: LocalSource,
    pub(crate) sources: SourceTable,
    /// Jitter buffers of sources that said BYE, still playing out what they hold (at most
    /// `max_remote_sources`; dropped once empty).
    pub(crate) draining: Vec<(u32, JitterBuffer)>,
    pub(crate) conflicts: VecDeque<SocketAddr>,
    pub(crate) latch: Latch,
    /// The RTP address signalling gave (configuration or [`Session::set_remote`]).
    pub(crate) signalled_rtp: Option<SocketAddr>,
    pub(crate) rtcp_latch: RtcpLatch,
    pub(crate) crypto: Crypto,
    /// The keys of [`Session::set_srtp_keys`] in use, to recognise them when re-applied.
    pub(crate) srtp_keys: Option<AppliedKeys>,
    pub(crate) dtls: Vec<DtlsLink>,
    pub(crate) rtcp_crypto: RtcpCrypto,
    /// The RTP handshake's result, announced once every component is keyed.
    pub(crate) dtls_announcement: Option<(srtp::ProtectionProfile, Option<dtls::Fingerprint>)>,
    pub(crate) timer: RtcpTimer,
    pub(crate) rtt: Option<Duration>,
    pub(crate) transmits: VecDeque<Transmit>,
    /// Datagram buffers handed back with [`Session::recycle`], reused by `send`.
    pub(crate) spare: Vec<Vec<u8>>,
    pub(crate) pacer: Option<Pacer>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) counters: Counters,
    pub(crate) closing: bool,
    pub(crate) closed: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("ssrc", &self.local.ssrc)
            .field("cname", &self.cname)
            .field("sources", &self.sources.len())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session starting at `now`, drawing its SSRC, CNAME (RFC 7022: random, stable for
    /// the session), sequence and timestamp offsets and RTCP randomisation from `rng`.
    /// With [`crate::Security::Dtls`] the handshake starts at once (a client's ClientHello is
    /// queued as soon as the remote address is known).
    pub fn new(config: Config, mut rng: Box<dyn CryptoRng + Send>, now: Instant) -> Result<Self> {
        if config.clock_rate == 0 {
            return Err(Error::BadConfig("clock_rate must not be zero"));
        }
        jitter_buffer::JitterBuffer::new(config.jitter_buffer.clone())?;
        let cname = random_cname(rng.as_mut());
        let local = LocalSource {
            ssrc: random_u32(rng.as_mut()),
            sequence: random_u32(rng.as_mut()) as u16,
            timestamp_offset: random_u32(rng.as_mut()),
            stats: None,
            last_sent: None,
        };
        let unit = random_unit(rng.as_mut());
        let t = &config.transport;
        let latch = Latch::new(t.remote_rtp, t.latching, t.latch_probation, t.max_relatches);
        let remote_rtcp = if t.rtcp_mux {
            t.remote_rtp
        } else {
            t.remote_rtcp
        };
        let signalled_rtp = t.remote_rtp;
        let rtcp_latch =
            RtcpLatch::new(remote_rtcp, t.latching, t.latch_probation, t.max_relatches);
        let timer = RtcpTimer::new(config.bandwidth, now, unit);
        let mut session = Self {
            rng,
            origin: now,
            cname,
            local,
            sources: SourceTable::default(),
            draining: Vec::new(),
            conflicts: VecDeque::new(),
            latch,
            signalled_rtp,
            rtcp_latch,
            crypto: Crypto::Clear,
            srtp_keys: None,
            dtls: Vec::new(),
            rtcp_crypto: RtcpCrypto::Shared,
            dtls_announcement: None,
            timer,
            rtt: None,
            transmits: VecDeque::new(),
            spare: Vec::new(),
            pacer: config.pacing_bps.map(Pacer::new),
            events: VecDeque::new(),
            counters: Counters::default(),
            closing: false,
            closed: false,
            config,
        };
        session.configure_security(now)?;
        Ok(session)
    }

    /// Sets where the peer receives RTP and RTCP (from new signalling). With rtcp-mux the
    /// RTCP address is ignored.
    pub fn set_remote(&mut self, rtp: SocketAddr, rtcp: SocketAddr) {
        self.latch.set(normalise(rtp));
        self.signalled_rtp = Some(normalise(rtp));
        let rtcp = if self.config.transport.rtcp_mux {
            normalise(rtp)
        } else {
            normalise(rtcp)
        };
        self.rtcp_latch.set(rtcp, true);
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
        self.local.ssrc
    }

    /// Our CNAME (RFC 7022: random, stable for the session).
    pub fn cname(&self) -> &str {
        &self.cname
    }

    /// Where RTP goes now (configured or latched).
    pub fn remote_rtp(&self) -> Option<SocketAddr> {
        self.latch.current()
    }

    /// Where RTCP goes now: the signalled or latched RTCP address; without one, the RTP
    /// destination (rtcp-mux) or its port + 1 (RFC 3550 §11).
    pub fn remote_rtcp(&self) -> Option<SocketAddr> {
        self.rtcp_destination()
    }

    pub(crate) fn rtcp_destination(&self) -> Option<SocketAddr> {
        self.rtcp_latch.current().or_else(|| {
            let rtp = self.latch.current()?;
            if self.config.transport.rtcp_mux {
                return Some(rtp);
            }
            Some(SocketAddr::new(rtp.ip(), rtp.port().checked_add(1)?))
        })
    }

    /// True when packets can be sent: no security, or SRTP keyed.
    pub fn is_keyed(&self) -> bool {
        !matches!(self.crypto, Crypto::Pending)
    }

    /// The validated remote sources' SSRCs.
    pub fn remote_sources(&self) -> impl Iterator<Item = u32> + '_ {
        self.sources
            .iter()
            .filter(|(_, s)| s.validated)
            .map(|(ssrc, _)| *ssrc)
    }

    /// The CNAME a remote source announced in SDES, when it did.
    pub fn remote_cname(&self, ssrc: u32) -> Option<&str> {
        self.sources.get(&ssrc)?.cname.as_deref()
    }

    /// Quality figures of a remote source (loss, jitter, RTT, playout delay, MOS).
    pub fn quality(&self, ssrc: u32) -> Option<SourceQuality> {
        let source = self.sources.get(&ssrc)?;
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
        if self.closing {
            return Err(Error::Closed);
        }
        if payload.len() > self.config.max_payload {
            return Err(Error::PayloadTooLarge {
                max: self.config.max_payload,
                got: payload.len(),
            });
        }
        if matches!(self.crypto, Crypto::Pending) {
            return Err(Error::NotKeyed);
        }
        let destination = self.latch.current().ok_or(Error::NoRemote)?;
        let rtp_timestamp = timestamp.wrapping_add(self.local.timestamp_offset);
        let mut header = RtpHeader::new(
            self.config.payload_type,
            self.local.sequence,
            rtp_timestamp,
            self.local.ssrc,
        );
        header.marker = marker;
        header.csrcs = CsrcList::from_slice(csrcs)?;
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf.resize(header.encoded_len() + payload.len() + SRTP_OVERHEAD, 0);
        let mut len = PacketWriter::new(&mut buf, &header)?.finish(payload, 0)?;
        if let Crypto::Keyed { outbound, .. } = &mut self.crypto {
            len = outbound.protect_rtp(&mut buf, len)?;
        }
        buf.truncate(len);
        self.local.sequence = self.local.sequence.wrapping_add(1);
        let clock_rate = self.config.clock_rate;
        let ssrc = self.local.ssrc;
        let sender = self.local.stats.get_or_insert_with(|| {
            let clock = stats::MediaClock::new(now, rtp_timestamp, clock_rate)
                .unwrap_or_else(|_| unreachable_clock(now));
            stats::SenderStatistics::new(ssrc, clock)
        });
        sender.on_packet_sent(payload.len());
        self.local.last_sent = Some(now);
        self.counters.rtp_sent += 1;
        let transmit = Transmit {
            component: Component::Rtp,
            destination,
            contents: buf,
        };
        match self.pacer.as_mut() {
            Some(pacer) => {
                if pacer.push(now, transmit) {
                    self.counters.pacer_dropped += 1;
                }
                self.release_paced(now);
            }
            None => self.queue_transmit(transmit),
        }
        Ok(())
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
        self.queue_transmit(Transmit {
            component,
            destination,
            contents,
        });
        Ok(())
    }

    /// Leaves the session: a BYE is sent (now, or after BYE reconsideration in sessions of
    /// 50 or more members, RFC 3550 §6.3.7), then [`Event::Closed`].
    pub fn close(&mut self, now: Instant) {
        if self.closing {
            return;
        }
        self.closing = true;
        let members = self.members();
        let unit = random_unit(self.rng.as_mut());
        if self.timer.leave(now, members, 64, unit) {
            self.send_bye(now);
        }
    }

    /// True once the BYE went out.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Hands a sent datagram's buffer back for reuse, so that a steady stream allocates
    /// nothing per packet.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < MAX_SPARE_BUFFERS {
            self.spare.push(buffer);
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must next be called (RTCP timer, DTLS
    /// retransmission, jitter-buffer playout).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let mut next = self.timer.next();
        if let Some(t) = self.pacer.as_ref().and_then(Pacer::next_due) {
            next = next.min(t);
        }
        if let Some(t) = self.dtls_deadline() {
            next = next.min(t);
        }
        for source in self.sources.values() {
            if let Some(t) = source.next_playout() {
                next = next.min(t);
            }
        }
        Some(next)
    }

    /// The next frame or concealment due at `now` from any remote source's jitter
    /// buffer, with the source's SSRC. The frame borrows the buffer until the next call.
    pub fn poll_playout(&mut self, now: Instant) -> Option<(u32, Playout<'_>)> {
        // A source that left with a BYE plays out what its buffer still holds, then goes.
        self.draining
            .retain(|(_, buffer)| buffer.buffered_packets() > 0);
        // A buffer whose head is due may still hold it back (an incomplete video frame
        // within its tolerance): try every due buffer, not only the first.
        for (ssrc, source) in self.sources.iter_mut() {
            if let Some(playout) = source.poll_playout(now) {
                return Some((*ssrc, playout));
            }
        }
        let due = |buffer: &JitterBuffer| buffer.next_event().is_some_and(|t| t <= now);
        for (ssrc, buffer) in self.draining.iter_mut() {
            if due(buffer) {
                if let Some(playout) = buffer.poll(now) {
                    return Some((*ssrc, playout));
                }
            }
        }
        None
    }

    /// Advances timers to `now`: DTLS retransmissions, the RTCP schedule (reports, source
    /// timeouts, a reconsidered BYE).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if !self.dtls.is_empty() {
            self.dtls_timeout(now);
        }
        self.release_paced(now);
        if now >= self.timer.next() {
            self.on_rtcp_timer(now);
        }
    }

    /// Moves paced RTP that is due at `now` to the transmit queue.
    fn release_paced(&mut self, now: Instant) {
        while let Some(t) = self.pacer.as_mut().and_then(|p| p.pop_due(now)) {
            self.queue_transmit(t);
        }
    }

    pub(crate) fn queue_transmit(&mut self, transmit: Transmit) {
        if self.transmits.len() >= MAX_QUEUE {
            self.transmits.pop_front();
        }
        self.transmits.push_back(transmit);
    }

    pub(crate) fn queue_event(&mut self, event: Event) {
        if self.events.len() >= MAX_QUEUE {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// Members: ourselves and the validated remote sources.
    pub(crate) fn members(&self) -> u32 {
        1 + self.sources.values().filter(|s| s.validated).count() as u32
    }

    /// The wallclock at `now`, as NTP (RFC 3550 §4).
    pub(crate) fn wallclock(&self, now: Instant) -> rtcp::NtpTime {
        let at: SystemTime =
            self.config.wallclock_origin + now.saturating_duration_since(self.origin);
        rtcp::NtpTime::from_system_time(at)
    }
}

/// A clock rate was checked non-zero in [`Session::new`]; this keeps `send` total.
fn unreachable_clock(now: Instant) -> stats::MediaClock {
    stats::MediaClock::new(now, 0, 8000).expect("8000 Hz is a valid clock rate")
}

/// `addr` with an IPv4-mapped IPv6 address turned back into IPv4 (dual-stack sockets).
pub fn normalise(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

pub(crate) fn random_u32(rng: &mut dyn CryptoRng) -> u32 {
    let mut b = [0u8; 4];
    rng.fill_bytes(&mut b);
    u32::from_be_bytes(b)
}

/// A random number in [0, 1).
pub(crate) fn random_unit(rng: &mut dyn CryptoRng) -> f64 {
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
