//! Drives the sans-IO receive path (classify, SRTP unprotect, RTP parse, statistics,
//! jitter buffer, playout) with a pre-protected G.711 stream and no sockets, so that a
//! profiler such as `valgrind --tool=callgrind` sees only the session's own work.
//!
//! `cargo run --release -p rtp-session --example receive_profile -- [packets]`
//! (default 20 000 packets). The stream is protected before the measured loop starts; the
//! wall-clock time per packet of the loop is printed.

use rand_core::SeedableRng;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use rtp_session::{Component, Config, Security, Session, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};

const PROFILE: ProtectionProfile = ProtectionProfile::AesCm128HmacSha1_80;
/// G.711 in 20 ms packets: 160 samples of payload.
const SAMPLES: u32 = 160;
const INTERVAL: Duration = Duration::from_millis(20);
const SSRC: u32 = 0x5ca1_ab1e;

fn key(seed: u8) -> MasterKey {
    let material: Vec<u8> = (0..30u8).map(|i| i.wrapping_mul(29) ^ seed).collect();
    MasterKey::new(PROFILE, &material[..16], &material[16..]).expect("valid key lengths")
}

fn main() {
    let packets: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("packet count"))
        .unwrap_or(20_000);
    let mut sender =
        srtp::Context::new(PROFILE, key(1), srtp::Config::default()).expect("SRTP context");
    let payload = [0xffu8; SAMPLES as usize];
    let stream: Vec<Vec<u8>> = (0..packets)
        .map(|i| {
            let mut buf = [0u8; 256];
            let header = RtpHeader::new(
                PayloadType::PCMU,
                i as u16,
                (i as u32).wrapping_mul(SAMPLES),
                SSRC,
            );
            let len = PacketWriter::new(&mut buf, &header)
                .and_then(|w| w.finish(&payload, 0))
                .expect("packet fits");
            let len = sender.protect_rtp(&mut buf, len).expect("protect");
            buf[..len].to_vec()
        })
        .collect();

    let from: SocketAddr = "127.0.0.1:40000".parse().expect("address");
    let mut config = Config::new();
    config.transport.rtcp_mux = true;
    config.transport.remote_rtp = Some(from);
    config.transport.latching = false;
    config.security = Security::Srtp(SrtpKeys::new(PROFILE, key(2), key(1)));
    let epoch = Instant::now();
    let random = Box::new(chacha20::ChaCha20Rng::from_seed([7; 32]));
    let mut session = Session::new(epoch, config, random).expect("session");
    let mut buf = [0u8; 2048];
    let mut played = 0u64;
    let started = Instant::now();
    for (i, datagram) in stream.iter().enumerate() {
        let now = epoch + INTERVAL * i as u32;
        let datagram_buf = &mut buf[..datagram.len()];
        datagram_buf.copy_from_slice(datagram);
        session.handle_datagram(now, Component::Rtp, from, datagram_buf);
        while session.poll_playout(now).is_some() {
            played += 1;
        }
        if session.poll_timeout().is_some_and(|t| t <= now) {
            session.handle_timeout(now);
        }
        while session.poll_transmit().is_some() {}
        while session.poll_event().is_some() {}
    }
    let elapsed = started.elapsed();
    let counters = session.counters();
    eprintln!(
        "{packets} packets: {} received, {played} frames played, {} unprotect failures; \
         {:.0} ns per packet",
        counters.rtp_received,
        counters.unprotect_failures,
        elapsed.as_nanos() as f64 / packets.max(1) as f64
    );
}
