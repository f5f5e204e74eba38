//! `scale load`: the load generator of `scale sessions`, in its own process. For every
//! server session it sends a 50 packet/s SRTP G.711 stream (its own key and SSRC) and
//! counts the session's stream coming back, by sequence number (RFC 3550 A.3 style:
//! expected = highest − first + 1). It is built on the `srtp` and `rtp-packet` crates
//! directly, a few sockets shared by many streams, so that it costs the machine less than
//! the process under test.
//!
//! Protocol on standard input/output, one line each:
//! - in `PORTS <port>...` (the server sessions on 127.0.0.1)
//! - out `READY`
//! - in `STOP` (stop sending), then `REPORT`
//! - out `DONE <expected> <lost> <sent> <silent sessions> <unprotect failures>`

use crate::common::PACKET_INTERVAL;
use crate::generator::{GeneratedStream, Tally, parse_ports};
use crate::serve::say;
use rtp_packet::{PacketKind, classify};
use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// Streams per generator socket: few enough that a whole tick of the sessions' packets
/// fits in one socket's default receive buffer while the generator is busy sending.
const STREAMS_PER_SOCKET: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Sending,
    Quiet,
    Done,
}

/// One stream pair: ours to a server session, and its back to us.
struct Stream {
    server: SocketAddr,
    counts: GeneratedStream,
}

/// The receive buffer asked for on each generator socket: the generator is the measuring
/// instrument, and a pause of its own (the machine is shared) must not be charged to the
/// server as loss. The server's sockets keep the system default.
const GENERATOR_RECEIVE_BUFFER: usize = 4 << 20;

/// A loopback socket for one group of streams, with a large receive buffer.
fn generator_socket() -> std::io::Result<UdpSocket> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)?;
    // Capped by net.core.rmem_max: a smaller buffer still works.
    let _ = socket.set_recv_buffer_size(GENERATOR_RECEIVE_BUFFER);
    let _ = socket.set_send_buffer_size(GENERATOR_RECEIVE_BUFFER);
    socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket.into())
}

pub fn run() -> Result<(), String> {
    // Two workers, as the server has: on a shared machine a single-threaded generator
    // falls behind first and its dropped receives would be charged to the server.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(generate())
}

async fn generate() -> Result<(), String> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let first = lines
        .next_line()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no PORTS line")?;
    let ports = parse_ports(&first)?;
    let (phase, watcher) = watch::channel(Phase::Sending);
    let mut tasks = Vec::new();
    for (group, chunk) in ports.chunks(STREAMS_PER_SOCKET).enumerate() {
        let socket = generator_socket().map_err(|e| format!("generator socket: {e}"))?;
        let mut streams = Vec::with_capacity(chunk.len());
        for (k, port) in chunk.iter().enumerate() {
            let index = (group * STREAMS_PER_SOCKET + k) as u32;
            streams.push(Stream {
                server: SocketAddr::from((Ipv4Addr::LOCALHOST, *port)),
                counts: GeneratedStream::new(index)?,
            });
        }
        // Calls do not start in step: spread the groups' ticks over the packet interval.
        let offset = PACKET_INTERVAL * (group % 20) as u32 / 20;
        tasks.push(tokio::spawn(run_group(
            socket,
            streams,
            offset,
            watcher.clone(),
        )));
    }
    say("READY")?;
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        match line.trim() {
            "STOP" => {
                let _ = phase.send(Phase::Quiet);
            }
            "REPORT" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    let _ = phase.send(Phase::Done);
    let mut total = Tally::default();
    for task in tasks {
        total.add(task.await.map_err(|e| e.to_string())??);
    }
    total.report()
}

async fn run_group(
    socket: UdpSocket,
    mut streams: Vec<Stream>,
    offset: Duration,
    mut phase: watch::Receiver<Phase>,
) -> Result<Tally, String> {
    let by_port: HashMap<u16, usize> = streams
        .iter()
        .enumerate()
        .map(|(i, s)| (s.server.port(), i))
        .collect();
    let mut ticker = tokio::time::interval_at(Instant::now() + offset, PACKET_INTERVAL);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = [0u8; 2048];
    loop {
        let now_phase = *phase.borrow();
        tokio::select! {
            _ = ticker.tick(), if now_phase == Phase::Sending => {
                for s in &mut streams {
                    let len = s.counts.next_packet(&mut buf)?;
                    match socket.try_send_to(&buf[..len], s.server) {
                        Ok(_) => s.counts.sent += 1,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => return Err(format!("send to {}: {e}", s.server)),
                    }
                }
            }
            ready = socket.readable() => {
                ready.map_err(|e| e.to_string())?;
                receive(&socket, &mut streams, &by_port, &mut buf);
            }
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() == Phase::Done {
                    break;
                }
            }
        }
    }
    Ok(Tally::of(streams.iter().map(|s| &s.counts)))
}

fn receive(
    socket: &UdpSocket,
    streams: &mut [Stream],
    by_port: &HashMap<u16, usize>,
    buf: &mut [u8; 2048],
) {
    loop {
        let (n, from) = match socket.try_recv_from(buf) {
            Ok(r) => r,
            Err(_) => return,
        };
        let Some(s) = by_port.get(&from.port()).and_then(|&i| streams.get_mut(i)) else {
            continue;
        };
        let datagram = &mut buf[..n];
        // The sessions' RTCP (SR + SDES) shares the port; only their RTP is counted.
        if classify(datagram) != PacketKind::Rtp {
            continue;
        }
        s.counts.on_received(datagram);
    }
}
