//! Outgoing datagrams, queued until the owner takes them with
//! [`Connection::poll_transmit`](super::Connection::poll_transmit).
//!
//! Why the owner borrows each datagram instead of receiving a `Vec`: a connected
//! association sends one datagram per application record, and handing out an owned
//! buffer would cost an allocation each time. The queue keeps the datagram it handed out
//! last and a few emptied buffers, and new datagrams are written into those, so a steady
//! stream of records allocates nothing; the borrow ends before the next call into the
//! connection, which is when the buffer is reused.

use std::collections::VecDeque;

/// Emptied buffers kept for reuse; more than a flight's worth of datagrams is never needed.
const MAX_SPARE: usize = 8;

/// Datagrams waiting to be sent, and buffers to write the next ones into.
#[derive(Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct TransmitQueue {
    queue: VecDeque<Vec<u8>>,
    /// The datagram [`TransmitQueue::pop`] returned last.
    current: Vec<u8>,
    spare: Vec<Vec<u8>>,
}

impl TransmitQueue {
    /// An empty buffer to write a datagram into.
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    /// Queues a datagram.
    pub(crate) fn push(&mut self, datagram: Vec<u8>) {
        self.queue.push_back(datagram);
    }

    /// Queues `datagram` when it holds anything, and keeps its buffer otherwise.
    pub(crate) fn push_unless_empty(&mut self, datagram: Vec<u8>) {
        if datagram.is_empty() {
            self.recycle(datagram);
        } else {
            self.push(datagram);
        }
    }

    /// Returns a buffer that was not used.
    pub(crate) fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < MAX_SPARE {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    /// The next datagram, valid until the queue is used again.
    pub(crate) fn pop(&mut self) -> Option<&[u8]> {
        let next = self.queue.pop_front()?;
        let sent = std::mem::replace(&mut self.current, next);
        self.recycle(sent);
        Some(&self.current)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_circulate_instead_of_being_allocated() {
        let mut q = TransmitQueue::default();
        let mut a = q.buffer();
        a.extend_from_slice(b"first");
        q.push(a);
        assert_eq!(q.pop(), Some(&b"first"[..]));
        let first_ptr = q.current.as_ptr();
        let mut b = q.buffer();
        b.extend_from_slice(b"second");
        q.push(b);
        assert_eq!(q.pop(), Some(&b"second"[..]));
        // The buffer of "first" came back, and the next datagram is written into it.
        let c = q.buffer();
        assert!(c.is_empty() && c.capacity() >= 5);
        assert_eq!(c.as_ptr(), first_ptr);
        assert_eq!(q.pop(), None);
    }
}
