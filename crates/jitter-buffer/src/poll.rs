//! Releasing frames: the playout side of [`JitterBuffer`].
//!
//! Audio releases one packet per frame at its scheduled time, re-anchoring the schedule to
//! the current target where a talkspurt starts, and, on continuous audio, moving it a frame
//! at a time by time-stretching (the `stretch` module); video releases every packet of one
//! timestamp together and follows the target continuously. Both follow the sender's clock
//! through the arrival model's skew, and a small proportional correction keeps the delay
//! at the value the schedule was set to hold, so drift neither fills nor drains the buffer.
//! A video frame's span and completeness come from [`rtp_packet::frame::frame_span`] over
//! the slot store (`StoreFrames`), the rule the payload reassembler shares.

use crate::buffer::{JitterBuffer, Schedule, Stream};
use crate::config::MediaKind;
use crate::playout::{ConcealReason, Concealment, Frame, Playout};
use crate::store::Store;
use crate::stretch::{LENGTHEN_BELOW, SHORTEN_ABOVE, TimeStretch};
use crate::time::{Rate, Span, Time};
use rtp_packet::frame::{PacketFacts, PacketSource, frame_span};
use std::time::Instant;

/// The time over which the drift correction removes a delay error.
const CORRECTION_TIME: Span = Span::from_millis(20_000);
/// The largest correction of the playout rate: inaudible for audio (the caller resamples),
/// quicker for video (a frame is simply shown a little early or late).
const AUDIO_MAX_SLEW: f64 = 0.002;
const VIDEO_MAX_SLEW: f64 = 0.05;
/// After a concealment, audio raises its delay only when the target exceeds the delay held
/// by more than this, so small fluctuations do not stretch playout.
const RAISE_MARGIN: Span = Span::from_millis(20);
/// Anything due within this much counts as due (playout times are exact nanoseconds now,
/// so this only keeps the release rule as it was when they were rounded seconds).
const DUE_TOLERANCE: Span = Span::from_nanos(1_000);

/// What the head of the buffer is waiting for.
enum Head {
    /// A stored packet (audio) or the frame starting with it (video).
    Packet {
        ext_seq: i64,
        ext_ts: i64,
        marker: bool,
        due: Time,
    },
    /// A packet that will not be played: conceal it at `due`.
    Gap {
        ext_ts: i64,
        due: Time,
        reason: ConcealReason,
    },
}

impl JitterBuffer {
    /// The next frame to play or gap to conceal whose time has come by `now`, if any.
    /// Call it until it returns `None`, then again at [`poll_timeout`](Self::poll_timeout).
    /// A missing packet is reported for concealment at its playout time as soon as a later
    /// packet proves it existed, so playout never stalls waiting for it.
    pub fn poll(&mut self, now: Instant) -> Option<Playout<'_>> {
        self.release_pending();
        self.pass_skipped();
        let epoch = self.epoch?;
        let now = self.time_at(epoch, now);
        match self.head()? {
            Head::Packet {
                ext_seq,
                ext_ts,
                marker,
                due,
            } => {
                let talkspurt = self.talkspurt_schedule(ext_seq, ext_ts, marker);
                let due = talkspurt.map_or(due, |s| s.at(ext_ts));
                if now + DUE_TOLERANCE < due {
                    return None;
                }
                if let Some(schedule) = talkspurt {
                    let stream = self.stream.as_mut()?;
                    if spurt_starts(stream, ext_ts, marker) {
                        stream.spurt_start_ts = ext_ts;
                    } else if ext_ts == stream.last_end_ts.unwrap_or(ext_ts) {
                        // Raised inside a talkspurt: the extra wait is inserted concealment.
                        let inserted = schedule.at(ext_ts) - stream.schedule.at(ext_ts);
                        self.metrics.inserted_samples_for_deceleration +=
                            (inserted.non_negative_nanos() as f64 / stream.nanos_per_tick) as u64;
                    }
                    stream.schedule = schedule;
                    stream.anchored_for = Some(ext_seq);
                }
                match self.hot.kind {
                    MediaKind::Audio => {
                        let stretch = self.hot.stretch && talkspurt.is_none();
                        self.release_audio(ext_seq, ext_ts, due, now, epoch, stretch)
                    }
                    MediaKind::Video => self.release_video(ext_ts, due, now, epoch),
                }
            }
            Head::Gap { due, .. } if now + DUE_TOLERANCE < due => None,
            Head::Gap {
                ext_ts,
                due,
                reason,
            } => self.conceal(ext_ts, due, reason, epoch),
        }
    }

    /// When [`poll`](Self::poll) will next have something, if anything is waiting. `None`
    /// means nothing is buffered that could play (an empty buffer, or silence).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let epoch = self.epoch?;
        let due = match self.head()? {
            Head::Packet {
                ext_seq,
                ext_ts,
                marker,
                due,
            } => self
                .talkspurt_schedule(ext_seq, ext_ts, marker)
                .map_or(due, |s| s.at(ext_ts)),
            Head::Gap { due, .. } => due,
        };
        Some(due.to_instant(epoch))
    }

    #[inline(always)]
    fn head(&self) -> Option<Head> {
        let s = self.stream.as_ref()?;
        let newest = s.highest;
        let cursor = first_unskipped(&self.store, s.cursor, newest);
        if cursor > newest {
            return None;
        }
        if self.hot.kind == MediaKind::Video {
            let first = (cursor..=newest).find(|&e| self.store.has_payload(e))?;
            let slot = self.store.get(first)?;
            return Some(Head::Packet {
                ext_seq: first,
                ext_ts: slot.ext_ts,
                marker: slot.marker,
                due: s.schedule.at(slot.ext_ts),
            });
        }
        if let Some(slot) = self.store.get(cursor) {
            if !slot.dropped {
                return Some(Head::Packet {
                    ext_seq: cursor,
                    ext_ts: slot.ext_ts,
                    marker: slot.marker,
                    due: s.schedule.at(slot.ext_ts),
                });
            }
            let ext_ts = slot.ext_ts;
            return Some(Head::Gap {
                ext_ts,
                due: s.schedule.at(ext_ts),
                reason: ConcealReason::Overflow,
            });
        }
        let later = (cursor + 1..=newest).find_map(|e| {
            self.store
                .get(e)
                .filter(|slot| !slot.dropped)
                .map(|slot| (e, slot.ext_ts))
        });
        let reason = if self.store.was_received(cursor) {
            ConcealReason::Late
        } else {
            ConcealReason::Lost
        };
        let ext_ts = match (later, s.last_end_ts) {
            // Assume the missing packets sit just before the next present one (a lost
            // talkspurt start), but never before audio already played.
            (Some((e, ts)), end) => {
                let guess = ts - (e - cursor) * s.frame_ticks;
                end.map_or(guess, |end| guess.max(end))
            }
            // Arrived late, or a later packet arrived (late itself) and proves it existed:
            // conceal in sequence.
            (None, Some(end))
                if reason == ConcealReason::Late || self.store.was_received(newest) =>
            {
                end
            }
            _ => return None,
        };
        Some(Head::Gap {
            ext_ts,
            due: s.schedule.at(ext_ts),
            reason,
        })
    }

    /// Moves the cursor past sequence numbers that hold nothing to play
    /// ([`skip_validated`](Self::skip_validated)): they take no playout time.
    fn pass_skipped(&mut self) {
        if let Some(s) = self.stream.as_mut() {
            s.cursor = first_unskipped(&self.store, s.cursor, s.highest);
        }
    }

    /// The schedule audio moves to at this packet, if it may move here: where a talkspurt
    /// starts (the delay follows the target up or down), or right after a concealment when
    /// the target has grown well past the delay held (the delay only grows: the caller is
    /// concealing already, and conceals a little longer, as NetEq's expand does). Video
    /// follows the target continuously and never re-anchors.
    #[inline(always)]
    fn talkspurt_schedule(&self, ext_seq: i64, ext_ts: i64, marker: bool) -> Option<Schedule> {
        let s = self.stream.as_ref()?;
        let starts = spurt_starts(s, ext_ts, marker);
        if !(starts || self.concealing)
            || s.anchored_for == Some(ext_seq)
            || self.hot.kind != MediaKind::Audio
        {
            return None;
        }
        let target = self.target();
        let fastest = s.arrival.fastest_arrival(ext_ts);
        let start = if starts {
            (fastest + target).max(self.last_end_time)
        } else if target > s.schedule.locked_delay + RAISE_MARGIN {
            (fastest + target).max(s.schedule.at(ext_ts))
        } else {
            return None;
        };
        Some(Schedule {
            anchor_ts: ext_ts,
            anchor_time: start,
            rate: Rate::from_f64(s.arrival.skewed_nanos_per_tick()),
            locked_delay: start - fastest,
        })
    }

    /// Moves the cursor and the schedule past the audio frame `ext_seq` (played or
    /// concealed) that starts at `ext_ts` and was due at `due`; returns its length in ticks.
    #[inline(always)]
    fn pass_audio_frame(&mut self, ext_seq: i64, ext_ts: i64, due: Time) -> Option<i64> {
        let stream = self.stream.as_mut()?;
        let ticks = stream.frame_ticks;
        advance(
            stream,
            ext_seq + 1,
            ext_ts + ticks,
            (ext_ts, due),
            None,
            AUDIO_MAX_SLEW,
        );
        self.last_end_time = stream.schedule.at(ext_ts + ticks);
        Some(ticks)
    }

    /// Releases the audio packet `ext_seq`, due at `due` on the current schedule; with
    /// `stretch`, continuous audio may shorten or lengthen it to follow the target.
    fn release_audio(
        &mut self,
        ext_seq: i64,
        ext_ts: i64,
        due: Time,
        now: Time,
        epoch: Instant,
        stretch: bool,
    ) -> Option<Playout<'_>> {
        let stream = self.stream.as_mut()?;
        // Audio holds the target chosen at its talkspurt start: that is its target delay.
        let target = stream.schedule.locked_delay;
        stream.played_any = true;
        let ticks = self.pass_audio_frame(ext_seq, ext_ts, due)?;
        let stretch = if stretch {
            self.stretch_audio(ext_seq, ext_ts, due)
        } else {
            None
        };
        let slot = self.store.get(ext_seq)?;
        let samples = u32::try_from(ticks).unwrap_or(u32::MAX);
        let held = (now - slot.arrival).non_negative_nanos();
        self.packets_played += 1;
        self.emitted_count += u64::from(samples);
        self.delay_sum += u128::from(held) * u128::from(samples);
        self.target_sum += u128::from(target.non_negative_nanos()) * u128::from(samples);
        self.concealing = false;
        self.pending_release = Some((ext_seq, ext_seq + 1));
        Some(Playout::Frame(Frame {
            store: &self.store,
            first: ext_seq,
            last: ext_seq,
            timestamp: ext_ts as u32,
            complete: true,
            stretch,
            due,
            epoch,
            sender_clock: self.sender_clock,
        }))
    }

    /// Continuous audio (no talkspurt start for a while): compares the delay the frame
    /// `ext_seq`, due at `due` and just passed, is played with against the target, and
    /// shortens or lengthens it when they are too far apart and the pace and the payload
    /// allow (see the `stretch` module). The schedule after the frame moves by the change
    /// and holds the new delay. Closer than that, the drift correction is pointed at the
    /// target and closes the rest smoothly.
    #[inline(never)]
    fn stretch_audio(&mut self, ext_seq: i64, ext_ts: i64, due: Time) -> Option<TimeStretch> {
        if !self.is_continuous() {
            return None;
        }
        // `target()`, knowing the stream is continuous.
        let targets = self.statistics.targets;
        let target = targets.calm.unwrap_or(targets.long);
        let s = self.stream.as_mut()?;
        s.stretch.since_change = s.stretch.since_change.saturating_add(1);
        let held = due - s.arrival.fastest_arrival(ext_ts);
        let excess = held - target;
        let shorten = excess > SHORTEN_ABOVE;
        if !shorten && -excess <= LENGTHEN_BELOW {
            s.stretch.waited = 0;
            // Within the band the drift correction closes the rest, smoothly (at most
            // 0.2 % of the playout rate), and never holds on to a delay the target has
            // left (say, after the baseline under both moved).
            s.schedule.locked_delay = target;
            return None;
        }
        let slot = self.store.get(ext_seq)?;
        if !s.stretch.may_change(slot.payload_type, &slot.payload) {
            return None;
        }
        let gap = if shorten { excess } else { -excess };
        // Whole ticks, at most one frame.
        let ticks =
            ((gap.non_negative_nanos() as f64 / s.nanos_per_tick) as i64).min(s.frame_ticks);
        let samples = u32::try_from(ticks).ok().filter(|&n| n > 0)?;
        let moved = Span::of_ticks(ticks, s.schedule.rate);
        // The next frame, `frame_ticks` after this one, plays `ticks` earlier or later.
        let (change, locked) = if shorten {
            s.schedule.anchor_ts += ticks;
            self.metrics.removed_samples_for_acceleration += u64::from(samples);
            self.metrics.frames_shortened += 1;
            (TimeStretch::Shorten { samples }, held - moved)
        } else {
            s.schedule.anchor_ts -= ticks;
            self.metrics.inserted_samples_for_deceleration += u64::from(samples);
            self.metrics.frames_lengthened += 1;
            (TimeStretch::Lengthen { samples }, held + moved)
        };
        s.schedule.locked_delay = locked;
        s.stretch.changed();
        self.last_end_time = s.schedule.at(ext_ts + s.frame_ticks);
        Some(change)
    }

    /// Releases the video frame at the cursor, due at `due` on the current schedule. The
    /// frame's span is [`frame_span`]'s, the rule the payload reassembler uses too: it runs
    /// to its marker packet, or up to the next frame's first packet (another timestamp).
    // Kept out of `poll`, so the audio path's code stays as tight as it was (callgrind:
    // audio 1018 instructions a packet against 1022 inlined, video the same either way).
    #[inline(never)]
    fn release_video(
        &mut self,
        ext_ts: i64,
        due: Time,
        now: Time,
        epoch: Instant,
    ) -> Option<Playout<'_>> {
        let target = self.target();
        let stream = self.stream.as_ref()?;
        let start = stream.cursor;
        // Not `Time::MAX`: `now − earliest` must stay in range. With nothing present the
        // delay is zero, as it is for a packet stamped after `now`.
        let mut slots = StoreFrames {
            store: &self.store,
            cursor: start,
            at_frame_start: stream.at_frame_start,
            previous: None,
            earliest: now,
            lost: 0,
            pending: (now, 0),
        };
        let span = frame_span(&mut slots, start as u64, stream.highest as u64)?;
        let last = span.last as i64;
        if slots.previous.is_some_and(|(e, _)| e == last) {
            slots.take_pending();
        }
        let (earliest, lost) = (slots.earliest, slots.lost);
        let marker = span.ends_frame;
        let complete = span.is_complete();
        let present = span.present;
        self.metrics.packets_lost += lost;
        let stream = self.stream.as_mut()?;
        advance(
            stream,
            last + 1,
            ext_ts,
            (ext_ts, due),
            Some(target),
            VIDEO_MAX_SLEW,
        );
        stream.at_frame_start = marker;
        stream.played_any = true;
        self.last_end_time = due;
        self.packets_played += present;
        self.emitted_count += 1;
        self.delay_sum += u128::from((now - earliest).non_negative_nanos());
        self.target_sum += u128::from(target.non_negative_nanos());
        if !complete {
            self.metrics.frames_incomplete += 1;
        }
        self.pending_release = Some((start, last + 1));
        Some(Playout::Frame(Frame {
            store: &self.store,
            first: start,
            last,
            timestamp: ext_ts as u32,
            complete,
            stretch: None,
            due,
            epoch,
            sender_clock: self.sender_clock,
        }))
    }

    fn conceal(
        &mut self,
        ext_ts: i64,
        due: Time,
        reason: ConcealReason,
        epoch: Instant,
    ) -> Option<Playout<'_>> {
        let ext_seq = self.stream.as_ref()?.cursor;
        let ticks = self.pass_audio_frame(ext_seq, ext_ts, due)?;
        self.store.remove(ext_seq);
        let samples = u32::try_from(ticks).unwrap_or(u32::MAX);
        let m = &mut self.metrics;
        if reason == ConcealReason::Lost {
            m.packets_lost += 1;
        }
        m.concealed_samples += u64::from(samples);
        if !self.concealing {
            m.concealment_events += 1;
        }
        self.concealing = true;
        Some(Playout::Conceal(Concealment {
            sequence_number: ext_seq as u16,
            timestamp: ext_ts as u32,
            samples,
            reason,
            playout_time: due.to_instant(epoch),
        }))
    }
}

/// The first sequence number from `cursor` on that is not a skipped one, or the one after
/// `newest` when all up to it are.
#[inline(always)]
fn first_unskipped(store: &Store, mut cursor: i64, newest: i64) -> i64 {
    while cursor <= newest && store.is_skipped(cursor) {
        cursor += 1;
    }
    cursor
}

/// The stored video packets as a [`PacketSource`] for [`frame_span`]. The store knows
/// only the marker bit (RFC 3550 §5.1): a packet ends a frame when it carries the marker,
/// and starts one when the packet before it did (at the cursor, that packet is already
/// released: the stream remembers its marker as `at_frame_start`). A payload dropped for
/// space counts as missing.
///
/// On the way it sums what playout reports for the frame, so the store is walked once:
/// the earliest arrival of its packets and the missing packets never received (lost, not
/// late). A scan asks for a packet only after taking the one before into the frame, so
/// what the last packet handed out brings stays pending until the next request, or until
/// the span is known to end with it.
struct StoreFrames<'s> {
    store: &'s Store,
    cursor: i64,
    at_frame_start: bool,
    /// The last packet handed to the scan: its number and marker bit.
    previous: Option<(i64, bool)>,
    /// Earliest arrival and lost count over the packets taken into the frame.
    earliest: Time,
    lost: u64,
    /// The last packet handed out's arrival, and the lost packets just before it.
    pending: (Time, u64),
}

impl StoreFrames<'_> {
    /// Counts the last packet handed out (and the gap before it) as part of the frame.
    #[inline]
    fn take_pending(&mut self) {
        let (arrival, lost) = std::mem::replace(&mut self.pending, (self.earliest, 0));
        self.earliest = self.earliest.min(arrival);
        self.lost += lost;
    }
}

impl PacketSource for StoreFrames<'_> {
    #[inline]
    fn next_packet(&mut self, from: u64, to: u64) -> Option<(u64, PacketFacts)> {
        // Asked again: the scan took the packet handed out last.
        if self.previous.is_some() {
            self.take_pending();
        }
        // Extended numbers come from `u64`s below 2^63: no conversion here can fail.
        let (mut e, to) = (from as i64, to as i64);
        let mut lost = 0;
        let slot = loop {
            if e > to {
                return None;
            }
            match self.store.get(e) {
                Some(slot) if !slot.dropped => break slot,
                _ => {
                    if !self.store.was_received(e) {
                        lost += 1;
                    }
                    e = e.checked_add(1)?;
                }
            }
        };
        self.pending = (slot.arrival, lost);
        let starts_frame = match self.previous {
            _ if e == self.cursor => self.at_frame_start,
            Some((previous, marker)) => previous + 1 == e && marker,
            None => false,
        };
        self.previous = Some((e, slot.marker));
        let facts = PacketFacts {
            timestamp: slot.ext_ts as u64,
            starts_frame,
            ends_frame: slot.marker,
        };
        Some((e as u64, facts))
    }
}

/// Whether audio packet at `ext_ts` (with its `marker` bit) starts a talkspurt: it carries
/// the marker bit (RFC 3551 §4.1), or silence lies between it and the last frame released.
#[inline(always)]
fn spurt_starts(s: &Stream, ext_ts: i64, marker: bool) -> bool {
    marker
        || s.last_end_ts
            .is_some_and(|end| ext_ts - end > s.frame_ticks / 2)
}

/// Moves the cursor past a released frame and re-bases the schedule there with the current
/// skew plus a bounded correction toward the delay it holds (`hold`, or the schedule's own
/// locked delay). `frame` is the frame's timestamp and its time on the current schedule.
#[inline]
fn advance(
    s: &mut Stream,
    cursor: i64,
    end_ts: i64,
    frame: (i64, Time),
    hold: Option<Span>,
    max_slew: f64,
) {
    let (frame_ts, anchor_time) = frame;
    s.cursor = cursor;
    s.last_end_ts = Some(end_ts);
    let locked = hold.unwrap_or(s.schedule.locked_delay);
    let error = anchor_time - s.arrival.fastest_arrival(frame_ts) - locked;
    let correction = (-error.ratio(CORRECTION_TIME)).clamp(-max_slew, max_slew);
    s.schedule.anchor_ts = frame_ts;
    s.schedule.anchor_time = anchor_time;
    s.schedule.locked_delay = locked;
    s.schedule.rate = Rate::from_f64(s.arrival.skewed_nanos_per_tick() * (1.0 + correction));
}
