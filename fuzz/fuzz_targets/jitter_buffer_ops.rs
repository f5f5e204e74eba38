//! Arbitrary sequences of inserts and polls, with arbitrary headers, payload sizes and
//! times, into audio and video buffers with small capacities, and sender-report mappings
//! at arbitrary points: nothing may panic, the packet and byte bounds must hold after every
//! operation, and a time stretch is never more than a frame's worth of ticks.

#![no_main]

use jitter_buffer::{Config, DelayMode, JitterBuffer, NtpTime, PacketInfo, Playout, TimeStretch};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let Some(setup) = input.u8() else { return };
    let mut config = if setup & 1 == 0 {
        Config::audio(rtp_packet::ClockRate::NARROWBAND)
    } else {
        Config::video()
    };
    config.capacity_packets = 16 + usize::from(setup >> 2) % 48;
    config.max_payload = 300;
    config.capacity_bytes = 2000;
    if setup & 2 != 0 {
        config.delay = DelayMode::Fixed(Duration::from_millis(u64::from(setup) * 3));
    }
    let Ok(mut jb) = JitterBuffer::new(config.clone()) else {
        return;
    };
    let payload = [0xa5u8; 400];
    let t0 = Instant::now();
    let mut now = t0;
    while let Some(op) = input.u8() {
        // Time moves by up to ~65 s per step; sometimes backwards for arrivals.
        let Some(step) = input.u16() else { break };
        if op & 1 == 0 {
            let (Some(seq), Some(ts), Some(len)) = (input.u16(), input.u32(), input.u16()) else {
                break;
            };
            let info = PacketInfo {
                ssrc: u32::from(op >> 6),
                sequence_number: seq,
                timestamp: ts,
                marker: op & 2 != 0,
                payload_type: op >> 1,
            };
            let arrival = if op & 4 != 0 {
                now.checked_sub(Duration::from_millis(u64::from(step)))
                    .unwrap_or(now)
            } else {
                now += Duration::from_millis(u64::from(step));
                now
            };
            let len = usize::from(len) % payload.len();
            jb.insert(arrival, info, &payload[..len]);
        } else {
            if op & 0x10 != 0 {
                // A sender report: an arbitrary wallclock for an arbitrary timestamp.
                let (Some(ntp), Some(rtp)) = (input.u32(), input.u32()) else {
                    break;
                };
                jb.set_sender_clock(NtpTime(u64::from(ntp) << 24), rtp);
                let _ = jb.sender_wallclock(rtp ^ u32::from(step));
            }
            now += Duration::from_millis(u64::from(step));
            let mut released = 0;
            while let Some(p) = jb.poll(now) {
                if let Playout::Frame(f) = p {
                    assert!(f.payloads().all(|p| p.len() <= config.max_payload));
                    assert!(f.missing().count() <= config.capacity_packets);
                    let _ = f.sender_wallclock();
                    // 120 ms (the longest frame the buffer learns) at 90 kHz.
                    if let Some(
                        TimeStretch::Shorten { samples } | TimeStretch::Lengthen { samples },
                    ) = f.time_stretch()
                    {
                        assert!(samples > 0 && samples <= 10_800, "stretch of {samples}");
                    }
                }
                released += 1;
                assert!(
                    released <= 2 * config.capacity_packets + 2,
                    "poll keeps releasing"
                );
            }
            let _ = jb.poll_timeout();
        }
        assert!(jb.buffered_packets() <= config.capacity_packets);
        assert!(jb.buffered_bytes() <= config.capacity_bytes);
        assert!(jb.missing().count() <= config.capacity_packets);
        let _ = (
            jb.buffered_duration(),
            jb.playout_delay(),
            jb.target_delay(),
            jb.estimated_drift_ppm(),
        );
    }
});
