//! A bounded window of packet arrival times keyed by a 16-bit sequence number, unwrapped
//! to 64 bits, with the cursor of what feedback has reported.
//!
//! Both feedback formats are built from it: transport-cc has one window for the transport
//! (the transport-wide sequence number), RFC 8888 one per RTP stream (its RTP sequence
//! number). The window holds a fixed number of sequence numbers; a packet older
//! than that is dropped and counted, and unreported packets pushed out of the window by
//! newer ones are given up (counted too). A late packet whose sequence number was already
//! reported moves the report cursor back to itself, so that the next feedback reports it
//! (received this time) and everything after it again, as the transport-cc draft allows
//! (its base sequence number may decrease between feedback messages).

/// Marks a slot whose packet has not arrived.
const NOT_RECEIVED: u64 = u64::MAX;
/// The first unwrapped sequence number: room below for packets older than the first one.
const UNWRAP_BASE: u64 = 1 << 32;

/// What [`ArrivalWindow::on_packet`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// Recorded; `late` when the feedback had already passed its sequence number.
    New {
        /// Its sequence number was already reported as not received.
        late: bool,
    },
    /// Its sequence number was already recorded: the first arrival is kept.
    Duplicate,
    /// Older than the window: dropped.
    TooOld,
}

/// Arrival times (µs from an origin the owner chooses) of the last `capacity` sequence
/// numbers.
#[derive(Debug, Clone)]
pub(crate) struct ArrivalWindow {
    /// One slot per sequence number modulo the capacity; allocated on the first packet.
    slots: Vec<u64>,
    capacity: usize,
    /// The oldest unwrapped sequence number kept.
    start: u64,
    /// One past the newest unwrapped sequence number seen (0 before the first packet).
    end: u64,
    /// The first sequence number feedback has not reported yet.
    report_from: u64,
    /// Unreported packets pushed out of the window before feedback covered them.
    pub(crate) given_up: u64,
}

impl ArrivalWindow {
    /// An empty window of `capacity` sequence numbers (a power of two, at most 32768).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            slots: Vec::new(),
            capacity: capacity.next_power_of_two().min(1 << 15),
            start: 0,
            end: 0,
            report_from: 0,
            given_up: 0,
        }
    }

    fn slot(&self, seq: u64) -> usize {
        (seq as usize) & (self.capacity - 1)
    }

    /// Records the arrival of `seq` at `arrival_us`.
    pub(crate) fn on_packet(&mut self, seq: u16, arrival_us: u64) -> Recorded {
        if self.end == 0 {
            self.slots = vec![NOT_RECEIVED; self.capacity];
            let unwrapped = UNWRAP_BASE + u64::from(seq);
            self.start = unwrapped;
            self.end = unwrapped;
            self.report_from = unwrapped;
        }
        // Unwrap against the newest sequence number: within ±2^15 of it.
        let newest = self.end.saturating_sub(1).max(self.start);
        let diff = i64::from(seq.wrapping_sub(newest as u16) as i16);
        let unwrapped = newest.saturating_add_signed(diff);
        if unwrapped < self.start {
            return Recorded::TooOld;
        }
        if unwrapped >= self.end {
            // Clear the slots the window moves onto (at most all of them).
            let fresh = (unwrapped + 1 - self.end).min(self.capacity as u64);
            for s in (unwrapped + 1 - fresh)..=unwrapped {
                let i = self.slot(s);
                self.slots[i] = NOT_RECEIVED;
            }
            self.end = unwrapped + 1;
            let oldest = self.end.saturating_sub(self.capacity as u64);
            if oldest > self.start {
                self.start = oldest;
            }
            if self.report_from < self.start {
                self.given_up += self.start - self.report_from;
                self.report_from = self.start;
            }
        }
        let i = self.slot(unwrapped);
        if self.slots[i] != NOT_RECEIVED {
            return Recorded::Duplicate;
        }
        self.slots[i] = arrival_us;
        let late = unwrapped < self.report_from;
        if late {
            self.report_from = unwrapped;
        }
        Recorded::New { late }
    }

    /// The range of sequence numbers feedback has yet to report, `[from, end)`: `None`
    /// when there is none. Its last packet always arrived.
    pub(crate) fn pending(&self) -> Option<(u64, u64)> {
        (self.report_from < self.end).then_some((self.report_from, self.end))
    }

    /// The arrival time of `seq`, when it arrived and is in the window.
    pub(crate) fn get(&self, seq: u64) -> Option<u64> {
        if seq < self.start || seq >= self.end {
            return None;
        }
        let at = self.slots[self.slot(seq)];
        (at != NOT_RECEIVED).then_some(at)
    }

    /// Feedback reported everything before `seq`.
    pub(crate) fn reported_until(&mut self, seq: u64) {
        self.report_from = self.report_from.max(seq.min(self.end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_across_the_wrap_and_tracks_what_is_pending() {
        let mut w = ArrivalWindow::new(64);
        assert_eq!(w.on_packet(65534, 10), Recorded::New { late: false });
        assert_eq!(w.on_packet(1, 30), Recorded::New { late: false });
        let (from, end) = w.pending().unwrap();
        assert_eq!(end - from, 4); // 65534, 65535, 0, 1
        assert_eq!(w.get(from), Some(10));
        assert_eq!(w.get(from + 1), None);
        assert_eq!(w.get(from + 3), Some(30));
        assert_eq!(w.on_packet(1, 31), Recorded::Duplicate);
        w.reported_until(end);
        assert_eq!(w.pending(), None);
        // 65535 arrives late: the cursor moves back to it.
        assert_eq!(w.on_packet(65535, 40), Recorded::New { late: true });
        assert_eq!(w.pending(), Some((from + 1, end)));
    }

    #[test]
    fn old_packets_fall_out_and_unreported_ones_are_counted() {
        let mut w = ArrivalWindow::new(16);
        w.on_packet(0, 0);
        w.on_packet(20, 1);
        // 0..=20 is 21 numbers; the window keeps 5..=20, and 0..5 were never reported.
        assert_eq!(w.given_up, 5);
        assert_eq!(w.pending().map(|(f, e)| e - f), Some(16));
        assert_eq!(w.on_packet(4, 2), Recorded::TooOld);
        assert_eq!(w.on_packet(5, 2), Recorded::New { late: false });
    }
}
