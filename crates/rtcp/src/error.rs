//! The crate's one error type.

/// Everything that can be wrong with an RTCP packet being parsed or written.
///
/// Every variant names what was wrong and carries the numbers that show it, so a log line
/// is enough to see why a peer's packet was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than the structure being read needs.
    #[error("{what}: truncated, needed {needed} bytes, got {got}")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes needed (counted from the start of that structure).
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The version field is not 2 (RFC 3550 §6.4.1).
    #[error("RTCP version {version}, expected 2")]
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// The header's length field points past the end of the datagram.
    #[error("length field says {declared} bytes, only {available} remain")]
    LengthPastEnd {
        /// Bytes the length field declares (header included).
        declared: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// A single packet was parsed from a slice longer than its length field says.
    #[error("length field says {declared} bytes, the packet slice has {actual}")]
    LengthMismatch {
        /// Bytes the length field declares (header included).
        declared: usize,
        /// Bytes in the slice.
        actual: usize,
    },
    /// The padding bit is set but the last byte's padding count is 0 or larger than the
    /// packet body (RFC 3550 §6.4.1).
    #[error("padding count {count} invalid for {available} bytes after the header")]
    InvalidPadding {
        /// The padding count (last byte of the packet).
        count: u8,
        /// Bytes after the 4-byte header.
        available: usize,
    },
    /// The packet type is not the one the parser handles.
    #[error("packet type {got}, expected {expected}")]
    WrongPacketType {
        /// The packet type this parser reads.
        expected: u8,
        /// The packet type found.
        got: u8,
    },
    /// The feedback message type (FMT, RFC 4585 §6.1) is not the one the parser handles.
    #[error("feedback type {got} in packet type {packet_type}, expected {expected}")]
    WrongFormat {
        /// The packet type (205 or 206).
        packet_type: u8,
        /// The FMT this parser reads.
        expected: u8,
        /// The FMT found.
        got: u8,
    },
    /// A count field (report count, source count, ...) asks for more than the packet holds.
    #[error("{what}: count {count} needs {needed} bytes, {got} available")]
    CountTooLarge {
        /// What is being counted.
        what: &'static str,
        /// The count field's value.
        count: usize,
        /// Bytes those entries need.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// An SDES item's length runs past the end of its chunk (RFC 3550 §6.5).
    #[error("SDES item type {item_type} needs {needed} bytes, the chunk has {got}")]
    SdesItemPastChunk {
        /// The item type.
        item_type: u8,
        /// Bytes the item needs from its type octet.
        needed: usize,
        /// Bytes left in the packet.
        got: usize,
    },
    /// An SDES chunk's item list is not ended by a null octet (RFC 3550 §6.5).
    #[error("SDES chunk for SSRC {ssrc:#010x} has no terminating null item")]
    SdesMissingTerminator {
        /// The chunk's SSRC/CSRC.
        ssrc: u32,
    },
    /// A PRIV item's prefix length runs past the item (RFC 3550 §6.5.8).
    #[error("SDES PRIV prefix of {prefix} bytes in an item of {length}")]
    SdesPrivPrefix {
        /// The prefix length octet.
        prefix: usize,
        /// The item's length octet.
        length: usize,
    },
    /// A BYE reason's length octet runs past the end of the packet (RFC 3550 §6.6).
    #[error("BYE reason of {length} bytes, {got} available")]
    ByeReasonPastEnd {
        /// The length octet.
        length: usize,
        /// Bytes after the length octet.
        got: usize,
    },
    /// An XR report block's length field runs past the packet (RFC 3611 §3).
    #[error("XR block type {block_type}: length says {declared} bytes, {available} remain")]
    XrBlockPastEnd {
        /// The block type.
        block_type: u8,
        /// Bytes the block length declares (block header included).
        declared: usize,
        /// Bytes left in the packet.
        available: usize,
    },
    /// An XR report block of a fixed-size type has the wrong length (RFC 3611 §4).
    #[error("XR block type {block_type}: {length} bytes, this type is {expected}")]
    XrBlockSize {
        /// The block type.
        block_type: u8,
        /// Bytes the block length declares (block header included).
        length: usize,
        /// Bytes this block type has.
        expected: usize,
    },
    /// A feedback message's FCI has a size its type does not allow (RFC 4585 §6.1).
    #[error("feedback type {fmt} in packet type {packet_type}: FCI of {length} bytes is invalid")]
    FciSize {
        /// The packet type (205 or 206).
        packet_type: u8,
        /// The feedback message type.
        fmt: u8,
        /// The FCI size in bytes.
        length: usize,
    },
    /// A REMB's SSRC count does not match its FCI (draft-alvestrand-rmcat-remb-03 §2.2).
    #[error("REMB lists {declared} SSRCs, the FCI holds {available}")]
    RembSsrcCount {
        /// The Num SSRC field.
        declared: usize,
        /// SSRCs that fit in the FCI.
        available: usize,
    },
    /// A transport-cc packet status chunk uses the reserved symbol 11
    /// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).
    #[error("transport-cc status symbol 3 (reserved) for packet {index}")]
    ReservedStatusSymbol {
        /// The packet's index after the base sequence number.
        index: usize,
    },
    /// Too many entries for the field that counts them (a 5-bit count, an 8-bit count...).
    #[error("{what}: {count} entries, at most {max}")]
    TooMany {
        /// What is being counted.
        what: &'static str,
        /// Entries given.
        count: usize,
        /// The most the field can count.
        max: usize,
    },
    /// A variable-length value is longer than its length field can say.
    #[error("{what}: {len} bytes, at most {max}")]
    TooLong {
        /// The value.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The most its length field allows.
        max: usize,
    },
    /// A value that must be a whole number of 32-bit words is not.
    #[error("{what}: {len} bytes is not a multiple of 4")]
    Unaligned {
        /// The value.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A number does not fit the field it is written to.
    #[error("{what}: {value} does not fit its field")]
    OutOfRange {
        /// The field.
        what: &'static str,
        /// The value given.
        value: u64,
    },
    /// The caller's buffer is too small for the packet being written.
    #[error("buffer of {got} bytes, the packet needs {needed}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes in the buffer.
        got: usize,
    },
    /// A compound packet holds no packet at all (RFC 3550 §6.1).
    #[error("empty compound packet")]
    EmptyCompound,
    /// A compound packet does not begin with an SR or RR (RFC 3550 §6.1, A.2) and
    /// reduced-size RTCP (RFC 5506) is not enabled.
    #[error("compound packet begins with packet type {packet_type}, not SR or RR")]
    FirstNotReport {
        /// The first packet's type.
        packet_type: u8,
    },
    /// A packet other than the last of a compound has its padding bit set
    /// (RFC 3550 §6.4.1, A.2).
    #[error("packet {index} of the compound is padded but is not the last")]
    PaddingNotLast {
        /// The packet's position, from 0.
        index: usize,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
