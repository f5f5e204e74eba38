//! The steady-state feed shared by the criterion bench and the `steady_state` example (which
//! includes this file by path), so both measure exactly the same step.

use jitter_buffer::{Config, JitterBuffer, PacketInfo, Playout};
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(20);
/// Video: packets per frame, and the time between two packets (30 frames a second).
const VIDEO_PACKETS: u16 = 4;
const VIDEO_STEP: Duration = Duration::from_micros(1_000_000 / 30 / VIDEO_PACKETS as u64);

/// One receive stream: the next packet to insert and the time it arrives.
pub struct Feed {
    jb: JitterBuffer,
    seq: u16,
    ts: u32,
    now: Instant,
    ssrc: u32,
    video: bool,
}

impl Feed {
    /// A 48 kHz audio stream `ssrc` starting at `t0`, after 3000 warm-up packets.
    pub fn new(ssrc: u32, t0: Instant) -> Result<Self, jitter_buffer::Error> {
        let config = Config::audio(rtp_packet::ClockRate::OPUS);
        Self::warmed_up(JitterBuffer::new(config)?, ssrc, t0, false)
    }

    /// A 90 kHz video stream `ssrc` starting at `t0` (30 frames a second of four
    /// 1200-byte packets, the last with the marker bit), after 3000 warm-up packets.
    #[allow(
        dead_code,
        reason = "the criterion bench uses it, the example only when asked"
    )]
    pub fn video(ssrc: u32, t0: Instant) -> Result<Self, jitter_buffer::Error> {
        Self::warmed_up(JitterBuffer::new(Config::video())?, ssrc, t0, true)
    }

    fn warmed_up(
        jb: JitterBuffer,
        ssrc: u32,
        now: Instant,
        video: bool,
    ) -> Result<Self, jitter_buffer::Error> {
        let mut feed = Self {
            jb,
            seq: 0,
            ts: 0,
            now,
            ssrc,
            video,
        };
        for _ in 0..3000 {
            feed.step();
        }
        Ok(feed)
    }

    /// Inserts one 20 ms Opus-sized packet with a little jitter and plays what is due;
    /// returns the payload bytes played.
    pub fn step(&mut self) -> usize {
        if self.video {
            return self.video_step();
        }
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

    /// Inserts the next packet of a four-packet video frame (the last with the marker
    /// bit), a little jittered, and plays every frame due; returns the payload bytes played.
    fn video_step(&mut self) -> usize {
        let marker = self.seq % VIDEO_PACKETS == VIDEO_PACKETS - 1;
        let arrival = self.now + Duration::from_micros(u64::from(self.seq % 7) * 700);
        let (seq, ts) = (self.seq, self.ts);
        let mut header = PacketInfo::default();
        (header.ssrc, header.sequence_number, header.timestamp) = (self.ssrc, seq, ts);
        (header.marker, header.payload_type) = (marker, 96);
        self.jb.insert(arrival, header, &[0x5a; 1200]);
        let played = std::iter::from_fn(|| {
            self.jb.poll(self.now).map(|p| match p {
                Playout::Frame(f) => f.payloads().map(<[u8]>::len).sum::<usize>(),
                _ => 0,
            })
        })
        .sum();
        self.seq = seq.wrapping_add(1);
        self.ts = ts.wrapping_add(if marker { 3000 } else { 0 });
        self.now += VIDEO_STEP;
        played
    }
}
