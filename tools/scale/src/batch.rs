//! Batched datagram I/O for the measuring processes (`scale load`, `scale floor`, `scale
//! echo`): one `recvmmsg` (through `nix`) or one `sendmmsg` (through `rustix`, whose
//! count is safe to read) per [`BATCH`] datagrams, each in a fixed-size slot of one buffer.

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg};
use rustix::net::{MMsgHdr, SendAncillaryBuffer, SendFlags, SocketAddrAny, sendmmsg};
use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

/// Datagrams per system call.
pub const BATCH: usize = 32;

/// `recvmmsg` buffers: [`BATCH`] slots of `slot` bytes.
pub struct BatchReader {
    headers: MultiHeaders<SockaddrStorage>,
    buf: Vec<u8>,
    slot: usize,
    lengths: [usize; BATCH],
    /// The source of the last batch's first datagram.
    first_source: Option<SocketAddr>,
}

impl BatchReader {
    /// Buffers for datagrams of up to `slot` bytes.
    pub fn new(slot: usize) -> Self {
        Self {
            headers: MultiHeaders::preallocate(BATCH, None),
            buf: vec![0; BATCH * slot.max(1)],
            slot: slot.max(1),
            lengths: [0; BATCH],
            first_source: None,
        }
    }

    /// One `recvmmsg` of up to [`BATCH`] datagrams with `flags`; the number read (0 on an
    /// error, a timeout or an empty non-blocking socket).
    pub fn read(&mut self, socket: &UdpSocket, flags: MsgFlags) -> usize {
        let mut chunks = self.buf.chunks_exact_mut(self.slot);
        let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
            std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
        let Ok(results) = recvmmsg(
            socket.as_raw_fd(),
            &mut self.headers,
            slices.iter_mut(),
            flags,
            None,
        ) else {
            return 0;
        };
        let mut count = 0;
        for (length, message) in self.lengths.iter_mut().zip(results) {
            if count == 0 {
                self.first_source = message
                    .address
                    .and_then(|a| a.as_sockaddr_in().map(|a| SocketAddr::from(*a)));
            }
            *length = message.bytes;
            count += 1;
        }
        count
    }

    /// Datagram `i` of the last batch.
    pub fn datagram_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        let len = (*self.lengths.get(i)?).min(self.slot);
        self.buf.get_mut(i * self.slot..i * self.slot + len)
    }

    /// The buffer and the lengths of the last batch's datagrams, to send them on as they
    /// are ([`send_batch`] with the same slot size).
    pub fn batch(&self, count: usize) -> (&[u8], &[usize]) {
        (&self.buf, &self.lengths[..count.min(BATCH)])
    }

    /// Where the last batch's first datagram came from.
    pub fn first_source(&self) -> Option<SocketAddr> {
        self.first_source
    }
}

/// Sends datagram `i` (`buf[i * slot..][..lengths[i]]`) to `destinations[i]` for every
/// `i` of `lengths` (at most [`BATCH`]) with as few `sendmmsg` calls as the kernel takes,
/// never blocking. A datagram a full socket buffer refuses is skipped; `sent(i)` is
/// called for each that left.
pub fn send_batch(
    socket: &UdpSocket,
    buf: &[u8],
    slot: usize,
    lengths: &[usize],
    destinations: &[SocketAddrAny],
    mut sent: impl FnMut(usize),
) -> Result<(), String> {
    let count = lengths.len().min(destinations.len()).min(BATCH);
    let Some(first) = destinations.first() else {
        return Ok(());
    };
    let mut chunks = buf.chunks(slot.max(1));
    let iovs: [[IoSlice<'_>; 1]; BATCH] = std::array::from_fn(|i| {
        let chunk = chunks.next().unwrap_or_default();
        let len = lengths.get(i).copied().unwrap_or(0).min(chunk.len());
        [IoSlice::new(&chunk[..len])]
    });
    let mut controls: [SendAncillaryBuffer<'_, '_, '_>; BATCH] =
        std::array::from_fn(|_| SendAncillaryBuffer::default());
    // Every slot gets a header (the array's length is fixed); only `..count` are sent.
    let mut i = 0;
    let mut messages = controls.each_mut().map(|control| {
        let message =
            MMsgHdr::new_with_addr(destinations.get(i).unwrap_or(first), &iovs[i], control);
        i += 1;
        message
    });
    let mut start = 0;
    while start < count {
        match sendmmsg(socket, &mut messages[start..count], SendFlags::DONTWAIT) {
            Ok(n) if n > 0 => {
                (start..(start + n).min(count)).for_each(&mut sent);
                start += n;
            }
            // The socket buffer is full: this datagram is lost, the rest may still go.
            Ok(_) | Err(rustix::io::Errno::AGAIN) => start += 1,
            Err(e) => return Err(format!("sendmmsg: {e}")),
        }
    }
    Ok(())
}
