//! RTCP feedback in the session (see `feedback/mod.rs` and `docs/feedback.md`): NACKs and
//! keyframe requests generated and sent by the RFC 4585 timing, received NACKs answered
//! from the send history (RTX or plain), received PLI/FIR surfaced, RTX unwrapped.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jitter_buffer::Playout;
use rtcp::feedback::{FirEntry, FullIntraRequest, GenericNack, PictureLossIndication};
use rtcp::{AnyPacket, Packet};
use rtp_packet::RtpPacket;

use super::security::Protection;
use super::{Phase, SRTP_OVERHEAD, Session, random_unit};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::feedback::avpf::Mode;
use crate::feedback::rtx::{self, Refusal};
use crate::feedback::{KeyframeKind, MAX_NACK_PER_MESSAGE, MAX_NACK_RECEIVED, MAX_PENDING_BYTES};

impl Session {
    /// The RTT used for feedback decisions: the measured one, or the configured guess.
    fn feedback_rtt(&self) -> Duration {
        self.rtt.unwrap_or(self.config.feedback.initial_rtt)
    }

    /// Asks the sender of `ssrc` for a keyframe (PLI, or FIR when only FIR is negotiated),
    /// through the RFC 4585 timing: at once when an early packet is allowed, otherwise in
    /// the next regular compound. Requests closer together than
    /// [`crate::Feedback::keyframe_interval`] (or one RTT) are merged: `Ok(false)`.
    /// Fails when neither PLI nor FIR is negotiated or `ssrc` is not a remote source.
    pub fn request_keyframe(&mut self, now: Instant, ssrc: u32) -> Result<bool> {
        if self.phase != Phase::Open {
            return Err(Error::Closed);
        }
        if !self.config.feedback.keyframes() {
            return Err(Error::BadConfig("neither PLI nor FIR is negotiated"));
        }
        let interval = self.keyframe_interval();
        let source = self
            .members
            .get_mut(ssrc)
            .ok_or(Error::BadConfig("no remote source has this SSRC"))?;
        let taken = source.keyframe.request(now, interval);
        if !taken {
            self.counters.keyframe_requests_limited += 1;
        }
        self.service_feedback(now);
        Ok(taken)
    }

    fn keyframe_interval(&self) -> Duration {
        self.config
            .feedback
            .keyframe_interval
            .max(self.feedback_rtt())
    }

    /// After media packet `seq` of `ssrc` went into its jitter buffer at `now`: the NACK
    /// generator reads what is missing now.
    pub(crate) fn on_media_inserted(&mut self, now: Instant, ssrc: u32, seq: u16) {
        if !self.config.feedback.nack {
            return;
        }
        let max = self.config.feedback.max_nack_tracked;
        if let Some(source) = self.members.get_mut(ssrc) {
            source.update_nack(now, seq, max);
        }
    }

    /// Whether feedback work is due at or before `now`, without allocating: the timeout
    /// the session reports includes it ([`Session::feedback_deadline`]).
    pub(crate) fn feedback_deadline(&self) -> Option<Instant> {
        if !self.config.feedback.is_avpf() || self.phase != Phase::Open {
            return None;
        }
        let rtt = self.feedback_rtt();
        let mut next = self.feedback.avpf.early_deadline();
        let mut merge = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
        };
        for (_, source) in self.members.iter() {
            merge(source.nack.next_due(rtt));
            if source.keyframe.is_pending() {
                merge(Some(self.origin));
            }
        }
        if !self.feedback.lost_frames.is_empty() {
            merge(Some(self.origin));
        }
        next
    }

    /// Collects the feedback due at `now` and sends it as RFC 4585 allows: in an early
    /// packet now (immediate mode), at the dithered instant (early mode), or with the next
    /// regular compound.
    pub(crate) fn service_feedback(&mut self, now: Instant) {
        if !self.config.feedback.is_avpf() || self.phase != Phase::Open {
            return;
        }
        self.collect_feedback(now);
        if self.feedback.pending.is_empty() {
            return;
        }
        let members = self.members.count();
        let (tp, tn) = (self.timer.last_sent(), self.timer.next());
        let t_rr = tn.saturating_duration_since(tp);
        let unit = random_unit(self.rng.as_mut());
        match self.feedback.avpf.decide(now, members, t_rr, tn, unit) {
            Mode::Immediate => self.send_early(now),
            Mode::Early(at) if at <= now => self.send_early(now),
            Mode::Early(_) | Mode::Regular => {}
        }
    }

    /// Moves what is due at `now` (NACKs, keyframe requests) into the pending feedback.
    fn collect_feedback(&mut self, now: Instant) {
        let rtt = self.feedback_rtt();
        let interval = self.keyframe_interval();
        let sender_ssrc = self.local.ssrc();
        let fb = &self.config.feedback;
        let (retries, use_pli) = (fb.max_nack_retries, fb.pli);
        // Lost frames become keyframe requests of their sources.
        let mut lost = std::mem::take(&mut self.feedback.lost_frames);
        if fb.keyframe_on_loss && fb.keyframes() {
            for &ssrc in &lost {
                if let Some(source) = self.members.get_mut(ssrc)
                    && !source.keyframe.request(now, interval)
                {
                    self.counters.keyframe_requests_limited += 1;
                }
            }
        }
        lost.clear();
        self.feedback.lost_frames = lost;
        let mut fir_entries = Vec::new();
        let mut scratch = std::mem::take(&mut self.feedback.nack_scratch);
        let mut new_packets: Vec<AnyPacket<'static>> = Vec::new();
        for (ssrc, source) in self.members.iter_mut() {
            scratch.clear();
            let outcome = source
                .nack
                .due(now, rtt, retries, MAX_NACK_PER_MESSAGE, &mut scratch);
            self.counters.nack_too_late += outcome.too_late;
            self.counters.nack_given_up += outcome.given_up;
            if !scratch.is_empty() {
                self.counters.nack_messages_sent += 1;
                self.counters.nack_sequence_numbers_sent += scratch.len() as u64;
                new_packets.push(AnyPacket::GenericNack(GenericNack {
                    sender_ssrc,
                    media_ssrc: ssrc,
                    pairs: GenericNack::pairs_from_lost(&scratch).into(),
                }));
            }
            if source.keyframe.is_pending() {
                let sequence_number = source.keyframe.sent(now);
                self.counters.keyframe_requests_sent += 1;
                if use_pli {
                    new_packets.push(AnyPacket::PictureLossIndication(PictureLossIndication {
                        sender_ssrc,
                        media_ssrc: ssrc,
                    }));
                } else {
                    fir_entries.push(FirEntry {
                        ssrc,
                        sequence_number,
                    });
                }
            }
        }
        self.feedback.nack_scratch = scratch;
        if !fir_entries.is_empty() {
            new_packets.push(AnyPacket::FullIntraRequest(FullIntraRequest {
                sender_ssrc,
                media_ssrc: 0,
                entries: fir_entries.into(),
            }));
        }
        for packet in new_packets {
            let size = packet.size();
            if self.feedback.pending_bytes + size > MAX_PENDING_BYTES {
                self.counters.feedback_dropped += 1;
                continue;
            }
            self.feedback.pending_bytes += size;
            self.feedback.pending.push(packet);
        }
    }

    /// Sends the pending feedback now as an early packet (RFC 4585 §3.5.2): alone with
    /// reduced-size RTCP, otherwise after an RR and SDES CNAME; the next regular compound
    /// is skipped once and no other early packet goes before it.
    fn send_early(&mut self, now: Instant) {
        let pending = std::mem::take(&mut self.feedback.pending);
        self.feedback.pending_bytes = 0;
        match self.send_feedback(&pending) {
            Ok(()) => {
                self.counters.early_feedback_sent += 1;
                self.feedback.avpf.on_early_sent();
                self.timer.on_early_sent();
                tracing::trace!(?now, packets = pending.len(), "early RTCP feedback");
            }
            Err(error) => tracing::debug!(%error, "early feedback not sent"),
        }
        let mut pending = pending;
        pending.clear();
        self.feedback.pending = pending;
    }

    /// The pending feedback for a regular compound, emptied.
    pub(crate) fn take_pending_feedback(&mut self) -> Vec<AnyPacket<'static>> {
        self.feedback.pending_bytes = 0;
        std::mem::take(&mut self.feedback.pending)
    }

    /// A received RTPFB or PSFB message: true when the session acted on it, false when it
    /// is for the application ([`Event::Feedback`]).
    pub(crate) fn on_feedback_packet(&mut self, now: Instant, packet: &[u8]) -> bool {
        let fb = &self.config.feedback;
        let (nack, keyframes) = (fb.nack, fb.keyframes());
        if !nack && !keyframes {
            return false;
        }
        let Ok(parsed) = AnyPacket::parse(packet) else {
            self.counters.malformed += 1;
            return true;
        };
        let ours = self.local.ssrc();
        match parsed {
            AnyPacket::GenericNack(n) if nack => {
                if n.media_ssrc != ours {
                    self.counters.feedback_unknown_ssrc += 1;
                    return true;
                }
                self.counters.nack_messages_received += 1;
                let mut count = 0usize;
                for seq in n.lost() {
                    if count == MAX_NACK_RECEIVED {
                        self.counters.nack_sequence_numbers_ignored += 1;
                        continue;
                    }
                    count += 1;
                    self.retransmit(now, seq);
                }
                true
            }
            AnyPacket::PictureLossIndication(p) if keyframes => {
                if p.media_ssrc != ours {
                    self.counters.feedback_unknown_ssrc += 1;
                    return true;
                }
                self.keyframe_requested(p.sender_ssrc, KeyframeKind::Pli);
                true
            }
            AnyPacket::FullIntraRequest(f) if keyframes => {
                let mut ours_found = false;
                for entry in f.entries.iter().filter(|e| e.ssrc == ours) {
                    ours_found = true;
                    let max = self.config.max_remote_sources;
                    let new =
                        self.feedback
                            .fir_seen
                            .is_new(f.sender_ssrc, entry.sequence_number, max);
                    if new {
                        self.keyframe_requested(f.sender_ssrc, KeyframeKind::Fir);
                    }
                }
                if !ours_found {
                    self.counters.feedback_unknown_ssrc += 1;
                }
                true
            }
            _ => false,
        }
    }

    fn keyframe_requested(&mut self, requester: u32, kind: KeyframeKind) {
        self.counters.keyframe_requests_received += 1;
        self.outbox.event(Event::KeyframeRequested {
            ssrc: self.local.ssrc(),
            requester,
            kind,
        });
    }

    /// Sends our packet `seq` again, from the history: RTX-wrapped and protected on the
    /// RTX stream, or the very datagram sent (see `feedback/rtx.rs`).
    fn retransmit(&mut self, now: Instant, seq: u16) {
        let rtt = self.feedback_rtt();
        let ssrc = self.local.ssrc();
        let Some(destination) = self.paths.rtp() else {
            return;
        };
        let Some(history) = self.feedback.history.as_mut() else {
            return;
        };
        let stored = match history.take(ssrc, seq, now, rtt) {
            Ok(bytes) => bytes,
            Err(refusal) => {
                match refusal {
                    Refusal::Missing => self.counters.retransmissions_missing += 1,
                    Refusal::Suppressed => self.counters.retransmissions_suppressed += 1,
                    Refusal::RateLimited => self.counters.retransmissions_rate_limited += 1,
                }
                return;
            }
        };
        let mut buf = self.outbox.buffer();
        match self.config.feedback.rtx {
            Some(rtx) => {
                buf.resize(stored.len() + 2 + SRTP_OVERHEAD, 0);
                let rtx_seq = self.feedback.rtx_seq;
                let Some(len) = rtx::wrap(
                    stored,
                    rtx.payload_type.value(),
                    self.feedback.rtx_ssrc,
                    rtx_seq,
                    &mut buf,
                ) else {
                    self.outbox.recycle(buf);
                    return;
                };
                // A repair is a new packet on the transport: its own transport-wide
                // sequence number (`congestion/restamp.rs`).
                let stamped = self.congestion.next_extension().is_some_and(|(id, tseq)| {
                    buf.get_mut(..len).is_some_and(|p| {
                        crate::congestion::restamp::transport_sequence(p, id, tseq)
                    })
                });
                let protected = match self.security.rtp() {
                    Protection::Keyed(keys) => keys.outbound.protect_rtp(&mut buf, len),
                    Protection::Clear => Ok(len),
                    Protection::NotKeyed => {
                        self.outbox.recycle(buf);
                        return;
                    }
                };
                match protected {
                    Ok(len) => {
                        buf.truncate(len);
                        if stamped {
                            let send_time = self.outbox.release_time(now);
                            self.congestion.on_sent(send_time, len, rtx_seq);
                        }
                    }
                    Err(error) => {
                        tracing::debug!(%error, "RTX packet not protected");
                        self.outbox.recycle(buf);
                        return;
                    }
                }
                self.feedback.rtx_seq = rtx_seq.wrapping_add(1);
            }
            None => {
                buf.clear();
                buf.extend_from_slice(stored);
            }
        }
        self.counters.retransmissions_sent += 1;
        self.queue_rtp(now, destination, buf);
    }

    /// Records a packet being sent at `now` in the send history (when `nack` is
    /// negotiated): before SRTP with RTX, as it goes on the wire without.
    pub(crate) fn remember_sent(&mut self, now: Instant, bytes: &[u8]) {
        let ssrc = self.local.ssrc();
        if let Some(history) = self.feedback.history.as_mut()
            && let [_, _, a, b, ..] = bytes
        {
            history.store(ssrc, u16::from_be_bytes([*a, *b]), now, bytes);
        }
    }

    /// An RTX packet (RFC 4588) arrived: unwrapped into its original packet and delivered
    /// to its media source, if that source is asking for it.
    pub(crate) fn receive_rtx(
        &mut self,
        now: Instant,
        from: SocketAddr,
        packet: &RtpPacket<'_>,
        bytes: &[u8],
    ) {
        let Some(rtx) = self.config.feedback.rtx else {
            return;
        };
        let Some(media) = self.rtx_media_source(packet.ssrc()) else {
            self.counters.rtx_dropped += 1;
            return;
        };
        let osn = match packet.payload() {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => {
                self.counters.rtx_dropped += 1;
                return;
            }
        };
        // The jitter buffer's word: still missing and still ahead of playout. (A number
        // the NACK generator stopped asking for may still arrive in time.)
        let wanted = self
            .members
            .get(media)
            .is_some_and(|s| s.buffer().missing().any(|seq| seq == osn));
        if !wanted {
            self.counters.rtx_duplicates += 1;
            return;
        }
        let mut scratch = std::mem::take(&mut self.feedback.rtx_scratch);
        if rtx::unwrap(packet, bytes, rtx.apt.value(), media, &mut scratch).is_some()
            && let Ok(original) = RtpPacket::parse(&scratch)
        {
            self.counters.rtx_received += 1;
            if let Some(source) = self.members.get_mut(media) {
                source.nack.received(osn);
            }
            self.deliver_rtp(now, from, &original, &scratch);
        } else {
            self.counters.rtx_dropped += 1;
        }
        self.feedback.rtx_scratch = scratch;
    }

    /// The media source an RTX stream repairs (RFC 4588 §5: SSRC multiplexing): the
    /// validated source sending RTP whose CNAME the RTX SSRC shares, or the only one.
    fn rtx_media_source(&self, rtx_ssrc: u32) -> Option<u32> {
        // With a bundled video stream, RTX repairs the video: the audio source beside it
        // shares its CNAME and must not be taken for the stream repaired.
        let video_only = self.config.bundled_video.is_some();
        let media = move || {
            self.members.validated().filter(move |(ssrc, s)| {
                *ssrc != rtx_ssrc && s.last_rtp.is_some() && (!video_only || s.is_video())
            })
        };
        if let Some(cname) = self.members.get(rtx_ssrc).and_then(|s| s.cname.as_deref())
            && let Some((ssrc, _)) = media().find(|(_, s)| s.cname.as_deref() == Some(cname))
        {
            return Some(ssrc);
        }
        let mut it = media();
        match (it.next(), it.next()) {
            (Some((ssrc, _)), None) => Some(ssrc),
            _ => None,
        }
    }
}

/// True when a played-out item of a video stream is a frame the buffer could not
/// complete, or a concealed one.
pub(crate) fn is_lost_video(playout: &Playout<'_>) -> bool {
    match playout {
        Playout::Frame(frame) => !frame.is_complete(),
        Playout::Conceal(_) => true,
        _ => false,
    }
}
