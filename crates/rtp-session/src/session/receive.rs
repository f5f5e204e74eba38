//! The receive path: RFC 7983 demultiplexing, SRTP/SRTCP unprotection, RTP into
//! statistics and the jitter buffer, RTCP into membership, RTT and feedback events, and
//! SSRC collision and loop detection (RFC 3550 §8.2).

use std::net::SocketAddr;
use std::time::Instant;

use rtcp::xr::XrBlock;
use rtcp::{AnyPacket, Packet};
use rtp_packet::payload::comfort_noise::ComfortNoise;
use rtp_packet::payload::telephone_event;
use rtp_packet::{PacketKind, RtpPacket, SeqVerdict};

use super::security::Kind;
use super::{Phase, Session, normalise, random_u32};
use crate::dtmf::Finished;
use crate::event::{Component, Event, LeaveReason};
use crate::members::Admission;
use crate::origin::OriginVerdict;
use crate::payload_map::PayloadKind;
use crate::source::RemoteSource;

impl Session {
    /// Handles a datagram that arrived at `now` on `component` from `from`. SRTP is
    /// removed in place, so `datagram` is modified. Anything that fails to parse or
    /// authenticate is dropped and counted ([`Session::counters`]); nothing here fails.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        component: Component,
        from: SocketAddr,
        datagram: &mut [u8],
    ) {
        if self.phase == Phase::Closed {
            return;
        }
        let from = normalise(from);
        let kind = rtp_packet::classify(datagram);
        if kind == PacketKind::Stun {
            self.receive_stun(now, component, from, datagram);
            return;
        }
        if !self.ice_admits(from) {
            return;
        }
        match kind {
            PacketKind::Dtls => self.receive_dtls(now, component, from, datagram),
            PacketKind::Rtp if component == Component::Rtp => self.receive_rtp(now, from, datagram),
            PacketKind::Rtcp => self.receive_rtcp(now, from, datagram),
            PacketKind::Rtp => self.counters.malformed += 1,
            _ => self.counters.unknown += 1,
        }
        // Feedback found by this datagram goes out in this call (RFC 4585 immediate mode).
        self.service_feedback(now);
    }

    fn receive_rtp(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) {
        let Some(len) = self.unprotect(Kind::Rtp, from, datagram) else {
            return;
        };
        let Some(bytes) = datagram.get(..len) else {
            self.counters.malformed += 1;
            return;
        };
        let Ok(packet) = RtpPacket::parse(bytes) else {
            self.counters.malformed += 1;
            return;
        };
        let ssrc = packet.ssrc();
        if ssrc == self.local.ssrc() {
            self.on_own_ssrc(now, from, None);
            return;
        }
        self.congestion.on_rtp(now, &packet, datagram.len());
        if self
            .config
            .feedback
            .rtx
            .is_some_and(|rtx| rtx.payload_type == packet.payload_type())
        {
            self.receive_rtx(now, from, &packet, bytes);
            return;
        }
        self.deliver_rtp(now, from, &packet, bytes);
    }

    /// An authenticated RTP packet of a remote source (or one unwrapped from RTX): routed
    /// by payload type into the statistics, the jitter buffer or the event receiver.
    pub(crate) fn deliver_rtp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        packet: &RtpPacket<'_>,
        bytes: &[u8],
    ) {
        let ssrc = packet.ssrc();
        // The route by payload type: an unknown one, or a payload its format refuses, is
        // dropped before it creates or changes any state.
        let Some((kind, clock)) = self.route(packet.payload_type()) else {
            self.counters.unknown_payload_type += 1;
            return;
        };
        let well_formed = match kind {
            PayloadKind::TelephoneEvent => telephone_event::reports(packet.payload()).is_ok(),
            PayloadKind::ComfortNoise => ComfortNoise::parse(packet.payload()).is_ok(),
            _ => true,
        };
        if !well_formed {
            self.counters.malformed += 1;
            return;
        }
        if !self.admit_source(ssrc, now, kind == PayloadKind::Video) {
            return;
        }
        let run = self.config.transport.latch_probation;
        let Some(source) = self.members.get_mut(ssrc) else {
            return;
        };
        let conflict = match source.origin.on_packet(from, run) {
            OriginVerdict::Accept => None,
            OriginVerdict::Drop => {
                self.counters.address_conflicts += 1;
                return;
            }
            OriginVerdict::Moved { from: old } => {
                tracing::debug!(ssrc, %old, new = %from, "remote source moved");
                None
            }
            OriginVerdict::Conflict { other } => Some(other),
        };
        source.last_heard = now;
        source.last_rtp = Some(now);
        // The packet's one unwrap (RFC 3550 A.1): the jitter buffer takes its verdict.
        // Event packets repeat their onset timestamp: counted, but not timed for jitter.
        let verdict = match kind {
            PayloadKind::TelephoneEvent => source.stats.on_untimed_packet(
                packet.sequence_number(),
                packet.payload().len(),
                now,
            ),
            _ => source.stats.on_rtp_packet(packet, now),
        }
        .sequence();
        let delivered = verdict.extended().is_some();
        let newly_valid = delivered && !source.validated;
        let media = matches!(kind, PayloadKind::Audio | PayloadKind::Video);
        let mut released = Vec::new();
        if delivered {
            // The held probation packets first, in order, then this one (held packets
            // exist only until the packet that ends probation, which may come after RTCP
            // has already made the source a member).
            if let (true, Some(extended)) = (media, verdict.extended()) {
                released = source.release_held(packet.sequence_number(), extended, kind);
            }
            source.insert_packet(now, packet, verdict, kind);
            source.validated = true;
        } else {
            if media && verdict == SeqVerdict::Probation {
                source.hold(now, packet);
            }
            self.counters.probation_held += 1;
        }
        self.counters.probation_released += released.len() as u64;
        if let Some(other) = conflict {
            tracing::info!(ssrc, address = %from, %other, "SSRC used by two remote senders");
            self.outbox.event(Event::SourceConflict {
                ssrc,
                address: from,
                other,
            });
        }
        if !delivered {
            return;
        }
        self.counters.rtp_received += 1;
        if self.config.raw_packets {
            let packet = bytes.to_vec();
            self.outbox.event(Event::RtpPacket { from, packet });
        }
        if newly_valid {
            self.outbox.event(Event::NewSource {
                ssrc,
                address: from,
            });
        }
        if let Some(address) = self.paths.on_rtp(from, ssrc) {
            self.outbox.event(Event::Latched { address });
            self.pump_dtls();
        }
        match kind {
            PayloadKind::TelephoneEvent => {
                self.counters.telephone_event_packets += 1;
                let mut finished = Vec::new();
                if let Ok(reports) = telephone_event::reports(packet.payload()) {
                    let ts = packet.timestamp();
                    self.dtmf_rx
                        .on_packet(now, ssrc, clock, ts, reports, &mut finished);
                }
                self.report_dtmf(finished);
            }
            PayloadKind::ComfortNoise => self.counters.comfort_noise_packets += 1,
            // With a bundled video stream the feedback serves it alone: the audio beside
            // it is not NACKed (its section negotiates no `nack`).
            PayloadKind::Audio if self.config.bundled_video.is_some() => {}
            PayloadKind::Audio | PayloadKind::Video => {
                for seq in released {
                    self.on_media_inserted(now, ssrc, seq);
                }
                self.on_media_inserted(now, ssrc, packet.sequence_number());
            }
        }
    }

    /// Ends the received telephone events whose packets stopped without an end packet.
    pub(crate) fn expire_dtmf(&mut self, now: Instant) {
        let mut finished = Vec::new();
        self.dtmf_rx.expire(now, &mut finished);
        self.report_dtmf(finished);
    }

    fn report_dtmf(&mut self, finished: Vec<Finished>) {
        for f in finished {
            tracing::debug!(ssrc = f.ssrc, event = f.event, duration = ?f.duration, "telephone event");
            self.outbox.event(Event::Dtmf {
                ssrc: f.ssrc,
                event: f.event,
                timestamp: f.timestamp,
                duration: f.duration,
                volume: f.volume,
                end_received: f.end_received,
            });
        }
    }

    /// Makes sure `ssrc` has state, within the configured bound ([`Members::admit`]),
    /// counting what the bound refused or displaced.
    ///
    /// [`Members::admit`]: crate::members::Members::admit
    /// `video`: the source's RTP is of a video payload type (false for RTCP).
    fn admit_source(&mut self, ssrc: u32, now: Instant, video: bool) -> bool {
        match self.members.admit(ssrc, now, video) {
            Admission::Admitted => true,
            Admission::ReplacedStale => {
                self.counters.sources_over_limit += 1;
                true
            }
            Admission::Refused => {
                self.counters.sources_over_limit += 1;
                false
            }
        }
    }

    fn receive_rtcp(&mut self, now: Instant, from: SocketAddr, datagram: &mut [u8]) {
        if !self.paths.rtcp_source_expected(from) {
            self.counters.rtcp_unexpected_source += 1;
            return;
        }
        let Some(len) = self.unprotect(Kind::Rtcp, from, datagram) else {
            return;
        };
        let Some(bytes) = datagram.get(..len) else {
            self.counters.malformed += 1;
            return;
        };
        let rules = rtcp::Rules {
            reduced_size: self.config.transport.rtcp_rsize,
        };
        if rtcp::validate(bytes, rules).is_err() && !self.congestion.is_lone_feedback(bytes) {
            self.counters.malformed += 1;
            return;
        }
        self.counters.rtcp_received += 1;
        if let Some(address) = self.paths.on_rtcp(from) {
            tracing::debug!(%address, "RTCP destination latched");
            self.pump_dtls();
        }
        self.timer.on_rtcp_size(bytes.len());
        let (sender, cname) = compound_sender(bytes);
        if sender == Some(self.local.ssrc()) {
            self.on_own_ssrc(now, from, cname.as_deref());
            return;
        }
        let mut rest = bytes;
        while let Some((packet_type, packet, after)) = split_packet(rest) {
            rest = after;
            if matches!(
                packet_type,
                rtcp::packet_type::RTPFB | rtcp::packet_type::PSFB
            ) {
                if self.consume_congestion_feedback(now, packet) {
                    continue;
                }
                if !self.on_feedback_packet(now, packet) {
                    self.outbox.event(Event::Feedback {
                        packet: packet.to_vec(),
                    });
                }
                continue;
            }
            match AnyPacket::parse(packet) {
                Ok(parsed) => self.on_rtcp_packet(now, from, parsed),
                Err(_) => self.counters.malformed += 1,
            }
        }
    }

    fn on_rtcp_packet(&mut self, now: Instant, from: SocketAddr, packet: AnyPacket<'_>) {
        match packet {
            AnyPacket::SenderReport(sr) => {
                if let Some(source) = self.member(sr.ssrc, from, now) {
                    source.stats.on_sender_report(sr.ntp_time, now);
                    source.sender_reports += 1;
                    source.set_sender_clock(sr.ntp_time, sr.rtp_time);
                }
                for block in sr.reports.iter() {
                    self.on_report_block(now, sr.ssrc, &block);
                }
            }
            AnyPacket::ReceiverReport(rr) => {
                self.member(rr.ssrc, from, now);
                for block in rr.reports.iter() {
                    self.on_report_block(now, rr.ssrc, &block);
                }
            }
            AnyPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks.iter() {
                    let cname = chunk.item(rtcp::SdesItemType::Cname);
                    if let (Some(source), Some(cname)) = (self.members.get_mut(chunk.source), cname)
                    {
                        source.cname = Some(String::from_utf8_lossy(&cname).into_owned());
                    }
                }
            }
            AnyPacket::Goodbye(bye) => {
                let reason = bye
                    .reason
                    .as_ref()
                    .map(|r| String::from_utf8_lossy(r).into_owned());
                let (rtt, codec) = (self.rtt, self.config.codec);
                for ssrc in bye.sources.iter() {
                    let mut finished = Vec::new();
                    self.dtmf_rx.leave(ssrc, &mut finished);
                    self.report_dtmf(finished);
                    self.timer.on_bye_received();
                    if let Some(quality) = self.members.leave(ssrc, |s| s.quality(rtt, codec)) {
                        let reason = LeaveReason::Bye(reason.clone());
                        self.outbox.event(Event::SourceLeft {
                            ssrc,
                            reason,
                            quality,
                        });
                    }
                }
                let members = self.members.count();
                self.timer.on_members_left(now, members);
            }
            AnyPacket::ExtendedReport(xr) => self.on_extended_report(now, from, &xr),
            _ => {}
        }
    }

    /// RFC 3611: remembers a source's Receiver Reference Time to answer with DLRR, and
    /// takes the RTT from a DLRR sub-block answering ours (§4.5).
    fn on_extended_report(
        &mut self,
        now: Instant,
        from: SocketAddr,
        xr: &rtcp::ExtendedReport<'_>,
    ) {
        let arrival = self.wallclock(now);
        for block in xr.blocks.iter() {
            match block {
                XrBlock::ReceiverReferenceTime(rrtr) => {
                    if let Some(source) = self.member(xr.ssrc, from, now) {
                        source.stats.on_receiver_reference_time(rrtr.ntp_time, now);
                    }
                }
                XrBlock::Dlrr(dlrr) => {
                    let ours = dlrr.items.iter().find(|i| i.ssrc == self.local.ssrc());
                    let rtt = ours.and_then(|i| {
                        rtcp::round_trip_time(arrival, i.last_rr, i.delay_since_last_rr)
                    });
                    if let Some(rtt) = rtt {
                        self.rtt = Some(rtt);
                        self.outbox.event(Event::RoundTripTime {
                            reporter: xr.ssrc,
                            rtt,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// The member `ssrc` heard from in RTCP, created (and validated: RTCP from the peer
    /// validates a source, RFC 3550 §6.2.1) if new.
    fn member(&mut self, ssrc: u32, from: SocketAddr, now: Instant) -> Option<&mut RemoteSource> {
        if !self.admit_source(ssrc, now, false) {
            return None;
        }
        let source = self.members.get_mut(ssrc)?;
        source.last_heard = now;
        let newly_valid = !source.validated;
        source.validated = true;
        if newly_valid {
            self.outbox.event(Event::NewSource {
                ssrc,
                address: from,
            });
        }
        self.members.get_mut(ssrc)
    }

    fn on_report_block(&mut self, now: Instant, reporter: u32, block: &rtcp::ReportBlock) {
        let arrival = self.wallclock(now);
        if let Some(rtt) = self.local.on_report_block(block, arrival) {
            self.rtt = Some(rtt);
            self.outbox.event(Event::RoundTripTime { reporter, rtt });
        }
    }

    /// A packet carried our SSRC (RFC 3550 §8.2): our own packets looped back (same
    /// CNAME, or an address already known to conflict) are dropped; otherwise another
    /// participant chose our SSRC, and we send a BYE for it and pick a new one.
    pub(crate) fn on_own_ssrc(&mut self, now: Instant, from: SocketAddr, cname: Option<&str>) {
        if cname == Some(&*self.cname) || self.members.is_known_conflict(from) {
            self.counters.loops += 1;
            return;
        }
        self.members.record_conflict(from);
        self.counters.collisions += 1;
        let old = self.local.ssrc();
        self.send_compound(now, Some(old));
        let mut new = random_u32(self.rng.as_mut());
        while new == old || self.members.contains(new) {
            new = random_u32(self.rng.as_mut());
        }
        self.local.change_ssrc(new);
        if let Some(history) = self.feedback.history.as_mut() {
            history.clear();
        }
        tracing::info!(old, new, %from, "SSRC collision resolved");
        self.outbox.event(Event::SsrcCollision {
            old,
            new,
            address: from,
        });
    }
}

/// The sender SSRC of a compound's first SR or RR, and the CNAME its SDES gives for it.
fn compound_sender(compound: &[u8]) -> (Option<u32>, Option<String>) {
    let mut sender = None;
    let mut cname = None;
    let mut rest = compound;
    while let Some((_, packet, after)) = split_packet(rest) {
        rest = after;
        match AnyPacket::parse(packet) {
            Ok(AnyPacket::SenderReport(sr)) if sender.is_none() => sender = Some(sr.ssrc),
            Ok(AnyPacket::ReceiverReport(rr)) if sender.is_none() => sender = Some(rr.ssrc),
            Ok(AnyPacket::SourceDescription(sdes)) => {
                let found = sdes.chunks.iter().find(|c| Some(c.source) == sender);
                cname = found
                    .and_then(|c| c.item(rtcp::SdesItemType::Cname))
                    .map(|c| String::from_utf8_lossy(&c).into_owned());
            }
            _ => {}
        }
    }
    (sender, cname)
}

/// The packet type, bytes and remainder of the first packet of a validated compound.
fn split_packet(compound: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let header = rtcp::Header::parse(compound).ok()?;
    let (packet, rest) = compound.split_at_checked(header.packet_size())?;
    Some((header.packet_type, packet, rest))
}
