//! The benchmark's steady state without criterion, for instruction counts and CPU time:
//! `buffers` audio streams (48 kHz, 20 ms packets of 120 bytes, 0–3 ms of jitter), each
//! given one packet and polled until idle per round, after 3000 warm-up packets each. A
//! third argument `video` feeds 90 kHz video instead (30 frames a second of four packets,
//! the last with the marker bit), which measures the video frame path.
//!
//! ```text
//! cargo build --release -p jitter-buffer --example steady_state
//! valgrind --tool=callgrind --toggle-collect='*measure*' \
//!     target/release/examples/steady_state 1 20000        # instructions ÷ 20 000
//! target/release/examples/steady_state 1000 3000          # prints ns per packet
//! valgrind --tool=callgrind --toggle-collect='*measure*' \
//!     target/release/examples/steady_state 1 20000 video  # the video path
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use common::Feed;
use std::hint::black_box;
use std::time::Instant;

/// The measured region (callgrind's `--toggle-collect` target).
#[inline(never)]
fn measure(feeds: &mut [Feed], rounds: usize) -> usize {
    let mut bytes = 0;
    for _ in 0..rounds {
        for feed in feeds.iter_mut() {
            bytes += feed.step();
        }
    }
    bytes
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let buffers: u32 = args.next().map_or(Ok(1), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let video = args.next().is_some_and(|a| a == "video");
    let t0 = Instant::now();
    let mut feeds = (0..buffers)
        .map(|ssrc| {
            if video {
                Feed::video(ssrc, t0)
            } else {
                Feed::new(ssrc, t0)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let start = Instant::now();
    black_box(measure(&mut feeds, rounds));
    let packets = f64::from(buffers) * rounds as f64;
    eprintln!(
        "{buffers} buffers × {rounds} rounds: {:.1} ns per packet",
        start.elapsed().as_nanos() as f64 / packets
    );
    Ok(())
}
