//! The picture identifier that VP8 and VP9 payload descriptors share
//! (RFC 7741 §4.2, RFC 9628 §4.2).

use super::PayloadError;
use super::wire::{Reader, Writer};

/// A running index of the frames (VP8) or pictures (VP9) of a stream, sent as 7 or 15 bits
/// (RFC 7741 §4.2 "PictureID", RFC 9628 §4.2 "Picture ID").
///
/// ```text
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |M| PictureID   |      M = 0: 7-bit value
/// +-+-+-+-+-+-+-+-+
/// |  (PictureID)  |      M = 1: 15-bit value, second octet present
/// +-+-+-+-+-+-+-+-+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PictureId {
    /// A 7-bit picture ID (M = 0), 0 to 127.
    Short(u8),
    /// A 15-bit picture ID (M = 1), 0 to 32767.
    Long(u16),
}

impl PictureId {
    /// Largest 7-bit value.
    pub const MAX_SHORT: u8 = 0x7F;
    /// Largest 15-bit value.
    pub const MAX_LONG: u16 = 0x7FFF;

    /// The numeric value.
    pub fn value(self) -> u16 {
        match self {
            Self::Short(v) => u16::from(v),
            Self::Long(v) => v,
        }
    }

    /// The following picture ID, wrapping within the same width (RFC 7741 §4.2: "wraps to
    /// 0 after reaching the maximum ID").
    pub fn next(self) -> Self {
        match self {
            Self::Short(v) => Self::Short(v.wrapping_add(1) & Self::MAX_SHORT),
            Self::Long(v) => Self::Long(v.wrapping_add(1) & Self::MAX_LONG),
        }
    }

    /// Octets on the wire: 1 or 2.
    pub(crate) fn wire_len(self) -> usize {
        match self {
            Self::Short(_) => 1,
            Self::Long(_) => 2,
        }
    }

    /// Reads a picture ID.
    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self, PayloadError> {
        let first = reader.u8()?;
        if first & 0x80 == 0 {
            Ok(Self::Short(first))
        } else {
            Ok(Self::Long(
                u16::from(first & 0x7F) << 8 | u16::from(reader.u8()?),
            ))
        }
    }

    /// Checks the value fits its width.
    pub(crate) fn validate(self) -> Result<(), PayloadError> {
        let in_range = match self {
            Self::Short(v) => v <= Self::MAX_SHORT,
            Self::Long(v) => v <= Self::MAX_LONG,
        };
        if in_range {
            Ok(())
        } else {
            Err(PayloadError::FieldOutOfRange {
                field: "picture ID",
                value: u32::from(self.value()),
            })
        }
    }

    /// Writes the picture ID, validated beforehand.
    pub(crate) fn write(self, writer: &mut Writer<'_>) {
        match self {
            Self::Short(v) => writer.u8(v & Self::MAX_SHORT),
            Self::Long(v) => writer.u16(0x8000 | (v & Self::MAX_LONG)),
        }
    }
}
