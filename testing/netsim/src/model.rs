//! Impairment models: which datagrams are lost and how long each one takes.

use crate::rng::Rng;
use std::time::Duration;

/// Which datagrams the link drops.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Loss {
    /// Nothing is lost.
    #[default]
    None,
    /// Each datagram is lost independently with this probability (Bernoulli loss).
    Random(f64),
    /// The Gilbert–Elliott two-state model (RFC 3611 §4.7.2 and ITU-T G.1050 use the same
    /// shape): a *good* and a *bad* state with their own loss probabilities, and per-datagram
    /// transition probabilities between them. Losses come in bursts while in the bad state.
    GilbertElliott {
        /// Probability of moving from the good to the bad state after a datagram.
        good_to_bad: f64,
        /// Probability of moving from the bad to the good state after a datagram.
        bad_to_good: f64,
        /// Loss probability in the good state.
        loss_in_good: f64,
        /// Loss probability in the bad state.
        loss_in_bad: f64,
    },
}

impl Loss {
    /// The long-run loss rate the model converges to.
    pub fn expected_rate(&self) -> f64 {
        match *self {
            Loss::None => 0.0,
            Loss::Random(p) => p,
            Loss::GilbertElliott {
                good_to_bad,
                bad_to_good,
                loss_in_good,
                loss_in_bad,
            } => {
                let total = good_to_bad + bad_to_good;
                if total <= 0.0 {
                    return loss_in_good;
                }
                let in_bad = good_to_bad / total;
                in_bad * loss_in_bad + (1.0 - in_bad) * loss_in_good
            }
        }
    }
}

/// Random variation added to the base delay of each datagram.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Jitter {
    /// Every datagram takes exactly the base delay.
    #[default]
    None,
    /// Independent Gaussian variation with standard deviation `sigma` around the base delay.
    Gaussian {
        /// Standard deviation of the delay.
        sigma: Duration,
    },
    /// Heavy-tailed extra delay: `scale × (Pareto(shape) − 1)`, capped. Most datagrams see
    /// little extra delay, a few see a lot (a congested queue).
    Pareto {
        /// Scale of the extra delay.
        scale: Duration,
        /// Tail index; smaller means a heavier tail (1.5–3 is typical).
        shape: f64,
        /// Largest extra delay ever added.
        cap: Duration,
    },
    /// Bursty jitter: a two-state Markov chain, calm and burst, each with its own Gaussian
    /// standard deviation. Periods of heavy jitter alternate with quiet ones (Wi-Fi, cellular).
    Bursty {
        /// Standard deviation in the calm state.
        calm: Duration,
        /// Standard deviation in the burst state.
        burst: Duration,
        /// Per-datagram probability of entering a burst.
        enter: f64,
        /// Per-datagram probability of leaving a burst.
        leave: f64,
    },
}

/// Delay spikes: at exponentially distributed instants the path stalls for `height` and then
/// drains, so a datagram sent `x` after the stall began waits an extra `height − x`. The
/// datagrams of a spike arrive together, which is what a Wi-Fi retransmission stall or a
/// cellular handover looks like to a receiver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spikes {
    /// Mean time between the starts of two spikes.
    pub mean_interval: Duration,
    /// The extra delay of a datagram sent at the very start of a spike.
    pub height: Duration,
}

/// Reordering by holding a datagram back until `depth` later datagrams have been sent: it
/// then arrives just after the `depth`-th of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reorder {
    /// Probability that a datagram is held back.
    pub probability: f64,
    /// How many later datagrams overtake a held one.
    pub depth: usize,
}

/// The state a [`Loss`] model keeps between datagrams.
#[derive(Debug, Clone, Default)]
pub(crate) struct LossState {
    in_bad: bool,
}

impl LossState {
    /// Decides the fate of one datagram and advances the model.
    pub(crate) fn lose(&mut self, model: &Loss, rng: &mut Rng) -> bool {
        match *model {
            Loss::None => false,
            Loss::Random(p) => rng.chance(p),
            Loss::GilbertElliott {
                good_to_bad,
                bad_to_good,
                loss_in_good,
                loss_in_bad,
            } => {
                let lost = rng.chance(if self.in_bad {
                    loss_in_bad
                } else {
                    loss_in_good
                });
                let flip = rng.chance(if self.in_bad {
                    bad_to_good
                } else {
                    good_to_bad
                });
                if flip {
                    self.in_bad = !self.in_bad;
                }
                lost
            }
        }
    }
}

/// The state a [`Jitter`] model keeps between datagrams.
#[derive(Debug, Clone, Default)]
pub(crate) struct JitterState {
    in_burst: bool,
}

impl JitterState {
    /// The signed variation, in seconds, to add to the base delay of one datagram.
    pub(crate) fn sample(&mut self, model: &Jitter, rng: &mut Rng) -> f64 {
        match *model {
            Jitter::None => 0.0,
            Jitter::Gaussian { sigma } => sigma.as_secs_f64() * rng.normal(),
            Jitter::Pareto { scale, shape, cap } => {
                let extra = scale.as_secs_f64() * (rng.pareto(shape) - 1.0);
                extra.min(cap.as_secs_f64())
            }
            Jitter::Bursty {
                calm,
                burst,
                enter,
                leave,
            } => {
                let flip = rng.chance(if self.in_burst { leave } else { enter });
                if flip {
                    self.in_burst = !self.in_burst;
                }
                let sigma = if self.in_burst { burst } else { calm };
                sigma.as_secs_f64() * rng.normal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gilbert_elliott_expected_rate_and_burstiness() {
        let model = Loss::GilbertElliott {
            good_to_bad: 0.01,
            bad_to_good: 0.25,
            loss_in_good: 0.0,
            loss_in_bad: 0.8,
        };
        let expected = model.expected_rate();
        assert!((expected - 0.8 * 0.01 / 0.26).abs() < 1e-12);
        let mut rng = Rng::new(3);
        let mut st = LossState::default();
        let outcomes: Vec<bool> = (0..200_000).map(|_| st.lose(&model, &mut rng)).collect();
        let rate = outcomes.iter().filter(|&&l| l).count() as f64 / outcomes.len() as f64;
        assert!(
            (rate - expected).abs() < 0.004,
            "rate {rate} expected {expected}"
        );
        // Burstiness: P(loss | previous loss) far above the unconditional rate.
        let pairs = outcomes.windows(2).filter(|w| w[0]).count() as f64;
        let both = outcomes.windows(2).filter(|w| w[0] && w[1]).count() as f64;
        assert!(both / pairs > 0.5, "conditional loss {}", both / pairs);
    }

    #[test]
    fn pareto_jitter_is_capped_and_non_negative() {
        let model = Jitter::Pareto {
            scale: Duration::from_millis(5),
            shape: 1.5,
            cap: Duration::from_millis(200),
        };
        let mut rng = Rng::new(9);
        let mut st = JitterState::default();
        let xs: Vec<f64> = (0..50_000).map(|_| st.sample(&model, &mut rng)).collect();
        assert!(xs.iter().all(|&x| (0.0..=0.2).contains(&x)));
        assert!(xs.iter().any(|&x| x > 0.1), "a heavy tail reaches 100 ms");
    }
}
