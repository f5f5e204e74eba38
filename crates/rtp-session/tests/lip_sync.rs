//! Lip sync: every frame a session plays carries the sender's wallclock at its capture,
//! from the source's RTCP sender reports (RFC 3550 §6.4.1), so two sessions from one
//! sender can be aligned.

mod common;

use common::{Pair, clean, configs, lossy};
use netsim::LinkConfig;
use rtcp::NtpTime;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The sender's wallclock when its session started.
fn origin() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Runs `a` sending 20 ms G.711 frames to `b` over `link` for 12 s and checks the
/// wallclock of every frame `b` played against the sender's capture clock: frame `k`
/// (RTP timestamp `first + 160 k`) was captured `20 k` ms after `a` started, at
/// `origin() + 20 k ms` on its wallclock. Returns the largest error and how many frames
/// came before the first SR.
fn wallclock_errors(link: LinkConfig, seed: u64) -> (Duration, usize, usize) {
    let (mut ca, cb) = configs(true);
    ca.wallclock_origin = Some(origin());
    let mut pair = Pair::new(ca, cb, link, seed);
    pair.b_sends = false;
    pair.run(Duration::from_secs(12));
    let first_rtp = pair
        .a_seen
        .sent
        .iter()
        .find_map(|t| rtp_packet::RtpPacket::parse(&t.contents).ok())
        .expect("a sent RTP");
    let first = first_rtp.timestamp();
    let ssrc = first_rtp.ssrc();
    let frames: Vec<_> = pair
        .b_seen
        .frame_clocks
        .iter()
        .filter(|f| f.0 == ssrc)
        .collect();
    assert!(frames.len() > 400, "{} frames played", frames.len());
    // None until the first SR, then always Some.
    let unmapped = frames.iter().take_while(|f| f.3.is_none()).count();
    assert!(
        frames.iter().skip(unmapped).all(|f| f.3.is_some()),
        "a frame lost its wallclock"
    );
    let mut worst = Duration::ZERO;
    for &&(_, timestamp, _, wallclock) in frames.iter().skip(unmapped) {
        let ticks = timestamp.wrapping_sub(first);
        let captured = origin() + Duration::from_micros(u64::from(ticks) * 125);
        let expected = NtpTime::from_system_time(captured);
        let got = wallclock.expect("mapped");
        let error = Duration::from_secs_f64(got.seconds_since(expected).abs());
        worst = worst.max(error);
    }
    (worst, unmapped, frames.len())
}

/// The SR pairs the NTP time of the instant it is built with the RTP timestamp of that
/// instant rounded down to a whole tick, so a frame's wallclock can be off by at most one
/// tick of 8 kHz (125 µs), whatever the network did to the packets.
#[test]
fn frames_carry_the_senders_wallclock_at_capture() {
    for (name, link) in [("clean", clean()), ("lossy", lossy())] {
        let (worst, unmapped, frames) = wallclock_errors(link, 31);
        eprintln!(
            "{name}: {frames} frames, the first {unmapped} before any SR, worst wallclock error {worst:?}"
        );
        assert!(
            unmapped > 0 && unmapped < frames / 2,
            "{unmapped} unmapped frames"
        );
        assert!(worst <= Duration::from_micros(126), "worst error {worst:?}");
    }
}
