//! Reassembly of fragmented handshake messages (RFC 6347 §4.2.3), bounded in memory.
//!
//! Fragments of the message the state machine expects next are collected in any order,
//! overlapping or duplicated; messages for later sequence numbers are not buffered yet.

use super::{HandshakeFragment, HandshakeType};
use crate::error::Error;

/// Largest handshake message body accepted (a certificate chain is the largest message).
pub const MAX_MESSAGE_LEN: usize = 32 * 1024;

/// Collects the fragments of one handshake message.
#[derive(Debug, Default)]
pub(crate) struct Reassembler {
    partial: Option<Partial>,
}

#[derive(Debug)]
struct Partial {
    msg_type: HandshakeType,
    message_seq: u16,
    body: Vec<u8>,
    /// Sorted, disjoint received byte ranges.
    ranges: Vec<(usize, usize)>,
}

impl Reassembler {
    /// Adds a fragment of message `fragment.header.message_seq`; returns the message type
    /// and body once every byte has arrived.
    pub(crate) fn push(
        &mut self,
        fragment: &HandshakeFragment<'_>,
    ) -> Result<Option<(HandshakeType, Vec<u8>)>, Error> {
        let h = fragment.header;
        let length = h.length as usize;
        if length > MAX_MESSAGE_LEN {
            return Err(Error::InvalidLength {
                what: "handshake message",
                len: length,
            });
        }
        if h.fragment_offset == 0 && h.fragment_length == h.length {
            self.partial = None;
            return Ok(Some((h.msg_type, fragment.body.to_vec())));
        }
        let partial = match &mut self.partial {
            Some(p) if p.message_seq == h.message_seq => {
                if p.msg_type != h.msg_type || p.body.len() != length {
                    return Err(Error::IllegalParameter("fragments disagree on the message"));
                }
                p
            }
            slot => slot.insert(Partial {
                msg_type: h.msg_type,
                message_seq: h.message_seq,
                body: vec![0; length],
                ranges: Vec::new(),
            }),
        };
        let start = h.fragment_offset as usize;
        let end = start + fragment.body.len();
        let Some(dst) = partial.body.get_mut(start..end) else {
            return Err(Error::InvalidLength {
                what: "handshake fragment",
                len: fragment.body.len(),
            });
        };
        dst.copy_from_slice(fragment.body);
        partial.ranges.push((start, end));
        partial.ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(partial.ranges.len());
        for &(s, e) in &partial.ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        partial.ranges = merged;
        if partial.ranges == [(0, length)] {
            let done = self.partial.take();
            return Ok(done.map(|p| (p.msg_type, p.body)));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::HandshakeHeader;

    fn frag(offset: u32, body: &[u8]) -> HandshakeFragment<'_> {
        HandshakeFragment {
            header: HandshakeHeader {
                msg_type: HandshakeType::Certificate,
                length: 6,
                message_seq: 2,
                fragment_offset: offset,
                fragment_length: body.len() as u32,
            },
            body,
        }
    }

    #[test]
    fn out_of_order_and_overlapping_fragments() {
        let mut r = Reassembler::default();
        assert_eq!(r.push(&frag(4, &[5, 6])).unwrap(), None);
        assert_eq!(r.push(&frag(1, &[2, 3, 4])).unwrap(), None);
        assert_eq!(r.push(&frag(2, &[3])).unwrap(), None);
        assert_eq!(
            r.push(&frag(0, &[1, 2])).unwrap(),
            Some((HandshakeType::Certificate, vec![1, 2, 3, 4, 5, 6]))
        );
    }

    #[test]
    fn oversized_message_is_refused() {
        let mut f = frag(0, &[1]);
        f.header.length = (MAX_MESSAGE_LEN + 1) as u32;
        assert_eq!(
            Reassembler::default().push(&f),
            Err(Error::InvalidLength {
                what: "handshake message",
                len: MAX_MESSAGE_LEN + 1
            })
        );
    }
}
