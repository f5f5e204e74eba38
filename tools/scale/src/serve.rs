//! `scale serve N [--tasks|--shared]`: the process under test of `scale sessions`. It runs
//! N sessions (SRTP, rtcp-mux, symmetric RTP) on loopback on an [`rtp_session::Server`]
//! with one worker per core (or, with `--tasks`, N [`rtp_session::Driver`]s, one tokio task
//! each, on a two-worker runtime); every session answers the load generator with its own
//! 50 packet/s G.711 stream once it has latched onto the generator's address. With
//! `--shared` the sessions share one socket per worker ([`Server::add_shared`]) and learn
//! the generator's addresses from a `REMOTES` line instead of latching.
//!
//! Protocol on standard input/output, one line each:
//! - out `READY <rss before KiB> <rss after binding KiB> <port>...`
//! - in, with `--shared` only, `REMOTES <address>...` (each session's peer), answered `SET`
//! - in `MARK` (the load runs: start the CPU clock), `STOP` (stop sending), then `REPORT`
//! - out `DONE <rss running KiB> <expected> <lost> <sent> <silent sessions> <unprotect failures>
//!   <CPU ms> <wall ms>`
//!   where expected and lost add up RFC 3550 A.3 over every session's remote source, and
//!   the CPU time (every thread) and wall time run from MARK to STOP.

use crate::common::{
    Clock, PACKET_INTERVAL, PAYLOAD, SAMPLES, Tally, random, session_config, vm_rss_kib,
};
use rtp_session::{Binding, Driver, Handler, PortRange, Server, Session};
use std::io::{BufRead, Write};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// What the controller has asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Sending,
    Quiet,
    Done,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let sessions: u32 = args
        .first()
        .and_then(|a| a.parse().ok())
        .ok_or("usage: scale serve SESSIONS [--tasks]")?;
    if !args.iter().any(|a| a == "--tasks") {
        return serve_on_server(sessions, args.iter().any(|a| a == "--shared"));
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(serve(sessions))
}

/// Where every session's own ports are bound: loopback, from 20000 up.
const BINDING: Binding = Binding {
    ip: std::net::IpAddr::V4(Ipv4Addr::LOCALHOST),
    ports: PortRange {
        first: 20000,
        last: 59999,
    },
};

/// Writes one protocol line to standard output.
pub fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

/// Packets a late wake-up of a session's media clock still sends at once (100 ms of
/// audio), as the load generator catches up on its own ticks; a clock further behind skips
/// the rest, and they count against the server's rate.
const MAX_CATCH_UP: u32 = 5;

/// One session's media clock on the [`Server`]: a G.711 packet every 20 ms while the
/// phase is [`Phase::Sending`] and the remote is known.
struct Caller {
    phase: Arc<AtomicU8>,
    /// The clock's next packet time, on its own 20 ms grid.
    next: Option<std::time::Instant>,
    timestamp: u32,
    sent: u64,
}

impl Handler for Caller {
    fn on_wake(
        &mut self,
        session: &mut Session,
        now: std::time::Instant,
    ) -> Option<std::time::Instant> {
        if self.phase.load(Ordering::Relaxed) != Phase::Sending as u8 {
            return None;
        }
        // Keep the clock's own grid rather than drifting by each wake's lateness: send
        // every packet due by now, up to MAX_CATCH_UP.
        let mut next = self.next.unwrap_or(now);
        let mut owed = 0;
        while next <= now && owed < MAX_CATCH_UP {
            if session.remote_rtp().is_some()
                && session
                    .send(now, &PAYLOAD, self.timestamp, self.sent == 0)
                    .is_ok()
            {
                self.sent += 1;
                self.timestamp = self.timestamp.wrapping_add(SAMPLES);
            }
            next += PACKET_INTERVAL;
            owed += 1;
        }
        if next <= now {
            next = now + PACKET_INTERVAL;
        }
        self.next = Some(next);
        Some(next)
    }
}

fn serve_on_server(sessions: u32, shared: bool) -> Result<(), String> {
    let before = vm_rss_kib()?;
    let binding = BINDING;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut server = if shared {
        Server::start_shared(workers, Ipv4Addr::LOCALHOST.into())
    } else {
        Server::start(workers)
    }
    .map_err(|e| e.to_string())?;
    let phase = Arc::new(AtomicU8::new(Phase::Sending as u8));
    let start = std::time::Instant::now() + PACKET_INTERVAL;
    let count = sessions.max(1);
    let mut ports = Vec::with_capacity(sessions as usize);
    let mut ids = Vec::with_capacity(sessions as usize);
    for i in 0..sessions {
        // Calls do not start in step: spread the sessions' ticks over the interval.
        let first = start + PACKET_INTERVAL * i / count;
        let caller = Caller {
            phase: phase.clone(),
            next: Some(first),
            timestamp: 0,
            sent: 0,
        };
        let id = if shared {
            server.add_shared(session_config(i)?, random(i), caller, Some(first))
        } else {
            server.add(session_config(i)?, binding, random(i), caller, Some(first))
        }
        .map_err(|e| format!("session {i}: {e}"))?;
        ports.push(id.local_rtp().port().to_string());
        ids.push(id);
    }
    let bound = vm_rss_kib()?;
    say(&format!("READY {before} {bound} {}", ports.join(" ")))?;
    if shared {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let remotes = line
            .trim()
            .strip_prefix("REMOTES")
            .ok_or("expected REMOTES")?;
        for (id, remote) in ids.iter().zip(remotes.split_whitespace()) {
            let remote: std::net::SocketAddr = remote
                .parse()
                .map_err(|e| format!("remote `{remote}`: {e}"))?;
            server
                .with(*id, move |s: &mut Session, _: &mut Caller| {
                    s.set_remote(remote, remote)
                })
                .map_err(|e| e.to_string())?;
        }
        say("SET")?;
    }
    let mut clock = Clock::start()?;
    for line in std::io::stdin().lock().lines() {
        match line.map_err(|e| e.to_string())?.trim() {
            "MARK" => clock = Clock::start()?,
            "STOP" => {
                phase.store(Phase::Quiet as u8, Ordering::Relaxed);
                clock.stop()?;
            }
            "REPORT" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    let running = vm_rss_kib()?;
    let mut total = Tally::default();
    for stopped in server.stop().map_err(|e| e.to_string())? {
        let t = tally(&stopped.session, stopped.handler.sent, stopped.send_drops);
        total.add(&t);
    }
    say(&done_line(&total, running, &clock))
}

/// The `DONE` line `scale sessions` reads: resident KiB while running, the totals, then
/// the CPU clock's report.
fn done_line(total: &Tally, running_kib: u64, clock: &Clock) -> String {
    format!("DONE {running_kib} {} {}", total.counts(), clock.report())
}

/// A session's counts: RFC 3550 A.3 over its remote sources, what it sent.
fn tally(session: &Session, sent: u64, drops: u64) -> Tally {
    let mut tally = Tally {
        sent: sent.saturating_sub(drops),
        failures: session.counters().unprotect_failures,
        ..Tally::default()
    };
    let mut heard = false;
    let sources: Vec<u32> = session.remote_sources().collect();
    for ssrc in sources {
        if let Some(q) = session.quality(ssrc) {
            heard |= q.packets_received > 0;
            tally.expected += (q.packets_received as i64 + q.cumulative_lost).max(0) as u64;
            tally.lost += q.cumulative_lost;
        }
    }
    if !heard {
        tally.silent = 1;
    }
    tally
}

async fn serve(sessions: u32) -> Result<(), String> {
    let before = vm_rss_kib()?;
    let binding = BINDING;
    let mut drivers = Vec::with_capacity(sessions as usize);
    for i in 0..sessions {
        let driver = Driver::bind(session_config(i)?, binding, random(i))
            .await
            .map_err(|e| format!("session {i}: {e}"))?;
        drivers.push(driver);
    }
    let bound = vm_rss_kib()?;
    let ports: Vec<String> = drivers
        .iter()
        .map(|d| d.local_rtp().port().to_string())
        .collect();
    say(&format!("READY {before} {bound} {}", ports.join(" ")))?;
    let (phase, watcher) = watch::channel(Phase::Sending);
    let count = drivers.len().max(1) as u32;
    let tasks: Vec<_> = drivers
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            // Calls do not start in step: spread the sessions' ticks over the interval.
            let offset = PACKET_INTERVAL * i as u32 / count;
            tokio::spawn(run_session(d, offset, watcher.clone()))
        })
        .collect();
    let mut clock = Clock::start()?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        match line.trim() {
            "MARK" => clock = Clock::start()?,
            "STOP" => {
                let _ = phase.send(Phase::Quiet);
                clock.stop()?;
            }
            "REPORT" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    let running = vm_rss_kib()?;
    let _ = phase.send(Phase::Done);
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await.map_err(|e| e.to_string())?;
        total.add(&t);
    }
    say(&done_line(&total, running, &clock))
}

async fn run_session(
    mut driver: Driver,
    offset: Duration,
    mut phase: watch::Receiver<Phase>,
) -> Tally {
    let mut ticker = tokio::time::interval_at(Instant::now() + offset, PACKET_INTERVAL);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut timestamp = 0u32;
    let mut sent = 0u64;
    loop {
        let now_phase = *phase.borrow();
        tokio::select! {
            out = driver.next() => {
                if out.is_none() {
                    break;
                }
            }
            _ = ticker.tick(), if now_phase == Phase::Sending => {
                if driver.session().remote_rtp().is_some() && driver.send(&PAYLOAD, timestamp, sent == 0).is_ok() {
                    sent += 1;
                    timestamp = timestamp.wrapping_add(SAMPLES);
                }
            }
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() == Phase::Done {
                    break;
                }
            }
        }
    }
    tally(driver.session(), sent, driver.send_drops())
}
