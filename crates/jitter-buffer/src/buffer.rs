//! The jitter buffer: packet intake, stream state and the playout schedule.
//! Releasing frames lives in [`crate::poll`].

use crate::Error;
use crate::arrival::ArrivalModel;
use crate::config::{Config, DelayMode, MediaKind};
use crate::histogram::{DelayHistogram, DelayStatistics, TargetBounds};
use crate::metrics::Metrics;
use crate::playout::SenderClock;
use crate::store::Store;
use crate::stretch::{CONTINUOUS_AFTER_SECONDS, StretchState};
use crate::time::{NANOS_PER_SEC, Rate, Span, Time};
use rtp_packet::clock::timestamp_distance;
use rtp_packet::{SeqVerdict, SequenceTracker, ValidationConfig};
use std::time::{Duration, Instant};

/// Histogram bin width: 1 ms.
const BIN_WIDTH: Span = Span::from_millis(1);
/// The longest packet duration learnt from timestamp steps (Opus allows 120 ms), in
/// milliseconds; a longer step between consecutive sequence numbers is a silence gap.
const MAX_FRAME_MILLIS: i64 = 120;
/// A newer packet whose timestamp is more than this many seconds behind the newest means
/// the sender restarted its timestamps.
const MAX_TIMESTAMP_REWIND_SECONDS: i64 = 1;

/// Extended timestamps start this far above zero, so reordered packets from before the first
/// one never produce a negative number.
const EXTENDED_TS_ORIGIN: i64 = 1 << 32;

/// The header fields the buffer needs from an RTP packet (RFC 3550 §5.1), for callers that
/// have parsed the packet themselves. [`JitterBuffer::insert_packet`] takes an
/// [`rtp_packet::RtpPacket`] directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketInfo {
    /// The synchronisation source.
    pub ssrc: u32,
    /// The sequence number.
    pub sequence_number: u16,
    /// The RTP timestamp.
    pub timestamp: u32,
    /// The marker bit: a talkspurt start for audio (RFC 3551 §4.1), a frame end for video.
    pub marker: bool,
    /// The payload type.
    pub payload_type: u8,
}

impl PacketInfo {
    /// The fields of a parsed packet.
    pub fn of(packet: &rtp_packet::RtpPacket<'_>) -> Self {
        Self {
            ssrc: packet.ssrc(),
            sequence_number: packet.sequence_number(),
            timestamp: packet.timestamp(),
            marker: packet.marker(),
            payload_type: packet.payload_type().value(),
        }
    }
}

/// What became of an inserted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Insertion {
    /// Stored for playout.
    Stored,
    /// A copy of a packet already received: dropped.
    Duplicate,
    /// Arrived after its playout time: dropped (the gap is concealed).
    Late,
    /// Dropped for another reason.
    Discarded(DiscardReason),
    /// Recorded as received, holding nothing to play ([`JitterBuffer::skip_validated`]).
    Skipped,
}

/// Why a packet was discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscardReason {
    /// Its payload exceeds [`Config::max_payload`].
    Oversize,
    /// Its sequence number jumped by more than RFC 3550 A.1's `MAX_DROPOUT` (or back by
    /// more than `MAX_MISORDER`) and no following packet has confirmed the jump yet.
    SequenceJump,
    /// Its timestamp is more than a second ahead of newer packets.
    TimestampOutOfRange,
    /// The caller's source validation had not accepted it yet (RFC 3550 A.1 probation),
    /// so it has no extended sequence number ([`JitterBuffer::insert_validated`]).
    Unvalidated,
}

/// Maps extended RTP timestamps to playout times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub(crate) anchor_ts: i64,
    pub(crate) anchor_time: Time,
    /// Receiver nanoseconds per RTP tick (the nominal rate times skew and correction).
    pub(crate) rate: Rate,
    /// The delay above the fastest arrival this schedule was set to hold.
    pub(crate) locked_delay: Span,
}

impl Schedule {
    #[inline]
    pub(crate) fn at(&self, ext_ts: i64) -> Time {
        self.anchor_time + Span::of_ticks(ext_ts - self.anchor_ts, self.rate)
    }
}

/// Per-source state, replaced on an SSRC change or a restart. Declaration order is memory
/// order (`repr(C)`): with a thousand buffers side by side every cache line a packet touches
/// is a miss, so the fields of the per-packet path sit together.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Stream {
    /// The highest extended sequence number received.
    pub(crate) highest: i64,
    /// Extended timestamp of the newest packet.
    pub(crate) ts_ref: i64,
    /// The next extended sequence number to release.
    pub(crate) cursor: i64,
    /// Packet duration in RTP ticks.
    pub(crate) frame_ticks: i64,
    /// The longest packet duration believed, in RTP ticks.
    pub(crate) max_frame_ticks: i64,
    /// Extended sequence number and timestamp of the packet stored last.
    pub(crate) last_stored: (i64, i64),
    /// Where the last released frame ended, in media and in playout time.
    pub(crate) last_end_ts: Option<i64>,
    /// The sequence number whose talkspurt the schedule was last anchored for.
    pub(crate) anchored_for: Option<i64>,
    pub(crate) schedule: Schedule,
    /// Nominal receiver nanoseconds per RTP tick.
    pub(crate) nanos_per_tick: f64,
    pub(crate) ssrc: u32,
    pub(crate) played_any: bool,
    /// Video: the previous frame ended with its marker packet, so the cursor is a frame start.
    pub(crate) at_frame_start: bool,
    pub(crate) arrival: ArrivalModel,
    /// The first extended sequence number of the stream: loss is counted from here.
    pub(crate) first_ext_seq: i64,
    /// The extended sequence number of the last comfort-noise packet stored
    /// ([`JitterBuffer::insert_comfort_noise`]): no packet duration is learnt from a
    /// timestamp step to or from it.
    pub(crate) comfort_noise: Option<i64>,
    /// Extended timestamp of the last talkspurt start (or of the stream's start): audio
    /// long past it is continuous.
    pub(crate) spurt_start_ts: i64,
    /// Time-stretching on continuous audio.
    pub(crate) stretch: StretchState,
}

/// An adaptive RTP jitter buffer. Sans-IO: packets go in with [`insert`](Self::insert),
/// frames come out of [`poll`](Self::poll), and [`poll_timeout`](Self::poll_timeout) says
/// when to poll next. RTP timestamps, never packet counts, decide when a frame plays.
#[derive(Debug, Clone)]
// Declaration order is memory order: per-packet state first, the configuration and the
// counters most packets do not touch last (see `Stream`).
#[repr(C)]
pub struct JitterBuffer {
    pub(crate) stream: Option<Stream>,
    /// Unwraps sequence numbers for [`insert`](Self::insert); callers that validated the
    /// source themselves use [`insert_validated`](Self::insert_validated) and skip it.
    pub(crate) sequence: SequenceTracker,
    pub(crate) store: Store,
    pub(crate) epoch: Option<Instant>,
    /// The last instant `insert` or `poll` converted to a [`Time`].
    pub(crate) last_instant: Option<(Instant, Time)>,
    /// Slots released to the caller by the last poll, freed on the next call.
    pub(crate) pending_release: Option<(i64, i64)>,
    /// Playout time at which the last released frame ends; a new schedule never starts
    /// before it.
    pub(crate) last_end_time: Time,
    /// `jitterBufferDelay` and `jitterBufferTargetDelay` in nanoseconds (one span per
    /// emitted sample, summed), kept as wide integers so the per-frame path does no
    /// `Duration` arithmetic and an hours-long call cannot overflow.
    pub(crate) delay_sum: u128,
    pub(crate) target_sum: u128,
    pub(crate) concealing: bool,
    /// `packetsReceived`, `packetsPlayed` and `jitterBufferEmittedCount`, counted here
    /// beside the per-packet state and folded into [`Metrics`] by
    /// [`metrics`](Self::metrics).
    pub(crate) packets_received: u64,
    pub(crate) packets_played: u64,
    pub(crate) emitted_count: u64,
    /// The configuration values every packet reads, copied from `config`.
    pub(crate) hot: HotConfig,
    pub(crate) statistics: DelayStatistics,
    pub(crate) metrics: Metrics,
    /// The sender's wallclock mapping, from its latest sender report.
    pub(crate) sender_clock: Option<SenderClock>,
    pub(crate) config: Config,
}

/// The configuration values the per-packet path reads, kept with the per-packet state
/// (the [`Config`] itself sits at the cold end of [`JitterBuffer`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HotConfig {
    pub(crate) kind: MediaKind,
    pub(crate) adaptive: bool,
    pub(crate) max_payload: usize,
    pub(crate) capacity_bytes: usize,
    /// A newer packet this many ticks behind the newest restarts the stream.
    pub(crate) rewind_ticks: i64,
    /// Audio with adaptive delay and time-stretching on.
    pub(crate) stretch: bool,
    /// Ticks after a talkspurt start from which audio counts as continuous.
    pub(crate) continuous_ticks: i64,
}

impl HotConfig {
    fn new(config: &Config) -> Self {
        Self {
            kind: config.kind,
            adaptive: matches!(config.delay, DelayMode::Adaptive { .. }),
            max_payload: config.max_payload,
            capacity_bytes: config.capacity_bytes,
            rewind_ticks: i64::from(config.clock_rate.hz()) * MAX_TIMESTAMP_REWIND_SECONDS,
            stretch: config.time_stretch
                && config.kind == MediaKind::Audio
                && matches!(config.delay, DelayMode::Adaptive { .. }),
            continuous_ticks: i64::from(config.clock_rate.hz()) * CONTINUOUS_AFTER_SECONDS,
        }
    }
}

impl JitterBuffer {
    /// A buffer for one RTP stream, or the reason the configuration is unusable.
    pub fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let bins = match config.delay {
            DelayMode::Adaptive { max, .. } => usize::try_from(
                max.as_nanos()
                    .div_ceil(BIN_WIDTH.non_negative_nanos().into()),
            )
            .unwrap_or(usize::MAX)
            .saturating_add(1),
            DelayMode::Fixed(_) => 1,
        };
        Ok(Self {
            store: Store::new(config.capacity_packets),
            statistics: DelayStatistics::new(
                DelayHistogram::new(
                    bins.clamp(1, 60_001),
                    BIN_WIDTH,
                    config.forget_factor,
                    config.quantile,
                ),
                Span::from_duration(config.statistics_interval),
                match config.delay {
                    DelayMode::Adaptive { min, max, initial } => TargetBounds {
                        min: Span::from_duration(min),
                        max: Span::from_duration(max),
                        initial: Span::from_duration(initial),
                    },
                    // Never fed: the target stays the fixed delay.
                    DelayMode::Fixed(d) => TargetBounds {
                        min: Span::from_duration(d),
                        max: Span::from_duration(d),
                        initial: Span::from_duration(d),
                    },
                },
            ),
            metrics: Metrics::default(),
            delay_sum: 0,
            target_sum: 0,
            epoch: None,
            stream: None,
            sequence: SequenceTracker::new(ValidationConfig::NO_PROBATION),
            last_end_time: Time::MIN,
            pending_release: None,
            concealing: false,
            last_instant: None,
            packets_received: 0,
            packets_played: 0,
            emitted_count: 0,
            sender_clock: None,
            hot: HotConfig::new(&config),
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters since creation.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            packets_received: self.packets_received,
            packets_played: self.packets_played,
            jitter_buffer_emitted_count: self.emitted_count,
            jitter_buffer_delay: wide_duration(self.delay_sum),
            jitter_buffer_target_delay: wide_duration(self.target_sum),
            ..self.metrics
        }
    }

    /// Inserts a parsed RTP packet that arrived at `now`.
    pub fn insert_packet(&mut self, now: Instant, packet: &rtp_packet::RtpPacket<'_>) -> Insertion {
        self.insert(now, PacketInfo::of(packet), packet.payload())
    }

    /// Inserts a packet with these header fields and payload that arrived at `now`. The
    /// payload is copied into a reused slot. The buffer unwraps the sequence number itself
    /// (RFC 3550 A.1 without probation: the first packet is accepted, a big jump needs the
    /// next packet to confirm it).
    pub fn insert(&mut self, now: Instant, info: PacketInfo, payload: &[u8]) -> Insertion {
        let at = match self.admit(now, payload) {
            Ok(at) => at,
            Err(refused) => return refused,
        };
        if self.stream.as_ref().is_some_and(|s| s.ssrc != info.ssrc) {
            self.sequence = SequenceTracker::new(ValidationConfig::NO_PROBATION);
        }
        let verdict = self.sequence.update(info.sequence_number);
        self.place(at, info, verdict, payload, true)
    }

    /// Inserts a packet whose sequence number the caller has already run through its
    /// [`SequenceTracker`] (a session does it once per packet for statistics and hands the
    /// verdict on, so the packet is never unwrapped twice). Packets the tracker did not
    /// accept are [`DiscardReason::Unvalidated`] or [`DiscardReason::SequenceJump`]; a
    /// [`SeqVerdict::Restarted`] resynchronises the buffer.
    pub fn insert_validated(
        &mut self,
        now: Instant,
        info: PacketInfo,
        sequence: SeqVerdict,
        payload: &[u8],
    ) -> Insertion {
        match self.admit(now, payload) {
            Ok(at) => self.place(at, info, sequence, payload, true),
            Err(refused) => refused,
        }
    }

    /// As [`insert_validated`](Self::insert_validated), for a comfort-noise packet (RFC 3389):
    /// stored and released as a frame at its timestamp (the caller plays noise from there
    /// to the next frame), but the spacing of its timestamp teaches the buffer no packet
    /// duration, since a sender of comfort noise updates it at intervals of its own
    /// choosing. The timestamp gap that follows is silence, never loss, as after any audio
    /// frame.
    pub fn insert_comfort_noise(
        &mut self,
        now: Instant,
        info: PacketInfo,
        sequence: SeqVerdict,
        payload: &[u8],
    ) -> Insertion {
        match self.admit(now, payload) {
            Ok(at) => self.place(at, info, sequence, payload, false),
            Err(refused) => refused,
        }
    }

    /// Counts and refuses a packet whose sequence verdict leaves nothing to store: a jump
    /// not yet confirmed, or a source still on probation.
    fn discard_unusable(&mut self, sequence: SeqVerdict) -> Insertion {
        self.metrics.packets_discarded += 1;
        Insertion::Discarded(match sequence {
            SeqVerdict::BadSequence => DiscardReason::SequenceJump,
            _ => DiscardReason::Unvalidated,
        })
    }

    /// Records a packet of this stream's sequence-number space that holds nothing to play,
    /// such as an RFC 4733 telephone-event packet sent between the audio packets of its
    /// source: its sequence number counts as received (never lost or concealed, a copy is a
    /// duplicate) and playout passes over it without a frame, a gap or any time. Its
    /// timestamp and arrival teach the buffer nothing (event packets repeat the timestamp
    /// of the event's onset). As for [`insert_validated`](Self::insert_validated), the
    /// caller has already unwrapped the sequence number. Before the first stored packet
    /// there is nothing to pass over: the packet is only counted. A
    /// [`SeqVerdict::Restarted`] ends the stream, so that the next stored packet starts a
    /// new one.
    pub fn skip_validated(
        &mut self,
        now: Instant,
        info: PacketInfo,
        sequence: SeqVerdict,
    ) -> Insertion {
        if let Err(refused) = self.admit(now, &[]) {
            return refused;
        }
        let (ext_seq, newest) = match sequence {
            SeqVerdict::Accepted { extended, in_order } => (extended as i64, in_order),
            SeqVerdict::Restarted { .. } => {
                if self.stream.is_some() {
                    self.metrics.resyncs += 1;
                    self.metrics.packets_discarded += self.store.len() as u64;
                    self.store.clear();
                    self.stream = None;
                }
                return Insertion::Skipped;
            }
            unusable => return self.discard_unusable(unusable),
        };
        match self.stream.as_ref() {
            None => return Insertion::Skipped,
            Some(s) if s.ssrc != info.ssrc => {
                self.metrics.packets_discarded += 1;
                return Insertion::Discarded(DiscardReason::Unvalidated);
            }
            Some(_) => {}
        }
        if newest {
            self.slide_window(ext_seq);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Insertion::Skipped;
        };
        if newest {
            stream.highest = stream.highest.max(ext_seq);
        }
        if !self.store.mark_received(ext_seq) {
            self.metrics.packets_duplicated += 1;
            return Insertion::Duplicate;
        }
        if ext_seq < stream.cursor {
            if stream.played_any {
                // Already concealed as lost: it was received after all.
                if ext_seq >= stream.first_ext_seq {
                    self.metrics.packets_lost = self.metrics.packets_lost.saturating_sub(1);
                }
                self.metrics.packets_late += 1;
                return Insertion::Late;
            }
            return Insertion::Skipped;
        }
        self.store.mark_skipped(ext_seq);
        Insertion::Skipped
    }

    /// Counts a packet in and converts its arrival; refuses an oversized payload.
    #[inline(always)]
    fn admit(&mut self, now: Instant, payload: &[u8]) -> Result<Time, Insertion> {
        self.release_pending();
        self.packets_received += 1;
        let epoch = *self.epoch.get_or_insert(now);
        let at = self.time_at(epoch, now);
        if payload.len() > self.hot.max_payload {
            self.metrics.packets_discarded += 1;
            return Err(Insertion::Discarded(DiscardReason::Oversize));
        }
        Ok(at)
    }

    /// Stores an admitted packet whose sequence number was unwrapped to `sequence`; its
    /// timestamp step teaches the packet duration when `teach` (not for comfort noise).
    #[inline(always)]
    fn place(
        &mut self,
        at: Time,
        info: PacketInfo,
        sequence: SeqVerdict,
        payload: &[u8],
        teach: bool,
    ) -> Insertion {
        let (ext_seq, newest) = match sequence {
            SeqVerdict::Accepted { extended, in_order } => (extended as i64, in_order),
            SeqVerdict::Restarted { extended } => {
                if self.stream.is_some() {
                    tracing::debug!(
                        seq = info.sequence_number,
                        "sequence jump confirmed: resynchronising"
                    );
                }
                self.restart(info, extended as i64, payload, at);
                return Insertion::Stored;
            }
            unusable => return self.discard_unusable(unusable),
        };
        let Some(stream) = self.stream.as_mut() else {
            self.start_stream(info, ext_seq, payload, at);
            return Insertion::Stored;
        };
        if stream.ssrc != info.ssrc {
            tracing::debug!(
                old = stream.ssrc,
                new = info.ssrc,
                "SSRC changed: resynchronising"
            );
            // Another sender: the old one's wallclock mapping says nothing about it.
            self.sender_clock = None;
            self.restart(info, ext_seq, payload, at);
            return Insertion::Stored;
        }
        let ext_ts = stream.ts_ref + timestamp_distance(stream.ts_ref as u32, info.timestamp);
        // The step in ticks against one second of ticks: no division per packet.
        let ts_step = ext_ts - stream.ts_ref;
        let rewind_limit = self.hot.rewind_ticks;
        if newest {
            if ts_step < -rewind_limit {
                tracing::debug!(
                    seq = info.sequence_number,
                    "timestamp rewound: resynchronising"
                );
                self.restart(info, ext_seq, payload, at);
                return Insertion::Stored;
            }
            self.slide_window(ext_seq);
            let Some(stream) = self.stream.as_mut() else {
                return Insertion::Stored;
            };
            stream.ts_ref = ext_ts;
            stream.highest = stream.highest.max(ext_seq);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Insertion::Stored;
        };
        if !newest && ts_step > rewind_limit {
            self.metrics.packets_discarded += 1;
            return Insertion::Discarded(DiscardReason::TimestampOutOfRange);
        }
        if !self.store.mark_received(ext_seq) {
            self.metrics.packets_duplicated += 1;
            return Insertion::Duplicate;
        }
        let moved = stream.arrival.observe(ext_ts, at);
        if self.hot.adaptive {
            if moved != Span::ZERO {
                self.statistics.shift(moved);
            }
            self.statistics
                .observe(stream.arrival.relative_delay(ext_ts, at), at);
        }
        if ext_seq < stream.cursor {
            let reach = stream.highest - ext_seq < self.store.capacity() as i64;
            if stream.played_any || !reach {
                // Already concealed as lost: it was received after all (RFC 3550 §6.4.1
                // counts loss as expected minus received).
                if ext_seq >= stream.first_ext_seq {
                    self.metrics.packets_lost = self.metrics.packets_lost.saturating_sub(1);
                }
                self.metrics.packets_late += 1;
                return Insertion::Late;
            }
            // Reordered before the first release: the stream starts earlier than thought.
            stream.cursor = ext_seq;
            stream.first_ext_seq = ext_seq;
        }
        if at > stream.schedule.at(ext_ts) && stream.played_any {
            self.metrics.packets_late += 1;
            return Insertion::Late;
        }
        if self.store.bytes() + payload.len() > self.hot.capacity_bytes {
            self.make_room(ext_seq, payload.len());
        }
        self.store
            .put(ext_seq, ext_ts, info.marker, info.payload_type, at, payload);
        let after_noise = self
            .stream
            .as_ref()
            .is_some_and(|s| s.comfort_noise == Some(ext_seq - 1));
        if teach && !after_noise {
            self.learn_frame_duration(ext_seq, ext_ts);
        } else if let Some(s) = self.stream.as_mut() {
            s.last_stored = (ext_seq, ext_ts);
            if !teach {
                s.comfort_noise = Some(ext_seq);
            }
        }
        Insertion::Stored
    }

    /// The adaptive target: the configured quantile of the relative-delay histogram,
    /// clamped to the configured bounds (or the fixed delay). On continuous audio that is
    /// time-stretched ([`Config::time_stretch`]), when not one packet of the last twelve
    /// seconds needed that much, the largest relative delay of the last four seconds
    /// instead: the histogram forgets a calmer network's past only over minutes.
    pub fn target_delay(&self) -> Duration {
        self.target().to_duration()
    }

    /// Maps the stream's RTP timestamps to the sender's wallclock: `wallclock` is the
    /// sender's NTP time at RTP timestamp `timestamp`, the pair an RTCP sender report
    /// carries (RFC 3550 §6.4.1). From then on every frame carries its sender wallclock
    /// ([`Frame::sender_wallclock`](crate::Frame::sender_wallclock)); each new report
    /// replaces the pair. The mapping is dropped when another SSRC takes over the stream.
    pub fn set_sender_clock(&mut self, wallclock: rtcp::NtpTime, timestamp: u32) {
        self.sender_clock = Some(SenderClock {
            wallclock,
            timestamp,
            clock_rate: self.config.clock_rate.hz(),
        });
    }

    /// The sender's wallclock at RTP timestamp `timestamp`, from the pair given to
    /// [`set_sender_clock`](Self::set_sender_clock); `None` before one.
    pub fn sender_wallclock(&self, timestamp: u32) -> Option<rtcp::NtpTime> {
        self.sender_clock.map(|c| c.wallclock_of(timestamp))
    }

    /// How far after the fastest expected arrival the next frame is scheduled to play: the
    /// delay the buffer is adding right now.
    pub fn playout_delay(&self) -> Duration {
        match &self.stream {
            Some(s) => {
                let ts = s.last_end_ts.unwrap_or(s.ts_ref);
                (s.schedule.at(ts) - s.arrival.fastest_arrival(ts)).to_duration()
            }
            None => Duration::ZERO,
        }
    }

    /// The sender's clock rate error against ours, in parts per million, as estimated from
    /// arrivals (positive: the sender's clock is fast). A caller playing audio at a fixed
    /// device rate resamples by this much.
    pub fn estimated_drift_ppm(&self) -> f64 {
        self.stream
            .as_ref()
            .map_or(0.0, |s| (1.0 / (1.0 + s.arrival.skew()) - 1.0) * 1e6)
    }

    /// Packets held and waiting for playout.
    pub fn buffered_packets(&self) -> usize {
        self.store.len()
    }

    /// Payload bytes held.
    pub fn buffered_bytes(&self) -> usize {
        self.store.bytes()
    }

    /// Media time held: from the next frame to play to the end of the newest packet
    /// (W3C's buffer level; zero when empty).
    pub fn buffered_duration(&self) -> Duration {
        let Some(s) = &self.stream else {
            return Duration::ZERO;
        };
        let start = s.last_end_ts.unwrap_or(s.ts_ref);
        let newest = (s.cursor..=s.highest).rev().find_map(|e| {
            self.store
                .get(e)
                .filter(|slot| !slot.dropped)
                .map(|slot| slot.ext_ts)
        });
        match newest {
            Some(ts) => ticks_duration(ts + s.frame_ticks - start, self.config.clock_rate.hz()),
            None => Duration::ZERO,
        }
    }

    /// Sequence numbers not yet received between the next packet to play and the newest
    /// received one: the candidates for a retransmission request (RFC 4585 §6.2.1).
    pub fn missing(&self) -> impl Iterator<Item = u16> + '_ {
        let (from, to) = self
            .stream
            .as_ref()
            .map_or((1, 0), |s| (s.cursor, s.highest));
        (from..to + 1)
            .filter(|&e| !self.store.was_received(e))
            .map(|e| e as u16)
    }

    /// The target delay as a span.
    #[inline]
    pub(crate) fn target(&self) -> Span {
        let targets = self.statistics.targets;
        match targets.calm {
            // Continuous audio, after a calm the histogram has not caught up with: what the
            // last seconds needed (see `RecentPeak`).
            Some(calm) if self.is_continuous() => calm,
            _ => targets.long,
        }
    }

    /// Whether the stream is audio whose delay follows the target by time-stretching: no
    /// talkspurt has started for a while (see the `stretch` module).
    #[inline]
    pub(crate) fn is_continuous(&self) -> bool {
        self.hot.stretch
            && self.stream.as_ref().is_some_and(|s| {
                s.last_end_ts
                    .is_some_and(|end| end - s.spurt_start_ts >= self.hot.continuous_ticks)
            })
    }

    /// The time of `t` since `epoch`, converting each distinct instant once: callers poll
    /// repeatedly at one instant, and often insert at it too.
    #[inline]
    pub(crate) fn time_at(&mut self, epoch: Instant, t: Instant) -> Time {
        match self.last_instant {
            Some((instant, time)) if instant == t => time,
            _ => {
                let time = Time::since(epoch, t);
                self.last_instant = Some((t, time));
                time
            }
        }
    }

    #[inline]
    pub(crate) fn release_pending(&mut self) {
        if let Some((from, to)) = self.pending_release.take() {
            for e in from..to {
                self.store.remove(e);
            }
        }
    }

    fn start_stream(&mut self, info: PacketInfo, ext_seq: i64, payload: &[u8], at: Time) {
        let ext_ts = EXTENDED_TS_ORIGIN + i64::from(info.timestamp);
        let mut arrival = ArrivalModel::new(self.config.clock_rate, ext_ts);
        arrival.observe(ext_ts, at);
        let hz = self.config.clock_rate.hz();
        // The frame duration in ticks, rounded to the nearest tick.
        let frame_ticks = (self.config.frame_duration.as_nanos() * u128::from(hz)
            + NANOS_PER_SEC as u128 / 2)
            / NANOS_PER_SEC as u128;
        let frame_ticks = i64::try_from(frame_ticks).unwrap_or(i64::MAX);
        let nanos_per_tick = NANOS_PER_SEC as f64 / f64::from(hz);
        let target = self.target();
        let schedule = Schedule {
            anchor_ts: ext_ts,
            anchor_time: (at + target).max(self.last_end_time),
            rate: Rate::from_f64(nanos_per_tick),
            locked_delay: target,
        };
        self.stream = Some(Stream {
            ssrc: info.ssrc,
            nanos_per_tick,
            highest: ext_seq,
            ts_ref: ext_ts,
            arrival,
            cursor: ext_seq,
            first_ext_seq: ext_seq,
            schedule,
            anchored_for: Some(ext_seq),
            last_end_ts: None,
            frame_ticks: frame_ticks.max(1),
            max_frame_ticks: i64::from(hz) * MAX_FRAME_MILLIS / 1000,
            played_any: false,
            at_frame_start: true,
            last_stored: (ext_seq, ext_ts),
            comfort_noise: None,
            spurt_start_ts: ext_ts,
            stretch: StretchState::default(),
        });
        self.store.mark_received(ext_seq);
        self.store
            .put(ext_seq, ext_ts, info.marker, info.payload_type, at, payload);
    }

    fn restart(&mut self, info: PacketInfo, ext_seq: i64, payload: &[u8], at: Time) {
        self.metrics.resyncs += 1;
        self.metrics.packets_discarded += self.store.len() as u64;
        self.pending_release = None;
        self.store.clear();
        self.stream = None;
        self.start_stream(info, ext_seq, payload, at);
    }

    /// Keeps the window from the cursor to the newest sequence number within the packet
    /// capacity, dropping the oldest packets when a new one would exceed it.
    fn slide_window(&mut self, ext_seq: i64) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let capacity = self.store.capacity() as i64;
        if ext_seq - s.cursor >= capacity {
            let new_cursor = ext_seq - capacity + 1;
            for e in s.cursor..new_cursor.min(s.cursor + capacity) {
                if self.store.has_payload(e) {
                    self.metrics.packets_discarded += 1;
                    self.metrics.packets_overflowed += 1;
                } else if !self.store.was_received(e) {
                    self.metrics.packets_lost += 1;
                }
                self.store.remove(e);
            }
            s.cursor = new_cursor;
            s.at_frame_start = false;
        }
    }

    /// Frees `len` bytes for `ext_seq` by dropping the oldest payloads.
    fn make_room(&mut self, ext_seq: i64, len: usize) {
        let Some(s) = self.stream.as_ref() else {
            return;
        };
        let mut e = s.cursor;
        while self.store.bytes() + len > self.config.capacity_bytes && e < ext_seq {
            if self.store.drop_payload(e) {
                self.metrics.packets_discarded += 1;
                self.metrics.packets_overflowed += 1;
            }
            e += 1;
        }
        // Still over: the newest packets are older than the cursor; drop everything ahead.
        let mut e = s.highest;
        while self.store.bytes() + len > self.config.capacity_bytes && e > ext_seq {
            if self.store.drop_payload(e) {
                self.metrics.packets_discarded += 1;
                self.metrics.packets_overflowed += 1;
            }
            e -= 1;
        }
    }

    #[inline(always)]
    fn learn_frame_duration(&mut self, ext_seq: i64, ext_ts: i64) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        let (last_seq, last_ts) = std::mem::replace(&mut s.last_stored, (ext_seq, ext_ts));
        if self.hot.kind != MediaKind::Audio {
            return;
        }
        // A slot leaves the store only once the cursor has passed it (or on a restart,
        // which replaces the stream), so the packet stored last is still held while the
        // cursor has not passed it: its timestamp is known without reading its slot.
        let before = if last_seq == ext_seq - 1 && last_seq >= s.cursor {
            Some(last_ts)
        } else {
            self.store.get(ext_seq - 1).map(|slot| slot.ext_ts)
        };
        debug_assert_eq!(before, self.store.get(ext_seq - 1).map(|slot| slot.ext_ts));
        if let Some(before) = before {
            let step = ext_ts - before;
            if step > 0 && step <= s.max_frame_ticks {
                s.frame_ticks = step;
            }
        }
    }
}

/// `ticks` of a clock of `hz` as a duration, truncated to whole nanoseconds (zero for
/// negative spans or a zero rate).
fn ticks_duration(ticks: i64, hz: u32) -> Duration {
    let ticks = u128::try_from(ticks).unwrap_or(0);
    let nanos = (ticks * NANOS_PER_SEC as u128)
        .checked_div(u128::from(hz))
        .unwrap_or(0);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A sum of nanoseconds as a duration, saturating at `Duration::MAX`.
fn wide_duration(nanos: u128) -> Duration {
    let per_sec = NANOS_PER_SEC as u128;
    match u64::try_from(nanos / per_sec) {
        Ok(secs) => Duration::new(secs, (nanos % per_sec) as u32),
        Err(_) => Duration::MAX,
    }
}
