//! The TCP driver: one connection, RFC 4571 frames both ways, the session's timers beside
//! it. The bounds and the backpressure rule are in the module documentation of `tcp`.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtp_packet::framing::{FrameDecoder, PREFIX_LEN, frame_prefix};
use tokio::net::{TcpListener, TcpStream};

use super::{TcpCloseReason, TcpSetup, TcpTransport};
use crate::config::Config;
use crate::driver::{Binding, Output, collect, sleep_until};
use crate::error::{Error, Result};
use crate::event::{Component, Event};
use crate::session::{Session, random_u32};
use crate::sockopt::apply_to;

/// Bytes asked of the socket per read.
const READ_SIZE: usize = 16 * 1024;
/// Reads per wake-up before the timers are looked at again.
const READ_BATCH: usize = 16;
/// The wait after a timer wake that left a deadline in the past.
const IDLE_RETRY: Duration = Duration::from_millis(1);
/// How long [`TcpDriver::close`] waits for the peer to take what is buffered.
const CLOSE_DRAIN: Duration = Duration::from_secs(1);

/// What the TCP driver did with frames, beside the session's [`crate::Counters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TcpCounters {
    /// Non-empty frames received and handed to the session.
    pub frames_received: u64,
    /// Zero-length frames received: skipped.
    pub empty_frames: u64,
    /// Frames queued to the connection.
    pub frames_sent: u64,
    /// Packets dropped because the send buffer was full (the peer reads too slowly), or
    /// because no connection was up.
    pub send_drops: u64,
    /// Connections refused while listening: from an address other than the signalled
    /// peer's ([`crate::Transport::remote_rtp`], when set).
    pub refused: u64,
}

/// A [`Session`] over one TCP connection with RFC 4571 framing (see the `tcp` module).
///
/// [`TcpDriver::start`] connects or listens, as [`TcpTransport::setup`] says;
/// [`TcpDriver::next`] accepts (when listening), reads, writes, runs the timers and hands out
/// [`Output`]s. It is cancel-safe, as [`crate::Driver::next`] is. When the connection ends
/// it hands out [`Event::TcpClosed`] and then `None`.
///
/// ```
/// use rtp_session::{
///     Binding, ChaCha20Rng, Config, Event, Output, SeedableRng, TcpDriver, TcpSetup,
///     TcpTransport,
/// };
/// use std::time::Duration;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// rt.block_on(async {
///     let config = |setup, remote| {
///         let mut c = Config::new();
///         c.transport.rtcp_mux = true;
///         c.transport.remote_rtp = remote;
///         c.transport.tcp = Some(TcpTransport::new(setup));
///         c
///     };
///     let loopback = Binding::new("127.0.0.1".parse()?);
///     let rng = |s| Box::new(ChaCha20Rng::from_seed([s; 32]));
///     // `a=setup:passive` listens; `a=setup:active` connects to it.
///     let mut b = TcpDriver::start(config(TcpSetup::Passive, None), loopback, rng(1)).await?;
///     let remote = Some(b.local_addr());
///     let mut a = TcpDriver::start(config(TcpSetup::Active, remote), loopback, rng(2)).await?;
///
///     let mut tick = tokio::time::interval(Duration::from_millis(20));
///     let mut sent = 0;
///     let frame = loop {
///         tokio::select! {
///             _ = tick.tick() => {
///                 a.send(&[0xd5; 160], sent * 160, sent == 0)?;
///                 sent += 1;
///             }
///             Some(out) = b.next() => if let Output::Frame(f) = out { break f },
///         }
///     };
///     assert_eq!((frame.ssrc, frame.payload.len()), (a.session().local_ssrc(), 160));
///     a.close().await?;
///     // B sees A's BYE, then its FIN.
///     while let Some(out) = b.next().await {
///         if let Output::Event(Event::TcpClosed { reason }) = out {
///             assert_eq!(reason, rtp_session::TcpCloseReason::PeerClosed);
///         }
///     }
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct TcpDriver {
    session: Session,
    tcp: TcpTransport,
    listener: Option<TcpListener>,
    local: SocketAddr,
    stream: Option<TcpStream>,
    peer: Option<SocketAddr>,
    decoder: FrameDecoder,
    /// Framed packets the kernel has not taken yet: `out[sent..]`, at most
    /// `tcp.send_buffer` bytes.
    out: Vec<u8>,
    sent: usize,
    /// When the incomplete frame in the decoder started waiting.
    partial_since: Option<Instant>,
    pending: VecDeque<Output>,
    finished: bool,
    /// The session closed (its BYE is queued): the connection ends once the send buffer
    /// is written out, or at this instant.
    closing_until: Option<Instant>,
    counters: TcpCounters,
    /// Whom a listening driver accepts: the signalled peer's IP, when known.
    expected_peer: Option<std::net::IpAddr>,
    /// DSCP and buffer sizes for the connection's socket.
    socket: crate::SocketOptions,
}

impl TcpDriver {
    /// Starts the transport `config.transport.tcp` describes
    /// ([`Error::BadConfig`] without one): connects to `config.transport.remote_rtp`
    /// ([`Error::NoRemote`] without it) from `binding`'s address (any port), or listens on a port of `binding` for one peer
    /// (from the IP of `remote_rtp` only, when it is set). RTCP is multiplexed
    /// (`config.transport.rtcp_mux` must be set), latching is off (the connection is the
    /// path) and ICE is refused. Connecting waits as long as the system does (a peer that
    /// never answers takes minutes): wrap it in a timeout to bound that.
    pub async fn start(
        mut config: Config,
        binding: Binding,
        mut rng: Box<dyn rand_core::CryptoRng + Send>,
    ) -> Result<Self> {
        let tcp = config
            .transport
            .tcp
            .ok_or(Error::BadConfig("no TCP transport configured"))?;
        if !config.transport.rtcp_mux {
            return Err(Error::BadConfig(
                "RTP over TCP carries RTCP on the same connection (rtcp-mux)",
            ));
        }
        if config.ice.is_some() {
            return Err(Error::BadConfig("ICE over TCP is not supported"));
        }
        if usize::from(tcp.max_frame) < rtp_packet::FIXED_HEADER_LEN || tcp.stall_timeout.is_zero()
        {
            return Err(Error::BadConfig(
                "a TCP frame limit holds an RTP header, and the stall timeout is not zero",
            ));
        }
        config.transport.latching = false;
        let socket = config.transport.socket;
        let remote = config.transport.remote_rtp.take();
        config.transport.remote_rtcp = None;
        let io = |address| move |source| Error::Io { address, source };
        let (listener, stream, local) = match tcp.setup {
            TcpSetup::Active => {
                let remote = remote.ok_or(Error::NoRemote)?;
                let stream = connect(binding, remote).await?;
                let local = stream.local_addr().map_err(io(None))?;
                (None, Some(stream), local)
            }
            TcpSetup::Passive => {
                let hint = random_u32(rng.as_mut());
                let listener = listen(binding, hint)?;
                let local = listener.local_addr().map_err(io(None))?;
                (Some(listener), None, local)
            }
        };
        let session = Session::new(Instant::now(), config, rng)?;
        let mut driver = Self {
            session,
            tcp,
            listener,
            local,
            stream: None,
            peer: None,
            decoder: FrameDecoder::new(tcp.max_frame, READ_SIZE),
            out: Vec::new(),
            sent: 0,
            partial_since: None,
            pending: VecDeque::new(),
            finished: false,
            closing_until: None,
            counters: TcpCounters::default(),
            expected_peer: remote.map(|r| r.ip().to_canonical()),
            socket,
        };
        if let Some(stream) = stream {
            driver.connected(stream)?;
        }
        Ok(driver)
    }

    /// The local address: the listening one, or the connection's.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The peer's address once connected.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The session core.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session core, to configure; call [`TcpDriver::flush`] after changes that queue
    /// packets.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// What the driver did with frames.
    pub fn counters(&self) -> TcpCounters {
        let mut counters = self.counters;
        counters.empty_frames = self.decoder.empty_frames();
        counters
    }

    /// Bytes waiting for the kernel to take them (at most [`TcpTransport::send_buffer`]).
    pub fn buffered_send(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Sends one RTP packet now ([`Session::send`]); before the connection is up this is
    /// [`Error::NoRemote`].
    pub fn send(&mut self, payload: &[u8], timestamp: u32, marker: bool) -> Result<()> {
        self.session
            .send(Instant::now(), payload, timestamp, marker)?;
        self.flush();
        Ok(())
    }

    fn connected(&mut self, stream: TcpStream) -> Result<()> {
        let io = |source| Error::Io {
            address: None,
            source,
        };
        let peer = stream.peer_addr().map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        apply_to(&self.socket, socket2::SockRef::from(&stream))?;
        self.local = stream.local_addr().map_err(io)?;
        tracing::debug!(%peer, local = %self.local, "RTP over TCP connected");
        self.stream = Some(stream);
        self.peer = Some(peer);
        self.listener = None;
        self.session.set_remote(peer, peer);
        self.pending
            .push_back(Output::Event(Event::TcpConnected { peer }));
        self.flush();
        Ok(())
    }

    /// Frames every packet the session queued into the send buffer (dropping, and
    /// counting, what does not fit) and writes what the kernel takes.
    pub fn flush(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            self.queue(&t.contents);
            self.session.recycle(t.contents);
        }
        self.write_out();
    }

    fn queue(&mut self, packet: &[u8]) {
        let Ok(prefix) = frame_prefix(packet.len()) else {
            self.counters.send_drops += 1;
            return;
        };
        if self.stream.is_none()
            || self.buffered_send() + PREFIX_LEN + packet.len() > self.tcp.send_buffer
        {
            self.counters.send_drops += 1;
            return;
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        } else if self.sent > 0 && self.out.len() + PREFIX_LEN + packet.len() > self.tcp.send_buffer
        {
            self.out.drain(..self.sent);
            self.sent = 0;
        }
        self.out.extend_from_slice(&prefix);
        self.out.extend_from_slice(packet);
        self.counters.frames_sent += 1;
    }

    fn write_out(&mut self) {
        while self.sent < self.out.len() {
            let Some(stream) = self.stream.as_ref() else {
                return;
            };
            match stream.try_write(&self.out[self.sent..]) {
                Ok(0) => return self.end(TcpCloseReason::Reset),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => return self.end(reason_of(&e)),
            }
        }
        self.out.clear();
        self.sent = 0;
    }

    /// Waits for the next event, frame or concealment, running the session meanwhile
    /// (accepting, reading, writing, timers). Cancel-safe. `None` once the connection or
    /// the session ended and everything was handed out.
    pub async fn next(&mut self) -> Option<Output> {
        let mut idle_wake = false;
        loop {
            if collect(&mut self.session, Instant::now(), &mut self.pending)
                && self.closing_until.is_none()
            {
                self.closing_until = Some(Instant::now() + CLOSE_DRAIN);
            }
            if let Some(until) = self.closing_until
                && !self.finished
                && (self.buffered_send() == 0 || self.stream.is_none() || Instant::now() >= until)
            {
                self.finish_local();
            }
            if let Some(out) = self.pending.pop_front() {
                return Some(out);
            }
            if self.finished {
                return None;
            }
            let floor = idle_wake.then(|| Instant::now() + IDLE_RETRY);
            let stall = self.partial_since.map(|t| t + self.tcp.stall_timeout);
            let deadline = [self.session.poll_timeout(), stall, self.closing_until]
                .into_iter()
                .flatten()
                .min()
                .map(|d| floor.map_or(d, |f| d.max(f)));
            let wants_write = self.sent < self.out.len();
            let wake = tokio::select! {
                r = accept(self.listener.as_ref()) => Wake::Accepted(r),
                r = readable(self.stream.as_ref()) => Wake::Readable(r),
                r = writable(self.stream.as_ref().filter(|_| wants_write)) => Wake::Writable(r),
                () = sleep_until(deadline) => Wake::Timer,
            };
            idle_wake = false;
            match wake {
                Wake::Accepted(Ok((stream, from))) => self.accepted(stream, from),
                Wake::Accepted(Err(error)) => tracing::debug!(%error, "accept failed"),
                Wake::Readable(Ok(())) => self.receive(),
                Wake::Writable(Ok(())) => self.write_out(),
                Wake::Readable(Err(e)) | Wake::Writable(Err(e)) => self.end(reason_of(&e)),
                Wake::Timer => {
                    let now = Instant::now();
                    if stall.is_some_and(|s| s <= now) {
                        tracing::debug!(
                            buffered = self.decoder.buffered(),
                            "RTP over TCP: frame stalled"
                        );
                        self.end(TcpCloseReason::Stalled);
                        continue;
                    }
                    self.session.handle_timeout(now);
                    idle_wake = self.session.poll_timeout().is_some_and(|d| d <= now);
                }
            }
            if !self.finished {
                self.flush();
            }
        }
    }

    fn accepted(&mut self, stream: TcpStream, from: SocketAddr) {
        let from_ip = from.ip().to_canonical();
        if self.expected_peer.is_some_and(|ip| ip != from_ip) {
            tracing::debug!(%from, "RTP over TCP: connection from an unexpected address refused");
            self.counters.refused += 1;
            return;
        }
        if let Err(error) = self.connected(stream) {
            tracing::debug!(%error, "RTP over TCP: accepted connection unusable");
        }
    }

    fn receive(&mut self) {
        let now = Instant::now();
        let mut decoded = false;
        for _ in 0..READ_BATCH {
            let Some(stream) = self.stream.as_ref() else {
                return;
            };
            let space = self.decoder.read_space();
            match stream.try_read(space) {
                Ok(0) => {
                    let buffered = self.decoder.buffered();
                    return self.end(if buffered == 0 {
                        TcpCloseReason::PeerClosed
                    } else {
                        TcpCloseReason::PeerClosedMidFrame { buffered }
                    });
                }
                Ok(n) => self.decoder.filled(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return self.end(reason_of(&e)),
            }
            let peer = self.peer.unwrap_or(self.local);
            loop {
                match self.decoder.decode() {
                    Ok(Some(frame)) => {
                        decoded = true;
                        self.counters.frames_received += 1;
                        self.session
                            .handle_datagram(now, Component::Rtp, peer, frame);
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::debug!(%error, "RTP over TCP: framing lost");
                        return self.end(TcpCloseReason::Framing(error));
                    }
                }
            }
        }
        if self.decoder.buffered() == 0 {
            self.partial_since = None;
        } else if decoded || self.partial_since.is_none() {
            self.partial_since = Some(now);
        }
    }

    /// Ends the transport: the connection is dropped, [`Event::TcpClosed`] is handed out
    /// and [`TcpDriver::next`] returns `None` after it.
    fn end(&mut self, reason: TcpCloseReason) {
        if self.finished {
            return;
        }
        tracing::debug!(?reason, peer = ?self.peer, "RTP over TCP closed");
        self.stream = None;
        self.listener = None;
        self.partial_since = None;
        self.finished = true;
        self.pending
            .push_back(Output::Event(Event::TcpClosed { reason }));
    }

    /// Starts leaving: the session sends its BYE (after BYE reconsideration in large
    /// sessions); once it is written out (or after a second, if the peer does not read),
    /// the connection is half-closed (FIN) and [`TcpDriver::next`] hands out
    /// [`Event::Closed`], then [`Event::TcpClosed`] with [`TcpCloseReason::Local`], then
    /// `None`. Keep calling [`TcpDriver::next`] until then.
    pub fn shutdown(&mut self) {
        self.session.close(Instant::now());
        self.flush();
    }

    /// Leaves the session and closes the connection: [`TcpDriver::shutdown`], then runs the
    /// driver to its end, dropping what it hands out meanwhile.
    pub async fn close(mut self) -> Result<()> {
        self.shutdown();
        while self.next().await.is_some() {}
        Ok(())
    }

    /// The local end: FIN after what was written, then the transport's end.
    fn finish_local(&mut self) {
        if let Some(stream) = self.stream.as_ref() {
            // Whatever the peer sent meanwhile is read and dropped first: closing a socket
            // with unread data would reset the connection and lose our BYE.
            let mut sink = [0u8; 2048];
            while matches!(stream.try_read(&mut sink), Ok(n) if n > 0) {}
            // FIN: the peer reads everything sent and then the end of the stream.
            let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Write);
        }
        self.end(TcpCloseReason::Local);
    }
}

enum Wake {
    Accepted(std::io::Result<(TcpStream, SocketAddr)>),
    Readable(std::io::Result<()>),
    Writable(std::io::Result<()>),
    Timer,
}

fn reason_of(error: &std::io::Error) -> TcpCloseReason {
    match error.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            TcpCloseReason::Reset
        }
        kind => TcpCloseReason::Io(kind),
    }
}

/// A listener on `binding`'s address, at the first free port of its range from `hint` on.
fn listen(binding: Binding, hint: u32) -> Result<TcpListener> {
    let (first, last) = (binding.ports.first, binding.ports.last);
    if last < first {
        return Err(Error::NoFreePort { first, last });
    }
    let count = u32::from(last - first) + 1;
    for i in 0..count {
        let port = first + ((hint.wrapping_add(i)) % count) as u16;
        let Ok(listener) = std::net::TcpListener::bind(SocketAddr::new(binding.ip, port)) else {
            continue;
        };
        let io = |source| Error::Io {
            address: Some(SocketAddr::new(binding.ip, port)),
            source,
        };
        listener.set_nonblocking(true).map_err(io)?;
        return TcpListener::from_std(listener).map_err(io);
    }
    Err(Error::NoFreePort { first, last })
}

/// A connection to `remote`, from `binding`'s address when it names one of the remote's
/// family (any port), else from wherever the system routes.
async fn connect(binding: Binding, remote: SocketAddr) -> Result<TcpStream> {
    let local = SocketAddr::new(binding.ip, 0);
    let io = |address| move |source| Error::Io { address, source };
    let socket = if remote.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(io(None))?;
    if !binding.ip.is_unspecified() && binding.ip.is_ipv4() == remote.is_ipv4() {
        socket.bind(local).map_err(io(Some(local)))?;
    }
    socket.connect(remote).await.map_err(io(None))
}

async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

async fn readable(stream: Option<&TcpStream>) -> std::io::Result<()> {
    match stream {
        Some(s) => s.readable().await,
        None => std::future::pending().await,
    }
}

async fn writable(stream: Option<&TcpStream>) -> std::io::Result<()> {
    match stream {
        Some(s) => s.writable().await,
        None => std::future::pending().await,
    }
}
