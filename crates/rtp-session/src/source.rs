//! A remote source (RFC 3550 §6.2.1 member): its statistics, jitter buffer, CNAME and
//! quality monitor.

use std::time::{Duration, Instant};

use crate::feedback::keyframe::KeyframeRequester;
use crate::feedback::nack::NackTracker;
use crate::origin::Origin;
use jitter_buffer::{JitterBuffer, Playout};
use rtp_packet::SsrcMap;
use stats::{AlertMonitor, Delays, EModel, Metric, RatingInputs, SourceStatistics};

/// The remote sources by SSRC, looked up for every RTP packet. An RTP packet is looked up
/// only once SRTP has authenticated it and the table holds at most `max_remote_sources`
/// entries; the map's hash is the stack's one SSRC hash ([`rtp_packet::ssrc_map`]).
///
/// A source is boxed: it is about 2.4 KiB (statistics, jitter buffer, quality monitor),
/// and a hash table keeps room for several entries (four at its smallest), so sources held
/// in place cost a one-source call nearly 10 KiB of table, most of it empty.
pub(crate) type SourceTable = SsrcMap<Box<RemoteSource>>;

/// One remote SSRC.
#[derive(Debug)]
pub(crate) struct RemoteSource {
    pub(crate) stats: SourceStatistics,
    /// Changed only through [`RemoteSource::insert_packet`] and
    /// [`RemoteSource::poll_playout`], which keep `next_playout` true to it.
    buffer: JitterBuffer,
    /// `buffer.poll_timeout()` as last computed, or `None` once a packet in or a frame out
    /// may have changed it: the session asks for it after every packet (poll, then
    /// deadline), and it is a fixed function of the buffer's state.
    next_playout: Option<Option<Instant>>,
    /// Validated by RFC 3550 A.1 probation (or by RTCP): a member.
    pub(crate) validated: bool,
    /// The last RTP or RTCP packet from it.
    pub(crate) last_heard: Instant,
    /// The last RTP packet from it: a sender while recent.
    pub(crate) last_rtp: Option<Instant>,
    pub(crate) cname: Option<String>,
    pub(crate) alerts: AlertMonitor,
    /// Where its RTP comes from (RFC 3550 §8.2).
    pub(crate) origin: Origin,
    /// Sender reports received from it.
    pub(crate) sender_reports: u64,
    /// What of its stream is missing and when it was asked for (RFC 4585 NACK).
    pub(crate) nack: NackTracker,
    /// Keyframe requests for its stream, and the FIR numbers it sent us.
    pub(crate) keyframe: KeyframeRequester,
    /// Its media packets held while on RFC 3550 A.1 probation, delivered to the jitter
    /// buffer once a packet ends it ([`RemoteSource::hold`]); empty (no heap) otherwise.
    held: Vec<HeldPacket>,
}

/// A media packet that arrived while its source was on probation.
#[derive(Debug)]
struct HeldPacket {
    sequence: u16,
    arrival: Instant,
    bytes: Vec<u8>,
}

/// The most probation packets a source holds (RFC 3550's `MIN_SEQUENTIAL` is 2, so one).
const MAX_HELD: usize = 4;

/// Quality figures of one remote source, for display and alerts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceQuality {
    /// The source's SSRC.
    pub ssrc: u32,
    /// RTP packets received (RFC 3550 A.3, duplicates counted).
    pub packets_received: u64,
    /// Packets expected minus received (RFC 3550 A.3); negative with duplicates.
    pub cumulative_lost: i64,
    /// Lost over expected since the start, 0–1.
    pub loss_ratio: f64,
    /// Interarrival jitter (RFC 3550 A.8).
    pub jitter: Duration,
    /// The latest round-trip time measured from report blocks, when any.
    pub rtt: Option<Duration>,
    /// The jitter buffer's current playout delay.
    pub playout_delay: Duration,
    /// Frames concealed by the jitter buffer (lost or late).
    pub concealed: u64,
    /// RTCP sender reports received from it.
    pub sender_reports: u64,
    /// The E-model MOS (ITU-T G.107) from loss, RTT/2 + playout delay and the codec, when
    /// the codec is known.
    pub mos: Option<f64>,
}

impl RemoteSource {
    pub(crate) fn new(
        stats: SourceStatistics,
        buffer: JitterBuffer,
        now: Instant,
        alerts: AlertMonitor,
    ) -> Self {
        Self {
            stats,
            buffer,
            next_playout: None,
            validated: false,
            last_heard: now,
            last_rtp: None,
            cname: None,
            alerts,
            origin: Origin::default(),
            sender_reports: 0,
            nack: NackTracker::default(),
            keyframe: KeyframeRequester::default(),
            held: Vec::new(),
        }
    }

    /// Gives a source heard only in RTCP so far the statistics and jitter buffer of the
    /// media its first RTP packet turned out to be (a bundled video stream's, see
    /// [`crate::Config::bundled_video`]); membership, CNAME and origin are kept.
    pub(crate) fn set_media(&mut self, stats: SourceStatistics, buffer: JitterBuffer) {
        self.stats = stats;
        self.buffer = buffer;
        self.next_playout = None;
    }

    /// True when its jitter buffer assembles video frames.
    pub(crate) fn is_video(&self) -> bool {
        self.buffer.config().kind == jitter_buffer::MediaKind::Video
    }

    /// Reads the jitter buffer's missing packets into the NACK generator after packet `seq`
    /// arrived at `now`: a newly missing packet must be back before `now` plus the
    /// buffer's current playout delay (see `feedback/nack.rs`).
    pub(crate) fn update_nack(&mut self, now: Instant, seq: u16, max: usize) {
        let deadline = now + self.buffer.playout_delay();
        self.nack.update(self.buffer.missing(), seq, deadline, max);
    }

    /// The jitter buffer, to read.
    pub(crate) fn buffer(&self) -> &JitterBuffer {
        &self.buffer
    }

    /// The jitter buffer, to keep playing out after the source has gone.
    pub(crate) fn into_buffer(self) -> JitterBuffer {
        self.buffer
    }

    /// Records an RTP packet that arrived at `now` in the jitter buffer, with the sequence
    /// verdict the statistics already computed for it, as `kind` says: audio is stored to
    /// play; comfort noise (RFC 3389) is stored as a frame that teaches no packet
    /// duration; a telephone event (RFC 4733) holds nothing to play, so its sequence number
    /// is only marked received, never lost.
    pub(crate) fn insert_packet(
        &mut self,
        now: Instant,
        packet: &rtp_packet::RtpPacket<'_>,
        sequence: rtp_packet::SeqVerdict,
        kind: crate::PayloadKind,
    ) {
        let info = jitter_buffer::PacketInfo::of(packet);
        let payload = packet.payload();
        match kind {
            crate::PayloadKind::TelephoneEvent => {
                self.buffer.skip_validated(now, info, sequence);
            }
            crate::PayloadKind::ComfortNoise => {
                self.buffer
                    .insert_comfort_noise(now, info, sequence, payload);
            }
            _ => {
                self.buffer.insert_validated(now, info, sequence, payload);
            }
        }
        self.next_playout = None;
    }

    /// Holds a media packet that arrived at `arrival` while the source is on probation
    /// (RFC 3550 A.1 counts nothing before probation ends, but the packets themselves are
    /// the stream's: for video the first is the start of a key frame). At most
    /// [`MAX_HELD`] are kept, the newest.
    pub(crate) fn hold(&mut self, arrival: Instant, packet: &rtp_packet::RtpPacket<'_>) {
        if self.held.len() == MAX_HELD {
            self.held.remove(0);
        }
        self.held.push(HeldPacket {
            sequence: packet.sequence_number(),
            arrival,
            bytes: packet.as_bytes().to_vec(),
        });
    }

    /// Probation ended with the packet numbered `sequence`, extended `extended`: the held
    /// packets that run straight up to it go into the jitter buffer under the extended
    /// numbers before it (oldest first), the others are dropped, and the holding space is
    /// freed. Returns the sequence numbers delivered. The statistics never see them: RFC
    /// 3550 A.1 starts counting at the packet that ended probation.
    pub(crate) fn release_held(
        &mut self,
        sequence: u16,
        extended: u64,
        kind: crate::PayloadKind,
    ) -> Vec<u16> {
        let held = std::mem::take(&mut self.held);
        let mut delivered = Vec::new();
        for h in &held {
            let behind = sequence.wrapping_sub(h.sequence);
            // Only the run that ends at `sequence`: one to MAX_HELD behind it, each
            // present (a gap restarted probation, so older packets are not the stream's).
            let in_run = (1..=MAX_HELD as u16).contains(&behind)
                && (1..behind).all(|d| held.iter().any(|o| o.sequence == sequence.wrapping_sub(d)));
            let Some(extended) = extended.checked_sub(u64::from(behind)) else {
                continue;
            };
            if !in_run {
                continue;
            }
            let Ok(packet) = rtp_packet::RtpPacket::parse(&h.bytes) else {
                continue;
            };
            let verdict = rtp_packet::SeqVerdict::Accepted {
                extended,
                in_order: true,
            };
            self.insert_packet(h.arrival, &packet, verdict, kind);
            delivered.push(h.sequence);
        }
        delivered
    }

    /// A sender report from it arrived: its (NTP, RTP) pair maps the timestamps of the
    /// frames its buffer plays to its wallclock (RFC 3550 §6.4.1), so each frame carries
    /// its sender wallclock ([`jitter_buffer::Frame::sender_wallclock`]).
    pub(crate) fn set_sender_clock(&mut self, wallclock: rtcp::NtpTime, rtp_timestamp: u32) {
        self.buffer.set_sender_clock(wallclock, rtp_timestamp);
    }

    /// When the jitter buffer next has a frame or concealment to give
    /// ([`JitterBuffer::poll_timeout`]).
    pub(crate) fn next_playout(&self) -> Option<Instant> {
        self.next_playout
            .unwrap_or_else(|| self.buffer.poll_timeout())
    }

    /// The frame or concealment due at `now`, if the buffer has one.
    #[inline]
    pub(crate) fn poll_playout(&mut self, now: Instant) -> Option<Playout<'_>> {
        let next = *self
            .next_playout
            .get_or_insert_with(|| self.buffer.poll_timeout());
        if next.is_none_or(|t| t > now) {
            return None;
        }
        self.next_playout = None;
        self.buffer.poll(now)
    }

    pub(crate) fn quality(
        &self,
        rtt: Option<Duration>,
        codec: Option<stats::Codec>,
    ) -> SourceQuality {
        let seq = self.stats.loss();
        let expected = seq.expected();
        let lost = seq.cumulative_lost();
        let loss_ratio = if expected == 0 {
            0.0
        } else {
            (lost.max(0) as f64) / expected as f64
        };
        let metrics = self.buffer.metrics();
        let playout_delay = self.buffer.playout_delay();
        let one_way = rtt.unwrap_or_default() / 2 + playout_delay;
        let mos = codec.and_then(|c| c.impairment()).and_then(|impairment| {
            EModel::default()
                .rate(&RatingInputs {
                    delays: Some(Delays::one_way(one_way.as_secs_f64() * 1000.0)),
                    packet_loss_percent: Some(loss_ratio * 100.0),
                    // BurstR is undefined without loss; 1 is random loss (G.107 §7.5).
                    burst_ratio: Some(self.stats.burst_analyzer().burst_ratio().unwrap_or(1.0)),
                    codec: Some(impairment),
                })
                .map(|r| r.mos())
        });
        SourceQuality {
            ssrc: self.stats.ssrc(),
            packets_received: seq.received(),
            cumulative_lost: lost,
            loss_ratio,
            jitter: self.stats.jitter_duration(),
            rtt,
            playout_delay,
            concealed: metrics.concealment_events,
            sender_reports: self.sender_reports,
            mos,
        }
    }

    /// Feeds the alert monitor with `quality` and the interval's fraction lost.
    pub(crate) fn check_alerts(
        &mut self,
        quality: &SourceQuality,
        fraction_lost: f64,
    ) -> Vec<stats::AlertEvent> {
        let updates = [
            (Metric::Loss, Some(fraction_lost)),
            (Metric::Jitter, Some(quality.jitter.as_secs_f64() * 1000.0)),
            (Metric::Rtt, quality.rtt.map(|r| r.as_secs_f64() * 1000.0)),
            (Metric::Mos, quality.mos),
        ];
        updates
            .into_iter()
            .filter_map(|(metric, value)| self.alerts.update(metric, value))
            .collect()
    }
}
