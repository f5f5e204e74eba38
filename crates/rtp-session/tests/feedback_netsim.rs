//! NACK recovery over a simulated network: 1 Mbit/s of VP8-packetised video (30 frames per
//! second of 4,200 bytes, four packets each) through two SRTP sessions with a manual clock,
//! 50 ms RTT, 5 % random loss and, separately, 5 % bursty loss (Gilbert–Elliott, mean burst
//! three packets), in both directions (feedback is lost too). Measured: the fraction of
//! frames the receiver plays complete (at their playout time, by the jitter buffer's
//! clock) with NACK + RTX, with plain NACK retransmission, and without feedback.
//!
//! `cargo test -p rtp-session --test feedback_netsim -- --nocapture` prints the table that
//! `docs/feedback.md` quotes.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, Datagram, PROFILE, addr, key, rng};
use jitter_buffer::DelayMode;
use netsim::{Link, LinkConfig, Loss};
use rtp_packet::payload::vp8::{Vp8Descriptor, Vp8Packetizer};
use rtp_session::{
    Bandwidth, ClockRate, Config, Feedback, JitterBufferConfig, PayloadType, Playout, Rtx,
    Security, Session, SrtpKeys,
};

const FRAME_BYTES: usize = 4200;
const MTU: usize = 1100;
const FPS: u32 = 30;
const SECONDS: u32 = 60;
/// Frames of the first seconds are not counted: the RTT is not measured yet.
const WARM_UP_FRAMES: u32 = 2 * FPS;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Recovery {
    Rtx,
    Plain,
    None,
}

fn feedback(recovery: Recovery) -> Feedback {
    let mut f = Feedback::new();
    if recovery == Recovery::None {
        return f;
    }
    f.nack = true;
    f.pli = true;
    f.fir = true;
    if recovery == Recovery::Rtx {
        f.rtx = Some(Rtx {
            payload_type: PayloadType::new(97).unwrap(),
            apt: PayloadType::new(96).unwrap(),
            ssrc: None,
        });
    }
    f
}

fn config(recovery: Recovery, remote: &str, local: u8, remote_key: u8) -> Config {
    let mut c = Config::new();
    c.set_media(PayloadType::new(96).unwrap(), ClockRate::VIDEO);
    let mut jb = JitterBufferConfig::video();
    // A receiver that repairs by retransmission plays far enough behind the fastest
    // arrival for two attempts: a frame interval (a lost last packet shows only with the
    // next frame) and twice the retry interval of 1.5 RTT plus an RTT (docs/feedback.md).
    jb.delay = DelayMode::Adaptive {
        min: Duration::from_millis(200),
        max: Duration::from_secs(1),
        initial: Duration::from_millis(200),
    };
    c.jitter_buffer = jb;
    c.codec = None;
    c.max_payload = 1400;
    c.bandwidth = Bandwidth::new(1_000_000);
    c.transport.remote_rtp = Some(addr(remote));
    c.transport.rtcp_mux = true;
    c.transport.rtcp_rsize = true;
    c.send_xr = true;
    c.security = Security::Srtp(SrtpKeys::new(PROFILE, key(local), key(remote_key)));
    c.feedback = feedback(recovery);
    c
}

fn link(loss: Loss, seed: u64) -> Link<Datagram> {
    Link::new(
        LinkConfig {
            base_delay: Duration::from_millis(25),
            loss,
            ..LinkConfig::default()
        },
        seed,
    )
}

struct Outcome {
    frames: u32,
    complete: usize,
    retransmissions: u64,
    nacks: u64,
    early: u64,
    keyframe_requests: u64,
}

fn run(recovery: Recovery, loss: Loss, seed: u64) -> Outcome {
    let start = Instant::now();
    let mut a = Session::new(start, config(recovery, B_ADDR, 1, 2), rng(seed as u8)).unwrap();
    let mut b = Session::new(
        start,
        config(recovery, A_ADDR, 2, 1),
        rng(seed as u8 ^ 0x33),
    )
    .unwrap();
    let mut ab = link(loss, seed);
    let mut ba = link(loss, seed + 1000);
    let frame: Vec<u8> = (0..FRAME_BYTES).map(|i| (i * 7) as u8).collect();
    let mut payload = [0u8; 1400];
    let interval = Duration::from_secs(1) / FPS;
    let end = start + Duration::from_secs(u64::from(SECONDS)) + Duration::from_secs(1);
    let mut now = start;
    let mut next_frame = start;
    let mut sent_frames = 0u32;
    let mut complete = BTreeSet::new();
    while now < end {
        if now >= next_frame && sent_frames < SECONDS * FPS {
            let ts = sent_frames * (90_000 / FPS);
            let packets = Vp8Packetizer::new(&frame, Vp8Descriptor::default(), MTU).unwrap();
            for fragment in packets {
                let len = fragment.write(&mut payload).unwrap();
                a.send(now, &payload[..len], ts, fragment.marker).unwrap();
            }
            sent_frames += 1;
            next_frame += interval;
        }
        while let Some((_, Datagram(component, mut d))) = ab.poll(now) {
            b.handle_datagram(now, component, addr(A_ADDR), &mut d);
        }
        while let Some((_, Datagram(component, mut d))) = ba.poll(now) {
            a.handle_datagram(now, component, addr(B_ADDR), &mut d);
        }
        a.handle_timeout(now);
        b.handle_timeout(now);
        while let Some(t) = a.poll_transmit() {
            ab.send(now, Datagram(t.component, t.contents.clone()));
            a.recycle(t.contents);
        }
        while let Some(t) = b.poll_transmit() {
            ba.send(now, Datagram(t.component, t.contents.clone()));
            b.recycle(t.contents);
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
        while let Some((_, playout)) = b.poll_playout(now) {
            if let Playout::Frame(f) = playout
                && f.is_complete()
            {
                complete.insert(f.timestamp());
            }
        }
        let mut next = end.min(next_frame);
        for t in [
            a.poll_timeout(),
            b.poll_timeout(),
            ab.next_delivery(),
            ba.next_delivery(),
        ]
        .into_iter()
        .flatten()
        {
            next = next.min(t);
        }
        // A due timeout is served above; never stand still.
        now = next.max(now + Duration::from_micros(100));
    }
    // The random timestamp offset: a's first timestamp is the smallest played.
    let offset = *complete.iter().next().unwrap_or(&0);
    let first_counted = WARM_UP_FRAMES * (90_000 / FPS);
    let counted = complete
        .iter()
        .filter(|&&ts| ts.wrapping_sub(offset) >= first_counted)
        .count();
    let (ac, bc) = (a.counters(), b.counters());
    Outcome {
        frames: SECONDS * FPS - WARM_UP_FRAMES,
        complete: counted,
        retransmissions: ac.retransmissions_sent,
        nacks: bc.nack_sequence_numbers_sent,
        early: bc.early_feedback_sent,
        keyframe_requests: bc.keyframe_requests_sent,
    }
}

#[test]
fn nack_with_rtx_completes_at_least_99_percent_of_frames_over_5_percent_loss() {
    let losses = [
        ("5 % random", Loss::Random(0.05)),
        (
            "5 % bursty (GE, mean burst 3)",
            Loss::GilbertElliott {
                // In the bad state a third of the time per packet → mean burst 3; bad
                // 5 % of the time, losing everything there.
                good_to_bad: 0.05 / (0.95 * 3.0),
                bad_to_good: 1.0 / 3.0,
                loss_in_good: 0.0,
                loss_in_bad: 1.0,
            },
        ),
    ];
    eprintln!(
        "| loss | recovery | frames complete | retransmissions | NACKed numbers | early packets | keyframe requests |"
    );
    eprintln!("|---|---|---|---|---|---|---|");
    for (name, loss) in losses {
        assert!((loss.expected_rate() - 0.05).abs() < 1e-9);
        let mut rtx_fraction = 0.0;
        let mut none_fraction = 0.0;
        for recovery in [Recovery::Rtx, Recovery::Plain, Recovery::None] {
            let o = run(recovery, loss, 7);
            let fraction = o.complete as f64 / f64::from(o.frames);
            eprintln!(
                "| {name} | {recovery:?} | {:.2} % ({}/{}) | {} | {} | {} | {} |",
                fraction * 100.0,
                o.complete,
                o.frames,
                o.retransmissions,
                o.nacks,
                o.early,
                o.keyframe_requests
            );
            match recovery {
                Recovery::Rtx => rtx_fraction = fraction,
                Recovery::None => none_fraction = fraction,
                Recovery::Plain => assert!(fraction >= 0.98, "{name}: plain {fraction}"),
            }
        }
        assert!(rtx_fraction >= 0.99, "{name}: RTX {rtx_fraction}");
        // Without recovery about 1 − 0.95⁴ ≈ 19 % of frames lose a packet (fewer when
        // losses come in bursts): the measurement sees the loss.
        assert!(none_fraction < 0.95, "{name}: none {none_fraction}");
    }
}
