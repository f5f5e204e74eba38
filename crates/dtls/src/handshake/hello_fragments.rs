//! Reassembly of a ClientHello that arrives in fragments before the cookie exchange
//! (RFC 6347 §4.2.1, §4.2.3; RFC 9147 §5.5 leaves the fragmentation of the ClientHello to
//! the client's MTU).
//!
//! A browser that offers DTLS 1.3 with a post-quantum key share (Chromium's ClientHello
//! with an X25519MLKEM768 share is 1,413 bytes) cannot fit its ClientHello into one
//! datagram, before or after the HelloVerifyRequest, so a server that wants the first
//! ClientHello whole cannot be reached by it. Reassembling means keeping state for an
//! address that has not proved anything yet, so the state is small and bounded, and what
//! it lets a sender do is limited to filling that buffer:
//!
//! - One message of at most [`MAX_CLIENT_HELLO_LEN`] (4 KiB) body bytes. Chromium's 1,413
//!   bytes include a 1,216-byte hybrid key share; a second hybrid share (SecP256r1MLKEM768
//!   is 1,249 bytes) would still fit, with room left for the usual extensions. Anything
//!   longer is not a ClientHello any client sends today, and it would cost every pending
//!   address more memory. A ClientHello that comes whole in one datagram needs no buffer
//!   and is not held to this bound.
//! - At most [`MAX_CLIENT_HELLO_PIECES`] (32) disjoint received pieces. At the smallest
//!   datagram a DTLS stack uses (OpenSSL's 256-byte link MTU leaves about 200 bytes of
//!   fragment per datagram) a 4 KiB ClientHello is 21 fragments, so 32 admits any
//!   legitimate fragmentation in any arrival order; the cap bounds the piece list, and the
//!   work per fragment, for a sender of one-byte fragments.
//! - At most [`HELLO_FRAGMENT_LIFETIME`] (2 s) from the first fragment. A client sends the
//!   fragments of one ClientHello back to back, and repeats all of them when its timer
//!   fires (1 s at first, RFC 6347 §4.2.4.1), so a retransmission can fill the piece the
//!   first transmission lost; a buffer older than that is stale (or was started by a
//!   forger) and the next fragment starts a new one.
//!
//! Fragments that cannot belong to the message being collected are dropped, never an
//! error that ends anything: a fragment of another handshake type, one whose message
//! length differs from the buffered one, a stale message_seq (lower than the buffered
//! one), bytes that differ from bytes already received at the same offsets, a fragment
//! past its message's end (refused by [`super::parse_fragments`]), and an empty fragment.
//! A higher message_seq is the client's next ClientHello (the one answering our
//! HelloVerifyRequest, RFC 6347 §4.2.2) and replaces the buffer. Nothing is ever sent for
//! an incomplete ClientHello, and the cookie is checked on the complete message, so a
//! fragmented ClientHello gives a sender nothing beyond this buffer. The many-peer front
//! end keeps one such buffer per source address in a table of bounded size
//! ([`crate::PendingHellos`]).

use super::{HandshakeFragment, HandshakeType, Pieces};
use crate::error::Error;
use std::time::{Duration, Instant};

/// Longest ClientHello body, in bytes, that a server reassembles from fragments before
/// the cookie exchange. Chromium's DTLS 1.3 offer with an X25519MLKEM768 key share is
/// 1,413 bytes; 4 KiB leaves room for a second hybrid share and keeps what an unproven
/// address can make a server hold to one page. A ClientHello that comes whole in one
/// datagram needs no buffer and is not held to this bound.
pub const MAX_CLIENT_HELLO_LEN: usize = 4096;

/// Most disjoint received pieces of one fragmented ClientHello: at the smallest datagrams
/// in use (about 200 bytes of fragment each) a [`MAX_CLIENT_HELLO_LEN`] ClientHello is 21
/// fragments, so any legitimate fragmentation fits in any arrival order.
pub const MAX_CLIENT_HELLO_PIECES: usize = 32;

/// How long the fragments of one ClientHello are kept, counted from the first one. A
/// client sends them back to back and repeats them all when its 1 s retransmission timer
/// fires (RFC 6347 §4.2.4.1), so the repeat can fill a lost piece; an older buffer is
/// stale, and the next fragment from its address starts a new one.
pub const HELLO_FRAGMENT_LIFETIME: Duration = Duration::from_secs(2);

/// The highest record sequence number a ClientHello may carry. A client numbers its
/// epoch-0 records from zero, so its ClientHellos (retransmissions included) are among its
/// first few; the server continues its own numbering from the ClientHello that carried the
/// cookie, and a forged one numbered near 2^48 would leave it no room for its flight.
pub(crate) const MAX_CLIENT_HELLO_RECORD_SEQ: u64 = u32::MAX as u64;

/// A ClientHello put together from its fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompleteHello {
    /// The message's message_seq.
    pub(crate) message_seq: u16,
    /// The highest record sequence number among the fragments' records, which the server
    /// answers with (RFC 6347 §4.2.1).
    pub(crate) record_sequence: u64,
    /// The message body.
    pub(crate) body: Vec<u8>,
    /// Bytes on the wire that brought the fragments (duplicates included): no answer
    /// before the cookie may be larger.
    pub(crate) received: usize,
}

/// What became of a fragment that was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HelloProgress {
    /// New bytes were kept; the message is not complete yet.
    Buffered,
    /// Every byte of the fragment was held already (a retransmission).
    Duplicate,
    /// The fragment completed the message.
    Complete(CompleteHello),
}

/// One ClientHello being collected from one source address.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct PartialHello {
    message_seq: u16,
    body: Vec<u8>,
    pieces: Pieces,
    started: Instant,
    record_sequence: u64,
    received: usize,
}

impl PartialHello {
    /// A buffer started by `fragment`, which arrived in record `record_sequence` and took
    /// `wire_len` bytes of its datagram, and what the fragment did (a whole message
    /// completes at once). Fails, allocating nothing, for a fragment that cannot start one.
    pub(crate) fn start(
        now: Instant,
        record_sequence: u64,
        wire_len: usize,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<(Self, HelloProgress), Error> {
        check_alone(record_sequence, fragment)?;
        let mut p = PartialHello {
            message_seq: fragment.header.message_seq,
            body: vec![0; fragment.header.length as usize],
            pieces: Pieces::default(),
            started: now,
            record_sequence,
            received: 0,
        };
        let progress = p.insert(record_sequence, wire_len, fragment)?;
        Ok((p, progress))
    }

    /// Adds a fragment of the same source. Fails, changing nothing, when the fragment
    /// does not belong to this message; a fragment of a newer ClientHello, or any
    /// fragment once this buffer is older than [`HELLO_FRAGMENT_LIFETIME`], starts over.
    pub(crate) fn push(
        &mut self,
        now: Instant,
        record_sequence: u64,
        wire_len: usize,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<HelloProgress, Error> {
        check_alone(record_sequence, fragment)?;
        let h = fragment.header;
        if self.expired(now) || seq_newer(h.message_seq, self.message_seq) {
            let (fresh, progress) = PartialHello::start(now, record_sequence, wire_len, fragment)?;
            *self = fresh;
            return Ok(progress);
        }
        if h.message_seq != self.message_seq {
            return Err(Error::IllegalParameter("stale ClientHello fragment"));
        }
        if h.length as usize != self.body.len() {
            return Err(Error::IllegalParameter(
                "ClientHello fragment of another length",
            ));
        }
        self.insert(record_sequence, wire_len, fragment)
    }

    /// Copies the fragment's bytes in, unless they contradict bytes already held or
    /// would make too many pieces.
    fn insert(
        &mut self,
        record_sequence: u64,
        wire_len: usize,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<HelloProgress, Error> {
        let start = fragment.header.fragment_offset as usize;
        let end = start.saturating_add(fragment.body.len());
        let Some(dst) = self.body.get_mut(start..end) else {
            return Err(Error::InvalidLength {
                what: "ClientHello fragment",
                len: fragment.body.len(),
            });
        };
        // Overlapping bytes must agree: a client repeats its ClientHello unchanged.
        let held = &*dst;
        let agrees = self.pieces.overlaps(start, end).all(|(s, e)| {
            let at = s.saturating_sub(start)..e.saturating_sub(start);
            held.get(at.clone()) == fragment.body.get(at)
        });
        if !agrees {
            return Err(Error::IllegalParameter(
                "ClientHello fragment contradicts an earlier one",
            ));
        }
        let duplicate = self.pieces.contain(start, end);
        let pieces = self.pieces.with(start, end);
        if pieces.len() > MAX_CLIENT_HELLO_PIECES {
            return Err(Error::InvalidLength {
                what: "ClientHello fragment pieces",
                len: pieces.len(),
            });
        }
        dst.copy_from_slice(fragment.body);
        self.pieces = pieces;
        self.record_sequence = self.record_sequence.max(record_sequence);
        self.received = self.received.saturating_add(wire_len);
        Ok(if self.pieces.cover(self.body.len()) {
            HelloProgress::Complete(CompleteHello {
                message_seq: self.message_seq,
                record_sequence: self.record_sequence,
                body: std::mem::take(&mut self.body),
                received: self.received,
            })
        } else if duplicate {
            HelloProgress::Duplicate
        } else {
            HelloProgress::Buffered
        })
    }

    /// True once the buffer is older than [`HELLO_FRAGMENT_LIFETIME`].
    pub(crate) fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.started) >= HELLO_FRAGMENT_LIFETIME
    }

    /// When the first fragment arrived.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// Bytes of message body held.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.body.len()
    }
}

/// Takes a fragment into the buffer `slot` (one source address): starts one, adds to it,
/// or, once the fragment completes the message, empties the slot and returns the message.
/// An error drops the fragment and leaves the slot as it was.
pub(crate) fn push_fragment(
    slot: &mut Option<PartialHello>,
    now: Instant,
    record_sequence: u64,
    wire_len: usize,
    fragment: &HandshakeFragment<'_>,
) -> Result<HelloProgress, Error> {
    let progress = match slot {
        Some(partial) => partial.push(now, record_sequence, wire_len, fragment)?,
        None => {
            let (partial, progress) =
                PartialHello::start(now, record_sequence, wire_len, fragment)?;
            *slot = Some(partial);
            progress
        }
    };
    if matches!(progress, HelloProgress::Complete(_)) {
        *slot = None;
    }
    Ok(progress)
}

/// The checks a fragment passes on its own, before it may touch any buffer.
fn check_alone(record_sequence: u64, fragment: &HandshakeFragment<'_>) -> Result<(), Error> {
    let h = fragment.header;
    if h.msg_type != HandshakeType::ClientHello {
        return Err(Error::UnexpectedMessage {
            expected: "ClientHello",
            got: h.msg_type.name(),
        });
    }
    if record_sequence > MAX_CLIENT_HELLO_RECORD_SEQ {
        return Err(Error::IllegalParameter(
            "ClientHello record sequence number",
        ));
    }
    let length = h.length as usize;
    if length > MAX_CLIENT_HELLO_LEN {
        return Err(Error::InvalidLength {
            what: "fragmented ClientHello",
            len: length,
        });
    }
    if fragment.body.is_empty() {
        return Err(Error::InvalidLength {
            what: "ClientHello fragment",
            len: 0,
        });
    }
    if u64::from(h.fragment_offset) + fragment.body.len() as u64 > u64::from(h.length) {
        return Err(Error::InvalidLength {
            what: "ClientHello fragment",
            len: fragment.body.len(),
        });
    }
    Ok(())
}

/// True when message_seq `a` comes after `b` (RFC 6347 §4.2.2 numbers the client's
/// ClientHellos 0, 1, ...; the comparison wraps like the counter).
fn seq_newer(a: u16, b: u16) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::HandshakeHeader;

    fn frag(
        ty: HandshakeType,
        seq: u16,
        length: u32,
        offset: u32,
        body: &[u8],
    ) -> HandshakeFragment<'_> {
        HandshakeFragment {
            header: HandshakeHeader {
                msg_type: ty,
                length,
                message_seq: seq,
                fragment_offset: offset,
                fragment_length: body.len() as u32,
            },
            body,
        }
    }

    fn ch(seq: u16, length: u32, offset: u32, body: &[u8]) -> HandshakeFragment<'_> {
        frag(HandshakeType::ClientHello, seq, length, offset, body)
    }

    #[test]
    fn out_of_order_duplicated_fragments_complete_once() {
        let now = Instant::now();
        let mut slot = None;
        let mut push = |seq, f: HandshakeFragment<'_>| push_fragment(&mut slot, now, seq, 30, &f);
        assert_eq!(push(3, ch(0, 6, 4, &[5, 6])), Ok(HelloProgress::Buffered));
        assert_eq!(push(1, ch(0, 6, 2, &[3, 4])), Ok(HelloProgress::Buffered));
        assert_eq!(push(4, ch(0, 6, 3, &[4, 5])), Ok(HelloProgress::Duplicate));
        assert_eq!(
            push(2, ch(0, 6, 0, &[1, 2, 3])),
            Ok(HelloProgress::Complete(CompleteHello {
                message_seq: 0,
                record_sequence: 4,
                body: vec![1, 2, 3, 4, 5, 6],
                received: 120,
            }))
        );
        assert!(slot.is_none());
    }

    #[test]
    fn inconsistent_fragments_are_refused_without_changing_the_buffer() {
        let now = Instant::now();
        let mut slot = None;
        push_fragment(&mut slot, now, 0, 30, &ch(1, 6, 0, &[1, 2, 3])).unwrap();
        let refused = [
            ch(1, 7, 3, &[4]),                                 // another length
            ch(0, 6, 3, &[4]),                                 // a stale message_seq
            ch(1, 6, 2, &[9, 4]),                              // contradicts byte 2
            ch(1, 6, 3, &[]),                                  // empty
            frag(HandshakeType::Certificate, 1, 6, 3, &[4]),   // another type
            ch(1, (MAX_CLIENT_HELLO_LEN + 1) as u32, 3, &[4]), // too long
            ch(1, 6, 5, &[6, 7]),                              // past the end
        ];
        for f in &refused {
            assert!(push_fragment(&mut slot, now, 1, 30, f).is_err(), "{f:?}");
        }
        assert!(push_fragment(&mut slot, now, 1 << 32, 30, &ch(1, 6, 3, &[4])).is_err());
        let p = slot.as_ref().unwrap();
        assert_eq!((p.message_seq, p.body.len()), (1, 6));
        assert_eq!(p.pieces, Pieces::default().with(0, 3));
        assert_eq!(p.received, 30);
        // The real rest still completes it.
        let done = push_fragment(&mut slot, now, 1, 30, &ch(1, 6, 2, &[3, 4, 5, 6])).unwrap();
        let HelloProgress::Complete(c) = done else {
            panic!("{done:?}")
        };
        assert_eq!(c.body, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_newer_hello_or_an_expired_buffer_starts_over() {
        let now = Instant::now();
        let mut slot = None;
        push_fragment(&mut slot, now, 0, 30, &ch(0, 6, 0, &[1, 2, 3])).unwrap();
        // message_seq 1: the ClientHello that answers a HelloVerifyRequest.
        push_fragment(&mut slot, now, 2, 30, &ch(1, 8, 0, &[1])).unwrap();
        let p = slot.as_ref().unwrap();
        assert_eq!((p.message_seq, p.body.len(), p.received), (1, 8, 30));
        // Past the lifetime, even a conflicting fragment starts a new buffer.
        let later = now + HELLO_FRAGMENT_LIFETIME;
        push_fragment(&mut slot, later, 3, 30, &ch(1, 4, 0, &[7])).unwrap();
        let p = slot.as_ref().unwrap();
        assert_eq!((p.body.len(), p.started), (4, later));
        assert!(!p.expired(later) && p.expired(later + HELLO_FRAGMENT_LIFETIME));
    }

    #[test]
    fn pieces_are_bounded() {
        let now = Instant::now();
        let mut slot = None;
        let len = 2 * MAX_CLIENT_HELLO_PIECES as u32 + 2;
        for i in 0..MAX_CLIENT_HELLO_PIECES as u32 {
            let progress = push_fragment(&mut slot, now, 0, 30, &ch(0, len, 2 * i, &[1]));
            assert_eq!(progress, Ok(HelloProgress::Buffered));
        }
        let one_more = ch(0, len, 2 * MAX_CLIENT_HELLO_PIECES as u32, &[1]);
        assert!(push_fragment(&mut slot, now, 0, 30, &one_more).is_err());
        // A piece that joins two others still fits.
        let joining = ch(0, len, 1, &[0]);
        assert_eq!(
            push_fragment(&mut slot, now, 0, 30, &joining),
            Ok(HelloProgress::Buffered)
        );
        assert_eq!(
            slot.as_ref().unwrap().pieces.len(),
            MAX_CLIENT_HELLO_PIECES - 1
        );
    }

    #[test]
    fn message_seq_comparison_wraps() {
        assert!(seq_newer(1, 0) && seq_newer(0, u16::MAX));
        assert!(!seq_newer(0, 1) && !seq_newer(5, 5));
    }
}
