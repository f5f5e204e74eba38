//! The flight a DTLS 1.3 endpoint is sending (RFC 9147 §5.8 and §7): its messages kept
//! whole for retransmission, which record carried which fragment of which message, and
//! which bytes of each message the peer has acknowledged.
//!
//! **Why it tracks fragments.** RFC 9147 §7.3 asks a sender to leave what an ACK covered
//! out of every later retransmission and, when an ACK covers only part of a flight, to
//! send the rest at once. That needs the map from record number to fragment: an ACK
//! names records, and a retransmission cuts fragments afresh (the MTU may have changed),
//! so what is remembered per message is the set of acknowledged byte ranges, and a
//! retransmission sends only the gaps. Records of every transmission of the flight are
//! remembered, since an ACK may name a record of an earlier one, up to
//! [`MAX_SENT_RECORDS`]; past that the oldest are forgotten and an ACK naming one of them
//! acknowledges nothing (the bytes go out again, which is safe).

/// Most records of one flight remembered for ACK matching, over all its transmissions.
pub(crate) const MAX_SENT_RECORDS: usize = 512;

/// One message of the flight.
#[derive(Debug, Clone)]
struct OutMessage {
    epoch: u64,
    /// The message with its 12-byte DTLS handshake header, unfragmented.
    bytes: Vec<u8>,
    /// Acknowledged byte ranges of the body, sorted, disjoint, not adjacent.
    acked: Vec<(usize, usize)>,
    /// For a message with an empty body: a record carrying it was acknowledged.
    empty_acked: bool,
}

impl OutMessage {
    fn body_len(&self) -> usize {
        self.bytes.len().saturating_sub(12)
    }

    fn acknowledged(&self) -> bool {
        if self.body_len() == 0 {
            self.empty_acked
        } else {
            self.acked == [(0, self.body_len())]
        }
    }

    /// Marks `start..end` of the body acknowledged; true if anything was new.
    fn acknowledge(&mut self, start: usize, end: usize) -> bool {
        if self.body_len() == 0 {
            return !std::mem::replace(&mut self.empty_acked, true);
        }
        let (start, end) = (start.min(self.body_len()), end.min(self.body_len()));
        if start >= end {
            return false;
        }
        if self.acked.iter().any(|&(s, e)| s <= start && end <= e) {
            return false;
        }
        let (mut s, mut e) = (start, end);
        self.acked.retain(|&(a, b)| {
            if b < s || a > e {
                return true;
            }
            s = s.min(a);
            e = e.max(b);
            false
        });
        let at = self.acked.partition_point(|&(a, _)| a < s);
        self.acked.insert(at, (s, e));
        true
    }

    /// The body's unacknowledged ranges, in order (one empty range for an empty body not
    /// yet acknowledged).
    fn gaps(&self) -> Vec<(usize, usize)> {
        let len = self.body_len();
        if len == 0 {
            return if self.empty_acked {
                Vec::new()
            } else {
                vec![(0, 0)]
            };
        }
        let mut out = Vec::new();
        let mut at = 0;
        for &(s, e) in &self.acked {
            if s > at {
                out.push((at, s));
            }
            at = e;
        }
        if at < len {
            out.push((at, len));
        }
        out
    }
}

/// Which fragment a sent record carried.
#[derive(Debug, Clone, Copy)]
struct SentRecord {
    record: (u64, u64),
    message: usize,
    offset: usize,
    len: usize,
}

/// What an ACK did to the flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Acked {
    /// Nothing new was acknowledged.
    Nothing,
    /// Something new, but not all of the flight.
    Partly,
    /// The whole flight is acknowledged.
    All,
}

/// One fragment to send: the message's index, epoch, header and the body range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) message: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The outgoing flight.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flight {
    messages: Vec<OutMessage>,
    sent: Vec<SentRecord>,
}

impl Flight {
    /// Forgets the flight.
    pub(crate) fn clear(&mut self) {
        self.messages.clear();
        self.sent.clear();
    }

    /// True when there is no flight.
    pub(crate) fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Adds a message (its DTLS handshake header included) to go out in `epoch`.
    pub(crate) fn push(&mut self, epoch: u64, bytes: Vec<u8>) {
        self.messages.push(OutMessage {
            epoch,
            bytes,
            acked: Vec::new(),
            empty_acked: false,
        });
    }

    /// The epoch, header (12 bytes) and body of message `i`.
    pub(crate) fn message(&self, i: usize) -> (u64, &[u8], &[u8]) {
        let m = &self.messages[i];
        let (header, body) = m.bytes.split_at(12.min(m.bytes.len()));
        (m.epoch, header, body)
    }

    /// What is left to send, message by message: the unacknowledged ranges of each body.
    pub(crate) fn pending(&self) -> Vec<Pending> {
        let mut out = Vec::new();
        for (message, m) in self.messages.iter().enumerate() {
            for (start, end) in m.gaps() {
                out.push(Pending {
                    message,
                    start,
                    end,
                });
            }
        }
        out
    }

    /// Remembers that `record` carried `len` bytes of message `message` from `offset`.
    pub(crate) fn record_sent(
        &mut self,
        record: (u64, u64),
        message: usize,
        offset: usize,
        len: usize,
    ) {
        if self.sent.len() >= MAX_SENT_RECORDS {
            self.sent.remove(0);
        }
        self.sent.push(SentRecord {
            record,
            message,
            offset,
            len,
        });
    }

    /// Takes the record numbers of an ACK (RFC 9147 §7.3).
    pub(crate) fn acknowledge(&mut self, records: &[(u64, u64)]) -> Acked {
        if self.messages.is_empty() {
            return Acked::Nothing;
        }
        let mut new = false;
        for s in &self.sent {
            if records.contains(&s.record) {
                if let Some(m) = self.messages.get_mut(s.message) {
                    new |= m.acknowledge(s.offset, s.offset + s.len);
                }
            }
        }
        if self.messages.iter().all(OutMessage::acknowledged) {
            Acked::All
        } else if new {
            Acked::Partly
        } else {
            Acked::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body_len: usize) -> Vec<u8> {
        let mut m = vec![1; 12];
        m.extend((0..body_len).map(|i| i as u8));
        m
    }

    fn ranges(f: &Flight) -> Vec<(usize, usize, usize)> {
        f.pending()
            .iter()
            .map(|p| (p.message, p.start, p.end))
            .collect()
    }

    #[test]
    fn acknowledged_ranges_leave_only_the_gaps_to_send() {
        let mut f = Flight::default();
        f.push(2, message(1000));
        f.push(2, message(300));
        assert_eq!(ranges(&f), [(0, 0, 1000), (1, 0, 300)]);
        // Four records: message 0 in three fragments, message 1 whole.
        f.record_sent((2, 0), 0, 0, 400);
        f.record_sent((2, 1), 0, 400, 400);
        f.record_sent((2, 2), 0, 800, 200);
        f.record_sent((2, 3), 1, 0, 300);
        assert_eq!(f.acknowledge(&[(2, 9)]), Acked::Nothing);
        assert_eq!(f.acknowledge(&[(2, 0), (2, 2)]), Acked::Partly);
        assert_eq!(ranges(&f), [(0, 400, 800), (1, 0, 300)]);
        // The same ACK again changes nothing.
        assert_eq!(f.acknowledge(&[(2, 0)]), Acked::Nothing);
        assert_eq!(f.acknowledge(&[(2, 3)]), Acked::Partly);
        assert_eq!(ranges(&f), [(0, 400, 800)]);
        // A retransmission cut differently: an ACK of its records completes the flight.
        f.record_sent((2, 4), 0, 400, 250);
        f.record_sent((2, 5), 0, 650, 150);
        assert_eq!(f.acknowledge(&[(2, 5)]), Acked::Partly);
        assert_eq!(ranges(&f), [(0, 400, 650)]);
        assert_eq!(f.acknowledge(&[(2, 4), (2, 1)]), Acked::All);
        assert!(ranges(&f).is_empty());
    }

    #[test]
    fn ranges_merge_and_empty_messages_are_acknowledged_by_their_record() {
        let mut m = OutMessage {
            epoch: 2,
            bytes: message(100),
            acked: Vec::new(),
            empty_acked: false,
        };
        assert!(m.acknowledge(10, 20));
        assert!(m.acknowledge(30, 40));
        assert!(m.acknowledge(20, 30));
        assert_eq!(m.acked, [(10, 40)]);
        assert!(!m.acknowledge(15, 35));
        assert!(m.acknowledge(0, 200));
        assert!(m.acknowledged());
        let mut f = Flight::default();
        f.push(3, message(0));
        assert_eq!(ranges(&f), [(0, 0, 0)]);
        f.record_sent((3, 7), 0, 0, 0);
        assert_eq!(f.acknowledge(&[(3, 7)]), Acked::All);
    }

    #[test]
    fn the_record_map_is_bounded() {
        let mut f = Flight::default();
        f.push(2, message(10));
        for seq in 0..(MAX_SENT_RECORDS as u64 + 10) {
            f.record_sent((2, seq), 0, 0, 10);
        }
        assert_eq!(f.sent.len(), MAX_SENT_RECORDS);
        // The oldest are forgotten: acknowledging one does nothing.
        assert_eq!(f.acknowledge(&[(2, 0)]), Acked::Nothing);
        assert_eq!(f.acknowledge(&[(2, 20)]), Acked::All);
    }
}
