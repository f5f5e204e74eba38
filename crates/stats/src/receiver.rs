//! Per-source receiver statistics: RFC 3550 Appendix A wired together.
//!
//! [`SourceStatistics`] takes each RTP packet's sequence number, timestamp, size and arrival
//! instant, validates the source (A.1), counts loss (A.3), estimates jitter (A.8), records
//! the packet in a bounded [`ReceptionHistory`] and feeds packets whose fate is final (older
//! than `max_misorder` behind the highest) to the [`BurstGapAnalyzer`] in sequence order.
//! Memory is fixed at construction; updating allocates nothing.

use std::time::{Duration, Instant};

use crate::Error;
use crate::burst::{BurstGapAnalyzer, BurstGapStats, DEFAULT_GMIN, PacketFate};
use crate::history::{ReceptionHistory, Record};
use crate::jitter::{ArrivalClock, JitterEstimator};
use crate::sequence::{IntervalLoss, LossTracker, clamp_cumulative_lost};
use rtcp::NtpTime;
use rtp_packet::{ClockRate, SeqVerdict, ValidationConfig};

/// Settings of one source's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// The stream's RTP clock rate (RFC 3551 / SDP rtpmap).
    pub clock_rate: ClockRate,
    /// RFC 3550 A.1 tunables.
    pub validation: ValidationConfig,
    /// Packets of reception history kept for XR blocks and burst metrics (default 1024,
    /// rounded up to a power of two; at most [`MAX_HISTORY`](crate::MAX_HISTORY)).
    pub history_len: usize,
    /// RFC 3611 §4.7.2 Gmin (default 16).
    pub gmin: u8,
}

impl ReceiverConfig {
    /// Defaults for a stream with clock rate `clock_rate`.
    pub fn new(clock_rate: ClockRate) -> Self {
        Self {
            clock_rate,
            validation: ValidationConfig::default(),
            history_len: 1024,
            gmin: DEFAULT_GMIN,
        }
    }
}

/// What happened to one packet handed to [`SourceStatistics::on_packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketVerdict {
    /// Counted and used for jitter.
    Counted {
        /// Extended sequence number ([`rtp_packet::SequenceTracker`]'s numbering), to hand
        /// on to the jitter buffer.
        extended: u64,
        /// False for a late (reordered) packet.
        in_order: bool,
    },
    /// Counted by RFC 3550 (which counts duplicates) but a copy of a packet already seen;
    /// not used for jitter.
    Duplicate {
        /// Extended sequence number.
        extended: u64,
    },
    /// The source is on probation; not counted.
    Probation,
    /// An unconfirmed sequence jump; not counted.
    BadSequence,
    /// A confirmed jump restarted the statistics; the packet is the new base.
    Restarted {
        /// The packet's extended sequence number in the restarted numbering.
        extended: u64,
    },
}

impl PacketVerdict {
    /// The sequence verdict to hand on to a consumer that must not unwrap the packet again
    /// (a jitter buffer's `insert_validated`). A duplicate is reported as an older packet:
    /// it never advances the highest sequence number.
    pub fn sequence(self) -> SeqVerdict {
        match self {
            Self::Counted { extended, in_order } => SeqVerdict::Accepted { extended, in_order },
            Self::Duplicate { extended } => SeqVerdict::Accepted {
                extended,
                in_order: false,
            },
            Self::Restarted { extended } => SeqVerdict::Restarted { extended },
            Self::BadSequence => SeqVerdict::BadSequence,
            Self::Probation => SeqVerdict::Probation,
        }
    }
}

/// Transit-time differences |D| seen in an XR interval, for the jitter fields of the RFC 3611
/// §4.6 Statistics Summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransitSummary {
    /// Samples.
    pub count: u64,
    /// Smallest |D|, RTP ticks.
    pub min: u32,
    /// Largest |D|, RTP ticks.
    pub max: u32,
    sum: u64,
    sum_sq: u128,
}

impl TransitSummary {
    fn add(&mut self, d: u32) {
        if self.count == 0 {
            self.min = d;
            self.max = d;
        } else {
            self.min = self.min.min(d);
            self.max = self.max.max(d);
        }
        self.count += 1;
        self.sum += u64::from(d);
        self.sum_sq += u128::from(d) * u128::from(d);
    }

    /// Mean |D|, rounded, 0 without samples.
    pub fn mean(&self) -> u32 {
        (self.sum + self.count / 2)
            .checked_div(self.count)
            .map_or(0, |m| u32::try_from(m).unwrap_or(u32::MAX))
    }

    /// Standard deviation of |D| (population), rounded, 0 without samples.
    pub fn deviation(&self) -> u32 {
        if self.count == 0 {
            return 0;
        }
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let var = (self.sum_sq as f64 / n - mean * mean).max(0.0);
        var.sqrt().round().min(f64::from(u32::MAX)) as u32
    }
}

/// A range of extended sequence numbers `[begin, end)` (internal numbering), the unit XR
/// loss, duplicate and summary blocks report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    /// First extended sequence number.
    pub begin: u64,
    /// One past the last.
    pub end: u64,
}

/// RFC 3550 Appendix A statistics for one source.
#[derive(Debug, Clone)]
pub struct SourceStatistics {
    ssrc: u32,
    config: ReceiverConfig,
    seq: LossTracker,
    jitter: JitterEstimator,
    clock: Option<ArrivalClock>,
    history: ReceptionHistory,
    bursts: BurstGapAnalyzer,
    /// Next extended sequence number to hand to the burst analyzer.
    next_final: Option<u64>,
    packets: u64,
    payload_octets: u64,
    duplicates: u64,
    last_arrival: Option<Instant>,
    last_timestamp: Option<(u64, u32)>,
    ticks_per_packet: Option<u32>,
    last_sr: Option<(u32, Instant)>,
    last_sr_ntp: Option<NtpTime>,
    last_rrtr: Option<(u32, Instant)>,
    xr_begin: Option<u64>,
    transit: TransitSummary,
}

impl SourceStatistics {
    /// Statistics for the source `ssrc`.
    pub fn new(ssrc: u32, config: ReceiverConfig) -> Result<Self, Error> {
        let history = ReceptionHistory::new(config.history_len)?;
        let bursts = BurstGapAnalyzer::new(config.gmin)?;
        if history.capacity() <= u64::from(config.validation.max_misorder) {
            return Err(Error::WindowTooSmall {
                what: "reception history (must exceed max_misorder)",
                min: usize::from(config.validation.max_misorder) + 1,
                got: config.history_len,
            });
        }
        Ok(Self {
            ssrc,
            config,
            seq: LossTracker::new(config.validation),
            jitter: JitterEstimator::new(),
            clock: None,
            history,
            bursts,
            next_final: None,
            packets: 0,
            payload_octets: 0,
            duplicates: 0,
            last_arrival: None,
            last_timestamp: None,
            ticks_per_packet: None,
            last_sr: None,
            last_sr_ntp: None,
            last_rrtr: None,
            xr_begin: None,
            transit: TransitSummary::default(),
        })
    }

    /// The SSRC reported on.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The configuration.
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// Updates the statistics with one RTP packet: sequence number, RTP timestamp, payload
    /// size in octets and local arrival instant.
    pub fn on_packet(
        &mut self,
        seq: u16,
        timestamp: u32,
        payload_len: usize,
        arrival: Instant,
    ) -> PacketVerdict {
        self.count(seq, Some(timestamp), payload_len, arrival)
    }

    /// Counts a packet of this source whose RTP timestamp does not follow its media clock,
    /// such as an RFC 4733 telephone-event packet (every packet of an event repeats the
    /// timestamp of its onset): its sequence number is validated and counted for loss,
    /// duplicates and the reception history exactly as in [`Self::on_packet`], but it feeds
    /// neither the interarrival jitter (RFC 3550 A.8 compares arrival spacing with
    /// timestamp spacing, which such packets do not have) nor the packet-spacing estimate.
    pub fn on_untimed_packet(
        &mut self,
        seq: u16,
        payload_len: usize,
        arrival: Instant,
    ) -> PacketVerdict {
        self.count(seq, None, payload_len, arrival)
    }

    fn count(
        &mut self,
        seq: u16,
        timestamp: Option<u32>,
        payload_len: usize,
        arrival: Instant,
    ) -> PacketVerdict {
        let outcome = self.seq.update(seq);
        let (extended, in_order) = match outcome {
            SeqVerdict::Restarted { extended } => {
                self.restart();
                (extended, true)
            }
            SeqVerdict::Accepted { extended, in_order } => (extended, in_order),
            SeqVerdict::BadSequence => return PacketVerdict::BadSequence,
            _ => return PacketVerdict::Probation,
        };
        let restarted = matches!(outcome, SeqVerdict::Restarted { .. });
        if self.next_final.is_none() {
            self.next_final = Some(extended);
        }
        if self.xr_begin.is_none() {
            self.xr_begin = Some(extended);
        }
        self.packets += 1;
        self.payload_octets += payload_len as u64;
        self.last_arrival = Some(arrival);
        let clock = *self
            .clock
            .get_or_insert_with(|| ArrivalClock::new(arrival, self.config.clock_rate));
        if in_order {
            self.finalize_up_to(extended);
        }
        if self.history.record(extended) == Record::Duplicate {
            self.duplicates += 1;
            return PacketVerdict::Duplicate { extended };
        }
        if let Some(timestamp) = timestamp {
            if let Some(d) = self.jitter.update(timestamp, clock.ticks(arrival)) {
                self.transit.add(d);
            }
            if in_order {
                self.note_packet_spacing(extended, timestamp);
            }
        }
        if restarted {
            PacketVerdict::Restarted { extended }
        } else {
            PacketVerdict::Counted { extended, in_order }
        }
    }

    fn restart(&mut self) {
        self.jitter.reset_reference();
        self.history.clear();
        self.next_final = None;
        self.xr_begin = None;
        self.last_timestamp = None;
        self.transit = TransitSummary::default();
    }

    fn note_packet_spacing(&mut self, extended: u64, timestamp: u32) {
        if let Some((prev_ext, prev_ts)) = self.last_timestamp
            && extended == prev_ext + 1
        {
            let step = timestamp.wrapping_sub(prev_ts);
            // Ignore zero steps (video frames split over packets) and implausible jumps.
            if step > 0 && step < self.config.clock_rate.hz() {
                self.ticks_per_packet = Some(step);
            }
        }
        self.last_timestamp = Some((extended, timestamp));
    }

    /// Hands packets that can no longer be reordered (at least `max_misorder` behind
    /// `new_highest`) to the burst analyzer, in sequence order. Runs before the history
    /// advances to `new_highest`, so no slot is reused before its packet is final.
    fn finalize_up_to(&mut self, new_highest: u64) {
        let Some(mut next) = self.next_final else {
            return;
        };
        let horizon = u64::from(self.config.validation.max_misorder.max(1));
        let Some(last_final) = new_highest.checked_sub(horizon) else {
            return;
        };
        // Packets above the recorded highest were never recorded: lost.
        let recorded_end = self.history.highest().map_or(next, |h| h + 1);
        while next <= last_final && next < recorded_end {
            let fate = match (
                self.history.is_received(next),
                self.history.is_discarded(next),
            ) {
                (Some(true), Some(true)) => PacketFate::Discarded,
                (Some(true), _) => PacketFate::Received,
                _ => PacketFate::Lost,
            };
            self.bursts.push(fate);
            next += 1;
        }
        if next <= last_final {
            self.bursts.push_lost_run(last_final + 1 - next);
            next = last_final + 1;
        }
        self.next_final = Some(next);
    }

    /// Marks a received packet as discarded by the playout buffer (late or overflow), for
    /// the discard rate and burst metrics of RFC 3611 §4.7. Returns false when the packet
    /// is unknown or already final.
    pub fn mark_discarded(&mut self, extended: u64) -> bool {
        if self.next_final.is_some_and(|n| extended < n) {
            return false;
        }
        self.history.mark_discarded(extended)
    }

    /// Records an SR from this source, for LSR/DLSR (RFC 3550 §6.4.1).
    pub fn on_sender_report(&mut self, ntp: NtpTime, arrival: Instant) {
        self.last_sr = Some((ntp.compact(), arrival));
        self.last_sr_ntp = Some(ntp);
    }

    /// The NTP timestamp of the last SR received.
    pub fn last_sender_report(&self) -> Option<NtpTime> {
        self.last_sr_ntp
    }

    /// The loss tracker (A.1/A.3 state).
    pub fn loss(&self) -> &LossTracker {
        &self.seq
    }

    /// Interarrival jitter in RTP ticks.
    pub fn jitter(&self) -> u32 {
        self.jitter.jitter()
    }

    /// Interarrival jitter as a duration.
    pub fn jitter_duration(&self) -> Duration {
        Duration::from_secs_f64(self.jitter.jitter_seconds(self.config.clock_rate))
    }

    /// Packets counted (duplicates included, as RFC 3550 does).
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Payload octets of counted packets.
    pub fn payload_octets(&self) -> u64 {
        self.payload_octets
    }

    /// Duplicates detected within the history.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Arrival of the latest counted packet.
    pub fn last_arrival(&self) -> Option<Instant> {
        self.last_arrival
    }

    /// The packet spacing seen on the wire, from consecutive timestamps, as a duration.
    pub fn packet_interval(&self) -> Option<Duration> {
        self.ticks_per_packet
            .map(|t| self.config.clock_rate.ticks_to_duration(u64::from(t)))
    }

    /// Updates the statistics with a parsed RTP packet (sequence number, timestamp and
    /// payload size) that arrived at `arrival`.
    pub fn on_rtp_packet(
        &mut self,
        packet: &rtp_packet::RtpPacket<'_>,
        arrival: Instant,
    ) -> PacketVerdict {
        self.on_packet(
            packet.sequence_number(),
            packet.timestamp(),
            packet.payload().len(),
            arrival,
        )
    }

    /// The reception history (for XR Loss/Duplicate RLE).
    pub fn history(&self) -> &ReceptionHistory {
        &self.history
    }

    /// Burst/gap statistics over the packets whose fate is final.
    pub fn burst_gap(&self) -> BurstGapStats {
        self.bursts.stats()
    }

    /// The burst analyzer (for the burst ratio).
    pub fn burst_analyzer(&self) -> &BurstGapAnalyzer {
        &self.bursts
    }

    /// Records an XR Receiver Reference Time block from this source (RFC 3611 §4.4), to
    /// answer with a DLRR sub-block.
    pub fn on_receiver_reference_time(&mut self, ntp: NtpTime, arrival: Instant) {
        self.last_rrtr = Some((ntp.compact(), arrival));
    }

    /// The DLRR sub-block answering the last RRTR (RFC 3611 §4.5), or `None` without one.
    pub fn dlrr_item(&self, now: Instant) -> Option<rtcp::xr::DlrrItem> {
        let (last_rr, at) = self.last_rrtr?;
        Some(rtcp::xr::DlrrItem {
            ssrc: self.ssrc,
            last_rr,
            delay_since_last_rr: rtcp::NtpTime::duration_to_compact(
                now.saturating_duration_since(at),
            ),
        })
    }

    /// Closes the XR interval: the range of sequence numbers received since the previous
    /// call (clamped to what the history still covers) and the transit differences seen
    /// in it. `None` before the source is valid.
    pub fn take_xr_interval(&mut self) -> Option<(SeqRange, TransitSummary)> {
        let highest = self.history.highest()?;
        let oldest = self.history.oldest()?;
        let begin = self.xr_begin?.max(oldest);
        let end = highest + 1;
        self.xr_begin = Some(end);
        Some((SeqRange { begin, end }, std::mem::take(&mut self.transit)))
    }

    /// Closes the reporting interval and returns its report block (RFC 3550 A.3, §6.4.1),
    /// with the interval's counts, or `None` while the source is not yet valid. `now` is
    /// when the report is sent, for DLSR.
    pub fn report(&mut self, now: Instant) -> Option<(rtcp::ReportBlock, IntervalLoss)> {
        let highest = self.seq.extended_highest()?;
        let interval = self.seq.take_interval();
        let (last_sr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (
                lsr,
                rtcp::NtpTime::duration_to_compact(now.saturating_duration_since(at)),
            ),
            None => (0, 0),
        };
        let block = rtcp::ReportBlock {
            ssrc: self.ssrc,
            fraction_lost: interval.fraction_lost(),
            cumulative_lost: clamp_cumulative_lost(self.seq.cumulative_lost()),
            extended_highest_sequence_number: highest,
            jitter: self.jitter.jitter(),
            last_sr,
            delay_since_last_sr: dlsr,
        };
        Some((block, interval))
    }
}
