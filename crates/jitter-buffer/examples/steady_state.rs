//! The benchmark's steady state without criterion, for instruction counts and CPU time:
//! `buffers` audio streams (48 kHz, 20 ms packets of 120 bytes, 0–3 ms of jitter), each
//! given one packet and polled until idle per round, after 3000 warm-up packets each.
//!
//! ```text
//! cargo build --release -p jitter-buffer --example steady_state
//! valgrind --tool=callgrind --toggle-collect='*measure*' \
//!     target/release/examples/steady_state 1 20000        # instructions ÷ 20 000
//! target/release/examples/steady_state 1000 3000          # prints ns per packet
//! ```

use jitter_buffer::{Config, JitterBuffer, PacketInfo, Playout};
use std::hint::black_box;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(20);

/// One receive stream: the next packet to insert and the time it arrives.
struct Feed {
    jb: JitterBuffer,
    seq: u16,
    ts: u32,
    now: Instant,
    ssrc: u32,
}

impl Feed {
    fn new(ssrc: u32, t0: Instant) -> Result<Self, jitter_buffer::Error> {
        let mut feed = Self {
            jb: JitterBuffer::new(Config::audio(rtp_packet::ClockRate::OPUS))?,
            seq: 0,
            ts: 0,
            now: t0,
            ssrc,
        };
        for _ in 0..3000 {
            feed.step();
        }
        Ok(feed)
    }

    /// Inserts one packet and plays what is due: the same step as the criterion bench.
    #[inline(never)]
    fn step(&mut self) -> usize {
        let info = PacketInfo {
            ssrc: self.ssrc,
            sequence_number: self.seq,
            timestamp: self.ts,
            marker: false,
            payload_type: 111,
        };
        let jitter = Duration::from_micros(u64::from(self.seq % 7) * 500);
        self.jb.insert(self.now + jitter, info, &[0x5a; 120]);
        let mut bytes = 0;
        while let Some(p) = self.jb.poll(self.now) {
            if let Playout::Frame(f) = p {
                bytes += f.payload().len();
            }
        }
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(960);
        self.now += FRAME;
        bytes
    }
}

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
    let t0 = Instant::now();
    let mut feeds = (0..buffers)
        .map(|ssrc| Feed::new(ssrc, t0))
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
