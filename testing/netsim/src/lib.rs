//! A deterministic network simulator for the project's tests.
//!
//! DTLS retransmission, jitter-buffer playout and RTP session behaviour can only be trusted
//! once they have been run over bad networks, and a test over a bad network is only useful
//! when it fails the same way every time. [`Link`] is a one-way path that loses
//! ([`Loss`]: Bernoulli or Gilbert–Elliott bursts), delays ([`Jitter`]: Gaussian,
//! Pareto-tailed or bursty, plus draining [`Spikes`]), reorders ([`Reorder`]), duplicates
//! and enforces an MTU. [`DriftingClock`] models a peer whose clock runs fast or slow.
//!
//! Everything is sans-IO and seeded: the simulator owns no clock and no thread, the caller
//! passes `now` to [`Link::send`] and [`Link::poll`], and [`Rng`] is the simulator's own
//! generator, so a seed gives the same run on every machine.
//!
//! ```
//! use netsim::{Jitter, Link, LinkConfig, Loss};
//! use std::time::{Duration, Instant};
//!
//! let config = LinkConfig {
//!     base_delay: Duration::from_millis(40),
//!     jitter: Jitter::Gaussian { sigma: Duration::from_millis(5) },
//!     loss: Loss::Random(0.01),
//!     ..LinkConfig::default()
//! };
//! let mut link = Link::new(config, 7);
//! let t0 = Instant::now();
//! link.send(t0, vec![1u8, 2, 3]);
//! if let Some(at) = link.next_delivery() {
//!     let (arrived, datagram) = link.poll(at).expect("due at its delivery time");
//!     assert_eq!((arrived, datagram), (at, vec![1, 2, 3]));
//! }
//! ```
//!
//! This crate is test support: it depends on no layer crate and layer crates use it only as
//! a dev-dependency (`cargo xtask layers` checks both).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod clock;
mod link;
mod model;
mod rng;

pub use clock::DriftingClock;
pub use link::{Link, LinkConfig, LinkStats};
pub use model::{Jitter, Loss, Reorder, Spikes};
pub use rng::Rng;
