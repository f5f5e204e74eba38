//! Lip sync across two RTP sessions (RFC 3550 §5.1 and §6.4.1): one sender captures audio
//! (G.711, 8 kHz) and video (90 kHz, 30 frames a second) against one wallclock and sends
//! each in its own session. The video path is slower and jitterier (120 ms ± 10 ms against
//! 40 ms ± 3 ms), and video's jitter buffer holds more, so video plays well after the
//! audio captured with it.
//!
//! Every frame a session plays carries the sender's wallclock at its capture
//! (`Frame::sender_wallclock`), mapped through the (NTP, RTP) pair of the source's latest
//! RTCP sender report. The receiver compares, per stream, when frames play against when they
//! were captured; the difference between the streams is the skew, and it holds the stream
//! that is ahead (audio) back by the skew of the last second before rendering (the jitter
//! buffers keep adapting, so the skew moves: the audio buffer sheds its starting delay
//! once the audio counts as continuous, ten seconds in). It prints the skew over the call,
//! and before and after alignment once the buffers have settled.
//!
//! The sessions are the sans-IO core, joined by `netsim` links and run in simulated time,
//! so the run is deterministic and takes a fraction of a second. (A real receiver pairs
//! the two sources by their CNAME; here the pairing is by construction.)
//!
//! Run with `cargo run -p rtp-stack-examples --example lip_sync`.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use netsim::{Jitter, Link, LinkConfig};
use rtp_session::{
    Bandwidth, ChaCha20Rng, ClockRate, Component, Config, JitterBufferConfig, NtpTime, PayloadType,
    Playout, SeedableRng, Session,
};

/// How long the call lasts.
const LENGTH: Duration = Duration::from_secs(30);
/// Frames played before this are left out of the figures: the first sender reports
/// arrive and the jitter buffers find their delays.
const SETTLE: Duration = Duration::from_secs(15);

/// One media stream: a sending session, a receiving session and the link between them
/// (RTCP from the receiver goes back over a clean link).
struct Leg {
    name: &'static str,
    video: bool,
    tx: Session,
    rx: Session,
    forward: Link<Vec<u8>>,
    back: Link<Vec<u8>>,
    tx_addr: SocketAddr,
    rx_addr: SocketAddr,
    /// Media time per frame, the timestamp step and the next frame's number.
    frame: Duration,
    ticks: u32,
    next: u32,
    /// Every frame played: (playout time, sender wallclock at capture).
    played: Vec<(Instant, NtpTime)>,
    first_report: Option<Instant>,
}

fn config(remote: SocketAddr, video: bool, wallclock: SystemTime) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    c.transport.remote_rtp = Some(remote);
    c.transport.remote_rtcp = Some(remote);
    // The reduced minimum RTCP interval (RFC 3550 §6.2), so that reports come early.
    c.bandwidth = Bandwidth {
        reduced_minimum: true,
        ..Bandwidth::new(1_000_000)
    };
    // The sender's one wallclock, shared by its two sessions.
    c.wallclock_origin = Some(wallclock);
    if video {
        c.jitter_buffer = JitterBufferConfig::video();
        c.set_media(PayloadType::new(96).expect("dynamic"), ClockRate::VIDEO);
        c.codec = None;
    }
    c
}

fn link(base_ms: u64, sigma_ms: u64) -> LinkConfig {
    LinkConfig {
        base_delay: Duration::from_millis(base_ms),
        jitter: Jitter::Gaussian {
            sigma: Duration::from_millis(sigma_ms),
        },
        ..LinkConfig::default()
    }
}

impl Leg {
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &'static str,
        video: bool,
        port: u16,
        path: LinkConfig,
        frame: Duration,
        ticks: u32,
        start: Instant,
        wallclock: SystemTime,
        seed: u8,
    ) -> Result<Self, rtp_session::Error> {
        let tx_addr = SocketAddr::from(([192, 0, 2, 1], port));
        let rx_addr = SocketAddr::from(([192, 0, 2, 2], port));
        let rng = |s: u8| Box::new(ChaCha20Rng::from_seed([s; 32]));
        Ok(Self {
            name,
            video,
            tx: Session::new(start, config(rx_addr, video, wallclock), rng(seed))?,
            // The receiver's own wallclock differs: only the sender's matters.
            rx: Session::new(
                start,
                config(tx_addr, video, wallclock + Duration::from_secs(3600)),
                rng(seed + 1),
            )?,
            forward: Link::new(path, u64::from(seed)),
            back: Link::new(link(20, 0), u64::from(seed) + 1),
            tx_addr,
            rx_addr,
            frame,
            ticks,
            next: 0,
            played: Vec::new(),
            first_report: None,
        })
    }

    /// The next instant anything on this leg has to happen.
    fn deadline(&self, start: Instant) -> Option<Instant> {
        let capture = start + self.frame * self.next;
        [
            Some(capture),
            self.tx.poll_timeout(),
            self.rx.poll_timeout(),
            self.forward.next_delivery(),
            self.back.next_delivery(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs everything due at `now`: capture and send, deliver, timers, playout.
    fn step(&mut self, now: Instant, start: Instant) -> Result<(), rtp_session::Error> {
        if now >= start + self.frame * self.next && now < start + LENGTH {
            // Captured now, sent at once: the media clock and the wallclock agree.
            // Audio: G.711 silence, one talkspurt. Video: one packet per frame, each the
            // end of its frame.
            let (payload, marker) = if self.video {
                (vec![0x42; 900], true)
            } else {
                (vec![0xd5; 160], self.next == 0)
            };
            self.tx
                .send(now, &payload, self.next * self.ticks, marker)?;
            self.next += 1;
        }
        self.tx.handle_timeout(now);
        self.rx.handle_timeout(now);
        while let Some(t) = self.tx.poll_transmit() {
            self.forward.send(now, t.contents);
        }
        while let Some(t) = self.rx.poll_transmit() {
            self.back.send(now, t.contents);
        }
        while let Some((_, mut datagram)) = self.forward.poll(now) {
            if rtp_packet::classify(&datagram) == rtp_packet::PacketKind::Rtcp
                && self.first_report.is_none()
            {
                self.first_report = Some(now);
            }
            self.rx
                .handle_datagram(now, Component::Rtp, self.tx_addr, &mut datagram);
        }
        while let Some((_, mut datagram)) = self.back.poll(now) {
            self.tx
                .handle_datagram(now, Component::Rtp, self.rx_addr, &mut datagram);
        }
        while self.rx.poll_event().is_some() {}
        while self.tx.poll_event().is_some() {}
        while let Some((_, playout)) = self.rx.poll_playout(now) {
            if let Playout::Frame(frame) = playout
                && let Some(wallclock) = frame.sender_wallclock()
            {
                self.played.push((frame.playout_time(), wallclock));
            }
        }
        Ok(())
    }

    /// Per frame played in `from..to`: when it played minus when it was captured, in
    /// seconds, on a common origin (`local` on the receiver's clock, `sender` on the
    /// sender's), and when it was captured on the sender's.
    fn lags(&self, local: Instant, sender: NtpTime, from: Instant, to: Instant) -> Vec<(f64, f64)> {
        self.played
            .iter()
            .filter(|(at, _)| (from..to).contains(at))
            .map(|&(at, wallclock)| {
                let captured = wallclock.seconds_since(sender);
                ((at - local).as_secs_f64() - captured, captured)
            })
            .collect()
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The skew of each video frame against the audio frame captured closest to it: how much
/// later, relative to their captures, the video frame plays (both as `lags` gives them).
fn skews(audio: &[(f64, f64)], video: &[(f64, f64)]) -> Vec<f64> {
    video
        .iter()
        .filter_map(|&(video_lag, captured)| {
            let nearest = audio
                .iter()
                .min_by(|a, b| (a.1 - captured).abs().total_cmp(&(b.1 - captured).abs()))?;
            // Captured within one audio frame of each other.
            ((nearest.1 - captured).abs() < 0.020).then_some(video_lag - nearest.0)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let wallclock = UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let mut audio = Leg::new(
        "audio",
        false,
        5004,
        link(40, 3),
        Duration::from_millis(20),
        160,
        start,
        wallclock,
        1,
    )?;
    let mut video = Leg::new(
        "video",
        true,
        5006,
        link(120, 10),
        Duration::from_nanos(33_333_333),
        3000,
        start,
        wallclock,
        3,
    )?;
    println!("audio: G.711 at 8 kHz, 20 ms frames, over 40 ms ± 3 ms");
    println!("video: 90 kHz, 30 frames a second, over 120 ms ± 10 ms");

    let end = start + LENGTH + Duration::from_millis(500);
    let mut now = start;
    while now < end {
        audio.step(now, start)?;
        video.step(now, start)?;
        let next = [audio.deadline(start), video.deadline(start)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(end);
        // Everything due has run, so the next deadline is later; never stand still.
        now = next.max(now + Duration::from_micros(1));
    }

    for leg in [&audio, &video] {
        println!(
            "{}: first sender report at {:.2} s; {} frames played with a sender wallclock, the first at {:.2} s",
            leg.name,
            leg.first_report
                .map_or(f64::NAN, |t| (t - start).as_secs_f64()),
            leg.played.len(),
            leg.played
                .first()
                .map_or(f64::NAN, |p| (p.0 - start).as_secs_f64()),
        );
    }
    // What the simulation knows and the receiver does not: the sender's wallclock read
    // `wallclock` at `start`, so capture times are known on the receiver's clock too.
    let sender_start = NtpTime::from_system_time(wallclock);
    for leg in [&audio, &video] {
        let lags = leg.lags(start, sender_start, start + SETTLE, end);
        let lags: Vec<f64> = lags.iter().map(|l| l.0).collect();
        println!(
            "  (truth: {} plays {:.1} ms after capture on average)",
            leg.name,
            mean(&lags) * 1e3
        );
    }

    // The receiver's view: one origin for each clock, its own start and the sender
    // wallclock of the first audio frame played. Only differences between the streams
    // matter, so neither origin needs to be known to the other side.
    let sender_origin = audio
        .played
        .first()
        .map(|p| p.1)
        .ok_or("no audio frame carried a wallclock")?;
    let audio_lags = audio.lags(start, sender_origin, start, end);
    let video_lags = video.lags(start, sender_origin, start, end);
    // The skew of each video frame, in the order they play, and the receiver's estimate at
    // that moment: the mean skew of the frames of the previous second. It holds the stream
    // that is ahead back by the estimate; what is left is the skew after alignment.
    let raw = skews(&audio_lags, &video_lags);
    // How the skew moved: the audio buffer sheds its 120 ms starting delay once the audio
    // counts as continuous (ten seconds in), the video buffer adapts throughout.
    let per_block = 3 * (1.0 / video.frame.as_secs_f64()) as usize;
    let blocks: Vec<String> = raw
        .chunks(per_block)
        .map(|c| format!("{:+.0}", mean(c) * 1e3))
        .collect();
    println!(
        "skew per 3 s from the first frame, ms: {}",
        blocks.join(" ")
    );
    let window = (1.0 / video.frame.as_secs_f64()) as usize;
    let settled = (SETTLE.as_secs_f64() / video.frame.as_secs_f64()) as usize;
    let (mut before, mut after, mut holds) = (Vec::new(), Vec::new(), Vec::new());
    for i in settled.max(window)..raw.len() {
        let estimate = mean(&raw[i - window..i]);
        before.push(raw[i]);
        after.push(raw[i] - estimate);
        holds.push(estimate);
    }
    let report = |what: &str, s: &[f64]| {
        let worst = s.iter().fold(0.0f64, |w, x| w.max(x.abs()));
        println!(
            "{what}: video behind audio by {:+.1} ms on average, worst {:.1} ms, over {} frames",
            mean(s) * 1e3,
            worst * 1e3,
            s.len()
        );
    };
    report("before alignment", &before);
    let (low, high) = holds
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    println!(
        "aligning: audio held back by the skew of the last second, {:.1} to {:.1} ms",
        low * 1e3,
        high * 1e3
    );
    report("after alignment ", &after);
    if after.is_empty() || mean(&after).abs() > 0.005 {
        return Err("the streams did not line up".into());
    }
    Ok(())
}
