//! The crate's error type: one variant per way an RTP packet, header extension or value can
//! be wrong.

use crate::extension::ExtensionForm;

/// Everything that can go wrong when parsing or writing RTP packets (RFC 3550 §5.1, RFC 3550
/// Appendix A.1) and RFC 8285 header extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The datagram is shorter than the 12-byte fixed header (RFC 3550 §5.1).
    #[error("RTP fixed header truncated: needed {needed} bytes, got {got}")]
    TruncatedHeader {
        /// Bytes the fixed header needs (12).
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1, A.1).
    #[error("RTP version {version} is not 2")]
    UnsupportedVersion {
        /// The version found in the first two bits.
        version: u8,
    },
    /// The CSRC count says more identifiers than the datagram holds (RFC 3550 A.1).
    #[error("RTP CSRC list truncated: {count} CSRCs need {needed} header bytes, got {got}")]
    TruncatedCsrcList {
        /// The CC field.
        count: u8,
        /// Bytes the fixed header plus CSRC list need.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The X bit is set but the extension header or its data run past the datagram
    /// (RFC 3550 §5.3.1).
    #[error("RTP header extension truncated: needed {needed} bytes, got {got}")]
    TruncatedExtension {
        /// Bytes the header up to the end of the extension needs.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The P bit is set but the padding count octet is zero; the count includes itself, so it
    /// is at least 1 (RFC 3550 §5.1).
    #[error("RTP padding bit set but the padding count is zero")]
    ZeroPaddingLength,
    /// The padding count is larger than the bytes after the header (RFC 3550 A.1).
    #[error("RTP padding of {padding} bytes exceeds the {available} bytes after the header")]
    PaddingTooLong {
        /// The padding count from the last octet.
        padding: u8,
        /// Bytes after the header (payload plus padding).
        available: usize,
    },
    /// A buffer to write into is too small.
    #[error("buffer too small: needed {needed} bytes, got {got}")]
    BufferTooSmall {
        /// Bytes the write needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// More than 15 CSRCs were given (the CC field has four bits, RFC 3550 §5.1).
    #[error("{count} CSRCs given, at most 15 fit in an RTP header")]
    TooManyCsrcs {
        /// The number of CSRCs given.
        count: usize,
    },
    /// A payload type above 127 (the PT field has seven bits, RFC 3550 §5.1).
    #[error("payload type {value} does not fit in seven bits")]
    InvalidPayloadType {
        /// The rejected value.
        value: u8,
    },
    /// The header extension does not use an RFC 8285 profile (0xBEDE or 0x100x), so it has no
    /// elements to read or write.
    #[error(
        "header extension profile {profile:#06x} is not an RFC 8285 one-byte or two-byte profile"
    )]
    NotRfc8285 {
        /// The "defined by profile" field.
        profile: u16,
    },
    /// An extension element's length runs past the extension block (RFC 8285 §4.2, §4.3).
    #[error("header extension element {id} truncated: needed {needed} bytes, got {got}")]
    TruncatedExtensionElement {
        /// The element's ID.
        id: u8,
        /// Bytes the element needs.
        needed: usize,
        /// Bytes left in the block.
        got: usize,
    },
    /// An element ID not allowed in the form: 0 in either form when writing, 15 in the
    /// one-byte form (RFC 8285 §4.2, §4.3).
    #[error("extension ID {id} is not usable in the {form:?} form")]
    InvalidExtensionId {
        /// The rejected ID.
        id: u8,
        /// The form it was used with.
        form: ExtensionForm,
    },
    /// Element data of a length the form cannot carry: 1–16 bytes in the one-byte form,
    /// 0–255 in the two-byte form (RFC 8285 §4.2, §4.3).
    #[error("extension element {id} of {len} bytes does not fit the {form:?} form")]
    InvalidExtensionLength {
        /// The element's ID.
        id: u8,
        /// The data length given.
        len: usize,
        /// The form it was used with.
        form: ExtensionForm,
    },
    /// The extension block would exceed 65535 32-bit words (RFC 3550 §5.3.1).
    #[error("header extension of {len} bytes exceeds the 16-bit length field")]
    ExtensionTooLong {
        /// The block length in bytes.
        len: usize,
    },
    /// A typed extension value had data of the wrong size.
    #[error("{name} extension value needs {expected} bytes, got {got}")]
    ExtensionValueLength {
        /// The value's name.
        name: &'static str,
        /// The length the value's specification defines.
        expected: usize,
        /// The length found.
        got: usize,
    },
    /// A typed extension value is outside its field's range (e.g. a playout delay above
    /// 4095 × 10 ms, an audio level above 127 -dBov).
    #[error("{name} value {value} is outside 0..={max}")]
    ExtensionValueRange {
        /// The value's name.
        name: &'static str,
        /// The rejected value.
        value: u32,
        /// The largest allowed value.
        max: u32,
    },
    /// An `extmap` ID of 0, which RFC 8285 §4 reserves for padding.
    #[error("extmap ID {id} is out of range")]
    ExtmapIdOutOfRange {
        /// The rejected ID.
        id: u8,
    },
    /// The `extmap` ID is already mapped to another URI (RFC 8285 §5).
    #[error("extmap ID {id} is already in use")]
    ExtmapIdInUse {
        /// The ID.
        id: u8,
    },
    /// An RTP clock rate of zero Hz.
    #[error("an RTP clock rate cannot be zero")]
    ZeroClockRate,
    /// A raw header extension whose data is not a whole number of 32-bit words
    /// (RFC 3550 §5.3.1).
    #[error("header extension data of {len} bytes is not a multiple of 4")]
    ExtensionNotWordAligned {
        /// The data length given.
        len: usize,
    },
    /// A second header extension was started; an RTP packet has at most one
    /// (RFC 3550 §5.3.1).
    #[error("the packet already has a header extension")]
    ExtensionAlreadyWritten,
    /// A payload format (G.711, Opus, VP8, VP9 ...) rejected its input; see
    /// [`crate::payload::PayloadError`] for the reason.
    #[error(transparent)]
    Payload(#[from] crate::payload::PayloadError),
}
