//! The steady state allocates nothing: inserting and playing a packet reuses a slot.

use jitter_buffer::{Config, JitterBuffer, MediaKind, PacketInfo, Playout};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

fn run(jb: &mut JitterBuffer, t0: Instant, from: u32, to: u32) -> u64 {
    let mut played = 0;
    // One packet (audio) or one single-packet frame (video) every 20 ms.
    let ticks = jb.config().clock_rate.hz() / 50;
    let marker = jb.config().kind == MediaKind::Video;
    for i in from..to {
        let now = t0 + Duration::from_millis(20) * i;
        // Light jitter and one reordered pair in every ten keep the paths busy.
        let (seq, jitter) = match i % 10 {
            3 => (i + 1, 3),
            4 => (i - 1, 5),
            _ => (i, (i * 7) % 4),
        };
        let info = PacketInfo {
            ssrc: 1,
            sequence_number: seq as u16,
            timestamp: seq.wrapping_mul(ticks),
            marker,
            payload_type: 0,
        };
        jb.insert(
            now + Duration::from_millis(u64::from(jitter)),
            info,
            &[0x55; 160],
        );
        while let Some(p) = jb.poll(now) {
            if let Playout::Frame(f) = p {
                played += f.payload().len() as u64;
            }
        }
    }
    played
}

#[test]
fn insert_and_poll_allocate_nothing_in_steady_state() {
    for config in [
        Config::audio(rtp_packet::ClockRate::NARROWBAND),
        Config::video(),
    ] {
        let mut jb = JitterBuffer::new(config).expect("valid");
        let t0 = Instant::now();
        run(&mut jb, t0, 0, 3000);
        let (allocations, played) = alloc_counter::count(|| run(&mut jb, t0, 3000, 13_000));
        assert_eq!(
            played,
            160 * 10_000,
            "one packet played per packet inserted"
        );
        assert_eq!(
            allocations, 0,
            "{} allocations for 10 000 packets",
            allocations
        );
    }
}
