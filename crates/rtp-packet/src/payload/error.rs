//! The error type of the payload formats.

use thiserror::Error;

/// What was wrong with a payload, a descriptor or a request to build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The input ended before a field it announces.
    #[error("payload truncated: needed {needed} octets, got {got}")]
    Truncated {
        /// Octets needed to read the next field.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// The caller's output buffer is too small.
    #[error("output buffer too small: needed {needed} octets, got {got}")]
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// A field to be written does not fit its width on the wire.
    #[error("{field} value {value} does not fit its field")]
    FieldOutOfRange {
        /// The field's name in its RFC.
        field: &'static str,
        /// The value given.
        value: u32,
    },
    /// A frame to packetize has no data.
    #[error("cannot packetize an empty frame")]
    EmptyFrame,
    /// The MTU leaves no room for frame data after the payload descriptor.
    #[error("MTU of {mtu} octets too small: at least {needed} needed")]
    MtuTooSmall {
        /// The MTU given.
        mtu: usize,
        /// The smallest usable MTU for this descriptor.
        needed: usize,
    },
    /// A packet's payload is larger than the reassembler accepts.
    #[error("payload of {len} octets exceeds the limit of {max}")]
    PayloadTooLarge {
        /// The payload's length after its descriptor.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A frame duration is not a whole number of ticks of the codec's clock.
    #[error("{nanos} ns is not a whole number of {clock_rate} Hz clock ticks")]
    DurationNotWholeTicks {
        /// The duration given, in nanoseconds.
        nanos: u128,
        /// The clock rate in Hz.
        clock_rate: u32,
    },
    /// A frame duration has more ticks than a 32-bit RTP timestamp can count.
    #[error("{nanos} ns at {clock_rate} Hz does not fit a 32-bit timestamp increment")]
    DurationTooLong {
        /// The duration given, in nanoseconds.
        nanos: u128,
        /// The clock rate in Hz.
        clock_rate: u32,
    },
    /// An Opus packet without even a TOC byte (RFC 6716 §3.4, R1).
    #[error("empty Opus packet")]
    OpusEmpty,
    /// An Opus frame longer than 1275 octets (RFC 6716 §3.4, R2).
    #[error("Opus frame of {len} octets exceeds 1275")]
    OpusFrameTooLong {
        /// The frame's length.
        len: usize,
    },
    /// A code 1 Opus packet whose frame data does not split in two equal halves
    /// (RFC 6716 §3.4, R3).
    #[error("code 1 Opus packet with {len} octets of frame data, not an even number")]
    OpusUnequalHalves {
        /// Octets after the TOC byte.
        len: usize,
    },
    /// Opus frame lengths add up to more than the packet holds (RFC 6716 §3.4, R4 and R7).
    #[error("Opus frame lengths of {declared} octets exceed the {available} available")]
    OpusFrameExceedsPacket {
        /// Octets the coded frame lengths announce.
        declared: usize,
        /// Octets of frame data in the packet.
        available: usize,
    },
    /// A code 3 Opus packet with a frame count of zero (RFC 6716 §3.4, R5).
    #[error("code 3 Opus packet with no frames")]
    OpusNoFrames,
    /// A code 3 Opus packet longer than 120 ms (RFC 6716 §3.4, R5).
    #[error("Opus packet of {samples} samples at 48 kHz exceeds 120 ms")]
    OpusTooLong {
        /// The packet's duration in 48 kHz samples.
        samples: u32,
    },
    /// Opus padding longer than the rest of the packet (RFC 6716 §3.4, R6 and R7).
    #[error("Opus padding of {padding} octets exceeds the {available} available")]
    OpusPaddingExceedsPacket {
        /// Padding octets announced.
        padding: usize,
        /// Octets left after the padding length.
        available: usize,
    },
    /// A constant-bitrate code 3 Opus packet whose frame data does not divide evenly
    /// among its frames (RFC 6716 §3.4, R6).
    #[error("{len} octets of Opus frame data do not divide among {frames} frames")]
    OpusCbrNotDivisible {
        /// Octets of frame data.
        len: usize,
        /// Number of frames.
        frames: usize,
    },
    /// A telephone-event payload whose length is not a whole number of 4-octet event
    /// reports (RFC 4733 §2.3).
    #[error("telephone-event payload of {len} octets is not a whole number of 4-octet reports")]
    TelephoneEventLength {
        /// The payload's length.
        len: usize,
    },
    /// A comfort-noise payload whose level octet has its reserved top bit set (RFC 3389
    /// §3.1).
    #[error("comfort-noise level octet {octet:#04x} has its reserved bit set")]
    ComfortNoiseReservedBit {
        /// The first octet of the payload.
        octet: u8,
    },
    /// A VP9 descriptor in flexible mode without a picture ID (RFC 9628 §4.2: I is
    /// required when F = 1).
    #[error("VP9 flexible mode without a picture ID")]
    Vp9FlexibleWithoutPictureId,
    /// A fourth VP9 reference index announced by N = 1 on the third (RFC 9628 §4.2).
    #[error("more than 3 VP9 reference indices")]
    Vp9TooManyReferences,
    /// VP9 reference indices given where the descriptor cannot carry them, or missing
    /// where it must: they are sent exactly when F = 1 and P = 1 (RFC 9628 §4.2).
    #[error("VP9 reference indices must be present exactly when F = 1 and P = 1")]
    Vp9ReferencesMismatch,
    /// A VP9 TL0PICIDX given where the descriptor cannot carry it, or missing where it
    /// must: it is sent exactly when F = 0 and L = 1 (RFC 9628 §4.2).
    #[error("VP9 TL0PICIDX must be present exactly when F = 0 and L = 1")]
    Vp9Tl0PicIdxMismatch,
    /// A VP9 scalability structure whose resolution list does not have one entry per
    /// spatial layer (RFC 9628 §4.2.1).
    #[error("VP9 scalability structure with {layers} spatial layers but {resolutions} resolutions")]
    Vp9ResolutionCount {
        /// Spatial layers (N_S + 1).
        layers: usize,
        /// Resolutions given.
        resolutions: usize,
    },
    /// An H.264 byte stream that does not start with a start code (ITU-T H.264 Annex B).
    #[error("H.264 input does not start with an Annex B start code")]
    H264NotAnnexB,
    /// An H.264 NAL unit of no octets: given to the packetizer, or announced by a STAP-A
    /// size of zero (RFC 6184 §5.7.1).
    #[error("zero-length H.264 NAL unit")]
    H264EmptyNal,
    /// A NAL unit whose type RFC 6184 takes for its packet structures (24 to 29) or
    /// reserves (0, 30, 31; §5.4), where a NAL unit is expected: given to the packetizer,
    /// aggregated in a STAP-A or fragmented in an FU-A.
    #[error("H.264 type {nal_type} where a NAL unit is expected")]
    H264PacketTypeAsNal {
        /// The NAL unit type.
        nal_type: u8,
    },
    /// An interleaved-mode payload (STAP-B 25, MTAP16 26, MTAP24 27, FU-B 29): only
    /// packetization modes 0 and 1 are supported (RFC 6184 §6.2, §6.3).
    #[error("H.264 packet type {packet_type} belongs to the unsupported interleaved mode")]
    H264InterleavedUnsupported {
        /// The payload's type.
        packet_type: u8,
    },
    /// A payload of type 0, 30 or 31, reserved by RFC 6184 §5.4.
    #[error("H.264 payload of reserved type {nal_type}")]
    H264ReservedType {
        /// The payload's type.
        nal_type: u8,
    },
    /// A STAP-A NAL unit size past the end of the payload (RFC 6184 §5.7.1).
    #[error("STAP-A NAL unit of {declared} octets, only {available} left")]
    H264StapLength {
        /// The size the STAP-A announces.
        declared: usize,
        /// Octets left in the payload.
        available: usize,
    },
    /// An FU-A header with both the start and end bits set (RFC 6184 §5.8).
    #[error("FU-A with both start and end bits set")]
    H264FuStartAndEnd,
    /// The FU-As of a complete access unit do not chain: a fragment without its NAL
    /// unit's start, a start before the previous NAL unit ended, a NAL unit never ended,
    /// or fragments of one NAL unit naming different types (RFC 6184 §5.8).
    #[error("H.264 fragmentation units do not chain into whole NAL units")]
    H264BrokenFragments,
    /// Packetization mode 0 sends every NAL unit in one packet, and this one does not fit
    /// the MTU (RFC 6184 §6.2).
    #[error("H.264 NAL unit of {len} octets exceeds the {mtu}-octet MTU in single NAL unit mode")]
    H264NalTooLarge {
        /// The NAL unit's length.
        len: usize,
        /// The MTU.
        mtu: usize,
    },
    /// An H.264 fmtp parameter (RFC 6184 §8.1) whose value cannot be read.
    #[error("invalid value for the H.264 fmtp parameter {parameter}")]
    H264FmtpValue {
        /// The parameter's name.
        parameter: &'static str,
    },
}
