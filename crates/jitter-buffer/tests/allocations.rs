//! The steady state allocates nothing: inserting and playing a packet reuses a slot.

use jitter_buffer::{Config, JitterBuffer, MediaKind, PacketInfo, Playout};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// Feeds packets `from..to` and polls; returns the payload bytes played and the number of
/// frames and concealments released.
fn run(jb: &mut JitterBuffer, t0: Instant, from: u32, to: u32) -> (u64, u64) {
    let mut played = 0;
    let mut released = 0;
    // One packet (audio) or one single-packet frame (video) every 20 ms.
    let ticks = jb.config().clock_rate.hz() / 50;
    let marker = jb.config().kind == MediaKind::Video;
    for i in from..to {
        let now = t0 + Duration::from_millis(20) * i;
        // Light jitter and one reordered pair in every ten keep the paths busy; every
        // forty seconds the jitter grows for ten, so that continuous audio keeps
        // shortening frames after the calm and lengthening them when it ends (the
        // time-stretch path) as well.
        let swing = if (i / 500) % 4 == 0 { 40 } else { 0 };
        let (seq, jitter) = match i % 10 {
            3 => (i + 1, 3 + swing),
            4 => (i - 1, 5),
            _ => (i, (i * 7) % 4 + swing * u32::from(i % 3 == 0)),
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
            released += 1;
            if let Playout::Frame(f) = p {
                played += f.payload().len() as u64;
            }
        }
    }
    (played, released)
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
        let before = jb.metrics();
        let (allocations, (played, released)) =
            alloc_counter::count(|| run(&mut jb, t0, 3000, 13_000));
        let m = jb.metrics();
        eprintln!(
            "{:?}: {} bytes played, {released} released, late {}, shortened {}, lengthened {}",
            jb.config().kind,
            played,
            m.packets_late - before.packets_late,
            m.frames_shortened - before.frames_shortened,
            m.frames_lengthened - before.frames_lengthened
        );
        // Each packet leaves once, played or concealed. (The reordered packet of every
        // ten arrives exactly as late as the quantile the adaptive delay settles to, so
        // at the lowest delays some of them are late: the count says nothing here.)
        assert_eq!(released, 10_000, "one frame or concealment per packet");
        if jb.config().kind == MediaKind::Audio {
            assert!(
                m.frames_shortened > before.frames_shortened
                    && m.frames_lengthened > before.frames_lengthened,
                "the measured packets were not time-stretched"
            );
        }
        assert_eq!(
            allocations, 0,
            "{} allocations for 10 000 packets",
            allocations
        );
    }
}
