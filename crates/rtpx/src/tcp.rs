//! RFC 4571 framing over TCP: each direction's byte stream is reassembled from its segments
//! and cut into packets at the 16-bit length prefixes.
//!
//! Reassembly is deliberately simple and bounded: segments are taken in sequence-number
//! order as the capture holds them; a retransmission's old bytes are skipped; a hole (data
//! the capture missed) drops what was buffered, is counted, and the next segment is taken
//! to start a frame (senders write a frame at a time, so they nearly always do). At most
//! one partial frame (under 64 KiB) is buffered per direction.

use crate::net::TcpInfo;

/// One direction of a TCP connection carrying RFC 4571 frames.
#[derive(Debug, Default, Clone)]
pub struct Reassembler {
    next_seq: Option<u32>,
    buf: Vec<u8>,
    /// Holes in the byte stream (missed segments).
    pub gaps: u64,
    /// Zero-length frames skipped.
    pub empty_frames: u64,
}

impl Reassembler {
    /// Takes one segment; returns the complete frames it finished, in order.
    pub fn segment(&mut self, tcp: TcpInfo, mut payload: &[u8]) -> Vec<Vec<u8>> {
        if tcp.syn {
            self.next_seq = Some(tcp.seq.wrapping_add(1));
            self.buf.clear();
            return Vec::new();
        }
        if payload.is_empty() {
            return Vec::new();
        }
        let next = *self.next_seq.get_or_insert(tcp.seq);
        let ahead = tcp.seq.wrapping_sub(next) as i32;
        if ahead > 0 {
            self.gaps += 1;
            self.buf.clear();
        } else if ahead < 0 {
            let old = ahead.unsigned_abs() as usize;
            if old >= payload.len() {
                return Vec::new();
            }
            payload = &payload[old..];
        }
        let start = if ahead > 0 { tcp.seq } else { next };
        self.next_seq = Some(start.wrapping_add(payload.len() as u32));
        self.buf.extend_from_slice(payload);
        let mut frames = Vec::new();
        let mut at = 0;
        while let Some(len) = self.buf.get(at..at + 2) {
            let n = usize::from(u16::from_be_bytes([len[0], len[1]]));
            let Some(frame) = self.buf.get(at + 2..at + 2 + n) else {
                break;
            };
            if n == 0 {
                self.empty_frames += 1;
            } else {
                frames.push(frame.to_vec());
            }
            at += 2 + n;
        }
        self.buf.drain(..at);
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(seq: u32) -> TcpInfo {
        TcpInfo {
            seq,
            syn: false,
            fin_or_rst: false,
        }
    }

    #[test]
    fn frames_across_segments_and_retransmissions() {
        let mut r = Reassembler::default();
        assert!(
            r.segment(
                TcpInfo {
                    seq: 99,
                    syn: true,
                    fin_or_rst: false
                },
                &[]
            )
            .is_empty()
        );
        // Frame "abc" and the first byte of "de".
        assert_eq!(
            r.segment(seg(100), b"\x00\x03abc\x00"),
            vec![b"abc".to_vec()]
        );
        // A retransmission of the same bytes changes nothing.
        assert!(r.segment(seg(100), b"\x00\x03abc\x00").is_empty());
        assert_eq!(r.segment(seg(106), b"\x02de"), vec![b"de".to_vec()]);
        // A hole: the buffer is dropped and the next segment starts a frame.
        assert_eq!(r.segment(seg(200), b"\x00\x01z"), vec![b"z".to_vec()]);
        assert_eq!(r.gaps, 1);
    }
}
