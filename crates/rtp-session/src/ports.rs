//! Port allocation (RFC 3550 §11): an even RTP port from a range, RTCP on the next one
//! unless multiplexed, retried on collision; and address-family handling for dual-stack
//! sockets.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, UdpSocket};

use crate::error::{Error, Result};
use crate::sockopt::SocketOptions;

/// The ports a session may bind, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// The lowest port (rounded up to even).
    pub first: u16,
    /// The highest port.
    pub last: u16,
}

impl Default for PortRange {
    /// 16384–32767, the range many SIP phones use.
    fn default() -> Self {
        Self {
            first: 16384,
            last: 32767,
        }
    }
}

/// Binds the RTP socket on an even port of `range` at `ip` and, unless `mux`, the RTCP
/// socket on the next port, starting at the even port `start_hint` selects and moving on
/// when a port is taken.
pub(crate) fn bind_pair(
    ip: IpAddr,
    range: PortRange,
    mux: bool,
    start_hint: u32,
    options: &SocketOptions,
) -> Result<(UdpSocket, Option<UdpSocket>)> {
    let first = range.first.saturating_add(range.first % 2);
    if range.last < first.saturating_add(u16::from(!mux)) {
        return Err(Error::NoFreePort {
            first: range.first,
            last: range.last,
        });
    }
    let pairs = u32::from((range.last - first - u16::from(!mux)) / 2) + 1;
    for i in 0..pairs {
        let port = first + (((start_hint + i) % pairs) * 2) as u16;
        let Ok(rtp) = options.bind(SocketAddr::new(ip, port)) else {
            continue;
        };
        let rtcp = if mux {
            None
        } else {
            match options.bind(SocketAddr::new(ip, port + 1)) {
                Ok(s) => Some(s),
                Err(_) => continue,
            }
        };
        tracing::debug!(%ip, port, mux, "bound RTP port");
        return Ok((rtp, rtcp));
    }
    Err(Error::NoFreePort {
        first: range.first,
        last: range.last,
    })
}

/// The destination as the local socket's family needs it: an IPv4 address becomes
/// IPv4-mapped on an IPv6 (dual-stack) socket.
pub(crate) fn for_socket(local: SocketAddr, destination: SocketAddr) -> SocketAddr {
    match (local.ip(), destination.ip()) {
        (IpAddr::V6(_), IpAddr::V4(v4)) => {
            SocketAddr::new(IpAddr::V6(v4.to_ipv6_mapped()), destination.port())
        }
        _ => destination,
    }
}

/// The unspecified address of the dual-stack wildcard.
pub(crate) const DUAL_STACK: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// A pair bound on loopback from `first..=last`, starting at `hint`.
    fn pair(first: u16, last: u16, hint: u32) -> Result<(UdpSocket, Option<UdpSocket>)> {
        bind_pair(
            LOOPBACK,
            PortRange { first, last },
            false,
            hint,
            &SocketOptions::default(),
        )
    }

    #[test]
    fn pairs_are_even_and_adjacent_and_skip_taken_ports() {
        let range = (41001, 41100);
        let (rtp, rtcp) = pair(range.0, range.1, 0).unwrap();
        let port = rtp.local_addr().unwrap().port();
        assert_eq!(port % 2, 0);
        assert_eq!(rtcp.unwrap().local_addr().unwrap().port(), port + 1);
        // The same start now collides and moves on to the next pair.
        let (again, _) = pair(range.0, range.1, 0).unwrap();
        assert_eq!(again.local_addr().unwrap().port(), port + 2);
    }

    #[test]
    fn dropping_the_sockets_releases_the_ports() {
        let range = (41300, 41400);
        let (rtp, rtcp) = pair(range.0, range.1, 7).unwrap();
        let port = rtp.local_addr().unwrap().port();
        drop((rtp, rtcp));
        let (again, _) = pair(range.0, range.1, 7).unwrap();
        assert_eq!(again.local_addr().unwrap().port(), port);
    }

    #[test]
    fn a_range_without_a_pair_is_an_error() {
        let range = (41201, 41202);
        assert!(matches!(
            pair(range.0, range.1, 0),
            Err(Error::NoFreePort {
                first: 41201,
                last: 41202
            })
        ));
    }

    #[test]
    fn v4_destinations_are_mapped_on_v6_sockets() {
        let local: SocketAddr = "[::]:5000".parse().unwrap();
        let dest: SocketAddr = "192.0.2.1:6000".parse().unwrap();
        assert_eq!(
            for_socket(local, dest),
            "[::ffff:192.0.2.1]:6000".parse().unwrap()
        );
        let local4: SocketAddr = "0.0.0.0:5000".parse().unwrap();
        assert_eq!(for_socket(local4, dest), dest);
    }
}
