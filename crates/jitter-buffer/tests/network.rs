//! The buffer over simulated networks: every jitter profile of the issue, burst loss,
//! reordering, duplication, clock drift and DTX, each with measured bounds.

mod common;

use common::{Scenario, Speech, run};
use netsim::{Jitter, LinkConfig, Loss, Reorder, Spikes};
use std::time::Duration;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn profiles() -> Vec<(&'static str, LinkConfig)> {
    let gaussian = |base, sigma| LinkConfig {
        base_delay: ms(base),
        jitter: Jitter::Gaussian { sigma: ms(sigma) },
        ..LinkConfig::default()
    };
    vec![
        ("gaussian 5 ms", gaussian(40, 5)),
        ("gaussian 20 ms", gaussian(100, 20)),
        ("gaussian 50 ms", gaussian(250, 50)),
        (
            "bursty",
            LinkConfig {
                base_delay: ms(60),
                jitter: Jitter::Bursty {
                    calm: ms(3),
                    burst: ms(40),
                    enter: 0.005,
                    leave: 0.05,
                },
                ..LinkConfig::default()
            },
        ),
        (
            "pareto tail",
            LinkConfig {
                base_delay: ms(40),
                jitter: Jitter::Pareto {
                    scale: ms(5),
                    shape: 2.0,
                    cap: ms(400),
                },
                ..LinkConfig::default()
            },
        ),
        (
            "300 ms spikes",
            LinkConfig {
                base_delay: ms(50),
                jitter: Jitter::Gaussian { sigma: ms(5) },
                spikes: Some(Spikes {
                    mean_interval: Duration::from_secs(120),
                    height: ms(300),
                }),
                ..LinkConfig::default()
            },
        ),
    ]
}

/// The bound: late-loss under 1 % and a mean buffer delay (W3C `jitterBufferDelay /
/// jitterBufferEmittedCount`) at most 1.5 × the 99th percentile of the packet delay
/// variation (RFC 5481 §4.2 PDV: delay minus the minimum delay), over ten minutes of
/// speech with talkspurts. The table also shows the 99th percentile of delay minus the mean
/// delay, a stricter reference.
#[test]
fn adaptive_delay_on_every_jitter_profile() {
    eprintln!();
    eprintln!(
        "{:<16} {:>9} {:>10} {:>9} {:>7} {:>13} {:>9}",
        "profile", "late-loss", "mean delay", "PDV p99", "ratio", "p99 - mean", "packets"
    );
    let mut failures = Vec::new();
    for (name, link) in profiles() {
        let out = run(&Scenario::new(link, 7, Duration::from_secs(600)));
        let late = out.late_rate();
        let mean = out.mean_buffer_delay();
        let p99 = out.pdv_percentile(0.99);
        eprintln!(
            "{name:<16} {:>8.3}% {:>8.1}ms {:>7.1}ms {:>7.2} {:>11.1}ms {:>9}",
            late * 100.0,
            mean * 1e3,
            p99 * 1e3,
            mean / p99,
            out.delay_percentile_above_mean(0.99) * 1e3,
            out.delivered_unique
        );
        if late >= 0.01 {
            failures.push(format!("{name}: late-loss {:.3}% >= 1%", late * 100.0));
        }
        if mean > 1.5 * p99 {
            failures.push(format!(
                "{name}: mean delay {:.1} ms > 1.5 x p99 {:.1} ms",
                mean * 1e3,
                p99 * 1e3
            ));
        }
        assert_eq!(
            out.metrics.packets_lost, 0,
            "{name}: nothing is lost on this link"
        );
        if name == "gaussian 50 ms" {
            // The 120 ms start is far too short for σ = 50 ms: the delay grows after the
            // first concealments instead of waiting for the talkspurt to end.
            assert!(
                out.metrics.inserted_samples_for_deceleration > 0,
                "{name}: the delay never grew mid-talkspurt"
            );
        }
        assert_eq!(
            out.metrics.packets_played + out.metrics.packets_late,
            out.sent,
            "{name}: every packet is played or late"
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The same bounds for four more seeds on the profiles the issue names (Gaussian 5/20/50 ms,
/// bursty, 300 ms spikes); the extra Pareto profile is printed, not asserted, here.
#[test]
fn adaptive_bounds_hold_for_other_seeds() {
    let mut failures = Vec::new();
    for seed in 1..=4u64 {
        let mut line = format!("seed {seed}:");
        for (name, link) in profiles() {
            let out = run(&Scenario::new(link, seed, Duration::from_secs(600)));
            let (late, ratio) = (
                out.late_rate(),
                out.mean_buffer_delay() / out.pdv_percentile(0.99),
            );
            line += &format!(" {name} {:.2}%/{ratio:.2}", late * 100.0);
            if name != "pareto tail" && (late >= 0.01 || ratio > 1.5) {
                failures.push(format!(
                    "seed {seed} {name}: late {:.3}%, ratio {ratio:.2}",
                    late * 100.0
                ));
            }
        }
        eprintln!("{line}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn strictly_increasing(seqs: &[u16]) -> bool {
    seqs.windows(2).all(|w| w[1].wrapping_sub(w[0]) as i16 > 0)
}

#[test]
fn burst_loss_is_concealed_packet_for_packet() {
    let link = LinkConfig {
        base_delay: ms(40),
        jitter: Jitter::Gaussian { sigma: ms(5) },
        loss: Loss::GilbertElliott {
            good_to_bad: 0.02,
            bad_to_good: 0.3,
            loss_in_good: 0.0,
            loss_in_bad: 0.7,
        },
        ..LinkConfig::default()
    };
    let out = run(&Scenario::new(link, 3, Duration::from_secs(600)));
    let m = out.metrics;
    eprintln!(
        "burst loss: network lost {}, buffer lost {}, late {}, events {}",
        out.link_lost, m.packets_lost, m.packets_late, m.concealment_events
    );
    assert!(
        out.link_lost > 500,
        "the model lost {} packets",
        out.link_lost
    );
    // Every network loss is concealed except losses at the very end (nothing after them).
    assert!(
        m.packets_lost <= out.link_lost && m.packets_lost + 3 >= out.link_lost,
        "lost {}",
        m.packets_lost
    );
    assert_eq!(m.packets_played + m.packets_lost + m.packets_late, out.sent);
    assert_eq!(m.concealed_samples, 160 * (m.packets_lost + m.packets_late));
    // Bursts: fewer concealment events than concealed packets.
    assert!(
        m.concealment_events < m.packets_lost,
        "events {}",
        m.concealment_events
    );
    assert!(out.late_rate() < 0.01, "late {}", out.late_rate());
    assert!(strictly_increasing(&out.released));
}

#[test]
fn reordering_depth_ten_loses_nothing() {
    let link = LinkConfig {
        base_delay: ms(30),
        jitter: Jitter::Gaussian { sigma: ms(2) },
        reorder: Some(Reorder {
            probability: 0.02,
            depth: 10,
        }),
        ..LinkConfig::default()
    };
    let out = run(&Scenario::new(link, 5, Duration::from_secs(600)));
    let m = out.metrics;
    eprintln!(
        "reorder depth 10: late {} of {}, mean delay {:.1} ms",
        m.packets_late,
        out.sent,
        out.mean_buffer_delay() * 1e3
    );
    assert_eq!(m.packets_lost, 0);
    assert_eq!(m.packets_played + m.packets_late, out.sent);
    assert!(out.late_rate() < 0.01, "late {}", out.late_rate());
    assert!(strictly_increasing(&out.released), "released out of order");
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let link = LinkConfig {
        base_delay: ms(40),
        jitter: Jitter::Gaussian { sigma: ms(10) },
        duplicate: 0.05,
        ..LinkConfig::default()
    };
    let out = run(&Scenario::new(link, 9, Duration::from_secs(300)));
    assert!(out.link_duplicated > 300);
    assert_eq!(out.metrics.packets_duplicated, out.link_duplicated);
    assert_eq!(out.metrics.packets_received, out.sent + out.link_duplicated);
    assert!(
        strictly_increasing(&out.released),
        "a duplicate was released"
    );
    assert_eq!(
        out.metrics.packets_played + out.metrics.packets_late,
        out.sent
    );
}

/// An hour of continuous audio from a sender whose clock is 0.5 % fast or slow. Without
/// compensation the buffer would gain or lose 18 s; here the playout delay must stay
/// within 15 ms of where it started and nothing may starve.
///
/// Once with time-stretching off, as before it existed: the delay stays at its 120 ms
/// start and the buffer never runs dry. And once with it on (the default): continuous audio
/// then settles near its σ = 5 ms target within the first minute, so the buffer is
/// sometimes momentarily empty between packets (no level bound), and the drift must still
/// be followed by the playout rate, not by stretching: what stretching removed and added
/// over the hour balances to well under a second, where the drift is 18 s.
#[test]
fn half_a_percent_drift_for_an_hour() {
    for (ppm, stretch) in [
        (5000.0, false),
        (-5000.0, false),
        (5000.0, true),
        (-5000.0, true),
    ] {
        let link = LinkConfig {
            base_delay: ms(40),
            jitter: Jitter::Gaussian { sigma: ms(5) },
            ..LinkConfig::default()
        };
        let mut sc = Scenario::new(link, 11, Duration::from_secs(3600));
        sc.speech = Speech::Continuous;
        sc.drift_ppm = ppm;
        sc.config.time_stretch = stretch;
        sc.sample_every = Some(Duration::from_secs(60));
        let out = run(&sc);
        let m = out.metrics;
        let delays: Vec<f64> = out
            .samples
            .iter()
            .skip(2)
            .map(|s| s.1.as_secs_f64())
            .collect();
        let levels: Vec<f64> = out
            .samples
            .iter()
            .skip(2)
            .map(|s| s.0.as_secs_f64())
            .collect();
        let range = |v: &[f64]| {
            let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (dlo, dhi) = range(&delays);
        let (llo, lhi) = range(&levels);
        // Net samples stretching took out (positive) or put in, in seconds at 8 kHz.
        let net = (m.removed_samples_for_acceleration as f64
            - m.inserted_samples_for_deceleration as f64)
            / 8000.0;
        eprintln!(
            "drift {ppm:+} ppm, stretch {stretch}: estimated {:+.0} ppm, playout delay {:.1}..{:.1} ms, buffer level {:.0}..{:.0} ms, late {:.3}%, lost {}, stretched {}/{} frames (net {net:+.3} s)",
            out.drift_estimate_ppm,
            dlo * 1e3,
            dhi * 1e3,
            llo * 1e3,
            lhi * 1e3,
            out.late_rate() * 100.0,
            m.packets_lost,
            m.frames_shortened,
            m.frames_lengthened,
        );
        assert!(
            (out.drift_estimate_ppm - ppm).abs() < 100.0,
            "drift estimate {}",
            out.drift_estimate_ppm
        );
        assert!(
            dhi - dlo < 0.015,
            "playout delay wandered {:.1} ms",
            (dhi - dlo) * 1e3
        );
        if stretch {
            assert!(lhi < 0.2, "buffer level up to {lhi}");
            assert!(net.abs() < 0.5, "stretching compensated {net} s");
        } else {
            assert!(lhi < 0.2 && llo > 0.0, "buffer level {llo}..{lhi}");
            assert_eq!(m.frames_shortened + m.frames_lengthened, 0);
        }
        assert!(out.late_rate() < 0.01);
        assert_eq!(m.packets_lost, 0);
        assert_eq!(m.packets_played + m.packets_late, out.sent);
    }
}

/// Talkspurts with silence between them (DTX): silence is not loss, and the delay changes
/// only where a talkspurt starts.
#[test]
fn dtx_talkspurts_adapt_only_at_their_starts() {
    let link = LinkConfig {
        base_delay: ms(30),
        jitter: Jitter::Gaussian { sigma: ms(2) },
        ..LinkConfig::default()
    };
    let out = run(&Scenario::new(link, 13, Duration::from_secs(300)));
    let m = out.metrics;
    assert_eq!(
        (
            m.packets_lost,
            m.packets_late,
            m.concealment_events,
            m.inserted_samples_for_deceleration
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(m.packets_played, out.sent);
    // Within a talkspurt the latency holds (drift correction only: < 2 ms).
    let mut spurts: std::collections::BTreeMap<u32, (f64, f64)> = Default::default();
    for &(sp, lat) in &out.frame_latency {
        let e = spurts
            .entry(sp)
            .or_insert((f64::INFINITY, f64::NEG_INFINITY));
        e.0 = e.0.min(lat);
        e.1 = e.1.max(lat);
    }
    assert!(spurts.len() > 50, "{} talkspurts", spurts.len());
    for (sp, (lo, hi)) in &spurts {
        assert!(
            hi - lo < 0.002,
            "talkspurt {sp}: latency moved {:.2} ms inside it",
            (hi - lo) * 1e3
        );
    }
    // Across talkspurts it adapted: from the 120 ms initial target down near the floor.
    let first = spurts.values().next().map(|s| s.0).unwrap_or(0.0);
    let last = spurts.values().last().map(|s| s.0).unwrap_or(1.0);
    eprintln!(
        "dtx: first talkspurt latency {:.1} ms, last {:.1} ms",
        first * 1e3,
        last * 1e3
    );
    assert!(first > 0.140, "first talkspurt latency {first}");
    assert!(last < 0.070, "last talkspurt latency {last}");
}
