//! Reassembly of fragmented handshake messages (RFC 6347 §4.2.3) and buffering of messages
//! that arrive ahead of their turn (§4.2.2), bounded in memory.
//!
//! Fragments are collected in any order, overlapping or duplicated, for the message the
//! state machine expects next and for the few after it ([`MAX_BUFFERED_MESSAGES`]). Every
//! bound is checked before anything is allocated: one message is at most
//! [`MAX_MESSAGE_LEN`] bytes, all buffered messages together at most
//! [`MAX_BUFFERED_BYTES`], and one message at most [`MAX_FRAGMENT_RANGES`] disjoint pieces.
//! A fragment beyond a bound is dropped (the peer retransmits it), except a message longer
//! than any this implementation accepts or a fragment past its message's end, which are
//! errors (the connection drops the record). A fragment that disagrees with the buffered
//! ones on the message's type or length replaces them: the first could be forged.

use super::{HandshakeFragment, HandshakeType};
use crate::error::Error;

/// Largest handshake message body accepted (a certificate chain is the largest message).
pub const MAX_MESSAGE_LEN: usize = 32 * 1024;

/// How many message_seq values, starting at the expected one, are buffered. A flight has
/// at most six messages (the client's: Certificate, ClientKeyExchange, CertificateVerify,
/// Finished; the server's: five), so a whole flight fits.
pub const MAX_BUFFERED_MESSAGES: u16 = 8;

/// Total bytes of message bodies held at once.
pub const MAX_BUFFERED_BYTES: usize = 64 * 1024;

/// Most disjoint received pieces of one message before further pieces are dropped.
pub const MAX_FRAGMENT_RANGES: usize = 64;

/// Collects the fragments of the next handshake messages.
#[derive(Debug, Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Reassembler {
    messages: Vec<Partial>,
    bytes: usize,
}

#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Partial {
    msg_type: HandshakeType,
    message_seq: u16,
    body: Vec<u8>,
    ranges: Pieces,
}

impl Partial {
    fn is_complete(&self) -> bool {
        self.ranges.cover(self.body.len())
    }
}

/// The byte ranges of a message received so far: sorted, disjoint and not adjacent
/// (touching ranges are merged), each `(start, end)` with `start < end`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Pieces(Vec<(usize, usize)>);

impl Pieces {
    /// How many disjoint pieces are held.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the pieces make up every byte of a message of `len` bytes.
    pub(crate) fn cover(&self, len: usize) -> bool {
        len == 0 || self.0 == [(0, len)]
    }

    /// True when every byte of `start..end` was received already.
    pub(crate) fn contain(&self, start: usize, end: usize) -> bool {
        self.0.iter().any(|&(s, e)| s <= start && end <= e)
    }

    /// The parts of `start..end` that were received already.
    pub(crate) fn overlaps(
        &self,
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = (usize, usize)> {
        self.0
            .iter()
            .map(move |&(s, e)| (s.max(start), e.min(end)))
            .filter(|&(s, e)| s < e)
    }

    /// These pieces with `start..end` added (a no-op for an empty range).
    pub(crate) fn with(&self, start: usize, end: usize) -> Pieces {
        let mut all = self.0.clone();
        if start < end {
            let at = all.partition_point(|&(s, _)| s < start);
            all.insert(at, (start, end));
        }
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(all.len());
        for (s, e) in all {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Pieces(merged)
    }
}

impl Reassembler {
    /// Adds a fragment when its message_seq is `next_seq` or one of the few after it;
    /// fragments of older messages are ignored (the caller treats them as a retransmission).
    pub(crate) fn push(
        &mut self,
        next_seq: u16,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<(), Error> {
        let h = fragment.header;
        let length = h.length as usize;
        if length > MAX_MESSAGE_LEN {
            return Err(Error::InvalidLength {
                what: "handshake message",
                len: length,
            });
        }
        if h.message_seq.wrapping_sub(next_seq) >= MAX_BUFFERED_MESSAGES {
            tracing::trace!(
                seq = h.message_seq,
                next_seq,
                "handshake fragment outside the window"
            );
            return Ok(());
        }
        let index = match self
            .messages
            .iter()
            .position(|p| p.message_seq == h.message_seq)
        {
            Some(i)
                if self.messages[i].msg_type == h.msg_type
                    && self.messages[i].body.len() == length =>
            {
                i
            }
            conflict => {
                // Fragments that disagree on the message: the newest wins, so a forged
                // fragment that got here first cannot block the real message, which the
                // peer sends again (RFC 6347 §4.1.2.7 drops, never fails, on bad input).
                if let Some(i) = conflict {
                    tracing::trace!(seq = h.message_seq, "fragment replaces a conflicting one");
                    let old = self.messages.swap_remove(i);
                    self.bytes -= old.body.len();
                }
                if self.bytes + length > MAX_BUFFERED_BYTES {
                    tracing::debug!(
                        seq = h.message_seq,
                        "handshake buffer full, fragment dropped"
                    );
                    return Ok(());
                }
                self.bytes += length;
                self.messages.push(Partial {
                    msg_type: h.msg_type,
                    message_seq: h.message_seq,
                    body: vec![0; length],
                    ranges: Pieces::default(),
                });
                self.messages.len() - 1
            }
        };
        let partial = &mut self.messages[index];
        if partial.is_complete() {
            return Ok(());
        }
        let start = h.fragment_offset as usize;
        let end = start + fragment.body.len();
        let Some(dst) = partial.body.get_mut(start..end) else {
            return Err(Error::InvalidLength {
                what: "handshake fragment",
                len: fragment.body.len(),
            });
        };
        if start == end {
            return Ok(());
        }
        let ranges = partial.ranges.with(start, end);
        if ranges.len() > MAX_FRAGMENT_RANGES {
            tracing::debug!(
                seq = h.message_seq,
                "too many fragment pieces, fragment dropped"
            );
            return Ok(());
        }
        dst.copy_from_slice(fragment.body);
        partial.ranges = ranges;
        Ok(())
    }

    /// The message `next_seq` once every byte of it has arrived.
    pub(crate) fn pop(&mut self, next_seq: u16) -> Option<(HandshakeType, Vec<u8>)> {
        let i = self
            .messages
            .iter()
            .position(|p| p.message_seq == next_seq && p.is_complete())?;
        let p = self.messages.swap_remove(i);
        self.bytes -= p.body.len();
        Some((p.msg_type, p.body))
    }

    /// Forgets everything buffered.
    pub(crate) fn clear(&mut self) {
        self.messages.clear();
        self.bytes = 0;
    }

    /// Bytes of message bodies held.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::HandshakeHeader;

    fn frag(seq: u16, length: u32, offset: u32, body: &[u8]) -> HandshakeFragment<'_> {
        HandshakeFragment {
            header: HandshakeHeader {
                msg_type: HandshakeType::Certificate,
                length,
                message_seq: seq,
                fragment_offset: offset,
                fragment_length: body.len() as u32,
            },
            body,
        }
    }

    #[test]
    fn out_of_order_and_overlapping_fragments() {
        let mut r = Reassembler::default();
        r.push(2, &frag(2, 6, 4, &[5, 6])).unwrap();
        r.push(2, &frag(2, 6, 1, &[2, 3, 4])).unwrap();
        r.push(2, &frag(2, 6, 2, &[3])).unwrap();
        assert_eq!(r.pop(2), None);
        r.push(2, &frag(2, 6, 0, &[1, 2])).unwrap();
        r.push(2, &frag(2, 6, 0, &[1, 2])).unwrap();
        assert_eq!(
            r.pop(2),
            Some((HandshakeType::Certificate, vec![1, 2, 3, 4, 5, 6]))
        );
        assert_eq!(r.pop(2), None);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn later_messages_wait_for_their_turn() {
        let mut r = Reassembler::default();
        r.push(3, &frag(4, 1, 0, &[9])).unwrap();
        r.push(3, &frag(3, 1, 0, &[8])).unwrap();
        assert_eq!(r.pop(4), Some((HandshakeType::Certificate, vec![9])));
        assert_eq!(r.pop(3), Some((HandshakeType::Certificate, vec![8])));
        // Older than expected, or too far ahead: ignored.
        r.push(3, &frag(2, 1, 0, &[1])).unwrap();
        r.push(3, &frag(3 + MAX_BUFFERED_MESSAGES, 1, 0, &[1]))
            .unwrap();
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.pop(2), None);
    }

    #[test]
    fn total_memory_is_bounded() {
        let mut r = Reassembler::default();
        let len = MAX_MESSAGE_LEN as u32;
        r.push(0, &frag(0, len, 0, &[1])).unwrap();
        r.push(0, &frag(1, len, 0, &[1])).unwrap();
        r.push(0, &frag(2, len, 0, &[1])).unwrap();
        assert_eq!(r.buffered_bytes(), MAX_BUFFERED_BYTES);
        r.clear();
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn pieces_per_message_are_bounded() {
        let mut r = Reassembler::default();
        let len = 2 * MAX_FRAGMENT_RANGES as u32 + 2;
        for i in 0..=MAX_FRAGMENT_RANGES as u32 {
            r.push(0, &frag(0, len, 2 * i, &[1])).unwrap();
        }
        assert_eq!(r.messages[0].ranges.len(), MAX_FRAGMENT_RANGES);
    }

    #[test]
    fn a_conflicting_fragment_replaces_the_buffered_message() {
        let mut r = Reassembler::default();
        // A forged complete message of 1 byte, then the real one of 2 bytes.
        r.push(1, &frag(1, 1, 0, &[9])).unwrap();
        r.push(1, &frag(1, 2, 0, &[1, 2])).unwrap();
        assert_eq!(r.buffered_bytes(), 2);
        let (_, body) = r.pop(1).unwrap();
        assert_eq!(body, [1, 2]);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn oversized_message_is_refused() {
        let f = frag(0, (MAX_MESSAGE_LEN + 1) as u32, 0, &[1]);
        assert_eq!(
            Reassembler::default().push(0, &f),
            Err(Error::InvalidLength {
                what: "handshake message",
                len: MAX_MESSAGE_LEN + 1
            })
        );
    }
}
