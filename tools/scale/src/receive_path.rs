//! Packets per second through the whole receive path against a bare UDP receiver.
//!
//! One sender thread writes a pre-protected SRTP G.711 stream as fast as the socket takes
//! it; on the other end a receiver on the same kind of socket (a blocking loopback
//! `std::net::UdpSocket`) either only reads each datagram (bare) or reads it and hands it
//! to a [`Session`]: classify, SRTP unprotect, RTP parse, statistics, jitter buffer, then
//! playout polled as the session's user would. Rounds alternate bare and session runs so
//! both see the same machine load; the medians are compared.
//!
//! Two rates per run: packets per wall-clock second from the first datagram to the last,
//! which one sender thread can cap (two cores serve sender and receiver), and packets per
//! second of the receiving thread's own CPU time (`/proc/thread-self/schedstat`), the
//! receive path's capacity. The target is judged on the second.
//!
//! The stream is protected before the clock starts so the sender runs at the speed of the
//! socket, not of AES. The session is given each packet's nominal arrival instant (its
//! index × 20 ms) rather than the wall clock: a stream arriving thousands of times faster
//! than real time would otherwise make the jitter buffer discard nearly everything, a
//! cheaper path than the one real calls take.
//!
//! The ratio is the median of each round's ratio (session against the bare run just
//! before it), so a change of the machine's load between rounds moves both sides of a
//! round alike; the machine is shared, and one round's ratio moves by ±10%.
//!
//! The target is judged on AES_CM_128_HMAC_SHA1_80, the profile SIP phones offer first
//! (RFC 4568) and the one every figure of this measurement has used. Each round also runs
//! the session on AEAD_AES_128_GCM (what browsers pick when offered), and two receivers
//! that only read and SRTP-unprotect (one per profile, no session): the crypto's own share
//! of the path, the ceiling any session that decrypts could reach on this socket.

use crate::common::{
    Direction, PACKET_INTERVAL, PROFILE, SAMPLES, SequenceExtender, protected_packet,
    session_config_for, srtp_context_for,
};
use rtp_session::{Component, Session};
use srtp::ProtectionProfile;
use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The part of the target: the session must reach this share of the bare rate.
const TARGET_RATIO: f64 = 0.90;

/// The cheaper profile measured beside [`PROFILE`].
const GCM: ProtectionProfile = ProtectionProfile::AeadAes128Gcm;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Receiver {
    /// Reads only.
    Bare,
    /// Reads and SRTP-unprotects with a bare `srtp::Context`.
    Unprotect,
    /// Reads and hands each datagram to a [`Session`].
    Session,
}

/// What one run measured.
#[derive(Debug, Clone, Copy)]
struct Run {
    sent: u64,
    processed: u64,
    elapsed: Duration,
    cpu: Duration,
}

impl Run {
    /// Packets per wall-clock second.
    fn rate(&self) -> f64 {
        self.processed as f64 / self.elapsed.as_secs_f64()
    }

    /// Packets per second of the receiving thread's CPU time.
    fn cpu_rate(&self) -> f64 {
        self.processed as f64 / self.cpu.as_secs_f64()
    }
}

/// CPU time this thread has run (the first field of `/proc/thread-self/schedstat`).
fn thread_cpu() -> Result<Duration, String> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")
        .map_err(|e| format!("/proc/thread-self/schedstat: {e}"))?;
    text.split_whitespace()
        .next()
        .and_then(|ns| ns.parse().ok())
        .map(Duration::from_nanos)
        .ok_or_else(|| format!("unreadable schedstat `{text}`"))
}

/// The runs of one round after the bare one: what is received, and with which profile.
const ROUND: [(Receiver, ProtectionProfile, &str); 4] = [
    (Receiver::Session, PROFILE, "session AES-CM"),
    (Receiver::Unprotect, PROFILE, "unprotect only AES-CM"),
    (Receiver::Session, GCM, "session GCM"),
    (Receiver::Unprotect, GCM, "unprotect only GCM"),
];

pub fn run(quick: bool) -> Result<(), String> {
    let (packets, rounds) = if quick { (100_000, 5) } else { (300_000, 9) };
    eprintln!(
        "receive path: {packets} SRTP G.711 packets per run, {rounds} rounds of bare UDP, \
         UDP → SRTP → statistics → jitter buffer (AES_CM_128_HMAC_SHA1_80, then \
         AEAD_AES_128_GCM), and UDP → SRTP unprotect only (both profiles)"
    );
    let streams = [
        Arc::new(protect_stream(PROFILE, packets)?),
        Arc::new(protect_stream(GCM, packets)?),
    ];
    let stream = |profile| {
        if profile == PROFILE {
            &streams[0]
        } else {
            &streams[1]
        }
    };
    let (mut bare, mut bare_wall) = (Vec::new(), Vec::new());
    // Per entry of ROUND: packets per receiving CPU-second, wall-clock rate, ratio to bare.
    let mut cpu: [Vec<f64>; 4] = Default::default();
    let mut wall: [Vec<f64>; 4] = Default::default();
    let mut ratios: [Vec<f64>; 4] = Default::default();
    for round in 0..rounds {
        let b = measure(Receiver::Bare, PROFILE, stream(PROFILE))?;
        let mut line = format!(
            "  round {}: bare {:>7.0} pkt/CPU-s ({:.0} pkt/s wall, {} of {} read)",
            round + 1,
            b.cpu_rate(),
            b.rate(),
            b.processed,
            b.sent
        );
        bare.push(b.cpu_rate());
        bare_wall.push(b.rate());
        for (k, &(receiver, profile, name)) in ROUND.iter().enumerate() {
            let r = measure(receiver, profile, stream(profile))?;
            line += &format!(
                "; {name} {:.0} ({:.1}%, {} of {})",
                r.cpu_rate(),
                r.cpu_rate() / b.cpu_rate() * 100.0,
                r.processed,
                r.sent
            );
            cpu[k].push(r.cpu_rate());
            wall[k].push(r.rate());
            ratios[k].push(r.cpu_rate() / b.cpu_rate());
        }
        eprintln!("{line}");
    }
    let (bare, bare_wall) = (median(&mut bare), median(&mut bare_wall));
    let mut medians = [(0.0, 0.0, 0.0, 0.0, 0.0); 4];
    for k in 0..ROUND.len() {
        let (low, high) = ratios[k]
            .iter()
            .fold((f64::MAX, 0.0f64), |(l, h), &r| (l.min(r), h.max(r)));
        medians[k] = (
            median(&mut cpu[k]),
            median(&mut wall[k]),
            median(&mut ratios[k]),
            low,
            high,
        );
    }
    eprintln!(
        "receive path: median per receiving CPU-second: bare {bare:.0} packets ({:.2} µs a \
         packet; wall clock, sender-bound: {bare_wall:.0} pkt/s)",
        1e6 / bare
    );
    for (k, &(_, _, name)) in ROUND.iter().enumerate() {
        let (rate, wall, ratio, low, high) = medians[k];
        eprintln!(
            "  {name:<22} {rate:>8.0} packets ({:.2} µs, {:+.2} µs over bare): {:.1}% of bare \
             (rounds {:.1}–{:.1}%; wall {wall:.0} pkt/s)",
            1e6 / rate,
            1e6 / rate - 1e6 / bare,
            ratio * 100.0,
            low * 100.0,
            high * 100.0
        );
    }
    let ratio = medians[0].2;
    eprintln!(
        "receive path: the session (AES_CM_128_HMAC_SHA1_80) at {:.1}% of bare UDP (target ≥ \
         {:.0}%) {}",
        ratio * 100.0,
        TARGET_RATIO * 100.0,
        if ratio >= TARGET_RATIO {
            "MET"
        } else {
            "NOT MET"
        }
    );
    crate::common::result("receive_path_ratio", &format!("{:.3}", ratio))?;
    crate::common::result("receive_path_bare_pps", &format!("{bare:.0}"))?;
    crate::common::result("receive_path_session_pps", &format!("{:.0}", medians[0].0))?;
    crate::common::result(
        "receive_path_unprotect_ratio",
        &format!("{:.3}", medians[1].2),
    )?;
    crate::common::result("receive_path_gcm_ratio", &format!("{:.3}", medians[2].2))?;
    crate::common::result(
        "receive_path_gcm_unprotect_ratio",
        &format!("{:.3}", medians[3].2),
    )
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The whole stream, SRTP-protected with `profile` in sending order.
fn protect_stream(profile: ProtectionProfile, packets: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut context = srtp_context_for(profile, 0, Direction::ToServer)?;
    let mut buf = [0u8; 256];
    (0..packets)
        .map(|i| {
            let len = protected_packet(
                &mut buf,
                &mut context,
                0x5ca1_ab1e,
                i as u16,
                (i as u32).wrapping_mul(SAMPLES),
            )?;
            Ok(buf[..len].to_vec())
        })
        .collect()
}

fn measure(
    receiver: Receiver,
    profile: ProtectionProfile,
    stream: &Arc<Vec<Vec<u8>>>,
) -> Result<Run, String> {
    let io = |e: std::io::Error| e.to_string();
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(io)?;
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(io)?;
    let sender = UdpSocket::bind("127.0.0.1:0").map_err(io)?;
    sender
        .connect(socket.local_addr().map_err(io)?)
        .map_err(io)?;
    let from = sender.local_addr().map_err(io)?;
    let done = Arc::new(AtomicBool::new(false));
    let stream = Arc::clone(stream);
    let finished = Arc::clone(&done);
    let send = std::thread::spawn(move || {
        let mut sent = 0u64;
        for datagram in stream.iter() {
            if sender.send(datagram).is_ok() {
                sent += 1;
            }
        }
        finished.store(true, Ordering::Release);
        sent
    });
    let mut context = match receiver {
        Receiver::Unprotect => Some(srtp_context_for(profile, 0, Direction::ToServer)?),
        _ => None,
    };
    let mut unprotected = 0u64;
    let mut session = match receiver {
        Receiver::Bare | Receiver::Unprotect => None,
        Receiver::Session => {
            let mut config = session_config_for(profile, 0)?;
            config.transport.remote_rtp = Some(from);
            config.transport.latching = false;
            Some(
                Session::new(Instant::now(), config, crate::common::random(0))
                    .map_err(|e| e.to_string())?,
            )
        }
    };
    let cpu_start = thread_cpu()?;
    let epoch = Instant::now();
    let mut sequence = SequenceExtender::default();
    let mut buf = [0u8; 2048];
    let mut processed = 0u64;
    let mut first = None;
    let mut last = epoch;
    loop {
        let n = match socket.recv(&mut buf) {
            Ok(n) => n,
            // The sender has finished and the socket stayed empty: the run is over.
            Err(_) if done.load(Ordering::Acquire) => break,
            Err(e) => return Err(format!("receive: {e}")),
        };
        let at = Instant::now();
        first.get_or_insert(at);
        last = at;
        let datagram = &mut buf[..n];
        if let Some(context) = context.as_mut() {
            if context.unprotect_rtp(datagram).is_ok() {
                unprotected += 1;
            }
            continue;
        }
        match session.as_mut() {
            None => processed += 1,
            Some(session) => {
                let Some(&[hi, lo]) = datagram.get(2..4) else {
                    continue;
                };
                let seq = u16::from_be_bytes([hi, lo]);
                let now = epoch + PACKET_INTERVAL * sequence.extend(seq) as u32;
                session.handle_datagram(now, Component::Rtp, from, datagram);
                while session.poll_playout(now).is_some() {}
                if session.poll_timeout().is_some_and(|t| t <= now) {
                    session.handle_timeout(now);
                }
                while session.poll_transmit().is_some() {}
                while session.poll_event().is_some() {}
            }
        }
    }
    let cpu = thread_cpu()?.saturating_sub(cpu_start);
    let sent = send.join().map_err(|_| "the sender thread panicked")?;
    if let Some(session) = &session {
        let counters = session.counters();
        if counters.unprotect_failures != 0 || counters.malformed != 0 {
            return Err(format!(
                "the session rejected packets of a valid stream: {counters:?}"
            ));
        }
        processed = counters.rtp_received;
    }
    if context.is_some() {
        processed = unprotected;
    }
    let elapsed = last.duration_since(first.unwrap_or(last));
    if processed == 0 || elapsed.is_zero() || cpu.is_zero() {
        return Err(format!("{receiver:?} receiver got nothing"));
    }
    Ok(Run {
        sent,
        processed,
        elapsed,
        cpu,
    })
}
