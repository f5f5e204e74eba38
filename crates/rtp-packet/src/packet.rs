//! The zero-copy RTP packet view (RFC 3550 §5.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                           timestamp                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           synchronization source (SSRC) identifier            |
//! +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//! |            contributing source (CSRC) identifiers             |
//! |                             ....                              |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      defined by profile       |           length              |  (if X)
//! |                        header extension                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                            payload ...    | padding | count   |  (padding if P)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::error::Error;
use crate::extension::HeaderExtension;
use crate::payload_type::PayloadType;
use core::fmt;
use core::iter::FusedIterator;

/// Length of the fixed RTP header (RFC 3550 §5.1).
pub const FIXED_HEADER_LEN: usize = 12;

/// The only RTP version defined (RFC 3550 §5.1).
pub const RTP_VERSION: u8 = 2;

/// A borrowed, validated view of one RTP packet (RFC 3550 §5.1).
///
/// [`RtpPacket::parse`] checks everything RFC 3550 Appendix A.1 asks of a single packet —
/// version 2, the CSRC list and header extension inside the datagram, a padding count that
/// fits after the header — with bounds checks only; the accessors then read the fields in
/// place. Nothing is copied or allocated. The elements of an RFC 8285 header extension are
/// checked when they are read ([`HeaderExtension::elements`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    fixed: &'a [u8; FIXED_HEADER_LEN],
    buf: &'a [u8],
    header_len: usize,
    payload_end: usize,
}

impl<'a> RtpPacket<'a> {
    /// Validates `buf` as one RTP packet and returns a view over it (RFC 3550 §5.1, A.1).
    ///
    /// Each failure has its own [`Error`] variant: a short fixed header, a version other
    /// than 2, a CSRC list or header extension past the end, a zero padding count, or padding
    /// longer than what follows the header.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, Error> {
        let Some((fixed, _)) = buf.split_first_chunk::<FIXED_HEADER_LEN>() else {
            return Err(Error::TruncatedHeader {
                needed: FIXED_HEADER_LEN,
                got: buf.len(),
            });
        };
        let first = fixed[0];
        let version = first >> 6;
        if version != RTP_VERSION {
            return Err(Error::UnsupportedVersion { version });
        }
        let count = first & 0x0f;
        let mut header_len = FIXED_HEADER_LEN + 4 * usize::from(count);
        if buf.len() < header_len {
            return Err(Error::TruncatedCsrcList {
                count,
                needed: header_len,
                got: buf.len(),
            });
        }
        if first & 0x10 != 0 {
            let Some(&[_, _, hi, lo]) = buf.get(header_len..header_len + 4) else {
                return Err(Error::TruncatedExtension {
                    needed: header_len + 4,
                    got: buf.len(),
                });
            };
            header_len += 4 + 4 * usize::from(u16::from_be_bytes([hi, lo]));
            if buf.len() < header_len {
                return Err(Error::TruncatedExtension {
                    needed: header_len,
                    got: buf.len(),
                });
            }
        }
        let mut payload_end = buf.len();
        if first & 0x20 != 0 {
            let padding = buf.last().copied().unwrap_or(0);
            let available = buf.len() - header_len;
            if padding == 0 {
                return Err(Error::ZeroPaddingLength);
            }
            if usize::from(padding) > available {
                return Err(Error::PaddingTooLong { padding, available });
            }
            payload_end -= usize::from(padding);
        }
        Ok(Self {
            fixed,
            buf,
            header_len,
            payload_end,
        })
    }

    /// The version field: always 2 in a parsed packet (RFC 3550 §5.1).
    #[inline]
    pub fn version(&self) -> u8 {
        self.fixed[0] >> 6
    }

    /// The P bit: the packet ends with padding (RFC 3550 §5.1).
    #[inline]
    pub fn padding(&self) -> bool {
        self.fixed[0] & 0x20 != 0
    }

    /// The X bit: a header extension follows the CSRC list (RFC 3550 §5.3.1).
    #[inline]
    pub fn has_extension(&self) -> bool {
        self.fixed[0] & 0x10 != 0
    }

    /// The CC field: how many CSRC identifiers follow the fixed header (RFC 3550 §5.1).
    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.fixed[0] & 0x0f
    }

    /// The M bit, whose meaning the profile defines (RFC 3550 §5.1).
    #[inline]
    pub fn marker(&self) -> bool {
        self.fixed[1] & 0x80 != 0
    }

    /// The PT field (RFC 3550 §5.1).
    #[inline]
    pub fn payload_type(&self) -> PayloadType {
        PayloadType::from_low_bits(self.fixed[1])
    }

    /// The sequence number (RFC 3550 §5.1); see [`crate::sequence`] for wrap-aware
    /// arithmetic.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        u16::from_be_bytes([self.fixed[2], self.fixed[3]])
    }

    /// The RTP timestamp, in the payload format's clock (RFC 3550 §5.1).
    #[inline]
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.fixed[4], self.fixed[5], self.fixed[6], self.fixed[7]])
    }

    /// The synchronization source identifier (RFC 3550 §5.1).
    #[inline]
    pub fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.fixed[8], self.fixed[9], self.fixed[10], self.fixed[11]])
    }

    /// The contributing source identifiers, in order (RFC 3550 §5.1).
    #[inline]
    pub fn csrcs(&self) -> Csrcs<'a> {
        let end = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        Csrcs {
            bytes: self.buf.get(FIXED_HEADER_LEN..end).unwrap_or_default(),
        }
    }

    /// The header extension, when the X bit is set (RFC 3550 §5.3.1); its elements are read
    /// through [`HeaderExtension`] (RFC 8285).
    #[inline]
    pub fn header_extension(&self) -> Option<HeaderExtension<'a>> {
        if !self.has_extension() {
            return None;
        }
        let start = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        let block = self.buf.get(start..self.header_len)?;
        let (&[p0, p1, _, _], data) = block.split_first_chunk::<4>()?;
        Some(HeaderExtension::new(u16::from_be_bytes([p0, p1]), data))
    }

    /// The payload: the bytes between the header and the padding (RFC 3550 §5.1).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.buf
            .get(self.header_len..self.payload_end)
            .unwrap_or_default()
    }

    /// The number of padding bytes at the end, including the count octet; 0 without the P
    /// bit (RFC 3550 §5.1).
    #[inline]
    pub fn padding_len(&self) -> usize {
        self.buf.len() - self.payload_end
    }

    /// The length of the header: fixed part, CSRC list and header extension. The payload
    /// starts at this offset.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The whole packet as parsed.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
}

impl fmt::Debug for RtpPacket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtpPacket")
            .field("marker", &self.marker())
            .field("payload_type", &self.payload_type())
            .field("sequence_number", &self.sequence_number())
            .field("timestamp", &self.timestamp())
            .field("ssrc", &format_args!("{:#010x}", self.ssrc()))
            .field("csrcs", &self.csrcs())
            .field("header_extension", &self.header_extension())
            .field("payload_len", &self.payload().len())
            .field("padding_len", &self.padding_len())
            .finish()
    }
}

/// Iterator over the CSRC identifiers of an [`RtpPacket`] (RFC 3550 §5.1).
#[derive(Clone)]
pub struct Csrcs<'a> {
    bytes: &'a [u8],
}

impl Iterator for Csrcs<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        let (&word, rest) = self.bytes.split_first_chunk::<4>()?;
        self.bytes = rest;
        Some(u32::from_be_bytes(word))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bytes.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Csrcs<'_> {}
impl FusedIterator for Csrcs<'_> {}

impl fmt::Debug for Csrcs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
