//! The tokio driver: owns the session's UDP sockets and its timer, and turns the sans-IO
//! core's output into sends and [`Output`]s. One task (the caller's) runs it; there is no
//! task per packet.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use jitter_buffer::{Concealment, Playout, TimeStretch};
use tokio::net::UdpSocket;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::event::{Component, Event};
use crate::ports::{DUAL_STACK, PortRange, bind_pair, for_socket};
use crate::session::{Session, random_u32};
use crate::sockopt::apply_to;

/// Datagrams read per socket wake-up before the timer is looked at again.
const RECV_BATCH: usize = 64;
/// The wait after a timer wake that left a deadline in the past.
const IDLE_RETRY: Duration = Duration::from_millis(1);
/// Largest datagram read.
const MAX_DATAGRAM: usize = 2048;

/// Where the driver binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The local address: [`Binding::dual_stack`] takes IPv4 and IPv6 on one socket
    /// (IPv4-mapped addresses are normalised to IPv4 in events).
    pub ip: IpAddr,
    /// The ports to choose from.
    pub ports: PortRange,
}

impl Binding {
    /// `ip` with the default port range.
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            ports: PortRange::default(),
        }
    }

    /// The IPv6 wildcard, which on a dual-stack host also receives IPv4.
    pub fn dual_stack() -> Self {
        Self::new(DUAL_STACK)
    }
}

/// A decoded media frame, owned: what [`Playout::Frame`] lends, copied out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFrame {
    /// The remote source.
    pub ssrc: u32,
    /// Its first packet's sequence number.
    pub sequence_number: u16,
    /// Its RTP timestamp.
    pub timestamp: u32,
    /// The marker bit.
    pub marker: bool,
    /// The payload type.
    pub payload_type: u8,
    /// The payload (all packets of the frame, concatenated).
    pub payload: Vec<u8>,
    /// The sender's wallclock when the frame was sampled, from the source's latest RTCP
    /// sender report (RFC 3550 §6.4.1); `None` before its first. Two sessions from one
    /// sender (one CNAME), audio and video, align their frames by it (lip sync): see
    /// [`jitter_buffer::Frame::sender_wallclock`] and the `lip_sync` example.
    pub sender_wallclock: Option<rtcp::NtpTime>,
    /// A change of the playout delay to carry out on this audio frame (continuous audio:
    /// shorten or lengthen it by so many samples), or `None` to play it as it is.
    pub time_stretch: Option<TimeStretch>,
    /// Every packet of the frame was there ([`jitter_buffer::Frame::is_complete`]); a video
    /// frame played with a gap is not.
    pub complete: bool,
    /// The length of each packet's payload in `payload`, in sequence order, so that a
    /// video depacketiser can take the packets apart again (each starts with its payload
    /// descriptor).
    pub packet_lengths: Vec<usize>,
}

/// Decides, for each datagram received, whether the session sees it (`true`) or it is
/// dropped unread (`false`): [`Driver::set_receive_filter`].
pub type ReceiveFilter = Box<dyn FnMut(&[u8]) -> bool + Send>;

/// The optional receive filter, printed by name only.
struct Filter(Option<ReceiveFilter>);

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(ReceiveFilter)"
        } else {
            "None"
        })
    }
}

/// What [`Driver::next`] hands out.
#[derive(Debug)]
#[non_exhaustive]
pub enum Output {
    /// A session event.
    Event(Event),
    /// A frame due for playout.
    Frame(MediaFrame),
    /// A gap to conceal (lost or late audio).
    Conceal {
        /// The remote source.
        ssrc: u32,
        /// What is missing.
        concealment: Concealment,
    },
}

/// A [`Session`] over tokio UDP sockets.
///
/// [`Driver::next`] receives, runs the timers and hands out [`Output`]s; it is cancel-safe,
/// so one task can `select!` over several drivers and its own media clock:
///
/// ```
/// use rtp_session::{
///     Binding, ChaCha20Rng, Config, Driver, MasterKey, Output, ProtectionProfile, SeedableRng,
///     Security, SrtpKeys,
/// };
/// use std::time::Duration;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// rt.block_on(async {
///     let profile = ProtectionProfile::AesCm128HmacSha1_80;
///     let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]);
///     let mut ca = Config::new();
///     ca.security = Security::Srtp(SrtpKeys::new(profile, key(1)?, key(2)?));
///     let mut cb = Config::new();
///     cb.security = Security::Srtp(SrtpKeys::new(profile, key(2)?, key(1)?));
///     let loopback = Binding::new("127.0.0.1".parse()?);
///     let rng = |s| Box::new(ChaCha20Rng::from_seed([s; 32]));
///     let mut a = Driver::bind(ca, loopback, rng(1)).await?;
///     let mut b = Driver::bind(cb, loopback, rng(2)).await?;
///     a.session_mut().set_remote(b.local_rtp(), b.local_rtcp());
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
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct Driver {
    session: Session,
    rtp: UdpSocket,
    rtcp: Option<UdpSocket>,
    rtp_local: SocketAddr,
    rtcp_local: Option<SocketAddr>,
    pending: VecDeque<Output>,
    buf: Vec<u8>,
    finished: bool,
    /// Datagrams the socket refused (send buffer full).
    send_drops: u64,
    filter: Filter,
    /// Datagrams the receive filter dropped.
    filtered: u64,
}

impl Driver {
    /// Binds an even RTP port (and the RTCP port after it unless `config` multiplexes)
    /// from `binding` and creates the session, drawing randomness from `rng`.
    pub async fn bind(
        config: Config,
        binding: Binding,
        mut rng: Box<dyn rand_core::CryptoRng + Send>,
    ) -> Result<Self> {
        let hint = random_u32(rng.as_mut());
        let (rtp, rtcp) = bind_pair(
            binding.ip,
            binding.ports,
            config.transport.rtcp_mux,
            hint,
            &config.transport.socket,
        )?;
        Self::from_std(config, rtp, rtcp, rng)
    }

    /// Binds RTP to exactly `rtp` and, unless `config` multiplexes, RTCP to exactly
    /// `rtcp` (a port of 0 lets the system choose), and creates the session. For when
    /// signalling or a firewall fixes the addresses; [`Driver::bind`] picks a free pair.
    pub async fn bind_exact(
        config: Config,
        rtp: SocketAddr,
        rtcp: Option<SocketAddr>,
        rng: Box<dyn rand_core::CryptoRng + Send>,
    ) -> Result<Self> {
        let options = config.transport.socket;
        let bind = |address: SocketAddr| {
            options.bind(address).map_err(|source| Error::Io {
                address: Some(address),
                source,
            })
        };
        let rtp = bind(rtp)?;
        let rtcp = rtcp.map(bind).transpose()?;
        Self::from_std(config, rtp, rtcp, rng)
    }

    /// Runs the session over sockets the caller bound (ICE, a socket shared with
    /// signalling, one handed over by another process...): `rtp`, and `rtcp` exactly when
    /// `config` does not multiplex ([`Error::BadConfig`] otherwise). The sockets are made
    /// non-blocking. Call it within a tokio runtime.
    pub fn from_std(
        config: Config,
        rtp: std::net::UdpSocket,
        rtcp: Option<std::net::UdpSocket>,
        rng: Box<dyn rand_core::CryptoRng + Send>,
    ) -> Result<Self> {
        let tokio_socket = |socket: std::net::UdpSocket| {
            let address = socket.local_addr().ok();
            let io = |source| Error::Io { address, source };
            socket.set_nonblocking(true).map_err(io)?;
            UdpSocket::from_std(socket).map_err(io)
        };
        let rtp = tokio_socket(rtp)?;
        let rtcp = rtcp.map(tokio_socket).transpose()?;
        Self::from_tokio(config, rtp, rtcp, rng)
    }

    /// As [`Driver::from_std`], with tokio sockets.
    pub fn from_tokio(
        config: Config,
        rtp: UdpSocket,
        rtcp: Option<UdpSocket>,
        rng: Box<dyn rand_core::CryptoRng + Send>,
    ) -> Result<Self> {
        if rtcp.is_some() == config.transport.rtcp_mux {
            return Err(Error::BadConfig(
                "an RTCP socket is needed exactly when RTP and RTCP are not multiplexed",
            ));
        }
        let io = |source| Error::Io {
            address: None,
            source,
        };
        apply_to(&config.transport.socket, socket2::SockRef::from(&rtp))?;
        if let Some(rtcp) = &rtcp {
            apply_to(&config.transport.socket, socket2::SockRef::from(rtcp))?;
        }
        let rtp_local = rtp.local_addr().map_err(io)?;
        let rtcp_local = rtcp
            .as_ref()
            .map(|s| s.local_addr())
            .transpose()
            .map_err(io)?;
        let session = Session::new(Instant::now(), config, rng)?;
        let mut driver = Self {
            session,
            rtp,
            rtcp,
            rtp_local,
            rtcp_local,
            pending: VecDeque::new(),
            buf: vec![0; MAX_DATAGRAM],
            finished: false,
            send_drops: 0,
            filter: Filter(None),
            filtered: 0,
        };
        driver.flush();
        Ok(driver)
    }

    /// The local RTP address.
    pub fn local_rtp(&self) -> SocketAddr {
        self.rtp_local
    }

    /// The local RTCP address (the RTP address when multiplexed).
    pub fn local_rtcp(&self) -> SocketAddr {
        self.rtcp_local.unwrap_or(self.rtp_local)
    }

    /// The RTP socket and the RTCP one (`None` when multiplexed), lent to read what the
    /// system made of [`crate::SocketOptions`] (`socket2::SockRef::from`) or to read its
    /// statistics; sending or receiving on them bypasses the session.
    pub fn sockets(&self) -> (&UdpSocket, Option<&UdpSocket>) {
        (&self.rtp, self.rtcp.as_ref())
    }

    /// The session core.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session core, to configure (remote address, keys); call [`Driver::flush`]
    /// after changes that queue datagrams.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Datagrams the sockets refused because their send buffers were full.
    pub fn send_drops(&self) -> u64 {
        self.send_drops
    }

    /// Puts `filter` between the socket and the session: a datagram for which it returns
    /// false is dropped before the session sees it, as if the network had lost it. For
    /// tests and demonstrations of loss recovery (the `browser_call` example's
    /// `--drop-video-percent`); `None` removes it. SRTP leaves the RTP header in clear, so a
    /// filter can choose by payload type or sequence number.
    pub fn set_receive_filter(&mut self, filter: Option<ReceiveFilter>) {
        self.filter = Filter(filter);
    }

    /// Datagrams the receive filter dropped.
    pub fn filtered(&self) -> u64 {
        self.filtered
    }

    /// Sends one RTP packet now ([`Session::send`]).
    pub fn send(&mut self, payload: &[u8], timestamp: u32, marker: bool) -> Result<()> {
        self.session
            .send(Instant::now(), payload, timestamp, marker)?;
        self.flush();
        Ok(())
    }

    /// Sends one RTP packet with a CSRC list ([`Session::send_mixed`]).
    pub fn send_mixed(
        &mut self,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
        csrcs: &[u32],
    ) -> Result<()> {
        self.session
            .send_mixed(Instant::now(), payload, timestamp, marker, csrcs)?;
        self.flush();
        Ok(())
    }

    /// Writes every queued datagram to its socket. A full send buffer drops the datagram
    /// (UDP semantics) and counts it.
    pub fn flush(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            let (socket, local) = match (t.component, &self.rtcp) {
                (Component::Rtcp, Some(s)) => (s, self.rtcp_local.unwrap_or(self.rtp_local)),
                _ => (&self.rtp, self.rtp_local),
            };
            match socket.try_send_to(&t.contents, for_socket(local, t.destination)) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => self.send_drops += 1,
                Err(error) => {
                    tracing::debug!(%error, destination = %t.destination, "send failed");
                    self.send_drops += 1;
                }
            }
            self.session.recycle(t.contents);
        }
    }

    /// Waits for the next event, frame or concealment, running the session meanwhile
    /// (receiving, timers, RTCP). Cancel-safe: use it in `tokio::select!` beside your own
    /// sending timer. `None` once the session closed and everything was handed out.
    pub async fn next(&mut self) -> Option<Output> {
        let mut idle_wake = false;
        loop {
            self.collect(Instant::now());
            if let Some(out) = self.pending.pop_front() {
                return Some(out);
            }
            if self.finished {
                return None;
            }
            // A deadline already past after a timer wake that produced nothing (a buffer
            // holding back a due frame) must not spin: wait a millisecond.
            let floor = idle_wake.then(|| Instant::now() + IDLE_RETRY);
            let deadline = self
                .session
                .poll_timeout()
                .map(|d| floor.map_or(d, |f| d.max(f)));
            let wake = tokio::select! {
                r = self.rtp.readable() => r.map(|()| Some(Component::Rtp)),
                r = readable(self.rtcp.as_ref()) => r.map(|()| Some(Component::Rtcp)),
                () = sleep_until(deadline) => Ok(None),
            };
            idle_wake = false;
            match wake {
                Ok(Some(component)) => self.receive(component),
                Ok(None) => {
                    self.session.handle_timeout(Instant::now());
                    idle_wake = self
                        .session
                        .poll_timeout()
                        .is_some_and(|d| d <= Instant::now());
                }
                Err(error) => tracing::warn!(%error, "socket wait failed"),
            }
            self.flush();
        }
    }

    /// Leaves the session: sends the BYE (waiting through BYE reconsideration in large
    /// sessions), then releases the sockets.
    pub async fn close(mut self) -> Result<()> {
        self.session.close(Instant::now());
        self.flush();
        while !self.session.is_closed() {
            let deadline = self.session.poll_timeout();
            sleep_until(deadline).await;
            self.session.handle_timeout(Instant::now());
            self.flush();
        }
        Ok(())
    }

    fn receive(&mut self, component: Component) {
        let socket = match (component, &self.rtcp) {
            (Component::Rtcp, Some(s)) => s,
            _ => &self.rtp,
        };
        for _ in 0..RECV_BATCH {
            match socket.try_recv_from(&mut self.buf) {
                Ok((n, from)) => {
                    let Some(datagram) = self.buf.get_mut(..n) else {
                        continue;
                    };
                    if let Some(filter) = self.filter.0.as_mut()
                        && !filter(datagram)
                    {
                        self.filtered += 1;
                        continue;
                    }
                    self.session
                        .handle_datagram(Instant::now(), component, from, datagram);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // ICMP port unreachable and the like surface here on Linux: keep going.
                Err(error) => {
                    tracing::debug!(%error, "receive error");
                    break;
                }
            }
        }
    }

    /// Moves the session's events and due playout into `pending`.
    fn collect(&mut self, now: Instant) {
        if collect(&mut self.session, now, &mut self.pending) {
            self.finished = true;
        }
    }
}

/// Moves `session`'s events and due playout into `pending`, as [`Output`]s; true when
/// [`Event::Closed`] was among them. Shared by the UDP and TCP drivers.
pub(crate) fn collect(session: &mut Session, now: Instant, pending: &mut VecDeque<Output>) -> bool {
    let mut closed = false;
    while let Some(event) = session.poll_event() {
        if matches!(event, Event::Closed) {
            closed = true;
        }
        pending.push_back(Output::Event(event));
    }
    while let Some((ssrc, playout)) = session.poll_playout(now) {
        let out = match playout {
            Playout::Frame(frame) => {
                // One allocation of the frame's size and a copy per packet, rather
                // than growing the vector a byte at a time.
                let size = frame.payloads().map(<[u8]>::len).sum();
                let mut payload = Vec::with_capacity(size);
                frame.payloads().for_each(|p| payload.extend_from_slice(p));
                let packet_lengths = frame.payloads().map(<[u8]>::len).collect();
                Output::Frame(MediaFrame {
                    ssrc,
                    sequence_number: frame.sequence_number(),
                    timestamp: frame.timestamp(),
                    marker: frame.marker(),
                    payload_type: frame.payload_type(),
                    payload,
                    sender_wallclock: frame.sender_wallclock(),
                    time_stretch: frame.time_stretch(),
                    complete: frame.is_complete(),
                    packet_lengths,
                })
            }
            Playout::Conceal(concealment) => Output::Conceal { ssrc, concealment },
            // A kind of playout added after this driver: nothing to hand out for it.
            _ => continue,
        };
        pending.push_back(out);
    }
    closed
}

async fn readable(socket: Option<&UdpSocket>) -> std::io::Result<()> {
    match socket {
        Some(s) => s.readable().await,
        None => std::future::pending().await,
    }
}

pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
