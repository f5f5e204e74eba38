//! Packet storage: a ring of reusable slots indexed by extended sequence number, and a
//! bitmap of recently received sequence numbers for duplicate detection.
//!
//! The ring holds exactly what a ring of the capacity rounded up to a power of two would
//! hold, but starts small and doubles only when two packets it must keep would share a
//! slot, so a stream that keeps a few packets in flight (audio at a steady delay) walks a
//! few cache lines instead of the whole capacity, and its memory follows the span of
//! sequence numbers it actually holds.
//!
//! When a packet leaves, its payload buffer goes to a pool of spare buffers that the next
//! stored packet takes, so the buffers that exist are as many as the most packets ever
//! held at once (not one per slot of the ring), and once the pool covers the stream's
//! usual depth and packet size, storing a packet allocates nothing. Memory is bounded by
//! `capacity_packets × max_payload` bytes of payload buffers.

use crate::time::Time;

/// One stored packet: one cache line (aligned, so a slot never straddles two).
#[derive(Debug, Clone, Default)]
#[repr(align(64))]
pub(crate) struct Slot {
    /// The extended sequence number held, or `None` when the slot is free.
    pub(crate) ext_seq: Option<i64>,
    /// Dropped for space: the sequence number is known but the payload is gone.
    pub(crate) dropped: bool,
    pub(crate) ext_ts: i64,
    pub(crate) marker: bool,
    pub(crate) payload_type: u8,
    pub(crate) arrival: Time,
    pub(crate) payload: Vec<u8>,
}

/// Bits of receive history: sequence numbers further back than this count as too old.
pub(crate) const HISTORY_BITS: i64 = 1024;

/// Slots of a new ring: enough for audio at a steady delay of a few hundred milliseconds.
const INITIAL_SLOTS: usize = 16;

/// The slot ring. Declaration order is memory order (`repr(C)`): the header every packet
/// reads sits together, before the receive bitmap.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Store {
    /// A power of two, so a slot index is a mask, not a division; grown up to `full_mask`.
    slots: Vec<Slot>,
    mask: i64,
    /// The mask of the largest ring: the capacity rounded up to a power of two.
    full_mask: i64,
    capacity: usize,
    bytes: usize,
    held: usize,
    history_top: Option<i64>,
    received: [u64; (HISTORY_BITS / 64) as usize],
    /// Of the received numbers, those that hold nothing to play (a caller's
    /// `JitterBuffer::skip_validated`): playout passes over them without a frame or a gap.
    skipped: [u64; (HISTORY_BITS / 64) as usize],
    /// Emptied payload buffers, capacity kept, for the next packets stored.
    spare: Vec<Vec<u8>>,
}

impl Store {
    pub(crate) fn new(capacity: usize) -> Self {
        let full = capacity.max(1).next_power_of_two();
        let physical = full.min(INITIAL_SLOTS);
        Self {
            slots: vec![Slot::default(); physical],
            mask: physical as i64 - 1,
            full_mask: full as i64 - 1,
            capacity: capacity.max(1),
            bytes: 0,
            held: 0,
            received: [0; (HISTORY_BITS / 64) as usize],
            skipped: [0; (HISTORY_BITS / 64) as usize],
            history_top: None,
            spare: Vec::new(),
        }
    }

    /// The most packets the buffer may hold.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Payload bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Packets held (dropped placeholders excluded).
    pub(crate) fn len(&self) -> usize {
        self.held
    }

    #[inline]
    fn index(&self, ext_seq: i64) -> usize {
        (ext_seq & self.mask) as usize
    }

    /// The slot holding `ext_seq`, if it holds it.
    #[inline]
    pub(crate) fn get(&self, ext_seq: i64) -> Option<&Slot> {
        self.slots
            .get(self.index(ext_seq))
            .filter(|s| s.ext_seq == Some(ext_seq))
    }

    /// Whether `ext_seq` holds a payload.
    pub(crate) fn has_payload(&self, ext_seq: i64) -> bool {
        self.get(ext_seq).is_some_and(|s| !s.dropped)
    }

    /// Stores a packet in its slot, which the caller has made free.
    #[inline(always)]
    pub(crate) fn put(
        &mut self,
        ext_seq: i64,
        ext_ts: i64,
        marker: bool,
        payload_type: u8,
        arrival: Time,
        payload: &[u8],
    ) {
        self.make_slot(ext_seq);
        let i = self.index(ext_seq);
        if let Some(slot) = self.slots.get_mut(i) {
            slot.ext_seq = Some(ext_seq);
            slot.dropped = false;
            slot.ext_ts = ext_ts;
            slot.marker = marker;
            slot.payload_type = payload_type;
            slot.arrival = arrival;
            if slot.payload.capacity() == 0
                && let Some(buffer) = self.spare.pop()
            {
                slot.payload = buffer;
            }
            slot.payload.clear();
            slot.payload.extend_from_slice(payload);
            self.bytes += payload.len();
            self.held += 1;
        }
    }

    /// Grows the ring until the slot of `ext_seq` is free or holds what the largest ring
    /// would overwrite there too (a number a multiple of its size away).
    #[inline]
    fn make_slot(&mut self, ext_seq: i64) {
        while self.mask < self.full_mask {
            let occupant = self.slots.get(self.index(ext_seq)).and_then(|s| s.ext_seq);
            match occupant {
                Some(other) if other != ext_seq && (other - ext_seq) & self.full_mask != 0 => {
                    self.grow();
                }
                _ => return,
            }
        }
    }

    /// Doubles the ring, moving every occupied slot to its index in the larger one. Two
    /// numbers in different slots differ modulo the smaller size, so also modulo the
    /// larger: nothing collides.
    #[cold]
    fn grow(&mut self) {
        let physical = (self.slots.len() * 2).min(self.full_mask as usize + 1);
        let mut slots = vec![Slot::default(); physical];
        let mask = physical as i64 - 1;
        for slot in &mut self.slots {
            // A free slot owns no payload buffer (freeing recycles it): leave it behind.
            if let Some(ext_seq) = slot.ext_seq
                && let Some(target) = slots.get_mut((ext_seq & mask) as usize)
            {
                *target = std::mem::take(slot);
            }
        }
        self.slots = slots;
        self.mask = mask;
    }

    /// Frees the slot of `ext_seq` (if it holds it), keeping its buffer's capacity.
    pub(crate) fn remove(&mut self, ext_seq: i64) {
        let i = self.index(ext_seq);
        if let Some(slot) = self.slots.get_mut(i)
            && slot.ext_seq == Some(ext_seq)
        {
            if !slot.dropped {
                self.bytes -= slot.payload.len();
                self.held -= 1;
            }
            slot.ext_seq = None;
            slot.dropped = false;
            recycle(&mut self.spare, &mut slot.payload);
        }
    }

    /// Drops the payload of `ext_seq` but remembers the packet existed. Returns whether a
    /// payload was dropped.
    pub(crate) fn drop_payload(&mut self, ext_seq: i64) -> bool {
        let i = self.index(ext_seq);
        match self.slots.get_mut(i) {
            Some(slot) if slot.ext_seq == Some(ext_seq) && !slot.dropped => {
                self.bytes -= slot.payload.len();
                self.held -= 1;
                slot.dropped = true;
                recycle(&mut self.spare, &mut slot.payload);
                true
            }
            _ => false,
        }
    }

    /// Frees every slot and forgets the receive history.
    pub(crate) fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.ext_seq = None;
            slot.dropped = false;
            recycle(&mut self.spare, &mut slot.payload);
        }
        self.bytes = 0;
        self.held = 0;
        self.received = [0; (HISTORY_BITS / 64) as usize];
        self.skipped = [0; (HISTORY_BITS / 64) as usize];
        self.history_top = None;
    }

    /// Records that `ext_seq` was received; returns `false` if it already was. Sequence
    /// numbers more than [`HISTORY_BITS`] behind the newest are reported as not seen.
    #[inline]
    pub(crate) fn mark_received(&mut self, ext_seq: i64) -> bool {
        let top = match self.history_top {
            None => ext_seq,
            Some(top) if ext_seq > top => {
                // Clear the bits of the numbers the window slides over.
                let first = (top + 1).max(ext_seq - HISTORY_BITS + 1);
                for s in first..=ext_seq {
                    self.set_bit(s, false);
                    set_bit_in(&mut self.skipped, s, false);
                }
                ext_seq
            }
            Some(top) => top,
        };
        self.history_top = Some(top);
        if ext_seq <= top - HISTORY_BITS {
            return true;
        }
        let seen = self.bit(ext_seq);
        self.set_bit(ext_seq, true);
        !seen
    }

    /// Whether `ext_seq` has been received, as far as the history reaches.
    pub(crate) fn was_received(&self, ext_seq: i64) -> bool {
        match self.history_top {
            Some(top) if ext_seq <= top && ext_seq > top - HISTORY_BITS => self.bit(ext_seq),
            _ => false,
        }
    }

    /// Marks the received `ext_seq` as holding nothing to play (see `skipped`).
    pub(crate) fn mark_skipped(&mut self, ext_seq: i64) {
        if self.was_received(ext_seq) {
            set_bit_in(&mut self.skipped, ext_seq, true);
        }
    }

    /// Whether `ext_seq` was received as holding nothing to play, as far as the history
    /// reaches.
    #[inline]
    pub(crate) fn is_skipped(&self, ext_seq: i64) -> bool {
        self.was_received(ext_seq) && bit_in(&self.skipped, ext_seq)
    }

    fn bit(&self, s: i64) -> bool {
        bit_in(&self.received, s)
    }

    fn set_bit(&mut self, s: i64, on: bool) {
        set_bit_in(&mut self.received, s, on);
    }
}

/// Bit `s` (modulo the history) of a history bitmap.
#[inline]
fn bit_in(words: &[u64; (HISTORY_BITS / 64) as usize], s: i64) -> bool {
    let b = (s & (HISTORY_BITS - 1)) as usize;
    words.get(b / 64).is_some_and(|w| w & (1 << (b % 64)) != 0)
}

fn set_bit_in(words: &mut [u64; (HISTORY_BITS / 64) as usize], s: i64, on: bool) {
    let b = (s & (HISTORY_BITS - 1)) as usize;
    if let Some(w) = words.get_mut(b / 64) {
        if on {
            *w |= 1 << (b % 64);
        } else {
            *w &= !(1 << (b % 64));
        }
    }
}

/// Moves a slot's payload buffer, emptied, to the spare pool; a buffer that never held
/// anything stays (it owns no memory).
fn recycle(spare: &mut Vec<Vec<u8>>, payload: &mut Vec<u8>) {
    if payload.capacity() > 0 {
        let mut buffer = std::mem::take(payload);
        buffer.clear();
        spare.push(buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_reuse_and_account_bytes() {
        let mut s = Store::new(4);
        s.put(10, 0, false, 0, Time::default(), &[1, 2, 3]);
        s.put(11, 0, true, 0, Time::default(), &[4]);
        assert_eq!((s.len(), s.bytes()), (2, 4));
        assert!(s.get(14).is_none(), "same slot, other sequence number");
        assert!(s.drop_payload(10));
        assert!(!s.has_payload(10) && s.get(10).is_some());
        assert_eq!((s.len(), s.bytes()), (1, 1));
        s.remove(10);
        s.remove(11);
        assert_eq!((s.len(), s.bytes()), (0, 0));
    }

    #[test]
    fn payload_buffers_number_the_most_packets_held_not_the_slots() {
        let mut s = Store::new(16);
        let buffers =
            |s: &Store| s.slots.iter().filter(|x| x.payload.capacity() > 0).count() + s.spare.len();
        // Two packets in flight at a time, walking every slot of the ring twice.
        s.put(0, 0, false, 0, Time::default(), &[0; 160]);
        for e in 1..32 {
            s.put(e, 0, false, 0, Time::default(), &[e as u8; 160]);
            s.remove(e - 1);
            assert_eq!(buffers(&s), 2, "after storing {e}");
        }
        assert_eq!(
            s.get(31).map(|x| x.payload.as_slice()),
            Some(&[31u8; 160][..])
        );
        s.clear();
        assert_eq!((s.spare.len(), s.len(), s.bytes()), (2, 0, 0));
    }

    /// A store whose ring is the largest from the start: what the ring used to be.
    fn full_ring(capacity: usize) -> Store {
        let mut s = Store::new(capacity);
        while s.mask < s.full_mask {
            s.grow();
        }
        s
    }

    #[test]
    fn a_growing_ring_holds_what_the_full_ring_holds() {
        let (mut small, mut full) = (Store::new(100), full_ring(100));
        assert_eq!((small.slots.len(), full.slots.len()), (16, 128));
        // A pseudo-random walk: packets stored up to 120 ahead of the oldest kept (past
        // the capacity, so the full ring overwrites too), freed and dropped out of order,
        // and jumps far ahead that leave stale slots behind.
        let mut state = 0x2545_f491_u32;
        let mut next = |n: u32| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            i64::from(state % n)
        };
        let mut base = 1000i64;
        for step in 0..20_000 {
            let e = base + next(120);
            match next(10) {
                0..=4 => {
                    let payload = [e as u8; 3];
                    small.put(e, e * 160, false, 0, Time::default(), &payload);
                    full.put(e, e * 160, false, 0, Time::default(), &payload);
                }
                5..=6 => {
                    small.remove(e);
                    full.remove(e);
                }
                7 => assert_eq!(small.drop_payload(e), full.drop_payload(e)),
                8 => base += next(4),
                _ if step % 997 == 0 => base += 300 + next(300),
                _ => {}
            }
            for e in base - 700..base + 130 {
                let view = |s: &Store| s.get(e).map(|x| (x.dropped, x.ext_ts, x.payload.clone()));
                assert_eq!(
                    view(&small),
                    view(&full),
                    "step {step}, sequence number {e}"
                );
            }
            assert_eq!((small.len(), small.bytes()), (full.len(), full.bytes()));
        }
        assert_eq!(
            small.slots.len(),
            128,
            "the walk spans more than 64 numbers"
        );
    }

    #[test]
    fn a_number_the_full_ring_would_overwrite_is_overwritten_without_growing() {
        let (mut small, mut full) = (Store::new(100), full_ring(100));
        for s in [&mut small, &mut full] {
            s.put(3, 0, false, 0, Time::default(), &[1]);
            // 128 on: the same slot of the full ring, so the stale packet goes.
            s.put(3 + 128, 0, false, 0, Time::default(), &[2]);
        }
        assert_eq!(small.slots.len(), INITIAL_SLOTS);
        for s in [&small, &full] {
            assert!(s.get(3).is_none());
            assert_eq!(s.get(131).map(|x| x.payload.as_slice()), Some(&[2u8][..]));
        }
        // 16 on: another slot of the full ring, so both stay and the small ring grows.
        small.put(131 + 16, 0, false, 0, Time::default(), &[3]);
        assert_eq!(small.slots.len(), 2 * INITIAL_SLOTS);
        assert!(small.get(131).is_some() && small.get(147).is_some());
    }

    #[test]
    fn a_shallow_stream_keeps_the_initial_ring() {
        let mut s = Store::new(512);
        for e in 0..5000 {
            s.put(e, 0, false, 0, Time::default(), &[0; 160]);
            if e >= 12 {
                s.remove(e - 12);
            }
        }
        assert_eq!((s.slots.len(), s.len()), (INITIAL_SLOTS, 12));
    }

    #[test]
    fn receive_history_detects_duplicates_within_its_reach() {
        let mut s = Store::new(16);
        assert!(s.mark_received(5000));
        assert!(!s.mark_received(5000));
        assert!(s.mark_received(4990));
        assert!(s.was_received(4990) && !s.was_received(4991));
        assert!(s.mark_received(5000 + HISTORY_BITS));
        assert!(!s.was_received(5000), "slid out of the window");
        assert!(!s.was_received(4990));
    }

    #[test]
    fn skipped_numbers_are_received_and_forgotten_with_the_history() {
        let mut s = Store::new(16);
        s.mark_skipped(7);
        assert!(!s.is_skipped(7), "only a received number can be skipped");
        assert!(s.mark_received(7));
        s.mark_skipped(7);
        assert!(s.is_skipped(7) && s.was_received(7));
        // A number that reuses the bit does not inherit the skip.
        assert!(s.mark_received(7 + HISTORY_BITS));
        assert!(!s.is_skipped(7) && !s.is_skipped(7 + HISTORY_BITS));
        s.mark_skipped(7 + HISTORY_BITS);
        assert!(s.is_skipped(7 + HISTORY_BITS));
        s.clear();
        assert!(!s.is_skipped(7 + HISTORY_BITS));
    }
}
