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

use crate::common::{
    Direction, PACKET_INTERVAL, SAMPLES, SequenceExtender, protected_packet, session_config,
    srtp_context,
};
use rtp_session::{Component, Session};
use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The part of the target: the session must reach this share of the bare rate.
const TARGET_RATIO: f64 = 0.90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Receiver {
    Bare,
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

pub fn run(quick: bool) -> Result<(), String> {
    let (packets, rounds) = if quick { (100_000, 5) } else { (300_000, 9) };
    eprintln!(
        "receive path: {packets} SRTP G.711 packets per run, {rounds} rounds of bare UDP and \
         UDP → SRTP → statistics → jitter buffer"
    );
    let stream = Arc::new(protect_stream(packets)?);
    let (mut bare, mut session) = (Vec::new(), Vec::new());
    let (mut bare_wall, mut session_wall) = (Vec::new(), Vec::new());
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let b = measure(Receiver::Bare, &stream)?;
        let s = measure(Receiver::Session, &stream)?;
        eprintln!(
            "  round {}: bare {:>7.0} pkt/s wall, {:>7.0} pkt/CPU-s ({} of {} read); \
             session {:>7.0} pkt/s wall, {:>7.0} pkt/CPU-s ({} of {} processed)",
            round + 1,
            b.rate(),
            b.cpu_rate(),
            b.processed,
            b.sent,
            s.rate(),
            s.cpu_rate(),
            s.processed,
            s.sent
        );
        bare_wall.push(b.rate());
        session_wall.push(s.rate());
        bare.push(b.cpu_rate());
        session.push(s.cpu_rate());
        ratios.push(s.cpu_rate() / b.cpu_rate());
    }
    let (bare, session) = (median(&mut bare), median(&mut session));
    let (bare_wall, session_wall) = (median(&mut bare_wall), median(&mut session_wall));
    let ratio = median(&mut ratios);
    eprintln!(
        "receive path: median per receiving CPU-second: bare {bare:.0}, session {session:.0} \
         packets; median of the rounds' ratios {:.1}% of bare (target ≥ {:.0}%, rounds \
         {:.1}–{:.1}%) {}; wall clock (sender-bound): bare {bare_wall:.0}, session \
         {session_wall:.0} pkt/s",
        ratio * 100.0,
        TARGET_RATIO * 100.0,
        ratios.first().map_or(0.0, |r| r * 100.0),
        ratios.last().map_or(0.0, |r| r * 100.0),
        if ratio >= TARGET_RATIO {
            "MET"
        } else {
            "NOT MET"
        }
    );
    crate::common::result("receive_path_ratio", &format!("{:.3}", ratio))?;
    crate::common::result("receive_path_bare_pps", &format!("{bare:.0}"))?;
    crate::common::result("receive_path_session_pps", &format!("{session:.0}"))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The whole stream, SRTP-protected in sending order.
fn protect_stream(packets: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut context = srtp_context(0, Direction::ToServer)?;
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

fn measure(receiver: Receiver, stream: &Arc<Vec<Vec<u8>>>) -> Result<Run, String> {
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
    let mut session = match receiver {
        Receiver::Bare => None,
        Receiver::Session => {
            let mut config = session_config(0)?;
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
