//! A receiver fed through a `netsim` link: the harness of the network tests.
//!
//! The sender produces 20 ms audio packets (8 kHz, 160 ticks) on its own, possibly
//! drifting, clock, optionally in talkspurts (marker bit on each first packet, sequence
//! numbers contiguous across silences as RFC 3551 §4.1 describes). Packets cross a
//! `netsim::Link`, are parsed with `rtp_packet::RtpPacket` and inserted; the buffer is
//! polled exactly at its `poll_timeout`. The run is a discrete-event simulation, so an hour
//! of audio takes well under a second of CPU.
//!
//! A scenario may switch links part-way (`switch`): packets sent from then on take the
//! second link, those in flight still arrive over the first, as after a change of the
//! network's conditions. The payload is either the sequence number repeated (checked on
//! release) or G.711 μ-law of a speech-like signal (a voiced tone with a syllable
//! envelope, so some frames are quiet), a function of the RTP timestamp.

#![allow(dead_code)]

use jitter_buffer::{Config, JitterBuffer, Metrics, Playout, TimeStretch};
use netsim::{DriftingClock, Link, LinkConfig, Rng};
use rtp_packet::payload::g711;
use rtp_packet::{PacketWriter, PayloadType, RtpHeader, RtpPacket};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const FRAME: Duration = Duration::from_millis(20);
pub const TICKS: u32 = 160;

/// How the sender talks.
#[derive(Debug, Clone, Copy)]
pub enum Speech {
    /// One talkspurt for the whole run.
    Continuous,
    /// Exponentially distributed talkspurts and silences with these means (DTX).
    Talkspurts { talk: Duration, silence: Duration },
}

/// What the packets carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The low byte of the sequence number, 160 times.
    Sequence,
    /// 20 ms of G.711 μ-law of a speech-like signal at the packet's timestamp.
    Speech,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub link: LinkConfig,
    pub seed: u64,
    pub length: Duration,
    pub speech: Speech,
    pub drift_ppm: f64,
    pub config: Config,
    pub first_seq: u16,
    pub first_ts: u32,
    /// Sample the playout delay every this long (for drift tests).
    pub sample_every: Option<Duration>,
    /// From this long after the start, packets take this link instead.
    pub switch: Option<(Duration, LinkConfig)>,
    pub payload: Payload,
}

impl Scenario {
    pub fn new(link: LinkConfig, seed: u64, length: Duration) -> Self {
        Self {
            link,
            seed,
            length,
            speech: Speech::Talkspurts {
                talk: Duration::from_millis(1500),
                silence: Duration::from_millis(1000),
            },
            drift_ppm: 0.0,
            config: Config::audio(rtp_packet::ClockRate::NARROWBAND),
            first_seq: 1000,
            first_ts: 50_000,
            sample_every: None,
            switch: None,
            payload: Payload::Sequence,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub metrics: Metrics,
    pub sent: u64,
    /// Unique packets the network delivered.
    pub delivered_unique: u64,
    pub link_duplicated: u64,
    pub link_lost: u64,
    /// (talkspurt index, playout time − send time in seconds) of each played frame.
    pub frame_latency: Vec<(u32, f64)>,
    /// One-way delays of the first copy of every delivered packet, seconds.
    pub delays: Vec<f64>,
    /// Sequence numbers in release order, frames and concealments alike.
    pub released: Vec<u16>,
    /// Periodic samples of (buffered duration, playout delay).
    pub samples: Vec<(Duration, Duration)>,
    /// The target delay at each sample.
    pub targets: Vec<Duration>,
    pub drift_estimate_ppm: f64,
    /// Every played frame: send time (seconds since the start), playout time − send time
    /// (seconds) and the time stretch it carried.
    pub played: Vec<(f64, f64, Option<TimeStretch>)>,
    /// Every first copy delivered: send time and one-way delay, seconds.
    pub arrivals: Vec<(f64, f64)>,
    /// The counters when the link switched.
    pub metrics_at_switch: Option<Metrics>,
    /// Unique packets delivered before the switch.
    pub delivered_before_switch: u64,
    /// Speech payloads: the mean amplitude of every played frame, and whether it carried a
    /// time stretch.
    pub levels: Vec<(u32, bool)>,
    /// Send times (seconds since the start) of the packets that arrived late.
    pub late_sent: Vec<f64>,
}

impl Outcome {
    /// Late packets as a share of the packets that reached the receiver.
    pub fn late_rate(&self) -> f64 {
        self.metrics.packets_late as f64 / self.delivered_unique.max(1) as f64
    }

    /// Percentile `p` of the packet delay variation, RFC 5481 §4.2 (delay minus the
    /// minimum delay), in seconds.
    pub fn pdv_percentile(&self, p: f64) -> f64 {
        let min = self.delays.iter().cloned().fold(f64::INFINITY, f64::min);
        let mut pdv: Vec<f64> = self.delays.iter().map(|d| d - min).collect();
        pdv.sort_by(f64::total_cmp);
        let i = ((pdv.len() as f64 * p) as usize).min(pdv.len().saturating_sub(1));
        pdv.get(i).copied().unwrap_or(0.0)
    }

    /// Percentile `p` of the delay minus the mean delay, in seconds.
    pub fn delay_percentile_above_mean(&self, p: f64) -> f64 {
        let mean = self.delays.iter().sum::<f64>() / self.delays.len().max(1) as f64;
        let min = self.delays.iter().cloned().fold(f64::INFINITY, f64::min);
        self.pdv_percentile(p) + min - mean
    }

    pub fn mean_buffer_delay(&self) -> f64 {
        self.metrics.mean_buffer_delay().as_secs_f64()
    }
}

/// The payload of packet `seq` at timestamp `ts`.
pub fn payload(kind: Payload, seq: u16, ts: u32) -> [u8; 160] {
    match kind {
        Payload::Sequence => [seq as u8; 160],
        Payload::Speech => {
            let mut out = [0u8; 160];
            for (i, code) in out.iter_mut().enumerate() {
                let t = f64::from(ts.wrapping_add(i as u32)) / 8000.0;
                // A 3 Hz syllable envelope down to 1 % of its peak, over a voiced tone.
                let envelope = (0.55 + 0.45 * (2.0 * std::f64::consts::PI * 3.0 * t).sin()).powi(2);
                let voice = (2.0 * std::f64::consts::PI * 180.0 * t).sin()
                    + 0.5 * (2.0 * std::f64::consts::PI * 360.0 * t).sin();
                *code = g711::ulaw_encode((8000.0 * envelope * voice) as i16);
            }
            out
        }
    }
}

fn packet(kind: Payload, seq: u16, ts: u32, marker: bool) -> Vec<u8> {
    let mut header = RtpHeader::new(PayloadType::PCMU, seq, ts, 0x1234_5678);
    header.marker = marker;
    let mut buf = vec![0u8; 12 + 160];
    let len = PacketWriter::new(&mut buf, &header)
        .and_then(|w| w.finish(&payload(kind, seq, ts), 0))
        .expect("a 172-byte packet fits");
    buf.truncate(len);
    buf
}

pub fn run(sc: &Scenario) -> Outcome {
    let origin = Instant::now();
    let clock = DriftingClock::new(origin, sc.drift_ppm);
    let mut link: Link<Vec<u8>> = Link::new(sc.link.clone(), sc.seed);
    let mut second: Option<Link<Vec<u8>>> = sc
        .switch
        .as_ref()
        .map(|(_, config)| Link::new(config.clone(), sc.seed ^ 0x51));
    let switch_at = sc.switch.as_ref().map(|(after, _)| origin + *after);
    let mut speech_rng = Rng::new(sc.seed ^ 0x5eed);
    let mut jb = JitterBuffer::new(sc.config.clone()).expect("valid config");
    let mut sent_at: HashMap<u16, Instant> = HashMap::new();
    // First copies seen, by extended sequence number (an hour of 20 ms packets wraps the
    // 16-bit one almost three times).
    let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut out = Outcome {
        metrics: Metrics::default(),
        sent: 0,
        delivered_unique: 0,
        link_duplicated: 0,
        link_lost: 0,
        frame_latency: Vec::new(),
        delays: Vec::new(),
        released: Vec::new(),
        samples: Vec::new(),
        targets: Vec::new(),
        drift_estimate_ppm: 0.0,
        played: Vec::new(),
        arrivals: Vec::new(),
        metrics_at_switch: None,
        delivered_before_switch: 0,
        levels: Vec::new(),
        late_sent: Vec::new(),
    };
    let mut seq = sc.first_seq;
    let mut ts = sc.first_ts;
    let mut frame_index: u64 = 0;
    let mut talking = true;
    let mut marker = true;
    let mut spurt: u32 = 0;
    let mut spurt_of: HashMap<u16, u32> = HashMap::new();
    let mut phase_left = phase(&mut speech_rng, sc.speech, true);
    let end = origin + sc.length;
    let mut next_sample = sc.sample_every.map(|p| origin + p);
    let mut now = origin;
    loop {
        // The sender's frame `frame_index` is captured at that time on its own clock.
        let next_send = clock.real(origin + FRAME * frame_index as u32);
        let next_send = if next_send < end {
            Some(next_send)
        } else {
            None
        };
        let candidates = [
            next_send,
            link.next_delivery(),
            second.as_ref().and_then(Link::next_delivery),
            jb.poll_timeout(),
            next_sample,
            switch_at.filter(|_| out.metrics_at_switch.is_none()),
        ];
        let Some(t) = candidates.iter().flatten().min().copied() else {
            break;
        };
        if t > end + Duration::from_secs(5) {
            break;
        }
        assert!(t >= now, "time went backwards: {t:?} < {now:?}");
        now = t;
        let switched = switch_at.is_some_and(|at| now >= at);
        if switched && out.metrics_at_switch.is_none() {
            out.metrics_at_switch = Some(jb.metrics());
            out.delivered_before_switch = out.delivered_unique;
        }
        if next_send == Some(now) {
            if talking {
                sent_at.insert(seq, now);
                spurt_of.insert(seq, spurt);
                let datagram = packet(sc.payload, seq, ts, marker);
                match second.as_mut() {
                    Some(second) if switched => second.send(now, datagram),
                    _ => link.send(now, datagram),
                }
                out.sent += 1;
                marker = false;
                seq = seq.wrapping_add(1);
            }
            ts = ts.wrapping_add(TICKS);
            frame_index += 1;
            phase_left = phase_left.saturating_sub(1);
            if phase_left == 0 {
                talking = !talking;
                if talking {
                    marker = true;
                    spurt += 1;
                }
                phase_left = phase(&mut speech_rng, sc.speech, talking);
            }
        }
        loop {
            let delivered = match link.poll(now) {
                Some(d) => Some(d),
                None => second.as_mut().and_then(|l| l.poll(now)),
            };
            let Some((at, datagram)) = delivered else {
                break;
            };
            let p = RtpPacket::parse(&datagram).expect("the sender wrote valid RTP");
            let s = p.sequence_number();
            // The packet's extended number: the latest sent one with these low 16 bits.
            let newest = u64::from(sc.first_seq) + out.sent.saturating_sub(1);
            let extended = newest - u64::from((newest as u16).wrapping_sub(s));
            if seen.insert(extended) {
                out.delivered_unique += 1;
                if let Some(sent) = sent_at.get(&s) {
                    out.delays.push((at - *sent).as_secs_f64());
                    out.arrivals
                        .push(((*sent - origin).as_secs_f64(), (at - *sent).as_secs_f64()));
                }
            }
            if jb.insert_packet(at, &p) == jitter_buffer::Insertion::Late
                && let Some(sent) = sent_at.get(&s)
            {
                out.late_sent.push((*sent - origin).as_secs_f64());
            }
        }
        while let Some(event) = jb.poll(now) {
            match event {
                Playout::Frame(f) => {
                    assert_eq!(
                        f.payload(),
                        &payload(sc.payload, f.sequence_number(), f.timestamp())[..],
                        "payload intact"
                    );
                    out.released.push(f.sequence_number());
                    let sp = spurt_of
                        .get(&f.sequence_number())
                        .copied()
                        .unwrap_or(u32::MAX);
                    if let Some(sent) = sent_at.get(&f.sequence_number()) {
                        let latency = (f.playout_time() - *sent).as_secs_f64();
                        out.frame_latency.push((sp, latency));
                        out.played.push((
                            (*sent - origin).as_secs_f64(),
                            latency,
                            f.time_stretch(),
                        ));
                    }
                    if sc.payload == Payload::Speech {
                        let sum: u32 = f
                            .payload()
                            .iter()
                            .map(|&c| u32::from(g711::ulaw_decode(c).unsigned_abs()))
                            .sum();
                        out.levels.push((sum / 160, f.time_stretch().is_some()));
                    }
                }
                Playout::Conceal(c) => out.released.push(c.sequence_number),
                other => panic!("a playout the simulation does not know: {other:?}"),
            }
        }
        if let Some(t) = jb.poll_timeout() {
            assert!(
                t > now,
                "poll_timeout {t:?} not after a poll that returned nothing at {now:?}"
            );
        }
        if next_sample == Some(now) {
            out.samples
                .push((jb.buffered_duration(), jb.playout_delay()));
            out.targets.push(jb.target_delay());
            next_sample = sc.sample_every.map(|p| now + p);
        }
    }
    out.metrics = jb.metrics();
    out.link_duplicated = link.stats().duplicated;
    out.link_lost = link.stats().lost;
    out.drift_estimate_ppm = jb.estimated_drift_ppm();
    out
}

/// Frames in the next talk or silence phase.
fn phase(rng: &mut Rng, speech: Speech, talking: bool) -> u64 {
    match speech {
        Speech::Continuous => u64::MAX,
        Speech::Talkspurts { talk, silence } => {
            let mean = if talking { talk } else { silence };
            let secs = mean.as_secs_f64() * rng.exponential();
            ((secs / FRAME.as_secs_f64()) as u64).max(10)
        }
    }
}
