//! A steady SRTP stream allocates nothing per packet, end to end: send, protect, unprotect,
//! statistics, jitter buffer and playout.

use rand_core::SeedableRng;
use std::time::{Duration, Instant};

use rtp_session::{Component, Config, Security, Session, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};

#[global_allocator]
static ALLOC: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

const PAYLOAD: [u8; 160] = [0x55; 160];

fn config(local: MasterKey, remote: MasterKey, profile: ProtectionProfile) -> Config {
    let mut c = Config::new();
    c.transport.remote_rtp = Some("192.0.2.2:5004".parse().unwrap());
    c.transport.rtcp_mux = true;
    // No RTCP: a report allocates once per interval, not per packet, and is left out.
    c.bandwidth = rtp_session::Bandwidth::new(0);
    c.security = Security::Srtp(SrtpKeys::new(profile, local, remote));
    c
}

#[test]
fn steady_state_send_and_receive_allocate_nothing_of_their_own() {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let t0 = Instant::now();
    let rng = |s| Box::new(chacha20::ChaCha20Rng::from_seed([s; 32]));
    let mut a = Session::new(t0, config(key(1), key(2), profile), rng(1)).unwrap();
    let mut b = Session::new(t0, config(key(2), key(1), profile), rng(2)).unwrap();
    let from = "192.0.2.1:5004".parse().unwrap();
    let (mut send_allocations, mut receive_allocations, mut played) = (0, 0, 0);
    // The jitter buffer gives each of its 512 slots a payload buffer the first time the slot
    // is used; after one pass round the ring, nothing allocates.
    for i in 0..1200u32 {
        let now = t0 + Duration::from_millis(20) * i;
        let (sent, _) = alloc_counter::count(|| {
            a.send(now, &PAYLOAD, 160 * i, false).unwrap();
            a.handle_timeout(now);
        });
        let mut t = a.poll_transmit().unwrap();
        let (received, _) = alloc_counter::count(|| {
            b.handle_datagram(now, Component::Rtp, from, &mut t.contents);
            b.handle_timeout(now);
            while b.poll_playout(now).is_some() {
                played += 1;
            }
        });
        a.recycle(t.contents);
        while b.poll_event().is_some() {}
        if i >= 700 {
            send_allocations += sent;
            receive_allocations += received;
        }
    }
    assert!(played > 1100, "{played}");
    assert_eq!(send_allocations, 0);
    assert_eq!(receive_allocations, 0);
}

#[test]
fn transport_cc_in_steady_state_allocates_nothing() {
    // Both directions negotiated transport-cc with reduced-size RTCP (as browsers do): A's
    // packets carry the transport-wide sequence number, B records them and sends feedback
    // every 100–250 ms, A turns it into results and its estimate. After the send history
    // has filled (8,192 packets) and every buffer has grown, nothing allocates.
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    let with_twcc = |mut c: Config| {
        c.transport.rtcp_rsize = true;
        c.congestion.transport_sequence_id = Some(3);
        c.congestion.transport_cc_feedback = true;
        c
    };
    let t0 = Instant::now();
    let rng = |s| Box::new(chacha20::ChaCha20Rng::from_seed([s; 32]));
    let mut a = Session::new(t0, with_twcc(config(key(1), key(2), profile)), rng(1)).unwrap();
    let mut b = Session::new(t0, with_twcc(config(key(2), key(1), profile)), rng(2)).unwrap();
    let a_addr = "192.0.2.1:5004".parse().unwrap();
    let b_addr = "192.0.2.2:5004".parse().unwrap();
    a.set_remote(b_addr, b_addr);
    b.set_remote(a_addr, a_addr);
    let (mut a_allocations, mut b_allocations) = (0, 0);
    let total = 9000u32;
    for i in 0..total {
        let now = t0 + Duration::from_millis(20) * i;
        let (sent, _) = alloc_counter::count(|| {
            a.send(now, &PAYLOAD, 160 * i, false).unwrap();
            a.handle_timeout(now);
        });
        let mut t = a.poll_transmit().unwrap();
        let (received, _) = alloc_counter::count(|| {
            b.handle_datagram(now, Component::Rtp, a_addr, &mut t.contents);
            b.handle_timeout(now);
            while b.poll_playout(now).is_some() {}
        });
        a.recycle(t.contents);
        let mut fed_back = 0;
        while let Some(mut f) = b.poll_transmit() {
            let (n, _) = alloc_counter::count(|| {
                a.handle_datagram(now, Component::Rtp, b_addr, &mut f.contents);
            });
            fed_back += n;
            b.recycle(f.contents);
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
        if i >= total - 500 {
            a_allocations += sent + fed_back;
            b_allocations += received;
        }
    }
    let (ca, cb) = (a.counters(), b.counters());
    assert!(cb.transport_feedback_sent > 700, "{cb:?}");
    assert_eq!(ca.transport_feedback_received, cb.transport_feedback_sent);
    assert!(a.bandwidth_estimate().is_some());
    assert_eq!(a_allocations, 0, "sending and consuming feedback");
    assert_eq!(b_allocations, 0, "receiving and sending feedback");
}
