//! A one-way link: datagrams go in with [`Link::send`] and come out with [`Link::poll`] at
//! the instant the impairments say they arrive.

use crate::model::{Jitter, JitterState, Loss, LossState, Reorder, Spikes};
use crate::rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// Everything that can go wrong on a link. The default is a perfect link with no delay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkConfig {
    /// Propagation delay every datagram pays.
    pub base_delay: Duration,
    /// Variation around the base delay. A delay below zero is clamped to zero.
    pub jitter: Jitter,
    /// Occasional stalls that drain (see [`Spikes`]).
    pub spikes: Option<Spikes>,
    /// Which datagrams are dropped.
    pub loss: Loss,
    /// Explicit reordering on top of what jitter causes.
    pub reorder: Option<Reorder>,
    /// Probability that a datagram is delivered twice (the copy takes its own delay).
    pub duplicate: f64,
    /// Datagrams longer than this are dropped, as an IP path with this MTU would.
    pub mtu: Option<usize>,
}

/// What a link did with the datagrams it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams handed to [`Link::send`].
    pub sent: u64,
    /// Datagrams returned by [`Link::poll`], copies included.
    pub delivered: u64,
    /// Datagrams dropped by the loss model.
    pub lost: u64,
    /// Datagrams dropped for exceeding the MTU.
    pub oversize: u64,
    /// Extra copies scheduled by the duplication model.
    pub duplicated: u64,
    /// Datagrams held back by the reordering model.
    pub reordered: u64,
}

#[derive(Debug)]
struct Scheduled<T> {
    at: Instant,
    order: u64,
    datagram: T,
}

impl<T> PartialEq for Scheduled<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl<T> Eq for Scheduled<T> {}
impl<T> PartialOrd for Scheduled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Scheduled<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

#[derive(Debug)]
struct Held<T> {
    overtakers_left: usize,
    datagram: T,
}

/// A deterministic one-way link. Sans-IO: it owns no clock; the caller passes `now` to
/// every call, and the same seed with the same calls gives the same deliveries.
///
/// `T` is the datagram type: anything with a length (`Vec<u8>`, `bytes::Bytes`, a test's
/// own wrapper) that can be cloned for duplication.
#[derive(Debug)]
pub struct Link<T> {
    config: LinkConfig,
    rng: Rng,
    loss: LossState,
    jitter: JitterState,
    queue: BinaryHeap<Reverse<Scheduled<T>>>,
    held: Vec<Held<T>>,
    next_spike: Option<Instant>,
    spike_start: Option<Instant>,
    order: u64,
    stats: LinkStats,
}

impl<T: AsRef<[u8]> + Clone> Link<T> {
    /// A link with these impairments, its randomness drawn from `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Self {
            config,
            rng: Rng::new(seed),
            loss: LossState::default(),
            jitter: JitterState::default(),
            queue: BinaryHeap::new(),
            held: Vec::new(),
            next_spike: None,
            spike_start: None,
            order: 0,
            stats: LinkStats::default(),
        }
    }

    /// The impairments this link applies.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Counters of what the link has done so far.
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// Hands `datagram` to the link at `now`. Calls must come with non-decreasing `now`.
    pub fn send(&mut self, now: Instant, datagram: T) {
        self.stats.sent += 1;
        if self
            .config
            .mtu
            .is_some_and(|mtu| datagram.as_ref().len() > mtu)
        {
            self.stats.oversize += 1;
            return;
        }
        if self.loss.lose(&self.config.loss, &mut self.rng) {
            self.stats.lost += 1;
            return;
        }
        let at = now + self.delay(now);
        if self.config.duplicate > 0.0 && self.rng.chance(self.config.duplicate) {
            self.stats.duplicated += 1;
            let copy_at = now + self.delay(now);
            self.schedule(copy_at, datagram.clone());
        }
        // Held datagrams are overtaken by this one and land just after it.
        let mut i = 0;
        while i < self.held.len() {
            self.held[i].overtakers_left -= 1;
            if self.held[i].overtakers_left == 0 {
                let held = self.held.swap_remove(i);
                self.schedule(at + Duration::from_micros(1), held.datagram);
            } else {
                i += 1;
            }
        }
        if let Some(reorder) = self.config.reorder
            && reorder.depth > 0
            && self.rng.chance(reorder.probability)
        {
            self.stats.reordered += 1;
            self.held.push(Held {
                overtakers_left: reorder.depth,
                datagram,
            });
            return;
        }
        self.schedule(at, datagram);
    }

    /// The next datagram whose arrival time is at or before `now`, with that arrival time.
    /// Datagrams come out in arrival order.
    pub fn poll(&mut self, now: Instant) -> Option<(Instant, T)> {
        if self.queue.peek().is_some_and(|Reverse(s)| s.at <= now) {
            let Reverse(s) = self.queue.pop()?;
            self.stats.delivered += 1;
            return Some((s.at, s.datagram));
        }
        None
    }

    /// When the next datagram arrives, if one is in flight (held-back datagrams are not in
    /// flight until enough later ones have been sent).
    pub fn next_delivery(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse(s)| s.at)
    }

    /// Datagrams in flight or held back.
    pub fn in_flight(&self) -> usize {
        self.queue.len() + self.held.len()
    }

    fn schedule(&mut self, at: Instant, datagram: T) {
        self.order += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            order: self.order,
            datagram,
        }));
    }

    fn delay(&mut self, now: Instant) -> Duration {
        let base = self.config.base_delay.as_secs_f64();
        let variation = self.jitter.sample(&self.config.jitter, &mut self.rng);
        let spike = self.spike_extra(now);
        let total = (base + variation).max(0.0) + spike;
        Duration::try_from_secs_f64(total).unwrap_or(Duration::ZERO)
    }

    fn spike_extra(&mut self, now: Instant) -> f64 {
        let Some(spikes) = self.config.spikes else {
            return 0.0;
        };
        let next = match self.next_spike {
            Some(t) => t,
            None => {
                let t = now + self.spike_gap(spikes);
                self.next_spike = Some(t);
                t
            }
        };
        if now >= next {
            self.spike_start = Some(next);
            self.next_spike = Some(next + spikes.height + self.spike_gap(spikes));
        }
        match self.spike_start {
            Some(start) => (spikes.height.as_secs_f64() - (now - start).as_secs_f64()).max(0.0),
            None => 0.0,
        }
    }

    fn spike_gap(&mut self, spikes: Spikes) -> Duration {
        let secs = spikes.mean_interval.as_secs_f64() * self.rng.exponential();
        Duration::try_from_secs_f64(secs).unwrap_or(spikes.mean_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Reorder;

    /// Sends `n` numbered datagrams every 20 ms and returns (seq, send, arrival) triples.
    fn run(config: LinkConfig, seed: u64, n: u32) -> (Vec<(u32, Instant, Instant)>, LinkStats) {
        let start = Instant::now();
        let mut link: Link<Vec<u8>> = Link::new(config, seed);
        let mut out = Vec::new();
        let step = Duration::from_millis(20);
        for i in 0..n {
            let now = start + step * i;
            while let Some((at, d)) = link.poll(now) {
                let seq = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
                out.push((seq, start + step * seq, at));
            }
            link.send(now, i.to_be_bytes().to_vec());
        }
        let end = start + step * n + Duration::from_secs(10);
        while let Some((at, d)) = link.poll(end) {
            let seq = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            out.push((seq, start + step * seq, at));
        }
        (out, *link.stats())
    }

    #[test]
    fn perfect_link_delivers_everything_after_base_delay_in_order() {
        let cfg = LinkConfig {
            base_delay: Duration::from_millis(30),
            ..LinkConfig::default()
        };
        let (out, stats) = run(cfg, 1, 100);
        assert_eq!(out.len(), 100);
        assert!(out.iter().enumerate().all(
            |(i, &(seq, sent, at))| seq as usize == i && at - sent == Duration::from_millis(30)
        ));
        assert_eq!(
            stats,
            LinkStats {
                sent: 100,
                delivered: 100,
                ..LinkStats::default()
            }
        );
    }

    #[test]
    fn random_loss_rate_within_bounds() {
        let cfg = LinkConfig {
            loss: Loss::Random(0.1),
            ..LinkConfig::default()
        };
        let (out, stats) = run(cfg, 42, 20_000);
        let rate = stats.lost as f64 / 20_000.0;
        assert!((0.09..0.11).contains(&rate), "loss rate {rate}");
        assert_eq!(out.len() as u64, 20_000 - stats.lost);
    }

    #[test]
    fn same_seed_same_run_other_seed_other_run() {
        let cfg = LinkConfig {
            base_delay: Duration::from_millis(50),
            jitter: Jitter::Gaussian {
                sigma: Duration::from_millis(20),
            },
            loss: Loss::Random(0.05),
            duplicate: 0.02,
            reorder: Some(Reorder {
                probability: 0.05,
                depth: 3,
            }),
            ..LinkConfig::default()
        };
        let a = run(cfg.clone(), 5, 2000);
        let b = run(cfg.clone(), 5, 2000);
        let c = run(cfg, 6, 2000);
        let arrivals = |r: &(Vec<(u32, Instant, Instant)>, LinkStats)| -> Vec<(u32, Duration)> {
            r.0.iter().map(|&(s, sent, at)| (s, at - sent)).collect()
        };
        assert_eq!(arrivals(&a), arrivals(&b));
        assert_eq!(a.1, b.1);
        assert_ne!(arrivals(&a), arrivals(&c));
    }

    #[test]
    fn gaussian_jitter_has_the_configured_spread() {
        let cfg = LinkConfig {
            base_delay: Duration::from_millis(200),
            jitter: Jitter::Gaussian {
                sigma: Duration::from_millis(20),
            },
            ..LinkConfig::default()
        };
        let (out, _) = run(cfg, 11, 20_000);
        let d: Vec<f64> = out.iter().map(|&(_, s, a)| (a - s).as_secs_f64()).collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        assert!((mean - 0.2).abs() < 0.001, "mean {mean}");
        assert!((sd - 0.02).abs() < 0.001, "sd {sd}");
        // σ = 20 ms against a 20 ms send interval reorders a good share of datagrams.
        let inversions = out.windows(2).filter(|w| w[1].0 < w[0].0).count();
        assert!(inversions > 2000, "inversions {inversions}");
    }

    #[test]
    fn explicit_reorder_has_the_configured_depth() {
        let cfg = LinkConfig {
            base_delay: Duration::from_millis(10),
            reorder: Some(Reorder {
                probability: 0.05,
                depth: 10,
            }),
            ..LinkConfig::default()
        };
        let (out, stats) = run(cfg, 21, 10_000);
        assert_eq!(out.len(), 10_000, "reordering loses nothing");
        assert!(
            (400..600).contains(&stats.reordered),
            "reordered {}",
            stats.reordered
        );
        // A held datagram arrives after the next 10 sent ones: its displacement is >= 10.
        let seqs: Vec<u32> = out.iter().map(|x| x.0).collect();
        let max_displacement = seqs
            .iter()
            .enumerate()
            .map(|(pos, &s)| pos as i64 - i64::from(s))
            .max()
            .unwrap_or(0);
        assert!(max_displacement >= 10, "displacement {max_displacement}");
    }

    #[test]
    fn duplication_and_mtu() {
        let cfg = LinkConfig {
            duplicate: 0.1,
            mtu: Some(3),
            ..LinkConfig::default()
        };
        let mut link: Link<Vec<u8>> = Link::new(cfg, 3);
        let now = Instant::now();
        link.send(now, vec![0; 4]);
        assert_eq!(link.stats().oversize, 1);
        assert_eq!(link.poll(now), None);
        for i in 0..10_000u32 {
            link.send(now, vec![(i % 7) as u8]);
        }
        let mut n = 0;
        while link.poll(now).is_some() {
            n += 1;
        }
        let dup = link.stats().duplicated;
        assert!((900..1100).contains(&dup), "duplicated {dup}");
        assert_eq!(n, 10_000 + dup);
    }

    #[test]
    fn spikes_delay_then_drain() {
        let cfg = LinkConfig {
            base_delay: Duration::from_millis(20),
            spikes: Some(Spikes {
                mean_interval: Duration::from_secs(10),
                height: Duration::from_millis(300),
            }),
            ..LinkConfig::default()
        };
        let (out, _) = run(cfg, 8, 30_000);
        let extra: Vec<f64> = out
            .iter()
            .map(|&(_, s, a)| (a - s).as_secs_f64() - 0.02)
            .collect();
        let spiked = extra.iter().filter(|&&e| e > 0.0).count();
        let max = extra.iter().cloned().fold(0.0, f64::max);
        // About 60 spikes in 600 s, each delaying the 15 datagrams of its 300 ms.
        assert!((600..1200).contains(&spiked), "spiked {spiked}");
        assert!(max > 0.28 && max <= 0.3 + 1e-9, "max extra {max}");
    }
}
