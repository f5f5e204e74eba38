//! Continuous audio follows the network down (and up) by time-stretching single frames.
//!
//! The test: 20 ms G.711 frames with no marker bit after the first and no silence,
//! over a link whose jitter falls from σ = 50 ms to σ = 5 ms (same mean delay). The delay
//! the buffer adds must come within 30 % of what talkspurt audio settles to at σ = 5 ms
//! within 20 s of the change, with late loss under 1 %. Frames shortened to get there are
//! played (shorter), never counted as lost or late.
//!
//! "Delay" here is measured from outside the buffer, so that every row is judged by the
//! same ruler: each played frame's playout time minus its send time, minus the smallest
//! one-way delay of the packets sent in the sixteen seconds before it (and after the
//! network changed, if it did). That is the delay the buffer adds above the fastest recent
//! packet, which is what its target is, measured against what the network really did; the
//! buffer's own [`playout_delay`](jitter_buffer::JitterBuffer::playout_delay) says the
//! same in a steady state, but measures from its own estimate of the fastest arrival,
//! which needs those sixteen seconds to forget a faster past (the table shows when it
//! agrees too).

mod common;

use common::{Outcome, Payload, Scenario, Speech, run};
use jitter_buffer::TimeStretch;
use netsim::{Jitter, LinkConfig};
use std::time::Duration;

/// When the network changes.
const SWITCH: f64 = 30.0;
/// How long each run lasts.
const LENGTH: f64 = 100.0;
/// The last seconds of a run, over which its settled delay is averaged.
const SETTLED_OVER: f64 = 30.0;
/// "Within 30 % of the talkspurt figure."
const TOLERANCE: f64 = 0.30;

fn link(sigma_ms: u64) -> LinkConfig {
    LinkConfig {
        base_delay: Duration::from_millis(250),
        jitter: Jitter::Gaussian {
            sigma: Duration::from_millis(sigma_ms),
        },
        ..LinkConfig::default()
    }
}

fn scenario(speech: Speech, sigma: (u64, Option<u64>), seed: u64) -> Scenario {
    let mut sc = Scenario::new(link(sigma.0), seed, Duration::from_secs_f64(LENGTH));
    sc.speech = speech;
    sc.payload = Payload::Speech;
    sc.switch = sigma
        .1
        .map(|after| (Duration::from_secs_f64(SWITCH), link(after)));
    sc
}

fn talkspurts() -> Speech {
    Speech::Talkspurts {
        talk: Duration::from_millis(1500),
        silence: Duration::from_millis(1000),
    }
}

/// A run's delays, by the ruler of the module documentation.
struct Delays {
    /// (send time, added delay) of every played frame, seconds.
    frames: Vec<(f64, f64)>,
    /// When the phase being judged starts (the switch, or zero).
    from: f64,
}

impl Delays {
    fn of(out: &Outcome, switch: Option<f64>) -> Self {
        let mut arrivals = out.arrivals.clone();
        arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let from = switch.unwrap_or(0.0);
        let frames = out
            .played
            .iter()
            .map(|&(sent, latency, _)| {
                let phase = if sent < from { 0.0 } else { from };
                let lo = arrivals.partition_point(|a| a.0 < phase.max(sent - 16.0));
                let hi = arrivals.partition_point(|a| a.0 <= sent);
                let floor = arrivals[lo..hi]
                    .iter()
                    .map(|a| a.1)
                    .fold(f64::INFINITY, f64::min);
                (sent, latency - floor)
            })
            .collect();
        Self { frames, from }
    }

    /// Mean added delay of the frames sent in the last `SETTLED_OVER` seconds.
    fn settled(&self) -> f64 {
        let tail: Vec<f64> = self
            .frames
            .iter()
            .filter(|(sent, _)| *sent >= LENGTH - SETTLED_OVER)
            .map(|&(_, d)| d)
            .collect();
        tail.iter().sum::<f64>() / tail.len().max(1) as f64
    }

    /// Seconds from the start of the phase until the mean added delay of every following
    /// second of sends stays within `TOLERANCE` of `reference` (`None`: never).
    fn converged(&self, reference: f64) -> Option<f64> {
        let seconds = (LENGTH - self.from).ceil() as usize;
        let mut sums = vec![(0.0, 0u32); seconds];
        for &(sent, d) in self.frames.iter().filter(|(sent, _)| *sent >= self.from) {
            if let Some(bin) = sums.get_mut((sent - self.from) as usize) {
                bin.0 += d;
                bin.1 += 1;
            }
        }
        let within = |&(sum, n): &(f64, u32)| {
            n == 0 || ((sum / f64::from(n)) - reference).abs() <= TOLERANCE * reference
        };
        // The first second from which every second is within.
        let mut first = None;
        for (i, bin) in sums.iter().enumerate() {
            if within(bin) {
                first.get_or_insert(i);
            } else {
                first = None;
            }
        }
        first.map(|i| i as f64)
    }
}

/// Late packets after the switch (or over the run) as a share of the packets delivered
/// then.
fn late_after_switch(out: &Outcome) -> f64 {
    let before = out.metrics_at_switch.unwrap_or_default();
    let late = out.metrics.packets_late - before.packets_late;
    let delivered = out.delivered_unique - out.delivered_before_switch;
    late as f64 / delivered.max(1) as f64
}

struct Row {
    name: &'static str,
    sigma: &'static str,
    settled: f64,
    converge: Option<f64>,
    late: f64,
    shortened: u64,
    lengthened: u64,
    removed_ms: f64,
    quiet_share: Option<f64>,
}

fn row(
    name: &'static str,
    sigma: &'static str,
    out: &Outcome,
    switch: Option<f64>,
    reference: f64,
) -> Row {
    let delays = Delays::of(out, switch);
    let m = out.metrics;
    // How many of the stretched frames were quieter than the median frame.
    let mut all: Vec<u32> = out.levels.iter().map(|l| l.0).collect();
    all.sort_unstable();
    let median = all.get(all.len() / 2).copied().unwrap_or(0);
    let stretched: Vec<u32> = out.levels.iter().filter(|l| l.1).map(|l| l.0).collect();
    let quiet = stretched.iter().filter(|&&l| l < median).count();
    Row {
        name,
        sigma,
        settled: delays.settled(),
        converge: delays.converged(reference),
        late: late_after_switch(out),
        shortened: m.frames_shortened,
        lengthened: m.frames_lengthened,
        removed_ms: m.removed_samples_for_acceleration as f64 / 8.0,
        quiet_share: (!stretched.is_empty()).then(|| quiet as f64 / stretched.len() as f64),
    }
}

fn print(rows: &[Row], reference: f64) {
    eprintln!();
    eprintln!(
        "talkspurt figure at σ 5 ms: {:.1} ms; within 30 %: {:.1}..{:.1} ms",
        reference * 1e3,
        reference * (1.0 - TOLERANCE) * 1e3,
        reference * (1.0 + TOLERANCE) * 1e3
    );
    eprintln!(
        "settled: mean over the last {SETTLED_OVER} s; converged: seconds after the change (or the start) until every following second is within 30 % of the figure (of the σ 50 ms talkspurt figure for the last row); late: after the change (or over the run); quiet: stretched frames quieter than the median frame"
    );
    eprintln!(
        "{:<34} {:>10} {:>9} {:>10} {:>9} {:>10} {:>10} {:>8}",
        "run", "σ", "settled", "converged", "late", "shortened", "lengthened", "quiet"
    );
    for r in rows {
        eprintln!(
            "{:<34} {:>10} {:>7.1}ms {:>10} {:>8.2}% {:>10} {:>10} {:>8}",
            r.name,
            r.sigma,
            r.settled * 1e3,
            r.converge.map_or("never".into(), |s| format!("{s:.0} s")),
            r.late * 100.0,
            format!("{} ({:.0} ms)", r.shortened, r.removed_ms),
            r.lengthened,
            r.quiet_share
                .map_or("-".into(), |q| format!("{:.0}%", q * 100.0)),
        );
    }
}

/// The figures, for seed 7, printed as a table and asserted.
#[test]
fn continuous_audio_follows_the_network_down() {
    let seed = 7;
    let reference_run = run(&scenario(talkspurts(), (5, None), seed));
    let reference = Delays::of(&reference_run, None).settled();
    let continuous_5 = run(&scenario(Speech::Continuous, (5, None), seed));
    let talk_down = run(&scenario(talkspurts(), (50, Some(5)), seed));
    let down = run(&scenario(Speech::Continuous, (50, Some(5)), seed));
    let up = run(&scenario(Speech::Continuous, (5, Some(50)), seed));
    let talk_50 = run(&scenario(talkspurts(), (50, None), seed));
    let reference_50 = Delays::of(&talk_50, None).settled();
    let rows = [
        row(
            "talkspurts (the figure)",
            "5",
            &reference_run,
            None,
            reference,
        ),
        row("continuous", "5", &continuous_5, None, reference),
        row(
            "talkspurts, jitter falls",
            "50 → 5",
            &talk_down,
            Some(SWITCH),
            reference,
        ),
        row(
            "continuous, jitter falls",
            "50 → 5",
            &down,
            Some(SWITCH),
            reference,
        ),
        row("talkspurts", "50", &talk_50, None, reference_50),
        row(
            "continuous, jitter rises",
            "5 → 50",
            &up,
            Some(SWITCH),
            reference_50,
        ),
    ];
    print(&rows, reference);

    let r = &rows[3];
    let converge = r
        .converge
        .expect("the delay came within 30 % of the figure");
    assert!(converge <= 20.0, "converged after {converge} s");
    assert!(r.late < 0.01, "late loss {:.2} %", r.late * 100.0);
    assert!(
        (r.settled - reference).abs() <= TOLERANCE * reference,
        "settled at {:.1} ms against {:.1} ms",
        r.settled * 1e3,
        reference * 1e3
    );
    assert!(r.shortened > 0 && r.removed_ms > 100.0, "nothing was shed");
    // Frames shortened are played: they are neither lost nor late. What they carried
    // adds up to the counters.
    let m = down.metrics;
    assert_eq!(m.packets_lost, 0);
    assert_eq!(m.packets_played + m.packets_late, down.sent);
    let shortened: Vec<i64> = down
        .played
        .iter()
        .filter_map(|p| p.2)
        .map(TimeStretch::delta_samples)
        .filter(|&d| d < 0)
        .collect();
    assert_eq!(shortened.len() as u64, m.frames_shortened);
    assert_eq!(
        -shortened.iter().sum::<i64>(),
        m.removed_samples_for_acceleration as i64
    );
    // Continuous audio from the start settles like talkspurt audio.
    let c = &rows[1];
    assert!(
        (c.settled - reference).abs() <= TOLERANCE * reference,
        "continuous σ 5 ms settled at {:.1} ms",
        c.settled * 1e3
    );
    // And follows the network up without waiting for losses to show it.
    let u = &rows[5];
    assert!(u.lengthened > 0, "never lengthened");
    assert!(
        (u.settled - reference_50).abs() <= TOLERANCE * reference_50,
        "σ 5 → 50 ms settled at {:.1} ms against {:.1} ms",
        u.settled * 1e3,
        reference_50 * 1e3
    );
    // On G.711 the changes prefer quiet frames.
    assert!(
        r.quiet_share.is_some_and(|q| q > 0.8),
        "quiet share {:?}",
        r.quiet_share
    );
}

/// The bounds for other seeds (not printed as a table, one line each).
#[test]
fn continuous_bounds_hold_for_other_seeds() {
    let mut failures = Vec::new();
    for seed in 1..=4u64 {
        let reference = Delays::of(&run(&scenario(talkspurts(), (5, None), seed)), None).settled();
        let down = run(&scenario(Speech::Continuous, (50, Some(5)), seed));
        let r = row("", "", &down, Some(SWITCH), reference);
        eprintln!(
            "seed {seed}: figure {:.1} ms, continuous settled {:.1} ms, converged {:?} s, late {:.2}%, shortened {}",
            reference * 1e3,
            r.settled * 1e3,
            r.converge,
            r.late * 100.0,
            r.shortened
        );
        if !r.converge.is_some_and(|c| c <= 20.0) || r.late >= 0.01 {
            failures.push(format!(
                "seed {seed}: converged {:?}, late {:.2}%",
                r.converge,
                r.late * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Time stretching off: continuous audio keeps its delay, as before.
#[test]
fn without_time_stretching_continuous_audio_keeps_its_delay() {
    let mut sc = scenario(Speech::Continuous, (50, Some(5)), 7);
    sc.config.time_stretch = false;
    let out = run(&sc);
    assert_eq!(out.metrics.frames_shortened, 0);
    assert!(out.played.iter().all(|p| p.2.is_none()));
    let settled = Delays::of(&out, Some(SWITCH)).settled();
    assert!(settled > 0.150, "settled at {:.1} ms", settled * 1e3);
}
