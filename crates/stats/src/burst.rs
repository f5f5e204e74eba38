//! Burst and gap metrics (RFC 3611 §4.7.2) and the burst ratio of ITU-T G.107 §7.5.
//!
//! Packets are classified in sequence order once their fate is final. A burst is a run that
//! starts and ends with a lost or discarded packet and contains fewer than `Gmin`
//! consecutive received packets anywhere inside; losses separated from every other loss by
//! at least `Gmin` received packets are isolated and belong to the gaps, which is what makes
//! a gap "a period during which only isolated lost packets may occur" (§4.7.2). The session
//! start counts as a long run of received packets, so a first isolated loss is a gap loss.

use crate::Error;

/// The Gmin RFC 3611 §4.7.2 recommends for voice.
pub const DEFAULT_GMIN: u8 = 16;

/// The final fate of one expected packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketFate {
    /// Arrived and was played.
    Received,
    /// Never arrived.
    Lost,
    /// Arrived but was discarded (too late, or overflowing the jitter buffer).
    Discarded,
}

/// Online classifier of packets into bursts and gaps; constant memory, constant time per
/// packet.
#[derive(Debug, Clone)]
pub struct BurstGapAnalyzer {
    gmin: u8,
    /// Received packets since the last loss or discard.
    since_loss: u64,
    in_burst: bool,
    /// The last loss was in a gap and fewer than Gmin packets have been received since.
    candidate: bool,
    cur_burst_packets: u64,
    cur_burst_losses: u64,
    cur_gap_packets: u64,
    cur_gap_losses: u64,
    closed: Totals,
    lost: u64,
    discarded: u64,
    received: u64,
    prev_was_loss: Option<bool>,
    found_to_loss: u64,
    found_followed: u64,
    loss_to_found: u64,
    loss_followed: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    bursts: u64,
    burst_packets: u64,
    burst_losses: u64,
    gaps: u64,
    gap_packets: u64,
    gap_losses: u64,
}

/// A snapshot of burst/gap statistics since the start of reception (RFC 3611 §4.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BurstGapStats {
    /// Gmin in force.
    pub gmin: u8,
    /// Number of bursts (an open burst at the end counts).
    pub bursts: u64,
    /// Packets expected inside bursts.
    pub burst_packets: u64,
    /// Packets lost or discarded inside bursts.
    pub burst_losses: u64,
    /// Number of gaps.
    pub gaps: u64,
    /// Packets expected inside gaps.
    pub gap_packets: u64,
    /// Packets lost or discarded inside gaps (isolated losses).
    pub gap_losses: u64,
    /// Packets classified so far.
    pub packets: u64,
    /// Packets lost.
    pub lost: u64,
    /// Packets discarded.
    pub discarded: u64,
}

impl BurstGapStats {
    /// Burst density as RFC 3611 encodes it: losses / packets in bursts × 256, truncated,
    /// at most 255; 0 when there were no bursts.
    pub fn burst_density(&self) -> u8 {
        density(self.burst_losses, self.burst_packets)
    }

    /// Gap density, encoded like [`burst_density`](Self::burst_density).
    pub fn gap_density(&self) -> u8 {
        density(self.gap_losses, self.gap_packets)
    }

    /// Mean burst length in packets, or `None` without bursts.
    pub fn mean_burst_packets(&self) -> Option<f64> {
        (self.bursts > 0).then(|| self.burst_packets as f64 / self.bursts as f64)
    }

    /// Mean gap length in packets, or `None` without gaps.
    pub fn mean_gap_packets(&self) -> Option<f64> {
        (self.gaps > 0).then(|| self.gap_packets as f64 / self.gaps as f64)
    }

    /// Mean burst duration in milliseconds for packets `packet_ms` apart (RFC 3611 "burst
    /// duration"; 0 without bursts, as the RFC requires), saturating at 65535.
    pub fn burst_duration_ms(&self, packet_ms: f64) -> u16 {
        duration_ms(self.mean_burst_packets(), packet_ms)
    }

    /// Mean gap duration in milliseconds (RFC 3611 "gap duration"), saturating at 65535.
    pub fn gap_duration_ms(&self, packet_ms: f64) -> u16 {
        duration_ms(self.mean_gap_packets(), packet_ms)
    }
}

fn density(num: u64, den: u64) -> u8 {
    (num << 8)
        .checked_div(den)
        .map_or(0, |q| u8::try_from(q).unwrap_or(u8::MAX))
}

fn duration_ms(mean_packets: Option<f64>, packet_ms: f64) -> u16 {
    let ms = mean_packets.unwrap_or(0.0) * packet_ms;
    if ms.is_finite() {
        ms.round().clamp(0.0, 65_535.0) as u16
    } else {
        0
    }
}

impl BurstGapAnalyzer {
    /// An analyzer with burst threshold `gmin` (≥ 1; RFC 3611 recommends 16).
    pub fn new(gmin: u8) -> Result<Self, Error> {
        if gmin == 0 {
            return Err(Error::ZeroGmin);
        }
        Ok(Self {
            gmin,
            since_loss: u64::from(gmin),
            in_burst: false,
            candidate: false,
            cur_burst_packets: 0,
            cur_burst_losses: 0,
            cur_gap_packets: 0,
            cur_gap_losses: 0,
            closed: Totals::default(),
            lost: 0,
            discarded: 0,
            received: 0,
            prev_was_loss: None,
            found_to_loss: 0,
            found_followed: 0,
            loss_to_found: 0,
            loss_followed: 0,
        })
    }

    /// Gmin in force.
    pub fn gmin(&self) -> u8 {
        self.gmin
    }

    /// Classifies the next packet in sequence order.
    pub fn push(&mut self, fate: PacketFate) {
        let is_loss = fate != PacketFate::Received;
        match self.prev_was_loss {
            Some(false) => {
                self.found_followed += 1;
                self.found_to_loss += u64::from(is_loss);
            }
            Some(true) => {
                self.loss_followed += 1;
                self.loss_to_found += u64::from(!is_loss);
            }
            None => {}
        }
        self.prev_was_loss = Some(is_loss);
        match fate {
            PacketFate::Received => {
                self.received += 1;
                self.on_received();
            }
            PacketFate::Lost => {
                self.lost += 1;
                self.on_loss();
            }
            PacketFate::Discarded => {
                self.discarded += 1;
                self.on_loss();
            }
        }
    }

    /// Classifies `n` consecutive lost packets at once (a long outage), in constant time.
    pub fn push_lost_run(&mut self, n: u64) {
        let first_two = n.min(2);
        for _ in 0..first_two {
            self.push(PacketFate::Lost);
        }
        let rest = n - first_two;
        if rest > 0 {
            // After two adjacent losses the run is inside a burst: each further loss adds one
            // packet and one loss to it, and one loss→loss transition.
            self.lost += rest;
            self.cur_burst_packets += rest;
            self.cur_burst_losses += rest;
            self.loss_followed += rest;
        }
    }

    fn on_received(&mut self) {
        self.since_loss += 1;
        if self.in_burst {
            if self.since_loss == u64::from(self.gmin) {
                self.closed.bursts += 1;
                self.closed.burst_packets += self.cur_burst_packets;
                self.closed.burst_losses += self.cur_burst_losses;
                self.cur_burst_packets = 0;
                self.cur_burst_losses = 0;
                self.in_burst = false;
                self.cur_gap_packets = self.since_loss;
                self.cur_gap_losses = 0;
            }
        } else {
            self.cur_gap_packets += 1;
            if self.since_loss >= u64::from(self.gmin) {
                self.candidate = false;
            }
        }
    }

    fn on_loss(&mut self) {
        if self.in_burst {
            self.cur_burst_packets += self.since_loss + 1;
            self.cur_burst_losses += 1;
        } else if self.candidate {
            // The previous gap loss was not isolated after all: it, the packets received
            // since, and this loss open a burst.
            let moved = self.since_loss + 1;
            self.cur_gap_packets -= moved;
            self.cur_gap_losses -= 1;
            if self.cur_gap_packets > 0 {
                self.closed.gaps += 1;
                self.closed.gap_packets += self.cur_gap_packets;
                self.closed.gap_losses += self.cur_gap_losses;
            }
            self.cur_gap_packets = 0;
            self.cur_gap_losses = 0;
            self.in_burst = true;
            self.candidate = false;
            self.cur_burst_packets = moved + 1;
            self.cur_burst_losses = 2;
        } else {
            self.cur_gap_packets += 1;
            self.cur_gap_losses += 1;
            self.candidate = true;
        }
        self.since_loss = 0;
    }

    /// The statistics so far. An open burst counts as a burst; packets received after it
    /// count as the gap in progress (RFC 3611 §4.7.2 gap case (b)); a pending loss that may
    /// still turn out to start a burst counts as isolated.
    pub fn stats(&self) -> BurstGapStats {
        let mut t = self.closed;
        let (gap_packets, gap_losses) = if self.in_burst {
            t.bursts += 1;
            t.burst_packets += self.cur_burst_packets;
            t.burst_losses += self.cur_burst_losses;
            (self.since_loss, 0)
        } else {
            (self.cur_gap_packets, self.cur_gap_losses)
        };
        if gap_packets > 0 {
            t.gaps += 1;
            t.gap_packets += gap_packets;
            t.gap_losses += gap_losses;
        }
        BurstGapStats {
            gmin: self.gmin,
            bursts: t.bursts,
            burst_packets: t.burst_packets,
            burst_losses: t.burst_losses,
            gaps: t.gaps,
            gap_packets: t.gap_packets,
            gap_losses: t.gap_losses,
            packets: self.received + self.lost + self.discarded,
            lost: self.lost,
            discarded: self.discarded,
        }
    }

    /// The burst ratio BurstR of ITU-T G.107 §7.5 (06/2015): the mean observed length of
    /// loss runs divided by the mean expected under random loss, estimated with the
    /// two-state Markov model as `1 / (p + q)` where p = P(loss | previous found) and
    /// q = P(found | previous loss). `None` until at least one packet was found and one
    /// lost, each with a successor (BurstR is undefined without loss).
    pub fn burst_ratio(&self) -> Option<f64> {
        if self.found_followed == 0 || self.loss_followed == 0 || self.found_to_loss == 0 {
            return None;
        }
        let p = self.found_to_loss as f64 / self.found_followed as f64;
        let q = self.loss_to_found as f64 / self.loss_followed as f64;
        (p + q > 0.0).then(|| 1.0 / (p + q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PacketFate::{Lost as L, Received as R};

    fn run(gmin: u8, pattern: &[PacketFate]) -> BurstGapAnalyzer {
        let mut a = BurstGapAnalyzer::new(gmin).unwrap();
        for &f in pattern {
            a.push(f);
        }
        a
    }

    #[test]
    fn isolated_losses_stay_in_the_gap() {
        // Gmin 3: R L R R R L R R R R — both losses are ≥3 received apart: no burst.
        let a = run(3, &[R, L, R, R, R, L, R, R, R, R]);
        let s = a.stats();
        assert_eq!(
            (s.bursts, s.gaps, s.gap_packets, s.gap_losses),
            (0, 1, 10, 2)
        );
        assert_eq!(s.gap_density(), 51); // 2/10 × 256 = 51.2
        assert_eq!(s.burst_density(), 0);
    }

    #[test]
    fn close_losses_form_a_burst_between_two_gaps() {
        // Gmin 3: R R L R L L R R R R R
        //   gap #1: R R            (2 packets, 0 lost)
        //   burst : L R L L        (4 packets, 3 lost) — closed by 3 received
        //   gap #2: R R R R R      (5 packets, 0 lost)
        let a = run(3, &[R, R, L, R, L, L, R, R, R, R, R]);
        let s = a.stats();
        assert_eq!((s.bursts, s.burst_packets, s.burst_losses), (1, 4, 3));
        assert_eq!((s.gaps, s.gap_packets, s.gap_losses), (2, 7, 0));
        assert_eq!(s.burst_density(), 192); // 3/4 × 256
        assert_eq!(s.mean_burst_packets(), Some(4.0));
        assert_eq!(s.mean_gap_packets(), Some(3.5));
        assert_eq!(s.burst_duration_ms(20.0), 80);
        assert_eq!(s.gap_duration_ms(20.0), 70);
    }

    #[test]
    fn open_burst_counts_and_trailing_packets_form_the_current_gap() {
        // Gmin 16 (default): L L R — burst {L L}, then one received packet in gap (b).
        let a = run(DEFAULT_GMIN, &[L, L, R]);
        let s = a.stats();
        assert_eq!((s.bursts, s.burst_packets, s.burst_losses), (1, 2, 2));
        assert_eq!((s.gaps, s.gap_packets), (1, 1));
        assert_eq!(s.burst_density(), 255); // 2/2 × 256 capped at 255
    }

    #[test]
    fn lost_run_equals_individual_losses() {
        let mut bulk = BurstGapAnalyzer::new(4).unwrap();
        bulk.push(R);
        bulk.push_lost_run(7);
        bulk.push(R);
        let single = run(4, &[R, L, L, L, L, L, L, L, R]);
        assert_eq!(bulk.stats(), single.stats());
        assert_eq!(bulk.burst_ratio(), single.burst_ratio());
    }

    #[test]
    fn burst_ratio_of_random_and_bursty_loss() {
        // Alternating R L: p = 1 (every R followed by L), q = 1 → BurstR = 0.5.
        let a = run(16, &[R, L, R, L, R, L, R]);
        assert_eq!(a.burst_ratio(), Some(0.5));
        // R R R R L L L L R R R R: found→loss 1 of 7 follows-found = 1/7; loss→found 1 of 4
        // → BurstR = 1 / (1/7 + 1/4) = 28/11.
        let b = run(16, &[R, R, R, R, L, L, L, L, R, R, R, R]);
        assert!((b.burst_ratio().unwrap() - 28.0 / 11.0).abs() < 1e-12);
        assert_eq!(run(16, &[R, R, R]).burst_ratio(), None);
        assert_eq!(BurstGapAnalyzer::new(0).unwrap_err(), Error::ZeroGmin);
    }
}
