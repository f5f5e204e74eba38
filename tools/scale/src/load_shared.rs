//! `scale load --shared`: the load generator for a server whose sessions share one socket
//! per worker (`scale serve N --shared`). Such a server tells its sessions apart by their
//! remote address, so every generator stream needs an address of its own: stream `i` sends
//! from 127.1.x.y (the whole of 127/8 is this host's), chosen per datagram with
//! `IP_PKTINFO` on one socket per generator thread, and the sessions' streams come back to
//! that socket, told apart by their SSRC (the server gives session `i` SSRC
//! [`server_ssrc`]`(i)`). Two plain threads, no async runtime; reads are `recvmmsg`
//! batches, so the instrument costs the machine less than the process under test.
//!
//! Protocol on standard input/output, one line each:
//! - in `PORTS <port>...` (the server sessions on 127.0.0.1)
//! - out `READY <address>...` (each stream's source address, for the server's sessions)
//! - in `STOP` (stop sending), then `REPORT`
//! - out `DONE <expected> <lost> <sent> <silent sessions> <unprotect failures>`

use crate::common::PACKET_INTERVAL;
use crate::generator::{GeneratedStream, Tally, parse_ports};
use crate::serve::say;
use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrIn, SockaddrStorage, recvmmsg, sendmsg,
};
use rtp_packet::{PacketKind, classify};
use std::io::{BufRead, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// The SSRC the server's session `index` sends with (`scale serve --shared`).
pub fn server_ssrc(index: u32) -> u32 {
    0x5e00_0000 | (index & 0x00ff_ffff)
}

/// The source address of generator stream `index`: 127.1.(index / 250).(1 + index % 250).
fn stream_ip(index: u32) -> Ipv4Addr {
    Ipv4Addr::new(127, 1, (index / 250) as u8, 1 + (index % 250) as u8)
}

const SENDING: u8 = 0;
const QUIET: u8 = 1;
const DONE: u8 = 2;
/// Datagrams per `recvmmsg`.
const BATCH: usize = 64;
/// The receive buffer asked for (see `load.rs`).
const RECEIVE_BUFFER: usize = 8 << 20;

struct Stream {
    index: u32,
    server: SocketAddrV4,
    source: Ipv4Addr,
    counts: GeneratedStream,
}

pub fn run() -> Result<(), String> {
    let mut lines = std::io::stdin().lock().lines();
    let first = lines
        .next()
        .ok_or("no PORTS line")?
        .map_err(|e| e.to_string())?;
    let ports = parse_ports(&first)?;
    let threads = 2;
    let phase = Arc::new(AtomicU8::new(SENDING));
    let mut sockets = Vec::new();
    let mut addresses = Vec::with_capacity(ports.len());
    let mut groups: Vec<Vec<Stream>> = (0..threads).map(|_| Vec::new()).collect();
    for _ in 0..threads {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
            .map_err(|e| e.to_string())?;
        let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER);
        let _ = socket.set_send_buffer_size(RECEIVE_BUFFER);
        socket
            .bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)).into())
            .map_err(|e| e.to_string())?;
        let socket: UdpSocket = socket.into();
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        sockets.push(socket);
    }
    for (i, port) in ports.iter().enumerate() {
        let index = i as u32;
        let thread = i % threads;
        let local_port = sockets[thread]
            .local_addr()
            .map_err(|e| e.to_string())?
            .port();
        let source = stream_ip(index);
        addresses.push(format!("{source}:{local_port}"));
        groups[thread].push(Stream {
            index,
            server: SocketAddrV4::new(Ipv4Addr::LOCALHOST, *port),
            source,
            counts: GeneratedStream::new(index)?,
        });
    }
    let handles: Vec<_> = sockets
        .into_iter()
        .zip(groups)
        .map(|(socket, streams)| {
            let phase = phase.clone();
            std::thread::spawn(move || run_group(&socket, streams, &phase))
        })
        .collect();
    say(&format!("READY {}", addresses.join(" ")))?;
    for line in lines {
        match line.map_err(|e| e.to_string())?.trim() {
            "STOP" => phase.store(QUIET, Ordering::Relaxed),
            "REPORT" => break,
            other => return Err(format!("unknown command `{other}`")),
        }
    }
    phase.store(DONE, Ordering::Relaxed);
    let mut total = Tally::default();
    for handle in handles {
        total.add(handle.join().map_err(|_| "generator thread panicked")??);
    }
    total.report()
}

/// One thread's streams: each sends every 20 ms, the streams' ticks spread over the
/// interval in 1 ms slots; between slots the socket is drained.
fn run_group(
    socket: &UdpSocket,
    mut streams: Vec<Stream>,
    phase: &AtomicU8,
) -> Result<Tally, String> {
    let slots = PACKET_INTERVAL.as_millis() as usize;
    let start = Instant::now();
    let mut tick = 0u64;
    let mut buf = [0u8; 2048];
    let mut receive = Receiver::new();
    let first_index = streams.first().map_or(0, |s| s.index);
    let stride = 2;
    loop {
        let state = phase.load(Ordering::Relaxed);
        if state == DONE {
            break;
        }
        let due = start + Duration::from_millis(tick);
        let now = Instant::now();
        if now < due {
            receive.drain(socket, &mut streams, first_index, stride);
            std::thread::sleep((due - now).min(Duration::from_micros(500)));
            continue;
        }
        if state == SENDING {
            let slot = (tick % slots as u64) as usize;
            for s in streams.iter_mut().skip(slot).step_by(slots) {
                let len = s.counts.next_packet(&mut buf)?;
                let info = nix::libc::in_pktinfo {
                    ipi_ifindex: 0,
                    ipi_spec_dst: nix::libc::in_addr {
                        s_addr: u32::from(s.source).to_be(),
                    },
                    ipi_addr: nix::libc::in_addr { s_addr: 0 },
                };
                let cmsg = [ControlMessage::Ipv4PacketInfo(&info)];
                let to = SockaddrIn::from(s.server);
                match sendmsg(
                    socket.as_raw_fd(),
                    &[IoSlice::new(&buf[..len])],
                    &cmsg,
                    MsgFlags::MSG_DONTWAIT,
                    Some(&to),
                ) {
                    Ok(_) => s.counts.sent += 1,
                    Err(nix::errno::Errno::EAGAIN) => {}
                    Err(e) => return Err(format!("send to {}: {e}", s.server)),
                }
            }
        }
        receive.drain(socket, &mut streams, first_index, stride);
        tick += 1;
    }
    Ok(Tally::of(streams.iter().map(|s| &s.counts)))
}

/// `recvmmsg` buffers.
struct Receiver {
    headers: MultiHeaders<SockaddrStorage>,
    buf: Vec<u8>,
    lengths: [usize; BATCH],
}

impl Receiver {
    fn new() -> Self {
        Self {
            headers: MultiHeaders::preallocate(BATCH, None),
            buf: vec![0; BATCH * 2048],
            lengths: [0; BATCH],
        }
    }

    /// Reads until the socket is empty, counting each session's RTP by its SSRC: stream
    /// `first + k * stride` is the `k`th of this thread.
    fn drain(&mut self, socket: &UdpSocket, streams: &mut [Stream], first: u32, stride: u32) {
        loop {
            let count = {
                let mut chunks = self.buf.chunks_exact_mut(2048);
                let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
                    std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
                let Ok(results) = recvmmsg(
                    socket.as_raw_fd(),
                    &mut self.headers,
                    slices.iter_mut(),
                    MsgFlags::MSG_DONTWAIT,
                    None,
                ) else {
                    return;
                };
                let mut count = 0;
                for (length, message) in self.lengths.iter_mut().zip(results) {
                    *length = message.bytes;
                    count += 1;
                }
                count
            };
            for (i, &len) in self.lengths.iter().take(count).enumerate() {
                let start = i * 2048;
                let Some(datagram) = self.buf.get_mut(start..start + len.min(2048)) else {
                    continue;
                };
                // The sessions' RTCP (SR + SDES) shares the port; only their RTP counts.
                if classify(datagram) != PacketKind::Rtp || datagram.len() < 12 {
                    continue;
                }
                let ssrc =
                    u32::from_be_bytes([datagram[8], datagram[9], datagram[10], datagram[11]]);
                let index = ssrc & 0x00ff_ffff;
                if ssrc != server_ssrc(index) || index < first || (index - first) % stride != 0 {
                    continue;
                }
                let Some(s) = streams.get_mut(((index - first) / stride) as usize) else {
                    continue;
                };
                s.counts.on_received(datagram);
            }
            if count < BATCH {
                return;
            }
        }
    }
}
