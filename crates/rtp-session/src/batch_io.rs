//! Batched datagram reads for a [`crate::Server`] worker's shared socket: `recvmmsg` on
//! Linux (through `nix`, so this crate keeps `forbid(unsafe_code)`), one datagram per call
//! elsewhere.
//!
//! **What is batched, and why not more.** On a shared socket the datagrams of many calls
//! queue together, so one `recvmmsg` returns up to [`BATCH`] of them for one system call.
//! Sends stay one `send_to` each: `nix`'s `sendmmsg` reports how many datagrams left only
//! through an iterator that reads its per-message address slots as initialised, which for
//! a send they are not (calling `libc::sendmmsg` directly would need `unsafe`, which this
//! crate forbids); and `quinn-udp`, the other well-kept option, sends one `sendmsg` per
//! transmit, batching only by GSO. GSO (segments of one size to *one* destination) and GRO
//! (datagrams of one flow coalesced) fit bulk flows, not a media server's many slow ones: a
//! shared socket's datagrams go to as many destinations as it has calls, at 50 a second
//! each, so a GSO batch would seldom hold more than one datagram, while a GRO read needs a
//! 64 KiB buffer per slot to be safe from truncation.
//!
//! Buffers and message headers are allocated once per worker; a batch allocates nothing.

use std::io;
use std::net::SocketAddr;

use mio::net::UdpSocket;

/// Datagrams read or written per system call.
pub(crate) const BATCH: usize = 32;
/// Largest datagram read (a longer one is truncated and fails authentication).
pub(crate) const MAX_DATAGRAM: usize = 2048;

/// One worker's receive buffers and message headers.
pub(crate) struct Batcher {
    buf: Vec<u8>,
    /// Length and source of each datagram of the last batch read.
    received: [(usize, Option<SocketAddr>); BATCH],
    #[cfg(target_os = "linux")]
    linux: linux::Headers,
}

impl Batcher {
    pub(crate) fn new() -> Self {
        Self {
            buf: vec![0; BATCH * MAX_DATAGRAM],
            received: [(0, None); BATCH],
            #[cfg(target_os = "linux")]
            linux: linux::Headers::new(),
        }
    }

    /// Reads up to [`BATCH`] datagrams from `socket`; returns how many (at least one),
    /// or the error of the read (`WouldBlock` when none was waiting).
    pub(crate) fn recv(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        #[cfg(target_os = "linux")]
        {
            self.linux.recv(socket, &mut self.buf, &mut self.received)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let (n, from) = socket.recv_from(&mut self.buf[..MAX_DATAGRAM])?;
            self.received[0] = (n, Some(from));
            Ok(1)
        }
    }

    /// Datagram `i` of the last batch read, and where it came from.
    pub(crate) fn datagram(&mut self, i: usize) -> Option<(&mut [u8], SocketAddr)> {
        let (len, from) = *self.received.get(i)?;
        let start = i * MAX_DATAGRAM;
        let datagram = self.buf.get_mut(start..start + len.min(MAX_DATAGRAM))?;
        Some((datagram, from?))
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{self, IoSliceMut};
    use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
    use std::os::fd::AsRawFd;

    use mio::net::UdpSocket;
    use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage};

    use super::{BATCH, MAX_DATAGRAM};

    pub(super) struct Headers {
        recv: MultiHeaders<SockaddrStorage>,
    }

    fn io_error(errno: nix::errno::Errno) -> io::Error {
        io::Error::from_raw_os_error(errno as i32)
    }

    fn std_address(address: &SockaddrStorage) -> Option<SocketAddr> {
        if let Some(v4) = address.as_sockaddr_in() {
            return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
        }
        address
            .as_sockaddr_in6()
            .map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
    }

    impl Headers {
        pub(super) fn new() -> Self {
            Self {
                recv: MultiHeaders::preallocate(BATCH, None),
            }
        }

        pub(super) fn recv(
            &mut self,
            socket: &UdpSocket,
            buf: &mut [u8],
            received: &mut [(usize, Option<SocketAddr>); BATCH],
        ) -> io::Result<usize> {
            let mut chunks = buf.chunks_exact_mut(MAX_DATAGRAM);
            let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
                std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
            let results = nix::sys::socket::recvmmsg(
                socket.as_raw_fd(),
                &mut self.recv,
                slices.iter_mut(),
                MsgFlags::MSG_DONTWAIT,
                None,
            )
            .map_err(io_error)?;
            let mut count = 0;
            for (slot, message) in received.iter_mut().zip(results) {
                *slot = (
                    message.bytes,
                    message.address.as_ref().and_then(std_address),
                );
                count += 1;
            }
            Ok(count)
        }
    }
}
