//! RFC 4585 §3 feedback timing, on top of the RFC 3550 timer (`timing.rs`).
//!
//! - **Modes** (§3.3). *Immediate*: a point-to-point session (two members), where every
//!   event may be reported at once: `T_dither_max` is 0. *Early RTCP*: more members, so a
//!   feedback packet waits a random part of `T_dither_max = ½·T_rr` (§3.4 with l = 0.5).
//!   *Regular*: no early packet is allowed now (`allow_early` is false, or the dithered
//!   time falls after the next regular compound), so feedback rides in the next regular
//!   compound.
//! - **allow_early** (§3.5.2): after an early packet none other is sent before the next
//!   regular compound is due, and that regular compound is skipped once (`tn = tp +
//!   2·T_rr`, `RtcpTimer::on_early_sent`). Reaching `tn` sets it again, whether the
//!   regular compound went or was suppressed. This is what keeps early feedback within
//!   the RTCP bandwidth: at most one early packet per regular interval.
//! - **trr-int** (§3.5.3): with `T_rr_interval` > 0 a regular compound is suppressed
//!   (not sent, the schedule moves on) unless `T_rr_current_interval` (uniform in
//!   [0.5, 1.5]·`T_rr_interval`) has passed since the last one that went.
//! - **Tmin** (§3.4): 1 s before the first compound, none after (`RtcpTimer::set_avpf`).
//!
//! The decision is taken in the service call that finds the feedback (a packet in, a
//! timeout, a keyframe request): in immediate mode the packet goes out in that same call.

use std::time::{Duration, Instant};

/// The RFC 4585 §3.3 mode the session is in for the feedback it has now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Send now.
    Immediate,
    /// Send at this (dithered) instant.
    Early(Instant),
    /// Wait for the next regular compound.
    Regular,
}

/// The AVPF state of §3.5.
#[derive(Debug, Clone)]
pub(crate) struct Avpf {
    allow_early: bool,
    /// `T_rr_interval`; zero for none.
    trr_interval: Duration,
    /// When the last regular compound was sent (`T_rr_last`), and the randomised interval
    /// to wait after it (`T_rr_current_interval`).
    trr_last: Option<Instant>,
    trr_current: Duration,
    /// An early packet scheduled by dithering.
    early_at: Option<Instant>,
}

impl Avpf {
    pub(crate) fn new(trr_interval: Duration) -> Self {
        Self {
            allow_early: true,
            trr_interval,
            trr_last: None,
            trr_current: Duration::ZERO,
            early_at: None,
        }
    }

    /// The mode for feedback found at `now`: `members` in the session, the regular
    /// interval `t_rr` and the next regular compound `tn`; `unit` is uniform in [0, 1).
    pub(crate) fn decide(
        &mut self,
        now: Instant,
        members: u32,
        t_rr: Duration,
        tn: Instant,
        unit: f64,
    ) -> Mode {
        if let Some(at) = self.early_at {
            return Mode::Early(at);
        }
        if !self.allow_early {
            return Mode::Regular;
        }
        let dither = if members <= 2 {
            Duration::ZERO
        } else {
            t_rr.mul_f64(0.5 * unit)
        };
        let te = now + dither;
        if te > tn {
            return Mode::Regular;
        }
        if dither.is_zero() {
            Mode::Immediate
        } else {
            self.early_at = Some(te);
            Mode::Early(te)
        }
    }

    /// An early packet is scheduled for this instant.
    pub(crate) fn early_deadline(&self) -> Option<Instant> {
        self.early_at
    }

    /// An early packet went: none other until the next regular compound is due.
    pub(crate) fn on_early_sent(&mut self) {
        self.allow_early = false;
        self.early_at = None;
    }

    /// The regular compound is due at `now` (`tn` reached): true when it is to be sent,
    /// false when `trr-int` suppresses it. `unit` is uniform in [0, 1).
    pub(crate) fn on_regular(&mut self, now: Instant, unit: f64) -> bool {
        self.allow_early = true;
        if self.trr_interval.is_zero() {
            return true;
        }
        if let Some(last) = self.trr_last
            && now < last + self.trr_current
        {
            return false;
        }
        self.trr_last = Some(now);
        self.trr_current = self.trr_interval.mul_f64(0.5 + unit);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_to_point_is_immediate_once_per_regular_interval() {
        let t0 = Instant::now();
        let mut avpf = Avpf::new(Duration::ZERO);
        let (t_rr, tn) = (Duration::from_millis(40), t0 + Duration::from_millis(30));
        assert_eq!(avpf.decide(t0, 2, t_rr, tn, 0.9), Mode::Immediate);
        avpf.on_early_sent();
        // allow_early is false until tn: regular mode.
        let t1 = t0 + Duration::from_millis(5);
        assert_eq!(avpf.decide(t1, 2, t_rr, tn, 0.9), Mode::Regular);
        assert!(avpf.on_regular(tn, 0.5));
        assert_eq!(avpf.decide(tn, 2, t_rr, tn + t_rr, 0.9), Mode::Immediate);
    }

    #[test]
    fn groups_dither_and_fall_back_to_regular_past_tn() {
        let t0 = Instant::now();
        let mut avpf = Avpf::new(Duration::ZERO);
        let t_rr = Duration::from_millis(100);
        // te = t0 + 0.5 × 0.5 × 100 ms = t0 + 25 ms ≤ tn.
        let tn = t0 + Duration::from_millis(60);
        let te = t0 + Duration::from_millis(25);
        assert_eq!(avpf.decide(t0, 5, t_rr, tn, 0.5), Mode::Early(te));
        assert_eq!(avpf.early_deadline(), Some(te));
        // Found again before te: the same early packet.
        assert_eq!(avpf.decide(t0, 5, t_rr, tn, 0.1), Mode::Early(te));
        avpf.on_early_sent();
        let mut avpf = Avpf::new(Duration::ZERO);
        let tn = t0 + Duration::from_millis(10);
        assert_eq!(avpf.decide(t0, 5, t_rr, tn, 0.5), Mode::Regular);
    }

    #[test]
    fn trr_int_suppresses_regular_compounds_within_the_randomised_interval() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut avpf = Avpf::new(ms(1000));
        assert!(avpf.on_regular(t0, 0.5)); // the first goes; next after 1000 ms
        assert!(!avpf.on_regular(t0 + ms(300), 0.5));
        assert!(!avpf.on_regular(t0 + ms(999), 0.5));
        // Suppression still re-allows early feedback.
        assert_eq!(
            avpf.decide(t0 + ms(999), 2, ms(300), t0 + ms(1300), 0.5),
            Mode::Immediate
        );
        assert!(avpf.on_regular(t0 + ms(1000), 0.0)); // next after 500 ms
        assert!(!avpf.on_regular(t0 + ms(1499), 0.0));
        assert!(avpf.on_regular(t0 + ms(1500), 0.0));
    }
}
