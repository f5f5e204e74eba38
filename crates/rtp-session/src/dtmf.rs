//! RFC 4733 telephone events in the session: the digits waiting to be sent and the one on
//! the wire ([`DtmfSender`]), and the events each remote source is sending
//! ([`DtmfReceiver`]), reported once each.
//!
//! **Sending.** [`crate::Session::send_dtmf`] queues a digit; the session sends its packets
//! from [`crate::Session::handle_timeout`] at the times [`EventSchedule`] gives, one digit
//! at a time, the next starting when the previous one's last end packet has left. The
//! event's onset timestamp is the audio's media timestamp at the moment the digit starts,
//! extrapolated from the last audio packet sent (its timestamp plus the time since, at the
//! session's clock rate), so that the event sits where the audio is. The audio is left
//! alone: an application may keep sending it during the digit or pause it (RFC 4733 allows
//! both); the event packets take their own sequence numbers between the audio's.
//!
//! **Receiving** (RFC 4733 §2.5.2). An event is identified by its RTP timestamp: packets
//! with the timestamp of the event in progress update its duration; a packet with the E bit
//! ends it and it is reported at once, with the longest duration seen. A later copy of any
//! packet of a reported event (the retransmitted end packets, late updates) is a duplicate
//! and ignored. When every end packet is lost, the event ends when a packet of a newer
//! event arrives, or after [`crate::Config::dtmf_timeout`] without a packet. A segment of a
//! long event (§2.5.1.3: same event, timestamp 0xFFFF later) continues it, and the reported
//! duration is the sum of the segments.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rtp_packet::ClockRate;
use rtp_packet::clock::timestamp_distance;
use rtp_packet::payload::telephone_event::{
    EventSchedule, MAX_SEGMENT, ScheduledReport, TelephoneEvent,
};

/// The most digits waiting to be sent; [`crate::Session::send_dtmf`] refuses more.
pub(crate) const MAX_QUEUED_DIGITS: usize = 64;
/// Events remembered per source as reported, to recognise their late copies.
const RECENT_EVENTS: usize = 8;

/// A digit waiting to be sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digit {
    pub(crate) event: u8,
    pub(crate) duration_ticks: u32,
    pub(crate) volume: u8,
}

/// The event being sent.
#[derive(Debug)]
struct Sending {
    schedule: EventSchedule,
    next: Option<ScheduledReport>,
    started: Instant,
}

/// The sending side: queued digits, the one on the wire, and the audio's media clock.
#[derive(Debug)]
pub(crate) struct DtmfSender {
    queue: VecDeque<Digit>,
    active: Option<Sending>,
    /// The last audio packet sent: when, and its media timestamp.
    audio: Option<(Instant, u32)>,
    clock: ClockRate,
    interval_ticks: u32,
    last_poll: Option<Instant>,
}

impl DtmfSender {
    pub(crate) fn new(clock: ClockRate, interval: Duration) -> Self {
        let interval_ticks = u32::try_from(clock.duration_to_ticks(interval))
            .unwrap_or(u32::MAX)
            .max(1);
        Self {
            queue: VecDeque::new(),
            active: None,
            audio: None,
            clock,
            interval_ticks,
            last_poll: None,
        }
    }

    /// An audio packet with media timestamp `timestamp` was sent at `now`.
    pub(crate) fn on_audio_sent(&mut self, now: Instant, timestamp: u32) {
        self.audio = Some((now, timestamp));
    }

    /// The media timestamp of the audio at `now`: the last audio packet's plus the time
    /// since, or the time since `origin` when no audio was sent yet.
    fn media_timestamp(&self, now: Instant, origin: Instant) -> u32 {
        let (at, ts) = self.audio.unwrap_or((origin, 0));
        let ticks = self
            .clock
            .duration_to_ticks(now.saturating_duration_since(at));
        // Timestamps are modulo 2^32 (RFC 3550 §5.1).
        ts.wrapping_add(ticks as u32)
    }

    /// The duration of a digit in ticks of the session's clock, when it is one an event
    /// can carry (at least one tick, at most 2^32 - 1).
    pub(crate) fn ticks(&self, duration: Duration) -> Option<u32> {
        u32::try_from(self.clock.duration_to_ticks(duration))
            .ok()
            .filter(|t| *t > 0)
    }

    /// Queues `digit`; false when the queue is full.
    pub(crate) fn push(&mut self, digit: Digit) -> bool {
        if self.queue.len() >= MAX_QUEUED_DIGITS {
            return false;
        }
        self.queue.push_back(digit);
        true
    }

    /// Digits queued or on the wire.
    pub(crate) fn pending(&self) -> usize {
        self.queue.len() + usize::from(self.active.is_some())
    }

    /// When the next event packet is due: a queued digit waiting for none is due at the
    /// last poll (the session polls right after queueing, so this is only a safety net).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let next = self.active.as_ref().and_then(|s| {
            s.next
                .map(|r| s.started + self.clock.ticks_to_duration(r.send_at))
        });
        match next {
            Some(at) => Some(at),
            None if !self.queue.is_empty() => self.last_poll,
            None => None,
        }
    }

    /// The next event packet due at `now` (its media timestamp, marker and report),
    /// starting the next queued digit when the previous one is done.
    pub(crate) fn poll(&mut self, now: Instant, origin: Instant) -> Option<ScheduledReport> {
        self.last_poll = Some(now);
        loop {
            if let Some(sending) = self.active.as_mut() {
                let Some(report) = sending.next else {
                    self.active = None;
                    continue;
                };
                let due = sending.started + self.clock.ticks_to_duration(report.send_at);
                if due > now {
                    return None;
                }
                sending.next = sending.schedule.next();
                return Some(report);
            }
            let digit = self.queue.pop_front()?;
            let onset = self.media_timestamp(now, origin);
            let Ok(mut schedule) = EventSchedule::new(
                digit.event,
                digit.volume,
                onset,
                digit.duration_ticks,
                self.interval_ticks,
            ) else {
                // Checked when queued; a digit that cannot be scheduled is dropped.
                continue;
            };
            let next = schedule.next();
            self.active = Some(Sending {
                schedule,
                next,
                started: now,
            });
        }
    }
}

/// A finished event, for [`crate::Event::Dtmf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Finished {
    pub(crate) ssrc: u32,
    pub(crate) event: u8,
    pub(crate) timestamp: u32,
    pub(crate) duration: Duration,
    pub(crate) volume: u8,
    pub(crate) end_received: bool,
}

/// The event a source is sending.
#[derive(Debug, Clone, Copy)]
struct Current {
    event: u8,
    /// The RTP timestamp of its first segment.
    onset: u32,
    /// The RTP timestamp of its current segment.
    segment: u32,
    /// Ticks in the segments before the current one.
    before: u64,
    /// The longest duration reported in the current segment.
    duration: u16,
    volume: u8,
    last_heard: Instant,
    clock: ClockRate,
}

/// One source's events.
#[derive(Debug, Default)]
struct SourceEvents {
    current: Option<Current>,
    /// (segment timestamp, event) of events and segments already finished.
    recent: VecDeque<(u32, u8)>,
    /// The onset of the newest event finished: packets at or before it are stale.
    newest: Option<u32>,
    last_heard: Option<Instant>,
}

impl SourceEvents {
    fn remember(&mut self, timestamp: u32, event: u8) {
        if self.recent.len() >= RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back((timestamp, event));
    }

    fn finish(&mut self, ssrc: u32, end_received: bool) -> Option<Finished> {
        let c = self.current.take()?;
        self.remember(c.segment, c.event);
        self.newest = Some(c.segment);
        let ticks = c.before + u64::from(c.duration);
        Some(Finished {
            ssrc,
            event: c.event,
            timestamp: c.onset,
            duration: c.clock.ticks_to_duration(ticks),
            volume: c.volume,
            end_received,
        })
    }

    /// One report of a packet with RTP timestamp `timestamp`, at `now`; finished events go
    /// to `out`.
    fn on_report(
        &mut self,
        now: Instant,
        ssrc: u32,
        clock: ClockRate,
        timestamp: u32,
        report: TelephoneEvent,
        out: &mut Vec<Finished>,
    ) {
        self.last_heard = Some(now);
        if self.recent.contains(&(timestamp, report.event)) {
            return;
        }
        if let Some(c) = self.current.as_mut() {
            let ahead = timestamp_distance(c.segment, timestamp);
            if ahead == 0 && c.event == report.event {
                c.duration = c.duration.max(report.duration);
                c.volume = report.volume;
                c.last_heard = now;
                if report.end {
                    out.extend(self.finish(ssrc, true));
                }
                return;
            }
            if ahead == i64::from(MAX_SEGMENT) && c.event == report.event {
                // The next segment of a long event (RFC 4733 §2.5.1.3).
                let (segment, event) = (c.segment, c.event);
                c.before += u64::from(MAX_SEGMENT);
                c.segment = timestamp;
                c.duration = report.duration;
                c.volume = report.volume;
                c.last_heard = now;
                self.remember(segment, event);
                if report.end {
                    out.extend(self.finish(ssrc, true));
                }
                return;
            }
            if ahead <= 0 {
                // Older than the event in progress: a stray packet of an earlier one.
                return;
            }
            // A newer event: the one in progress lost all its end packets.
            out.extend(self.finish(ssrc, false));
        }
        if self
            .newest
            .is_some_and(|n| timestamp_distance(n, timestamp) <= 0)
        {
            return;
        }
        self.current = Some(Current {
            event: report.event,
            onset: timestamp,
            segment: timestamp,
            before: 0,
            duration: report.duration,
            volume: report.volume,
            last_heard: now,
            clock,
        });
        if report.end {
            out.extend(self.finish(ssrc, true));
        }
    }
}

/// The receiving side: each remote source's events, for at most `max` sources.
#[derive(Debug)]
pub(crate) struct DtmfReceiver {
    sources: Vec<(u32, SourceEvents)>,
    max: usize,
    timeout: Duration,
}

impl DtmfReceiver {
    pub(crate) fn new(max: usize, timeout: Duration) -> Self {
        Self {
            sources: Vec::new(),
            max: max.max(1),
            timeout,
        }
    }

    /// The reports of a telephone-event packet from `ssrc` with RTP timestamp `timestamp`
    /// at clock `clock`, received at `now`. Reports after the first are consecutive
    /// events packed in one packet (RFC 4733 §2.5.1.5): each starts where the one before
    /// it ended. Finished events go to `out`.
    pub(crate) fn on_packet(
        &mut self,
        now: Instant,
        ssrc: u32,
        clock: ClockRate,
        timestamp: u32,
        reports: impl Iterator<Item = TelephoneEvent>,
        out: &mut Vec<Finished>,
    ) {
        let source = self.source(ssrc);
        let mut at = timestamp;
        for report in reports {
            source.on_report(now, ssrc, clock, at, report, out);
            at = at.wrapping_add(u32::from(report.duration));
        }
    }

    /// The state of `ssrc`, made room for: a full table forgets the source heard from
    /// least recently (its event in progress is lost).
    fn source(&mut self, ssrc: u32) -> &mut SourceEvents {
        let index = match self.sources.iter().position(|(s, _)| *s == ssrc) {
            Some(i) => i,
            None => {
                if self.sources.len() >= self.max
                    && let Some(oldest) = self
                        .sources
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (_, s))| s.last_heard)
                        .map(|(i, _)| i)
                {
                    self.sources.swap_remove(oldest);
                }
                self.sources.push((ssrc, SourceEvents::default()));
                self.sources.len() - 1
            }
        };
        &mut self.sources[index].1
    }

    /// Ends the events silent for the timeout by `now`.
    pub(crate) fn expire(&mut self, now: Instant, out: &mut Vec<Finished>) {
        let timeout = self.timeout;
        for (ssrc, source) in &mut self.sources {
            if source
                .current
                .is_some_and(|c| now.saturating_duration_since(c.last_heard) >= timeout)
            {
                out.extend(source.finish(*ssrc, false));
            }
        }
    }

    /// `ssrc` left: its event in progress ends now, and its state goes.
    pub(crate) fn leave(&mut self, ssrc: u32, out: &mut Vec<Finished>) {
        if let Some(i) = self.sources.iter().position(|(s, _)| *s == ssrc) {
            let (_, mut source) = self.sources.swap_remove(i);
            out.extend(source.finish(ssrc, false));
        }
    }

    /// When the earliest event in progress times out.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.sources
            .iter()
            .filter_map(|(_, s)| s.current.map(|c| c.last_heard + self.timeout))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: ClockRate = ClockRate::NARROWBAND;

    fn report(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    #[test]
    fn an_event_is_reported_once_on_its_first_end_packet() {
        let mut rx = DtmfReceiver::new(4, Duration::from_millis(500));
        let t0 = Instant::now();
        let mut out = Vec::new();
        for (ms, r) in [
            (0, report(5, false, 400)),
            (50, report(5, false, 800)),
            (50, report(5, false, 800)),
            (100, report(5, true, 960)),
            (150, report(5, true, 960)),
            (200, report(5, true, 960)),
            (210, report(5, false, 400)),
        ] {
            let now = t0 + Duration::from_millis(ms);
            rx.on_packet(now, 1, CLOCK, 1000, [r].into_iter(), &mut out);
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].duration, Duration::from_millis(120));
        assert!(out[0].end_received);
        assert_eq!(rx.deadline(), None);
    }

    #[test]
    fn lost_end_packets_end_the_event_at_the_next_one_or_the_timeout() {
        let mut rx = DtmfReceiver::new(4, Duration::from_millis(500));
        let t0 = Instant::now();
        let mut out = Vec::new();
        rx.on_packet(
            t0,
            1,
            CLOCK,
            1000,
            [report(1, false, 800)].into_iter(),
            &mut out,
        );
        rx.on_packet(
            t0,
            1,
            CLOCK,
            5000,
            [report(2, false, 400)].into_iter(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].event, out[0].end_received), (1, false));
        assert_eq!(rx.deadline(), Some(t0 + Duration::from_millis(500)));
        rx.expire(t0 + Duration::from_millis(499), &mut out);
        assert_eq!(out.len(), 1);
        rx.expire(t0 + Duration::from_millis(500), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[1].event, out[1].duration),
            (2, Duration::from_millis(50))
        );
        // A stray packet of the first event, late: stale.
        rx.on_packet(
            t0,
            1,
            CLOCK,
            1000,
            [report(1, true, 900)].into_iter(),
            &mut out,
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn segments_of_a_long_event_add_up() {
        let mut rx = DtmfReceiver::new(4, Duration::from_millis(500));
        let t0 = Instant::now();
        let mut out = Vec::new();
        rx.on_packet(
            t0,
            1,
            CLOCK,
            10,
            [report(0, false, 0xffff)].into_iter(),
            &mut out,
        );
        rx.on_packet(
            t0,
            1,
            CLOCK,
            10 + 0xffff,
            [report(0, false, 100)].into_iter(),
            &mut out,
        );
        // The first segment's retransmitted final report: a duplicate.
        rx.on_packet(
            t0,
            1,
            CLOCK,
            10,
            [report(0, false, 0xffff)].into_iter(),
            &mut out,
        );
        rx.on_packet(
            t0,
            1,
            CLOCK,
            10 + 0xffff,
            [report(0, true, 1000)].into_iter(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].timestamp, 10);
        assert_eq!(out[0].duration, CLOCK.ticks_to_duration(0xffff + 1000));
    }

    #[test]
    fn packed_reports_start_where_the_one_before_ended() {
        let mut rx = DtmfReceiver::new(4, Duration::from_millis(500));
        let t0 = Instant::now();
        let mut out = Vec::new();
        let packed = [report(1, true, 800), report(2, true, 400)];
        rx.on_packet(t0, 1, CLOCK, 0, packed.into_iter(), &mut out);
        let seen: Vec<(u8, u32)> = out.iter().map(|f| (f.event, f.timestamp)).collect();
        assert_eq!(seen, [(1, 0), (2, 800)]);
    }

    #[test]
    fn the_sender_starts_queued_digits_one_after_the_other() {
        let t0 = Instant::now();
        let mut tx = DtmfSender::new(CLOCK, Duration::from_millis(50));
        tx.on_audio_sent(t0, 8000);
        assert_eq!(tx.deadline(), None);
        for event in [1, 2] {
            assert!(tx.push(Digit {
                event,
                duration_ticks: 800,
                volume: 10
            }));
        }
        let now = t0 + Duration::from_millis(10);
        let first = tx.poll(now, t0).unwrap();
        // 10 ms after the audio packet stamped 8000: 80 ticks later.
        assert_eq!(
            (first.timestamp, first.marker, first.report.event),
            (8080, true, 1)
        );
        assert!(tx.poll(now, t0).is_none());
        assert_eq!(tx.deadline(), Some(now + Duration::from_millis(50)));
        let mut last = now;
        let mut seen = vec![first];
        while let Some(at) = tx.deadline() {
            last = at;
            while let Some(r) = tx.poll(at, t0) {
                seen.push(r);
            }
        }
        // Four packets per digit; the second starts when the first's last end packet goes.
        assert_eq!(seen.len(), 8);
        assert_eq!((seen[4].report.event, seen[4].marker), (2, true));
        assert_eq!(seen[4].timestamp, 8080 + 1200);
        assert_eq!(last, now + Duration::from_millis(300));
        assert_eq!(tx.pending(), 0);
    }
}
