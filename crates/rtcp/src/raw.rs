//! Packets this crate does not interpret, kept byte for byte.

use crate::error::Result;
use crate::header::{Header, body};
use crate::packet::Packet;
use crate::wire::Writer;
use std::borrow::Cow;

/// A packet of a type (or feedback format) this crate does not interpret: a well-formed
/// common header and its bytes, kept as they came so that a compound is never cut short by
/// a type a peer invented (RFC 3550 §6.1: receivers ignore unknown types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPacket<'a> {
    /// The whole packet, header and padding included.
    pub bytes: Cow<'a, [u8]>,
}

impl RawPacket<'_> {
    /// The packet's common header.
    pub fn header(&self) -> Result<Header> {
        Header::parse(&self.bytes)
    }
}

impl<'a> Packet<'a> for RawPacket<'a> {
    fn parse(packet: &'a [u8]) -> Result<Self> {
        let header = Header::parse(packet)?;
        body(packet, &header)?;
        Ok(Self {
            bytes: Cow::Borrowed(packet),
        })
    }

    fn size(&self) -> usize {
        self.bytes.len()
    }

    fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf, self.bytes.len())?;
        w.put(&self.bytes)?;
        Ok(w.written())
    }
}
