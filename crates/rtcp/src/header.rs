//! The common RTCP header (RFC 3550 §6.4.1) and the packet type numbers.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|  count  |      PT       |             length            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::{Error, Result};

/// RTCP packet type numbers (IANA "RTP Control Protocol (RTCP) Control Packet Types").
pub mod packet_type {
    /// Sender report (RFC 3550 §6.4.1).
    pub const SR: u8 = 200;
    /// Receiver report (RFC 3550 §6.4.2).
    pub const RR: u8 = 201;
    /// Source description (RFC 3550 §6.5).
    pub const SDES: u8 = 202;
    /// Goodbye (RFC 3550 §6.6).
    pub const BYE: u8 = 203;
    /// Application-defined (RFC 3550 §6.7).
    pub const APP: u8 = 204;
    /// Transport-layer feedback (RFC 4585 §6.2).
    pub const RTPFB: u8 = 205;
    /// Payload-specific feedback (RFC 4585 §6.3).
    pub const PSFB: u8 = 206;
    /// Extended report (RFC 3611 §2).
    pub const XR: u8 = 207;
}

/// The fixed first 32 bits of every RTCP packet (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// P: the packet ends with padding whose last octet counts it.
    pub padding: bool,
    /// The 5-bit field after P: report count, source count, subtype or FMT by packet type.
    pub count: u8,
    /// PT.
    pub packet_type: u8,
    /// length: the packet's size in 32-bit words minus one, header included.
    pub length: u16,
}

impl Header {
    /// Size of the header in bytes.
    pub const SIZE: usize = 4;

    /// Reads the header at the front of `bytes`; checks the version only.
    #[inline]
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let [b0, packet_type, l0, l1] = match bytes.get(..4) {
            Some(&[a, b, c, d]) => [a, b, c, d],
            _ => {
                return Err(Error::Truncated {
                    what: "RTCP header",
                    needed: 4,
                    got: bytes.len(),
                });
            }
        };
        let version = b0 >> 6;
        if version != 2 {
            return Err(Error::UnsupportedVersion { version });
        }
        Ok(Self {
            padding: b0 & 0x20 != 0,
            count: b0 & 0x1f,
            packet_type,
            length: u16::from_be_bytes([l0, l1]),
        })
    }

    /// The packet's size in bytes according to the length field.
    pub fn packet_size(&self) -> usize {
        (usize::from(self.length) + 1) * 4
    }
}

/// Checks that `packet` is exactly one packet of type `expected` and returns its header and
/// its body: the bytes between the header and the padding.
#[inline]
pub(crate) fn split(packet: &[u8], expected: u8) -> Result<(Header, &[u8])> {
    let header = Header::parse(packet)?;
    if header.packet_type != expected {
        return Err(Error::WrongPacketType {
            expected,
            got: header.packet_type,
        });
    }
    let body = body(packet, &header)?;
    Ok((header, body))
}

/// The body of `packet` whose header is `header`: length checked, padding removed.
#[inline]
pub(crate) fn body<'a>(packet: &'a [u8], header: &Header) -> Result<&'a [u8]> {
    let declared = header.packet_size();
    if declared > packet.len() {
        return Err(Error::LengthPastEnd {
            declared,
            available: packet.len(),
        });
    }
    if declared < packet.len() {
        return Err(Error::LengthMismatch {
            declared,
            actual: packet.len(),
        });
    }
    let after = packet.get(Header::SIZE..).unwrap_or(&[]);
    if !header.padding {
        return Ok(after);
    }
    let count = after.last().copied().unwrap_or(0);
    if count == 0 || usize::from(count) > after.len() {
        return Err(Error::InvalidPadding {
            count,
            available: after.len(),
        });
    }
    Ok(after.get(..after.len() - usize::from(count)).unwrap_or(&[]))
}
