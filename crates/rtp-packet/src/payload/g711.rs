//! G.711 μ-law (PCMU) and A-law (PCMA) audio (ITU-T G.711; RFC 3551 §4.5.14).
//!
//! Each 8-bit code word stands for one sample of a 8000 Hz signal, so the RTP timestamp
//! advances by one per payload octet and a 20 ms packet carries 160 octets.
//!
//! The coders follow the segment (chord) and step structure of G.711 Tables 1a/1b
//! (μ-law, 14-bit magnitude scale) and 2a/2b (A-law, 13-bit magnitude scale). Linear
//! samples are 16-bit: the low bits below the law's resolution are dropped on encoding and
//! decoding returns the value of the decision interval's midpoint, scaled to 16 bits.

use core::time::Duration;

use super::PayloadError;
use super::sample_clock::ticks_in;
use crate::ClockRate;

/// Sampling rate and RTP clock rate of G.711 (RFC 3551 §4.5.14). Its static payload types
/// are [`PayloadType::PCMU`](crate::PayloadType::PCMU) and
/// [`PayloadType::PCMA`](crate::PayloadType::PCMA).
pub const CLOCK_RATE: ClockRate = ClockRate::NARROWBAND;

/// μ-law bias added to the 14-bit magnitude so segment boundaries fall on powers of two
/// (G.711 §3: the 33 of the 8159 + 33 = 8192 scale).
const ULAW_BIAS: i32 = 33;
/// Largest μ-law magnitude on the 14-bit scale (G.711 Table 2a, decision value 8159).
const ULAW_CLIP: i32 = 8159;

/// Encodes one linear sample as a G.711 μ-law code word (ITU-T G.711 Table 2a/2b).
///
/// The sample is reduced to G.711's 14-bit scale, its magnitude is placed in one of eight
/// segments, and the sign, segment and 4-bit step are inverted as the standard's
/// transmitted character requires. Zero encodes as `0xFF`.
pub fn ulaw_encode(sample: i16) -> u8 {
    let scaled = i32::from(sample) >> 2;
    let (magnitude, sign_mask) = if scaled < 0 {
        (-scaled, 0x7F)
    } else {
        (scaled, 0xFF)
    };
    let biased = magnitude.min(ULAW_CLIP) + ULAW_BIAS;
    // Segment s holds biased magnitudes in [2^(s+5), 2^(s+6)); `biased` is in [33, 8192]
    // and the clipped maximum 8192 maps to the last step of the last segment.
    let segment = (31 - biased.leading_zeros()).saturating_sub(5);
    let code = if segment > 7 {
        0x7F
    } else {
        (segment << 4) as i32 | ((biased >> (segment + 1)) & 0x0F)
    };
    (code ^ sign_mask) as u8
}

/// Decodes a G.711 μ-law code word to a linear sample (ITU-T G.711 Table 2a/2b).
///
/// `0xFF` and `0x7F` (the two zeros) decode to 0; `0x80` to 32124 and `0x00` to -32124.
pub fn ulaw_decode(code: u8) -> i16 {
    let inverted = !code;
    let segment = (inverted >> 4) & 0x07;
    let step = i32::from(inverted & 0x0F);
    // Reconstruct the biased magnitude at the middle of the step, on the 16-bit scale.
    let biased = ((step << 3) + (ULAW_BIAS << 2)) << segment;
    let magnitude = biased - (ULAW_BIAS << 2);
    let value = if inverted & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    // |value| <= 32124 always.
    value as i16
}

/// Encodes one linear sample as a G.711 A-law code word (ITU-T G.711 Table 1a/1b).
///
/// The sample is reduced to G.711's 13-bit scale; the magnitude's segment and step are
/// combined with the sign and even bits are inverted (the 0x55 mask). Zero encodes as
/// `0xD5`.
pub fn alaw_encode(sample: i16) -> u8 {
    let scaled = i32::from(sample) >> 3;
    // A-law has no code for zero: negative values start at -1 on the 13-bit scale.
    let (magnitude, sign_mask) = if scaled >= 0 {
        (scaled, 0xD5)
    } else {
        (-scaled - 1, 0x55)
    };
    // `magnitude` is in [0, 4095]; segments 0 and 1 share one step size.
    let segment = (31 - (magnitude | 1).leading_zeros())
        .saturating_sub(4)
        .min(7);
    let step = if segment == 0 {
        (magnitude >> 1) & 0x0F
    } else {
        (magnitude >> segment) & 0x0F
    };
    let code = (segment << 4) as i32 | step;
    (code ^ sign_mask) as u8
}

/// Decodes a G.711 A-law code word to a linear sample (ITU-T G.711 Table 1a/1b).
///
/// `0xD5` decodes to 8 and `0x55` to -8 (A-law has no zero); `0xAA` to 32256 and `0x2A`
/// to -32256.
pub fn alaw_decode(code: u8) -> i16 {
    let value = code ^ 0x55;
    let segment = (value >> 4) & 0x07;
    let step = i32::from(value & 0x0F) << 4;
    let magnitude = match segment {
        0 => step + 8,
        s => (step + 0x108) << (s - 1),
    };
    let signed = if value & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    };
    // |signed| <= 32256 always.
    signed as i16
}

/// Encodes linear samples into μ-law code words, one per sample, into `out`
/// (ITU-T G.711). Returns the number of octets written.
///
/// Fails with [`PayloadError::BufferTooSmall`] when `out` is shorter than `samples`.
pub fn ulaw_encode_slice(samples: &[i16], out: &mut [u8]) -> Result<usize, PayloadError> {
    map_into(samples, out, ulaw_encode)
}

/// Decodes μ-law code words (an RTP PCMU payload) into linear samples in `out`
/// (ITU-T G.711). Returns the number of samples written.
///
/// Fails with [`PayloadError::BufferTooSmall`] when `out` is shorter than `payload`.
pub fn ulaw_decode_slice(payload: &[u8], out: &mut [i16]) -> Result<usize, PayloadError> {
    map_into(payload, out, ulaw_decode)
}

/// Encodes linear samples into A-law code words, one per sample, into `out`
/// (ITU-T G.711). Returns the number of octets written.
///
/// Fails with [`PayloadError::BufferTooSmall`] when `out` is shorter than `samples`.
pub fn alaw_encode_slice(samples: &[i16], out: &mut [u8]) -> Result<usize, PayloadError> {
    map_into(samples, out, alaw_encode)
}

/// Decodes A-law code words (an RTP PCMA payload) into linear samples in `out`
/// (ITU-T G.711). Returns the number of samples written.
///
/// Fails with [`PayloadError::BufferTooSmall`] when `out` is shorter than `payload`.
pub fn alaw_decode_slice(payload: &[u8], out: &mut [i16]) -> Result<usize, PayloadError> {
    map_into(payload, out, alaw_decode)
}

/// Applies a per-sample coder from `input` into the front of `out`.
fn map_into<I: Copy, O>(
    input: &[I],
    out: &mut [O],
    code: fn(I) -> O,
) -> Result<usize, PayloadError> {
    let got = out.len();
    let out = out
        .get_mut(..input.len())
        .ok_or(PayloadError::BufferTooSmall {
            needed: input.len(),
            got,
        })?;
    for (o, &i) in out.iter_mut().zip(input) {
        *o = code(i);
    }
    Ok(input.len())
}

/// Samples (and payload octets, and RTP timestamp ticks) in a G.711 frame of the given
/// duration (RFC 3551 §4.5.14): 20 ms is 160.
///
/// Fails when the duration is not a whole number of 125 µs sample periods or does not fit
/// a 32-bit timestamp increment.
pub fn samples_per_frame(frame: Duration) -> Result<u32, PayloadError> {
    ticks_in(frame, CLOCK_RATE)
}

/// Duration of a G.711 frame of `samples` samples (RFC 3551 §4.5.14): 160 is 20 ms.
pub fn frame_duration(samples: u32) -> Duration {
    CLOCK_RATE.ticks_to_duration(u64::from(samples))
}
