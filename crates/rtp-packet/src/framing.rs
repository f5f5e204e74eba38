//! RFC 4571 framing: RTP and RTCP packets over a byte stream (TCP), each preceded by its
//! length as a 16-bit unsigned integer in network byte order.
//!
//! [`FrameDecoder`] turns the bytes of a stream, as reads deliver them, back into packets:
//! a frame split over many reads, many frames in one read, and zero-length frames (they
//! carry no packet: skipped and counted) are all handled. Its memory is fixed when it is
//! made and never grows: one frame of the configured maximum with its prefix, plus one
//! read's worth ([`FrameDecoder::capacity`]). A length prefix above the maximum is refused
//! with [`FramingError::FrameTooLarge`]; the stream has then lost its framing (nothing tells
//! where the next frame starts) and the decoder refuses everything after it, so the owner
//! of the stream closes it.
//!
//! **Why it lives here.** The framing is wire format, with no I/O, no clock and no session
//! state, like the packet parsing beside it: any user of RTP over a stream (a session's TCP
//! transport, a capture tool reading an RFC 4571 dump) needs exactly this, and keeping it
//! in the lowest crate lets it be fuzzed alone.
//!
//! ```
//! use rtp_packet::framing::{FrameDecoder, encode_frame};
//!
//! let mut stream = Vec::new();
//! encode_frame(&[0x80, 0, 0, 1], &mut stream)?;
//! encode_frame(&[0x80, 0, 0, 2, 9], &mut stream)?;
//! let mut decoder = FrameDecoder::new(1500, 4096);
//! // The first read brings one byte, the second the rest.
//! for chunk in [&stream[..1], &stream[1..]] {
//!     let space = decoder.read_space();
//!     space[..chunk.len()].copy_from_slice(chunk);
//!     decoder.filled(chunk.len());
//! }
//! assert_eq!(decoder.decode()?.as_deref(), Some(&[0x80, 0, 0, 1][..]));
//! assert_eq!(decoder.decode()?.as_deref(), Some(&[0x80, 0, 0, 2, 9][..]));
//! assert_eq!(decoder.decode()?, None);
//! # Ok::<(), rtp_packet::framing::FramingError>(())
//! ```

/// The length prefix: 16 bits, network byte order (RFC 4571 §2).
pub const PREFIX_LEN: usize = 2;

/// The largest frame the prefix can describe.
pub const MAX_FRAME: usize = u16::MAX as usize;

/// What can go wrong with RFC 4571 frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// A length prefix above the decoder's maximum: the stream's framing is lost.
    #[error("RFC 4571 frame of {length} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// The length the prefix claimed.
        length: usize,
        /// The decoder's maximum.
        max: usize,
    },
    /// A packet too large for a 16-bit length prefix was given to [`encode_frame`].
    #[error("a packet of {0} bytes does not fit an RFC 4571 frame (65,535 at most)")]
    PacketTooLarge(usize),
}

/// Appends `packet` to `out` as one RFC 4571 frame (its length, then its bytes).
pub fn encode_frame(packet: &[u8], out: &mut Vec<u8>) -> Result<(), FramingError> {
    let prefix = frame_prefix(packet.len())?;
    out.reserve(PREFIX_LEN + packet.len());
    out.extend_from_slice(&prefix);
    out.extend_from_slice(packet);
    Ok(())
}

/// The length prefix of a frame carrying `len` bytes.
pub fn frame_prefix(len: usize) -> Result<[u8; PREFIX_LEN], FramingError> {
    u16::try_from(len)
        .map(u16::to_be_bytes)
        .map_err(|_| FramingError::PacketTooLarge(len))
}

/// Decodes RFC 4571 frames from a byte stream, in a buffer of fixed size (see the module
/// documentation).
///
/// The reading loop: [`FrameDecoder::read_space`] lends the free space, the caller reads
/// into it and reports how much with [`FrameDecoder::filled`], then takes every complete
/// frame with [`FrameDecoder::decode`] until it returns `Ok(None)`.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// The first byte not yet decoded.
    start: usize,
    /// One past the last byte read.
    end: usize,
    max_frame: usize,
    read_size: usize,
    empty_frames: u64,
    frames: u64,
    failed: Option<FramingError>,
}

impl FrameDecoder {
    /// A decoder refusing frames above `max_frame` bytes, for reads of up to `read_size`
    /// bytes (at least 1). Its buffer, allocated here once, holds
    /// `2 + max_frame + read_size` bytes.
    pub fn new(max_frame: u16, read_size: usize) -> Self {
        let max_frame = usize::from(max_frame);
        let read_size = read_size.max(1);
        Self {
            buf: vec![0; PREFIX_LEN + max_frame + read_size],
            start: 0,
            end: 0,
            max_frame,
            read_size,
            empty_frames: 0,
            frames: 0,
            failed: None,
        }
    }

    /// The buffer's size: the most memory the decoder ever holds.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The largest frame accepted.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// The free space to read into: at least the read size given to
    /// [`FrameDecoder::new`] once every complete frame was taken with
    /// [`FrameDecoder::decode`] (an incomplete frame is at most `2 + max_frame - 1` bytes).
    /// Empty after a framing error.
    pub fn read_space(&mut self) -> &mut [u8] {
        if self.failed.is_some() {
            return &mut [];
        }
        if self.start > 0 && self.buf.len() - self.end < self.read_size {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`FrameDecoder::read_space`] (clamped to
    /// the space there was).
    pub fn filled(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.buf.len());
    }

    /// Copies as much of `data` as fits into the free space and returns how much: for
    /// input that is already in memory (tests, captures).
    pub fn push(&mut self, data: &[u8]) -> usize {
        let space = self.read_space();
        let n = space.len().min(data.len());
        space[..n].copy_from_slice(&data[..n]);
        self.filled(n);
        n
    }

    /// The next complete frame, `Ok(None)` when the buffer holds none (more bytes are
    /// needed), or the framing error that ended the stream (returned again on every call).
    /// Zero-length frames are skipped and counted ([`FrameDecoder::empty_frames`]).
    pub fn decode(&mut self) -> Result<Option<&mut [u8]>, FramingError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        loop {
            if self.end - self.start < PREFIX_LEN {
                return Ok(None);
            }
            let length = usize::from(u16::from_be_bytes([
                self.buf[self.start],
                self.buf[self.start + 1],
            ]));
            if length == 0 {
                self.start += PREFIX_LEN;
                self.empty_frames += 1;
                self.reset_if_empty();
                continue;
            }
            if length > self.max_frame {
                let error = FramingError::FrameTooLarge {
                    length,
                    max: self.max_frame,
                };
                self.failed = Some(error);
                return Err(error);
            }
            let body = self.start + PREFIX_LEN;
            if self.end - body < length {
                return Ok(None);
            }
            self.start = body + length;
            self.frames += 1;
            if self.start == self.end {
                // Everything taken: the next read starts at the front, with no copy.
                self.start = 0;
                self.end = 0;
            }
            return Ok(self.buf.get_mut(body..body + length));
        }
    }

    fn reset_if_empty(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Bytes read but not yet decoded: a partial frame (or prefix) when non-zero after
    /// [`FrameDecoder::decode`] returned `Ok(None)`.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Complete non-empty frames decoded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Zero-length frames skipped so far.
    pub fn empty_frames(&self) -> u64 {
        self.empty_frames
    }

    /// The framing error that ended the stream, if one did.
    pub fn error(&self) -> Option<FramingError> {
        self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(packets: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in packets {
            encode_frame(p, &mut out).unwrap();
        }
        out
    }

    fn drain(decoder: &mut FrameDecoder) -> Result<Vec<Vec<u8>>, FramingError> {
        let mut frames = Vec::new();
        while let Some(frame) = decoder.decode()? {
            frames.push(frame.to_vec());
        }
        Ok(frames)
    }

    #[test]
    fn prefix_is_big_endian_and_bounded() {
        assert_eq!(frame_prefix(0x0102), Ok([0x01, 0x02]));
        assert_eq!(frame_prefix(65_535), Ok([0xff, 0xff]));
        assert_eq!(
            frame_prefix(65_536),
            Err(FramingError::PacketTooLarge(65_536))
        );
        let mut out = vec![7];
        encode_frame(&[1, 2, 3], &mut out).unwrap();
        assert_eq!(out, [7, 0, 3, 1, 2, 3]);
    }

    #[test]
    fn many_frames_in_one_read_and_zero_length_skipped() {
        let stream = framed(&[&[1, 2, 3], &[], &[4], &[], &[]]);
        let mut d = FrameDecoder::new(100, 64);
        assert_eq!(d.push(&stream), stream.len());
        assert_eq!(drain(&mut d).unwrap(), vec![vec![1, 2, 3], vec![4]]);
        assert_eq!((d.frames(), d.empty_frames(), d.buffered()), (2, 3, 0));
    }

    #[test]
    fn a_frame_byte_by_byte() {
        let packet: Vec<u8> = (0..=255).collect();
        let stream = framed(&[&packet, &[9, 9]]);
        let mut d = FrameDecoder::new(300, 1);
        let mut got = Vec::new();
        for &b in &stream {
            assert_eq!(d.push(&[b]), 1);
            got.extend(drain(&mut d).unwrap());
        }
        assert_eq!(got, vec![packet, vec![9, 9]]);
        assert_eq!(d.capacity(), 2 + 300 + 1);
    }

    #[test]
    fn the_largest_frame_fits_with_a_read_behind_it() {
        let big = vec![0xab; MAX_FRAME];
        let stream = framed(&[&[1], &big, &[2]]);
        let mut d = FrameDecoder::new(u16::MAX, 1000);
        let mut got = Vec::new();
        let mut rest = &stream[..];
        while !rest.is_empty() {
            let chunk = &rest[..rest.len().min(1000)];
            let n = d.push(chunk);
            assert!(n > 0, "the decoder always has room after a drain");
            rest = &rest[n..];
            got.extend(drain(&mut d).unwrap());
            assert!(d.buffered() < 2 + MAX_FRAME);
        }
        assert_eq!(got, vec![vec![1], big, vec![2]]);
        assert_eq!(d.capacity(), 2 + MAX_FRAME + 1000);
    }

    #[test]
    fn an_oversized_prefix_ends_the_stream() {
        let mut d = FrameDecoder::new(1500, 64);
        d.push(&framed(&[&[5; 10]]));
        d.push(&[0x05, 0xdd, 0, 0]); // 1501
        assert_eq!(d.decode().unwrap().map(|f| f.len()), Some(10));
        let error = FramingError::FrameTooLarge {
            length: 1501,
            max: 1500,
        };
        assert_eq!(d.decode(), Err(error));
        assert_eq!(d.decode(), Err(error));
        assert_eq!(d.error(), Some(error));
        assert!(d.read_space().is_empty());
        assert_eq!(d.push(&[0, 1, 2]), 0);
    }

    #[test]
    fn a_partial_frame_waits() {
        let mut d = FrameDecoder::new(u16::MAX, 16);
        d.push(&[0xff, 0xff, 1, 2, 3]);
        assert_eq!(d.decode(), Ok(None));
        assert_eq!(d.buffered(), 5);
        d.push(&[0]);
        assert_eq!(d.decode(), Ok(None));
        assert_eq!(d.buffered(), 6);
    }
}
