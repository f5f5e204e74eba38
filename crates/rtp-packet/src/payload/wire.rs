//! Bounds-checked octet reading and writing for the payload descriptors.

use super::PayloadError;

/// Reads octets from untrusted input; running out is [`PayloadError::Truncated`].
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, PayloadError> {
        let byte = *self.data.get(self.pos).ok_or(PayloadError::Truncated {
            needed: self.pos + 1,
            got: self.data.len(),
        })?;
        self.pos += 1;
        Ok(byte)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, PayloadError> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    /// Octets consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The octets not consumed yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }
}

/// Writes octets into a caller's buffer whose room was checked up front by [`Writer::new`].
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Fails with [`PayloadError::BufferTooSmall`] unless `buf` holds `needed` octets.
    pub(crate) fn new(buf: &'a mut [u8], needed: usize) -> Result<Self, PayloadError> {
        if buf.len() < needed {
            return Err(PayloadError::BufferTooSmall {
                needed,
                got: buf.len(),
            });
        }
        Ok(Self { buf, pos: 0 })
    }

    pub(crate) fn u8(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.pos) {
            *slot = byte;
        }
        self.pos += 1;
    }

    pub(crate) fn u16(&mut self, value: u16) {
        let [hi, lo] = value.to_be_bytes();
        self.u8(hi);
        self.u8(lo);
    }

    /// Octets written so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }
}
