//! An audio mixer with CSRC attribution (RFC 3550 §7.1): alice and bob each send G.711 to
//! a mixer, which decodes what each leg's jitter buffer plays, sums it, and sends one
//! stream to carol with the SSRCs of the talkers who contributed in its CSRC list. Carol
//! reads the CSRCs of every packet and tells who spoke when.
//!
//! Run with `cargo run -p rtp-stack-examples --example mixer`.

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rtp_packet::RtpPacket;
use rtp_packet::payload::g711;
use rtp_session::{Bandwidth, Binding, Config, Driver, Event, Output, PortRange, os_rng};

const SAMPLES: usize = 160;

fn config(raw: bool) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    c.raw_packets = raw;
    c.bandwidth = Bandwidth {
        reduced_minimum: true,
        ..Bandwidth::new(400_000)
    };
    c
}

fn tone(hz: f64, frame: u32) -> Vec<u8> {
    (0..SAMPLES)
        .map(|i| {
            let t = (f64::from(frame) * SAMPLES as f64 + i as f64) / 8000.0;
            g711::ulaw_encode((6000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16)
        })
        .collect()
}

/// Who talks in each 20 ms frame of the 3 s script: alice, then bob, then both.
fn talking(frame: u32) -> (bool, bool) {
    match frame {
        0..50 => (true, false),
        50..100 => (false, true),
        _ => (true, true),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let binding = Binding {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange {
            first: 35000,
            last: 36000,
        },
    };
    let rng = || Box::new(os_rng().expect("OS randomness"));
    let mut alice = Driver::bind(config(false), binding, rng()).await?;
    let mut bob = Driver::bind(config(false), binding, rng()).await?;
    let mut leg_alice = Driver::bind(config(false), binding, rng()).await?;
    let mut leg_bob = Driver::bind(config(false), binding, rng()).await?;
    let mut leg_carol = Driver::bind(config(false), binding, rng()).await?;
    let mut carol = Driver::bind(config(true), binding, rng()).await?;
    for (a, b) in [
        (&mut alice, &mut leg_alice),
        (&mut bob, &mut leg_bob),
        (&mut leg_carol, &mut carol),
    ] {
        let (pa, pb) = (a.local_rtp(), b.local_rtp());
        a.session_mut().set_remote(pb, pb);
        b.session_mut().set_remote(pa, pa);
    }
    let names: BTreeMap<u32, &str> = [
        (alice.session().local_ssrc(), "alice"),
        (bob.session().local_ssrc(), "bob"),
    ]
    .into();
    println!(
        "alice SSRC {:08x}, bob SSRC {:08x}, mixer SSRC {:08x}",
        alice.session().local_ssrc(),
        bob.session().local_ssrc(),
        leg_carol.session().local_ssrc()
    );

    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let end = tokio::time::Instant::now() + Duration::from_millis(3300);
    let mut frame = 0u32;
    let mut mix_tick = 0u32;
    // Frames each mixer leg played and the mixer has not used yet: (SSRC, samples).
    let mut from_alice: VecDeque<(u32, Vec<i16>)> = VecDeque::new();
    let mut from_bob: VecDeque<(u32, Vec<i16>)> = VecDeque::new();
    // Carol's view: per second of the mixed stream, packets per set of talkers.
    let mut attribution: BTreeMap<(u32, Vec<&str>), u32> = BTreeMap::new();
    let mut first_timestamp = None;
    let mut received = 0u32;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if frame < 150 {
                    let (a, b) = talking(frame);
                    if a { alice.send(&tone(300.0, frame), frame * 160, false)?; }
                    if b { bob.send(&tone(500.0, frame), frame * 160, false)?; }
                    frame += 1;
                }
                // Mix one frame per leg and send it with its contributors.
                let pending: Vec<(u32, Vec<i16>)> =
                    [from_alice.pop_front(), from_bob.pop_front()].into_iter().flatten().collect();
                mix_tick += 1;
                if !pending.is_empty() {
                    let mut sum = [0i32; SAMPLES];
                    for (_, samples) in &pending {
                        for (s, x) in sum.iter_mut().zip(samples) { *s += i32::from(*x); }
                    }
                    let payload: Vec<u8> = sum.iter().map(|s| g711::ulaw_encode((*s).clamp(-32768, 32767) as i16)).collect();
                    let mut csrcs: Vec<u32> = pending.iter().map(|(ssrc, _)| *ssrc).collect();
                    csrcs.sort_unstable();
                    csrcs.dedup();
                    leg_carol.send_mixed(&payload, mix_tick * 160, false, &csrcs)?;
                }
            }
            Some(out) = leg_alice.next() => if let Output::Frame(f) = out {
                let mut pcm = vec![0i16; f.payload.len()];
                g711::ulaw_decode_slice(&f.payload, &mut pcm)?;
                from_alice.push_back((f.ssrc, pcm));
            },
            Some(out) = leg_bob.next() => if let Output::Frame(f) = out {
                let mut pcm = vec![0i16; f.payload.len()];
                g711::ulaw_decode_slice(&f.payload, &mut pcm)?;
                from_bob.push_back((f.ssrc, pcm));
            },
            Some(out) = carol.next() => if let Output::Event(Event::RtpPacket { packet, .. }) = out {
                let packet = RtpPacket::parse(&packet)?;
                let talkers: Vec<&str> = packet.csrcs().map(|c| names.get(&c).copied().unwrap_or("?")).collect();
                received += 1;
                let first = *first_timestamp.get_or_insert(packet.timestamp());
                let second = packet.timestamp().wrapping_sub(first) / 8000;
                *attribution.entry((second, talkers)).or_insert(0) += 1;
            },
            Some(_) = alice.next() => {}
            Some(_) = bob.next() => {}
            () = tokio::time::sleep_until(end) => break,
        }
    }
    println!("\ncarol received {received} mixed packets; CSRC attribution per second of the mix:");
    println!("  {:>6}  {:16} {:>8}", "second", "talkers", "packets");
    for ((second, talkers), count) in &attribution {
        println!("  {:>6}  {:16} {:>8}", second, talkers.join(" + "), count);
    }
    for d in [alice, bob, leg_alice, leg_bob, leg_carol, carol] {
        d.close().await?;
    }
    Ok(())
}
