//! The receiving side of the `gstreamer` and `ffmpeg` suites: a [`Session`] under test
//! beside a reference observer built from the lower crates.
//!
//! Every datagram a peer sends goes to both. The reference ([`Reception`]: `rtp-packet`,
//! `srtp`, `rtcp`, `stats`) records each RTP packet and the sender's reports, so the
//! suites can say exactly what the peer sent; the session ([`SessionReceiver`]) must agree
//! with it: every packet authenticated, validated, counted and played out, no loss, the
//! peer's SSRC as its only new source, its BYE seen.

use crate::util::Result;
use jitter_buffer::Playout;
use rand_core::SeedableRng;
use rtcp::{AnyPacket, Compound, ReportBlock};
use rtp_packet::{PacketKind, RtpPacket, classify};
use rtp_session::{Component, Config, Event, LeaveReason, Session};
use std::net::{SocketAddr, UdpSocket};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The SSRC both directions use, so the peers' caps can name it.
pub(super) const SSRC: u32 = 0x1234_5678;
/// G.711 at 8 kHz in 20 ms packets.
pub(super) const SAMPLES_PER_PACKET: u32 = 160;

/// How long a run may take before the suite gives up on the peer.
pub(super) const DEADLINE: Duration = Duration::from_secs(25);
/// The datagrams of one incoming stream are drained this long after the peer exits.
const DRAIN: Duration = Duration::from_secs(1);

/// One RTP packet as we received it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    pub ssrc: u32,
    pub sequence_number: u16,
    pub payload_len: usize,
}

/// A sender report's counts, and how many RTP packets we had received when it arrived.
#[derive(Debug, Clone, Copy)]
pub(super) struct SenderCounts {
    pub ssrc: u32,
    pub packet_count: u32,
    pub octet_count: u32,
}

/// Everything one endpoint received from a peer: RTP, the RTCP it understood, and what
/// it could not read.
#[derive(Debug, Default)]
pub(super) struct Reception {
    pub packets: Vec<Arrival>,
    pub sender_reports: Vec<SenderCounts>,
    /// (reporter SSRC, block) for every report block in an SR or RR.
    pub report_blocks: Vec<(u32, ReportBlock)>,
    pub goodbyes: Vec<u32>,
    pub failures: Vec<String>,
    statistics: Option<stats::SourceStatistics>,
}

impl Reception {
    /// Handles one datagram: classified (RFC 7983), unprotected when `srtp` is given,
    /// parsed, and counted.
    pub(super) fn on_datagram(
        &mut self,
        datagram: &mut [u8],
        srtp: Option<&mut srtp::Context>,
        arrival: Instant,
    ) {
        match classify(datagram) {
            PacketKind::Rtp => {
                let len = match srtp {
                    Some(ctx) => match ctx.unprotect_rtp(datagram) {
                        Ok(len) => len,
                        Err(e) => return self.failures.push(format!("SRTP unprotect: {e}")),
                    },
                    None => datagram.len(),
                };
                self.on_rtp(&datagram[..len], arrival);
            }
            PacketKind::Rtcp => {
                let len = match srtp {
                    Some(ctx) => match ctx.unprotect_rtcp(datagram) {
                        Ok(len) => len,
                        Err(e) => return self.failures.push(format!("SRTCP unprotect: {e}")),
                    },
                    None => datagram.len(),
                };
                self.on_rtcp(&datagram[..len]);
            }
            other => self.failures.push(format!(
                "unexpected {other:?} datagram of {} bytes",
                datagram.len()
            )),
        }
    }

    fn on_rtp(&mut self, bytes: &[u8], arrival: Instant) {
        let packet = match RtpPacket::parse(bytes) {
            Ok(p) => p,
            Err(e) => return self.failures.push(format!("RTP parse: {e}")),
        };
        let statistics = self.statistics.get_or_insert_with(|| {
            stats::SourceStatistics::new(
                packet.ssrc(),
                stats::ReceiverConfig::new(rtp_packet::ClockRate::NARROWBAND),
            )
            .expect("8 kHz is a valid clock rate")
        });
        statistics.on_packet(
            packet.sequence_number(),
            packet.timestamp(),
            packet.payload().len(),
            arrival,
        );
        self.packets.push(Arrival {
            ssrc: packet.ssrc(),
            sequence_number: packet.sequence_number(),
            payload_len: packet.payload().len(),
        });
    }

    fn on_rtcp(&mut self, bytes: &[u8]) {
        if let Err(e) = rtcp::validate(bytes, rtcp::Rules::default()) {
            return self.failures.push(format!("RTCP compound: {e}"));
        }
        for packet in Compound::new(bytes) {
            match packet {
                Ok(AnyPacket::SenderReport(sr)) => {
                    self.sender_reports.push(SenderCounts {
                        ssrc: sr.ssrc,
                        packet_count: sr.packet_count,
                        octet_count: sr.octet_count,
                    });
                    for block in sr.reports.iter() {
                        self.report_blocks.push((sr.ssrc, block));
                    }
                }
                Ok(AnyPacket::ReceiverReport(rr)) => {
                    for block in rr.reports.iter() {
                        self.report_blocks.push((rr.ssrc, block));
                    }
                }
                Ok(AnyPacket::Goodbye(bye)) => self.goodbyes.extend(bye.sources.iter()),
                Ok(_) => {}
                Err(e) => self.failures.push(format!("RTCP packet: {e}")),
            }
        }
    }

    /// Checks that the stream is exactly what the sender said it sent: `expected` packets
    /// from `ssrc`, nothing unreadable, no gap, statistics without loss, and every sender
    /// report's counts equal to the packets and payload octets that came before it.
    /// `final_report`: the sender ends with an SR whose count is the whole stream.
    pub(super) fn check(&mut self, ssrc: u32, expected: usize, final_report: bool) -> Result {
        if !self.failures.is_empty() {
            return Err(format!(
                "{} datagrams could not be read, first: {}",
                self.failures.len(),
                self.failures[0]
            ));
        }
        if self.packets.len() != expected {
            return Err(format!(
                "received {} RTP packets, the peer sent {expected}",
                self.packets.len()
            ));
        }
        if let Some(other) = self.packets.iter().find(|p| p.ssrc != ssrc) {
            return Err(format!(
                "RTP from SSRC {:#x}, expected {ssrc:#x}",
                other.ssrc
            ));
        }
        for pair in self.packets.windows(2) {
            if pair[1].sequence_number != pair[0].sequence_number.wrapping_add(1) {
                return Err(format!(
                    "sequence {} followed by {} on loopback",
                    pair[0].sequence_number, pair[1].sequence_number
                ));
            }
        }
        let statistics = self.statistics.as_mut().ok_or("no RTP received")?;
        let (block, _) = statistics
            .report(Instant::now())
            .ok_or("the statistics never validated the source")?;
        if block.cumulative_lost != 0 || block.fraction_lost != 0 {
            return Err(format!(
                "statistics report loss on loopback: cumulative {}, fraction {}",
                block.cumulative_lost, block.fraction_lost
            ));
        }
        let last = self.packets[expected - 1].sequence_number;
        if block.extended_highest_sequence_number as u16 != last {
            return Err(format!(
                "statistics' highest sequence {:#x}, last received {last}",
                block.extended_highest_sequence_number
            ));
        }
        let mut octets_before = Vec::with_capacity(expected + 1);
        let mut sum = 0u64;
        octets_before.push(0);
        for p in &self.packets {
            sum += p.payload_len as u64;
            octets_before.push(sum);
        }
        if self.sender_reports.iter().all(|sr| sr.packet_count == 0) {
            return Err("no sender report with a nonzero packet count".into());
        }
        for sr in &self.sender_reports {
            if sr.ssrc != ssrc {
                return Err(format!("SR from SSRC {:#x}, expected {ssrc:#x}", sr.ssrc));
            }
            let ours = octets_before.get(sr.packet_count as usize).ok_or_else(|| {
                format!(
                    "SR counts {} packets, we received {expected}",
                    sr.packet_count
                )
            })?;
            if u64::from(sr.octet_count) != *ours {
                return Err(format!(
                    "SR says {} packets carried {} payload octets, ours carried {ours}",
                    sr.packet_count, sr.octet_count
                ));
            }
        }
        if final_report {
            let last_sr = self.sender_reports.last().ok_or("no sender report")?;
            if last_sr.packet_count as usize != expected {
                return Err(format!(
                    "final SR counts {} packets, we received {expected}",
                    last_sr.packet_count
                ));
            }
        }
        eprintln!(
            "  {expected} packets, {sum} payload octets from {ssrc:#x}; {} SRs agree (last: {} packets, {} octets)",
            self.sender_reports.len(),
            self.sender_reports.last().map_or(0, |s| s.packet_count),
            self.sender_reports.last().map_or(0, |s| s.octet_count),
        );
        Ok(())
    }
}

/// Binds a free even/odd pair of loopback ports (RTP, RTCP).
pub(super) fn port_pair() -> Result<(UdpSocket, UdpSocket)> {
    for _ in 0..64 {
        let probe = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = probe.local_addr().map_err(|e| e.to_string())?.port() & !1;
        drop(probe);
        if port < 1024 {
            continue;
        }
        if let (Ok(a), Ok(b)) = (
            UdpSocket::bind(("127.0.0.1", port)),
            UdpSocket::bind(("127.0.0.1", port + 1)),
        ) {
            return Ok((a, b));
        }
    }
    Err("no free pair of adjacent UDP ports on loopback".into())
}

/// Frames of 20 ms a BYE may cut from playout: a jitter buffer's delay on loopback stays
/// well under 200 ms.
const MAX_UNPLAYED_AT_BYE: u64 = 10;

/// A datagram as it arrived: the socket's component, the bytes, the sender, the instant.
type Arrived = (Component, Vec<u8>, SocketAddr, Instant);

/// Forwards every datagram arriving on `socket`, tagged with `component`.
pub(super) fn forward(socket: UdpSocket, component: Component, to: mpsc::Sender<Arrived>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            if to
                .send((component, buf[..n].to_vec(), from, Instant::now()))
                .is_err()
            {
                break;
            }
        }
    });
}

/// The session under test, receiving, with what it told the application.
pub(super) struct SessionReceiver {
    pub session: Session,
    pub new_sources: Vec<u32>,
    pub byes: Vec<u32>,
    /// (reporter, round-trip time) from report blocks about our stream.
    pub round_trips: Vec<(u32, Duration)>,
    pub frames: u64,
    pub concealments: u64,
    /// Where the peer's RTCP came from.
    pub rtcp_sources: Vec<SocketAddr>,
    /// Where the session sent its own RTCP.
    pub rtcp_destinations: Vec<SocketAddr>,
}

impl SessionReceiver {
    pub(super) fn new(config: Config) -> Result<Self> {
        let rng = Box::new(chacha20::ChaCha20Rng::from_seed([0x1e; 32]));
        Ok(Self {
            session: Session::new(Instant::now(), config, rng).map_err(|e| e.to_string())?,
            new_sources: Vec::new(),
            byes: Vec::new(),
            round_trips: Vec::new(),
            frames: 0,
            concealments: 0,
            rtcp_sources: Vec::new(),
            rtcp_destinations: Vec::new(),
        })
    }

    /// Hands one datagram to the session, then runs it up to `now`.
    pub(super) fn on_datagram(
        &mut self,
        component: Component,
        from: SocketAddr,
        datagram: &mut [u8],
        now: Instant,
    ) {
        if rtp_packet::classify(datagram) == rtp_packet::PacketKind::Rtcp
            && !self.rtcp_sources.contains(&from)
        {
            self.rtcp_sources.push(from);
        }
        self.session.handle_datagram(now, component, from, datagram);
        self.poll(now);
    }

    /// Timers, events and playout up to `now`. What the session would send (its RTCP)
    /// is not sent, since the peers here only send, but where it would go is recorded.
    pub(super) fn poll(&mut self, now: Instant) {
        self.run_timers(now);
        while let Some(t) = self.session.poll_transmit() {
            if rtp_packet::classify(&t.contents) == rtp_packet::PacketKind::Rtcp
                && !self.rtcp_destinations.contains(&t.destination)
            {
                self.rtcp_destinations.push(t.destination);
            }
        }
        self.take_output(now);
    }

    /// Fires the session's timers that are due at `now`.
    pub(super) fn run_timers(&mut self, now: Instant) {
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
    }

    /// Records the session's events and plays out what is due at `now`.
    pub(super) fn take_output(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::NewSource { ssrc, .. } => self.new_sources.push(ssrc),
                Event::SourceLeft {
                    ssrc,
                    reason: LeaveReason::Bye(_),
                    ..
                } => self.byes.push(ssrc),
                Event::RoundTripTime { reporter, rtt } => self.round_trips.push((reporter, rtt)),
                _ => {}
            }
        }
        while let Some((_, playout)) = self.session.poll_playout(now) {
            match playout {
                Playout::Frame(_) => self.frames += 1,
                Playout::Conceal(_) => self.concealments += 1,
                _ => {}
            }
        }
    }

    /// The session must have taken in exactly the `expected` packets of `ssrc` that the
    /// reference saw: the statistics count all but the first, which RFC 3550 A.1
    /// probation holds back before the source is valid, and that one plays out too once
    /// probation ends; none lost, none failed, all played out, nothing concealed.
    pub(super) fn check(&self, ssrc: u32, expected: usize, bye: bool) -> Result {
        let c = self.session.counters();
        if c.unprotect_failures != 0
            || c.malformed != 0
            || c.unknown != 0
            || c.dropped_unkeyed != 0
            || c.rtcp_unexpected_source != 0
        {
            return Err(format!("the session rejected datagrams: {c:?}"));
        }
        if self.new_sources != [ssrc] {
            return Err(format!(
                "the session reported new sources {:x?}, expected [{ssrc:#x}]",
                self.new_sources
            ));
        }
        let delivered = expected as u64 - 1;
        if c.rtp_received != delivered {
            return Err(format!(
                "the session delivered {} RTP packets, expected {delivered} ({expected} \
                 sent, the first held by probation)",
                c.rtp_received
            ));
        }
        if c.rtcp_received == 0 {
            return Err("the session processed no RTCP".into());
        }
        if bye && self.byes != [ssrc] {
            return Err(format!(
                "the session saw BYEs from {:x?}, expected [{ssrc:#x}]",
                self.byes
            ));
        }
        if !bye {
            let q = self
                .session
                .quality(ssrc)
                .ok_or("the session no longer knows the source")?;
            if q.cumulative_lost != 0 || q.packets_received != delivered {
                return Err(format!(
                    "the session's statistics: {} received, {} lost; expected {delivered}, 0",
                    q.packets_received, q.cumulative_lost
                ));
            }
        }
        // A BYE removes the source with its jitter buffer (RFC 3550 §6.3.7), so the frames
        // still buffered then, the playout delay's worth, are never played out.
        if c.probation_released != 1 {
            return Err(format!(
                "the session released {} held probation packets, expected 1",
                c.probation_released
            ));
        }
        let unplayed = if bye { MAX_UNPLAYED_AT_BYE } else { 0 };
        let playable = expected as u64;
        if self.frames > playable || self.frames + unplayed < playable || self.concealments != 0 {
            return Err(format!(
                "the session played out {} frames and concealed {}; expected {playable} \
                 (at most {unplayed} fewer), 0",
                self.frames, self.concealments
            ));
        }
        eprintln!(
            "  session: {} RTP packets delivered, {} played out, {} RTCP compounds, \
             source {ssrc:#x}{}",
            c.rtp_received,
            self.frames,
            c.rtcp_received,
            if bye { ", BYE seen" } else { "" }
        );
        Ok(())
    }
}

/// Receives on `sockets` until `peer` exits or says BYE (plus a short drain and the
/// session's playout delay), feeding both the reference and the session; a peer that
/// exited must have succeeded.
pub(super) fn receive_until_exit(
    sockets: Vec<(UdpSocket, Component)>,
    mut srtp: Option<srtp::Context>,
    session: &mut SessionReceiver,
    peer: &mut Child,
    what: &str,
) -> Result<Reception> {
    let (tx, rx) = mpsc::channel();
    for (socket, component) in sockets {
        forward(socket, component, tx.clone());
    }
    drop(tx);
    let start = Instant::now();
    let mut reception = Reception::default();
    let mut ended_at = None;
    loop {
        if let Ok((component, datagram, from, at)) = rx.recv_timeout(Duration::from_millis(10)) {
            let mut copy = datagram.clone();
            session.on_datagram(component, from, &mut copy, at);
            let mut datagram = datagram;
            reception.on_datagram(&mut datagram, srtp.as_mut(), at);
        }
        session.poll(Instant::now());
        match ended_at {
            None => {
                if let Some(status) = peer.try_wait().map_err(|e| e.to_string())? {
                    if !status.success() {
                        return Err(format!("{what} failed with {status}"));
                    }
                    ended_at = Some(Instant::now());
                } else if !reception.goodbyes.is_empty() {
                    // A BYE ends the stream (RFC 3550 §6.6); how long the peer then takes
                    // to tear its pipeline down is not the session's business.
                    ended_at = Some(Instant::now());
                }
            }
            Some(t) if t.elapsed() > DRAIN => {
                if peer.try_wait().map_err(|e| e.to_string())?.is_none() {
                    eprintln!("  {what} still running {DRAIN:?} after its BYE: stopped");
                    let _ = peer.kill();
                    let _ = peer.wait();
                }
                return Ok(reception);
            }
            Some(_) => {}
        }
        if start.elapsed() > DEADLINE {
            let _ = peer.kill();
            return Err(format!(
                "{what} neither exited nor sent a BYE within {DEADLINE:?}"
            ));
        }
    }
}

/// AES_CM_128_HMAC_SHA1_80 master key and salt (RFC 3711 §8.2: 16 + 14 bytes).
pub(super) fn master_key_and_salt() -> [u8; 30] {
    let mut k = [0u8; 30];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    k
}

/// The profile every SRTP stream of these suites uses.
pub(super) const PROFILE: srtp::ProtectionProfile = srtp::ProtectionProfile::AesCm128HmacSha1_80;

/// `key_and_salt` as an AES_CM_128_HMAC_SHA1_80 master key.
pub(super) fn master_key(key_and_salt: &[u8; 30]) -> Result<srtp::MasterKey> {
    srtp::MasterKey::new(PROFILE, &key_and_salt[..16], &key_and_salt[16..])
        .map_err(|e| e.to_string())
}

/// An SRTP context keyed with `key_and_salt`.
pub(super) fn srtp_context(key_and_salt: &[u8; 30]) -> Result<srtp::Context> {
    srtp::Context::new(PROFILE, master_key(key_and_salt)?, srtp::Config::default())
        .map_err(|e| e.to_string())
}
