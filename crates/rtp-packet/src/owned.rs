//! An owned RTP packet, for code that keeps packets beyond the receive buffer's lifetime
//! (RFC 3550 §5.1).

use crate::error::Error;
use crate::extension::HeaderExtension;
use crate::header::RtpHeader;
use crate::packet::RtpPacket;
use crate::writer::PacketWriter;
use bytes::BufMut;

/// A header extension block kept by value: profile and data (RFC 3550 §5.3.1). `data` must
/// be a whole number of 32-bit words to be written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedExtension {
    /// The "defined by profile" field (`0xBEDE` or `0x100x` for RFC 8285 elements).
    pub profile: u16,
    /// The extension data after the 4-byte extension header.
    pub data: Vec<u8>,
}

/// An RTP packet that owns its bytes. Writing it produces version 2 always; the P, X and CC
/// bits follow from `padding`, `extension` and `header.csrcs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedPacket {
    /// The header fields.
    pub header: RtpHeader,
    /// The header extension, if any.
    pub extension: Option<OwnedExtension>,
    /// The payload.
    pub payload: Vec<u8>,
    /// Padding bytes including the count octet: 0 for none, else 1–255.
    pub padding: u8,
}

impl OwnedPacket {
    /// A packet with `header` and `payload`, no extension and no padding.
    pub fn new(header: RtpHeader, payload: Vec<u8>) -> Self {
        Self {
            header,
            extension: None,
            payload,
            padding: 0,
        }
    }

    /// Parses and copies `buf` (see [`RtpPacket::parse`]).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        RtpPacket::parse(buf).map(|p| Self::from_packet(&p))
    }

    /// Copies a parsed packet. Padding contents are not kept, only their length.
    pub fn from_packet(packet: &RtpPacket<'_>) -> Self {
        Self {
            header: RtpHeader::from_packet(packet),
            extension: packet.header_extension().map(|e| OwnedExtension {
                profile: e.profile(),
                data: e.data().to_vec(),
            }),
            payload: packet.payload().to_vec(),
            padding: packet.padding_len() as u8,
        }
    }

    /// A borrowed view of the header extension.
    pub fn header_extension(&self) -> Option<HeaderExtension<'_>> {
        self.extension
            .as_ref()
            .map(|e| HeaderExtension::new(e.profile, &e.data))
    }

    /// The length of the packet on the wire.
    pub fn encoded_len(&self) -> usize {
        self.header.encoded_len()
            + self.extension.as_ref().map_or(0, |e| 4 + e.data.len())
            + self.payload.len()
            + usize::from(self.padding)
    }

    /// Writes the packet at the start of `buf` and returns its length.
    pub fn write_to(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut writer = PacketWriter::new(buf, &self.header)?;
        if let Some(e) = &self.extension {
            writer.raw_extension(e.profile, &e.data)?;
        }
        writer.finish(&self.payload, self.padding)
    }

    /// Appends the packet to `out`; fails without writing anything when `out` has too little
    /// room or the extension data is not word-aligned.
    pub fn put<B: BufMut>(&self, out: &mut B) -> Result<(), Error> {
        let needed = self.encoded_len();
        if out.remaining_mut() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                got: out.remaining_mut(),
            });
        }
        let mut first = super::RTP_VERSION << 6 | self.header.csrcs.len() as u8;
        if let Some(e) = &self.extension {
            if e.data.len() % 4 != 0 {
                return Err(Error::ExtensionNotWordAligned { len: e.data.len() });
            }
            if e.data.len() / 4 > usize::from(u16::MAX) {
                return Err(Error::ExtensionTooLong { len: e.data.len() });
            }
            first |= 0x10;
        }
        if self.padding != 0 {
            first |= 0x20;
        }
        out.put_u8(first);
        out.put_u8(u8::from(self.header.marker) << 7 | self.header.payload_type.value());
        out.put_u16(self.header.sequence_number);
        out.put_u32(self.header.timestamp);
        out.put_u32(self.header.ssrc);
        for &csrc in self.header.csrcs.as_slice() {
            out.put_u32(csrc);
        }
        if let Some(e) = &self.extension {
            out.put_u16(e.profile);
            out.put_u16((e.data.len() / 4) as u16);
            out.put_slice(&e.data);
        }
        out.put_slice(&self.payload);
        if self.padding != 0 {
            out.put_bytes(0, usize::from(self.padding) - 1);
            out.put_u8(self.padding);
        }
        Ok(())
    }

    /// The packet as a new `Vec`.
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.put(&mut out)?;
        Ok(out)
    }
}
