//! The driver's socket options read back from the sockets it binds: the DS field, the
//! buffer sizes and IPV6_V6ONLY.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rand_core::SeedableRng;
use rtp_session::{
    Binding, Config, Driver, Dscp, Error, Handler, PortRange, Server, SocketOptions,
};
use socket2::SockRef;

fn rng(seed: u8) -> Box<dyn rand_core::CryptoRng + Send> {
    Box::new(chacha20::ChaCha20Rng::from_seed([seed; 32]))
}

fn binding(ip: IpAddr, first: u16) -> Binding {
    Binding {
        ip,
        ports: PortRange {
            first,
            last: first + 200,
        },
    }
}

fn config(socket: SocketOptions) -> Config {
    let mut config = Config::default();
    config.transport.socket = socket;
    config
}

/// The system's SO_RCVBUF / SO_SNDBUF on a fresh UDP socket, for comparison.
fn system_buffers() -> (usize, usize) {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = SockRef::from(&s);
    (r.recv_buffer_size().unwrap(), r.send_buffer_size().unwrap())
}

#[tokio::test]
async fn ipv4_sockets_carry_ef_by_default_and_the_system_buffers() {
    let driver = Driver::bind(
        Config::default(),
        binding(IpAddr::V4(Ipv4Addr::LOCALHOST), 43000),
        rng(1),
    )
    .await
    .unwrap();
    let (rtp, rtcp) = driver.sockets();
    let system = system_buffers();
    for socket in [rtp, rtcp.expect("not multiplexed by default")] {
        let r = SockRef::from(socket);
        assert_eq!(r.tos_v4().unwrap(), 46 << 2);
        assert_eq!(
            (r.recv_buffer_size().unwrap(), r.send_buffer_size().unwrap()),
            system
        );
    }
}

#[tokio::test]
async fn configured_dscp_and_buffers_are_what_the_sockets_hold() {
    let options = SocketOptions {
        dscp: Dscp::AF41,
        recv_buffer: Some(48 * 1024),
        send_buffer: Some(40 * 1024),
        ipv6_only: false,
    };
    let driver = Driver::bind(
        config(options),
        binding(IpAddr::V4(Ipv4Addr::LOCALHOST), 43300),
        rng(2),
    )
    .await
    .unwrap();
    let (rtp, rtcp) = driver.sockets();
    for socket in [rtp, rtcp.unwrap()] {
        let r = SockRef::from(socket);
        assert_eq!(r.tos_v4().unwrap(), 34 << 2);
        // Linux keeps twice the asked-for size (its bookkeeping share), below rmem_max.
        assert_eq!(r.recv_buffer_size().unwrap(), 2 * 48 * 1024);
        assert_eq!(r.send_buffer_size().unwrap(), 2 * 40 * 1024);
    }
}

#[tokio::test]
async fn ipv6_binds_set_v6only_explicitly_and_the_traffic_class() {
    // On the wildcard the choice is ours; Linux makes a socket bound to one IPv6 address
    // (not IPv4-mapped) v6-only whatever was asked, as it could not receive IPv4 anyway.
    for (ip, only, expected, first) in [
        (Ipv6Addr::UNSPECIFIED, true, true, 43600),
        (Ipv6Addr::UNSPECIFIED, false, false, 43900),
        (Ipv6Addr::LOCALHOST, false, true, 44200),
    ] {
        let options = SocketOptions {
            dscp: Dscp::new(10).unwrap(),
            ipv6_only: only,
            ..Default::default()
        };
        let driver = Driver::bind(config(options), binding(IpAddr::V6(ip), first), rng(3))
            .await
            .unwrap();
        let (rtp, rtcp) = driver.sockets();
        for socket in [rtp, rtcp.unwrap()] {
            let r = SockRef::from(socket);
            assert_eq!(r.only_v6().unwrap(), expected, "{ip} asked {only}");
            assert_eq!(r.tclass_v6().unwrap(), 10 << 2);
            assert_eq!(r.tos_v4().unwrap(), 10 << 2);
        }
    }
}

#[tokio::test]
async fn bind_exact_and_from_std_apply_the_options_too() {
    let options = SocketOptions {
        dscp: Dscp::CS0,
        recv_buffer: Some(64 * 1024),
        ..Default::default()
    };
    let mut cfg = config(options);
    cfg.transport.rtcp_mux = true;
    let exact = Driver::bind_exact(cfg, "[::]:0".parse().unwrap(), None, rng(4))
        .await
        .unwrap();
    let r = SockRef::from(exact.sockets().0);
    assert_eq!(r.tclass_v6().unwrap(), 0);
    assert!(!r.only_v6().unwrap());
    assert_eq!(r.recv_buffer_size().unwrap(), 2 * 64 * 1024);

    let mut cfg = config(SocketOptions::default());
    cfg.transport.rtcp_mux = true;
    let socket = std::net::UdpSocket::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    assert_eq!(SockRef::from(&socket).tos_v4().unwrap(), 0);
    let handed = Driver::from_std(cfg, socket, None, rng(5)).unwrap();
    assert_eq!(SockRef::from(handed.sockets().0).tos_v4().unwrap(), 46 << 2);
}

#[test]
fn a_seven_bit_code_point_is_refused() {
    assert!(matches!(Dscp::new(64), Err(Error::BadDscp(64))));
    assert_eq!(Dscp::new(63).unwrap().value(), 63);
}

/// A session that does nothing: only its sockets matter here.
struct Idle;

impl Handler for Idle {}

#[test]
fn the_server_applies_the_options_to_sockets_it_is_given() {
    let mut server = Server::start(1).unwrap();
    let socket = std::net::UdpSocket::bind("[::]:0").unwrap();
    // A duplicate descriptor of the same socket, to read its options after the hand-over.
    let view = socket.try_clone().unwrap();
    let mut cfg = config(SocketOptions {
        dscp: Dscp::AF42,
        send_buffer: Some(32 * 1024),
        ..Default::default()
    });
    cfg.transport.rtcp_mux = true;
    server
        .add_std(cfg, socket, None, rng(6), Idle, None)
        .unwrap();
    let r = SockRef::from(&view);
    assert_eq!(r.tclass_v6().unwrap(), 36 << 2);
    assert_eq!(r.tos_v4().unwrap(), 36 << 2);
    assert_eq!(r.send_buffer_size().unwrap(), 2 * 32 * 1024);
    server.stop().unwrap();
}
