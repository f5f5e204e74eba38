//! The [`Server`]'s worker allocates nothing per packet: two sessions on one worker
//! exchange SRTP G.711 for seven seconds, and the worker thread's allocation count, read by
//! the handlers on that thread, does not move over the last three, but for one bounded,
//! one-off cause: the jitter buffer's delay histogram starts small and grows (doubling,
//! six times at most over a session's life) the first time a delay reaches past it, which
//! a worker descheduled on a loaded machine can cause. A per-packet allocation would show
//! as 150 or more in the window (50 packets a second each way).

use std::time::{Duration, Instant};

use rtp_session::{
    Bandwidth, ChaCha20Rng, Config, Handler, MasterKey, Playout, ProtectionProfile, Security,
    SeedableRng, Server, Session, SrtpKeys,
};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// The most allocations the window may see: the delay histograms' one-off growths of the
/// two sessions whose handlers read this worker's count (six each at most).
const ONE_OFF_GROWTHS: u64 = 12;

/// Sends every 20 ms and notes the worker thread's allocations at each wake.
struct Meter {
    timestamp: u32,
    frames: u64,
    samples: Vec<(Instant, u64)>,
}

impl Handler for Meter {
    fn on_playout(&mut self, _ssrc: u32, playout: Playout<'_>) {
        if let Playout::Frame(_) = playout {
            self.frames += 1;
        }
    }

    fn on_wake(&mut self, session: &mut Session, now: Instant) -> Option<Instant> {
        session
            .send(now, &[0xff; 160], self.timestamp, self.timestamp == 0)
            .unwrap();
        self.timestamp = self.timestamp.wrapping_add(160);
        if self.samples.len() < self.samples.capacity() {
            self.samples.push((now, alloc_counter::allocations()));
        }
        Some(now + Duration::from_millis(20))
    }
}

/// The meter played frames, and the worker allocated nothing over the last three of the
/// seven seconds but the bounded one-off growths.
fn assert_steady(meter: &Meter, start: Instant) {
    assert!(meter.frames > 100, "{}", meter.frames);
    // A one-off pair of allocations comes near 2.7 s (nothing after it in a 10 s run).
    let settled = start + Duration::from_secs(4);
    let (_, first) = *meter.samples.iter().find(|(t, _)| *t >= settled).unwrap();
    let (_, last) = *meter.samples.last().unwrap();
    assert!(
        last - first <= ONE_OFF_GROWTHS,
        "{} allocations on the worker in the last three seconds",
        last - first
    );
}

#[test]
fn a_steady_call_on_a_worker_allocates_nothing() {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let sockets = [0; 2].map(|_| std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    let addresses = sockets.each_ref().map(|s| s.local_addr().unwrap());
    let mut server = Server::start(1).unwrap();
    let start = Instant::now();
    for (i, socket) in sockets.into_iter().enumerate() {
        let mut c = Config::new();
        c.transport.rtcp_mux = true;
        c.transport.remote_rtp = Some(addresses[1 - i]);
        // No RTCP: a report allocates once per interval, not per packet (as tests/alloc.rs).
        c.bandwidth = Bandwidth::new(0);
        let (local, remote) = if i == 0 { (1, 2) } else { (2, 1) };
        c.security = Security::Srtp(SrtpKeys::new(profile, key(local), key(remote)));
        let meter = Meter {
            timestamp: 0,
            frames: 0,
            samples: Vec::with_capacity(1000),
        };
        let rng = Box::new(ChaCha20Rng::from_seed([local; 32]));
        server
            .add_std(c, socket, None, rng, meter, Some(start))
            .unwrap();
    }
    std::thread::sleep(Duration::from_secs(7));
    let stopped = server.stop().unwrap();
    for s in &stopped {
        assert_steady(&s.handler, start);
    }
}

/// The same on shared sockets: two sessions on two workers' shared sockets, each the
/// other's remote; the demultiplexer and the batched reads allocate nothing per packet.
#[test]
fn a_steady_call_on_shared_sockets_allocates_nothing() {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let mut server = Server::start_shared(2, "127.0.0.1".parse().unwrap()).unwrap();
    let start = Instant::now();
    let mut ids = Vec::new();
    for i in 0..2u8 {
        let mut c = Config::new();
        c.transport.rtcp_mux = true;
        c.bandwidth = Bandwidth::new(0);
        let (local, remote) = if i == 0 { (1, 2) } else { (2, 1) };
        c.security = Security::Srtp(SrtpKeys::new(profile, key(local), key(remote)));
        let meter = Meter {
            timestamp: 0,
            frames: 0,
            samples: Vec::with_capacity(1000),
        };
        let rng = Box::new(ChaCha20Rng::from_seed([local; 32]));
        ids.push(server.add_shared(c, rng, meter, Some(start)).unwrap());
    }
    let (a, b) = (ids[0], ids[1]);
    assert_ne!(a.worker(), b.worker());
    for (x, y) in [(a, b), (b, a)] {
        server
            .with(x, move |s: &mut Session, _: &mut Meter| {
                s.set_remote(y.local_rtp(), y.local_rtcp())
            })
            .unwrap();
    }
    std::thread::sleep(Duration::from_secs(7));
    for s in server.stop().unwrap() {
        assert_steady(&s.handler, start);
    }
}
