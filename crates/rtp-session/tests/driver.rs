//! The tokio driver on loopback: two sessions exchange media with SRTP and with DTLS-SRTP.

mod common;

use rand_core::SeedableRng;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rtp_session::{Binding, Config, Driver, Event, Output, PortRange, Security, SrtpKeys};
use srtp::{MasterKey, ProtectionProfile};

const PROFILE: ProtectionProfile = ProtectionProfile::AeadAes128Gcm;

fn rng(seed: u8) -> Box<dyn rand_core::CryptoRng + Send> {
    Box::new(chacha20::ChaCha20Rng::from_seed([seed; 32]))
}

fn key(b: u8) -> MasterKey {
    MasterKey::new(PROFILE, &[b; 16], &[b; 12]).unwrap()
}

fn loopback(first: u16) -> Binding {
    Binding {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ports: PortRange {
            first,
            last: first + 200,
        },
    }
}

/// Sends `n` 20 ms frames from `a` to `b` and back, and returns what each received.
async fn exchange(a: &mut Driver, b: &mut Driver, n: u32) -> (Vec<Output>, Vec<Output>) {
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut sent = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(20 * u64::from(n) + 1500);
    loop {
        tokio::select! {
            _ = tick.tick(), if sent < n => {
                if a.session().is_keyed() && b.session().is_keyed() {
                    a.send(&[0x55; 160], sent * 160, sent == 0).unwrap();
                    b.send(&[0x66; 160], sent * 160, sent == 0).unwrap();
                    sent += 1;
                }
            }
            Some(out) = a.next() => got_a.push(out),
            Some(out) = b.next() => got_b.push(out),
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    (got_a, got_b)
}

fn frames(outputs: &[Output], fill: u8) -> usize {
    outputs
        .iter()
        .filter(|o| matches!(o, Output::Frame(f) if f.payload == vec![fill; 160]))
        .count()
}

#[tokio::test]
async fn srtp_media_over_loopback_with_separate_rtcp_ports() {
    let mut ca = Config::new();
    ca.security = Security::Srtp(SrtpKeys::new(PROFILE, key(1), key(2)));
    let mut cb = Config::new();
    cb.security = Security::Srtp(SrtpKeys::new(PROFILE, key(2), key(1)));
    let mut a = Driver::bind(ca, loopback(42000), rng(1)).await.unwrap();
    let mut b = Driver::bind(cb, loopback(42000), rng(2)).await.unwrap();
    assert_eq!(a.local_rtp().port() % 2, 0);
    assert_eq!(a.local_rtcp().port(), a.local_rtp().port() + 1);
    assert_ne!(a.local_rtp(), b.local_rtp());
    a.session_mut().set_remote(b.local_rtp(), b.local_rtcp());
    b.session_mut().set_remote(a.local_rtp(), a.local_rtcp());
    let (got_a, got_b) = exchange(&mut a, &mut b, 100).await;
    assert!(frames(&got_b, 0x55) >= 95, "b got {}", frames(&got_b, 0x55));
    assert!(frames(&got_a, 0x66) >= 95, "a got {}", frames(&got_a, 0x66));
    assert!(got_b.iter().any(|o| matches!(o, Output::Event(Event::NewSource { ssrc, .. }) if *ssrc == a.session().local_ssrc())));
    assert_eq!(b.session().counters().unprotect_failures, 0);
    // The first RTCP compound is due within 3.1 s; the exchange ran 3.5 s.
    assert!(b.session().counters().rtcp_received >= 1);
    let b_ssrc = b.session().local_ssrc();
    b.close().await.unwrap();
    let mut left = false;
    let end = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(Some(out)) = tokio::time::timeout_at(end, a.next()).await {
        if matches!(out, Output::Event(Event::SourceLeft { ssrc, .. }) if ssrc == b_ssrc) {
            left = true;
            break;
        }
    }
    assert!(left, "a saw b's BYE");
}

#[tokio::test]
async fn dtls_srtp_over_loopback_with_rtcp_mux() {
    let certs = common::Certs::new(9);
    let fp_b = common::fingerprint(&certs.b);
    let (mut ca, mut cb) = common::dtls_configs(true, certs, fp_b);
    // The drivers are told each other's bound addresses.
    for c in [&mut ca, &mut cb] {
        c.transport.remote_rtp = None;
        c.transport.remote_rtcp = None;
    }
    let mut a = Driver::bind(ca, loopback(43000), rng(3)).await.unwrap();
    let mut b = Driver::bind(cb, loopback(43000), rng(4)).await.unwrap();
    assert_eq!(a.local_rtcp(), a.local_rtp());
    b.session_mut().set_remote(a.local_rtp(), a.local_rtp());
    a.session_mut().set_remote(b.local_rtp(), b.local_rtp());
    a.flush();
    let (got_a, got_b) = exchange(&mut a, &mut b, 75).await;
    for got in [&got_a, &got_b] {
        assert!(
            got.iter()
                .any(|o| matches!(o, Output::Event(Event::DtlsConnected { .. })))
        );
    }
    assert!(frames(&got_b, 0x55) >= 70, "b got {}", frames(&got_b, 0x55));
    assert!(frames(&got_a, 0x66) >= 70, "a got {}", frames(&got_a, 0x66));
}

#[tokio::test]
async fn drivers_over_exact_addresses_and_given_sockets() {
    let mut config = Config::new();
    config.transport.rtcp_mux = true;
    // One bound to an exact address, the other over a socket the caller bound.
    let exact = "127.0.0.1:0".parse().unwrap();
    let mut a = Driver::bind_exact(config, exact, None, rng(5))
        .await
        .unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let given = socket.local_addr().unwrap();
    let mut config = Config::new();
    config.transport.rtcp_mux = true;
    let mut b = Driver::from_std(config, socket, None, rng(6)).unwrap();
    assert_eq!(b.local_rtp(), given);
    assert_eq!(a.local_rtp().ip(), exact.ip());
    a.session_mut().set_remote(b.local_rtp(), b.local_rtp());
    b.session_mut().set_remote(a.local_rtp(), a.local_rtp());
    let (got_a, got_b) = exchange(&mut a, &mut b, 25).await;
    assert!(frames(&got_b, 0x55) >= 20, "b got {}", frames(&got_b, 0x55));
    assert!(frames(&got_a, 0x66) >= 20, "a got {}", frames(&got_a, 0x66));
    // Without rtcp-mux an RTCP socket is needed, and with it none is wanted.
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    assert!(matches!(
        Driver::from_tokio(Config::new(), socket, None, rng(7)),
        Err(rtp_session::Error::BadConfig(_))
    ));
}

#[tokio::test]
async fn dual_stack_socket_normalises_v4_mapped_peers() {
    let mut a = Driver::bind(
        Config::new(),
        Binding {
            ports: PortRange {
                first: 44000,
                last: 44200,
            },
            ..Binding::dual_stack()
        },
        rng(5),
    )
    .await
    .unwrap();
    let mut b = Driver::bind(Config::new(), loopback(44300), rng(6))
        .await
        .unwrap();
    let a_v4 = std::net::SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), a.local_rtp().port());
    let a_rtcp_v4 =
        std::net::SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), a.local_rtcp().port());
    b.session_mut().set_remote(a_v4, a_rtcp_v4);
    a.session_mut().set_remote(b.local_rtp(), b.local_rtcp());
    let (got_a, got_b) = exchange(&mut a, &mut b, 25).await;
    let new_source = got_a.iter().find_map(|o| match o {
        Output::Event(Event::NewSource { address, .. }) => Some(*address),
        _ => None,
    });
    assert_eq!(
        new_source,
        Some(b.local_rtp()),
        "the v4-mapped source is reported as IPv4"
    );
    assert!(frames(&got_b, 0x55) >= 20 && frames(&got_a, 0x66) >= 20);
}
