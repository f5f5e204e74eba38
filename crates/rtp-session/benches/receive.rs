//! Criterion benchmarks of the session's receive path without a socket: the per-packet
//! work `tools/scale receive-path` charges to the session (classify, SRTP unprotect, RTP
//! parse, source lookup, receiver statistics, jitter buffer, then playout, timers,
//! transmit and event queues polled as the scale tool does: each queue emptied, the frames
//! only counted), one G.711 packet of
//! 160 bytes every 20 ms of session time.
//!
//! - `receive/session_srtp`: the whole path, AES_CM_128_HMAC_SHA1_80 (the scale tool's);
//! - `receive/session_plain`: the same without SRTP, so the difference is SRTP's share;
//! - `receive/session_srtp_4000_cold`: the whole path with SRTP over 4,000 sessions, each
//!   given one packet in turn (the sender's protect of the next packet in between), as a
//!   `Server` worker meets them: every session's state has left the cache by its next
//!   packet, so the difference from `session_srtp` is what cold state costs a packet;
//! - `receive/unprotect`: `srtp::Context::unprotect_rtp` alone on the same packets.
//!
//! Packets are protected ahead of the clock in chunks (`iter_custom`), so only the
//! receiver's work is timed; the session lives across chunks, so its state is steady
//! (the jitter buffer's slots all have payload buffers, the replay window slides).

use criterion::{Criterion, criterion_group, criterion_main};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use rtp_session::SeedableRng;
use rtp_session::{Component, Config, Security, Session, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const PROFILE: ProtectionProfile = ProtectionProfile::AesCm128HmacSha1_80;
const SSRC: u32 = 0x5ca1_ab1e;
const SAMPLES: u32 = 160;
const INTERVAL: Duration = Duration::from_millis(20);
/// Packets protected ahead of each timed stretch.
const CHUNK: u64 = 2048;
/// Room for one protected G.711 packet (12 + 160 + 10 bytes).
const SLOT: usize = 256;

fn key(seed: u8) -> MasterKey {
    MasterKey::new(PROFILE, &[seed; 16], &[seed ^ 0x5a; 14]).expect("lengths match the profile")
}

fn config(srtp: bool, from: SocketAddr) -> Config {
    let mut c = Config::new();
    c.local_ssrc = Some(0x5e00_0001);
    c.transport.rtcp_mux = true;
    c.transport.remote_rtp = Some(from);
    c.transport.latching = false;
    if srtp {
        c.security = Security::Srtp(SrtpKeys::new(PROFILE, key(1), key(2)));
    }
    c
}

/// The sender's side: writes G.711 packets with consecutive sequence numbers, protected
/// when it has a context.
struct Sender {
    context: Option<srtp::Context>,
    index: u64,
}

impl Sender {
    fn new(srtp: bool) -> Self {
        let context = srtp
            .then(|| srtp::Context::new(PROFILE, key(2), srtp::Config::default()).expect("valid"));
        Self { context, index: 0 }
    }

    /// Fills `chunk` with the next `count` packets; their lengths go to `lens`.
    fn fill(&mut self, chunk: &mut [u8], lens: &mut Vec<usize>, count: usize) {
        lens.clear();
        for slot in chunk.chunks_exact_mut(SLOT).take(count) {
            let i = self.index;
            self.index += 1;
            let header = RtpHeader::new(
                PayloadType::PCMU,
                i as u16,
                (i as u32).wrapping_mul(SAMPLES),
                SSRC,
            );
            let len = PacketWriter::new(slot, &header)
                .and_then(|w| w.finish(&[0xff; SAMPLES as usize], 0))
                .expect("fits");
            let len = match &mut self.context {
                Some(c) => c.protect_rtp(slot, len).expect("protect"),
                None => len,
            };
            lens.push(len);
        }
    }
}

/// Times `per_packet` over `iters` packets, protected `CHUNK` at a time off the clock.
fn timed(iters: u64, sender: &mut Sender, mut per_packet: impl FnMut(u64, &mut [u8])) -> Duration {
    let mut chunk = vec![0u8; SLOT * CHUNK as usize];
    let mut lens = Vec::with_capacity(CHUNK as usize);
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let first = sender.index;
        sender.fill(&mut chunk, &mut lens, n as usize);
        let start = Instant::now();
        for (k, (slot, &len)) in chunk.chunks_exact_mut(SLOT).zip(&lens).enumerate() {
            per_packet(first + k as u64, &mut slot[..len]);
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

/// The work the scale tool charges to the session for one datagram: hand it over, then
/// empty the playout, timer, transmit and event queues as a user would.
#[inline(always)]
fn receive(session: &mut Session, now: Instant, from: SocketAddr, datagram: &mut [u8]) {
    session.handle_datagram(now, Component::Rtp, from, datagram);
    while session.poll_playout(now).is_some() {}
    if session.poll_timeout().is_some_and(|t| t <= now) {
        session.handle_timeout(now);
    }
    while session.poll_transmit().is_some() {}
    while session.poll_event().is_some() {}
}

fn bench(c: &mut Criterion) {
    let from: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    let mut g = c.benchmark_group("receive");
    for (name, srtp) in [("session_srtp", true), ("session_plain", false)] {
        let epoch = Instant::now();
        let rng = Box::new(rtp_session::ChaCha20Rng::from_seed([7; 32]));
        let mut session = Session::new(epoch, config(srtp, from), rng).expect("valid config");
        let mut sender = Sender::new(srtp);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                timed(iters, &mut sender, |index, datagram| {
                    // The packet's nominal arrival, as the scale tool gives it.
                    let now = epoch + INTERVAL * index as u32;
                    receive(&mut session, now, from, datagram);
                })
            })
        });
        let counters = session.counters();
        assert_eq!(
            (counters.unprotect_failures, counters.malformed),
            (0, 0),
            "{name}: the session refused packets of a valid stream"
        );
    }
    // Many sessions, each given one packet in turn, as a server's worker sees them: every
    // session's state is cold in the cache by the time its next packet comes.
    {
        const MANY: usize = 4000;
        let epoch = Instant::now();
        let mut sessions: Vec<Session> = (0..MANY)
            .map(|i| {
                let mut seed = [7u8; 32];
                seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
                let rng = Box::new(rtp_session::ChaCha20Rng::from_seed(seed));
                Session::new(epoch, config(true, from), rng).expect("valid config")
            })
            .collect();
        let mut senders: Vec<Sender> = (0..MANY).map(|_| Sender::new(true)).collect();
        let mut buf = [0u8; SLOT];
        let mut lens = Vec::new();
        let mut round = 0u64;
        g.bench_function("session_srtp_4000_cold", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let k = (round as usize) % MANY;
                    let index = senders[k].index;
                    senders[k].fill(&mut buf, &mut lens, 1);
                    let now = epoch + INTERVAL * index as u32;
                    let session = &mut sessions[k];
                    let datagram = &mut buf[..lens[0]];
                    let start = Instant::now();
                    receive(session, now, from, datagram);
                    total += start.elapsed();
                    round += 1;
                    left -= 1;
                }
                total
            })
        });
    }
    let mut context = srtp::Context::new(PROFILE, key(2), srtp::Config::default()).expect("valid");
    let mut sender = Sender::new(true);
    g.bench_function("unprotect", |b| {
        b.iter_custom(|iters| {
            timed(iters, &mut sender, |_, datagram| {
                black_box(context.unprotect_rtp(datagram).expect("authentic"));
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
