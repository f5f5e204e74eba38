//! The many-session [`Server`]: sessions on worker threads exchange SRTP media over
//! loopback, take jobs, and come out with their statistics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rtp_session::{
    Binding, ChaCha20Rng, Config, Error, Handler, MasterKey, Playout, ProtectionProfile, Security,
    SeedableRng, Server, Session, SrtpKeys,
};

struct Call {
    timestamp: u32,
    frames: Arc<AtomicUsize>,
}

impl Handler for Call {
    fn on_playout(&mut self, _ssrc: u32, playout: Playout<'_>) {
        if let Playout::Frame(frame) = playout {
            assert_eq!(frame.payloads().map(<[u8]>::len).sum::<usize>(), 160);
            self.frames.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn on_wake(&mut self, session: &mut Session, now: Instant) -> Option<Instant> {
        if session.remote_rtp().is_some() {
            session
                .send(now, &[0xd5; 160], self.timestamp, self.timestamp == 0)
                .unwrap();
            self.timestamp = self.timestamp.wrapping_add(160);
        }
        Some(now + Duration::from_millis(20))
    }
}

fn config(local: u8, remote: u8) -> Config {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let mut c = Config::new();
    c.transport.rtcp_mux = local % 2 == 0;
    c.security = Security::Srtp(SrtpKeys::new(profile, key(local), key(remote)));
    c
}

#[test]
fn pairs_of_sessions_on_two_workers_exchange_srtp_media() {
    let mut server = Server::start(2).unwrap();
    let loopback = Binding::new("127.0.0.1".parse().unwrap());
    let mut pairs = Vec::new();
    // Two pairs, multiplexed and not; the round robin puts each pair's ends on both workers.
    for p in 0..2u8 {
        let frames = Arc::new(AtomicUsize::new(0));
        let mut ends = Vec::new();
        for (local, remote) in [(10 + 2 * p, 20 + 2 * p), (20 + 2 * p, 10 + 2 * p)] {
            let call = Call {
                timestamp: 0,
                frames: frames.clone(),
            };
            let rng = Box::new(ChaCha20Rng::from_seed([local; 32]));
            let id = server
                .add(
                    config(local + p, remote + p),
                    loopback,
                    rng,
                    call,
                    Some(Instant::now()),
                )
                .unwrap();
            ends.push(id);
        }
        assert_ne!(ends[0].worker(), ends[1].worker());
        let (a, b) = (ends[0], ends[1]);
        server
            .with(a, move |s: &mut Session, _: &mut Call| {
                s.set_remote(b.local_rtp(), b.local_rtcp())
            })
            .unwrap();
        server
            .with(b, move |s: &mut Session, _: &mut Call| {
                s.set_remote(a.local_rtp(), a.local_rtcp())
            })
            .unwrap();
        pairs.push((a, b, frames));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while pairs.iter().any(|(_, _, f)| f.load(Ordering::Relaxed) < 40) {
        assert!(Instant::now() < deadline, "media did not flow");
        std::thread::sleep(Duration::from_millis(20));
    }
    // One session out on its own; then it is gone.
    let (a, _, _) = pairs[0];
    let stopped = server.remove(a).unwrap();
    assert!(stopped.handler.timestamp > 0);
    let ssrc = stopped.session.remote_sources().next().unwrap();
    let quality = stopped.session.quality(ssrc).unwrap();
    assert!(quality.packets_received >= 20, "{quality:?}");
    assert_eq!(stopped.session.counters().unprotect_failures, 0);
    assert!(matches!(server.remove(a), Err(Error::ServerGone)));
    let rest = server.stop().unwrap();
    assert_eq!(rest.len(), 3);
}

/// Sessions on the workers' shared sockets are told apart by their remote address: worker
/// 0's socket carries two calls (one to worker 1's shared socket, one to a session on its
/// own port), each with its own keys, so a datagram handed to the wrong session would fail
/// SRTP; a stranger's datagrams reach no session.
#[test]
fn sessions_sharing_a_socket_are_demultiplexed_by_remote_address() {
    let mut server = Server::start_shared(2, "127.0.0.1".parse().unwrap()).unwrap();
    let loopback = Binding::new("127.0.0.1".parse().unwrap());
    let counters: Vec<_> = (0..2).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let call = |pair: usize| Call {
        timestamp: 0,
        frames: counters[pair].clone(),
    };
    let rng = |b: u8| Box::new(ChaCha20Rng::from_seed([b; 32]));
    // Even local keys: rtcp-mux, which a shared session needs.
    let a1 = server
        .add_shared(config(30, 40), rng(1), call(0), Some(Instant::now()))
        .unwrap();
    let b1 = server
        .add_shared(config(40, 30), rng(2), call(0), Some(Instant::now()))
        .unwrap();
    let a2 = server
        .add_shared(config(50, 60), rng(3), call(1), Some(Instant::now()))
        .unwrap();
    let b2 = server
        .add(
            config(60, 50),
            loopback,
            rng(4),
            call(1),
            Some(Instant::now()),
        )
        .unwrap();
    assert_eq!((a1.worker(), b1.worker(), a2.worker()), (0, 1, 0));
    assert_eq!(a1.local_rtp(), a2.local_rtp(), "one socket for worker 0");
    assert_ne!(a2.local_rtp(), b2.local_rtp());
    for (x, y) in [(a1, b1), (b1, a1), (a2, b2), (b2, a2)] {
        server
            .with(x, move |s: &mut Session, _: &mut Call| {
                s.set_remote(y.local_rtp(), y.local_rtcp())
            })
            .unwrap();
    }
    let stranger = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while counters.iter().any(|f| f.load(Ordering::Relaxed) < 80) {
        assert!(Instant::now() < deadline, "media did not flow");
        stranger.send_to(&[0x80; 172], a1.local_rtp()).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    for stopped in server.stop().unwrap() {
        let session = &stopped.session;
        assert_eq!(session.counters().unprotect_failures, 0);
        let sources: Vec<u32> = session.remote_sources().collect();
        assert_eq!(sources.len(), 1, "one peer each, no stranger");
        assert!(session.quality(sources[0]).unwrap().packets_received >= 20);
        assert_eq!(stopped.send_drops, 0);
    }
}

#[test]
fn add_shared_needs_shared_sockets_and_rtcp_mux() {
    let rng = || Box::new(ChaCha20Rng::from_seed([7; 32]));
    let call = || Call {
        timestamp: 0,
        frames: Arc::new(AtomicUsize::new(0)),
    };
    let mut plain: Server<Call> = Server::start(1).unwrap();
    assert!(matches!(
        plain.add_shared(config(30, 40), rng(), call(), None),
        Err(Error::BadConfig(_))
    ));
    let mut shared: Server<Call> = Server::start_shared(1, "127.0.0.1".parse().unwrap()).unwrap();
    assert!(matches!(
        shared.add_shared(config(31, 40), rng(), call(), None),
        Err(Error::BadConfig(_))
    ));
    assert!(
        shared
            .add_shared(config(30, 40), rng(), call(), None)
            .is_ok()
    );
}

#[test]
fn a_socket_pair_against_the_configuration_is_refused() {
    let mut server: Server<Call> = Server::start(1).unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let call = Call {
        timestamp: 0,
        frames: Arc::default(),
    };
    let rng = Box::new(ChaCha20Rng::from_seed([1; 32]));
    // Not multiplexed (odd key byte) but no RTCP socket.
    let refused = server.add_std(config(1, 2), socket, None, rng, call, None);
    assert!(matches!(refused, Err(Error::BadConfig(_))));
}

/// Panics on its first wake.
struct Faulty;

impl Handler for Faulty {
    fn on_wake(&mut self, _: &mut Session, _: Instant) -> Option<Instant> {
        panic!("a handler's own bug");
    }
}

#[test]
fn a_panicking_handler_ends_its_worker_and_stop_says_so() {
    let mut server = Server::start(2).unwrap();
    let loopback = Binding::new("127.0.0.1".parse().unwrap());
    let rng = |s| Box::new(ChaCha20Rng::from_seed([s; 32]));
    let first = server
        .add(
            Config::new(),
            loopback,
            rng(1),
            Faulty,
            Some(Instant::now()),
        )
        .unwrap();
    let second = server
        .add(Config::new(), loopback, rng(2), Faulty, None)
        .unwrap();
    assert_ne!(first.worker(), second.worker());
    std::thread::sleep(Duration::from_millis(100));
    assert!(matches!(server.remove(first), Err(Error::ServerGone)));
    // The other worker is stopped all the same.
    assert!(matches!(server.stop(), Err(Error::ServerGone)));
}
