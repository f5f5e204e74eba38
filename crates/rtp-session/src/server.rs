//! The many-session driver: one process serving thousands of [`Session`]s on a few worker
//! threads, without a task or a sleep per session.
//!
//! Each worker thread owns a shard of the sessions and their UDP sockets, waits on all of
//! them at once (one `epoll`/`kqueue` instance through mio) and keeps one timer heap for
//! all its sessions' deadlines (RTCP, jitter-buffer playout) and their [`Handler`]s' own
//! wake-ups (a media clock). A session's datagrams are read into one buffer per worker and
//! handed to the sans-IO core in place; nothing is allocated per packet.
//!
//! The single-session [`crate::Driver`] stays the simple way to run one session in a
//! tokio task.
//!
//! **Shared sockets.** [`Server::add`] gives each session its own port (or pair), as an
//! SDP offer/answer with one port per call does. A server started with
//! [`Server::start_shared`] also gives each worker one UDP socket that many sessions share
//! ([`Server::add_shared`]), the way SFUs and SBCs behind a single media port work: the
//! worker reads it in batches (`recvmmsg` on Linux, see `batch_io.rs`) and hands each
//! datagram to the session whose remote RTP address it came from; what the sessions send
//! on it is copied into an outbox and written with one `sendmmsg` per batch of 32 (when the
//! outbox is full, and before the worker waits). The demultiplexing key
//! is the session's current remote ([`Session::remote_rtp`], from its configuration or
//! [`Session::set_remote`] through [`Server::with`]), kept up to date after every call into
//! the session; a datagram from an address no session has is counted and dropped, so a
//! shared session cannot latch onto a new address (symmetric RTP behind a NAT that
//! rebinds, or ICE, which picks the address from a check) and signalling must give the
//! peer's address. One port per call spreads the kernel's work over sockets that each see
//! a datagram every 20 ms; a shared socket sees them all, which is where batched reads pay.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jitter_buffer::Playout;
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use crate::batch_io::{BATCH, Batcher, Outbox};
use crate::config::Config;
use crate::driver::Binding;
use crate::error::{Error, Result};
use crate::event::{Component, Event};
use crate::ports::{bind_pair, for_socket};
use crate::session::{Session, random_u32};

/// Datagrams read from a session's own socket per `recvmmsg`: a short read proves the
/// socket empty, so the usual one datagram per 20 ms costs one system call.
const RECV_BATCH: usize = 8;
/// Reads of a session's own socket before the worker turns to its other sockets.
const RECV_ROUNDS: usize = 8;
/// Batches read from a worker's shared socket before it turns to its other work (timers,
/// commands): 2,048 datagrams, so that one turn of the loop reads what a thousand calls
/// send in 40 ms, as the per-session sockets' events together would.
const SHARED_ROUNDS: usize = 64;
/// Timers run per turn of a worker's loop before it reads its sockets again.
const TIMERS_PER_TURN: usize = 512;
/// The token of a worker's shared socket.
const SHARED: Token = Token(usize::MAX - 1);
/// The receive and send buffers a shared socket asks for (the kernel caps them, on Linux
/// at `net.core.rmem_max` and `wmem_max`). One socket carries every call of its worker, so
/// the system default (about 200 KiB on Linux, a few milliseconds of a thousand calls)
/// would overflow whenever the worker is held up; 4 MiB covers about 80 ms of 1,000 calls.
const SHARED_SOCKET_BUFFER: usize = 4 << 20;
/// The wait after a deadline that servicing left in the past (a buffer holding back a
/// due frame), so that it cannot spin.
const IDLE_RETRY: Duration = Duration::from_millis(1);
/// The token of a worker's waker (socket tokens are `slot * 2 + component`).
const WAKER: Token = Token(usize::MAX);
/// Readiness events taken from the kernel per wait.
const EVENTS: usize = 1024;

/// What the application does with one session run by a [`Server`]: one value per session,
/// called on the session's worker thread, never concurrently.
///
/// Every method may act on the session (send media, DTMF, change the remote); the worker
/// writes whatever the session queued to its socket right after the call.
pub trait Handler: Send + 'static {
    /// A session event ([`Event`]).
    fn on_event(&mut self, session: &mut Session, event: Event) {
        let _ = (session, event);
    }

    /// A frame due for playout, or a gap to conceal, from remote source `ssrc`. The frame
    /// is lent from the jitter buffer (no copy); the session itself is busy lending it.
    fn on_playout(&mut self, ssrc: u32, playout: Playout<'_>) {
        let _ = (ssrc, playout);
    }

    /// The wake-up this handler asked for has come (`now`): typically the media clock,
    /// sending the next packet. Returns the next wake-up, or `None` for none.
    fn on_wake(&mut self, session: &mut Session, now: Instant) -> Option<Instant> {
        let _ = (session, now);
        None
    }
}

/// Where a [`Server`] runs a session, and its local addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId {
    worker: u32,
    slot: u32,
    generation: u32,
    rtp: SocketAddr,
    rtcp: SocketAddr,
}

impl SessionId {
    /// The local RTP address.
    pub fn local_rtp(&self) -> SocketAddr {
        self.rtp
    }

    /// The local RTCP address (the RTP address when multiplexed).
    pub fn local_rtcp(&self) -> SocketAddr {
        self.rtcp
    }

    /// The worker thread that runs the session (0-based).
    pub fn worker(&self) -> usize {
        self.worker as usize
    }
}

/// A session taken out of a [`Server`], with its handler, for its final statistics.
#[derive(Debug)]
pub struct Stopped<H> {
    /// The session core.
    pub session: Session,
    /// Its handler.
    pub handler: H,
    /// Datagrams its sockets refused (send buffer full).
    pub send_drops: u64,
}

/// A closure run on a session's worker ([`Server::with`]).
type Job<H> = Box<dyn FnOnce(&mut Session, &mut H) + Send>;

enum Command<H> {
    Add(u32, u32, Box<Entry<H>>),
    Remove(u32, u32, Sender<Stopped<H>>),
    Run(u32, u32, Job<H>),
    Stop,
}

struct WorkerHandle<H> {
    commands: Sender<Command<H>>,
    waker: Arc<Waker>,
    registry: Registry,
    thread: Option<JoinHandle<Vec<Stopped<H>>>>,
    next_slot: u32,
    free: Vec<u32>,
    /// The local address of the worker's shared socket ([`Server::start_shared`]).
    shared: Option<SocketAddr>,
}

impl<H> WorkerHandle<H> {
    /// A free slot in the worker's table: one given back, or the next new one.
    fn take_slot(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.next_slot += 1;
            self.next_slot - 1
        })
    }

    fn send(&self, command: Command<H>) -> Result<()> {
        self.commands.send(command).map_err(|_| Error::ServerGone)?;
        self.waker.wake().map_err(|source| Error::Io {
            address: None,
            source,
        })
    }
}

/// Many sessions on a few worker threads, each session on its own UDP port(s).
///
/// ```
/// use rtp_session::{Binding, Config, Handler, Playout, Server, Session};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
///
/// /// Sends a 20 ms packet on every wake, counts the frames heard.
/// struct Call { timestamp: u32, frames: Arc<AtomicUsize> }
///
/// impl Handler for Call {
///     fn on_playout(&mut self, _ssrc: u32, playout: Playout<'_>) {
///         if let Playout::Frame(_) = playout {
///             self.frames.fetch_add(1, Ordering::Relaxed);
///         }
///     }
///     fn on_wake(&mut self, session: &mut Session, now: Instant) -> Option<Instant> {
///         if session.remote_rtp().is_some() {
///             let _ = session.send(now, &[0xff; 160], self.timestamp, self.timestamp == 0);
///             self.timestamp += 160;
///         }
///         Some(now + Duration::from_millis(20))
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut server = Server::start(2)?;
/// let loopback = Binding::new("127.0.0.1".parse()?);
/// let frames = Arc::new(AtomicUsize::new(0));
/// let mut ids = Vec::new();
/// for _ in 0..2 {
///     let call = Call { timestamp: 0, frames: frames.clone() };
///     ids.push(server.add(Config::new(), loopback, Box::new(rtp_session::os_rng()?), call, Some(Instant::now()))?);
/// }
/// let (a, b) = (ids[0], ids[1]);
/// server.with(a, move |s: &mut Session, _: &mut Call| s.set_remote(b.local_rtp(), b.local_rtcp()))?;
/// server.with(b, move |s: &mut Session, _: &mut Call| s.set_remote(a.local_rtp(), a.local_rtcp()))?;
/// while frames.load(Ordering::Relaxed) < 10 {
///     std::thread::sleep(Duration::from_millis(20));
/// }
/// let stopped = server.stop()?;
/// assert_eq!(stopped.len(), 2);
/// # Ok(())
/// # }
/// ```
pub struct Server<H: Handler> {
    workers: Vec<WorkerHandle<H>>,
    added: u32,
}

impl<H: Handler> std::fmt::Debug for Server<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("workers", &self.workers.len())
            .field("added", &self.added)
            .finish()
    }
}

impl<H: Handler> Server<H> {
    /// Starts `workers` worker threads (at least one; one per core is the usual choice,
    /// [`std::thread::available_parallelism`]).
    pub fn start(workers: usize) -> Result<Self> {
        Self::launch(workers, None)
    }

    /// As [`Server::start`], and gives each worker one UDP socket bound to `ip` (an
    /// ephemeral port each) for the sessions added with [`Server::add_shared`]. Sessions
    /// with their own ports ([`Server::add`]) can run beside them.
    pub fn start_shared(workers: usize, ip: IpAddr) -> Result<Self> {
        Self::launch(workers, Some(ip))
    }

    fn launch(workers: usize, shared: Option<IpAddr>) -> Result<Self> {
        let io = |source| Error::Io {
            address: None,
            source,
        };
        let mut handles = Vec::with_capacity(workers.max(1));
        for index in 0..workers.max(1) {
            let poll = Poll::new().map_err(io)?;
            let registry = poll.registry().try_clone().map_err(io)?;
            let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(io)?);
            let shared = match shared {
                Some(ip) => {
                    let bound = SocketAddr::new(ip, 0);
                    let at = |source| Error::Io {
                        address: Some(bound),
                        source,
                    };
                    let socket = shared_socket(bound).map_err(at)?;
                    let local = socket.local_addr().map_err(at)?;
                    let mut socket = UdpSocket::from_std(socket);
                    registry
                        .register(&mut socket, SHARED, Interest::READABLE)
                        .map_err(at)?;
                    Some((socket, local))
                }
                None => None,
            };
            let local = shared.as_ref().map(|(_, local)| *local);
            let (commands, receiver) = channel();
            let thread = std::thread::Builder::new()
                .name(format!("rtp-server-{index}"))
                .spawn(move || Worker::new(poll, shared).run(receiver))
                .map_err(io)?;
            handles.push(WorkerHandle {
                commands,
                waker,
                registry,
                thread: Some(thread),
                next_slot: 0,
                free: Vec::new(),
                shared: local,
            });
        }
        Ok(Self {
            workers: handles,
            added: 0,
        })
    }

    /// Binds an even RTP port (and the RTCP port after it unless `config` multiplexes)
    /// from `binding`, creates the session and hands it to a worker (round robin) with
    /// its `handler`, whose first [`Handler::on_wake`] comes at `wake`.
    pub fn add(
        &mut self,
        config: Config,
        binding: Binding,
        mut rng: Box<dyn rand_core::CryptoRng + Send>,
        handler: H,
        wake: Option<Instant>,
    ) -> Result<SessionId> {
        let hint = random_u32(rng.as_mut());
        let (rtp, rtcp) = bind_pair(
            binding.ip,
            binding.ports,
            config.transport.rtcp_mux,
            hint,
            &config.transport.socket,
        )?;
        self.add_std(config, rtp, rtcp, rng, handler, wake)
    }

    /// As [`Server::add`] over sockets the caller bound: `rtp`, and `rtcp` exactly when
    /// `config` does not multiplex ([`Error::BadConfig`] otherwise). The sockets are made
    /// non-blocking and take [`crate::Transport::socket`]'s DSCP and buffer sizes.
    pub fn add_std(
        &mut self,
        config: Config,
        rtp: std::net::UdpSocket,
        rtcp: Option<std::net::UdpSocket>,
        rng: Box<dyn rand_core::CryptoRng + Send>,
        handler: H,
        wake: Option<Instant>,
    ) -> Result<SessionId> {
        if rtcp.is_some() == config.transport.rtcp_mux {
            return Err(Error::BadConfig(
                "an RTCP socket is needed exactly when RTP and RTCP are not multiplexed",
            ));
        }
        crate::sockopt::apply_to(&config.transport.socket, socket2::SockRef::from(&rtp))?;
        if let Some(rtcp) = &rtcp {
            crate::sockopt::apply_to(&config.transport.socket, socket2::SockRef::from(rtcp))?;
        }
        let prepare = |socket: std::net::UdpSocket| {
            let address = socket.local_addr().ok();
            let io = |source| Error::Io { address, source };
            socket.set_nonblocking(true).map_err(io)?;
            let local = socket.local_addr().map_err(io)?;
            Ok::<_, Error>((UdpSocket::from_std(socket), local))
        };
        let (mut rtp, rtp_local) = prepare(rtp)?;
        let mut rtcp = rtcp.map(prepare).transpose()?;
        let session = Session::new(Instant::now(), config, rng)?;
        let index = (self.added as usize) % self.workers.len();
        let generation = self.added;
        let worker = self.workers.get_mut(index).ok_or(Error::ServerGone)?;
        let slot = worker.take_slot();
        let token = |component: usize| Token(slot as usize * 2 + component);
        let registered = worker
            .registry
            .register(&mut rtp, token(0), Interest::READABLE)
            .and_then(|()| match rtcp.as_mut() {
                Some((socket, _)) => worker
                    .registry
                    .register(socket, token(1), Interest::READABLE),
                None => Ok(()),
            });
        if let Err(source) = registered {
            worker.free.push(slot);
            return Err(Error::Io {
                address: Some(rtp_local),
                source,
            });
        }
        let rtcp_local = rtcp.as_ref().map_or(rtp_local, |(_, a)| *a);
        let entry = Entry {
            session,
            handler,
            rtp: Some(rtp),
            rtcp: rtcp.map(|(s, _)| s),
            rtp_local,
            rtcp_local,
            remote_key: None,
            wake,
            scheduled: None,
            generation,
            send_drops: 0,
        };
        self.submit(index, slot, entry)
    }

    /// Hands `entry`, in `slot` of worker `index`, to that worker, and names it.
    fn submit(&mut self, index: usize, slot: u32, entry: Entry<H>) -> Result<SessionId> {
        let worker = self.workers.get(index).ok_or(Error::ServerGone)?;
        let (generation, rtp, rtcp) = (entry.generation, entry.rtp_local, entry.rtcp_local);
        worker.send(Command::Add(slot, generation, Box::new(entry)))?;
        self.added = self.added.wrapping_add(1);
        Ok(SessionId {
            worker: index as u32,
            slot,
            generation,
            rtp,
            rtcp,
        })
    }

    /// Creates a session on a worker's shared socket (round robin) with its `handler`,
    /// whose first [`Handler::on_wake`] comes at `wake`. The session multiplexes RTCP
    /// (`config.transport.rtcp_mux`) and hears only its remote RTP address: give it in
    /// `config.transport.remote_rtp` or later with [`Session::set_remote`] through
    /// [`Server::with`]. [`Error::BadConfig`] without rtcp-mux or on a server started
    /// without shared sockets.
    pub fn add_shared(
        &mut self,
        config: Config,
        rng: Box<dyn rand_core::CryptoRng + Send>,
        handler: H,
        wake: Option<Instant>,
    ) -> Result<SessionId> {
        if !config.transport.rtcp_mux {
            return Err(Error::BadConfig(
                "a session on a shared socket multiplexes RTCP (rtcp-mux)",
            ));
        }
        let index = (self.added as usize) % self.workers.len();
        let worker = self.workers.get_mut(index).ok_or(Error::ServerGone)?;
        let local = worker.shared.ok_or(Error::BadConfig(
            "add_shared needs a server started with Server::start_shared",
        ))?;
        let session = Session::new(Instant::now(), config, rng)?;
        let generation = self.added;
        let slot = worker.take_slot();
        let entry = Entry {
            session,
            handler,
            rtp: None,
            rtcp: None,
            rtp_local: local,
            rtcp_local: local,
            remote_key: None,
            wake,
            scheduled: None,
            generation,
            send_drops: 0,
        };
        self.submit(index, slot, entry)
    }

    /// Runs `job` on the session's worker with the session and its handler (to set the
    /// remote, send DTMF, change keys...); the worker then sends what it queued.
    /// Returns once the job is queued; [`Error::ServerGone`] if the worker is.
    pub fn with<F>(&self, id: SessionId, job: F) -> Result<()>
    where
        F: FnOnce(&mut Session, &mut H) + Send + 'static,
    {
        let worker = self.workers.get(id.worker()).ok_or(Error::ServerGone)?;
        worker.send(Command::Run(id.slot, id.generation, Box::new(job)))
    }

    /// Takes the session out of the server (its sockets are closed when the returned
    /// session is dropped). [`Error::ServerGone`] if it is not there.
    pub fn remove(&mut self, id: SessionId) -> Result<Stopped<H>> {
        let worker = self.workers.get_mut(id.worker()).ok_or(Error::ServerGone)?;
        let (reply, answer) = channel();
        worker.send(Command::Remove(id.slot, id.generation, reply))?;
        let stopped = answer.recv().map_err(|_| Error::ServerGone)?;
        worker.free.push(id.slot);
        Ok(stopped)
    }

    /// Stops the workers and hands back every session still running.
    /// [`Error::ServerGone`] if a worker had ended on its own (a [`Handler`] panicked):
    /// the other workers are stopped all the same, and that worker's sessions are lost.
    pub fn stop(mut self) -> Result<Vec<Stopped<H>>> {
        let mut all = Vec::new();
        let mut outcome = Ok(());
        for mut worker in std::mem::take(&mut self.workers) {
            match worker.finish() {
                Ok(stopped) => all.extend(stopped),
                Err(e) => outcome = Err(e),
            }
        }
        outcome.map(|()| all)
    }
}

impl<H> WorkerHandle<H> {
    /// Stops the thread and takes back its sessions (once; later calls find none).
    fn finish(&mut self) -> Result<Vec<Stopped<H>>> {
        let Some(thread) = self.thread.take() else {
            return Ok(Vec::new());
        };
        // A worker that ended on its own cannot be told; its join says so.
        let _ = self.send(Command::Stop);
        thread.join().map_err(|_| Error::ServerGone)
    }
}

impl<H> Drop for WorkerHandle<H> {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// One session on a worker.
struct Entry<H> {
    session: Session,
    handler: H,
    /// The session's own RTP socket; `None` on the worker's shared socket.
    rtp: Option<UdpSocket>,
    rtcp: Option<UdpSocket>,
    rtp_local: SocketAddr,
    rtcp_local: SocketAddr,
    /// On the shared socket: the remote address the worker's demultiplexer files the
    /// session under.
    remote_key: Option<SocketAddr>,
    /// The handler's next wake-up.
    wake: Option<Instant>,
    /// The deadline of this session's live entry in the timer heap.
    scheduled: Option<Instant>,
    generation: u32,
    send_drops: u64,
}

impl<H: Handler> Entry<H> {
    /// Writes every queued datagram to its socket, or (a session on the shared socket)
    /// copies it into the shared socket's outbox, sending the outbox whenever it is full;
    /// a full send buffer drops it.
    fn flush(&mut self, slot: u32, mut shared: Option<&mut SharedSocket>) {
        while let Some(t) = self.session.poll_transmit() {
            let (socket, local) = match (t.component, &self.rtcp, &self.rtp, shared.as_mut()) {
                (Component::Rtcp, Some(s), _, _) => (s, self.rtcp_local),
                (_, _, Some(s), _) => (s, self.rtp_local),
                (_, _, None, Some(shared)) => {
                    if shared.outbox.is_full() {
                        shared.send();
                    }
                    let to = for_socket(shared.local, t.destination);
                    if !shared.outbox.push(&t.contents, to, slot)
                        && shared.socket.send_to(&t.contents, to).is_err()
                    {
                        self.send_drops += 1;
                    }
                    self.session.recycle(t.contents);
                    continue;
                }
                (_, _, None, None) => {
                    self.send_drops += 1;
                    self.session.recycle(t.contents);
                    continue;
                }
            };
            if let Err(error) = socket.send_to(&t.contents, for_socket(local, t.destination)) {
                if error.kind() != ErrorKind::WouldBlock {
                    tracing::debug!(%error, destination = %t.destination, "send failed");
                }
                self.send_drops += 1;
            }
            self.session.recycle(t.contents);
        }
    }

    fn stopped(self) -> Stopped<H> {
        Stopped {
            session: self.session,
            handler: self.handler,
            send_drops: self.send_drops,
        }
    }
}

/// A worker's shared socket ([`Server::start_shared`]) with its outbox.
struct SharedSocket {
    socket: UdpSocket,
    local: SocketAddr,
    outbox: Outbox,
    /// Datagrams the socket refused, by the slot of the session that queued them (sized
    /// when a session is added, not per packet).
    drops: Vec<u64>,
}

impl SharedSocket {
    /// Writes the outbox (one `sendmmsg` on Linux), charging each refused datagram to
    /// the session that queued it.
    fn send(&mut self) {
        let drops = &mut self.drops;
        self.outbox.flush(&self.socket, |owner| {
            if let Some(count) = drops.get_mut(owner as usize) {
                *count += 1;
            }
        });
    }

    /// The refused datagrams charged to `slot` so far, reset for the slot's next session.
    fn take_drops(&mut self, slot: u32) -> u64 {
        self.drops.get_mut(slot as usize).map_or(0, std::mem::take)
    }
}

/// A worker thread's state.
struct Worker<H> {
    poll: Poll,
    entries: Vec<Option<Entry<H>>>,
    timers: BinaryHeap<Reverse<(Instant, u32, u32)>>,
    /// Sockets left readable after their rounds of reads: (slot, component).
    backlog: Vec<(u32, Component)>,
    /// The shared socket, its local address and outbox ([`Server::start_shared`]).
    shared: Option<SharedSocket>,
    /// The shared socket's sessions by remote RTP address.
    by_remote: HashMap<SocketAddr, u32>,
    /// Receive buffers and headers for every socket of the worker.
    batcher: Batcher,
    /// The shared socket was left readable after its rounds.
    shared_backlog: bool,
    /// Datagrams on the shared socket from an address no session has.
    unknown: u64,
}

impl<H: Handler> Worker<H> {
    fn new(poll: Poll, shared: Option<(UdpSocket, SocketAddr)>) -> Self {
        Self {
            poll,
            entries: Vec::new(),
            timers: BinaryHeap::new(),
            backlog: Vec::new(),
            batcher: Batcher::new(),
            shared: shared.map(|(socket, local)| SharedSocket {
                socket,
                local,
                outbox: Outbox::new(),
                drops: Vec::new(),
            }),
            by_remote: HashMap::new(),
            shared_backlog: false,
            unknown: 0,
        }
    }

    fn run(mut self, commands: Receiver<Command<H>>) -> Vec<Stopped<H>> {
        let mut events = Events::with_capacity(EVENTS);
        let mut backlog = Vec::new();
        loop {
            // What the sessions queued on the shared socket leaves before the wait.
            if let Some(shared) = self.shared.as_mut() {
                shared.send();
            }
            let now = Instant::now();
            let timeout = if self.backlog.is_empty() && !self.shared_backlog {
                self.timers
                    .peek()
                    .map(|Reverse((at, _, _))| at.saturating_duration_since(now))
            } else {
                Some(Duration::ZERO)
            };
            if let Err(error) = self.poll.poll(&mut events, timeout) {
                if error.kind() != ErrorKind::Interrupted {
                    tracing::warn!(%error, "server poll failed");
                    std::thread::sleep(IDLE_RETRY);
                }
                continue;
            }
            std::mem::swap(&mut backlog, &mut self.backlog);
            for (slot, component) in backlog.drain(..) {
                self.receive(slot, component);
            }
            if std::mem::take(&mut self.shared_backlog) {
                self.receive_shared();
            }
            for event in events.iter() {
                if event.token() == WAKER {
                    while let Ok(command) = commands.try_recv() {
                        if !self.command(command) {
                            return self.finish();
                        }
                    }
                    continue;
                }
                if event.token() == SHARED {
                    self.receive_shared();
                    continue;
                }
                let component = if event.token().0 % 2 == 1 {
                    Component::Rtcp
                } else {
                    Component::Rtp
                };
                self.receive((event.token().0 / 2) as u32, component);
            }
            self.fire_timers(Instant::now());
        }
    }

    fn finish(&mut self) -> Vec<Stopped<H>> {
        let mut shared = self.shared.take();
        if let Some(shared) = shared.as_mut() {
            shared.send();
        }
        if self.unknown > 0 {
            tracing::debug!(
                datagrams = self.unknown,
                "shared socket: datagrams from no session's remote dropped"
            );
        }
        self.entries
            .drain(..)
            .enumerate()
            .filter_map(|(slot, entry)| {
                let mut stopped = entry?.stopped();
                if let Some(shared) = shared.as_mut() {
                    stopped.send_drops += shared.take_drops(slot as u32);
                }
                Some(stopped)
            })
            .collect()
    }

    /// Carries out a command; `false` for [`Command::Stop`].
    fn command(&mut self, command: Command<H>) -> bool {
        match command {
            Command::Add(slot, generation, entry) => {
                let index = slot as usize;
                if self.entries.len() <= index {
                    self.entries.resize_with(index + 1, || None);
                }
                if let Some(place) = self.entries.get_mut(index) {
                    let mut entry = *entry;
                    entry.generation = generation;
                    *place = Some(entry);
                }
                if let Some(shared) = self.shared.as_mut() {
                    if shared.drops.len() <= index {
                        shared.drops.resize(index + 1, 0);
                    }
                    shared.take_drops(slot);
                }
                // Datagrams may have come between registration and now.
                self.receive(slot, Component::Rtp);
                self.receive(slot, Component::Rtcp);
            }
            Command::Remove(slot, generation, reply) => {
                if let Some(place) = self.entries.get_mut(slot as usize)
                    && place.as_ref().is_some_and(|e| e.generation == generation)
                    && let Some(mut entry) = place.take()
                {
                    if let Some(shared) = self.shared.as_mut() {
                        // Its last datagrams leave (or are counted) before it does.
                        shared.send();
                        entry.send_drops += shared.take_drops(slot);
                    }
                    let registry = self.poll.registry();
                    if let Some(s) = entry.rtp.as_mut() {
                        let _ = registry.deregister(s);
                    }
                    if let Some(s) = entry.rtcp.as_mut() {
                        let _ = registry.deregister(s);
                    }
                    if let Some(key) = entry.remote_key
                        && self.by_remote.get(&key) == Some(&slot)
                    {
                        self.by_remote.remove(&key);
                    }
                    let _ = reply.send(entry.stopped());
                }
            }
            Command::Run(slot, generation, job) => {
                if let Some(Some(entry)) = self.entries.get_mut(slot as usize)
                    && entry.generation == generation
                {
                    job(&mut entry.session, &mut entry.handler);
                    self.service(slot, Instant::now());
                }
            }
            Command::Stop => return false,
        }
        true
    }

    /// Reads up to a batch of datagrams from one socket of `slot` into the session.
    fn receive(&mut self, slot: u32, component: Component) {
        let Some(Some(entry)) = self.entries.get_mut(slot as usize) else {
            return;
        };
        let socket = match (component, &entry.rtcp, &entry.rtp) {
            (Component::Rtcp, Some(s), _) => s,
            (Component::Rtcp, None, _) | (Component::Rtp, _, None) => return,
            (Component::Rtp, _, Some(s)) => s,
        };
        let now = Instant::now();
        let mut drained = false;
        for _ in 0..RECV_ROUNDS {
            let count = match self.batcher.recv(socket, RECV_BATCH) {
                Ok(count) => count,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    drained = true;
                    break;
                }
                // ICMP port unreachable and the like surface here on Linux: read on.
                Err(error) => {
                    tracing::debug!(%error, "receive error");
                    continue;
                }
            };
            for i in 0..count {
                if let Some((datagram, from)) = self.batcher.datagram(i) {
                    entry
                        .session
                        .handle_datagram(now, component, from, datagram);
                }
            }
            // A short batch found the socket empty.
            if count < RECV_BATCH {
                drained = true;
                break;
            }
        }
        if !drained {
            self.backlog.push((slot, component));
        }
        self.service(slot, now);
    }

    /// Reads batches from the shared socket and hands each datagram to the session whose
    /// remote it came from, until the socket is empty; leaves it in the backlog after
    /// [`SHARED_ROUNDS`] batches.
    fn receive_shared(&mut self) {
        for _ in 0..SHARED_ROUNDS {
            let Some(shared) = &self.shared else {
                return;
            };
            let count = match self.batcher.recv(&shared.socket, BATCH) {
                Ok(count) => count,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(error) => {
                    // ICMP errors surface here on Linux: read on.
                    tracing::debug!(%error, "shared socket receive error");
                    continue;
                }
            };
            let now = Instant::now();
            for i in 0..count {
                let slot = {
                    let Some((datagram, from)) = self.batcher.datagram(i) else {
                        continue;
                    };
                    let from = unmapped(from);
                    let Some(&slot) = self.by_remote.get(&from) else {
                        self.unknown += 1;
                        continue;
                    };
                    let Some(Some(entry)) = self.entries.get_mut(slot as usize) else {
                        continue;
                    };
                    entry
                        .session
                        .handle_datagram(now, Component::Rtp, from, datagram);
                    slot
                };
                self.service(slot, now);
            }
            // A short batch found the socket empty (a later datagram raises a new event).
            if count < BATCH {
                return;
            }
        }
        // Still readable after its rounds: read on after the other work.
        self.shared_backlog = true;
    }

    /// Runs the timers that are due, at most [`TIMERS_PER_TURN`] of them: a worker that
    /// fell behind goes back to its sockets between turns (the next wait does not sleep
    /// while a timer is overdue), so a shared socket is not left to overflow.
    fn fire_timers(&mut self, now: Instant) {
        for _ in 0..TIMERS_PER_TURN {
            let Some(&Reverse((at, slot, generation))) = self.timers.peek() else {
                break;
            };
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(Some(entry)) = self.entries.get_mut(slot as usize) else {
                continue;
            };
            if entry.generation != generation || entry.scheduled != Some(at) {
                continue;
            }
            entry.scheduled = None;
            if entry.session.poll_timeout().is_some_and(|d| d <= now) {
                entry.session.handle_timeout(now);
            }
            if entry.wake.is_some_and(|d| d <= now) {
                entry.wake = entry.handler.on_wake(&mut entry.session, now);
            }
            self.service(slot, now);
        }
    }

    /// Sends what the session queued, hands its events and due playout to the handler
    /// and schedules its next deadline.
    fn service(&mut self, slot: u32, now: Instant) {
        let Some(Some(entry)) = self.entries.get_mut(slot as usize) else {
            return;
        };
        entry.flush(slot, self.shared.as_mut());
        while let Some(event) = entry.session.poll_event() {
            entry.handler.on_event(&mut entry.session, event);
        }
        while let Some((ssrc, playout)) = entry.session.poll_playout(now) {
            entry.handler.on_playout(ssrc, playout);
        }
        entry.flush(slot, self.shared.as_mut());
        if entry.rtp.is_none() {
            let remote = entry.session.remote_rtp();
            if remote != entry.remote_key {
                if let Some(old) = entry.remote_key
                    && self.by_remote.get(&old) == Some(&slot)
                {
                    self.by_remote.remove(&old);
                }
                if let Some(new) = remote {
                    self.by_remote.insert(new, slot);
                }
                entry.remote_key = remote;
            }
        }
        let deadline = match (entry.session.poll_timeout(), entry.wake) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(deadline) = deadline {
            let deadline = if deadline <= now {
                now + IDLE_RETRY
            } else {
                deadline
            };
            if entry.scheduled.is_none_or(|s| deadline < s) {
                entry.scheduled = Some(deadline);
                self.timers
                    .push(Reverse((deadline, slot, entry.generation)));
            }
        }
    }
}

/// `address` with an IPv4-mapped IPv6 address turned into IPv4, as sessions keep their
/// remotes.
fn unmapped(address: SocketAddr) -> SocketAddr {
    match address {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => address,
        },
        SocketAddr::V4(_) => address,
    }
}

/// A non-blocking UDP socket bound to `address` with [`SHARED_SOCKET_BUFFER`]s (asked for;
/// Linux caps them at `rmem_max` / `wmem_max`, and a smaller buffer still works), the
/// default DSCP ([`crate::Dscp::EF`]: the sessions are audio) and, on IPv6, dual-stack set
/// explicitly rather than left to the system.
fn shared_socket(address: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    let options = crate::sockopt::SocketOptions {
        recv_buffer: Some(SHARED_SOCKET_BUFFER),
        send_buffer: Some(SHARED_SOCKET_BUFFER),
        ..Default::default()
    };
    let socket = options.bind(address)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}
