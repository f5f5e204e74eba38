//! Writing RFC 8285 header extension elements into a packet being written.

use super::{ExtensionForm, ExtensionValue};
use crate::error::Error;
use core::fmt;

/// Appends RFC 8285 elements to the header extension a [`crate::PacketWriter`] started.
///
/// After every [`push`](ExtensionWriter::push) the block is complete: zero padding up to the
/// next 32-bit boundary (RFC 8285 §4.1) and the length field are rewritten, so there is no
/// finishing step to forget.
pub struct ExtensionWriter<'w> {
    buf: &'w mut [u8],
    packet_len: &'w mut usize,
    form: ExtensionForm,
    /// Offset of the 4-byte extension header in `buf`.
    start: usize,
    /// Element bytes written after the extension header, without trailing padding.
    content: usize,
}

impl<'w> ExtensionWriter<'w> {
    /// `packet_len` is the packet length so far, which ends with a just-written extension
    /// header.
    pub(crate) fn new(buf: &'w mut [u8], packet_len: &'w mut usize, form: ExtensionForm) -> Self {
        let start = *packet_len - 4;
        Self {
            buf,
            packet_len,
            form,
            start,
            content: 0,
        }
    }

    /// The form elements are written in.
    pub fn form(&self) -> ExtensionForm {
        self.form
    }

    /// Appends an element with local ID `id` and `data`, checking the form's ID and length
    /// rules (RFC 8285 §4.2, §4.3).
    pub fn push(&mut self, id: u8, data: &[u8]) -> Result<&mut Self, Error> {
        self.form.check(id, data.len())?;
        let element_header: &[u8] = match self.form {
            ExtensionForm::OneByte => &[id << 4 | (data.len() - 1) as u8],
            ExtensionForm::TwoByte => &[id, data.len() as u8],
        };
        let content = self.content + element_header.len() + data.len();
        let padded = content.next_multiple_of(4);
        let words =
            u16::try_from(padded / 4).map_err(|_| Error::ExtensionTooLong { len: padded })?;
        let body_start = self.start + 4;
        let needed = body_start + padded;
        let got = self.buf.len();
        let block = self
            .buf
            .get_mut(self.start..needed)
            .ok_or(Error::BufferTooSmall { needed, got })?;
        let (head, body) = block.split_at_mut(4);
        if let Some(element) = body.get_mut(self.content..content) {
            let (header_bytes, data_bytes) = element.split_at_mut(element_header.len());
            header_bytes.copy_from_slice(element_header);
            data_bytes.copy_from_slice(data);
        }
        if let Some(padding) = body.get_mut(content..) {
            padding.fill(0);
        }
        if let Some(length) = head.get_mut(2..4) {
            length.copy_from_slice(&words.to_be_bytes());
        }
        self.content = content;
        *self.packet_len = needed;
        Ok(self)
    }

    /// Appends a typed value under local ID `id`.
    pub fn push_value<T: ExtensionValue>(&mut self, id: u8, value: &T) -> Result<&mut Self, Error> {
        self.push(id, value.to_bytes().as_ref())
    }
}

impl fmt::Debug for ExtensionWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionWriter")
            .field("form", &self.form)
            .field("element_bytes", &self.content)
            .finish()
    }
}
