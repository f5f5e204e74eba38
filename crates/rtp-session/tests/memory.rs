//! The heap one running G.711 SRTP session holds (the "memory per session" of `scale
//! sessions` without the process's own noise): two sessions talk to each other for 20
//! seconds at 50 packets a second, RTCP included, and the live heap of each is measured.
//! Prints the figure on standard error (`cargo test -p rtp-session --test memory --
//! --nocapture`) and guards against growth.

use rand_core::SeedableRng;
use std::time::{Duration, Instant};

use rtp_session::{Component, Config, Security, Session, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// The heap a running session may hold before this test fails: the 16 KiB target
/// (15.9 KiB today, down from 43.3 KiB once the jitter buffer's delay histogram was made
/// `f32` bins, 256 of them until a delay goes past, remote sources were boxed in their
/// table, the skew fit's scratch went to the stack and RTCP buffers were sized to the
/// compound). The `Session` value itself (printed beside it) lives wherever the caller
/// keeps it: on the stack here, in a `Server` worker's table there.
const BOUND: i64 = 16 * 1024;

fn config(local: MasterKey, remote: MasterKey, profile: ProtectionProfile, peer: &str) -> Config {
    let mut c = Config::new();
    c.transport.remote_rtp = Some(peer.parse().unwrap());
    c.transport.rtcp_mux = true;
    c.security = Security::Srtp(SrtpKeys::new(profile, local, remote));
    c
}

#[test]
fn a_running_g711_session_holds_a_bounded_heap() {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let t0 = Instant::now();
    let rng = |s| Box::new(chacha20::ChaCha20Rng::from_seed([s; 32]));
    let (a_addr, b_addr) = ("192.0.2.1:5004", "192.0.2.2:5004");
    let start = alloc_counter::live_bytes();
    let mut a = Session::new(t0, config(key(1), key(2), profile, b_addr), rng(1)).unwrap();
    let mut b = Session::new(t0, config(key(2), key(1), profile, a_addr), rng(2)).unwrap();
    let created = alloc_counter::live_bytes();
    let mut played = 0;
    for i in 0..1000u32 {
        let now = t0 + Duration::from_millis(20) * i;
        a.send(now, &[0xff; 160], 160 * i, i == 0).unwrap();
        b.send(now, &[0xff; 160], 160 * i, i == 0).unwrap();
        a.handle_timeout(now);
        b.handle_timeout(now);
        while let Some(mut t) = a.poll_transmit() {
            b.handle_datagram(
                now,
                Component::Rtp,
                a_addr.parse().unwrap(),
                &mut t.contents,
            );
            a.recycle(t.contents);
        }
        while let Some(mut t) = b.poll_transmit() {
            a.handle_datagram(
                now,
                Component::Rtp,
                b_addr.parse().unwrap(),
                &mut t.contents,
            );
            b.recycle(t.contents);
        }
        while a.poll_playout(now).is_some() {
            played += 1;
        }
        while b.poll_playout(now).is_some() {}
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
    }
    assert!(played > 900, "{played}");
    let running = alloc_counter::live_bytes();
    let per_created = (created - start) / 2;
    let per_running = (running - start) / 2;
    eprintln!(
        "heap per session: {:.1} KiB created, {:.1} KiB running (20 s of two-way G.711 SRTP); \
         the Session value itself: {:.1} KiB",
        per_created as f64 / 1024.0,
        per_running as f64 / 1024.0,
        std::mem::size_of::<Session>() as f64 / 1024.0
    );
    assert!(per_running < BOUND, "{per_running} bytes");
    drop((a, b));
}
