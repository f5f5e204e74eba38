//! RTCP transmission timing (RFC 3550 §6.3 and Appendix A.7): the interval from the
//! session bandwidth and membership, randomisation, timer reconsideration, reverse
//! reconsideration when members leave, and BYE reconsideration.

use std::time::{Duration, Instant};

use crate::config::Bandwidth;

/// RFC 3550 §6.2: the fixed minimum interval.
const MIN_INTERVAL: f64 = 5.0;
/// RFC 3550 A.7: the share of RTCP bandwidth for senders.
const SENDER_FRACTION: f64 = 0.25;
/// RFC 3550 A.7: e − 3/2, compensating the timer reconsideration's bias.
const COMPENSATION: f64 = std::f64::consts::E - 1.5;
/// UDP and IPv4 header bytes counted in the average RTCP size (RFC 3550 §6.2).
pub(crate) const LOWER_LAYER_OVERHEAD: usize = 28;
/// Without RTCP bandwidth (b=RS:0 b=RR:0, or no session bandwidth) the timer looks again
/// after this long, in case the membership changed.
const NO_RTCP_RECHECK: Duration = Duration::from_secs(3600);
/// Above this many members a leaving participant reconsiders its BYE (RFC 3550 §6.3.7).
const BYE_RECONSIDERATION_MEMBERS: u32 = 50;

/// The inputs of the interval computation (RFC 3550 A.7 `rtcp_interval`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalInputs {
    /// Current members, including ourselves.
    pub members: u32,
    /// Current senders, including ourselves when we sent.
    pub senders: u32,
    /// Whether we sent RTP since the second-last report.
    pub we_sent: bool,
    /// The average compound size in octets, lower-layer headers included.
    pub avg_rtcp_size: f64,
    /// Before the first compound was sent: the minimum is halved.
    pub initial: bool,
}

/// The deterministic RTCP interval Td of RFC 3550 §6.3.1 (before randomisation): used
/// as is for source timeouts (§6.3.5). `None` when the RTCP bandwidth is zero.
pub fn deterministic_interval(bw: &Bandwidth, inputs: &IntervalInputs) -> Option<Duration> {
    deterministic_with(bw, inputs, false)
}

/// RFC 4585 §3.4: under AVPF the minimum interval is 1 s before the first regular
/// compound and none afterwards (the bandwidth share alone sets the interval, and
/// `trr-int` may space regular compounds out, `feedback/avpf.rs`).
const AVPF_INITIAL_MIN: f64 = 1.0;

/// [`deterministic_interval`], with the AVPF minimum instead of RFC 3550's when `avpf`.
fn deterministic_with(bw: &Bandwidth, inputs: &IntervalInputs, avpf: bool) -> Option<Duration> {
    let session = bw.session_bps as f64 / 8.0;
    let rtcp_bw = session * 0.05;
    let (sender_bw, receiver_bw) = match (bw.rtcp_senders_bps, bw.rtcp_receivers_bps) {
        (None, None) => (rtcp_bw * SENDER_FRACTION, rtcp_bw * (1.0 - SENDER_FRACTION)),
        (rs, rr) => (
            rs.map_or(rtcp_bw * SENDER_FRACTION, |v| v as f64 / 8.0),
            rr.map_or(rtcp_bw * (1.0 - SENDER_FRACTION), |v| v as f64 / 8.0),
        ),
    };
    let mut min = if bw.reduced_minimum && bw.session_bps > 0 {
        360.0 / (bw.session_bps as f64 / 1000.0)
    } else {
        MIN_INTERVAL
    };
    if inputs.initial {
        min /= 2.0;
    }
    if avpf {
        min = if inputs.initial {
            AVPF_INITIAL_MIN
        } else {
            0.0
        };
    }
    // RFC 3556 §2: with b=RR:0 (b=RS:0) receivers (senders) send no RTCP at all.
    let own_share = if inputs.we_sent {
        sender_bw
    } else {
        receiver_bw
    };
    if own_share <= 0.0 {
        return None;
    }
    let members = f64::from(inputs.members.max(1));
    let senders = f64::from(inputs.senders);
    let total = sender_bw + receiver_bw;
    let (bw_share, n) = if senders <= members * SENDER_FRACTION {
        if inputs.we_sent {
            (sender_bw, senders.max(1.0))
        } else {
            (receiver_bw, (members - senders).max(1.0))
        }
    } else {
        (total, members)
    };
    if bw_share <= 0.0 {
        return None;
    }
    let t = (inputs.avg_rtcp_size * n / bw_share).max(min);
    Some(Duration::from_secs_f64(t))
}

/// The randomised interval of RFC 3550 A.7: Td times a factor uniform in [0.5, 1.5],
/// divided by e − 3/2. `unit` is a random number in [0, 1).
pub fn randomised_interval(td: Duration, unit: f64) -> Duration {
    Duration::from_secs_f64(td.as_secs_f64() * (unit + 0.5) / COMPENSATION)
}

/// RTCP scheduling state (RFC 3550 A.7 variables tp, tn, pmembers, avg_rtcp_size,
/// initial).
#[derive(Debug, Clone)]
pub struct RtcpTimer {
    bandwidth: Bandwidth,
    /// When the last compound was sent (tp).
    pub(crate) last_sent: Instant,
    /// When the next one is due (tn).
    pub(crate) next: Instant,
    /// Members when tn was last computed (pmembers).
    pub(crate) previous_members: u32,
    /// The average compound size (avg_rtcp_size).
    pub(crate) avg_rtcp_size: f64,
    /// No compound sent yet.
    pub(crate) initial: bool,
    /// Leaving: the next compound is the BYE (§6.3.7).
    pub(crate) leaving: bool,
    /// Members counted since the BYE was scheduled (only the BYEs received).
    pub(crate) bye_members: u32,
    /// The RTP/AVPF profile (RFC 4585 §3.4): no minimum interval after the first compound.
    pub(crate) avpf: bool,
}

impl RtcpTimer {
    /// A timer at the session start `now`: the first compound is scheduled half a
    /// minimum interval out, randomised.
    pub fn new(bandwidth: Bandwidth, now: Instant, unit: f64) -> Self {
        let mut timer = Self {
            bandwidth,
            last_sent: now,
            next: now,
            previous_members: 1,
            avg_rtcp_size: 100.0,
            initial: true,
            leaving: false,
            bye_members: 1,
            avpf: false,
        };
        let inputs = timer.inputs(1, 0, false);
        timer.next = now + timer.interval(&inputs, unit).unwrap_or(NO_RTCP_RECHECK);
        timer
    }

    /// The interval inputs of the current state with this membership.
    fn inputs(&self, members: u32, senders: u32, we_sent: bool) -> IntervalInputs {
        IntervalInputs {
            members,
            senders,
            we_sent,
            avg_rtcp_size: self.avg_rtcp_size,
            initial: self.initial,
        }
    }

    /// The randomised interval for `inputs`, or `None` without RTCP bandwidth.
    pub fn interval(&self, inputs: &IntervalInputs, unit: f64) -> Option<Duration> {
        deterministic_with(&self.bandwidth, inputs, self.avpf)
            .map(|td| randomised_interval(td, unit))
    }

    /// The deterministic interval for the current state.
    pub fn deterministic(&self, members: u32, senders: u32, we_sent: bool) -> Option<Duration> {
        let inputs = self.inputs(members, senders, we_sent);
        deterministic_with(&self.bandwidth, &inputs, self.avpf)
    }

    /// Switches to the RTP/AVPF timing of RFC 4585 §3.4 (1 s minimum before the first
    /// compound, none after): the first compound is rescheduled from `now` with it.
    pub fn set_avpf(&mut self, now: Instant, unit: f64) {
        if self.avpf {
            return;
        }
        self.avpf = true;
        if self.initial {
            let inputs = self.inputs(self.previous_members, 0, false);
            self.next = now + self.interval(&inputs, unit).unwrap_or(NO_RTCP_RECHECK);
        }
    }

    /// When the last regular compound went (tp).
    pub fn last_sent(&self) -> Instant {
        self.last_sent
    }

    /// An early feedback packet went (RFC 4585 §3.5.2 step 5): the next regular compound
    /// is skipped once, `tn = tp + 2·T_rr` and `tp` becomes the old `tn`.
    pub fn on_early_sent(&mut self) {
        let t_rr = self.next.saturating_duration_since(self.last_sent);
        let previous = self.next;
        self.next = self.last_sent + t_rr * 2;
        self.last_sent = previous;
    }

    /// When the next compound is due.
    pub fn next(&self) -> Instant {
        self.next
    }

    /// Timer reconsideration at expiry (RFC 3550 §6.3.6, A.7 `OnExpire`): true when a
    /// compound is to be sent now; otherwise `next` moved later.
    pub fn on_expire(
        &mut self,
        now: Instant,
        members: u32,
        senders: u32,
        we_sent: bool,
        unit: f64,
    ) -> bool {
        let (members, senders, we_sent) = if self.leaving {
            (self.bye_members, 0, false)
        } else {
            (members, senders, we_sent)
        };
        let inputs = self.inputs(members, senders, we_sent);
        let Some(t) = self.interval(&inputs, unit) else {
            self.next = now + NO_RTCP_RECHECK;
            return false;
        };
        let candidate = self.last_sent + t;
        if candidate <= now {
            true
        } else {
            self.next = candidate;
            false
        }
    }

    /// Records a compound of `size` octets (without lower-layer headers) sent at `now`
    /// and schedules the next (A.7: tp = tc, new tn, pmembers = members). A size of 0
    /// means nothing could be sent (no keys or no peer yet): the schedule moves on, but the
    /// average size and the initial state are kept.
    pub fn on_sent(
        &mut self,
        now: Instant,
        size: usize,
        members: u32,
        senders: u32,
        we_sent: bool,
        unit: f64,
    ) {
        if size > 0 {
            self.on_rtcp_size(size);
            self.initial = false;
        }
        self.last_sent = now;
        self.previous_members = members;
        let inputs = self.inputs(members, senders, we_sent);
        self.next = now + self.interval(&inputs, unit).unwrap_or(NO_RTCP_RECHECK);
    }

    /// Updates the average compound size with a compound sent or received (A.7:
    /// 1/16 of the new size plus 15/16 of the average).
    pub fn on_rtcp_size(&mut self, size: usize) {
        let size = (size + LOWER_LAYER_OVERHEAD) as f64;
        self.avg_rtcp_size = size / 16.0 + self.avg_rtcp_size * 15.0 / 16.0;
    }

    /// Reverse reconsideration (RFC 3550 §6.3.4) when membership fell to `members`:
    /// tn and tp move closer to now in proportion.
    pub fn on_members_left(&mut self, now: Instant, members: u32) {
        if self.leaving || members >= self.previous_members || self.previous_members == 0 {
            return;
        }
        let ratio = f64::from(members) / f64::from(self.previous_members);
        let ahead = self.next.saturating_duration_since(now).as_secs_f64() * ratio;
        let behind = now.saturating_duration_since(self.last_sent).as_secs_f64() * ratio;
        self.next = now + Duration::from_secs_f64(ahead);
        self.last_sent = now
            .checked_sub(Duration::from_secs_f64(behind))
            .unwrap_or(self.last_sent);
        self.previous_members = members;
    }

    /// Leaving the session (RFC 3550 §6.3.7): true when the BYE may go immediately (fewer
    /// than 50 members); otherwise the BYE is scheduled by BYE reconsideration, counting
    /// only the BYEs received from now on ([`Self::on_bye_received`]).
    pub fn leave(&mut self, now: Instant, members: u32, bye_size: usize, unit: f64) -> bool {
        self.leaving = true;
        if members < BYE_RECONSIDERATION_MEMBERS {
            return true;
        }
        self.last_sent = now;
        self.bye_members = 1;
        self.previous_members = 1;
        self.initial = true;
        self.avg_rtcp_size = (bye_size + LOWER_LAYER_OVERHEAD) as f64;
        let inputs = self.inputs(1, 0, false);
        self.next = now + self.interval(&inputs, unit).unwrap_or(Duration::ZERO);
        false
    }

    /// A BYE received while leaving counts as a member (RFC 3550 §6.3.7).
    pub fn on_bye_received(&mut self) {
        if self.leaving {
            self.bye_members = self.bye_members.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(members: u32, senders: u32, we_sent: bool, size: f64) -> IntervalInputs {
        IntervalInputs {
            members,
            senders,
            we_sent,
            avg_rtcp_size: size,
            initial: false,
        }
    }

    #[test]
    fn two_party_call_uses_the_five_second_minimum() {
        let bw = Bandwidth::new(64_000);
        // 5 % of 8000 B/s = 400 B/s; a receiver's share 300 B/s; 100 B / 300 B/s < 5 s.
        let td = deterministic_interval(&bw, &inputs(2, 1, false, 100.0)).unwrap();
        assert_eq!(td, Duration::from_secs(5));
        let first = IntervalInputs {
            initial: true,
            ..inputs(1, 0, false, 100.0)
        };
        assert_eq!(
            deterministic_interval(&bw, &first).unwrap(),
            Duration::from_millis(2500)
        );
    }

    #[test]
    fn large_sessions_scale_with_members() {
        let bw = Bandwidth::new(64_000);
        // 1000 receivers, 1 sender: receivers share 300 B/s; 999 × 120 B / 300 B/s.
        let td = deterministic_interval(&bw, &inputs(1000, 1, false, 120.0)).unwrap();
        assert!((td.as_secs_f64() - 399.6).abs() < 1e-9, "{td:?}");
        // The one sender shares 100 B/s alone: 120 B / 100 B/s is below the minimum.
        let td = deterministic_interval(&bw, &inputs(1000, 1, true, 120.0)).unwrap();
        assert_eq!(td, Duration::from_secs(5));
    }

    #[test]
    fn rs_and_rr_replace_the_five_percent_rule() {
        let bw = Bandwidth {
            rtcp_senders_bps: Some(800),
            rtcp_receivers_bps: Some(0),
            ..Bandwidth::new(64_000)
        };
        assert_eq!(
            deterministic_interval(&bw, &inputs(2, 1, false, 100.0)),
            None
        );
        let td = deterministic_interval(&bw, &inputs(10, 1, true, 200.0)).unwrap();
        assert_eq!(td, Duration::from_secs(5)); // 200 B / 100 B/s = 2 s < 5 s
        let td = deterministic_interval(&bw, &inputs(10, 2, true, 500.0)).unwrap();
        assert_eq!(td, Duration::from_secs(10)); // 500 B × 2 / 100 B/s
    }

    #[test]
    fn reduced_minimum_is_360_over_kbps() {
        let bw = Bandwidth {
            reduced_minimum: true,
            ..Bandwidth::new(1_000_000)
        };
        let td = deterministic_interval(&bw, &inputs(2, 1, true, 100.0)).unwrap();
        assert_eq!(td, Duration::from_millis(360));
    }

    #[test]
    fn randomisation_spans_half_to_one_and_a_half_over_compensation() {
        let td = Duration::from_secs(5);
        let lo = randomised_interval(td, 0.0).as_secs_f64();
        let hi = randomised_interval(td, 0.999_999).as_secs_f64();
        assert!((lo - 2.5 / COMPENSATION).abs() < 1e-9);
        assert!((hi - 7.5 / COMPENSATION).abs() < 1e-4);
    }

    #[test]
    fn reconsideration_defers_when_members_grew() {
        let t0 = Instant::now();
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        let due = timer.next();
        // Many members joined: the recomputed interval is past `due`, so no send.
        assert!(!timer.on_expire(due, 500, 1, false, 0.5));
        assert!(timer.next() > due);
        // With the membership we started with, it is sent.
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        assert!(timer.on_expire(timer.next(), 1, 0, false, 0.5));
    }

    #[test]
    fn nothing_sent_keeps_the_initial_state() {
        let t0 = Instant::now();
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        timer.on_sent(t0, 0, 1, 0, false, 0.5);
        assert!(timer.initial);
        assert_eq!(timer.avg_rtcp_size, 100.0);
        // Halved minimum 2.5 s at the middle of the randomisation: 2.5 / (e - 3/2).
        let next = (timer.next() - t0).as_secs_f64();
        assert!((next - 2.5 / COMPENSATION).abs() < 1e-6, "{next}");
        timer.on_sent(t0, 72, 1, 0, false, 0.5);
        assert!(!timer.initial);
        assert_eq!(timer.avg_rtcp_size, 100.0 * 15.0 / 16.0 + 100.0 / 16.0);
    }

    #[test]
    fn reverse_reconsideration_pulls_the_timer_in() {
        let t0 = Instant::now();
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        timer.on_sent(t0, 100, 10, 1, false, 0.5);
        let before = timer.next() - t0;
        timer.on_members_left(t0, 5);
        let after = timer.next() - t0;
        assert!((after.as_secs_f64() - before.as_secs_f64() / 2.0).abs() < 1e-6);
    }

    #[test]
    fn avpf_has_a_one_second_initial_minimum_and_none_after() {
        let bw = Bandwidth::new(1_000_000);
        // 5 % of 125 000 B/s = 6250 B/s; one sender of two members is more than a
        // quarter, so both share it: 2 × 128 B / 6250 B/s = 40.96 ms.
        let regular = inputs(2, 1, false, 128.0);
        let td = deterministic_with(&bw, &regular, true).unwrap();
        assert_eq!(td, Duration::from_secs_f64(2.0 * 128.0 / 6250.0));
        assert_eq!(
            deterministic_with(&bw, &regular, false).unwrap(),
            Duration::from_secs(5)
        );
        let first = IntervalInputs {
            initial: true,
            ..regular
        };
        assert_eq!(
            deterministic_with(&bw, &first, true).unwrap(),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn an_early_packet_skips_one_regular_interval() {
        let t0 = Instant::now();
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        timer.on_sent(t0, 100, 2, 1, false, 0.5);
        let (tp, tn) = (timer.last_sent, timer.next);
        timer.on_early_sent();
        assert_eq!(timer.next, tp + (tn - tp) * 2);
        assert_eq!(timer.last_sent, tn);
    }

    #[test]
    fn bye_is_immediate_below_fifty_members_and_reconsidered_above() {
        let t0 = Instant::now();
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        assert!(timer.leave(t0, 10, 40, 0.5));
        let mut timer = RtcpTimer::new(Bandwidth::new(64_000), t0, 0.5);
        assert!(!timer.leave(t0, 200, 40, 0.5));
        assert!(timer.next() > t0);
        assert!(timer.on_expire(timer.next(), 200, 50, true, 0.5));
    }
}
