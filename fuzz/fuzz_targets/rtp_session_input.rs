//! Arbitrary datagrams into the sans-IO session core (plain, keyed with SRTP, and plain
//! with transport-cc or RFC 8888 congestion control sending a packet per datagram, so that
//! hostile feedback meets a send history, and plain with RTCP feedback negotiated: NACK
//! with RTX, PLI, FIR, reduced-size RTCP) from a handful of addresses on both components,
//! with time advancing: nothing panics, the session's state stays bounded, the bandwidth
//! estimate stays within its bounds, and an SRTP session never delivers what failed to
//! authenticate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_session::{ChaCha20Rng, Component, Config, Security, SeedableRng, Session, SrtpKeys};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const MAX_SOURCES: usize = 8;

fn session(srtp: bool, twcc: bool, ccfb: bool, feedback: bool, now: Instant) -> Session {
    let mut c = Config::new();
    if feedback {
        let mut f = rtp_session::Feedback::new();
        f.nack = true;
        f.pli = true;
        f.fir = true;
        f.rtx = Some(rtp_session::Rtx {
            payload_type: rtp_session::PayloadType::new(97).expect("payload type"),
            apt: rtp_session::PayloadType::PCMU,
            ssrc: None,
        });
        c.feedback = f;
        c.transport.rtcp_rsize = true;
    }
    c.transport.remote_rtp = Some("192.0.2.1:5004".parse().expect("address"));
    c.transport.remote_rtcp = Some("192.0.2.1:5005".parse().expect("address"));
    c.raw_packets = true;
    c.max_remote_sources = MAX_SOURCES;
    if srtp {
        let profile = srtp::ProtectionProfile::AesCm128HmacSha1_80;
        let key = |b| srtp::MasterKey::new(profile, &[b; 16], &[b; 14]).expect("key");
        c.security = Security::Srtp(SrtpKeys::new(profile, key(1), key(2)));
    }
    if twcc {
        c.congestion.transport_sequence_id = Some(5);
        c.congestion.transport_cc_feedback = true;
        c.congestion.packet_results = true;
    }
    if ccfb {
        c.congestion.ccfb_feedback = true;
        c.congestion.packet_results = true;
        // A known SSRC, so that seeds can hold RFC 8888 reports about our stream.
        c.local_ssrc = Some(0x1234_5678);
    }
    let rng = Box::new(ChaCha20Rng::from_seed([7; 32]));
    Session::new(now, c, rng).expect("valid config")
}

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut sessions = [
        session(false, false, false, false, start),
        session(true, false, false, false, start),
        session(false, true, false, false, start),
        session(false, false, true, false, start),
        session(false, false, false, true, start),
    ];
    let addresses: [SocketAddr; 4] = [
        "192.0.2.1:5004".parse().expect("address"),
        "192.0.2.1:5005".parse().expect("address"),
        "198.51.100.7:4000".parse().expect("address"),
        "[2001:db8::1]:5004".parse().expect("address"),
    ];
    // Records: flags (component, address, time step), two-byte length, datagram.
    let mut rest = data;
    let mut now = start;
    while let [flags, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (datagram, after) = tail.split_at(len);
        rest = after;
        now += Duration::from_millis(u64::from(flags >> 4) * 150);
        let component = if flags & 1 == 0 {
            Component::Rtp
        } else {
            Component::Rtcp
        };
        let from = addresses[usize::from((flags >> 1) & 3)];
        let media_ts = u32::from(*flags) * 160;
        for (i, s) in sessions.iter_mut().enumerate() {
            if i >= 2 {
                let _ = s.send(now, &[0; 40], media_ts, false);
            }
            let mut copy = datagram.to_vec();
            s.handle_datagram(now, component, from, &mut copy);
            s.handle_timeout(now);
            while s.poll_transmit().is_some() {}
            while s.poll_event().is_some() {}
            while s.poll_playout(now).is_some() {}
            assert!(s.remote_sources().count() <= MAX_SOURCES);
            while s.poll_packet_result().is_some() {}
            if let Some(estimate) = s.bandwidth_estimate() {
                assert!((30_000..=10_000_000).contains(&estimate), "{estimate}");
            }
        }
        let keyed = &sessions[1];
        let c = keyed.counters();
        // Without the peer's key nothing authenticates, so nothing is delivered.
        assert_eq!((c.rtp_received, c.rtcp_received), (0, 0));
    }
});
