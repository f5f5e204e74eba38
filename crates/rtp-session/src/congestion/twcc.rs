//! Transport-cc feedback on receive (draft-holmer-rmcat-transport-wide-cc-extensions-01
//! §3.1): the arrival of every packet carrying the transport-wide sequence number, on any
//! SSRC, and the feedback messages that report them.
//!
//! **Cadence.** Like libwebrtc's receive side, feedback is periodic: the interval spends
//! about 5 % of the incoming bit rate on feedback of a typical size (68 bytes), clamped to
//! 50–250 ms, and is 100 ms until a rate has been measured. So a 1 Mbit/s video stream gets
//! feedback every 50 ms, a 32 kbit/s audio stream every 250 ms. Feedback also leaves at once
//! when [`EARLY_PACKETS`] packets wait, so that a message never grows past
//! [`MAX_PACKETS`] statuses (about 1.2 kB at worst).
//!
//! **Encoding.** Times are kept in 250 µs ticks from the session's start. A message's
//! reference time is its first received packet's arrival rounded down to 64 ms, so the
//! first delta always fits one byte; each next delta is the difference of whole ticks, so
//! rounding never accumulates. A delta that fits neither one byte (0–63.75 ms) nor two
//! (±8.19 s) ends the message there: the next starts at that packet with its own reference
//! time. Chunks are run-length for runs of 14 or more (or 7 with a large delta nearby),
//! otherwise one-bit vectors of 14 when no large delta is among them, otherwise two-bit
//! vectors of 7; a run that ends the message is written as a run.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use rtcp::List;
use rtcp::feedback::TransportCc;

use super::window::{ArrivalWindow, Recorded};

/// The most packet statuses in one message: 500 two-byte deltas and their two-bit chunks
/// are about 1,160 bytes, which fits a compound under the session's 1,400 bytes.
pub(crate) const MAX_PACKETS: u64 = 500;
/// Feedback leaves before its interval once this many statuses wait.
pub(crate) const EARLY_PACKETS: u64 = 250;
/// Sequence numbers remembered (late packets older than this are dropped).
const WINDOW: usize = 2048;
/// The feedback interval before a rate is known, and its bounds (libwebrtc's values).
const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);
const MIN_INTERVAL: Duration = Duration::from_millis(50);
const MAX_INTERVAL: Duration = Duration::from_millis(250);
/// The size of a typical feedback message, in bits, and the share of the incoming rate
/// feedback may use.
const TYPICAL_FEEDBACK_BITS: f64 = 68.0 * 8.0;
const FEEDBACK_SHARE: f64 = 0.05;
/// 250 µs ticks in one 64 ms reference-time unit.
const TICKS_PER_REFERENCE: u64 = 256;

/// The receive side of transport-cc: arrivals and the messages that report them.
#[derive(Debug, Clone)]
pub(crate) struct TwccReceiver {
    origin: Instant,
    window: ArrivalWindow,
    /// The SSRC written as "media source": the latest one seen with the extension.
    media_ssrc: u32,
    /// fb pkt. count of the next message.
    feedback_count: u8,
    last_feedback: Instant,
    interval: Duration,
    /// Bytes of packets recorded since the last feedback, for the interval.
    bytes_since: u64,
    /// When feedback is due at once (too many statuses waiting).
    urgent: bool,
    /// Reused encoding buffers: status symbols (0, 1, 2), chunk bytes, delta bytes.
    symbols: Vec<u8>,
    chunks: Vec<u8>,
    deltas: Vec<u8>,
    /// Packets dropped as older than the window, and duplicates.
    pub(crate) too_old: u64,
    pub(crate) duplicates: u64,
}

impl TwccReceiver {
    /// A receiver whose clock starts at `origin` (the session's start).
    pub(crate) fn new(origin: Instant) -> Self {
        Self {
            origin,
            window: ArrivalWindow::new(WINDOW),
            media_ssrc: 0,
            feedback_count: 0,
            last_feedback: origin,
            interval: DEFAULT_INTERVAL,
            bytes_since: 0,
            urgent: false,
            symbols: Vec::new(),
            chunks: Vec::new(),
            deltas: Vec::new(),
            too_old: 0,
            duplicates: 0,
        }
    }

    /// A packet of `size` bytes from `ssrc` with transport-wide sequence number `seq`
    /// arrived at `now`.
    pub(crate) fn on_packet(&mut self, now: Instant, ssrc: u32, seq: u16, size: usize) {
        let arrival = now.saturating_duration_since(self.origin).as_micros() as u64;
        match self.window.on_packet(seq, arrival) {
            Recorded::New { .. } => {}
            Recorded::Duplicate => {
                self.duplicates += 1;
                return;
            }
            Recorded::TooOld => {
                self.too_old += 1;
                return;
            }
        }
        self.media_ssrc = ssrc;
        self.bytes_since += size as u64;
        if let Some((from, end)) = self.window.pending() {
            self.urgent |= end - from >= EARLY_PACKETS;
        }
    }

    /// When the next feedback is due, if anything waits to be reported.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.window.pending()?;
        if self.urgent {
            return Some(self.last_feedback);
        }
        Some(self.last_feedback + self.interval)
    }

    /// The next feedback message due at `now`, sent by `sender_ssrc`, or `None`. Call
    /// again until `None`: a long backlog leaves in several messages.
    pub(crate) fn poll_feedback(
        &mut self,
        now: Instant,
        sender_ssrc: u32,
    ) -> Option<TransportCc<'_>> {
        if self.deadline()? > now {
            return None;
        }
        if self.last_feedback != now {
            self.update_interval(now);
        }
        self.last_feedback = now;
        self.build(sender_ssrc)
    }

    /// The interval from the rate received since the last feedback.
    fn update_interval(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.last_feedback)
            .as_secs_f64();
        if elapsed > 0.0 && self.bytes_since > 0 {
            let rate = self.bytes_since as f64 * 8.0 / elapsed;
            let seconds = TYPICAL_FEEDBACK_BITS / (FEEDBACK_SHARE * rate);
            self.interval = Duration::from_secs_f64(
                seconds.clamp(MIN_INTERVAL.as_secs_f64(), MAX_INTERVAL.as_secs_f64()),
            );
        }
        self.bytes_since = 0;
    }

    /// The interval feedback is sent at now.
    #[cfg(test)]
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Builds one message from the first unreported sequence number.
    fn build(&mut self, sender_ssrc: u32) -> Option<TransportCc<'_>> {
        let (mut from, end) = self.window.pending()?;
        // The newest packet arrived, so there is a first one to refer to; a gap longer
        // than a whole message before it is skipped rather than reported.
        let (at, first) = (from..end).find_map(|s| self.window.get(s).map(|a| (s, a)))?;
        if at - from >= MAX_PACKETS {
            self.window.given_up += at - from;
            from = at;
        }
        let limit = end.min(from + MAX_PACKETS);
        let reference = first / 250 / TICKS_PER_REFERENCE;
        let mut previous = reference * TICKS_PER_REFERENCE;
        self.symbols.clear();
        self.deltas.clear();
        let mut next = from;
        while next < limit {
            if let Some(arrival) = self.window.get(next) {
                let delta = (arrival / 250) as i64 - previous as i64;
                if let Ok(small) = u8::try_from(delta) {
                    self.symbols.push(1);
                    self.deltas.push(small);
                } else if let Ok(large) = i16::try_from(delta) {
                    self.symbols.push(2);
                    self.deltas.extend_from_slice(&large.to_be_bytes());
                } else {
                    break;
                }
                previous = arrival / 250;
            } else {
                self.symbols.push(0);
            }
            next += 1;
        }
        // A message ends with a received packet; the rest waits for the next one.
        while self.symbols.last() == Some(&0) {
            self.symbols.pop();
            next -= 1;
        }
        let count = encode_chunks(&self.symbols, &mut self.chunks);
        self.window.reported_until(next);
        self.urgent = self
            .window
            .pending()
            .is_some_and(|(f, e)| e - f >= EARLY_PACKETS);
        let feedback_count = self.feedback_count;
        self.feedback_count = self.feedback_count.wrapping_add(1);
        let reference = (reference as u32) & 0xff_ffff;
        Some(TransportCc {
            sender_ssrc,
            media_ssrc: self.media_ssrc,
            base_sequence_number: from as u16,
            packet_status_count: self.symbols.len() as u16,
            reference_time: ((reference << 8) as i32) >> 8,
            fb_pkt_count: feedback_count,
            chunks: List::Wire {
                bytes: &self.chunks,
                count,
            },
            recv_deltas: Cow::Borrowed(&self.deltas),
        })
    }

    /// Sequence numbers never reported: pushed out of the window, or skipped in a gap
    /// longer than a message.
    #[cfg(test)]
    pub(crate) fn given_up(&self) -> u64 {
        self.window.given_up
    }
}

/// Encodes status symbols (0 not received, 1 small delta, 2 large delta) as packet status
/// chunks into `out`; returns how many chunks.
pub(crate) fn encode_chunks(symbols: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut i = 0;
    let mut count = 0;
    while let Some(rest) = symbols.get(i..).filter(|r| !r.is_empty()) {
        let first = rest[0];
        let run = rest
            .iter()
            .take(0x1fff)
            .take_while(|&&s| s == first)
            .count();
        let window14 = &rest[..rest.len().min(14)];
        let small_only = !window14.contains(&2);
        let chunk: u16 = if run >= 14 || run == rest.len() || (!small_only && run >= 7) {
            i += run;
            (u16::from(first) << 13) | run as u16
        } else if small_only {
            i += window14.len();
            let bits = window14
                .iter()
                .enumerate()
                .fold(0u16, |acc, (j, &s)| acc | (u16::from(s) << (13 - j)));
            0x8000 | bits
        } else {
            let window7 = &rest[..rest.len().min(7)];
            i += window7.len();
            let bits = window7
                .iter()
                .enumerate()
                .fold(0u16, |acc, (j, &s)| acc | (u16::from(s) << (12 - 2 * j)));
            0xc000 | bits
        };
        out.extend_from_slice(&chunk.to_be_bytes());
        count += 1;
    }
    count
}
