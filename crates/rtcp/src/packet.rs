//! The interface every RTCP packet type implements.

use crate::error::Result;

/// One RTCP packet: parsed from its wire bytes, sized, and written into a caller's buffer.
///
/// Every packet type of the crate implements it, and so does [`crate::AnyPacket`], so
/// compound packets, tests and fuzzers treat all types alike. Parsing borrows the input:
/// lists and byte strings stay in the datagram until asked for, and nothing is allocated.
pub trait Packet<'a>: Sized {
    /// Parses exactly one packet: `packet` starts with the common header and its length
    /// field must cover the whole slice (RFC 3550 §6.4.1). Padding is removed.
    fn parse(packet: &'a [u8]) -> Result<Self>;

    /// Bytes [`Packet::write`] produces (a multiple of 4).
    fn size(&self) -> usize;

    /// Writes the packet, without padding, at the front of `buf`; returns the bytes written.
    fn write(&self, buf: &mut [u8]) -> Result<usize>;

    /// Writes the packet into a new `Vec`.
    fn to_vec(&self) -> Result<Vec<u8>> {
        let mut v = vec![0; self.size()];
        let n = self.write(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}
