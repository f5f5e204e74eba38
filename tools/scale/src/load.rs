//! `scale load [--shared]`: the load generator of `scale sessions`, in its own process. For
//! every server session it sends a 50 packet/s SRTP G.711 stream (its own key and SSRC)
//! and counts the session's stream coming back by sequence number (RFC 3550 A.3 style:
//! expected = highest − first + 1). It is built on the `srtp` and `rtp-packet` crates
//! directly: one plain thread per core, one socket per thread shared by all its streams,
//! reads in `recvmmsg` batches, the sessions' streams told apart by their SSRC (`scale
//! serve` gives session `i` SSRC [`server_ssrc`]`(i)`), so that the instrument costs the
//! machine less than the process under test.
//!
//! - For a server with a port per session, every stream of a thread sends from the
//!   thread's socket, and one `sendmmsg` (through `rustix`) carries up to 32 datagrams,
//!   each to its own session's port; the sessions latch onto the thread's address.
//! - With `--shared` (a server whose sessions share one socket per worker and tell them
//!   apart by remote address) every stream needs an address of its own: stream `i` sends
//!   from 127.1.x.y (the whole of 127/8 is this host's), chosen per datagram with
//!   `IP_PKTINFO`, so each datagram is one `sendmsg`: a per-message source address is a
//!   control message per message, which neither `nix`'s `sendmmsg` (one set of control
//!   messages for the whole batch) nor `rustix`'s (no `IP_PKTINFO`) can carry.
//!
//! Protocol on standard input/output, one line each:
//! - in `PORTS <port>...` (the server sessions on 127.0.0.1)
//! - out `READY` (with `--shared`: `READY <address>...`, each stream's source address, for
//!   the server's sessions)
//! - in `MARK` (start the CPU clock), `STOP` (stop sending and the clock), then `REPORT`
//! - out `DONE <expected> <lost> <sent> <silent sessions> <unprotect failures> <CPU ms>
//!   <wall ms>`, the CPU time (every thread) and wall time from MARK to STOP

use crate::batch::{BATCH, BatchReader, send_batch};
use crate::common::{Clock, Tally};
use crate::common::{PACKET_INTERVAL, server_ssrc};
use crate::generator::{GeneratedStream, parse_ports, tally_of};
use crate::serve::say;
use nix::sys::socket::{ControlMessage, MsgFlags, SockaddrIn, sendmsg};
use rtp_packet::{PacketKind, classify};
use rustix::net::SocketAddrAny;
use rustix::net::addr::SocketAddrArg;
use std::io::{BufRead, IoSlice};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// The source address of generator stream `index` with `--shared`:
/// 127.1.(index / 250).(1 + index % 250).
fn stream_ip(index: u32) -> Ipv4Addr {
    Ipv4Addr::new(127, 1, (index / 250) as u8, 1 + (index % 250) as u8)
}

const SENDING: u8 = 0;
const QUIET: u8 = 1;
const DONE: u8 = 2;
/// Room for one datagram.
const SLOT: usize = 2048;
/// The socket buffers asked for: the generator is the measuring instrument, and a pause of
/// its own (the machine is shared) must not be charged to the server as loss. Capped by
/// `net.core.rmem_max` / `wmem_max`: a smaller buffer still works.
const SOCKET_BUFFER: usize = 8 << 20;

struct Stream {
    server: SocketAddrV4,
    /// The source address (`--shared`), or `None` to send from the socket's own.
    source: Option<Ipv4Addr>,
    counts: GeneratedStream,
}

pub fn run(shared: bool) -> Result<(), String> {
    let mut lines = std::io::stdin().lock().lines();
    let first = lines
        .next()
        .ok_or("no PORTS line")?
        .map_err(|e| e.to_string())?;
    let ports = parse_ports(&first)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let phase = Arc::new(AtomicU8::new(SENDING));
    let mut sockets = Vec::new();
    for _ in 0..threads {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
            .map_err(|e| e.to_string())?;
        let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
        let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
        let ip = if shared {
            Ipv4Addr::UNSPECIFIED
        } else {
            Ipv4Addr::LOCALHOST
        };
        socket
            .bind(&SocketAddr::from((ip, 0)).into())
            .map_err(|e| e.to_string())?;
        let socket: UdpSocket = socket.into();
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        sockets.push(socket);
    }
    let mut addresses = Vec::with_capacity(ports.len());
    let mut groups: Vec<Vec<Stream>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, port) in ports.iter().enumerate() {
        let index = i as u32;
        let thread = i % threads;
        let local_port = sockets[thread]
            .local_addr()
            .map_err(|e| e.to_string())?
            .port();
        let source = shared.then(|| stream_ip(index));
        if let Some(ip) = source {
            addresses.push(format!("{ip}:{local_port}"));
        }
        groups[thread].push(Stream {
            server: SocketAddrV4::new(Ipv4Addr::LOCALHOST, *port),
            source,
            counts: GeneratedStream::new(index)?,
        });
    }
    let handles: Vec<_> = sockets
        .into_iter()
        .zip(groups)
        .enumerate()
        .map(|(first, (socket, streams))| {
            let phase = phase.clone();
            let lanes = Lanes {
                first: first as u32,
                stride: threads as u32,
            };
            std::thread::spawn(move || run_group(&socket, streams, lanes, &phase))
        })
        .collect();
    if shared {
        say(&format!("READY {}", addresses.join(" ")))?;
    } else {
        say("READY")?;
    }
    let mut clock = Clock::start()?;
    for line in lines {
        match line.map_err(|e| e.to_string())?.trim() {
            "MARK" => clock = Clock::start()?,
            "STOP" => {
                phase.store(QUIET, Ordering::Relaxed);
                clock.stop()?;
            }
            "REPORT" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    phase.store(DONE, Ordering::Relaxed);
    let mut total = Tally::default();
    for handle in handles {
        total.add(&handle.join().map_err(|_| "generator thread panicked")??);
    }
    say(&format!("DONE {} {}", total.counts(), clock.report()))
}

/// Which streams a thread has: `first`, `first + stride`, ...
#[derive(Debug, Clone, Copy)]
struct Lanes {
    first: u32,
    stride: u32,
}

impl Lanes {
    /// This thread's position of stream `index`, if it is one of its streams.
    fn position(&self, index: u32) -> Option<usize> {
        let offset = index.checked_sub(self.first)?;
        (offset % self.stride == 0).then_some((offset / self.stride) as usize)
    }
}

/// One thread's streams: each sends every 20 ms, the streams' ticks spread over the
/// interval in 1 ms slots; between slots the socket is drained.
fn run_group(
    socket: &UdpSocket,
    mut streams: Vec<Stream>,
    lanes: Lanes,
    phase: &AtomicU8,
) -> Result<Tally, String> {
    let slots = PACKET_INTERVAL.as_millis() as usize;
    let start = Instant::now();
    let mut tick = 0u64;
    let mut receive = Receiver::new();
    let mut send = Sender::new();
    loop {
        let state = phase.load(Ordering::Relaxed);
        if state == DONE {
            break;
        }
        let due = start + Duration::from_millis(tick);
        let now = Instant::now();
        if now < due {
            receive.drain(socket, &mut streams, lanes);
            std::thread::sleep((due - now).min(Duration::from_micros(500)));
            continue;
        }
        if state == SENDING {
            let slot = (tick % slots as u64) as usize;
            for position in (slot..streams.len()).step_by(slots) {
                send.queue(socket, &mut streams, position)?;
            }
            send.send(socket, &mut streams)?;
        }
        receive.drain(socket, &mut streams, lanes);
        tick += 1;
    }
    Ok(tally_of(streams.iter().map(|s| &s.counts)))
}

/// Datagrams waiting for one `sendmmsg`, with the position of the stream of each.
struct Sender {
    buf: Vec<u8>,
    lengths: [usize; BATCH],
    owners: [usize; BATCH],
    destinations: [SocketAddrAny; BATCH],
    count: usize,
}

impl Sender {
    fn new() -> Self {
        let unspecified = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
        Self {
            buf: vec![0; BATCH * SLOT],
            lengths: [0; BATCH],
            owners: [0; BATCH],
            destinations: std::array::from_fn(|_| unspecified.as_any()),
            count: 0,
        }
    }

    /// Writes the next packet of the stream at `position`: at once with its own source
    /// address, else into the batch (sent when full).
    fn queue(
        &mut self,
        socket: &UdpSocket,
        streams: &mut [Stream],
        position: usize,
    ) -> Result<(), String> {
        let Some(s) = streams.get_mut(position) else {
            return Ok(());
        };
        if let Some(source) = s.source {
            let mut buf = [0u8; SLOT];
            let len = s.counts.next_packet(&mut buf)?;
            let info = nix::libc::in_pktinfo {
                ipi_ifindex: 0,
                ipi_spec_dst: nix::libc::in_addr {
                    s_addr: u32::from(source).to_be(),
                },
                ipi_addr: nix::libc::in_addr { s_addr: 0 },
            };
            let cmsg = [ControlMessage::Ipv4PacketInfo(&info)];
            let to = SockaddrIn::from(s.server);
            return match sendmsg(
                socket.as_raw_fd(),
                &[IoSlice::new(&buf[..len])],
                &cmsg,
                MsgFlags::MSG_DONTWAIT,
                Some(&to),
            ) {
                Ok(_) => {
                    s.counts.sent += 1;
                    Ok(())
                }
                Err(nix::errno::Errno::EAGAIN) => Ok(()),
                Err(e) => Err(format!("send to {}: {e}", s.server)),
            };
        }
        let i = self.count;
        let Some(slot) = self.buf.get_mut(i * SLOT..(i + 1) * SLOT) else {
            return Err("send batch overflow".into());
        };
        self.lengths[i] = s.counts.next_packet(slot)?;
        self.destinations[i] = s.server.as_any();
        self.owners[i] = position;
        self.count += 1;
        if self.count == BATCH {
            self.send(socket, streams)?;
        }
        Ok(())
    }

    /// Sends the batch; each datagram that left is counted as sent on its stream.
    fn send(&mut self, socket: &UdpSocket, streams: &mut [Stream]) -> Result<(), String> {
        let count = std::mem::take(&mut self.count);
        let owners = &self.owners;
        send_batch(
            socket,
            &self.buf,
            SLOT,
            &self.lengths[..count],
            &self.destinations,
            |i| {
                if let Some(s) = owners.get(i).and_then(|&owner| streams.get_mut(owner)) {
                    s.counts.sent += 1;
                }
            },
        )
    }
}

/// The generator's reads.
struct Receiver {
    reader: BatchReader,
}

impl Receiver {
    fn new() -> Self {
        Self {
            reader: BatchReader::new(SLOT),
        }
    }

    /// Reads until the socket is empty, counting each session's RTP by its SSRC.
    fn drain(&mut self, socket: &UdpSocket, streams: &mut [Stream], lanes: Lanes) {
        loop {
            let count = self.reader.read(socket, MsgFlags::MSG_DONTWAIT);
            for i in 0..count {
                let Some(datagram) = self.reader.datagram_mut(i) else {
                    continue;
                };
                // The sessions' RTCP (SR + SDES) shares the port; only their RTP counts.
                if classify(datagram) != PacketKind::Rtp || datagram.len() < 12 {
                    continue;
                }
                let ssrc =
                    u32::from_be_bytes([datagram[8], datagram[9], datagram[10], datagram[11]]);
                let index = ssrc & 0x00ff_ffff;
                if ssrc != server_ssrc(index) {
                    continue;
                }
                let Some(s) = lanes.position(index).and_then(|p| streams.get_mut(p)) else {
                    continue;
                };
                s.counts.on_received(datagram);
            }
            // A short batch found the socket empty.
            if count < BATCH {
                return;
            }
        }
    }
}
