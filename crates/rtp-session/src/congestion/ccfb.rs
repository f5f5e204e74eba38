//! RFC 8888 congestion control feedback on receive, when it is negotiated instead of
//! transport-cc (`a=rtcp-fb:* ack ccfb`): per RTP stream, the arrival of each packet by its
//! RTP sequence number, reported as arrival time offsets before the report timestamp in
//! 1/1024 s, ECN always Not-ECT (the session does not read ECN marks).
//!
//! The cadence is transport-cc's (`twcc.rs`). At most [`MAX_STREAMS`] streams are tracked
//! (the oldest-touched is replaced), each remembering [`STREAM_WINDOW`] sequence numbers;
//! one message carries at most about [`MAX_BYTES`] of reports, the rest follow at once.

use std::time::{Duration, Instant};

use super::window::{ArrivalWindow, Recorded};

/// Streams tracked at once.
pub(crate) const MAX_STREAMS: usize = 16;
/// Sequence numbers remembered per stream.
const STREAM_WINDOW: usize = 1024;
/// The most report bytes in one message (stream reports; the header and timestamp add 12).
pub(crate) const MAX_BYTES: usize = 1100;
/// RFC 8888 §3.1: the ATO of an over-range measurement, and of an unavailable one.
const ATO_OVER_RANGE: u16 = 0x1ffe;
const ATO_UNAVAILABLE: u16 = 0x1fff;
const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);
const MIN_INTERVAL: Duration = Duration::from_millis(50);
const MAX_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
struct Stream {
    ssrc: u32,
    window: ArrivalWindow,
    last_packet: Instant,
}

/// The receive side of RFC 8888.
#[derive(Debug, Clone)]
pub(crate) struct CcfbReceiver {
    origin: Instant,
    streams: Vec<Stream>,
    last_feedback: Instant,
    interval: Duration,
    bytes_since: u64,
    urgent: bool,
    /// The stream reports of the message being built, as wire bytes, and their count.
    reports: Vec<u8>,
    pub(crate) too_old: u64,
    pub(crate) duplicates: u64,
}

/// One built message: its stream reports (wire bytes) and their count.
#[derive(Debug)]
pub(crate) struct CcfbReports<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) count: usize,
}

impl CcfbReceiver {
    pub(crate) fn new(origin: Instant) -> Self {
        Self {
            origin,
            streams: Vec::new(),
            last_feedback: origin,
            interval: DEFAULT_INTERVAL,
            bytes_since: 0,
            urgent: false,
            reports: Vec::new(),
            too_old: 0,
            duplicates: 0,
        }
    }

    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin).as_micros() as u64
    }

    /// An RTP packet of `size` bytes, `ssrc`/`seq`, arrived at `now`.
    pub(crate) fn on_packet(&mut self, now: Instant, ssrc: u32, seq: u16, size: usize) {
        let arrival = self.micros(now);
        let index = match self.streams.iter().position(|s| s.ssrc == ssrc) {
            Some(i) => i,
            None if self.streams.len() < MAX_STREAMS => {
                self.streams.push(Stream {
                    ssrc,
                    window: ArrivalWindow::new(STREAM_WINDOW),
                    last_packet: now,
                });
                self.streams.len() - 1
            }
            None => {
                let (i, _) = self
                    .streams
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| s.last_packet)
                    .unwrap_or((0, &self.streams[0]));
                self.streams[i] = Stream {
                    ssrc,
                    window: ArrivalWindow::new(STREAM_WINDOW),
                    last_packet: now,
                };
                i
            }
        };
        let stream = &mut self.streams[index];
        stream.last_packet = now;
        match stream.window.on_packet(seq, arrival) {
            Recorded::New { .. } => self.bytes_since += size as u64,
            Recorded::Duplicate => self.duplicates += 1,
            Recorded::TooOld => self.too_old += 1,
        }
    }

    fn pending(&self) -> bool {
        self.streams.iter().any(|s| s.window.pending().is_some())
    }

    /// When the next report is due, if anything waits.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        if !self.pending() {
            return None;
        }
        Some(if self.urgent {
            self.last_feedback
        } else {
            self.last_feedback + self.interval
        })
    }

    /// The stream reports of the next message due at `now`, or `None`.
    pub(crate) fn poll_feedback(&mut self, now: Instant) -> Option<CcfbReports<'_>> {
        if self.deadline()? > now {
            return None;
        }
        if self.last_feedback != now {
            let elapsed = now
                .saturating_duration_since(self.last_feedback)
                .as_secs_f64();
            if elapsed > 0.0 && self.bytes_since > 0 {
                let rate = self.bytes_since as f64 * 8.0 / elapsed;
                let seconds = 68.0 * 8.0 / (0.05 * rate);
                self.interval = Duration::from_secs_f64(
                    seconds.clamp(MIN_INTERVAL.as_secs_f64(), MAX_INTERVAL.as_secs_f64()),
                );
            }
            self.bytes_since = 0;
        }
        self.last_feedback = now;
        let now_us = self.micros(now);
        self.reports.clear();
        let mut count = 0;
        self.urgent = false;
        for stream in &mut self.streams {
            let Some((from, end)) = stream.window.pending() else {
                continue;
            };
            let room = MAX_BYTES.saturating_sub(self.reports.len() + 8) / 2;
            if room == 0 {
                self.urgent = true;
                break;
            }
            let n = (end - from).min(room as u64);
            self.reports.extend_from_slice(&stream.ssrc.to_be_bytes());
            self.reports.extend_from_slice(&(from as u16).to_be_bytes());
            self.reports.extend_from_slice(&(n as u16).to_be_bytes());
            for seq in from..from + n {
                let metric: u16 = match stream.window.get(seq) {
                    Some(at) => {
                        // Whole 1/1024 s before the report timestamp.
                        let before = now_us.saturating_sub(at) * 1024 / 1_000_000;
                        let ato = if at > now_us {
                            ATO_UNAVAILABLE
                        } else {
                            u16::try_from(before)
                                .ok()
                                .filter(|&v| v < ATO_OVER_RANGE)
                                .unwrap_or(ATO_OVER_RANGE)
                        };
                        0x8000 | ato
                    }
                    None => 0,
                };
                self.reports.extend_from_slice(&metric.to_be_bytes());
            }
            if n % 2 == 1 {
                self.reports.extend_from_slice(&[0, 0]);
            }
            stream.window.reported_until(from + n);
            count += 1;
            if from + n < end {
                self.urgent = true;
            }
        }
        (count > 0).then_some(CcfbReports {
            bytes: &self.reports,
            count,
        })
    }
}
