//! Socket options the session's UDP sockets carry: DSCP marking, buffer sizes and the
//! IPv6-only or dual-stack choice, set through `socket2` when the socket is created.
//!
//! Why these defaults. RFC 8837's table of WebRTC markings (from RFC 4594's service
//! classes) gives audio EF (46) at medium and high priority, interactive video AF41/AF42
//! (34/36) at high and AF42/AF43 (36/38) at medium, DF (0) at low and LE (1) at very low
//! for every flow. A session here is an audio session (its main codec and media clock are
//! audio; a bundled video stream rides on the same 5-tuple), so sockets are marked
//! [`Dscp::EF`] unless the configuration says otherwise; a video-only application sets
//! [`Dscp::AF41`]. One mark per socket, not per packet: the transport has no per-packet
//! control-message path, and different marks on one 5-tuple risk reordering (RFC 7657).
//! The ECN bits of the TOS / traffic-class byte are left at 0 (not ECN-capable). Buffer
//! sizes stay the operating system's unless set, because the right size depends on the
//! deployment (Linux doubles the asked-for value for its own bookkeeping and caps it at
//! `net.core.rmem_max` / `wmem_max`). IPv6 binds take an explicit
//! [`SocketOptions::ipv6_only`] instead of the system's `bindv6only` setting, so the same
//! configuration behaves the same on every host; the default is dual-stack,
//! which [`crate::Binding::dual_stack`] relies on.

use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::error::{Error, Result};

/// A DiffServ code point (RFC 2474): the 6 high bits of the IPv4 TOS byte or the IPv6
/// traffic class. Constants cover the values RFC 8837 §5 and RFC 4594 give for real-time
/// media; any other 6-bit value goes through [`Dscp::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dscp(u8);

impl Dscp {
    /// DF / class selector 0 (0): default forwarding, RFC 8837's low priority for any flow.
    pub const CS0: Self = Self(0);
    /// Lower effort (1, RFC 8622): RFC 8837's very low priority for any flow.
    pub const LE: Self = Self(1);
    /// AF43 (38): interactive video at medium priority (RFC 8837).
    pub const AF43: Self = Self(38);
    /// AF42 (36): interactive video at medium or high priority (RFC 8837).
    pub const AF42: Self = Self(36);
    /// AF41 (34): interactive video at high priority (RFC 8837).
    pub const AF41: Self = Self(34);
    /// Expedited forwarding (46, RFC 3246): audio at medium and high priority (RFC 8837),
    /// the default.
    pub const EF: Self = Self(46);

    /// A code point from its 6-bit value: [`Error::BadDscp`] past 63.
    pub const fn new(value: u8) -> Result<Self> {
        if value > 63 {
            return Err(Error::BadDscp(value));
        }
        Ok(Self(value))
    }

    /// The 6-bit value.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// The byte written as IP_TOS or IPV6_TCLASS: the code point shifted past the two ECN
    /// bits, which are 0.
    pub const fn traffic_class(self) -> u8 {
        self.0 << 2
    }
}

impl Default for Dscp {
    /// [`Dscp::EF`]: the session's media is audio.
    fn default() -> Self {
        Self::EF
    }
}

/// How the session's sockets are set up ([`crate::Transport::socket`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    /// The DiffServ mark of every datagram sent (IP_TOS on IPv4, IPV6_TCLASS and, for
    /// IPv4-mapped destinations of a dual-stack socket, IP_TOS on IPv6).
    pub dscp: Dscp,
    /// SO_RCVBUF in bytes, or `None` for the system's default.
    pub recv_buffer: Option<usize>,
    /// SO_SNDBUF in bytes, or `None` for the system's default.
    pub send_buffer: Option<usize>,
    /// IPV6_V6ONLY for sockets the session binds on IPv6: `true` takes IPv6 only, `false`
    /// (the default) takes IPv4 too (as IPv4-mapped addresses). Set before binding, so it
    /// applies only where the session binds; ignored for IPv4. It matters on the wildcard
    /// (`[::]`): Linux makes a socket bound to one IPv6 address v6-only regardless, as no
    /// IPv4 packet could reach it.
    pub ipv6_only: bool,
}

impl Default for SocketOptions {
    /// EF, the system's buffer sizes, dual-stack.
    fn default() -> Self {
        Self {
            dscp: Dscp::EF,
            recv_buffer: None,
            send_buffer: None,
            ipv6_only: false,
        }
    }
}

impl SocketOptions {
    /// A UDP socket with these options, bound to `address`, blocking as std makes it.
    pub(crate) fn bind(&self, address: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
        let socket = Socket::new(
            Domain::for_address(address),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        if address.is_ipv6() {
            socket.set_only_v6(self.ipv6_only)?;
        }
        self.apply(SockRef::from(&socket), address.is_ipv6())?;
        socket.bind(&address.into())?;
        Ok(socket.into())
    }

    /// Sets the options that can change after binding (DSCP, buffer sizes) on `socket`,
    /// whose family is IPv6 when `v6`.
    pub(crate) fn apply(&self, socket: SockRef<'_>, v6: bool) -> std::io::Result<()> {
        let class = u32::from(self.dscp.traffic_class());
        if v6 {
            socket.set_tclass_v6(class)?;
            // IPv4-mapped traffic of a dual-stack socket leaves as IPv4 and takes IP_TOS.
            // A v6-only socket refuses nothing here either, so this stays unconditional.
            socket.set_tos_v4(class)?;
        } else {
            socket.set_tos_v4(class)?;
        }
        if let Some(size) = self.recv_buffer {
            socket.set_recv_buffer_size(size)?;
        }
        if let Some(size) = self.send_buffer {
            socket.set_send_buffer_size(size)?;
        }
        Ok(())
    }
}

/// Applies `options` to a socket the session did not bind, naming its address in errors.
pub(crate) fn apply_to(options: &SocketOptions, socket: SockRef<'_>) -> Result<()> {
    let address = socket.local_addr().ok().and_then(|a| a.as_socket());
    let v6 = address.is_some_and(|a| a.is_ipv6());
    options
        .apply(socket, v6)
        .map_err(|source| Error::Io { address, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_are_six_bits_and_shift_past_ecn() {
        assert_eq!(Dscp::EF.traffic_class(), 0xb8);
        assert_eq!(Dscp::AF41.traffic_class(), 0x88);
        assert_eq!(Dscp::CS0.traffic_class(), 0);
        assert_eq!(Dscp::new(63).unwrap().traffic_class(), 0xfc);
        assert!(matches!(Dscp::new(64), Err(Error::BadDscp(64))));
        assert_eq!(Dscp::default(), Dscp::EF);
    }
}
