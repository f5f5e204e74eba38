//! What the session hands out, queued: datagrams to send (RTP through the pacer when one is
//! configured), events, and the spare datagram buffers that keep a steady stream free of
//! allocations.
//!
//! Both queues are bounded ([`MAX_QUEUE`]): an application that stops polling loses the
//! oldest entries, never memory. Buffers come back through [`Outbox::recycle`] and are
//! reused by the next packet written, at most [`MAX_SPARE_BUFFERS`] of them.

use std::collections::VecDeque;
use std::time::Instant;

use crate::event::{Event, Transmit};
use crate::pacer::Pacer;

/// The most buffers kept for reuse.
const MAX_SPARE_BUFFERS: usize = 64;
/// The most events or datagrams queued before the oldest are dropped.
const MAX_QUEUE: usize = 4096;

/// The session's outgoing queues.
pub(crate) struct Outbox {
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// Datagram buffers handed back with [`Outbox::recycle`].
    spare: Vec<Vec<u8>>,
    pacer: Option<Pacer>,
}

impl Outbox {
    /// Empty queues, pacing RTP at `pacing_bps` when given.
    pub(crate) fn new(pacing_bps: Option<u64>) -> Self {
        Self {
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            spare: Vec::new(),
            pacer: pacing_bps.map(Pacer::new),
        }
    }

    /// A buffer to write a datagram into: a recycled one when there is one.
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf
    }

    /// Keeps `buffer` for reuse.
    pub(crate) fn recycle(&mut self, buffer: Vec<u8>) {
        if self.spare.len() < MAX_SPARE_BUFFERS {
            self.spare.push(buffer);
        }
    }

    /// Queues a datagram to leave now.
    pub(crate) fn transmit(&mut self, transmit: Transmit) {
        push_bounded(&mut self.transmits, transmit);
    }

    /// Queues an RTP packet sent at `now`: through the pacer when there is one. Returns
    /// true when the pacer was full and dropped its oldest packet.
    pub(crate) fn transmit_rtp(&mut self, now: Instant, transmit: Transmit) -> bool {
        let Some(pacer) = self.pacer.as_mut() else {
            self.transmit(transmit);
            return false;
        };
        let dropped = pacer.push(now, transmit);
        self.release_paced(now);
        dropped
    }

    /// When an RTP packet queued at `now` will leave: now, or when the pacer releases it.
    pub(crate) fn release_time(&self, now: Instant) -> Instant {
        self.pacer.as_ref().map_or(now, |p| p.release_time(now))
    }

    /// Moves paced RTP that is due at `now` to the transmit queue.
    pub(crate) fn release_paced(&mut self, now: Instant) {
        while let Some(t) = self.pacer.as_mut().and_then(|p| p.pop_due(now)) {
            push_bounded(&mut self.transmits, t);
        }
    }

    /// Forgets every datagram not yet sent, paced or not (ICE consent lost: nothing may
    /// leave any more). Their buffers are kept for reuse.
    pub(crate) fn clear_transmits(&mut self) {
        let mut queued: Vec<Transmit> = self.transmits.drain(..).collect();
        while let Some(t) = self.pacer.as_mut().and_then(Pacer::pop_any) {
            queued.push(t);
        }
        for t in queued {
            self.recycle(t.contents);
        }
    }

    /// When the next paced packet is due.
    pub(crate) fn next_paced(&self) -> Option<Instant> {
        self.pacer.as_ref().and_then(Pacer::next_due)
    }

    /// Queues an event.
    pub(crate) fn event(&mut self, event: Event) {
        push_bounded(&mut self.events, event);
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

/// Appends `item`, dropping the oldest entry when the queue is full.
fn push_bounded<T>(queue: &mut VecDeque<T>, item: T) {
    if queue.len() >= MAX_QUEUE {
        queue.pop_front();
    }
    queue.push_back(item);
}
