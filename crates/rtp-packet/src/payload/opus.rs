//! Opus audio (RFC 7587): the RTP clock and the packet framing of RFC 6716 §3.
//!
//! The RTP clock of Opus is always 48 000 Hz whatever the audio bandwidth actually encoded
//! (RFC 7587 §4.1), so the RTP timestamp of a packet advances by its duration in 48 kHz
//! samples, which [`OpusPacket::duration`] gives. One RTP packet carries exactly one Opus
//! packet (RFC 7587 §4.2): a table-of-contents (TOC) byte and one or more frames.

use core::time::Duration;

use super::PayloadError;
use crate::ClockRate;

/// Rate of the Opus RTP clock in Hz, for every bandwidth and frame size (RFC 7587 §4.1).
pub const CLOCK_RATE: ClockRate = ClockRate::OPUS;
/// Largest size of one compressed Opus frame in octets (RFC 6716 §3.2.1, requirement R2).
pub const MAX_FRAME_LEN: usize = 1275;
/// Largest duration of one Opus packet, 120 ms, in 48 kHz samples (RFC 6716 §3.2.5, R5).
pub const MAX_PACKET_SAMPLES: u32 = 5760;
/// Largest number of frames in one packet: 120 ms of 2.5 ms frames (RFC 6716 §3.2.5).
pub const MAX_FRAMES: usize = 48;

/// Coding mode of an Opus frame (RFC 6716 §3.1, Table 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// SILK-only (linear prediction), configurations 0–11.
    Silk,
    /// SILK and CELT together, configurations 12–15.
    Hybrid,
    /// CELT-only (MDCT), configurations 16–31.
    Celt,
}

/// Audio bandwidth of an Opus frame (RFC 6716 §2, Table 1; §3.1, Table 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bandwidth {
    /// Narrowband, 4 kHz audio bandwidth (8 kHz effective sample rate).
    Narrowband,
    /// Medium-band, 6 kHz audio bandwidth (12 kHz effective sample rate).
    Mediumband,
    /// Wideband, 8 kHz audio bandwidth (16 kHz effective sample rate).
    Wideband,
    /// Super-wideband, 12 kHz audio bandwidth (24 kHz effective sample rate).
    SuperWideband,
    /// Fullband, 20 kHz audio bandwidth (48 kHz effective sample rate).
    Fullband,
}

/// The frame count code `c` of the TOC byte (RFC 6716 §3.1, §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameCountCode {
    /// Code 0: one frame (§3.2.2).
    One,
    /// Code 1: two frames of equal compressed size (§3.2.3).
    TwoEqual,
    /// Code 2: two frames of different compressed sizes (§3.2.4).
    TwoDifferent,
    /// Code 3: an arbitrary number of frames, counted in a second byte (§3.2.5).
    Arbitrary,
}

/// The table-of-contents byte that starts every Opus packet (RFC 6716 §3.1).
///
/// ```text
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// | config  |s| c |
/// +-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Toc(u8);

impl Toc {
    /// Wraps a TOC byte; every value is a valid TOC.
    pub const fn new(byte: u8) -> Self {
        Self(byte)
    }

    /// The TOC byte as sent.
    pub const fn byte(self) -> u8 {
        self.0
    }

    /// The 5-bit configuration number (0–31) that selects mode, bandwidth and frame size
    /// (RFC 6716 §3.1, Table 2).
    pub const fn config(self) -> u8 {
        self.0 >> 3
    }

    /// The `s` bit: stereo (true) or mono (false) (RFC 6716 §3.1).
    pub const fn stereo(self) -> bool {
        self.0 & 0x04 != 0
    }

    /// The frame count code `c` (RFC 6716 §3.1).
    pub const fn frame_count_code(self) -> FrameCountCode {
        match self.0 & 0x03 {
            0 => FrameCountCode::One,
            1 => FrameCountCode::TwoEqual,
            2 => FrameCountCode::TwoDifferent,
            _ => FrameCountCode::Arbitrary,
        }
    }

    /// Coding mode selected by the configuration (RFC 6716 §3.1, Table 2).
    pub const fn mode(self) -> Mode {
        match self.config() {
            0..=11 => Mode::Silk,
            12..=15 => Mode::Hybrid,
            _ => Mode::Celt,
        }
    }

    /// Audio bandwidth selected by the configuration (RFC 6716 §3.1, Table 2).
    pub const fn bandwidth(self) -> Bandwidth {
        match self.config() {
            0..=3 | 16..=19 => Bandwidth::Narrowband,
            4..=7 => Bandwidth::Mediumband,
            8..=11 | 20..=23 => Bandwidth::Wideband,
            12..=13 | 24..=27 => Bandwidth::SuperWideband,
            _ => Bandwidth::Fullband,
        }
    }

    /// Duration of each frame in 48 kHz samples (RFC 6716 §3.1, Table 2): 120 (2.5 ms),
    /// 240 (5 ms), 480 (10 ms), 960 (20 ms), 1920 (40 ms) or 2880 (60 ms).
    pub const fn frame_samples(self) -> u32 {
        let config = self.config();
        match self.mode() {
            // SILK: 10, 20, 40, 60 ms in each group of four.
            Mode::Silk => [480, 960, 1920, 2880][(config % 4) as usize],
            // Hybrid: 10, 20 ms in each pair.
            Mode::Hybrid => [480, 960][(config % 2) as usize],
            // CELT: 2.5, 5, 10, 20 ms in each group of four.
            Mode::Celt => [120, 240, 480, 960][(config % 4) as usize],
        }
    }
}

/// A validated Opus packet, the whole payload of one RTP packet (RFC 7587 §4.2), borrowed
/// from the input.
///
/// [`OpusPacket::parse`] checks every requirement of RFC 6716 §3.4 (R1–R7): a TOC byte,
/// frames of at most 1275 octets, equal halves for code 1, lengths that fit the packet for
/// code 2 and code 3, at least one frame and at most 120 ms for code 3, padding inside the
/// packet, and a constant-bitrate code 3 payload that divides evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusPacket<'a> {
    toc: Toc,
    frame_count: u8,
    frame_lens: [u16; MAX_FRAMES],
    frames: &'a [u8],
    padding: usize,
}

impl<'a> OpusPacket<'a> {
    /// Parses and validates an Opus packet (RFC 6716 §3.2, §3.4).
    pub fn parse(packet: &'a [u8]) -> Result<Self, PayloadError> {
        let (&toc_byte, rest) = packet.split_first().ok_or(PayloadError::OpusEmpty)?;
        let toc = Toc::new(toc_byte);
        let mut frame_lens = [0u16; MAX_FRAMES];
        let (frame_count, frames, padding) = match toc.frame_count_code() {
            FrameCountCode::One => {
                frame_lens[0] = frame_len(rest.len())?;
                (1, rest, 0)
            }
            FrameCountCode::TwoEqual => {
                if rest.len() % 2 != 0 {
                    return Err(PayloadError::OpusUnequalHalves { len: rest.len() });
                }
                let half = frame_len(rest.len() / 2)?;
                frame_lens[0] = half;
                frame_lens[1] = half;
                (2, rest, 0)
            }
            FrameCountCode::TwoDifferent => {
                let (first, data) = read_frame_len(rest)?;
                let second = data.len().checked_sub(usize::from(first)).ok_or(
                    PayloadError::OpusFrameExceedsPacket {
                        declared: usize::from(first),
                        available: data.len(),
                    },
                )?;
                frame_lens[0] = first;
                frame_lens[1] = frame_len(second)?;
                (2, data, 0)
            }
            FrameCountCode::Arbitrary => parse_code3(toc, rest, &mut frame_lens)?,
        };
        Ok(Self {
            toc,
            frame_count,
            frame_lens,
            frames,
            padding,
        })
    }

    /// The TOC byte (RFC 6716 §3.1).
    pub fn toc(&self) -> Toc {
        self.toc
    }

    /// Number of frames in the packet, 1 to 48 (RFC 6716 §3.2).
    pub fn frame_count(&self) -> usize {
        usize::from(self.frame_count)
    }

    /// Duration of the packet in 48 kHz samples, which is the RTP timestamp increment
    /// (RFC 7587 §4.1, §4.2); at most [`MAX_PACKET_SAMPLES`].
    pub fn duration(&self) -> u32 {
        self.toc.frame_samples() * u32::from(self.frame_count)
    }

    /// Duration of the packet as time.
    pub fn duration_time(&self) -> Duration {
        CLOCK_RATE.ticks_to_duration(u64::from(self.duration()))
    }

    /// Number of padding octets at the end of a code 3 packet (RFC 6716 §3.2.5).
    pub fn padding_len(&self) -> usize {
        self.padding
    }

    /// The compressed frames in order; a frame of length zero is a DTX or lost frame
    /// (RFC 6716 §3.2.1).
    pub fn frames(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let data = self.frames;
        self.frame_lens[..self.frame_count()]
            .iter()
            .scan(0usize, move |offset, &len| {
                let start = *offset;
                *offset = start + usize::from(len);
                data.get(start..*offset)
            })
    }
}

/// Checks a frame length against R2 (RFC 6716 §3.4).
fn frame_len(len: usize) -> Result<u16, PayloadError> {
    if len > MAX_FRAME_LEN {
        return Err(PayloadError::OpusFrameTooLong { len });
    }
    // `len` <= 1275 fits a u16.
    Ok(len as u16)
}

/// Reads a one- or two-octet frame length (RFC 6716 §3.2.1).
fn read_frame_len(data: &[u8]) -> Result<(u16, &[u8]), PayloadError> {
    match data {
        [first @ 0..=251, rest @ ..] => Ok((u16::from(*first), rest)),
        [first, second, rest @ ..] => Ok((u16::from(*second) * 4 + u16::from(*first), rest)),
        _ => Err(PayloadError::Truncated {
            needed: 2,
            got: data.len(),
        }),
    }
}

/// Parses the frame count byte, padding and frame lengths of a code 3 packet
/// (RFC 6716 §3.2.5). Returns the frame count, the frame data and the padding length.
fn parse_code3<'a>(
    toc: Toc,
    rest: &'a [u8],
    frame_lens: &mut [u16; MAX_FRAMES],
) -> Result<(u8, &'a [u8], usize), PayloadError> {
    //  0 1 2 3 4 5 6 7
    // +-+-+-+-+-+-+-+-+
    // |v|p|     M     |
    // +-+-+-+-+-+-+-+-+
    let (&count_byte, mut rest) = rest
        .split_first()
        .ok_or(PayloadError::Truncated { needed: 2, got: 1 })?;
    let vbr = count_byte & 0x80 != 0;
    let padded = count_byte & 0x40 != 0;
    let count = count_byte & 0x3F;
    if count == 0 {
        return Err(PayloadError::OpusNoFrames);
    }
    let samples = toc.frame_samples() * u32::from(count);
    if samples > MAX_PACKET_SAMPLES {
        return Err(PayloadError::OpusTooLong { samples });
    }
    let count_usize = usize::from(count);
    let mut padding = 0usize;
    if padded {
        loop {
            let (&byte, after) = rest
                .split_first()
                .ok_or(PayloadError::Truncated { needed: 1, got: 0 })?;
            rest = after;
            if byte == 255 {
                padding += 254;
            } else {
                padding += usize::from(byte);
                break;
            }
        }
    }
    if vbr {
        for slot in frame_lens.iter_mut().take(count_usize - 1) {
            let (len, after) = read_frame_len(rest)?;
            *slot = len;
            rest = after;
        }
    }
    let data_len =
        rest.len()
            .checked_sub(padding)
            .ok_or(PayloadError::OpusPaddingExceedsPacket {
                padding,
                available: rest.len(),
            })?;
    let data = rest.get(..data_len).unwrap_or_default();
    if vbr {
        let declared: usize = frame_lens[..count_usize - 1]
            .iter()
            .map(|&l| usize::from(l))
            .sum();
        let last = data_len
            .checked_sub(declared)
            .ok_or(PayloadError::OpusFrameExceedsPacket {
                declared,
                available: data_len,
            })?;
        frame_lens[count_usize - 1] = frame_len(last)?;
    } else {
        if data_len % count_usize != 0 {
            return Err(PayloadError::OpusCbrNotDivisible {
                len: data_len,
                frames: count_usize,
            });
        }
        let each = frame_len(data_len / count_usize)?;
        for slot in frame_lens.iter_mut().take(count_usize) {
            *slot = each;
        }
    }
    Ok((count, data, padding))
}
