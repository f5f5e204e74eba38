//! `scale floor`: what this machine's loopback UDP costs at the packet rates of `scale
//! sessions`, with no RTP, no SRTP and no session on either side: the floor under any
//! media stack's session count here.
//!
//! Two processes, as in `scale sessions`: this one is the generator, `scale echo` (a
//! child) the server. Each has one thread and one socket per core; generator thread `t`
//! sends 172-byte datagrams (the size of a protected G.711 packet) to echo thread `t` at
//! 50 per second per simulated session, in `sendmmsg` batches of 32 with a destination
//! address per message (the shared-socket server's shape), paced every millisecond, and
//! reads what comes back with non-blocking `recvmmsg`; the echo thread reads with blocking
//! `recvmmsg` and returns every datagram to its sender with one `sendmmsg` per batch. A
//! datagram is only copied, never parsed, decrypted or answered: about the cheapest way two
//! processes can move the packets of `N` two-way sessions, so what a level costs here is a
//! lower bound on what any implementation of those sessions costs on this machine.
//!
//! A level is sustained, as in `scale sessions`, when under 0.1% of the datagrams sent are
//! missing back and the generator sent at least 95% of its nominal rate. Reported per
//! level: both processes' CPU (all threads, user and system) in % of a core per 1,000
//! sessions, and their sum, the share of the machine the bare packets take.
//!
//! Protocol of `scale echo` on standard input/output: out `READY <port>...` (one per
//! thread), in `MARK` (start the CPU clock), `LAP` (stop it: the generator has stopped
//! sending, the echo keeps returning what is still queued) and `STOP`, out `DONE <cpu ms>
//! <wall ms> <datagrams echoed>`.

use crate::batch::{BATCH, BatchReader, send_batch};
use crate::common::{Clock, Peer, cpu_ms};
use crate::serve::say;
use nix::sys::socket::MsgFlags;
use rustix::net::SocketAddrAny;
use rustix::net::addr::SocketAddrArg;
use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A protected G.711 packet: 12 bytes of header, 160 of payload (the SRTP tag's 10 are
/// left out; the size is within one cache line of either).
const DATAGRAM: usize = 172;
/// Socket buffers asked for on both sides (capped by `net.core.rmem_max`/`wmem_max`).
const SOCKET_BUFFER: usize = 8 << 20;
/// The most of the sent datagrams that may fail to come back at a sustained level.
const MAX_LOSS: f64 = 0.001;
/// The share of the nominal rate the generator must reach.
const MIN_RATE: f64 = 0.95;
/// Packets per second one simulated two-way session sends each way.
const PER_SESSION: f64 = 50.0;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn socket() -> Result<UdpSocket, String> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
        .map_err(|e| e.to_string())?;
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    socket
        .bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .map_err(|e| e.to_string())?;
    Ok(socket.into())
}

/// `scale echo`: the bare server.
pub fn echo() -> Result<(), String> {
    let threads = threads();
    let sockets = (0..threads)
        .map(|_| socket())
        .collect::<Result<Vec<_>, _>>()?;
    let ports: Vec<String> = sockets
        .iter()
        .map(|s| s.local_addr().map(|a| a.port().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let echoed = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let (stop, echoed) = (stop.clone(), echoed.clone());
            std::thread::spawn(move || echo_thread(&socket, &stop, &echoed))
        })
        .collect();
    say(&format!("READY {}", ports.join(" ")))?;
    let mut clock = Clock::start()?;
    for line in std::io::stdin().lock().lines() {
        match line.map_err(|e| e.to_string())?.trim() {
            "MARK" => clock = Clock::start()?,
            "LAP" => clock.stop()?,
            "STOP" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.join().map_err(|_| "echo thread panicked")??;
    }
    say(&format!(
        "DONE {} {}",
        clock.report(),
        echoed.load(Ordering::Relaxed)
    ))
}

fn echo_thread(socket: &UdpSocket, stop: &AtomicBool, echoed: &AtomicU64) -> Result<(), String> {
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    let mut reader = BatchReader::new(DATAGRAM);
    let mut back: Option<[SocketAddrAny; BATCH]> = None;
    while !stop.load(Ordering::Relaxed) {
        // Blocks for the first datagram (or the timeout), then takes what is queued.
        let count = reader.read(socket, MsgFlags::MSG_WAITFORONE);
        if count == 0 {
            continue;
        }
        // Every datagram of this socket comes from the one generator thread paired with
        // it; the first batch's source is where they all go back.
        if back.is_none() {
            back = reader
                .first_source()
                .map(|a| std::array::from_fn(|_| a.as_any()));
        }
        let Some(to) = &back else { continue };
        let (buf, lengths) = reader.batch(count);
        let mut sent = 0;
        // A refused datagram is one the generator counts missing.
        let _ = send_batch(socket, buf, DATAGRAM, lengths, to, |_| sent += 1);
        echoed.fetch_add(sent, Ordering::Relaxed);
    }
    Ok(())
}

/// What one level of the floor measured.
struct Level {
    sessions: u64,
    sent: u64,
    received: u64,
    nominal: f64,
    generator_cpu: f64,
    generator_wall: f64,
    echo_cpu: f64,
    echo_wall: f64,
}

impl Level {
    fn loss(&self) -> f64 {
        // Replies to datagrams sent just before the mark count too: never below 0.
        (1.0 - self.received as f64 / self.sent.max(1) as f64).max(0.0)
    }

    fn rate(&self) -> f64 {
        self.sent as f64 / self.nominal.max(1.0)
    }

    fn sustained(&self) -> bool {
        self.loss() < MAX_LOSS && self.rate() >= MIN_RATE
    }

    /// % of a core per 1,000 sessions of one side's CPU, over `seconds`.
    fn per_1000(&self, cpu_ms: f64, wall_ms: f64) -> f64 {
        cpu_ms / wall_ms.max(1.0) * 100.0 * 1000.0 / self.sessions.max(1) as f64
    }

    /// Both sides' CPU in % of a core per 1,000 sessions: (generator, echo, sum).
    fn cpu(&self) -> (f64, f64, f64) {
        let g = self.per_1000(self.generator_cpu, self.generator_wall);
        let e = self.per_1000(self.echo_cpu, self.echo_wall);
        (g, e, g + e)
    }
}

/// `scale floor`: ramps the bare packet rate up to the first level it cannot carry.
pub fn run(quick: bool, args: &[String]) -> Result<(), String> {
    let levels = crate::common::levels(args, &[4000, 6000, 8000, 10_000, 12_000, 15_000, 20_000])?;
    let seconds = if quick { 4 } else { 8 };
    eprintln!(
        "floor: bare loopback UDP at the packet rate of N two-way sessions (50 172-byte \
         datagrams/s each way), batches of {BATCH}, no RTP or SRTP, echo server in another \
         process, {seconds} s per level"
    );
    let mut best = None;
    let mut last = None;
    for &n in &levels {
        let level = measure(n, Duration::from_secs(seconds))?;
        let (generator, echo, both) = level.cpu();
        eprintln!(
            "  {:>6} sessions: {} of {} datagrams back ({:.4}% missing), generator at {:.1}% of \
             its rate; CPU per 1,000 sessions: generator {:.1}%, echo {:.1}%, both {:.1}% of a \
             core: {}",
            n,
            level.received,
            level.sent,
            level.loss() * 100.0,
            level.rate() * 100.0,
            generator,
            echo,
            both,
            if level.sustained() {
                "sustained"
            } else {
                "NOT sustained"
            }
        );
        let sustained = level.sustained();
        last = Some((n, both));
        if !sustained {
            break;
        }
        best = Some((n, both));
    }
    let (sustained, both) = best.unwrap_or((0, 0.0));
    crate::common::result("floor_sustained", &sustained.to_string())?;
    crate::common::result("floor_cpu_per_1000", &format!("{both:.1}"))?;
    if let Some((n, cpu)) = last.filter(|&(n, _)| n != sustained) {
        crate::common::result("floor_last_level", &format!("{n} {cpu:.1}"))?;
    }
    eprintln!(
        "floor: bare UDP carries {sustained} sessions' packets on this machine at {both:.1}% of \
         a core per 1,000 sessions (both processes)"
    );
    Ok(())
}

fn measure(sessions: u64, duration: Duration) -> Result<Level, String> {
    let mut echo = Peer::start(&["echo"])?;
    let ports: Vec<u16> = echo
        .expect("READY")?
        .into_iter()
        .map(|p| u16::try_from(p).map_err(|e| format!("echo port {p}: {e}")))
        .collect::<Result<_, String>>()?;
    let phase = Arc::new(AtomicU64::new(SENDING));
    let per_thread = sessions as f64 * PER_SESSION / ports.len().max(1) as f64;
    let handles: Vec<_> = ports
        .iter()
        .map(|&port| {
            let phase = phase.clone();
            let to = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let socket = socket()?;
            socket.set_nonblocking(true).map_err(|e| e.to_string())?;
            Ok(std::thread::spawn(move || {
                generate(&socket, to, per_thread, &phase)
            }))
        })
        .collect::<Result<_, String>>()?;
    // The streams settle for a second, as in `scale sessions`, before the clocks start.
    std::thread::sleep(Duration::from_secs(1));
    let cpu_start = cpu_ms()?;
    let start = Instant::now();
    phase.store(MEASURING, Ordering::Relaxed);
    echo.tell("MARK")?;
    std::thread::sleep(duration);
    phase.store(QUIET, Ordering::Relaxed);
    echo.tell("LAP")?;
    let generator_cpu = (cpu_ms()? - cpu_start) as f64;
    let measured = start.elapsed().as_secs_f64();
    // The last datagrams come back before the count.
    std::thread::sleep(Duration::from_millis(300));
    phase.store(DONE, Ordering::Relaxed);
    echo.tell("STOP")?;
    let (mut sent, mut received) = (0, 0);
    for handle in handles {
        let (s, r) = handle.join().map_err(|_| "generator thread panicked")?;
        sent += s;
        received += r;
    }
    let [echo_cpu, echo_wall, _echoed] = echo.expect("DONE")?[..] else {
        return Err("echo: bad DONE line".into());
    };
    Ok(Level {
        sessions,
        sent,
        received,
        nominal: sessions as f64 * PER_SESSION * measured,
        generator_cpu,
        generator_wall: measured * 1000.0,
        echo_cpu: echo_cpu as f64,
        echo_wall: echo_wall as f64,
    })
}

const SENDING: u64 = 0;
const MEASURING: u64 = 1;
const QUIET: u64 = 2;
const DONE: u64 = 3;

/// One generator thread: `rate` datagrams per second to `to`, paced every millisecond;
/// replies drained between ticks. Returns the datagrams sent while measuring and those
/// received from the mark on (a few replies to datagrams sent just before it among them).
fn generate(socket: &UdpSocket, to: SocketAddr, rate: f64, phase: &AtomicU64) -> (u64, u64) {
    let to: [SocketAddrAny; BATCH] = std::array::from_fn(|_| to.as_any());
    let payload = vec![0x80u8; BATCH * DATAGRAM];
    let lengths = [DATAGRAM; BATCH];
    let mut reader = BatchReader::new(DATAGRAM);
    let start = Instant::now();
    let (mut sent, mut received) = (0u64, 0u64);
    let mut due_total = 0.0f64;
    let mut issued = 0u64;
    let mut tick = 0u64;
    loop {
        let state = phase.load(Ordering::Relaxed);
        if state == DONE {
            break;
        }
        let measuring = state == MEASURING;
        let due = start + Duration::from_millis(tick);
        let now = Instant::now();
        if now < due {
            loop {
                let n = reader.read(socket, MsgFlags::MSG_DONTWAIT);
                if n == 0 {
                    break;
                }
                if state != SENDING {
                    received += n as u64;
                }
            }
            std::thread::sleep((due - now).min(Duration::from_micros(500)));
            continue;
        }
        tick += 1;
        if state == QUIET {
            continue;
        }
        due_total += rate / 1000.0;
        while (issued as f64) + 1.0 <= due_total {
            let want = ((due_total - issued as f64) as usize).min(BATCH);
            let mut n = 0;
            // A refused datagram is not counted as sent.
            let _ = send_batch(socket, &payload, DATAGRAM, &lengths[..want], &to, |_| {
                n += 1
            });
            issued += want as u64;
            if measuring {
                sent += n;
            }
        }
    }
    (sent, received)
}
