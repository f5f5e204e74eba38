//! Feed arbitrary bytes to the RFC 4571 frame decoder in chunks the input chooses and compare
//! with an independent reading of the whole stream at once: the same frames in the same order,
//! the same zero-length count, the same error, and never more memory than its fixed buffer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rtp_packet::framing::{FrameDecoder, FramingError};

/// Reads the whole stream in one go: each frame is a big-endian 16-bit length and that many
/// bytes; zero-length frames carry nothing; a length above `max` ends the stream; an
/// incomplete frame at the end is left unread.
fn reference(stream: &[u8], max: usize) -> (Vec<&[u8]>, u64, Option<FramingError>) {
    let (mut frames, mut empty, mut at) = (Vec::new(), 0, 0);
    while stream.len() - at >= 2 {
        let length = (usize::from(stream[at]) << 8) | usize::from(stream[at + 1]);
        if length == 0 {
            empty += 1;
            at += 2;
            continue;
        }
        if length > max {
            return (
                frames,
                empty,
                Some(FramingError::FrameTooLarge { length, max }),
            );
        }
        if stream.len() - at - 2 < length {
            break;
        }
        frames.push(&stream[at + 2..at + 2 + length]);
        at += 2 + length;
    }
    (frames, empty, None)
}

fuzz_target!(|data: &[u8]| {
    // Header: the maximum frame (2 bytes), the read size (1 byte), and the chunk pattern
    // (1 byte: the chunk lengths cycle through 1 ..= pattern + 1).
    let [m0, m1, read, pattern, stream @ ..] = data else {
        return;
    };
    let max = u16::from_be_bytes([*m0, *m1]);
    let read_size = usize::from(*read).max(1);
    let mut decoder = FrameDecoder::new(max, read_size);
    let capacity = decoder.capacity();
    assert_eq!(capacity, 2 + usize::from(max) + read_size);

    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut error = None;
    let mut rest = stream;
    let mut step = 0usize;
    while !rest.is_empty() {
        step = step % (usize::from(*pattern) + 1) + 1;
        let n = decoder.push(&rest[..rest.len().min(step)]);
        rest = &rest[n..];
        loop {
            match decoder.decode() {
                Ok(Some(frame)) => got.push(frame.to_vec()),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        assert!(decoder.buffered() <= capacity);
        if error.is_some() {
            assert_eq!(
                decoder.push(rest),
                0,
                "nothing is read after a framing error"
            );
            break;
        }
        // Drained: a partial frame leaves room for at least one read.
        assert!(decoder.buffered() < 2 + usize::from(max).max(1));
        assert!(n > 0 || step == 0, "a drained decoder always takes bytes");
    }
    let (frames, empty, expected_error) = reference(stream, usize::from(max));
    assert_eq!(error, expected_error);
    assert_eq!(got.len(), frames.len());
    assert!(got.iter().zip(&frames).all(|(a, b)| a == b));
    assert_eq!(decoder.frames(), frames.len() as u64);
    assert_eq!(decoder.empty_frames(), empty);
});
