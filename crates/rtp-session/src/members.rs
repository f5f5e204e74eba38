//! The remote participants (RFC 3550 §6.2.1 members): the source table, bounded by
//! `max_remote_sources`, the jitter buffers of sources that left and still play out, and
//! the addresses known to have used our SSRC (§8.2's conflict list).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jitter_buffer::{JitterBuffer, Playout};
use stats::{ReceiverConfig, SourceStatistics};

use crate::source::{RemoteSource, SourceQuality, SourceTable};

/// The most addresses remembered as having used our SSRC (RFC 3550 §8.2's conflict list).
const MAX_CONFLICTS: usize = 16;

/// What [`Members::admit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The source is known, or was added within the bound.
    Admitted,
    /// The table was full: an unvalidated source made room for it.
    ReplacedStale,
    /// The table is full of validated members: refused.
    Refused,
}

/// The remote sources and what is left of those that went.
pub(crate) struct Members {
    table: SourceTable,
    /// Jitter buffers of sources that said BYE, still playing out what they hold (at most
    /// `max`; dropped once empty).
    draining: Vec<(u32, JitterBuffer)>,
    conflicts: VecDeque<SocketAddr>,
    max: usize,
    jitter_buffer: jitter_buffer::Config,
    /// The jitter buffer of bundled video sources ([`crate::Config::bundled_video`]).
    video: Option<jitter_buffer::Config>,
}

impl Members {
    /// No members yet; at most `max` at once, each with a jitter buffer configured by
    /// `jitter_buffer` (or, for a source whose RTP is video, by `video` when given) and
    /// statistics at its clock rate.
    pub(crate) fn new(
        max: usize,
        jitter_buffer: jitter_buffer::Config,
        video: Option<jitter_buffer::Config>,
    ) -> Self {
        Self {
            table: SourceTable::default(),
            draining: Vec::new(),
            conflicts: VecDeque::new(),
            max,
            jitter_buffer,
            video,
        }
    }

    /// The jitter buffer and statistics of a new source: video ones when `video` and a
    /// bundled video configuration exists.
    fn media_state(&self, ssrc: u32, video: bool) -> Option<(SourceStatistics, JitterBuffer)> {
        let config = match (&self.video, video) {
            (Some(v), true) => v,
            _ => &self.jitter_buffer,
        };
        let stats = SourceStatistics::new(ssrc, ReceiverConfig::new(config.clock_rate)).ok()?;
        let buffer = JitterBuffer::new(config.clone()).ok()?;
        Some((stats, buffer))
    }

    pub(crate) fn get(&self, ssrc: u32) -> Option<&RemoteSource> {
        self.table.get(&ssrc).map(|s| &**s)
    }

    pub(crate) fn get_mut(&mut self, ssrc: u32) -> Option<&mut RemoteSource> {
        self.table.get_mut(&ssrc).map(|s| &mut **s)
    }

    pub(crate) fn contains(&self, ssrc: u32) -> bool {
        self.table.contains_key(&ssrc)
    }

    /// Every source, validated or not.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &RemoteSource)> {
        self.table.iter().map(|(ssrc, s)| (*ssrc, &**s))
    }

    /// The validated sources.
    pub(crate) fn validated(&self) -> impl Iterator<Item = (u32, &RemoteSource)> {
        self.iter().filter(|(_, s)| s.validated)
    }

    /// Members: ourselves and the validated remote sources.
    pub(crate) fn count(&self) -> u32 {
        1 + self.validated().count() as u32
    }

    /// Validated sources that sent RTP within `window` before `now`.
    pub(crate) fn senders(&self, now: Instant, window: Duration) -> u32 {
        let recent = |t: &Instant| now.saturating_duration_since(*t) < window;
        self.validated()
            .filter(|(_, s)| s.last_rtp.as_ref().is_some_and(recent))
            .count() as u32
    }

    /// Makes sure `ssrc` has state, within the bound. When the table is full, the
    /// unvalidated source heard from least recently makes room, so that packets with random
    /// SSRCs cannot lock members out.
    ///
    /// `video` says the source's RTP is of a video payload type (false for RTCP): with a
    /// bundled video configuration, a new source gets the video jitter buffer, and one
    /// known only from RTCP so far is given it now.
    pub(crate) fn admit(&mut self, ssrc: u32, now: Instant, video: bool) -> Admission {
        if let Some(source) = self.table.get(&ssrc) {
            let retune =
                self.video.is_some() && video && !source.is_video() && source.last_rtp.is_none();
            if retune {
                let Some((stats, buffer)) = self.media_state(ssrc, true) else {
                    return Admission::Refused;
                };
                if let Some(source) = self.table.get_mut(&ssrc) {
                    source.set_media(stats, buffer);
                }
            }
            return Admission::Admitted;
        }
        let mut admission = Admission::Admitted;
        if self.table.len() >= self.max {
            let stale = self
                .table
                .iter()
                .filter(|(_, s)| !s.validated)
                .min_by_key(|(_, s)| s.last_heard)
                .map(|(ssrc, _)| *ssrc);
            let Some(stale) = stale else {
                return Admission::Refused;
            };
            self.table.remove(&stale);
            admission = Admission::ReplacedStale;
        }
        let Some((stats, buffer)) = self.media_state(ssrc, video) else {
            return Admission::Refused;
        };
        let alerts = stats::AlertMonitor::voip_defaults();
        self.table.insert(
            ssrc,
            Box::new(RemoteSource::new(stats, buffer, now, alerts)),
        );
        admission
    }

    /// Removes `ssrc`, which said BYE; its buffered media keeps playing out (the BYE may
    /// overtake it). Returns its final `quality` when it was a validated member.
    pub(crate) fn leave(
        &mut self,
        ssrc: u32,
        quality: impl Fn(&RemoteSource) -> SourceQuality,
    ) -> Option<SourceQuality> {
        let source = self.table.remove(&ssrc)?;
        self.retire(ssrc, source, quality)
    }

    /// Removes the sources silent for longer than `limit` (RFC 3550 §6.3.5), and returns
    /// the final `quality` of the validated ones. Their buffered media plays out, as
    /// after a BYE.
    pub(crate) fn expire(
        &mut self,
        now: Instant,
        limit: Duration,
        quality: impl Fn(&RemoteSource) -> SourceQuality,
    ) -> Vec<(u32, SourceQuality)> {
        let gone: Vec<u32> = self
            .table
            .iter()
            .filter(|(_, s)| now.saturating_duration_since(s.last_heard) > limit)
            .map(|(ssrc, _)| *ssrc)
            .collect();
        let mut left = Vec::new();
        for ssrc in gone {
            if let Some(source) = self.table.remove(&ssrc)
                && let Some(q) = self.retire(ssrc, source, &quality)
            {
                left.push((ssrc, q));
            }
        }
        left
    }

    /// Ends a removed source: its buffered media moves to the draining buffers (while
    /// there is room for it), and a validated member's final quality is returned.
    fn retire(
        &mut self,
        ssrc: u32,
        source: Box<RemoteSource>,
        quality: impl Fn(&RemoteSource) -> SourceQuality,
    ) -> Option<SourceQuality> {
        let left = source.validated.then(|| quality(&source));
        if source.buffer().buffered_packets() > 0 && self.draining.len() < self.max {
            self.draining.push((ssrc, source.into_buffer()));
        }
        left
    }

    /// Every source, to update in place.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut RemoteSource)> {
        self.table.iter_mut().map(|(ssrc, s)| (*ssrc, &mut **s))
    }

    /// The earliest playout deadline of any source.
    pub(crate) fn next_playout(&self) -> Option<Instant> {
        self.table.values().filter_map(|s| s.next_playout()).min()
    }

    /// The next frame or concealment due at `now` from any source, present or departed,
    /// with its SSRC. `inspect` sees it first, with whether the buffer assembles video
    /// frames.
    ///
    /// The playout goes back in the shape the session returns, built once from the jitter
    /// buffer's: every re-packing of it into another tuple was a copy of a just-written
    /// 100-byte value at a new offset, and the processor could not forward those stores
    /// to the loads that followed (perf put a sixth of the session's receive-path time
    /// without SRTP on those copies, `benches/receive.rs`).
    #[inline]
    pub(crate) fn poll_playout(
        &mut self,
        now: Instant,
        mut inspect: impl FnMut(u32, bool, &Playout<'_>),
    ) -> Option<(u32, Playout<'_>)> {
        self.draining
            .retain(|(_, buffer)| buffer.buffered_packets() > 0);
        // A buffer whose head is due may still hold it back (an incomplete video frame
        // within its tolerance): try every due buffer, not only the first.
        for (ssrc, source) in self.table.iter_mut() {
            let video = source.is_video();
            if let Some(playout) = source.poll_playout(now) {
                inspect(*ssrc, video, &playout);
                return Some((*ssrc, playout));
            }
        }
        let due = |buffer: &JitterBuffer| buffer.poll_timeout().is_some_and(|t| t <= now);
        for (ssrc, buffer) in self.draining.iter_mut() {
            if due(buffer) {
                let video = buffer.config().kind == jitter_buffer::MediaKind::Video;
                if let Some(playout) = buffer.poll(now) {
                    inspect(*ssrc, video, &playout);
                    return Some((*ssrc, playout));
                }
            }
        }
        None
    }

    /// Whether `from` is known to have used our SSRC before (then it is a loop).
    pub(crate) fn is_known_conflict(&self, from: SocketAddr) -> bool {
        self.conflicts.contains(&from)
    }

    /// Remembers that `from` used our SSRC.
    pub(crate) fn record_conflict(&mut self, from: SocketAddr) {
        if self.conflicts.len() >= MAX_CONFLICTS {
            self.conflicts.pop_front();
        }
        self.conflicts.push_back(from);
    }
}
