//! Batched datagram I/O for a [`crate::Server`] worker: `recvmmsg` reads (through `nix`)
//! and `sendmmsg` writes (through `rustix`) on Linux, so this crate keeps
//! `forbid(unsafe_code)`; one datagram per call elsewhere.
//!
//! **Reads.** On a shared socket the datagrams of many calls queue together, so one
//! `recvmmsg` returns up to [`BATCH`] of them for one system call. A session's own socket
//! holds one datagram per 20 ms, and there the gain is different: a `recvmmsg` that
//! returns fewer datagrams than it asked for has found the queue empty (the kernel stops a
//! non-blocking batch at the first `EAGAIN`), so the socket is drained in one system call
//! where `recv_from` needs a second one that fails with `WouldBlock`.
//!
//! **Writes.** A shared socket's worker copies each datagram its sessions queue into an
//! [`Outbox`] of [`BATCH`] slots (each with its own destination) and writes the whole
//! outbox with one `sendmmsg` when it is full and before the worker waits. The copy (a
//! G.711 SRTP datagram is 182 bytes) lets each session recycle its buffer at once. `nix`'s
//! `sendmmsg` is not used: it reports the count only through an iterator that reads its
//! per-message address slots as initialised, which for a send they are not; `rustix`'s
//! returns the count. A session with its own port keeps one `send_to` per datagram: it has
//! one datagram per socket at a time, nothing to batch.
//!
//! **GSO and GRO** are not used, and would not help here. GSO sends segments of one size
//! to *one* destination per call and GRO coalesces one flow's datagrams; a shared socket's
//! datagrams go to as many destinations as it has calls, each at 50 a second, so a GSO
//! batch would seldom hold more than one datagram (a call sends one per 20 ms), while a GRO
//! read needs a 64 KiB buffer per slot to be safe from truncation. They pay for bulk
//! flows (QUIC, video at megabits to one peer), not for thousands of slow ones.
//!
//! Buffers and message headers are allocated once per worker; a batch allocates nothing.

use std::io;
use std::net::SocketAddr;

use mio::net::UdpSocket;

/// Datagrams read or written per system call.
pub(crate) const BATCH: usize = 32;
/// Largest datagram read (a longer one is truncated and fails authentication) or copied
/// into an [`Outbox`] slot (a longer one is sent on its own).
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

    /// Reads up to `max` (at most [`BATCH`]) datagrams from `socket`; returns how many (at
    /// least one), or the error of the read (`WouldBlock` when none was waiting). Fewer
    /// than `max` means the socket was found empty.
    pub(crate) fn recv(&mut self, socket: &UdpSocket, max: usize) -> io::Result<usize> {
        let max = max.clamp(1, BATCH);
        #[cfg(target_os = "linux")]
        {
            self.linux
                .recv(socket, &mut self.buf, &mut self.received, max)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let mut count = 0;
            for (slot, chunk) in self
                .received
                .iter_mut()
                .zip(self.buf.chunks_exact_mut(MAX_DATAGRAM))
                .take(max)
            {
                match socket.recv_from(chunk) {
                    Ok((n, from)) => *slot = (n, Some(from)),
                    Err(e) if count == 0 => return Err(e),
                    Err(_) => break,
                }
                count += 1;
            }
            Ok(count)
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

/// Datagrams queued for one socket, each with its destination and the session (its slot
/// on the worker) that queued it, written with one `sendmmsg` per [`BATCH`].
pub(crate) struct Outbox {
    buf: Vec<u8>,
    /// Length and owner of each queued datagram.
    queued: [(usize, u32); BATCH],
    count: usize,
    #[cfg(target_os = "linux")]
    destinations: [rustix::net::SocketAddrAny; BATCH],
    #[cfg(not(target_os = "linux"))]
    destinations: [SocketAddr; BATCH],
}

impl Outbox {
    pub(crate) fn new() -> Self {
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        Self {
            buf: vec![0; BATCH * MAX_DATAGRAM],
            queued: [(0, 0); BATCH],
            count: 0,
            #[cfg(target_os = "linux")]
            destinations: std::array::from_fn(|_| {
                rustix::net::addr::SocketAddrArg::as_any(&unspecified)
            }),
            #[cfg(not(target_os = "linux"))]
            destinations: [unspecified; BATCH],
        }
    }

    /// Queues `datagram` for `destination` on behalf of session `owner`. `false` when it
    /// was not queued: the outbox is full (flush it first) or the datagram is longer than
    /// a slot (send it on its own).
    pub(crate) fn push(&mut self, datagram: &[u8], destination: SocketAddr, owner: u32) -> bool {
        let i = self.count;
        if i >= BATCH || datagram.len() > MAX_DATAGRAM {
            return false;
        }
        let start = i * MAX_DATAGRAM;
        let Some(slot) = self.buf.get_mut(start..start + datagram.len()) else {
            return false;
        };
        slot.copy_from_slice(datagram);
        self.queued[i] = (datagram.len(), owner);
        #[cfg(target_os = "linux")]
        {
            self.destinations[i] = rustix::net::addr::SocketAddrArg::as_any(&destination);
        }
        #[cfg(not(target_os = "linux"))]
        {
            self.destinations[i] = destination;
        }
        self.count += 1;
        true
    }

    /// Whether another datagram fits.
    pub(crate) fn is_full(&self) -> bool {
        self.count >= BATCH
    }

    /// Writes every queued datagram to `socket` and empties the outbox; `dropped(owner)`
    /// for each one the socket refused (send buffer full, unreachable).
    pub(crate) fn flush(&mut self, socket: &UdpSocket, mut dropped: impl FnMut(u32)) {
        let count = std::mem::take(&mut self.count);
        if count == 0 {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use rustix::net::{MMsgHdr, SendAncillaryBuffer, SendFlags, sendmmsg};
            use std::io::IoSlice;
            let mut chunks = self.buf.chunks_exact(MAX_DATAGRAM);
            let iovs: [[IoSlice<'_>; 1]; BATCH] = std::array::from_fn(|i| {
                let chunk = chunks.next().unwrap_or_default();
                [IoSlice::new(
                    chunk.get(..self.queued[i].0).unwrap_or_default(),
                )]
            });
            let mut controls: [SendAncillaryBuffer<'_, '_, '_>; BATCH] =
                std::array::from_fn(|_| SendAncillaryBuffer::default());
            let mut i = 0;
            let mut messages = controls.each_mut().map(|control| {
                let message = MMsgHdr::new_with_addr(&self.destinations[i], &iovs[i], control);
                i += 1;
                message
            });
            let mut start = 0;
            while start < count {
                let Some(pending) = messages.get_mut(start..count) else {
                    break;
                };
                match sendmmsg(socket, pending, SendFlags::DONTWAIT) {
                    Ok(sent) if sent > 0 => start += sent,
                    // The datagram at `start` was refused: count it and go on past it.
                    Ok(_) => {
                        dropped(self.queued[start].1);
                        start += 1;
                    }
                    Err(error) => {
                        if error != rustix::io::Errno::AGAIN {
                            tracing::debug!(%error, "sendmmsg failed");
                        }
                        dropped(self.queued[start].1);
                        start += 1;
                    }
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        for (i, chunk) in self.buf.chunks_exact(MAX_DATAGRAM).take(count).enumerate() {
            let (len, owner) = self.queued[i];
            if socket.send_to(&chunk[..len], self.destinations[i]).is_err() {
                dropped(owner);
            }
        }
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
            max: usize,
        ) -> io::Result<usize> {
            let mut chunks = buf.chunks_exact_mut(MAX_DATAGRAM);
            let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
                std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
            let results = nix::sys::socket::recvmmsg(
                socket.as_raw_fd(),
                &mut self.recv,
                slices.iter_mut().take(max),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (UdpSocket, std::net::UdpSocket) {
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        a.set_nonblocking(true).unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        (UdpSocket::from_std(a), b)
    }

    #[test]
    fn an_outbox_sends_each_datagram_to_its_own_destination_in_order() {
        let (sender, first) = pair();
        let second = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        second
            .set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        let mut outbox = Outbox::new();
        let mut expected = [Vec::new(), Vec::new()];
        for i in 0..BATCH {
            let datagram = vec![i as u8; 10 + i];
            let to = if i % 3 == 0 { &second } else { &first };
            assert!(outbox.push(&datagram, to.local_addr().unwrap(), i as u32));
            expected[usize::from(i % 3 == 0)].push(datagram);
        }
        assert!(outbox.is_full());
        assert!(!outbox.push(&[1], first.local_addr().unwrap(), 99));
        let mut drops = Vec::new();
        outbox.flush(&sender, |owner| drops.push(owner));
        assert!(drops.is_empty(), "{drops:?}");
        let mut buf = [0u8; 256];
        for (socket, datagrams) in [&first, &second].into_iter().zip(&expected) {
            for datagram in datagrams {
                let (n, from) = socket.recv_from(&mut buf).unwrap();
                assert_eq!(&buf[..n], &datagram[..]);
                assert_eq!(from, sender.local_addr().unwrap());
            }
        }
        // Emptied: the next flush sends nothing.
        outbox.flush(&sender, |owner| drops.push(owner));
        first.set_nonblocking(true).unwrap();
        assert!(first.recv_from(&mut buf).is_err());
    }

    #[test]
    fn an_outbox_refuses_a_datagram_longer_than_a_slot() {
        let mut outbox = Outbox::new();
        let to = SocketAddr::from(([127, 0, 0, 1], 9));
        assert!(!outbox.push(&[0; MAX_DATAGRAM + 1], to, 0));
        assert!(outbox.push(&[0; MAX_DATAGRAM], to, 0));
    }

    #[test]
    fn an_unreachable_destination_is_counted_against_its_owner() {
        let (sender, receiver) = pair();
        let mut outbox = Outbox::new();
        // Port 0 cannot be sent to: the kernel refuses that one datagram alone.
        assert!(outbox.push(b"one", receiver.local_addr().unwrap(), 1));
        assert!(outbox.push(b"two", SocketAddr::from(([127, 0, 0, 1], 0)), 2));
        assert!(outbox.push(b"three", receiver.local_addr().unwrap(), 3));
        let mut drops = Vec::new();
        outbox.flush(&sender, |owner| drops.push(owner));
        assert_eq!(drops, [2]);
        let mut buf = [0u8; 16];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"one");
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"three");
    }

    #[test]
    fn a_short_batch_means_the_socket_was_empty() {
        let (receiver, sender) = pair();
        let mut batcher = Batcher::new();
        let err = batcher.recv(&receiver, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        for i in 0..6u8 {
            sender
                .send_to(&[i; 3], receiver.local_addr().unwrap())
                .unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(batcher.recv(&receiver, 4).unwrap(), 4);
        assert_eq!(batcher.recv(&receiver, 4).unwrap(), 2);
        let (datagram, from) = batcher.datagram(1).unwrap();
        assert_eq!(datagram, &[5; 3]);
        assert_eq!(from, sender.local_addr().unwrap());
        assert_eq!(
            batcher.recv(&receiver, 4).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    }
}
