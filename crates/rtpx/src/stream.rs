//! The statistics of one RTP stream (one SSRC on one directional flow), updated per packet
//! in constant time and memory.
//!
//! - Sequence numbers are extended by `rtp-packet`'s RFC 3550 A.1 [`SequenceTracker`],
//!   without probation: a capture analyser counts every packet, as tshark does. Lost is
//!   `expected − received` over each run of the tracker's numbering (RFC 3550 A.3; negative
//!   when duplicates outnumber losses), summed over restarts.
//! - Duplicates and late packets are told apart with a 1024-packet bitmap of the sequence
//!   numbers seen behind the highest.
//! - Jitter is RFC 3550 §6.4.1 `J += (|D| − J)/16` between consecutive arrivals (A.8); the
//!   mean and maximum leave out the J after a reordered packet (timestamp behind the one
//!   before), which reports the reordering. Kept in floating-point seconds. The
//!   `stats` crate's `JitterEstimator` keeps the appendix's integer form, in whole RTP ticks:
//!   right for an RR field, but the arrival times of a capture are nanosecond-exact, and on
//!   a quiet link the jitter is a fraction of one 8 kHz tick (125 µs), where rounding
//!   arrivals to ticks would dominate the figure.
//! - MOS comes from the `stats` crate's E-model (G.107), with the codec's Ie/Bpl and the
//!   burst ratio of `stats`' burst/gap analyser.

use std::time::Duration;

use rtp_packet::clock::timestamp_distance;
use rtp_packet::{SeqVerdict, SequenceTracker, ValidationConfig};
use stats::{BurstGapAnalyzer, Codec, Delays, EModel, PacketFate, RatingInputs};

use crate::series::Series;

const SEEN_BITS: u64 = 1024;

/// What a stream's payload type means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecInfo {
    /// Encoding name (`PCMU`, `opus`...), from SDP or the RFC 3551 table.
    pub name: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
}

impl CodecInfo {
    /// The E-model's codec values for this encoding, when the `stats` crate has them. G.711
    /// is rated without packet-loss concealment (the receiver's is not in the capture).
    pub fn emodel_codec(&self) -> Option<Codec> {
        match self.name.to_ascii_uppercase().as_str() {
            "PCMU" | "PCMA" => Some(Codec::G711),
            "G722" => Some(Codec::G722),
            "G729" => Some(Codec::G729a),
            _ => None,
        }
    }
}

/// Per-stream statistics.
#[derive(Debug, Clone)]
pub struct StreamStats {
    /// Capture time of the first packet.
    pub first: Duration,
    /// Capture time of the last packet.
    pub last: Duration,
    /// Packets received (duplicates included).
    pub packets: u64,
    /// RTP payload octets (of the packets as captured; SRTP tags excluded when decrypted).
    pub payload_octets: u64,
    /// Payload type of the first packet.
    pub payload_type: u8,
    /// Packets whose payload type differed from the one before.
    pub payload_type_changes: u64,
    pt_last: u8,
    tracker: SequenceTracker,
    /// The first (RFC 3550 A.1 `base_seq`) and highest extended sequence number of the
    /// current run. A late packet numbered before the first is received but not expected,
    /// as in RFC 3550 A.3 (and tshark).
    run: Option<(u64, u64)>,
    /// Expected packets of the runs before a restart.
    expected_before: u64,
    seen: [u64; (SEEN_BITS / 64) as usize],
    /// Packets seen twice.
    pub duplicates: u64,
    /// Packets that arrived after a higher sequence number (duplicates excluded).
    pub reordered: u64,
    /// Sequence jumps the tracker dropped or confirmed as restarts.
    pub sequence_jumps: u64,
    prev: Option<(Duration, u32)>,
    jitter: f64,
    jitter_sum: f64,
    jitter_samples: u64,
    /// Largest jitter, seconds.
    pub jitter_max: f64,
    /// Largest gap between two consecutive arrivals.
    pub max_gap: Duration,
    burst: BurstGapAnalyzer,
    /// The per-second series for plots, when kept.
    pub series: Option<Series>,
}

impl StreamStats {
    /// A stream whose first packet arrived at `at` with payload type `pt`; `plot` keeps
    /// a per-second series.
    pub fn new(at: Duration, pt: u8, plot: bool) -> Self {
        Self {
            first: at,
            last: at,
            packets: 0,
            payload_octets: 0,
            payload_type: pt,
            payload_type_changes: 0,
            pt_last: pt,
            tracker: SequenceTracker::new(ValidationConfig::NO_PROBATION),
            run: None,
            expected_before: 0,
            seen: [0; (SEEN_BITS / 64) as usize],
            duplicates: 0,
            reordered: 0,
            sequence_jumps: 0,
            prev: None,
            jitter: 0.0,
            jitter_sum: 0.0,
            jitter_samples: 0,
            jitter_max: 0.0,
            max_gap: Duration::ZERO,
            burst: BurstGapAnalyzer::new(stats::DEFAULT_GMIN).expect("the default Gmin is valid"),
            series: plot.then(|| Series::new(at)),
        }
    }

    /// One packet: arrival `at`, header fields, payload length; `clock_rate` of the
    /// codec when known (jitter needs it).
    pub fn on_packet(
        &mut self,
        at: Duration,
        seq: u16,
        timestamp: u32,
        pt: u8,
        payload_len: usize,
        clock_rate: Option<u32>,
    ) {
        if self.packets > 0 && pt != self.pt_last {
            self.payload_type_changes += 1;
        }
        let gap = at.saturating_sub(self.last);
        if self.packets > 0 && gap > self.max_gap {
            self.max_gap = gap;
        }
        self.last = self.last.max(at);
        self.packets += 1;
        self.payload_octets += payload_len as u64;
        let mut lost_now = 0u64;
        let mut duplicate = false;
        match self.tracker.update(seq) {
            SeqVerdict::Accepted { extended, in_order } => {
                duplicate = self.mark(extended, in_order, &mut lost_now);
            }
            SeqVerdict::Restarted { extended } => {
                self.sequence_jumps += 1;
                if let Some((lo, hi)) = self.run.take() {
                    self.expected_before += hi - lo + 1;
                }
                self.seen = [0; (SEEN_BITS / 64) as usize];
                duplicate = self.mark(extended, true, &mut lost_now);
            }
            SeqVerdict::BadSequence => self.sequence_jumps += 1,
            SeqVerdict::Probation => {}
            _ => {}
        }
        if duplicate {
            self.duplicates += 1;
        }
        // Jitter (RFC 3550 §6.4.1 and A.8), in seconds, between consecutive arrivals. A
        // packet whose timestamp is behind the one before it (reordered) updates J but is
        // left out of the mean and maximum, where its D would report the reordering.
        if let Some(rate) = clock_rate.filter(|r| *r > 0) {
            if let Some((prev_at, prev_ts)) = self.prev {
                let step = timestamp_distance(prev_ts, timestamp);
                let arrival = at.as_secs_f64() - prev_at.as_secs_f64();
                let d = (arrival - step as f64 / f64::from(rate)).abs();
                self.jitter += (d - self.jitter) / 16.0;
                if step >= 0 {
                    self.jitter_sum += self.jitter;
                    self.jitter_samples += 1;
                    self.jitter_max = self.jitter_max.max(self.jitter);
                }
            }
            self.prev = Some((at, timestamp));
        }
        self.pt_last = pt;
        if let Some(s) = &mut self.series {
            s.on_packet(at, lost_now, gap, self.jitter);
        }
    }

    /// Records `extended` in the run and the seen bitmap; true when it was seen before.
    fn mark(&mut self, extended: u64, in_order: bool, lost_now: &mut u64) -> bool {
        let (lo, hi) = match self.run {
            None => {
                self.run = Some((extended, extended));
                self.set_seen(extended);
                self.burst.push(PacketFate::Received);
                return false;
            }
            Some(r) => r,
        };
        if extended > hi {
            let step = extended - hi;
            // Clear the bits of the numbers skipped over (and the new one's slot).
            if step >= SEEN_BITS {
                self.seen = [0; (SEEN_BITS / 64) as usize];
            } else {
                for n in hi + 1..=extended {
                    self.clear_seen(n);
                }
            }
            *lost_now = step - 1;
            if step > 1 {
                self.burst.push_lost_run(step - 1);
            }
            self.burst.push(PacketFate::Received);
            self.set_seen(extended);
            self.run = Some((lo, extended));
            return false;
        }
        let _ = in_order;
        if hi - extended >= SEEN_BITS {
            // Too far behind to know: late, not a duplicate.
            self.reordered += 1;
            return false;
        }
        if self.is_seen(extended) {
            return true;
        }
        self.set_seen(extended);
        self.reordered += 1;
        false
    }

    fn set_seen(&mut self, n: u64) {
        let i = n % SEEN_BITS;
        self.seen[(i / 64) as usize] |= 1 << (i % 64);
    }

    fn clear_seen(&mut self, n: u64) {
        let i = n % SEEN_BITS;
        self.seen[(i / 64) as usize] &= !(1 << (i % 64));
    }

    fn is_seen(&self, n: u64) -> bool {
        let i = n % SEEN_BITS;
        self.seen[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    /// Packets expected from the sequence numbers (RFC 3550 A.3).
    pub fn expected(&self) -> u64 {
        self.expected_before + self.run.map_or(0, |(lo, hi)| hi - lo + 1)
    }

    /// Lost packets: expected − received (negative when duplicates outnumber losses).
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.packets as i64
    }

    /// Loss as a percentage of the expected packets, at least 0.
    pub fn loss_percent(&self) -> f64 {
        let e = self.expected();
        if e == 0 {
            0.0
        } else {
            (self.lost().max(0) as f64 * 100.0 / e as f64).min(100.0)
        }
    }

    /// Mean jitter, seconds (`None` without a clock rate or a second packet).
    pub fn jitter_mean(&self) -> Option<f64> {
        (self.jitter_samples > 0).then(|| self.jitter_sum / self.jitter_samples as f64)
    }

    /// Largest jitter, seconds.
    pub fn jitter_max(&self) -> Option<f64> {
        (self.jitter_samples > 0).then_some(self.jitter_max)
    }

    /// The E-model burst ratio: the analyser's, or 1 when nothing was lost.
    pub fn burst_ratio(&self) -> Option<f64> {
        self.burst
            .burst_ratio()
            .or((self.lost() <= 0).then_some(1.0))
    }
}

/// MOS from the E-model: listening quality (no delay impairment) always, conversational
/// quality when a round-trip time is known (one-way delay = RTT / 2). `None` when the codec
/// has no E-model values or a loss needs a value the codec lacks.
pub fn mos(
    codec: Option<&CodecInfo>,
    loss_percent: f64,
    burst_ratio: Option<f64>,
    rtt: Option<Duration>,
) -> (Option<f64>, Option<f64>) {
    let Some(impairment) = codec
        .and_then(CodecInfo::emodel_codec)
        .and_then(Codec::impairment)
    else {
        return (None, None);
    };
    let model = EModel::default();
    let inputs = |delay_ms: f64| RatingInputs {
        delays: Some(Delays::one_way(delay_ms)),
        packet_loss_percent: Some(loss_percent),
        burst_ratio,
        codec: Some(impairment),
    };
    let lq = model
        .rate(&inputs(0.0))
        .map(|r| stats::mos_from_r(r.listening_r()));
    let cq = rtt.and_then(|rtt| {
        model
            .rate(&inputs(rtt.as_secs_f64() * 1000.0 / 2.0))
            .map(|r| r.mos())
    });
    (lq, cq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(s: &mut StreamStats, seqs: &[u16]) {
        for (i, &seq) in seqs.iter().enumerate() {
            let at = Duration::from_millis(20 * i as u64);
            s.on_packet(at, seq, i as u32 * 160, 0, 160, Some(8000));
        }
    }

    #[test]
    fn loss_duplicates_and_reordering() {
        let mut s = StreamStats::new(Duration::ZERO, 0, false);
        feed(&mut s, &[10, 11, 13, 12, 12, 15, 16, 18]);
        assert_eq!(s.packets, 8);
        assert_eq!(s.expected(), 9);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.reordered, 1);
        // 14 and 17 lost, one duplicate: 9 expected − 8 received.
        assert_eq!(s.lost(), 1);
    }

    #[test]
    fn wraps_without_loss() {
        let mut s = StreamStats::new(Duration::ZERO, 0, false);
        feed(&mut s, &[65534, 65535, 0, 1]);
        assert_eq!(
            (s.expected(), s.lost(), s.duplicates, s.reordered),
            (4, 0, 0, 0)
        );
        // Perfectly paced: no jitter at all.
        assert!(s.jitter_max().unwrap() < 1e-12);
    }

    #[test]
    fn jitter_follows_rfc_3550() {
        let mut s = StreamStats::new(Duration::ZERO, 0, false);
        // Second packet 10 ms late: D = 0.010, J = 0.010/16.
        s.on_packet(Duration::ZERO, 1, 0, 0, 160, Some(8000));
        s.on_packet(Duration::from_millis(30), 2, 160, 0, 160, Some(8000));
        assert!((s.jitter_max().unwrap() - 0.010 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn mos_of_clean_g711_is_the_emodel_default() {
        let pcmu = CodecInfo {
            name: "PCMU".into(),
            clock_rate: 8000,
        };
        let (lq, cq) = mos(Some(&pcmu), 0.0, Some(1.0), None);
        assert_eq!((lq.unwrap() * 100.0).round() / 100.0, 4.41);
        assert_eq!(cq, None);
        assert_eq!(mos(None, 0.0, Some(1.0), None), (None, None));
    }
}
