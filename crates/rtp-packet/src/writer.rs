//! Writing RTP packets into a caller's buffer, without allocating (RFC 3550 §5.1).

use crate::error::Error;
use crate::extension::{ExtensionForm, ExtensionWriter};
use crate::header::RtpHeader;
use crate::packet::{FIXED_HEADER_LEN, RTP_VERSION};
use core::fmt;

/// Writes one RTP packet into a `&mut [u8]`, in wire order: the header (on creation), then
/// at most one header extension, then the payload and padding ([`PacketWriter::finish`]).
///
/// ```
/// use rtp_packet::{ExtensionForm, PacketWriter, PayloadType, RtpHeader, RtpPacket};
/// use rtp_packet::extension::AudioLevel;
///
/// let mut buf = [0u8; 64];
/// let header = RtpHeader::new(PayloadType::PCMU, 7, 160, 0x1234_5678);
/// let mut writer = PacketWriter::new(&mut buf, &header)?;
/// writer.extension(ExtensionForm::OneByte)?.push_value(1, &AudioLevel::new(true, 30)?)?;
/// let len = writer.finish(&[0xff; 20], 0)?;
///
/// let packet = RtpPacket::parse(&buf[..len])?;
/// assert_eq!(packet.sequence_number(), 7);
/// assert_eq!(packet.header_extension().unwrap().value::<AudioLevel>(1)?, Some(AudioLevel::new(true, 30)?));
/// # Ok::<(), rtp_packet::Error>(())
/// ```
pub struct PacketWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    has_extension: bool,
}

impl<'b> PacketWriter<'b> {
    /// Writes the fixed header and CSRC list of `header` at the start of `buf`.
    #[inline]
    pub fn new(buf: &'b mut [u8], header: &RtpHeader) -> Result<Self, Error> {
        let csrcs = header.csrcs.as_slice();
        let len = header.encoded_len();
        let got = buf.len();
        let (fixed, rest) = buf
            .split_first_chunk_mut::<FIXED_HEADER_LEN>()
            .ok_or(Error::BufferTooSmall { needed: len, got })?;
        let list = rest
            .get_mut(..4 * csrcs.len())
            .ok_or(Error::BufferTooSmall { needed: len, got })?;
        let [s0, s1] = header.sequence_number.to_be_bytes();
        let [t0, t1, t2, t3] = header.timestamp.to_be_bytes();
        let [c0, c1, c2, c3] = header.ssrc.to_be_bytes();
        *fixed = [
            RTP_VERSION << 6 | csrcs.len() as u8,
            u8::from(header.marker) << 7 | header.payload_type.value(),
            s0,
            s1,
            t0,
            t1,
            t2,
            t3,
            c0,
            c1,
            c2,
            c3,
        ];
        for (slot, id) in list.chunks_exact_mut(4).zip(csrcs) {
            slot.copy_from_slice(&id.to_be_bytes());
        }
        Ok(Self {
            buf,
            len,
            has_extension: false,
        })
    }

    /// Starts an RFC 8285 header extension in `form` and returns a writer for its elements.
    /// The X bit is set and the block is valid (possibly empty) after every element.
    pub fn extension(&mut self, form: ExtensionForm) -> Result<ExtensionWriter<'_>, Error> {
        self.start_extension(form.profile())?;
        Ok(ExtensionWriter::new(self.buf, &mut self.len, form))
    }

    /// Writes a header extension with any profile and `data` verbatim (RFC 3550 §5.3.1);
    /// `data` must be a whole number of 32-bit words.
    pub fn raw_extension(&mut self, profile: u16, data: &[u8]) -> Result<(), Error> {
        if data.len() % 4 != 0 {
            return Err(Error::ExtensionNotWordAligned { len: data.len() });
        }
        let words = u16::try_from(data.len() / 4)
            .map_err(|_| Error::ExtensionTooLong { len: data.len() })?;
        let needed = self.len + 4 + data.len();
        let got = self.buf.len();
        if got < needed {
            return Err(Error::BufferTooSmall { needed, got });
        }
        let start = self.len;
        self.start_extension(profile)?;
        if let Some(block) = self.buf.get_mut(start + 2..needed) {
            let (length, body) = block.split_at_mut(2);
            length.copy_from_slice(&words.to_be_bytes());
            body.copy_from_slice(data);
        }
        self.len = needed;
        Ok(())
    }

    fn start_extension(&mut self, profile: u16) -> Result<(), Error> {
        if self.has_extension {
            return Err(Error::ExtensionAlreadyWritten);
        }
        let needed = self.len + 4;
        let got = self.buf.len();
        let slot = self
            .buf
            .get_mut(self.len..needed)
            .ok_or(Error::BufferTooSmall { needed, got })?;
        let [p0, p1] = profile.to_be_bytes();
        slot.copy_from_slice(&[p0, p1, 0, 0]);
        if let Some(first) = self.buf.first_mut() {
            *first |= 0x10;
        }
        self.has_extension = true;
        self.len = needed;
        Ok(())
    }

    /// The bytes written so far (header, CSRCs, extension).
    #[inline]
    pub fn header_len(&self) -> usize {
        self.len
    }

    /// Writes `payload` and `padding` bytes of padding (0 for none, else 1–255 including the
    /// count octet, setting the P bit) and returns the packet length (RFC 3550 §5.1).
    #[inline]
    pub fn finish(self, payload: &[u8], padding: u8) -> Result<usize, Error> {
        self.finish_with(payload.len(), padding, |out| out.copy_from_slice(payload))
    }

    /// Like [`PacketWriter::finish`], but `fill` writes the `payload_len` payload bytes in
    /// place, for payloaders that build the payload directly in the packet.
    #[inline]
    pub fn finish_with(
        self,
        payload_len: usize,
        padding: u8,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<usize, Error> {
        let payload_end = self.len + payload_len;
        let total = payload_end + usize::from(padding);
        let got = self.buf.len();
        let body = self
            .buf
            .get_mut(self.len..total)
            .ok_or(Error::BufferTooSmall { needed: total, got })?;
        let (payload, pad) = body.split_at_mut(payload_len);
        fill(payload);
        if let Some((count, zeros)) = pad.split_last_mut() {
            zeros.fill(0);
            *count = padding;
            if let Some(first) = self.buf.first_mut() {
                *first |= 0x20;
            }
        }
        Ok(total)
    }
}

impl fmt::Debug for PacketWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketWriter")
            .field("written", &self.len)
            .field("capacity", &self.buf.len())
            .field("has_extension", &self.has_extension)
            .finish()
    }
}
