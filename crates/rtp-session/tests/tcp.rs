//! RTP over TCP (RFC 4571) through `TcpDriver`: two drivers carrying SRTP media both ways,
//! the close paths, and a hostile peer on a raw socket (garbage prefixes, a stalled frame,
//! half frames, a close mid-frame, non-RTP frames, a reset, a peer that stops reading), each
//! ending in a counted drop or a clean close, with the exact reason.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rtp_packet::framing::{FramingError, encode_frame};
use rtp_packet::{PacketWriter, PayloadType, RtpHeader};
use rtp_session::{
    Binding, ChaCha20Rng, Config, Event, MasterKey, Output, PortRange, ProtectionProfile, Security,
    SeedableRng, SrtpKeys, TcpCloseReason, TcpDriver, TcpSetup, TcpTransport,
};

const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn rng(seed: u8) -> Box<ChaCha20Rng> {
    Box::new(ChaCha20Rng::from_seed([seed; 32]))
}

fn binding() -> Binding {
    Binding {
        ip: LOOPBACK,
        ports: PortRange {
            first: 20000,
            last: 60000,
        },
    }
}

fn config(setup: TcpSetup, remote: Option<SocketAddr>) -> Config {
    let mut c = Config::new();
    c.transport.rtcp_mux = true;
    c.transport.remote_rtp = remote;
    c.transport.tcp = Some(TcpTransport::new(setup));
    c
}

fn srtp(c: &mut Config, local: u8, remote: u8) {
    let profile = ProtectionProfile::AesCm128HmacSha1_80;
    let key = |b| MasterKey::new(profile, &[b; 16], &[b; 14]).unwrap();
    c.security = Security::Srtp(SrtpKeys::new(profile, key(local), key(remote)));
}

/// An RTP packet of PCMU with `seq`, from SSRC 0x1234.
fn rtp(seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut buf = vec![0; 1500];
    let header = RtpHeader::new(PayloadType::PCMU, seq, u32::from(seq) * 160, 0x1234);
    let len = PacketWriter::new(&mut buf, &header)
        .unwrap()
        .finish(payload, 0)
        .unwrap();
    buf.truncate(len);
    buf
}

fn framed(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in packets {
        encode_frame(p, &mut out).unwrap();
    }
    out
}

/// Runs `driver` until it ends or `limit` passes; returns the outputs' events and the
/// frames' (sequence, payload).
async fn run(driver: &mut TcpDriver, limit: Duration) -> (Vec<Event>, Vec<(u16, Vec<u8>)>) {
    let (mut events, mut frames) = (Vec::new(), Vec::new());
    let until = tokio::time::Instant::now() + limit;
    while let Ok(Some(out)) = tokio::time::timeout_at(until, driver.next()).await {
        match out {
            Output::Event(e) => events.push(e),
            Output::Frame(f) => frames.push((f.sequence_number, f.payload)),
            _ => {}
        }
    }
    (events, frames)
}

fn closed_reason(events: &[Event]) -> Option<TcpCloseReason> {
    events.iter().find_map(|e| match e {
        Event::TcpClosed { reason } => Some(*reason),
        _ => None,
    })
}

/// The TCP settings of `c`.
fn tcp(c: &mut Config) -> &mut TcpTransport {
    c.transport.tcp.as_mut().expect("a TCP transport")
}

/// A passive driver with `tune` applied to its configuration, and a raw client connected to it
/// whose connection the driver has accepted.
async fn passive_with_client(tune: impl FnOnce(&mut Config)) -> (TcpDriver, TcpStream) {
    let mut c = config(TcpSetup::Passive, None);
    tune(&mut c);
    let mut driver = TcpDriver::start(c, binding(), rng(7)).await.unwrap();
    let client = TcpStream::connect(driver.local_addr()).unwrap();
    let out = driver.next().await;
    assert!(
        matches!(out, Some(Output::Event(Event::TcpConnected { peer })) if peer == client.local_addr().unwrap()),
        "{out:?}"
    );
    (driver, client)
}

#[tokio::test]
async fn srtp_media_both_ways_then_a_clean_close() {
    let mut cp = config(TcpSetup::Passive, None);
    srtp(&mut cp, 1, 2);
    let mut passive = TcpDriver::start(cp, binding(), rng(1)).await.unwrap();
    let mut ca = config(TcpSetup::Active, Some(passive.local_addr()));
    srtp(&mut ca, 2, 1);
    let mut active = TcpDriver::start(ca, binding(), rng(2)).await.unwrap();
    assert_eq!(active.peer(), Some(passive.local_addr()));

    // 50 packets each way, 20 ms apart, with distinct payloads.
    let payload = |side: u8, i: u16| vec![side ^ (i as u8); 160];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let (mut from_active, mut from_passive) = (Vec::new(), Vec::new());
    let mut connected = false;
    let mut i = 0u16;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while (from_active.len() < 50 || from_passive.len() < 50)
        && tokio::time::Instant::now() < deadline
    {
        tokio::select! {
            _ = tick.tick() => if connected && i < 50 {
                active.send(&payload(0xa0, i), u32::from(i) * 160, i == 0).unwrap();
                passive.send(&payload(0x50, i), u32::from(i) * 160, i == 0).unwrap();
                i += 1;
            },
            Some(out) = passive.next() => match out {
                Output::Event(Event::TcpConnected { .. }) => connected = true,
                Output::Frame(f) => from_active.push(f.payload),
                _ => {}
            },
            Some(out) = active.next() => if let Output::Frame(f) = out { from_passive.push(f.payload) },
        }
    }
    // The first packet of each stream ends probation and plays out too.
    assert_eq!(from_active.len(), 50, "frames from the active side");
    assert_eq!(from_passive.len(), 50, "frames from the passive side");
    for (n, p) in from_active.iter().enumerate() {
        assert_eq!(p, &payload(0xa0, n as u16));
    }
    for (n, p) in from_passive.iter().enumerate() {
        assert_eq!(p, &payload(0x50, n as u16));
    }
    assert_eq!(passive.session().counters().unprotect_failures, 0);
    assert_eq!(
        active.counters().frames_sent,
        passive.counters().frames_received
    );

    // RTCP rides the same connection: wait for a report each way (first interval ≤ 2.5 s
    // after the start, halved and randomised).
    let until = tokio::time::Instant::now() + Duration::from_secs(6);
    while (passive.session().counters().rtcp_received == 0
        || active.session().counters().rtcp_received == 0)
        && tokio::time::Instant::now() < until
    {
        tokio::select! {
            _ = passive.next() => {},
            _ = active.next() => {},
            _ = tokio::time::sleep_until(until) => {},
        }
    }
    assert!(passive.session().counters().rtcp_received > 0);
    assert!(active.session().counters().rtcp_received > 0);

    // The active side leaves: its BYE, then its FIN, reach the passive side, and it hands
    // out the session's end and then the transport's.
    let ssrc = active.session().local_ssrc();
    active.shutdown();
    let (events, _) = run(&mut active, Duration::from_secs(3)).await;
    let tail: Vec<String> = events
        .iter()
        .rev()
        .take(2)
        .map(|e| format!("{e:?}"))
        .collect();
    assert_eq!(
        tail,
        [
            format!(
                "{:?}",
                Event::TcpClosed {
                    reason: TcpCloseReason::Local
                }
            ),
            format!("{:?}", Event::Closed)
        ]
    );
    assert!(active.next().await.is_none());
    let (events, _) = run(&mut passive, Duration::from_secs(3)).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::SourceLeft { ssrc: s, .. } if *s == ssrc)),
        "{events:?}"
    );
    assert_eq!(closed_reason(&events), Some(TcpCloseReason::PeerClosed));
    assert!(passive.next().await.is_none());
}

#[tokio::test]
async fn connecting_to_nothing_is_an_error_and_bad_settings_are_refused() {
    let listener = std::net::TcpListener::bind((LOOPBACK, 0)).unwrap();
    let unused = listener.local_addr().unwrap();
    drop(listener);
    let c = config(TcpSetup::Active, Some(unused));
    assert!(matches!(
        TcpDriver::start(c, binding(), rng(1)).await,
        Err(rtp_session::Error::Io { .. })
    ));
    let c = config(TcpSetup::Active, None);
    assert!(matches!(
        TcpDriver::start(c, binding(), rng(1)).await,
        Err(rtp_session::Error::NoRemote)
    ));
    let refused = [
        |c: &mut Config| c.transport.rtcp_mux = false,
        |c: &mut Config| tcp(c).max_frame = 11,
        |c: &mut Config| tcp(c).stall_timeout = Duration::ZERO,
        |c: &mut Config| c.transport.tcp = None,
    ];
    for change in refused {
        let mut c = config(TcpSetup::Passive, None);
        change(&mut c);
        assert!(matches!(
            TcpDriver::start(c, binding(), rng(1)).await,
            Err(rtp_session::Error::BadConfig(_))
        ));
    }
}

#[tokio::test]
async fn a_listener_refuses_an_unexpected_address() {
    let c = config(TcpSetup::Passive, Some("192.0.2.1:9".parse().unwrap()));
    let mut driver = TcpDriver::start(c, binding(), rng(3)).await.unwrap();
    let _intruder = TcpStream::connect(driver.local_addr()).unwrap();
    let (events, _) = run(&mut driver, Duration::from_millis(300)).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(driver.counters().refused, 1);
    assert_eq!(driver.peer(), None);
}

#[tokio::test]
async fn media_then_zero_length_and_non_rtp_frames_are_counted_drops() {
    let (mut driver, mut client) = passive_with_client(|_| {}).await;
    let packets: Vec<Vec<u8>> = (0..10).map(|s| rtp(s, &[s as u8; 160])).collect();
    // Half a frame, then the rest with many frames in one write.
    let stream = framed(&packets);
    client.write_all(&stream[..7]).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = tokio::time::timeout(Duration::from_millis(50), driver.next()).await;
    client.write_all(&stream[7..]).unwrap();
    // Zero-length frames, then frames of bytes that are no RTP, RTCP, DTLS or STUN.
    client.write_all(&[0, 0, 0, 0]).unwrap();
    client
        .write_all(&framed(&[vec![0xff; 40], vec![0x80]]))
        .unwrap();
    client.write_all(&framed(&[rtp(10, &[10; 160])])).unwrap();
    let (events, frames) = run(&mut driver, Duration::from_millis(600)).await;
    assert!(closed_reason(&events).is_none(), "{events:?}");
    let seqs: Vec<u16> = frames.iter().map(|f| f.0).collect();
    assert_eq!(seqs, (0..=10).collect::<Vec<_>>());
    assert!(frames.iter().all(|(s, p)| p == &vec![*s as u8; 160]));
    let tcp = driver.counters();
    assert_eq!((tcp.frames_received, tcp.empty_frames), (13, 2));
    let session = driver.session().counters();
    assert_eq!(session.unknown + session.malformed, 2, "{session:?}");
    assert_eq!(session.rtp_received + session.probation_held, 11);

    // The peer closes between frames.
    drop(client);
    let (events, _) = run(&mut driver, Duration::from_secs(1)).await;
    assert_eq!(closed_reason(&events), Some(TcpCloseReason::PeerClosed));
}

#[tokio::test]
async fn a_prefix_above_the_maximum_closes_fresh_and_carrying_media() {
    for carrying_media in [false, true] {
        let (mut driver, mut client) = passive_with_client(|c| tcp(c).max_frame = 1500).await;
        if carrying_media {
            client
                .write_all(&framed(&[rtp(1, &[1; 160]), rtp(2, &[2; 160])]))
                .unwrap();
        }
        client.write_all(&[0x05, 0xdd, 0x80, 0x00]).unwrap(); // 1501 claimed
        let (events, frames) = run(&mut driver, Duration::from_secs(2)).await;
        assert_eq!(
            closed_reason(&events),
            Some(TcpCloseReason::Framing(FramingError::FrameTooLarge {
                length: 1501,
                max: 1500
            })),
            "{events:?}"
        );
        assert_eq!(
            driver.counters().frames_received,
            if carrying_media { 2 } else { 0 }
        );
        let session = driver.session().counters();
        assert_eq!(
            session.rtp_received + session.probation_held,
            if carrying_media { 2 } else { 0 }
        );
        assert!(frames.len() <= 2);
        assert!(driver.next().await.is_none());
    }
}

#[tokio::test]
async fn a_stalled_frame_is_cut_off_and_timers_keep_running() {
    for carrying_media in [false, true] {
        let stall = Duration::from_millis(400);
        let (mut driver, mut client) = passive_with_client(|c| tcp(c).stall_timeout = stall).await;
        if carrying_media {
            client
                .write_all(&framed(&[rtp(1, &[1; 160]), rtp(2, &[2; 160])]))
                .unwrap();
        }
        // Slowloris: the largest frame announced, three bytes sent, then nothing.
        let started = Instant::now();
        client.write_all(&[0xff, 0xff, 0x80, 0x00, 0x01]).unwrap();
        let (events, _) = run(&mut driver, Duration::from_secs(3)).await;
        let took = started.elapsed();
        assert_eq!(
            closed_reason(&events),
            Some(TcpCloseReason::Stalled),
            "{events:?}"
        );
        assert!(
            took >= stall && took < stall + Duration::from_millis(800),
            "{took:?}"
        );
        assert_eq!(
            driver.counters().frames_received,
            if carrying_media { 2 } else { 0 }
        );
    }
}

#[tokio::test]
async fn a_close_mid_frame_and_a_reset_are_clean_ends() {
    let (mut driver, mut client) = passive_with_client(|_| {}).await;
    client.write_all(&framed(&[rtp(1, &[1; 160])])).unwrap();
    client.write_all(&[0x00, 0xac, 0x80, 0x00, 0x00]).unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let (events, _) = run(&mut driver, Duration::from_secs(2)).await;
    assert_eq!(
        closed_reason(&events),
        Some(TcpCloseReason::PeerClosedMidFrame { buffered: 5 })
    );

    for carrying_media in [false, true] {
        let (mut driver, mut client) = passive_with_client(|_| {}).await;
        if carrying_media {
            client.write_all(&framed(&[rtp(1, &[1; 160])])).unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Linger 0: closing sends RST.
        socket2::SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(client);
        let (events, _) = run(&mut driver, Duration::from_secs(2)).await;
        assert_eq!(
            closed_reason(&events),
            Some(TcpCloseReason::Reset),
            "{events:?}"
        );
    }
}

#[tokio::test]
async fn a_peer_that_stops_reading_costs_a_bounded_buffer_and_counted_drops() {
    let send_buffer = 16 * 1024;
    let (mut driver, client) = passive_with_client(|c| {
        tcp(c).send_buffer = send_buffer;
        c.transport.socket.send_buffer = Some(4096);
    })
    .await;
    // Small kernel buffers on the reader's side make the stall come sooner.
    socket2::SockRef::from(&client)
        .set_recv_buffer_size(4096)
        .unwrap();
    driver
        .session_mut()
        .set_remote(client.local_addr().unwrap(), client.local_addr().unwrap());
    let payload = [0x55; 1200];
    let mut slowest = Duration::ZERO;
    for i in 0..3000u32 {
        let t = Instant::now();
        driver.send(&payload, i * 160, false).unwrap();
        slowest = slowest.max(t.elapsed());
        assert!(driver.buffered_send() <= send_buffer);
    }
    let tcp = driver.counters();
    assert!(tcp.send_drops > 0, "{tcp:?}");
    assert_eq!(tcp.frames_sent + tcp.send_drops, 3000);
    assert!(
        slowest < Duration::from_millis(100),
        "a send waited {slowest:?}"
    );
    // The RTCP timer still runs: a report is composed within the first interval even
    // though the peer reads nothing.
    let rtcp_before = driver.session().counters().rtcp_sent;
    let (events, _) = run(&mut driver, Duration::from_secs(4)).await;
    assert!(closed_reason(&events).is_none(), "{events:?}");
    assert!(driver.session().counters().rtcp_sent > rtcp_before);
    drop(client);
}

#[tokio::test]
async fn an_active_driver_meets_a_hostile_listener() {
    // The peer we connect to sends media, then a frame of junk, then a prefix above our
    // maximum.
    let listener = std::net::TcpListener::bind((LOOPBACK, 0)).unwrap();
    let mut c = config(TcpSetup::Active, Some(listener.local_addr().unwrap()));
    tcp(&mut c).max_frame = 1500;
    let mut driver = TcpDriver::start(c, binding(), rng(9)).await.unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(&framed(&[
        rtp(1, &[1; 160]),
        rtp(2, &[2; 160]),
        vec![0x80; 3],
    ]))
    .unwrap();
    peer.write_all(&[0xff, 0xff]).unwrap();
    let (events, _) = run(&mut driver, Duration::from_secs(2)).await;
    assert!(
        matches!(events.first(), Some(Event::TcpConnected { .. })),
        "{events:?}"
    );
    assert_eq!(
        closed_reason(&events),
        Some(TcpCloseReason::Framing(FramingError::FrameTooLarge {
            length: 65_535,
            max: 1500
        }))
    );
    let session = driver.session().counters();
    assert_eq!(session.rtp_received + session.probation_held, 2);
    assert_eq!(session.malformed, 1, "{session:?}");
}

#[tokio::test]
async fn a_stream_of_noise_ends_cleanly() {
    // Pseudo-random bytes (a fixed LCG), with the default 65,535-byte maximum: whatever the
    // prefixes say, the driver reads frames, drops what is not RTP, and ends on the close.
    for seed in 1..=4u64 {
        let (mut driver, mut client) = passive_with_client(|_| {}).await;
        let mut x = seed;
        let noise: Vec<u8> = (0..200_000)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 56) as u8
            })
            .collect();
        client.write_all(&noise).unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let (events, _) = run(&mut driver, Duration::from_secs(3)).await;
        let reason = closed_reason(&events);
        assert!(
            matches!(
                reason,
                Some(TcpCloseReason::PeerClosed | TcpCloseReason::PeerClosedMidFrame { .. })
            ),
            "{reason:?}"
        );
        let tcp = driver.counters();
        assert!(tcp.frames_received + tcp.empty_frames > 0);
    }
}

#[tokio::test]
async fn closing_with_a_peer_that_does_not_read_ends_within_the_drain_time() {
    let (mut driver, client) = passive_with_client(|c| {
        tcp(c).send_buffer = 16 * 1024;
        c.transport.socket.send_buffer = Some(4096);
    })
    .await;
    socket2::SockRef::from(&client)
        .set_recv_buffer_size(4096)
        .unwrap();
    // Fill every buffer on the way, let the kernel settle, and fill ours again.
    for round in 0..2u32 {
        for i in 0..1000u32 {
            driver
                .send(&[0x55; 1200], (round * 1000 + i) * 160, false)
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver.flush();
    assert!(driver.buffered_send() > 0);
    let started = Instant::now();
    driver.shutdown();
    let (events, _) = run(&mut driver, Duration::from_secs(3)).await;
    let took = started.elapsed();
    let tail: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
    assert_eq!(
        tail,
        [
            format!("{:?}", Event::Closed),
            format!(
                "{:?}",
                Event::TcpClosed {
                    reason: TcpCloseReason::Local
                }
            )
        ]
    );
    // The buffer never drains, so the driver gives the peer its second and no more.
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(2),
        "{took:?}"
    );
    drop(client);
}
