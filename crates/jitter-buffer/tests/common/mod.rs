//! A receiver fed through a `netsim` link: the harness of the network tests.
//!
//! The sender produces 20 ms audio packets (8 kHz, 160 ticks) on its own, possibly
//! drifting, clock, optionally in talkspurts (marker bit on each first packet, sequence
//! numbers contiguous across silences as RFC 3551 §4.1 describes). Packets cross a
//! `netsim::Link`, are parsed with `rtp_packet::RtpPacket` and inserted; the buffer is
//! polled exactly at its `poll_timeout`. The run is a discrete-event simulation, so an hour
//! of audio takes well under a second of CPU.

use jitter_buffer::{Config, JitterBuffer, Metrics, Playout};
use netsim::{DriftingClock, Link, LinkConfig, Rng};
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
    pub drift_estimate_ppm: f64,
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

fn packet(seq: u16, ts: u32, marker: bool) -> Vec<u8> {
    let mut header = RtpHeader::new(PayloadType::PCMU, seq, ts, 0x1234_5678);
    header.marker = marker;
    let mut buf = vec![0u8; 12 + 160];
    let len = PacketWriter::new(&mut buf, &header)
        .and_then(|w| w.finish(&[seq as u8; 160], 0))
        .expect("a 172-byte packet fits");
    buf.truncate(len);
    buf
}

pub fn run(sc: &Scenario) -> Outcome {
    let origin = Instant::now();
    let clock = DriftingClock::new(origin, sc.drift_ppm);
    let mut link: Link<Vec<u8>> = Link::new(sc.link.clone(), sc.seed);
    let mut speech_rng = Rng::new(sc.seed ^ 0x5eed);
    let mut jb = JitterBuffer::new(sc.config.clone()).expect("valid config");
    let mut sent_at: HashMap<u16, Instant> = HashMap::new();
    let mut seen: HashMap<u16, ()> = HashMap::new();
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
        drift_estimate_ppm: 0.0,
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
            jb.poll_timeout(),
            next_sample,
        ];
        let Some(t) = candidates.iter().flatten().min().copied() else {
            break;
        };
        if t > end + Duration::from_secs(5) {
            break;
        }
        assert!(t >= now, "time went backwards: {t:?} < {now:?}");
        now = t;
        if next_send == Some(now) {
            if talking {
                sent_at.insert(seq, now);
                spurt_of.insert(seq, spurt);
                link.send(now, packet(seq, ts, marker));
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
        while let Some((at, datagram)) = link.poll(now) {
            let p = RtpPacket::parse(&datagram).expect("the sender wrote valid RTP");
            let s = p.sequence_number();
            if seen.insert(s, ()).is_none() {
                out.delivered_unique += 1;
                if let Some(sent) = sent_at.get(&s) {
                    out.delays.push((at - *sent).as_secs_f64());
                }
            }
            jb.insert_packet(at, &p);
        }
        while let Some(event) = jb.poll(now) {
            match event {
                Playout::Frame(f) => {
                    assert_eq!(
                        f.payload(),
                        &[f.sequence_number() as u8; 160][..],
                        "payload intact"
                    );
                    out.released.push(f.sequence_number());
                    let sp = spurt_of
                        .get(&f.sequence_number())
                        .copied()
                        .unwrap_or(u32::MAX);
                    if let Some(sent) = sent_at.get(&f.sequence_number()) {
                        out.frame_latency
                            .push((sp, (f.playout_time() - *sent).as_secs_f64()));
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
