//! The send side of transport-cc: one transport-wide counter for every RTP packet the
//! session sends, a bounded history of what was sent, and the mapping of feedback to
//! per-packet results.
//!
//! The history keeps the last [`MAX_HISTORY`] packets (about 8 s at 1,000 packets per
//! second); feedback about older packets is ignored and counted. A packet's result is
//! given once when the feedback first reports it, and once more if a later feedback
//! reports it received after an earlier one had it lost (a late arrival). Arrival times
//! are in the receiver's clock: the 24-bit reference time (64 ms units) is unwrapped across
//! messages, so that times from different messages compare; only differences between them
//! mean anything.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rtcp::feedback::{PacketStatus, TransportCc};

/// Packets remembered for feedback.
pub(crate) const MAX_HISTORY: usize = 8192;

/// What feedback said about one packet we sent: what an estimator needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PacketResult {
    /// Its transport-wide sequence number.
    pub sequence: u16,
    /// When the session sent it (when the pacer released it, with pacing).
    pub send_time: Instant,
    /// When it arrived, in the receiver's clock (an arbitrary origin: only differences
    /// between results mean anything); `None` when the feedback reports it lost.
    pub arrival: Option<Duration>,
    /// Its size on the wire (RTP with SRTP, without UDP/IP headers), in bytes.
    pub size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reported {
    No,
    Lost,
    Received,
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    send_time: Instant,
    size: u32,
    /// Its RTP sequence number, for RFC 8888 feedback (which names packets by it).
    rtp_sequence: u16,
    reported: Reported,
}

/// The transport-wide counter and the history of sent packets.
#[derive(Debug, Clone, Default)]
pub(crate) struct SendHistory {
    /// The unwrapped sequence number of the next packet.
    next: u64,
    /// Sent packets, oldest first; the last is `next - 1`.
    sent: VecDeque<Sent>,
    /// The last reference time seen (24 bits) and its unwrapped value.
    reference: Option<(u32, i64)>,
    /// The last RFC 8888 report timestamp seen (NTP 16.16) and its unwrapped value.
    report_timestamp: Option<(u32, i64)>,
    /// Statuses about packets not in the history (too old, or never sent).
    pub(crate) unknown: u64,
}

impl SendHistory {
    /// The transport-wide sequence number the next packet carries.
    pub(crate) fn next_sequence(&self) -> u16 {
        self.next as u16
    }

    /// The packet carrying [`Self::next_sequence`] (RTP sequence number `rtp_sequence`)
    /// left at `send_time`, `size` bytes.
    pub(crate) fn on_sent(&mut self, send_time: Instant, size: usize, rtp_sequence: u16) {
        if self.sent.len() >= MAX_HISTORY {
            self.sent.pop_front();
        }
        self.sent.push_back(Sent {
            send_time,
            size: u32::try_from(size).unwrap_or(u32::MAX),
            rtp_sequence,
            reported: Reported::No,
        });
        self.next += 1;
    }

    /// The unwrapped sequence number of `seq`, the one nearest the newest sent.
    fn unwrap(&self, seq: u16) -> Option<u64> {
        let newest = self.next.checked_sub(1)?;
        let diff = i64::from(seq.wrapping_sub(newest as u16) as i16);
        newest.checked_add_signed(diff)
    }

    /// Turns `feedback` into results, handing each to `emit`. Returns the number of
    /// statuses about packets not in the history.
    pub(crate) fn on_feedback(
        &mut self,
        feedback: &TransportCc<'_>,
        mut emit: impl FnMut(PacketResult),
    ) -> u64 {
        let base = self.unwrap_reference(feedback.reference_time);
        let mut ticks: i64 = 0;
        let mut unknown = 0;
        let oldest = self.next - self.sent.len() as u64;
        let Some(first) = self.unwrap(feedback.base_sequence_number) else {
            let n = u64::from(feedback.packet_status_count);
            self.unknown += n;
            return n;
        };
        for (i, (sequence, status)) in feedback.packets().enumerate() {
            let arrival = match status {
                PacketStatus::Received { delta } => {
                    ticks += i64::from(delta);
                    let micros = base.saturating_mul(64_000).saturating_add(ticks * 250);
                    Some(Duration::from_micros(micros.max(0) as u64))
                }
                PacketStatus::NotReceived => None,
            };
            let seq = first + i as u64;
            let Some(entry) = seq
                .checked_sub(oldest)
                .and_then(|index| self.sent.get_mut(index as usize))
            else {
                unknown += 1;
                continue;
            };
            if let Some(result) = report(entry, sequence, arrival) {
                emit(result);
            }
        }
        self.unknown += unknown;
        unknown
    }

    /// Turns the RFC 8888 report about our stream (`begin`, its metric blocks, and the
    /// report timestamp, NTP 16.16) into results, handing each to `emit`. Packets are found
    /// by RTP sequence number among the newest 65,536 sent; an arrival time offset of
    /// 0x1FFE or 0x1FFF (over range, unavailable) gives no result. Returns the number of
    /// metric blocks about packets not in the history.
    pub(crate) fn on_ccfb(
        &mut self,
        begin: u16,
        metrics: impl Iterator<Item = rtcp::feedback::CcfbMetric>,
        report_timestamp: u32,
        mut emit: impl FnMut(PacketResult),
    ) -> u64 {
        let report_us = unwrap_compact(&mut self.report_timestamp, report_timestamp)
            .saturating_mul(1_000_000)
            / 65_536;
        let mut unknown = 0;
        let oldest = self.next - self.sent.len() as u64;
        for (i, metric) in metrics.enumerate() {
            let rtp_sequence = begin.wrapping_add(i as u16);
            let Some(index) = self.find_rtp(rtp_sequence) else {
                unknown += 1;
                continue;
            };
            let arrival = if !metric.received {
                None
            } else if metric.arrival_time_offset >= 0x1ffe {
                continue;
            } else {
                let before = i64::from(metric.arrival_time_offset) * 1_000_000 / 1024;
                Some(Duration::from_micros(
                    report_us.saturating_sub(before).max(0) as u64,
                ))
            };
            let sequence = (oldest + index as u64) as u16;
            if let Some(entry) = self.sent.get_mut(index)
                && let Some(result) = report(entry, sequence, arrival)
            {
                emit(result);
            }
        }
        self.unknown += unknown;
        unknown
    }

    /// The history index of the packet with RTP sequence number `rtp`: where consecutive
    /// sequence numbers put it, or else the newest with that number.
    fn find_rtp(&self, rtp: u16) -> Option<usize> {
        let newest = self.sent.back()?;
        let back = usize::from(newest.rtp_sequence.wrapping_sub(rtp));
        let guess = (self.sent.len() - 1).checked_sub(back);
        if let Some(i) = guess
            && self.sent.get(i).is_some_and(|e| e.rtp_sequence == rtp)
        {
            return Some(i);
        }
        self.sent.iter().rposition(|e| e.rtp_sequence == rtp)
    }

    /// The reference time unwrapped against the previous one; the first maps to itself
    /// plus 2^24, so that arrival times stay positive.
    fn unwrap_reference(&mut self, reference: i32) -> i64 {
        let raw = (reference as u32) & 0xff_ffff;
        let unwrapped = match self.reference {
            None => i64::from(raw) + (1 << 24),
            Some((last_raw, last)) => {
                let diff = ((raw.wrapping_sub(last_raw) << 8) as i32) >> 8;
                last.saturating_add(i64::from(diff))
            }
        };
        self.reference = Some((raw, unwrapped));
        unwrapped
    }
}

/// The result for `entry` now reported with `arrival`, if it is news: the first report, or
/// received after a report of loss.
fn report(entry: &mut Sent, sequence: u16, arrival: Option<Duration>) -> Option<PacketResult> {
    let now_reported = if arrival.is_some() {
        Reported::Received
    } else {
        Reported::Lost
    };
    let news = matches!(
        (entry.reported, now_reported),
        (Reported::No, _) | (Reported::Lost, Reported::Received)
    );
    if !news {
        return None;
    }
    entry.reported = now_reported;
    Some(PacketResult {
        sequence,
        send_time: entry.send_time,
        arrival,
        size: entry.size as usize,
    })
}

/// A 32-bit NTP 16.16 timestamp unwrapped against the previous one (`last`); the first
/// maps to itself plus 2^32, so that times stay positive.
fn unwrap_compact(last: &mut Option<(u32, i64)>, raw: u32) -> i64 {
    let unwrapped = match *last {
        None => i64::from(raw) + (1 << 32),
        Some((last_raw, last_unwrapped)) => {
            last_unwrapped.saturating_add(i64::from(raw.wrapping_sub(last_raw) as i32))
        }
    };
    *last = Some((raw, unwrapped));
    unwrapped
}
